import Foundation
import TrialModel
import TrialSupport

/// What grouping needs of one record: where it came from and the IDs it is known by. A spilled
/// landscape groups these alone and reads the records back per trial.
public struct RecordKey: Sendable, Hashable {
    public var source: SourceRef
    public var primaryID: TrialID
    /// The record's global registry IDs (NCT, ChiCTR, EudraCT, …).
    public var globalIDs: [TrialID]

    public init(source: SourceRef, primaryID: TrialID, globalIDs: [TrialID]) {
        self.source = source
        self.primaryID = primaryID
        self.globalIDs = globalIDs
    }

    public init(_ record: TrialRecord) {
        self.init(source: record.source, primaryID: record.primaryID, globalIDs: record.globalIDs)
    }
}

/// Groups source records into trials: records that share any global registry ID (NCT, ChiCTR,
/// EudraCT, …) are one trial, transitively; every source is kept.
public enum TrialGrouper {
    /// Groups `records` into trials, sorted by display ID. Deterministic for any input order.
    /// The trials are built (their parameters merged) on up to `jobs` cores.
    public static func group(_ records: [TrialRecord], jobs: Int = ProcessInfo.processInfo.activeProcessorCount) -> [Trial] {
        let flat = flatGroups(records.map(RecordKey.init))
        return Parallel.mapChunks(count: flat.starts.count - 1, chunk: 256, jobs: jobs) { range in
            range.map { t in trial(flat.members[flat.starts[t]..<flat.starts[t + 1]].map { records[$0] }) }
        }
    }

    /// The trials of `keys` as lists of indices into `keys`: each list sorted by source, the lists
    /// sorted by the trial's display ID. Deterministic for any input order.
    public static func groups(_ keys: [RecordKey]) -> [[Int]] {
        let flat = flatGroups(keys)
        return flat.starts.indices.dropLast().map { Array(flat.members[flat.starts[$0]..<flat.starts[$0 + 1]]) }
    }

    /// ``groups(_:)`` as two flat arrays: trial `t`'s record indices are
    /// `members[starts[t]..<starts[t + 1]]`. Built without an array or dictionary entry per
    /// trial, since a registry dump's 100k trials would hold one each (20 MB at 100k).
    public static func flatGroups(_ keys: [RecordKey]) -> (members: [Int], starts: [Int]) {
        let sorted = keys.indices.sorted { keys[$0].source < keys[$1].source }
        // Union-find over positions in `sorted`, keyed by global IDs.
        var parent = Array(sorted.indices)
        func find(_ i: Int) -> Int {
            var i = i
            while parent[i] != i {
                parent[i] = parent[parent[i]]
                i = parent[i]
            }
            return i
        }
        var owner: [TrialID: Int] = [:]
        for (i, k) in sorted.enumerated() {
            let key = keys[k]
            for id in key.globalIDs.isEmpty ? [key.primaryID] : key.globalIDs {
                if let j = owner[id] {
                    let a = find(i), b = find(j)
                    if a != b { parent[max(a, b)] = min(a, b) }
                } else {
                    owner[id] = i
                }
            }
        }
        owner = [:]
        // Each group's root (its first position, unions always keep the smaller) and display
        // ID: the smallest global ID of its members, else their smallest primary ID.
        let root = sorted.indices.map(find)
        var global: [TrialID?] = Array(repeating: nil, count: sorted.count)
        var primary: [TrialID?] = Array(repeating: nil, count: sorted.count)
        for (i, r) in root.enumerated() {
            let key = keys[sorted[i]]
            if let g = key.globalIDs.min(), global[r].map({ g < $0 }) ?? true { global[r] = g }
            if primary[r].map({ key.primaryID < $0 }) ?? true { primary[r] = key.primaryID }
        }
        let roots = sorted.indices.filter { root[$0] == $0 }
        func display(_ r: Int) -> TrialID { global[r] ?? primary[r]! }
        let order = roots.sorted { a, b in
            let x = display(a), y = display(b)
            return (x.registry, x.value, a) < (y.registry, y.value, b)
        }
        // Members in source order within each group: a counting sort by the groups' order.
        var slot = Array(repeating: 0, count: sorted.count)
        for (t, r) in order.enumerated() { slot[r] = t }
        var starts = Array(repeating: 0, count: order.count + 1)
        for r in root { starts[slot[r] + 1] += 1 }
        for t in order.indices { starts[t + 1] += starts[t] }
        var next = starts
        var members = Array(repeating: 0, count: sorted.count)
        for (i, r) in root.enumerated() {
            members[next[slot[r]]] = sorted[i]
            next[slot[r]] += 1
        }
        return (members, starts)
    }

    /// The trial of `members` (records of one trial, sorted by source): their parameters merged,
    /// shown under the smallest global registry ID, else the smallest primary ID.
    public static func trial(_ members: [TrialRecord]) -> Trial {
        let merged = TrialParameters.merged(members.map(\.parameters))
        let ids = Set(merged.registryIDs.map(\.value)).sorted()
        let display = ids.filter(\.isGlobal).min() ?? members.map(\.primaryID).min()!
        return Trial(id: display, registryIDs: ids, records: members, parameters: merged)
    }
}
