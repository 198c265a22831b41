import Foundation
import TrialModel
import TrialSupport

/// A compiled regular expression shared by every extraction call.
///
/// `NSRegularExpression` is immutable once built and safe to match from several threads at once,
/// so each pattern is compiled once (in a `static let`) and reused for every record.
struct Pattern: @unchecked Sendable {
    let regex: NSRegularExpression
    /// The same expression for matching (``TextBuffer``); `regex` serves the pattern catalog and
    /// builds the results.
    let icu: ICURegex

    /// Patterns are case-insensitive unless `caseSensitive` is set (list markers need case).
    init(_ pattern: String, caseSensitive: Bool = false) {
        var options: NSRegularExpression.Options = []
        if !caseSensitive { options.insert(.caseInsensitive) }
        do {
            regex = try NSRegularExpression(pattern: pattern, options: options)
            icu = try ICURegex(pattern, caseInsensitive: !caseSensitive)
            PatternCatalog.register(regex)
        } catch {
            preconditionFailure("invalid built-in pattern \(pattern): \(error)")
        }
    }
}

/// A string together with its UTF-16 units, so regex ranges (`NSRange`) can be cut out cheaply
/// and matched in place (``ICURegex``): a match call costs the same on a line as on a clause of a
/// long description.
struct TextBuffer {
    let string: String
    let utf16: UTF16Text

    init(_ string: String) {
        self.string = string
        self.utf16 = UTF16Text(string)
    }

    var length: Int { utf16.units.count }
    var fullRange: NSRange { NSRange(location: 0, length: length) }

    /// The UTF-16 unit at `offset`.
    func unit(at offset: Int) -> UInt16 { utf16.units[offset] }

    /// The text of `range` (UTF-16 offsets). Cut from the Swift string by scalar indices (no
    /// UTF-16 transcoding); a range that splits a surrogate pair goes through `NSString`.
    func substring(_ range: NSRange) -> String {
        let utf16 = string.utf16
        guard range.location >= 0, range.length >= 0, range.location + range.length <= utf16.count else {
            return (string as NSString).substring(with: range)
        }
        let start = utf16.index(utf16.startIndex, offsetBy: range.location)
        let end = utf16.index(start, offsetBy: range.length)
        guard let s = start.samePosition(in: string.unicodeScalars), let e = end.samePosition(in: string.unicodeScalars) else {
            return (string as NSString).substring(with: range)
        }
        return String(string.unicodeScalars[s..<e])
    }

    /// The text of capture group `index`, or nil when the group did not take part in the match.
    func group(_ match: NSTextCheckingResult, _ index: Int) -> String? {
        let r = match.range(at: index)
        return r.location == NSNotFound ? nil : substring(r)
    }

    /// All matches in `range` (default: everything). Lookbehinds may look before `range`.
    func matches(_ pattern: Pattern, in range: NSRange? = nil) -> [NSTextCheckingResult] {
        pattern.icu.matches(in: utf16, range: range ?? fullRange).map { .match($0, of: pattern.regex) }
    }

    /// Matches of `pattern` in `range`, searched only from `before` units before to `after` units
    /// after each anchor (UTF-16 offsets, ascending), overlapping stretches merged. The same as
    /// the whole search for a pattern whose every match holds an anchor within those reaches
    /// (each use has a test that compares both on real text): a long alternation tried at every
    /// position of a criterion costs more than a few short searches.
    func matches(_ pattern: Pattern, in range: NSRange, near anchors: [Int], before: Int, after: Int) -> [NSTextCheckingResult] {
        SearchWindows.around(anchors, before: before, after: after, in: range).flatMap { matches(pattern, in: $0) }
    }

    /// The matches of `pattern` in `range`, tried only at `starts` (UTF-16 offsets, ascending),
    /// for a pattern whose every match starts at one of them
    /// (``ICURegex/matches(in:range:startingAt:transparentBounds:)``).
    func matches(_ pattern: Pattern, in range: NSRange, startingAt starts: [Int]) -> [NSTextCheckingResult] {
        pattern.icu.matches(in: utf16, range: range, startingAt: starts).map { .match($0, of: pattern.regex) }
    }

