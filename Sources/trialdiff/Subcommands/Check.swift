import ArgumentParser
import Foundation
import TrialCompare
import TrialModel
import TrialPipeline

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

    @OptionGroup var inputs: InputOptions

    @Option(help: "Lowest severity that fails the check: error, warning or note.")
    var failOn: Severity = .error

    @Option(help: "Output format: text or json (findings.json schema).")
    var format: CheckCommand.Format = .text

    @OptionGroup var log: LogOptions

    func run() async throws {
        var command = CheckCommand(
            paths: inputs.resolvedPaths, failOn: failOn, format: format, ackFile: inputs.ack, jobs: inputs.resolvedJobs,
            spillAbove: inputs.spillAbove)
        command.limits = inputs.limits
        let (_, status) = await command.run(print: printToStandardOutput, logger: log.logger)
        try Exit.with(status)
    }
}
