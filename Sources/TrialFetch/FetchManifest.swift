import Foundation
import TrialSupport

/// What `trialdiff fetch` remembers beside the study files (`.trialdiff-fetch.json`): the query,
/// when its last complete fetch started, what the registry said of its data, the counts, and,
/// while a fetch is under way, where to go on from.
public struct FetchManifest: Codable, Sendable, Equatable {
    public static let fileName = ".trialdiff-fetch.json"

    public var query: FetchQuery
    public var apiURL: String
    /// When the last complete fetch started (ISO 8601, UTC): the next run asks for studies
    /// updated since the day before.
    public var lastComplete: String?
    /// `/api/v2/version`'s `apiVersion` and `dataTimestamp` at that fetch.
    public var apiVersion: String?
    public var dataTimestamp: String?
    public var counts: Counts
    /// NCT IDs known to match the query, sorted.
    public var studies: [String]
    /// Present while a fetch is unfinished: a rerun with the same query goes on from here.
    public var pending: Pending?

    public struct Counts: Codable, Sendable, Equatable {
        public var fetched = 0
        public var new = 0
        public var updated = 0
        public var unchanged = 0
        /// Files of studies that no longer match the query (full fetches only).
        public var left = 0
        public init() {}
    }

    public struct Pending: Codable, Sendable, Equatable {
        /// When the unfinished fetch started.
        public var started: String
        /// Its `updatedSince` day, if incremental.
        public var since: String?
        /// The page to ask for next.
        public var pageToken: String
        /// Pages done so far.
        public var pages: Int
        public var seen: [String]
        public var counts: Counts
    }

    /// The manifest in `folder`, nil when there is none; throws when it cannot be read.
    static func load(from folder: URL) throws -> FetchManifest? {
        let url = folder.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        do {
            return try StableJSONDecoder().decode(FetchManifest.self, from: Data(contentsOf: url))
        } catch {
            throw FetchError.manifest(path: url.path, reason: String(describing: error))
        }
    }

    /// Writes the manifest atomically (temporary file, then rename).
    func save(in folder: URL) throws {
        let url = folder.appendingPathComponent(Self.fileName)
        do {
            let bytes = try StableJSONEncoder(pretty: true).encode(self)
            try Data(bytes + [0x0A]).write(to: url, options: .atomic)
        } catch {
            throw FetchError.write(path: url.path, reason: error.localizedDescription)
        }
    }
}
