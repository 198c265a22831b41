import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialPipeline

/// Evidence a reviewer can follow: every text locator of the seed report ("line 11 item 7" in
/// a page, "/protocolSection/…/eligibilityCriteria line 23 item 13" in a JSON study) leads to
/// the line its quote starts on.
@Suite struct LocatorTests {
    /// Lines of the text the locator counts in: the file for "line N", the JSON string at the
    /// pointer for "/pointer line N".
    static func lines(file: URL, pointer: String?) throws -> [String] {
        let data = try Data(contentsOf: file)
        guard let pointer else { return String(decoding: data, as: UTF8.self).components(separatedBy: "\n") }
        var node: Any = try JSONSerialization.jsonObject(with: data)
        for part in pointer.split(separator: "/") {
            if let i = Int(part), let array = node as? [Any] {
                node = array[i]
            } else if let object = node as? [String: Any], let next = object[String(part)] {
                node = next
            } else {
                return []
            }
        }
        return (node as? String ?? "").components(separatedBy: "\n")
    }

    static func collapsed(_ s: String) -> String { s.split(whereSeparator: \.isWhitespace).joined(separator: " ") }

    @Test func everyTextLocatorOfTheSeedReportLeadsToItsQuote() async throws {
        let landscape = await Repo.inputLandscape()
        var checked = 0
        let cellEvidence = landscape.matrix.rows.flatMap { row in row.cells.flatMap { $0.values.flatMap(\.evidence) } }
        let findingEvidence = landscape.findings.flatMap(\.evidence)
        #expect(!findingEvidence.isEmpty)
        for e in cellEvidence + findingEvidence {
            do {
                do {
                    do {
                        guard let m = e.locator.range(of: #"^(/[^ ]+ )?line (\d+)"#, options: .regularExpression) else { continue }
                        let head = String(e.locator[m])
                        let parts = head.split(separator: " ")
                        let pointer = parts.count == 3 ? String(parts[0]) : nil
                        let line = Int(parts.last!)!
                        let lines = try Self.lines(file: Repo.root.appendingPathComponent(e.file), pointer: pointer)
                        guard line >= 1, line <= lines.count else {
                            Issue.record("\(e.file) \(e.locator): no such line")
                            continue
                        }
                        // The quote starts on the line: its first words are on it (a quote may go on
                        // to the next lines).
                        let own = Self.collapsed(lines[line - 1])
                        let next = line < lines.count ? Self.collapsed(lines[line]) : ""
                        let start = String(Self.collapsed(e.quote).prefix(16))
                        let joined = own + " " + next
                        let at = joined.range(of: start)
                        #expect(
                            at.map { joined.distance(from: joined.startIndex, to: $0.lowerBound) < max(own.count, 1) } == true,
                            "\(e.file) \(e.locator): “\(e.quote.prefix(60))” does not start on line \(line): “\(own.prefix(80))”")
                        checked += 1
                    }
                }
            }
        }
        #expect(checked > 100)
    }
}
