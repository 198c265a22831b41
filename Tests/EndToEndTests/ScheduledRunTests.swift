import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialPipeline
import TrialRender
import TrialStore

/// Issue 5: regeneration on a schedule — changes since the last run, unchanged runs, crash safety.
@Suite struct ScheduledRunTests {
    static let record = "ctgov-json/NCT03745326.json"

    /// The real record edited the way registries change records: status, enrollment, a threshold
    /// in the criteria (maximum age 72 → 70) and the last-update date.
    static func editedCopy() throws -> [UInt8] {
        var text = try String(contentsOf: Repo.realdata.appendingPathComponent(record), encoding: .utf8)
        for (old, new) in [
            ("\"overallStatus\": \"RECRUITING\"", "\"overallStatus\": \"ACTIVE_NOT_RECRUITING\""),
            ("\"count\": 70", "\"count\": 64"),
            ("less than or equal to 72 years", "less than or equal to 70 years"),
            ("\"date\": \"2025-09-24\"", "\"date\": \"2025-11-03\""),
        ] {
            #expect(text.contains(old))
            text = text.replacingOccurrences(of: old, with: new)
        }
        return Array(text.utf8)
    }

    func report(_ dir: TempFolder, failOnChange: Bool = false) async -> (Landscape, CommandStatus) {
        let command = ReportCommand(
            paths: [dir.url.appendingPathComponent("in").path], output: dir.url.appendingPathComponent("out"),
            templates: .folder(Repo.templates), failOnChange: failOnChange)
        return await command.run(logger: CapturedLog().logger)
    }

    @Test func editedExportReportsExactlyTheEditedChanges() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.copy(realdata: Self.record, as: "in/NCT03745326.json")
        try dir.copy(realdata: "ctgov-json/NCT05438667.json", as: "in/NCT05438667.json")
        let (first, _) = await report(dir)
        #expect(first.changes?.isBaseline == true)

        try dir.write("in/NCT03745326.json", try Self.editedCopy())
        let (second, status) = await report(dir, failOnChange: true)
        #expect(status == .changed)
        let changes = try #require(second.changes)
        #expect(changes.trialsAdded.isEmpty && changes.trialsRemoved.isEmpty)
        #expect(changes.trialsChanged.map(\.id) == ["NCT03745326"])
        let t = try #require(changes.trial("NCT03745326"))
        #expect(Set(t.parameters.map(\.key)) == ["status", "enrollment", "age_criteria_years", "last_update"])
        let status2 = try #require(t.parameter("status"))
        #expect(status2.old.map(\.text) == ["Recruiting"] && status2.new.map(\.text) == ["Active, not recruiting"])
        #expect(status2.old.first?.evidence.first?.quote == "RECRUITING")
        #expect(status2.new.first?.evidence.first?.quote == "ACTIVE_NOT_RECRUITING")
        #expect(t.parameter("enrollment")?.new.first?.csv == "64")
        #expect(t.parameter("age_criteria_years")?.old.first?.evidence.first?.quote.contains("72 years") == true)
        #expect(t.parameter("age_criteria_years")?.new.first?.evidence.first?.quote.contains("70 years") == true)
        #expect(t.parameter("last_update")?.new.first?.csv == "2025-11-03")
        // The criteria now say 70 while the structured maximum age is still 72: a new finding.
        #expect(t.findingsNew.map(\.rule) == ["age-mismatch"])
        #expect(changes.inputs.modified.map(\.path).count == 1)