    /// Matches of a pattern that opens with ``ComparatorText/pattern`` (its first group), searched
    /// around `anchors` as ``matches(_:in:near:before:after:)`` does and there tried only where a
    /// comparator may start (``ComparatorText/starts(_:in:)``).
    func comparatorMatches(_ pattern: Pattern, in range: NSRange, near anchors: [Int], before: Int, after: Int) -> [NSTextCheckingResult] {
        SearchWindows.around(anchors, before: before, after: after, in: range).flatMap { window in
            matches(pattern, in: window, startingAt: ComparatorText.starts(utf16.units, in: window))
        }
    }

    /// UTF-16 offsets in `range` where one of `words` (lower-case ASCII) starts, ignoring ASCII case.
    func asciiWordStarts(_ words: [String], in range: NSRange) -> [Int] {
        let units = utf16.units
        let needles = words.map { Array($0.utf16) }
        var starts: [Int] = []
        var i = max(0, range.location)
        let end = min(units.count, range.end)
        while i < end {
            for needle in needles where i + needle.count <= units.count {
                var k = 0
                while k < needle.count, (units[i + k] < 0x80 ? units[i + k] | 0x20 : units[i + k]) == needle[k] { k += 1 }
                if k == needle.count {
                    starts.append(i)
                    break
                }
            }
            i += 1
        }
        return starts
    }

    /// The first match in `range`; with `anchored`, only a match starting at `range.location`.
    func firstMatch(_ pattern: Pattern, in range: NSRange? = nil, anchored: Bool = false) -> NSTextCheckingResult? {
        pattern.icu.matches(in: utf16, range: range ?? fullRange, anchored: anchored, limit: 1).first.map { .match($0, of: pattern.regex) }
    }

    /// `range` without leading and trailing whitespace.
    func trimmed(_ range: NSRange) -> NSRange {
        var start = range.location
        var end = range.location + range.length
        while start < end, Self.isSpace(unit(at: start)) { start += 1 }
        while end > start, Self.isSpace(unit(at: end - 1)) { end -= 1 }
        return NSRange(location: start, length: end - start)
    }

    /// Ranges of the lines of the text, without their line terminators.
    func lineRanges() -> [NSRange] {
        // Walks the UTF-8 bytes, counting UTF-16 offsets (no NSString indexing).
        var lines: [NSRange] = []
        var start = 0
        var offset = 0
        var previous: UInt8 = 0
        var copy = string
        copy.withUTF8 { bytes in
            for c in bytes {
                if c == 10 {
                    var end = offset
                    if end > start, previous == 13 { end -= 1 }
                    lines.append(NSRange(location: start, length: end - start))
                    start = offset + 1
                }
                if c < 0x80 || c >= 0xC0 { offset += c >= 0xF0 ? 2 : 1 }
                previous = c
            }
        }
        lines.append(NSRange(location: start, length: offset - start))
        return lines
    }

    static func isSpace(_ c: unichar) -> Bool {
        c == 32 || c == 9 || c == 10 || c == 13 || c == 0xA0 || c == 0x3000 || c == 0x2002 || c == 0x2003 || c == 0x2009
    }
}

extension NSRange {
    var end: Int { location + length }

    init(from start: Int, to end: Int) {
        self.init(location: start, length: max(0, end - start))
    }

    func union(with other: NSRange) -> NSRange {
        NSRange(from: Swift.min(location, other.location), to: Swift.max(end, other.end))
    }
}

/// A free-text field prepared for matching, with the means to locate a position inside it.
///
/// Built once per field and extraction call, and shared by the extractors (sentences are found
/// on first use); never shared between threads.
final class FieldText {
    let field: SourceField
    let buffer: TextBuffer
    /// Sentence ranges in document order (see `Segmenter`).
    private(set) lazy var sentences: [NSRange] = Segmenter.sentences(in: buffer)
    private let lines: LineIndex

    var key: FieldKey { field.key }

    init(_ field: SourceField) {
        self.field = field
        self.buffer = TextBuffer(field.value)
        self.lines = LineIndex(field.value)
    }

    /// The sentence holding `range` (or `range` itself when it spans sentences).
    func sentence(around range: NSRange) -> NSRange {
        sentences.first { $0.location <= range.location && $0.end >= range.end } ?? range
    }

    /// The sentence around `range`, capped to about `limit` characters around the match, so a quote
    /// stays readable yet remains an exact (whitespace-collapsed) substring of the source.
    func context(around range: NSRange, limit: Int = 240) -> String {
        buffer.substring(contextRange(around: range, limit: limit)).collapsingWhitespace
    }

