import Foundation
import Testing
import TrialCompare
import TrialModel
import TrialRender

@Suite struct MarkdownReportTests {
    let renderer: ReportRenderer
    init() throws { renderer = try Fixture.renderer() }

    @Test func startsWithTitleAndSummary() throws {
        let md = try renderer.render(Fixture.landscape(), as: .markdown)
        #expect(md.hasPrefix("# Trial landscape\n\n2 trials from 3 input files (2 records). 1 input file could not be read."))
        #expect(md.contains("- broken.xml: XML parse error at line 3: Opening and ending tag mismatch"))
        #expect(md.contains("| broken.xml | unknown | 0 | **Error:** XML parse error"))
    }

    @Test func matrixHasOneColumnPerTrialAndEveryRowTheSameCellCount() throws {
        let md = try renderer.render(Fixture.landscape(sponsor: "Acme | Bio"), as: .markdown)
        let lines = landscapeTableLines(md)
        #expect(lines.count > 5)
        #expect(lines.first == "| Parameter | NCT06337474 | NCT06464679 |")
        for line in lines {
            #expect(markdownTableCells(line).count == 3, "\(line)")
        }
        let sponsorRow = try #require(lines.first { $0.hasPrefix("| **Sponsor**") })
        #expect(markdownTableCells(sponsorRow)[1].hasPrefix("Acme \\| Bio"))
    }

    @Test func pipesAndNewlinesInTitlesKeepTheRowIntact() throws {
        let md = try renderer.render(Fixture.landscape(firstTitle: "A | B\nC || D \\| E"), as: .markdown)
        let lines = landscapeTableLines(md)
        let titleRow = try #require(lines.first { $0.hasPrefix("| Title") })
        #expect(markdownTableCells(titleRow).count == 3)
        #expect(!md.contains("A | B"))
    }

    @Test func scriptInTitleIsOnlyEscaped() throws {
        let md = try renderer.render(Fixture.landscape(firstTitle: "<script>alert(1)</script>"), as: .markdown)
        #expect(!md.contains("<script"))
        #expect(md.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        #expect(md.contains("## NCT06337474 — &lt;script&gt;alert(1)&lt;/script&gt;"))
    }

    @Test func matrixComesFirstThenFindingsChangesInputsEvidence() throws {
        let md = try renderer.render(Fixture.landscape(), as: .markdown)
        let order = ["## Comparison matrix", "## Inputs", "## Evidence", "## NCT06337474"].map { md.range(of: $0)?.lowerBound }
        #expect(order.allSatisfy { $0 != nil })
        #expect(order.compactMap { $0 } == order.compactMap { $0 }.sorted())
    }

    @Test func differingRowsAreMarkedAndExplained() throws {
        let md = try renderer.render(Fixture.landscape(), as: .markdown)
        let lines = landscapeTableLines(md)
        #expect(lines.contains { $0.hasPrefix("| **LVEF threshold** ≠ | ≥ 50 % [") })
        // Each agent's dose and days in one row: "300 mg/m²/day × 3 (days −5 to −3)".
        let cyclophosphamide = try #require(lines.first { $0.hasPrefix("| **Cyclophosphamide** ≠ |") })
        #expect(!lines.contains { $0.hasPrefix("| Cyclophosphamide days") || $0.hasPrefix("| **Cyclophosphamide days") })
        #expect(
            markdownTableCells(cyclophosphamide).dropFirst().map { $0.components(separatedBy: " [").first ?? "" } == [
                "300 mg/m²/day × 3 (days −5 to −3)", "1000 mg/m² (day −3)",
            ])
        // Same sponsor on both trials: not marked.
        #expect(lines.contains { $0.hasPrefix("| Sponsor | Acme Bio [") })
        #expect(md.contains("**≠** the trials state different values for this parameter"))
        #expect(md.contains(" compared parameters differ across trials.\n"))
        // The key differences come before the matrix, one line per differing parameter.
        let keys = try #require(md.range(of: "## Key differences"))
        let matrix = try #require(md.range(of: "## Comparison matrix"))
        #expect(keys.lowerBound < matrix.lowerBound)
        #expect(md.contains("- **LVEF threshold**: ≥ 45 % (1 trial), ≥ 50 % (1)\n"))
    }

    @Test func emptyCellsSayNotStatedAndEmptyRowsAreListed() throws {
        let md = try renderer.render(Fixture.landscape(), as: .markdown)
        let lines = landscapeTableLines(md)
        let conditions = try #require(lines.first { $0.hasPrefix("| Indication") })
        #expect(markdownTableCells(conditions)[2] == "_not stated_")
        #expect(md.contains("Not stated by any trial: "))
        #expect(md.contains("ECOG"))
        #expect(!lines.contains { $0.hasPrefix("| ECOG") })
    }

    @Test func everyValueWithEvidenceHasAFootnote() throws {
        let md = try renderer.render(Fixture.landscape(), as: .markdown)
        let lines = landscapeTableLines(md)
        let lvef = try #require(lines.first { $0.hasPrefix("| **LVEF threshold**") })
        let cells = markdownTableCells(lvef)
        let ref = try #require(cells[1].split(separator: "[").last?.split(separator: "]").first)
        #expect(
            md.contains(
                "- [\(ref)] NCT06337474 · LVEF threshold: ≥ 50 % — 002\\_43ccf47ba098859a.txt (line 136): “10\\. Left ventricular ejection fraction (LVEF) ≥50%”"
            ))
        // Identity rows have no footnotes.
        let files = try #require(lines.first { $0.hasPrefix("| Source files") })
        #expect(!files.contains("["))
        // Footnotes are numbered 1…n in order.
        let numbers = md.components(separatedBy: "\n").filter { $0.hasPrefix("- [") }.compactMap {
            Int($0.dropFirst(3).prefix { $0 != "]" })
        }
        #expect(numbers == Array(1...numbers.count))
    }

    @Test func perTrialSectionsListSources() throws {
        let md = try renderer.render(Fixture.landscape(), as: .markdown)
        #expect(
            md.contains(
                "## NCT06464679 — Allogeneic CAR-NK therapy for SLE\n\nRegistry IDs: NCT06464679\n\nSources:\n\n- NCT06464679.json (ctgov-json-v2)\n")
        )
        #expect(!md.contains("Findings"))
        #expect(!md.contains("What changed"))
    }
}

