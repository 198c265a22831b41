import Foundation
import GRDB
import Synchronization
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialSupport

@testable import TrialStore

struct Boom: Error {}

@Suite struct SnapshotStoreTests {
    let a = Spec()
    let b = Spec.second()

    @Test func sha256IsLowerCaseHex() {
        #expect(SnapshotStore.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SnapshotStore.sha256([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SnapshotStore.fingerprint(path: "x", bytes: [1, 2, 3]).size == 3)
    }

    /// A new database is built in a file of its own beside its path (no write-ahead log, so a
    /// first run writes its state once) and moved there by the first save, in WAL mode.
    @Test func newDatabaseIsBuiltBesideItsPathUntilTheFirstSave() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let folder = (tmp.dbPath as NSString).deletingLastPathComponent
        func building() -> [String] {
            ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).filter { $0.hasPrefix("state.sqlite.new-\(getpid())-") }
        }
        let store = try SnapshotStore(path: tmp.dbPath)
        #expect(!FileManager.default.fileExists(atPath: tmp.dbPath))
        #expect(building().count == 1)
        let tables = ["run", "run_input", "trial_state", "run_trial", "run_finding", "parse_cache"]
        func schema() throws -> (String?, Set<String>, [String], Bool) {
            try store.db.read { db in
                (
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"), try Schema.migrator.appliedIdentifiers(db),
                    try tables.filter { try !db.tableExists($0) }, try db.viewExists("trial_value")
                )
            }
        }
        let (buildMode, buildApplied, buildMissing, _) = try schema()
        #expect(buildMode == "memory")
        #expect(try store.db.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } == SnapshotStore.newPageSize)
        #expect(buildApplied == ["v1", "v2", "v3", "v4"])
        #expect(buildMissing.isEmpty)
        #expect(try store.latest() == nil)
        #expect(try store.runs().isEmpty)

        try store.save(snapshot([a]), label: "first")
        #expect(FileManager.default.fileExists(atPath: tmp.dbPath))
        #expect(building().isEmpty)
        let (mode, applied, missing, view) = try schema()
        #expect(mode == "wal")
        #expect(try store.db.read { db in try Int.fetchOne(db, sql: "PRAGMA page_size") } == SnapshotStore.newPageSize)
        #expect(applied == ["v1", "v2", "v3", "v4"])
        #expect(missing.isEmpty)
        #expect(view)
        #expect(try store.latest() == snapshot([a]))
        // The store goes on in place; reopening an up-to-date database is a no-op.
        try store.save(snapshot([a, b]), label: "second")
        #expect(try SnapshotStore(path: tmp.dbPath).runs().map(\.label) == ["first", "second"])
        #expect(try SnapshotStore(path: tmp.dbPath, mode: .readOnly).latest() == snapshot([a, b]))
    }

    /// Closing a new store that was never saved (a first run that failed after reading) puts its
    /// database in place, parse cache and all, as an existing store keeps its cache.
    @Test func newDatabaseClosedUnsavedKeepsItsParseCache() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let hash = SnapshotStore.sha256(Array(a.content.utf8))
        do {
            let store = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.0")
            try store.cacheRecords([a.record()], sha256: hash)
        }
        let folder = (tmp.dbPath as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".new-") }.isEmpty)
        let reopened = try SnapshotStore(path: tmp.dbPath, mode: .readOnly, parserVersion: "1.0")
        #expect(try reopened.cachedParse(sha256: hash)?.records == [a.record()])
        #expect(try reopened.runs().isEmpty)
    }

    /// A new store closed unsaved after another process created the state (a first run that
    /// failed beside one that succeeded): its parse cache goes into that state.
    @Test func newStoreClosedUnsavedBesideAnotherGivesItItsCache() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let hashB = SnapshotStore.sha256(Array(b.content.utf8))
        let first = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.0")
        do {
            let second = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.0")
            try second.cacheRecords([b.record()], sha256: hashB)
            try first.save(snapshot([a]), label: "first")
        }
        let folder = (tmp.dbPath as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".new-") }.isEmpty)
        let reopened = try SnapshotStore(path: tmp.dbPath, mode: .readOnly, parserVersion: "1.0")
        #expect(try reopened.cachedParse(sha256: hashB)?.records == [b.record()])
        #expect(try reopened.runs().map(\.label) == ["first"])
    }

    /// Two new stores on one path (two first runs at once): the second to save finds the first's
    /// database in place and saves its run there, after the first's, with the parse cache it
    /// had built (its inputs are not parsed again by the next run).
    @Test func secondNewStoreSavesIntoTheFirstsDatabase() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let (hashA, hashB) = (SnapshotStore.sha256(Array(a.content.utf8)), SnapshotStore.sha256(Array(b.content.utf8)))
        let first = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.0")
        let second = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.0")
        try first.cacheRecords([a.record()], sha256: hashA)
        try second.cacheRecords([b.record()], sha256: hashB)
        try second.flushCache()
        try first.save(snapshot([a]), label: "first")
        #expect(try second.save(snapshot([b]), label: "second") == RunID(2))
        #expect(try second.latest() == snapshot([b]))
        #expect(try first.runs().map(\.label) == ["first", "second"])
        let reopened = try SnapshotStore(path: tmp.dbPath, mode: .readOnly, parserVersion: "1.0")
        #expect(try reopened.cachedParse(sha256: hashB)?.records == [b.record()])
        // The last run saved decides what the cache keeps: its own inputs.
        #expect(try reopened.cachedParse(sha256: hashA) == nil)
        let folder = (tmp.dbPath as NSString).deletingLastPathComponent
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".new-") }.isEmpty)
    }

    /// A first run killed before its save left its building file: the next store opened for
    /// writing deletes it, but never one whose process still runs.
    @Test func abandonedBuildingFilesAreRemoved() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let folder = (tmp.dbPath as NSString).deletingLastPathComponent
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let dead = StoreConnection.buildingPath(for: tmp.dbPath, pid: Int32.max - 1)
        let alive = StoreConnection.buildingPath(for: tmp.dbPath, pid: 1)
        let other = tmp.dbPath + ".new-notes.txt"
        for file in [dead, dead + "-journal", alive, other] { try Data("x".utf8).write(to: URL(fileURLWithPath: file)) }
        let store = try SnapshotStore(path: tmp.dbPath)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(!FileManager.default.fileExists(atPath: dead + "-journal"))
        #expect(FileManager.default.fileExists(atPath: alive))
        #expect(FileManager.default.fileExists(atPath: other))
        try store.save(snapshot([a]), label: "first")
        #expect(try SnapshotStore(path: tmp.dbPath, mode: .readOnly).latest() == snapshot([a]))
        // A name left beside an existing database (a run killed between linking its file into
        // place and deleting the name) goes when the database is next opened for writing.
        try Data("x".utf8).write(to: URL(fileURLWithPath: dead))
        _ = try SnapshotStore(path: tmp.dbPath, mode: .readOnly)
        #expect(FileManager.default.fileExists(atPath: dead))
        _ = try SnapshotStore(path: tmp.dbPath)
        #expect(!FileManager.default.fileExists(atPath: dead))
        #expect(FileManager.default.fileExists(atPath: alive))
    }

    @Test func saveAndLoadRoundTrip() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        var a2 = a
        a2.findings = [debrisFinding(a)]
        let s = snapshot([a2, b])
        let store = try SnapshotStore(path: tmp.dbPath)
        let id = try store.save(s, label: "first", recordedAt: "2024-07-01T06:00:00Z", summary: "baseline")
        #expect(id == RunID(1))
        let loaded = try #require(try store.latest())
        #expect(loaded == s)
        #expect(try store.snapshot(id) == s)
        #expect(loaded.findings.contains { $0.rule == "scrape-debris" })
        // A fresh connection reads the same.
        #expect(try SnapshotStore(path: tmp.dbPath, mode: .readOnly).latest() == s)
        let run = try #require(try store.latestRun())
        #expect(
            run
                == RunInfo(
                    id: RunID(1), label: "first", recordedAt: "2024-07-01T06:00:00Z", summary: "baseline", trialCount: 2,
                    inputCount: 2, findingCount: s.findings.count, valuesKept: true))
        // The per-parameter view answers ad-hoc SQL.
        let lvef = try store.db.read { db in
            try String.fetchOne(
                db, sql: "SELECT value_list FROM trial_value WHERE run_id = 1 AND trial_id = ? AND key = 'lvef_min_percent'",
                arguments: ["NCT00000001"])
        }
        #expect(lvef?.contains("Left ventricular ejection fraction") == true)
        // The state names its file once; the view gives every evidence its file back.
        let state = try #require(try store.db.read { db in try String.fetchOne(db, sql: "SELECT json FROM trial_state LIMIT 1") })
        #expect(state.hasPrefix(#"{"file":"#))
        let values = try store.db.read { db in try String.fetchAll(db, sql: "SELECT value_list FROM trial_value WHERE run_id = 1") }
        let evidence = try values.flatMap { list in
            try #require(try JSONSerialization.jsonObject(with: Data(list.utf8)) as? [[String: Any]]).flatMap {
                try #require($0["evidence"] as? [[String: String]])
            }
        }
        #expect(!evidence.isEmpty)
        #expect(evidence.allSatisfy { $0["file"] == a.file || $0["file"] == b.file })
    }

    @Test func twoRunsGiveHistoryAndChanges() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let store = try SnapshotStore(path: tmp.dbPath)
        let first = snapshot([a])
        #expect(ChangeSet(from: try store.latest(), to: first).isBaseline)
        try store.save(first, label: "june")
        var a2 = a
        a2.lvef = 55
        a2.status = .activeNotRecruiting
        let second = snapshot([a2, b])
        let changes = ChangeSet(from: try store.latest(), to: second)
        #expect(changes.summary == "1 trial changed, 1 added, 0 removed; inputs: 1 added, 1 modified")
        try store.save(second, label: "july", summary: changes.summary)
        try store.save(snapshot([a2]), label: "august")

        #expect(try store.runs().map(\.label) == ["june", "july", "august"])
        #expect(try store.runs().map(\.id.rawValue) == [1, 2, 3])
        #expect(try store.runs()[1].summary == changes.summary)
        #expect(try store.trialIDs() == ["NCT00000001", "NCT00000002"])

        let history = try store.history(trial: "NCT00000001")
        #expect(history.entries.count == 3)
        #expect(history.entries.map { $0.state?["lvef_min_percent"].map(\.csv) } == [["50"], ["55"], ["55"]])
        #expect(history.steps.map(\.event) == [.added, .changed, .unchanged])
        let step = try #require(history.steps[1].change)
        #expect(step.parameters.map(\.key) == ["status", "lvef_min_percent"])
        #expect(step.parameter("lvef_min_percent")?.old.first?.evidence.first?.quote == "Left ventricular ejection fraction ≥ 50%")

        let other = try store.history(trial: "NCT00000002")
        #expect(other.steps.map(\.event) == [.absent, .added, .removed])
        #expect(try store.history(trial: "NCT99999999").isEmpty)
    }

    @Test func failureInsideSaveLeavesThePreviousSnapshot() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let store = try SnapshotStore(path: tmp.dbPath)
        let first = snapshot([a])
        try store.save(first, label: "good")
        var a2 = a
        a2.lvef = 60
        #expect(throws: (any Error).self) {
            _ = try store.save(snapshot([a2, b]), label: "killed", recordedAt: nil, summary: nil) { throw Boom() }
        }
        #expect(try store.latest() == first)
        #expect(try store.runs().map(\.label) == ["good"])
        // The database opens fine and takes the next run.
        let reopened = try SnapshotStore(path: tmp.dbPath)
        #expect(try reopened.latest() == first)
        #expect(try reopened.save(snapshot([a2]), label: "next") == RunID(2))
        #expect(try reopened.runs().map(\.label) == ["good", "next"])
    }

    @Test func constraintViolationMidSaveRollsBack() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let store = try SnapshotStore(path: tmp.dbPath)
        let first = snapshot([a])
        try store.save(first, label: "good")
        // An invalid hash fails after the run row was inserted.
        var bad = snapshot([a, b])
        bad.inputs.append(InputFingerprint(path: "zz.xml", sha256: "not-a-hash", size: 1))
        let error = #expect(throws: StoreError.self) { try store.save(bad, label: "bad") }
        #expect(error.map { "\($0)" }?.contains("CHECK constraint failed") == true)
        #expect(try store.latest() == first)
        #expect(try store.runs().count == 1)
        let rows = try store.db.read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run_trial") }
        #expect(rows == 1)
    }

    @Test func retentionKeepsTheLastRunsValues() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let store = try SnapshotStore(path: tmp.dbPath, keepRuns: 2)
        for lvef in [40.0, 45, 50, 55] {
            var s = a
            s.lvef = lvef
            try store.save(snapshot([s, b]), label: "lvef \(Display.number(lvef))")
        }
        let runs = try store.runs()
        #expect(runs.map(\.valuesKept) == [false, false, true, true])
        #expect(runs.map(\.trialCount) == [2, 2, 2, 2])
        #expect(try store.snapshot(RunID(1)) == nil)
        #expect(try store.history(trial: "NCT00000001").entries.map(\.run.id.rawValue) == [3, 4])
        let counts = try store.db.read { db in
            (
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM trial_state")!,
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM run_input")!,
                try Int.fetchOne(db, sql: "SELECT COUNT(DISTINCT run_id) FROM run_finding")!
            )
        }
        // Trial b is unchanged across runs: stored once. Trial a: one state per kept run.
        #expect(counts.0 == 3)
        #expect(counts.1 == 4)
        #expect(counts.2 <= 2)
    }

    @Test func parseCacheByContentHash() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let store = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.0")
        let records = [a.record()]
        let hash = SnapshotStore.sha256(Array(a.content.utf8))
        #expect(try store.cachedParse(sha256: hash)?.records == nil)
        let summary = InputSummary(file: a.file, format: .ctgovXML, records: 1, warnings: ["w"])
        try store.cacheRecords(records, sha256: hash, summary: summary)
        #expect(try store.cachedParse(sha256: hash)?.records == records)
        #expect(try store.cachedParse(sha256: hash) == CachedParse(records: records, summary: summary))

        // Another extraction version does not see the entry.
        let newer = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.1")
        #expect(try newer.cachedParse(sha256: hash)?.records == nil)

        // Saving a run prunes entries whose hash is not an input of that run.
        let other = SnapshotStore.sha256(Array("gone".utf8))
        try store.cacheRecords([], sha256: other)
        #expect(try store.cacheCount() == 2)
        try store.save(snapshot([a]), label: "run")
        #expect(try store.cacheCount() == 1)
        #expect(try store.cachedParse(sha256: hash)?.records == records)
        // … and entries of another parser version.
        try newer.save(snapshot([a]), label: "upgrade")
        #expect(try store.cacheCount() == 0)
    }

    /// Records handed over as their JSON (a run encodes them once, for the cache and its spill
    /// file) are cached as the JSON array of those records: the same entry as the records given.
    @Test(arguments: [0, 1, 2])
    func recordsCachedFromTheirJSONAreTheRecords(count: Int) throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let records = Array([a.record(), b.record()].prefix(count))
        let hash = SnapshotStore.sha256(Array("\(count)".utf8))
        do {
            let store = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.0")
            let encoded = try records.map(SnapshotStore.encodeRecord)
            #expect(encoded.allSatisfy { $0.first == UInt8(ascii: "{") })
            let joined = "[" + encoded.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",") + "]"
            #expect(Array(joined.utf8) == (try StoreJSON.encodeUnsorted(records)), "the array's JSON is its records' joined")
            try store.cacheRecords(encoded: encoded, sha256: hash)
            #expect(try store.cachedParse(sha256: hash)?.records == records)
        }
        let reopened = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.0")
        #expect(try reopened.cachedParse(sha256: hash)?.records == records)
    }

    @Test func knownStatesAreReusedInsteadOfDecoded() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let store = try SnapshotStore(path: tmp.dbPath)
        let first = snapshot([a, b])
        try store.save(first, label: "first")
        var a2 = a
        a2.lvef = 40
        let second = snapshot([a2, b])
        try store.save(second, label: "second")

        // Hashes are those of the stored JSON: every state of a run is known by its own states.
        let known = SnapshotStore.knownStates(second.trials)
        #expect(known.count == 2)
        let latest = try #require(try store.latest(reusing: known))
        #expect(latest.snapshot == second)
        #expect(try latest.snapshot == store.latest())
        #expect(Set(latest.states.keys) == Set(known.keys))

        // Spoil every stored state's JSON: states known by hash are not decoded, the others are.
        let queue = try DatabaseQueue(path: tmp.dbPath)
        try queue.write { db in try db.execute(sql: "UPDATE trial_state SET json = '{\"spoiled\":1}'") }
        try queue.close()
        #expect(try store.latest(reusing: known)?.snapshot == second)
        #expect(throws: StoreError.self) { try store.latest() }
        // The run before shares b's state: reusing the latest run's states, only a's old state
        // would be decoded, and it is spoiled.
        let runs = try store.runs()
        #expect(throws: StoreError.self) { try store.snapshot(runs[0].id, reusing: latest.states) }
        let firstKnown = SnapshotStore.knownStates(first.trials)
        #expect(try store.snapshot(runs[0].id, reusing: firstKnown) == first)
    }

    /// A rerun reads the previous run's states through this run's trials where the hashes match:
    /// it holds no copy of them, says which are shared (so the change set skips them) and still
    /// finds the trial that changed, wherever the trials moved to.
    @Test func previousRunReusesThisRunsTrials() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let store = try SnapshotStore(path: tmp.dbPath)
        let first = snapshot([a, b])
        try store.save(first, label: "first")

        // Unchanged: every state is this run's, position for position.
        let again = snapshot([a, b])
        let same = try #require(try store.latest(reusing: SnapshotStore.knownStates(again.trials)))
        #expect(same.snapshot == first)
        #expect(same.snapshot.trials.positionsShared(with: again.trials) == [0, 1])
        #expect(ChangeSet(from: same.snapshot, to: again).isEmpty)

        // A trial added in front and another changed: shared positions follow the trials, and
        // the changed one is compared and reported.
        var a2 = a
        a2.lvef = 40
        var zero = Spec()
        zero.file = "Input/NCT00000000.xml"
        zero.nct = "NCT00000000"
        let third = snapshot([zero, a2, b])
        let previous = try #require(try store.latest(reusing: SnapshotStore.knownStates(third.trials)))
        #expect(previous.snapshot == first)
        #expect(previous.snapshot.trials.positionsShared(with: third.trials) == [nil, 2])
        // Refs of shared trials come from this run's refs, and are the stored run's.
        let sharedRefs = previous.snapshot.trials.refs(
            sharing: previous.snapshot.trials.positionsShared(with: third.trials), with: third.trials.refs)
        #expect(sharedRefs == first.trials.refs && sharedRefs == previous.snapshot.trials.refs)
        #expect(sharedRefs.map(\.title) == [a.title, b.title])
        let changes = ChangeSet(from: previous.snapshot, to: third)
        #expect(changes.trialsAdded.map(\.id) == ["NCT00000000"])
        #expect(changes.trialsChanged.map(\.id) == ["NCT00000001"])
        #expect(changes.trialsChanged.first?.parameters.map(\.key) == ["lvef_min_percent"])
        // Built on the list it reuses, not a copy; unrelated lists share nothing.
        #expect(previous.snapshot.trials.positionsShared(with: snapshot([zero, a2, b]).trials) == [nil, nil])

        // The run before the previous one, read through the previous run's states (what an
        // unchanged run shows as the last change): b's state is shared through both lists.
        try store.save(third, label: "third")
        let fourth = snapshot([zero, a2, b])
        let latest = try #require(try store.latest(reusing: SnapshotStore.knownStates(fourth.trials)))
        let runs = try store.runs()
        let before = try #require(try store.snapshot(runs[0].id, reusing: latest.states))
        #expect(before == first)
        #expect(before.trials.positionsShared(with: latest.snapshot.trials) == [nil, 2])
        #expect(ChangeSet(from: before, to: latest.snapshot).trialsChanged.map(\.id) == ["NCT00000001"])
    }

    @Test func savingWithStateHashesStoresTheSameRun() throws {
        var a2 = a
        a2.lvef = 40
        let first = snapshot([a, b]), second = snapshot([a2, b])
        func stored(_ path: String) throws -> (trials: [Row], states: [Row]) {
            let queue = try DatabaseQueue(path: path)
            defer { try? queue.close() }
            return try queue.read { db in
                (
                    try Row.fetchAll(db, sql: "SELECT run_id, trial_id, position, title, state_sha256 FROM run_trial ORDER BY run_id, position"),
                    try Row.fetchAll(db, sql: "SELECT sha256, json FROM trial_state ORDER BY sha256")
                )
            }
        }
        let plain = try TempFolder("store"), hashed = try TempFolder("store")
        defer {
            plain.remove()
            hashed.remove()
        }
        let s1 = try SnapshotStore(path: plain.dbPath)
        try s1.save(first, label: "first")
        try s1.save(second, label: "second")
        let s2 = try SnapshotStore(path: hashed.dbPath)
        try s2.save(first, label: "first", stateHashes: SnapshotStore.stateHashes(first.trials))
        // b's state is stored already and is not encoded again; a2's is new and is.
        try s2.save(second, label: "second", stateHashes: SnapshotStore.stateHashes(second.trials))
        #expect(try s2.latest() == second)
        let p = try stored(plain.dbPath), h = try stored(hashed.dbPath)
        #expect(p.trials == h.trials && p.states == h.states)
        #expect(p.trials.count == 4 && p.states.count == 3)
        // The hashes callers compute are the ones the store keys states by.
        #expect(p.trials.suffix(2).map { $0["state_sha256"] as String } == SnapshotStore.stateHashes(second.trials))
    }

    /// A value whose nested container is written after its parent moved on cannot be streamed.
    struct Interleaved: Codable, Equatable {
        var a: Int
        var b: Int
        enum CodingKeys: String, CodingKey { case outer, a, b }

        init(a: Int, b: Int) {
            self.a = a
            self.b = b
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            a = try c.nestedContainer(keyedBy: CodingKeys.self, forKey: .outer).decode(Int.self, forKey: .a)
            b = try c.decode(Int.self, forKey: .b)
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            var inner = c.nestedContainer(keyedBy: CodingKeys.self, forKey: .outer)
            try c.encode(b, forKey: .b)
            try inner.encode(a, forKey: .a)
        }
    }

    @Test func cacheJSONStreamsInEncodingOrderAndFallsBackToTheSortedEncoder() throws {
        let records = [a.record(), b.record()]
        let streamed = try StoreJSON.encodeUnsorted(records)
        #expect(streamed == (try StreamingJSONEncoder().encode(records)))
        #expect(streamed != (try StableJSONEncoder(pretty: false).encode(records)))
        #expect(try StoreJSON.decode([TrialRecord].self, from: Data(streamed)) == records)

        let value = [Interleaved(a: 1, b: 2)]
        #expect(throws: StreamingJSONEncoder.Unsupported.self) { try StreamingJSONEncoder().encode(value) }
        let fallback = try StoreJSON.encodeUnsorted(value)
        #expect(String(decoding: fallback, as: UTF8.self) == #"[{"b":2,"outer":{"a":1}}]"#)
        #expect(try StoreJSON.decode([Interleaved].self, from: Data(fallback)) == value)
    }

    @Test func parseCacheEntriesAreWrittenInBatchesAndNeverLost() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let records = [a.record()]
        let hashes = (0..<(SnapshotStore.cacheBatchSize + 5)).map { SnapshotStore.sha256(Array("input \($0)".utf8)) }
        try SnapshotStore(path: tmp.dbPath).save(snapshot([]), label: "existing")
        do {
            let store = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.0")
            for hash in hashes { try store.cacheRecords(records, sha256: hash) }
            // One batch is written; the last five are pending, yet already hits.
            let other = try SnapshotStore(path: tmp.dbPath, mode: .readOnly, parserVersion: "1.0")
            #expect(try other.cachedParse(sha256: hashes[0])?.records == records)
            #expect(try other.cachedParse(sha256: hashes.last!) == nil)
            #expect(try store.cachedParse(sha256: hashes.last!)?.records == records)
        }
        // Closing the store wrote the rest.
        let reopened = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.0")
        #expect(try reopened.cacheCount() == hashes.count)
        #expect(try reopened.cachedParse(sha256: hashes.last!)?.records == records)
    }

    @Test func statesOfMoreTrialsThanOneWaveAreAllStoredInOrder() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let store = try SnapshotStore(path: tmp.dbPath)
        let count = SnapshotStore.stateWave * 2 + 3
        let trials = (0..<count).map { i in
            SnapshotTrial(
                id: String(format: "NCT%08d", i), title: "Trial \(i)",
                parameters: [
                    ParameterValues(key: "enrollment", label: "Enrollment", values: [RecordedValue(text: "\(i % 7)", csv: "\(i % 7)", evidence: [])])
                ])
        }
        try store.save(Snapshot(trials: trials, findings: [], inputs: []), label: "big")
        let loaded = try #require(try store.latest())
        #expect(Array(loaded.trials) == trials)
    }

    @Test func relocatedRewritesEveryEvidencePath() throws {
        var spec = a
        spec.findings = [debrisFinding(a)]
        var r = spec.record()
        r.parameters.criteria = [
            Criterion(
                list: .inclusion, heading: nil, number: "1", text: "LVEF ≥ 50%",
                evidence: Evidence(file: a.file, locator: "line 40", quote: "LVEF ≥ 50%"))
        ]
        // A quote that mentions the path is text, not a location: left alone.
        r.parameters.titles.append(Measured("See \"file\":\"\(a.file)\"", Evidence(file: a.file, locator: "/x", quote: "file:\(a.file)")))
        let moved = r.relocated(to: "Archive/2024/study one.xml")
        #expect(moved.source.file == "Archive/2024/study one.xml")
        #expect(moved.parameters.thresholds[0].evidence[0].file == "Archive/2024/study one.xml")
        #expect(moved.parameters.criteria[0].evidence.file == "Archive/2024/study one.xml")
        #expect(moved.findings[0].evidence[0].file == "Archive/2024/study one.xml")
        #expect(moved.parameters.titles[1].value == "See \"file\":\"\(a.file)\"")
        #expect(moved.parameters.titles[1].evidence[0].quote == "file:\(a.file)")
        let json = String(decoding: try JSONEncoder().encode(moved), as: UTF8.self)
        #expect(!json.contains("\"file\":\"Input"))
        #expect(moved.relocated(to: a.file) == r)
        #expect(r.relocated(to: a.file) == r)

        let parse = CachedParse(records: [r], summary: InputSummary(file: a.file, format: .ctgovXML, records: 1))
        #expect(parse.relocated(to: "b.xml").summary?.file == "b.xml")
        #expect(parse.relocated(to: "b.xml").records[0].source.file == "b.xml")
    }

    @Test func newerSchemaIsRefused() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let store = try SnapshotStore(path: tmp.dbPath)
        try store.save(snapshot([a]), label: "first")
        try store.db.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('v99')") }
        let error = #expect(throws: StoreError.self) { try SnapshotStore(path: tmp.dbPath) }
        #expect(error == .newerVersion(path: tmp.dbPath, unknownMigrations: ["v99"]))
        #expect(error?.description.contains("newer trialdiff") == true)
    }

    @Test func corruptFileIsReportedWithAWayOut() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        try FileManager.default.createDirectory(
            atPath: (tmp.dbPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: tmp.dbPath))
        let error = #expect(throws: StoreError.self) { try SnapshotStore(path: tmp.dbPath) }
        guard case .corrupt? = error else {
            Issue.record("expected .corrupt, got \(String(describing: error))")
            return
        }
        #expect(error?.description.contains("move it aside") == true)
        #expect(error?.description.contains("--state") == true)
    }

    /// A state database truncated to 0 bytes is an error, not a new baseline in which every
    /// trial is "added".
    @Test func anEmptyDatabaseFileIsAnError() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        try FileManager.default.createDirectory(
            at: URL(fileURLWithPath: tmp.dbPath).deletingLastPathComponent(), withIntermediateDirectories: true)
        FileManager.default.createFile(atPath: tmp.dbPath, contents: Data())
        do {
            _ = try SnapshotStore(path: tmp.dbPath)
            Issue.record("an empty state database was opened")
        } catch let error as StoreError {
            #expect(error.description.contains("the file is empty (0 bytes)"))
            #expect(error.description.contains("move it aside"))
        }
    }

    @Test func readOnlyOpenOfAMissingDatabaseSaysSo() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        #expect(throws: StoreError.notFound(path: tmp.dbPath)) { try SnapshotStore(path: tmp.dbPath, mode: .readOnly) }
        #expect(!FileManager.default.fileExists(atPath: tmp.dbPath))
    }

    @Test func readOnlyOpenAfterTheWriterClosed() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let s = snapshot([a, b])
        do {
            let store = try SnapshotStore(path: tmp.dbPath)
            try store.save(s, label: "one")
        }
        let reader = try SnapshotStore(path: tmp.dbPath, mode: .readOnly)
        #expect(try reader.latest() == s)
        #expect(try reader.runs().map(\.label) == ["one"])
        #expect(throws: StoreError.self) { try reader.save(s, label: "two") }
    }

    /// A database written before v3 (WITHOUT ROWID state and cache tables) keeps its runs, its
    /// states and its `trial_value` view; only the parse cache starts empty.
    @Test func migrationV3RebuildsStateAndCacheTablesKeepingEveryRun() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let first = snapshot([a, b])
        let second = snapshot([a, .second(lvef: 45)])
        do {
            let store = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.0")
            try store.save(first, label: "one")
            try store.save(second, label: "two")
            try store.cacheRecords([a.record()], sha256: SnapshotStore.sha256(Array(a.content.utf8)))
        }
        // Back to the v2 layout, data and all, as a database written before v3 has it.
        var unchecked = Configuration()
        unchecked.foreignKeysEnabled = false
        let old = try DatabaseQueue(path: tmp.dbPath, configuration: unchecked)
        let valuesBefore = try old.write { db -> Int in
            try db.execute(
                sql: """
                    DROP VIEW trial_value;
                    CREATE TABLE trial_state_v2 (sha256 TEXT NOT NULL PRIMARY KEY, json TEXT NOT NULL) WITHOUT ROWID;
                    INSERT INTO trial_state_v2 SELECT sha256, json FROM trial_state;
                    DROP TABLE trial_state;
                    ALTER TABLE trial_state_v2 RENAME TO trial_state;
                    \(Schema.trialValueViewV1)
                    CREATE TABLE parse_cache_v2 (
                        sha256 TEXT NOT NULL PRIMARY KEY, parser_version TEXT NOT NULL, records BLOB NOT NULL,
                        summary TEXT) WITHOUT ROWID;
                    INSERT INTO parse_cache_v2 SELECT sha256, parser_version, records, summary FROM parse_cache;
                    DROP TABLE parse_cache;
                    ALTER TABLE parse_cache_v2 RENAME TO parse_cache;
                    DELETE FROM grdb_migrations WHERE identifier = 'v3';
                    """)
            return try Int.fetchOne(db, sql: "SELECT count(*) FROM trial_value")!
        }
        try old.close()
        #expect(valuesBefore > 0)

        let store = try SnapshotStore(path: tmp.dbPath, parserVersion: "1.0")
        let (applied, layouts, valuesAfter, orphans) = try store.db.read { db in
            (
                try Schema.migrator.appliedIdentifiers(db),
                try String.fetchAll(
                    db, sql: "SELECT sql FROM sqlite_master WHERE name IN ('trial_state', 'parse_cache') ORDER BY name"),
                try Int.fetchOne(db, sql: "SELECT count(*) FROM trial_value")!,
                try Row.fetchAll(db, sql: "PRAGMA foreign_key_check")
            )
        }
        #expect(applied.contains("v3"))
        #expect(layouts.count == 2)
        #expect(layouts.allSatisfy { !$0.uppercased().contains("WITHOUT ROWID") && $0.contains("UNIQUE") })
        #expect(valuesAfter == valuesBefore)
        #expect(orphans.isEmpty)
        #expect(try store.latest() == second)
        #expect(try store.runs().map(\.label) == ["one", "two"])
        #expect(try store.cacheCount() == 0)
        // And it goes on: a third run shares the unchanged trial's state with the earlier runs.
        try store.save(first, label: "three")
        #expect(try store.latest() == first)
        #expect(try store.db.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM trial_state") } == 3)
    }

    @Test func writerHoldingTheLockMakesSaveFailWithLocked() throws {
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        try SnapshotStore(path: tmp.dbPath).save(snapshot([b]), label: "existing")
        let store = try SnapshotStore(path: tmp.dbPath, busyTimeout: 0.1)
        let other = try DatabaseQueue(path: tmp.dbPath)
        try other.inDatabase { db in
            try db.execute(sql: "BEGIN IMMEDIATE")
            #expect(throws: StoreError.locked(path: tmp.dbPath)) { try store.save(snapshot([a]), label: "blocked") }
            try db.execute(sql: "ROLLBACK")
        }
        #expect(try store.save(snapshot([a]), label: "after") == RunID(2))
    }
}

