import Foundation
import TrialModel
import TrialSupport

/// One input file as the run saw it.
public struct InputSummary: Codable, Sendable, Hashable {
    public var file: String
    /// Detected format, nil when the file could not be read.
    public var format: SourceFormat?
    /// Number of trial records read from the file.
    public var records: Int
    /// The error that stopped reading the file, if any.
    public var error: String?
    /// Reader warnings (recovered HTML errors, unknown labels).
    public var warnings: [String]
    /// SHA-256 of the file's bytes (hex), when it could be read: how runs recognize unchanged
    /// and renamed inputs.
    public var sha256: String?
    /// Size in bytes, when the file could be read.
    public var size: Int?

    public init(
        file: String, format: SourceFormat?, records: Int, error: String? = nil, warnings: [String] = [],
        sha256: String? = nil, size: Int? = nil
    ) {
        self.file = file
        self.format = format
        self.records = records
        self.error = error
        self.warnings = warnings
        self.sha256 = sha256
        self.size = size
    }

    /// The file's fingerprint, when it could be read.
    public var fingerprint: InputFingerprint? {
        guard let sha256, let size else { return nil }
        return InputFingerprint(path: file, sha256: sha256, size: size)
    }
}

/// How the landscape was selected from a larger input (`trialdiff report --where …`).
public struct SelectionSummary: Codable, Sendable, Hashable {
    /// The selection as the user wrote it, e.g. `condition:lupus AND phase:1`.
    public var criteria: String
    /// Records read from all inputs.
    public var recordsRead: Int
    /// Records that matched and are in the landscape.
    public var recordsMatched: Int
    /// Input files read; only those with matching records (or errors) are listed in `inputs`.
    public var inputsRead: Int

    public init(criteria: String, recordsRead: Int, recordsMatched: Int, inputsRead: Int = 0) {
        self.criteria = criteria
        self.recordsRead = recordsRead
        self.recordsMatched = recordsMatched
        self.inputsRead = inputsRead
    }
}

/// Everything a report shows: the trials, the matrix, and what was read.
public struct Landscape: Codable, Sendable, Hashable {
    /// The trials, sorted by display ID; for a registry dump, built from a spill file on access.
    public var trials: TrialList
    public var matrix: Matrix
    /// Inputs sorted by file name.
    public var inputs: [InputSummary]
    /// Review findings, sorted by trial, severity and rule.
    public var findings: [Finding]
    /// Set when the landscape is a selection of the records read.
    public var selection: SelectionSummary?
    /// What changed since the previous run (set by runs that keep a snapshot store); the
    /// reports show it in a "What changed" section and in changes.md / changes.json.
    public var changes: ChangeSet?
    /// Display IDs of the matrix columns kept from the previous run because their inputs could
    /// not be read this time: shown as they were, marked stale, with no trial section.
    public var stale: [String] = []
    /// The order of the trials in the reports' matrix (`--order`); matrix.csv and trials.json
    /// keep display-ID order.
    public var order: TrialOrder = .product

    /// Groups `records` into trials, builds the matrix and runs the finding rules. Records should
    /// already carry their record-level findings (`FindingRules.check(_:_:)`).
    public init(records: [TrialRecord], inputs: [InputSummary], jobs: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.init(trials: TrialList(TrialGrouper.group(records, jobs: jobs)), inputs: inputs, jobs: jobs)
    }

