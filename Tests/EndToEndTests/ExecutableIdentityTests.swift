import Foundation
import TestSupport
import Testing
import TrialStore

@testable import TrialPipeline

/// The executable's key (see `ExecutableIdentity.key(ofExecutable:)`) on the built trialdiff:
/// what runs is hashed, its debug information is not, and anything that is not a well-formed
/// ELF file is hashed whole.
@Suite struct ExecutableIdentityTests {
    static func executable() throws -> Data {
        let built = try #require(Repo.product("trialdiff"), "build the trialdiff executable first")
        return try Data(contentsOf: built, options: .alwaysMapped)
    }

    @Test func theKeyCoversTheLoadedSegmentsAndTheSize() throws {
        let bytes = try Self.executable()
        let segments = try #require(ELFSegments.loaded(in: bytes))
        // The code segment maps the file from its start (ELF header and program headers).
        #expect(segments.first?.lowerBound == 0)
        #expect(segments.count >= 2)
        let loaded = segments.reduce(0) { $0 + $1.count }
        #expect(loaded < bytes.count, "a build with symbols maps less than its file")
        let key = ExecutableIdentity.key(ofExecutable: bytes)
        #expect(key.hasPrefix("trialdiff-3/") && key.count == "trialdiff-3/".count + 64)
        #expect(ExecutableIdentity.key(ofExecutable: bytes) == key)

        // One copy, each byte flipped and flipped back (a debug build is hundreds of MB).
        var copy = Data(bytes)
        func keyWithFlipped(_ offset: Int) -> String {
            copy[offset] ^= 0x01
            defer { copy[offset] ^= 0x01 }
            return ExecutableIdentity.key(ofExecutable: copy)
        }
        // A byte of code changed: another key.
        #expect(keyWithFlipped(segments[0].lowerBound + segments[0].count / 2) != key)
        // A byte of the last loaded segment (data) changed: another key.
        let last = try #require(segments.last)
        #expect(keyWithFlipped(last.upperBound - 1) != key)
        // The last byte of the file (section headers, past every segment) changed: the same code
        // runs, the same key.
        let end = bytes.count - 1
        #expect(!segments.contains { $0.contains(end) })
        #expect(keyWithFlipped(end) == key)
        // Bytes appended (an upgrade copied over the old file): another key.
        copy.append(contentsOf: Array("trialdiff upgrade".utf8))
        #expect(ExecutableIdentity.key(ofExecutable: copy) != key)
    }

    @Test func otherFilesAreHashedWhole() throws {
        let record = try Data(contentsOf: Repo.realdata.appendingPathComponent("ctgov-json/NCT03745326.json"))
        let bytes = try Self.executable()
        var header = Data(bytes.prefix(64))
        // The program headers said to lie past the end of the file.
        let farTable =
            Data(bytes.prefix(0x20)) + Data(withUnsafeBytes(of: UInt64(1 << 40).littleEndian, Array.init))
            + Data(bytes[0x28..<64])
        var bigEndian = Data(bytes.prefix(4096))
        bigEndian[5] = 2
        for file in [record, header, farTable, bigEndian, Data()] {
            #expect(ELFSegments.loaded(in: file) == nil)
            #expect(ExecutableIdentity.key(ofExecutable: file) == "trialdiff-2/" + SnapshotStore.sha256(file))
        }
        header.append(0)
        #expect(ELFSegments.loaded(in: header) == nil)
    }
}
