import TrialSupport

/// The source formats trialdiff reads. The raw value is what reports and JSON show.
public enum SourceFormat: String, Codable, Sendable, Hashable, CaseIterable {
    case ctgovXML = "ctgov-xml"
    case ctgovJSON = "ctgov-json-v2"
    case ctgovClassicJSON = "ctgov-json-classic-v1"
    case ctgovRSS = "ctgov-rss"
    case registryHTML = "html"
    case chictrHTML = "chictr-html"
    case plainText = "text"
}

/// Canonical names of the fields a reader fills from a record's structure.
///
/// Readers map each registry's own labels ("Total Enrollment", `enrollmentInfo.count`,
/// "Age group") onto these keys; extraction interprets the values.
public enum FieldKey: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    case nctID = "nct_id"
    case chictrID = "chictr_id"
    case otherID = "other_id"
    case orgStudyID = "org_study_id"
    case title
    case officialTitle = "official_title"
    case acronym
    case status
    case phase
    case studyType = "study_type"
    case enrollment
    case enrollmentType = "enrollment_type"
    case minimumAge = "minimum_age"
    case maximumAge = "maximum_age"
    /// An age band written as one string, e.g. "18 Years to 65 Years" or "18-70 years".
    case ageBand = "age_band"
    case sex
    case healthyVolunteers = "healthy_volunteers"
    case sponsor
    case collaborator
    case condition
    case keyword
    case intervention
    case interventionDescription = "intervention_description"
    case armDescription = "arm_description"
    case startDate = "start_date"
    case primaryCompletionDate = "primary_completion_date"
    case completionDate = "completion_date"
    case firstPosted = "first_posted"
    case lastUpdate = "last_update"
    case verifiedDate = "verified_date"
    case summary
    case description
    case criteria
    case inclusionCriteria = "inclusion_criteria"
    case exclusionCriteria = "exclusion_criteria"
    case primaryOutcome = "primary_outcome"
    case secondaryOutcome = "secondary_outcome"
    case location
    case country
    /// Text of page parts trialdiff does not interpret (related-trial lists, contact forms,
    /// FAQs), kept so that review rules can spot scrape debris such as `{{SITE_NAME}}`.
    case unclassified

    public static func < (lhs: FieldKey, rhs: FieldKey) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// One labelled piece of a record: a structured field or a section of free text.
public struct SourceField: Codable, Sendable, Hashable {
    public var key: FieldKey
    /// The text as it stands in the source, whitespace-normalized but otherwise untouched.
    public var value: String
    /// XPath, JSON pointer or line range of the value in `SourceRecord.file`.
    public var locator: String
    /// First line of the value in the file, when the reader knows it (1-based).
    public var line: Int?

    public init(key: FieldKey, value: String, locator: String, line: Int? = nil) {
        self.key = key
        self.value = value
        self.locator = locator
        self.line = line
    }
}

/// What a reader returns for one trial record in one input file: labelled fields, each with its
/// locator, and no interpretation yet.
public struct SourceRecord: Codable, Sendable, Hashable {
    /// Input file path (as reported to the user).
    public var file: String
    public var format: SourceFormat
    /// Position of the record in a multi-record file (0 for single-record files).
    public var index: Int
    public var fields: [SourceField]
    /// Reader warnings that did not stop reading (HTML recovered from errors, unknown layout).
    public var warnings: [String]

    public init(file: String, format: SourceFormat, index: Int = 0, fields: [SourceField] = [], warnings: [String] = []) {
        self.file = file
        self.format = format
        self.index = index
        self.fields = fields
        self.warnings = warnings
    }

    /// All fields with `key`, in document order: a view, not a copy (the normalizer asks for
    /// some twenty keys of every record, and most keys have one field or none).
    public func fields(_ key: FieldKey) -> LazyFilterSequence<[SourceField]> { fields.lazy.filter { $0.key == key } }

    /// The first field with `key`.
    public func first(_ key: FieldKey) -> SourceField? { fields.first { $0.key == key } }

    /// The most of one field's value kept, in UTF-8 bytes: no registry field is near it (the
    /// longest real descriptions are tens of KB), and a 200 MB title would otherwise be copied
    /// into every report and the state. A longer value is cut, with a warning.
    public static let maxFieldBytes = 1 << 20

