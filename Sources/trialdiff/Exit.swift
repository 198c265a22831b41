import ArgumentParser
import Foundation
import TrialPipeline

/// The one way a subcommand ends with a status of its own.
enum Exit {
    /// Every status, as `--help` states them.
    static let summary = """
        0 success; 1 at least one input could not be read (all others are still reported); \
        2 usage or output error (bad option, templates broken, output not writable); \
        3 (check) an unacknowledged finding at or above --fail-on; 4 --fail-on-change and \
        something changed; 5 another run holds the output folder's lock.
        """

    /// Ends the command with `status` (success returns normally, so ArgumentParser exits 0).
    static func with(_ status: CommandStatus) throws {
        if status != .success { throw ExitCode(status.exitCode) }
    }

    /// Ends the process with `status` at once, keeping `value` alive until then: a landscape of a
    /// registry dump is hundreds of megabytes of small objects, and the OS takes the address
    /// space whole faster than they are freed one by one (half a second at 10k trials).
    static func now(_ status: CommandStatus, keeping value: some Any) -> Never {
        withExtendedLifetime(value) { Foundation.exit(status.exitCode) }
    }
}

extension CommandStatus {
    /// The process's exit code for this status (see `Exit.summary`); scripts and cron jobs rely
    /// on these numbers.
    var exitCode: Int32 {
        switch self {
        case .success: 0
        case .inputFailed: 1
        case .outputFailed: 2
        case .findingsFailed: 3
        case .changed: 4
        case .locked: 5
        }
    }
}
