import ArgumentParser
import Foundation
import Logging
import TrialCompare
import TrialModel
import TrialPipeline
import TrialRender
import TrialSupport

/// The inputs a run reads, shared by `report` and `check`.
struct InputOptions: ParsableArguments {
    @Argument(help: "Input files, folders or zips (default: Input).")
    var paths: [String] = []

    @Option(
        help: ArgumentHelp(
            "Cores to use (default: the number of cores).",
            discussion:
                "Files read in parallel (and the studies of one file that holds many), and the threads that group, compare, render and save the trials. With 1, one step at a time on one core."
        ))
    var jobs: Int?

    /// `--jobs`, or the number of cores.
    var resolvedJobs: Int { jobs ?? ProcessInfo.processInfo.activeProcessorCount }

    @Option(help: "Acknowledged findings (YAML; default: trialdiff-ack.yml in each input folder).")
    var ack: String?

    @Option(
        help: ArgumentHelp(
            "Extracted records a run may hold in memory; a run that reads more keeps all of them in a temporary file.",
            discussion:
                "About 11 KB of memory per record otherwise. The file sits beside the state database (the system's temporary folder with --dry-run or check) and is deleted as soon as it is opened. 0 spills every record.",
            valueName: "records"))
    var spillAbove: Int = SpillPolicy.defaultLimit

    @Option(
        help: ArgumentHelp(
            "The largest input file or archive entry read, in MiB.",
            discussion:
                "A larger one is refused with an error naming it, and the run goes on with the others (exit 1). An archive entry past 16 MiB is also refused when it inflates more than 100 times its compressed size.",
            valueName: "MiB"))
    var maxInputSize: Int = InputLimits.defaultMaxBytes >> 20

    /// The size limits of `--max-input-size`.
    var limits: InputLimits { InputLimits(maxBytes: maxInputSize << 20) }

    /// The paths to read: `Input` when none is given.
    var resolvedPaths: [String] { paths.isEmpty ? ["Input"] : paths }

    func validate() throws {
        if spillAbove < 0 { throw ValidationError("--spill-above must be 0 or more") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1") }
        if maxInputSize < 1 || maxInputSize > 1 << 20 { throw ValidationError("--max-input-size must be 1 to 1048576 (MiB)") }
    }
}

/// Logging options shared by the commands.
struct LogOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Log each step and every reader warning.")
    var verbose = false

    @Flag(name: .shortAndLong, help: "Log errors only.")
    var quiet = false

    /// stderr logger: errors, warnings and the one summary line of a run by default; each step
    /// with --verbose; errors only with --quiet.
    var logger: Logger {
        let level: Logger.Level = verbose ? .debug : quiet ? .error : .notice
        return Logger(label: "trialdiff") { _ in PlainStderrLogHandler(level: level) }
    }
}

/// Writes a command's output to standard output.
/// Writes a command's output to standard output, with control characters from registry text and
/// file names made visible (line breaks and tabs kept).
let printToStandardOutput: @Sendable (String) -> Void = { FileHandle.standardOutput.write(Data(Printable.lines($0).utf8)) }

extension Severity: ExpressibleByArgument {}
extension CheckCommand.Format: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}