@Suite struct ReportEdgeCaseTests {
    let renderer: ReportRenderer
    init() throws { renderer = try Fixture.renderer() }

    /// One trial read from two files: its values carry evidence from both, and both files,
    /// the record number in a multi-record file and record warnings are listed.
    static func mergedLandscape(quote: String = "LVEF ≥ 50%") -> Landscape {
        func lvef(_ p: inout TrialParameters, _ f: String, _ locator: String) {
            p.thresholds = [
                Measured(Threshold(measure: "LVEF", comparator: .greaterOrEqual, value: 50, unit: "%"), Fixture.ev(f, locator, quote))
            ]
        }
        let a = Fixture.record(file: "a.json", format: .ctgovJSON, nct: "NCT00000001", title: "Trial one") { p, f in
            lvef(&p, f, "/protocolSection/eligibilityModule/eligibilityCriteria")
        }
        var b = Fixture.record(file: "feed.xml", format: .ctgovRSS, nct: "NCT00000001", title: "Trial one") { p, f in
            lvef(&p, f, "/rss/channel/item[2]/description")
        }
        b.source.index = 1
        b.warnings = ["description truncated"]
        return Landscape(
            records: [a, b],
            inputs: [
                InputSummary(file: "a.json", format: .ctgovJSON, records: 1),
                InputSummary(file: "feed.xml", format: .ctgovRSS, records: 2),
            ])
    }

    @Test func valueWithSeveralSourcesListsThemAll() throws {
        let landscape = Self.mergedLandscape()
        let md = try renderer.render(landscape, as: .markdown)
        #expect(
            md.contains(
                "· LVEF threshold: ≥ 50 % — a.json (/protocolSection/eligibilityModule/eligibilityCriteria): “LVEF ≥ 50%”; feed.xml (/rss/channel/item\\[2\\]/description): “LVEF ≥ 50%”"
            ))
        #expect(md.contains("- feed.xml (ctgov-rss, record 2) — warnings: description truncated"))
        #expect(md.contains("- a.json (ctgov-json-v2)\n"))
        let html = try renderer.render(landscape, as: .html)
        #expect(
            html.contains(
                "title=\"a.json · /protocolSection/eligibilityModule/eligibilityCriteria: “LVEF ≥ 50%”\nfeed.xml · /rss/channel/item[2]/description: “LVEF ≥ 50%”\""
            ))
        #expect(
            html.contains("<li><span class=\"file\">feed.xml</span> (/rss/channel/item[2]/description): <span class=\"q\">“LVEF ≥ 50%”</span></li>"))
    }

    @Test func longQuotesAreShortenedInReportsButNotInJSON() throws {
        let long = "Left ventricular ejection fraction " + String(repeating: "and more words ", count: 40) + "END"
        let landscape = Self.mergedLandscape(quote: long)
        let md = try renderer.render(landscape, as: .markdown)
        #expect(!md.contains("END"))
        #expect(md.contains(" …”"))
        let json = try renderer.render(landscape, as: .json)
        #expect(json.contains("and more words END"))
    }

    @Test func emptyLandscapeRenders() throws {
        let landscape = Landscape(records: [], inputs: [])
        let md = try renderer.render(landscape, as: .markdown)
        #expect(md.contains("0 trials from 0 input files (0 records)."))
        #expect(md.contains("No trial states any of the compared parameters."))
        let html = try renderer.render(landscape, as: .html)
        #expect(html.contains("No trial states any of the compared parameters."))
        #expect(!html.contains("id=\"evidence\""))
        let csv = try renderer.render(landscape, as: .csv)
        #expect(csv == ParameterCatalog.all.map(\.key).joined(separator: ",") + "\r\n")
        _ = try renderer.render(landscape, as: .json)
    }
}
