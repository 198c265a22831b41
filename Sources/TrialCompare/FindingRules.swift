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
///
/// A registry dump's trials are not all held in memory at once, so the rule says first what it
/// needs of each trial (`part(of:)`, taken while the trial is at hand) and then checks those
/// parts together.
public protocol LandscapeRule: Sendable {
    var id: String { get }
    /// What the rule needs of `trial`: the trial reduced to the parameters it compares, or nil
    /// when the trial plays no part.
    func part(of trial: Trial) -> Trial?
    /// Findings across `trials`: the parts `part(of:)` gave, in trial order.
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
        ImplausibleValueRule(),
    ]

    public static let trial: [any TrialRule] = [
        EnrollmentMismatchRule(),
        AgeMismatchRule(),
        LimitContradictionRule(),
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
    public static func check(_ trials: [Trial]) -> [Finding] { combine(trials.map(review)) }

    /// One trial's share of the review: its own findings and the landscape rules' parts of it.
    public struct Review: Sendable {
        public var findings: [Finding]
        /// One entry per landscape rule, in `landscape` order.
        public var parts: [Trial?]
    }

    /// The findings about trial `t` alone (the record-level ones re-labelled with its display
    /// ID, then the trial rules') and what the landscape rules need of it.
    public static func review(_ t: Trial) -> Review {
        var out: [Finding] = []
        for r in t.records {
            out += r.findings.map { f in
                var f = f
                f.trial = t.id.value
                return f
            }
        }
        out += trial.flatMap { $0.check(t) }
        return Review(findings: out, parts: landscape.map { $0.part(of: t) })
    }

    /// Every trial's ``review(_:)`` (in trial order) with the landscape rules run on their parts;
    /// sorted and de-duplicated.
    public static func combine(_ reviews: [Review]) -> [Finding] {
        var out = reviews.flatMap(\.findings)
        for (r, rule) in landscape.enumerated() { out += rule.check(reviews.compactMap { $0.parts[r] }) }
        var seen: Set<Finding> = []
        return out.filter { seen.insert($0).inserted }.sorted()
    }
}
