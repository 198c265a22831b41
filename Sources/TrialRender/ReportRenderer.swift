import Foundation
import Mustache
import TrialCompare
import TrialModel

/// The outputs `trialdiff report` writes.
public enum OutputFormat: String, CaseIterable, Sendable {
    /// GitHub-flavoured Markdown report (`report.md`), from `report.md.mustache`.
    case markdown = "md"
    /// Self-contained HTML5 report (`report.html`), from `report.html.mustache`.
    case html
    /// Machine-readable trials, inputs and matrix (`trials.json`); see ``TrialsDocument``.
    case json
    /// One row per trial, one column per parameter (`matrix.csv`); see ``CSVMatrix``.
    case csv
    /// The matrix, its evidence, the findings and a glossary as a workbook for medical writers
    /// (`matrix.xlsx`); see ``XLSXMatrix``.
    case xlsx
}

/// Why templates could not be loaded or an output could not be rendered.
public enum RenderError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The templates folder does not exist or is not a folder.
    case templatesFolderNotFound(folder: String)
    /// A required template file is not in the templates folder.
    case templateMissing(file: String, folder: String)
    /// A template file could not be read or is not UTF-8.
    case templateUnreadable(file: String, reason: String)
    /// A template file is not valid Mustache.
    case templateInvalid(file: String, line: Int, column: Int, reason: String)
    /// Encoding `trials.json` failed.
    case encodingFailed(reason: String)
    /// `templates export` would replace a file that exists.
    case templateExists(file: String)
    /// A binary output (`matrix.xlsx`) was asked for as text; render it into a sink or as bytes.
    case notText(file: String)

    public var description: String {
        switch self {
        case let .templatesFolderNotFound(folder):
            "templates folder not found: \(folder)"
        case let .templateMissing(file, folder):
            "template \(file) is missing from the templates folder \(folder)"
        case let .templateUnreadable(file, reason):
            "cannot read template \(file): \(reason)"
        case let .templateInvalid(file, line, column, reason):
            "invalid Mustache in template \(file) at line \(line), column \(column): \(reason)"
        case let .encodingFailed(reason):
            "cannot encode trials.json: \(reason)"
        case let .templateExists(file):
            "\(file) exists; pass --force to replace it"
        case let .notText(file):
            "\(file) is binary; render it as bytes"
        }
    }
}

/// Renders a ``Landscape`` as Markdown, HTML, JSON, CSV or XLSX.
///
/// Markdown and HTML come from Mustache templates (`report.md.mustache`, `report.html.mustache`
/// and any partials beside them), built in or from a folder the user edits (``TemplateSource``);
/// the context they see is described at the top of each template and built by
/// ``ReportContext``. JSON, CSV and XLSX are written in Swift and need no template. Rendering is pure:
/// the same landscape gives byte-identical output.
public struct ReportRenderer: Sendable {
    /// Template names (file name without `.mustache`) the renderer needs.
    public static let requiredTemplates = ["report.md", "report.html"]
    /// Output files rendered from a template.
    public static let templatedFiles: Set<String> = ["report.md", "report.html", "changes.md"]

    /// Nil for a renderer of the data formats only.
    private let library: MustacheLibrary?

    /// Loads the templates of `templates`, each registered under its relative path without
    /// `.mustache`.
    ///
    /// - Throws: ``RenderError`` naming the folder or file when the folder or a required
    ///   template is missing, unreadable or not valid Mustache.
    public init(templates: TemplateSource = .builtIn) throws {
        let files = try templates.files()
        // `{{% CONTENT_TYPE: HTML}}` escapes byte by byte (see `Escape.html`): the same bytes
        // as Mustache's default escaping for the strings trialdiff hands a template, and a third
        // of the time of `report.html`.
        MustacheContentTypes.register(ByteHTMLContentType(), named: "HTML")
        var library = MustacheLibrary()
        for (path, text) in files {
            do {
                library.register(try MustacheTemplate(string: text), named: String(path.dropLast(".mustache".count)))
            } catch let error as MustacheTemplate.ParserError {
                throw RenderError.templateInvalid(
                    file: templates.file(path), line: error.context.lineNumber, column: error.context.columnNumber,
                    reason: "\(error.error)")
            } catch {
                throw RenderError.templateInvalid(file: templates.file(path), line: 0, column: 0, reason: "\(error)")
            }
        }
        for name in Self.requiredTemplates where library.getTemplate(named: name) == nil {
            throw RenderError.templateMissing(file: name + ".mustache", folder: templates.description)
        }
        self.library = library
    }

    /// Loads the templates in the folder `templates`.
    public init(templates: URL) throws {
        try self.init(templates: .folder(templates))
    }

    private init(library: MustacheLibrary?) { self.library = library }

    /// A renderer of the files that need no template (JSON, CSV, findings): it never reads one.
    public static let dataOnly = ReportRenderer(library: nil)

