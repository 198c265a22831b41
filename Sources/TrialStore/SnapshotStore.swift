import Foundation
import GRDB
import TrialCompare
import TrialModel
import TrialSupport

/// The snapshot store: an SQLite database (through GRDB, WAL mode) that remembers every run's
/// inputs, trial values with evidence and findings, so the next run can say what changed; plus a
/// parse cache keyed by input content hash. Schema: see `Schema`. A database that does not exist
/// yet is built beside its path and appears there with the first saved run (or when the store
/// is closed): see ``StoreConnection``.
///
/// A scheduled `trialdiff report`:
/// ```swift
/// let store = try SnapshotStore(path: output + "/" + SnapshotStore.defaultRelativePath,
///                               parserVersion: trialdiffVersion)
/// // For each input file: read its bytes once, fingerprint it, and reuse the cache.
/// let fp = SnapshotStore.fingerprint(path: path, bytes: bytes)
/// if let hit = try store.cachedParse(sha256: fp.sha256)?.relocated(to: path) {
///     // hit.records, hit.summary: apply --where to the records, skip reading
/// } else {
///     // read + extract (+ FindingRules.check), then:
///     try store.cacheRecords(records, sha256: fp.sha256, summary: summary)  // unfiltered, not on failure
/// }
/// let snapshot = Snapshot(landscape: landscape, inputs: fingerprints)  // after acknowledgements
/// // states equal to this run's are neither decoded (latest) nor encoded again (save)
/// let hashes = SnapshotStore.stateHashes(snapshot.trials)
/// let known = SnapshotStore.knownStates(snapshot.trials, hashes: hashes)
/// let changes = ChangeSet(from: try store.latest(reusing: known)?.snapshot, to: snapshot)
/// // render changes.md / changes.json / "What changed" and write the reports (temp + rename) …
/// try store.save(snapshot, label: "scheduled", summary: changes.summary, stateHashes: hashes)  // last, one transaction
/// ```
/// - `--dry-run`: open with `mode: .readOnly` (`StoreError.notFound` ⇒ the run would be the
///   baseline: `ChangeSet(from: nil, to:)`), compute `changes`, never `save`.
/// - `--fail-on-change`: `changes.isEmpty` (any change, input renames included) or
///   `changes.hasTrialChanges` (trials only).
/// - `trialdiff history [ID]`: `runs()`; `history(trial:)` and its `steps`; `trialIDs()`.
/// - `trialdiff diff OLD NEW`: no store — `ChangeSet(from: Snapshot(landscape: old, inputs: …),
///   to: Snapshot(landscape: new, inputs: …))`, with input paths relative to each side's root so
///   that unchanged files compare equal (evidence paths never matter).
/// - Save after the reports are written: if the run dies before `save`, the next run compares
///   against the same previous snapshot again and reports the same changes.
///
/// `save` is one SQLite transaction: a process killed at any point leaves the previous run as
/// `latest()`. The store is `Sendable`; calls are serialized on one connection (parse-cache calls
/// from concurrent reader tasks are fine). It never reads the clock: a run's time is whatever the
/// caller passes as `recordedAt`. Errors are `StoreError`s whose descriptions say what to do.
public final class SnapshotStore: Sendable {
    /// Whether the store may write.
    public enum AccessMode: Sendable {
        /// Creates the file (and its folder) if missing and applies pending migrations.
        case readWrite
        /// Never writes: for `history`, `diff` against the store and `--dry-run`. Throws
        /// `StoreError.notFound` when the file does not exist.
        case readOnly
    }

    /// Default location relative to the output folder.
    public static let defaultRelativePath = ".trialdiff/state.sqlite"
    /// Default number of runs whose values are kept (`keepRuns`).
    public static let defaultKeepRuns = 50

    /// The database file path as given.
    public let path: String
    /// Runs whose trial values, findings and inputs are kept; older runs keep only their `run` row.
    public let keepRuns: Int
    /// Cores the store's own work may use: encoding the states a run saves, decoding the ones it
    /// reads (`--jobs`; 1 keeps all of it on the calling thread).
    public let jobs: Int
    /// Version of the reader/extraction code; parse-cache entries from another version are
    /// ignored and pruned, so a new trialdiff never serves records extracted by an old one.
    /// Asked for only when a cache entry is read or written: trialdiff's is the hash of its own
    /// executable, computed beside the first inputs' reading.
    public var parserVersion: String { parserVersionSource() }
    private let parserVersionSource: @Sendable () -> String

