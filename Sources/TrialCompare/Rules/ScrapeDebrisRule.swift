import Foundation
import TrialModel
import TrialSupport

/// Catches page debris that a scraper or an export captured as trial content:
///
/// - unrendered template placeholders (`{{SITE_NAME}}`, `{SITE_NAME}`, `[[…]]`, `${x}`, `%s`),
///   which mean the page was saved before its template was filled in (warning);
/// - escaped markup left in plain text (`9×10\^9`, `\<`, `&amp;`, `&lt;`, `<br>`), which changes
///   how values read (warning; one finding per record listing the escapes and every place). ClinicalTrials.gov API v2 text is Markdown by design, so its
///   backslash escapes are not debris; entities and tags are debris in every format;
/// - navigation and form text captured as content ("Sign up", "First name*", "Send a message",
///   "Powered by AI"): one note per record with a few examples.
struct ScrapeDebrisRule: RecordRule {
    let id = "scrape-debris"

    static let placeholder = RulePattern(
        #"\{\{\s*[A-Za-z_][\w.]*\s*\}\}|\{\s*[A-Z][A-Z0-9]*_[A-Z0-9_]+\s*\}|\{[A-Z]{3,}\}|\[\[[^\]\n]{1,40}\]\]|\$\{\s*\w+\s*\}|(?<![\w%])%[sd](?![\w%])|__[A-Z][A-Z0-9_]{2,}__"#,
        caseSensitive: true)
    static let backslashEscape = RulePattern(#"\\[\^<>*_\[\]#`|~]"#)
    /// Every match starts with `&` or `<` and is at most ``entityOrTagReach`` units long (white
    /// space inside a tag is bounded, so the pattern can run from those bytes only).
    static let entityOrTag = RulePattern(
        #"&(?:amp|lt|gt|quot|apos|nbsp|#\d{2,5}|#x[0-9a-f]{2,4});|<\s{0,40}/?\s{0,40}(?:br|p|b|i|u|em|strong|div|span|li|ul|ol|sup|sub|td|tr|a)(?:\s[^<>]{0,80})?\s{0,40}/?>"#
    )
    static let entityOrTagStarts = ASCIISet("&<")
    static let entityOrTagReach = 1 + 40 + 1 + 40 + 6 + 81 + 40 + 1 + 1
    /// Whole lines that are site navigation or form labels, not registry content.
    private static let navigation = RulePattern(
        #"^\s*+(?:sign\s+up|sign\s+in|log\s*in|log\s+out|register|subscribe|send\s+(?:a\s+)?message|send|submit|powered\s+by(?:\s++[\w .]{0,19}[\w.]|\s{2,}+$)|add\s+a\s+private\s+note|share(?:\s+this\s+(?:trial|study|page))?|print(?:\s+this\s+page)?|back\s+to\s+top|skip\s+to\s+(?:main\s+)?content|accept(?:\s+all)?\s+cookies|cookie\s+settings|(?:first|last|full)\s+name\s*\*|e-?mail(?:\s+address)?\s*\*|phone(?:\s+number)?\s*\*|investigator\s+avatar|image|clinical\s+trials\s+logo|read\s+more|show\s+(?:more|less)|see\s+all)\s*+$"#
    )

    /// Necessary conditions, scanned over the UTF-8 bytes, for a match of `placeholder` (a `{`,
    /// `[[`, `%s`, `%d` or `__`), of `entityOrTag` (`&` before a letter or `#`; `<` before a
    /// letter or `/`, ASCII white space between) and of `backslashEscape` (a `\`). A non-ASCII
    /// character counts as a possible letter (ICU folds `ſ` to `s`), which also covers Unicode
    /// white space after `<`, so no match is missed.
    static func mayHoldDebris(_ text: String) -> (placeholder: Bool, entityOrTag: Bool, backslash: Bool) {
        var text = text
        return text.withUTF8 { b in
            var placeholder = false, entityOrTag = false, backslash = false
            let n = b.count
            func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A || c >= 0x80 }
            guard let base = b.baseAddress else { return (false, false, false) }
            let fold = 0xDF &* ByteWord.ones
            var start = 0
            while start < n {
                // A word of eight bytes with none of the characters below passes whole. With the
                // 0x20 bit cleared, `{` and `[` are 0x5B, `\` is 0x5C and `_` is 0x5F (and `|`
                // and DEL join them as candidates, which the byte test then drops).
                if start + 8 <= n {
                    let w = ByteWord.load(base, at: start)
                    let folded = w & fold
                    let candidates =
                        ByteWord.bytes(folded, equalTo: 0x5B) | ByteWord.bytes(folded, equalTo: 0x5C)
                        | ByteWord.bytes(folded, equalTo: 0x5F) | ByteWord.bytes(w, equalTo: 0x25)
                        | ByteWord.bytes(w, equalTo: 0x26) | ByteWord.bytes(w, equalTo: 0x3C)
                    if candidates == 0 {
                        start += 8
                        continue
                    }
                }
                for i in start..<min(n, start + 8) {
                    let c = b[i]
                    switch c {
                    case UInt8(ascii: "{"): placeholder = true
                    case UInt8(ascii: "["), UInt8(ascii: "_"): if i + 1 < n && b[i + 1] == c { placeholder = true }
                    case UInt8(ascii: "%"): if i + 1 < n && (b[i + 1] == UInt8(ascii: "s") || b[i + 1] == UInt8(ascii: "d")) { placeholder = true }
                    case UInt8(ascii: "\\"): backslash = true
                    case UInt8(ascii: "&"): if i + 1 < n && (isLetter(b[i + 1]) || b[i + 1] == UInt8(ascii: "#")) { entityOrTag = true }
                    case UInt8(ascii: "<"):
                        var j = i + 1
                        while j < n && (b[j] == 0x20 || (b[j] >= 0x09 && b[j] <= 0x0D)) { j += 1 }
                        if j < n && (isLetter(b[j]) || b[j] == UInt8(ascii: "/")) { entityOrTag = true }
                    default: break
                    }
                }
                start += 8
            }
            return (placeholder, entityOrTag, backslash)
        }
    }