        let md = try String(contentsOf: dir.url.appendingPathComponent("out/changes.md"), encoding: .utf8)
        #expect(md.contains("Status: Recruiting → Active, not recruiting"))
        let report = try String(contentsOf: dir.url.appendingPathComponent("out/report.md"), encoding: .utf8)
        #expect(report.contains("## What changed"))
    }

    /// `--jobs 1` keeps every step on one thread (grouping, comparing, encoding and decoding
    /// states, rendering before saving): a baseline and an edited rerun of real records give the
    /// same files and the same stored states as with two jobs.
    @Test func oneJobWritesWhatTwoJobsWrite() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        let records = ["NCT03745326", "NCT05438667", "NCT06008288", "NCT06411691"]
        for id in records { try dir.copy(realdata: "ctgov-json/\(id).json", as: "in/\(id).json") }
        func run(jobs: Int) async -> (changed: [String]?, status: CommandStatus) {
            let command = ReportCommand(
                paths: [dir.url.appendingPathComponent("in").path], output: dir.url.appendingPathComponent("out\(jobs)"),
                templates: .folder(Repo.templates), jobs: jobs)
            let (landscape, status) = await command.run(logger: CapturedLog().logger)
            return (landscape.changes?.trialsChanged.map(\.id), status)
        }
        for jobs in [1, 2] {
            let (changed, status) = await run(jobs: jobs)
            #expect(changed == [] && status == .success)
        }
        try dir.write("in/NCT03745326.json", try Self.editedCopy())
        for jobs in [1, 2] {
            let (changed, status) = await run(jobs: jobs)
            #expect(changed == ["NCT03745326"] && status == .success)
        }
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("out2").path)
            .filter { !$0.hasPrefix(".") }.sorted()
        #expect(names.contains("changes.json") && names.contains("matrix.xlsx"))
        for name in names {
            let one = try Data(contentsOf: dir.url.appendingPathComponent("out1/\(name)"))
            let two = try Data(contentsOf: dir.url.appendingPathComponent("out2/\(name)"))
            #expect(one == two, "\(name) differs between --jobs 1 and --jobs 2")
        }
        func states(_ jobs: Int) throws -> [[String]] {
            let store = try SnapshotStore(
                path: dir.url.appendingPathComponent("out\(jobs)/\(SnapshotStore.defaultRelativePath)").path, mode: .readOnly)
            return try store.runs().map { run in SnapshotStore.stateHashes(try #require(try store.snapshot(run.id)).trials, jobs: 1) }
        }
        let one = try states(1)
        #expect(one.count == 2 && one.allSatisfy { $0.count == records.count })
        #expect(one == (try states(2)))
    }

    @Test func unchangedRunWritesIdenticalFilesAndSaysNoChanges() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.copy(realdata: Self.record, as: "in/a.json")
        try dir.copy(realdata: "ctgov-xml/NCT00513591.xml", as: "in/b.xml")
        _ = await report(dir)
        // The first unchanged run says so ("No changes since run 1"); every later one writes the
        // same bytes.
        let (first, firstStatus) = await report(dir, failOnChange: true)
        #expect(firstStatus == .success)
        #expect(first.changes?.unchangedSince == 1)
        let names = try FileManager.default.contentsOfDirectory(atPath: dir.url.appendingPathComponent("out").path)
            .filter { !$0.hasPrefix(".") }.sorted()
        let before = try names.map { try Data(contentsOf: dir.url.appendingPathComponent("out/\($0)")) }
        let changesMD = try String(contentsOf: dir.url.appendingPathComponent("out/changes.md"), encoding: .utf8)
        #expect(changesMD.contains("No changes since run 1, the first run (the baseline: 2 trials from 2 inputs)."))
        let (again, status) = await report(dir, failOnChange: true)
        #expect(status == .success)
        #expect(again.changes?.isBaseline == true)  // the reports keep describing the last real change
        let after = try names.map { try Data(contentsOf: dir.url.appendingPathComponent("out/\($0)")) }
        #expect(before == after)
        let store = try SnapshotStore(path: dir.url.appendingPathComponent("out/.trialdiff/state.sqlite").path, mode: .readOnly)
        #expect(try store.runs().count == 1)
    }

    /// An unchanged run whose outputs are as the last run left them renders nothing; an edited,
    /// removed or differently requested output, or an edited template, is rendered again.
    @Test func unchangedRunSkipsRenderingUntilAnOutputOrTemplateChanges() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.copy(realdata: Self.record, as: "in/a.json")
        try dir.copy(realdata: "ctgov-xml/NCT00513591.xml", as: "in/b.xml")
        let templates = dir.url.appendingPathComponent("templates")
        try FileManager.default.copyItem(at: Repo.templates, to: templates)
        let out = dir.url.appendingPathComponent("out")

        func run(_ formats: [OutputFormat] = OutputFormat.allCases) async -> (upToDate: Bool, status: CommandStatus) {
            let log = CapturedLog()
            let command = ReportCommand(
                paths: [dir.url.appendingPathComponent("in").path], output: out, templates: .folder(templates), formats: formats)
            let (_, status) = await command.run(logger: log.logger)
            return (log.lines.contains { $0.hasSuffix("up to date") }, status)
        }
        func text(_ name: String) throws -> String { try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8) }

        #expect(await run().upToDate == false)
        // The first rerun says "No changes since run 1" and renders once; later ones are up to date.
        #expect(await run().upToDate == false)
        let report = try text("report.md")
        #expect(await run() == (true, .success))

        // An output edited by hand is rendered again, and put back.
        try (report + "edited\n").write(to: out.appendingPathComponent("report.md"), atomically: false, encoding: .utf8)
        #expect(await run().upToDate == false)
        #expect(try text("report.md") == report)
        #expect(await run().upToDate == true)

        // A removed output, too.
        try FileManager.default.removeItem(at: out.appendingPathComponent("trials.json"))
        #expect(await run().upToDate == false)
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("trials.json").path))

        // Other formats requested.
        #expect(await run([.csv]).upToDate == false)
        #expect(await run([.csv]).upToDate == true)

        // An edited template.
        let template = templates.appendingPathComponent("report.md.mustache")
        let source = try String(contentsOf: template, encoding: .utf8)
        try source.replacingOccurrences(of: "## Inputs", with: "## Input files").write(to: template, atomically: true, encoding: .utf8)
        #expect(await run().upToDate == false)
        #expect(try text("report.md").contains("## Input files"))
        #expect(await run().upToDate == true)
    }

    @Test func addedRemovedAndRenamedInputs() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.copy(realdata: Self.record, as: "in/a.json")
        try dir.copy(realdata: "ctgov-xml/NCT00513591.xml", as: "in/b.xml")
        _ = await report(dir)

        try FileManager.default.moveItem(
            at: dir.url.appendingPathComponent("in/a.json"), to: dir.url.appendingPathComponent("in/renamed.json"))
        let (renamed, _) = await report(dir)
        #expect(renamed.changes?.hasTrialChanges == false)
        #expect(renamed.changes?.inputs.renamed.count == 1)

        try FileManager.default.removeItem(at: dir.url.appendingPathComponent("in/b.xml"))
        let (removed, _) = await report(dir)
        #expect(removed.changes?.trialsRemoved.map(\.id) == ["NCT00513591"])

        try dir.copy(realdata: "ctgov-xml/NCT00001177.xml", as: "in/c.xml")
        let (added, _) = await report(dir)
        #expect(added.changes?.trialsAdded.map(\.id) == ["NCT00001177"])
        #expect(added.changes?.trialsChanged.isEmpty == true)
    }

    @Test func diffComparesTwoExportsWithoutTheStore() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.copy(realdata: Self.record, as: "old/NCT03745326.json")
        try dir.write("new/NCT03745326.json", try Self.editedCopy())
        let command = DiffCommand(
            old: dir.url.appendingPathComponent("old").path, new: dir.url.appendingPathComponent("new").path,
            output: dir.url.appendingPathComponent("out"), templates: .folder(Repo.templates), failOnChange: true)
        let (changes, status) = await command.run(print: { _ in }, logger: CapturedLog().logger)
        #expect(status == .changed)
        #expect(Set(changes.trial("NCT03745326")?.parameters.map(\.key) ?? []) == ["status", "enrollment", "age_criteria_years", "last_update"])
        #expect(FileManager.default.fileExists(atPath: dir.url.appendingPathComponent("out/changes.json").path))
    }

    /// A real `trialdiff report` process killed with SIGKILL while it writes its outputs leaves
    /// every previous report whole and the previous snapshot current; the next run completes.
    @Test func killedRunLeavesPreviousReportsAndSnapshotIntact() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.copy(realdata: Self.record, as: "in/NCT03745326.json")
        let out = dir.url.appendingPathComponent("out")

        func run(delayMS: Int?, killAfter: Double?) throws -> Int32 {
            try OutputSwapTests.run(dir, env: delayMS.map { ["TRIALDIFF_TEST_WRITE_DELAY_MS": "\($0)"] } ?? [:], killAfter: killAfter)
        }

        #expect(try run(delayMS: nil, killAfter: nil) == 0)
        let names = OutputSwapTests.names
        let first = try names.map { try Data(contentsOf: out.appendingPathComponent($0)) }

        try dir.write("in/NCT03745326.json", try Self.editedCopy())
        // 9 files staged × 400 ms: killed while staging, before any file was replaced.
        _ = try run(delayMS: 400, killAfter: 1.5)
        let state = out.appendingPathComponent(".trialdiff/state.sqlite").path
        let store = try SnapshotStore(path: state, mode: .readOnly)
        #expect(try store.runs().count == 1, "the killed run must not have saved a snapshot")
        #expect(try store.latest()?.trial("NCT03745326")?["enrollment"].first?.csv == "70")
        for (i, name) in names.enumerated() {
            #expect(try Data(contentsOf: out.appendingPathComponent(name)) == first[i], "\(name) was replaced by a killed run")
        }

        // A folder of the user's in the output folder rules out the folder swap (OutputSwapTests),
        // so the set is journaled. Killed while renaming (staging takes 9 × 300 ms, each rename
        // 300 ms): the journal names the set, and opening the folder again completes it. Never a
        // mix once trialdiff has opened the folder.
        try dir.write("out/mine/keep.txt", "mine")
        _ = try run(delayMS: 300, killAfter: 3.3)
        let journal = out.appendingPathComponent(".trialdiff-commit").path
        let interrupted = FileManager.default.fileExists(atPath: journal)
        let completed = try AtomicWriter(folder: out).recover()
        #expect(!FileManager.default.fileExists(atPath: journal))
        let now = try names.map { try Data(contentsOf: out.appendingPathComponent($0)) }
        let changed = zip(now, first).filter { $0 != $1 }.count
        if interrupted {
            #expect(!completed.isEmpty)
            let md = try String(contentsOf: out.appendingPathComponent("changes.md"), encoding: .utf8)
            #expect(md.contains("Enrollment: 70 (planned) → 64 (planned)"), "the completed set is the new one")
        } else {
            // The kill fell outside the renames: the old set or the new one, whole.
            #expect(changed == 0 || changed >= 4, "\(changed) files changed: a mix")
        }

        #expect(try run(delayMS: nil, killAfter: nil) == 0)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".trialdiff-tmp") }
        #expect(leftovers.isEmpty)
        let reopened = try SnapshotStore(path: state, mode: .readOnly)
        #expect(try reopened.runs().count == 2)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(".trialdiff-commit").path))
        let md = try String(contentsOf: out.appendingPathComponent("changes.md"), encoding: .utf8)
        #expect(md.contains("Enrollment: 70 (planned) → 64 (planned)"))
    }

    /// An input that fails in one run does not make its trials "removed" (and "added" back in
    /// the next good run): they are kept from the previous run, listed as such.
    @Test func aFailedInputKeepsItsTrialsFromThePreviousRun() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.copy(realdata: Self.record, as: "in/a.json")
        try dir.copy(realdata: "ctgov-xml/NCT00513591.xml", as: "in/b.xml")
        let (first, _) = await report(dir)
        #expect(first.trials.count == 2)
        let good = try Fixtures.bytes("realdata/ctgov-xml/NCT00513591.xml")
        try dir.write("in/b.xml", Array(good.prefix(good.count / 2)))
        let (broken, status) = await report(dir)
        #expect(status == .inputFailed)
        let changes = try #require(broken.changes)
        #expect(changes.trialsRemoved.isEmpty)
        #expect(changes.trialsStale?.map(\.id) == ["NCT00513591"])
        let md = try String(contentsOf: dir.url.appendingPathComponent("out/changes.md"), encoding: .utf8)
        #expect(md.contains("Trials kept from the previous run"))
        // The kept trial is still a column of the matrix, with the values it had, marked stale.
        #expect(broken.matrix.trials == first.matrix.trials)
        #expect(broken.stale == ["NCT00513591"])
        for key in ["title", "enrollment", "age_min_years", "phase"] {
            #expect(broken.matrix.cell(key, trial: "NCT00513591") == first.matrix.cell(key, trial: "NCT00513591"), "\(key)")
        }
        #expect(broken.matrix.cell("enrollment", trial: "NCT00513591")?.isEmpty == false)
        let csv = try String(contentsOf: dir.url.appendingPathComponent("out/matrix.csv"), encoding: .utf8)
        #expect(csv.components(separatedBy: "\r\n").contains { $0.hasPrefix("NCT00513591,NCT00513591") })
        let reportMD = try String(contentsOf: dir.url.appendingPathComponent("out/report.md"), encoding: .utf8)
        #expect(reportMD.contains("NCT00513591 (stale)"))
        try dir.write("in/b.xml", good)
        let (fixed, fixedStatus) = await report(dir)
        #expect(fixedStatus == .success)
        #expect(fixed.changes?.trialsAdded.isEmpty == true)
        #expect(fixed.changes?.trialsStale == nil)
    }
}
