import Foundation
import TrialCompare
import TrialExtraction
import TrialModel
import TrialReaders
import TrialRender
import TrialStore
import TrialSupport
import XMLKit

/// The result of reading one input file.
public struct FileResult: Sendable {
    public var summary: InputSummary
    /// The records held in memory.
    public var records: [TrialRecord]
    /// The records set aside in the run's spill file (see ``SpillPolicy``).
    var spilled: [SpilledRecord] = []
    /// Each of `records`' JSON (``SnapshotStore/encodeRecord(_:)``) when the parse cache needed
    /// it, for the spill to reuse; empty once the result is admitted.
    var encodedRecords: [[UInt8]] = []
    /// The parse cache's compressed blob of `records` when it was written, for the spill to
    /// keep a file's one record in (a fifth of its JSON); nil once the result is admitted.
    var cachedBlob: Data?

    /// The result of an input that could not be read: no records, and the error naming it.
    static func unreadable(_ file: String, reason: String) -> FileResult {
        let e = ReaderError.unreadable(file: file, reason: reason)
        return FileResult(summary: InputSummary(file: file, format: nil, records: 0, error: e.description), records: [])
    }

    public init(summary: InputSummary, records: [TrialRecord]) {
        self.summary = summary
        self.records = records
    }
}

/// How many extracted records a run holds in memory, and where it sets aside the rest. A
/// registry dump's records take about 11 KB each in memory; a run that reads more than the
/// limit keeps all of them in an unlinked temporary file, so memory holds the matrix's column
/// locations and the findings. A trial of one spilled record is prepared for the landscape as
/// the record is read; a trial of several, and every trial the renderers visit, is rebuilt from
/// the file (once per pass).
public struct SpillPolicy: Sendable {
    /// Records a run may hold in memory. When it reads more, the spill file is created, every
    /// record read after that goes there and the records held until then are moved there too,
    /// so a large run holds none. 0 spills every record.
    public var limit: Int
    /// Folder for the spill file (it must exist); the file is unlinked as soon as it is created.
    public var folder: URL

    public init(limit: Int, folder: URL) {
        self.limit = limit
        self.folder = folder
    }

    /// The default limit: landscapes up to this many records are held in memory (about 11 KB
    /// each); a registry dump is spilled whole.
    public static let defaultLimit = 10_000
}

/// Reads, extracts and reports. Everything the `trialdiff` commands do lives here, so it can be
/// tested without spawning the executable.
public enum Pipeline {
    /// Reads and extracts one file. Never throws: a failure is recorded in the summary with a
    /// message naming the file (and line, where libxml2 gives one). With a `cache`, a file whose
    /// content was read before (same SHA-256) is not parsed again.
    public static func process(
        path: String, root: URL? = nil, selection: Selection? = nil, cache: SnapshotStore? = nil, limits: InputLimits = .default,
        identity: String? = nil, jobs: Int = 1
    ) -> FileResult {
        let bytes: [UInt8]
        do {
            bytes = try InputCollector.bytes(of: InputCollector.filePath(for: path, root: root), limit: limits.maxBytes)
        } catch {
            return .unreadable(path, reason: error.description)
        }
        return process(InputFile(path: path, bytes: consume bytes, identity: identity), selection: selection, cache: cache, jobs: jobs)
    }

