// TrialdiffLadder: the per-file work of `trialdiff report`, cut off after a chosen stage, so that
// Benchmarks/run.sh can time each stage on the same corpus as xmllint and the full product.
//
//   TrialdiffLadder STAGE CORPUS [--jobs N]
//
// CORPUS is a folder of files (the legacy XML corpus) or a zip archive (the API v2 JSON corpus,
// one study per entry, as the registry's bulk download ships it).
// Stages are cumulative; each file goes through every stage up to STAGE:
//   io       read the file's bytes (`Array(try Data(contentsOf:))`, as Pipeline.process does),
//            or inflate the archive entry (`ZipReader.extract`, as Pipeline.read does)
//   parse    + ReaderRegistry.read: libxml2 (through the project's XMLKit) or the JSON tape,
//            and field mapping into [SourceRecord]
//   extract  + TrialExtractor.extract for every source record → TrialRecord
//   rules    + FindingRules.check(source, record): the record-level review rules
// `rules` is the per-file work of Pipeline.parse (Sources/TrialPipeline/Pipeline.swift) before
// the product hashes the file (sha256), caches the parse, builds the landscape and writes its
// outputs; none of those is done here.
//
// Files: every regular file under a folder, recursively, sorted by path, hidden files and
// folders skipped (as trialdiff's InputCollector does); in a zip, the entries trialdiff reads, in
// the archive's order and in its batches (`ZipReader.isReadable`, `ZipReader.nextBatch`). They
// are processed with at most N tasks in flight (default: the active processor count) in a task
// group used as a work queue: N tasks are started, and one more each time one finishes, as
// Pipeline.read does. Each file's results are dropped once counted (memory is not what the
// ladder measures); the counts printed at the end keep the optimizer from dropping the work.
//
// libxml2 initialization: XMLKit is not a product of the main package, so `XMLKit.initialize()`
// (which Pipeline.read calls before its concurrent loop) cannot be called from here. It need not
// be: every XMLKit parse entry point (XMLRecordStream.read, XMLDocument's initializers) calls
// `XMLKit.initialize()` itself, and that runs `xmlInitParser()` from a Swift `static let`
// initializer, which the runtime executes exactly once (swift_once) and makes every other
// thread wait for. So the first concurrent parses cannot use libxml2 before it is initialized,
// and no serial warm-up parse is needed.
//
// Output (stdout, one line):
//   stage=S files=N records=N bytes=N failed=N [values=N] [findings=N]
// values (extract, rules): per record, warnings + criteria items + thresholds + doses extracted;
// findings (rules): record-level findings. Exit 0; 1 if any file could not be read or parsed
// (the first failure, by path, on stderr); 2 on bad arguments.
import Foundation
import TrialCompare
import TrialExtraction
import TrialModel
import TrialReaders
import TrialSupport

enum Stage: String, CaseIterable, Comparable {
    case io, parse, extract, rules

    var rank: Int { Self.allCases.firstIndex(of: self)! }
    static func < (a: Stage, b: Stage) -> Bool { a.rank < b.rank }
}

/// What one file (or, summed, the whole corpus) produced.
struct Tally: Sendable {
    var files = 0
    var records = 0
    var bytes = 0
    var values = 0
    var findings = 0
    var failed = 0
    /// The failure with the smallest path, for a deterministic message.
    var firstFailure: (path: String, message: String)?

    mutating func add(_ other: Tally) {
        files += other.files
        records += other.records
        bytes += other.bytes
        values += other.values
        findings += other.findings
        failed += other.failed
        if let f = other.firstFailure, firstFailure.map({ f.path < $0.path }) ?? true { firstFailure = f }
    }
}

func usage() -> Never {
    let stages = Stage.allCases.map(\.rawValue).joined(separator: "|")
    FileHandle.standardError.write(Data("usage: TrialdiffLadder \(stages) CORPUS_DIR_OR_ZIP [--jobs N]\n".utf8))
    exit(2)
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("TrialdiffLadder: \(message)\n".utf8))
    exit(2)
}

/// Every regular file under `root`, recursively, sorted, hidden files and folders skipped.
func corpusFiles(_ root: String) -> [String] {
    let base = root.count > 1 && root.hasSuffix("/") ? String(root.dropLast()) : root
    let fm = FileManager.default
    var isDirectory: ObjCBool = false
    guard fm.fileExists(atPath: base, isDirectory: &isDirectory), isDirectory.boolValue else {
        fail("not a folder: \(root)")
    }
    guard let enumerator = fm.enumerator(atPath: base) else { fail("cannot list \(root)") }
    var files: [String] = []
    while let relative = enumerator.nextObject() as? String {
        let components = relative.split(separator: "/")
        if components.contains(where: { $0.hasPrefix(".") }) {
            if components.last?.hasPrefix(".") == true { enumerator.skipDescendants() }
            continue
        }
        if (enumerator.fileAttributes?[.type] as? FileAttributeType) == .typeRegular {
            files.append(base + "/" + relative)
        }
    }
    return files.sorted()
}