    /// Places quoted per finding: a field full of debris (a broken export) gives one readable
    /// finding, not one per match; the message counts the rest.
    static let evidenceLimit = 20

    func check(_ source: SourceRecord, _ record: TrialRecord) -> [Finding] {
        var findings: [Finding] = []
        let trial = record.primaryID.value
        var navigation: [(String, Evidence)] = []
        var escapedTokens: [String] = []
        var seenTokens: Set<String> = []
        var escapeEvidence: [Evidence] = []
        var seenEvidence: Set<Evidence> = []
        var escapeFields: [String] = []
        let markdownNative = source.format == .ctgovJSON
        // Navigation and form text only exists in scraped pages, not in registry exports.
        let scraped = [.plainText, .registryHTML, .chictrHTML].contains(source.format)
        for field in source.fields {
            // Cheap byte checks first: most fields hold nothing the patterns could start with.
            let (hasBrace, hasEntity, hasBackslash) = Self.mayHoldDebris(field.value)
            var lines = FieldLines(field.value)
            // One finding per placeholder, with its places in order.
            var placeholders: [String: (order: Int, evidence: [Evidence], count: Int)] = [:]
            for m in hasBrace ? Self.placeholder.matches(in: field.value) : [] {
                let text = m.text
                var entry = placeholders[text] ?? (placeholders.count, [], 0)
                entry.count += 1
                if entry.evidence.count < Self.evidenceLimit {
                    entry.evidence.append(RuleText.evidence(source, field, offset: m.range.location, quote: m.sentence(), lines: &lines))
                }
                placeholders[text] = entry
            }
            for (text, entry) in placeholders.sorted(by: { $0.value.order < $1.value.order }) {
                let places = entry.count > 1 ? " (\(entry.count) places)" : ""
                let message =
                    "Unrendered template placeholder \(RuleText.quoted(text)) in the \(Self.name(field.key))\(places): the page was captured before its template was filled in; check the text around it against the registry."
                findings.append(Finding(rule: id, severity: .warning, trial: trial, message: message, evidence: entry.evidence))
            }
            var escapes =
                hasEntity ? Self.entityOrTag.matches(in: field.value, startingWith: Self.entityOrTagStarts, reach: Self.entityOrTagReach) : []
            if !markdownNative && hasBackslash { escapes += Self.backslashEscape.matches(in: field.value) }
            escapes.sort { $0.range.location < $1.range.location }
            for m in escapes {
                let snippet = Self.token(around: m)
                if seenTokens.insert(snippet).inserted { escapedTokens.append(snippet) }
                if escapeEvidence.count < Self.evidenceLimit {
                    let e = RuleText.evidence(source, field, offset: m.range.location, quote: m.sentence(limit: 160), lines: &lines)
                    if seenEvidence.insert(e).inserted { escapeEvidence.append(e) }
                }
                let name = Self.name(field.key)
                if !escapeFields.contains(name) { escapeFields.append(name) }
            }
            guard scraped else { continue }
            // Each line's UTF-16 offset is counted while splitting (no search from the start).
            var offset = 0
            for line in field.value.split(separator: "\n", omittingEmptySubsequences: false) {
                defer { offset += line.utf16.count + 1 }
                guard line.utf8.count <= 80, navigation.count < Self.evidenceLimit, Self.navigation.matches(String(line)) else { continue }
                let text = String(line).collapsingWhitespace
                navigation.append((text, RuleText.evidence(source, field, offset: offset, quote: text, lines: &lines)))
            }
        }
        if !escapedTokens.isEmpty {
            let shown = escapedTokens.prefix(4).map(RuleText.quoted)
            let listed = escapedTokens.count > 4 ? shown.joined(separator: ", ") + " and \(escapedTokens.count - 4) more" : RuleText.list(shown)
            let message =
                "Escaped markup left in the \(RuleText.list(escapeFields)): \(listed); the export kept escape characters or HTML, so check how these values should read."
            findings.append(Finding(rule: id, severity: .warning, trial: trial, message: message, evidence: escapeEvidence))

        }
        if !navigation.isEmpty {
            var examples: [String] = []
            for (text, _) in navigation where !examples.contains(text) { examples.append(text) }
            let shown = examples.prefix(5).map(RuleText.quoted)
            let listed = examples.count > 5 ? shown.joined(separator: ", ") + " and \(examples.count - 5) more" : RuleText.list(shown)
            let message =
                "Navigation or form text was captured as page content (\(listed)): the source is a scraped web page; make sure none of it is read as trial data."
            findings.append(Finding(rule: id, severity: .note, trial: trial, message: message, evidence: navigation.map(\.1)))
        }
        return findings
    }

