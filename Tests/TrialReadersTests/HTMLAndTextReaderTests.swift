import Foundation
import TestSupport
import Testing
import TrialModel

@testable import TrialReaders

@Suite struct HTMLAndTextReaderTests {
    @Test func chictrPageYieldsIDTitleStatusAndAge() throws {
        let r = try #require(try RealData.read("html/ChiCTR2400084905.html").first)
        #expect(r.format == .chictrHTML)
        #expect(r.first(.chictrID)?.value == "ChiCTR2400084905")
        #expect(r.first(.title)?.value.hasPrefix("SUNRAY-01, A Global Pivotal Study") == true)
        #expect(r.first(.status)?.value == "Not yet recruiting")
        #expect(r.first(.minimumAge)?.value == "18")
        #expect(r.first(.maximumAge) == nil)
        #expect(r.fields(.sex).map(\.value).contains("Both"))
        #expect(r.first(.chictrID)?.locator.hasPrefix("/html/body") == true)
        #expect(r.first(.inclusionCriteria)?.value.contains("at least 18 years of age") == true)
    }

    @Test func mirrorHTMLWithDefinitionListsAndHeadings() throws {
        let html = """
            <!DOCTYPE html><html><head><title>Trial</title></head><body>
            <h1>CD19 CAR-T in lupus</h1>
            <dl><dt>NCT ID</dt><dd>NCT06123456</dd><dt>Total Enrollment:</dt><dd>24 participants</dd>
            <dt>Minimum Eligible Age</dt><dd>18 Years</dd></dl>
            <h3>Recruitment Status</h3><p>RECRUITING</p>
            <table><tr><th>Phase</th><td>Phase 1 | Phase 2</td></tr></table>
            </body></html>
            """
        let r = try #require(try ReaderRegistry.read(InputFile(path: "m.html", bytes: Array(html.utf8))).first)
        #expect(r.format == .registryHTML)
        #expect(r.first(.nctID)?.value == "NCT06123456")
        #expect(r.first(.enrollment)?.value == "24 participants")
        #expect(r.first(.minimumAge)?.value == "18 Years")
        #expect(r.first(.status)?.value == "RECRUITING")
        #expect(r.first(.phase)?.value == "Phase 1 | Phase 2")
    }

    static let seeds = Fixtures.seeds

    static func seed(_ name: String) throws -> SourceRecord {
        let url = seeds.appendingPathComponent(name)
        let records = try ReaderRegistry.read(InputFile(path: name, bytes: Array(try Data(contentsOf: url))))
        return try #require(records.first)
    }

    @Test func seed001AdministrativeLabelsAndRunTogetherCriteria() throws {
        let r = try Self.seed("001_cc96fdf5918e6b4e.txt")
        #expect(r.format == .plainText)
        #expect(r.fields(.nctID).map(\.value) == ["NCT06464679"])  // not the "See also" list
        #expect(r.first(.orgStudyID)?.value == "CHEC2024-181")
        #expect(r.first(.status)?.value == "Not yet recruiting")
        #expect(r.first(.phase)?.value == "Phase 1")
        #expect(r.first(.enrollment)?.value == "72")
        #expect(r.first(.ageBand)?.value == "18 Years to 65 Years")
        #expect(r.first(.sponsor)?.value == "Changhai Hospital")
        #expect(r.first(.criteria)?.value.hasPrefix("Common inclusion criteria: 1. Age: = 18 years old") == true)
        #expect(r.first(.summary)?.value.contains("36-72 patients") == true)
        #expect(r.first(.interventionDescription)?.value.contains("Cyclophosphamide (300mg/m2 per day)") == true)
        #expect(r.first(.nctID)?.locator == "line 7")
    }

    @Test func seed002MirrorLabelsWithValuesOnNextLine() throws {
        let r = try Self.seed("002_43ccf47ba098859a.txt")
        #expect(r.first(.nctID)?.value == "NCT06337474")
        #expect(r.first(.title)?.value.hasPrefix("An Clinical Study of CD19 CAR NK Cells") == true)
        #expect(r.first(.status)?.value == "RECRUITING")
        #expect(r.first(.phase)?.value == "EARLY_PHASE1")
        #expect(r.first(.enrollment)?.value == "9 participants")
        #expect(r.first(.minimumAge)?.value == "18 Years")
        #expect(r.first(.maximumAge)?.value == "65 Years")
        #expect(r.fields(.condition).map(\.value) == ["Thrombocytopenia Alloimmune"])
        #expect(r.first(.sponsor)?.value == "Changzhou No.2 People's Hospital")
        #expect(r.first(.collaborator)?.value == "Rui Therapeutics Co., Ltd")
        #expect(r.first(.orgStudyID)?.value == "[2023]YLJSA089")
        let criteria = try #require(r.first(.criteria)?.value)
        #expect(criteria.contains("Inclusion Criteria") && criteria.contains("Exclusion Criteria"))
        #expect(criteria.contains("12. Any situation judged by the investigators"))
        #expect(!criteria.contains("Minimum Eligible Age"))
    }

    @Test func seed003HeaderBadgesAndStandaloneID() throws {
        let r = try Self.seed("003_7e81f2dfff6efa34.txt")
        #expect(r.first(.nctID)?.value == "NCT06469190")
        #expect(r.first(.status)?.value == "Recruiting")
        #expect(r.first(.ageBand)?.value == "18-70 years")
        #expect(r.first(.phase)?.value == "N/A")
        #expect(r.first(.summary)?.value.contains("36 patients are planned") == true)
        #expect(r.first(.criteria)?.value.contains("≥15 ml/min/1.73m2") == true)
        #expect(r.first(.criteria)?.value.contains("{{SITE_NAME}}") == false)
    }

    @Test(arguments: ["000_22635aa42715a471.txt", "004_205f72c26459f71c.txt"])
    func seedsWithoutIDsStillHaveSummaryAndCriteria(_ name: String) throws {
        let r = try Self.seed(name)
        #expect(r.first(.nctID) == nil)
        #expect(r.first(.summary) != nil)
        let criteria = try #require(r.first(.criteria)?.value)
        #expect(criteria.hasPrefix("Inclusion Criteria:"))
        #expect(criteria.contains("Exclusion Criteria:"))
    }
}
