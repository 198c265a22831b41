import Foundation
import TrialModel
import TrialSupport

/// How snapshots are compared.
public enum ChangeRules {
    /// Matrix rows that identify a trial or its files rather than state a parameter; never
    /// reported as changes (a renamed file changes `source_files`, not the trial).
    public static let identityKeys: Set<String> = ["trial_id", "source_files"]

    /// Position of `key` in `ParameterCatalog.all`; unknown keys (from another trialdiff version)
    /// sort after, by key.
    static let catalogOrder: [String: Int] = Dictionary(
        uniqueKeysWithValues: ParameterCatalog.all.enumerated().map { ($0.element.key, $0.offset) })

    /// True when two cells mean the same: the same set of (text, csv) pairs, whatever their
    /// order and evidence.
    public static func sameMeaning(_ a: [RecordedValue], _ b: [RecordedValue]) -> Bool {
        Set(a.map(\.meaning)) == Set(b.map(\.meaning))
    }

    /// Rules whose findings compare trials with each other (one product's trials): their
    /// messages quote the other trials' values.
    static let crossTrialRules = Set(FindingRules.landscape.map(\.id))

    /// The identity of a finding across runs: rule, trial and message; for a cross-trial rule,
    /// rule and trial only, so that a change of one trial does not count the others as changed
    /// (their finding's message quotes the changed value, but nothing of theirs changed).
    struct FindingKey: Hashable {
        var rule: String
        var trial: String
        var message: String
        init(_ f: Finding) {
            rule = f.rule
            trial = f.trial
            message = ChangeRules.crossTrialRules.contains(f.rule) ? "" : f.message
        }
    }

    /// `findings` as if renamed input files had had their new paths: messages that name a
    /// file (e.g. "Sources disagree on status: … in a.xml vs … in b.xml") name the new path, so a
    /// rename alone does not open and resolve the finding.
    public static func applyingRenames(_ renames: [InputRename], to findings: [Finding]) -> [Finding] {
        guard !renames.isEmpty else { return findings }
        // Longer paths first, so "dir/a.xml" is replaced before a shorter path it contains.
        let ordered = renames.sorted { ($0.from.count, $0.from) > ($1.from.count, $1.from) }
        return findings.map { f in
            var f = f
            guard ordered.contains(where: { f.message.contains($0.from) }) else { return f }
            // Replace through placeholders so a new path equal to another old path is not
            // replaced twice.
            var message = f.message
            for (i, r) in ordered.enumerated() { message = message.replacing(r.from, with: "\u{0}\(i)\u{0}") }
            for (i, r) in ordered.enumerated() { message = message.replacing("\u{0}\(i)\u{0}", with: r.to) }
            f.message = message
            return f
        }
    }

    /// Parameter changes of one trial, in matrix row order.
    public static func parameterChanges(from old: SnapshotTrial, to new: SnapshotTrial) -> [ParameterChange] {
        var labels: [String: String] = [:]
        var oldValues: [String: [RecordedValue]] = [:]
        var newValues: [String: [RecordedValue]] = [:]
        for p in old.parameters {
            oldValues[p.key] = p.values
            labels[p.key] = p.label
        }
        for p in new.parameters {
            newValues[p.key] = p.values
            labels[p.key] = p.label
        }
        let keys = Set(oldValues.keys).union(newValues.keys).subtracting(identityKeys).sorted { a, b in
            let ia = catalogOrder[a] ?? Int.max, ib = catalogOrder[b] ?? Int.max
            return ia != ib ? ia < ib : a < b
        }
        var out: [ParameterChange] = []
        for key in keys {
            let o = oldValues[key] ?? [], n = newValues[key] ?? []
            if sameMeaning(o, n) { continue }
            out.append(ParameterChange(key: key, label: labels[key] ?? key, old: o, new: n))
        }
        return out
    }

