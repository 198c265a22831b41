import Foundation
import TestSupport
import Testing
import TrialSupport

@testable import TrialModel

/// `trimmingBlankLines` and `collapsingWhitespace` take a byte path for text whose Characters are
/// single scalars (`TextScan`); it must give exactly what walking Characters gives.
func expectSamePaths(_ text: String, _ comment: @autoclosure () -> String) {
    #expect(text.trimmingBlankLines == text.trimmingBlankLinesCharacters, "\(comment())")
    #expect(text.collapsingWhitespace == text.collapsingWhitespaceCharacters, "\(comment())")
}

@Suite struct TextScanTests {
    /// Every line of the real files, and windows of 12 lines with LF and with CR LF.
    static func realTexts() throws -> [String] {
        let files = FileManager.default.enumerator(atPath: RealData.root.path)!.compactMap { $0 as? String }.sorted()
        var texts: [String] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: RealData.root.appendingPathComponent(file).path),
                let text = String(data: data, encoding: .utf8)
            else { continue }
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            texts += lines
            for start in stride(from: 0, to: lines.count, by: 12) {
                let window = lines[start..<min(lines.count, start + 12)]
                texts.append(window.joined(separator: "\n"))
                texts.append(window.joined(separator: "\r\n"))
            }
        }
        return texts
    }

    /// The scans step eight bytes at a time: a double space, a tab, a control character, a
    /// no-break space or a non-ASCII letter at every offset across two or three steps.
    static let wordBoundaryTexts: [String] = (0..<20).flatMap { k -> [String] in
        let a = String(repeating: "a", count: k)
        let tail = String(repeating: "b", count: 20 - k)
        return ["  ", " ", "\t", "\u{1}", " \u{1}", "\u{A0}", " \u{A0}", "é", " é ", "\n", " \u{1} "].map { a + $0 + tail }
            + ["x" + a + " " + " " + tail, "x" + a + " y " + tail]
    }

    @Test func scansAgreeWithByteByByteAtEveryOffset() {
        for text in Self.wordBoundaryTexts {
            var copy = text
            let oneScalar = text.unicodeScalars.allSatisfy { $0.isASCII || TextScan.isStandalone($0) }
            #expect(copy.withUTF8(TextScan.isOneScalarPerCharacter) == oneScalar, "\(text.debugDescription)")
            expectSamePaths(text, text.debugDescription)
        }
    }

    @Test func bytePathEqualsCharacterPathOnRealText() throws {
        let texts = try Self.realTexts()
        var nonASCIIBytePath = 0
        for text in texts {
            var copy = text
            let oneScalar = copy.withUTF8 { TextScan.isOneScalarPerCharacter($0) }
            if oneScalar && text.utf8.contains(where: { $0 >= 0x80 }) { nonASCIIBytePath += 1 }
            expectSamePaths(text, String(text.prefix(200)))
        }
        // The new byte path is exercised, not only the ASCII one.
        #expect(nonASCIIBytePath > 500)
    }

    @Test func bytePathEqualsCharacterPathForEveryStandaloneAndASCIIScalar() {
        let scalars = standaloneProbeScalars.filter { $0.isASCII || TextScan.isStandalone($0) }
        #expect(scalars.count > 5_000)
        for s in scalars {
            for text in [
                "\(s)", " \(s) ", "\n  \(s)\u{A0}\n\n", "  a\(s)b \t\n    \(s)  \n\u{A0}\n", "\(s)\(s)\u{A0} \(s)",
                "x\r\n\(s)\n", "\u{A0}\u{A0}\n\t\(s)\t\n\t\t\(s)",
            ] {
                expectSamePaths(text, "U+\(String(s.value, radix: 16)) in \(text.debugDescription)")
            }
        }
    }

    /// `isCollapsed` says exactly when collapsing would change nothing, so returning the text
    /// itself is right; then the result shares the text's storage.
    @Test func alreadyCollapsedTextIsReturnedAsItIs() throws {
        let scalars = standaloneProbeScalars.filter { $0.isASCII || TextScan.isStandalone($0) }
        let made =
            scalars.flatMap { s in ["\(s)", "a \(s)", "a\(s) b", " \(s)", "\(s)  b", "x \(s)\u{A0}y", "a\t\(s)"] }
            + Self.wordBoundaryTexts
        var collapsed = 0
        for text in try Self.realTexts() + made + ["", " ", "a b", "a  b", "a\nb", "\u{A0}", "a\u{A0}b", "à b"] {
            var copy = text
            guard copy.withUTF8({ TextScan.isOneScalarPerCharacter($0) }) else { continue }
            let isCollapsed = copy.withUTF8 { TextScan.isCollapsed($0) }
            #expect(isCollapsed == (text.collapsingWhitespaceCharacters == text), "\(text.debugDescription)")
            if isCollapsed { collapsed += 1 }
        }
        #expect(collapsed > 2_000)

        var long = "A long criterion of more than fifteen bytes, already on one line: ≥ 18 years."
        var result = long.collapsingWhitespace
        #expect(result == long)
        let shared = long.withUTF8 { a in result.withUTF8 { b in a.baseAddress == b.baseAddress } }
        #expect(shared)
    }

    /// Among the standalone scalars only the no-break space is white space, which both byte
    /// paths treat as such.
    @Test func noBreakSpaceIsTheOnlyStandaloneWhitespace() {
        let spaces = (0x80...0xFFFF).compactMap(Unicode.Scalar.init).filter { TextScan.isStandalone($0) && Character($0).isWhitespace }
        #expect(spaces == ["\u{A0}"])
    }

    /// Text with a combining mark goes by `Character` only on the lines that hold one.
    @Test(arguments: [
        "e\u{301}  b\n\n  c \t d\r\n  ≥ 18\u{A0}\n", "\n\n a \n b\u{301}\n\n", " \u{301}x\ny \u{301}\n", "中文：\u{3000}纳入\n\u{F0B7} item\u{FFFD}",
        "\r\n\u{301}\r\n", "a\u{200D}\nb",
    ])
    func linesWithoutMarksTakeTheBytePath(text: String) {
        expectSamePaths(text, text.debugDescription)
        #expect(text.collapsingWhitespaceByLine == text.collapsingWhitespaceCharacters)
    }

    /// Registry XML writes line ends as `&#13;&#10;`, so criteria arrive with CR LF; they end
    /// lines as LF does, in ASCII text, in text with ≥ or µ, and in text the byte path cannot take.
    @Test(arguments: ["", "≥ ", "e\u{301} "])
    func crLFEndsALineInAnyText(prefix: String) {
        let text = "\r\n  Inclusion Criteria:\r\n\r\n    - \(prefix)18 years \r\n    - LVEF\u{A0}\r\n\r\n"
        let expected = "Inclusion Criteria:\n\n  - \(prefix)18 years\n  - LVEF"
        #expect(text.trimmingBlankLines == expected)
        #expect(text.trimmingBlankLinesCharacters == expected)
        #expect(text.replacingOccurrences(of: "\r\n", with: "\n").trimmingBlankLines == expected)
    }

    @Test(arguments: ["e\u{301} \n", " \u{301}\n x", "a\u{200D}b\n", "🇫🇷  x", "가각 \n", "x\u{FE0F} ", "\u{85}x\u{85}", "a\u{2028}b "])
    func textWithJoiningOrOtherSpacesTakesTheCharacterPath(text: String) {
        var copy = text
        #expect(!copy.withUTF8 { TextScan.isOneScalarPerCharacter($0) })
        #expect(text.trimmingBlankLines == text.trimmingBlankLinesCharacters)
        #expect(text.collapsingWhitespace == text.collapsingWhitespaceCharacters)
    }
}

