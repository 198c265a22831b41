import Foundation
import TestSupport
import TrialCompare
import TrialModel
import TrialRender

/// Small hand-made landscapes for the render tests.
enum Fixture {
    /// The package's Templates folder.
    static var templates: URL { PackageFolder.templates }

    static func renderer() throws -> ReportRenderer { try ReportRenderer(templates: templates) }

    static func ev(_ file: String, _ locator: String, _ quote: String) -> Evidence {
        Evidence(file: file, locator: locator, quote: quote)
    }

    static func record(
        file: String, format: SourceFormat = .plainText, nct: String, title: String,
        build: (inout TrialParameters, String) -> Void = { _, _ in }
    ) -> TrialRecord {
        var p = TrialParameters()
        p.registryIDs = [Measured(TrialID(.nct, nct), ev(file, "line 1", "NCT Number: \(nct)"))]
        p.titles = [Measured(title, ev(file, "line 3", title))]
        build(&p, file)
        return TrialRecord(
            source: SourceRef(file: file, format: format, index: 0), primaryID: TrialID(.nct, nct), parameters: p)
    }

    /// Two CAR-NK trials that differ on LVEF and cyclophosphamide, plus a failed input.
    static func landscape(
        firstTitle: String = "CD19 CAR-NK cells (KN5501) in refractory lupus nephritis",
        sponsor: String = "Acme Bio",
        condition: String = "Lupus Nephritis"
    ) -> Landscape {
        let a = record(file: "002_43ccf47ba098859a.txt", nct: "NCT06337474", title: firstTitle) { p, f in
            p.sponsors = [Measured(sponsor, ev(f, "line 20", "Sponsor: \(sponsor)"))]
            p.conditions = [Measured(condition, ev(f, "line 22", "Condition: \(condition)"))]
            p.thresholds = [
                Measured(
                    Threshold(measure: "LVEF", comparator: .greaterOrEqual, value: 50, unit: "%"),
                    ev(f, "line 136", "10. Left ventricular ejection fraction (LVEF) ≥50%"))
            ]
            p.doses = [
                Measured(
                    Dose(agent: "cyclophosphamide", amount: 300, unit: "mg/m²", frequency: "per day", days: [-5, -4, -3]),
                    ev(f, "line 88", "cyclophosphamide 300 mg/m²/day on days -5 to -3"))
            ]
            p.ageStructured = [Measured(AgeRange(minYears: 18, maxYears: 65), ev(f, "line 140", "18 Years to 65 Years"))]
        }
        let b = record(
            file: "NCT06464679.json", format: .ctgovJSON, nct: "NCT06464679",
            title: "Allogeneic CAR-NK therapy for SLE"
        ) { p, f in
            p.sponsors = [Measured("Acme Bio", ev(f, "/protocolSection/sponsorCollaboratorsModule/leadSponsor/name", "Acme Bio"))]
            p.thresholds = [
                Measured(
                    Threshold(measure: "LVEF", comparator: .greaterOrEqual, value: 45, unit: "%"),
                    ev(f, "/protocolSection/eligibilityModule/eligibilityCriteria", "LVEF ≥ 45%"))
            ]
            p.doses = [
                Measured(
                    Dose(agent: "cyclophosphamide", amount: 1000, unit: "mg/m²", days: [-3]),
                    ev(f, "/protocolSection/armsInterventionsModule/interventions/0/description", "CY 1000 mg/m2 on day -3"))
            ]
        }
        let inputs = [
            InputSummary(file: "NCT06464679.json", format: .ctgovJSON, records: 1),
            InputSummary(file: "002_43ccf47ba098859a.txt", format: .plainText, records: 1, warnings: ["unknown label \"Foo\""]),
            InputSummary(file: "broken.xml", format: nil, records: 0, error: "XML parse error at line 3: Opening and ending tag mismatch"),
        ]
        return Landscape(records: [b, a], inputs: inputs)
    }
}

/// Splits one Markdown table row into its cells, honouring backslash escapes.
func markdownTableCells(_ line: String) -> [String] {
    var cells: [String] = []
    var current = ""
    var escaped = false
    var body = Substring(line)
    if body.hasPrefix("|") { body = body.dropFirst() }
    for ch in body {
        if escaped {
            current.append(ch)
            escaped = false
        } else if ch == "\\" {
            current.append(ch)
            escaped = true
        } else if ch == "|" {
            cells.append(current.trimmingCharacters(in: .whitespaces))
            current = ""
        } else {
            current.append(ch)
        }
    }
    if !current.trimmingCharacters(in: .whitespaces).isEmpty { cells.append(current.trimmingCharacters(in: .whitespaces)) }
    return cells
}

/// The lines of the Markdown table under the heading `## Landscape`.
func landscapeTableLines(_ markdown: String) -> [String] {
    let lines = markdown.components(separatedBy: "\n")
    guard let start = lines.firstIndex(of: "## Comparison matrix") else { return [] }
    return Array(lines[(start + 1)...].drop(while: { !$0.hasPrefix("|") }).prefix(while: { $0.hasPrefix("|") }))
}
