import CLibDeflate
import CZlibDeflate
import Foundation

/// Reads the entries of a zip archive one at a time, with every size the archive states checked
/// before it is used, and every entry that cannot be read reported by name.
///
/// Written here rather than taken from ZIPFoundation because its iterator ends silently at the
/// first encrypted or damaged entry (dropping it and every later one) and it inflates an entry
/// whole, with no cap, into a buffer sized by what the header claims. Here an entry is inflated
/// in chunks with a cap on the bytes it may produce and on its inflation ratio; a damaged
/// central directory is an error naming how many entries it hides.
/// Entries may be extracted from several threads at once: the reader's state is immutable after
/// `init` and every read is a positioned `pread`.
public final class ZipReader: @unchecked Sendable {
    /// One entry as the central directory lists it.
    public struct Entry: Sendable {
        /// Position in the central directory (0-based).
        public var index: Int
        /// The name: UTF-8 when the archive says so or the bytes are valid UTF-8, else read as
        /// code page 437 (the zip format's default), so no name is dropped.
        public var name: String
        public var flags: UInt16
        public var method: UInt16
        public var crc32: UInt32
        public var compressedSize: UInt64
        public var uncompressedSize: UInt64
        public var localHeaderOffset: UInt64

        public var isDirectory: Bool { name.hasSuffix("/") }
        public var isEncrypted: Bool { flags & 1 != 0 }
    }

    /// Why an archive or an entry could not be read, in words a user can act on.
    public enum Failure: Error, CustomStringConvertible, Sendable, Equatable {
        case notAnArchive(String)
        case damaged(String)
        case encrypted
        case unsupportedMethod(UInt16)
        case tooLarge(limit: Int)
        case inflationRatio(limit: Int)

        public var description: String {
            switch self {
            case .notAnArchive(let reason): "not a readable zip archive: \(reason)"
            case .damaged(let reason): "damaged archive entry: \(reason)"
            case .encrypted: "the entry is encrypted; trialdiff reads only unencrypted archives"
            case .unsupportedMethod(let m): "the entry uses compression method \(m); trialdiff reads stored and deflated entries"
            case .tooLarge(let limit):
                "the entry inflates to more than \(ByteCount.describe(limit)), the input size limit (--max-input-size)"
            case .inflationRatio(let limit):
                "the entry inflates to more than \(limit) times its compressed size (a zip bomb?)"
            }
        }
    }

    /// The entries the central directory lists, in its order.
    public let entries: [Entry]

    /// A zip archive by its first four bytes (extension is not trusted). Only a regular file is
    /// looked at: opening a FIFO would wait for a writer.
    public static func isArchive(atPath path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else { return false }
        var head: UInt32 = 0
        return pread(fd, &head, 4, 0) == 4 && withUnsafeBytes(of: &head) { $0.elementsEqual([0x50, 0x4B, 0x03, 0x04]) }
    }

    /// Entries worth reading: not folders, not hidden, not macOS resource forks.
    public static func isReadable(_ entry: Entry) -> Bool {
        !entry.isDirectory && !entry.name.split(separator: "/").contains { $0.hasPrefix(".") || $0 == "__MACOSX" }
    }

    /// The most entries one batch holds, and the uncompressed bytes after which it takes no
    /// more: a task per API v2 study (a few KB) spent more on waking a thread than on the study;
    /// few enough that both cores stay busy to the end and little is held at once.
    public static let entryBatch = (count: 8, bytes: UInt64(64 << 10))

    /// The next batch of readable entries from position `next` on (``entryBatch``), moving
    /// `next` past them; empty once no readable entry is left.
    public func nextBatch(from next: inout Int) -> [Entry] {
        var batch: [Entry] = []
        var bytes: UInt64 = 0
        while next < entries.count, batch.count < Self.entryBatch.count, bytes < Self.entryBatch.bytes {
            let entry = entries[next]
            next += 1
            guard Self.isReadable(entry) else { continue }
            batch.append(entry)
            bytes += entry.uncompressedSize
        }
        return batch
    }
    /// Set when the central directory is damaged part way: what could not be listed.
    public let directoryProblem: String?

    private let fd: Int32
    private let size: UInt64

    /// Opens the archive at `path` and reads its central directory.
    public init(path: String) throws(Failure) {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw .notAnArchive(String(cString: strerror(errno))) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_size >= 0 else {
            close(fd)
            throw .notAnArchive(String(cString: strerror(errno)))
        }
        self.fd = fd
        self.size = UInt64(info.st_size)
        do {
            (entries, directoryProblem) = try Self.readDirectory(fd: fd, size: size)
        } catch {
            close(fd)
            throw error
        }
    }

    deinit { close(fd) }