    /// `value` cut to ``maxFieldBytes`` at a character boundary, with a warning when cut.
    public mutating func capped(_ key: FieldKey, _ value: String, locator: String) -> String {
        guard value.utf8.count > Self.maxFieldBytes else { return value }
        var end = value.utf8.index(value.utf8.startIndex, offsetBy: Self.maxFieldBytes)
        while end > value.startIndex, end.samePosition(in: value.unicodeScalars) == nil { end = value.utf8.index(before: end) }
        warnings.append(
            "\(key.rawValue) (\(locator)) is \(value.utf8.count) bytes; only its first \(Self.maxFieldBytes) bytes are read")
        return String(value[..<end])
    }

    /// Adds a field unless its value is empty after trimming.
    public mutating func add(_ key: FieldKey, _ value: String?, locator: String, line: Int? = nil) {
        guard let raw = value else { return }
        let cleaned = capped(key, raw, locator: locator).collapsingWhitespace
        guard !cleaned.isEmpty else { return }
        fields.append(SourceField(key: key, value: cleaned, locator: locator, line: line))
    }

    /// Adds a free-text field keeping its line structure (criteria, descriptions), trimming only
    /// trailing spaces of each line and blank lines at the ends.
    public mutating func addText(_ key: FieldKey, _ value: String?, locator: String, line: Int? = nil) {
        guard let raw = value else { return }
        let cleaned = capped(key, raw, locator: locator).trimmingBlankLines
        guard !cleaned.isEmpty else { return }
        fields.append(SourceField(key: key, value: cleaned, locator: locator, line: line))
    }

    /// Evidence for a field, quoting `quote` (default: the whole field value).
    public func evidence(_ field: SourceField, quote: String? = nil) -> Evidence {
        Evidence(file: file, locator: field.locator, quote: (quote ?? field.value).collapsingWhitespace)
    }
}

extension String {
    /// Runs of whitespace (including newlines and no-break spaces) collapsed to one space, trimmed.
    /// Text whose Characters are single scalars (nearly all registry text, see `TextScan`) takes
    /// a byte-level path; the rest walks Characters.
    ///
    /// Text that is already collapsed is returned as it is, sharing its storage; other text gets
    /// storage of exactly its collapsed length (quotes of every record stay in memory until the
    /// reports are written).
    public var collapsingWhitespace: String {
        var copy = self
        guard copy.withUTF8({ TextScan.isOneScalarPerCharacter($0) }) else { return collapsingWhitespaceByLine }
        return collapsingWhitespaceBytes
    }

    /// The byte path of `collapsingWhitespace`, for text already known to be one scalar per
    /// `Character`.
    private var collapsingWhitespaceBytes: String {
        var copy = self
        return copy.withUTF8 { b in
            // Writes the collapsed bytes through `emit` and returns their count.
            func collapse(_ emit: (Int, UInt8) -> Void) -> Int {
                let n = b.count
                var k = 0
                var pending = false
                var i = 0
                while i < n {
                    let c = b[i]
                    if c == 0x20 || (c >= 0x09 && c <= 0x0D) {
                        pending = k > 0
                        i += 1
                    } else if TextScan.isNoBreakSpace(b, at: i) {
                        pending = k > 0
                        i += 2
                    } else {
                        if pending {
                            emit(k, 0x20)
                            k += 1
                        }
                        pending = false
                        emit(k, c)
                        k += 1
                        i += 1
                    }
                }
                return k
            }
            if TextScan.isCollapsed(b) { return self }
            let count = collapse { _, _ in }
            return String(unsafeUninitializedCapacity: count) { out in collapse { out[$0] = $1 } }
        }
    }