    /// Where ``context(around:limit:)`` is in the field.
    func contextRange(around range: NSRange, limit: Int = 240) -> NSRange {
        let sentence = sentence(around: range)
        if sentence.length <= limit { return sentence }
        let half = max(0, (limit - range.length) / 2)
        var start = max(sentence.location, range.location - half)
        var end = min(sentence.end, range.end + half)
        while start > sentence.location, !TextBuffer.isSpace(buffer.unit(at: start - 1)) { start -= 1 }
        while end < sentence.end, !TextBuffer.isSpace(buffer.unit(at: end)) { end += 1 }
        return NSRange(from: start, to: end)
    }

    /// Evidence for a match at `range`: the sentence around it (see ``context(around:limit:)``)
    /// as the quote, located at the lines the quote spans.
    func quoteEvidence(file: String, around range: NSRange, limit: Int = 240) -> Evidence {
        let quoted = contextRange(around: range, limit: limit)
        return Evidence(file: file, locator: locator(spanning: quoted), quote: buffer.substring(quoted).collapsingWhitespace)
    }

    /// Evidence quoting `range` of this field, located at its line.
    func evidence(file: String, range: NSRange) -> Evidence {
        Evidence(file: file, locator: locator(spanning: range), quote: buffer.substring(range).collapsingWhitespace)
    }

    /// 0-based line index of a UTF-16 offset within the field value.
    func lineIndex(at offset: Int) -> Int { lines.index(at: offset) }

    /// The field's locator narrowed to the lines `range` spans: the line its text starts on, and
    /// the last one when it goes on over several ("lines 52-54").
    func locator(spanning range: NSRange) -> String {
        let first = lineIndex(at: range.location)
        var endOffset = range.end
        // Trailing white space (a line break) is no part of what is quoted.
        while endOffset > range.location, TextBuffer.isSpace(buffer.unit(at: endOffset - 1)) { endOffset -= 1 }
        let last = lineIndex(at: max(range.location, endOffset - 1))
        guard last > first else { return locator(at: range.location) }
        if let start = field.line {
            if field.locator.hasPrefix("line") { return "lines \(start + first)-\(start + last)" }
            return "\(field.locator) lines \(start + first)-\(start + last)"
        }
        return "\(field.locator) lines \(first + 1)-\(last + 1)"
    }

    /// The field's locator narrowed to the line holding `offset`: the absolute line when the reader
    /// knows where the field starts, else the line within the field ("… line 3").
    func locator(at offset: Int) -> String {
        let index = lineIndex(at: offset)
        if let first = field.line {
            let absolute = first + index
            if field.locator.hasPrefix("line") { return "line \(absolute)" }
            return lines.isMultiLine ? "\(field.locator) line \(absolute)" : field.locator
        }
        return lines.isMultiLine ? "\(field.locator) line \(index + 1)" : field.locator
    }
}

/// Splits prose into sentences (and list items), returning ranges into the original text.
enum Segmenter {
    /// Sentence ends: terminal punctuation followed by white space (not after common abbreviations),
    /// blank lines, and line breaks that start a list item. The specification of
    /// ``boundaries(in:)``, and what it leaves undecided.
    static let boundary = Pattern(
        #"(?<!\be\.g|\bi\.e|\bvs|\bapprox|\bDr|\bNo|\bFig|\bal)[.!?。；;！？](?=\s|$)|\n[ \t]*\n|\n(?=[ \t]*(?:[-*•]|\d{1,2}[.)])[ \t]*\S)"#
    )

    static func sentences(in buffer: TextBuffer) -> [NSRange] {
        var result: [NSRange] = []
        var start = 0
        for end in boundaries(in: buffer.string) ?? buffer.matches(boundary).map(\.range.end) {
            let r = buffer.trimmed(NSRange(from: start, to: end))
            if r.length > 0 { result.append(r) }
            start = end
        }
        let tail = buffer.trimmed(NSRange(from: start, to: buffer.length))
        if tail.length > 0 { result.append(tail) }
        return result
    }