    // MARK: Central directory

    private static func readDirectory(fd: Int32, size: UInt64) throws(Failure) -> ([Entry], String?) {
        // The end record is in the last 22 bytes plus a comment of up to 65,535 bytes.
        let tailLength = Int(min(size, 22 + 65_535))
        guard tailLength >= 22 else { throw .notAnArchive("too short for a zip archive (\(size) bytes)") }
        let tail = try read(fd: fd, at: size - UInt64(tailLength), count: tailLength, size: size)
        var eocd: Int?
        var i = tail.count - 22
        while i >= 0 {
            if tail.u32(i) == 0x0605_4b50 {
                eocd = i
                break
            }
            i -= 1
        }
        guard let eocd else { throw .notAnArchive("no end of central directory record") }
        var count = UInt64(tail.u16(eocd + 10))
        var directorySize = UInt64(tail.u32(eocd + 12))
        var directoryOffset = UInt64(tail.u32(eocd + 16))
        let eocdPosition = size - UInt64(tailLength) + UInt64(eocd)
        if count == 0xFFFF || directorySize == 0xFFFF_FFFF || directoryOffset == 0xFFFF_FFFF {
            // ZIP64: a locator 20 bytes before the end record points at the ZIP64 end record.
            guard eocdPosition >= 20 else { throw .notAnArchive("ZIP64 end record locator missing") }
            let locator = try read(fd: fd, at: eocdPosition - 20, count: 20, size: size)
            guard locator.u32(0) == 0x0706_4b50 else { throw .notAnArchive("ZIP64 end record locator missing") }
            let recordOffset = locator.u64(8)
            let record = try read(fd: fd, at: recordOffset, count: 56, size: size)
            guard record.u32(0) == 0x0606_4b50 else { throw .notAnArchive("ZIP64 end record damaged") }
            count = record.u64(32)
            directorySize = record.u64(40)
            directoryOffset = record.u64(48)
        }
        guard directoryOffset <= size, directorySize <= size - directoryOffset else {
            throw .notAnArchive("the central directory lies outside the file")
        }
        // Each entry takes at least 46 bytes of the directory: a larger count is a lie.
        guard count <= directorySize / 46 + 1 else {
            throw .notAnArchive("the archive claims \(count) entries in a \(directorySize)-byte directory")
        }
        let directory = try read(fd: fd, at: directoryOffset, count: Int(directorySize), size: size)
        var entries: [Entry] = []
        entries.reserveCapacity(Int(count))
        var p = 0
        for index in 0..<Int(count) {
            guard p + 46 <= directory.count, directory.u32(p) == 0x0201_4b50 else {
                let left = Int(count) - index
                return (entries, "central directory entry \(index + 1) of \(count) is damaged; it and the \(left - 1) after it cannot be read")
            }
            let nameLength = Int(directory.u16(p + 28))
            let extraLength = Int(directory.u16(p + 30))
            let commentLength = Int(directory.u16(p + 32))
            guard p + 46 + nameLength + extraLength + commentLength <= directory.count else {
                let left = Int(count) - index
                return (entries, "central directory entry \(index + 1) of \(count) is truncated; it and the \(left - 1) after it cannot be read")
            }
            let flags = directory.u16(p + 8)
            let nameBytes = Array(directory[(p + 46)..<(p + 46 + nameLength)])
            var entry = Entry(
                index: index, name: decodeName(nameBytes, utf8Flag: flags & 0x0800 != 0), flags: flags,
                method: directory.u16(p + 10), crc32: directory.u32(p + 16), compressedSize: UInt64(directory.u32(p + 20)),
                uncompressedSize: UInt64(directory.u32(p + 24)), localHeaderOffset: UInt64(directory.u32(p + 42)))
            // ZIP64 extra field: the 8-byte values of the fields that hold 0xFFFFFFFF, in order.
            var e = p + 46 + nameLength
            let extraEnd = e + extraLength
            while e + 4 <= extraEnd {
                let id = directory.u16(e)
                let length = Int(directory.u16(e + 2))
                let body = e + 4
                guard body + length <= extraEnd else { break }
                if id == 0x0001 {
                    var q = body
                    if entry.uncompressedSize == 0xFFFF_FFFF, q + 8 <= body + length {
                        entry.uncompressedSize = directory.u64(q)
                        q += 8
                    }
                    if entry.compressedSize == 0xFFFF_FFFF, q + 8 <= body + length {
                        entry.compressedSize = directory.u64(q)
                        q += 8
                    }
                    if entry.localHeaderOffset == 0xFFFF_FFFF, q + 8 <= body + length {
                        entry.localHeaderOffset = directory.u64(q)
                    }
                }
                e = body + length
            }
            entries.append(entry)
            p += 46 + nameLength + extraLength + commentLength
        }
        return (entries, nil)
    }

