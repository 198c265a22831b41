import Foundation
import Mustache
import TestSupport
import Testing
import TrialModel

@testable import TrialRender

@Suite struct MarkdownEscapeTests {
    @Test func pipesAndBackslashesAreEscaped() {
        #expect(Escape.markdownCell("a | b") == "a \\| b")
        #expect(Escape.markdownCell("C:\\temp") == "C:\\\\temp")
    }

    @Test func newlinesCollapseToOneSpace() {
        #expect(Escape.markdownCell("line one\r\nline two\n\n  three\u{2028}four") == "line one line two three four")
    }

    @Test func rawHTMLIsNeverLive() {
        #expect(Escape.markdownCell("<script>alert(1)</script>") == "&lt;script&gt;alert(1)&lt;/script&gt;")
        #expect(Escape.markdownCell("AT&T") == "AT&amp;T")
    }

    @Test func formattingAndLinkCharactersAreEscaped() {
        #expect(Escape.markdownCell("*bold* _it_ `code` [x](javascript:alert(1))") == "\\*bold\\* \\_it\\_ \\`code\\` \\[x\\](javascript:alert(1))")
        #expect(Escape.markdownCell("~~gone~~ $x$ #1") == "\\~\\~gone\\~\\~ \\$x\\$ \\#1")
    }

    @Test(arguments: [
        ("# Heading", "\\# Heading"),
        ("> quote", "&gt; quote"),
        ("- item", "\\- item"),
        ("+ item", "\\+ item"),
        ("* item", "\\* item"),
        ("1. item", "1\\. item"),
        ("12) item", "12\\) item"),
        ("=== ", "\\==="),
        ("10.5 mg", "10.5 mg"),
        ("-5", "\\-5"),
    ])
    func leadingBlockMarkersAreNeutralised(input: String, expected: String) {
        #expect(Escape.markdownCell(input) == expected)
    }

    @Test func plainTextIsUnchanged() {
        #expect(Escape.markdownCell("LVEF ≥ 50 % (CAR-NK, day −5)") == "LVEF ≥ 50 % (CAR-NK, day −5)")
    }

    @Test func controlCharactersAreDropped() {
        #expect(Escape.markdownCell("a\u{0}b\u{7}c") == "abc")
    }
}

@Suite struct HTMLEscapeTests {
    @Test func escapesMarkupAndQuotes() {
        #expect(Escape.html("<a href=\"x\" title='y'>&</a>") == "&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;")
        #expect(Escape.html("≥ 50 %") == "≥ 50 %")
    }

    @Test func htmlIDKeepsOnlySafeCharacters() {
        #expect(Escape.htmlID("NCT06464679", prefix: "trial-") == "trial-NCT06464679")
        #expect(Escape.htmlID("a\"b <c>/é", prefix: "t-") == "t-a-b--c---")
    }
}

@Suite struct CSVEscapeTests {
    @Test func quotesOnlyWhenNeeded() {
        #expect(Escape.csvField("plain text") == "plain text")
        #expect(Escape.csvField("a,b") == "\"a,b\"")
        #expect(Escape.csvField("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(Escape.csvField("two\nlines") == "\"two\nlines\"")
        #expect(Escape.csvField("cr\rhere") == "\"cr\rhere\"")
        #expect(Escape.csvField("") == "")
    }

    @Test(arguments: ["=HYPERLINK(\"http://x\",\"y\")", "+cmd", "-cmd|' /C calc'!A0", "@SUM(A1)", "\tx", "\rx", "-", "- 5 mg"])
    func formulaLikeTextGetsAQuote(input: String) {
        #expect(Escape.csvFormulaGuard(input) == "'" + input)
    }

    @Test(arguments: ["-5 -4 -3", "-3", "300-450", "+5", "-5;-4;-3", "50", "13.5", "18-65", "Acme", "1×10^9 cells"])
    func numbersAndOrdinaryTextStayAsTheyAre(input: String) {
        #expect(Escape.csvFormulaGuard(input) == input)
    }

    @Test func guardedFieldIsAlsoQuoted() {
        #expect(Escape.csvField("=HYPERLINK(\"http://evil\",\"x\")") == "\"'=HYPERLINK(\"\"http://evil\"\",\"\"x\"\")\"")
    }

    @Test func numericListDetection() {
        #expect(Escape.isPlainNumericList("-5 -4 -3"))
        #expect(Escape.isPlainNumericList("300-450"))
        #expect(!Escape.isPlainNumericList("-"))
        #expect(!Escape.isPlainNumericList("-A1"))
        #expect(!Escape.isPlainNumericList("=1+1"))
        #expect(!Escape.isPlainNumericList("-1+SUM(A1)"))
    }
}

