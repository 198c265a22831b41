import Foundation
import TrialCompare
import TrialReaders
import TrialSupport

/// One unit of reading work.
enum WorkItem {
    /// A file on disk, read by the task that processes it, and its identity
    /// (``InputCollector/identity(of:given:)``).
    case path(String, identity: String)
    /// Consecutive entries of one archive, each inflated by the task that processes them (so a
    /// zip keeps every core busy, as a folder does), under the name `path` and its identity.
    /// Small entries come several to an item (``ZipReader/entryBatch``).
    case entries(ZipReader, [ArchiveEntry])
    /// An input that failed before it could be processed (a corrupt archive).
    case failed(FileResult)
}

/// One entry of an archive to read: where it is, and the name and identity its records get.
struct ArchiveEntry {
    var entry: ZipReader.Entry
    var path: String
    var identity: String
}

/// Produces work items lazily: files in order, and for a `.zip` archive its entries a few at a
/// time, so a large archive is never held in memory whole. Every entry that cannot be read (an
/// encrypted one, a damaged one, one over the size limits, the entries a damaged directory
/// hides) is a failed item naming it.
struct WorkQueue {
    private let files: [String]
    private let paths: [String]
    private let root: URL?
    private let limits: InputLimits
    private var index = 0
    private var archive: (path: String, identity: String, reader: ZipReader, next: Int, problem: String?)?
    /// Files plus archive entries seen so far: the progress total.
    private(set) var estimatedTotal: Int

    /// `paths` are the run's arguments the files were collected from (for their identities).
    init(files: [String], paths: [String] = [], root: URL?, limits: InputLimits = .default) {
        self.files = files
        self.paths = paths
        self.root = root
        self.limits = limits
        estimatedTotal = files.count
    }

    mutating func next() -> WorkItem? {
        while true {
            if let current = archive {
                var next = current.next
                let batch = current.reader.nextBatch(from: &next).map { entry in
                    ArchiveEntry(entry: entry, path: "\(current.path)/\(entry.name)", identity: current.identity + "/" + entry.name)
                }
                archive?.next = next
                if !batch.isEmpty { return .entries(current.reader, batch) }
                archive = nil
                if let problem = current.problem { return Self.failed(current.path, problem) }
            }
            guard index < files.count else { return nil }
            let path = files[index]
            index += 1
            let identity = InputCollector.identity(of: path, given: paths)
            guard ZipReader.isArchive(atPath: InputCollector.filePath(for: path, root: root)) else { return .path(path, identity: identity) }
            do {
                let reader = try ZipReader(path: InputCollector.filePath(for: path, root: root))
                let count = reader.entries.reduce(0) { $0 + ($1.isDirectory ? 0 : 1) }
                estimatedTotal += max(0, count - 1)
                archive = (path, identity, reader, 0, reader.directoryProblem)
            } catch {
                return Self.failed(path, error.description)
            }
        }
    }

    private static func failed(_ name: String, _ reason: String) -> WorkItem { .failed(.unreadable(name, reason: reason)) }
}
