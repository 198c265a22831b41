import ArgumentParser
import Foundation
import TrialPipeline

struct History: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "List the recorded runs, or how one trial's parameters evolved across them.")

    @Argument(help: "A trial ID (e.g. NCT06464679); omit to list the runs.")
    var trial: String?

    @Option(help: "Snapshot database (default: OUTPUT/.trialdiff/state.sqlite).")
    var state: String?

    @Option(name: .shortAndLong, help: "Output folder whose snapshot to read.")
    var output: String = "Output"

    @OptionGroup var log: LogOptions

    func run() async throws {
        let path = state ?? URL(fileURLWithPath: output).appendingPathComponent(".trialdiff/state.sqlite").path
        try Exit.with(HistoryCommand(statePath: path, trial: trial).run(print: printToStandardOutput, logger: log.logger))
    }
}
