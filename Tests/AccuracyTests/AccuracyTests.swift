import Foundation
import Testing

/// Per-parameter precision and recall on the labelled sets (`Benchmarks/accuracy/`). The floors
/// sit a little under the figures measured when they were set, so a regression fails; raise them
/// when extraction improves. With `TRIALDIFF_ACCURACY_REPORT=FILE` the table is also written there
/// (`Benchmarks/accuracy/run.sh` writes `Benchmarks/results/accuracy.md`).
@Suite struct AccuracyTests {
    /// (set, parameter, precision floor, recall floor).
    static let floors: [(String, String, Double, Double)] = [
        ("chia", "lvef_min_percent", 0.95, 0.95),
        ("chia", "lvef_max_percent", 0.95, 0.85),
        ("chia", "ecog_max", 0.95, 0.9),
        ("chia", "crcl_min_ml_min", 0.95, 0.8),
        ("chia", "egfr_min_ml_min_1_73m2", 0.95, 0.85),
        ("chia", "age_min_years", 0.95, 0.95),
        ("chia", "age_max_years", 0.95, 0.93),
        ("lct", "lvef_min_percent", 0.95, 0.95),
        ("lct", "ecog_max", 0.95, 0.95),
        ("lct", "crcl_min_ml_min", 0.95, 0.85),
        ("lct", "egfr_min_ml_min_1_73m2", 0.95, 0.85),
        ("lct", "age_min_years", 0.94, 0.93),
        ("lct", "age_max_years", 0.92, 0.93),
        ("realdata", "lvef_min_percent", 0.95, 0.95),
        ("realdata", "lvef_max_percent", 0.95, 0.95),
        ("realdata", "ecog_max", 0.95, 0.95),
        ("realdata", "crcl_min_ml_min", 0.95, 0.9),
        ("realdata", "egfr_min_ml_min_1_73m2", 0.95, 0.95),
        ("realdata", "age_min_years", 0.97, 0.97),
        ("realdata", "age_max_years", 0.97, 0.97),
        ("realdata", "cyclophosphamide", 0.95, 0.95),
        ("realdata", "fludarabine", 0.95, 0.95),
    ]

    @Test func labelledSetsMeetTheirFloors() throws {
        let sets = try ["chia", "lct", "realdata"].map { try Accuracy.score(set: $0) }
        let table = Accuracy.table(sets)
        if let path = ProcessInfo.processInfo.environment["TRIALDIFF_ACCURACY_REPORT"] {
            var report = "# Extraction accuracy on the labelled sets\n\n"
            report += "Made by `Benchmarks/accuracy/run.sh` (the test `AccuracyTests`); labels in `Benchmarks/accuracy/gold/`; "
            report += "the figures before limits were read as bounds: `accuracy-before.md`.\n\n"
            report += table
            for set in sets {
                report += "\n## \(set.name): misses and false positives\n\n"
                for parameter in Accuracy.parameters {
                    guard let s = set.scores[parameter], !(s.misses.isEmpty && s.falsePositives.isEmpty) else { continue }
                    report += "### `\(parameter)`\n\n"
                    for m in s.misses { report += "- missed: \(m)\n" }
                    for f in s.falsePositives { report += "- extra: \(f)\n" }
                    report += "\n"
                }
            }
            try report.write(toFile: path, atomically: true, encoding: .utf8)
        }
        for (name, parameter, precision, recall) in Self.floors {
            let s = try #require(sets.first { $0.name == name }?.scores[parameter], "\(name) \(parameter) has no labels")
            #expect((s.precision ?? 0) >= precision, "\(name) \(parameter) precision \(Accuracy.format(s.precision)) < \(precision)\n\(table)")
            #expect((s.recall ?? 0) >= recall, "\(name) \(parameter) recall \(Accuracy.format(s.recall)) < \(recall)")
        }
    }
}

