import Foundation
import TrialModel

/// Catches a structured age band that disagrees with the age band in the eligibility criteria
/// (minimum/maximum age fields 18–65 vs "Age: 18–70 years" in the inclusion criteria): one of
/// them is stale, and a report would quote the wrong population.
///
/// Only bounds that both sides state are compared (criteria that give no maximum do not
/// contradict a structured maximum). Several criteria bands (cohorts) are combined into their
/// overall range first. A strict bound ("< 12 years") matches a structured bound one year inside
/// it ("11 Years"), and an age stated as a condition ("…if 50-60 years of age") is not a band.
struct AgeMismatchRule: TrialRule {
    let id = "age-mismatch"

    private static let conditional = RulePattern(#"\b(?:if|when|for\s+those|for\s+patients|for\s+subjects|for\s+participants|unless)\s+(?:\w+\s+){0,3}$"#)

    func check(_ trial: Trial) -> [Finding] {
        let criteria = trial.parameters.ageInCriteria.filter { !Self.isConditional($0, in: trial.parameters.criteria) }
        guard !criteria.isEmpty else { return [] }
        var combined = AgeRange(minYears: nil, maxYears: nil)
        for c in criteria {
            if let lo = c.value.minYears, combined.minYears.map({ lo < $0 }) ?? true {
                combined.minYears = lo
                combined.minComparator = c.value.minComparator
            }
            if let hi = c.value.maxYears, combined.maxYears.map({ hi > $0 }) ?? true {
                combined.maxYears = hi
                combined.maxComparator = c.value.maxComparator
            }
        }
        var findings: [Finding] = []
        for s in trial.parameters.ageStructured {
            var differences: [String] = []
            if let a = s.value.minYears, let b = combined.minYears,
               !Self.same(a, b, strict: combined.minComparator == .greater, direction: 1) {
                differences.append("minimum \(Self.years(a)) vs \(Self.bound(combined.minComparator, b))")
            }
            if let a = s.value.maxYears, let b = combined.maxYears,
               !Self.same(a, b, strict: combined.maxComparator == .less, direction: -1) {
                differences.append("maximum \(Self.years(a)) vs \(Self.bound(combined.maxComparator, b))")
            }
            guard !differences.isEmpty else { continue }
            let quotes = criteria.compactMap { $0.evidence.first?.quote }.map(RuleText.quoted)
            let message = "Structured age band is \(s.value.display) but the criteria state \(RuleText.list(quotes)) (\(RuleText.list(differences))): check which is current."
            findings.append(Finding(rule: id, severity: .warning, trial: trial.id.value, message: message,
                                    evidence: s.evidence + Trial.evidence(criteria)))
        }
        return findings
    }

    /// Equal within a day; a strict criteria bound also matches the structured bound one year
    /// inside it (`direction` +1 for minima: "> 17" ≈ 18; −1 for maxima: "< 12" ≈ 11).
    private static func same(_ structured: Double, _ criteria: Double, strict: Bool, direction: Double) -> Bool {
        if abs(structured - criteria) < 0.01 { return true }
        return strict && abs(structured - (criteria + direction)) < 0.01
    }

    private static func years(_ y: Double) -> String { "\(Display.number(y)) years" }

    private static func bound(_ c: Comparator?, _ y: Double) -> String {
        guard let c, c != .equal else { return years(y) }
        return "\(c.rawValue) \(years(y))"
    }

    /// True when the criteria text puts a condition right before the quoted band.
    private static func isConditional(_ age: Measured<AgeRange>, in criteria: [Criterion]) -> Bool {
        guard let e = age.evidence.first,
              let c = criteria.first(where: { $0.evidence.locator == e.locator && $0.evidence.file == e.file }),
              let r = c.text.range(of: e.quote) else { return false }
        let before = String(c.text[..<r.lowerBound].suffix(40))
        return conditional.matches(before)
    }
}