    /// Where each match of ``boundary`` ends (UTF-16 offsets), found by one pass over the bytes:
    /// the expression tried its lookbehind at every character of every description. Nil, leaving
    /// the text to the expression, when it holds a character that case-insensitive matching
    /// folds to ASCII letters (ß, ſ, ligatures …) or a combining mark right before an
    /// abbreviation (ICU's word boundaries skip marks).
    static func boundaries(in text: String) -> [Int]? {
        var text = text
        return text.withUTF8 { b -> [Int]? in
            if Prefilter.hasFoldingSpecials(b) { return nil }
            let n = b.count
            var ends: [Int] = []
            func scalar(_ i: Int) -> (Unicode.Scalar, Int)? { ICUClass.scalar(in: b, at: i) }
            func isSpace(_ i: Int) -> Bool { scalar(i).map { ICUClass.isSpace($0.0) } ?? false }
            func blanks(_ i: Int) -> Int {
                var i = i
                while i < n, b[i] == 0x20 || b[i] == 0x09 { i += 1 }
                return i
            }
            /// `(?<!\be\.g|…)`: the bytes before `i` end with an abbreviation that starts a word.
            /// Nil when a combining mark precedes one.
            func afterAbbreviation(_ i: Int) -> Bool? {
                for word in abbreviations {
                    let m = word.utf8CodeUnitCount
                    guard i >= m else { continue }
                    var same = true
                    for k in 0..<m where b[i - m + k] | (b[i - m + k] >= 0x41 && b[i - m + k] <= 0x5A ? 0x20 : 0) != word.utf8Start[k] {
                        same = false
                        break
                    }
                    guard same else { continue }
                    let start = i - m
                    if start == 0 { return true }
                    // The character before the word: back to its first byte.
                    var j = start - 1
                    while j > 0, b[j] & 0xC0 == 0x80 { j -= 1 }
                    guard let (before, _) = scalar(j) else { return true }
                    if ICUClass.isMark(before) { return nil }
                    if !ICUClass.isWord(before) { return true }
                }
                return false
            }
            var i = 0
            var offset = 0
            while i < n {
                guard let (c, length) = scalar(i) else { return nil }
                let next = i + length
                let nextOffset = offset + (length == 4 ? 2 : 1)
                switch c.value {
                case 0x2E, 0x21, 0x3F, 0x3B, 0x3002, 0xFF1B, 0xFF01, 0xFF1F:  // . ! ? ; 。 ； ！ ？
                    if next == n || isSpace(next) {
                        guard let abbreviated = afterAbbreviation(i) else { return nil }
                        if !abbreviated { ends.append(nextOffset) }
                    }
                case 0x0A:
                    // A blank line: the match takes both line feeds.
                    let j = blanks(next)
                    if j < n, b[j] == 0x0A {
                        ends.append(nextOffset + (j - next) + 1)
                        offset = nextOffset + (j - next) + 1
                        i = j + 1
                        continue
                    }
                    // A line that starts a list item: "-", "*", "•", or one or two digits and "." or ")".
                    var k = j
                    var isItem = false
                    if let (m, l) = scalar(k), m == "-" || m == "*" || m == "•" {
                        k += l
                        isItem = true
                    } else {
                        var digits = 0
                        while let (d, l) = scalar(k), d.properties.numericType == .decimal {
                            digits += 1
                            k += l
                        }
                        if (1...2).contains(digits), k < n, b[k] == 0x2E || b[k] == 0x29 {
                            k += 1
                            isItem = true
                        }
                    }
                    if isItem {
                        k = blanks(k)
                        if k < n, !isSpace(k) { ends.append(nextOffset) }
                    }
                default:
                    break
                }
                i = next
                offset = nextOffset
            }
            return ends
        }
    }

    /// The abbreviations after which a full stop ends no sentence, lower case and spelled as
    /// the expression's lookbehind spells them ("e.g", without its last full stop).
    private static let abbreviations: [StaticString] = ["e.g", "i.e", "vs", "approx", "dr", "no", "fig", "al"]
}

/// Written comparison operators ("≥", ">=", "at least", "不小于", a bare "=" lost in export).
enum ComparatorText {
    /// How every alternative of `pattern` ends (lower case): a sign, the last word, or the last
    /// character of a Chinese form.
    static let finalSigns: Set<UInt16> = Set("=＝><≥≧⩾≤≦⩽＞＜于少为过".utf16)
    static let finalWords: [[UInt16]] = [
        "to", "than", "of", "least", "below", "over", "above", "under", "exceed", "exceeds", "exceeding", "greater", "more",
        "higher", "larger", "bigger", "less", "lower", "smaller", "equal",
    ].map { Array($0.utf16) }
    /// Words that may stand between a comparator and its number ("≥ the age of 18").
    static let bridgeWords: [[UInt16]] = ["the", "age", "of"].map { Array($0.utf16) }

