import ArgumentParser
import Foundation
import Logging
import TrialCompare
import TrialModel
import TrialPipeline
import TrialRender

@main
struct TrialDiff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trialdiff",
        abstract: "Turn clinical-trial registry exports into cross-trial comparison reports.",
        discussion: """
            Reads ClinicalTrials.gov XML (single records and <search_results> bundles), API v2 JSON \
            (single studies and pages), classic API v1 JSON, RSS feeds, registry and mirror HTML pages \
            (ChiCTR, ClinicalTrials.gov, mirrors) and plain-text renderings of such pages. Every value \
            in the reports keeps its evidence: file, locator and quote.

            Exit status: 0 success; 1 at least one input could not be read (all others are still \
            reported); 2 usage or output error (bad option, templates missing, output not writable); \
            3 (check) an unacknowledged finding at or above --fail-on; 4 --fail-on-change and \
            something changed; 5 another run holds the output folder's lock.
            """,
        subcommands: [Report.self, Check.self, Diff.self, History.self, Extract.self],
        defaultSubcommand: Report.self
    )
}

struct Report: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare trials side by side and write the reports.",
        discussion: """
            With no paths, reads Input/ and writes Output/. Folders are walked recursively; hidden \
            files are skipped. Outputs: report.md (GitHub Markdown), report.html (self-contained), \
            trials.json (normalized model with evidence), matrix.csv (one row per trial). Each is \
            written to a temporary file and renamed, so a crash never leaves a half-written report.
            """)

    @Argument(help: "Input files or folders (default: Input).")
    var paths: [String] = []

    @Option(name: .shortAndLong, help: "Output folder.")
    var output: String = "Output"

    @Option(help: "Folder with report.md.mustache and report.html.mustache (default: ./Templates).")
    var templates: String?

    @Option(help: "Comma-separated outputs to write: md, html, json, csv.")
    var format: String = "md,html,json,csv"

    @Option(help: "Files read in parallel (default: number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(help: "Acknowledged findings (YAML; default: trialdiff-ack.yml in each input folder).")
    var ack: String?

    @Option(
        name: .customLong("where"),
        help: ArgumentHelp(
            "Select records: FIELD:VALUE[,VALUE…] or bare text; repeat to combine with AND.",
            discussion: "Fields: condition, intervention, product, sponsor, phase, status, id, text. Case-insensitive substring match (id and status match exactly)."))
    var whereClauses: [String] = []

    @Option(help: "Snapshot database of previous runs (default: OUTPUT/.trialdiff/state.sqlite).")
    var state: String?

    @Flag(help: "Read and compare, print what would change, write nothing.")
    var dryRun = false

    @Flag(help: "Exit with status 4 when anything changed since the previous run.")
    var failOnChange = false

    @Option(help: "Seconds to wait when another run holds the output folder's lock.")
    var lockTimeout: Double = 60

    @Option(
        help: ArgumentHelp(
            "Extracted records a run may hold in memory; a run that reads more keeps all of them in a temporary file.",
            discussion: "About 11 KB of memory per record otherwise. The file sits beside the state database (the system's temporary folder with --dry-run) and is deleted as soon as it is opened. 0 spills every record.",
            valueName: "records"))
    var spillAbove: Int = SpillPolicy.defaultLimit

    @OptionGroup var options: LogOptions

    func validate() throws {
        do { _ = try Selection(parsing: whereClauses) } catch { throw ValidationError("\(error)") }
        if spillAbove < 0 { throw ValidationError("--spill-above must be 0 or more") }
        for f in formatList where OutputFormat(rawValue: f) == nil {
            throw ValidationError("unknown format '\(f)'; choose from md, html, json, csv")
        }
        if jobs < 1 { throw ValidationError("--jobs must be at least 1") }
    }

    var formatList: [String] {
        format.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() async throws {
        let command = ReportCommand(
            paths: paths.isEmpty ? ["Input"] : paths, output: URL(fileURLWithPath: output),
            templates: Pipeline.templatesFolder(templates), formats: formatList.compactMap(OutputFormat.init(rawValue:)),
            jobs: jobs, ackFile: ack, selection: whereClauses.isEmpty ? nil : try Selection(parsing: whereClauses),
            statePath: state, dryRun: dryRun, failOnChange: failOnChange, lockTimeout: lockTimeout,
            spillAbove: spillAbove)
        let (landscape, status) = await command.run(
            logger: options.logger, progress: ProgressLine(),
            print: { FileHandle.standardOutput.write(Data($0.utf8)) })
        // Everything is written and the store is closed. The landscape of a registry dump is
        // hundreds of megabytes of small objects: exit while it is still alive rather than free
        // them one by one (half a second at 10k trials); the OS takes the address space whole.
        withExtendedLifetime(landscape) { Foundation.exit(status.rawValue) }
    }
}

/// Logging options shared by the commands.
struct LogOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Log each step and every reader warning.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Log errors only.")
    var quiet = false

    /// stderr logger: errors and warnings by default, summaries with --verbose.
    var logger: Logger {
        let level: Logger.Level = verbose ? .debug : quiet ? .error : .warning
        return Logger(label: "trialdiff") { _ in PlainStderrLogHandler(level: level) }
    }
}

