import Foundation
import Testing
import TrialModel
@testable import TrialCompare
@testable import TrialExtraction

/// The cheap checks that run before the costliest patterns are optimizations only: on every
/// line and field of the real records and the seeds, a check that says "cannot match" must be
/// right. Each test also makes sure both outcomes occur, so it cannot pass vacuously.
@Suite struct PrefilterSoundnessTests {
    static let fields = (RuleFixtures.realdata + RuleFixtures.seeds).flatMap(\.source.fields).map(\.value)

    @Test func inlineMarkerCheckNeverHidesAMatch() {
        var skipped = 0
        var matched = 0
        for value in Self.fields {
            for raw in value.split(separator: "\n") {
                let line = raw.trimmingCharacters(in: .whitespaces)
                guard !line.isEmpty else { continue }
                let match = TextBuffer(line).firstMatch(CriteriaSplitter.inlineMarker) != nil
                if match { matched += 1 }
                if !CriteriaSplitter.mayHaveInlineMarker(line) {
                    skipped += 1
                    #expect(!match, "inline marker in a line the check skips: \(line)")
                }
            }
        }
        #expect(skipped > 1000)
        #expect(matched > 10)
    }

    @Test func timeListCheckNeverHidesAMatch() {
        var skipped = 0
        var matched = 0
        for value in Self.fields {
            let match = !DuplicatedTimePointRule.trailingUnit.matches(in: value).isEmpty
                || !DuplicatedTimePointRule.leadingUnit.matches(in: value).isEmpty
            if match { matched += 1 }
            if !DuplicatedTimePointRule.mayHoldTimeList(value) {
                skipped += 1
                #expect(!match, "time list in a field the check skips: \(value.prefix(200))")
            }
        }
        #expect(skipped > 1000)
        #expect(matched > 10)
    }
}