    /// Builds the matrix and runs the finding rules over `trials` (sorted by display ID), visiting
    /// each trial once, in chunks on up to `jobs` cores: a spilled list builds each trial once here, and
    /// its matrix columns go to the same spill file (see ``MatrixColumns``).
    public init(trials: TrialList, inputs: [InputSummary], jobs: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.trials = trials
        self.inputs = inputs.sorted { $0.file < $1.file }
        struct Chunk {
            var ids: [String] = []
            var columns: [MatrixColumns.Column] = []
            /// The reviews with something in them: an empty one adds nothing to the findings.
            var reviews: [FindingRules.Review] = []
            var summary = Matrix.Summary()

            mutating func add(_ trial: PreparedTrial) {
                ids.append(trial.id)
                columns.append(trial.column)
                if let review = trial.storedReview { reviews.append(review) }
            }
        }
        let file = trials.spillFile
        var chunks = Parallel.mapChunks(count: trials.count, chunk: 64, jobs: jobs) { range in
            var chunk = Chunk()
            for i in range {
                if let prepared = trials.prepared(at: i) {
                    chunk.summary.add(prepared.column, file: file)
                    chunk.add(prepared)
                } else {
                    let trial = trials[i]
                    let cells = Matrix.cells(of: trial)
                    chunk.summary.add(cells)
                    chunk.add(PreparedTrial(trial, cells: cells, columnsIn: file))
                }
            }
            return [chunk]
        }
        // Joined chunk by chunk, each freed once copied: at 100k trials the lists are never
        // held twice.
        var summary = Matrix.Summary()
        var ids: [String] = [], columns: [MatrixColumns.Column] = [], reviews: [FindingRules.Review] = []
        ids.reserveCapacity(trials.count)
        columns.reserveCapacity(trials.count)
        for i in chunks.indices {
            summary.add(chunks[i].summary)
            ids += chunks[i].ids
            columns += chunks[i].columns
            reviews += chunks[i].reviews
            chunks[i] = Chunk()
        }
        matrix = Matrix(trials: ids, columns: MatrixColumns(columns, file: file), summary: summary)
        findings = FindingRules.combine(reviews)
    }

    /// Adds the trials of a previous run's snapshot whose inputs failed now to the matrix, as
    /// recorded then, and lists them in ``stale``. Their findings stay in the snapshot.
    public mutating func addStale(_ kept: [SnapshotTrial]) {
        let extra = kept.map { trial in
            (
                id: trial.id,
                cells: ParameterCatalog.all.map { def in
                    def.key == "trial_id"
                        ? MatrixCell(values: [CellValue(text: trial.id, csv: trial.id, evidence: [])])
                        : MatrixCell(values: trial[def.key])
                }
            )
        }
        matrix = matrix.adding(extra)
        stale = (stale + kept.map(\.id)).sorted()
    }

    /// Findings about trial `id`.
    public func findings(for id: String) -> [Finding] { findings.filter { $0.trial == id } }

    /// Inputs that failed.
    public var failures: [InputSummary] { inputs.filter { $0.error != nil } }
}

/// One trial's share of the landscape pass: its display ID, its matrix column and its review.
///
/// A registry dump's records are spilled to disk as they are read; the task that reads a record
/// also prepares the trial it would be alone, so the landscape pass takes a trial of one record
/// (nearly every trial of a dump) as it is instead of reading the record back and decoding it.
public struct PreparedTrial: Sendable {
    let id: String
    let column: MatrixColumns.Column
    /// The trial's review; nil when it has neither findings nor a part in a landscape rule
    /// (most trials), so that 100k empty reviews hold nothing.
    let storedReview: FindingRules.Review?

    /// Prepares `trial`, its matrix column stored in `file` when there is one (the spill file
    /// the landscape's trials come from, which holds the landscape's columns).
    public init(_ trial: Trial, columnsIn file: SpillFile?) {
        self.init(trial, cells: Matrix.cells(of: trial), columnsIn: file)
    }

    init(_ trial: Trial, cells: [MatrixCell], columnsIn file: SpillFile?) {
        id = trial.id.value
        column = MatrixColumns.store(cells, in: file)
        let review = FindingRules.review(trial)
        // Most trials have neither findings nor a part in a landscape rule: nothing to keep.
        storedReview = review.findings.isEmpty && review.parts.allSatisfy({ $0 == nil }) ? nil : review
    }
}

/// The order of the trials in the reports' matrix.
public enum TrialOrder: String, CaseIterable, Sendable, Codable {
    /// Trials of one product together (products alphabetically, trials without one last), then by ID.
    case product
    /// Trials of one indication (first condition) together, then by ID.
    case condition
    /// By display ID, as matrix.csv and trials.json list them.
    case id
}
