import TrialModel

/// Groups source records into trials: records that share any global registry ID (NCT, ChiCTR,
/// EudraCT, …) are one trial, transitively; every source is kept.
public enum TrialGrouper {
    /// Groups `records` into trials, sorted by display ID. Deterministic for any input order.
    public static func group(_ records: [TrialRecord]) -> [Trial] {
        let sorted = records.sorted { $0.source < $1.source }
        // Union-find over record indices keyed by global IDs.
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
        for (i, record) in sorted.enumerated() {
            let keys = record.globalIDs.isEmpty ? [record.primaryID] : record.globalIDs
            for id in keys {
                if let j = owner[id] {
                    let a = find(i), b = find(j)
                    if a != b { parent[max(a, b)] = min(a, b) }
                } else {
                    owner[id] = i
                }
            }
        }
        var groups: [Int: [TrialRecord]] = [:]
        for i in sorted.indices { groups[find(i), default: []].append(sorted[i]) }

        let trials = groups.values.map { members -> Trial in
            var merged = TrialParameters()
            for m in members { merged.merge(m.parameters) }
            let ids = Set(merged.registryIDs.map(\.value)).sorted()
            let display = ids.filter(\.isGlobal).min() ?? members.map(\.primaryID).min()!
            return Trial(id: display, registryIDs: ids, records: members, parameters: merged)
        }
        return trials.sorted { ($0.id.registry, $0.id.value) < ($1.id.registry, $1.id.value) }
    }
}
