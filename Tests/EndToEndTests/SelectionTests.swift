import Foundation
import Testing
import TrialModel
import TrialPipeline

@Suite struct SelectionTests {
    @Test func whereSelectsRecordsAndReportsCounts() async throws {
        let selection = try Selection(parsing: ["condition:cancer", "status:recruiting"])
        let l = await Pipeline.landscape(paths: ["ctgov-xml", "ctgov-json"], root: Repo.realdata, selection: selection)
        let summary = try #require(l.selection)
        #expect(summary.recordsRead == 98)
        #expect(summary.recordsMatched == l.trials.count)
        #expect(summary.inputsRead == 98)
        #expect(l.inputs.count == l.trials.flatMap(\.sources).count)  // only contributing inputs listed
        // Conditions (or keywords) mention cancer: at least the conditions-only matches are in.
        let all = await Pipeline.landscape(paths: ["ctgov-xml", "ctgov-json"], root: Repo.realdata)
        let byConditions = all.trials.filter { t in
            t.parameters.statuses.contains { $0.value == .recruiting }
                && t.parameters.conditions.contains { $0.value.lowercased().contains("cancer") }
        }
        #expect(!byConditions.isEmpty)
        #expect(Set(byConditions.map(\.id)).isSubset(of: Set(l.trials.map(\.id))))
        for t in l.trials {
            #expect(t.parameters.statuses.contains { $0.value == .recruiting })
        }
    }

    @Test(arguments: [
        (["id:NCT05438667,NCT03745326"], 2),
        (["product:CAR-NK"], 4),
        (["KN5501"], 4),
        (["sponsor:changhai", "phase:phase 1"], 1),
        (["status:not yet recruiting"], 1),
    ])
    func fieldsMatchOnTheSeeds(_ expressions: [String], _ expected: Int) async throws {
        let l = await Pipeline.landscape(paths: ["Input"], root: Repo.root, selection: try Selection(parsing: expressions))
        #expect(l.trials.count == expected, "\(expressions)")
    }

    @Test func unknownFieldIsRejectedWithTheListOfFields() {
        #expect(throws: Selection.ParseError.unknownField("conditon")) { try Selection(parsing: ["conditon:lupus"]) }
        #expect(throws: Selection.ParseError.emptyValue("phase:")) { try Selection(parsing: ["phase:"]) }
    }
}

/// The pre-extraction filter is only an optimization: it must never drop a record that the
/// selection on extracted values would keep.
@Suite struct SelectionPrefilterTests {
    @Test(arguments: [
        ["condition:cancer"], ["condition:lupus,thrombocytopenia"], ["sponsor:national cancer institute"],
        ["id:NCT00513591,NCT06337474"], ["text:CAR-NK"], ["KN5501"], ["text:cyclophosphamide"],
        ["text:ejection fraction", "sponsor:hospital"], ["condition:covid"],
        // Values that cross escapes in the raw files: "&amp;" (XML), "\"" (JSON).
        ["sponsor:merck sharp & dohme"], [#"text:according to the official guideline "Pneumonia"#],
    ])
    func prefilterKeepsEveryRecordTheSelectionMatches(_ expressions: [String]) async throws {
        let selection = try Selection(parsing: expressions)
        let paths = ["Tests/TestSupport/Fixtures/realdata", "Input"]
        let all = await Repo.landscape(paths)
        let expected = Set(all.trials.flatMap(\.records).filter { selection.matches($0) }.map(\.source))
        #expect(!expected.isEmpty, "\(expressions) selects nothing: the check would be vacuous")
        let selected = await Pipeline.landscape(paths: paths, root: Repo.root, selection: selection)
        #expect(Set(selected.trials.flatMap(\.records).map(\.source)) == expected, "\(expressions)")
        #expect(selected.selection?.recordsRead == all.inputs.reduce(0) { $0 + $1.records })
    }
}
