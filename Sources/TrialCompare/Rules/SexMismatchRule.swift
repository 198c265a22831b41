import Foundation
import TrialModel

/// Catches a structured sex that the inclusion criteria explicitly contradict: a female-only
/// trial whose criteria admit "male or female" participants, a male-only trial whose criteria
/// admit women or both sexes, or an all-sexes trial whose criteria say "female patients only".
///
/// Criteria that merely describe the population ("Women with…", "Postmenopausal women") in an
/// all-sexes trial, or mention partners ("female partners of male participants"), are not
/// contradictions and are not flagged.
struct SexMismatchRule: TrialRule {
    let id = "sex-mismatch"

    static let both = RulePattern(
        #"\b(?:male\s+(?:or|and|and/or|&|/)\s+female|female\s+(?:or|and|and/or|&|/)\s+male|men\s+(?:or|and|and/or)\s+women|women\s+(?:or|and|and/or)\s+men|both\s+(?:sexes|genders)|(?:of\s+)?(?:either|any)\s+(?:sex|gender)|regardless\s+of\s+(?:sex|gender))\b"#,
        cues: ["male", "men", "sex", "gender"])
    static let femaleOnly = RulePattern(
        #"\b(?:female|women)\s+(?:patients?\s+|subjects?\s+|participants?\s+)?only\b|\bonly\s+(?:female|women)\b"#, cues: ["only"])
    static let maleOnly = RulePattern(
        #"\b(?:male|men)\s+(?:patients?\s+|subjects?\s+|participants?\s+)?only\b|\bonly\s+(?:male|men)\b"#, cues: ["only"])
    /// An inclusion item that opens with women as the population (not as partners).
    static let femalePopulation = RulePattern(
        #"^(?:(?:adult|healthy|pregnant|postmenopausal|premenopausal|non-pregnant)\s+)?(?:female|women|woman|girls)\b(?!\s+(?:partners?|spouses?|of\s+childbearing))"#,
        cues: ["female", "wom", "girls"])

    func check(_ trial: Trial) -> [Finding] {
        let inclusion = trial.parameters.criteria.filter { $0.list != .exclusion }
        var findings: [Finding] = []
        for s in trial.parameters.sex {
            var hits: [(Criterion, String)] = []
            for c in inclusion {
                switch s.value {
                case .female:
                    if let m = Self.both.firstMatch(in: c.text) ?? Self.maleOnly.firstMatch(in: c.text) { hits.append((c, m.text)) }
                case .male:
                    if let m = Self.both.firstMatch(in: c.text) ?? Self.femaleOnly.firstMatch(in: c.text)
                        ?? Self.femalePopulation.firstMatch(in: c.text)
                    {
                        hits.append((c, m.text))
                    }
                case .all:
                    if let m = Self.femaleOnly.firstMatch(in: c.text) ?? Self.maleOnly.firstMatch(in: c.text) { hits.append((c, m.text)) }
                }
            }
            guard !hits.isEmpty else { continue }
            let words = RuleText.list(hits.map { RuleText.quoted($0.1) })
            let message = "Structured sex is \(s.value.label) but the inclusion criteria say \(words): check who is eligible."
            findings.append(
                Finding(
                    rule: id, severity: .warning, trial: trial.id.value, message: message,
                    evidence: s.evidence + hits.map(\.0.evidence)))
        }
        return findings
    }
}
