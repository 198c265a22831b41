import Foundation
import TrialModel
import TrialSupport

/// Numeric eligibility limits (LVEF, ECOG, eGFR, CrCl, body weight, liver and blood values) as
/// bounds on who may enter: stated in inclusion items, or implied by exclusion items (excluding
/// "LVEF < 45 %" admits LVEF ≥ 45 %; excluding "ECOG ≥ 3" admits ECOG ≤ 2).
///
/// Each measure is found as "<name> … <limit>", with the name first, so "≥ 50% decrease in eGFR"
/// (number before the name) is not an eGFR limit. A limit is a comparator and a number ("≥ 50 %",
/// "at least 60 mL/min", "= 50" with its comparator lost), a number and a postfix ("50 % or
/// higher"), or a range ("between 40 and 70 %"). A unit may be left out where the measure fixes it
/// (LVEF in %, clearance in mL/min), but never replaced by another one.
enum ThresholdExtractor {
    private struct Measure: Sendable {
        var name: String
        var pattern: Pattern
        /// Maps the matched unit text to the normalized unit.
        var unit: @Sendable (String) -> String
        /// The pattern can only match when the text has one of these words (`Prefilter`) …
        var names: [StaticString]
        /// … or one of these, exactly as written (abbreviations the pattern matches case-sensitively:
        /// "ef" and "anc" are in "before" and "cancer").
        var exactNames: [StaticString] = []
        /// Values outside this range are not this measure's ("LVEF ≤ 2" is an ECOG that followed).
        var plausible: ClosedRange<Double>
    }

    private static let cmp = ComparatorText.pattern
    /// Words between a measure's name and its limit: no digits, comparators or sentence breaks.
    private static let gap = #"[^0-9<>≤≥=＜＞≦≧;；。\n]{0,45}?"#
    /// Where a limit may begin after the gap: a digit, a comparator's first character, "between"
    /// or "from". Tested before the alternation is tried: the lazy gap gives every position up to
    /// 45 characters after a name a try, and ICU tries the forty-odd comparators one by one at
    /// each. The same matches as without it (a test compares both on every real text).
    static let limitStart = #"(?=[\d"# + ComparatorText.openingCharacters + "bf])"
    private static let number = #"(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)"#
    private static let postfix = #"(higher|greater|more|above|over|better|less|lower|below|under|fewer)(?!\s+than)\b"#
    private static let between = #"\s*+(?:-|–|—|~|～|to|and|through)\s*+"#
    /// After a number written without a unit: no other unit may follow ("≥ 1.5 mg/dL" is no clearance).
    private static let noOtherUnit =
        #"(?![\d.,]?\d)(?!\s*(?:[/%％×*^µμ]|x\s*(?:\d|uln|upper|the\b|institutional)|m?c?g\b|mg|ng|pg|u?mol|mmol|meq|mm|cm|kg|lbs?\b|years?|yrs?|months?|weeks?|days?|hours?|h\b|hrs?\b|min|seconds?|points?|units?|iu\b|u/|times|fold|ms\b|cells?|bpm|beats?|sec\b|m2|m²|ml|l\b|dl\b))"#

    /// "<name> <gap> <limit>"; a comparator may be restated in brackets ("lesser than or equal to
    /// (≤) 30"). Groups: 1 name · 2 comparator, 3 number, 4 unit, 5 postfix · 6 low,
    /// 7 unit, 8 high, 9 unit · 10 number, 11 unit, 12 postfix.
    private static func limit(_ name: String, _ unit: String, unitRequired: Bool) -> Pattern {
        let u = unitRequired ? #"\s*+(\#(unit))"# : #"(?:\s*+(\#(unit))|\#(noOtherUnit))"#
        let range = #"(?:between\s++|from\s++)?\#(number)\s*+(\#(unit))?\#(between)\#(number)\#(u)"#
        return Pattern(
            "(\(name))\(gap)\(limitStart)(?:(\(cmp))(?:\\s*+\\(\\s*+[<>=≤≥]{1,2}\\s*+\\))?\\s*+\(number)\(u)(?:\\s*+(?:or|and)\\s++\(postfix))?|\(range)|\(number)\(u)\\s*+(?:or|and)\\s++\(postfix))"
        )
    }

