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
