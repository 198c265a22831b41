/// The binary forms a spill file holds: unsigned LEB128 varints, length-prefixed UTF-8 strings,
/// and a blob of slices with an offset table so that one slice is read alone. Written and read
/// back by the same run (never kept), so there is no version byte.
public enum ByteCoding {
    /// The bytes did not decode: the spill file was changed under the run.
    public struct Corrupt: Error, CustomStringConvertible {
        public init() {}
        public var description: String { "a stored matrix cell is truncated or malformed" }
    }

    public static func appendVarint(_ value: Int, to out: inout [UInt8]) {
        var v = UInt(value)
        while v >= 0x80 {
            out.append(UInt8(truncatingIfNeeded: v) | 0x80)
            v >>= 7
        }
        out.append(UInt8(v))
    }

    /// The string's UTF-8 length as a varint, then its bytes.
    public static func appendString(_ string: String, to out: inout [UInt8]) {
        appendVarint(string.utf8.count, to: &out)
        out.append(contentsOf: string.utf8)
    }

    /// `slices` as one blob: `slices.count + 1` little-endian `UInt32` offsets (from the end of
    /// the offsets), then the slices' bytes.
    public static func blob(_ slices: [[UInt8]]) -> [UInt8] {
        var offsets: [UInt32] = [0]
        var total = 0
        for slice in slices {
            total += slice.count
            offsets.append(UInt32(total))
        }
        var out: [UInt8] = []
        out.reserveCapacity(4 * offsets.count + total)
        for offset in offsets { withUnsafeBytes(of: offset.littleEndian) { out += $0 } }
        for slice in slices { out += slice }
        return out
    }

    /// Slice `index` of a blob of `count` slices (see `blob(_:)`).
    public static func slice(_ index: Int, of count: Int, in bytes: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer {
        let header = 4 * (count + 1)
        guard index >= 0, index < count, bytes.count >= header else { throw Corrupt() }
        func offset(_ r: Int) -> Int {
            Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: 4 * r, as: UInt32.self)))
        }
        let start = header + offset(index)
        let end = header + offset(index + 1)
        guard start <= end, end <= bytes.count else { throw Corrupt() }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// Reads varints and strings in order; every read past the end throws ``Corrupt``.
    public struct Reader {
        public let bytes: UnsafeRawBufferPointer
        public private(set) var position = 0

        public init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        public var isAtEnd: Bool { position == bytes.count }

        public mutating func varint() throws -> Int {
            var value: UInt = 0
            var shift: UInt = 0
            while true {
                guard position < bytes.count, shift < 63 else { throw Corrupt() }
                let byte = bytes[position]
                position += 1
                value |= UInt(byte & 0x7f) << shift
                if byte < 0x80 { return Int(value) }
                shift += 7
            }
        }

        public mutating func string() throws -> String { try string(length: try varint()) }

        public mutating func string(length: Int) throws -> String {
            guard length >= 0, length <= bytes.count - position else { throw Corrupt() }
            defer { position += length }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[position..<(position + length)]), as: UTF8.self)
        }
    }
}