    private static let renalUnit =
        #"(?:m[lL]|cc|milli-?lit(?:er|re)s?)\s*(?:/|per)\s*(?:min(?:ute)?|mn)\b(?:\s*(?:/|per)\s*1[.,]73\s*(?:m\s*(?:\\?\^\s*)?2|m²|㎡|sq\.?\s*m\b|square\s+met(?:er|re)s?))?"#
    private static let countUnit =
        #"(?:[x×*]\s*10\s*(?:\\?\^\s*9|⁹|E9)\s*/\s*L|[x×*]\s*10\s*(?:\\?\^\s*3|³|E3)\s*/\s*(?:mm\s*(?:\\?\^\s*)?3|mm³|µL|μL|uL|mcL)|/\s*(?:mm\s*(?:\\?\^\s*)?3|mm³|µL|μL|uL|mcL|cu\.?\s*mm))"#

    private static let measures: [Measure] = [
        Measure(
            name: "LVEF",
            pattern: limit(
                #"(?<!right\s)(?<!right\sventricular\s)(?:(?:left\s+ventric(?:ular|le)|LV)\s+)?ejection\s+fraction|\bLVEF\b|\b(?-i:EF)\b"#,
                "%|％|percent", unitRequired: false),
            unit: { _ in "%" }, names: ["ejection", "lvef"], exactNames: ["EF"], plausible: 5...95),
        Measure(
            name: "eGFR",
            pattern: limit(#"(?:estimated\s+)?glomerular\s+filtration\s+rate|\beGFR\b|\bGFR\b"#, renalUnit, unitRequired: false),
            unit: { _ in "mL/min/1.73 m²" }, names: ["glomerular", "gfr"], plausible: 5...200),
        Measure(
            name: "CrCl",
            pattern: limit(#"creatinine\s+clearance(?:\s+rate)?|\bCrCl\b|\bCLcr\b|\bCCr\b"#, renalUnit, unitRequired: false),
            unit: { $0.contains("1.73") || $0.contains("1,73") ? "mL/min/1.73 m²" : "mL/min" },
            names: ["creatinine", "crcl", "clcr", "ccr"], plausible: 5...200),
        Measure(
            name: "body weight",
            pattern: limit(#"body\s*weight|\bweight\b|体重"#, #"kg\b|kilograms?\b|公斤"#, unitRequired: true),
            unit: { _ in "kg" }, names: ["weight", "体重"], plausible: 1...400),
        Measure(
            name: "hemoglobin",
            pattern: limit(#"ha?emoglobin|\bHGB\b|\bHb\b"#, #"g\s*/\s*(?:dL|dl|L|l)\b"#, unitRequired: true),
            unit: { $0.lowercased().contains("d") ? "g/dL" : "g/L" }, names: ["emoglobin", "hgb", "hb"], plausible: 1...250),
        Measure(
            name: "platelets",
            pattern: limit(#"platelets?(?:\s+count)?|\bPLT\b"#, countUnit, unitRequired: true),
            unit: countUnitName, names: ["platelet", "plt"], plausible: 1...1_000_000),
        Measure(
            name: "neutrophils",
            pattern: limit(#"absolute\s+neutrophil\s+count|\b(?-i:ANC)\b|neutrophils?(?:\s+count)?"#, countUnit, unitRequired: true),
            unit: countUnitName, names: ["neutrophil"], exactNames: ["ANC"], plausible: 0.01...100_000),
    ]

    /// The patterns that test `limitStart` after their gap (for a test).
    static var guardedPatterns: [(name: String, pattern: Pattern)] { measures.map { ($0.name, $0.pattern) } + [("ECOG", ecog)] }

    /// Every measure's names: one scan rules out most criteria before each measure's own check.
    private static let allNames: [StaticString] = measures.flatMap(\.names)
    private static let allExactNames: [StaticString] = measures.flatMap(\.exactNames)

    @Sendable private static func countUnitName(_ raw: String) -> String {
        let s = raw.lowercased()
        if s.contains("10"), s.contains("/l") { return "×10^9/L" }
        if s.contains("10") { return "×10^3/µL" }
        if s.contains("mm") { return "/mm³" }
        return "/µL"
    }

    /// Words in the gap that make a number something else than the limit: a change ("LVEF decrease
    /// of ≥ 10 %"), another analyte ("eGFR or serum creatinine ≤ 2"), a score.
    private static let foreignGap = Pattern(
        #"decreas|declin|reduc|drop|chang|increas|improv|fall|absolute|relative|\bpoints?\b|creatinine(?!\s+clearance)|bilirubin|\bALT\b|\bAST\b|platelet|ha?emoglobin|neutrophil|potassium|sodium|albumin|pressure|\bBMI\b|\bage\b|ECOG|karnofsky|lansky|\bscore\b|QTc|heart\s+rate|weight|ratio"#
    )
    /// Words just before a measure's name that turn an inclusion item into an exclusion ("No LVEF
    /// < 40 %", "without eGFR < 30").
    /// Heart failure with reduced ejection fraction, where an LVEF limit is a maximum: a lost
    /// comparator ("ejection fraction of = 40% for patients in NYHA class II") is read as "≤".
    private static let reducedEjectionContext = Pattern(
        #"heart\s+failure|\bHF(?:r?EF)?\b|cardiomyopath|ventric\w*\s+(?:systolic\s+)?dysfunction|reduced\s+(?:left\s+ventricular\s+)?(?:LV)?EF|reduced\s+(?:left\s+ventricular\s+)?ejection|\bNYHA\b|New\s+York\s+Heart"#
    )
    private static let negation = Pattern(#"(?:^|[\s(,])(?:no|without|absence\s+of|free\s+of|not\s+have|none\s+of)\s+(?:[a-z-]+\s+){0,4}$"#)
    /// A measure named in a condition on another limit ("NT-proBNP ≥ 300 pg/mL if ejection
    /// fraction is less than 35 %") states no limit of its own.
    private static let conditionBefore = Pattern(#"\b(?:if|when|unless|whose)\s+(?:the\s+|their\s+|his\s+|her\s+|a\s+|an\s+)?(?:[a-z]+\s+)?$"#)

    /// ECOG after its name: groups 1 comparator, 2 value · 3, 4 range · 5 first, 6 rest of a list ·
    /// 7 value, 8 postfix · 9 a single value.
    private static let ecog = Pattern(
        #"(?:\bECOG\b|Eastern\s+Cooperative\s+Oncology\s+Group|\bZubrod\b|performance\s+status(?=[^.;\n]{0,60}?\b(?:ECOG|Eastern\s+Cooperative|Zubrod)\b))[^0-9<>≤≥=＜＞≦≧;；。\n]{0,50}?\#(limitStart)(?:(\#(cmp))\s*([0-5])(?!\d|[.,]\d|\s*%|\s*(?:-|–|—|~|to\b|,|or\b|and\b|/)\s*[0-5](?!\d))|(?:[=＝]\s*)?([0-5])\s*(?:-|–|—|~|to|through)\s*([0-5])(?!\d|[.,]\d|\s*%)|(?:[=＝]\s*)?([0-5])((?:\s*(?:,\s*(?:or|and)?|or|或|and|/|&)\s*[0-5](?!\d|[.,]\d|\s*%))+)|([0-5])\s*(?:or|and)\s+(less|lower|below|better|fewer|more|greater|higher|above|worse)\b|([0-5])(?!\d|[.,]\d|\s*%|\s*(?:-|–|~|x\b|×|times|months?|weeks?|years?|days?)))"#
    )

    /// "<comparator> <number> × ULN" for liver values; the analyte names come just before it.
    private static let uln = Pattern(
        #"(\#(cmp))\s*+(\d+(?:\.\d+)?)\s*+(?:[x×*]|times|-?fold)?\s*+(?:the\s++)?(?:institutional\s++|local\s++)?(?:ULN\b|upper\s++limits?\s++of\s++(?:the\s++)?normal(?:\s++(?:range|value))?)"#
    )
    /// Where a `uln` match ends: "ULN" or "upper limit(s) of normal".
    static let ulnWords = ["uln", "upper"]
    /// How far before "ULN" (UTF-16 units) a `uln` match may start: "not more than 2.5 times the
    /// institutional ULN".
    static let ulnReachBefore = 96
    /// How far after the start of "ULN" a match may end: "upper limits of the normal range".
    static let ulnReachAfter = 40

    /// `uln` searched only before each "ULN" or "upper limit", from where a comparator may start.
    static func ulnMatches(_ buffer: TextBuffer) -> [NSTextCheckingResult] {
        buffer.comparatorMatches(
            uln, in: buffer.fullRange, near: buffer.asciiWordStarts(ulnWords, in: buffer.fullRange), before: ulnReachBefore,
            after: ulnReachAfter)
    }

    /// `ulnMatches` against the whole search (for a test).
    static func ulnNearWordsAgree(_ text: String) -> (agree: Bool, found: Bool) {
        let buffer = TextBuffer(text)
        let whole = buffer.matches(uln).map { (0..<$0.numberOfRanges).map($0.range(at:)) }
        let near = ulnMatches(buffer).map { (0..<$0.numberOfRanges).map($0.range(at:)) }
        return (whole == near, !whole.isEmpty)
    }

    /// The analytes a ULN limit names, each with the words one of which is in every match of its
    /// pattern (the cheap look before it).
    static let analytes: [(name: String, pattern: Pattern, words: [StaticString])] = [
        ("ALT", Pattern(#"\bALT\b|alanine\s+aminotransferase|\bSGPT\b"#), ["alt", "alanine", "sgpt"]),
        ("AST", Pattern(#"\bAST\b|aspartate\s+aminotransferase|\bSGOT\b"#), ["ast", "aspartate", "sgot"]),
        ("bilirubin", Pattern(#"bilirubin|\bTBIL\b"#), ["bilirubin", "tbil"]),
    ]
    static let exception = Pattern(#"exclud|except|gilbert"#)
    /// One of these is in every match of `exception`.
    static let exceptionWords: [StaticString] = ["exclud", "except", "gilbert"]
    /// A subgroup named at the start of an item ("For patients with prior anthracyclines: LVEF ≥ 55 %",
    /// "In Cohort B, ECOG 0-2").
    private static let leadingSubgroup = Pattern(
        #"^\W*(?:(?:for|in)\s+((?:patients?|participants?|subjects?|cohort|arm|part|group|those|women|men|children|adults?)\b[^,:;.]{0,80}?)|(cohort\s+\w+|arm\s+\w+|part\s+\w+))\s*[,:]"#
    )

    /// Thresholds from the criteria, in document order: inclusion (and unlabelled) items state
    /// them; exclusion items imply them. `cohort` is the item's subsection heading when that
    /// heading names a cohort, else a subgroup the item names at its start.
    static func extract(_ criteria: [Criterion], file: String) -> [Measured<Threshold>] {
        var result: [Measured<Threshold>] = []
        for criterion in criteria {
            // Every limit is read from ASCII digits (`Numbers.parse`, `[0-5]`): none, no limit.
            guard Prefilter.hasASCIIDigit(criterion.text) else { continue }
            let buffer = TextBuffer(criterion.text)
            let excluded = criterion.list == .exclusion
            var found: [(NSRange, Threshold)] = []
            let namesAny = Prefilter.mayContain(criterion.text, allNames) || Prefilter.containsExactly(criterion.text, allExactNames)
            for measure in measures where namesAny {
                guard Prefilter.mayContain(criterion.text, measure.names) || Prefilter.containsExactly(criterion.text, measure.exactNames)
                else { continue }
                for m in buffer.matches(measure.pattern) {
                    let before = NSRange(from: max(0, m.range.location - 24), to: m.range.location)
                    if buffer.firstMatch(conditionBefore, in: before) != nil { continue }
                    let flipped = excluded != negated(buffer, before: m.range.location)
                    found.append(contentsOf: limits(buffer, m, measure, excluded: flipped))
                }
            }
            if Prefilter.mayContain(criterion.text, ["ecog", "eastern", "zubrod"]) {
                found.append(contentsOf: ecogLimits(buffer, excluded: excluded))
            }
            if Prefilter.mayContain(criterion.text, ["uln", "upper limit"]) {
                found.append(contentsOf: liverLimits(buffer, excluded: excluded))
            }
            guard !found.isEmpty else { continue }
            let cohort = cohortName(criterion.heading) ?? subgroup(buffer)
            if cohort != nil { for i in found.indices { found[i].1.cohort = cohort } }
            found.sort { $0.0.location < $1.0.location }
            for (range, threshold) in found {
                let quote = buffer.substring(range).collapsingWhitespace
                result.appendMerging(Measured(threshold, Evidence(file: file, locator: criterion.evidence.locator, quote: quote)))
            }
        }
        return result
    }

    /// The subgroup an item names at its start, if any.
    private static func subgroup(_ buffer: TextBuffer) -> String? {
        guard let m = buffer.firstMatch(leadingSubgroup) else { return nil }
        let name = (buffer.group(m, 1) ?? buffer.group(m, 2))?.collapsingWhitespace
        return name.flatMap { $0.isEmpty ? nil : $0 }
    }

    private static func negated(_ buffer: TextBuffer, before location: Int) -> Bool {
        let window = NSRange(from: max(0, location - 40), to: location)
        return buffer.firstMatch(negation, in: window) != nil
    }

    /// The limits of one match of a measure's pattern (a range gives two).
    private static func limits(_ buffer: TextBuffer, _ m: NSTextCheckingResult, _ measure: Measure, excluded: Bool) -> [(NSRange, Threshold)] {
        // The words between the name and the limit must not make the number something else.
        if let limitStart = [2, 6, 10].map({ m.range(at: $0) }).first(where: { $0.location != NSNotFound }) {
            let gapRange = NSRange(from: m.range(at: 1).end, to: limitStart.location)
            if gapRange.length > 0, buffer.firstMatch(foreignGap, in: gapRange) != nil { return [] }
        }
        var out: [(TrialModel.Comparator, Double, String?)] = []
        if let raw = buffer.group(m, 2), var c = ComparatorText.parse(raw), let v = buffer.group(m, 3).flatMap(Numbers.parse) {
            if let post = buffer.group(m, 5)?.lowercased() { c = isLowerPostfix(post) ? .greaterOrEqual : .lessOrEqual }
            out.append((c, v, buffer.group(m, 4)))
        } else if let lo = buffer.group(m, 6).flatMap(Numbers.parse), let hi = buffer.group(m, 8).flatMap(Numbers.parse) {
            // A range in an exclusion item ("LVEF 40-50 %") leaves both ends eligible: no bound.
            guard !excluded, lo < hi else { return [] }
            let unit = buffer.group(m, 9) ?? buffer.group(m, 7)
            out.append((.greaterOrEqual, lo, unit))
            out.append((.lessOrEqual, hi, unit))
        } else if let v = buffer.group(m, 10).flatMap(Numbers.parse), let post = buffer.group(m, 12)?.lowercased() {
            out.append((isLowerPostfix(post) ? .greaterOrEqual : .lessOrEqual, v, buffer.group(m, 11)))
        }
        // A bare "=" (lost in export) is read as these measures' usual minimum, except LVEF in
        // heart failure with reduced ejection fraction, where the limit is a maximum.
        let lostMeansMaximum =
            measure.name == "LVEF" && out.contains { $0.0 == .equal }
            && buffer.firstMatch(reducedEjectionContext) != nil
        return out.compactMap { comparator, value, unit in
            guard measure.plausible.contains(value) else { return nil }
            let eligible = excluded ? comparator.admittedByExcluding : comparator
            let bound: LimitBound = eligible.isUpperBound || (eligible == .equal && lostMeansMaximum) ? .upper : .lower
            let threshold = Threshold(
                measure: measure.name, comparator: eligible, value: value, unit: measure.unit(unit ?? ""), cohort: nil,
                bound: bound, basis: excluded ? .exclusion : .inclusion)
            return (m.range, threshold)
        }
    }

    private static func isLowerPostfix(_ post: String) -> Bool {
        ["higher", "greater", "more", "above", "over", "better"].contains(post)
    }
    /// A heading names a cohort ("Criteria for Relapsed/refractory IgA nephropathy", "Cohort B",
    /// "For parent participants")
    /// unless it is a general list heading ("Inclusion Criteria", "Common inclusion criteria").
    /// An inclusion and an exclusion heading of one cohort ("Exclusion Criteria for X") give one
    /// name ("Criteria for X"), so that their limits compare.
    static func cohortName(_ heading: String?) -> String? {
        guard var heading else { return nil }
        for list in ["Inclusion ", "Exclusion "] where heading.lowercased().hasPrefix(list.lowercased() + "criteri") {
            heading = String(heading.dropFirst(list.count))
            heading = heading.prefix(1).uppercased() + heading.dropFirst()
        }
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
        #"criteri(a|on)\s*+[-–(]?\s*+(stage|part|cohort|arm|phase|group|step)\b"#, caseSensitive: true)
    private static let cohortLabel = Pattern(#"^(cohort|arm|part|group)\b"#, caseSensitive: true)
    private static let listWords = Pattern(#"inclu|exclu|criteri|eligib"#, caseSensitive: true)

    /// ECOG as the highest (or, rarely, lowest) score allowed, an integer: "< 2" admits ≤ 1,
    /// "0, 1 or 2" ≤ 2, and an exclusion "≥ 3", "3 or 4" or "3-4" admits ≤ 2.
    private static func ecogLimits(_ buffer: TextBuffer, excluded: Bool) -> [(NSRange, Threshold)] {
        buffer.matches(ecog).compactMap { m in
            let basis: LimitBasis = excluded ? .exclusion : .inclusion
            func limit(_ bound: LimitBound, _ value: Int) -> (NSRange, Threshold)? {
                guard (0...5).contains(value) else { return nil }
                return (
                    m.range,
                    Threshold(
                        measure: "ECOG", comparator: bound == .upper ? .lessOrEqual : .greaterOrEqual,
                        value: Double(value), unit: "", bound: bound, basis: basis)
                )
            }
            if let c = buffer.group(m, 1).flatMap(ComparatorText.parse), let v = buffer.group(m, 2).flatMap({ Int($0) }) {
                // A lost "=" stands for "≤" in an inclusion item and for "≥" in an exclusion item.
                let stated: TrialModel.Comparator = c == .equal ? (excluded ? .greaterOrEqual : .lessOrEqual) : c
                let eligible = excluded ? stated.admittedByExcluding : stated
                switch eligible {
                case .lessOrEqual, .equal: return limit(.upper, v)
                case .less: return limit(.upper, v - 1)
                case .greaterOrEqual: return limit(.lower, v)
                case .greater: return limit(.lower, v + 1)
                }
            }
            var values: [Int] = []
            var lowerPostfix = false
            if let a = buffer.group(m, 3).flatMap({ Int($0) }), let b = buffer.group(m, 4).flatMap({ Int($0) }) {
                values = [a, b]
            } else if let first = buffer.group(m, 5).flatMap({ Int($0) }), let rest = buffer.group(m, 6) {
                values = [first] + rest.compactMap { $0.wholeNumberValue }
            } else if let v = buffer.group(m, 7).flatMap({ Int($0) }), let post = buffer.group(m, 8)?.lowercased() {
                values = [v]
                lowerPostfix = ["more", "greater", "higher", "above", "worse"].contains(post)
            } else if let v = buffer.group(m, 9).flatMap({ Int($0) }) {
                values = [v]
            }
            guard let lo = values.min(), let hi = values.max() else { return nil }
            switch (excluded, lowerPostfix) {
            case (false, false): return limit(.upper, hi)  // "0-2", "0, 1 or 2", "2 or less", "ECOG 1"
            case (false, true): return limit(.lower, lo)  // "2 or more"
            case (true, false): return limit(.upper, lo - 1)  // excluded "3-4", "3 or 4", "ECOG 3"
            case (true, true): return limit(.upper, lo - 1)  // excluded "3 or more"
            }
        }
    }

    /// "ALT = 3 x ULN", "AST and ALT ≤ 3 times the upper limit of normal", "Serum ALT/AST less than
    /// or equal to 5.0 x ULN"; in an exclusion item the admitted side ("ALT > 3 × ULN" → ≤ 3).
    /// Values inside an exception ("excluding Gilbert syndrome, …") are skipped.
    private static func liverLimits(_ buffer: TextBuffer, excluded: Bool) -> [(NSRange, Threshold)] {
        var result: [(NSRange, Threshold)] = []
        var windowStart = 0
        for m in ulnMatches(buffer) {
            defer { windowStart = m.range.end }
            guard let stated = buffer.group(m, 1).flatMap(ComparatorText.parse),
                let value = buffer.group(m, 2).flatMap(Numbers.parse)
            else { continue }
            let window = NSRange(from: max(windowStart, m.range.location - 90), to: m.range.location)
            let before = buffer.substring(window)
            if Prefilter.mayContain(before, exceptionWords), buffer.firstMatch(exception, in: window) != nil { continue }
            var start = m.range.location
            var names: [String] = []
            for (name, pattern, words) in analytes where Prefilter.mayContain(before, words) {
                guard let hit = buffer.firstMatch(pattern, in: window) else { continue }
                names.append(name)
                start = min(start, hit.range.location)
            }
            let comparator = excluded ? stated.admittedByExcluding : stated
            let bound: LimitBound = comparator.isLowerBound ? .lower : .upper
            let range = NSRange(from: start, to: m.range.end)
            for name in names {
                result.append(
                    (
                        range,
                        Threshold(
                            measure: name, comparator: comparator, value: value, unit: "× ULN",
                            bound: bound, basis: excluded ? .exclusion : .inclusion)
                    ))
            }
        }
        return result
    }
}