extension Severity: ExpressibleByArgument {}
extension CheckCommand.Format: ExpressibleByArgument {}

struct Check: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print review findings; fail when one at or above --fail-on is not acknowledged.",
        discussion: """
            Rules: \(FindingRules.allIDs.joined(separator: ", ")). Acknowledge a reviewed finding in \
            trialdiff-ack.yml (rule, trial, reason; optional match) at the top of an input folder, or \
            pass --ack: it still shows, marked acknowledged, but no longer fails the check. Exit \
            status: 0 nothing at or above --fail-on; 1 an input could not be read; 2 usage error or \
            bad acknowledgement file; 3 unacknowledged findings at or above --fail-on.
            """)

    @Argument(help: "Input files or folders (default: Input).")
    var paths: [String] = []

    @Option(help: "Lowest severity that fails the check: error, warning or note.")
    var failOn: Severity = .error

    @Option(help: "Output format: text or json (findings.json schema).")
    var format: CheckCommand.Format = .text

    @Option(help: "Acknowledged findings (YAML; default: trialdiff-ack.yml in each input folder).")
    var ack: String?

    @Option(help: "Files read in parallel (default: number of cores).")
    var jobs: Int = ProcessInfo.processInfo.activeProcessorCount

    @Option(
        help: ArgumentHelp(
            "Extracted records a run may hold in memory; a run that reads more keeps all of them in a file in the temporary folder, deleted as soon as it is opened.",
            valueName: "records"))
    var spillAbove: Int = SpillPolicy.defaultLimit

    @OptionGroup var options: LogOptions

    func validate() throws {
        if spillAbove < 0 { throw ValidationError("--spill-above must be 0 or more") }
    }

    func run() async throws {
        let command = CheckCommand(
            paths: paths.isEmpty ? ["Input"] : paths, failOn: failOn, format: format, ackFile: ack, jobs: jobs,
            spillAbove: spillAbove)
        let (_, status) = await command.run(
            print: { FileHandle.standardOutput.write(Data($0.utf8)) }, logger: options.logger)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two exports (files or folders) and print what changed, without the store.")

    @Argument(help: "The older export (file or folder).")
    var old: String

    @Argument(help: "The newer export (file or folder).")
    var new: String

    @Option(name: .shortAndLong, help: "Also write changes.md and changes.json to this folder.")
    var output: String?

    @Option(help: "Templates folder (default: ./Templates).")
    var templates: String?

    @Flag(help: "Exit with status 4 when anything changed.")
    var failOnChange = false

    @OptionGroup var options: LogOptions

    func run() async throws {
        let command = DiffCommand(
            old: old, new: new, output: output.map { URL(fileURLWithPath: $0) },
            templates: Pipeline.templatesFolder(templates), failOnChange: failOnChange)
        let (_, status) = await command.run(
            print: { FileHandle.standardOutput.write(Data($0.utf8)) }, logger: options.logger)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the recorded runs, or how one trial's parameters evolved across them.")

    @Argument(help: "A trial ID (e.g. NCT06464679); omit to list the runs.")
    var trial: String?

    @Option(help: "Snapshot database (default: OUTPUT/.trialdiff/state.sqlite).")
    var state: String?

    @Option(name: .shortAndLong, help: "Output folder whose snapshot to read.")
    var output: String = "Output"

    @OptionGroup var options: LogOptions

    func run() async throws {
        let path = state ?? URL(fileURLWithPath: output).appendingPathComponent(".trialdiff/state.sqlite").path
        let status = HistoryCommand(statePath: path, trial: trial).run(
            print: { FileHandle.standardOutput.write(Data($0.utf8)) }, logger: options.logger)
        if status != .success { throw ExitCode(status.rawValue) }
    }
}

struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the normalized record(s) of one file as JSON (with evidence).")

    @Argument(help: "A registry export file.")
    var file: String

    func run() async throws {
        let result = Pipeline.process(path: file)
        if let error = result.summary.error {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(result.records)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
