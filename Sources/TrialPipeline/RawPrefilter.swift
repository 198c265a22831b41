import TrialModel

/// A selection's necessary condition checked on a file's raw bytes, before any parsing: a
/// ClinicalTrials.gov XML or JSON file whose bytes cannot hold a clause's value is skipped
/// without being parsed. This is what makes `--where` over a registry dump cheaper than
/// parsing the dump: most files are only scanned.
///
/// Sound by construction, like `Selection.mayMatch`: a field value is one element's text (XML)
/// or one string (JSON), contiguous in the file apart from escapes, so when a value reduced to
/// lower-case letters and digits contains a clause value so reduced, the file's bytes reduced
/// the same way contain it too (markup only adds letters between values, never inside one).
/// Escapes are decoded (`&#233;`, `&amp;`, `\u00e9`, `\n`), comments skipped and CDATA read
/// literally; anything the scan cannot decode with certainty (a named entity from a DTD, an
/// encoding other than UTF-8, invalid UTF-8, a non-ASCII clause value) makes it answer "maybe".
struct RawPrefilter {
    enum Syntax { case xml, json }

    /// Squashed clause values (`Selection.squash`) per prefiltered clause; a clause whose values
    /// cannot be checked on raw bytes is left out (it never excludes a file).
    let clauses: [[[UInt8]]]

    init(_ selection: Selection) {
        clauses = selection.clauses.compactMap { clause in
            guard case .fields = clause.field.sourceScope else { return nil }
            let needles = clause.values.map { Array(Selection.squash($0).utf8) }
            if needles.contains(where: { $0.isEmpty || $0.contains { $0 >= 0x80 } }) { return nil }
            return needles
        }
    }

    var isEmpty: Bool { clauses.isEmpty }

    /// The syntax to scan for a file of `format`, or nil when the format is not prefiltered
    /// (its readers rewrite text: RSS descriptions hold HTML, pages hold HTML entities).
    static func syntax(for format: SourceFormat) -> Syntax? {
        switch format {
        case .ctgovXML: .xml
        case .ctgovJSON, .ctgovClassicJSON: .json
        case .ctgovRSS, .registryHTML, .chictrHTML, .plainText: nil
        }
    }

    /// False only when no record in `bytes` can satisfy every clause.
    func mayMatch(_ bytes: [UInt8], syntax: Syntax) -> Bool {
        guard !clauses.isEmpty, let squashed = Self.squash(bytes, syntax: syntax) else { return true }
        return clauses.allSatisfy { needles in needles.contains { Self.contains(squashed, $0) } }
    }

    /// The number of records in a file that was not parsed: `<clinical_study` start tags (XML),
    /// `"protocolSection":` keys in any case (JSON, API v2 and classic v1).
    static func recordCount(_ bytes: [UInt8], syntax: Syntax) -> Int {
        switch syntax {
        case .xml:
            let tag = Array("<clinical_study".utf8)
            var count = 0
            var i = 0
            while let at = find(bytes, tag, from: i) {
                let next = at + tag.count < bytes.count ? bytes[at + tag.count] : 0
                if next == 0x3E || next == 0x20 || next == 0x09 || next == 0x0A || next == 0x0D || next == 0x2F { count += 1 }
                i = at + tag.count
            }
            return count
        case .json:
            let key = Array("\"protocolsection\"".utf8)
            var count = 0
            var i = 0
            let n = bytes.count
            while i + key.count <= n {
                var j = 0
                while j < key.count, lower(bytes[i + j]) == key[j] { j += 1 }
                if j == key.count, i == 0 || bytes[i - 1] != 0x5C {
                    var k = i + key.count
                    while k < n, bytes[k] == 0x20 || bytes[k] == 0x09 || bytes[k] == 0x0A || bytes[k] == 0x0D { k += 1 }
                    if k < n, bytes[k] == 0x3A { count += 1 }
                }
                i += 1
            }
            return count
        }
    }

    // MARK: Scanning

    private static func lower(_ c: UInt8) -> UInt8 { c >= 0x41 && c <= 0x5A ? c | 0x20 : c }

    private static func find(_ hay: [UInt8], _ needle: [UInt8], from start: Int) -> Int? {
        let n = hay.count
        let m = needle.count
        guard m > 0, n >= m else { return nil }
        return hay.withUnsafeBufferPointer { h in
            needle.withUnsafeBufferPointer { w in
                let first = w[0]
                var i = start
                while i <= n - m {
                    if h[i] == first {
                        var j = 1
                        while j < m, h[i + j] == w[j] { j += 1 }
                        if j == m { return i }
                    }
                    i += 1
                }
                return nil
            }
        }
    }

    static func contains(_ hay: [UInt8], _ needle: [UInt8]) -> Bool { find(hay, needle, from: 0) != nil }

    /// Per byte: the byte to keep (ASCII letters lower-cased, digits), 0 to drop it, or 1 for a
    /// byte the full scan must look at ("&", "<", "]", "\", non-ASCII).
    private static let plainBytes: [UInt8] = (0..<256).map { c -> UInt8 in
        switch c {
        case 0x26, 0x3C, 0x5D, 0x5C, 0x80...: 1
        case 0x30...0x39, 0x61...0x7A: UInt8(c)
        case 0x41...0x5A: UInt8(c | 0x20)
        default: 0
        }
    }