    /// A name as UTF-8 when flagged or valid, else as code page 437.
    static func decodeName(_ bytes: [UInt8], utf8Flag: Bool) -> String {
        if let utf8 = String(validating: bytes, as: UTF8.self) { return utf8 }
        if utf8Flag { return String(decoding: bytes, as: UTF8.self) }
        return String(String.UnicodeScalarView(bytes.map { cp437[Int($0)] }))
    }

    /// Code page 437, the zip format's default name encoding.
    private static let cp437: [Unicode.Scalar] = {
        let high = Array(
            "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u{A0}"
                .unicodeScalars)
        return (0..<128).map { Unicode.Scalar(UInt8($0)) } + high
    }()

    // MARK: Entries

    /// The bytes of `entry`: at most `limit` of them, and, once past 16 MiB, at most `maxRatio`
    /// times the compressed bytes read so far. Checks the local header, the CRC-32 and the size
    /// the directory states.
    public func extract(_ entry: Entry, limit: Int, maxRatio: Int) throws(Failure) -> [UInt8] {
        guard !entry.isEncrypted else { throw .encrypted }
        guard entry.method == 0 || entry.method == 8 else { throw .unsupportedMethod(entry.method) }
        let header = try Self.read(fd: fd, at: entry.localHeaderOffset, count: 30, size: size, what: "local header")
        guard header.u32(0) == 0x0403_4b50 else { throw .damaged("no local header where the directory points") }
        let dataStart = entry.localHeaderOffset + 30 + UInt64(header.u16(26)) + UInt64(header.u16(28))
        guard dataStart <= size, entry.compressedSize <= size - dataStart else {
            throw .damaged("its compressed data would run past the end of the file")
        }
        // A stored entry is its compressed bytes, so its stated size is checked before reading.
        if entry.method == 0 {
            guard entry.compressedSize == entry.uncompressedSize else { throw .damaged("stored entry with two different sizes") }
            guard entry.compressedSize <= UInt64(limit) else { throw .tooLarge(limit: limit) }
        }
        if entry.method == 8, let whole = try inflateWhole(entry, at: dataStart, limit: limit, maxRatio: maxRatio) {
            return whole
        }
        var out: [UInt8] = []
        // Reserve what the directory states only when it is plausible; never trust it beyond.
        out.reserveCapacity(Int(min(entry.uncompressedSize, UInt64(min(limit, 64 << 20)))))
        var crc = crc32(0, nil, 0)
        let chunkSize = 1 << 16
        var offset = dataStart
        var remaining = entry.compressedSize
        if entry.method == 0 {
            while remaining > 0 {
                let n = Int(min(UInt64(chunkSize), remaining))
                let chunk = try Self.read(fd: fd, at: offset, count: n, size: size)
                chunk.withUnsafeBufferPointer { crc = crc32(crc, $0.baseAddress, uInt($0.count)) }
                out += chunk
                offset += UInt64(n)
                remaining -= UInt64(n)
            }
        } else {
            var stream = z_stream()
            guard inflateInit2_(&stream, -MAX_WBITS, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
                throw .damaged("zlib could not start")
            }
            defer { inflateEnd(&stream) }
            var output = [UInt8](repeating: 0, count: chunkSize)
            var finished = false
            while !finished {
                guard remaining > 0 else { throw .damaged("its compressed data ends early") }
                let n = Int(min(UInt64(chunkSize), remaining))
                var input = try Self.read(fd: fd, at: offset, count: n, size: size)
                offset += UInt64(n)
                remaining -= UInt64(n)
                let status: Int32 = input.withUnsafeMutableBufferPointer { inBuffer in
                    stream.next_in = inBuffer.baseAddress
                    stream.avail_in = uInt(inBuffer.count)
                    var status = Z_OK
                    repeat {
                        status = output.withUnsafeMutableBufferPointer { outBuffer in
                            stream.next_out = outBuffer.baseAddress
                            stream.avail_out = uInt(outBuffer.count)
                            return inflate(&stream, Z_NO_FLUSH)
                        }
                        let produced = chunkSize - Int(stream.avail_out)
                        output.withUnsafeBufferPointer { crc = crc32(crc, $0.baseAddress, uInt(produced)) }
                        out.append(contentsOf: output[..<produced])
                        if out.count > limit { return -100 }
                        if out.count > 16 << 20, UInt64(out.count) > UInt64(stream.total_in) * UInt64(maxRatio) { return -101 }
                    } while status == Z_OK && stream.avail_out == 0
                    return status
                }
                switch status {
                case -100: throw .tooLarge(limit: limit)
                case -101: throw .inflationRatio(limit: maxRatio)
                case Z_STREAM_END: finished = true
                case Z_OK, Z_BUF_ERROR: continue
                default: throw .damaged("its deflated data is corrupt (zlib error \(status))")
                }
            }
        }
        guard UInt64(out.count) == entry.uncompressedSize else {
            throw .damaged(
                "the archive says it holds \(ByteCount.describe(entry.uncompressedSize)), it holds \(ByteCount.describe(UInt64(out.count)))")
        }
        guard UInt32(truncatingIfNeeded: crc) == entry.crc32 else { throw .damaged("its CRC-32 does not match its content") }
        return out
    }

