import Foundation
import Logging
import TrialCompare
import TrialModel
import TrialRender

/// `trialdiff check`: print findings for CI and review pipelines; fail when an unacknowledged
/// finding at or above a severity exists.
public struct CheckCommand: Sendable {
    public enum Format: String, Sendable, CaseIterable { case text, json }

    public var paths: [String]
    /// Findings at or above this severity fail the check.
    public var failOn: Severity
    public var format: Format
    /// Acknowledgement file; nil = `trialdiff-ack.yml` in each input folder.
    public var ackFile: String?
    public var jobs: Int
    public var root: URL?
    /// Extracted records held in memory; the rest wait in a spill file in the temporary folder
    /// (see ``SpillPolicy``).
    public var spillAbove: Int
    /// Size limits on each input (`--max-input-size`).
    public var limits: InputLimits = .default

    public init(
        paths: [String], failOn: Severity = .error, format: Format = .text, ackFile: String? = nil,
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount, root: URL? = nil,
        spillAbove: Int = SpillPolicy.defaultLimit
    ) {
        self.paths = paths
        self.failOn = failOn
        self.format = format
        self.ackFile = ackFile
        self.jobs = jobs
        self.root = root
        self.spillAbove = spillAbove
    }

    /// Runs the check. `print` receives the findings (stdout); diagnostics go to `logger`.
    public func run(print: @Sendable (String) -> Void, logger: Logger) async -> (findings: [Finding], status: CommandStatus) {
        var landscape = await Pipeline.landscape(
            paths: paths, root: root, jobs: jobs,
            spill: SpillPolicy(limit: spillAbove, folder: FileManager.default.temporaryDirectory), limits: limits)
        do {
            try Pipeline.review(&landscape, paths: paths, ackFile: ackFile, root: root, logger: logger)
        } catch {
            return (landscape.findings, .outputFailed)
        }
        let findings = landscape.findings
        let failing = findings.filter { $0.acknowledged == nil && $0.severity.isAtLeast(failOn) }
        switch format {
        case .json:
            print((try? FindingsDocument(findings).encoded()) ?? "{}\n")
        case .text:
            print(Self.text(findings))
        }
        logger.notice(
            "trialdiff check: \(findings.count) findings in \(landscape.trials.count) trials; \(failing.count) unacknowledged at or above \(failOn.rawValue)"
        )
        if !landscape.failures.isEmpty { return (findings, .inputFailed) }
        return (findings, failing.isEmpty ? .success : .findingsFailed)
    }

    /// One block per finding: `TRIAL  SEVERITY  RULE  message`, then its quotes indented.
    static func text(_ findings: [Finding]) -> String {
        var out = ""
        for f in findings {
            out += "\(f.trial)  \(f.severity.rawValue)  \(f.rule)  \(f.message)"
            if let ack = f.acknowledged { out += "  [acknowledged: \(ack)]" }
            out += "\n"
            for e in f.evidence { out += "    \(e.file) (\(e.locator)): “\(e.quote)”\n" }
        }
        return out
    }
}
