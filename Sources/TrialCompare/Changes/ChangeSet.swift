import TrialModel
import TrialSupport

/// What changed between two runs (or two exports): the change model behind `changes.md`,
/// `changes.json`, the "What changed" report section and `trialdiff diff`.
///
/// A `ChangeSet` is built by `ChangeSet(from:to:)` (ChangeRules.swift) from two `Snapshot`s. Every
/// list is in a deterministic order, so the same two snapshots always give the same JSON and the
/// same report text.

/// One input file as a run saw it: path, SHA-256 of its bytes (lower-case hex) and size.
public struct InputFingerprint: Codable, Sendable, Hashable, Comparable {
    /// Path as reported to the user (as given, or relative to the input folder).
    public var path: String
    public var sha256: String
    /// Size in bytes.
    public var size: Int

    public init(path: String, sha256: String, size: Int) {
        self.path = path
        self.sha256 = sha256
        self.size = size
    }

    public static func < (lhs: InputFingerprint, rhs: InputFingerprint) -> Bool {
        (lhs.path, lhs.sha256) < (rhs.path, rhs.sha256)
    }
}

/// An input whose content changed in place (same path, new hash).
public struct InputModification: Codable, Sendable, Hashable {
    public var path: String
    public var old: InputFingerprint
    public var new: InputFingerprint

    public init(path: String, old: InputFingerprint, new: InputFingerprint) {
        self.path = path
        self.old = old
        self.new = new
    }
}

/// An input that moved: the old path is gone and a new path has the same content hash.
public struct InputRename: Codable, Sendable, Hashable {
    public var from: String
    public var to: String
    public var sha256: String
    public var size: Int

    public init(from: String, to: String, sha256: String, size: Int) {
        self.from = from
        self.to = to
        self.sha256 = sha256
        self.size = size
    }
}

/// How the input files changed. Each list is sorted by path (renames by old path).
public struct InputChanges: Codable, Sendable, Hashable {
    public var added: [InputFingerprint]
    public var removed: [InputFingerprint]
    /// Same path, different content.
    public var modified: [InputModification]
    /// Same content, different path. A renamed file is not also listed as added or removed.
    public var renamed: [InputRename]

    public init(
        added: [InputFingerprint] = [], removed: [InputFingerprint] = [], modified: [InputModification] = [],
        renamed: [InputRename] = []
    ) {
        self.added = added
        self.removed = removed
        self.modified = modified
        self.renamed = renamed
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && modified.isEmpty && renamed.isEmpty }

    /// Compares two sets of inputs by path and content hash. A file whose old path disappeared
    /// and whose exact content appears under a new path is a rename; several files with one hash
    /// are paired in path order. When one list names a path twice, its last entry counts.
    ///
    /// Both lists are walked once in path order and only hashes of removed files are indexed, so
    /// a first run over a registry dump (every input added, nothing removed) allocates no more
    /// than the `added` list itself.
    public init(from old: [InputFingerprint], to new: [InputFingerprint]) {
        let old = Self.lastPerPath(old), new = Self.lastPerPath(new)
        var added: [InputFingerprint] = []
        var removed: [InputFingerprint] = []
        var modified: [InputModification] = []
        var i = 0, j = 0
        while i < old.count || j < new.count {
            if j == new.count || (i < old.count && old[i].path < new[j].path) {
                removed.append(old[i])
                i += 1
            } else if i == old.count || new[j].path < old[i].path {
                added.append(new[j])
                j += 1
            } else {
                if old[i].sha256 != new[j].sha256 {
                    modified.append(InputModification(path: new[j].path, old: old[i], new: new[j]))
                }
                i += 1
                j += 1
            }
        }
        self.modified = modified
        guard !removed.isEmpty, !added.isEmpty else {
            self.added = added
            self.removed = removed
            self.renamed = []
            return
        }

        // Pair removed and added files with the same content, in path order.
        let removedHashes = Set(removed.map(\.sha256))
        var addedByHash: [String: [Int]] = [:]
        for (i, f) in added.enumerated() where removedHashes.contains(f.sha256) {
            addedByHash[f.sha256, default: []].append(i)
        }
        var renamed: [InputRename] = []
        var pairedAdded: Set<Int> = []
        var keptRemoved: [InputFingerprint] = []
        for r in removed {
            if var candidates = addedByHash[r.sha256], !candidates.isEmpty {
                let i = candidates.removeFirst()
                addedByHash[r.sha256] = candidates
                pairedAdded.insert(i)
                renamed.append(InputRename(from: r.path, to: added[i].path, sha256: r.sha256, size: added[i].size))
            } else {
                keptRemoved.append(r)
            }
        }
        self.added = pairedAdded.isEmpty ? added : added.enumerated().filter { !pairedAdded.contains($0.offset) }.map(\.element)
        self.removed = keptRemoved
        self.renamed = renamed
    }

