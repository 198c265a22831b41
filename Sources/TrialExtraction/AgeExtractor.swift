import Foundation
import TrialModel
import TrialSupport

/// Age limits, from structured registry fields ("18 Years", "N/A", "18 Years to 65 Years") and from
/// inclusion criteria ("Age: ≥ 18 years old and ≤ 70 years old"). All ages are in years; months,
/// weeks and days are converted (a month is 1/12 year, a week 7/365.25, a day 1/365.25).
enum AgeExtractor {
    // MARK: Units

    /// Written age units; a bare number counts as years.
    static let unitPattern =
        #"(?:years?|yrs?\.?|y\.\s?o\.?|yo(?![a-z])|ys(?![a-z])|y(?![a-z])|ans(?![a-z])|months?|mos?(?![a-z])|weeks?|wks?|days?|周岁|岁|个月|月|周|天)"#

    /// `value` in `unit` converted to years.
    static func years(_ value: Double, unit: String?) -> Double {
        let u = (unit ?? "").lowercased()
        if u.hasPrefix("mo") || u == "个月" || u == "月" { return value / 12 }
        if u.hasPrefix("w") || u == "周" { return value * 7 / 365.25 }
        if u.hasPrefix("d") || u == "天" { return value / 365.25 }
        return value
    }

    // MARK: Structured fields