    /// `collapsingWhitespace` for text the byte path cannot take as a whole, one line at a time:
    /// a `Character` never spans a line feed (only CR LF joins, and both are white space), so
    /// only the lines that hold a scalar the byte path cannot take go by `Character`, which costs
    /// a Unicode property lookup per character (a mutated 800 KB page took 0.1 s that way).
    var collapsingWhitespaceByLine: String {
        var words: [String] = []
        for line in utf8.split(separator: 0x0A) {
            let piece = String(decoding: line, as: UTF8.self)
            var copy = piece
            let collapsed =
                copy.withUTF8({ TextScan.isOneScalarPerCharacter($0) }) ? piece.collapsingWhitespaceBytes : piece.collapsingWhitespaceCharacters
            if !collapsed.isEmpty { words.append(collapsed) }
        }
        return words.joined(separator: " ")
    }

    /// `collapsingWhitespace` by `Character`s: the reference the byte path is tested against.
    var collapsingWhitespaceCharacters: String {
        var out = ""
        out.reserveCapacity(utf8.count)
        var pendingSpace = false
        for ch in self {
            if ch.isWhitespace {
                pendingSpace = !out.isEmpty
            } else {
                if pendingSpace { out.append(" ") }
                pendingSpace = false
                out.append(ch)
            }
        }
        return out
    }

    /// Lines (ended by LF or CR LF) with trailing whitespace removed, leading and trailing blank
    /// lines dropped, and common leading indentation removed. Text whose Characters are single
    /// scalars takes a byte-level path (see `TextScan`); the rest walks Characters.
    public var trimmingBlankLines: String {
        var copy = self
        guard copy.withUTF8({ TextScan.isOneScalarPerCharacter($0) }) else { return trimmingBlankLinesCharacters }
        let trimmed = copy.withUTF8 { b -> String? in
            func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0B || c == 0x0C }
            // Each line as (start, end) with trailing whitespace (a no-break space too) cut.
            var lines: [(Int, Int)] = []
            // Whether any line had trailing blanks cut.
            var cut = false
            var start = 0
            for i in 0...b.count where i == b.count || b[i] == 0x0A {
                var end = i
                while end > start {
                    if isSpace(b[end - 1]) {
                        end -= 1
                    } else if end - 2 >= start, TextScan.isNoBreakSpace(b, at: end - 2) {
                        end -= 2
                    } else {
                        break
                    }
                }
                lines.append((start, end))
                cut = cut || end != i
                start = i + 1
            }
            let first = lines.firstIndex { $0.0 != $0.1 } ?? lines.endIndex
            let last = lines.lastIndex { $0.0 != $0.1 }.map { $0 + 1 } ?? first
            // No blank line at either end.
            let allLines = first == 0 && last == lines.count
            lines = Array(lines[first..<max(first, last)])
            var common = Int.max
            for (s, e) in lines where s < e {
                var n = 0
                while s + n < e, b[s + n] == 0x20 || b[s + n] == 0x09 { n += 1 }
                common = min(common, n)
            }
            if common == Int.max { common = 0 }
            // Nothing to cut (most fields): the text itself, not a copy.
            if common == 0, allLines, !cut { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            for (index, (s, e)) in lines.enumerated() {
                if index > 0 { out.append(0x0A) }
                if s < e { out.append(contentsOf: b[(s + common)..<e]) }
            }
            return String(decoding: out, as: UTF8.self)
        }
        return trimmed ?? self
    }

    /// `trimmingBlankLines` by `Character`s: the reference the byte path is tested against.
    /// CR LF (one `Character`) ends a line as LF does.
    var trimmingBlankLinesCharacters: String {
        var lines = self.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).map {
            line -> Substring in
            // Walked back by index: `dropLast()` per character measured the line each time.
            var end = line.endIndex
            while end > line.startIndex {
                let before = line.index(before: end)
                guard line[before].isWhitespace else { break }
                end = before
            }
            return line[..<end]
        }
        // Sliced, not removed one at a time from the front: that is quadratic in the number of
        // blank lines (a fuzzed page of 370 KB took 12 s).
        let first = lines.firstIndex { !$0.isEmpty } ?? lines.endIndex
        let last = lines.lastIndex { !$0.isEmpty }.map { $0 + 1 } ?? first
        lines = Array(lines[first..<max(first, last)])
        let indents = lines.filter { !$0.isEmpty }.map { $0.prefix(while: { $0 == " " || $0 == "\t" }).count }
        let common = indents.min() ?? 0
        return lines.map { $0.isEmpty ? "" : String($0.dropFirst(common)) }.joined(separator: "\n")
    }
}

