import TrialModel

/// Plain-text renderings of registry and mirror pages (copied from a browser, saved by a
/// scraper). Sections are found by their headings ("Overview", "Eligibility", "Inclusion
/// Criteria", "Intervention", …) and short fields by `LabelTable` labels, either on one line
/// ("Enrollment 72", "NCT ID: NCT06337474") or with the value on the next line. Locators are
/// line ranges.
public struct PlainTextReader: TrialReader {
    public init() {}

    public var format: SourceFormat { .plainText }

    /// Any text that is not markup or JSON (those have their own readers; a file that starts
    /// like them but none accepts is an unknown format, not prose).
    public func accepts(_ file: InputFile, head: String) -> Bool {
        !(head.hasPrefix("<") || head.hasPrefix("{") || head.hasPrefix("["))
    }

    enum Section: Equatable {
        case header  // before the first heading: title and page badges
        case structured  // label/value lines
        case text(FieldKey)  // a block of prose that becomes one field
        case conditions
        case outcomes
        case sponsors
        case identifiers
        case ignored  // related trials, FAQs, contact forms: never read
    }

    static let headings: [String: Section] = {
        var t: [String: Section] = [:]
        func add(_ s: Section, _ names: String...) { for n in names { t[LabelTable.normalize(n)] = s } }
        add(
            .text(.summary), "Overview", "Brief Summary", "Clinical Trial Summary", "Summary", "Study Summary",
            "Purpose", "Objectives of Study")
        add(.text(.description), "Description", "Detailed Description", "Study Description")
        add(
            .text(.criteria), "Eligibility", "Eligibility Criteria", "Criteria", "Participation Criteria",
            "Inclusion Criteria", "Exclusion Criteria", "Key Inclusion Criteria", "Key Exclusion Criteria")
        add(
            .text(.interventionDescription), "Intervention", "Interventions", "Study Groups", "Arms and Interventions",
            "Study Arms", "Arm Groups", "Treatment")
        add(.conditions, "Conditions", "Condition", "Related Conditions & MeSH terms", "Conditions and Keywords")
        add(.outcomes, "Outcome", "Outcomes", "Outcome Measures", "Primary Outcome Measures")
        add(.sponsors, "Sponsors", "Sponsor", "Sponsors and Collaborators", "Collaborators")
        add(.identifiers, "Other Identifiers", "Study Identifiers", "Identifiers")
        add(
            .structured, "Administrative data", "Study information", "Recruitment information / eligibility",
            "Basic Information", "Key Information", "Study Details", "Trial Details", "Study Design", "Design",
            "Dates", "Recruitment")
        add(
            .ignored, "See also", "More Related Trials", "Related Trials", "Similar Trials", "FAQs", "Locations",
            "Study Results", "Countries", "Central Contacts", "Facility Contacts", "Contacts", "Responsible Party",
            "Add a private note", "Send a message", "Learn more about clinical trials", "References", "Publications",
            "Study Documents", "Share this trial")
        return t
    }()

    /// Page badges of mirror headers ("Recruiting", "18-70 years", "All", "Phase N/A").
    static let statusWords: Set<String> = [
        "recruiting", "not yet recruiting", "active, not recruiting", "completed", "terminated", "withdrawn",
        "suspended", "enrolling by invitation", "unknown status", "unknown",
    ]

