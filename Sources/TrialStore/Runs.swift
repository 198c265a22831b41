import TrialCompare
import TrialModel

/// The sequence number of a run in the store: 1, 2, 3, … (never reused).
public struct RunID: RawRepresentable, Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var rawValue: Int64

    public init(rawValue: Int64) { self.rawValue = rawValue }
    public init(_ value: Int64) { rawValue = value }

    public var description: String { "\(rawValue)" }

    public static func < (lhs: RunID, rhs: RunID) -> Bool { lhs.rawValue < rhs.rawValue }

    public init(from decoder: any Decoder) throws { rawValue = try decoder.singleValueContainer().decode(Int64.self) }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }
}

/// One recorded run.
public struct RunInfo: Codable, Sendable, Hashable {
    public var id: RunID
    /// The label the caller gave (`save(_:label:)`), e.g. "scheduled" or a CI build number.
    public var label: String
    /// The time the caller passed, verbatim (the store never reads the clock).
    public var recordedAt: String?
    /// The change summary the caller passed (e.g. `ChangeSet.summary`).
    public var summary: String?
    public var trialCount: Int
    public var inputCount: Int
    public var findingCount: Int
    /// False when the run is older than the retention window: its trial values, findings and
    /// inputs were pruned and only this row remains.
    public var valuesKept: Bool

    public init(
        id: RunID, label: String, recordedAt: String?, summary: String?, trialCount: Int, inputCount: Int,
        findingCount: Int, valuesKept: Bool
    ) {
        self.id = id
        self.label = label
        self.recordedAt = recordedAt
        self.summary = summary
        self.trialCount = trialCount
        self.inputCount = inputCount
        self.findingCount = findingCount
        self.valuesKept = valuesKept
    }
}

/// How one trial looked in every run whose values are kept.
public struct TrialHistory: Codable, Sendable, Hashable {
    public var trial: String
    /// One entry per run with kept values, oldest first.
    public var entries: [Entry]

    public struct Entry: Codable, Sendable, Hashable {
        public var run: RunInfo
        /// The trial as that run recorded it; nil when the run did not have the trial.
        public var state: SnapshotTrial?
        /// The trial's findings in that run.
        public var findings: [Finding]

        public init(run: RunInfo, state: SnapshotTrial?, findings: [Finding]) {
            self.run = run
            self.state = state
            self.findings = findings
        }
    }

    /// What happened to the trial in a run, relative to the run before it.
    public enum Event: String, Codable, Sendable, Hashable {
        /// Present, and absent from the previous kept run (or the first kept run).
        case added
        /// Absent, and present in the previous kept run.
        case removed
        /// Present in both, with parameter or finding changes.
        case changed
        /// Present in both, no change.
        case unchanged
        /// Absent from both.
        case absent
    }

    public struct Step: Codable, Sendable, Hashable {
        public var run: RunInfo
        public var event: Event
        /// Set for `.changed`.
        public var change: TrialChange?

        public init(run: RunInfo, event: Event, change: TrialChange? = nil) {
            self.run = run
            self.event = event
            self.change = change
        }
    }

    public init(trial: String, entries: [Entry]) {
        self.trial = trial
        self.entries = entries
    }

    /// True when no kept run has the trial.
    public var isEmpty: Bool { entries.allSatisfy { $0.state == nil } }

    /// The trial's evolution, one step per kept run: when it appeared, what changed (old → new
    /// with quotes, findings opened and resolved), when it disappeared.
    public var steps: [Step] {
        var out: [Step] = []
        var previous: Entry?
        for entry in entries {
            switch (previous?.state, entry.state) {
            case (nil, nil): out.append(Step(run: entry.run, event: .absent))
            case (nil, .some): out.append(Step(run: entry.run, event: .added))
            case (.some, nil): out.append(Step(run: entry.run, event: .removed))
            case let (old?, new?):
                let c = ChangeRules.trialChange(from: old, previous!.findings, to: new, entry.findings)
                out.append(c.isEmpty ? Step(run: entry.run, event: .unchanged) : Step(run: entry.run, event: .changed, change: c))
            }
            previous = entry
        }
        return out
    }
}

/// What the parse cache holds for one input's content: the extracted records and, if the caller
/// stored it, the input summary (format, record count, warnings).
public struct CachedParse: Codable, Sendable, Hashable {
    public var records: [TrialRecord]
    public var summary: InputSummary?

    public init(records: [TrialRecord], summary: InputSummary?) {
        self.records = records
        self.summary = summary
    }

    /// The same parse as if the file had been read at `path`: every evidence, source and summary
    /// file name that named the cached path now names `path`.
    public func relocated(to path: String) -> CachedParse {
        var s = summary
        s?.file = path
        return CachedParse(records: records.map { $0.relocated(to: path) }, summary: s)
    }
}
