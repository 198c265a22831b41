import Foundation

/// Escaping of untrusted registry text for each output format. Every byte of registry text that
/// reaches a report goes through one of these functions (or Mustache's HTML escaping, which is
/// the same as ``html(_:)``).
public enum Escape {
    // MARK: Markdown

    /// Escapes `text` for GitHub-flavoured Markdown so that it renders as the literal text, inline:
    /// in a table cell, a list item, a paragraph or a heading.
    ///
    /// - Whitespace runs, including CR, LF, tabs and U+2028, collapse to one space (a table row
    ///   is one line); other control characters are dropped.
    /// - `|` becomes `\|`, so a value never splits a table cell.
    /// - `\`, `*`, `_`, `` ` ``, `[`, `]`, `~`, `$`, `#` are backslash-escaped, so registry text
    ///   cannot create emphasis, code, links, images, strikethrough, math or headings.
    /// - `<`, `>`, `&` become `&lt;`, `&gt;`, `&amp;`: raw HTML such as `<script>` is never live.
    /// - A leading `-`, `+`, `=` or an ordered-list number (`1.`, `2)`) is neutralised, so the
    ///   text cannot start a list, quote or heading where it sits at the start of a line.
    ///
    /// Bare URLs may still be auto-linked by GFM renderers; their visible text is their target.
    public static func markdownCell(_ text: String) -> String {
        neutralizeLeadingMarkdown(markdownCellASCII(text) ?? markdownCellCharacters(text))
    }

    /// ``markdownCell(_:)`` before the leading-marker check, `Character` by `Character`.
    static func markdownCellCharacters(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        var pendingSpace = false
        for ch in text {
            if ch.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if ch.unicodeScalars.allSatisfy({ $0.properties.generalCategory == .control }) { continue }
            if pendingSpace { out.append(" ") }
            pendingSpace = false
            switch ch {
            case "\\", "|", "*", "_", "`", "[", "]", "~", "$", "#":
                out.append("\\")
                out.append(ch)
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// ``markdownCell(_:)`` before the leading-marker check, byte by byte, for text that is all
    /// ASCII (most registry text), where every `Character` is one byte (or CR LF, whitespace
    /// either way); nil otherwise. ASCII
    /// whitespace is HT, LF, VT, FF, CR and space; the other bytes below 0x20 and DEL are controls.
    static func markdownCellASCII(_ text: String) -> String? {
        var text = text
        return text.withUTF8 { bytes -> String? in
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 8)
            var pendingSpace = false
            for b in bytes {
                switch b {
                case 0x80...: return nil
                case 0x09...0x0D, 0x20:
                    pendingSpace = !out.isEmpty
                    continue
                case 0x00...0x1F, 0x7F: continue
                default: break
                }
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                switch b {
                case UInt8(ascii: "\\"), UInt8(ascii: "|"), UInt8(ascii: "*"), UInt8(ascii: "_"), UInt8(ascii: "`"),
                    UInt8(ascii: "["), UInt8(ascii: "]"), UInt8(ascii: "~"), UInt8(ascii: "$"), UInt8(ascii: "#"):
                    out.append(UInt8(ascii: "\\"))
                    out.append(b)
                case UInt8(ascii: "<"): out += "&lt;".utf8
                case UInt8(ascii: ">"): out += "&gt;".utf8
                case UInt8(ascii: "&"): out += "&amp;".utf8
                default: out.append(b)
                }
            }
            return String(decoding: out, as: UTF8.self)
        }
    }

    private static func neutralizeLeadingMarkdown(_ s: String) -> String {
        guard let first = s.first else { return s }
        if first == "-" || first == "+" || first == "=" { return "\\" + s }
        // Ordered list marker: 1–9 digits then "." or ")" followed by a space or the end.
        let digits = s.prefix(while: { $0.isASCII && $0.isNumber })
        if !digits.isEmpty, digits.count <= 9 {
            let rest = s.dropFirst(digits.count)
            if let p = rest.first, p == "." || p == ")", rest.dropFirst().first.map({ $0 == " " }) ?? true {
                return String(digits) + "\\" + String(rest)
            }
        }
        return s
    }

    // MARK: HTML

    /// Escapes `text` for HTML element content and quoted attribute values: `&`, `<`, `>`, `"`
    /// and `'` become entities. Identical to Mustache's default `{{ }}` escaping.
    public static func html(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for ch in text {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }

    /// A string usable as an HTML `id` and URL fragment: ASCII letters, digits, `-` and `_`
    /// kept, everything else replaced by `-`; prefixed with `prefix`.
    public static func htmlID(_ text: String, prefix: String) -> String {
        var out = prefix
        for scalar in text.unicodeScalars {
            let c = Character(scalar)
            out.append(scalar.isASCII && (c.isLetter || c.isNumber || c == "-" || c == "_") ? c : "-")
        }
        return out
    }

    // MARK: CSV

    /// One RFC 4180 field: ``csvFormulaGuard(_:)`` applied, then the field quoted when it contains
    /// `,`, `"`, CR or LF (inner quotes doubled).
    public static func csvField(_ text: String) -> String {
        csvQuote(csvFormulaGuard(text))
    }

    /// RFC 4180 quoting only: wraps `text` in double quotes, doubling inner quotes, when it contains
    /// `,`, `"`, CR or LF; otherwise returns it unchanged.
    public static func csvQuote(_ text: String) -> String {
        let needsQuotes = text.unicodeScalars.contains { $0 == "," || $0 == "\"" || $0 == "\r" || $0 == "\n" }
        guard needsQuotes else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// Spreadsheet formula-injection guard: text starting with `=`, `+`, `-`, `@`, tab or CR gets a
    /// leading `'` so spreadsheet programs show it as text instead of evaluating it.
    ///
    /// Plainly numeric cells are left alone so scripts keep reading numbers: an optional sign, a
    /// digit, then only digits, `.`, `;`, `+`, `-` and whitespace (`-3`, `-5 -4 -3`, `-5;-4;-3`,
    /// `300-450`). Such a cell can at most be arithmetic, never a function call or reference.
    public static func csvFormulaGuard(_ text: String) -> String {
        guard let first = text.unicodeScalars.first else { return text }
        let risky: Set<Unicode.Scalar> = ["=", "+", "-", "@", "\t", "\r"]
        guard risky.contains(first), !isPlainNumericList(text) else { return text }
        return "'" + text
    }

    /// True for `^[-+]?\d[\d.\s;+-]*$`: a number or a list of numbers.
    public static func isPlainNumericList(_ text: String) -> Bool {
        var scalars = Substring(text).unicodeScalars[...]
        if let f = scalars.first, f == "-" || f == "+" { scalars = scalars.dropFirst() }
        guard let d = scalars.first, isASCIIDigit(d) else { return false }
        return scalars.dropFirst().allSatisfy { s in
            isASCIIDigit(s) || s == "." || s == ";" || s == "+" || s == "-" || s == " " || s == "\t"
        }
    }

    private static func isASCIIDigit(_ s: Unicode.Scalar) -> Bool { s >= "0" && s <= "9" }
}