    /// The word holding an escape ("9×10\^9", "&amp;"), for the message.
    private static func token(around m: RuleMatch) -> String {
        var start = m.range.location
        var end = m.range.location + m.range.length
        func isSpace(_ c: unichar) -> Bool { c == 32 || c == 10 || c == 9 || c == 0xA0 }
        while start > 0, !isSpace(m.ns.character(at: start - 1)), m.range.location - start < 20 { start -= 1 }
        while end < m.ns.length, !isSpace(m.ns.character(at: end)), end - m.range.location < 24 { end += 1 }
        var s = m.ns.substring(with: NSRange(location: start, length: end - start))
        while let last = s.last, ",;.)(".contains(last), s.count > m.range.length { s.removeLast() }
        while let first = s.first, "(".contains(first), s.count > m.range.length { s.removeFirst() }
        return s
    }

    /// A readable name for a field key: "summary", "eligibility criteria", "page text".
    static func name(_ key: FieldKey) -> String {
        switch key {
        case .unclassified: "page text"
        case .criteria, .inclusionCriteria, .exclusionCriteria: "eligibility criteria"
        case .interventionDescription: "intervention description"
        case .armDescription: "arm description"
        case .primaryOutcome: "primary outcome"
        case .secondaryOutcome: "secondary outcome"
        default: key.rawValue.replacingOccurrences(of: "_", with: " ")
        }
    }
}
