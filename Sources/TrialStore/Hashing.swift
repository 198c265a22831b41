import CLZ4
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

/// The parse cache's blobs: an LZ4 block after the size of the bytes it holds (4 bytes,
/// little-endian). Extracted records are repetitive JSON that LZ4 shrinks about threefold, which
/// keeps the cache of a registry dump on disk. Every input of a first run is compressed and every
/// unchanged input of a later run decompressed, so the codec is chosen for speed over size
/// (deflate gives blobs nearly a third smaller, at several times the time).
enum RecordCompression {
    struct Failure: Error, CustomStringConvertible {
        var operation: String
        var code: Int32
        var description: String { "\(operation) failed (code \(code))" }
    }

    /// Bytes before the LZ4 block: the decompressed size, a little-endian `UInt32`.
    private static let headerSize = MemoryLayout<UInt32>.size

    /// `data` as a blob for ``decompress(_:)``.
    static func compress<Bytes: ContiguousBytes>(_ data: Bytes) throws -> Data {
        try data.withUnsafeBytes { input throws(Failure) -> Data in
            guard input.count <= Int(LZ4_MAX_INPUT_SIZE) else {
                throw Failure(operation: "LZ4_compress_default (\(input.count) bytes, above LZ4's limit)", code: 0)
            }
            let bound = Int(LZ4_compressBound(Int32(input.count)))
            var out = Data(count: headerSize + bound)
            let produced = out.withUnsafeMutableBytes { output -> Int32 in
                output.storeBytes(of: UInt32(input.count).littleEndian, as: UInt32.self)
                guard let source = input.baseAddress else { return 0 }
                let block = output.baseAddress!.advanced(by: headerSize).assumingMemoryBound(to: CChar.self)
                return LZ4_compress_default(source.assumingMemoryBound(to: CChar.self), block, Int32(input.count), Int32(bound))
            }
            guard produced > 0 || input.isEmpty else { throw Failure(operation: "LZ4_compress_default", code: produced) }
            out.count = headerSize + Int(produced)
            return out
        }
    }

    /// The bytes `blob` (from ``compress(_:)``) holds. A damaged blob is an error, never a read
    /// outside it: LZ4's safe decoder checks every offset, and a size past what a block of this
    /// length can hold (LZ4 shrinks at most 255-fold) is refused before anything is allocated.
    static func decompress(_ blob: Data) throws -> Data {
        try blob.withUnsafeBytes { input throws(Failure) -> Data in
            guard input.count >= headerSize else { throw Failure(operation: "LZ4 blob (\(input.count) bytes, no header)", code: 0) }
            let size = Int(UInt32(littleEndian: input.loadUnaligned(as: UInt32.self)))
            let block = input.count - headerSize
            guard size <= block * 255 + 16 else { throw Failure(operation: "LZ4 blob (size \(size) for \(block) bytes)", code: 0) }
            var out = Data(count: size)
            guard size > 0 else { return out }
            let produced = out.withUnsafeMutableBytes { output -> Int32 in
                LZ4_decompress_safe(
                    input.baseAddress!.advanced(by: headerSize).assumingMemoryBound(to: CChar.self),
                    output.baseAddress!.assumingMemoryBound(to: CChar.self), Int32(block), Int32(size))
            }
            guard produced == Int32(size) else { throw Failure(operation: "LZ4_decompress_safe", code: produced) }
            return out
        }
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