/// `LineIndex` steps over eight ASCII bytes without a line feed at once; its line starts must be
/// the UTF-16 offsets after each line feed, counted unit by unit.
@Suite struct LineIndexTests {
    static func starts(_ text: String) -> [Int] {
        [0] + text.utf16.enumerated().filter { $0.element == 10 }.map { $0.offset + 1 }
    }

    @Test func lineStartsAreTheUnitsAfterEachLineFeed() throws {
        let made = (0..<20).flatMap { k in
            ["\n", "é\n", "\n\n", "𝛼\n", "a\r\nb"].map { String(repeating: "a", count: k) + $0 + String(repeating: "b", count: 20 - k) + "\nc" }
        }
        var multiLine = 0
        for text in try TextScanTests.realTexts() + made {
            let index = LineIndex(text)
            #expect(index.starts == Self.starts(text), "\(text.prefix(80).debugDescription)")
            if index.isMultiLine { multiLine += 1 }
        }
        #expect(multiLine > 1000)
    }
}

/// `trimmingSpaces` skips Foundation when both ends are ASCII other than a space or a tab: that
/// is exact only if no other ASCII character is in `.whitespaces`, and it must trim as Foundation does.
@Suite struct TrimmingSpacesTests {
    @Test func asciiWhitespaceIsOnlySpaceAndTab() {
        let inSet = (0..<128).filter { CharacterSet.whitespaces.contains(Unicode.Scalar(UInt8($0))) }
        #expect(inSet == [0x09, 0x20])
    }

    @Test(arguments: [
        "", " ", "\t", " 18 ", "18", "1,000", "\u{A0}18", "18\u{A0}", "\u{2003}x\u{3000}", "\n18\n", " \u{85}", "é", " é\t", "\t\t42",
    ])
    func trimsAsFoundationDoes(_ text: String) {
        #expect(text.trimmingSpaces == text.trimmingCharacters(in: .whitespaces))
    }

    @Test func trimsEveryRealLineAsFoundationDoes() throws {
        for text in try TextScanTests.realTexts() {
            #expect(text.trimmingSpaces == text.trimmingCharacters(in: .whitespaces), "\(text.prefix(80).debugDescription)")
        }
    }
}
