import Foundation
import TrialModel
import TrialSupport

/// Splits eligibility text into inclusion and exclusion items.
///
/// Handles what registries actually export: headings on their own line or run into a paragraph
/// ("Common inclusion criteria: 1. … Common exclusion criteria: 1. …"), cohort subsections
/// ("Criteria for Relapsed/refractory IgA nephropathy"), numbered, lettered and bulleted items,
/// nesting by indentation or by numbering restarting at 1, and items wrapped over several lines.
/// Every item is a contiguous range of the source, so its whitespace-collapsed text is a quote.
enum CriteriaSplitter {
    /// One criterion as found in a text, before evidence is attached.
    struct Span {
        var list: CriteriaList
        var heading: String?
        var number: String
        var range: NSRange
    }

    /// The criteria of a record: every `criteria`, `inclusion_criteria` and `exclusion_criteria`
    /// field, in field order, items in document order.
    static func criteria(of texts: [FieldText], file: String) -> [Criterion] {
        let split = texts.compactMap { text -> (FieldText, [Span])? in
            let defaultList: CriteriaList
            switch text.key {
            case .criteria: defaultList = .unspecified
            case .inclusionCriteria: defaultList = .inclusion
            case .exclusionCriteria: defaultList = .exclusion
            default: return nil
            }
            return (text, Self.split(text.buffer, defaultList: defaultList))
        }
        // Sized exactly: a landscape holds every record's criteria until it is written.
        var result: [Criterion] = []
        result.reserveCapacity(split.reduce(0) { $0 + $1.1.count })
        for (text, spans) in split {
            for (i, span) in spans.enumerated() {
                let quote = text.buffer.substring(span.range).collapsingWhitespace
                // The source's own number ("9", "3.2", "b") where the item has one, so a reader
                // finds "item 9" by its "9."; else the item's position in the field.
                let locator = String.joined(text.locator(spanning: span.range), " item ", span.number.isEmpty ? String(i + 1) : span.number)
                result.append(
                    Criterion(
                        list: span.list, heading: span.heading, number: span.number, text: quote,
                        evidence: Evidence(file: file, locator: locator, quote: quote)))
            }
        }
        return result
    }

    // MARK: Patterns

    /// The longest line `lineHeading` is tried on (UTF-16 units): its prefix, the longest heading
    /// ("… criteria for" and 150 characters), and blanks around.
    static let longestHeadingLine = 400

    private static let headingWords = #"(?:(?:common|key|main|general|additional|other|specific|study|trial)\s+)?"#

