import Foundation
import Logging
import TrialCompare
import TrialRender

/// Exit statuses of the `trialdiff` commands.
public enum CommandStatus: Int32, Sendable {
    /// Everything was read and written.
    case success = 0
    /// At least one input could not be read; the others were reported.
    case inputFailed = 1
    /// Usage or output error: templates missing or broken, output folder not writable.
    case outputFailed = 2
    /// `check`: an unacknowledged finding at or above `--fail-on` exists.
    case findingsFailed = 3
}

/// `trialdiff report`: read, compare, render, write. Messages go to `log` (stderr in the CLI).
public struct ReportCommand: Sendable {
    public var paths: [String]
    public var output: URL
    public var templates: URL
    public var formats: [OutputFormat]
    public var jobs: Int
    /// Folder that relative input paths are resolved against (default: current folder).
    public var root: URL?
    /// Acknowledgement file; nil = `trialdiff-ack.yml` in each input folder.
    public var ackFile: String?
    /// `--where` selection; nil = every record.
    public var selection: Selection?

    public init(
        paths: [String], output: URL, templates: URL, formats: [OutputFormat] = OutputFormat.allCases,
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount, root: URL? = nil, ackFile: String? = nil,
        selection: Selection? = nil
    ) {
        self.ackFile = ackFile
        self.selection = selection
        self.paths = paths
        self.output = output
        self.templates = templates
        self.formats = formats
        self.jobs = jobs
        self.root = root
    }

    /// Runs the report and returns the landscape and exit status. Failed inputs are logged one
    /// error each, naming the file; the valid inputs are reported regardless.
    public func run(logger: Logger, progress: ProgressLine? = nil) async -> (landscape: Landscape, status: CommandStatus) {
        var landscape = await Pipeline.landscape(paths: paths, root: root, jobs: jobs, selection: selection) { done, total in
            progress?.update(done: done, total: total)
        }
        progress?.finish()
        for failure in landscape.failures { logger.error("\(failure.error ?? failure.file)") }
        do {
            let acks = try Acknowledgements.discover(paths: paths, explicit: ackFile, root: root)
            for w in acks.apply(to: &landscape.findings) { logger.warning("\(w)") }
        } catch {
            logger.error("\(error)")
            return (landscape, .outputFailed)
        }
        for input in landscape.inputs {
            for w in input.warnings { logger.info("\(input.file): \(w)") }
        }
        do {
            let written = try Pipeline.write(landscape, to: output, templates: templates, formats: formats)
            let read = landscape.inputs.count - landscape.failures.count
            logger.notice(
                "trialdiff: \(landscape.trials.count) trials from \(read) of \(landscape.inputs.count) inputs; wrote \(written.joined(separator: ", ")) in \(output.path)")
        } catch {
            logger.error("\(error)")
            return (landscape, .outputFailed)
        }
        return (landscape, landscape.failures.isEmpty ? .success : .inputFailed)
    }
}
