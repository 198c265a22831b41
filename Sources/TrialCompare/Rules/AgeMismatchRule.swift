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

    private static let yearsStated = RulePattern(#"(?<![\d.])(\d{1,3}(?:\.\d+)?)\s*(?:years?|yrs?)\b"#)
    private static let conditional = RulePattern(
        #"\b(?:if|when|for\s+those|for\s+patients|for\s+subjects|for\s+participants|unless)\s+(?:\w+\s+){0,3}$"#)

    func check(_ trial: Trial) -> [Finding] {
        let bands = trial.parameters.ageInCriteria.filter { !Self.isConditional($0, in: trial.parameters.criteria) }
        // Bands stated in inclusion items speak for the criteria; a band implied by an exclusion
        // item ("Age < 18" excluded) only when no inclusion item states one.
        let stated = bands.filter { $0.value.basis != .exclusion }
        let criteria = stated.isEmpty ? bands : stated
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
        let texts = criteria.compactMap { Self.criterion(of: $0, in: trial.parameters.criteria)?.text }
        var findings: [Finding] = []
        for s in trial.parameters.ageStructured {
            var differences: [String] = []  // "minimum …" / "maximum …"
            if let a = s.value.minYears, let b = combined.minYears,
                !Self.same(a, b, strict: combined.minComparator == .greater, direction: 1)
            {
                differences.append("minimum \(Self.years(a)) vs \(Self.bound(combined.minComparator, b))")
            }
            if let a = s.value.maxYears, let b = combined.maxYears,
                !Self.same(a, b, strict: combined.maxComparator == .less, direction: -1)
            {
                differences.append("maximum \(Self.years(a)) vs \(Self.bound(combined.maxComparator, b))")
            }
            // A criterion may state several bands ("Phase 1: 18–55 years Phase 2: 18–65 years")
            // of which extraction reads the first: a structured bound stated as an age in the
            // same criteria is not contradicted.
            differences = differences.filter { d in
                let value = d.hasPrefix("minimum") ? s.value.minYears : s.value.maxYears
                return !(value.map { Self.stated($0, in: texts) } ?? false)
            }
            guard !differences.isEmpty else { continue }
            let quotes = criteria.compactMap { $0.evidence.first?.quote }.map(RuleText.quoted)
            let message =
                "Structured age band is \(s.value.display) but the criteria state \(RuleText.list(quotes)) (\(RuleText.list(differences))): check which is current."
            findings.append(
                Finding(
                    rule: id, severity: .warning, trial: trial.id.value, message: message,
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

    private static func bound(_ c: TrialModel.Comparator?, _ y: Double) -> String {
        guard let c, c != .equal else { return years(y) }
        return "\(c.rawValue) \(years(y))"
    }

    /// The criterion an age band was read from.
    private static func criterion(of age: Measured<AgeRange>, in criteria: [Criterion]) -> Criterion? {
        guard let e = age.evidence.first else { return nil }
        return criteria.first { $0.evidence.locator == e.locator && $0.evidence.file == e.file }
    }

    /// True when one of `texts` states `years` as an age ("≤ 65 years", "65 years old").
    private static func stated(_ years: Double, in texts: [String]) -> Bool {
        texts.contains { text in
            yearsStated.matches(in: text).contains { m in m.group(1).flatMap(Double.init).map { abs($0 - years) < 0.01 } ?? false }
        }
    }

    /// True when the criteria text puts a condition right before the quoted band.
    private static func isConditional(_ age: Measured<AgeRange>, in criteria: [Criterion]) -> Bool {
        guard let e = age.evidence.first, let c = criterion(of: age, in: criteria),
            let r = c.text.range(of: e.quote)
        else { return false }
        let before = String(c.text[..<r.lowerBound].suffix(40))
        return conditional.matches(before)
    }
}
