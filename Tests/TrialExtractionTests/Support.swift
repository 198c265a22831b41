import Foundation
import TestSupport
import Testing
import TrialModel

/// Builds a record from a plain-text seed page the way the text reader does: chosen line ranges
/// become fields (a label prefix such as "Enrollment " is dropped), locators are line ranges.
struct SeedPage {
    struct Span {
        var key: FieldKey
        var first: Int
        var last: Int
        var dropPrefix: String

        init(_ key: FieldKey, _ first: Int, _ last: Int? = nil, drop: String = "") {
            self.key = key
            self.first = first
            self.last = last ?? first
            self.dropPrefix = drop
        }
    }

    var name: String
    var spans: [Span]

    static let textKeys: Set<FieldKey> = [.summary, .description, .criteria, .interventionDescription, .armDescription]

    func record() throws -> SourceRecord {
        let lines = try Fixtures.text("seeds/\(name)").split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var record = SourceRecord(file: "seeds/\(name)", format: .plainText)
        for span in spans {
            var chosen = Array(lines[(span.first - 1)...(span.last - 1)])
            if !span.dropPrefix.isEmpty {
                #expect(chosen[0].hasPrefix(span.dropPrefix), "line \(span.first) should start with \(span.dropPrefix)")
                chosen[0] = String(chosen[0].dropFirst(span.dropPrefix.count))
            }
            let locator = span.first == span.last ? "line \(span.first)" : "lines \(span.first)-\(span.last)"
            if Self.textKeys.contains(span.key) {
                record.addText(span.key, chosen.joined(separator: "\n"), locator: locator, line: span.first)
            } else {
                record.add(span.key, chosen.joined(separator: " "), locator: locator, line: span.first)
            }
        }
        return record
    }
}

/// Builds a record from a ClinicalTrials.gov API v2 study, with JSON pointers as locators.
enum CTGovV2 {
    static func record(_ relativePath: String) throws -> SourceRecord {
        let data = try Data(contentsOf: Fixtures.url("realdata/" + relativePath))
        let root = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        let p = try #require(root["protocolSection"] as? [String: Any])
        var r = SourceRecord(file: relativePath, format: .ctgovJSON)

        func value(_ path: [String]) -> Any? {
            var node: Any? = p
            for key in path { node = (node as? [String: Any])?[key] }
            return node
        }
        func string(_ path: [String]) -> String? {
            switch value(path) {
            case let s as String: return s
            case let n as NSNumber: return n.stringValue
            default: return nil
            }
        }
        func pointer(_ path: [String]) -> String { "/protocolSection/" + path.joined(separator: "/") }
        func add(_ key: FieldKey, _ path: [String]) { r.add(key, string(path), locator: pointer(path)) }
        func addText(_ key: FieldKey, _ path: [String]) { r.addText(key, string(path), locator: pointer(path)) }
        func each(_ path: [String]) -> [[String: Any]] { value(path) as? [[String: Any]] ?? [] }

        add(.nctID, ["identificationModule", "nctId"])
        add(.orgStudyID, ["identificationModule", "orgStudyInfo", "id"])
        add(.title, ["identificationModule", "briefTitle"])
        add(.officialTitle, ["identificationModule", "officialTitle"])
        add(.status, ["statusModule", "overallStatus"])
        add(.startDate, ["statusModule", "startDateStruct", "date"])
        add(.primaryCompletionDate, ["statusModule", "primaryCompletionDateStruct", "date"])
        add(.completionDate, ["statusModule", "completionDateStruct", "date"])
        add(.lastUpdate, ["statusModule", "lastUpdatePostDateStruct", "date"])
        add(.sponsor, ["sponsorCollaboratorsModule", "leadSponsor", "name"])
        add(.studyType, ["designModule", "studyType"])
        for (i, phase) in ((value(["designModule", "phases"]) as? [String]) ?? []).enumerated() {
            r.add(.phase, phase, locator: pointer(["designModule", "phases", "\(i)"]))
        }
        add(.enrollment, ["designModule", "enrollmentInfo", "count"])
        add(.enrollmentType, ["designModule", "enrollmentInfo", "type"])
        add(.minimumAge, ["eligibilityModule", "minimumAge"])
        add(.maximumAge, ["eligibilityModule", "maximumAge"])
        add(.sex, ["eligibilityModule", "sex"])
        addText(.summary, ["descriptionModule", "briefSummary"])
        addText(.description, ["descriptionModule", "detailedDescription"])
        for (i, c) in ((value(["conditionsModule", "conditions"]) as? [String]) ?? []).enumerated() {
            r.add(.condition, c, locator: pointer(["conditionsModule", "conditions", "\(i)"]))
        }
        for (i, arm) in each(["armsInterventionsModule", "armGroups"]).enumerated() {
            r.addText(
                .armDescription, arm["description"] as? String, locator: pointer(["armsInterventionsModule", "armGroups", "\(i)", "description"]))
        }
        for (i, item) in each(["armsInterventionsModule", "interventions"]).enumerated() {
            let base = ["armsInterventionsModule", "interventions", "\(i)"]
            r.add(.intervention, item["name"] as? String, locator: pointer(base + ["name"]))
            r.addText(.interventionDescription, item["description"] as? String, locator: pointer(base + ["description"]))
        }
        for (i, outcome) in each(["outcomesModule", "primaryOutcomes"]).enumerated() {
            r.add(.primaryOutcome, outcome["measure"] as? String, locator: pointer(["outcomesModule", "primaryOutcomes", "\(i)", "measure"]))
        }
        addText(.criteria, ["eligibilityModule", "eligibilityCriteria"])
        return r
    }
}

extension TrialParameters {
    func dose(_ agent: String) -> Dose? { doses(agent).first?.value }
    func threshold(_ measure: String) -> Threshold? { thresholds(measure).first?.value }
    var cellDoseValues: [CellDose] { cellDoses.map(\.value) }
}

/// A record with only the given free-text fields, for focused tests.
func record(_ fields: [(FieldKey, String)], file: String = "inline.txt") -> SourceRecord {
    var r = SourceRecord(file: file, format: .plainText)
    for (i, (key, value)) in fields.enumerated() { r.addText(key, value, locator: "field \(i + 1)") }
    return r
}

/// True when `quote`, whitespace-collapsed, occurs in `source` whitespace-collapsed.
func isQuote(_ quote: String, of source: String) -> Bool {
    source.collapsingWhitespace.contains(quote)
}
