import Foundation
import TestSupport
import Testing
import TrialModel
import TrialRender
import TrialStore
import TrialSupport

@testable import TrialCompare
@testable import TrialPipeline

/// Records beyond `--spill-above` wait in a spill file and trials are rebuilt from it: the
/// landscape, the rules and every output must be those of the landscape held in memory.
@Suite struct SpillTests {
    static let realPaths = ["Tests/TestSupport/Fixtures/realdata", "Input"]

    /// Every real record spilled, or only those after the first few: the same trials, matrix and
    /// findings as in memory, and the trials really come from the spill file.
    @Test(arguments: [0, 7])
    func spilledLandscapeIsTheLandscapeInMemory(limit: Int) async throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        let inMemory = await Repo.landscape(Self.realPaths)
        let spilled = await Pipeline.landscape(
            paths: Self.realPaths, root: Repo.root, spill: SpillPolicy(limit: limit, folder: folder.url))
        #expect(spilled.trials.isLoaded)
        #expect(!inMemory.trials.isLoaded)
        #expect(inMemory.trials.count > 60)
        #expect(spilled.trials.count == inMemory.trials.count)
        #expect(spilled.trials.recordCount == inMemory.trials.recordCount)
        #expect(spilled.trials.recordCount > spilled.trials.count, "some trials have several sources")
        for (a, b) in zip(spilled.trials, inMemory.trials) {
            let same = a == b
            #expect(same, "trial \(b.id.value) differs when rebuilt from the spill file")
        }
        #expect(spilled.matrix == inMemory.matrix)
        #expect(spilled.findings == inMemory.findings)
        #expect(spilled.findings.contains { $0.rule == "product-regimen-difference" })
        #expect(spilled.inputs == inMemory.inputs)
        // The file is unlinked as soon as it is created: nothing is left in the folder.
        let left = try FileManager.default.contentsOfDirectory(atPath: folder.url.path)
        #expect(left.isEmpty, "\(left)")
    }

    /// A trial of one spilled record is prepared by the task that read the record (or, for a
    /// record held before the limit was crossed, by the task that moved it to the spill file):
    /// the landscape pass takes its ID, matrix column and review as they are, without reading the
    /// record back. A trial of several records is not prepared (it is built from its records).
    @Test(arguments: [0, 7])
    func singleRecordTrialsArePreparedAsTheyAreRead(limit: Int) async throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        let inMemory = await Repo.landscape(Self.realPaths)
        let spilled = await Pipeline.landscape(
            paths: Self.realPaths, root: Repo.root, spill: SpillPolicy(limit: limit, folder: folder.url))
        var prepared = 0
        var several = 0
        for (i, trial) in inMemory.trials.enumerated() {
            let p = spilled.trials.prepared(at: i)
            #expect((p != nil) == (trial.records.count == 1), "trial \(trial.id.value)")
            guard let p else {
                several += 1
                continue
            }
            prepared += 1
            #expect(p.id == trial.id.value)
            #expect(MatrixColumns.cells(of: p.column, file: spilled.trials.spillFile) == Matrix.cells(of: trial))
            if case .memory = p.column { Issue.record("trial \(trial.id.value)'s column is not in the spill file") }
            let review = FindingRules.review(trial)
            let empty = review.findings.isEmpty && review.parts.allSatisfy { $0 == nil }
            #expect((p.storedReview == nil) == empty, "an empty review is not kept, any other is")
            #expect((p.storedReview?.findings ?? []) == review.findings)
            #expect((p.storedReview?.parts ?? Array(repeating: nil, count: review.parts.count)) == review.parts)
        }
        #expect(prepared > 60)
        #expect(several > 0)
        #expect(inMemory.trials.contains { FindingRules.review($0).parts.contains { $0 != nil } })
    }

    /// A run that reads more records than the limit keeps none of them in memory: those held
    /// before the limit was crossed are moved to the spill file too, each with its prepared
    /// trial. Whatever the limit, every record read is there once.
    @Test(arguments: [0, 1, 7, 40])
    func aRunOverTheLimitHoldsNoRecord(limit: Int) async throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        let files = InputCollector.collect(Self.realPaths, root: Repo.root).files
        let plain = await Pipeline.read(files: files, root: Repo.root)
        let total = plain.reduce(0) { $0 + $1.records.count }
        #expect(total > 60 && total > limit)
        let budget = RecordBudget(limit: limit, folder: folder.url)
        let results = await Pipeline.read(
            files: files, root: Repo.root, jobs: 2, selection: nil, cache: nil, limits: .default, budget: budget, progress: nil)
        #expect(budget.isSpilling)
        let held = results.reduce(0) { $0 + $1.records.count }
        #expect(held == 0, "\(held) records held in memory")
        let spilled = results.flatMap(\.spilled)
        #expect(spilled.count == total)
        #expect(spilled.allSatisfy { $0.prepared != nil })
        #expect(Set(spilled.map(\.key.source)).count == total, "each record spilled once")
        #expect(results.map(\.summary.file) == plain.map(\.summary.file))
        #expect(results.allSatisfy { $0.encodedRecords.isEmpty })
    }

    /// A run within the limit holds every record and creates no spill file.
    @Test func aRunWithinTheLimitHoldsEveryRecord() async throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        let files = InputCollector.collect(Self.realPaths, root: Repo.root).files
        let budget = RecordBudget(limit: 100_000, folder: folder.url)
        let results = await Pipeline.read(
            files: files, root: Repo.root, jobs: 2, selection: nil, cache: nil, limits: .default, budget: budget, progress: nil)
        #expect(!budget.isSpilling && budget.file == nil)
        #expect(results.allSatisfy { $0.spilled.isEmpty })
        #expect(results.reduce(0) { $0 + $1.records.count } > 60)
    }

    /// A run encodes each real record once, for the parse cache and the spill file: per input
    /// file, the array the cache stores from those texts (non-ASCII text, escapes, bundles of
    /// many records) gives back the records, and each text read back alone is its record.
    @Test func realRecordsCachedFromTheirOwnJSONAreTheRecords() async throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        let store = try SnapshotStore(path: folder.url.appendingPathComponent("state.sqlite").path, parserVersion: "test")
        let landscape = await Repo.landscape(Self.realPaths)
        let byFile = Dictionary(grouping: landscape.trials.flatMap(\.records), by: \.source.file)
        #expect(byFile.count > 60)
        #expect(byFile.values.contains { $0.count > 1 }, "a bundle of several records")
        for (file, records) in byFile {
            let encoded = try records.map(SnapshotStore.encodeRecord)
            var joined: [UInt8] = Array("[".utf8)
            for (i, record) in encoded.enumerated() { joined += (i > 0 ? Array(",".utf8) : []) + record }
            joined += Array("]".utf8)
            // The texts joined are standard JSON: an array of one object per record.
            let parsed = try JSONSerialization.jsonObject(with: Data(joined)) as? [[String: Any]]
            #expect(parsed?.count == records.count, "\(file)")
            for (record, json) in zip(records, encoded) {
                #expect(try json.withUnsafeBytes { try SnapshotStore.decodeRecord($0) } == record, "\(file)")
            }
            let hash = SnapshotStore.sha256(Array(file.utf8))
            try store.cacheRecords(encoded: encoded, sha256: hash)
            #expect(try store.cachedParse(sha256: hash)?.records == records, "\(file)")
        }
    }

    /// A report whose records are all spilled writes byte for byte the files of one held in
    /// memory, in every format, and leaves no spill file beside the state database.
    @Test func spilledReportWritesTheSameFiles() async throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        var outputs: [URL] = []
        for limit in [SpillPolicy.defaultLimit, 0] {
            let output = folder.url.appendingPathComponent("spill-above-\(limit)")
            let command = ReportCommand(
                paths: Self.realPaths, output: output, templates: .folder(Repo.templates), root: Repo.root, spillAbove: limit)
            let (landscape, _) = await command.run(logger: CapturedLog().logger)
            #expect(landscape.trials.isLoaded == (limit == 0))
            outputs.append(output)
        }
        var seen: Set<String> = []
        let names = OutputFormat.allCases.flatMap { ReportRenderer.fileNames(for: $0, withChanges: true) }.filter { seen.insert($0).inserted }
        #expect(names.count == 13)
        for name in names {
            let inMemory = try Data(contentsOf: outputs[0].appendingPathComponent(name))
            let spilled = try Data(contentsOf: outputs[1].appendingPathComponent(name))
            #expect(inMemory.count > 100, "\(name)")
            #expect(spilled == inMemory, "\(name)")
        }
        let state = try FileManager.default.contentsOfDirectory(atPath: outputs[1].appendingPathComponent(".trialdiff").path)
        #expect(!state.contains { $0.contains("spill") }, "\(state)")
    }

    /// `check` on spilled records prints the findings it prints from memory.
    @Test func checkFindsTheSameWithEveryRecordSpilled() async throws {
        var printed: [[Finding]] = []
        for limit in [SpillPolicy.defaultLimit, 0] {
            let command = CheckCommand(paths: Self.realPaths, failOn: .note, root: Repo.root, spillAbove: limit)
            let (findings, status) = await command.run(print: { _ in }, logger: CapturedLog().logger)
            #expect(status == .inputFailed, "realdata holds unreadable inputs on purpose")
            printed.append(findings)
        }
        #expect(printed[0].count > 50)
        #expect(printed[1] == printed[0])
    }

    /// A spill folder that cannot take the file fails the inputs whose records had to go there,
    /// naming the folder; the records held in memory are still reported.
    @Test func aSpillFileThatCannotBeCreatedFailsTheInputsThatNeedIt() async throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        let missing = folder.url.appendingPathComponent("no-such-folder")
        let landscape = await Pipeline.landscape(
            paths: ["Input"], root: Repo.root, spill: SpillPolicy(limit: 2, folder: missing))
        let failed = landscape.inputs.filter { $0.error != nil }
        let read = landscape.inputs.filter { $0.error == nil }
        #expect(!failed.isEmpty)
        #expect(!read.isEmpty)
        for input in failed {
            #expect(input.error?.contains("cannot create a spill file") == true, "\(input.error ?? "")")
            #expect(input.error?.contains(missing.path) == true)
            #expect(input.error?.hasPrefix(input.file) == true)
        }
        #expect(!landscape.trials.isLoaded)
        #expect(landscape.trials.recordCount == read.reduce(0) { $0 + $1.records })
    }

    /// Records appended from many threads at once are each read back whole.
    @Test func concurrentAppendsReadBackEachRecord() async throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        let records = await Repo.landscape(Self.realPaths).trials.flatMap(\.records)
        #expect(records.count > 80)
        let spill = try RecordSpill(folder: folder.url)
        let locations = Locations(count: records.count)
        DispatchQueue.concurrentPerform(iterations: records.count) { i in
            locations.set(i, try? spill.append(records[i]))
        }
        var total = 0
        for (i, record) in records.enumerated() {
            let location = try #require(locations.get(i))
            total += location.length
            #expect(try spill.read(location) == record)
        }
        #expect(spill.file.size == total)
    }

    /// Blobs read back whole whether they still sit in the append buffer, were written with it,
    /// or were larger than it; interleaved with reads, and from several threads at once.
    @Test func appendsReadBackBufferedOrWritten() throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        let file = try SpillFile(folder: folder.url)
        let sizes = [0, 1, 4_095, 4_096, 70_000, SpillFile.bufferSize - 3, 5, SpillFile.bufferSize, 2 * SpillFile.bufferSize + 7, 12, 300_000]
        var blobs: [[UInt8]] = []
        var locations: [SpillFile.Location] = []
        for (i, size) in sizes.enumerated() {
            let blob = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ i) }
            let location = try file.append(blob)
            #expect(location.length == size)
            #expect(try file.read(location) == blob, "blob \(i) of \(size) bytes, read at once")
            blobs.append(blob)
            locations.append(location)
        }
        #expect(file.size == sizes.reduce(0, +))
        for i in blobs.indices.reversed() { #expect(try file.read(locations[i]) == blobs[i], "blob \(i), read again") }

        let many = Locations(count: 400)
        DispatchQueue.concurrentPerform(iterations: 400) { i in
            let blob = [UInt8](repeating: UInt8(i % 251), count: 1 + (i * 7_919) % 20_000)
            let location = try? file.append(blob)
            many.set(i, location)
            if let location { #expect((try? file.read(location)) == blob) }
        }
        for i in 0..<400 {
            let location = try #require(many.get(i))
            #expect(try file.read(location) == [UInt8](repeating: UInt8(i % 251), count: 1 + (i * 7_919) % 20_000))
        }
    }
}

/// Where each record went, filled from concurrent appends.
private final class Locations: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [RecordSpill.Location?]

    init(count: Int) { items = Array(repeating: nil, count: count) }

    func set(_ i: Int, _ location: RecordSpill.Location?) { lock.withLock { items[i] = location } }
    func get(_ i: Int) -> RecordSpill.Location? { lock.withLock { items[i] } }
}
