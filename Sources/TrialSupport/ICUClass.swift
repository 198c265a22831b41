/// ICU's character classes as its regular expressions use them, for the byte scans that stand in
/// for an expression or decide when one need not run (`Prefilter` decides for words).
public enum ICUClass {
    /// `\s`: the White_Space property (tab to carriage return, space, next line, no-break and
    /// other spaces, line and paragraph separators).
    public static func isSpace(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return v == 0x20 || (v >= 0x09 && v <= 0x0D) }
        return s.properties.isWhitespace
    }

    /// `\w`: `[\p{Alphabetic}\p{Mark}\p{Decimal_Number}\p{Connector_Punctuation}\u200c\u200d]`.
    public static func isWord(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if v < 0x80 { return (v >= 0x30 && v <= 0x39) || (v >= 0x41 && v <= 0x5A) || (v >= 0x61 && v <= 0x7A) || v == 0x5F }
        if v == 0x200C || v == 0x200D { return true }
        let p = s.properties
        if p.isAlphabetic || p.numericType == .decimal { return true }
        switch p.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark, .connectorPunctuation: return true
        default: return false
        }
    }

    /// `\p{Mark}`.
    public static func isMark(_ s: Unicode.Scalar) -> Bool {
        guard s.value >= 0x300 else { return false }
        switch s.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: return true
        default: return false
        }
    }

    /// The scalar starting at byte `i` of valid UTF-8 `b` and its length in bytes; nil past the
    /// end or inside a scalar.
    @inline(__always)
    public static func scalar(in b: UnsafeBufferPointer<UInt8>, at i: Int) -> (Unicode.Scalar, Int)? {
        guard i < b.count else { return nil }
        let lead = b[i]
        if lead < 0x80 { return (Unicode.Scalar(lead), 1) }
        let length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2
        var decoder = UTF8()
        var bytes = b[i..<min(b.count, i + length)].makeIterator()
        guard case .scalarValue(let scalar) = decoder.decode(&bytes) else { return nil }
        return (scalar, length)
    }
}
