import Foundation
import TrialModel
import TrialSupport

/// Catches a list of time points that repeats one ("1, 3, 6, 12 and 12 months", "Day 1, 8, 8"):
/// a typing or export slip that hides the real schedule (was it 1, 3, 6, 12 and 24 months?).
///
/// Every text field of the record is read (outcomes, summaries, descriptions, criteria); the same
/// list repeated in several places gives one finding with every place as evidence.
struct DuplicatedTimePointRule: RecordRule {
    let id = "duplicated-time-point"

    private static let number = #"\d+(?:\.\d+)?"#
    /// Possessive (`*+`): what follows each run of blanks is never a blank, so giving some
    /// back cannot help a match, and a long run is scanned once instead of split every way.
    private static let separator = #"\s*+(?:,\s*+(?:and|or|&)?|\band\b|\bor\b|&)\s*+"#
    private static let unit = #"(?:days?|weeks?|months?|years?|hours?|hrs?|minutes?|mins?)"#
    /// "1, 3, 6, 12 and 12 months": numbers, then the unit. Group 1 the numbers, 2 the unit.
    static let trailingUnit = RulePattern(
        #"(?<![\d.,/:-])(\#(number)(?:\#(separator)\#(number))+)\s*+,?\s*+(\#(unit))\b"#)
    /// "Day 1, 8 and 8", "weeks 4, 12, 12": the unit, then numbers. Group 1 the unit, 2 the numbers.
    static let leadingUnit = RulePattern(
        #"\b(\#(unit))\s++(\#(number)(?:\#(separator)(?:\#(unit)\s++)?\#(number))+)(?![\d.])"#)
    static let numberPattern = RulePattern(number)

    /// A cheap necessary condition for a finding: a digit, a list separator ("," "&" "and"
    /// "or"), a unit stem (day, week, month, year, hour, hr, min) and a list of numbers in which
    /// one repeats (``mayHoldRepeatedNumber(_:)``).
    static func mayHoldTimeList(_ text: String) -> Bool {
        Prefilter.hasDigit(text) && Prefilter.mayContain(text, [",", "&", "and", "or"])
            && Prefilter.mayContain(text, ["day", "week", "month", "year", "hour", "hr", "min"])
            && mayHoldRepeatedNumber(text)
    }

    /// False when no list of numbers in `text` repeats a number, so neither pattern can give a
    /// finding. A list is numbers joined by what the patterns' separators accept, each number
    /// optionally preceded by a word ("3, 6", "3 and 6", "3,\n and 6", "1, Day 8"); every list
    /// either pattern matches is a run of such a list, so a repeat in it is a repeat here. Most
    /// texts with numbered time points list each once; the two patterns tried a match at every
    /// character of them. Scanned over the UTF-8 bytes: a non-ASCII character that may be a
    /// digit or white space where the list needs one, or any case-folding special, counts as a
    /// possible repeat.
    static func mayHoldRepeatedNumber(_ text: String) -> Bool {
        // `\d` and case-insensitive words also match some non-ASCII characters: left to the patterns.
        var copy = text
        if !copy.withUTF8(ByteWord.isASCII),
            text.unicodeScalars.contains(where: { $0.value >= 0x80 && $0.properties.numericType == .decimal })
        {
            return true
        }
        var text = text
        return text.withUTF8 { b in
            if Prefilter.hasFoldingSpecials(b) { return true }
            let n = b.count
            func isDigit(_ i: Int) -> Bool { i < n && b[i] >= 0x30 && b[i] <= 0x39 }
            func isLetter(_ i: Int) -> Bool { i < n && ((b[i] | 0x20) >= 0x61 && (b[i] | 0x20) <= 0x7A) }
            func word(_ i: Int, _ w: StaticString) -> Bool {
                let m = w.utf8CodeUnitCount
                guard i + m <= n else { return false }
                for k in 0..<m where (b[i + k] | 0x20) != w.utf8Start[k] { return false }
                return true
            }
            /// The length of the white space character (`\s`) at `i`, 0 for none.
            func space(_ i: Int) -> Int {
                guard let (scalar, length) = ICUClass.scalar(in: b, at: i), ICUClass.isSpace(scalar) else { return 0 }
                return length
            }
            func skipSpaces(_ i: Int) -> Int {
                var i = i
                while case let k = space(i), k > 0 { i += k }
                return i
            }
            /// After a separator's start at `i`: the position past it, or nil.
            func separator(_ i: Int) -> Int? {
                if i < n, b[i] == 0x2C {  // ","
                    var j = skipSpaces(i + 1)
                    if word(j, "and") { j += 3 } else if word(j, "or") { j += 2 } else if j < n, b[j] == 0x26 { j += 1 }
                    return j
                }
                if i < n, b[i] == 0x26 { return i + 1 }
                if word(i, "and") { return i + 3 }
                if word(i, "or") { return i + 2 }
                return nil
            }
            /// The end of the number at `i` (`\d+(?:\.\d+)?`).
            func number(_ i: Int) -> Int {
                var end = i
                while isDigit(end) { end += 1 }
                if end < n, b[end] == 0x2E, isDigit(end + 1) {
                    end += 1
                    while isDigit(end) { end += 1 }
                }
                return end
            }
            guard let base = b.baseAddress else { return false }
            var i = 0
            while i < n {
                guard isDigit(i) else {
                    // Eight bytes without a digit pass whole.
                    i += i + 8 <= n && ByteWord.digitCandidates(ByteWord.load(base, at: i)) == 0 ? 8 : 1
                    continue
                }
                // A list from here: its numbers, as the bytes they are written with.
                var seen: [UnsafeBufferPointer<UInt8>] = []
                var start = i
                while true {
                    let end = number(start)
                    let value = UnsafeBufferPointer(rebasing: b[start..<end])
                    if seen.contains(where: { $0.elementsEqual(value) }) { return true }
                    seen.append(value)
                    i = end
                    guard let sep = separator(skipSpaces(end)) else { break }
                    var j = skipSpaces(sep)
                    if !isDigit(j) {
                        // An optional word between the numbers ("Day 1, Day 8").
                        guard isLetter(j) else { break }
                        while isLetter(j) { j += 1 }
                        guard space(j) > 0 else { break }
                        j = skipSpaces(j)
                        guard isDigit(j) else { break }
                    }
                    start = j
                }
            }
            return false
        }
    }

    func check(_ source: SourceRecord, _ record: TrialRecord) -> [Finding] {
        // Distinct lists in document order, each with every place it occurs.
        var lists: [(text: String, repeated: [String], evidence: [Evidence])] = []
        for field in source.fields where Self.mayHoldTimeList(field.value) {
            var found: [(RuleMatch, String)] = []
            for m in Self.trailingUnit.matches(in: field.value) { if let n = m.group(1) { found.append((m, n)) } }
            for m in Self.leadingUnit.matches(in: field.value) { if let n = m.group(2) { found.append((m, n)) } }
            found.sort { $0.0.range.location < $1.0.range.location }
            for (m, numbers) in found {
                let values = Self.numberPattern.matches(in: numbers).map(\.text)
                var seen: [String] = []
                var repeated: [String] = []
                for v in values {
                    if seen.contains(v) { if !repeated.contains(v) { repeated.append(v) } } else { seen.append(v) }
                }
                guard !repeated.isEmpty else { continue }
                let text = m.text.collapsingWhitespace
                let evidence = RuleText.evidence(source, field, offset: m.range.location, quote: m.sentence())
                if let i = lists.firstIndex(where: { $0.text == text }) {
                    if !lists[i].evidence.contains(evidence) { lists[i].evidence.append(evidence) }
                } else {
                    lists.append((text, repeated, [evidence]))
                }
            }
        }
        return lists.map { list in
            let points = RuleText.list(list.repeated)
            let places = list.evidence.count == 1 ? "" : " (in \(list.evidence.count) places)"
            let message =
                "The time points \(RuleText.quoted(list.text)) repeat \(points)\(places): one of them is probably a typo for another time point; check the protocol's schedule."
            return Finding(rule: id, severity: .warning, trial: record.primaryID.value, message: message, evidence: list.evidence)
        }
    }
}