    /// A pool when writable (WAL: parse-cache lookups from all reading tasks run concurrently
    /// while one connection writes); a single read-only connection otherwise. A new database is
    /// a single connection to the file it is built in until its first save (see
    /// ``StoreConnection``).
    var db: any DatabaseWriter { connection.writer }
    private let connection: StoreConnection
    /// Parse-cache entries not yet written (see ``cacheRecords(_:sha256:summary:)``).
    private let pendingCache = PendingCache()
    /// Which hashes the database's parse cache may hold, so a miss needs no query.
    private let storedKeys = StoredCacheKeys()

    /// Opens or creates the store at `path`.
    /// - Parameters:
    ///   - keepRuns: number of most recent runs whose values are kept (at least 1).
    ///   - parserVersion: identifies the extraction code that produced cached records (e.g. the
    ///     trialdiff version); cache entries written by another version are misses.
    ///   - busyTimeout: seconds to wait for another process's write lock before `StoreError.locked`.
    ///   - jobs: cores for encoding and decoding states (see ``jobs``).
    public init(
        path: String, mode: AccessMode = .readWrite, keepRuns: Int = SnapshotStore.defaultKeepRuns,
        parserVersion: @autoclosure @escaping @Sendable () -> String = "", busyTimeout: Double = 5,
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws {
        self.path = path
        self.keepRuns = max(1, keepRuns)
        self.jobs = max(1, jobs)
        self.parserVersionSource = parserVersion
        var config = Configuration()
        config.label = "trialdiff-state"
        config.busyMode = .timeout(busyTimeout)
        switch mode {
        case .readWrite:
            let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
            do {
                try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            } catch {
                throw StoreError.cannotOpen(path: path, detail: "cannot create folder \(folder.path)")
            }
            let config = config
            connection = try StoreConnection(writingTo: path) { file, building in
                try Self.open(file, mode: mode, config, building: building, reportedAs: path)
            }
        case .readOnly:
            guard FileManager.default.fileExists(atPath: path) else { throw StoreError.notFound(path: path) }
            config.readonly = true
            connection = StoreConnection(path: path, reader: try Self.open(path, mode: mode, config))
        }
    }

    /// Page size of a new database, in bytes (SQLite's default is 4096). A trial's state is
    /// about 8 KB of JSON and a parse-cache entry 2 KB: in 4 KiB pages most rows spill into
    /// chains of overflow pages, each written and linked one by one.
    static let newPageSize = 65536

    /// Opens the database at `file` and checks its schema: applies pending migrations when
    /// writable, refuses a newer schema (and, read-only, one that needs migrating). A new
    /// database being built (`building`) has no write-ahead log and no syncs: only this store
    /// opens it, and it is synced when moved into place (see ``StoreConnection``). Errors name
    /// `reportedAs`, the path the user knows.
    private static func open(
        _ file: String, mode: AccessMode, _ configuration: Configuration, building: Bool = false, reportedAs: String? = nil
    ) throws -> any DatabaseWriter {
        let path = reportedAs ?? file
        var config = configuration
        if mode == .readWrite {
            // An existing file of 0 bytes is a state that was lost (truncated, a failed copy):
            // opening it would silently start a new baseline and report every trial as added.
            if !building, let size = (try? FileManager.default.attributesOfItem(atPath: file))?[.size] as? NSNumber,
                size.intValue == 0
            {
                throw StoreError.corrupt(path: path, detail: "the file is empty (0 bytes): the previous runs' state was lost")
            }
            // WAL + NORMAL: no fsync per parse-cache insert; a killed process still never leaves
            // a half transaction (only a power loss can drop the last commits, never corrupt).
            // A 32 MiB page cache (SQLite's default is 2 MiB): a registry dump's snapshot inserts
            // 100k rows into indexes keyed by hashes, whose pages a small cache keeps writing to
            // the WAL and reading back (100k studies: the save 21 s -> 16 s; 10k: no change).
            // A database being built keeps its rollback journal in memory (transactions still
            // roll back), never syncs, and gets pages of `newPageSize` (a database keeps the
            // page size it was created with).
            config.journalMode = building ? .default : .wal
            let pragmas =
                building
                ? "PRAGMA page_size = \(newPageSize); PRAGMA journal_mode = MEMORY; PRAGMA synchronous = OFF; PRAGMA cache_size = -32768"
                : "PRAGMA synchronous = NORMAL; PRAGMA cache_size = -32768"
            config.prepareDatabase { db in try db.execute(sql: pragmas) }
        }
        do {
            let db: any DatabaseWriter =
                mode == .readWrite && !building
                ? try DatabasePool(path: file, configuration: config) : try DatabaseQueue(path: file, configuration: config)
            let migrator = Schema.migrator
            let (superseded, applied) = try db.read { db in
                (try migrator.hasBeenSuperseded(db), try migrator.appliedIdentifiers(db))
            }
            if superseded {
                let unknown = applied.subtracting(migrator.migrations).sorted()
                throw StoreError.newerVersion(path: path, unknownMigrations: unknown)
            }
            switch mode {
            case .readWrite:
                try migrator.migrate(db)
            case .readOnly:
                let pending = migrator.migrations.filter { !applied.contains($0) }
                if !pending.isEmpty { throw StoreError.needsUpgrade(path: path, pendingMigrations: pending) }
            }
            return db
        } catch {
            throw StoreError.wrap(error, path: path)
        }
    }

    // MARK: - Saving

    /// Records `snapshot` as a new run, in one transaction: the run row, its inputs, every trial's
    /// values and every finding; then prunes values of runs beyond `keepRuns` and parse-cache
    /// entries whose hash is not among this run's inputs. If anything fails (or the process dies)
    /// nothing of the run is kept and `latest()` is still the previous run.
    /// - Parameters:
    ///   - label: free text shown by `history` (e.g. "scheduled", "ci-1234").
    ///   - recordedAt: a timestamp to show, if the caller wants one (the store never reads the clock).
    ///   - summary: usually the run's `ChangeSet.summary`.
    ///   - stateHashes: when given, ``stateHashes(_:jobs:)`` of `snapshot.trials`: states the store
    ///     already holds are then not encoded again (a rerun that changed a few trials encodes only
    ///     those).
    @discardableResult
    public func save(
        _ snapshot: Snapshot, label: String, recordedAt: String? = nil, summary: String? = nil, stateHashes: [String]? = nil
    ) throws -> RunID {
        try save(snapshot, label: label, recordedAt: recordedAt, summary: summary, stateHashes: stateHashes, beforeCommit: {})
    }

    /// `save`, committing only once `beforeCommit` returns: the caller's other work (rendering
    /// the reports) runs beside the encoding and inserting, and the run's state is kept only if
    /// that work succeeded. When `beforeCommit` throws, nothing of the run is kept and its error
    /// is rethrown as it is.
    @discardableResult
    public func save(
        _ snapshot: Snapshot, label: String, recordedAt: String? = nil, summary: String? = nil, stateHashes: [String]? = nil,
        beforeCommit: () throws -> Void
    ) throws -> RunID {
        precondition(stateHashes == nil || stateHashes!.count == snapshot.trials.count, "one hash per trial")
        try flushCache()
        var hookError: (any Error)?
        do {
            let id = try db.writeWithoutTransaction { db in
                var id: Int64 = 0
                try db.inTransaction(.immediate) {
                    id = try Self.insert(
                        snapshot, label: label, recordedAt: recordedAt, summary: summary, stateHashes: stateHashes,
                        jobs: jobs, db)
                    try Self.prune(keepRuns: keepRuns, parserVersion: parserVersion, latest: id, db)
                    do { try beforeCommit() } catch {
                        hookError = error
                        throw error
                    }
                    return .commit
                }
                return RunID(id)
            }
            // A new database goes into place with its first run. If another process created one
            // there meanwhile, the run is saved in that one (the hook already succeeded).
            if try !connection.moveIntoPlace() {
                return try save(snapshot, label: label, recordedAt: recordedAt, summary: summary, stateHashes: nil, beforeCommit: {})
            }
            return id
        } catch {
            // The caller's own error is not one of the store's.
            throw hookError ?? StoreError.wrap(error, path: path)
        }
    }

    /// A trial's state as stored: its JSON and the JSON's SHA-256 (states are shared between runs
    /// by hash), with the trial's ID and title for its `run_trial` row.
    struct EncodedState {
        var id: String
        var title: String
        var json: String
        var sha256: String
    }

    /// Trial states encoded and inserted per wave: bounds the encoded JSON held at once (a
    /// registry dump's states are hundreds of megabytes) while each wave still fills all cores.
    static let stateWave = 256

    /// Encodes the states of `trials` at `positions`, in chunks on `jobs` cores; the result is in
    /// the order of `positions`. Each trial is built (for a stored matrix: its column read and
    /// decoded) by the core that encodes it, once.
    static func encodeStates(_ trials: SnapshotTrials, at positions: ArraySlice<Int>, jobs: Int) -> [EncodedState] {
        mapStoredJSON(count: positions.count, jobs: jobs, trial: { trials[positions[positions.startIndex + $0]] }) { trial, json in
            EncodedState(
                id: trial.id, title: trial.title, json: String(decoding: json, as: UTF8.self), sha256: SnapshotStore.sha256(json))
        }
    }

    /// `transform` of each of `count` trials (`trial(i)`) and the JSON a run stores for it (the
    /// one definition of a state's bytes and so of its hash), in chunks on `jobs` cores; the
    /// results in trial order.
    private static func mapStoredJSON<R>(
        count: Int, jobs: Int, trial: @Sendable (Int) -> SnapshotTrial, _ transform: (SnapshotTrial, [UInt8]) -> R
    ) -> [R] {
        Parallel.mapChunks(count: count, chunk: 32, jobs: jobs) { range in
            range.map { i in
                let trial = trial(i)
                return transform(trial, trial.compactSortedJSON())
            }
        }
    }

    private static func insert(
        _ snapshot: Snapshot, label: String, recordedAt: String?, summary: String?, stateHashes: [String]?,
        jobs: Int, _ db: Database
    ) throws -> Int64 {
        try db.execute(
            sql: """
                INSERT INTO run (label, recorded_at, summary, trial_count, input_count, finding_count, values_kept)
                VALUES (?, ?, ?, ?, ?, ?, 1)
                """,
            arguments: [
                label, recordedAt, summary, snapshot.trials.count, snapshot.inputs.count, snapshot.findings.count,
            ])
        let id = db.lastInsertedRowID

        let insertInput = try db.makeStatement(
            sql: "INSERT INTO run_input (run_id, path, sha256, size) VALUES (?, ?, ?, ?)")
        for input in snapshot.inputs {
            try insertInput.execute(arguments: [id, input.path, input.sha256, input.size])
        }

        let insertState = try db.makeStatement(sql: "INSERT OR IGNORE INTO trial_state (sha256, json) VALUES (?, ?)")
        let insertTrial = try db.makeStatement(
            sql: "INSERT INTO run_trial (run_id, trial_id, position, title, state_sha256) VALUES (?, ?, ?, ?, ?)")
        // Trials whose state the store holds (by a hash the caller computed) need no encoding,
        // nor building: their IDs and titles are the list's refs.
        let trials = snapshot.trials
        var toEncode = Array(trials.indices)
        if let stateHashes {
            let stored = try db.cachedStatement(sql: "SELECT 1 FROM trial_state WHERE sha256 = ?")
            toEncode = []
            for (position, (ref, hash)) in zip(trials.refs, stateHashes).enumerated() {
                if try Bool.fetchOne(stored, arguments: [hash]) == true {
                    try insertTrial.execute(arguments: [id, ref.id, position, ref.title, hash])
                } else {
                    toEncode.append(position)
                }
            }
        }
        // The next wave is built and encoded (on the other cores) while this one is inserted, on
        // a thread of its own: the database writer blocks on it, so it must not wait for a slot
        // in a pool that blocked callers may be holding. With one job, in turn on this thread.
        func wave(from start: Int) -> (ArraySlice<Int>, BackgroundWork<[EncodedState]>)? {
            guard start < toEncode.count else { return nil }
            let positions = toEncode[start..<min(toEncode.count, start + stateWave)]
            return (positions, BackgroundWork(onThread: jobs > 1) { Self.encodeStates(trials, at: positions, jobs: jobs) })
        }
        var current = wave(from: 0)
        while let (positions, job) = current {
            let states = try job.value()
            current = wave(from: positions.endIndex)
            for (position, state) in zip(positions, states) {
                try insertState.execute(arguments: [state.sha256, state.json])
                try insertTrial.execute(arguments: [id, state.id, position, state.title, state.sha256])
            }
        }
        let encoder = StoreJSON.encoder()

        let insertFinding = try db.makeStatement(
            sql: """
                INSERT INTO run_finding (run_id, position, trial_id, rule, severity, message, evidence, acknowledged)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """)
        for (position, f) in snapshot.findings.enumerated() {
            let evidence = String(decoding: try encoder.encode(f.evidence), as: UTF8.self)
            try insertFinding.execute(arguments: [
                id, position, f.trial, f.rule, f.severity.rawValue, f.message, evidence, f.acknowledged,
            ])
        }
        return id
    }

    private static func prune(keepRuns: Int, parserVersion: String, latest: Int64, _ db: Database) throws {
        let old = try Int64.fetchAll(
            db, sql: "SELECT id FROM run WHERE values_kept = 1 ORDER BY id DESC LIMIT -1 OFFSET ?",
            arguments: [keepRuns])
        if !old.isEmpty {
            for id in old {
                try db.execute(sql: "DELETE FROM run_trial WHERE run_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM run_finding WHERE run_id = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM run_input WHERE run_id = ?", arguments: [id])
                try db.execute(sql: "UPDATE run SET values_kept = 0 WHERE id = ?", arguments: [id])
            }
            try db.execute(
                sql: "DELETE FROM trial_state WHERE sha256 NOT IN (SELECT state_sha256 FROM run_trial)")
        }
        try db.execute(
            sql: """
                DELETE FROM parse_cache
                WHERE parser_version <> ? OR sha256 NOT IN (SELECT sha256 FROM run_input WHERE run_id = ?)
                """,
            arguments: [parserVersion, latest])
    }

    // MARK: - Reading runs

    /// The most recent run's snapshot; nil before the first run.
    public func latest() throws -> Snapshot? {
        try latest(reusing: KnownStates())?.snapshot
    }

    /// Trial states a caller already holds, by the SHA-256 of their stored JSON, so that reading
    /// a run does not decode them again: a list of trials and, per hash, the position of the
    /// first trial with that state. A run read with them takes those trials from the list
    /// (``SnapshotTrials/init(reusing:entries:)``) instead of holding copies.
    public struct KnownStates: Sendable {
        /// The trials the states are taken from.
        public let trials: SnapshotTrials
        let positions: [String: Int]

        /// No state known.
        public init() {
            trials = SnapshotTrials([])
            positions = [:]
        }

        /// The states of `trials`, whose stored JSON hashes to `hashes` (one per trial).
        init(trials: SnapshotTrials, hashes: [String]) {
            precondition(trials.count == hashes.count, "one hash per trial")
            self.trials = trials
            var positions: [String: Int] = [:]
            positions.reserveCapacity(hashes.count)
            for (i, hash) in hashes.enumerated() where positions[hash] == nil { positions[hash] = i }
            self.positions = positions
        }

        /// Number of distinct states.
        public var count: Int { positions.count }

        /// The hashes of the states.
        public var keys: Dictionary<String, Int>.Keys { positions.keys }
    }

    /// The most recent run's snapshot, equal to ``latest()``, and its states by hash. A stored
    /// state whose hash is in `known` is taken from there instead of being decoded (the same
    /// JSON decodes to the same value): a rerun over unchanged inputs decodes nothing.
    public func latest(reusing known: KnownStates) throws -> (snapshot: Snapshot, states: KnownStates)? {
        try read { db in
            guard let id = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM run WHERE values_kept = 1") else {
                return nil
            }
            return try Self.snapshot(id, db, reusing: known, jobs: jobs)
        }
    }

