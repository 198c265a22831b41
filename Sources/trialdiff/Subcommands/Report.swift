import ArgumentParser
import Foundation
import TrialCompare
import TrialPipeline
import TrialRender

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare trials side by side and write the reports.",
        discussion: """
            With no paths, reads Input/ and writes Output/. Folders are walked recursively; hidden \
            files are skipped. Outputs: report.md (GitHub Markdown), report.html (one file), \
            trials.json (normalized model with evidence), findings.json and findings.csv, changes.md \
            and changes.json (what changed since the last run), matrix.csv (one row per trial), \
            matrix.xlsx (the matrix, evidence, findings and a glossary for spreadsheet users). They \
            are written to temporary files and renamed as one set, so a killed run leaves the old \
            reports or the new ones. A run that reads no input writes nothing.
            """)

    @OptionGroup var inputs: InputOptions

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String = "Output"

    @Option(help: "Folder of Mustache templates to use instead of the built-in ones (see 'trialdiff templates export').")
    var templates: String?

    @Option(
        help: ArgumentHelp(
            "Outputs to write, comma-separated: md, html, json, csv, xlsx.",
            valueName: "formats"),
        transform: Report.formats)
    var format: [OutputFormat] = OutputFormat.allCases

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp(
            "Select records: FIELD:VALUE[,VALUE…] or bare text; repeat to combine with AND.",
            discussion:
                "Fields: condition, intervention, product, sponsor, phase, status, id, text. Case-insensitive substring match (id and status match exactly)."
        ))
    var whereClauses: [String] = []

    @Option(help: "Snapshot database of previous runs (default: OUTPUT/.trialdiff/state.sqlite).")
    var state: String?

    @Option(
        help: ArgumentHelp(
            "Order of the trials in the reports' matrix: product, condition or id.", valueName: "order"))
    var order: TrialOrder = .product

    @Flag(help: "Read and compare, print what would change, write nothing.")
    var dryRun = false

    @Flag(help: "Exit with status 4 when anything changed since the previous run.")
    var failOnChange = false

    @Option(help: "Seconds to wait when another run holds the output folder's lock.")
    var lockTimeout: Double = 60

    @OptionGroup var log: LogOptions

    /// Parses "md,html": each name once, in the order given.
    static func formats(_ text: String) throws -> [OutputFormat] {
        var formats: [OutputFormat] = []
        for name in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !name.isEmpty {
            guard let format = OutputFormat(rawValue: name) else {
                throw ValidationError("unknown format '\(name)'; choose from md, html, json, csv, xlsx")
            }
            if !formats.contains(format) { formats.append(format) }
        }
        return formats
    }

    func validate() throws {
        do { _ = try Selection(parsing: whereClauses) } catch { throw ValidationError("\(error)") }
        if format.isEmpty { throw ValidationError("--format names no output; choose from md, html, json, csv, xlsx") }
    }

    func run() async throws {
        var command = ReportCommand(
            paths: inputs.resolvedPaths, output: URL(fileURLWithPath: output), templates: TemplateSource(folder: templates),
            formats: format, jobs: inputs.resolvedJobs, ackFile: inputs.ack,
            selection: whereClauses.isEmpty ? nil : try Selection(parsing: whereClauses), statePath: state, dryRun: dryRun,
            failOnChange: failOnChange, lockTimeout: lockTimeout, spillAbove: inputs.spillAbove)
        command.limits = inputs.limits
        command.order = order
        let (landscape, status) = await command.run(logger: log.logger, progress: ProgressLine(), print: printToStandardOutput)
        // Everything is written and the store is closed.
        Exit.now(status, keeping: landscape)
    }
}

extension TrialOrder: ExpressibleByArgument {}
