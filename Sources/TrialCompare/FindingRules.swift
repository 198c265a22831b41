import Foundation
import TrialModel

/// A review rule that needs one record's own text (lost comparators, scrape debris, foreign
/// text). Runs right after extraction, while the source text is at hand, so that later stages
/// hold parameters only.
public protocol RecordRule: Sendable {
    /// Stable id, e.g. `lost-comparator`. Used in reports, acknowledgements and `--fail-on`.
    var id: String { get }
    func check(_ source: SourceRecord, _ record: TrialRecord) -> [Finding]
}

/// A review rule over one trial: its merged parameters and every source record.
public protocol TrialRule: Sendable {
    var id: String { get }
    func check(_ trial: Trial) -> [Finding]
}

/// A review rule across trials (e.g. all trials of one product).
public protocol LandscapeRule: Sendable {
    var id: String { get }
    func check(_ trials: [Trial]) -> [Finding]
}

/// The rules trialdiff runs. Adding a rule means adding its file under `Rules/` and listing it here.
public enum FindingRules {
    public static let record: [any RecordRule] = [
        LostComparatorRule(),
        ForeignTextRule(),
        ScrapeDebrisRule(),
        DuplicatedTimePointRule(),
        PhaseMismatchRule(),
    ]

    public static let trial: [any TrialRule] = [
        EnrollmentMismatchRule(),
        AgeMismatchRule(),
        SexMismatchRule(),
        ConditionTitleContradictionRule(),
        DateOrderRule(),
        SuspiciousValueRule(),
        SourceDiscrepancyRule(),
    ]

    public static let landscape: [any LandscapeRule] = [
        ProductRegimenDifferenceRule()
    ]

    /// Every rule id with its rule kind, for documentation and validation of acknowledgements.
    public static var allIDs: [String] {
        (record.map(\.id) + trial.map(\.id) + landscape.map(\.id)).sorted()
    }

    /// Record-level findings of one extracted record.
    public static func check(_ source: SourceRecord, _ record: TrialRecord) -> [Finding] {
        record.findings + Self.record.flatMap { $0.check(source, record) }
    }

    /// Trial- and landscape-level findings, plus the record-level findings already attached to
    /// the trials' records, re-labelled with each trial's display ID; sorted and de-duplicated.
    public static func check(_ trials: [Trial]) -> [Finding] {
        // Trials are independent: checked in chunks on all cores, in trial order.
        var out = Parallel.mapChunks(count: trials.count, chunk: 128, jobs: ProcessInfo.processInfo.activeProcessorCount) {
            range in
            var part: [Finding] = []
            for t in trials[range] {
                for r in t.records {
                    part += r.findings.map { f in
                        var f = f
                        f.trial = t.id.value
                        return f
                    }
                }
                part += trial.flatMap { $0.check(t) }
            }
            return part
        }
        out += landscape.flatMap { $0.check(trials) }
        var seen: Set<Finding> = []
        return out.filter { seen.insert($0).inserted }.sorted()
    }
}
