import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialRender

@Suite struct HTMLReportTests {
    let renderer: ReportRenderer
    init() throws { renderer = try Fixture.renderer() }

    @Test func isOneSelfContainedHTML5Document() throws {
        let html = try renderer.render(Fixture.landscape(), as: .html)
        #expect(html.hasPrefix("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">"))
        #expect(html.contains("<title>Trial landscape</title>"))
        #expect(html.contains("<style>"))
        #expect(html.contains("@media print"))
        #expect(html.hasSuffix("</html>\n"))
        let lower = html.lowercased()
        // One inline script (no src), and nothing fetched.
        #expect(lower.components(separatedBy: "<script").count == 2)
        #expect(lower.contains("<script>\n"))
        #expect(!lower.contains("<script src"))
        #expect(!lower.contains("fetch("))
        #expect(!lower.contains("xmlhttprequest"))
        #expect(!lower.contains("http://"))
        #expect(!lower.contains("https://"))
        #expect(!lower.contains("<link"))
        #expect(!lower.contains("<img"))
        #expect(!lower.contains("@import"))
        #expect(!lower.contains("url("))
    }

    @Test func scriptInTitleIsOnlyEscaped() throws {
        let html = try renderer.render(
            Fixture.landscape(firstTitle: "<script>alert(1)</script>", sponsor: "\"><img src=x onerror=alert(1)>"), as: .html)
        #expect(!html.lowercased().contains("<script>alert"))
        #expect(html.lowercased().components(separatedBy: "<script").count == 2, "only the page's own script")
        #expect(!html.contains("<img"))
        #expect(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"))
        // Also inside the hover attribute.
        #expect(html.contains("title=\"002_43ccf47ba098859a.txt · line 20: “Sponsor: &quot;&gt;&lt;img src=x onerror=alert(1)&gt;”\""))
    }

    /// A quote followed by a combining mark is one `Character`: escaping by `Character` (Mustache's
    /// default) used to leave it raw, ending the hover attribute and letting registry text add an
    /// event handler. Checked with the shipped template (byte-level `HTML` content type) and with
    /// one that relies on Mustache's default escaping.
    @Test func aQuoteWithACombiningMarkCannotLeaveAnAttribute() throws {
        let hostile = "x\"\u{301} onmouseover=alert(1) y=\""
        let tmp = try TempFolder("tpl")
        defer { tmp.remove() }
        let plain = tmp.appending("tpl")
        try FileManager.default.copyItem(at: Fixture.templates, to: plain)
        let file = plain.appendingPathComponent("report.html.mustache")
        let source = try String(contentsOf: file, encoding: .utf8)
        #expect(source.hasPrefix("{{% CONTENT_TYPE: HTML}}\n"))
        try String(source.dropFirst("{{% CONTENT_TYPE: HTML}}\n".count)).write(to: file, atomically: true, encoding: .utf8)

        let shipped = try renderer.render(Fixture.landscape(sponsor: hostile), as: .html)
        let withDefaultEscaping = try ReportRenderer(templates: plain).render(Fixture.landscape(sponsor: hostile), as: .html)
        #expect(shipped == withDefaultEscaping)
        let quoteWithMark = "\"" + "\u{301}"
        #expect(!shipped.contains(quoteWithMark))
        #expect(shipped.contains("title=\"002_43ccf47ba098859a.txt · line 20: “Sponsor: x&quot; onmouseover=alert(1) y=&quot;”\""))
    }

    @Test func valuesHaveHoverAndFootnoteLinks() throws {
        let html = try renderer.render(Fixture.landscape(), as: .html)
        let hover = "title=\"002_43ccf47ba098859a.txt · line 136: “10. Left ventricular ejection fraction (LVEF) ≥50%”\">≥ 50 %<sup id=\"ref-"
        #expect(html.contains(hover))
        // Every footnote link has its target and back link.
        // In the matrix (the charts link to the same footnotes again).
        let start = try #require(html.range(of: "<table class=\"matrix\""))
        let end = try #require(html.range(of: "</table>", range: start.upperBound..<html.endIndex))
        let matrix = html[start.lowerBound..<end.upperBound]
        let refs = matrix.components(separatedBy: "<a href=\"#ev-").dropFirst().compactMap { Int($0.prefix { $0.isNumber }) }
        #expect(!refs.isEmpty)
        #expect(refs == Array(1...refs.count))
        for n in refs {
            #expect(html.contains("<li id=\"ev-\(n)\"><span class=\"n\">\(n).</span> <a class=\"back\" href=\"#ref-\(n)\""))
            #expect(html.contains("<sup id=\"ref-\(n)\"><a href=\"#ev-\(n)\">\(n)</a></sup>"))
        }
        #expect(
            html.contains(
                "<span class=\"file\">002_43ccf47ba098859a.txt</span> (line 136): <span class=\"q\">“10. Left ventricular ejection fraction (LVEF) ≥50%”</span>"
            ))
    }

    @Test func differingRowsAreHighlighted() throws {
        let html = try renderer.render(Fixture.landscape(), as: .html)
        #expect(
            html.contains(
                "<tr class=\"g-limits differs\" data-key=\"lvef_min_percent\"><th scope=\"row\" data-sort=\"lvef_min_percent\">LVEF threshold<span class=\"mark\""
            ))
        #expect(html.contains("<tr class=\"g-other\" data-key=\"sponsor\"><th scope=\"row\" data-sort=\"sponsor\">Sponsor</th>"))
        #expect(html.contains("class=\"legend\""))
    }

    @Test func headerLinksToTrialSections() throws {
        let html = try renderer.render(Fixture.landscape(), as: .html)
        #expect(
            html.contains(
                "<th scope=\"col\" data-trial=\"NCT06337474\" title=\"CD19 CAR-NK cells (KN5501) in refractory lupus nephritis\"><a href=\"#trial-NCT06337474\">NCT06337474</a><span class=\"short\">CD19 CAR-NK cells (KN5501) in refractory lupus nephritis</span></th>"
            ))
        #expect(html.contains("<section class=\"trial\" id=\"trial-NCT06337474\">"))
    }

    @Test func idsAreUnique() throws {
        let html = try renderer.render(Fixture.landscape(), as: .html)
        let ids = html.components(separatedBy: " id=\"").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(Set(ids).count == ids.count)
    }
}
