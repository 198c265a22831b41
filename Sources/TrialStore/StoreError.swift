import GRDB

/// Why the snapshot store could not be used. Every message names the database file and says what
/// to do about it.
public enum StoreError: Error, CustomStringConvertible, Equatable, Sendable {
    /// Another process holds the write lock longer than the busy timeout.
    case locked(path: String)
    /// The file was written by a newer trialdiff: it holds schema migrations this version does
    /// not know.
    case newerVersion(path: String, unknownMigrations: [String])
    /// The file is not an SQLite database or is damaged.
    case corrupt(path: String, detail: String)
    /// The file or its folder cannot be opened or created (permissions, missing folder).
    case cannotOpen(path: String, detail: String)
    /// Opened read-only and there is no database at `path` yet.
    case notFound(path: String)
    /// Opened read-only and the database needs a schema upgrade this version would apply on a
    /// read-write open.
    case needsUpgrade(path: String, pendingMigrations: [String])
    /// A stored JSON value could not be decoded.
    case invalidData(path: String, detail: String)
    /// Any other SQLite error.
    case database(path: String, detail: String)

    public var description: String {
        switch self {
        case .locked(let path):
            return
                "\(path): the state database is locked by another trialdiff run; wait for that run to finish, or pass --state PATH to use a different database"
        case .newerVersion(let path, let unknown):
            return
                "\(path): the state database was written by a newer trialdiff (unknown schema migrations: \(unknown.joined(separator: ", "))); upgrade trialdiff, or move the file aside or pass --state PATH to start a new history"
        case .corrupt(let path, let detail):
            return
                "\(path): not a trialdiff state database, or it is damaged (\(detail)); move it aside (e.g. mv '\(path)' '\(path).bad') or pass --state PATH — the next run records a new baseline"
        case .cannotOpen(let path, let detail):
            return
                "\(path): cannot open the state database (\(detail)); check that its folder exists and is writable, or pass --state PATH"
        case .notFound(let path):
            return "\(path): no state database yet; run `trialdiff report` once to record a baseline, or pass --state PATH"
        case .needsUpgrade(let path, let pending):
            return
                "\(path): the state database needs an upgrade (\(pending.joined(separator: ", "))) that a read-only command cannot apply; run `trialdiff report` once to upgrade it"
        case .invalidData(let path, let detail):
            return
                "\(path): stored data could not be read (\(detail)); move the file aside or pass --state PATH — the next run records a new baseline"
        case .database(let path, let detail):
            return "\(path): state database error: \(detail)"
        }
    }

    /// Maps an SQLite/GRDB error to a `StoreError` for the database at `path`.
    static func wrap(_ error: any Error, path: String) -> StoreError {
        if let e = error as? StoreError { return e }
        guard let e = error as? DatabaseError else {
            return .database(path: path, detail: String(describing: error))
        }
        let detail = e.message ?? "\(e.resultCode)"
        switch e.resultCode.primaryResultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: return .locked(path: path)
        case .SQLITE_NOTADB, .SQLITE_CORRUPT: return .corrupt(path: path, detail: detail)
        case .SQLITE_CANTOPEN, .SQLITE_PERM, .SQLITE_READONLY, .SQLITE_AUTH:
            return .cannotOpen(path: path, detail: detail)
        default: return .database(path: path, detail: "\(detail) (SQLite code \(e.extendedResultCode.rawValue))")
        }
    }
}
