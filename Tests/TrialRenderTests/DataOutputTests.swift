import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialRender

@Suite struct CSVOutputTests {
    let renderer: ReportRenderer
    init() throws { renderer = try Fixture.renderer() }

    @Test func headerStartsWithTheStableHeader() throws {
        let csv = try renderer.render(Fixture.landscape(), as: .csv)
        let rows = parseCSV(csv)
        let header = try #require(rows.first)
        #expect(Array(header.prefix(ParameterCatalog.stableHeader.count)) == ParameterCatalog.stableHeader)
        #expect(header == Fixture.landscape().matrix.rows.map(\.key))
        #expect(csv.hasPrefix(ParameterCatalog.stableHeader.joined(separator: ",") + ","))
    }

    @Test func oneRowPerTrialWithCRLF() throws {
        let csv = try renderer.render(Fixture.landscape(), as: .csv)
        #expect(csv.hasSuffix("\r\n"))
        #expect(!csv.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        let rows = parseCSV(csv)
        #expect(rows.count == 3)
        #expect(rows.allSatisfy { $0.count == rows[0].count })
        #expect(rows.dropFirst().map { $0[0] } == ["NCT06337474", "NCT06464679"])
    }

    @Test func valuesAreQuotedAndFormulasGuarded() throws {
        let landscape = Fixture.landscape(
            firstTitle: "Study \"A\", phase 1\nsecond line", sponsor: "=HYPERLINK(\"http://evil\",\"x\")",
            condition: "@SUM(1)")
        let csv = try renderer.render(landscape, as: .csv)
        let rows = parseCSV(csv)
        let header = rows[0]
        let row = rows[1]
        func cell(_ key: String) -> String { row[header.firstIndex(of: key)!] }
        #expect(cell("title") == "Study \"A\", phase 1\nsecond line")
        #expect(cell("sponsor") == "'=HYPERLINK(\"http://evil\",\"x\")")
        #expect(cell("conditions") == "'@SUM(1)")
        #expect(cell("cyclophosphamide_days") == "-5 -4 -3")
        #expect(cell("cyclophosphamide_mg_m2") == "300")
        #expect(cell("lvef_min_percent") == "50")
        #expect(cell("ecog_max") == "")
        #expect(rows[2][header.firstIndex(of: "cyclophosphamide_days")!] == "-3")
        #expect(csv.contains(",\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\","))
    }
}

@Suite struct JSONOutputTests {
    let renderer: ReportRenderer
    init() throws { renderer = try Fixture.renderer() }

    @Test func isValidJSONWithTheEnvelope() throws {
        let json = try renderer.render(Fixture.landscape(), as: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "trialdiff/trials@1")
        #expect((object["trials"] as? [Any])?.count == 2)
        #expect((object["inputs"] as? [Any])?.count == 3)
        #expect(object["matrix"] is [String: Any])
        #expect(json.hasPrefix("{\n  \"inputs\" : ["))
    }

    @Test func roundTripsToTheSameDocument() throws {
        let landscape = Fixture.landscape()
        let json = try renderer.render(landscape, as: .json)
        let decoded = try JSONDecoder().decode(TrialsDocument.self, from: Data(json.utf8))
        #expect(decoded == TrialsDocument(landscape))
    }

    @Test func keysAreSortedAndSlashesUnescaped() throws {
        let json = try renderer.render(Fixture.landscape(), as: .json)
        #expect(json.contains("/protocolSection/eligibilityModule/eligibilityCriteria"))
        #expect(!json.contains("\\/"))
        // Keys of every object appear in sorted order.
        var stack: [[String]] = []
        var violations: [String] = []
        for line in json.components(separatedBy: "\n") {
            let t = line.trimmingCharacters(in: .whitespaces)
            if let keyEnd = t.range(of: "\" : "), t.hasPrefix("\"") {
                let key = String(t[t.index(after: t.startIndex)..<keyEnd.lowerBound])
                if let last = stack.last?.last, last >= key { violations.append("\(last) >= \(key)") }
                if !stack.isEmpty { stack[stack.count - 1].append(key) }
            }
            if t.hasSuffix("{") { stack.append([]) }
            if t.hasPrefix("}") { _ = stack.popLast() }
        }
        #expect(violations.isEmpty, "\(violations)")
    }
}
