import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialPipeline
import TrialRender
import TrialSupport

/// Large outputs are written piece by piece and staged before they replace the old files; the
/// bytes must be exactly those of the whole-document encodings they replace.
@Suite struct OutputStreamingTests {
    /// What `trials.json` was before streaming: `JSONEncoder` on the whole document.
    static func wholeDocument(_ landscape: Landscape) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(TrialsDocument(landscape)), as: UTF8.self) + "\n"
    }

    @Test(arguments: [1, 2, 3])
    func streamedTrialsJSONIsTheWholeDocumentEncoding(jobs: Int) async throws {
        let landscape = await Repo.landscape(["Tests/TestSupport/Fixtures/realdata", "Input"])
        #expect(landscape.trials.count > 100)
        #expect(landscape.matrix.rows.count > 10)
        var sink = MemorySink()
        try TrialsDocument(landscape).write(into: &sink, jobs: jobs)
        let expected = try Self.wholeDocument(landscape)
        #expect(sink.text == expected)
        #expect(sink.bytes.count > 1_000_000)
    }

    /// Counts the pieces written.
    struct CountingSink: OutputSink {
        var memory = MemorySink()
        var writes = 0
        mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
            writes += 1
            try memory.write(bytes)
        }
    }

    @Test(arguments: [1, 7, 256])
    func streamedMatrixCSVIsTheWholeRendering(batch: Int) async throws {
        let landscape = await Repo.landscape(["Tests/TestSupport/Fixtures/realdata", "Input"])
        let whole = CSVMatrix.render(landscape.matrix)
        #expect(whole.utf8.count > 100_000)
        var sink = CountingSink()
        try CSVMatrix.write(landscape.matrix, into: &sink, jobs: 2, batch: batch)
        #expect(sink.memory.text == whole)
        // The header, then whole rows: one write per batch.
        #expect(sink.writes == 1 + (landscape.trials.count + batch - 1) / batch)
        // The pipeline's renderer writes the same bytes.
        var rendered = MemorySink()
        try ReportRenderer(templates: Repo.root.appendingPathComponent("Templates")).render(landscape, file: "matrix.csv", into: &rendered)
        #expect(rendered.text == whole)
    }

    @Test func streamedTrialsJSONOfAnEmptyLandscape() throws {
        let empty = Landscape(records: [], inputs: [])
        #expect(try TrialsDocument(empty).encoded() == Self.wholeDocument(empty))
        #expect(try TrialsDocument(empty).encoded().contains("\"trials\" : [\n\n  ]"))
    }

    @Test func stagedFilesAppearOnlyWhenCommitted() throws {
        let tmp = try TempFolder("stage")
        defer { tmp.remove() }
        let folder = tmp.appending("stage")
        let writer = try AtomicWriter(folder: folder)
        try writer.write("old\n", to: "a.txt")
        let staged = try writer.stage("a.txt") { try $0.write("new\n") }
        #expect(try String(contentsOf: folder.appendingPathComponent("a.txt"), encoding: .utf8) == "old\n")
        #expect(try writer.commit(staged))
        #expect(try String(contentsOf: folder.appendingPathComponent("a.txt"), encoding: .utf8) == "new\n")
        // The same content again: not replaced, reported unchanged.
        #expect(try !writer.commit(writer.stage("a.txt") { try $0.write("new\n") }))
        // Discarded: the target keeps its content.
        writer.discard(try writer.stage("a.txt") { try $0.write("discarded\n") })
        #expect(try String(contentsOf: folder.appendingPathComponent("a.txt"), encoding: .utf8) == "new\n")
        // A body that throws leaves no temporary file behind.
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try writer.stage("b.txt") { sink in
                try sink.write("partial")
                throw Boom()
            }
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path) == ["a.txt"])
    }

    @Test func largeWritesGoThroughTheBufferInOrder() throws {
        let tmp = try TempFolder("stage")
        defer { tmp.remove() }
        let folder = tmp.appending("stage")
        let writer = try AtomicWriter(folder: folder)
        // Pieces below, at and above the 1 MB buffer, so every branch of the sink runs.
        let pieces = [100, 1 << 20, 3 << 20, 7, (1 << 20) - 1].enumerated().map { i, n in
            [UInt8](repeating: UInt8(ascii: "a") + UInt8(i), count: n)
        }
        try writer.commit(writer.stage("big.bin") { sink in for p in pieces { try sink.write(p) } })
        let written = try [UInt8](Data(contentsOf: folder.appendingPathComponent("big.bin")))
        #expect(written == pieces.flatMap { $0 })
    }

    @Test(arguments: [1, 2])
    func aFormatNamedTwiceIsWrittenOnce(jobs: Int) async throws {
        let landscape = await Repo.inputLandscape()
        let tmp = try TempFolder("formats")
        defer { tmp.remove() }
        let folder = tmp.appending("formats")
        let written = try Pipeline.write(
            landscape, to: folder, templates: .folder(Repo.templates), formats: [.csv, .markdown, .csv, .json], jobs: jobs)
        #expect(
            written == [
                "matrix.csv", "findings.csv", "report.md", "chart-age-bands.svg", "chart-limits.svg", "chart-lymphodepletion.svg",
                "chart-enrollment.svg", "trials.json", "findings.json",
            ])
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() == written.sorted())
        // The same bytes as each file rendered alone.
        let renderer = try ReportRenderer(templates: .folder(Repo.templates))
        for name in written {
            let file = FileManager.default.contents(atPath: folder.appendingPathComponent(name).path)
            #expect(file == Data(try renderer.render(landscape, file: name).utf8), "\(name)")
        }
    }

    @Test(arguments: [1, 2, 3, 16])
    func parallelChunksKeepIndexOrderAndReportTheFirstError(jobs: Int) throws {
        let squares = Parallel.mapChunks(count: 1000, chunk: 7, jobs: jobs) { range in range.map { $0 * $0 } }
        #expect(squares == (0..<1000).map { $0 * $0 })
        #expect(Parallel.mapChunks(count: 0, chunk: 7, jobs: jobs) { range in range.map { $0 } }.isEmpty)
        struct Failed: Error, Equatable { let at: Int }
        #expect(throws: Failed(at: 350)) {
            try Parallel.mapChunks(count: 1000, chunk: 50, jobs: jobs) { (range: Range<Int>) throws(Failed) -> [Int] in
                if range.lowerBound >= 350 { throw Failed(at: range.lowerBound) }
                return Array(range)
            }
        }
    }

    /// Background work held to the calling thread (`--jobs 1`) runs there, before `init`
    /// returns, and keeps its value or error for every caller, as on a thread of its own.
    @Test(arguments: [false, true])
    func backgroundWorkRunsWhereItIsAsked(onThread: Bool) throws {
        let caller = ObjectIdentifier(Thread.current)
        let ran = BackgroundWork(onThread: onThread) { ObjectIdentifier(Thread.current) == caller }
        #expect(try ran.value() == !onThread)
        #expect(try ran.value() == !onThread)
        struct Failed: Error, Equatable {}
        let failing = BackgroundWork(onThread: onThread) { () throws -> Int in throw Failed() }
        #expect(throws: Failed()) { try failing.value() }
        #expect(throws: Failed()) { try failing.value() }
    }

    @Test func aFailedCommitLeavesNoTemporaryFile() async throws {
        let landscape = await Repo.inputLandscape()
        let tmp = try TempFolder("commit")
        defer { tmp.remove() }
        let folder = tmp.appending("commit")
        // A folder where findings.csv should go: renaming the staged file over it fails.
        try FileManager.default.createDirectory(
            at: folder.appendingPathComponent("findings.csv/keep"), withIntermediateDirectories: true)
        #expect(throws: OutputError.self) {
            try Pipeline.write(landscape, to: folder, templates: .folder(Repo.templates), formats: [.csv, .markdown], jobs: 2)
        }
        // Nothing of the new set: the failure comes before any file is replaced.
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        #expect(names == ["findings.csv"])
        #expect(!names.contains { $0.hasPrefix(".trialdiff-tmp-") })
    }

    @Test func writingReportsEachOutputStartedAndFinished() async throws {
        let landscape = await Repo.inputLandscape()
        let tmp = try TempFolder("progress")
        defer { tmp.remove() }
        let folder = tmp.appending("progress")
        let log = CapturedLog()
        let written = try Pipeline.write(landscape, to: folder, templates: .folder(Repo.templates), formats: [.markdown, .csv], jobs: 2) {
            done, total, writing in log.append("\(done)/\(total) \(writing.sorted().joined(separator: ","))")
        }
        let lines = log.lines
        #expect(lines.count == 2 * written.count)
        #expect(lines.last == "\(written.count)/\(written.count) ")
        for name in written { #expect(lines.contains { $0.contains(name) }, "\(name)") }
    }
}
