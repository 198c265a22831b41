/// ASCII tests on UTF-8 bytes and UTF-16 units, for the byte scans that stand before patterns.
public enum ASCIIByte {
    /// A–Z or a–z.
    @inline(__always) public static func isLetter(_ c: UInt8) -> Bool { (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7A }
    /// 0–9.
    @inline(__always) public static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    /// A–Z or a–z.
    @inline(__always) public static func isLetter(_ u: UInt16) -> Bool { (u | 0x20) >= 0x61 && (u | 0x20) <= 0x7A }
    /// 0–9.
    @inline(__always) public static func isDigit(_ u: UInt16) -> Bool { u >= 0x30 && u <= 0x39 }
}

/// Eight bytes at a time: the tests a byte scan makes on one `UInt64` of text (its first byte in
/// the lowest bits) before it looks at single bytes. Registry text is mostly ASCII and the bytes
/// a scan stops at are rare, so nearly every word passes whole.
public enum ByteWord {
    /// 0x01 in every byte.
    public static let ones: UInt64 = 0x0101_0101_0101_0101
    /// 0x80 in every byte: a word of ASCII has none of these bits.
    public static let highBits: UInt64 = 0x8080_8080_8080_8080

    /// The 8 bytes at `i` (unaligned).
    @inline(__always)
    public static func load(_ base: UnsafePointer<UInt8>, at i: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(base + i).loadUnaligned(as: UInt64.self))
    }

    /// The high bit of each byte of `x` that is zero, and no other bit.
    @inline(__always)
    public static func zeroBytes(_ x: UInt64) -> UInt64 {
        let low7: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((x & low7) &+ low7) | x | low7)
    }

    /// The high bit of each byte of `x` equal to `byte`.
    @inline(__always)
    public static func bytes(_ x: UInt64, equalTo byte: UInt8) -> UInt64 { zeroBytes(x ^ (UInt64(byte) &* ones)) }

    /// The high bit of each byte of `x` below `limit` (1...0x80), for a word of ASCII bytes only.
    @inline(__always)
    public static func asciiBytes(_ x: UInt64, below limit: UInt8) -> UInt64 {
        ~(x &+ UInt64(0x80 - limit) &* ones) & highBits
    }
}

extension ByteWord {
    /// The high bit of each byte of `x` from 0x30 to 0x3F: where an ASCII digit may be.
    @inline(__always)
    public static func digitCandidates(_ x: UInt64) -> UInt64 { zeroBytes((x & (0xF0 &* ones)) ^ (0x30 &* ones)) }

    /// True when every byte of `b` is ASCII.
    public static func isASCII(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard let base = b.baseAddress else { return true }
        var i = 0
        while i + 8 <= b.count {
            if load(base, at: i) & highBits != 0 { return false }
            i += 8
        }
        while i < b.count {
            if b[i] >= 0x80 { return false }
            i += 1
        }
        return true
    }

    /// The scalar whose UTF-8 encoding starts with the non-ASCII byte at `i` of valid UTF-8 (a
    /// `String`'s bytes), and the byte after it.
    @inline(__always)
    public static func scalar(in b: UnsafeBufferPointer<UInt8>, at i: Int) -> (value: UInt32, next: Int) {
        let c = b[i]
        if c < 0xE0 { return (UInt32(c & 0x1F) << 6 | UInt32(b[i + 1] & 0x3F), i + 2) }
        if c < 0xF0 { return (UInt32(c & 0x0F) << 12 | UInt32(b[i + 1] & 0x3F) << 6 | UInt32(b[i + 2] & 0x3F), i + 3) }
        return (
            UInt32(c & 0x07) << 18 | UInt32(b[i + 1] & 0x3F) << 12 | UInt32(b[i + 2] & 0x3F) << 6 | UInt32(b[i + 3] & 0x3F),
            i + 4
        )
    }
}

/// A set of ASCII bytes tested with two bit masks (a scan's per-byte test, cheaper than hashing).
public struct ASCIISet: Sendable, ExpressibleByStringLiteral {
    private var low: UInt64 = 0
    private var high: UInt64 = 0

    public init(_ characters: String) {
        for byte in characters.utf8 {
            precondition(byte < 128, "ASCIISet takes ASCII characters")
            if byte < 64 { low |= 1 << UInt64(byte) } else { high |= 1 << UInt64(byte - 64) }
        }
    }

    public init(stringLiteral characters: String) { self.init(characters) }

    @inline(__always) public func contains(_ byte: UInt8) -> Bool {
        byte < 64 ? low >> UInt64(byte) & 1 == 1 : byte < 128 && high >> UInt64(byte - 64) & 1 == 1
    }
}

extension String {
    /// `self` with each occurrence of any character of `targets` replaced by `replacement`: what
    /// `replacingOccurrences(of:with:)` does for one-character needles, on the UTF-8 bytes,
    /// without bridging to `NSString` (an ASCII byte is never part of another character's encoding).
    public func replacingASCII(_ targets: ASCIISet, with replacement: String) -> String {
        guard utf8.contains(where: targets.contains) else { return self }
        let with = Array(replacement.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + (with.count > 1 ? 16 : 0))
        for b in utf8 {
            if targets.contains(b) { out += with } else { out.append(b) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
