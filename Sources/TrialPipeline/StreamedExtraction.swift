import Dispatch
import Foundation
import TrialCompare
import TrialExtraction
import TrialModel

/// Extracts a file's records as its reader yields them. With helpers, every ``chunk`` records
/// go to another core while the reader goes on; when `jobs - 1` chunks are already being
/// extracted, the reading thread extracts the next one itself, so a file never uses more cores
/// than `--jobs` and the chunks waiting for a core stay few. The records come out in file order.
///
/// A file of one record (a registry zip's entry) is extracted on the reading thread, as before.
final class StreamedExtraction: @unchecked Sendable {
    /// Records per chunk: large enough that a chunk is worth a hand-over (a study takes about
    /// half a millisecond), small enough that the cores share the end of a file evenly.
    static let chunk = 8

    private let prefilter: Selection?
    /// Chunks that may be extracted on other threads at once (0: all on the reading thread).
    private let helpers: Int
    private let group = DispatchGroup()
    private let lock = NSLock()
    /// Guarded by `lock`: extracted chunks by index, and the chunks being extracted elsewhere.
    private var done: [Int: [TrialRecord]] = [:]
    private var running = 0
    /// Used by the reading thread only.
    private var pending: [SourceRecord] = []
    private var chunks = 0

    /// Records the reader gave, selected or not.
    private(set) var count = 0
    /// The readers' warnings, in record order.
    private(set) var warnings: [String] = []
    /// The first record's format.
    private(set) var format: SourceFormat?

    init(prefilter: Selection?, jobs: Int) {
        self.prefilter = prefilter
        helpers = max(0, jobs - 1)
    }

    /// Takes the next record from the reader.
    func add(_ source: SourceRecord) {
        count += 1
        if format == nil { format = source.format }
        warnings += source.warnings
        if let prefilter, !prefilter.mayMatch(source) { return }
        pending.append(source)
        if pending.count == Self.chunk { handOver() }
    }

    /// The records, in file order, once every chunk is extracted.
    func finish() -> [TrialRecord] {
        let last = Self.extract(pending)
        pending = []
        group.wait()
        return lock.withLock {
            var out: [TrialRecord] = []
            // Every chunk handed over is stored before the group is left.
            for index in 0..<chunks { out += done[index]! }
            return out + last
        }
    }

    /// Waits for the chunks still being extracted when the reader failed; their records are
    /// not the file's.
    func abandon() { group.wait() }

    private func handOver() {
        let sources = pending
        pending = []
        let index = chunks
        chunks += 1
        let elsewhere = lock.withLock {
            guard running < helpers else { return false }
            running += 1
            return true
        }
        guard elsewhere else {
            let records = Self.extract(sources)
            lock.withLock { done[index] = records }
            return
        }
        DispatchQueue.global().async(group: group) {
            let records = Self.extract(sources)
            self.lock.withLock {
                self.done[index] = records
                self.running -= 1
            }
        }
    }

    /// Extraction and the record-level review rules, while the source text is at hand.
    static func extract(_ sources: [SourceRecord]) -> [TrialRecord] {
        sources.map { source in
            var record = TrialExtractor.extract(source)
            record.findings = FindingRules.check(source, record)
            return record
        }
    }
}
