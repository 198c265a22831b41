import Foundation
import TrialModel
import TrialSupport

/// A regular expression compiled once (held in a `static let`) and shared by every rule call.
///
/// Matched through ``ICURegex`` (ICU called in place on the text's UTF-16 units); `regex` is the
/// same expression for the pattern catalog and the match results.
struct RulePattern: @unchecked Sendable {
    let regex: NSRegularExpression
    let icu: ICURegex
    /// Lower-case ASCII words one of which every match holds, compared as
    /// ``Prefilter/mayContain(_:_:)`` does (case-insensitive, conservative with characters that
    /// fold to ASCII); empty when the pattern has none. A text without any is not searched: most
    /// criteria and descriptions lack the words a rule looks for, and the expression's cost is
    /// per character tried. `PrefilterSoundnessTests` checks every pattern's cues on real text.
    let cues: [StaticString]

    /// Case-insensitive unless `caseSensitive` is set.
    init(_ pattern: String, caseSensitive: Bool = false, cues: [StaticString] = []) {
        do {
            regex = try NSRegularExpression(pattern: pattern, options: caseSensitive ? [] : [.caseInsensitive])
            icu = try ICURegex(pattern, caseInsensitive: !caseSensitive)
            PatternCatalog.register(regex)
        } catch {
            preconditionFailure("invalid built-in rule pattern \(pattern): \(error)")
        }
        self.cues = cues
    }

    /// False when `text` holds none of the ``cues``, so the pattern cannot match in it.
    func mayMatch(_ text: String) -> Bool { cues.isEmpty || Prefilter.mayContain(text, cues) }

    /// Every match in `text`, in document order.
    func matches(in text: String) -> [RuleMatch] {
        guard mayMatch(text) else { return [] }
        let units = UTF16Text(text)
        let ns = text as NSString
        return icu.matches(in: units, range: NSRange(location: 0, length: units.units.count)).map { RuleMatch(result: result($0), ns: ns) }
    }

    func firstMatch(in text: String) -> RuleMatch? {
        guard mayMatch(text) else { return nil }
        let units = UTF16Text(text)
        return icu.matches(in: units, range: NSRange(location: 0, length: units.units.count), limit: 1).first.map {
            RuleMatch(result: result($0), ns: text as NSString)
        }
    }

    private func result(_ ranges: [NSRange]) -> NSTextCheckingResult { .match(ranges, of: regex) }

    func matches(_ text: String) -> Bool { firstMatch(in: text) != nil }

    /// Every match in `text`, in document order, for a pattern whose every match starts with one
    /// of the ASCII bytes `starts` and is at most `reach` UTF-16 units long: the same matches as
    /// ``matches(in:)``, with the expression run only from each such byte (windows merged;
    /// lookarounds see the whole text). Why: a case-insensitive pattern costs microseconds per
    /// character tried, and a 300 KB field of blanks with one `&` in it took most of a second.
    func matches(in text: String, startingWith starts: ASCIISet, reach: Int) -> [RuleMatch] {
        let units = UTF16Text(text)
        let ns = text as NSString
        var anchors: [Int] = []
        for (offset, unit) in units.units.enumerated() where unit < 0x80 && starts.contains(UInt8(unit)) { anchors.append(offset) }
        return SearchWindows.around(anchors, before: 0, after: reach, in: NSRange(location: 0, length: units.units.count)).flatMap { window in
            icu.matches(in: units, range: window).map { RuleMatch(result: result($0), ns: ns) }
        }
    }

    /// Every match in `text`, in document order, for a pattern whose matches never contain one
    /// of the ASCII bytes `delimiters` and always contain one of the ASCII words `cues` (lower
    /// case, compared as ``Prefilter/mayContain(_:_:)`` does): the same matches as
    /// ``matches(in:)``, with the expression run only over the stretches between delimiters
    /// that may hold a cue. A pattern that looks around (`(?<=`, `(?!`) must not use it; `\b`
    /// is safe when no delimiter is a word character.
    ///
    /// Why: an objective pattern over a 5,000-character description tries a match at every
    /// "t" and "i"; the clauses that can hold one are a few percent of the text.
    ///
    /// With `openers` (lower-case ASCII words, for a pattern whose every match opens with `\b`,
    /// one of them and white space), a window of ASCII text is tried only where one of them
    /// starts a word and is followed by white space: one anchored try at each, which is what the
    /// search does there. A window holding any other character is searched whole.
    func matches(in text: String, between delimiters: ASCIISet, cues: [StaticString], openers: [StaticString] = []) -> [RuleMatch] {
        var utf8 = text
        let ns = text as NSString
        return utf8.withUTF8 { b -> [RuleMatch] in
            var found: [RuleMatch] = []
            // The window being collected: consecutive stretches that may hold a cue, joined with
            // the delimiters between them (a match inside one stretch is found in the window).
            var window: (from16: Int, to16: Int)?
            var units: UTF16Text?
            func flush() {
                guard let w = window else { return }
                window = nil
                let all = units ?? UTF16Text(text)
                units = all
                // Opaque bounds: the window is searched as a text of its own.
                let range = NSRange(location: w.from16, length: w.to16 - w.from16)
                let matches =
                    Self.openerStarts(all.units, in: range, openers).map {
                        icu.matches(in: all, range: range, startingAt: $0, transparentBounds: false)
                    } ?? icu.matches(in: all, range: range, transparentBounds: false)
                found += matches.map { RuleMatch(result: result($0), ns: ns) }
            }
            var start = 0, start16 = 0, offset16 = 0
            for i in 0...b.count {
                let atEnd = i == b.count
                if atEnd || delimiters.contains(b[i]) {
                    let stretch = UnsafeBufferPointer(rebasing: b[start..<i])
                    if Prefilter.mayContain(stretch, cues) {
                        window = (window?.from16 ?? start16, offset16)
                    } else {
                        flush()
                    }
                    if atEnd { break }
                    start = i + 1
                    start16 = offset16 + 1
                }
                // UTF-16 units: one per scalar's lead byte, two for a four-byte scalar.
                if b[i] & 0xC0 != 0x80 { offset16 += b[i] >= 0xF0 ? 2 : 1 }
            }
            flush()
            return found
        }
    }

