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

extension String {
    /// `self` with each occurrence of any character of `targets` (ASCII only) replaced by
    /// `replacement`: what `replacingOccurrences(of:with:)` does for one-character needles, on
    /// the UTF-8 bytes, without bridging to `NSString` (an ASCII byte is never part of another
    /// character's encoding).
    public func replacingASCII(_ targets: StaticString, with replacement: String) -> String {
        var table = (UInt64(0), UInt64(0))
        targets.withUTF8Buffer { t in
            for b in t {
                precondition(b < 0x80, "replacingASCII takes ASCII targets")
                if b < 64 { table.0 |= 1 << UInt64(b) } else { table.1 |= 1 << UInt64(b - 64) }
            }
        }
        @inline(__always) func isTarget(_ b: UInt8) -> Bool {
            b < 64 ? table.0 & (1 << UInt64(b)) != 0 : b < 128 && table.1 & (1 << UInt64(b - 64)) != 0
        }
        guard utf8.contains(where: isTarget) else { return self }
        let with = Array(replacement.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count + (with.count > 1 ? 16 : 0))
        for b in utf8 {
            if isTarget(b) { out += with } else { out.append(b) }
        }
        return String(decoding: out, as: UTF8.self)
    }
}
