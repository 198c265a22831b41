import Foundation
import TestSupport
import Testing
import TrialPipeline
import ZIPFoundation

@Suite struct ZipInputTests {
    @Test func zipArchivesAreReadEntryByEntry() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        let zipURL = dir.url.appendingPathComponent("bulk-download.bin")  // content decides, not the name
        let archive = try Archive(url: zipURL, accessMode: .create)
        for (relative, name) in [
            ("ctgov-xml/NCT00001177.xml", "studies/NCT00001177.xml"),
            ("ctgov-json/NCT06008288.json", "studies/json/NCT06008288.json"),
        ] {
            let data = try Data(contentsOf: Repo.realdata.appendingPathComponent(relative))
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) {
                (position: Int64, size: Int) in data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try archive.addEntry(with: "__MACOSX/._junk", type: .file, uncompressedSize: Int64(3), compressionMethod: .none) { (_: Int64, _: Int) in
            Data("xyz".utf8)
        }
        try dir.write("broken.zip", [0x50, 0x4B, 0x03, 0x04, 0, 0, 1, 2, 3])

        let l = await Pipeline.landscape(paths: [dir.url.path])
        #expect(l.trials.map(\.id.value) == ["NCT00001177", "NCT06008288"])
        #expect(l.trials[0].sources.first?.file == zipURL.path + "/studies/NCT00001177.xml")
        #expect(l.failures.count == 1)
        #expect(l.failures.first?.error?.contains("broken.zip") == true)
    }
}