    /// A deflated entry inflated in one call into a buffer of the size the directory states,
    /// when that size is within the caps: libdeflate inflates a registry study about twice as
    /// fast as zlib's streaming `inflate`, and can never write past the buffer, so the caps hold.
    /// Nil when the stated size is out of bounds, or the data does not inflate to exactly that
    /// size with the stated CRC-32: then the streaming path reads the entry again and says what
    /// is wrong with it.
    private func inflateWhole(_ entry: Entry, at dataStart: UInt64, limit: Int, maxRatio: Int) throws(Failure) -> [UInt8]? {
        let stated = entry.uncompressedSize
        guard stated <= UInt64(min(limit, 64 << 20)),
            stated <= 16 << 20 || stated <= entry.compressedSize &* UInt64(maxRatio),
            let decompressor = Decompressor()
        else { return nil }
        let input = try Self.read(fd: fd, at: dataStart, count: Int(entry.compressedSize), size: size)
        var produced = 0
        var result = LIBDEFLATE_BAD_DATA
        // Not zeroed first: the array holds only the bytes the decompressor wrote.
        let out = [UInt8](unsafeUninitializedCapacity: Int(stated)) { target, initialized in
            result = input.withUnsafeBytes { source in
                libdeflate_deflate_decompress_ex(
                    decompressor.handle, source.baseAddress, source.count, target.baseAddress, target.count, nil, &produced)
            }
            initialized = result == LIBDEFLATE_SUCCESS ? min(produced, target.count) : 0
        }
        guard result == LIBDEFLATE_SUCCESS, produced == Int(stated),
            out.withUnsafeBytes({ libdeflate_crc32(0, $0.baseAddress, $0.count) }) == entry.crc32
        else { return nil }
        return out
    }

    /// A libdeflate decompressor, freed with its owner.
    private final class Decompressor {
        let handle: OpaquePointer

        init?() {
            guard let handle = libdeflate_alloc_decompressor() else { return nil }
            self.handle = handle
        }

        deinit { libdeflate_free_decompressor(handle) }
    }

    // MARK: Reading

    private static func read(fd: Int32, at offset: UInt64, count: Int, size: UInt64, what: String = "archive") throws(Failure)
        -> [UInt8]
    {
        guard count >= 0, offset <= size, UInt64(count) <= size - offset else {
            throw .damaged("the \(what) lies outside the file")
        }
        var failure: Failure?
        // Not zeroed first: the array holds only the bytes `pread` wrote.
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            while done < count {
                let n = pread(fd, buffer.baseAddress! + done, count - done, off_t(offset) + off_t(done))
                if n > 0 {
                    done += n
                } else if n == 0 {
                    failure = .damaged("the file ends early")
                    break
                } else if errno != EINTR {
                    failure = .damaged(String(cString: strerror(errno)))
                    break
                }
            }
            initialized = done
        }
        if let failure { throw failure }
        return bytes
    }
}

/// Byte counts for messages: "1.5 GiB", "622 bytes".
public enum ByteCount {
    public static func describe(_ bytes: some BinaryInteger) -> String {
        let value = Double(bytes)
        let units: [(Double, String)] = [(1_099_511_627_776, "TiB"), (1_073_741_824, "GiB"), (1_048_576, "MiB"), (1024, "KiB")]
        for (size, name) in units where value >= size {
            let scaled = value / size
            return scaled >= 100 || scaled == scaled.rounded() ? "\(Int(scaled.rounded())) \(name)" : String(format: "%.1f \(name)", scaled)
        }
        return bytes == 1 ? "1 byte" : "\(bytes) bytes"
    }
}

extension [UInt8] {
    fileprivate func u16(_ i: Int) -> UInt16 { UInt16(self[i]) | UInt16(self[i + 1]) << 8 }
    fileprivate func u32(_ i: Int) -> UInt32 { UInt32(u16(i)) | UInt32(u16(i + 2)) << 16 }
    fileprivate func u64(_ i: Int) -> UInt64 { UInt64(u32(i)) | UInt64(u32(i + 4)) << 32 }
}
