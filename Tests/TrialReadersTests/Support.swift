import Foundation
import TestSupport
import Testing
import TrialModel
import TrialReaders

/// Real registry records copied byte-for-byte from ../shared/realdata (see Fixtures/realdata/SOURCES.md).
enum RealData {
    static let root = Fixtures.realdata

    static func file(_ relative: String) throws -> InputFile {
        let url = root.appendingPathComponent(relative)
        return InputFile(path: relative, bytes: Array(try Data(contentsOf: url)))
    }

    static func read(_ relative: String) throws -> [SourceRecord] {
        try ReaderRegistry.read(try file(relative))
    }

    /// Rows of TRUTH.tsv: the structured fields of each single-trial ClinicalTrials.gov record.
    struct TruthRow: Sendable, CustomTestStringConvertible {
        var id, format, file, minimumAge, maximumAge, enrollment, enrollmentType, phase, status, gender: String
        var testDescription: String { file }
    }

    static let truth: [TruthRow] = {
        let text = try! String(contentsOf: root.appendingPathComponent("TRUTH.tsv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map { line in
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return TruthRow(
                id: c[0], format: c[1], file: c[2], minimumAge: c[3], maximumAge: c[4], enrollment: c[5],
                enrollmentType: c[6], phase: c[7], status: c[8], gender: c[9])
        }
    }()
}
