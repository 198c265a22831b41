import TrialModel

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
    public static func group(_ records: [TrialRecord]) -> [Trial] {
        groups(records.map(RecordKey.init)).map { members in trial(members.map { records[$0] }) }
    }

    /// The trials of `keys` as lists of indices into `keys`: each list sorted by source, the lists
    /// sorted by the trial's display ID. Deterministic for any input order.
    public static func groups(_ keys: [RecordKey]) -> [[Int]] {
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
        var groups: [Int: [Int]] = [:]
        for i in sorted.indices { groups[find(i), default: []].append(sorted[i]) }
        let displayed = groups.values.map { members -> (TrialID, [Int]) in
            let global = members.lazy.flatMap { keys[$0].globalIDs }.min()
            return (global ?? members.map { keys[$0].primaryID }.min()!, members)
        }
        return displayed.sorted { ($0.0.registry, $0.0.value) < ($1.0.registry, $1.0.value) }.map(\.1)
    }

    /// The trial of `members` (records of one trial, sorted by source): their parameters merged,
    /// shown under the smallest global registry ID, else the smallest primary ID.
    public static func trial(_ members: [TrialRecord]) -> Trial {
        var merged = TrialParameters()
        for m in members { merged.merge(m.parameters) }
        let ids = Set(merged.registryIDs.map(\.value)).sorted()
        let display = ids.filter(\.isGlobal).min() ?? members.map(\.primaryID).min()!
        return Trial(id: display, registryIDs: ids, records: members, parameters: merged)
    }
}
