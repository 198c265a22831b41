import Foundation
import TrialModel
import XMLKit

/// ClinicalTrials.gov legacy XML: one `<clinical_study>` per file, or a `<search_results>`
/// bundle (or any wrapper) holding many. Locators are XPaths from libxml2.
public struct CTGovXMLReader: TrialReader {
    public init() {}

    public var format: SourceFormat { .ctgovXML }

    public func accepts(_ file: InputFile, head: String) -> Bool {
        head.hasPrefix("<") && (head.contains("<clinical_study") || head.contains("<search_results"))
    }

    public func read(_ file: InputFile) throws -> [SourceRecord] {
        var records: [SourceRecord] = []
        try forEachRecord(file) { records.append($0) }
        return records
    }

    /// Reads the file record by record with libxml2's SAX2 parser: each `<clinical_study>`
    /// is handed to `body` as soon as it closes, and no document tree is built, so a
    /// `<search_results>` bundle of any size is read in flat memory.
    ///
    /// Produces exactly the records of `readWithDOM` (same fields, values, locators and order;
    /// past line 65,535 of a bundle the stream's lines are the true ones, the tree's stay 65,535).
    /// When the stream reports any error, the file is read again with the DOM parser, which
    /// yields the canonical error (or, for errors libxml2 recovers from, the remaining records).
    public func forEachRecord(_ file: InputFile, _ body: (SourceRecord) throws -> Void) throws {
        var delivered = 0
        let summary: XMLRecordStream.Summary
        do {
            summary = try XMLRecordStream.read(xml: file.bytes, file: file.path, capture: Self.capture) { study in
                let r = record(study, file: file.path, index: delivered)
                delivered += 1
                try body(r)
            }
        } catch let error as XMLKitError {
            if case .empty = error { throw error }
            for r in try readWithDOM(file).dropFirst(delivered) { try body(r) }
            return
        }
        if summary.records == 0 {
            throw ReaderError.notATrialRecord(file: file.path, detail: "no <clinical_study> element in <\(summary.rootName)>")
        }
    }

    /// The DOM-based reader (the whole document parsed into a libxml2 tree): the reference the
    /// streaming reader is tested against, and the fallback when the stream reports an error.
    func readWithDOM(_ file: InputFile) throws -> [SourceRecord] {
        let document = try XMLDocument(xml: file.bytes, file: file.path)
        guard let root = document.root else { throw ReaderError.empty(file: file.path) }
        let studies = root.name == "clinical_study" ? [root] : root.descendants { $0.name == "clinical_study" }
        guard !studies.isEmpty else {
            throw ReaderError.notATrialRecord(file: file.path, detail: "no <clinical_study> element in <\(root.name)>")
        }
        return studies.enumerated().map { index, study in record(study, file: file.path, index: index) }
    }

    /// The parts of a `<clinical_study>` that `record` reads: every element it visits (with its
    /// text where it reads the text) and the enrollment type attribute.
    static let capture = XMLRecordStream.Capture(
        record: "clinical_study",
        elements: [
            "id_info", "sponsors", "sponsors/lead_sponsor", "sponsors/collaborator", "arm_group", "intervention",
            "primary_outcome", "secondary_outcome", "eligibility", "location_countries",
        ],
        text: [
            "id_info/nct_id", "id_info/org_study_id", "id_info/secondary_id", "id_info/nct_alias",
            "brief_title", "official_title", "acronym", "sponsors/lead_sponsor/agency", "sponsors/collaborator/agency",
            "brief_summary", "brief_summary/textblock", "detailed_description", "detailed_description/textblock",
            "overall_status", "start_date", "completion_date", "primary_completion_date", "last_update_posted",
            "lastchanged_date", "study_first_posted", "firstreceived_date", "verification_date", "study_type", "phase",
            "enrollment", "condition", "keyword", "arm_group/description", "arm_group/description/textblock",
            "intervention/intervention_name", "intervention/description", "intervention/description/textblock",
            "primary_outcome/measure", "secondary_outcome/measure",
            "eligibility/criteria", "eligibility/criteria/textblock", "eligibility/gender", "eligibility/minimum_age",
            "eligibility/maximum_age", "eligibility/healthy_volunteers", "location_countries/country",
        ],
        attributes: ["enrollment": ["type"]]
    )