    /// A line that is only a heading: "Inclusion Criteria:", "-INCLUSION CRITERIA:", "Exclusion Criteria
    /// for Relapsed/refractory IgA nephropathy", "Criteria for Recurrent/refractory …", "纳入标准：".
    private static let lineHeading = Pattern(
        #"^[\s\-–*#•>]*(\#(headingWords)(?:inclusion|exclusion|eligibility)(?:\s+criteri(?:a|on)(?:\s+(?:for|of|in)\s+.{1,150}?|\s*[-–(]?\s*(?:stage|part|cohort|arm|phase|group|step)\s*[\w.]{1,6}\)?)?)?|(?:(?:additional|specific|cohort[- ]specific)\s+)?criteria\s+for\s+.{1,150}?|纳入标准|排除标准|入选标准|入组标准)\s*[:：]?\s*$"#
    )
    /// A heading followed by items on the same line; the colon is required.
    private static let inlineHeading = Pattern(
        #"(?:^|(?<=[\s.;。；:：]))(\#(headingWords)(?:inclusion|exclusion)\s+criteri(?:a|on)(?:\s+(?:for|of|in)\s+[^:：;；.\n]{1,150}?)?|纳入标准|排除标准|入选标准|入组标准)\s*[:：]"#
    )
    /// An all-capitals label line such as "DISEASE CHARACTERISTICS:" or a cohort line "Part A:".
    private static let subheading = Pattern(
        #"^(?:[A-Z][A-Z0-9 ,/&()\-]{2,80}|(?:Cohort|Arm|Part|COHORT|ARM|PART)\s+[A-Za-z0-9]{1,4}\b[^.;\n]{0,80}?)\s*[:：]\s*$"#,
        caseSensitive: true
    )
    /// A list marker at the start of a line.
    static let lineMarker = Pattern(
        #"(?:([-*•·▪●○◦‣⁃–])(?=[ \t]*\S)[ \t]*|(\d{1,2})([.)、．])(?!\d)[ \t]*|[(（](\d{1,2})[)）][ \t]*|([a-zA-Z])([.)])(?=\s)[ \t]*|[(（]([a-zA-Z])[)）][ \t]*|([ivxIVX]{2,5})([.)])(?=\s)[ \t]*|[(（]([ivxIVX]{2,5})[)）][ \t]*|([a-h])[ \t]+(?=[A-Z]))"#,
        caseSensitive: true
    )
    /// A list marker inside a line (criteria run together in one paragraph). Numbers need sentence
    /// punctuation before them, so "ECOG 0 or 1. Patients" is not split; "1)" may follow a full stop
    /// directly ("… 60 mL/min.6)Serum …").
    static let inlineMarker = Pattern(
        #"(?:(?<=[;:；：])|(?<=[;:；：.。)）][ \t]{1,3}))(?:(\d{1,2})([.)、])(?!\d)[ \t]*(?=[A-Z(\p{Lo}"“])|[(（](\d{1,2})[)）][ \t]*(?=\S)|[(（]([ivx]{1,4})[)）][ \t]+(?=\S))|(?<=\s)([a-h])([.)])[ \t]+(?=[A-Z(])|(?<=[;；][ \t]{0,3})([a-h])[ \t]+(?=[A-Z])|(?<=\s)[(（]([a-h])[)）][ \t]+(?=\S)|(?<=[.。)）])(\d{1,2})\)(?=[A-Z\p{Lo}])"#,
        caseSensitive: true
    )
    /// "Subjects must meet all the following inclusion criteria to be eligible …:" introduces a list.
    private static let listIntroduction = Pattern(
        #"\b(?:inclusion|exclusion)\s+criteri(?:a|on)\b[^\n]{0,150}[:：]\s*$|\b(?:inclusion|exclusion|included|excluded)\b[^\n]{0,150}\bcriteri(?:a|on)\b[^\n]{0,60}[:：]\s*$"#
    )
    /// "For adolescent participants:" introduces a cohort subsection.
    private static let cohortIntroduction = Pattern(#"^for\s+[^.;:\n]{2,80}[:：]\s*$"#)
    private static let labelOnly = Pattern(#"^(?:eligibility|eligibility\s+criteria|criteria)\s*[:：]?$"#)

    private enum HeadingSentence { case subheading, listIntroduction }

    /// Every `lineHeading` alternative names one of these.
    private static let headingKeywords: [StaticString] = ["inclusion", "exclusion", "eligibility", "criteria", "标准"]
    /// Every `inlineHeading` alternative names one of these (and needs a colon).
    private static let inlineHeadingKeywords: [StaticString] = ["inclusion", "exclusion", "标准"]

    /// False when `lineMarker` cannot match at the start of `line`: a line starting with a word
    /// (an ASCII letter not followed by ".", ")", a space or a tab, and not a roman numeral
    /// letter) or with ASCII punctuation that starts no marker.
    private static func mayStartWithMarker(_ line: String) -> Bool {
        var it = line.utf8.makeIterator()
        guard let c0 = it.next() else { return false }
        if c0 >= 0x80 { return true }
        let isLetter = (c0 >= 0x41 && c0 <= 0x5A) || (c0 >= 0x61 && c0 <= 0x7A)
        if isLetter {
            if "ivxIVX".utf8.contains(c0) { return true }
            guard let c1 = it.next() else { return false }
            return c1 == 0x2E || c1 == 0x29 || c1 == 0x20 || c1 == 0x09
        }
        if c0 >= 0x30 && c0 <= 0x39 { return true }
        return c0 == 0x2D || c0 == 0x2A || c0 == 0x28
    }

    /// False when `inlineMarker` cannot match in the line whose `scalars` these are.
    static func mayHaveInlineMarker(_ scalars: [Unicode.Scalar]) -> Bool { !inlineMarkerStarts(scalars).isEmpty }

    /// Where an `inlineMarker` match may start in the line whose `scalars` these are (UTF-16
    /// offsets, ascending). Every alternative needs one of: sentence punctuation (`;:；：.。)）`)
    /// then at most three spaces or tabs then a digit or an opening parenthesis (the start); white
    /// space then a letter a–h (the start) then "." or ")"; white space then an opening parenthesis
    /// (the start), a letter a–h and a closing one; or a semicolon, at most three spaces or tabs, a
    /// letter a–h (the start) and a space or tab. Lines with numbers but none of these shapes ("Age
    /// ≥ 18 years") are most criteria lines; they never reach the regular expression, and in the
    /// others it is tried at these places only (its lookbehinds made it cost a try at every letter).
    static func inlineMarkerStarts(_ scalars: [Unicode.Scalar]) -> [Int] {
        func isDigit(_ v: UInt32) -> Bool { (v >= 0x30 && v <= 0x39) }
        func isDecimal(_ s: Unicode.Scalar) -> Bool { isDigit(s.value) || (s.value >= 0x80 && s.properties.numericType == .decimal) }
        func isLetterAH(_ v: UInt32) -> Bool { v >= 0x61 && v <= 0x68 }
        func isOpen(_ v: UInt32) -> Bool { v == 0x28 || v == 0xFF08 }
        func isClose(_ v: UInt32) -> Bool { v == 0x29 || v == 0xFF09 }
        func isBlank(_ v: UInt32) -> Bool { v == 0x20 || v == 0x09 }
        func isPunct(_ v: UInt32) -> Bool {
            v == 0x3B || v == 0x3A || v == 0xFF1B || v == 0xFF1A || v == 0x2E || v == 0x3002 || v == 0x29 || v == 0xFF09
        }
        // Scalar indices first; only non-ASCII scalars need Unicode properties.
        var found: [Int] = []
        let n = scalars.count
        for i in 0..<n {
            let v = scalars[i].value
            if isPunct(v) {
                var j = i + 1
                while j < n, j - i <= 3, isBlank(scalars[j].value) { j += 1 }
                if j < n, isDecimal(scalars[j]) || isOpen(scalars[j].value) {
                    found.append(j)
                } else if v == 0x3B || v == 0xFF1B, j + 1 < n, isLetterAH(scalars[j].value), isBlank(scalars[j + 1].value) {
                    found.append(j)
                }
            }
            if i + 2 < n, v == 0x20 || (v >= 0x09 && v <= 0x0D) || (v >= 0x80 && scalars[i].properties.isWhitespace) {
                let a = scalars[i + 1].value
                let b = scalars[i + 2].value
                if isLetterAH(a) && (b == 0x2E || b == 0x29) {
                    found.append(i + 1)
                } else if isOpen(a), i + 3 < n, isLetterAH(b), isClose(scalars[i + 3].value) {
                    found.append(i + 1)
                }
            }
        }
        guard !found.isEmpty else { return [] }
        // Scalar indices to UTF-16 offsets, in order and once each.
        found.sort()
        var starts: [Int] = []
        var offset = 0
        var k = 0
        for (i, scalar) in scalars.enumerated() where k < found.count {
            while k < found.count, found[k] == i {
                if starts.last != offset { starts.append(offset) }
                k += 1
            }
            offset += scalar.value > 0xFFFF ? 2 : 1
        }
        return starts
    }

    /// The matches of `inlineMarker` in `range` of `buffer`, tried only at `starts`
    /// (``inlineMarkerStarts(_:)``).
    static func inlineMarkerMatches(_ buffer: TextBuffer, starts: [Int], in range: NSRange) -> [NSTextCheckingResult] {
        buffer.matches(inlineMarker, in: range, startingAt: starts)
    }

    /// An unnumbered line that works as a heading: an all-capitals label, a sentence introducing an
    /// inclusion or exclusion list, or a "For … participants:" cohort line.
    private static func headingSentence(_ buffer: TextBuffer, _ line: NSRange) -> HeadingSentence? {
        guard line.length <= 220 else { return nil }
        // Necessary conditions first: `subheading` starts with an ASCII capital, `listIntroduction`
        // names "criteria"/"criterion", `cohortIntroduction` starts with "for" (any case; a
        // non-ASCII first letter is left to the pattern).
        let text = buffer.substring(line)
        let first = text.unicodeScalars.first?.value ?? 0
        if first >= 0x41 && first <= 0x5A, buffer.firstMatch(subheading, in: line, anchored: true) != nil {
            return .subheading
        }
        if Prefilter.mayContain(text, ["criteri"]), buffer.firstMatch(listIntroduction, in: line) != nil {
            return .listIntroduction
        }
        if first == 0x46 || first == 0x66 || first >= 0x80, buffer.firstMatch(cohortIntroduction, in: line, anchored: true) != nil {
            return .subheading
        }
        return nil
    }

    // MARK: Markers

    struct Marker: Equatable {
        /// Marker shape ("1.", "1)", "(1)", "a.", "(a)", "i.", "(i)", "•", "a"): items of one list share it.
        var style: String
        var ordinal: Int
        var label: String
        var range: NSRange
        /// Lettered and inline markers must continue a sequence (or start one) to count.
        var needsSequence: Bool
    }

    private static func letterOrdinal(_ s: String) -> Int {
        Int(s.lowercased().unicodeScalars.first!.value) - 96
    }

    private static func romanOrdinal(_ s: String) -> Int {
        let values: [Character: Int] = ["i": 1, "v": 5, "x": 10]
        var total = 0
        var previous = 0
        for ch in s.lowercased().reversed() {
            let v = values[ch] ?? 0
            total += v < previous ? -v : v
            previous = max(previous, v)
        }
        return total
    }

    static func lineMarker(_ m: NSTextCheckingResult, _ b: TextBuffer) -> Marker {
        func g(_ i: Int) -> String? { b.group(m, i) }
        if g(1) != nil { return Marker(style: "•", ordinal: 0, label: "", range: m.range, needsSequence: false) }
        if let n = g(2) { return Marker(style: "1" + (g(3) ?? "."), ordinal: Int(n) ?? 0, label: n, range: m.range, needsSequence: false) }
        if let n = g(4) { return Marker(style: "(1)", ordinal: Int(n) ?? 0, label: n, range: m.range, needsSequence: false) }
        if let l = g(5) { return Marker(style: "a" + (g(6) ?? "."), ordinal: letterOrdinal(l), label: l, range: m.range, needsSequence: false) }
        if let l = g(7) { return Marker(style: "(a)", ordinal: letterOrdinal(l), label: l, range: m.range, needsSequence: false) }
        if let r = g(8) { return Marker(style: "i" + (g(9) ?? "."), ordinal: romanOrdinal(r), label: r, range: m.range, needsSequence: false) }
        if let r = g(10) { return Marker(style: "(i)", ordinal: romanOrdinal(r), label: r, range: m.range, needsSequence: false) }
        let l = g(11) ?? "a"
        return Marker(style: "a", ordinal: letterOrdinal(l), label: l, range: m.range, needsSequence: true)
    }

    /// What ``leadingMarker(_:)`` found: a marker, none, or a question only `lineMarker` answers.
    enum LeadingMarker: Equatable {
        case none
        case marker(Marker)
        case undecided
    }

    /// `lineMarker` matched at the start of the line whose `scalars` these are, by hand: the expression ran on nearly every
    /// criteria line, and its setup and eleven capture groups cost more than the line's few
    /// characters. Decides lines whose marker is ASCII; a step that meets a non-ASCII character
    /// (another bullet or digit, full-width punctuation, Unicode white space) is `undecided`.
    /// White space in ASCII is what ICU's `\s` takes: tab, line feed, vertical tab, form feed,
    /// carriage return and space.
    static func leadingMarker(_ scalars: [Unicode.Scalar]) -> LeadingMarker {
        let n = scalars.count
        func at(_ i: Int) -> UInt32? { i < n ? scalars[i].value : nil }
        func isASCIIDigit(_ v: UInt32) -> Bool { v >= 0x30 && v <= 0x39 }
        func isLetter(_ v: UInt32) -> Bool { (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) }
        func isRoman(_ v: UInt32) -> Bool { [0x69, 0x76, 0x78, 0x49, 0x56, 0x58].contains(v) }
        func isSpace(_ v: UInt32) -> Bool { (v >= 0x09 && v <= 0x0D) || v == 0x20 }
        func text(_ from: Int, _ to: Int) -> String { String(String.UnicodeScalarView(scalars[from..<to])) }
        /// Past the spaces and tabs from `i`.
        func blanks(_ i: Int) -> Int {
            var i = i
            while let v = at(i), v == 0x20 || v == 0x09 { i += 1 }
            return i
        }
        /// `(?=\s)` at `i`: true, false, or nil when a non-ASCII character decides it.
        func spaceFollows(_ i: Int) -> Bool? {
            guard let v = at(i) else { return false }
            return v >= 0x80 ? nil : isSpace(v)
        }
        func marker(_ style: String, _ ordinal: Int, _ label: String, end: Int, needsSequence: Bool = false) -> LeadingMarker {
            .marker(Marker(style: style, ordinal: ordinal, label: label, range: NSRange(location: 0, length: end), needsSequence: needsSequence))
        }
        guard let first = at(0), first < 0x80 else { return .undecided }
        // Every character a marker decided here consumes is ASCII: its length in scalars is its
        // length in UTF-16 units.
        switch first {
        case 0x2D, 0x2A:  // "-", "*": a bullet, then something that is not white space.
            let i = blanks(1)
            guard let v = at(i) else { return .none }
            if v >= 0x80 { return .undecided }
            return isSpace(v) ? .none : marker("•", 0, "", end: i)
        case 0x30...0x39:  // "1." "12)"
            var i = 0
            while let v = at(i), isASCIIDigit(v) { i += 1 }
            if let v = at(i), v >= 0x80 { return .undecided }
            guard i <= 2, let p = at(i), p == 0x2E || p == 0x29 else { return .none }
            if let v = at(i + 1) {
                if v >= 0x80 { return .undecided }
                if isASCIIDigit(v) { return .none }
            }
            let digits = text(0, i)
            return marker("1" + text(i, i + 1), Int(digits) ?? 0, digits, end: blanks(i + 1))
        case 0x28:  // "(1)" "(a)" "(ii)"
            var i = 1
            while let v = at(i), v < 0x80, isASCIIDigit(v) || isLetter(v) { i += 1 }
            guard let close = at(i) else { return .none }
            if close >= 0x80 { return .undecided }
            guard close == 0x29 else { return .none }
            let inner = scalars[1..<i].map(\.value)
            let label = text(1, i)
            if (1...2).contains(inner.count), inner.allSatisfy(isASCIIDigit) {
                return marker("(1)", Int(label) ?? 0, label, end: blanks(i + 1))
            }
            if inner.count == 1, isLetter(inner.first!) {
                return marker("(a)", letterOrdinal(label), label, end: blanks(i + 1))
            }
            if (2...5).contains(inner.count), inner.allSatisfy(isRoman) {
                return marker("(i)", romanOrdinal(label), label, end: blanks(i + 1))
            }
            return .none
        default:
            guard isLetter(first) else { return .none }
            // "a." "b)" then white space.
            if let p = at(1), p == 0x2E || p == 0x29 {
                guard let follows = spaceFollows(2) else { return .undecided }
                if follows { return marker("a" + text(1, 2), letterOrdinal(text(0, 1)), text(0, 1), end: blanks(2)) }
            }
            // "ii." "iv)" then white space.
            var r = 0
            while let v = at(r), isRoman(v) { r += 1 }
            if (2...5).contains(r), let p = at(r), p == 0x2E || p == 0x29 {
                guard let follows = spaceFollows(r + 1) else { return .undecided }
                if follows { return marker("i" + text(r, r + 1), romanOrdinal(text(0, r)), text(0, r), end: blanks(r + 1)) }
            }
            // "a  Text": a–h, blanks, a capital.
            if first >= 0x61 && first <= 0x68 {
                let i = blanks(1)
                if i > 1, let v = at(i), v >= 0x41 && v <= 0x5A {
                    return marker("a", letterOrdinal(text(0, 1)), text(0, 1), end: i, needsSequence: true)
                }
            }
            return .none
        }
    }

    private static func inlineMarker(_ m: NSTextCheckingResult, _ b: TextBuffer) -> Marker {
        func g(_ i: Int) -> String? { b.group(m, i) }
        if let n = g(1) { return Marker(style: "1" + (g(2) ?? "."), ordinal: Int(n) ?? 0, label: n, range: m.range, needsSequence: true) }
        if let n = g(3) { return Marker(style: "(1)", ordinal: Int(n) ?? 0, label: n, range: m.range, needsSequence: true) }
        if let r = g(4) { return Marker(style: "(i)", ordinal: romanOrdinal(r), label: r, range: m.range, needsSequence: true) }
        if let l = g(5) { return Marker(style: "a" + (g(6) ?? "."), ordinal: letterOrdinal(l), label: l, range: m.range, needsSequence: true) }
        if let l = g(7) { return Marker(style: "a", ordinal: letterOrdinal(l), label: l, range: m.range, needsSequence: true) }
        if let l = g(8) { return Marker(style: "(a)", ordinal: letterOrdinal(l), label: l, range: m.range, needsSequence: true) }
        let n = g(9) ?? "0"
        return Marker(style: "1)", ordinal: Int(n) ?? 0, label: n, range: m.range, needsSequence: true)
    }

    // MARK: Splitting

    private enum Token {
        case heading(String, NSRange)
        case marker(Marker)

        var range: NSRange {
            switch self {
            case .heading(_, let r): r
            case .marker(let m): m.range
            }
        }
    }

    /// Lines shorter than this (UTF-16 units) are not wrapped at a fixed width (registries wrap at
    /// about 70 columns).
    static let shortLine = 50
    /// Lines longer than this (UTF-16 units) are never wrapped at a fixed width.
    static let unwrappedLine = 100
    /// Words and marks that leave a line open: it goes on in the next ("Patients with" / "Diabetes").
    private static let joiningWords: Set<[UInt8]> = Set(
        ["and", "or", "with", "of", "the", "to", "in", "for", "by", "at", "than", "a", "an", "who", "which", "that"].map { Array($0.utf8) })

    /// Whether `line` (trimmed) ends with a joining word or mark; reads the last bytes only.
    static func endsOpen(_ line: String) -> Bool {
        if line.hasSuffix("–") { return true }
        var word: [UInt8] = []
        for b in line.utf8.reversed() {
            if word.isEmpty, ",-/(&+".utf8.contains(b) { return true }
            let lower = b | 0x20
            guard lower >= 0x61, lower <= 0x7A else { break }
            word.append(lower)
            if word.count > 5 { return false }
        }
        return joiningWords.contains(word.reversed())
    }

    /// Splits one criteria text. Items before any heading are in `defaultList`.
    static func split(_ buffer: TextBuffer, defaultList: CriteriaList) -> [Span] {
        var state = SplitState(list: defaultList)
        let lines = buffer.lineRanges()
        let contents = lines.map(buffer.trimmed)
        let width = contents.lazy.map(\.length).max() ?? 0
        // A text with a line longer than any fixed wrap width was not wrapped: each of its lines
        // ends where its writer ended it, however long.
        let unwrapped = width > unwrappedLine
        // Nor was a text of several lines that all stop well short of any wrap width.
        let allShort = lines.count > 1 && width < shortLine
        // A text wrapped greedily at some width never has a line to which the next line's first
        // word would still have fitted: such a line was ended by its writer. The widest line is a
        // lower estimate of the width, so a wrapped line is never taken as ended.
        func firstWordLength(_ index: Int) -> Int? {
            guard index < contents.count, contents[index].length > 0 else { return nil }
            let r = contents[index]
            var n = 0
            while n < r.length, !TextBuffer.isSpace(buffer.unit(at: r.location + n)) { n += 1 }
            return n
        }
        for (index, line) in lines.enumerated() {
            let content = contents[index]
            guard content.length > 0 else {
                state.blankBefore = true
                continue
            }
            let indent = content.location - line.location
            // Patterns run on the line alone: matching on the whole text once per line would make
            // long criteria quadratic. Ranges are shifted back by `offset`.
            let lb = TextBuffer(buffer.substring(content))
            let offset = content.location
            func shifted(_ r: NSRange) -> NSRange { NSRange(location: r.location + offset, length: r.length) }

            // Cheap checks first: each pattern below needs a word, a colon or a marker character
            // that most lines lack (see `Prefilter`).
            let hasColon = Prefilter.containsExactly(lb.string, [":", "："])
            // A heading line is short (its longest form is under 300 characters): on a line of
            // 100k blanks the pattern backtracks through every way to end it.
            if lb.length <= Self.longestHeadingLine, Prefilter.mayContain(lb.string, headingKeywords),
                let h = lb.firstMatch(lineHeading, anchored: true), h.range.end == lb.length
            {
                state.applyHeading(lb.substring(h.range(at: 1)))
                state.endLine(endsSentence: true)
                continue
            }
            // The line's scalars, for both marker checks.
            let scalars = Array(lb.string.unicodeScalars)
            var leadingMarker: Marker?
            if mayStartWithMarker(lb.string) {
                switch Self.leadingMarker(scalars) {
                case .none: leadingMarker = nil
                case .marker(let m): leadingMarker = m
                case .undecided: leadingMarker = lb.firstMatch(lineMarker, anchored: true).map { lineMarker($0, lb) }
                }
            }
            if leadingMarker == nil, hasColon, let kind = headingSentence(lb, lb.fullRange) {
                state.applyHeading(lb.string, changesList: kind == .listIntroduction)
                state.endLine(endsSentence: true)
                continue
            }
            // An item starts with anything but a lower-case letter: a capital, a digit, a comparator
            // (">= 18 years"), a bracket.
            // In a text that was not wrapped, a line its writer ended starts an item however it opens
            // ("over 18 years" / "successful angioplasty …"), unless the previous line ends open.
            state.lineStartsItem =
                unwrapped || allShort
                || (scalars.first.map { !CharacterSet.lowercaseLetters.contains($0) } ?? false)
            var tokens: [Token] = []
            var restStart = 0
            if var marker = leadingMarker {
                restStart = marker.range.end
                marker.range = shifted(marker.range)
                tokens.append(.marker(marker))
            }
            let rest = NSRange(from: restStart, to: lb.length)
            let headings =
                hasColon && Prefilter.mayContain(lb.string, inlineHeadingKeywords)
                ? lb.matches(inlineHeading, in: rest) : []
            for h in headings { tokens.append(.heading(lb.substring(h.range(at: 1)), shifted(h.range))) }
            for m in Self.inlineMarkerMatches(lb, starts: Self.inlineMarkerStarts(scalars), in: rest)
            where !headings.contains(where: { NSIntersectionRange($0.range, m.range).length > 0 }) {
                var marker = inlineMarker(m, lb)
                marker.range = shifted(marker.range)
                tokens.append(.marker(marker))
            }
            tokens.sort { $0.range.location < $1.range.location }

            var cursor = content.location
            for token in tokens {
                switch token {
                case .heading(let text, let r):
                    if r.location > cursor { state.addText(NSRange(from: cursor, to: r.location), startsLine: cursor == content.location) }
                    state.applyHeading(text)
                case .marker(let marker):
                    guard state.accepts(marker) else { continue }
                    if marker.range.location > cursor {
                        state.addText(NSRange(from: cursor, to: marker.range.location), startsLine: cursor == content.location)
                    }
                    state.start(marker, indent: indent)
                }
                cursor = token.range.end
            }
            if cursor < content.end {
                state.addText(NSRange(from: cursor, to: content.end), startsLine: cursor == content.location)
            }
            let last = buffer.unit(at: content.end - 1)
            state.endLine(
                endsSentence: [0x2E, 0x3B, 0x3A, 0x3002, 0xFF1B, 0xFF1A].contains(last),
                short: (unwrapped || content.length < shortLine
                    || firstWordLength(index + 1).map { content.length + 1 + $0 <= width } ?? false)
                    && !endsOpen(lb.string))
        }
        state.close()
        return state.spans.compactMap { span in
            let r = buffer.trimmed(span.range)
            guard r.length > 0 else { return nil }
            let text = buffer.substring(r).collapsingWhitespace
            if Prefilter.mayContain(text, ["eligibility", "criteria"]), TextBuffer(text).firstMatch(labelOnly) != nil { return nil }
            var s = span
            s.range = r
            return s
        }
    }

    /// Parse state while walking the lines of one criteria text.
    private struct SplitState {
        struct Level {
            var style: String
            var ordinal: Int
            var label: String
            var indent: Int
        }

        struct OpenItem {
            var start: Int
            var end: Int
            var number: String
            /// Started by a list marker; such items absorb following unmarked lines.
            var marked: Bool
        }

        var list: CriteriaList
        var heading: String?
        var stack: [Level] = []
        var spans: [Span] = []
        var open: OpenItem?
        var blankBefore = false
        var previousEndedSentence = false
        /// The previous line was short and ended without a joining word: a list written one item a
        /// line without markers ("18 years or older" / "Chest radiograph showing …"), not a line
        /// wrapped at a fixed width, which runs close to the width.
        var previousShort = false
        /// The current line starts as an item does, not with a lower-case letter.
        var lineStartsItem = false

        init(list: CriteriaList) { self.list = list }

        mutating func close() {
            guard let o = open else { return }
            spans.append(Span(list: list, heading: heading, number: o.number, range: NSRange(from: o.start, to: o.end)))
            open = nil
        }

        mutating func endLine(endsSentence: Bool, short: Bool = false) {
            blankBefore = false
            previousEndedSentence = endsSentence
            previousShort = short
        }

        /// A heading closes the current item, resets numbering and may switch the list: "exclu…"
        /// or "Non-inclusion" → exclusion, "inclu…" → inclusion; neutral headings ("Criteria for …")
        /// keep the list.
        mutating func applyHeading(_ raw: String, changesList: Bool = true) {
            close()
            stack.removeAll()
            var text = raw.collapsingWhitespace
            while let first = text.first, "-–*#•> ".contains(first) { text.removeFirst() }
            while let last = text.last, ":： ".contains(last) { text.removeLast() }
            if changesList {
                // Byte searches: `String.contains` goes through `NSString` here.
                let lower = text.lowercased()
                if Prefilter.containsExactly(lower, ["exclu", "non-inclu", "non inclu", "not be included", "ineligib"])
                    || Prefilter.containsExactly(text, ["排除"])
                {
                    list = .exclusion
                } else if Prefilter.containsExactly(lower, ["inclu"]) || Prefilter.containsExactly(text, ["纳入", "入选", "入组"]) {
                    list = .inclusion
                }
            }
            heading = text.isEmpty ? nil : text
        }

        /// Text that is not a marker: continues the open item, or starts an unnumbered one when the
        /// open item is itself unnumbered and the line starts a new sentence or paragraph.
        mutating func addText(_ range: NSRange, startsLine: Bool) {
            if var o = open, o.marked || !(startsLine && (blankBefore || previousEndedSentence || (previousShort && lineStartsItem))) {
                o.end = range.end
                open = o
                return
            }
            close()
            open = OpenItem(start: range.location, end: range.end, number: "", marked: false)
        }

        /// Whether a lettered or inline marker continues a list (or starts one at 1), so that
        /// "a" as an article or "2." in prose is not read as a marker.
        func accepts(_ m: Marker) -> Bool {
            guard m.needsSequence else { return true }
            if m.ordinal == 1 { return true }
            if stack.isEmpty && open == nil { return true }
            return stack.contains { $0.style == m.style && $0.ordinal == m.ordinal - 1 }
        }

        /// Starts a new item at `marker`, placing it in the numbering hierarchy.
        mutating func start(_ marker: Marker, indent: Int) {
            close()
            var m = marker
            if m.style.hasPrefix("a"), m.label.count == 1, "ivxIVX".contains(m.label) {
                let letterLevel = stack.contains { $0.style == m.style && $0.ordinal == m.ordinal - 1 }
                if !letterLevel, m.label.lowercased() == "i" || stack.contains(where: { $0.style.hasPrefix("i") }) {
                    m.style = "i" + m.style.dropFirst()
                    m.ordinal = m.label.lowercased() == "i" ? 1 : (m.label.lowercased() == "v" ? 5 : 10)
                }
            }
            place(m, indent: indent)
            let number = m.style == "•" ? "" : stack.filter { $0.style != "•" }.map(\.label).joined(separator: ".")
            open = OpenItem(start: marker.range.end, end: marker.range.end, number: number, marked: true)
        }

        private mutating func place(_ m: Marker, indent: Int) {
            let level = Level(style: m.style, ordinal: m.ordinal, label: m.label, indent: indent)
            while let top = stack.last, top.indent > indent { stack.removeLast() }
            guard let top = stack.last, top.indent == indent else {
                stack.append(level)
                return
            }
            if top.style == m.style && (m.style == "•" || m.ordinal == top.ordinal + 1) {
                stack[stack.count - 1] = level
            } else if let i = stack.lastIndex(where: { $0.style == m.style && $0.indent == indent && m.ordinal == $0.ordinal + 1 }) {
                stack.removeSubrange((i + 1)...)
                stack[i] = level
            } else if m.ordinal == 1 || m.style != top.style {
                stack.append(level)
            } else {
                stack[stack.count - 1] = level
            }
        }
    }
}
