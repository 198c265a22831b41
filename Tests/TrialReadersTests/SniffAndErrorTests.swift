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

/// The binary sniff steps eight bytes at a time; it must count what a byte-by-byte pass counts.
@Suite struct BinarySniffTests {
    static func byteByByte(_ bytes: [UInt8]) -> Bool {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { return false }
        let count = min(bytes.count, 8192)
        var controls = 0
        for b in bytes.prefix(count) where b < 0x20 {
            if b == 0 { return true }
            if b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C { controls += 1 }
        }
        return controls * 100 > count
    }

    @Test func sniffCountsAsByteByByte() throws {
        let files = FileManager.default.enumerator(atPath: RealData.root.path)!.compactMap { $0 as? String }.sorted()
        var inputs = try files.compactMap { FileManager.default.contents(atPath: RealData.root.appendingPathComponent($0).path) }
            .map { [UInt8]($0) }
        // A control byte, a NUL or a run of controls at every offset of two or three words, in
        // text around the 1 % threshold.
        for k in 0..<24 {
            for control: [UInt8] in [[0x00], [0x01], [0x1B, 0x1B], [0x09], [0xC3, 0xA9, 0x02]] {
                var text = [UInt8](repeating: 0x61, count: 24)
                text.replaceSubrange(k..<min(24, k + control.count), with: control.prefix(24 - k))
                inputs.append(text)
                inputs.append(text + [UInt8](repeating: 0x62, count: 150))
            }
        }
        var binary = 0
        for bytes in inputs {
            #expect(ReaderRegistry.isBinary(bytes) == Self.byteByByte(bytes), "\(bytes.prefix(40))")
            if Self.byteByByte(bytes) { binary += 1 }
        }
        #expect(binary > 20)
        #expect(inputs.count - binary > 100)
    }
}