    /// `bytes` reduced to lower-case letters and digits with escapes decoded, or nil when the
    /// file holds something the scan cannot decode with certainty.
    static func squash(_ bytes: [UInt8], syntax: Syntax) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count / 2)
        let n = bytes.count
        if n >= 2, (bytes[0] == 0xFE && bytes[1] == 0xFF) || (bytes[0] == 0xFF && bytes[1] == 0xFE) { return nil }
        if syntax == .xml, !declaresUTF8(bytes) { return nil }

        /// Appends a decoded scalar as `Selection.squash` treats it: letters and digits,
        /// lower-cased; everything else dropped.
        func emit(_ scalar: Unicode.Scalar) {
            let v = scalar.value
            if v < 0x80 {
                let c = lower(UInt8(v))
                if (c >= 0x61 && c <= 0x7A) || (c >= 0x30 && c <= 0x39) { out.append(c) }
                return
            }
            let p = scalar.properties
            guard p.isAlphabetic || p.numericType != nil else { return }
            out.append(contentsOf: p.lowercaseMapping.utf8)
        }

        var i = 0
        /// The end of the CDATA section being read (its content is literal), else -1.
        var literalUntil = -1
        let plain = plainBytes
        while i < n {
            // Most bytes are plain ASCII: kept (lower-cased) or dropped by table lookup.
            while i < n {
                let t = plain[Int(bytes[i])]
                if t == 1 { break }
                if t != 0 { out.append(t) }
                i += 1
            }
            guard i < n else { break }
            let c = bytes[i]
            if c < 0x80 {
                switch (syntax, c) {
                case (.xml, 0x26) where i >= literalUntil:  // "&"
                    guard let semicolon = bytes[i..<min(n, i + 12)].firstIndex(of: 0x3B) else { return nil }
                    let name = bytes[(i + 1)..<semicolon]
                    if name.first == 0x23 {  // "&#…;"
                        let hex = name.dropFirst().first.map { $0 == 0x78 || $0 == 0x58 } ?? false
                        let digits = String(decoding: name.dropFirst(hex ? 2 : 1), as: UTF8.self)
                        guard let v = UInt32(digits, radix: hex ? 16 : 10), let s = Unicode.Scalar(v) else { return nil }
                        emit(s)
                    } else {
                        let entity = String(decoding: name, as: UTF8.self)
                        guard ["amp", "lt", "gt", "quot", "apos"].contains(entity) else { return nil }
                    }
                    i = semicolon + 1
                    continue
                case (.xml, 0x3C) where i >= literalUntil:
                    // A comment inside a text joins the text around it: skipped whole. A CDATA
                    // section's content is literal text ("&" is not an entity there).
                    if starts(bytes, i, "<!--") {
                        guard let end = find(bytes, Array("-->".utf8), from: i + 4) else { return nil }
                        i = end + 3
                        continue
                    }
                    if starts(bytes, i, "<![CDATA[") {
                        guard let end = find(bytes, Array("]]>".utf8), from: i + 9) else { return nil }
                        literalUntil = end
                        i += 9
                        continue
                    }
                case (.xml, 0x5D) where i == literalUntil:  // the CDATA section's "]]>"
                    i += 3
                    continue
                case (.json, 0x5C):  // "\"
                    guard i + 1 < n else { return nil }
                    let e = bytes[i + 1]
                    if e == 0x75 {  // "\uXXXX", surrogate pairs combined
                        guard let high = hex4(bytes, i + 2) else { return nil }
                        var v = high
                        var width = 6
                        if (0xD800...0xDBFF).contains(high) {
                            guard i + 7 < n, bytes[i + 6] == 0x5C, bytes[i + 7] == 0x75, let low = hex4(bytes, i + 8),
                                (0xDC00...0xDFFF).contains(low)
                            else { return nil }
                            v = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
                            width = 12
                        }
                        guard let s = Unicode.Scalar(v) else { return nil }
                        emit(s)
                        i += width
                    } else {
                        i += 2  // \n \t \r \b \f \" \\ \/ : no letters or digits
                    }
                    continue
                default: break
                }
                let l = lower(c)
                if (l >= 0x61 && l <= 0x7A) || (l >= 0x30 && l <= 0x39) { out.append(l) }
                i += 1
                continue
            }
            // A UTF-8 sequence; invalid UTF-8 means another encoding: give up.
            let width = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0
            guard width > 0, i + width <= n else { return nil }
            var v = UInt32(c) & (width == 2 ? 0x1F : width == 3 ? 0x0F : 0x07)
            for k in 1..<width {
                let b = bytes[i + k]
                guard b & 0xC0 == 0x80 else { return nil }
                v = (v << 6) | UInt32(b & 0x3F)
            }
            guard let s = Unicode.Scalar(v) else { return nil }
            emit(s)
            i += width
        }
        return out
    }

    private static func starts(_ b: [UInt8], _ at: Int, _ prefix: StaticString) -> Bool {
        let m = prefix.utf8CodeUnitCount
        guard at + m <= b.count else { return false }
        for k in 0..<m where b[at + k] != prefix.utf8Start[k] { return false }
        return true
    }

    private static func hex4(_ b: [UInt8], _ at: Int) -> UInt32? {
        guard at + 4 <= b.count else { return nil }
        return UInt32(String(decoding: b[at..<(at + 4)], as: UTF8.self), radix: 16)
    }

    /// True when an XML file is UTF-8: no declaration, or one naming UTF-8 or US-ASCII.
    private static func declaresUTF8(_ bytes: [UInt8]) -> Bool {
        let head = String(decoding: bytes.prefix(200), as: UTF8.self).lowercased()
        guard head.hasPrefix("<?xml") || head.hasPrefix("\u{FEFF}<?xml"),
            let end = head.range(of: "?>")
        else { return true }
        let declaration = head[..<end.lowerBound]
        guard let at = declaration.range(of: "encoding") else { return true }
        let rest = declaration[at.upperBound...].drop { $0 == " " || $0 == "=" || $0 == "\"" || $0 == "'" }
        let name = rest.prefix { $0 != "\"" && $0 != "'" && $0 != " " }
        return name == "utf-8" || name == "utf8" || name == "us-ascii" || name == "ascii"
    }
}
