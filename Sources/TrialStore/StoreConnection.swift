import Foundation
import GRDB
import TrialSupport

/// The database a ``SnapshotStore`` works on.
///
/// A state database that does not exist yet is built in a file of its own beside its path,
/// `<name>.new-<pid>-<random>`, which nothing else reads. It has no write-ahead log and no
/// syncs. The first run saved in it (or closing the store) moves it to the path: the file is
/// synced, linked to the path (never replacing a file another process put there meanwhile) and
/// the folder synced. From then on the store works on the path in WAL mode, as on any existing
/// state. If another process created the state meanwhile (two first runs at once), the store
/// goes on in that one, which takes the parse cache built so far.
///
/// So a first run writes its state and parse cache once, not twice (into the log, then into the
/// database at the checkpoint). A first run that is killed leaves only its building file, which
/// the next store opened for writing on the path deletes once that process is gone.
final class StoreConnection: @unchecked Sendable {
    /// The state database's path, as the store was given it.
    let path: String
    private let lock = NSLock()
    private var current: any DatabaseWriter
    /// While the database is built beside `path`: its file, and how to open `path` once it is
    /// moved there. Nil once at `path`.
    private var building: (file: String, openFinal: @Sendable () throws -> any DatabaseWriter)?

    /// The connection in use: the building file's until the move, then `path`'s.
    var writer: any DatabaseWriter { lock.withLock { current } }

    /// A read-only connection to the existing database at `path`.
    init(path: String, reader: any DatabaseWriter) {
        self.path = path
        self.current = reader
    }

    /// A writable connection to the database at `path`, built beside it when it does not exist.
    /// `open(file, building)` opens (and migrates) the database at `file`: a building file with
    /// `building` true, `path` with false. Building files of processes that are gone are
    /// deleted first.
    init(writingTo path: String, open: @escaping @Sendable (String, Bool) throws -> any DatabaseWriter) throws {
        Self.removeAbandoned(beside: path)
        self.path = path
        if FileManager.default.fileExists(atPath: path) {
            current = try open(path, false)
        } else {
            let file = Self.buildingPath(for: path, pid: getpid())
            current = try open(file, true)
            building = (file, { try open(path, false) })
        }
    }

    /// Moves the database built beside `path` there and reopens it in WAL mode; nothing to do
    /// once at `path`. Returns false when another process created a database at `path`
    /// meanwhile: the store is then on that one, which holds nothing of this store's saves (the
    /// caller saves again) but gets its parse cache, and the one built is deleted.
    func moveIntoPlace() throws -> Bool {
        try lock.withLock {
            guard let (file, openFinal) = building else { return true }
            try current.close()
            if let reason = FileSync.file(file) {
                throw StoreError.cannotOpen(path: file, detail: "cannot sync the new database: \(reason)")
            }
            if link(file, path) == 0 {
                Self.remove(file)
            } else if errno == EEXIST || FileManager.default.fileExists(atPath: path) {
                defer { Self.remove(file) }
                building = nil
                current = try openFinal()
                // Losing the entries only costs parsing those inputs again next time.
                try? Self.copyParseCache(from: file, into: current)
                return false
            } else if rename(file, path) != 0 {
                // A file system without hard links takes a rename (the path did not exist).
                throw StoreError.cannotOpen(
                    path: path, detail: "cannot move the new database into place: \(String(cString: strerror(errno)))")
            }
            FileSync.folder(URL(fileURLWithPath: path).deletingLastPathComponent().path)
            building = nil
            current = try openFinal()
            return true
        }
    }

    /// For a store being closed: a database still being built goes into place, with what it
    /// holds; if it cannot, it is deleted.
    func close() {
        if (try? moveIntoPlace()) != nil { return }
        lock.withLock {
            guard let (file, _) = building else { return }
            try? current.close()
            Self.remove(file)
            building = nil
        }
    }

    /// Adds the parse-cache entries of the database at `file` to `db`'s (an entry `db` already
    /// has for an input is kept).
    static func copyParseCache(from file: String, into db: any DatabaseWriter) throws {
        try db.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS built", arguments: [file])
            defer { try? db.execute(sql: "DETACH DATABASE built") }
            try db.inTransaction {
                try db.execute(
                    sql: """
                        INSERT OR IGNORE INTO main.parse_cache (sha256, parser_version, records, summary)
                        SELECT sha256, parser_version, records, summary FROM built.parse_cache
                        """)
                return .commit
            }
        }
    }

    // MARK: - Files

    /// `<path>.new-<pid>-<random>`: one per store, so two new stores on one path never share it.
    static func buildingPath(for path: String, pid: Int32) -> String {
        "\(path).new-\(pid)-\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
    }

    /// Deletes the building files of processes that no longer run (a first run killed before
    /// its save, or between linking its file into place and deleting the building name).
    static func removeAbandoned(beside path: String) {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        let prefix = url.lastPathComponent + ".new-"
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return }
        for name in names where name.hasPrefix(prefix) {
            let owner = name.dropFirst(prefix.count).prefix { $0 != "-" }
            guard let pid = Int32(owner), pid > 0, pid != getpid() else { continue }
            if kill(pid, 0) != 0 && errno == ESRCH { remove(folder + "/" + name) }
        }
    }

    private static func remove(_ file: String) {
        unlink(file)
        unlink(file + "-journal")
    }
}
