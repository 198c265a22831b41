import Foundation
import TrialModel

/// Numeric eligibility limits (LVEF, ECOG, eGFR, CrCl, body weight, liver and blood values) from
/// inclusion criteria only: a number in an exclusion item is never an inclusion threshold.
///
/// Each measure is found as "<name> … <comparator> <number> <unit>", with the name first, so
/// "≥ 50% decrease in eGFR" (number before the name, no renal unit) is not an eGFR limit.
enum ThresholdExtractor {
    private struct Measure: Sendable {
        var name: String
        var pattern: Pattern
        /// Maps the matched unit text to the normalized unit.
        var unit: @Sendable (String) -> String
        /// The pattern can only match when the text has one of these words (`Prefilter`) …
        var names: [StaticString]
        /// … and one of these (its unit).
        var units: [StaticString]
    }

    private static let cmp = ComparatorText.pattern
    /// Words between a measure's name and its limit: no digits, comparators or sentence breaks.
    private static let gap = #"[^0-9<>≤≥=＜＞≦≧;；。\n]{0,40}?"#
    private static let number = #"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"#
    private static let orMore = #"(?:\s*or\s+(higher|greater|more|above|over|less|lower|below))?"#

    /// "<name> <gap> <comparator> <number> <unit> [or more]": groups 1 comparator, 2 number, 3 unit, 4 postfix.
    private static func simple(_ name: String, _ unit: String) -> Pattern {
        Pattern("(?:\(name))\(gap)(\(cmp))\\s*\(number)\\s*(\(unit))\(orMore)")
    }

    private static let renalUnit = #"m[lL]\s*/\s*min(?:ute)?(?:\s*(?:/|per)\s*1\.73\s*(?:m\s*(?:\\?\^\s*)?2|m²|㎡))?"#
    private static let countUnit = #"(?:[x×*]\s*10\s*(?:\\?\^\s*9|⁹)\s*/\s*L|/\s*(?:mm\s*(?:\\?\^\s*)?3|mm³|µL|μL|uL|mcL))"#