    public func read(_ file: InputFile) throws -> [SourceRecord] {
        let text =
            String(validating: file.bytes, as: UTF8.self)
            ?? String(String.UnicodeScalarView(file.bytes.map { Unicode.Scalar($0) }))  // ISO 8859-1
        let lines = text.replacingCRLF.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var record = SourceRecord(file: file.path, format: format)
        var section = Section.header
        var block: (key: FieldKey, start: Int, lines: [String])?
        var pendingLabel: (key: FieldKey, line: Int)?
        /// The last name line seen in a sponsors or identifiers list, and its line number: its
        /// role or source comes on a later line.
        var lastName: (text: String, line: Int)?
        var seen: Set<String> = []

        func addField(_ key: FieldKey, _ value: String, line: Int) {
            let v = value.collapsingWhitespace
            guard !v.isEmpty, !seen.contains("\(key.rawValue)\u{1}\(v)") else { return }
            seen.insert("\(key.rawValue)\u{1}\(v)")
            record.add(key, v, locator: "line \(line)", line: line)
        }
        func flush() {
            if let b = block {
                let body = b.lines.joined(separator: "\n").trimmingBlankLines
                if !body.isEmpty {
                    // The field starts at its first line that is not blank: locators count from it.
                    func blank(_ line: String) -> Bool { line.allSatisfy(\.isWhitespace) }
                    let start = b.start + b.lines.prefix(while: blank).count
                    let end = b.start + b.lines.count - 1 - b.lines.reversed().prefix(while: blank).count
                    record.addText(b.key, body, locator: end > start ? "lines \(start)-\(end)" : "line \(start)", line: start)
                }
            }
            block = nil
        }

        for (offset, raw) in lines.enumerated() {
            let number = offset + 1
            let line = raw.collapsingWhitespace
            let normalized = LabelTable.normalize(line)
            if line.isEmpty {
                block?.lines.append("")
                continue
            }
            // A value on the line after its label.
            if let label = pendingLabel {
                pendingLabel = nil
                if Self.headings[normalized] == nil, LabelTable.field(for: line) == nil,
                    LabelTable.textKeys.contains(label.key) || Self.labelled(line) == nil
                {
                    if LabelTable.textKeys.contains(label.key) {
                        block = (label.key, number, [raw])
                        section = .text(label.key)
                    } else {
                        addField(label.key, line, line: number)
                    }
                    continue
                }
            }
            // Headings switch sections; inclusion/exclusion headings stay inside a criteria block.
            if let next = Self.headings[normalized] {
                if case .text(.criteria) = section, case .text(.criteria) = next, block != nil {
                    block?.lines.append(raw)
                    continue
                }
                flush()
                section = next
                if next == .ignored {
                    // Kept verbatim (heading included) for review rules; never interpreted.
                    block = (.unclassified, number, [raw])
                } else if case .text(let key) = next {
                    block = (key, number, key == .criteria && normalized != "eligibility" && normalized != "eligibility criteria" ? [raw] : [])
                    if block?.lines.isEmpty == true { block?.start = number + 1 }
                }
                continue
            }
            // A label alone on its line ends any prose block; its value follows.
            if let key = LabelTable.field(for: line), section != .ignored {
                flush()
                if section != .header { section = .structured }
                pendingLabel = (key, number)
                continue
            }
            switch section {
            case .ignored:
                block?.lines.append(raw)
            case .text:
                block?.lines.append(raw)
            case .conditions:
                // Mirror pages put a one-sentence explanation under the heading; names are short.
                if !(line.hasSuffix(".") && line.count > 60) { addField(.condition, line, line: number) }
            case .outcomes:
                if line.hasPrefix("Primary ") { addField(.primaryOutcome, String(line.dropFirst(8)), line: number) }
                if line.hasPrefix("Secondary ") { addField(.secondaryOutcome, String(line.dropFirst(10)), line: number) }
            case .sponsors:
                let lower = line.lowercased()
                if lower.hasPrefix("sponsor role") {
                    if let name = lastName {
                        addField(lower.hasSuffix("lead") ? .sponsor : .collaborator, name.text, line: name.line)
                    }
                    lastName = nil
                } else if line != line.uppercased(), !(line.hasSuffix(".") && line.count > 60) {
                    lastName = (line, number)
                }
            case .identifiers:
                if line.lowercased().hasPrefix("identifier source:"), let id = lastName {
                    addField(line.lowercased().contains("org_study_id") ? .orgStudyID : .otherID, id.text, line: id.line)
                    lastName = nil
                } else if !line.lowercased().hasPrefix("identifier type"), !(line.hasSuffix(".") && line.count > 60) {
                    lastName = (line, number)
                }
            case .header, .structured:
                if let (key, value) = Self.labelled(line) {
                    if LabelTable.textKeys.contains(key) {
                        flush()
                        block = (key, number, [value])
                        section = .text(key)
                    } else {
                        addField(key, value, line: number)
                    }
                } else if line.wholeMatch(of: Self.nctID.regex) != nil {
                    addField(.nctID, line, line: number)
                } else if section == .header, headerBadge(line, normalized: normalized, number: number, into: addField) {
                } else {
                    // Unlabelled page text: not interpreted, kept line by line for review rules.
                    record.add(.unclassified, line, locator: "line \(number)", line: number)
                }
            }
        }
        flush()
        if record.first(.title) == nil, let title = Self.title(in: lines) {
            record.fields.removeAll { $0.key == .unclassified && $0.value == title.text }
            let text = record.capped(.title, title.text, locator: "line \(title.line)")
            record.fields.insert(SourceField(key: .title, value: text, locator: "line \(title.line)", line: title.line), at: 0)
        }
        let useful: Set<FieldKey> = [.nctID, .chictrID, .summary, .criteria, .description, .enrollment, .status]
        guard record.fields.contains(where: { useful.contains($0.key) }) else {
            throw ReaderError.notATrialRecord(
                file: file.path, detail: "text without a registry ID, summary, eligibility criteria or trial labels")
        }
        return [record]
    }

