import Foundation
import Testing
import TrialModel
import XMLKit

@testable import TrialReaders

@Suite struct SniffAndErrorTests {
    @Test func formatIsChosenByContentNotExtension() throws {
        var xml = try RealData.file("ctgov-xml/NCT00001177.xml")
        xml.path = "misnamed.json"
        #expect(try ReaderRegistry.reader(for: xml).format == .ctgovXML)
        var json = try RealData.file("ctgov-json/NCT06008288.json")
        json.path = "record.txt"
        #expect(try ReaderRegistry.reader(for: json).format == .ctgovJSON)
        #expect(try ReaderRegistry.reader(for: RealData.file("html/ChiCTR2400084905.html")).format == .registryHTML)
    }

    @Test func emptyBinaryAndMalformedInputsGiveClearErrors() throws {
        #expect(throws: ReaderError.empty(file: "e.xml")) { try ReaderRegistry.read(InputFile(path: "e.xml", bytes: [])) }
        let binary = InputFile(path: "b.bin", bytes: (0..<512).map { UInt8(($0 * 7919) & 0xFF) })
        #expect(throws: ReaderError.binary(file: "b.bin")) { try ReaderRegistry.read(binary) }
        let broken = InputFile(path: "broken.xml", bytes: Array("<clinical_study>\n<id_info>\n<nct_id>NCT1</id_info>\n".utf8))
        do {
            _ = try ReaderRegistry.read(broken)
            Issue.record("malformed XML was accepted")
        } catch let error as XMLKitError {
            #expect(error.description.hasPrefix("broken.xml:3:"))
        }
        let badJSON = InputFile(path: "bad.json", bytes: Array("{\"protocolSection\": {\"a\": }".utf8))
        #expect { try ReaderRegistry.read(badJSON) } throws: { error in
            guard case ReaderError.malformedJSON(let file, _) = error else { return false }
            return file == "bad.json"
        }
    }

    @Test func ctgovErrorPageIsNotATrial() throws {
        #expect {
            try RealData.read("html/ctgov-invalid-nct-id-error-page.html")
        } throws: { error in
            guard case ReaderError.notATrialRecord(let file, _) = error else { return false }
            return file == "html/ctgov-invalid-nct-id-error-page.html"
        }
    }
}
