import Benchmark
import Foundation
import TrialCompare
import TrialExtraction
import TrialModel
import TrialReaders
import TrialRender

/// Real records the stages run on (the test fixtures copied from ../shared/realdata).
enum Corpus {
    static let root = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let realdata = root.appendingPathComponent("Tests/TestSupport/Fixtures/realdata")

    /// Every legacy XML record, as bytes.
    static let xmlFiles: [InputFile] = {
        let dir = realdata.appendingPathComponent("ctgov-xml")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path).sorted()) ?? []
        return names.map { InputFile(path: $0, bytes: Array((try? Data(contentsOf: dir.appendingPathComponent($0))) ?? Data())) }
    }()

    static let sources: [SourceRecord] = xmlFiles.flatMap { (try? ReaderRegistry.read($0)) ?? [] }
    static let records: [TrialRecord] = sources.map(TrialExtractor.extract)
    static let landscape = Landscape(records: records, inputs: [])
    static let templates = root.appendingPathComponent("Templates")
}

let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(
        metrics: [.wallClock, .cpuTotal, .mallocCountTotal, .peakMemoryResident, .throughput],
        maxDuration: .seconds(3), maxIterations: 50)

    Benchmark("read: \(Corpus.xmlFiles.count) ClinicalTrials.gov XML files (libxml2 + field mapping)") { benchmark in
        for file in Corpus.xmlFiles { blackHole(try? ReaderRegistry.read(file)) }
    }

    Benchmark("extract: \(Corpus.sources.count) records (criteria, thresholds, doses)") { benchmark in
        for source in Corpus.sources { blackHole(TrialExtractor.extract(source)) }
    }

    Benchmark("landscape: group, matrix and findings over \(Corpus.records.count) records") { benchmark in
        blackHole(Landscape(records: Corpus.records, inputs: []))
    }

    Benchmark("render: report.md of \(Corpus.records.count) trials") { benchmark in
        let renderer = try ReportRenderer(templates: Corpus.templates)
        benchmark.startMeasurement()
        blackHole(try renderer.render(Corpus.landscape, as: .markdown))
    }

    Benchmark("render: matrix.csv of \(Corpus.records.count) trials") { benchmark in
        let renderer = try ReportRenderer(templates: Corpus.templates)
        benchmark.startMeasurement()
        blackHole(try renderer.render(Corpus.landscape, as: .csv))
    }

    Benchmark("render: trials.json of \(Corpus.records.count) trials (streamed, StableJSONEncoder)") { benchmark in
        let renderer = try ReportRenderer(templates: Corpus.templates)
        benchmark.startMeasurement()
        blackHole(try renderer.render(Corpus.landscape, as: .json))
    }

    // The store's JSON both ways, against Foundation's JSONEncoder/JSONDecoder on the same
    // values (the baseline the stable coders replace; their bytes and values are the same).
    Benchmark("store: encode \(Corpus.records.count) records, StableJSONEncoder") { benchmark in
        let encoder = StableJSONEncoder(pretty: false)
        for record in Corpus.records { blackHole(try encoder.encode(record)) }
    }

    Benchmark("store: encode \(Corpus.records.count) records, JSONEncoder (baseline)") { benchmark in
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        for record in Corpus.records { blackHole(try encoder.encode(record)) }
    }

    Benchmark("store: decode \(Corpus.records.count) records, StableJSONDecoder") { benchmark in
        let encoded = try Corpus.records.map { Data(try StableJSONEncoder(pretty: false).encode($0)) }
        let decoder = StableJSONDecoder()
        benchmark.startMeasurement()
        for data in encoded { blackHole(try decoder.decode(TrialRecord.self, from: data)) }
    }

    Benchmark("store: decode \(Corpus.records.count) records, JSONDecoder (baseline)") { benchmark in
        let encoded = try Corpus.records.map { Data(try StableJSONEncoder(pretty: false).encode($0)) }
        let decoder = JSONDecoder()
        benchmark.startMeasurement()
        for data in encoded { blackHole(try decoder.decode(TrialRecord.self, from: data)) }
    }
}