    /// `files` in path order with one entry per path, the last one given. A list already in
    /// strict path order (as a run collects its inputs) is returned as is, without a copy.
    private static func lastPerPath(_ files: [InputFingerprint]) -> [InputFingerprint] {
        if zip(files, files.dropFirst()).allSatisfy({ $0.path < $1.path }) { return files }
        let order = files.indices.sorted { (files[$0].path, $0) < (files[$1].path, $1) }
        var result: [InputFingerprint] = []
        result.reserveCapacity(files.count)
        for (k, index) in order.enumerated() where k + 1 == order.count || files[order[k + 1]].path != files[index].path {
            result.append(files[index])
        }
        return result
    }
}

/// A trial named in a change list: its display ID and title.
public struct TrialRef: Codable, Sendable, Hashable {
    /// Display ID, e.g. `NCT00513591`.
    public var id: String
    /// Title as the run recorded it ("" when none was stated).
    public var title: String

    public init(id: String, title: String) {
        self.id = id
        self.title = title
    }
}

/// A parameter whose value changed: the full old and new values of the cell, each with the
/// evidence quotes it was read from. Either side may be empty (the value appeared or vanished).
public struct ParameterChange: Codable, Sendable, Hashable {
    /// Matrix row key, e.g. `lvef_min_percent`.
    public var key: String
    /// Report label, e.g. "LVEF threshold".
    public var label: String
    /// Values of the previous run, in matrix order.
    public var old: [RecordedValue]
    /// Values of this run, in matrix order.
    public var new: [RecordedValue]

    public init(key: String, label: String, old: [RecordedValue], new: [RecordedValue]) {
        self.key = key
        self.label = label
        self.old = old
        self.new = new
    }

    /// Old values whose meaning is not among the new values (what was dropped or replaced).
    public var removedValues: [RecordedValue] {
        let kept = Set(new.map(\.meaning))
        return old.filter { !kept.contains($0.meaning) }
    }

    /// New values whose meaning is not among the old values (what appeared or replaced).
    public var addedValues: [RecordedValue] {
        let had = Set(old.map(\.meaning))
        return new.filter { !had.contains($0.meaning) }
    }
}

/// Everything that changed about one trial present in both runs.
public struct TrialChange: Codable, Sendable, Hashable {
    public var id: String
    /// Title of this run.
    public var title: String
    /// Changed parameters, in matrix row order.
    public var parameters: [ParameterChange]
    /// Findings of this run that the previous run did not have (sorted).
    public var findingsNew: [Finding]
    /// Findings of the previous run that this run no longer has (sorted).
    public var findingsResolved: [Finding]

    public init(
        id: String, title: String, parameters: [ParameterChange], findingsNew: [Finding] = [],
        findingsResolved: [Finding] = []
    ) {
        self.id = id
        self.title = title
        self.parameters = parameters
        self.findingsNew = findingsNew
        self.findingsResolved = findingsResolved
    }

    public var isEmpty: Bool { parameters.isEmpty && findingsNew.isEmpty && findingsResolved.isEmpty }

    /// The change of parameter `key`, if it changed.
    public func parameter(_ key: String) -> ParameterChange? { parameters.first { $0.key == key } }
}

