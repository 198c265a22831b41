import Foundation
import TestSupport
import TrialExtraction
import TrialModel
import TrialReaders

@testable import TrialCompare

/// Real inputs for rule tests: the seed pages and the realdata corpus, read and extracted the way
/// the pipeline does, loaded once per test process.
enum RuleFixtures {

    /// A source record and its extraction (record findings not yet attached).
    struct Loaded: Sendable {
        var source: SourceRecord
        var record: TrialRecord
    }

    /// Every record of the file at `relativePath` (relative to the readers' fixtures).
    static func load(_ relativePath: String) -> [Loaded] {
        let url = Fixtures.url(relativePath)
        guard let data = try? Data(contentsOf: url),
            let sources = try? ReaderRegistry.read(InputFile(path: relativePath, bytes: [UInt8](data)))
        else { return [] }
        return sources.map { Loaded(source: $0, record: TrialExtractor.extract($0)) }
    }

    /// Files under `folder` (relative to the fixtures), sorted.
    static func files(under folder: String) -> [String] { Fixtures.files(under: folder) }

    /// Records with their record-level findings attached, as the pipeline hands them to `Landscape`.
    static func checked(_ loaded: [Loaded]) -> [TrialRecord] {
        loaded.map { l in
            var r = l.record
            r.findings = FindingRules.check(l.source, l.record)
            return r
        }
    }

    /// The five seed pages.
    static let seeds: [Loaded] = files(under: "seeds").flatMap(load)
    /// Every file of the realdata corpus (about 210 records; one HTML error page has none).
    static let realdata: [Loaded] = files(under: "realdata").flatMap(load)

    static let seedLandscape = Landscape(records: checked(seeds), inputs: [])
    static let realLandscape = Landscape(records: checked(realdata), inputs: [])

    /// The loaded record of `relativePath` (first record of the file).
    static func seed(_ prefix: String) -> Loaded {
        seeds.first { $0.source.file.hasPrefix("seeds/\(prefix)") }!
    }

    static func real(_ relativePath: String, index: Int = 0) -> Loaded {
        realdata.first { $0.source.file == "realdata/\(relativePath)" && $0.source.index == index }!
    }

    /// The trial of the landscape with display ID `id`.
    static func trial(_ landscape: Landscape, _ id: String) -> Trial? { landscape.trials.first { $0.id.value == id } }
}

extension RuleFixtures {
    /// `loaded` with the value of its first field `key` replaced (or the field added), re-extracted:
    /// a real record with one deliberate defect, for positive cases the corpus lacks.
    static func edited(_ loaded: Loaded, _ key: FieldKey, _ value: String) -> Loaded {
        var source = loaded.source
        if let i = source.fields.firstIndex(where: { $0.key == key }) {
            source.fields[i].value = value
        } else {
            source.fields.append(SourceField(key: key, value: value, locator: "edited \(key.rawValue)"))
        }
        return Loaded(source: source, record: TrialExtractor.extract(source))
    }

    /// Findings of record rule `rule` on `loaded`.
    static func findings(_ rule: some RecordRule, _ loaded: Loaded) -> [Finding] {
        rule.check(loaded.source, loaded.record)
    }

    /// Findings of trial rule `rule` on the trial formed by `loaded` (one or several sources).
    static func findings(_ rule: some TrialRule, _ loaded: [Loaded]) -> [Finding] {
        TrialGrouper.group(loaded.map(\.record)).flatMap(rule.check)
    }
}