    private static let singleAge = Pattern(#"^\s*+(\d{1,3}(?:\.\d+)?)\s*+(\#(unitPattern))?\s*+(?:old)?\s*+$"#)
    private static let noLimit = Pattern(#"^\s*(?:n/?a|none|no\s+limit|not\s+applicable|no|不限|无)\s*$"#)

    /// Result of reading one structured age field.
    enum FieldAge: Equatable {
        /// The field states there is no limit ("N/A").
        case noLimit
        case years(Double)
        case unreadable
    }

    /// Reads a `minimum_age` / `maximum_age` value: "18 Years", "3 Months", "0 Weeks", "18" (years).
    static func parseField(_ raw: String) -> FieldAge {
        if let age = registryForm(raw) { return age }
        return parsePattern(raw)
    }

    /// The form ClinicalTrials.gov writes every age field in ("18 Years", "6 Months", "0 Days"),
    /// read without a pattern; nil for anything else. It gives what `parsePattern` gives for the
    /// same text (a test compares them), at a fraction of the cost: the field is in every record.
    static func registryForm(_ raw: String) -> FieldAge? {
        var raw = raw
        return raw.withUTF8 { b -> FieldAge? in
            var value = 0
            var i = 0
            while i < b.count, i < 3, ASCIIByte.isDigit(b[i]) {
                value = value * 10 + Int(b[i] - 0x30)
                i += 1
            }
            guard i > 0, i + 1 < b.count, b[i] == 0x20 else { return nil }
            let unit = String(decoding: UnsafeBufferPointer(rebasing: b[(i + 1)...]), as: UTF8.self)
            guard registryUnits.contains(unit.lowercased()) else { return nil }
            return .years(years(Double(value), unit: unit))
        }
    }

    /// The units `registryForm` reads (lower-case).
    private static let registryUnits: Set<String> = ["year", "years", "month", "months", "week", "weeks", "day", "days"]

    /// Reads an age field with the patterns: every form `parseField` accepts.
    static func parsePattern(_ raw: String) -> FieldAge {
        let buffer = TextBuffer(raw)
        if buffer.firstMatch(noLimit) != nil { return .noLimit }
        guard let m = buffer.firstMatch(singleAge), let n = buffer.group(m, 1).flatMap(Numbers.parse) else {
            return .unreadable
        }
        return .years(years(n, unit: buffer.group(m, 2)))
    }

    /// The structured age band: minimum/maximum age fields combined into one range, and each
    /// `age_band` field ("18 Years to 65 Years", "18-70 years", "Up to 17 Years") read on its own.
    static func structured(_ record: SourceRecord, into parameters: inout TrialParameters, warnings: inout [String]) {
        let minField = record.first(.minimumAge)
        let maxField = record.first(.maximumAge)
        if minField != nil || maxField != nil {
            var range = AgeRange(minYears: nil, maxYears: nil)
            var evidence: [Evidence] = []
            if let f = minField {
                switch parseField(f.value) {
                case .years(let y):
                    range.minYears = y
                    range.minComparator = .greaterOrEqual
                case .noLimit: break
                case .unreadable: warnings.append("minimum age not understood: \"\(f.value)\" (\(f.locator))")
                }
                evidence.append(record.evidence(f))
            }
            if let f = maxField {
                switch parseField(f.value) {
                case .years(let y):
                    range.maxYears = y
                    range.maxComparator = .lessOrEqual
                case .noLimit: break
                case .unreadable: warnings.append("maximum age not understood: \"\(f.value)\" (\(f.locator))")
                }
                evidence.append(record.evidence(f))
            }
            if !range.isEmpty { parameters.ageStructured.appendMerging(Measured(range, evidence: evidence)) }
        }
        for f in record.fields(.ageBand) {
            let buffer = TextBuffer(f.value)
            if let found = parseBand(buffer, in: buffer.fullRange, requireCue: false) {
                parameters.ageStructured.appendMerging(Measured(found.range, record.evidence(f)))
            } else if f.value.contains(where: \.isNumber) {
                warnings.append("age band not understood: \"\(f.value)\" (\(f.locator))")
            }
        }
    }

    // MARK: Free text

    /// Words that show a sentence is about age ("Age:", "aged", "years old", "18岁"). Each
    /// lookbehind and word boundary is written once for the alternatives after it (ICU then
    /// tries them at about two thirds of the cost); "\d\s*yo" comes after the words, which is
    /// the same pattern: no match of it starts where a word or "y.o" can.
    static let cue = Pattern(
        #"(?<![a-z])(?:age[sd]?(?![a-z])|(?:years?|yrs?)[\s-]+old\b|years?\s+of\s+age\b)|\b(?:y\.\s?o|older|younger|aging|elderly|adults?|child(?:ren)?|infants?|neonates?|adolescents?)\b|\d\s*yo\b|岁|年龄"#
    )
    /// One of these is in every match of `cue` (the cheap look before it).
    private static let cueWords: [StaticString] = [
        "age", "old", "y.o", "y. o", "yo", "young", "aging", "elder", "adult", "child", "infant", "neonat", "adolesc", "岁", "年龄",
    ]
    /// People a limit is stated on ("Patients over 65", "Men 18 years or older"): with a year unit,
    /// or right before the number, they make the number an age.
    private static let person =
        #"(?:patients?|subjects?|participants?|individuals?|persons?|people|men|women|males?|females?|volunteers?|adults?|children|boys|girls|infants?|adolescents?|recipients?|outpatients?|inpatients?|donors?|those|anyone)"#
    private static let personCue = Pattern(#"\b\#(person)\b"#)
    /// A person right before a bound ("Patients under 18", "Any patient ≥18"): the cheap look that
    /// lets a clause without an age word or a year unit be read for an age at all.
    private static let personBeforeBound = Pattern(
        #"\b\#(person)\W{0,3}(?:(?:aged?|who\s+are|are|is|must\s+be|be)\s+)?(?:[<>≤≥=＜＞]|\\[<>]|(?:over|under|above|below|older|younger|at\s+least|less|more|greater)\b|\d)"#
    )
    private static let cueBefore = Pattern(
        #"(?:(?<![a-z])age[sd]?|年龄|\b\#(person)(?:\s+(?:aged?|who\s+are|are|is|must\s+be|be))?)\s*(?:is|of|between|from|range|ranging|range\s+from|ranging\s+from|group|limit|limits|:|：|=|\(|\[)?\s*$"#
    )
    private static let clauseBreak = Pattern(#"[;；。]|(?<![Yy]rs)(?<![Yy]r)(?<![Yy]\.[Oo])(?<![Ii]\.[Ee])(?<![Ee]\.[Gg])(?<!\b[Vv]s)\.(?=\s)"#)
    /// Conditional clauses ("For adolescents under 18 years of age, …") qualify another rule
    /// rather than state the trial's age band.
    static let conditional = Pattern(#"\W*(?:for|if|when|unless|in\s+case)\b"#)

    /// Whether `clause` opens as `conditional` matches (a string check: every regex call hands ICU
    /// the whole criterion, and this runs on every clause).
    static func opensConditionally(_ clause: String) -> Bool {
        let scalars = clause.unicodeScalars.drop { !($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_") }
        let head = String(String.UnicodeScalarView(scalars.prefix(12))).lowercased()
        for word in ["for", "if", "when", "unless"] where head.hasPrefix(word) {
            let rest = head.dropFirst(word.count)
            if rest.first.map({ !($0.isLetter || $0.isNumber || $0 == "_") }) ?? true { return true }
        }
        if head.hasPrefix("in") {
            let rest = head.dropFirst(2)
            let trimmed = rest.drop { $0.isWhitespace }
            if trimmed.count < rest.count, trimmed.hasPrefix("case") {
                let after = trimmed.dropFirst(4)
                if after.first.map({ !($0.isLetter || $0.isNumber || $0 == "_") }) ?? true { return true }
            }
        }
        return false
    }

    /// "18-70 years", "18 Years to 65 Years", "from 18 to 70 years old", "6 months to 17 years",
    /// "18 \~ 80 years old" (a tilde escaped by the registry's Markdown).
    private static let unitRange = Pattern(
        #"(?<![\d.])(\d{1,3}(?:\.\d+)?)(?:\s*+|-)(\#(unitPattern))?(?:(?<=[\s-])old|[\s-]++old)?\s*+(?:-|–|—|\\?~|～|to|through|and)\s*+(\\?<\s?=?|≤|＜)?\s*+(\d{1,3}(?:\.\d+)?)(?:\s*+|-)(\#(unitPattern))(?:[\s-]++old|\s++of\s++age)?"#
    )
    /// "aged 18-65", "Age 18 to 70", "Age (20-50)", "20-70 age" (no unit, but beside an age word).
    private static let bareRange = Pattern(
        #"(?:(?<![a-z])age[sd]?|年龄)\s*+(?:is|of|between|from|range|ranging|range\s+from|ranging\s+from|group|limits?|:|：)?\s*+[(\[]?\s*+(\d{1,3})\s*+(?:-|–|\\?~|～|to|and)\s*+(\\?<\s?=?|≤|＜)?\s*+(\d{1,3})\b(?!\s*+(?:%|\.\d))|(?<![\d.])(\d{1,3})\s*+(?:-|–|\\?~|～|to)\s*+(\d{1,3})\s*+(?:years?\s++)?(?:age[sd]?|of\s++age)\b"#
    )
    /// "≥ 18 years", "less than or equal to 72 years", "= 65 years old", "at least 18 years of age".
    private static let comparatorBound = Pattern(
        #"(\#(ComparatorText.pattern))\s*(?:the\s+age\s+of\s*|age\s*(?:of\s*)?)?(\d{1,3}(?:\.\d+)?)(?:\s*|-)(\#(unitPattern))?(?:[\s-]+old|\s+of\s+age)?(?:\s*(?:or|and)\s+(older|above|over|more|greater|younger|below|under|less)\b(?!\s*(?:than|the\b|age|\d|or\s+equal|equal|\\?[<>=≤≥])))?"#
    )
    /// One of these ends every `postfixBound` match.
    static let postfixWords: [StaticString] = ["older", "above", "over", "more", "greater", "younger", "below", "under", "less"]
    /// How far before its number (UTF-16 units) a `comparatorBound` match may start: the longest
    /// comparator ("equal to or greater than"), blanks and "the age of".
    static let comparatorReachBefore = 56
    /// How far after the start of its number a `comparatorBound` match may end: "18.5 months of
    /// age or younger".
    static let comparatorReachAfter = 48
    /// "18 years of age or older", "18 Years and older", "17 years or younger".
    static let postfixBound = Pattern(
        #"(?<![\d.])(\d{1,3}(?:\.\d+)?)(?:\s*+|-)(\#(unitPattern))?(?:(?<=[\s-])old|[\s-]++old|(?<=\s)of\s++age|\s++of\s++age)?\s*+(?:or|and)\s++(older|above|over|more|greater|younger|below|under|less)\b(?!\s*+(?:than|the\b|age|\d|or\s+equal|equal|\\?[<>=≤≥]))"#
    )

    struct FoundAge {
        var range: AgeRange
        /// Source span the band was read from.
        var span: NSRange
    }

    /// Age bands stated in inclusion (or unlabelled) criteria, and bands implied by exclusion items
    /// that limit age alone ("Age < 18 years" admits ≥ 18), one per criterion that states one.
    static func fromCriteria(_ criteria: [Criterion], file: String) -> [Measured<AgeRange>] {
        var result: [Measured<AgeRange>] = []
        for criterion in criteria {
            // "one year", "six months": read as digits, quoted as written (same UTF-16 offsets).
            let spelled = numberWordsAsDigits(criterion.text)
            let text = spelled ?? criterion.text
            guard mayStateAge(text) else { continue }
            let buffer = TextBuffer(text)
            let excluded = criterion.list == .exclusion
            // No one is older than 120: a larger number is something else ("Infant is ≤ 750 g").
            guard let found = firstBand(in: buffer, excluded: excluded), (found.range.minYears ?? 0) <= 120,
                (found.range.maxYears ?? 0) <= 120
            else { continue }
            let quote = (spelled == nil ? buffer : TextBuffer(criterion.text)).substring(found.span).collapsingWhitespace
            result.appendMerging(Measured(found.range, Evidence(file: file, locator: criterion.evidence.locator, quote: quote)))
        }
        return result
    }

    /// Whole words of `cue` (lower-case ASCII).
    private static let cueWholeWords: [String] = [
        "age", "ages", "aged", "old", "older", "younger", "aging", "elderly", "adult", "adults", "child", "children", "infant",
        "infants", "neonate", "neonates", "adolescent", "adolescents", "yo",
    ]
    /// Whole words of `person`.
    private static let personWholeWords: [String] = [
        "patient", "patients", "subject", "subjects", "participant", "participants", "individual", "individuals", "person",
        "persons", "people", "men", "women", "male", "males", "female", "females", "volunteer", "volunteers", "adult", "adults",
        "children", "boys", "girls", "infant", "infants", "adolescent", "adolescents", "recipient", "recipients", "outpatient",
        "outpatients", "inpatient", "inpatients", "donor", "donors", "those", "anyone",
    ]
    /// The gate's words by length (1-12) and first letter: bytes and whether the word is an age cue
    /// (else a person). A lookup without hashing or allocating; the gate runs on every criterion.
    private static let gateWords: [[(word: [UInt8], cue: Bool)]] = {
        var table = [[(word: [UInt8], cue: Bool)]](repeating: [], count: 13 * 26)
        for (words, cue) in [(cueWholeWords, true), (personWholeWords, false)] {
            for word in words {
                let bytes = Array(word.utf8)
                table[bytes.count * 26 + Int(bytes[0] - 0x61)].append((bytes, cue))
            }
        }
        return table
    }()
    /// How far after a person (UTF-8 bytes) the number of a bound stated on them may end:
    /// "Patients who are greater than or equal to 18".
    private static let personReach = 80

    /// The cheap check before any age pattern: an ASCII digit (`Numbers.parse` reads only those)
    /// and one of: an age word of `cue` as a whole word ("age", "older", "children"; not "stage"
    /// or "childbearing"), a year unit right after a digit, 岁 or 年龄, or a person with a digit
    /// soon after ("Patients under 18"). Sound: `firstBand` never finds a band in a text this
    /// rejects (a test checks on the real records and age forms); a byte scan, no regex.
    static func mayStateAge(_ text: String) -> Bool {
        guard Prefilter.hasASCIIDigit(text) else { return false }
        if yearUnitAfterDigit(text) || Prefilter.containsExactly(text, ["岁", "年龄"]) { return true }
        var text = text
        return text.withUTF8 { b in
            var i = 0
            while i < b.count {
                guard ASCIIByte.isLetter(b[i]) else {
                    // "y.o", "y. o"
                    i += 1
                    continue
                }
                var j = i
                while j < b.count, ASCIIByte.isLetter(b[j]) { j += 1 }
                let length = j - i
                if length == 1, b[i] | 0x20 == 0x79, j < b.count, b[j] == 0x2E {  // y.o, y. o
                    var k = j + 1
                    if k < b.count, b[k] == 0x20 { k += 1 }
                    if k < b.count, b[k] | 0x20 == 0x6F { return true }
                }
                var isCue = false
                var isPerson = false
                if length <= 12 {
                    for entry in gateWords[length * 26 + Int((b[i] | 0x20) - 0x61)] {
                        var k = 1
                        while k < length, b[i + k] | 0x20 == entry.word[k] { k += 1 }
                        guard k == length else { continue }
                        if entry.cue { isCue = true } else { isPerson = true }
                    }
                }
                if isCue { return true }
                if isPerson {
                    var k = j
                    while k < b.count, k < j + personReach {
                        if ASCIIByte.isDigit(b[k]) { return true }
                        k += 1
                    }
                }
                i = j
            }
            return false
        }
    }

    /// Whether a digit is followed (after blanks or a hyphen) by "y" or "ans": "18 years", "18y",
    /// "18-yo", "18 ans". A byte scan, far cheaper than `yearsUnit`, which needs it.
    static func yearUnitAfterDigit(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { b in
            func lower(_ i: Int) -> UInt8 { i < b.count ? b[i] | 0x20 : 0 }
            var i = 0
            while i < b.count {
                if b[i] >= 0x30 && b[i] <= 0x39 {
                    var j = i + 1
                    while j < b.count, b[j] == 0x20 || b[j] == 0x2D { j += 1 }
                    if lower(j) == 0x79 { return true }  // y…
                    if lower(j) == 0x61, lower(j + 1) == 0x6E, lower(j + 2) == 0x73, !(0x61...0x7A).contains(lower(j + 3)) {
                        return true  // ans
                    }
                }
                i += 1
            }
            return false
        }
    }

    /// Number words a clinician writes for an age ("one year", "six months", "between one and 24
    /// months") and their values; each value is no longer than its word.
    private static let numberWords: [(word: [UInt8], digits: [UInt8])] = {
        let small = [
            "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
            "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen", "twenty",
        ]
        let tens = [("thirty", 30), ("forty", 40), ("fifty", 50), ("sixty", 60), ("seventy", 70), ("eighty", 80), ("ninety", 90)]
        return small.enumerated().map { (Array($0.element.utf8), Array(String($0.offset).utf8)) }
            + tens.map { (Array($0.0.utf8), Array(String($0.1).utf8)) }
    }()
    /// "and" and "to" between a number word and a number of a unit ("between one and 24 months").
    private static let andWord = Array("and".utf8)
    private static let toWord = Array("to".utf8)
    /// Time units after which a number word is an amount of time.
    private static let timeUnitWords: [[UInt8]] =
        ["year", "years", "yr", "yrs", "month", "months", "week", "weeks", "wk", "wks", "day", "days"].map { Array($0.utf8) }

    /// `text` with each number word right before a time unit ("one year", "six-month-old"), or
    /// before "and"/"to" and a number of that unit ("between one and 24 months"), replaced by its
    /// digits padded with blanks to the word's length, so offsets stay those of `text`; nil when
    /// there is none. Found from the units back, without a pass over every word.
    static func numberWordsAsDigits(_ text: String) -> String? {
        guard Prefilter.mayContain(text, ["year", "yr", "month", "week", "wk", "day"]) else { return nil }
        var bytes = Array(text.utf8)
        func equals(_ from: Int, _ to: Int, _ word: [UInt8]) -> Bool {
            guard to - from == word.count else { return false }
            for k in 0..<word.count where bytes[from + k] | 0x20 != word[k] { return false }
            return true
        }
        /// The token that ends before `end` (blanks, and hyphens if asked, skipped): its range.
        func tokenBefore(_ end: Int, hyphen: Bool) -> (Int, Int)? {
            var e = end
            while e > 0, bytes[e - 1] == 0x20 || (hyphen && bytes[e - 1] == 0x2D) { e -= 1 }
            guard e > 0 else { return nil }
            var b = e
            if ASCIIByte.isLetter(bytes[e - 1]) {
                while b > 0, ASCIIByte.isLetter(bytes[b - 1]) { b -= 1 }
            } else if ASCIIByte.isDigit(bytes[e - 1]) {
                while b > 0, ASCIIByte.isDigit(bytes[b - 1]) || bytes[b - 1] == 0x2E { b -= 1 }
            } else {
                return nil
            }
            return (b, e)
        }
        var changed = false
        func replaceNumberWord(_ from: Int, _ to: Int) {
            guard to - from >= 3, from == 0 || !ASCIIByte.isLetter(bytes[from - 1]),
                let n = numberWords.first(where: { equals(from, to, $0.word) })
            else { return }
            for k in from..<to { bytes[k] = k - from < n.digits.count ? n.digits[k - from] : 0x20 }
            changed = true
        }
        var i = 0
        while i < bytes.count {
            guard ASCIIByte.isLetter(bytes[i]), i == 0 || !ASCIIByte.isLetter(bytes[i - 1]) else {
                i += 1
                continue
            }
            var j = i
            while j < bytes.count, ASCIIByte.isLetter(bytes[j]) { j += 1 }
            defer { i = j }
            let first = bytes[i] | 0x20
            guard first == 0x79 || first == 0x6D || first == 0x77 || first == 0x64,  // y m w d
                timeUnitWords.contains(where: { equals(i, j, $0) }), let (b, e) = tokenBefore(i, hyphen: true)
            else { continue }
            if ASCIIByte.isLetter(bytes[b]) {
                replaceNumberWord(b, e)
            } else if let (cb, ce) = tokenBefore(b, hyphen: false), equals(cb, ce, andWord) || equals(cb, ce, toWord),
                let (nb, ne) = tokenBefore(cb, hyphen: false), ASCIIByte.isLetter(bytes[nb])
            {
                replaceNumberWord(nb, ne)
            }
        }
        return changed ? String(decoding: bytes, as: UTF8.self) : nil
    }

    /// The band a criterion's text states, without the `mayStateAge` check (for its soundness test).
    static func bandIgnoringGate(_ text: String, excluded: Bool) -> AgeRange? {
        firstBand(in: TextBuffer(text), excluded: excluded)?.range
    }

    /// Clauses about something else than the patient's age, whose numbers of years are durations:
    /// life expectancy, disease duration, time since diagnosis or treatment.
    ///
    /// The words that need a word boundary are grouped behind one `\b`. No two alternatives can
    /// match at the same place but "gestational age" and "gestation" (they differ in a letter
    /// at the same offset, or start with different letters), so only that pair's order counts.
    /// ICU tries the grouped alternation at half the cost, with the same matches on 6,903 real
    /// texts.
    static let notAge = Pattern(
        #"\b(?:since|within|prior|before|after|ago|past|last|use|disease|liv(?:e|ing)|stable|birth)\b|\b(?:for\s+(?:at\s+least|more|over|less)|smok|residen|menopaus|post-?menopaus|remission)|gestational\s+age|(?:post-?)?menstrual\s+age|(?:post-?)?concept(?:ion|ional|ual)\s+age|bone\s+age|surviv|expectan|duration|diagnos|onset|history|follow|experience|treat|therap|amenorrh|interval|gestation|pregnan|educat|school"#
    )
    /// One of these is in every match of `notAge` (the cheap look before it).
    static let notAgeStems: [StaticString] = [
        "gestational", "menstrual", "concept", "bone", "surviv", "expectan", "duration", "since", "diagnos", "onset", "history",
        "follow", "within", "for", "prior", "before", "after", "ago", "past", "last", "experience", "smok", "use", "disease",
        "residen", "liv", "treat", "therap", "menopaus", "amenorrh", "stable", "remission", "interval", "birth", "gestation",
        "pregnan", "educat", "school",
    ]

    /// An exclusion item that limits age alone: what precedes the bound is an age word or a
    /// person ("Age", "Patients aged", "Subjects younger than") …
    private static let exclusionPrefix = Pattern(
        #"^\W*(?:(?:any|all)\s+)?(?:(?:patients?|participants?|subjects?|individuals?|persons?|people|children|adults?|minors?|men|women|males?|females?|those|anyone|volunteers?)(?:\s*(?:and|or|&|/)\s*(?:patients?|participants?|subjects?|individuals?|persons?|people|children|adults?|minors?|men|women|males?|females?))?'?\s+)?(?:(?:who\s+(?:are|is)|aged?|age[sd]?|being|of\s+age|is|are|with\s+(?:an?\s+)?age|with)\s*)*[:：(]?\s*$"#
    )
    /// … and what follows it says no more than when ("at the time of screening").
    private static let exclusionSuffix = Pattern(
        #"^[\s,.)(]*(?:(?:of\s+age|old|at\s+(?:the\s+)?(?:time\s+of\s+)?(?:screening|enrol?ment|consent|randomi[sz]ation|entry|inclusion|baseline|study\s+entry|signing\s+(?:the\s+)?(?:informed\s+)?consent)|on\s+the\s+day\s+of\s+[a-z ]+|\(.*\))[\s,.)(]*)*$"#
    )

    /// The first clause of a criterion that states an age band. In an exclusion item the clause
    /// must limit age alone, and the band it implies is the complement of what it excludes.
    private static func firstBand(in buffer: TextBuffer, excluded: Bool) -> FoundAge? {
        guard let found = firstBandOrAgeAtEvent(in: buffer, excluded: excluded) else { return nil }
        let after = NSRange(from: found.span.end, to: min(buffer.length, found.span.end + 60))
        // The pattern needs one of its events; most bands are followed by none.
        guard Prefilter.mayContain(buffer.substring(after), ageEventWords) else { return found }
        return buffer.firstMatch(ageAtEvent, in: after, anchored: true) == nil ? found : nil
    }

    /// One of these is in every match of `ageAtEvent`.
    static let ageEventWords: [StaticString] = ["onset", "diagnos", "first symptom", "menarche", "menopause"]
    /// An age at an event, not at entry: "Less than 50 years of age at the time of migraine onset".
    private static let ageAtEvent = Pattern(
        #"\W*+(?:(?:years?|yrs?)\s++)?(?:of\s++age\s++|old\s++)?at\s++(?:the\s++)?(?:time\s++of\s++)?(?:first\s++)?(?:[a-z-]++\s++){0,2}(?:onset|diagnos|first\s+symptom|menarche|menopause)"#
    )

    private static func firstBandOrAgeAtEvent(in buffer: TextBuffer, excluded: Bool) -> FoundAge? {
        var start = 0
        var clauses: [NSRange] = []
        // Every break is ";", "；", "。" or a full stop before a space: without one, one clause.
        let mayBreak = Prefilter.containsExactly(buffer.string, [";", "；", "。", ". ", ".\n", ".\t", ".\r"])
        for m in mayBreak ? buffer.matches(clauseBreak) : [] {
            clauses.append(NSRange(from: start, to: m.range.location))
            start = m.range.end
        }
        clauses.append(NSRange(from: start, to: buffer.length))
        for clause in clauses {
            let r = buffer.trimmed(clause)
            guard r.length > 0 else { continue }
            if excluded {
                // An exclusion clause must limit age alone (`excludedBand`); the cheap look at how
                // it opens comes before any pattern.
                guard r.length <= 160, opensLikeAnAgeLimit(buffer.substring(NSRange(location: r.location, length: min(r.length, 24))))
                else { continue }
                if opensConditionally(buffer.substring(NSRange(location: r.location, length: min(r.length, 16)))) { continue }
                // Only a prefix (`exclusionPrefix`, a person or an age word) and a comparator may
                // come before the first number: it sits near the start.
                let head = buffer.substring(NSRange(location: r.location, length: min(r.length, exclusionNumberReach)))
                guard Prefilter.hasASCIIDigit(head) else { continue }
                if let found = excludedBand(buffer, in: r) { return found }
                continue
            }
            let clause = buffer.substring(r)
            if opensConditionally(clause) { continue }
            if (Prefilter.mayContain(clause, cueWords) && buffer.firstMatch(cue, in: r) != nil) || isShortNumericClause(buffer, r) {
                if let found = parseBand(buffer, in: r, requireCue: true) { return found }
            } else if yearUnitAfterDigit(clause)
                || (r.length <= 160 && hasWordStart(Array(clause.utf16), from: 0, to: clause.utf16.count)
                    && buffer.firstMatch(personBeforeBound, in: r) != nil),
                let p = buffer.firstMatch(personCue, in: r), let found = parseBand(buffer, in: r, requireCue: true),
                found.span.location >= p.range.location, buffer.firstMatch(shortUnit, in: found.span) == nil,
                buffer.firstMatch(yearsUnit, in: found.span) != nil
                    || buffer.firstMatch(personCue, in: found.span, anchored: true) != nil
            {
                // No age word, but a person and a number of years ("Men 18 years or older",
                // "Women (18-75 years)") or a person right before the bound ("Any patient ≥18");
                // durations were ruled out by `isDuration`.
                return found
            }
        }
        return nil
    }

    /// How far into an exclusion clause (UTF-16 units) the first number of an age limit may be:
    /// "Any male or female patients who are greater than or equal to the age of 18".
    static let exclusionNumberReach = 100

    /// Words an exclusion clause that limits age alone may open with ("Age < 18", "Patients older
    /// than 75", "Younger than 18 years", "Under 18", "Not between 18 and 65").
    private static let ageLimitOpeners: Set<String> = [
        "age", "aged", "ages", "patient", "patients", "participant", "participants", "subject", "subjects", "individual",
        "individuals", "person", "persons", "people", "child", "children", "adult", "adults", "minor", "minors", "man", "men",
        "woman", "women", "male", "males", "female", "females", "those", "anyone", "volunteer", "volunteers", "younger", "older",
        "under", "over", "less", "more", "greater", "below", "above", "at", "not", "up", "no", "lower", "higher", "exceeding",
        "a", "minimum", "maximum", "being", "who", "is", "are", "of", "inferior", "superior", "in", "equal", "any", "all",
    ]

    /// Whether `head` (a clause's first characters) opens as `exclusionPrefix` and a bound allow:
    /// such a clause is short and opens with a person, an age word, a comparator or a number, and
    /// most exclusion items that name a year are neither.
    static func opensLikeAnAgeLimit(_ head: String) -> Bool {
        guard
            let first = head.unicodeScalars.first(where: { !CharacterSet.whitespacesAndNewlines.contains($0) && $0 != "-" && $0 != "*" && $0 != "•" })
        else { return false }
        if !CharacterSet.letters.contains(first) { return true }  // a number, a comparator, a bracket
        let word = head.lowercased().drop { !$0.isLetter }.prefix { $0.isLetter }
        return ageLimitOpeners.contains(String(word)) || Prefilter.containsExactly(head, ["岁", "年龄"])
    }

    /// True when the number at `location` is a duration: a word such as "survival", "duration" or
    /// "since" comes before it in the clause with no age word in between ("Life expectancy ≥ 3
    /// months", "Diabetes for at least 2 years"; "Age ≥ 18, life expectancy ≥ 3 months" keeps 18).
    /// How far before a bound (UTF-16 units) ``isDuration(_:clause:at:)`` looks for words of time
    /// and of age: a clause is one sentence, far shorter, but a run-together or mutated one of
    /// 100,000 characters was searched whole once for each of its numbers.
    static let durationReach = 1_000

    static func isDuration(_ buffer: TextBuffer, clause: NSRange, at span: NSRange) -> Bool {
        // A time before an event ("for at least 1 year prior to Baseline", "2 years ago").
        let after = NSRange(from: span.end, to: min(clause.end, span.end + 24))
        if after.length > 0, Prefilter.mayContain(buffer.substring(after), ["prior", "before", "ago", "post", "since"]),
            buffer.firstMatch(beforeAnEvent, in: after, anchored: true) != nil
        {
            return true
        }
        // The bound's own words count: "for at least 1 year" holds "for at least".
        let from = max(clause.location, span.location - durationReach)
        let window = NSRange(from: from, to: span.end)
        guard window.length > 0, Prefilter.mayContain(buffer.substring(window), notAgeStems),
            let last = buffer.matches(notAge, in: window).last
        else { return false }
        // The "age" of "gestational age" is no age word.
        // An age word in the bound itself ("prior to the age of 55") does not make it an age.
        let beforeSpan = NSRange(from: from, to: span.location)
        guard
            let cueHit = buffer.matches(cue, in: beforeSpan).last(where: {
                $0.range.location >= last.range.end || $0.range.end <= last.range.location
            })
        else { return true }
        return cueHit.range.location < last.range.location
    }

    /// What follows a time before an event: "prior to", "before", "ago", "post menopausal", "since".
    private static let beforeAnEvent = Pattern(#"\s*(?:prior\b|before\b|ago\b|post\b|post-|since\b)"#)

    /// The band an exclusion clause leaves eligible: excluding "< 18 years" admits ≥ 18, excluding
    /// "> 75" or "75 years or older" admits ≤ 75 (< 75). A bare "=" (lost comparator) is read as
    /// the young end below 40 years and as the old end from 40 on.
    private static func excludedBand(_ buffer: TextBuffer, in r: NSRange) -> FoundAge? {
        guard let found = bounds(buffer, in: r, requireCue: true) else { return nil }
        let before = buffer.substring(NSRange(from: r.location, to: found.span.location))
        let after = buffer.substring(NSRange(from: found.span.end, to: r.end))
        let prefixOK =
            TextBuffer(before).firstMatch(exclusionPrefix) != nil
            || buffer.firstMatch(cueBefore, in: NSRange(from: r.location, to: found.span.location)) != nil
        guard prefixOK, TextBuffer(after).firstMatch(exclusionSuffix) != nil else { return nil }
        var band = AgeRange(minYears: nil, maxYears: nil, basis: .exclusion)
        func admit(_ years: Double, _ c: TrialModel.Comparator) {
            let eligible = c.admittedByExcluding
            switch eligible {
            case .greaterOrEqual, .greater:
                band.minYears = years
                band.minComparator = eligible
            case .lessOrEqual, .less:
                band.maxYears = years
                band.maxComparator = eligible
            case .equal:
                if years < 40 {
                    band.minYears = years
                    band.minComparator = .equal
                } else {
                    band.maxYears = years
                    band.maxComparator = .equal
                }
            }
        }
        if let v = found.range.minYears, let c = found.range.minComparator { admit(v, c) }
        if let v = found.range.maxYears, let c = found.range.maxComparator { admit(v, c) }
        guard !band.isEmpty else { return nil }
        return FoundAge(range: band, span: found.span)
    }

    private static let yearsUnit = Pattern(#"\d(?:\s*|-)(?:years?|yrs?|y\.\s?o|yo|ys|y|ans)(?![a-z])|\d\s*岁"#)
    /// Months, weeks and days: without an age word, a duration ("Patient recently (0-4 days
    /// earlier) admitted").
    private static let shortUnit = Pattern(#"\d(?:\s*|-)(?:months?|mos?|weeks?|wks?|days?)(?![a-z])"#)
    /// Words a short clause about age may open with ("over 18 years", "at least 18 years").
    private static let comparatorOpening = Pattern(
        #"^\W*(?:over|above|under|below|older|younger|at\s+least|more|less|greater|from|between|up\s+to)\b"#)

    /// A short clause that starts with its number and counts years ("≥ 18 years", "18-70 years")
    /// is read as an age even without an age word; longer ones ("disease duration 2-10 years") and
    /// other units ("<12 months: treat all") are not.
    private static func isShortNumericClause(_ buffer: TextBuffer, _ r: NSRange) -> Bool {
        guard r.length <= 40 else { return false }
        let text = buffer.substring(r)
        guard yearUnitAfterDigit(text) || Prefilter.containsExactly(text, ["岁"]), buffer.firstMatch(yearsUnit, in: r) != nil else { return false }
        if text.first(where: { $0.isLetter || $0.isNumber })?.isNumber ?? false { return true }
        return buffer.firstMatch(comparatorOpening, in: r) != nil
    }

    /// Reads an age band in `range`. With `requireCue`, a number without a unit counts only right
    /// after an age word ("Age ≥ 18").
    static func parseBand(_ buffer: TextBuffer, in range: NSRange, requireCue: Bool) -> FoundAge? {
        // The patterns that need "age" (or "birth", "old") run only when the clause has it.
        let clause = buffer.substring(range)
        let saysAge = Prefilter.mayContain(clause, ["age", "年龄"])
        if let m = buffer.firstMatch(unitRange, in: range), !isDuration(buffer, clause: range, at: m.range),
            let lo = buffer.group(m, 1).flatMap(Numbers.parse), let hi = buffer.group(m, 4).flatMap(Numbers.parse)
        {
            let unitHi = buffer.group(m, 5)
            let unitLo = buffer.group(m, 2) ?? unitHi
            // "4 to <8 years": the upper end is strict.
            let band = AgeRange(
                minYears: years(lo, unit: unitLo), maxYears: years(hi, unit: unitHi), minComparator: .greaterOrEqual,
                maxComparator: buffer.group(m, 3).flatMap(ComparatorText.parse) ?? .lessOrEqual)
            return FoundAge(range: band, span: spanWithCue(buffer, m.range, in: range))
        }
        if saysAge, let m = buffer.firstMatch(bareRange, in: range),
            let lo = (buffer.group(m, 1) ?? buffer.group(m, 4)).flatMap(Numbers.parse),
            let hi = (buffer.group(m, 3) ?? buffer.group(m, 5)).flatMap(Numbers.parse)
        {
            let band = AgeRange(
                minYears: lo, maxYears: hi, minComparator: .greaterOrEqual,
                maxComparator: buffer.group(m, 2).flatMap(ComparatorText.parse) ?? .lessOrEqual)
            return FoundAge(range: band, span: m.range)
        }
        if saysAge, let m = buffer.firstMatch(sandwich, in: range), let lo = buffer.group(m, 1).flatMap(Numbers.parse),
            let hi = buffer.group(m, 4).flatMap(Numbers.parse),
            let c1 = buffer.group(m, 2).flatMap(ComparatorText.parse), let c2 = buffer.group(m, 3).flatMap(ComparatorText.parse)
        {
            let unit = buffer.group(m, 5)
            // "18 ≤ age < 65": the first comparator is read from the age's side.
            let low: TrialModel.Comparator =
                switch c1 {
                case .less: .greater
                case .lessOrEqual: .greaterOrEqual
                default: .equal
                }
            let band = AgeRange(
                minYears: years(lo, unit: unit), maxYears: years(hi, unit: unit), minComparator: low,
                maxComparator: c2 == .equal ? .equal : c2)
            return FoundAge(range: band, span: m.range)
        }
        if Prefilter.mayContain(clause, ["birth"]), let m = buffer.firstMatch(fromBirth, in: range),
            let hi = buffer.group(m, 1).flatMap(Numbers.parse)
        {
            let band = AgeRange(minYears: nil, maxYears: years(hi, unit: buffer.group(m, 2)), maxComparator: .lessOrEqual)
            return FoundAge(range: band, span: spanWithCue(buffer, m.range, in: range))
        }
        if let found = bounds(buffer, in: range, requireCue: requireCue) { return found }
        // A lone age is a limit whose comparator was lost ("Age 18 years", "18 years of age"):
        // read as the minimum, as a lost "=" is.
        if saysAge || Prefilter.mayContain(clause, ["old"]), let m = buffer.firstMatch(loneAge, in: range),
            let n = (buffer.group(m, 1) ?? buffer.group(m, 3)).flatMap(Numbers.parse),
            !afterComparator(buffer, m.range.location, from: range.location),
            !isDuration(buffer, clause: range, at: m.range)
        {
            let unit = buffer.group(m, 2) ?? buffer.group(m, 4)
            let band = AgeRange(minYears: years(n, unit: unit), maxYears: nil, minComparator: .equal)
            return FoundAge(range: band, span: m.range)
        }
        return nil
    }

    /// "18 ≤ age < 65", "20 = Age < 80 years".
    private static let sandwich = Pattern(
        #"(?<![\d.])(\d{1,3})\s*(≤|≦|\\?<\s?=|\\?<|＜|=)\s*(?:age|年龄)\s*(≤|≦|\\?<\s?=|\\?<|＜|=)\s*(\d{1,3})\s*(\#(unitPattern))?"#
    )
    /// "from birth to 21 years".
    private static let fromBirth = Pattern(#"\bbirth\s*(?:to|-|–|through|until|up\s+to)\s*(?:\\?<\s*)?(\d{1,3}(?:\.\d+)?)(?:\s*|-)(\#(unitPattern))"#)
    /// "Age 18 years", "Age: 18", "18 years of age", "65 years old", not followed by a range or a
    /// second number.
    private static let loneAge = Pattern(
        #"(?:(?<![a-z])age[sd]?\s*+(?:group\s*+)?[:：=]?\s*+(?:of\s++)?(\d{1,3})(?:\s*+|-)(\#(unitPattern))?|(?<![\d.])(\d{1,3})(?:\s*+|-)(\#(unitPattern))(?:[\s-]++old|\s++of\s++age))(?!\s*+(?:-|–|to\b|and\b|or\b|%|\.\d|\d))"#
    )

    /// Collects comparator bounds in reading order. A lost comparator ("=") is kept as `.equal`:
    /// the first such number is the minimum, the second the maximum. A number without a unit is an
    /// age right after an age word or a person ("Age ≥ 18", "Patients under 18"), or when it is
    /// joined to an age bound next to it (">= 18 and < 70 years of age", "aged >18, <75").
    private static func bounds(_ buffer: TextBuffer, in range: NSRange, requireCue: Bool, windowed: Bool = true) -> FoundAge? {
        struct Bound {
            var years: Double
            var number: Double
            var comparator: TrialModel.Comparator
            var span: NSRange
            var isMin: Bool?
            var unit: String?
            /// Read as an age on its own: a unit, or an age word or a person right before it.
            var standsAlone: Bool
        }
        // Every bound's number is read by `Numbers.parse`, from ASCII digits: a clause without
        // one has no bound, and a postfix bound needs one of its words.
        let clause = buffer.substring(range)
        guard Prefilter.hasASCIIDigit(clause) else { return nil }
        let units = buffer.utf16.units
        func cuedBefore(_ location: Int) -> Bool {
            let from = max(range.location, location - 24)
            // The regex runs only when an age word or a person starts a word in the window.
            guard hasWordStart(units, from: from, to: location) else { return false }
            return buffer.firstMatch(cueBefore, in: NSRange(from: from, to: location)) != nil
        }
        var candidates: [Bound] = []
        // With a cue required, only the stretches around numbers that may be ages are searched.
        let windows = requireCue && windowed ? ageWindows(buffer, in: range) : [range]
        guard !windows.isEmpty else { return nil }
        // One search over the stretch that covers every window (a match may span two windows).
        let cover = NSRange(from: windows[0].location, to: windows[windows.count - 1].end)
        let comparatorMatches = buffer.comparatorMatches(
            comparatorBound, in: cover, near: ComparatorText.numbersAfterComparators(buffer, in: cover),
            before: comparatorReachBefore, after: comparatorReachAfter)
        let postfixMatches = Prefilter.mayContain(clause, postfixWords) ? buffer.matches(postfixBound, in: cover) : []
        for m in comparatorMatches {
            // Durations are ruled out at the end, for the bounds kept (`isDuration` is costly).
            guard let rawCmp = buffer.group(m, 1), var cmp = ComparatorText.parse(rawCmp),
                let n = buffer.group(m, 2).flatMap(Numbers.parse)
            else { continue }
            let unit = buffer.group(m, 3)
            let said = buffer.substring(m.range).lowercased()
            // "older than 18", "younger than 80 years": the comparator itself speaks of age.
            let ageSaid = Prefilter.containsExactly(said, ["age", "older", "younger"]) || said.hasSuffix("old")
            // Months, weeks and days are durations ("HBsAg positive > 6 months") unless an age word
            // comes right before or "old"/"of age" after ("Age ≥ 6 months", "≥ 6 months of age").
            if requireCue, let unit, years(n, unit: unit) != n, !ageSaid, !cuedBefore(m.range.location) { continue }
            var isMin: Bool? = cmp.isLowerBound ? true : (cmp.isUpperBound ? false : nil)
            if let post = buffer.group(m, 4) {
                isMin = isOlder(post)
                cmp = isOlder(post) ? .greaterOrEqual : .lessOrEqual
            }
            let alone = !requireCue || unit != nil || ageSaid || cuedBefore(m.range.location)
            candidates.append(
                Bound(
                    years: years(n, unit: unit), number: n, comparator: cmp, span: m.range, isMin: isMin,
                    unit: unit, standsAlone: alone))
        }
        for m in postfixMatches {
            guard !candidates.contains(where: { NSIntersectionRange($0.span, m.range).length > 0 }),
                let n = buffer.group(m, 1).flatMap(Numbers.parse), let post = buffer.group(m, 3)?.lowercased()
            else { continue }
            let unit = buffer.group(m, 2)
            // "2 or more" with no unit and no age word before it is never an age.
            // "55 and older", "60 or younger": the postfix speaks of age.
            let alone = !requireCue || unit != nil || post == "older" || post == "younger" || cuedBefore(m.range.location)
            guard alone else { continue }
            candidates.append(
                Bound(
                    years: years(n, unit: unit), number: n, comparator: isOlder(post) ? .greaterOrEqual : .lessOrEqual,
                    span: m.range, isMin: isOlder(post), unit: unit, standsAlone: alone))
        }
        // A bound right after "if", "when" or "unless" is a condition, not a limit ("if < 18 years
        // of age have a parent … provide informed consent").
        candidates.removeAll { followsCondition(units, at: $0.span.location, from: range.location) }
        guard !candidates.isEmpty else { return nil }
        candidates.sort { $0.span.location < $1.span.location }
        // A bound without a unit joined to an age bound beside it takes that bound's unit.
        func joined(_ a: Bound, _ b: Bound) -> Bool {
            guard b.span.location >= a.span.end, b.span.location - a.span.end <= 12 else { return false }
            let between = buffer.substring(NSRange(from: a.span.end, to: b.span.location)).lowercased()
            return between.allSatisfy { " ,&-–/\\".contains($0) }
                || ["and", "or", "to", "but", "and/or"].contains(between.trimmingCharacters(in: .init(charactersIn: " ,")))
        }
        var changed = true
        while changed {
            changed = false
            for i in candidates.indices where !candidates[i].standsAlone {
                let neighbours = [i - 1, i + 1].filter { candidates.indices.contains($0) && candidates[$0].standsAlone }
                guard let j = neighbours.first(where: { $0 < i ? joined(candidates[$0], candidates[i]) : joined(candidates[i], candidates[$0]) })
                else { continue }
                let unit = candidates[i].unit ?? candidates[j].unit
                candidates[i].years = years(candidates[i].number, unit: unit)
                candidates[i].standsAlone = true
                changed = true
            }
        }
        let found = candidates.filter { $0.standsAlone && !isDuration(buffer, clause: range, at: $0.span) }
        guard !found.isEmpty else { return nil }
        var band = AgeRange(minYears: nil, maxYears: nil)
        var span: NSRange?
        for b in found {
            let asMin = b.isMin ?? (band.minYears == nil)
            if asMin, band.minYears == nil {
                band.minYears = b.years
                band.minComparator = b.comparator
            } else if !asMin, band.maxYears == nil {
                band.maxYears = b.years
                band.maxComparator = b.comparator
            } else {
                continue
            }
            span = span.map { $0.union(with: b.span) } ?? b.span
        }
        guard let span, !band.isEmpty else { return nil }
        return FoundAge(range: band, span: spanWithCue(buffer, span, in: range))
    }

    /// How far before a number (UTF-16 units) its comparator, an age word or a person may start:
    /// "Male or female patients greater than or equal to the age of 18" is the longest form read.
    private static let windowBefore = 72
    /// How far after a number its unit, "of age", a postfix and a joined second bound may reach.
    private static let windowAfter = 72

    /// The stretches of `range` around each number (1-3 digits) that may be an age with a cue
    /// required: a unit of time right after it ("18 years", "6 mo", "3 days"), or "age", "old" or
    /// a person within `windowBefore` units before it. `bounds` searches only these; a number
    /// outside them cannot stand alone as an age, nor be joined to one. Sound by construction and
    /// checked against the whole-clause search by a test.
    static func ageWindows(_ buffer: TextBuffer, in range: NSRange) -> [NSRange] {
        let units = Array(buffer.substring(range).utf16)
        func lower(_ i: Int) -> UInt16 { i < units.count ? (units[i] < 0x80 ? units[i] | 0x20 : units[i]) : 0 }
        var windows: [NSRange] = []
        var i = 0
        while i < units.count {
            guard ASCIIByte.isDigit(units[i]) else {
                i += 1
                continue
            }
            let start = i
            while i < units.count, ASCIIByte.isDigit(units[i]) || units[i] == 0x2E || units[i] == 0x2C { i += 1 }
            var j = i
            while j < units.count, units[j] == 0x20 || units[j] == 0x2D { j += 1 }
            let c = lower(j)
            // y(ears), mo(nths), w(eeks), da(ys), a(ns), o(ld), 岁 个 月 周 天
            func next(_ k: Int) -> UInt16 { lower(j + k) }
            var ageLike =
                c == 0x79  // y…
                || (c == 0x77 && (next(1) == 0x65 || next(1) == 0x6B))  // we(eks), wk
                || (c == 0x6D && next(1) == 0x6F)  // mo(nths)
                || (c == 0x64 && next(1) == 0x61)  // da(ys)
                || (c == 0x61 && next(1) == 0x6E && next(2) == 0x73)  // ans
                || (c == 0x6F && next(1) == 0x6C && next(2) == 0x64)  // old
                || [0x5C81, 0x4E2A, 0x6708, 0x5468, 0x5929].contains(c)
            if !ageLike { ageLike = hasWordStart(units, from: max(0, start - windowBefore), to: start) }
            // "older than 18", "55 and older": an age comparator before or a postfix after.
            if !ageLike {
                ageLike = hasWordStart(
                    units, from: max(0, start - windowBefore), to: min(units.count, i + postfixReach),
                    words: ageComparatorWords)
            }
            if ageLike {
                var from = max(0, start - windowBefore)
                while from > 0, ASCIIByte.isDigit(units[from - 1]) || units[from - 1] == 0x2E { from -= 1 }
                var to = min(units.count, i + windowAfter)
                while to < units.count, ASCIIByte.isDigit(units[to]) || units[to] == 0x2E { to += 1 }
                if let last = windows.last, last.end >= from + range.location {
                    windows[windows.count - 1] = NSRange(from: last.location, to: to + range.location)
                } else {
                    windows.append(NSRange(from: from + range.location, to: to + range.location))
                }
            }
        }
        return windows
    }

    /// Words that make a number near them a possible age: the age words and people of `cueBefore`,
    /// lower-case ASCII, each matched at the start of a word ("age" but not "stage" or "dosage").
    private static let windowWords: [[UInt16]] = [
        "age", "patient", "outpatient", "inpatient", "subject", "particip", "individual", "person", "people", "men", "women",
        "male", "female", "volunteer", "adult", "children", "boy", "girl", "infant", "adolesc", "recipient", "donor", "those",
        "anyone",
    ].map { Array($0.utf16) }

    /// Comparator and postfix words that speak of age ("older than", "and younger").
    private static let ageComparatorWords: [[UInt16]] = ["older", "younger"].map { Array($0.utf16) }
    /// How far after a number (UTF-16 units) a postfix "older"/"younger" may start: "18 years of age or older".
    private static let postfixReach = 40

    /// Whether one of `words` (by default `windowWords`, or 年龄) starts a word in `units[from..<to]`.
    private static func hasWordStart(_ units: [UInt16], from: Int, to: Int, words: [[UInt16]] = windowWords) -> Bool {
        var i = from
        while i < to {
            let u = units[i]
            if u == 0x5E74, i + 1 < to, units[i + 1] == 0x9F84 { return true }  // 年龄
            if ASCIIByte.isLetter(u), i == 0 || !ASCIIByte.isLetter(units[i - 1]) {
                for word in words where i + word.count <= to && word[0] == u | 0x20 {
                    var k = 1
                    while k < word.count, units[i + k] | 0x20 == word[k] { k += 1 }
                    if k == word.count { return true }
                }
            }
            i += 1
        }
        return false
    }

    /// Comparator bounds searched around numbers only, from where a comparator may start, against
    /// the whole search (for a test).
    static func comparatorBoundsNearNumbersAgree(_ text: String) -> (agree: Bool, found: Bool) {
        let buffer = TextBuffer(text)
        let whole = buffer.matches(comparatorBound).map { (0..<$0.numberOfRanges).map($0.range(at:)) }
        let near = buffer.comparatorMatches(
            comparatorBound, in: buffer.fullRange, near: ComparatorText.numbersAfterComparators(buffer, in: buffer.fullRange),
            before: comparatorReachBefore, after: comparatorReachAfter
        ).map { (0..<$0.numberOfRanges).map($0.range(at:)) }
        return (whole == near, !whole.isEmpty)
    }

    /// Whether `bounds` over the age windows finds what it finds over the whole clause (for the
    /// soundness test of `ageWindows`).
    static func windowedBoundsAgree(_ text: String) -> (agree: Bool, found: Bool) {
        let buffer = TextBuffer(text)
        let a = bounds(buffer, in: buffer.fullRange, requireCue: true, windowed: true)
        let b = bounds(buffer, in: buffer.fullRange, requireCue: true, windowed: false)
        return (a?.range == b?.range && a?.span == b?.span, b != nil)
    }

    /// Whether a comparator sign comes right before `location` (a bound `bounds` did not keep,
    /// such as one after "if"), so the number is no lone age.
    private static func afterComparator(_ buffer: TextBuffer, _ location: Int, from: Int) -> Bool {
        var i = location
        while i > from {
            let u = buffer.unit(at: i - 1)
            if u == 0x20 || u == 0x5C {
                i -= 1
                continue
            }  // blank, "\" of "\<"
            return [0x3C, 0x3E, 0x3D, 0x2264, 0x2265, 0xFF1C, 0xFF1E].contains(u)  // < > = ≤ ≥ ＜ ＞
        }
        return false
    }

    /// Whether the word before `location` (blanks skipped, not before `from`) is "if", "when" or
    /// "unless".
    static func followsCondition(_ units: [UInt16], at location: Int, from: Int) -> Bool {
        var end = location
        while end > from, units[end - 1] == 0x20 || units[end - 1] == 0x0A || units[end - 1] == 0x09 { end -= 1 }
        var start = end
        while start > from, end - start <= 6, (units[start - 1] | 0x20) >= 0x61, (units[start - 1] | 0x20) <= 0x7A { start -= 1 }
        guard end - start >= 2, end - start <= 6 else { return false }
        let word = String(decoding: units[start..<end].map { $0 | 0x20 }, as: UTF16.self)
        return word == "if" || word == "when" || word == "unless"
    }

    /// "or older", "and above" (a minimum) versus "or younger", "and under" (a maximum).
    private static func isOlder(_ postfix: String) -> Bool {
        ["older", "above", "over", "more", "greater"].contains(postfix.lowercased())
    }

    /// Extends a quote back to an age word just before it ("Age: ≥ 18 …", "aged 18 to 65 years").
    private static func spanWithCue(_ buffer: TextBuffer, _ span: NSRange, in range: NSRange) -> NSRange {
        let windowStart = max(range.location, span.location - 24)
        let window = NSRange(from: windowStart, to: span.location)
        guard window.length > 0 else { return span }
        let text = buffer.substring(window)
        // Most quotes have no cue before them: look for its words first.
        let people = hasWordStart(Array(text.utf16), from: 0, to: text.utf16.count)
        guard people || Prefilter.mayContain(text, cueWords) else { return span }
        let hits = buffer.matches(cue, in: window) + (people ? buffer.matches(personCue, in: window) : [])
        guard let m = hits.max(by: { $0.range.location < $1.range.location })
        else { return span }
        let between = buffer.substring(NSRange(from: m.range.end, to: span.location))
        guard !between.contains(where: { $0.isNumber }) else { return span }
        return NSRange(from: m.range.location, to: span.end)
    }
}
