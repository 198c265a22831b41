import Foundation
import GRDB
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialPipeline

@testable import TrialStore
@testable import TrialSupport

/// Stored trial states on the real records: since schema v4 a state names its main file once;
/// states stored before have a file in every evidence. Both must read the same.
@Suite struct StoredStateTests {
    struct ViewKey: Hashable {
        var trial: String
        var key: String
    }
    /// A value as `trial_value` lists it; `file` is optional so a missing one is seen.
    struct ViewValue: Decodable, Hashable {
        struct Evidence: Decodable, Hashable {
            var file: String?
            var locator: String
            var quote: String
        }
        var text: String
        var csv: String
        var evidence: [Evidence]
    }

    /// A state stored before v4 (every evidence with its file, no `file` of its own) reads back
    /// as the same trial, and the view gives the same values as for the compact state: for every
    /// trial of the real records, some of them read from several files.
    @Test func statesStoredBeforeV4ReadTheSame() async throws {
        let landscape = await Repo.landscape(["Tests/TestSupport/Fixtures/realdata", "Input"])
        let s = Snapshot(landscape: landscape, inputs: landscape.inputs.compactMap(\.fingerprint))
        #expect(s.trials.count > 100)
        // Evidence of another file than the state's keeps its own: the view must not replace it.
        let mixed = s.trials.filter { trial in
            let files = Set(trial.parameters.flatMap(\.values).flatMap(\.evidence).map(\.file))
            return files.count > 1
        }
        #expect(!mixed.isEmpty)
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let path = tmp.appending(".trialdiff/state.sqlite").path
        let store = try SnapshotStore(path: path)
        try store.save(s, label: "first")
        /// The view's values by trial and parameter key.
        func view() throws -> [ViewKey: [ViewValue]] {
            try store.db.read { db in
                try Row.fetchAll(db, sql: "SELECT trial_id, key, value_list FROM trial_value").reduce(into: [:]) { view, row in
                    view[ViewKey(trial: row["trial_id"], key: row["key"])] = try JSONDecoder().decode(
                        [ViewValue].self, from: Data((row["value_list"] as String).utf8))
                }
            }
        }
        let compact = try view()
        #expect(!compact.isEmpty)
        // Every evidence in the view names its file, and those of the mixed trials several.
        let viewFiles = compact.reduce(into: [String: [String?]]()) { files, entry in
            files[entry.key.trial, default: []] += entry.value.flatMap(\.evidence).map(\.file)
        }
        #expect(viewFiles.values.allSatisfy { !$0.contains(nil) })
        for trial in mixed {
            #expect(Set(viewFiles[trial.id] ?? []).count > 1, "\(trial.id)")
        }
        // Rewrite each state as the encoder writes it (the form before v4), under the same hash.
        try await store.db.write { db in
            for trial in s.trials {
                let full = String(decoding: try StableJSONEncoder(pretty: false).encode(trial), as: UTF8.self)
                #expect(!full.hasPrefix(#"{"file""#))
                try db.execute(
                    sql: "UPDATE trial_state SET json = ? WHERE sha256 = (SELECT state_sha256 FROM run_trial WHERE trial_id = ?)",
                    arguments: [full, trial.id])
                #expect(db.changesCount == 1)
            }
        }
        #expect(try view() == compact)
        #expect(try SnapshotStore(path: path, mode: .readOnly).latest() == s)
    }
}