    /// Starts of the digit runs in `range` that a comparator may end before (blanks, "age", "of"
    /// and "the" aside): a number after a sign or after a word that ends some comparator. A
    /// superset: every number of a match of `pattern` followed by a number is among them (the
    /// ends are checked as suffixes, as the pattern has no word boundary before a comparator).
    static func numbersAfterComparators(_ buffer: TextBuffer, in range: NSRange) -> [Int] {
        let units = buffer.utf16.units
        var starts: [Int] = []
        let from = max(0, range.location)
        let to = min(units.count, range.location + range.length)
        guard from < to else { return [] }
        for i in from..<to
        where units[i] >= 0x30 && units[i] <= 0x39 && (i == 0 || !(units[i - 1] >= 0x30 && units[i - 1] <= 0x39)) {
            starts.append(i)
        }
        guard !starts.isEmpty else { return [] }
        func lower(_ u: UInt16) -> UInt16 { u >= 0x41 && u <= 0x5A ? u | 0x20 : u }
        // A letter outside ASCII may fold to an ASCII one ("ſ" to "s"): it matches any letter.
        func endsWith(_ word: [UInt16], at end: Int) -> Bool {
            guard end >= word.count else { return false }
            for k in 0..<word.count {
                let u = units[end - word.count + k]
                if u < 0x80 && lower(u) != word[k] { return false }
            }
            return true
        }
        // `\s` of the pattern: every Unicode white space.
        func isSpace(_ u: UInt16) -> Bool {
            (9...13).contains(u) || u == 32 || u == 0x85 || u == 0xA0 || u == 0x1680 || (0x2000...0x200A).contains(u)
                || u == 0x2028 || u == 0x2029 || u == 0x202F || u == 0x205F || u == 0x3000
        }
        func comparatorEnds(at end: Int) -> Bool {
            guard end > 0 else { return false }
            if finalSigns.contains(units[end - 1]) { return true }
            return finalWords.contains { endsWith($0, at: end) }
        }
        return starts.filter { start in
            var end = start
            for _ in 0..<4 {
                while end > 0, isSpace(units[end - 1]) { end -= 1 }
                if comparatorEnds(at: end) { return true }
                guard let bridge = bridgeWords.first(where: { endsWith($0, at: end) }) else { return false }
                end -= bridge.count
            }
            return false
        }
    }

    /// The words of `pattern`'s alternatives up to their first blank, indexed by their first
    /// letter (ASCII code, lower case), each with whether `\s++` must follow it ("less than", but
    /// "below", "over", "exceed" and "under" stand alone). Keep in step with `pattern`:
    /// `starts(_:in:)` is sound only while every alternative that opens with a letter opens with
    /// one of these (a test checks every comparator of the real texts).
    static let openingWords: [[(rest: [UInt16], blank: Bool)]] = {
        let words: [(String, Bool)] = [
            ("greater", true), ("more", true), ("minimum", true), ("maximum", true), ("higher", true), ("larger", true),
            ("lesser", true), ("less", true), ("lower", true), ("bigger", true), ("below", false), ("older", true), ("of", true),
            ("over", false), ("equal", true), ("exceed", false), ("smaller", true), ("superior", true), ("younger", true),
            ("no", true), ("not", true), ("at", true), ("a", true), ("above", false), ("in", true), ("inferior", true),
            ("under", false), ("up", true),
        ]
        var table = [[(rest: [UInt16], blank: Bool)]](repeating: [], count: 128)
        for (word, blank) in words {
            let units = Array(word.utf16)
            table[Int(units[0])].append((Array(units.dropFirst()), blank))
        }
        return table
    }()

    /// The characters a match of `pattern` may open with, for a character class: the signs
    /// (with the Markdown backslash), the first letters of `openingWords` (and "ſ", which folds to
    /// "s"), the first characters of the Chinese forms.
    static let openingCharacters: String =
        #"\\<>=≥≧⩾＞≤≦⩽＜＝ſ大不至小高低"# + String((0..<128).filter { !openingWords[$0].isEmpty }.map { Character(Unicode.Scalar(UInt8($0))) })

