import CLibDeflate
import CZlibDeflate
import Crypto
import Foundation
import Synchronization
import TrialCompare
import TrialModel
import TrialSupport

extension SnapshotStore {
    /// SHA-256 of `bytes` as 64 lower-case hex digits.
    public static func sha256(_ bytes: [UInt8]) -> String {
        hex(SHA256.hash(data: bytes))
    }

    /// SHA-256 of `data` as 64 lower-case hex digits.
    public static func sha256(_ data: Data) -> String {
        hex(SHA256.hash(data: data))
    }

    /// SHA-256 fed piece by piece, for a digest of more than should be held at once (a run's key
    /// over 100k inputs and findings).
    public struct Digest {
        private var hash = SHA256()

        public init() {}

        /// Adds `bytes` to what is hashed.
        public mutating func update(_ bytes: [UInt8]) { hash.update(data: bytes) }

        /// Adds `data` to what is hashed (a slice of a mapped file is not copied).
        public mutating func update(_ data: Data) { hash.update(data: data) }

        /// The SHA-256 of everything added, as 64 lower-case hex digits.
        public func finalize() -> String { SnapshotStore.hex(hash.finalize()) }
    }

    /// The fingerprint of an input file read as `bytes`, to pass in `Snapshot(landscape:inputs:)`.
    public static func fingerprint(path: String, bytes: [UInt8]) -> InputFingerprint {
        InputFingerprint(path: path, sha256: sha256(bytes), size: bytes.count)
    }

    fileprivate static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for b in digest {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// Raw deflate for parse-cache blobs: extracted records are repetitive JSON and shrink
/// several-fold, which keeps the cache of a registry dump on disk. The cache is written for every
/// input of a first run, so it is compressed by libdeflate at level 1: on these records about
/// twice as fast as zlib's level 1, and a little smaller. zlib inflates it (the same format).
enum Deflate {
    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var code: Int32
        var description: String { "\(operation) failed (code \(code))" }
    }

    /// `data` as raw deflate (no zlib or gzip header).
    static func compress<Bytes: ContiguousBytes>(_ data: Bytes) throws -> Data {
        let compressor = try Compressor.take()
        defer { Compressor.give(compressor) }
        return try data.withUnsafeBytes { input throws(Failure) -> Data in
            let bound = libdeflate_deflate_compress_bound(compressor.handle, input.count)
            var out = [UInt8](repeating: 0, count: bound)
            let produced = out.withUnsafeMutableBytes { output in
                libdeflate_deflate_compress(compressor.handle, input.baseAddress, input.count, output.baseAddress, bound)
            }
            guard produced > 0 || input.isEmpty else { throw Failure(operation: "libdeflate_deflate_compress", code: 0) }
            return Data(out[..<produced])
        }
    }

    /// A libdeflate compressor (level 1), freed with its owner. Reused from a pool: allocating
    /// one per blob maps and faults in its hash tables every time.
    final class Compressor: @unchecked Sendable {
        let handle: OpaquePointer

        private init() throws(Failure) {
            guard let handle = libdeflate_alloc_compressor(1) else { throw Failure(operation: "libdeflate_alloc_compressor", code: 0) }
            self.handle = handle
        }

        deinit { libdeflate_free_compressor(handle) }

        private static let pool = Mutex<[Compressor]>([])

        /// A compressor no other thread is using.
        static func take() throws(Failure) -> Compressor {
            if let idle = pool.withLock({ $0.popLast() }) { return idle }
            return try Compressor()
        }

        /// Returns `compressor` to the pool (which keeps a few per core at most).
        static func give(_ compressor: Compressor) {
            pool.withLock { if $0.count < 16 { $0.append(compressor) } }
        }
    }

    static func decompress(_ data: Data) throws -> Data {
        var stream = z_stream()
        var status = inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size))
        guard status == Z_OK else { throw Failure(operation: "zlib inflateInit", code: status) }
        defer { inflateEnd(&stream) }
        var out = Data()
        var buffer = [UInt8](repeating: 0, count: max(64 * 1024, data.count * 4))
        try data.withUnsafeBytes { input in
            stream.next_in = UnsafeMutablePointer(mutating: input.bindMemory(to: Bytef.self).baseAddress)
            stream.avail_in = uInt(input.count)
            repeat {
                let count = try buffer.withUnsafeMutableBytes { output -> Int in
                    stream.next_out = output.bindMemory(to: Bytef.self).baseAddress
                    stream.avail_out = uInt(output.count)
                    status = inflate(&stream, Z_NO_FLUSH)
                    guard status == Z_OK || status == Z_STREAM_END else {
                        throw Failure(operation: "zlib inflate", code: status)
                    }
                    return output.count - Int(stream.avail_out)
                }
                out.append(contentsOf: buffer[..<count])
            } while status != Z_STREAM_END
        }
        return out
    }
}

/// JSON as the store writes it: compact, keys sorted, slashes unescaped — byte-stable, so equal
/// values have equal hashes.
enum StoreJSON {
    /// Compact, sorted keys, slashes unescaped: `JSONEncoder`'s bytes with those options.
    static func encoder() -> StableJSONEncoder { StableJSONEncoder(pretty: false) }

    static func encode<T: Encodable>(_ value: T) throws -> Data { Data(try encoder().encode(value)) }

    /// Compact JSON with keys in encoding order, for what only trialdiff's decoder reads back.
    static func encodeUnsorted<T: Encodable>(_ value: T) throws -> [UInt8] { try StreamingJSONEncoder.encodeAnyOrder(value) }

    static func string<T: Encodable>(_ value: T) throws -> String { String(decoding: try encoder().encode(value), as: UTF8.self) }

    static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T { try StableJSONDecoder().decode(type, from: data) }

    static func decode<T: Decodable>(_ type: T.Type, from string: String) throws -> T {
        try StableJSONDecoder().decode(type, from: string)
    }
}

extension TrialRecord {
    /// The record as if its file had been read at `newPath`: the source reference and every
    /// evidence (parameters, criteria, findings) that named the record's file now name `newPath`.
    /// Use it on records from the parse cache when the file was renamed or moved; a record whose
    /// file already is `newPath` is returned unchanged.
    public func relocated(to newPath: String) -> TrialRecord {
        let oldPath = source.file
        guard oldPath != newPath else { return self }
        // Every `file` field in the record's JSON (SourceRef, Evidence) is rewritten, so a field
        // added to the model later is covered without changing this code. In compact JSON the
        // pattern `"file":"<old>"` occurs only as a key/value pair: inside a string value its
        // quotes would be escaped.
        do {
            let json = try StoreJSON.string(self)
            let from = "\"file\":" + (try StoreJSON.string(oldPath))
            let to = "\"file\":" + (try StoreJSON.string(newPath))
            return try StoreJSON.decode(TrialRecord.self, from: json.replacingOccurrences(of: from, with: to))
        } catch {
            // Encoding a TrialRecord cannot fail; fall back to the fields known today.
            var r = self
            r.source.file = newPath
            return r
        }
    }
}
