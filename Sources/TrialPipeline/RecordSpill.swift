import Foundation
import TrialCompare
import TrialModel
import TrialStore
import TrialSupport

/// Extracted records set aside on disk while a large input is read, so memory holds their keys
/// (source and registry IDs, until they are grouped) and where they lie instead of every
/// parameter and quote: about 11 KB per ClinicalTrials.gov record in memory, 100k records in a
/// registry dump. Each record is one compact JSON text in a ``SpillFile``, which the landscape's
/// matrix columns then share; the one record of a file whose parse was just cached is kept as
/// the cache's compressed blob instead (a fifth of the bytes, compressed already), marked by a
/// first byte that no JSON text starts with.
final class RecordSpill: Sendable {
    typealias Location = SpillFile.Location

    let file: SpillFile

    /// Creates the spill file in `folder` (which must exist).
    init(folder: URL) throws(SpillError) { file = try SpillFile(folder: folder) }

    /// Writes `record` and returns where it lies. `encoded`, when given, is the record's JSON
    /// (``SnapshotStore/encodeRecord(_:)``, which the parse cache made already).
    func append(_ record: TrialRecord, encoded: [UInt8]? = nil, cachedBlob: Data? = nil) throws(SpillError) -> Location {
        if let cachedBlob { return try file.append([Self.blobMark] + cachedBlob) }
        if let encoded { return try file.append(encoded) }
        let bytes: [UInt8]
        do {
            bytes = try SnapshotStore.encodeRecord(record)
        } catch {
            throw .io(operation: "encode a record for", reason: "\(error)")
        }
        return try file.append(bytes)
    }

    /// The first byte of a record kept as a parse-cache blob (JSON text starts with `{`).
    static let blobMark: UInt8 = 0x01

    /// The record written at `location`.
    func read(_ location: Location) throws(SpillError) -> TrialRecord {
        let bytes = try file.read(location)
        do {
            if bytes.first == Self.blobMark {
                let records = try SnapshotStore.decodeCachedRecords(Data(bytes[1...]))
                guard records.count == 1 else { throw SpillError.corrupt(reason: "a blob of \(records.count) records") }
                return records[0]
            }
            return try SnapshotStore.decodeRecord(bytes)
        } catch let error as SpillError {
            throw error
        } catch {
            throw .corrupt(reason: "\(error)")
        }
    }
}

/// Decides whether a run's extracted records stay in memory: while no more than `limit` have
/// been read they do; once the limit is crossed the run is a registry dump, the spill file is
/// created, every record read from then on goes there, and the records held so far are moved
/// there too (``evict(_:)``, called by the reading loop), so memory no longer holds them.
final class RecordBudget: @unchecked Sendable {
    let limit: Int
    let folder: URL
    private let lock = NSLock()
    private var held = 0
    private var spill: Result<RecordSpill, SpillError>?

    init(limit: Int, folder: URL) {
        self.limit = max(0, limit)
        self.folder = folder
    }

    /// The spill file, if any record went there.
    var file: RecordSpill? {
        lock.withLock { try? spill?.get() }
    }

    /// True once the limit was crossed: records held in memory should then be ``evict(_:)``ed.
    var isSpilling: Bool {
        lock.withLock { spill != nil }
    }

    /// `result` with its records in memory while the run's records fit under the limit, else
    /// written to the spill file and listed in `spilled`. A spill failure fails the input,
    /// naming the reason.
    func admit(_ result: FileResult) -> FileResult {
        guard !result.records.isEmpty else { return result }
        let target: Result<RecordSpill, SpillError>? = lock.withLock {
            if spill == nil, held + result.records.count <= limit {
                held += result.records.count
                return nil
            }
            if spill == nil { spill = Result { () throws(SpillError) in try RecordSpill(folder: folder) } }
            return spill
        }
        guard let target else { return result }
        return Self.spill(result, to: target)
    }

