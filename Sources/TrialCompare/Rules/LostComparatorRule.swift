import Foundation
import TrialModel

/// Catches eligibility thresholds whose comparator was lost in export: `Age: = 18 years old and
/// = 65 years old`, `Hemoglobin =60g/L`, `ALT = 3 x ULN`. Registry exports and mirror pages often
/// turn "≥"/"≤" into "=", which silently changes an inclusion limit into an exact value.
///
/// A bare `=` directly before a number in a criterion is flagged, one finding per criterion item
/// listing every affected measure. "=" that is part of `>=`, `=<`, `≥=`, of a scale or formula
/// (`1 = mild`, `BMI = weight/height²`) or of statistics (`n = 12`, `p = 0.05`) is not. The likely
/// intended comparator is suggested when the context makes it clear: the structured age band for
/// ages, "≥" for lab minima (blood counts, haemoglobin, renal function, LVEF) and "≤" for liver
/// maxima (ALT, AST, bilirubin, INR, serum creatinine).
struct LostComparatorRule: RecordRule {
    let id = "lost-comparator"

    /// Group 1: the number after the bare "=".
    static let bareEqual = RulePattern(#"(?<![<>≤≥=!≠≦≧/＜＞]\s?)[=＝](?![=<>/])\s*(\d+(?:[.,]\d+)?)"#, cues: ["=", "＝"])
    /// Statistic or variable names right before "=": n, N, p, r, k, x, I², HR, OR, RR, CI.
    private static let statistic = RulePattern(#"(?:^|[^\w])(?:[a-z]|I2|I²|HR|OR|RR|CI|SD|SE|df|χ2)\s*$"#, caseSensitive: true)
    /// A unit or qualifier right after the number, for the message.
    private static let unit = RulePattern(
        #"^\s*(?:[x×*]\s*10\s*\\?\^?\s*\d+\s*/\s*[a-zμµ]+|(?:[x×*]|times)\s*(?:the\s+)?(?:ULN|upper\s+limit\s+of\s+normal)|%|g\s*/\s*d?l|mg\s*/\s*d?l|µmol\s*/\s*l|mmol\s*/\s*l|ml\s*/\s*min(?:ute)?(?:\s*/\s*1\.73\s*m\s*2|/1\.73m2)?|mm\s*/\s*h|kg|years?(?:\s+old)?|months?|weeks?|days?|points?|visits?\(?s?\)?|b/tsDMARDs)"#
    )

    /// A list marker such as "1." or "b)" left at the start of a label.
    private static let listMarker = RulePattern(#"^(?:\d{1,2}|[a-z])[.)]$"#)
    private static let age = RulePattern(#"\bage[sd]?\b|years?\s+old|years?\s+of\s+age"#)
    private static let labMinimum = RulePattern(
        #"white\s+blood\s+cell|\bWBC\b|leu[ck]ocyte|neutrophil|\bANC\b|ha?emoglobin|\bHb\b|\bHGB\b|platelet|\bPLT\b|lymphocyte|albumin|creatinine\s+clearance|\bCrCl\b|\bCCr\b|\be?GFR\b|glomerular\s+filtration|ejection\s+fraction|\bLVEF\b|\bKPS\b|karnofsky|body\s+weight|weight"#
    )
    private static let liverMaximum = RulePattern(
        #"\bALT\b|\bAST\b|\bSGPT\b|\bSGOT\b|aminotransferase|transaminase|bilirubin|\bT?BIL\b|\bINR\b|serum\s+creatinine|prothrombin|\bPT\b|\bAPTT\b|\bULN\b|upper\s+limit\s+of\s+normal"#
    )

    func check(_ source: SourceRecord, _ record: TrialRecord) -> [Finding] {
        let ages = record.parameters.ageStructured
        var findings: [Finding] = []
        for criterion in record.parameters.criteria {
            let text = criterion.text
            let ns = text as NSString
            var hits: [(fragment: String, suggestion: String?)] = []
            var ageValues: [Double] = []
            var lastLabel = ""
            var lowerBound = 0
            for m in Self.bareEqual.matches(in: text) {
                let before = m.before(12)
                if Self.statistic.matches(before) { continue }
                // "1 = mild", "(x) = 60": a scale or formula, unless the parenthesis is an abbreviation.
                let trimmed = before.trimmingCharacters(in: .whitespaces)
                if let last = trimmed.last, last.isNumber || "+-*/×^".contains(last) { continue }
                let label = Self.label(ns, before: m.range.location, notBefore: lowerBound)
                let measure = label.isEmpty ? lastLabel : label
                lastLabel = measure
                let valueText = m.group(1) ?? ""
                var fragmentEnd = m.range.location + m.range.length
                if let u = Self.unit.firstMatch(in: m.after(40)) { fragmentEnd += u.range.length }
                lowerBound = fragmentEnd
                let valuePart = ns.substring(with: NSRange(location: m.range.location, length: fragmentEnd - m.range.location))
                let fragment = (measure.isEmpty ? valuePart : "\(measure) \(valuePart)").collapsingWhitespace
                let context = measure + " " + valuePart
                var suggestion: String?
                let value = Double(valueText.replacingOccurrences(of: ",", with: "."))
                if Self.age.matches(context), let value {
                    ageValues.append(value)
                    suggestion = Self.ageSuggestion(value, ages: ages)
                } else if Self.liverMaximum.matches(context) {
                    suggestion = "≤"
                } else if Self.labMinimum.matches(context) {
                    suggestion = "≥"
                }
                hits.append((fragment, suggestion))
            }
            guard !hits.isEmpty else { continue }
            // Two ages without a structured band: the lower is the minimum, the higher the maximum.
            if ageValues.count == 2, ages.isEmpty, ageValues[0] < ageValues[1] {
                var seen = 0
                for i in hits.indices where Self.age.matches(hits[i].fragment) && hits[i].suggestion == nil {
                    hits[i].suggestion = seen == 0 ? "≥" : "≤"
                    seen += 1
                }
            }
            let listed = hits.map { hit -> String in
                let q = RuleText.quoted(hit.fragment)
                guard let s = hit.suggestion else { return q }
                return "\(q) (likely \(s))"
            }
            var evidence = [criterion.evidence]
            if !ageValues.isEmpty, ageValues.contains(where: { v in ages.contains { $0.value.minYears == v || $0.value.maxYears == v } }) {
                evidence += Trial.evidence(ages)
            }
            let plural =
                hits.count == 1
                ? "a bare “=” where a comparator (≥, ≤) was probably lost in export"
                : "bare “=” signs where comparators (≥, ≤) were probably lost in export"
            let message = "\(RuleText.name(of: criterion)) has \(plural): \(RuleText.list(listed)); check the original protocol."
            findings.append(Finding(rule: id, severity: .warning, trial: record.primaryID.value, message: message, evidence: evidence))
        }
        return findings
    }

    /// ≥ for the structured minimum age, ≤ for the maximum, nil when the band does not say.
    private static func ageSuggestion(_ value: Double, ages: [Measured<AgeRange>]) -> String? {
        for a in ages {
            if let lo = a.value.minYears, abs(lo - value) < 0.01 { return "≥, as the structured minimum age" }
            if let hi = a.value.maxYears, abs(hi - value) < 0.01 { return "≤, as the structured maximum age" }
        }
        return nil
    }

    /// The words naming what the number limits: back from "=" to the previous separator, at
    /// most five words, without a trailing "of"/"is"; "Age: = 18" gives "Age".
    private static func label(_ ns: NSString, before location: Int, notBefore lowerBound: Int) -> String {
        var start = location
        var depth = 0
        var steps = 0
        while start > lowerBound, steps < 60 {
            let c = ns.character(at: start - 1)
            if c == 41 { depth += 1 }  // )
            if c == 40 {
                if depth == 0 { break }
                depth -= 1
            }  // (
            if depth == 0, c == 59 || c == 44 || c == 10 || c == 0xFF1B { break }  // ; , newline
            if depth == 0, c == 58, start < location,
                !ns.substring(with: NSRange(location: start, length: location - start)).trimmingCharacters(in: .whitespaces).isEmpty
            {
                break
            }  // :
            start -= 1
            steps += 1
        }
        var words = ns.substring(with: NSRange(location: start, length: location - start))
            .replacingOccurrences(of: ":", with: " ").split(separator: " ").map(String.init)
        let drop: Set<String> = ["of", "is", "was", "be", "with", "and", "or", "a", "an", "the", "to", "at"]
        while let last = words.last, drop.contains(last.lowercased()) { words.removeLast() }
        words = Array(words.suffix(5))
        while let first = words.first, drop.contains(first.lowercased()) || listMarker.matches(first) { words.removeFirst() }
        return words.joined(separator: " ")
    }
}
