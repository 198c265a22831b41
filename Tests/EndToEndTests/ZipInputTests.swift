import Foundation
import TestSupport
import Testing
import TrialPipeline
import TrialSupport
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

/// Entries of an archive are read a few to a task: a damaged one among them is named and the
/// others are read, every entry is counted once, with one core or two.
@Suite struct ZipBatchTests {
    final class Calls: @unchecked Sendable {
        private let lock = NSLock()
        private var calls: [(Int, Int)] = []
        func add(_ done: Int, _ total: Int) { lock.withLock { calls.append((done, total)) } }
        var all: [(Int, Int)] { lock.withLock { calls } }
    }

    @Test(arguments: [1, 2]) func aDamagedEntryAmongOthersIsNamedAndTheRestRead(jobs: Int) async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        let folder = Repo.realdata.appendingPathComponent("ctgov-json")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        #expect(names.count >= 10)
        let zipURL = dir.url.appendingPathComponent("studies.zip")
        let archive = try Archive(url: zipURL, accessMode: .create)
        for name in names {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            try archive.addEntry(with: "ctg-studies/" + name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) {
                (position: Int64, size: Int) in data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        // The fifth entry's CRC-32 in the central directory no longer matches its data.
        var bytes = [UInt8](try Data(contentsOf: zipURL))
        let headers = (0..<bytes.count - 4).filter { bytes[$0..<$0 + 4] == [0x50, 0x4B, 0x01, 0x02] }
        #expect(headers.count == names.count)
        for k in 0..<4 { bytes[headers[4] + 16 + k] ^= 0xFF }
        try Data(bytes).write(to: zipURL)

        let calls = Calls()
        let l = await Pipeline.landscape(paths: [zipURL.path], jobs: jobs, progress: { calls.add($0, $1) })
        let ids = names.map { String($0.dropLast(5)) }
        #expect(l.trials.map(\.id.value) == ids.enumerated().filter { $0.offset != 4 }.map(\.element))
        #expect(l.failures.count == 1)
        #expect(l.failures.first?.error?.contains("ctg-studies/" + names[4]) == true)
        #expect(l.failures.first?.error?.contains("CRC-32") == true)
        let progress = calls.all
        #expect(progress.last.map { [$0.0, $0.1] } == [names.count, names.count])
        #expect(zip(progress, progress.dropFirst()).allSatisfy { $0.0 < $1.0 })
    }
}

/// A deflated entry is inflated whole when the directory's size is within the caps; a size or
/// CRC-32 that does not match the data still gets the streaming reader's diagnosis.
@Suite struct ZipEntryTests {
    enum Lie: String, CaseIterable { case none, crc, smaller, larger }

    @Test(arguments: Lie.allCases) func aDirectoryThatLiesIsNamed(_ lie: Lie) throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        let study = try Data(contentsOf: Repo.realdata.appendingPathComponent("ctgov-json/NCT06008288.json"))
        let zipURL = dir.url.appendingPathComponent("one.zip")
        let archive = try Archive(url: zipURL, accessMode: .create)
        try archive.addEntry(with: "NCT06008288.json", type: .file, uncompressedSize: Int64(study.count), compressionMethod: .deflate) {
            (position: Int64, size: Int) in study.subdata(in: Int(position)..<Int(position) + size)
        }
        var bytes = [UInt8](try Data(contentsOf: zipURL))
        let central = try #require((0..<bytes.count - 4).first { bytes[$0..<$0 + 4] == [0x50, 0x4B, 0x01, 0x02] })
        func put(_ value: UInt32, at offset: Int) {
            for k in 0..<4 { bytes[central + offset + k] = UInt8(truncatingIfNeeded: value >> (8 * k)) }
        }
        switch lie {
        case .none: break
        case .crc: put(0xDEAD_BEEF, at: 16)
        case .smaller: put(UInt32(study.count - 1), at: 24)
        case .larger: put(UInt32(study.count + 1), at: 24)
        }
        try Data(bytes).write(to: zipURL)

        let reader = try ZipReader(path: zipURL.path)
        let entry = try #require(reader.entries.first)
        let result = Result { () throws(ZipReader.Failure) in try reader.extract(entry, limit: 1 << 30, maxRatio: 100) }
        switch lie {
        case .none: #expect(try result.get() == [UInt8](study))
        case .crc: #expect(throws: ZipReader.Failure.damaged("its CRC-32 does not match its content")) { try result.get() }
        case .smaller, .larger:
            #expect(throws: ZipReader.Failure.self) { try result.get() }
            if case .failure(.damaged(let reason)) = result {
                #expect(reason.hasPrefix("the archive says it holds"))
            } else {
                Issue.record("expected a damaged entry, got \(result)")
            }
        }
    }
}

/// How an archive's entries are handed out: readable entries only (no folders, hidden files or
/// resource forks), in the archive's order, at most ``ZipReader/entryBatch`` to a batch.
@Suite struct ZipEntryBatchTests {
    @Test func batchesHoldTheReadableEntriesInOrder() throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        let folder = Repo.realdata.appendingPathComponent("ctgov-json")
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".json") }.sorted()
        let zipURL = dir.url.appendingPathComponent("studies.zip")
        let archive = try Archive(url: zipURL, accessMode: .create)
        func add(_ name: String, _ data: Data) throws {
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) {
                (position: Int64, size: Int) in data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        try archive.addEntry(with: "ctg-studies/", type: .directory, uncompressedSize: Int64(0)) { (_: Int64, _: Int) in Data() }
        // Small real records (the first few twice, under other names): more than one batch by count.
        var expected: [String] = []
        for (k, name) in (names + names).enumerated() {
            let data = try Data(contentsOf: folder.appendingPathComponent(name))
            let entry = "ctg-studies/\(k)-\(name)"
            try add(entry, data)
            expected.append(entry)
            if k == 3 {
                try add("ctg-studies/.hidden.json", data)
                try add("__MACOSX/ctg-studies/._\(name)", Data("junk".utf8))
            }
        }
        let reader = try ZipReader(path: zipURL.path)
        var next = 0
        var batches: [[ZipReader.Entry]] = []
        while true {
            let batch = reader.nextBatch(from: &next)
            guard !batch.isEmpty else { break }
            batches.append(batch)
        }
        #expect(next == reader.entries.count)
        #expect(batches.flatMap { $0.map(\.name) } == expected)
        for batch in batches {
            #expect(batch.count <= ZipReader.entryBatch.count)
            // A batch closes once it holds the byte limit: only its last entry may cross it.
            #expect(batch.dropLast().reduce(0) { $0 + $1.uncompressedSize } < ZipReader.entryBatch.bytes)
        }
        #expect(batches.count > 1)
        #expect(ZipReader.isArchive(atPath: zipURL.path))
        #expect(!ZipReader.isArchive(atPath: folder.appendingPathComponent(names[0]).path))
        #expect(!ZipReader.isArchive(atPath: dir.url.path))
    }
}