    /// `result`, admitted while the run still fitted in memory, with its records moved to the
    /// spill file (encoded again: their parse-cache JSON was not kept). Unchanged when nothing
    /// has been spilled, or when the spill file could not be created (the inputs that found it
    /// missing carry that error; these records stay in memory).
    func evict(_ result: FileResult) -> FileResult {
        guard !result.records.isEmpty, let target = lock.withLock({ spill }), case .success = target else { return result }
        return Self.spill(result, to: target)
    }

    private static func spill(_ result: FileResult, to target: Result<RecordSpill, SpillError>) -> FileResult {
        var out = result
        do {
            let file = try target.get()
            let encoded = result.encodedRecords.count == result.records.count ? result.encodedRecords : nil
            // A file of one record (a registry zip's entry) spills the parse cache's blob of it.
            let blob = result.records.count == 1 ? result.cachedBlob : nil
            out.spilled = try result.records.indices.map { i throws(SpillError) in
                let record = result.records[i]
                return SpilledRecord(
                    key: RecordKey(record), location: try file.append(record, encoded: encoded?[i], cachedBlob: blob),
                    prepared: PreparedTrial(TrialGrouper.trial([record]), columnsIn: file.file))
            }
            out.records = []
        } catch {
            out.summary.error = "\(result.summary.file): \(error)"
            out.records = []
            out.spilled = []
        }
        return out
    }
}

/// A record set aside in the spill file: what grouping needs, where the rest lies, and the
/// landscape's share of the trial it is when no other record joins it.
struct SpilledRecord: Sendable {
    var key: RecordKey
    var location: RecordSpill.Location
    var prepared: PreparedTrial?
}

/// The trials of a landscape whose records are partly or wholly in a spill file: grouped by
/// their keys up front, each trial read back and merged when asked for.
struct SpilledTrials: TrialLoader {
    let spill: RecordSpill
    /// The records held in memory: record `i` of the landscape for `i < records.count`.
    let records: [TrialRecord]
    /// The other records: record `records.count + j` is `spilled[j]` (where it lies, and the
    /// trial it is alone, prepared when it was spilled). Their grouping keys are not kept.
    let spilled: [Entry]
    /// Per trial, in display-ID order, its record indices sorted by source: trial `t`'s are
    /// `members[starts[t]..<starts[t + 1]]` (two flat arrays, not an array per trial).
    let members: [Int]
    let starts: [Int]

    /// A spilled record without its grouping key.
    struct Entry: Sendable {
        var location: RecordSpill.Location
        var prepared: PreparedTrial?
    }

    /// Groups `records` (held in memory) and `spilled` into trials. `spilled` is consumed: once
    /// grouped, its keys (source, registry IDs: 15 MB at 100k records) are dropped.
    init(records: [TrialRecord], spilled: consuming [SpilledRecord], spill: RecordSpill) {
        self.spill = spill
        self.records = records
        (members, starts) = TrialGrouper.flatGroups(records.map(RecordKey.init) + spilled.map(\.key))
        self.spilled = spilled.map { Entry(location: $0.location, prepared: $0.prepared) }
    }

    var count: Int { starts.count - 1 }
    var recordCount: Int { records.count + spilled.count }
    var spillFile: SpillFile? { spill.file }

    /// Trial `index`'s record indices.
    private func group(_ index: Int) -> ArraySlice<Int> { members[starts[index]..<starts[index + 1]] }

    /// The prepared trial of a group of one spilled record: the landscape pass then reads
    /// neither the record nor its column back (unless the column must be summarized).
    func prepared(at index: Int) -> PreparedTrial? {
        let group = group(index)
        guard group.count == 1, let i = group.first, i >= records.count else { return nil }
        return spilled[i - records.count].prepared
    }

    func trial(at index: Int) -> Trial {
        TrialGrouper.trial(
            group(index).map { i in
                guard i >= records.count else { return records[i] }
                do {
                    return try spill.read(spilled[i - records.count].location)
                } catch {
                    // The run's own unlinked file, written minutes ago: failing to read it back
                    // is an I/O fault the run cannot report around.
                    fatalError("trialdiff: \(error)")
                }
            })
    }
}