/// Exact values on real criteria read by hand (the quote in each comment), positive and negative.
@Suite struct HandCheckedSentences {
    static let cases: [(set: String, doc: String, parameter: String, values: Set<String>)] = [
        // "18 years or older" on a line of its own, then "Chest radiograph showing new opacities."
        ("chia", "labelled/chia-dev/NCT01743755", "age_min_years", ["18"]),
        // "over 18 years" on a line of its own in lower case, before a long line ("successful
        // angioplasty (residual stenosis < 30%) … 5 cm after the anastomosis …").
        ("chia", "labelled/chia-dev/NCT00379366", "age_min_years", ["18"]),
        // "Chronic hepatitis B (HBsAg positive > 6 months)" is no age; "Age > 18 years" is.
        ("chia", "labelled/chia-dev/NCT01373684", "age_min_years", ["18"]),
        // "General state with Karnowsky greater than 80, ECOG = 0, 1 or 2."
        ("chia", "labelled/chia-dev/NCT00720031", "ecog_max", ["2"]),
        // "The patients' ECOG scores are =0-2."
        ("chia", "labelled/chia-dev/NCT02062489", "ecog_max", ["2"]),
        // Exclusion "Age <18 years old" admits 18.
        ("chia", "labelled/chia-dev/NCT01346436", "age_min_years", ["18"]),
        // Exclusion "LVEF less than or equal to 45%" admits > 45 %.
        ("realdata", "realdata/ctgov-json/NCT03745326.json", "lvef_min_percent", ["45"]),
        // "Eastern Cooperative Oncology Group (ECOG) Performance Status of 0 or 1."
        ("realdata", "realdata/ctgov-json/NCT04956640.json", "ecog_max", ["1"]),
        // Exclusion "Ejection fraction (EF) less than 30%" and "Creatinine clearance less than 30 mL/min*".
        ("lct", "labelled/lct/nic/batch1/NCT03865550", "lvef_min_percent", ["30"]),
        ("lct", "labelled/lct/nic/batch1/NCT03865550", "crcl_min_ml_min", ["30"]),
        // Negative: the same trial states no ECOG and no upper LVEF limit.
        ("lct", "labelled/lct/nic/batch1/NCT03865550", "ecog_max", []),
        ("lct", "labelled/lct/nic/batch1/NCT03865550", "lvef_max_percent", []),
        // "Age 18 or older": no unit, the age word before it.
        ("chia", "labelled/chia-dev/NCT01774019", "age_min_years", ["18"]),
        // Exclusion "Patients under 18": a person before the bound, no unit.
        ("chia", "labelled/chia-dev/NCT02226887", "age_min_years", ["18"]),
        // "Pregnant gestational age >= 28 weeks" is no age of the patient; "Age >= 18" is.
        ("chia", "labelled/chia-dev/NCT01912677", "age_min_years", ["18"]),
        // "a left ventricular ejection fraction of = 40% for patients in NYHA class II or = 45% for
        // patients in NYHA class III": in heart failure a lost comparator is "≤".
        ("chia", "labelled/chia-dev/NCT01978028", "lvef_min_percent", []),
        // "Subjects over 18 and under 75 years of age": "and under" belongs to 75, not to 18.
        ("lct", "labelled/lct/nic/batch16/NCT03922737", "age_min_years", ["18"]),
        ("lct", "labelled/lct/nic/batch16/NCT03922737", "age_max_years", ["75"]),
        // "Infant is ≤ 750" is a birth weight in grams, not an age.
        ("lct", "labelled/lct/nic/batch12/NCT03927833", "age_max_years", []),
        // "Reduced ejection is defined as left ventricular EF ≤ 40%", and "provided no subsequent
        // study documenting an EF of >40%" (negated) is no minimum.
        ("realdata", "realdata/ctgov-xml/NCT02970669.xml", "lvef_max_percent", ["40"]),
        ("realdata", "realdata/ctgov-xml/NCT02970669.xml", "lvef_min_percent", []),
        // "Age between 18 \~ 80 years old": a tilde escaped by Markdown separates the range.
        ("realdata", "realdata/ctgov-json-bulk/slices/NCT06380868.json", "age_min_years", ["18"]),
        ("realdata", "realdata/ctgov-json-bulk/slices/NCT06380868.json", "age_max_years", ["80"]),
        // "if \< 18 years of age have a parent or legal guardian provide informed consent" is a
        // condition; "Age 12-35 years (both inclusive)" is the band.
        ("realdata", "realdata/ctgov-json-bulk/slices/NCT05743244.json", "age_min_years", ["12"]),
        ("realdata", "realdata/ctgov-json-bulk/slices/NCT05743244.json", "age_max_years", ["35"]),
        // Exclusion "eGFR lesser than or equal to (≤) 30 milliliter per minute per 1.73 square meter".
        ("realdata", "realdata/ctgov-json-bulk/slices/NCT05878938.json", "egfr_min_ml_min_1_73m2", ["30"]),
        // "ejection fraction less than 50 %"; "(or ≥ 300 pg/mL if ejection fraction is less than
        // 35 %)" is a condition on NT-proBNP, not a second limit.
        ("realdata", "realdata/ctgov-json-bulk/slices/NCT03560323.json", "lvef_max_percent", ["50"]),
    ]

    @Test(arguments: cases.indices)
    func readsAsAClinicianDoes(_ i: Int) throws {
        let c = Self.cases[i]
        let predicted = try Accuracy.predicted(try Accuracy.input(set: c.set, doc: c.doc))
        #expect((predicted[c.parameter] ?? []) == c.values, "\(c.doc) \(c.parameter)")
    }
}
