import Foundation
import TestSupport
import Testing
import TrialModel
import TrialSupport

@testable import TrialExtraction

/// On a text longer than `TextBuffer.windowedLength`, a match call over a small range searches a
/// copy of the range and its context (the whole text was copied on every call); it must find
/// exactly what the search of the whole text finds, for every built-in pattern.
@Suite struct TextBufferWindowTests {
    @Test func windowedMatchesEqualTheWholeTextSearch() throws {
        var text = ""
        for name in Fixtures.files(under: "seeds") + Fixtures.files(under: "realdata") where text.utf16.count < 160_000 {
            text += try Fixtures.text(name) + "\n"
        }
        let buffer = TextBuffer(text)
        #expect(buffer.length > 4 * TextBuffer.windowedLength)
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

    static func ranges(_ m: NSTextCheckingResult) -> [Int] {
        (0..<m.numberOfRanges).flatMap { [m.range(at: $0).location, m.range(at: $0).length] }
    }
}