    /// Where a match of `pattern` may start in `range` of `units` (ascending): at `\`, `<`, `>`,
    /// `=`, at one of `openingWords` in any ASCII case (followed by a blank where the pattern needs
    /// one), and at or before any character outside ASCII (the signs "≥", "＜", the Chinese forms,
    /// and letters a case-insensitive match may fold to ASCII ones, as "ſ" to "s" or "ß" to "ss").
    /// A superset of the starts of the pattern's matches; most letters of a text are none.
    static func starts(_ units: [UInt16], in range: NSRange) -> [Int] {
        let from = max(0, range.location)
        let to = min(units.count, range.location + range.length)
        guard from < to else { return [] }
        func isBlank(_ u: UInt16) -> Bool { (9...13).contains(u) || u == 32 }
        // Whether `rest` follows position `i` (and then a blank when `blank`), ASCII case aside;
        // a character outside ASCII may stand for any of it.
        func follows(_ rest: [UInt16], blank: Bool, after i: Int) -> Bool {
            var k = i + 1
            for w in rest {
                guard k < units.count else { return false }
                let u = units[k]
                if u >= 0x80 { return true }
                if (u >= 0x41 && u <= 0x5A ? u | 0x20 : u) != w { return false }
                k += 1
            }
            guard blank else { return true }
            guard k < units.count else { return false }
            return units[k] >= 0x80 || isBlank(units[k])
        }
        var found: [Int] = []
        for i in from..<to {
            let u = units[i]
            if u >= 0x80 || u == 0x5C || u == 0x3C || u == 0x3D || u == 0x3E {
                found.append(i)
            } else if openingWords[Int(u >= 0x41 && u <= 0x5A ? u | 0x20 : u)].contains(where: { follows($0.rest, blank: $0.blank, after: i) }) {
                found.append(i)
            }
        }
        return found
    }

    /// Regex alternation of comparator spellings; earlier alternatives win, so longer phrases and
    /// two-character operators come before their prefixes. Markdown-escaped `\<` / `\>` are accepted.
    /// The words are grouped by their first letter (each group keeps the order of its phrases), so
    /// ICU leaves a position after one letter test per group instead of one try per phrase: the
    /// pattern is scanned at nearly every position of every criterion. A test checks it matches
    /// what the flat list of phrases matches.
    static let pattern =
        "(?:"
        + [
            #"\\?>\s*+/\s*+\\?=|\\?=\s*+/\s*+\\?>|\\?<\s*+/\s*+\\?=|\\?=\s*+/\s*+\\?<"#,
            #"|\\?>\s*+or\s*+\\?=(?:\s*+to\b)?|\\?<\s*+or\s*+\\?=(?:\s*+to\b)?"#,
            #"|≥|≧|⩾|\\?>\s?\\?=|\\?=\s?\\?>|＞\s?=|≤|≦|⩽|\\?<\s?\\?=|\\?=\s?\\?<|＜\s?=|\\?>|\\?<|＞|＜|=|＝"#,
            #"|g(?:reater\s++(?:than\s++)?or\s++equal\s++(?:to)?|reater\s++than)"#,
            #"|m(?:ore\s++(?:than\s++)?or\s++equal\s++(?:to)?|inimum\s++of|aximum\s++of|ore\s++than)"#,
            #"|h(?:igher\s++(?:than\s++)?or\s++equal\s++(?:to)?|igher\s++than)"#,
            #"|l(?:arger\s++(?:than\s++)?or\s++equal\s++(?:to)?|esser\s++(?:than\s++)?or\s++equal\s++(?:to)?"#,
            #"|ess\s++(?:than\s++)?or\s++equal\s++(?:to)?|ower\s++(?:than\s++)?or\s++equal\s++(?:to)?"#,
            #"|arger\s++than|esser\s++than|ess\s++than|ower\s++than)"#,
            #"|b(?:igger\s++(?:than\s++)?or\s++equal\s++(?:to)?|elow)"#,
            #"|o(?:lder\s++(?:than\s++)?or\s++equal\s++(?:to)?|f\s++at\s++least|lder\s++than|ver)"#,
            #"|e(?:qual\s++(?:to\s++)?or\s++(?:greater|more|higher|larger|bigger)\s++(?:than)?"#,
            #"|qual\s++(?:to\s++)?or\s++(?:less|lower|smaller)\s++(?:than)?|xceed(?:s|ing)?)"#,
            #"|s(?:maller\s++(?:than\s++)?or\s++equal\s++(?:to)?|uperior\s++to|maller\s++than)"#,
            #"|y(?:ounger\s++(?:than\s++)?or\s++equal\s++(?:to)?|ounger\s++than)"#,
            #"|n(?:o\s++(?:less|fewer|lower|smaller)\s++than|ot\s++(?:less|lower|fewer|smaller)\s++than"#,
            #"|o\s++(?:more|greater|higher|larger)\s++than|ot\s++(?:more|greater|higher|larger)\s++than"#,
            #"|ot\s++(?:to\s++)?exceed(?:ing)?|o(?:t)?\s++(?:older|younger)\s++than)"#,
            #"|a(?:t\s++least|\s++minimum\s++of|\s++maximum\s++of|bove)"#,
            #"|i(?:n\s++excess\s++of|nferior\s++to)"#,
            #"|u(?:nder|p\s++to)"#,
            #"|大于等于|大于或等于|不小于|不低于|至少为?|小于等于|小于或等于|不大于|不高于|不超过|大于|小于|高于|低于"#,
        ].joined() + ")"

