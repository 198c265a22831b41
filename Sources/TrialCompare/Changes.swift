import Foundation
import TrialModel
import TrialSupport

/// The values of one matrix row for one trial, as a run recorded them.
public struct ParameterValues: Codable, Sendable, Hashable {
    /// Matrix row key, e.g. `lvef_min_percent`.
    public var key: String
    /// Report label at the time of the run.
    public var label: String
    /// Never empty in a snapshot: a parameter that is not stated is left out.
    public var values: [RecordedValue]

    public init(key: String, label: String, values: [RecordedValue]) {
        self.key = key
        self.label = label
        self.values = values
    }

    /// Writes the row's compact, sorted-key JSON (as `StableJSONEncoder(pretty: false)` does).
    public func write(to json: inout CompactJSONWriter) {
        json.raw("{\"key\":")
        json.string(key)
        json.raw(",\"label\":")
        json.string(label)
        json.raw(",\"values\":")
        json.array(values) { json, v in v.write(to: &json) }
        json.raw("}")
    }
}

/// One trial as a run recorded it.
public struct SnapshotTrial: Codable, Sendable, Hashable {
    /// Display ID, e.g. `NCT00513591`.
    public var id: String
    /// The title cell's text ("" when none).
    public var title: String
    /// Every stated matrix row (including `registry_ids` and `source_files`, excluding
    /// `trial_id`), in matrix row order.
    public var parameters: [ParameterValues]

    public init(id: String, title: String, parameters: [ParameterValues]) {
        self.id = id
        self.title = title
        self.parameters = parameters
    }

    /// The values of row `key`; empty when not stated.
    public subscript(key: String) -> [RecordedValue] { parameters.first { $0.key == key }?.values ?? [] }

    public var ref: TrialRef { TrialRef(id: id, title: title) }

    /// The trial's compact JSON with keys sorted: byte for byte what `StableJSONEncoder(pretty:
    /// false)` writes, written directly. A run stores and hashes this for every trial; through
    /// the generic encoder it took 5 % of a first run's CPU time.
    public func compactSortedJSON() -> [UInt8] {
        var json = CompactJSONWriter()
        json.raw("{\"id\":")
        json.string(id)
        json.raw(",\"parameters\":")
        json.array(parameters) { json, p in p.write(to: &json) }
        json.raw(",\"title\":")
        json.string(title)
        json.raw("}")
        return json.bytes
    }
}

/// What a run records and what the next run compares against: per trial its stated parameter
/// values with evidence, the findings, and the input files with their content hashes.
public struct Snapshot: Codable, Sendable, Hashable {
    /// Trials in landscape order (by display ID as the matrix orders them).
    public var trials: SnapshotTrials
    /// Findings, sorted (`Finding.<`).
    public var findings: [Finding]
    /// Input files, sorted by path.
    public var inputs: [InputFingerprint]

    public init(trials: [SnapshotTrial], findings: [Finding], inputs: [InputFingerprint]) {
        self.init(trials: SnapshotTrials(trials), findings: findings, inputs: inputs)
    }

    public init(trials: SnapshotTrials, findings: [Finding], inputs: [InputFingerprint]) {
        self.trials = trials
        self.findings = findings.sorted()
        self.inputs = inputs.sorted()
    }

    /// The snapshot of `landscape`: every non-empty matrix cell of every trial (except the
    /// `trial_id` row, which is the trial's ID), the landscape's findings, and `inputs` — the
    /// content hash and size of each input file, computed by the caller
    /// (`SnapshotStore.sha256(_:)`). Its trials are read off the matrix when visited, not copied.
    public init(landscape: Landscape, inputs: [InputFingerprint]) {
        self.init(trials: SnapshotTrials(matrix: landscape.matrix), findings: landscape.findings, inputs: inputs)
    }

    /// The trial with display ID `id`.
    public func trial(_ id: String) -> SnapshotTrial? { trials.first { $0.id == id } }

    /// Findings about trial `id`.
    public func findings(for id: String) -> [Finding] { findings.filter { $0.trial == id } }
}

/// The trials of a snapshot, in landscape order: as decoded, read off this run's matrix on each
/// access, or (a stored run) partly the trials of another list whose states are the same. A run
/// of 100k trials would otherwise hold each trial's parameter lists a second time until it is
/// saved (84 MB at 100k, and all of the matrix's values when its columns are in a spill file),
/// and a rerun a third time for the previous run's states; walk the list once per pass, as the
/// change set and the store do.
public struct SnapshotTrials: ArrayEquivalent, Sendable {
    private indirect enum Storage: Sendable {
        case array([SnapshotTrial])
        case matrix(Matrix)
        case reusing(base: SnapshotTrials, entries: [Entry])
    }

    /// A trial of a list built on another (``init(reusing:entries:)``): the base list's trial
    /// at a position, or a trial of its own.
    public enum Entry: Sendable, Hashable {
        case base(Int)
        case own(SnapshotTrial)
    }