/// The scalar path of ``Escape/markdownCell(_:)`` (taken for nearly all registry text) must give
/// exactly what the `Character` path gives.
@Suite struct MarkdownEscapePathTests {
    static let realdata = Fixtures.realdata

    /// Every line of every real registry file, plus each line joined with the next (so that
    /// line breaks are inside the text).
    static func realLines() throws -> [String] {
        let files = FileManager.default.enumerator(atPath: realdata.path)!.compactMap { $0 as? String }.sorted()
        var lines: [String] = []
        for file in files {
            guard let data = FileManager.default.contents(atPath: realdata.appendingPathComponent(file).path),
                let text = String(data: data, encoding: .utf8)
            else { continue }
            let split = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            lines += split
            lines += zip(split, split.dropFirst()).map { $0 + "\r\n" + $1 }
        }
        return lines
    }

    @Test func scalarPathEqualsCharacterPathOnRealText() throws {
        let lines = try Self.realLines()
        var scalarPath = 0
        var nonASCII = 0
        for line in lines {
            guard let fast = Escape.markdownCellScalars(line) else { continue }
            scalarPath += 1
            if line.utf8.contains(where: { $0 >= 0x80 }) { nonASCII += 1 }
            #expect(fast == Escape.markdownCellCharacters(line), "\(line.prefix(200))")
        }
        #expect(scalarPath > 10_000)
        #expect(nonASCII > 100)
    }

    @Test func scalarPathEqualsCharacterPathForEveryStandaloneAndASCIIScalar() {
        let scalars = standaloneProbeScalars.filter { $0.isASCII || TextScan.isStandalone($0) }
        for scalar in scalars {
            for text in ["\(scalar)", "a\(scalar)b", " \(scalar) ", "\(scalar)\(scalar)", "x\r\n\(scalar)"] {
                #expect(Escape.markdownCellScalars(text) == Escape.markdownCellCharacters(text), "U+\(String(scalar.value, radix: 16))")
            }
        }
    }

    @Test func specialsClusteredWithMarksAreEscapedToo() {
        #expect(Escape.markdownCell("a |\u{301} b") == "a \\|\u{301} b")
        #expect(Escape.markdownCell("`\u{301}x`") == "\\`\u{301}x\\`")
        #expect(Escape.markdownCell("<\u{338}script>") == "&lt;\u{338}script&gt;")
    }

    @Test(arguments: ["e\u{301}*", "*\u{301}", "a\u{200D}b", "🇫🇷 | x", "가각", "x\u{FE0F}"])
    func textWithJoiningScalarsTakesTheCharacterPath(text: String) {
        #expect(Escape.markdownCellScalars(text) == nil)
        #expect(Escape.markdownCell(text) == Escape.markdownCellCharacters(text))
    }
}

/// HTML escaping is byte-level, so no `Character` clustering can hide a quote from it, and what
/// trialdiff hands a template is prepared so that Mustache's default escaping agrees byte for byte.
@Suite struct HTMLEscapePathTests {
    /// Mustache's default `{{x}}` escaping, for comparison.
    static func mustacheDefault(_ text: String) throws -> String {
        try MustacheTemplate(string: "{{x}}").render(["x": text])
    }

    @Test func byteEscapingEqualsMustacheOnPreparedRealText() throws {
        var escaped = 0
        for line in try MarkdownEscapePathTests.realLines() {
            let prepared = Escape.isolatingHTMLSpecials(line)
            let ours = Escape.html(prepared)
            #expect(ours == (try Self.mustacheDefault(prepared)), "\(line.prefix(200))")
            if ours != prepared { escaped += 1 }
        }
        #expect(escaped > 1000)
    }

    @Test(arguments: ["\"\u{301} onmouseover=alert(1) x=\"", "'\u{20DD}", "<\u{338}script>", "&\u{200D}amp;", "\u{600}\"x", "a\u{301}\"b"])
    func everySpecialIsEscapedWhateverClustersWithIt(text: String) throws {
        // Byte-level escaping alone already escapes it…
        #expect(!Escape.html(text).utf8.contains { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "'") })
        // …and once prepared, so does Mustache's Character-level escaping.
        let prepared = Escape.isolatingHTMLSpecials(text)
        let mustache = try Self.mustacheDefault(prepared)
        #expect(!mustache.utf8.contains { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "<") || $0 == UInt8(ascii: "'") })
        #expect(mustache == Escape.html(prepared))
    }
}
