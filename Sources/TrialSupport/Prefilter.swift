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
        return text.withUTF8 { mayContain($0, words) }
    }

    /// ``mayContain(_:_:)-(String,_)`` over UTF-8 bytes, such as a stretch of a longer text.
    public static func mayContain(_ bytes: UnsafeBufferPointer<UInt8>, _ words: [StaticString]) -> Bool {
        containsAny(bytes, words, ignoringCase: true)
    }

    /// True when `text` contains one of `words` exactly (case-sensitive).
    public static func containsExactly(_ text: String, _ words: [StaticString]) -> Bool {
        var text = text
        return text.withUTF8 { containsAny($0, words, ignoringCase: false) }
    }

    /// True when `text` has an ASCII digit.
    public static func hasASCIIDigit(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { asciiDigitAndHighBit($0).digit }
    }

    /// True when `text` has a character `\d` matches (any decimal digit, `\p{Nd}`).
    public static func hasDigit(_ text: String) -> Bool {
        var text = text
        let (ascii, nonASCII) = text.withUTF8(asciiDigitAndHighBit)
        if ascii { return true }
        guard nonASCII else { return false }
        return text.unicodeScalars.contains { $0.properties.numericType == .decimal }
    }

    /// Whether `b` holds an ASCII digit, and (when it does not) a byte ≥ 0x80. A word's
    /// candidates are its bytes 0x30–0x3F, then tested one by one.
    private static func asciiDigitAndHighBit(_ b: UnsafeBufferPointer<UInt8>) -> (digit: Bool, high: Bool) {
        guard let base = b.baseAddress else { return (false, false) }
        let n = b.count
        var high = false
        var i = 0
        while i + step <= n {
            let w = load8(base, at: i)
            high = high || w & highBits != 0
            if ByteWord.digitCandidates(w) != 0 {
                for k in i..<i + step where b[k] >= 0x30 && b[k] <= 0x39 { return (true, false) }
            }
            i += step
        }
        while i < n {
            if b[i] >= 0x30 && b[i] <= 0x39 { return (true, false) }
            high = high || b[i] >= 0x80
            i += 1
        }
        return (false, high)
    }

    /// The scans below test 8 bytes per step (one `UInt64`, bit tricks that compile to a few
    /// instructions), and look at single bytes only where a step finds a candidate. Registry text
    /// is mostly ASCII and most words are absent, so nearly every step finds none.
    private static let step = 8
    private static let highBits = ByteWord.highBits
    private static let lowBits = ByteWord.ones

    @inline(__always)
    private static func load8(_ base: UnsafePointer<UInt8>, at i: Int) -> UInt64 { ByteWord.load(base, at: i) }

    @inline(__always)
    private static func zeroBytes(_ x: UInt64) -> UInt64 { ByteWord.zeroBytes(x) }

    /// True when `b` holds a character that a case-insensitive expression may fold to ASCII
    /// letters (ß, İ, ſ, ẞ, K, Å, ligatures): a byte check for words must then give way.
    public static func hasFoldingSpecials(_ b: UnsafeBufferPointer<UInt8>) -> Bool {
        let n = b.count
        guard let base = b.baseAddress else { return false }
        var i = 0
        while i < n {
            // Every special starts with a non-ASCII byte; skip steps of ASCII.
            if i + step <= n, load8(base, at: i) & highBits == 0 {
                i += step
                continue
            }
            let end = min(n, i + step)
            while i < end {
                if b[i] >= 0xC3 && isFoldingSpecial(b, at: i) { return true }
                i += 1
            }
        }
        return false
    }

    /// True when a character whose case folding yields ASCII letters starts at `i`.
    private static func isFoldingSpecial(_ b: UnsafeBufferPointer<UInt8>, at i: Int) -> Bool {
        let n = b.count
        let c1 = i + 1 < n ? b[i + 1] : 0
        let c2 = i + 2 < n ? b[i + 2] : 0
        switch b[i] {
        case 0xC3 where c1 == 0x9F: return true  // ß
        case 0xC4 where c1 == 0xB0: return true  // İ
        case 0xC5 where c1 == 0xBF: return true  // ſ
        case 0xE1 where c1 == 0xBA && c2 == 0x9E: return true  // ẞ
        case 0xE2 where c1 == 0x84 && (c2 == 0xAA || c2 == 0xAB): return true  // K Å
        case 0xEF where c1 == 0xAC: return true  // ﬀ … ligatures
        default: return false
        }
    }

    /// True when `b` contains one of `words` (ignoring ASCII case when asked), or, ignoring case,
    /// holds a folding special (``hasFoldingSpecials(_:)``). The first word's scan also tells
    /// whether every byte was ASCII: registry text mostly is, and then there is no folding
    /// special to look for.
    static func containsAny(_ b: UnsafeBufferPointer<UInt8>, _ words: [StaticString], ignoringCase: Bool) -> Bool {
        guard ignoringCase else { return words.contains { contains(b, $0, ignoringCase: false).found } }
        guard let first = words.first else { return hasFoldingSpecials(b) }
        let scan = contains(b, first, ignoringCase: true, noteASCII: true)
        if scan.found || !scan.allASCII && hasFoldingSpecials(b) { return true }
        return words.dropFirst().contains { contains(b, $0, ignoringCase: true).found }
    }

    /// Whether `b` contains `word`; with `noteASCII`, `allASCII` is true when the scan read every
    /// byte of `b` without finding the word and none was ≥ 0x80 (else it is false).
    @inline(__always)
    private static func contains(
        _ b: UnsafeBufferPointer<UInt8>, _ word: StaticString, ignoringCase: Bool, noteASCII: Bool = false
    ) -> (found: Bool, allASCII: Bool) {
        let m = word.utf8CodeUnitCount
        let w = word.utf8Start
        let n = b.count
        guard m > 0, n >= m, let base = b.baseAddress else { return (m == 0, false) }
        let first = w[0]
        // Byte `c` can start a match when `c | fold == first`: with `fold` 0x20 for a (lower-case)
        // letter ignoring case, that is the letter in either case and nothing else.
        let fold: UInt8 = ignoringCase && first >= 0x61 && first <= 0x7A ? 0x20 : 0
        func matches(at i: Int) -> Bool {
            var j = 1
            while j < m {
                var d = b[i + j]
                if ignoringCase && d >= 0x41 && d <= 0x5A { d |= 0x20 }
                if d != w[j] { return false }
                j += 1
            }
            return true
        }
        let last = n - m
        // The same test for the second byte, one position on: a step's candidates are where both
        // bytes fit (in text, single letters are everywhere, pairs much rarer).
        let second = m > 1 ? w[1] : 0
        let fold2: UInt8 = ignoringCase && second >= 0x61 && second <= 0x7A ? 0x20 : 0
        let (folds, firsts) = (UInt64(fold) &* lowBits, UInt64(first) &* lowBits)
        let (folds2, seconds) = (UInt64(fold2) &* lowBits, UInt64(second) &* lowBits)
        let span = m > 1 ? step + 1 : step
        var seen: UInt64 = 0
        var i = 0
        while i + span <= n {
            let x0 = load8(base, at: i)
            if noteASCII { seen |= x0 }
            var x = (x0 | folds) ^ firsts
            if m > 1 { x |= (load8(base, at: i + 1) | folds2) ^ seconds }
            // One bit per candidate start, in byte order.
            var candidates = zeroBytes(x)
            while candidates != 0 {
                let k = i + candidates.trailingZeroBitCount / 8
                if k > last { return (false, false) }
                if matches(at: k) { return (true, false) }
                candidates &= candidates &- 1
            }
            i += step
        }
        let stepped = i
        while i <= last {
            if b[i] | fold == first, matches(at: i) { return (true, false) }
            i += 1
        }
        guard noteASCII else { return (false, false) }
        // The steps loaded bytes [0, stepped); the rest are read one by one.
        for k in stepped..<n { seen |= UInt64(b[k]) }
        return (false, seen & highBits == 0)
    }
}