    /// Where in `range` of `units` one of `openers` starts a word (at the range's start or after
    /// a character that is not a letter, a digit or "_"), in any ASCII case, followed by white
    /// space; nil when there are no openers or the range holds a character outside ASCII (its
    /// word-ness and case folding are left to the expression).
    static func openerStarts(_ units: [UInt16], in range: NSRange, _ openers: [StaticString]) -> [Int]? {
        guard !openers.isEmpty else { return nil }
        let from = range.location
        let to = range.location + range.length
        func lower(_ u: UInt16) -> UInt16 { u >= 0x41 && u <= 0x5A ? u | 0x20 : u }
        func isWord(_ u: UInt16) -> Bool { (0x30...0x39).contains(u) || (0x61...0x7A).contains(lower(u)) || u == 0x5F }
        func isSpace(_ u: UInt16) -> Bool { (0x09...0x0D).contains(u) || u == 0x20 }
        // An opener's first letter (either case) comes first: most letters are none.
        var isFirst = [Bool](repeating: false, count: 128)
        for word in openers {
            let c = Int(word.utf8Start[0])
            isFirst[c] = true
            if c >= 0x61 && c <= 0x7A { isFirst[c - 0x20] = true }
        }
        return units.withUnsafeBufferPointer { u -> [Int]? in
            func opens(_ word: StaticString, at p: Int) -> Bool {
                let n = word.utf8CodeUnitCount
                guard p + n < to, isSpace(u[p + n]) else { return false }
                for k in 0..<n where lower(u[p + k]) != UInt16(word.utf8Start[k]) { return false }
                return true
            }
            var starts: [Int] = []
            for p in from..<to {
                let c = u[p]
                if c >= 0x80 { return nil }
                guard isFirst[Int(c)], p == from || !isWord(u[p - 1]) else { continue }
                if openers.contains(where: { opens($0, at: p) }) { starts.append(p) }
            }
            return starts
        }
    }
}

/// One regex match with its text, capture groups and surroundings.
struct RuleMatch {
    let result: NSTextCheckingResult
    let ns: NSString

    var range: NSRange { result.range }
    var text: String { ns.substring(with: range) }

    /// Capture group `i`, nil when it did not take part.
    func group(_ i: Int) -> String? {
        groupRange(i).map(ns.substring(with:))
    }

    func groupRange(_ i: Int) -> NSRange? {
        let r = result.range(at: i)
        return r.location == NSNotFound ? nil : r
    }

    /// Up to `count` UTF-16 units before the match.
    func before(_ count: Int) -> String {
        let start = max(0, range.location - count)
        return ns.substring(with: NSRange(location: start, length: range.location - start))
    }

    /// Up to `count` UTF-16 units after the match.
    func after(_ count: Int) -> String {
        let end = range.location + range.length
        return ns.substring(with: NSRange(location: end, length: min(count, ns.length - end)))
    }

    /// The sentence (or list line) around the match, whitespace-collapsed, capped to about
    /// `limit` characters around the match at word boundaries, so it stays an exact quote.
    func sentence(limit: Int = 240) -> String {
        RuleText.sentence(in: ns, around: range, limit: limit)
    }
}

enum RuleText {