/// What changed since the previous run.
///
/// Trials are matched by display ID. Values are compared by meaning (`text` and `csv`), never by
/// evidence; the identity rows `trial_id` and `source_files` are not compared. Findings are
/// matched by rule, trial and message (not severity, evidence or acknowledgement). An added
/// trial's findings are not repeated as new findings, nor a removed trial's as resolved.
public struct ChangeSet: Codable, Sendable, Hashable {
    /// True on the first run (no previous snapshot): every trial and input is listed as added.
    public var isBaseline: Bool
    public var inputs: InputChanges
    /// Trials only in this run, in this run's trial order.
    public var trialsAdded: [TrialRef]
    /// Trials only in the previous run, in the previous run's trial order.
    public var trialsRemoved: [TrialRef]
    /// Trials in both runs with at least one change, in this run's trial order.
    public var trialsChanged: [TrialChange]
    /// Set when this run changed nothing: the number of the last run that did (the one these
    /// changes are of, as `trialdiff history` numbers runs). Left out of the JSON otherwise.
    public var unchangedSince: Int?
    /// Trials kept from the previous run because every input they were read from failed this
    /// time (not counted as removed). Left out of the JSON when none.
    public var trialsStale: [TrialRef]?

    public init(
        isBaseline: Bool, inputs: InputChanges = InputChanges(), trialsAdded: [TrialRef] = [],
        trialsRemoved: [TrialRef] = [], trialsChanged: [TrialChange] = []
    ) {
        self.isBaseline = isBaseline
        self.inputs = inputs
        self.trialsAdded = trialsAdded
        self.trialsRemoved = trialsRemoved
        self.trialsChanged = trialsChanged
    }

    /// True when nothing at all changed: not a baseline, no trial added, removed or changed and no
    /// input added, removed, modified or renamed.
    public var isEmpty: Bool { !isBaseline && !hasTrialChanges && inputs.isEmpty }

    /// True when a trial was added, removed or changed (input renames alone are not trial changes).
    public var hasTrialChanges: Bool { !trialsAdded.isEmpty || !trialsRemoved.isEmpty || !trialsChanged.isEmpty }

    /// The change of trial `id`, if it changed.
    public func trial(_ id: String) -> TrialChange? { trialsChanged.first { $0.id == id } }

    /// All new findings of changed trials, sorted.
    public var findingsNew: [Finding] { trialsChanged.flatMap(\.findingsNew).sorted() }

    /// All resolved findings of changed trials, sorted.
    public var findingsResolved: [Finding] { trialsChanged.flatMap(\.findingsResolved).sorted() }

    /// One line for logs and report headers:
    /// - `no changes`
    /// - `2 trials changed, 1 added, 0 removed`
    /// - `1 trial changed, 0 added, 0 removed; 2 new findings, 1 resolved; inputs: 1 modified`
    /// - `no trial changes; inputs: 1 renamed`
    /// - `baseline: 3 trials from 4 inputs`
    public var summary: String {
        if isBaseline {
            return "baseline: \(Self.count(trialsAdded.count, "trial")) from \(Self.count(inputs.added.count, "input"))"
        }
        if isEmpty { return "no changes" }
        var parts: [String] = []
        if hasTrialChanges {
            parts.append(
                "\(Self.count(trialsChanged.count, "trial")) changed, \(trialsAdded.count) added, \(trialsRemoved.count) removed")
        } else {
            parts.append("no trial changes")
        }
        let opened = findingsNew.count, closed = findingsResolved.count
        if opened + closed > 0 { parts.append("\(Self.count(opened, "new finding")), \(closed) resolved") }
        if !inputs.isEmpty {
            var bits: [String] = []
            if !inputs.added.isEmpty { bits.append("\(inputs.added.count) added") }
            if !inputs.removed.isEmpty { bits.append("\(inputs.removed.count) removed") }
            if !inputs.modified.isEmpty { bits.append("\(inputs.modified.count) modified") }
            if !inputs.renamed.isEmpty { bits.append("\(inputs.renamed.count) renamed") }
            parts.append("inputs: " + bits.joined(separator: ", "))
        }
        return parts.joined(separator: "; ")
    }

    private static func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
}