    private let storage: Storage

    /// The trials `trials`.
    public init(_ trials: [SnapshotTrial]) { storage = .array(trials) }

    /// The trials of `matrix`, one per column.
    public init(matrix: Matrix) { storage = .matrix(matrix) }

    /// Trials taken from `base` where their state is the same (a stored run whose states this run
    /// already holds, recognized by hash), and held where not.
    public init(reusing base: SnapshotTrials, entries: [Entry]) {
        storage = .reusing(base: base, entries: entries)
    }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .array(let trials): trials.count
        case .matrix(let matrix): matrix.trials.count
        case .reusing(_, let entries): entries.count
        }
    }

    public subscript(position: Int) -> SnapshotTrial {
        switch storage {
        case .array(let trials):
            return trials[position]
        case .matrix(let matrix):
            let cells = matrix.column(position)
            var title = ""
            // Exactly as many as are stated: a wave of states is held until it is saved.
            var parameters: [ParameterValues] = []
            parameters.reserveCapacity(zip(matrix.rows, cells).reduce(0) { $0 + ($1.0.key != "trial_id" && !$1.1.isEmpty ? 1 : 0) })
            for (row, cell) in zip(matrix.rows, cells) where row.key != "trial_id" {
                if row.key == "title" { title = cell.text }
                guard !cell.isEmpty else { continue }
                parameters.append(ParameterValues(key: row.key, label: row.label, values: cell.values))
            }
            return SnapshotTrial(id: matrix.trials[position], title: title, parameters: parameters)
        case .reusing(let base, let entries):
            switch entries[position] {
            case .base(let i): return base[i]
            case .own(let trial): return trial
            }
        }
    }

    /// Each trial's ID and title, in order, without building the trials' parameter lists.
    public var refs: [TrialRef] { indices.map(ref(at:)) }

    /// ``refs``, taken from `otherRefs` (the refs of the list `shared` was computed against,
    /// ``positionsShared(with:)``) where a trial is shared: a rerun does not read 100k titles twice.
    public func refs(sharing shared: [Int?], with otherRefs: [TrialRef]) -> [TrialRef] {
        precondition(shared.count == count, "one shared position per trial")
        return indices.map { i in shared[i].map { otherRefs[$0] } ?? ref(at: i) }
    }

    /// The ID and title of trial `position`.
    private func ref(at position: Int) -> TrialRef {
        switch storage {
        case .array(let trials):
            return trials[position].ref
        case .matrix(let matrix):
            let title = matrix.row("title").map { $0.cells.isEmpty(at: position) ? "" : $0.cells[position].text }
            return TrialRef(id: matrix.trials[position], title: title ?? "")
        case .reusing(let base, let entries):
            switch entries[position] {
            case .base(let i): return base.ref(at: i)
            case .own(let trial): return trial.ref
            }
        }
    }

    /// For each trial, the position in `other` of the trial whose state it is by construction
    /// (taken from `other`, directly or through the lists it was built on), else nil: equal
    /// states known without building either trial.
    public func positionsShared(with other: SnapshotTrials) -> [Int?] {
        if isStorage(of: other) { return indices.map { $0 } }
        guard case .reusing(let base, let entries) = storage else { return Array(repeating: nil, count: count) }
        let inBase = base.positionsShared(with: other)
        return entries.map { entry in
            if case .base(let i) = entry { return inBase[i] }
            return nil
        }
    }

    /// True when both lists read the same storage (not merely equal trials).
    private func isStorage(of other: SnapshotTrials) -> Bool {
        switch (storage, other.storage) {
        case (.array(let a), .array(let b)):
            return a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in pa.baseAddress == pb.baseAddress && pa.count == pb.count } }
        case (.matrix(let a), .matrix(let b)):
            guard let ca = a.rows.first?.cells.columns, let cb = b.rows.first?.cells.columns, ca === cb else { return false }
            return a.trials == b.trials && a.rows.map(\.key) == b.rows.map(\.key) && a.rows.map(\.label) == b.rows.map(\.label)
        case (.reusing(let baseA, let a), .reusing(let baseB, let b)):
            let sameEntries = a.withUnsafeBufferPointer { pa in
                b.withUnsafeBufferPointer { pb in pa.baseAddress == pb.baseAddress && pa.count == pb.count }
            }
            return sameEntries && baseA.isStorage(of: baseB)
        default:
            return false
        }
    }
}

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

    /// The identity of a finding across runs.
    struct FindingKey: Hashable {
        var rule: String
        var trial: String
        var message: String
        init(_ f: Finding) {
            rule = f.rule
            trial = f.trial
            message = f.message
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
    public init(from old: Snapshot?, to new: Snapshot) {
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
        // Trials are compared independently: in chunks on all cores, in trial order.
        let changed = Parallel.mapChunks(count: new.trials.count, chunk: 256, jobs: ProcessInfo.processInfo.activeProcessorCount) {
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
