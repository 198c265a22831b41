import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialPipeline
import TrialRender

/// The report as a medical writer opens it: the matrix first, rows by concept, charts after it,
/// a large landscape with trials as rows, and the order the writer chose.
@Suite struct WriterReportTests {
    let renderer: ReportRenderer
    init() throws { renderer = try ReportRenderer(templates: .folder(Repo.templates)) }

    /// The row of the HTML matrix with `key`, from `<tr` to `</tr>`.
    func htmlRow(_ html: String, _ key: String) throws -> Substring {
        let start = try #require(html.range(of: "data-key=\"\(key)\"><th scope=\"row\""))
        let end = try #require(html.range(of: "</tr>", range: start.upperBound..<html.endIndex))
        return html[html[..<start.lowerBound].range(of: "<tr", options: .backwards)!.lowerBound..<end.upperBound]
    }

    /// The seed report opens on the matrix, whose KN5501 LVEF row (45 / 50 / 55 / not stated) and
    /// cyclophosphamide row (300 vs 1000 mg/m²) are marked as differing; the charts of age
    /// bands, LVEF and lymphodepletion follow it, then findings, changes, inputs, evidence.
    @Test func seedReportOpensOnTheMatrix() async throws {
        let landscape = await Repo.inputLandscape()
        let html = try renderer.render(landscape, as: .html)
        let sections = ["id=\"landscape\"", "id=\"charts\"", "id=\"findings\"", "id=\"inputs\"", "id=\"evidence\"", "id=\"trials\""]
        let positions = try sections.map { try #require(html.range(of: "<section " + $0)).lowerBound }
        #expect(positions == positions.sorted())
        // Nothing but the title, the summary and the key differences before the matrix.
        let beforeMatrix = html[..<positions[0]]
        #expect(!beforeMatrix.contains("<section"))
        #expect(beforeMatrix.contains("<summary><strong>Key differences</strong>:"))

        let lvef = try htmlRow(html, "lvef_min_percent")
        #expect(lvef.hasPrefix("<tr class=\"g-limits differs\""))
        for value in ["≥ 45 %", "≥ 50 %", "≥ 55 %", "not stated"] { #expect(lvef.contains(value), "\(value)") }
        let cyclophosphamide = try htmlRow(html, "cyclophosphamide_mg_m2")
        #expect(cyclophosphamide.hasPrefix("<tr class=\"g-regimen differs\""))
        #expect(cyclophosphamide.contains("300 mg/m²/day × 3 (days −5 to −3)"))
        #expect(cyclophosphamide.contains("1000 mg/m²/day × 1 (day −3)"))
        // The limits and the regimen come within the first 20 rows.
        let rows = html[positions[0]...].components(separatedBy: "<tr class=\"g-").dropFirst().map { $0.prefix(80) }
        let lvefRow = try #require(rows.firstIndex { $0.contains("data-key=\"lvef_min_percent\"") })
        #expect(lvefRow < 20)

        let charts = html[positions[1]..<positions[2]]
        for id in ["age-bands", "limits", "lymphodepletion"] { #expect(charts.contains("<figure class=\"chart\" id=\"chart-\(id)\">")) }
        #expect(charts.contains("<svg viewBox="))
        #expect(charts.contains("<a href=\"#ev-"), "chart marks link to their evidence")
    }

    /// Each trial's header says what it is; a note shared by the four KN5501 trials is printed
    /// once; values with a power of ten read as superscripts.
    @Test func headersNotesAndPowers() async throws {
        let landscape = await Repo.inputLandscape()
        let html = try renderer.render(landscape, as: .html)
        #expect(html.contains("<span class=\"short\">TCR-T Cell Therapy on Advanced Solid Tumors</span>"))
        #expect(html.contains("9×10<sup>9</sup> cells"))
        let md = try renderer.render(landscape, as: .markdown)
        #expect(md.contains("9×10⁹ cells"))
        let note = "Trials of KN5501 differ in LVEF threshold"
        #expect(md.components(separatedBy: note).count == 2, "the shared note is printed once")
        #expect(md.contains("### Across trials"))
        #expect(html.components(separatedBy: note).count == 2)
    }

    /// `--order product` puts the four KN5501 trials side by side; `--order id` sorts by ID.
    @Test func trialOrderIsSelectable() async throws {
        var landscape = await Repo.inputLandscape()
        func header(_ md: String) -> String { md.components(separatedBy: "\n").first { $0.hasPrefix("| Parameter |") } ?? "" }
        let byProduct = header(try renderer.render(landscape, as: .markdown))
        #expect(
            byProduct
                == "| Parameter | NCT06337474 | NCT06464679 | NCT06469190 | TD-b9e16666aaf1 | NCT03745326 | NCT05438667 | TD-3929bbbffa6e |")
        landscape.order = .id
        let byID = header(try renderer.render(landscape, as: .markdown))
        #expect(
            byID == "| Parameter | NCT03745326 | NCT05438667 | NCT06337474 | NCT06464679 | NCT06469190 | TD-3929bbbffa6e | TD-b9e16666aaf1 |")
    }

    /// With the real records (hundreds of trials) the trials are rows: one row per trial with its
    /// ID, every row as many cells as the header, the quotes only in the evidence list.
    @Test func aLargeLandscapeHasTrialsAsRows() async throws {
        let landscape = await Repo.landscape(["Tests/TestSupport/Fixtures/realdata"])
        #expect(landscape.matrix.trials.count > 100)
        let html = try renderer.render(landscape, as: .html)
        #expect(html.contains("<table class=\"matrix\" id=\"matrix\" data-layout=\"rows\">"))
        let body = try #require(html.components(separatedBy: "<tbody>").dropFirst().first?.components(separatedBy: "</tbody>").first)
        let rows = body.components(separatedBy: "<tr data-trial=\"").dropFirst()
        #expect(rows.count == landscape.matrix.trials.count)
        let header = try #require(html.components(separatedBy: "data-layout=\"rows\">").dropFirst().first?.components(separatedBy: "</thead>").first)
        let columns = header.components(separatedBy: "<th ").count - 1
        for row in rows.prefix(50) {
            #expect(row.components(separatedBy: "<td ").count - 1 == columns - 1)
        }
        #expect(!body.contains("<span class=\"v\" title="), "no quotes repeated in the cells")
        #expect(body.contains("<span class=\"v\">"))
        let md = try renderer.render(landscape, as: .markdown)
        #expect(md.contains("| Trial | "))
    }
}
