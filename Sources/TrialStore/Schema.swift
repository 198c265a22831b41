import GRDB

/// The database schema, versioned with named GRDB migrations. Never edit a registered migration:
/// add "v2", "v3", … A database carrying a migration this build does not know was written by a
/// newer trialdiff and is refused (`StoreError.newerVersion`).
///
/// Tables (v1):
/// - `run`: one row per saved run — `id` (sequence number), `label`, `recorded_at` (caller's
///   text, or NULL), `summary`, `trial_count`, `input_count`, `finding_count`, `values_kept`
///   (0 once pruned by retention; the row itself is kept).
/// - `run_input`: (`run_id`, `path`) → `sha256` (64 hex), `size`.
/// - `trial_state`: content-addressed trial states: `sha256` of `json`, the `SnapshotTrial`
///   JSON (title and every stated parameter with its values and evidence). A trial unchanged
///   between runs is stored once.
/// - `run_trial`: (`run_id`, `trial_id`) → `position`, `title`, `state_sha256`.
/// - `run_finding`: (`run_id`, `position`) → `trial_id`, `rule`, `severity`, `message`,
///   `evidence` (JSON), `acknowledged`.
/// - `parse_cache`: `sha256` of an input's bytes → `parser_version`, `records` (JSON
///   `[TrialRecord]`, raw-deflate compressed since migration v2), `summary` (JSON `InputSummary`
///   or NULL).
/// - Since v3, `trial_state` and `parse_cache` are rowid tables with `sha256` a UNIQUE key (they
///   were WITHOUT ROWID tables keyed by it): same columns, same queries.
/// - view `trial_value`: one row per run, trial and parameter — `run_id`, `trial_id`, `key`,
///   `label`, `value_list` (JSON array of {text, csv, evidence}) — for ad-hoc SQL.
/// - Since v4, a state names its main file once (`file`, see `SnapshotTrial.compactSortedJSON`)
///   and its evidence that names that file has no `file` member; `trial_value` puts it back, so
///   `value_list` is as before (each evidence's `file` last among its members). States stored
///   before have a file in every evidence and no `file` of their own.
enum Schema {
    /// The `trial_value` view as defined by v1; v3 recreates it unchanged around its table
    /// rebuild. Frozen like the migrations that use it: a new definition gets a new constant.
    static let trialValueViewV1 = """
        CREATE VIEW trial_value AS
            SELECT run_trial.run_id AS run_id, run_trial.trial_id AS trial_id,
                   json_extract(p.value, '$.key') AS key, json_extract(p.value, '$.label') AS label,
                   json_extract(p.value, '$.values') AS value_list
            FROM run_trial
            JOIN trial_state ON trial_state.sha256 = run_trial.state_sha256,
                 json_each(trial_state.json, '$.parameters') AS p;
        """