    /// Reads and extracts an in-memory file (see `process(path:root:selection:cache:)`).
    /// With a `selection`, a ClinicalTrials.gov XML or JSON file whose bytes cannot hold a
    /// clause's value is only scanned, not parsed (see `RawPrefilter`): its summary counts its
    /// records, it has none to report, and its syntax is not checked. The records of a file that
    /// holds many (an API page, a downloaded array of studies, an XML bundle) are extracted on up
    /// to `jobs` cores.
    ///
    /// The file is the function's own: its bytes are let go once its records are read, so that a
    /// large download's text is not held while its records are encoded for the cache.
    public static func process(
        _ input: consuming InputFile, selection: Selection? = nil, cache: SnapshotStore? = nil, jobs: Int = 1
    ) -> FileResult {
        var file = ReaderRegistry.utf8(consume input)
        let size = file.bytes.count
        // With a selection the reader is chosen first (its format decides the raw scan) and
        // reused by `parse`; without one, only a cache miss needs it.
        let reader = selection.map { _ in Result { try ReaderRegistry.reader(for: file) } }
        if let selection, case .success(let r)? = reader, let skipped = skipIfUnselectable(file, r, selection) {
            return skipped
        }
        let sha256 = SnapshotStore.sha256(file.bytes)
        var result: FileResult
        if let cache, let hit = try? cache.cachedParse(sha256: sha256)?.relocated(to: file.path), let summary = hit.summary {
            result = FileResult(summary: summary, records: hit.records)
            identify(&result.records, by: file.identity)
        } else {
            // With a selection, records that cannot match are never extracted; such a partial
            // result is not cached.
            result = parse(file, reader: reader, prefilter: selection, jobs: jobs)
            file.bytes = []
            identify(&result.records, by: file.identity)
            let records = result.records
            if let cache, selection == nil, result.summary.error == nil,
                // A file of many records is encoded on every core (32 at a time); one of a few
                // stays on this thread.
                let encoded = try? Parallel.mapChunks(
                    count: records.count, chunk: 32, jobs: jobs, { range in try range.map { try SnapshotStore.encodeRecord(records[$0]) } })
            {
                result.cachedBlob = try? cache.cacheRecords(encoded: encoded, sha256: sha256, summary: result.summary)
                result.encodedRecords = encoded
            }
        }
        result.summary.sha256 = sha256
        result.summary.size = size
        if let selection {
            result.records = result.records.filter { selection.matches($0) }
        }
        return result
    }

    /// Gives each record without a registry ID its derived ID from where it is (`identity`, the
    /// file's path below its input folder), not from its content: an edit to the record is then
    /// a change of the same trial, not one trial removed and another added. Where one file holds
    /// several such records, each is also known by its position in the file. Idempotent, so a
    /// cached parse of the same bytes found under another path is re-identified the same way.
    static func identify(_ records: inout [TrialRecord], by identity: String) {
        let derived = records.indices.filter { records[$0].primaryID.registry == .derived }
        guard !derived.isEmpty else { return }
        for i in derived {
            let old = records[i].primaryID
            let key = derived.count == 1 ? identity : "\(identity)#\(records[i].source.index)"
            let id = TrialExtractor.derivedID(key)
            guard id != old else { continue }
            records[i].primaryID = id
            for j in records[i].parameters.registryIDs.indices where records[i].parameters.registryIDs[j].value == old {
                records[i].parameters.registryIDs[j] = Measured(
                    id, Evidence(file: records[i].source.file, locator: "derived from the input's path", quote: identity))
            }
            for j in records[i].findings.indices where records[i].findings[j].trial == old.value {
                records[i].findings[j].trial = id.value
            }
        }
    }

    /// The result for a file the selection's raw prefilter excludes, or nil to read it.
    static func skipIfUnselectable(_ file: InputFile, _ reader: any TrialReader, _ selection: Selection) -> FileResult? {
        let prefilter = RawPrefilter(selection)
        guard !prefilter.isEmpty, let syntax = RawPrefilter.syntax(for: reader.format), !prefilter.mayMatch(file.bytes, syntax: syntax)
        else { return nil }
        let count = RawPrefilter.recordCount(file.bytes, syntax: syntax)
        return FileResult(summary: InputSummary(file: file.path, format: reader.format, records: count), records: [])
    }

