import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialPipeline
import TrialRender

/// A record without a registry ID is known by its input's path: editing it changes that trial,
/// and nothing is added or removed.
@Suite struct StableIdentityTests {
    func report(_ dir: TempFolder) async -> (Landscape, CommandStatus) {
        await ReportCommand(paths: [dir.path + "/in"], output: dir.appending("out"), formats: [.json]).run(logger: CapturedLog().logger)
    }

    @Test func editingASeedWithoutAnIDChangesThatTrialOnly() async throws {
        let dir = try TempFolder("identity")
        defer { dir.remove() }
        let seed = "000_22635aa42715a471.txt"
        for name in try FileManager.default.contentsOfDirectory(atPath: Fixtures.seeds.path) {
            try dir.write("in/" + name, try Fixtures.bytes("seeds/" + name))
        }
        let (first, firstStatus) = await report(dir)
        #expect(firstStatus == .success)
        let id = try #require(first.trial(fromFile: seed)?.id.value)
        #expect(id.hasPrefix("TD-"))

        let text = try Fixtures.text("seeds/" + seed)
        #expect(text.contains("(LVEF) ≥ 45%"))
        try dir.write("in/" + seed, text.replacingOccurrences(of: "(LVEF) ≥ 45%", with: "(LVEF) ≥ 40%"))
        let (second, status) = await report(dir)
        #expect(status == .success)
        #expect(second.trial(fromFile: seed)?.id.value == id, "the edited record keeps its ID")
        let changes = try #require(second.changes)
        #expect(changes.trialsAdded.isEmpty && changes.trialsRemoved.isEmpty)
        #expect(changes.trialsChanged.map(\.id) == [id])
        let lvef = try #require(changes.trialsChanged.first?.parameters.first { $0.key == "lvef_min_percent" })
        #expect(lvef.old.map(\.text) == ["≥ 45 %"])
        #expect(lvef.new.map(\.text) == ["≥ 40 %"])
        #expect(lvef.old.flatMap(\.evidence).contains { $0.quote.contains("≥ 45%") && $0.locator.hasPrefix("line 11 ") })
        #expect(lvef.new.flatMap(\.evidence).contains { $0.quote.contains("≥ 40%") && $0.locator.hasPrefix("line 11 ") })

        // Unchanged: the reports name the last change and its run.
        let (third, _) = await report(dir)
        #expect(third.changes?.unchangedSince == 2)
        let md = try String(contentsOf: dir.appending("out/changes.json"), encoding: .utf8)
        #expect(md.contains("\"unchangedSince\" : 2"))
        #expect(ChangeText.render(try #require(third.changes)).contains("No changes since run 2. The last change, in run 2: 1 trial changed"))
    }

    /// The same bytes under two names are two trials; under the same name in another folder
    /// argument, the same trial.
    @Test func theIdentityIsThePathBelowTheInputFolder() {
        #expect(InputCollector.identity(of: "Input/000.txt", given: ["Input"]) == "000.txt")
        #expect(InputCollector.identity(of: "/data/in/sub/000.txt", given: ["/data/in/"]) == "sub/000.txt")
        #expect(InputCollector.identity(of: "a/b/000.txt", given: ["a/b/000.txt"]) == "000.txt")
        #expect(InputCollector.identity(of: "a/b/000.txt", given: ["a", "a/b"]) == "000.txt")
    }
}
