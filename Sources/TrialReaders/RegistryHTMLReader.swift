import Foundation
import TrialModel
import XMLKit

/// Single-trial registry and mirror pages in HTML (ChiCTR, ClinicalTrials.gov study pages,
/// third-party mirrors). Reads label/value structure — table rows, `<dl>` lists, headings or
/// bold labels followed by content — through `LabelTable`, not one parser per site.
///
/// Bilingual pages (ChiCTR shows Chinese and English side by side) are read in both languages;
/// where a cell marks its English text (`class="en"`), that text is preferred.
public struct RegistryHTMLReader: TrialReader {
    public init() {}

    public var format: SourceFormat { .registryHTML }

    public func accepts(_ file: InputFile, head: String) -> Bool {
        guard head.hasPrefix("<") else { return false }
        let h = head.prefix(2048).lowercased()
        return h.hasPrefix("<!doctype html") || h.contains("<html") || h.contains("<body") || h.contains("<head")
    }

    public func read(_ file: InputFile) throws -> [SourceRecord] {
        let document = try XMLDocument(html: file.bytes, file: file.path)
        guard let root = document.root else { throw ReaderError.empty(file: file.path) }
        var record = SourceRecord(file: file.path, format: format)
        var seen: Set<String> = []

        func take(label: XMLElement, value: XMLElement, key: FieldKey) {
            // A value that is itself a table of labelled rows is read through those rows.
            if !value.descendants(where: { $0.name == "table" }).isEmpty { return }
            let text = Self.valueText(value, block: LabelTable.textKeys.contains(key))
            let dedupe = "\(key.rawValue)\u{1}\(text.collapsingWhitespace)"
            guard !text.isEmpty, !seen.contains(dedupe) else { return }
            seen.insert(dedupe)
            if LabelTable.textKeys.contains(key) {
                record.addText(key, text, locator: value.path, line: value.line)
            } else {
                record.add(key, text, locator: value.path, line: value.line)
            }
        }

        let candidates = root.descendants { ["tr", "dt", "h1", "h2", "h3", "h4", "h5", "h6", "th", "strong", "b", "label"].contains($0.name) }
        for element in candidates {
            switch element.name {
            case "tr":
                let cells = element.children.filter { $0.name == "td" || $0.name == "th" }
                var i = 0
                while i + 1 < cells.count {
                    if let key = Self.labelKey(cells[i]) {
                        take(label: cells[i], value: cells[i + 1], key: key)
                        i += 2
                    } else {
                        i += 1
                    }
                }
            case "dt":
                if let key = Self.labelKey(element), let dd = element.nextElement, dd.name == "dd" {
                    take(label: element, value: dd, key: key)
                }
            case "th":
                break  // handled with its row
            default:
                // Headings and bold labels: the value is the next sibling element.
                if element.parent?.name == "td" || element.parent?.name == "th" { continue }
                if let key = Self.labelKey(element), let next = element.nextElement {
                    take(label: element, value: next, key: key)
                }
            }
        }

        if let id = record.first(.chictrID), id.value.hasPrefix("ChiCTR") {
            record.format = .chictrHTML
        } else if let id = record.first(.chictrID), id.value.hasPrefix("NCT") {
            // A "Registration number" that is an NCT ID.
            record.fields = record.fields.map { f in
                var f = f
                if f.key == .chictrID { f.key = .nctID }
                return f
            }
        }
        let hasID = record.first(.nctID) != nil || record.first(.chictrID) != nil
        let substantive = Set(record.fields.map(\.key)).subtracting([.title, .officialTitle, .acronym])
        guard hasID || (record.first(.title) != nil && substantive.count >= 3) else {
            let title = document.select("/html/head/title").first?.text.collapsingWhitespace ?? ""
            throw ReaderError.notATrialRecord(
                file: file.path,
                detail: "HTML page without a registry ID or trial fields"
                    + (title.isEmpty ? "" : " (page title: “\(title)”)"))
        }
        let recovered = document.diagnostics.filter { $0.level != .warning }.count
        if recovered > 0 {
            record.warnings.append("HTML recovered from \(recovered) markup error(s); first: \(document.diagnostics[0])")
        }
        return [record]
    }

    /// The field a label element names, trying each of its lines (bilingual labels put the
    /// Chinese and English labels on separate lines).
    static func labelKey(_ element: XMLElement) -> FieldKey? {
        let text = element.blockText
        guard text.collapsingWhitespace.utf8.count < 160 else { return nil }
        for line in text.split(whereSeparator: { $0 == "\n" || $0 == "\t" }) {
            if let key = LabelTable.field(for: String(line)) { return key }
        }
        return nil
    }

    /// Value text: English parts when the cell marks languages, otherwise all of it.
    static func valueText(_ element: XMLElement, block: Bool) -> String {
        let english = element.descendants { $0.hasClass("en") }
        let parts = english.isEmpty ? [element] : english
        // Page indentation is markup, not content: trim every line.
        return parts.map { block ? $0.blockText : $0.text }
            .map { $0.replacingNBSP }
            .joined(separator: "\n")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.trimmingCharacters(in: .whitespaces) }
            .joined(separator: "\n")
            .trimmingBlankLines
    }
}

extension String {
    fileprivate var replacingNBSP: String {
        String(String.UnicodeScalarView(unicodeScalars.map { $0 == "\u{00A0}" ? " " : $0 }))
    }
}
