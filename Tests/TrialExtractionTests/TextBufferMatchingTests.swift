import Foundation
import TestSupport
import Testing
import TrialModel
import TrialSupport

@testable import TrialExtraction

/// `TextBuffer` matches through ``ICURegex`` (ICU called directly, over UTF-16 units converted
/// once); it must find exactly what `NSRegularExpression` finds with transparent bounds, for every
/// built-in pattern: every match and group range, and the anchored first match.
@Suite struct TextBufferMatchingTests {
    @Test func rangesOfALongTextMatchAsNSRegularExpressionDoes() throws {
        var text = ""
        for name in Fixtures.files(under: "seeds") + Fixtures.files(under: "realdata") where text.utf16.count < 160_000 {
            text += try Fixtures.text(name) + "\n"
        }
        let buffer = TextBuffer(text)
        #expect(buffer.length > 100_000)
        // Compile every extraction pattern the way a run does.
        var record = SourceRecord(file: "joined.txt", format: .plainText)
        record.add(.title, String(text.prefix(300)), locator: "line 1")
        record.addText(.criteria, text, locator: "lines 1-2", line: 1)
        record.addText(.interventionDescription, text, locator: "lines 1-2", line: 1)
        _ = TrialExtractor.extract(record)
        let patterns = PatternCatalog.all.map { Pattern($0.pattern, caseSensitive: !$0.options.contains(.caseInsensitive)) }
        #expect(patterns.count > 60)
        var compared = 0
        for (p, pattern) in patterns.enumerated() {
            for k in 0..<6 {
                // Ranges of 40 to 1,000 units spread over the text, some at its ends.
                let length = 40 + (p * 37 + k * 91) % 960
                let location = k == 0 ? 0 : k == 1 ? buffer.length - length : (p * 7_919 + k * 104_729) % (buffer.length - length)
                let range = NSRange(location: location, length: length)
                let whole = pattern.regex.matches(in: text, options: [.withTransparentBounds], range: range)
                let windowed = buffer.matches(pattern, in: range)
                #expect(windowed.map(Self.ranges) == whole.map(Self.ranges), "\(pattern.regex.pattern.prefix(80)) in \(range)")
                let first = pattern.regex.firstMatch(in: text, options: [.withTransparentBounds, .anchored], range: range)
                #expect(buffer.firstMatch(pattern, in: range, anchored: true).map(Self.ranges) == first.map(Self.ranges))
                compared += whole.count
            }
        }
        #expect(compared > 100)
    }

    /// Lines of the real records and seeds, whole and from their middle on, for every pattern.
    @Test func linesMatchAsNSRegularExpressionDoes() throws {
        var lines: [String] = []
        for name in Fixtures.files(under: "seeds") + Fixtures.files(under: "realdata") {
            lines += try Fixtures.text(name).split(separator: "\n").map(String.init)
        }
        lines += ["", "ſ", "🧬 ≥ 18 years", "Inclusion Criteria:", "K 10 ×10⁹/L", "\u{0}\u{FFFD}"]
        var record = SourceRecord(file: "lines.txt", format: .plainText)
        record.addText(.criteria, lines.joined(separator: "\n"), locator: "lines 1-2", line: 1)
        record.addText(.summary, lines.joined(separator: "\n"), locator: "lines 1-2", line: 1)
        _ = TrialExtractor.extract(record)
        let patterns = PatternCatalog.all.map { Pattern($0.pattern, caseSensitive: !$0.options.contains(.caseInsensitive)) }
        var compared = 0
        // About 600 lines, spread over the fixtures, and every very short one.
        let stride = max(1, lines.count / 600)
        for (i, line) in lines.enumerated() where i % stride == 0 || line.utf16.count < 8 {
            let buffer = TextBuffer(line)
            let tail = NSRange(location: buffer.length / 2, length: buffer.length - buffer.length / 2)
            for pattern in patterns {
                for range in [buffer.fullRange, tail] {
                    let expected = pattern.regex.matches(in: line, options: [.withTransparentBounds], range: range)
                    #expect(
                        buffer.matches(pattern, in: range).map(Self.ranges) == expected.map(Self.ranges),
                        "\(pattern.regex.pattern.prefix(80)): \(line.prefix(120))")
                    let first = pattern.regex.firstMatch(in: line, options: [.withTransparentBounds, .anchored], range: range)
                    #expect(buffer.firstMatch(pattern, in: range, anchored: true).map(Self.ranges) == first.map(Self.ranges))
                    compared += expected.count
                }
            }
        }
        #expect(compared > 300)
    }

    static func ranges(_ m: NSTextCheckingResult) -> [Int] {
        (0..<m.numberOfRanges).flatMap { [m.range(at: $0).location, m.range(at: $0).length] }
    }
}
