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

    /// Writes the row's compact, sorted-key JSON (as `StableJSONEncoder(pretty: false)` does),
    /// each evidence's file left out where it is `omittingFile`.
    public func write(to json: inout CompactJSONWriter, omittingFile: String? = nil) {
        json.raw("{\"key\":")
        json.string(key)
        json.raw(",\"label\":")
        json.string(label)
        json.raw(",\"values\":")
        json.array(values) { json, v in v.write(to: &json, omittingFile: omittingFile) }
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

    /// The file the trial's first evidence names: nearly all of a trial's evidence names its one
    /// input file, which a stored state writes once (``compactSortedJSON()``).
    var mainFile: String? {
        for p in parameters {
            for v in p.values { if let e = v.evidence.first { return e.file } }
        }
        return nil
    }

    /// The trial's state as a run stores and hashes it: compact JSON with keys sorted, written
    /// directly (through the generic encoder it took 5 % of a first run's CPU time). It is
    /// `StableJSONEncoder(pretty: false)`'s JSON with one difference: the file of the trial's
    /// first evidence is the member `file`, and evidence that names it has no `file` of its own
    /// (file paths were over a quarter of a state's bytes). Decoding restores them.
    public func compactSortedJSON() -> [UInt8] {
        let file = mainFile
        var json = CompactJSONWriter()
        json.raw("{")
        if let file {
            json.raw("\"file\":")
            json.string(file)
            json.raw(",")
        }
        json.raw("\"id\":")
        json.string(id)
        json.raw(",\"parameters\":")
        json.array(parameters) { json, p in p.write(to: &json, omittingFile: file) }
        json.raw(",\"title\":")
        json.string(title)
        json.raw("}")
        return json.bytes
    }

    private enum CodingKeys: String, CodingKey { case file, id, parameters, title }

    /// Writes the trial as the synthesized conformance would (every evidence with its file).
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(id, forKey: .id)
        try c.encode(title, forKey: .title)
        try c.encode(parameters, forKey: .parameters)
    }

    /// Reads the encoder's JSON or ``compactSortedJSON()``: evidence without a file of its own
    /// names the state's `file` (and without one, it is an error, as a missing member is).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let file = try c.decodeIfPresent(String.self, forKey: .file)
        id = try c.decode(String.self, forKey: .id)
        title = try c.decode(String.self, forKey: .title)
        func evidence(_ e: StoredEvidence) throws -> Evidence {
            guard let own = e.file ?? file else {
                throw DecodingError.keyNotFound(
                    CodingKeys.file, .init(codingPath: decoder.codingPath, debugDescription: "evidence without a file in a state without one"))
            }
            return Evidence(file: own, locator: e.locator, quote: e.quote)
        }
        parameters = try c.decode([StoredParameter].self, forKey: .parameters).map { p in
            ParameterValues(
                key: p.key, label: p.label,
                values: try p.values.map { RecordedValue(text: $0.text, csv: $0.csv, evidence: try $0.evidence.map(evidence)) })
        }
    }

    /// A parameter of a stored state, whose evidence may leave its file to the state.
    private struct StoredParameter: Decodable {
        var key: String
        var label: String
        var values: [StoredValue]
    }

    private struct StoredValue: Decodable {
        var text: String
        var csv: String
        var evidence: [StoredEvidence]
    }

    private struct StoredEvidence: Decodable {
        var file: String?
        var locator: String
        var quote: String
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
