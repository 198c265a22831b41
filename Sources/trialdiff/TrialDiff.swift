import ArgumentParser
import CMimalloc
import Foundation
import TrialPipeline

/// The `trialdiff` command line: parsing, help and exit statuses live here; each subcommand hands
/// its options to a command of `TrialPipeline` and exits through ``Exit``.
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

            Exit status: \(Exit.summary)
            """,
        version: Version.string,
        subcommands: [Report.self, Check.self, Diff.self, History.self, Extract.self, Templates.self, Fetch.self],
        defaultSubcommand: Report.self
    )

    /// ArgumentParser's `main`, with a usage error (an unknown option, a bad value) ending with
    /// status 2 as the help and the README state, not ArgumentParser's 64.
    static func main() async {
        // The process allocates through mimalloc (linked by `CMimalloc`); naming one of its
        // functions keeps the linker from dropping the library as unused.
        _ = mi_version()
        do {
            var command = try parseAsRoot()
            if var command = command as? AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// trialdiff's version, shown by `--version` and sent nowhere.
enum Version {
    static let string = "0.9.0"
}
