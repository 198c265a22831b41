import Foundation
import TestSupport
import TrialCompare
import TrialExtraction
import TrialModel
import TrialReaders
import TrialSupport

/// Scores extraction against the labelled sets of `Benchmarks/accuracy/gold/`: per parameter,
/// precision and recall of the values the landscape matrix shows, and exact agreement per document.
///
/// A document's predicted values for a parameter are the distinct values of its matrix column
/// (`lvef_min_percent`, `ecog_max`, …; doses as "300 mg/m2"); its gold values are the labels'.
/// Precision counts predicted values found among the gold values, recall gold values found among
/// the predicted ones; a document with no label for a parameter still counts for precision.
enum Accuracy {
    /// The parameters scored, in table order, with how the matrix states each.
    static let parameters: [String] = [
        "lvef_min_percent", "lvef_max_percent", "ecog_max", "crcl_min_ml_min", "egfr_min_ml_min_1_73m2", "age_min_years",
        "age_max_years", "body_weight_min_kg", "body_weight_max_kg", "platelets_min_10e9_l", "hemoglobin_min_g_dl",
        "neutrophils_min_10e9_l", "cyclophosphamide", "fludarabine",
    ]

    struct Label: Hashable {
        var doc: String
        var parameter: String
        var value: String
        var quote: String
    }

    struct Score {
        var predicted = 0
        var correct = 0
        var gold = 0
        var found = 0
        var documents = 0
        var agreeing = 0
        /// Gold values not found and predicted values not in the gold, with the document.
        var misses: [String] = []
        var falsePositives: [String] = []

        var precision: Double? { predicted == 0 ? nil : Double(correct) / Double(predicted) }
        var recall: Double? { gold == 0 ? nil : Double(found) / Double(gold) }
        var agreement: Double? { documents == 0 ? nil : Double(agreeing) / Double(documents) }
    }

    struct SetScore {
        var name: String
        var documents: Int
        var scores: [String: Score]
    }

    /// The repository's root (this file is `Tests/AccuracyTests/Accuracy.swift`).
    static let repository = PackageFolder.root

    /// `../shared` beside the repository, or `TRIALDIFF_SHARED`.
    static var shared: URL { PackageFolder.shared }