    func record<Element: CTGovElement>(_ study: Element, file: String, index: Int) -> SourceRecord {
        var r = SourceRecord(file: file, format: format, index: index)
        func add(_ key: FieldKey, _ element: Element?) {
            guard let element else { return }
            r.add(key, element.text, locator: element.path, line: element.line)
        }
        func addText(_ key: FieldKey, _ element: Element?) {
            guard let element else { return }
            let block = element.child("textblock") ?? element
            r.addText(key, block.text, locator: block.path, line: block.line)
        }
        let ids = study.child("id_info")
        add(.nctID, ids?.child("nct_id"))
        add(.orgStudyID, ids?.child("org_study_id"))
        for e in ids?.children("secondary_id") ?? [] { add(.otherID, e) }
        for e in ids?.children("nct_alias") ?? [] { add(.otherID, e) }
        add(.title, study.child("brief_title"))
        add(.officialTitle, study.child("official_title"))
        add(.acronym, study.child("acronym"))
        let sponsors = study.child("sponsors")
        add(.sponsor, sponsors?.descend("lead_sponsor", "agency"))
        for c in sponsors?.children("collaborator") ?? [] { add(.collaborator, c.child("agency")) }
        addText(.summary, study.child("brief_summary"))
        addText(.description, study.child("detailed_description"))
        add(.status, study.child("overall_status"))
        add(.startDate, study.child("start_date"))
        add(.completionDate, study.child("completion_date"))
        add(.primaryCompletionDate, study.child("primary_completion_date"))
        add(.lastUpdate, study.child("last_update_posted") ?? study.child("lastchanged_date"))
        add(.firstPosted, study.child("study_first_posted") ?? study.child("firstreceived_date"))
        add(.verifiedDate, study.child("verification_date"))
        add(.studyType, study.child("study_type"))
        add(.phase, study.child("phase"))
        if let enrollment = study.child("enrollment") {
            add(.enrollment, enrollment)
            if let type = enrollment.attribute("type") {
                r.add(.enrollmentType, type, locator: enrollment.path + "/@type", line: enrollment.line)
            }
        }
        for c in study.children("condition") { add(.condition, c) }
        for k in study.children("keyword") { add(.keyword, k) }
        for arm in study.children("arm_group") { addText(.armDescription, arm.child("description")) }
        for i in study.children("intervention") {
            add(.intervention, i.child("intervention_name"))
            addText(.interventionDescription, i.child("description"))
        }
        for o in study.children("primary_outcome") { add(.primaryOutcome, o.child("measure")) }
        for o in study.children("secondary_outcome") { add(.secondaryOutcome, o.child("measure")) }
        if let eligibility = study.child("eligibility") {
            addText(.criteria, eligibility.child("criteria"))
            add(.sex, eligibility.child("gender"))
            add(.minimumAge, eligibility.child("minimum_age"))
            add(.maximumAge, eligibility.child("maximum_age"))
            add(.healthyVolunteers, eligibility.child("healthy_volunteers"))
        }
        for c in study.child("location_countries")?.children("country") ?? [] { add(.country, c) }
        return r
    }
}

/// What `CTGovXMLReader.record` needs of an element: the DOM element and the streamed copy both
/// provide it, so both readers build records with the same code.
protocol CTGovElement {
    var text: String { get }
    var path: String { get }
    var line: Int { get }
    func child(_ name: String) -> Self?
    func children(_ name: String) -> [Self]
    func attribute(_ name: String) -> String?
}

extension CTGovElement {
    func descend(_ names: String...) -> Self? {
        var current: Self? = self
        for n in names { current = current?.child(n) }
        return current
    }
}

extension XMLElement: CTGovElement {}
extension XMLCapturedElement: CTGovElement {}

/// ClinicalTrials.gov RSS search feeds: each `<item>` is a partial record (ID, title, and the
/// condition, interventions, sponsor and status listed in its description). An empty feed
/// yields no records and no error.
public struct CTGovRSSReader: TrialReader {
    public init() {}

    public var format: SourceFormat { .ctgovRSS }

    public func accepts(_ file: InputFile, head: String) -> Bool {
        head.hasPrefix("<") && head.contains("<rss")
    }

    public func read(_ file: InputFile) throws -> [SourceRecord] {
        let document = try XMLDocument(xml: file.bytes, file: file.path)
        let items = document.select("/rss/channel/item")
        return items.enumerated().compactMap { index, item in
            var r = SourceRecord(file: file.path, format: format, index: index)
            let guid = item.child("guid")
            let id = guid?.text ?? ""
            guard id.hasPrefix("NCT") else { return nil }
            r.add(.nctID, id, locator: guid!.path, line: guid!.line)
            if let t = item.child("title") { r.add(.title, t.text, locator: t.path, line: t.line) }
            if let d = item.child("description") {
                // The description is escaped HTML: "<b>Condition</b>: X<br/><b>Sponsor</b>: Y<br/><b>Recruiting</b>".
                for part in d.text.split(separator: "<br/>") {
                    let plain = part.replacingOccurrences(of: "<b>", with: "").replacingOccurrences(of: "</b>", with: "")
                    let pieces = plain.split(separator: ":", maxSplits: 1).map { String($0).collapsingWhitespace }
                    let locator = d.path
                    if pieces.count == 2 {
                        switch pieces[0] {
                        case "Condition", "Conditions":
                            for c in pieces[1].split(separator: ";") { r.add(.condition, String(c), locator: locator, line: d.line) }
                        case "Intervention", "Interventions":
                            for c in pieces[1].split(separator: ";") { r.add(.intervention, String(c), locator: locator, line: d.line) }
                        case "Sponsor", "Sponsors": r.add(.sponsor, pieces[1], locator: locator, line: d.line)
                        default: break
                        }
                    } else if pieces.count == 1, !pieces[0].isEmpty {
                        r.add(.status, pieces[0], locator: locator, line: d.line)
                    }
                }
            }
            return r
        }
    }
}
