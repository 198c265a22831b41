import Foundation
import Testing
import TrialModel

@testable import TrialReaders

@Suite struct CTGovReaderTests {
    /// Every single-trial ClinicalTrials.gov record: the raw structured fields read equal TRUTH.tsv.
    @Test(arguments: RealData.truth)
    func structuredFieldsMatchTruth(_ row: RealData.TruthRow) throws {
        let records = try RealData.read(row.file)
        #expect(records.count == 1)
        let r = try #require(records.first)
        func value(_ key: FieldKey) -> String { r.fields(key).map(\.value).joined(separator: "|") }
        #expect(value(.nctID) == row.id)
        #expect(value(.minimumAge) == row.minimumAge)
        #expect(value(.maximumAge) == row.maximumAge)
        #expect(value(.enrollment) == row.enrollment)
        #expect(value(.enrollmentType) == row.enrollmentType)
        #expect(value(.phase) == row.phase)
        #expect(value(.status) == row.status)
        #expect(value(.sex) == row.gender)
        #expect(!r.fields.contains { $0.locator.isEmpty })
    }

    @Test func xmlLocatorsAreXPathsAndCriteriaKeepLines() throws {
        let r = try #require(try RealData.read("ctgov-xml/NCT00513591.xml").first)
        #expect(r.format == .ctgovXML)
        let criteria = try #require(r.first(.criteria))
        #expect(criteria.locator == "/clinical_study/eligibility/criteria/textblock")
        #expect(criteria.value.hasPrefix("Inclusion Criteria:"))
        #expect(criteria.value.contains("\n"))
        #expect(r.first(.sponsor)?.value == "Duke University")
    }

    @Test func jsonLocatorsAreJSONPointers() throws {
        let r = try #require(try RealData.read("ctgov-json/NCT05438667.json").first)
        #expect(r.format == .ctgovJSON)
        #expect(r.first(.criteria)?.locator == "/protocolSection/eligibilityModule/eligibilityCriteria")
        #expect(r.fields(.interventionDescription).contains { $0.value.contains("300-450mg/m²") })
    }

    @Test func classicBundleYieldsEveryStudy() throws {
        let records = try RealData.read("bundles/ctgov-classic-v1_covid-19-search_100studies.json")
        #expect(records.count == 100)
        #expect(records.allSatisfy { $0.first(.nctID)?.value.hasPrefix("NCT") == true })
        #expect(Set(records.compactMap { $0.first(.nctID)?.value }).count == 100)
    }

    @Test func rssFeedYieldsPartialRecordsAndEmptyFeedNone() throws {
        let items = try RealData.read("bundles/ctgov-rss_covid_search.xml")
        #expect(!items.isEmpty)
        let first = try #require(items.first)
        #expect(first.first(.nctID)?.value == "NCT04425629")
        #expect(first.first(.sponsor)?.value == "Regeneron Pharmaceuticals")
        #expect(first.first(.status)?.value == "Recruiting")
        #expect(try RealData.read("bundles/ctgov-empty_search.xml").isEmpty)
    }

    @Test func searchResultsBundleIsReadRecordByRecord() throws {
        let a = try RealData.file("ctgov-xml/NCT00513591.xml")
        let b = try RealData.file("ctgov-xml/NCT02028676.xml")
        func body(_ f: InputFile) -> String {
            String(decoding: f.bytes, as: UTF8.self).replacingOccurrences(of: "<?xml version=\"1.0\" encoding=\"UTF-8\"?>", with: "")
        }
        let bundle = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<search_results count=\"2\">\(body(a))\(body(b))</search_results>"
        let records = try ReaderRegistry.read(InputFile(path: "bundle.xml", bytes: Array(bundle.utf8)))
        #expect(records.map { $0.first(.nctID)?.value } == ["NCT00513591", "NCT02028676"])
        #expect(records.map(\.index) == [0, 1])
    }
}

/// The streaming reader (libxml2's SAX2 parser, no tree) must give exactly the records the DOM reader gives:
/// same fields, values, XPath locators and order, on every real XML record.
@Suite struct StreamingReaderEquivalenceTests {
    static let xmlFiles: [String] = {
        let dir = RealData.root.appendingPathComponent("ctgov-xml")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { $0.hasSuffix(".xml") }.sorted().map { "ctgov-xml/" + $0 } + ["versions/NCT00513591_redownloaded.xml"]
    }()

    @Test(arguments: xmlFiles)
    func streamedRecordsEqualDOMRecords(_ relative: String) throws {
        let file = try RealData.file(relative)
        let reader = CTGovXMLReader()
        let streamed = try reader.read(file)
        let dom = try reader.readWithDOM(file)
        #expect(streamed == dom)
        #expect(!streamed.isEmpty)
    }
}
