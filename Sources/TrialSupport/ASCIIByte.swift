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
