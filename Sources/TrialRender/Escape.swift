import Foundation
import TrialModel
import TrialSupport

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
        neutralizeLeadingMarkdown(markdownCellScalars(text) ?? markdownCellCharacters(text))
    }

    /// ``markdownCell(_:)`` before the leading-marker check, `Character` by `Character`.
    static func markdownCellCharacters(_ text: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        var pendingSpace = false
        for ch in text {
            if ch.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if ch.unicodeScalars.allSatisfy({ $0.properties.generalCategory == .control }) { continue }
            if pendingSpace { out.append(0x20) }
            pendingSpace = false
            // Scalar by scalar: a special character clustered with a combining mark or joiner
            // (`|` + U+0301) is still escaped, or it would split a table cell.
            for scalar in ch.unicodeScalars { appendMarkdownEscaped(scalar, to: &out) }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends `scalar` as UTF-8, backslash-escaped or as an entity when Markdown would read it.
    private static func appendMarkdownEscaped(_ scalar: Unicode.Scalar, to out: inout [UInt8]) {
        switch scalar {
        case "\\", "|", "*", "_", "`", "[", "]", "~", "$", "#":
            out.append(UInt8(ascii: "\\"))
            out.append(UInt8(scalar.value))
        case "<": out += "&lt;".utf8
        case ">": out += "&gt;".utf8
        case "&": out += "&amp;".utf8
        default:
            if scalar.isASCII {
                out.append(UInt8(scalar.value))
            } else {
                UTF8.encode(scalar) { out.append($0) }
            }
        }
    }

    /// ``markdownCell(_:)`` before the leading-marker check, scalar by scalar, for text in which
    /// every `Character` is one scalar (or CR LF, whitespace either way): text made only of
    /// ASCII and of the `TextScan.isStandalone(_:)` scalars, which is nearly all registry text. Nil for
    /// any other text, which takes the `Character` path. Same result as
    /// ``markdownCellCharacters(_:)``: for a one-scalar `Character`, `isWhitespace` and the
    /// control check are the scalar's own properties.
    static func markdownCellScalars(_ text: String) -> String? {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count + 8)
        var pendingSpace = false
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x80 {
                let b = UInt8(v)
                switch b {
                case 0x09...0x0D, 0x20:
                    pendingSpace = !out.isEmpty
                    continue
                case 0x00...0x1F, 0x7F: continue
                default: break
                }
                if pendingSpace { out.append(0x20) }
                pendingSpace = false
                appendMarkdownEscaped(scalar, to: &out)
                continue
            }
            guard TextScan.isStandalone(scalar) else { return nil }
            if scalar.properties.isWhitespace {
                pendingSpace = !out.isEmpty
                continue
            }
            if scalar.properties.generalCategory == .control { continue }
            if pendingSpace { out.append(0x20) }
            pendingSpace = false
            UTF8.encode(scalar) { out.append($0) }
        }
        return String(decoding: out, as: UTF8.self)
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

    /// Escapes `text` for HTML element content and quoted attribute values: every `&`, `<`, `>`,
    /// `"` and `'` byte becomes an entity, whatever follows it. (Mustache's own escaping works on
    /// `Character`s and leaves a quote followed by a combining mark unescaped, which would end an
    /// attribute value early: trialdiff registers this escaper as the `HTML` content type.)
    public static func html(_ text: String) -> String {
        // NUL, ESC and the other controls never reach the page (they are not allowed in HTML).
        var text = Printable.visibleControls(text)
        return text.withUTF8 { bytes -> String? in
            guard bytes.contains(where: isHTMLSpecial) else { return nil }
            var out: [UInt8] = []
            out.reserveCapacity(bytes.count + 16)
            for b in bytes {
                switch b {
                case UInt8(ascii: "&"): out += "&amp;".utf8
                case UInt8(ascii: "<"): out += "&lt;".utf8
                case UInt8(ascii: ">"): out += "&gt;".utf8
                case UInt8(ascii: "\""): out += "&quot;".utf8
                case UInt8(ascii: "'"): out += "&#39;".utf8
                default: out.append(b)
                }
            }
            return String(decoding: out, as: UTF8.self)
        } ?? text
    }

    private static func isHTMLSpecial(_ b: UInt8) -> Bool {
        b == UInt8(ascii: "&") || b == UInt8(ascii: "<") || b == UInt8(ascii: ">") || b == UInt8(ascii: "\"")
            || b == UInt8(ascii: "'")
    }

    /// `text` with every `&`, `<`, `>`, `"` and `'` made a `Character` of its own: a combining
    /// mark, joiner or prepended mark clustered with one of them is dropped. Registry text passes
    /// through this before an HTML template sees it, so that any HTML escaping, whether
    /// `Character`-based like Mustache's default or byte-based like ``html(_:)``, escapes every
    /// one of these characters (`"` + U+0301 would otherwise close an attribute value).
    public static func isolatingHTMLSpecials(_ text: String) -> String {
        var text = text
        let suspect = text.withUTF8 { b -> Bool in
            for i in b.indices where isHTMLSpecial(b[i]) {
                if (i > 0 && b[i - 1] >= 0x80) || (i + 1 < b.count && b[i + 1] >= 0x80) { return true }
            }
            return false
        }
        guard suspect else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for ch in text {
            let scalars = ch.unicodeScalars
            if scalars.count > 1, scalars.contains(where: { $0.isASCII && isHTMLSpecial(UInt8($0.value)) }) {
                for s in scalars where s.isASCII && isHTMLSpecial(UInt8(s.value)) { out.unicodeScalars.append(s) }
            } else {
                out.append(ch)
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
        csvQuote(csvFormulaGuard(Printable.visibleControls(text)))
    }

    /// RFC 4180 quoting only: wraps `text` in double quotes, doubling inner quotes, when it contains
    /// `,`, `"`, CR or LF; otherwise returns it unchanged.
    public static func csvQuote(_ text: String) -> String {
        let needsQuotes = text.utf8.contains { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }
        guard needsQuotes else { return text }
        return "\"" + text.replacingASCII("\"", with: "\"\"") + "\""
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