/// The parse cache's blobs: an LZ4 block after its decompressed size.
@Suite struct RecordCompressionTests {
    /// Real fixture files and edge sizes, compressed from many threads at once, each
    /// decompressed back to its bytes.
    @Test func compressedBlobsInflateToTheirBytes() throws {
        var blobs: [[UInt8]] = [[], [0x7B], Array(repeating: 0x41, count: 1_000_000)]
        for path in Fixtures.files(under: "realdata").prefix(40) { blobs.append(try Fixtures.bytes(path)) }
        var noise: UInt64 = 0x9E37_79B9_7F4A_7C15
        blobs.append(
            (0..<300_000).map { _ in
                noise ^= noise << 13
                noise ^= noise >> 7
                noise ^= noise << 17
                return UInt8(truncatingIfNeeded: noise)
            })
        let results = Mutex<[Int: Bool]>([:])
        let snapshot = blobs
        DispatchQueue.concurrentPerform(iterations: snapshot.count * 3) { i in
            let blob = snapshot[i % snapshot.count]
            let same = (try? RecordCompression.decompress(try RecordCompression.compress(blob))).map { Array($0) == blob } ?? false
            results.withLock { $0[i] = same }
        }
        #expect(results.withLock { $0.count } == blobs.count * 3)
        #expect(results.withLock { $0.values.allSatisfy { $0 } })
        #expect(try RecordCompression.compress(blobs[2]).count < 10_000, "a run of one byte shrinks")
    }