    /// Whether rendering `files` needs the templates.
    public static func needsTemplates(_ files: [String]) -> Bool { files.contains(where: templatedFiles.contains) }

    /// The main file each format is written to: report.md, report.html, trials.json, matrix.csv,
    /// matrix.xlsx.
    public static func fileName(for format: OutputFormat) -> String {
        switch format {
        case .markdown: "report.md"
        case .html: "report.html"
        case .json: "trials.json"
        case .csv: "matrix.csv"
        case .xlsx: XLSXMatrix.fileName
        }
    }

    /// Every file a format writes: JSON and CSV also write the findings (`findings.json`,
    /// `findings.csv`); when the landscape carries changes since the previous run, Markdown and
    /// JSON also write `changes.md` and `changes.json`.
    public static func fileNames(for format: OutputFormat, withChanges: Bool = true) -> [String] {
        let extra: [String] =
            switch format {
            case .markdown: (withChanges ? ["changes.md"] : []) + ReportContext.chartFiles.map(\.fileName)
            case .html: ReportContext.chartFiles.map(\.fileName)
            case .json: withChanges ? ["findings.json", "changes.json"] : ["findings.json"]
            case .csv: ["findings.csv"]
            case .xlsx: []
            }
        return [fileName(for: format)] + extra
    }

    /// Renders one text output. Pure and deterministic: same landscape → byte-identical string.
    ///
    /// - Throws: ``RenderError/notText(file:)`` for `.xlsx`; use ``renderBytes(_:file:)``.
    public func render(_ landscape: Landscape, as format: OutputFormat) throws -> String {
        try render(landscape, file: Self.fileName(for: format))
    }

    /// Renders the output file called `file` (one of the names ``fileNames(for:)`` returns).
    public func render(_ landscape: Landscape, file: String) throws -> String {
        guard file != "trials.json" else { return try TrialsDocument(landscape).encoded() }
        guard file != XLSXMatrix.fileName else { throw RenderError.notText(file: file) }
        return try renderText(landscape, file: file)
    }

    /// The bytes of the output file called `file`: the UTF-8 of ``render(_:file:)``, or the
    /// workbook of `matrix.xlsx`. The same landscape gives the same bytes.
    public func renderBytes(_ landscape: Landscape, file: String) throws -> [UInt8] {
        var sink = MemorySink()
        try render(landscape, file: file, into: &sink, jobs: 1)
        return sink.bytes
    }

    /// Renders the output file called `file` into `sink`, the same bytes as
    /// ``render(_:file:)``. `trials.json` is written piece by piece as it is encoded (on up to
    /// `jobs` cores), and `matrix.csv` in batches of rows (likewise), so neither is ever held whole in memory; the
    /// other files are rendered whole and then written.
    public func render(
        _ landscape: Landscape, file: String, into sink: inout some OutputSink,
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    ) throws {
        if file == "trials.json" {
            try TrialsDocument(landscape).write(into: &sink, jobs: jobs)
        } else if file == "matrix.csv" {
            try CSVMatrix.write(landscape.matrix, into: &sink, jobs: jobs)
        } else if file == XLSXMatrix.fileName {
            try XLSXMatrix.write(landscape, into: &sink)
        } else {
            try sink.write(renderText(landscape, file: file))
        }
    }

    private func renderText(_ landscape: Landscape, file: String) throws -> String {
        switch file {
        case "report.md": renderTemplate("report.md", ReportContext.make(landscape, flavor: .markdown))
        case "report.html": renderTemplate("report.html", ReportContext.make(landscape, flavor: .html))
        case _ where ReportContext.chartFiles.contains(where: { $0.fileName == file }): ReportContext.chartFile(file, of: landscape)
        case "findings.json": try FindingsDocument(landscape.findings).encoded()
        case "findings.csv": FindingsCSV.render(landscape.findings)
        case "changes.md":
            // Optional template: a templates folder copied before it existed still works.
            library?.getTemplate(named: "changes.md") == nil
                ? "# What changed\n\n" + ChangeText.render(landscape.changes ?? ChangeSet(isBaseline: true))
                : renderTemplate("changes.md", ReportContext.changes(landscape, flavor: .markdown))
        case "changes.json":
            try ChangesDocument(landscape.changes ?? ChangeSet(isBaseline: true)).encoded()
        default: CSVMatrix.render(landscape.matrix)
        }
    }

    private func renderTemplate(_ name: String, _ context: [String: Any]) -> String {
        // `init` checked that the template exists; `dataOnly` is never asked for a template.
        guard let library else { preconditionFailure("\(name) rendered without templates") }
        return library.render(context, withTemplate: name) ?? ""
    }
}

/// Mustache's `HTML` content type with ``Escape/html(_:)``.
struct ByteHTMLContentType: MustacheContentType {
    func escapeText(_ text: String) -> String { Escape.html(text) }
}