    /// The SHA-256 of the JSON a run would store for each of `trials`, in order (encoded on `jobs`
    /// cores; the JSON is not kept): for ``knownStates(_:hashes:jobs:)`` and ``save(_:label:recordedAt:summary:stateHashes:)``.
    public static func stateHashes(_ trials: SnapshotTrials, jobs: Int = ProcessInfo.processInfo.activeProcessorCount) -> [String] {
        mapStoredJSON(count: trials.count, jobs: jobs, trial: { trials[$0] }) { _, json in SnapshotStore.sha256(json) }
    }

    /// The states of `trials` by the SHA-256 of the JSON a run would store for them, for
    /// ``latest(reusing:)``; `hashes` are their ``stateHashes(_:jobs:)`` when already computed.
    public static func knownStates(
        _ trials: SnapshotTrials, hashes: [String]? = nil, jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    ) -> KnownStates {
        KnownStates(trials: trials, hashes: hashes ?? stateHashes(trials, jobs: jobs))
    }

    /// The most recent run, or nil before the first run.
    public func latestRun() throws -> RunInfo? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM run WHERE values_kept = 1 ORDER BY id DESC LIMIT 1").map(Self.runInfo)
        }
    }

    /// The snapshot of run `id`; nil if there is no such run or its values were pruned. States
    /// whose hash is in `known` are taken from there instead of being decoded.
    public func snapshot(_ id: RunID, reusing known: KnownStates = KnownStates()) throws -> Snapshot? {
        try read { db in
            guard try Bool.fetchOne(db, sql: "SELECT values_kept FROM run WHERE id = ?", arguments: [id.rawValue]) == true
            else { return nil }
            return try Self.snapshot(id.rawValue, db, reusing: known, jobs: jobs).snapshot
        }
    }

    /// Every recorded run, oldest first (pruned runs included, with `valuesKept == false`).
    public func runs() throws -> [RunInfo] {
        try read { db in try Row.fetchAll(db, sql: "SELECT * FROM run ORDER BY id").map(Self.runInfo) }
    }

    /// How trial `id` (display ID) evolved over the runs whose values are kept: one entry per such
    /// run, oldest first; `state` is nil in runs that did not have the trial. See
    /// `TrialHistory.steps` for the changes run by run.
    public func history(trial id: String) throws -> TrialHistory {
        try read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT run.*, trial_state.json AS state_json
                    FROM run
                    LEFT JOIN run_trial ON run_trial.run_id = run.id AND run_trial.trial_id = ?
                    LEFT JOIN trial_state ON trial_state.sha256 = run_trial.state_sha256
                    WHERE run.values_kept = 1
                    ORDER BY run.id
                    """,
                arguments: [id])
            var findings: [Int64: [Finding]] = [:]
            for row in try Row.fetchAll(
                db, sql: "SELECT * FROM run_finding WHERE trial_id = ? ORDER BY run_id, position", arguments: [id])
            {
                findings[row["run_id"], default: []].append(try Self.finding(row))
            }
            let entries = try rows.map { row -> TrialHistory.Entry in
                let run = Self.runInfo(row)
                let json: String? = row["state_json"]
                let state = try json.map { try StoreJSON.decode(SnapshotTrial.self, from: $0) }
                return TrialHistory.Entry(run: run, state: state, findings: findings[run.id.rawValue] ?? [])
            }
            return TrialHistory(trial: id, entries: entries)
        }
    }

    /// Display IDs of every trial in the kept runs, sorted (for `history` without an ID).
    public func trialIDs() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT trial_id FROM run_trial ORDER BY trial_id") }
    }

    static func snapshot(
        _ id: Int64, _ db: Database, reusing known: KnownStates, jobs: Int
    ) throws -> (snapshot: Snapshot, states: KnownStates) {
        let hashes = try String.fetchAll(
            db, sql: "SELECT state_sha256 FROM run_trial WHERE run_id = ? ORDER BY position", arguments: [id])
        // Only the states not already at hand are read and decoded: in chunks on `jobs` cores (a
        // first comparison against a registry dump decodes hundreds of megabytes of them).
        let missing = Array(Set(hashes.filter { known.positions[$0] == nil })).sorted()
        let select = try db.cachedStatement(sql: "SELECT json FROM trial_state WHERE sha256 = ?")
        let json = try missing.map { hash -> String in
            guard let text = try String.fetchOne(select, arguments: [hash]) else {
                throw DatabaseError(resultCode: .SQLITE_CORRUPT, message: "trial state \(hash) of run \(id) is missing")
            }
            return text
        }
        let decoded = try Parallel.mapChunks(count: json.count, chunk: 256, jobs: jobs) {
            range in try json[range].map { try StoreJSON.decode(SnapshotTrial.self, from: $0) }
        }
        let decodedStates = [String: SnapshotTrial](uniqueKeysWithValues: zip(missing, decoded))
        let trials =
            known.count == 0
            ? SnapshotTrials(hashes.map { decodedStates[$0]! })
            : SnapshotTrials(
                reusing: known.trials,
                entries: hashes.map { hash in known.positions[hash].map { .base($0) } ?? .own(decodedStates[hash]!) })
        let findings = try Row.fetchAll(
            db, sql: "SELECT * FROM run_finding WHERE run_id = ? ORDER BY position", arguments: [id]
        ).map(finding)
        let inputs = try Row.fetchAll(
            db, sql: "SELECT path, sha256, size FROM run_input WHERE run_id = ? ORDER BY path", arguments: [id]
        ).map { InputFingerprint(path: $0["path"], sha256: $0["sha256"], size: $0["size"]) }
        let own = KnownStates(trials: trials, hashes: hashes)
        return (Snapshot(trials: trials, findings: findings, inputs: inputs), own)
    }

    static func runInfo(_ row: Row) -> RunInfo {
        RunInfo(
            id: RunID(row["id"] as Int64), label: row["label"], recordedAt: row["recorded_at"], summary: row["summary"],
            trialCount: row["trial_count"], inputCount: row["input_count"], findingCount: row["finding_count"],
            valuesKept: row["values_kept"])
    }

    static func finding(_ row: Row) throws -> Finding {
        let severityText: String = row["severity"]
        guard let severity = Severity(rawValue: severityText) else {
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "unknown severity \(severityText)"))
        }
        return Finding(
            rule: row["rule"], severity: severity, trial: row["trial_id"], message: row["message"],
            evidence: try StoreJSON.decode([Evidence].self, from: row["evidence"] as String),
            acknowledged: row["acknowledged"])
    }

    // MARK: - Parse cache

    /// The records extracted earlier from an input with content hash `sha256` (by this
    /// `parserVersion`) and its input summary, or nil. Their evidence names the path the file had
    /// then: call `relocated(to:)` if the file was renamed.
    public func cachedParse(sha256: String) throws -> CachedParse? {
        if let entry = pendingCache.entry(sha256) { return try Self.decodeCached(entry.records, entry.summary) }
        // A miss, the usual case on a first run, costs a set lookup rather than a query.
        guard try storedKeys.mayContain(sha256, load: loadStoredKeys) else { return nil }
        return try unsafeRead { db in
            // One statement, atomic by itself: no read transaction needed around it.
            let statement = try db.cachedStatement(
                sql: "SELECT records, summary FROM parse_cache WHERE sha256 = ? AND parser_version = ?")
            guard let row = try Row.fetchOne(statement, arguments: [sha256, parserVersion]) else { return nil }
            return try Self.decodeCached(row["records"], row["summary"])
        }
    }

    /// The parser versions (executables) that have entries in the parse cache, sorted.
    public func cachedParserVersions() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT DISTINCT parser_version FROM parse_cache ORDER BY 1") }
    }

    /// The hashes of the parse-cache entries in the database (of any parser version: an entry of
    /// another is a miss of the exact query, and asking for the version here would make the
    /// first lookup of a run wait for it), read once.
    private func loadStoredKeys() throws -> [String] {
        try read { db in try String.fetchAll(db, sql: "SELECT sha256 FROM parse_cache") }
    }

    private static func decodeCached(_ records: Data, _ summaryJSON: String?) throws -> CachedParse {
        CachedParse(
            records: try decodeCachedRecords(records),
            summary: try summaryJSON.map { try StoreJSON.decode(InputSummary.self, from: $0) })
    }

    /// Caches the records extracted from an input with content hash `sha256` (and optionally its
    /// summary), replacing any earlier entry. Cache what extraction returned for the whole file —
    /// before any `--where` selection — and don't cache a failed read (it may be transient).
    /// Entries are written in batches of ``cacheBatchSize``, one transaction each (one per file
    /// made the reading tasks queue on the single writer); ``flushCache()`` writes the rest, as
    /// do `save`, `cacheCount` and closing the store. A pending entry is already a hit for
    /// ``cachedParse(sha256:)``. Entries whose hash is not among the inputs of the next saved run
    /// are pruned by that `save`.
    public func cacheRecords(_ records: [TrialRecord], sha256: String, summary: InputSummary? = nil) throws {
        try cacheRecords(encoded: try records.map(Self.encodeRecord), sha256: sha256, summary: summary)
    }

    /// ``cacheRecords(_:sha256:summary:)`` given each record's ``encodeRecord(_:)``: a caller that
    /// needs the records' JSON for itself too (the run's spill file) encodes them once.
    /// Returns the compressed blob stored (``decodeCachedRecords(_:)`` reads it back), which a
    /// caller can keep instead of the records' JSON.
    @discardableResult
    public func cacheRecords(encoded records: [[UInt8]], sha256: String, summary: InputSummary? = nil) throws -> Data {
        // The cached form is the JSON array of the records: their texts joined by commas.
        var json: [UInt8] = [UInt8(ascii: "[")]
        json.reserveCapacity(records.reduce(2) { $0 + $1.count + 1 })
        for (i, record) in records.enumerated() {
            if i > 0 { json.append(UInt8(ascii: ",")) }
            json += record
        }
        json.append(UInt8(ascii: "]"))
        let blob = try RecordCompression.compress(json)
        let entry = PendingCache.Entry(sha256: sha256, records: blob, summary: summary?.cacheJSON())
        if let batch = pendingCache.add(entry, batchSize: Self.cacheBatchSize) { try writeCache(batch) }
        return blob
    }

    /// The records of a parse-cache blob (as ``cacheRecords(encoded:sha256:summary:)`` returns it).
    public static func decodeCachedRecords(_ blob: Data) throws -> [TrialRecord] {
        let json = try RecordCompression.decompress(blob)
        if let records = try? RecordJSONReader.records([UInt8](json)) { return records }
        return try StoreJSON.decode([CachedRecord].self, from: json).map(\.record)
    }

    /// A record's JSON as the parse cache and the spill keep it (``TrialRecord/cacheJSON()``),
    /// read back by ``decodeRecord(_:)``.
    public static func encodeRecord(_ record: TrialRecord) throws -> [UInt8] { try record.cacheJSON() }

    deinit {
        // Closing the store writes what is pending; a failure here only loses cache entries. A
        // new database never saved goes into place now with its parse cache, or gives the cache
        // to the state another process created there meanwhile: the next run need not parse
        // those inputs again.
        try? flushCache()
        connection.close()
    }

    /// Parse-cache entries written per transaction.
    public static let cacheBatchSize = 128

    /// Writes the parse-cache entries not yet written.
    public func flushCache() throws {
        let batch = pendingCache.takeAll()
        if !batch.isEmpty { try writeCache(batch) }
    }

    private func writeCache(_ batch: [PendingCache.Entry]) throws {
        do {
            try db.write { db in
                let insert = try db.makeStatement(
                    sql: """
                        INSERT OR REPLACE INTO parse_cache (sha256, parser_version, records, summary)
                        VALUES (?, ?, ?, ?)
                        """)
                for entry in batch {
                    try insert.execute(arguments: [entry.sha256, parserVersion, entry.records, entry.summary])
                }
            }
            storedKeys.insert(batch.map(\.sha256))
        } catch {
            throw StoreError.wrap(error, path: path)
        }
    }

    /// Number of parse-cache entries (all versions).
    public func cacheCount() throws -> Int {
        try flushCache()
        return try read { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM parse_cache") ?? 0 }
    }

    // MARK: - Helpers

    private func read<T>(_ body: (Database) throws -> T) throws -> T {
        try storeErrors { try db.read(body) }
    }

    /// `read` without a transaction around `body`: for a single statement.
    private func unsafeRead<T>(_ body: (Database) throws -> T) throws -> T {
        try storeErrors { try db.unsafeRead(body) }
    }

    /// `body`'s result, its errors as `StoreError`s naming this store's file.
    private func storeErrors<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let e as DecodingError {
            throw StoreError.invalidData(path: path, detail: String(describing: e))
        } catch {
            throw StoreError.wrap(error, path: path)
        }
    }
}

/// Parse-cache entries waiting for their batch to be written, shared by the reading tasks.
final class PendingCache: @unchecked Sendable {
    struct Entry {
        var sha256: String
        /// Deflated JSON of the records.
        var records: Data
        var summary: String?
    }

    private var entries: [Entry] = []
    private var index: [String: Int] = [:]
    private let lock = NSLock()

    /// Adds `entry` (replacing a pending one with the same hash); returns every pending entry, to
    /// be written by the caller, once there are `batchSize` of them.
    func add(_ entry: Entry, batchSize: Int) -> [Entry]? {
        lock.lock()
        defer { lock.unlock() }
        if let i = index[entry.sha256] {
            entries[i] = entry
        } else {
            index[entry.sha256] = entries.count
            entries.append(entry)
        }
        guard entries.count >= batchSize else { return nil }
        return takeLocked()
    }

    func takeAll() -> [Entry] {
        lock.lock()
        defer { lock.unlock() }
        return takeLocked()
    }

    private func takeLocked() -> [Entry] {
        defer {
            entries = []
            index = [:]
        }
        return entries
    }

    func entry(_ sha256: String) -> Entry? {
        lock.lock()
        defer { lock.unlock() }
        return index[sha256].map { entries[$0] }
    }
}

/// The parse-cache hashes a store's database may hold, loaded on the first lookup and kept up to
/// date by this store's own writes. A 64-bit digest of each hash stands in for it (a few bytes
/// per entry at any cache size): a collision or an entry another process removed only costs the
/// query that finds nothing; an entry another process added meanwhile is a miss, parsed again.
final class StoredCacheKeys: @unchecked Sendable {
    private let lock = NSLock()
    private var keys: Set<UInt64>?

    /// False when `sha256` is certainly not stored; `load` gives the stored hashes the first time.
    func mayContain(_ sha256: String, load: () throws -> [String]) throws -> Bool {
        try lock.withLock {
            if keys == nil { keys = Set(try load().map(Self.digest)) }
            return keys!.contains(Self.digest(sha256))
        }
    }

    /// Records hashes just written (nothing to do before the first lookup loads them all).
    func insert(_ hashes: [String]) {
        lock.withLock {
            guard keys != nil else { return }
            for h in hashes { keys!.insert(Self.digest(h)) }
        }
    }

    /// FNV-1a over the UTF-8 bytes: stable, and any string works as a key.
    static func digest(_ key: String) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in key.utf8 {
            h ^= UInt64(b)
            h = h &* 0x100_0000_01b3
        }
        return h
    }
}