    /// A damaged blob (cut short, a wrong size, bytes overwritten) is an error or, where the
    /// damage still decodes, bytes of the size the header names; never a crash or a read past it.
    @Test func damagedBlobsAreErrors() throws {
        let bytes = try Fixtures.bytes("realdata/ctgov-json/NCT00763412.json")
        let blob = try RecordCompression.compress(bytes)
        #expect(Array(try RecordCompression.decompress(blob)) == bytes)
        #expect(throws: (any Error).self) { try RecordCompression.decompress(Data(blob.prefix(3))) }
        #expect(throws: (any Error).self) { try RecordCompression.decompress(Data(blob.prefix(blob.count / 2))) }
        var larger = blob
        larger[2] &+= 1
        #expect(throws: (any Error).self) { try RecordCompression.decompress(larger) }
        var huge = blob
        huge[3] = 0x7F
        #expect(throws: (any Error).self) { try RecordCompression.decompress(huge) }
        var noise: UInt64 = 0x2545_F491_4F6C_DD1D
        for _ in 0..<200 {
            var damaged = blob
            noise ^= noise << 13
            noise ^= noise >> 7
            noise ^= noise << 17
            damaged[4 + Int(noise % UInt64(blob.count - 4))] ^= UInt8(truncatingIfNeeded: noise >> 32) | 1
            if let out = try? RecordCompression.decompress(damaged) { #expect(out.count == bytes.count) }
        }
        #expect(try RecordCompression.decompress(try RecordCompression.compress([UInt8]())).isEmpty)
    }
}