    static func lines(_ url: URL) throws -> [String] {
        try String(contentsOf: url, encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    static func labels(_ set: String) throws -> [Label] {
        let url = repository.appendingPathComponent("Benchmarks/accuracy/gold/\(set).tsv")
        return try lines(url).dropFirst().compactMap { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard f.count >= 5 else { return nil }
            return Label(doc: f[0], parameter: f[1], value: f[2], quote: f[4])
        }
    }

    /// The input a document of `set` is read from: Chia's inclusion and exclusion files joined
    /// under their headings, as a registry's criteria text has them; LCT's text; a record file.
    static func input(set: String, doc: String) throws -> InputFile {
        let base = shared.appendingPathComponent(doc)
        switch set {
        case "chia":
            func read(_ suffix: String) throws -> String {
                try String(contentsOf: URL(fileURLWithPath: base.path + suffix), encoding: .utf8)
                    .replacingOccurrences(of: "\r\n", with: "\n")
            }
            let text = "Eligibility Criteria:\nInclusion Criteria:\n\(try read("_inc.txt"))\n\nExclusion Criteria:\n\(try read("_exc.txt"))\n"
            return InputFile(path: doc, bytes: Array(text.utf8))
        case "lct":
            // The criteria text as a registry page shows it, under its section heading.
            let text = "Eligibility Criteria:\n" + (try String(contentsOf: URL(fileURLWithPath: base.path + ".txt"), encoding: .utf8))
            return InputFile(path: doc, bytes: Array(text.utf8))
        default:
            return InputFile(path: doc, bytes: Array(try Data(contentsOf: base)))
        }
    }

    /// The values the landscape shows for each scored parameter of one document.
    static func predicted(_ file: InputFile) throws -> [String: Set<String>] {
        let records = try ReaderRegistry.read(file).map(TrialExtractor.extract)
        var out: [String: Set<String>] = [:]
        for trial in TrialGrouper.group(records) {
            let matrix = Matrix(trials: [trial])
            for row in matrix.rows {
                guard scoredColumns.contains(row.key) else { continue }
                for value in row.cells[0].values {
                    // Limits on one subgroup are scored like the others; the number is what counts.
                    out[row.key, default: []].insert(normalize(value.csv))
                }
            }
            // The matrix shows the criteria's bands in their own row beside the structured ages
            // ("Age in criteria"): each bound counts for the age column of its direction.
            for m in trial.parameters.ageInCriteria {
                if let v = m.value.minYears { out["age_min_years", default: []].insert(Display.number(v)) }
                if let v = m.value.maxYears { out["age_max_years", default: []].insert(Display.number(v)) }
            }
            for m in trial.parameters.thresholds {
                guard m.value.bound == .lower, let (key, factor) = countColumn(m.value) else { continue }
                out[key, default: []].insert(normalize(Display.number(m.value.value * factor)))
            }
            for m in trial.parameters.doses where ["cyclophosphamide", "fludarabine"].contains(m.value.agent) {
                let d = m.value
                let amount = Display.number(d.amount) + (d.amountMax.map { "-" + Display.number($0) } ?? "")
                out[d.agent, default: []].insert("\(amount) \(d.unit.replacingOccurrences(of: "²", with: "2"))")
            }
        }
        return out
    }

    /// Matrix columns scored as they are.
    static let scoredColumns: Set<String> = [
        "lvef_min_percent", "lvef_max_percent", "ecog_max", "crcl_min_ml_min", "egfr_min_ml_min_1_73m2", "age_min_years",
        "age_max_years", "body_weight_min_kg", "body_weight_max_kg",
    ]

    /// Blood counts in the labels' units (×10⁹/L, g/dL).
    static func countColumn(_ t: Threshold) -> (String, Double)? {
        switch (t.measure, t.unit) {
        case ("platelets", "×10^9/L"): ("platelets_min_10e9_l", 1)
        case ("platelets", "×10^3/µL"): ("platelets_min_10e9_l", 1)
        case ("platelets", _): ("platelets_min_10e9_l", 0.001)
        case ("neutrophils", "×10^9/L"), ("neutrophils", "×10^3/µL"): ("neutrophils_min_10e9_l", 1)
        case ("neutrophils", _): ("neutrophils_min_10e9_l", 0.001)
        case ("hemoglobin", "g/dL"): ("hemoglobin_min_g_dl", 1)
        case ("hemoglobin", _): ("hemoglobin_min_g_dl", 0.1)
        default: nil
        }
    }

    /// "45", "45.0" and " 45" are one value; doses keep their unit.
    static func normalize(_ raw: String) -> String {
        let s = raw.trimmingCharacters(in: .whitespaces)
        if let x = Double(s) { return Display.number(x) }
        return s.replacingOccurrences(of: "²", with: "2")
    }

    /// Scores one labelled set, documents read in parallel.
    static func score(set: String) throws -> SetScore {
        let docs = try lines(repository.appendingPathComponent("Benchmarks/accuracy/gold/\(set)-docs.txt"))
        let gold = Dictionary(grouping: try labels(set), by: \.doc)
        let jobs = ProcessInfo.processInfo.activeProcessorCount
        let predictions = try Parallel.mapChunks(count: docs.count, chunk: 16, jobs: jobs) { range in
            try range.map { try predicted(try input(set: set, doc: docs[$0])) }
        }
        // A parameter is scored on a set whose labellers labelled it (realdata's were not asked
        // for weights and blood counts).
        let labelled = Set(gold.values.joined().map(\.parameter))
        var scores: [String: Score] = [:]
        for (doc, predictedValues) in zip(docs, predictions) {
            for parameter in parameters where labelled.contains(parameter) {
                let goldValues = Set((gold[doc] ?? []).filter { $0.parameter == parameter }.map { normalize($0.value) })
                let mine = predictedValues[parameter] ?? []
                guard !goldValues.isEmpty || !mine.isEmpty else { continue }
                var s = scores[parameter] ?? Score()
                s.predicted += mine.count
                s.correct += mine.intersection(goldValues).count
                s.gold += goldValues.count
                s.found += goldValues.intersection(mine).count
                s.documents += 1
                if mine == goldValues { s.agreeing += 1 }
                for v in goldValues.subtracting(mine).sorted() {
                    let quote = gold[doc]?.first { $0.parameter == parameter && normalize($0.value) == v }?.quote ?? ""
                    s.misses.append("\(doc) \(parameter) \(v): \(quote)")
                }
                for v in mine.subtracting(goldValues).sorted() { s.falsePositives.append("\(doc) \(parameter) \(v)") }
                scores[parameter] = s
            }
        }
        return SetScore(name: set, documents: docs.count, scores: scores)
    }

    static func format(_ x: Double?) -> String { x.map { String(format: "%.2f", $0) } ?? "–" }

    /// The Markdown table of `Benchmarks/results/accuracy.md`.
    static func table(_ sets: [SetScore]) -> String {
        var out = "| set | parameter | gold | predicted | precision | recall | exact agreement (docs) |\n"
        out += "|---|---|---:|---:|---:|---:|---:|\n"
        for set in sets {
            for parameter in parameters {
                guard let s = set.scores[parameter] else { continue }
                out +=
                    "| \(set.name) | `\(parameter)` | \(s.gold) | \(s.predicted) | \(format(s.precision)) | \(format(s.recall)) | \(format(s.agreement)) (\(s.agreeing)/\(s.documents)) |\n"
            }
        }
        return out
    }
}