    /// Reads, extracts and runs the record-level review rules (while the source text is at hand).
    /// `reader` is the outcome of choosing the file's reader, when the caller already did. With
    /// `jobs` > 1, the records of a file of many are extracted on the other cores, a chunk at a
    /// time, while the reader goes on (``StreamedExtraction``); in file order.
    static func parse(
        _ file: InputFile, reader chosen: Result<any TrialReader, any Error>? = nil, prefilter: Selection? = nil, jobs: Int = 1
    ) -> FileResult {
        let extraction = StreamedExtraction(prefilter: prefilter, jobs: jobs)
        do {
            let reader = try (chosen ?? Result { try ReaderRegistry.reader(for: file) }).get()
            try reader.read(file) { extraction.add($0) }
            let records = extraction.finish()
            let warnings = extraction.warnings + records.flatMap(\.warnings)
            let format = extraction.format ?? reader.format
            return FileResult(
                summary: InputSummary(file: file.path, format: format, records: extraction.count, warnings: warnings),
                records: records)
        } catch {
            extraction.abandon()
            return FileResult(
                summary: InputSummary(file: file.path, format: nil, records: 0, error: String(describing: error)),
                records: [])
        }
    }

    /// Reads every file concurrently (at most `jobs` in flight) and returns the results sorted
    /// by file, whatever order they finish in. A `.zip` archive is read entry by entry without
    /// unpacking to disk; its entries are reported as `archive.zip/entry.xml`.
    public static func read(
        files: [String], root: URL? = nil, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
        selection: Selection? = nil, cache: SnapshotStore? = nil, limits: InputLimits = .default,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async -> [FileResult] {
        await read(
            files: files, root: root, jobs: jobs, selection: selection, cache: cache, limits: limits, budget: nil, progress: progress)
    }

    /// ``read(files:root:jobs:selection:cache:progress:)``, each file's records passed through
    /// `budget` by the task that read them (in memory or into the spill file).
    static func read(
        files: [String], paths: [String] = [], root: URL?, jobs: Int, selection: Selection?, cache: SnapshotStore?,
        limits: InputLimits, budget: RecordBudget?, progress: (@Sendable (Int, Int) -> Void)?
    ) async -> [FileResult] {
        XMLKit.initialize()
        let width = max(1, jobs)
        var work = WorkQueue(files: files, paths: paths, root: root, limits: limits)
        var results: [FileResult] = []
        results.reserveCapacity(files.count)
        // A task reads inputs (`read`: how many), or moves results held in memory to the spill
        // file once the budget's limit is crossed (`read` 0).
        await withTaskGroup(of: (results: [FileResult], read: Int).self) { group in
            func launch() -> Bool {
                guard let item = work.next() else { return false }
                switch item {
                case .path(let path, let identity):
                    group.addTask {
                        let result = process(
                            path: path, root: root, selection: selection, cache: cache, limits: limits, identity: identity, jobs: width)
                        return ([admit(result, budget)], 1)
                    }
                case .entries(let reader, let batch):
                    group.addTask {
                        let results = batch.map { item -> FileResult in
                            do throws(ZipReader.Failure) {
                                let bytes = try reader.extract(item.entry, limit: limits.maxBytes, maxRatio: limits.maxInflationRatio)
                                let file = InputFile(path: item.path, bytes: consume bytes, identity: item.identity)
                                return admit(process(consume file, selection: selection, cache: cache, jobs: width), budget)
                            } catch {
                                return .unreadable(item.path, reason: error.description)
                            }
                        }
                        return (results, results.count)
                    }
                case .failed(let result): group.addTask { ([result], 1) }
                }
                return true
            }
            var inFlight = 0
            var done = 0
            var spilling = false
            while inFlight < width, launch() { inFlight += 1 }
            while let finished = await group.next() {
                var held: [FileResult] = []
                for result in finished.results {
                    // An evicted result that kept its records (no spill file) is not sent again.
                    if finished.read > 0, spilling, !result.records.isEmpty { held.append(result) } else { results.append(result) }
                }
                if finished.read > 0 {
                    done += finished.read
                    progress?(done, max(work.estimatedTotal, done))
                    if !launch() { inFlight -= 1 }
                }
                if !spilling, let budget, budget.isSpilling {
                    // The run has just outgrown the limit: what was held goes to the spill file,
                    // beside the reading tasks, so memory stops holding whole records.
                    spilling = true
                    held += results.filter { !$0.records.isEmpty }
                    results.removeAll { !$0.records.isEmpty }
                }
                guard let budget, !held.isEmpty else { continue }
                let chunk = (held.count + width - 1) / width
                for start in stride(from: 0, to: held.count, by: chunk) {
                    let part = Array(held[start..<min(held.count, start + chunk)])
                    group.addTask { (part.map(budget.evict), 0) }
                }
            }
        }
        // The parse-cache entries of the last batch; a failure only costs a re-parse next time.
        try? cache?.flushCache()
        return results.sorted { $0.summary.file < $1.summary.file }
    }

    /// `result` passed through `budget`, when there is one.
    private static func admit(_ result: FileResult, _ budget: RecordBudget?) -> FileResult {
        var admitted = budget?.admit(result) ?? result
        admitted.encodedRecords = []
        admitted.cachedBlob = nil
        return admitted
    }

    /// Builds the landscape of `paths` (files and folders; relative ones resolved against
    /// `root`, default the current folder). With a `spill` policy, the records read beyond its
    /// limit wait in a spill file and the landscape's trials are rebuilt from it on access.
    public static func landscape(
        paths: [String], root: URL? = nil, jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
        selection: Selection? = nil, cache: SnapshotStore? = nil, spill: SpillPolicy? = nil, limits: InputLimits = .default,
        progress: (@Sendable (Int, Int) -> Void)? = nil
    ) async -> Landscape {
        let (files, missing, refused) = InputCollector.collect(paths, root: root)
        let budget = spill.map { RecordBudget(limit: $0.limit, folder: $0.folder) }
        var results = await read(
            files: files, paths: paths, root: root, jobs: jobs, selection: selection, cache: cache, limits: limits,
            budget: budget, progress: progress)
        var inputs = results.map(\.summary)
        for m in missing {
            inputs.append(InputSummary(file: m, format: nil, records: 0, error: "\(m): no such file or folder"))
        }
        for r in refused {
            inputs.append(InputSummary(file: r.path, format: nil, records: 0, error: "\(r.path): \(r.reason)"))
        }
        // Moved out of the per-file results one file at a time, so that at 100k records the
        // spill index is never held twice.
        var records: [TrialRecord] = []
        var spilled: [SpilledRecord] = []
        spilled.reserveCapacity(results.reduce(0) { $0 + $1.spilled.count })
        for i in results.indices {
            records += results[i].records
            spilled += results[i].spilled
            results[i] = FileResult(summary: results[i].summary, records: [])
        }
        results = []
        // What a selection reports, taken before the spilled records' keys are given up.
        var selected: (files: Set<String>, matched: Int)?
        if let selection, !selection.isEmpty {
            selected = (Set(records.map(\.source.file) + spilled.map(\.key.source.file)), records.count + spilled.count)
        }
        let trials: TrialList
        if let file = budget?.file, !spilled.isEmpty {
            trials = TrialList(loader: SpilledTrials(records: records, spilled: consume spilled, spill: file))
        } else {
            trials = TrialList(TrialGrouper.group(records, jobs: jobs))
        }
        guard let selection, let selected else { return Landscape(trials: trials, inputs: inputs, jobs: jobs) }
        // A selection from a large input lists only the inputs it drew on (and the failed ones):
        // reports, trials.json and the snapshot must not grow with the unselected records.
        let listed = inputs.filter { $0.error != nil || selected.files.contains($0.file) }
        var landscape = Landscape(trials: trials, inputs: listed, jobs: jobs)
        landscape.selection = SelectionSummary(
            criteria: selection.description, recordsRead: inputs.reduce(0) { $0 + $1.records },
            recordsMatched: selected.matched, inputsRead: inputs.count)
        return landscape
    }

    /// Writes the requested outputs of `landscape` into `output`, each atomically and each once
    /// (a format named twice is written once), rendering on up to `jobs` cores. Returns the file
    /// names written, in order.
    public static func write(
        _ landscape: Landscape, to output: URL, templates: TemplateSource = .builtIn, formats: [OutputFormat],
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount,
        progress: (@Sendable (_ done: Int, _ total: Int, _ writing: [String]) -> Void)? = nil
    ) throws -> [String] {
        let names = outputNames(formats, withChanges: landscape.changes != nil)
        // JSON and CSV need no template: a run writing only those never reads one.
        let renderer = ReportRenderer.needsTemplates(names) ? try ReportRenderer(templates: templates) : .dataOnly
        let writer = try AtomicWriter(folder: output)
        writer.recover()
        writer.removeStaleTemporaries()
        FolderSwap.removeLeftover(of: output)
        // Stage every file before committing any: a template or write error must not leave a mix
        // of old and new files. Files are rendered concurrently, the largest first, each straight
        // into its temporary file, so memory holds at most `jobs` rendered files, never all.
        let order = names.indices.sorted { Self.renderCost(names[$0]) > Self.renderCost(names[$1]) }
        let tracker = progress.map { WriteProgress(total: names.count, report: $0) }
        let staged = Parallel.mapChunks(count: order.count, chunk: 1, jobs: jobs) { range in
            range.map { i -> Result<AtomicWriter.Staged, any Error> in
                let name = names[order[i]]
                tracker?.started(name)
                defer { tracker?.finished(name) }
                return Result {
                    try writer.stage(name) { sink in
                        try renderer.render(landscape, file: name, into: &sink, jobs: jobs)
                    }
                }
            }
        }
        let byName = Dictionary(uniqueKeysWithValues: zip(order.map { names[$0] }, staged))
        if let failure = names.lazy.compactMap({ name -> (any Error)? in
            if case let .failure(error) = byName[name]! { return error }
            return nil
        }).first {
            for case let .success(file) in staged { writer.discard(file) }
            throw failure
        }
        // One set: swapped in as a folder, or journaled (see AtomicWriter.commitAll).
        try writer.commitAll(names.map { try byName[$0]!.get() })
        return names
    }

    /// The files `formats` write, each once, in format order.
    static func outputNames(_ formats: [OutputFormat], withChanges: Bool) -> [String] {
        var seen: Set<String> = []
        return formats.flatMap { ReportRenderer.fileNames(for: $0, withChanges: withChanges) }.filter { seen.insert($0).inserted }
    }

    /// Rough relative rendering cost of an output file, to start the slowest first.
    static func renderCost(_ name: String) -> Int {
        switch name {
        case "report.html": 4
        case "report.md": 3
        case "trials.json", "matrix.xlsx": 2
        case "matrix.csv": 1
        default: 0
        }
    }
}

/// Which outputs are being rendered, for a progress line: reported when one starts or finishes.
final class WriteProgress: @unchecked Sendable {
    private let lock = NSLock()
    private let total: Int
    private let report: @Sendable (Int, Int, [String]) -> Void
    private var done = 0
    private var writing: [String] = []

    init(total: Int, report: @escaping @Sendable (Int, Int, [String]) -> Void) {
        self.total = total
        self.report = report
    }

    // Reported under the lock, so reports arrive in the order the states changed.
    func started(_ name: String) {
        lock.withLock {
            writing.append(name)
            report(done, total, writing)
        }
    }

    func finished(_ name: String) {
        lock.withLock {
            writing.removeAll { $0 == name }
            done += 1
            report(done, total, writing)
        }
    }
}