/// Byte-level facts about UTF-8 text that let text helpers skip `Character` iteration while
/// giving the same result.
public enum TextScan {
    /// Non-ASCII scalars that always form a `Character` of their own, whatever surrounds them: no
    /// combining mark, joiner, variation selector, prepended mark, regional indicator, Hangul
    /// jamo or emoji modifier is among them, so a string made of them and ASCII breaks into
    /// one-scalar `Character`s (apart from CR LF). Latin-1 Supplement and Latin Extended-A/B,
    /// Greek, general punctuation (dashes, quotes, bullets, ‰, ′), letterlike symbols, arrows and
    /// mathematical operators (≥, ≤, ±, ×). Among them only U+00A0 (no-break space) is
    /// white space.
    public static func isStandalone(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x00A0...0x024F, 0x0370...0x03FF, 0x2010...0x2027, 0x2030...0x205E, 0x2100...0x214F,
            0x2190...0x21FF, 0x2200...0x22FF:
            true
        // C1 controls, but for NEL (white space): a file that is not UTF-8 is read as ISO 8859-1,
        // which turns its bytes 80–9F into them.
        case 0x0080...0x0084, 0x0086...0x009F:
            true
        // CJK punctuation, kana, ideographs and full-width forms (Chinese registry text), without
        // the ideographic space and the marks that join the character before them (U+302A–302F,
        // U+3099–309A, U+FF9E–FF9F); the private use area (U+F0B7 is Word's Symbol-font bullet);
        // the replacement character that stands for bytes that were not UTF-8.
        case 0x3001...0x3029, 0x3030...0x3098, 0x309B...0x30FF, 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xE000...0xF8FF,
            0xFF01...0xFF9D, 0xFFFD:
            true
        default: false
        }
    }

    /// True when every `Character` of the (valid UTF-8) text is one scalar, apart from CR LF:
    /// the text is ASCII plus ``isStandalone(_:)`` scalars. ASCII passes eight bytes a step; only
    /// the other scalars are decoded.
    public static func isOneScalarPerCharacter(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return true }
        let n = b.count
        var i = 0
        while i < n {
            if i + 8 <= n, ByteWord.load(base, at: i) & ByteWord.highBits == 0 {
                i += 8
            } else if b[i] < 0x80 {
                i += 1
            } else {
                let (value, next) = ByteWord.scalar(in: b, at: i)
                guard let scalar = Unicode.Scalar(value), isStandalone(scalar) else { return false }
                i = next
            }
        }
        return true
    }

    /// True when white space in the (one-scalar-per-`Character`) text is already collapsed: only
    /// single spaces between other characters, no tab, line break or no-break space.
    public static func isCollapsed(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let first = b.first, let last = b.last, let base = b.baseAddress else { return true }
        if first == 0x20 || last == 0x20 { return false }
        let n = b.count
        var previousSpace = false
        var i = 0
        while i < n {
            // Eight ASCII bytes without a control character: only their spaces matter.
            if i + 8 <= n {
                let w = ByteWord.load(base, at: i)
                if w & ByteWord.highBits == 0, ByteWord.asciiBytes(w, below: 0x20) == 0 {
                    let spaces = ByteWord.bytes(w, equalTo: 0x20)
                    if spaces & (spaces << 8) != 0 || (previousSpace && spaces & 0x80 != 0) { return false }
                    previousSpace = spaces >> 63 != 0
                    i += 8
                    continue
                }
            }
            for k in i..<min(n, i + 8) {
                let c = b[k]
                if c == 0x20 {
                    if previousSpace { return false }
                    previousSpace = true
                } else {
                    if (c >= 0x09 && c <= 0x0D) || isNoBreakSpace(b, at: k) { return false }
                    previousSpace = false
                }
            }
            i += 8
        }
        return true
    }

    /// True when U+00A0 (UTF-8 C2 A0), the one white-space ``isStandalone(_:)`` scalar, starts at `i`.
    @inline(__always)
    public static func isNoBreakSpace(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        i + 1 < b.count && b[i] == 0xC2 && b[i + 1] == 0xA0
    }
}