    /// Whether `s` contains `word` (a byte search: Foundation's `contains` is far slower).
    private static func has(_ s: String, _ word: StaticString) -> Bool { Prefilter.containsExactly(s, [word]) }

    /// The comparator a matched spelling stands for.
    static func parse(_ raw: String) -> TrialModel.Comparator? {
        let s = raw.replacingASCII("\\", with: "").lowercased().collapsingWhitespace
        switch s.replacingASCII(" ", with: "") {
        case ">/=", "=/>", ">or=", ">or=to", ">=", "=>", "＞=": return .greaterOrEqual
        case "</=", "=/<", "<or=", "<or=to", "<=", "=<", "＜=": return .lessOrEqual
        default: break
        }
        switch s {
        case "≥", "≧", "⩾", "大于等于", "大于或等于", "不小于", "不低于", "至少", "至少为":
            return .greaterOrEqual
        case "≤", "≦", "⩽", "小于等于", "小于或等于", "不大于", "不高于", "不超过", "up to":
            return .lessOrEqual
        case ">", "＞", "大于", "高于", "greater than", "more than", "higher than", "larger than", "older than", "above", "over",
            "superior to", "in excess of", "exceed", "exceeds", "exceeding":
            return .greater
        case "<", "＜", "小于", "低于", "less than", "lesser than", "lower than", "smaller than", "younger than", "below", "under", "inferior to":
            return .less
        case "=", "＝":
            return .equal
        default:
            if has(s, "or equal") || s.hasPrefix("equal to or") || s.hasPrefix("equal or") {
                return has(s, "less") || has(s, "lower") || has(s, "smaller") || has(s, "younger") ? .lessOrEqual : .greaterOrEqual
            }
            if s.hasPrefix("no ") || s.hasPrefix("not ") {
                if has(s, "exceed") { return .lessOrEqual }
                return has(s, "less") || has(s, "fewer") || has(s, "lower") || has(s, "smaller") || has(s, "younger")
                    ? .greaterOrEqual : .lessOrEqual
            }
            if has(s, "at least") || has(s, "minimum") { return .greaterOrEqual }
            if has(s, "maximum") { return .lessOrEqual }
            return nil
        }
    }
}

enum Numbers {
    /// A number as written, with thousands separators allowed ("80,000" → 80000); a comma is never
    /// read as a decimal separator.
    /// A finite number: 400 digits of "9" overflow to infinity, which no limit or dose is.
    static func parse(_ raw: String) -> Double? {
        Double(raw.replacingASCII(",", with: "").trimmingSpaces).flatMap { $0.isFinite ? $0 : nil }
    }

    /// Superscript digits ("10⁹") as an integer.
    static func superscript(_ raw: String) -> Int? {
        let map: [Character: Character] = [
            "⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6", "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-",
        ]
        return Int(String(raw.compactMap { map[$0] }))
    }
}

extension String {
    /// `parts` concatenated into storage of exactly their length (interpolation and `+` leave
    /// spare capacity, which every locator of every record would keep).
    static func joined(_ parts: String...) -> String {
        var result = ""
        result.reserveCapacity(parts.reduce(0) { $0 + $1.utf8.count })
        for part in parts { result += part }
        return result
    }
}
