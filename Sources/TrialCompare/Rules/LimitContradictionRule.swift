import Foundation
import TrialModel

/// Catches a limit that the inclusion and exclusion criteria of one trial state differently:
/// inclusion "LVEF ≥ 45 %" with exclusion "LVEF < 50 %" (which admits only ≥ 50 %), or inclusion
/// "Age 45–70 years" with exclusion "less than 40 years". One of them is stale or pasted from
/// another protocol, and a writer would quote whichever the report shows.
///
/// Limits are compared by meaning: the exclusion's admitted side against the inclusion's limit
/// in the same direction and cohort; an exclusion "< 45 %" agrees with an inclusion "≥ 45 %".
struct LimitContradictionRule: TrialRule {
    let id = "limit-contradiction"

    func check(_ trial: Trial) -> [Finding] {
        var findings: [Finding] = []
        var seen: [String] = []
        for m in trial.parameters.thresholds where m.value.basis == .inclusion && m.value.comparator != .equal {
            let t = m.value
            let key = "\(t.measure)|\(t.bound.rawValue)|\(t.cohort ?? "")"
            guard !seen.contains(key) else { continue }
            let inclusion = trial.parameters.thresholds.filter {
                $0.value.basis == .inclusion && $0.value.measure == t.measure && $0.value.bound == t.bound && $0.value.cohort == t.cohort
            }
            let exclusion = trial.parameters.thresholds.filter {
                $0.value.basis == .exclusion && $0.value.measure == t.measure && $0.value.bound == t.bound && $0.value.cohort == t.cohort
                    && $0.value.comparator != .equal
            }
            guard !exclusion.isEmpty else { continue }
            seen.append(key)
            let stated = Set(inclusion.map(\.value.value))
            let implied = Set(exclusion.map(\.value.value))
            guard stated.isDisjoint(with: implied) else { continue }
            let direction = t.bound == .lower ? "minimum" : "maximum"
            let message =
                "Inclusion and exclusion criteria state different \(t.measure) \(direction)s: "
                + "\(RuleText.list(inclusion.map { RuleText.quoted($0.evidence.first?.quote ?? $0.value.display) })) (\(RuleText.list(inclusion.map(\.value.display)))) "
                + "vs \(RuleText.list(exclusion.map { RuleText.quoted($0.evidence.first?.quote ?? $0.value.display) })) (\(RuleText.list(exclusion.map(\.value.display)))): check which is meant."
            findings.append(
                Finding(
                    rule: id, severity: .warning, trial: trial.id.value, message: message,
                    evidence: Trial.evidence(inclusion) + Trial.evidence(exclusion)))
        }
        findings += ageContradictions(trial)
        return findings
    }

    /// The criteria's age band against the band an exclusion implies, end by end.
    private func ageContradictions(_ trial: Trial) -> [Finding] {
        let inclusion = trial.parameters.ageInCriteria.filter { $0.value.basis != .exclusion }
        let exclusion = trial.parameters.ageInCriteria.filter { $0.value.basis == .exclusion }
        // Several inclusion bands are cohorts ("aged 13 to 17", "18 years or older"): not compared.
        guard Set(inclusion.map(\.value.minYears)).count == 1, Set(inclusion.map(\.value.maxYears)).count == 1,
            !exclusion.isEmpty
        else { return [] }
        var differences: [String] = []
        for (name, path) in [("minimum", \AgeRange.minYears), ("maximum", \AgeRange.maxYears)] {
            let stated = Set(inclusion.compactMap { $0.value[keyPath: path] })
            let implied = Set(exclusion.compactMap { $0.value[keyPath: path] })
            guard !stated.isEmpty, !implied.isEmpty, stated.isDisjoint(with: implied) else { continue }
            differences.append(
                "\(name) \(stated.sorted().map(Display.number).joined(separator: ", ")) vs \(implied.sorted().map(Display.number).joined(separator: ", ")) years"
            )
        }
        guard !differences.isEmpty else { return [] }
        let quotes = (inclusion + exclusion).compactMap { $0.evidence.first?.quote }.map(RuleText.quoted)
        let message =
            "Inclusion and exclusion criteria state different age limits: \(RuleText.list(quotes)) (\(RuleText.list(differences))): check which is meant."
        return [
            Finding(
                rule: id, severity: .warning, trial: trial.id.value, message: message,
                evidence: Trial.evidence(inclusion) + Trial.evidence(exclusion))
        ]
    }
}