    /// Sentence boundaries: terminal punctuation followed by a space, semicolons and line breaks.
    static func sentence(in ns: NSString, around range: NSRange, limit: Int = 240) -> String {
        func isBreak(_ i: Int) -> Bool {
            let c = ns.character(at: i)
            if c == 10 || c == 0x3002 || c == 59 { return true }  // newline, 。, ;
            if c == 46 || c == 33 || c == 63 {  // . ! ?
                return i + 1 >= ns.length || ns.character(at: i + 1) == 32 || ns.character(at: i + 1) == 10
            }
            return false
        }
        // The walks stop a limit away from the match: a longer sentence is cut to the limit
        // anyway, and an unbounded walk per match is quadratic in a text without breaks.
        var start = range.location
        let earliest = max(0, range.location - limit - 1)
        while start > earliest, !isBreak(start - 1) { start -= 1 }
        var end = range.location + range.length
        let latest = min(ns.length, end + limit + 1)
        while end < latest, !isBreak(end) { end += 1 }
        if end < ns.length, ns.character(at: end) != 10 { end += 1 }  // keep the full stop
        let half = max(0, (limit - range.length) / 2)
        if end - start > limit {
            var s = max(start, range.location - half)
            var e = min(end, range.location + range.length + half)
            while s > start, ns.character(at: s - 1) != 32 { s -= 1 }
            while e < end, ns.character(at: e) != 32 { e += 1 }
            start = s
            end = e
        }
        return ns.substring(with: NSRange(location: start, length: end - start)).collapsingWhitespace
    }

    /// Evidence for a match in `field` of `source`: the field's locator narrowed to the line of
    /// the match when the field spans several lines, and the given quote. `lines` is the field's
    /// line index, built once per field and shared by all of its matches.
    static func evidence(_ source: SourceRecord, _ field: SourceField, offset: Int, quote: String, lines: inout FieldLines) -> Evidence {
        let locator: String
        if let first = field.line, field.locator.hasPrefix("line") {
            locator = "line \(first + lines.line(of: offset) - 1)"
        } else if lines.isMultiLine {
            locator = "\(field.locator) line \(lines.line(of: offset))"
        } else {
            locator = field.locator
        }
        return Evidence(file: source.file, locator: locator, quote: quote.collapsingWhitespace)
    }

    /// `evidence(_:_:offset:quote:lines:)` for a field with one match.
    static func evidence(_ source: SourceRecord, _ field: SourceField, offset: Int, quote: String) -> Evidence {
        var lines = FieldLines(field.value)
        return evidence(source, field, offset: offset, quote: quote, lines: &lines)
    }

    /// Lower-case words (letters and digits) of `text`.
    static func words(_ text: String) -> [String] {
        var text = text
        // ASCII text (most registry fields) is split on its bytes; anything else by Characters.
        let ascii: [String]? = text.withUTF8 { b in
            guard !b.contains(where: { $0 >= 0x80 }) else { return nil }
            let lower = b.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
            var out: [String] = []
            var start = -1
            for i in 0...lower.count {
                let c = i < lower.count ? lower[i] : 0
                let isWord = (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39)
                if isWord, start < 0 { start = i }
                if !isWord, start >= 0 {
                    out.append(String(decoding: lower[start..<i], as: UTF8.self))
                    start = -1
                }
            }
            return out
        }
        return ascii ?? text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }

    /// "a, b and c".
    static func list(_ items: [String]) -> String {
        switch items.count {
        case 0: return ""
        case 1: return items[0]
        default: return items.dropLast().joined(separator: ", ") + " and " + items.last!
        }
    }

    /// "Inclusion criterion 2.1.a" or, under a subsection heading, "Inclusion criterion 1 under
    /// “Inclusion criteria for Systemic Sclerosis”".
    static func name(of c: Criterion) -> String {
        var s = c.list == .unspecified ? "Criterion" : "\(c.list.rawValue.capitalized) criterion"
        if !c.number.isEmpty { s += " \(c.number)" }
        if let h = c.heading, !h.isEmpty, !["inclusion criteria", "exclusion criteria", "criteria", "eligibility criteria"].contains(h.lowercased()) {
            s += " under \(quoted(h))"
        }
        return s
    }

    /// “text” in typographic quotes.
    static func quoted(_ s: String) -> String { "“\(s)”" }
}

extension Trial {
    /// Every evidence of `values`, in order, without repeats.
    static func evidence<V>(_ values: [Measured<V>]) -> [Evidence] {
        var out: [Evidence] = []
        for v in values { for e in v.evidence where !out.contains(e) { out.append(e) } }
        return out
    }
}

/// A field's line index (``LineIndex``), counted on the first match that needs it and shared
/// by the field's other matches.
struct FieldLines {
    private let value: String
    private var index: LineIndex?

    init(_ value: String) { self.value = value }

    private mutating func lines() -> LineIndex {
        if let index { return index }
        let built = LineIndex(value)
        index = built
        return built
    }

    /// Whether the text holds a line break.
    var isMultiLine: Bool {
        mutating get { lines().isMultiLine }
    }

    /// The 1-based line of UTF-16 `offset`.
    mutating func line(of offset: Int) -> Int { lines().index(at: offset) + 1 }
}