    /// "Label value" or "Label: value" with a known label of up to six words.
    static func labelled(_ line: String) -> (FieldKey, String)? {
        if let colon = line.firstIndex(where: { $0 == ":" || $0 == "：" }) {
            let label = String(line[..<colon])
            let value = String(line[line.index(after: colon)...]).collapsingWhitespace
            if let key = LabelTable.field(for: label), !value.isEmpty { return (key, value) }
        }
        let words = line.split(separator: " ", maxSplits: 7)
        guard words.count >= 2 else { return nil }
        for n in stride(from: min(6, words.count - 1), through: 1, by: -1) {
            let label = words[0..<n].joined(separator: " ")
            if let key = LabelTable.field(for: label) {
                let value = words[n...].joined(separator: " ")
                return (key, value)
            }
        }
        return nil
    }

    /// Mirror page headers show badges without labels: status, age band, sex, phase.
    /// A regex built once and shared by every read. A regex literal inside a function is parsed
    /// again each time it runs (a fuzzed page of 3,000 header lines spent 1.5 s in the parser).
    /// `Regex` is not declared `Sendable`, but it is immutable once built and compiles its
    /// program with an atomic one-time initialisation, so sharing it across threads is safe.
    private struct SharedRegex<Output>: @unchecked Sendable {
        let regex: Regex<Output>
    }
    private static let nctID = SharedRegex(regex: /NCT\d{8}/)
    private static let ageBand = SharedRegex(regex: /\d{1,3}\s*(-|–|to)\s*\d{1,3}\s*(years?|yrs)/)
    private static let ageAndOlder = SharedRegex(regex: /\d{1,3}\+?\s*(years?|yrs)( and (older|over))?/)

    func headerBadge(_ line: String, normalized: String, number: Int, into add: (FieldKey, String, Int) -> Void) -> Bool {
        if Self.statusWords.contains(normalized) {
            add(.status, line, number)
        } else if normalized.wholeMatch(of: Self.ageBand.regex) != nil || normalized.wholeMatch(of: Self.ageAndOlder.regex) != nil {
            add(.ageBand, line, number)
        } else if ["all", "male", "female", "both"].contains(normalized) {
            add(.sex, line, number)
        } else if normalized.hasPrefix("phase ") || normalized.hasPrefix("early phase") {
            add(.phase, line, number)
        } else {
            return false
        }
        return true
    }

    /// The page title: the first line of five or more words before any section, that is not a
    /// label or a banner ("Clinical Trial Details — Status: …").
    static func title(in lines: [String]) -> (text: String, line: Int)? {
        for (offset, raw) in lines.enumerated() {
            let line = raw.collapsingWhitespace
            if headings[LabelTable.normalize(line)] != nil { return nil }
            if line.split(separator: " ").count >= 5, line.count >= 25, !line.contains(":"), !line.contains("—"),
                labelled(line) == nil, !line.hasSuffix(".")
            {
                return (line, offset + 1)
            }
        }
        return nil
    }
}

extension String {
    fileprivate var replacingCRLF: String {
        var s = ""
        s.reserveCapacity(utf8.count)
        for ch in self {
            if ch == "\r\n" || ch == "\r" { s.append("\n") } else { s.append(ch) }
        }
        return s
    }
}
