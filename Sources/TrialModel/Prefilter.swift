/// Cheap byte-level checks run before an expensive regular expression: when a check fails the
/// pattern cannot match, so skipping it changes nothing. Shared by extraction and the review rules. Every check is conservative (it may say
/// "maybe" when the pattern still fails, never "no" when it could match).
public enum Prefilter {
    /// True when `text` may contain one of `words` ignoring ASCII case, as a case-insensitive ICU
    /// pattern would see it. `words` are lower-case; non-ASCII bytes compare exactly. Also true
    /// when the text holds a character whose Unicode case folding yields ASCII letters (ſ, K,
    /// İ, ß, ẞ, the ﬀ…ﬆ ligatures), so no match a case-insensitive pattern could find is missed.
    public static func mayContain(_ text: String, _ words: [StaticString]) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            if hasFoldingSpecials(bytes) { return true }
            for word in words where contains(bytes, word, ignoringCase: true) { return true }
            return false
        }
    }

    /// True when `text` contains one of `words` exactly (case-sensitive).
    public static func containsExactly(_ text: String, _ words: [StaticString]) -> Bool {
        var text = text
        return text.withUTF8 { bytes in words.contains { contains(bytes, $0, ignoringCase: false) } }
    }

    /// True when `text` has an ASCII digit.
    public static func hasASCIIDigit(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { $0.contains { $0 >= 0x30 && $0 <= 0x39 } }
    }

    /// True when `text` has a character `\d` matches (any decimal digit, `\p{Nd}`).
    public static func hasDigit(_ text: String) -> Bool {
        var text = text
        let (ascii, nonASCII) = text.withUTF8 { b -> (Bool, Bool) in
            (b.contains { $0 >= 0x30 && $0 <= 0x39 }, b.contains { $0 >= 0x80 })
        }
        if ascii { return true }
        guard nonASCII else { return false }
        return text.unicodeScalars.contains { $0.properties.numericType == .decimal }
    }

    private static func hasFoldingSpecials(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = b.count
        var i = 0
        while i < n {
            let c = b[i]
            if c >= 0xC3 {
                let c1 = i + 1 < n ? b[i + 1] : 0
                let c2 = i + 2 < n ? b[i + 2] : 0
                switch c {
                case 0xC3 where c1 == 0x9F: return true  // ß
                case 0xC4 where c1 == 0xB0: return true  // İ
                case 0xC5 where c1 == 0xBF: return true  // ſ
                case 0xE1 where c1 == 0xBA && c2 == 0x9E: return true  // ẞ
                case 0xE2 where c1 == 0x84 && (c2 == 0xAA || c2 == 0xAB): return true  // K Å
                case 0xEF where c1 == 0xAC: return true  // ﬀ … ligatures
                default: break
                }
            }
            i += 1
        }
        return false
    }

    private static func contains(_ b: UnsafeBufferPointer<UInt8>, _ word: StaticString, ignoringCase: Bool) -> Bool {
        let m = word.utf8CodeUnitCount
        let w = word.utf8Start
        let n = b.count
        guard m > 0, n >= m else { return m == 0 }
        let first = w[0]
        var i = 0
        while i <= n - m {
            var c = b[i]
            if ignoringCase && c >= 0x41 && c <= 0x5A { c |= 0x20 }
            if c == first {
                var j = 1
                while j < m {
                    var d = b[i + j]
                    if ignoringCase && d >= 0x41 && d <= 0x5A { d |= 0x20 }
                    if d != w[j] { break }
                    j += 1
                }
                if j == m { return true }
            }
            i += 1
        }
        return false
    }
}
