import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialRender

@Suite struct RendererSetupTests {
    @Test func fileNames() {
        #expect(OutputFormat.allCases.map(ReportRenderer.fileName(for:)) == ["report.md", "report.html", "trials.json", "matrix.csv", "matrix.xlsx"])
    }

    @Test func missingFolderIsNamed() {
        let url = URL(fileURLWithPath: "/nonexistent/trialdiff-templates")
        #expect(throws: RenderError.templatesFolderNotFound(folder: "/nonexistent/trialdiff-templates")) {
            try ReportRenderer(templates: url)
        }
    }

    @Test func missingTemplateIsNamed() throws {
        let tmp = try TempFolder("render")
        defer { tmp.remove() }
        let dir = tmp.url
        try "{{% CONTENT_TYPE: TEXT}}\n# {{title}}\n".write(
            to: dir.appendingPathComponent("report.md.mustache"), atomically: true, encoding: .utf8)
        do {
            _ = try ReportRenderer(templates: dir)
            Issue.record("expected an error")
        } catch let error as RenderError {
            #expect(error == .templateMissing(file: "report.html.mustache", folder: dir.standardizedFileURL.path))
            #expect(error.description.contains("report.html.mustache"))
        }
    }

    @Test func invalidTemplateIsNamedWithLine() throws {
        let tmp = try TempFolder("render")
        defer { tmp.remove() }
        let dir = tmp.url
        try "ok\n".write(to: dir.appendingPathComponent("report.md.mustache"), atomically: true, encoding: .utf8)
        try "<p>\n{{#open}}\n</p>{{/close}}\n".write(
            to: dir.appendingPathComponent("report.html.mustache"), atomically: true, encoding: .utf8)
        do {
            _ = try ReportRenderer(templates: dir)
            Issue.record("expected an error")
        } catch let error as RenderError {
            guard case let .templateInvalid(file, line, _, _) = error else {
                Issue.record("unexpected \(error)")
                return
            }
            #expect(file.hasSuffix("report.html.mustache"))
            #expect(line >= 2)
            #expect(error.description.contains("report.html.mustache"))
        }
    }

    @Test func customTemplatesWithPartialsInSubfolders() throws {
        let tmp = try TempFolder("render")
        defer { tmp.remove() }
        let dir = tmp.url
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("parts"), withIntermediateDirectories: true)
        func write(_ text: String, _ name: String) throws {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        try write("{{% CONTENT_TYPE: TEXT}}\n{{#trials}}{{> parts/trial}}{{/trials}}", "report.md.mustache")
        try write("{{% CONTENT_TYPE: TEXT}}\n* {{id}}: {{title}}\n", "parts/trial.mustache")
        try write("<h1>{{title}}</h1>\n", "report.html.mustache")
        let renderer = try ReportRenderer(templates: dir)
        let landscape = Fixture.landscape(firstTitle: "<b>x</b>")
        #expect(
            try renderer.render(landscape, as: .markdown)
                == "* NCT06337474: &lt;b&gt;x&lt;/b&gt;\n* NCT06464679: Allogeneic CAR-NK therapy for SLE\n")
        #expect(try renderer.render(landscape, as: .html) == "<h1>Trial landscape</h1>\n")
    }

    @Test func repositoryTemplatesLoad() throws {
        _ = try Fixture.renderer()
    }
}

@Suite struct DeterminismTests {
    @Test(arguments: OutputFormat.allCases)
    func renderingTwiceIsByteIdentical(format: OutputFormat) throws {
        let renderer = try Fixture.renderer()
        let file = ReportRenderer.fileName(for: format)
        let first = try renderer.renderBytes(Fixture.landscape(), file: file)
        // A freshly built landscape from the same records and a fresh renderer give the same bytes.
        let second = try Fixture.renderer().renderBytes(Fixture.landscape(), file: file)
        #expect(first == second)
        #expect(!first.isEmpty)
        switch format {
        case .xlsx: #expect(first.starts(with: Array("PK".utf8)))
        case .csv: #expect(first.suffix(2) == Array("\r\n".utf8))
        default: #expect(first.last == UInt8(ascii: "\n"))
        }
    }

    /// The chart files beside the reports, from a fresh landscape and renderer each time.
    @Test(arguments: ReportContext.chartFiles.map(\.fileName))
    func chartFilesAreByteIdentical(file: String) throws {
        let first = try Fixture.renderer().renderBytes(Fixture.landscape(), file: file)
        let second = try Fixture.renderer().renderBytes(Fixture.landscape(), file: file)
        #expect(first == second)
        #expect(first.starts(with: Array("<?xml".utf8)))
    }
}