    /// The `trial_value` view from v4: `value_list` with the state's `file` put back into each
    /// evidence that has none (a state written before v4 has none to put back). Subqueries
    /// return plain text, hence `json(…)` around what is inserted as JSON.
    static let trialValueViewV4 = """
        CREATE VIEW trial_value AS
            SELECT run_trial.run_id AS run_id, run_trial.trial_id AS trial_id,
                   json_extract(p.value, '$.key') AS key, json_extract(p.value, '$.label') AS label,
                   CASE WHEN json_type(trial_state.json, '$.file') IS NULL THEN json_extract(p.value, '$.values')
                   ELSE (
                       SELECT json_group_array(json(json_set(v.value, '$.evidence', json((
                           SELECT json_group_array(json(
                               CASE WHEN json_type(e.value, '$.file') IS NULL
                               THEN json_set(e.value, '$.file', json_extract(trial_state.json, '$.file'))
                               ELSE e.value END))
                           FROM json_each(v.value, '$.evidence') AS e)))))
                       FROM json_each(p.value, '$.values') AS v)
                   END AS value_list
            FROM run_trial
            JOIN trial_state ON trial_state.sha256 = run_trial.state_sha256,
                 json_each(trial_state.json, '$.parameters') AS p;
        """

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        label TEXT NOT NULL,
                        recorded_at TEXT,
                        summary TEXT,
                        trial_count INTEGER NOT NULL,
                        input_count INTEGER NOT NULL,
                        finding_count INTEGER NOT NULL,
                        values_kept INTEGER NOT NULL DEFAULT 1 CHECK (values_kept IN (0, 1))
                    );
                    CREATE TABLE run_input (
                        run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                        path TEXT NOT NULL,
                        sha256 TEXT NOT NULL CHECK (length(sha256) = 64),
                        size INTEGER NOT NULL CHECK (size >= 0),
                        PRIMARY KEY (run_id, path)
                    ) WITHOUT ROWID;
                    CREATE INDEX run_input_sha256 ON run_input(sha256);
                    CREATE TABLE trial_state (
                        sha256 TEXT NOT NULL PRIMARY KEY,
                        json TEXT NOT NULL
                    ) WITHOUT ROWID;
                    CREATE TABLE run_trial (
                        run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                        trial_id TEXT NOT NULL,
                        position INTEGER NOT NULL,
                        title TEXT NOT NULL,
                        state_sha256 TEXT NOT NULL REFERENCES trial_state(sha256),
                        PRIMARY KEY (run_id, trial_id)
                    ) WITHOUT ROWID;
                    CREATE UNIQUE INDEX run_trial_position ON run_trial(run_id, position);
                    CREATE INDEX run_trial_trial ON run_trial(trial_id, run_id);
                    CREATE INDEX run_trial_state ON run_trial(state_sha256);
                    CREATE TABLE run_finding (
                        run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
                        position INTEGER NOT NULL,
                        trial_id TEXT NOT NULL,
                        rule TEXT NOT NULL,
                        severity TEXT NOT NULL,
                        message TEXT NOT NULL,
                        evidence TEXT NOT NULL,
                        acknowledged TEXT,
                        PRIMARY KEY (run_id, position)
                    ) WITHOUT ROWID;
                    CREATE INDEX run_finding_trial ON run_finding(trial_id, run_id);
                    CREATE TABLE parse_cache (
                        sha256 TEXT NOT NULL PRIMARY KEY,
                        parser_version TEXT NOT NULL,
                        records TEXT NOT NULL,
                        summary TEXT
                    ) WITHOUT ROWID;
                    \(trialValueViewV1)
                    """)
        }
        m.registerMigration("v2") { db in
            // Cache blobs are deflate-compressed from now on; old entries are simply dropped.
            try db.execute(
                sql: """
                    DROP TABLE parse_cache;
                    CREATE TABLE parse_cache (
                        sha256 TEXT NOT NULL PRIMARY KEY,
                        parser_version TEXT NOT NULL,
                        records BLOB NOT NULL,
                        summary TEXT
                    ) WITHOUT ROWID;
                    """)
        }
        m.registerMigration("v3") { db in
            // Rows of several kilobytes (a trial's state, a file's cached records) belong in rowid
            // tables: in a WITHOUT ROWID table each one sits in the key's B-tree, so inserting in
            // hash order moves them around (SQLite advises WITHOUT ROWID only for rows under about
            // a twentieth of a page). Same columns and keys, the hash now a UNIQUE index: a 10k
            // snapshot's states insert about twice as fast and take a quarter less space.
            // SQLite's table-rebuild procedure: foreign keys are off during a GRDB migration and
            // checked before it commits; the view that reads `trial_state` is dropped and
            // recreated around the rebuild. The parse cache is only a cache: recreated empty.
            try db.execute(
                sql: """
                    DROP VIEW trial_value;
                    CREATE TABLE trial_state_v3 (
                        sha256 TEXT NOT NULL UNIQUE,
                        json TEXT NOT NULL
                    );
                    INSERT INTO trial_state_v3 (sha256, json) SELECT sha256, json FROM trial_state;
                    DROP TABLE trial_state;
                    ALTER TABLE trial_state_v3 RENAME TO trial_state;
                    \(trialValueViewV1)
                    DROP TABLE parse_cache;
                    CREATE TABLE parse_cache (
                        sha256 TEXT NOT NULL UNIQUE,
                        parser_version TEXT NOT NULL,
                        records BLOB NOT NULL,
                        summary TEXT
                    );
                    """)
        }
        m.registerMigration("v4") { db in
            // States name their main file once (see the type's notes): the view puts it back.
            try db.execute(
                sql: """
                    DROP VIEW trial_value;
                    \(trialValueViewV4)
                    """)
        }
        return m
    }
}
