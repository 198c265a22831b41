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

    /// All fields with `key`, in document order.
    public func fields(_ key: FieldKey) -> [SourceField] { fields.filter { $0.key == key } }

    /// The first field with `key`.
    public func first(_ key: FieldKey) -> SourceField? { fields.first { $0.key == key } }

    /// Adds a field unless its value is empty after trimming.
    public mutating func add(_ key: FieldKey, _ value: String?, locator: String, line: Int? = nil) {
        guard let value else { return }
        let cleaned = value.collapsingWhitespace
        guard !cleaned.isEmpty else { return }
        fields.append(SourceField(key: key, value: cleaned, locator: locator, line: line))
    }

    /// Adds a free-text field keeping its line structure (criteria, descriptions), trimming only
    /// trailing spaces of each line and blank lines at the ends.
    public mutating func addText(_ key: FieldKey, _ value: String?, locator: String, line: Int? = nil) {
        guard let value else { return }
        let cleaned = value.trimmingBlankLines
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
    /// ASCII text (most registry text) takes a byte-level path; the rest walks Characters.
    public var collapsingWhitespace: String {
        var copy = self
        let ascii = copy.withUTF8 { b in !b.contains { $0 >= 0x80 } }
        guard ascii else { return collapsingWhitespaceCharacters }
        return copy.withUTF8 { b in
            String(unsafeUninitializedCapacity: b.count) { out in
                var k = 0
                var pending = false
                for c in b {
                    if c == 0x20 || (c >= 0x09 && c <= 0x0D) {
                        pending = k > 0
                    } else {
                        if pending {
                            out[k] = 0x20
                            k += 1
                        }
                        pending = false
                        out[k] = c
                        k += 1
                    }
                }
                return k
            }
        }
    }

    private var collapsingWhitespaceCharacters: String {
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

    /// Lines with trailing whitespace removed, leading and trailing blank lines dropped, and
    /// common leading indentation removed. ASCII text takes a byte-level path.
    public var trimmingBlankLines: String {
        var copy = self
        let ascii = copy.withUTF8 { b in !b.contains { $0 >= 0x80 } }
        guard ascii else { return trimmingBlankLinesCharacters }
        return copy.withUTF8 { b -> String in
            func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x09 || c == 0x0D || c == 0x0B || c == 0x0C }
            // Each line as (start, end) with trailing whitespace cut.
            var lines: [(Int, Int)] = []
            var start = 0
            for i in 0...b.count where i == b.count || b[i] == 0x0A {
                var end = i
                while end > start, isSpace(b[end - 1]) { end -= 1 }
                lines.append((start, end))
                start = i + 1
            }
            while let first = lines.first, first.0 == first.1 { lines.removeFirst() }
            while let last = lines.last, last.0 == last.1 { lines.removeLast() }
            var common = Int.max
            for (s, e) in lines where s < e {
                var n = 0
                while s + n < e, b[s + n] == 0x20 || b[s + n] == 0x09 { n += 1 }
                common = min(common, n)
            }
            if common == Int.max { common = 0 }
            var out: [UInt8] = []
            out.reserveCapacity(b.count)
            for (index, (s, e)) in lines.enumerated() {
                if index > 0 { out.append(0x0A) }
                if s < e { out.append(contentsOf: b[(s + common)..<e]) }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    private var trimmingBlankLinesCharacters: String {
        var lines = self.split(separator: "\n", omittingEmptySubsequences: false).map { line -> Substring in
            var l = line
            while let last = l.last, last.isWhitespace { l = l.dropLast() }
            return l
        }
        while let first = lines.first, first.isEmpty { lines.removeFirst() }
        while let last = lines.last, last.isEmpty { lines.removeLast() }
        let indents = lines.filter { !$0.isEmpty }.map { $0.prefix(while: { $0 == " " || $0 == "\t" }).count }
        let common = indents.min() ?? 0
        return lines.map { $0.isEmpty ? "" : String($0.dropFirst(common)) }.joined(separator: "\n")
    }
}
