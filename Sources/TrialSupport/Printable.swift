/// Text made safe for a terminal or a log line: registry text and file names are untrusted, and
/// an ESC or a newline in them could rewrite the screen or forge a "warning:" line.
public enum Printable {
    /// `text` with control characters (C0 but tab, DEL, C1) and the bidirectional overrides
    /// written as `\u{1B}`-style escapes, and a backslash doubled only where it would read as one.
    public static func text(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: needsEscape) else { return text }
        var out = ""
        out.reserveCapacity(text.utf8.count + 8)
        for scalar in text.unicodeScalars {
            if needsEscape(scalar) {
                out += "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// ``text(_:)`` line by line: line breaks (LF, CR LF) kept, every other control escaped.
    public static func lines(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { needsEscape($0) && $0 != "\n" && $0 != "\r" }) else { return text }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? Self.text(String(line.dropLast())) + "\r" : Self.text(String(line))
        }.joined(separator: "\n")
    }

    /// `text` for a document (HTML, CSV): a control character other than tab, line feed and
    /// carriage return becomes its visible symbol (NUL "␀", ESC "␛", DEL "␡") or, in the C1
    /// range, U+FFFD, so no terminal or parser sees it.
    public static func visibleControls(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isHiddenControl) else { return text }
        var out = String.UnicodeScalarView()
        for s in text.unicodeScalars {
            guard isHiddenControl(s) else {
                out.append(s)
                continue
            }
            switch s.value {
            case 0x00...0x1F: out.append(Unicode.Scalar(0x2400 + s.value)!)
            case 0x7F: out.append("\u{2421}")
            default: out.append("\u{FFFD}")
            }
        }
        return String(out)
    }

    static func isHiddenControl(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09, 0x0A, 0x0D: false
        case 0x00...0x1F, 0x7F...0x9F: true
        default: false
        }
    }

    /// Raw bytes (a file name that is not UTF-8) as text: valid UTF-8 runs as they are (through
    /// ``text(_:)``), every other byte as `\xE9`.
    public static func bytes(_ raw: [UInt8]) -> String {
        var out = ""
        var i = 0
        while i < raw.count {
            // The longest valid UTF-8 sequence starting here (1 to 4 bytes).
            var taken = 0
            for length in stride(from: min(4, raw.count - i), through: 1, by: -1) {
                if let s = String(validating: raw[i..<(i + length)], as: UTF8.self), s.unicodeScalars.count == 1 {
                    out += text(s)
                    taken = length
                    break
                }
            }
            if taken == 0 {
                out += "\\x" + String(raw[i], radix: 16, uppercase: true).leftPadded(to: 2)
                taken = 1
            }
            i += taken
        }
        return out
    }

    static func needsEscape(_ s: Unicode.Scalar) -> Bool {
        switch s.value {
        case 0x09: false
        case 0x00...0x1F, 0x7F...0x9F: true
        case 0x202A...0x202E, 0x2066...0x2069: true  // bidirectional embeddings, overrides, isolates
        default: false
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