    private static let measures: [Measure] = [
        Measure(name: "LVEF",
                pattern: simple(#"(?:left\s+ventricular\s+)?ejection\s+fraction|\bLVEF\b|\bEF\b"#, "%"),
                unit: { _ in "%" }, names: ["ejection", "ef"], units: ["%"]),
        Measure(name: "eGFR",
                pattern: simple(#"(?:estimated\s+)?glomerular\s+filtration\s+rate|\beGFR\b|\bGFR\b"#, renalUnit),
                unit: { _ in "mL/min/1.73 m²" }, names: ["glomerular", "gfr"], units: ["ml"]),
        Measure(name: "CrCl",
                pattern: simple(#"creatinine\s+clearance(?:\s+rate)?|\bCrCl\b|\bCLcr\b|\bCCr\b"#, renalUnit),
                unit: { $0.contains("1.73") ? "mL/min/1.73 m²" : "mL/min" },
                names: ["creatinine", "crcl", "clcr", "ccr"], units: ["ml"]),
        Measure(name: "body weight",
                pattern: simple(#"body\s*weight|\bweight\b|体重"#, #"kg\b|公斤"#),
                unit: { _ in "kg" }, names: ["weight", "体重"], units: ["kg", "公斤"]),
        Measure(name: "hemoglobin",
                pattern: simple(#"ha?emoglobin|\bHGB\b|\bHb\b"#, #"g\s*/\s*(?:dL|dl|L|l)\b"#),
                unit: { $0.lowercased().contains("d") ? "g/dL" : "g/L" }, names: ["emoglobin", "hgb", "hb"], units: ["g"]),
        Measure(name: "platelets",
                pattern: simple(#"platelets?(?:\s+count)?|\bPLT\b"#, countUnit),
                unit: countUnitName, names: ["platelet", "plt"], units: ["/"]),
        Measure(name: "neutrophils",
                pattern: simple(#"absolute\s+neutrophil\s+count|\bANC\b|neutrophils?(?:\s+count)?"#, countUnit),
                unit: countUnitName, names: ["neutrophil", "anc"], units: ["/"]),
    ]

    @Sendable private static func countUnitName(_ raw: String) -> String {
        let s = raw.lowercased()
        if s.contains("10") { return "×10^9/L" }
        if s.contains("mm") { return "/mm³" }
        return "/µL"
    }

    /// ECOG: "≤ 2", "0 or 1" (→ ≤ 1), "0-2" (→ ≤ 2), "0, 1 or 2", "1 or less".
    private static let ecog = Pattern(
        #"(?:\bECOG\b|Eastern\s+Cooperative\s+Oncology\s+Group)[^0-9<>≤≥=＜＞≦≧;；。\n]{0,40}?(?:(\#(cmp))\s*([0-5])(?!\d|\.\d)|([0-5])\s*(?:-|–|~|to)\s*([0-5])(?!\d|\.\d)|([0-5])((?:\s*(?:,\s*(?:or|and)?|or|或|and|/)\s*[0-5](?!\d|\.\d))+)|([0-5])\s*or\s+(?:less|lower|below|better))"#
    )

    /// "<comparator> <number> × ULN" for liver values; the analyte names come just before it.
    private static let uln = Pattern(
        #"(\#(cmp))\s*(\d+(?:\.\d+)?)\s*(?:[x×*]|times)\s*(?:the\s+)?(?:institutional\s+)?(?:ULN\b|upper\s+limits?\s+of\s+(?:the\s+)?normal(?:\s+(?:range|value))?)"#
    )
    private static let analytes: [(String, Pattern)] = [
        ("ALT", Pattern(#"\bALT\b|alanine\s+aminotransferase|\bSGPT\b"#)),
        ("AST", Pattern(#"\bAST\b|aspartate\s+aminotransferase|\bSGOT\b"#)),
        ("bilirubin", Pattern(#"bilirubin|\bTBIL\b"#)),
    ]
    private static let exception = Pattern(#"exclud|except|gilbert"#)

    /// Thresholds from the inclusion (and unlabelled) items of `criteria`, in document order.
    /// `cohort` is the item's subsection heading when that heading names a cohort.
    static func extract(_ criteria: [Criterion], file: String) -> [Measured<Threshold>] {
        var result: [Measured<Threshold>] = []
        for criterion in criteria where criterion.list != .exclusion {
            // Every limit is read from ASCII digits (`Numbers.parse`, `[0-5]`): none, no limit.
            guard Prefilter.hasASCIIDigit(criterion.text) else { continue }
            let buffer = TextBuffer(criterion.text)
            var found: [(NSRange, Threshold)] = []
            for measure in measures {
                guard Prefilter.mayContain(criterion.text, measure.names), Prefilter.mayContain(criterion.text, measure.units) else {
                    continue
                }
                for m in buffer.matches(measure.pattern) {
                    guard var comparator = buffer.group(m, 1).flatMap(ComparatorText.parse),
                          let value = buffer.group(m, 2).flatMap(Numbers.parse) else { continue }
                    if let post = buffer.group(m, 4)?.lowercased() {
                        comparator = ["less", "lower", "below"].contains(post) ? .lessOrEqual : .greaterOrEqual
                    }
                    let unit = measure.unit(buffer.group(m, 3) ?? "")
                    found.append((m.range, Threshold(measure: measure.name, comparator: comparator, value: value, unit: unit, cohort: nil)))
                }
            }
            if Prefilter.mayContain(criterion.text, ["ecog", "eastern"]) {
                found.append(contentsOf: ecogLimits(buffer, cohort: nil))
            }
            if Prefilter.mayContain(criterion.text, ["uln", "upper limit"]),
               criterion.text.range(of: "ULN", options: .caseInsensitive) != nil
                || criterion.text.range(of: "upper limit", options: .caseInsensitive) != nil {
                found.append(contentsOf: liverLimits(buffer, cohort: nil))
            }
            guard !found.isEmpty else { continue }
            let cohort = cohortName(criterion.heading)
            if cohort != nil { for i in found.indices { found[i].1.cohort = cohort } }
            found.sort { $0.0.location < $1.0.location }
            for (range, threshold) in found {
                let quote = buffer.substring(range).collapsingWhitespace
                result.appendMerging(Measured(threshold, Evidence(file: file, locator: criterion.evidence.locator, quote: quote)))
            }
        }
        return result
    }

    /// A heading names a cohort ("Criteria for Relapsed/refractory IgA nephropathy", "Cohort B",
    /// "For parent participants")
    /// unless it is a general list heading ("Inclusion Criteria", "Common inclusion criteria").
    static func cohortName(_ heading: String?) -> String? {
        guard let heading else { return nil }
        let lower = heading.lowercased()
        if lower.contains("common") || lower.contains("general") { return nil }
        let b = TextBuffer(lower)
        if b.firstMatch(cohortCriteriaFor) != nil { return heading }
        if b.firstMatch(cohortCriteriaPart) != nil { return heading }
        if b.firstMatch(cohortLabel) != nil { return heading }
        if lower.hasPrefix("for "), b.firstMatch(listWords) == nil {
            return heading
        }
        return nil
    }

    // `cohortName` patterns, compiled once (matched case-sensitively on the lower-cased heading,
    // as `String.range(of:options: .regularExpression)` did).
    private static let cohortCriteriaFor = Pattern(#"criteri(a|on)\s+(for|of|in)\s+\S"#, caseSensitive: true)
    private static let cohortCriteriaPart = Pattern(
        #"criteri(a|on)\s*[-–(]?\s*(stage|part|cohort|arm|phase|group|step)\b"#, caseSensitive: true)
    private static let cohortLabel = Pattern(#"^(cohort|arm|part|group)\b"#, caseSensitive: true)
    private static let listWords = Pattern(#"inclu|exclu|criteri|eligib"#, caseSensitive: true)

    private static func ecogLimits(_ buffer: TextBuffer, cohort: String?) -> [(NSRange, Threshold)] {
        buffer.matches(ecog).compactMap { m in
            let comparator: TrialModel.Comparator
            let value: Double
            if let c = buffer.group(m, 1).flatMap(ComparatorText.parse), let v = buffer.group(m, 2).flatMap(Double.init) {
                comparator = c
                value = v
            } else if let v = buffer.group(m, 4).flatMap(Double.init) {
                comparator = .lessOrEqual
                value = v
            } else if let first = buffer.group(m, 5).flatMap(Double.init), let rest = buffer.group(m, 6) {
                comparator = .lessOrEqual
                value = rest.compactMap { $0.wholeNumberValue }.map(Double.init).reduce(first, max)
            } else if let v = buffer.group(m, 7).flatMap(Double.init) {
                comparator = .lessOrEqual
                value = v
            } else {
                return nil
            }
            return (m.range, Threshold(measure: "ECOG", comparator: comparator, value: value, unit: "", cohort: cohort))
        }
    }

    /// "ALT = 3 x ULN", "AST and ALT ≤ 3 times the upper limit of normal", "Serum ALT/AST less than
    /// or equal to 5.0 x ULN". Values inside an exception ("excluding Gilbert syndrome, …") are skipped.
    private static func liverLimits(_ buffer: TextBuffer, cohort: String?) -> [(NSRange, Threshold)] {
        var result: [(NSRange, Threshold)] = []
        var windowStart = 0
        for m in buffer.matches(uln) {
            defer { windowStart = m.range.end }
            guard let comparator = buffer.group(m, 1).flatMap(ComparatorText.parse),
                  let value = buffer.group(m, 2).flatMap(Numbers.parse) else { continue }
            let window = NSRange(from: max(windowStart, m.range.location - 90), to: m.range.location)
            if buffer.firstMatch(exception, in: window) != nil { continue }
            var start = m.range.location
            var names: [String] = []
            for (name, pattern) in analytes {
                guard let hit = buffer.matches(pattern, in: window).first else { continue }
                names.append(name)
                start = min(start, hit.range.location)
            }
            let range = NSRange(from: start, to: m.range.end)
            for name in names {
                result.append((range, Threshold(measure: name, comparator: comparator, value: value, unit: "× ULN", cohort: cohort)))
            }
        }
        return result
    }
}