    /// Findings of `new` not in `old`, and of `old` not in `new`, each sorted. `oldMatching`
    /// (default: `old`) are the old findings as compared, e.g. with renamed paths applied; the
    /// resolved ones are returned as they were recorded.
    ///
    /// With `wordOrderTolerant` (set when inputs were renamed), an opened and a resolved finding
    /// of one rule and trial whose messages hold the same words in another order are the same
    /// finding: a rule that lists sources in file order ("X in a.xml vs Y in b.xml") reorders
    /// them when a file is renamed.
    static func findingChanges(
        from old: [Finding], matching oldMatching: [Finding]? = nil, to new: [Finding], wordOrderTolerant: Bool = false
    ) -> (opened: [Finding], resolved: [Finding]) {
        let matching = oldMatching ?? old
        let oldKeys = Set(matching.map(FindingKey.init)), newKeys = Set(new.map(FindingKey.init))
        var seen: Set<FindingKey> = []
        var opened = new.filter { !oldKeys.contains(FindingKey($0)) && seen.insert(FindingKey($0)).inserted }
        seen = []
        var resolvedPairs = zip(old, matching).filter { pair in
            let key = FindingKey(pair.1)
            return !newKeys.contains(key) && seen.insert(key).inserted
        }
        if wordOrderTolerant, !opened.isEmpty, !resolvedPairs.isEmpty {
            func words(_ f: Finding) -> [String] {
                let edge: Set<Character> = [",", ";", ":", ".", "(", ")"]
                return [f.rule, f.trial]
                    + f.message.split(separator: " ").map { w in
                        var w = Substring(w)
                        while let c = w.first, edge.contains(c) { w = w.dropFirst() }
                        while let c = w.last, edge.contains(c) { w = w.dropLast() }
                        return String(w)
                    }.sorted()
            }
            var unmatched = opened
            resolvedPairs = resolvedPairs.filter { pair in
                guard let i = unmatched.firstIndex(where: { words($0) == words(pair.1) }) else { return true }
                unmatched.remove(at: i)
                return false
            }
            opened = unmatched
        }
        return (opened.sorted(), resolvedPairs.map(\.0).sorted())
    }

    /// The change of one trial present in both snapshots (possibly empty).
    public static func trialChange(
        from old: SnapshotTrial, _ oldFindings: [Finding], to new: SnapshotTrial, _ newFindings: [Finding],
        renames: [InputRename] = []
    ) -> TrialChange {
        let f = findingChanges(
            from: oldFindings, matching: applyingRenames(renames, to: oldFindings), to: newFindings,
            wordOrderTolerant: !renames.isEmpty)
        return TrialChange(
            id: new.id, title: new.title, parameters: parameterChanges(from: old, to: new), findingsNew: f.opened,
            findingsResolved: f.resolved)
    }
}

extension ChangeSet {
    /// What changed from `old` (the previous run; nil on the first run) to `new`.
    ///
    /// Compares meaning, not strings of evidence: a value whose `csv` and `text` are unchanged is
    /// unchanged even if its quote moved to another file or line. Inputs are compared by path
    /// and content hash (see `InputChanges(from:to:)`).
    public init(from old: Snapshot?, to new: Snapshot, jobs: Int = ProcessInfo.processInfo.activeProcessorCount) {
        guard let old else {
            self.init(
                isBaseline: true, inputs: InputChanges(from: [], to: new.inputs), trialsAdded: new.trials.refs)
            return
        }
        // Old trials by ID, as positions: a registry dump's previous run is not built trial by
        // trial unless its state differs (`shared` says which equal this run's by construction).
        let shared = old.trials.positionsShared(with: new.trials)
        let newRefs = new.trials.refs
        let oldRefs = old.trials.refs(sharing: shared, with: newRefs)
        var oldByID: [String: Int] = [:]
        for (i, ref) in oldRefs.enumerated() { oldByID[ref.id] = i }
        let newIDs = Set(newRefs.map(\.id))
        let inputs = InputChanges(from: old.inputs, to: new.inputs)
        var oldFindings: [String: [Finding]] = [:]
        for f in old.findings { oldFindings[f.trial, default: []].append(f) }
        var newFindings: [String: [Finding]] = [:]
        for f in new.findings { newFindings[f.trial, default: []].append(f) }

        let added = newRefs.filter { oldByID[$0.id] == nil }
        // Trials are compared independently: in chunks on up to `jobs` cores, in trial order.
        let changed = Parallel.mapChunks(count: new.trials.count, chunk: 256, jobs: jobs) {
            range in
            range.compactMap { i -> TrialChange? in
                let id = newRefs[i].id
                guard let oi = oldByID[id] else { return nil }
                let before = oldFindings[id] ?? [], after = newFindings[id] ?? []
                // Equal states and findings: nothing to compare.
                if shared[oi] == i, before == after { return nil }
                let o = old.trials[oi], t = new.trials[i]
                if o == t, before == after { return nil }
                let c = ChangeRules.trialChange(
                    from: o, before, to: t, after, renames: inputs.renamed)
                return c.isEmpty ? nil : c
            }
        }
        let removed = oldRefs.filter { !newIDs.contains($0.id) }
        self.init(
            isBaseline: false, inputs: inputs, trialsAdded: added,
            trialsRemoved: removed, trialsChanged: changed)
    }
}
