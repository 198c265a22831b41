import Foundation
import TrialModel
import TrialSupport

/// Participant counts stated in summaries and descriptions: "15 patients are planned to be
/// enrolled", "36-72 patients are planned", "A total of 120 participants will be enrolled",
/// "approximately 40 subjects".
///
/// Precise rather than greedy: a count must name people and either say "a total of" or sit in a
/// sentence about enrolment (so "approximately 42,160 cases are diagnosed annually" is skipped);
/// per-group counts ("3 patients per cohort", "the first 3 patients", "Group 1 participants")
/// are skipped too.
enum EnrollmentTextExtractor {
    static let sourceKeys: Set<FieldKey> = [.summary, .description]

    /// The words a count must name people with, lower case (`count` and the checks before it).
    private static let people: [StaticString] = [
        "patients", "participants", "subjects", "volunteers", "individuals", "people", "persons", "adults", "children",
        "women", "men", "cases", "pts",
    ]
    /// Words that may stand between the number and the people, at most two (`count`'s and ``mayHoldCount(_:)``'s).
    private static let adjectives: [StaticString] = [
        "eligible", "evaluable", "adult", "pediatric", "paediatric", "additional", "healthy", "male", "female", "new", "consecutive",
    ]
    private static func alternation(_ words: [StaticString]) -> String { "(?:" + words.map(\.description).joined(separator: "|") + ")" }
    /// Groups: 1 qualifier, 2 count (or lower end), 3 upper end.
    static let count = Pattern(
        #"(?<![\d,\w-])(?<!\d\.)(?:(a\s+total\s+of|total\s+of|approximately|approx\.|about|around|up\s+to|~|≈)\s+)?(\d{1,3}(?:,\d{3})+|\d{1,6})(?:\s*(?:-|–|~|～|to)\s*(\d{1,3}(?:,\d{3})+|\d{1,6}))?\s+(?:"#
            + alternation(adjectives) + #"\s+){0,2}"# + alternation(people) + #"\b"#
    )
    private static let enrolment = Pattern(
        #"enrol|recruit|planned|\baccru|randomi[sz]|sample\s+size|will\s+(?:be\s+)?(?:included|treated|studied|participate|receive)|will\s+take\s+part"#
    )
    private static let perGroup = Pattern(#"\s*(?:per|in\s+each|each|/|for\s+each)\b"#)
    private static let groupWordBefore = Pattern(
        #"(?:\bfirst|\binitial|\blast|\beach|\bevery|\bper|\bgroup|\barm|\bcohort|\bpart|\blevel|\bstage|\bphase|≥|>|<|≤|\bleast)\s*$"#)

    static func extract(_ texts: [FieldText], file: String) -> [Measured<CountRange>] {
        var result: [Measured<CountRange>] = []
        for text in texts where sourceKeys.contains(text.key) {
            // A count is read from ASCII digits (`Int`) and names people.
            guard Prefilter.hasASCIIDigit(text.field.value), Prefilter.mayContain(text.field.value, people) else { continue }
            let ends = countEnds(text.field.value)
            if ends?.isEmpty == true { continue }
            let buffer = text.buffer
            let found =
                ends.map { buffer.matches(count, in: buffer.fullRange, near: $0, before: countReach, after: 0) }
                ?? buffer.matches(count)
            for m in found {
                guard let low = buffer.group(m, 2).flatMap(parseInt) else { continue }
                let high = buffer.group(m, 3).flatMap(parseInt) ?? low
                guard high >= low, low > 0 else { continue }
                let sentence = text.sentence(around: m.range)
                if buffer.firstMatch(perGroup, in: NSRange(from: m.range.end, to: sentence.end), anchored: true) != nil { continue }
                let before = NSRange(from: max(sentence.location, m.range.location - 12), to: m.range.location)
                if buffer.firstMatch(groupWordBefore, in: before) != nil { continue }
                let qualifier = buffer.group(m, 1)?.lowercased() ?? ""
                guard qualifier.contains("total") || buffer.firstMatch(enrolment, in: sentence) != nil else { continue }
                let quoteRange = NSRange(from: m.range.location, to: sentence.end)
                let evidence =
                    quoteRange.length <= 240
                    ? text.evidence(file: file, range: quoteRange) : text.quoteEvidence(file: file, around: m.range)
                result.appendMerging(Measured(CountRange(low: low, high: high), evidence))
            }
        }
        return result
    }

    /// False when `count` cannot match in `text` (``countEnds(_:)`` found no place).
    static func mayHoldCount(_ text: String) -> Bool { countEnds(text).map { !$0.isEmpty } ?? true }

    /// How far before the end of its people word a `count` match may start (UTF-16 units):
    /// "approximately 1,000,000 - 2,000,000 eligible consecutive participants" is 72.
    static let countReach = 160

    /// Where a `count` match may end (UTF-16 offsets just past a people word, ascending); empty
    /// when it cannot match, nil when the scan cannot judge (search the whole text). Every match
    /// ends with a digit, white space, at most two of the adjectives, then a people word not
    /// followed by a word character; this scans from each digit for that shape. Most summaries
    /// that name patients and hold a number state no count ("Phase 2", "CD19", "in 2020 …
    /// patients"), and the expression costs a try at every character. Anything the scan cannot
    /// judge byte by byte (a non-ASCII character on the way, case-folding specials) gives nil.
    static func countEnds(_ text: String) -> [Int]? {
        var text = text
        return text.withUTF8 { b -> [Int]? in
            if Prefilter.hasFoldingSpecials(b) { return nil }
            let n = b.count
            func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
            func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
            func isWord(_ c: UInt8) -> Bool { isLetter(c) || (c >= 0x30 && c <= 0x39) || c == 0x5F }
            func word(_ start: Int, _ end: Int, in list: [StaticString]) -> Bool {
                list.contains { w in
                    guard w.utf8CodeUnitCount == end - start else { return false }
                    for k in 0..<(end - start) where b[start + k] | 0x20 != w.utf8Start[k] { return false }
                    return true
                }
            }
            var byteEnds: [Int] = []
            // Walks start after an ASCII digit or after any non-ASCII character (it may be a
            // digit to `\d`; its last byte is followed by ASCII or by another character's lead).
            for d in 0..<n where (b[d] >= 0x30 && b[d] <= 0x39) || (b[d] >= 0x80 && (d + 1 == n || b[d + 1] < 0x80 || b[d + 1] >= 0xC0)) {
                var i = d + 1
                var adjectivesSeen = 0
                while true {
                    // One or more white space characters.
                    guard i < n else { break }
                    if b[i] >= 0x80 { return nil }
                    guard isSpace(b[i]) else { break }
                    while i < n, isSpace(b[i]) { i += 1 }
                    guard i < n else { break }
                    if b[i] >= 0x80 { return nil }
                    // A word: a people word ends a possible match, an adjective may precede one.
                    let start = i
                    while i < n, isLetter(b[i]) { i += 1 }
                    guard i > start else { break }
                    if i < n, b[i] >= 0x80 { return nil }
                    if word(start, i, in: people), i == n || !isWord(b[i]) {
                        byteEnds.append(i)
                        break
                    }
                    guard adjectivesSeen < 2, word(start, i, in: adjectives) else { break }
                    adjectivesSeen += 1
                }
            }
            // Byte offsets to UTF-16 offsets: one unit per lead byte, two for a four-byte scalar.
            var ends: [Int] = []
            var units = 0
            var next = 0
            for i in 0..<n where next < byteEnds.count {
                while next < byteEnds.count, byteEnds[next] == i {
                    ends.append(units)
                    next += 1
                }
                let c = b[i]
                if c < 0x80 || c >= 0xC0 { units += c >= 0xF0 ? 2 : 1 }
            }
            while next < byteEnds.count {
                ends.append(units)
                next += 1
            }
            return ends
        }
    }

    private static func parseInt(_ raw: String) -> Int? { Int(raw.replacingASCII(",", with: "")) }
}
