import Foundation
import TestSupport
import Testing
import TrialModel
import TrialReaders

@testable import TrialPipeline

/// A file of many studies (the registry site's `ctg-studies.json` download, an API page, a
/// classic bundle) has its records extracted on several cores: the records, their order and the
/// file's summary are those of one core.
@Suite struct ManyRecordFileTests {
    /// The real API v2 studies `times` over in one JSON array, as the site's download writes them:
    /// a file over the 4 MB above which studies are read one at a time.
    static func studyArray(times: Int) throws -> [UInt8] {
        let studies = try Fixtures.files(under: "realdata/ctgov-json").map { try Fixtures.bytes($0) }
        let copies = Array(repeating: studies, count: times).flatMap { $0 }
        return Array("[".utf8) + Array(copies.joined(separator: Array(",\n".utf8))) + Array("]".utf8)
    }

    /// The file's bytes and how many records it holds: a real `ctg-studies.json` download of 128
    /// studies, and the real classic bundle of 100.
    static func input(_ name: String) throws -> (bytes: [UInt8], records: Int) {
        name == "ctg-studies.json"
            ? (
                try Fixtures.bytesOf(
                    PackageFolder.shared.appendingPathComponent(
                        "realdata/ctgov-json-bulk/bundles/ctg-studies_UserZetsu_digital-therapeutics_128studies_indent2.json")),
                128
            )
            : (try Fixtures.bytes("realdata/bundles/ctgov-classic-v1_covid-19-search_100studies.json"), 100)
    }

    @Test(arguments: ["ctg-studies.json", "classic.json"]) func recordsAreThoseOfOneCore(_ name: String) throws {
        let input = try Self.input(name)
        #expect(input.records > StreamedExtraction.chunk)
        let file = InputFile(path: name, bytes: input.bytes, identity: name)
        let one = Pipeline.parse(file, jobs: 1)
        let shared = Pipeline.parse(file, jobs: 4)
        #expect(one.summary.error == nil)
        #expect(one.records.count == input.records)
        #expect(shared.records.map(\.source.index) == Array(0..<input.records))
        #expect(shared.records == one.records)
        #expect(shared.summary == one.summary)
        #expect(Set(one.records.map(\.primaryID.value)).count == input.records)
    }

    /// A download cut short fails as a whole, on one core or several, though its first studies
    /// were read (and handed to other cores) before the reader met the cut: no records, and the
    /// error names the file and the line.
    @Test func aFileCutShortGivesNoRecords() throws {
        let whole = try Self.studyArray(times: 16)
        #expect(whole.count > 4 << 20)  // read one study at a time
        let cut = Array(whole[..<(whole.count * 3 / 4)])
        for jobs in [1, 4] {
            let result = Pipeline.parse(InputFile(path: "ctg-studies.json", bytes: cut), jobs: jobs)
            #expect(result.records.isEmpty)
            #expect(result.summary.records == 0)
            #expect(result.summary.error?.hasPrefix("ctg-studies.json: not valid JSON: line ") == true, "\(result.summary.error ?? "")")
        }
        let full = Pipeline.parse(InputFile(path: "ctg-studies.json", bytes: whole), jobs: 4)
        #expect(full.records.count == 192)
        #expect(full.records.map(\.source.index) == Array(0..<192))
    }
}