/// The limits trialdiff applies by default to one input (`InputLimits`: 256 MiB, and an archive
/// entry inflated at most 100 times its compressed size).
let maxBytes = 256 << 20
let maxInflationRatio = 100

/// One file (or, with `archive`, one entry of it named `path`) through every stage up to `stage`.
func process(_ path: String, archive: (ZipReader, ZipReader.Entry)? = nil, upTo stage: Stage) -> Tally {
    var t = Tally(files: 1)
    do {
        let bytes: [UInt8]
        if let (reader, entry) = archive {
            bytes = try reader.extract(entry, limit: maxBytes, maxRatio: maxInflationRatio)
        } else {
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        }
        t.bytes = bytes.count
        guard stage > .io else { return t }
        let sources = try ReaderRegistry.read(InputFile(path: path, bytes: bytes))
        t.records = sources.count
        guard stage > .parse else { return t }
        for source in sources {
            var record = TrialExtractor.extract(source)
            let p = record.parameters
            t.values += record.warnings.count + p.criteria.count + p.thresholds.count + p.doses.count
            if stage >= .rules {
                record.findings = FindingRules.check(source, record)
                t.findings += record.findings.count
            }
        }
    } catch {
        t.failed = 1
        t.firstFailure = (path, String(describing: error))
    }
    return t
}

// ---------------------------------------------------------------- arguments
var positional: [String] = []
var jobs = ProcessInfo.processInfo.activeProcessorCount
var args = CommandLine.arguments.dropFirst()
while let a = args.popFirst() {
    if a == "-h" || a == "--help" { usage() }
    if a == "--jobs" || a.hasPrefix("--jobs=") {
        let value = a == "--jobs" ? args.popFirst() : String(a.dropFirst("--jobs=".count))
        guard let value, let n = Int(value), n >= 1 else { fail("--jobs needs a positive integer") }
        jobs = n
    } else if a.hasPrefix("-") {
        fail("unknown option \(a)")
    } else {
        positional.append(a)
    }
}
guard positional.count == 2, let stage = Stage(rawValue: positional[0]) else { usage() }

// ---------------------------------------------------------------- run
/// One task's work: a file, or a batch of archive entries.
enum Work {
    case file(String)
    case entries(ZipReader, [ZipReader.Entry])
}

/// The corpus as tasks: its files, or its archive's entries in batches.
func work(_ corpus: String) -> [Work] {
    if ZipReader.isArchive(atPath: corpus) {
        let reader: ZipReader
        do { reader = try ZipReader(path: corpus) } catch { fail("cannot open \(corpus): \(error)") }
        var batches: [Work] = []
        var next = 0
        while true {
            let batch = reader.nextBatch(from: &next)
            guard !batch.isEmpty else { break }
            batches.append(.entries(reader, batch))
        }
        return batches
    }
    return corpusFiles(corpus).map(Work.file)
}

/// Runs `items` through `stage` with at most `jobs` in flight, as a work queue.
func run(_ items: [Work], corpus: String, upTo stage: Stage, jobs: Int) async -> Tally {
    await withTaskGroup(of: Tally.self) { group in
        var next = items.makeIterator()
        func launch() -> Bool {
            guard let item = next.next() else { return false }
            switch item {
            case .file(let path): group.addTask { process(path, upTo: stage) }
            case .entries(let reader, let batch):
                group.addTask {
                    var t = Tally()
                    for entry in batch { t.add(process(corpus + "/" + entry.name, archive: (reader, entry), upTo: stage)) }
                    return t
                }
            }
            return true
        }
        var inFlight = 0
        while inFlight < jobs, launch() { inFlight += 1 }
        var sum = Tally()
        while let t = await group.next() {
            sum.add(t)
            _ = launch()
        }
        return sum
    }
}

let total = await run(work(positional[1]), corpus: positional[1], upTo: stage, jobs: jobs)

var line = "stage=\(stage.rawValue) files=\(total.files) records=\(total.records) bytes=\(total.bytes) failed=\(total.failed)"
if stage >= .extract { line += " values=\(total.values)" }
if stage >= .rules { line += " findings=\(total.findings)" }
print(line)
if let f = total.firstFailure {
    FileHandle.standardError.write(Data("TrialdiffLadder: \(total.failed) file(s) failed; first: \(f.path): \(f.message)\n".utf8))
    exit(1)
}
exit(0)
