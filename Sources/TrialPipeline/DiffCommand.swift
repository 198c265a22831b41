import Foundation
import Logging
import TrialCompare
import TrialModel
import TrialRender
import TrialStore

/// `trialdiff diff OLD NEW`: compares two exports (two files or two folders, e.g. last month's
/// and this month's download) without the snapshot store, with the same change model and
/// renderers as scheduled runs. Paths are taken relative to each side, so a file present in both
/// with the same content is unchanged.
public struct DiffCommand: Sendable {
    public var old: String
    public var new: String
    /// When set, `changes.md` and `changes.json` are written there (atomically).
    public var output: URL?
    public var templates: TemplateSource
    public var failOnChange: Bool
    public var jobs: Int

    public init(
        old: String, new: String, output: URL? = nil, templates: TemplateSource = .builtIn, failOnChange: Bool = false,
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount
    ) {
        self.old = old
        self.new = new
        self.output = output
        self.templates = templates
        self.failOnChange = failOnChange
        self.jobs = jobs
    }

    /// Builds one side: a folder is read relative to itself, a file relative to its folder.
    static func side(_ path: String, jobs: Int) async -> Landscape {
        var isDirectory: ObjCBool = false
        let url = URL(fileURLWithPath: path)
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            return await Pipeline.landscape(paths: ["."], root: url, jobs: jobs)
        }
        return await Pipeline.landscape(
            paths: [url.lastPathComponent], root: url.deletingLastPathComponent(), jobs: jobs)
    }

    public func run(print: @Sendable (String) -> Void, logger: Logger) async -> (changes: ChangeSet, status: CommandStatus) {
        let before = await Self.side(old, jobs: jobs)
        var after = await Self.side(new, jobs: jobs)
        for failure in before.failures + after.failures { logger.error("\(failure.error ?? failure.file)") }
        let changes = ChangeSet(
            from: Snapshot(landscape: before, inputs: before.inputs.compactMap(\.fingerprint)),
            to: Snapshot(landscape: after, inputs: after.inputs.compactMap(\.fingerprint)), jobs: jobs)
        print(ChangeText.render(changes))
        after.changes = changes
        if let output {
            do {
                let renderer = try ReportRenderer(templates: templates)
                let writer = try AtomicWriter(folder: output)
                for name in ["changes.md", "changes.json"] {
                    try writer.write(try renderer.render(after, file: name), to: name)
                }
            } catch {
                logger.error("\(error)")
                return (changes, .outputFailed)
            }
        }
        if !(before.failures.isEmpty && after.failures.isEmpty) { return (changes, .inputFailed) }
        return (changes, failOnChange && !changes.isEmpty ? .changed : .success)
    }
}

/// `trialdiff history [TRIAL-ID]`: the runs in the snapshot store, or how one trial's
/// parameters evolved across them.
public struct HistoryCommand: Sendable {
    public var statePath: String
    public var trial: String?

    public init(statePath: String, trial: String?) {
        self.statePath = statePath
        self.trial = trial
    }

    public func run(print: @Sendable (String) -> Void, logger: Logger) -> CommandStatus {
        do {
            let store = try SnapshotStore(path: statePath, mode: .readOnly)
            guard let trial else {
                var out = ""
                for r in try store.runs() {
                    out += "run \(r.id)  \(r.trialCount) trials, \(r.inputCount) inputs, \(r.findingCount) findings"
                    if let summary = r.summary { out += "  — \(summary)" }
                    out += "\n"
                }
                print(out.isEmpty ? "no runs recorded in \(statePath)\n" : out)
                return .success
            }
            let history = try store.history(trial: trial)
            guard !history.isEmpty else {
                let known = try store.trialIDs()
                logger.error("\(trial) is not in any recorded run (\(known.count) trials known, e.g. \(known.prefix(5).joined(separator: ", ")))")
                return .outputFailed
            }
            var out = "\(trial)\n"
            for step in history.steps {
                out += "run \(step.run.id): \(step.event.rawValue)\n"
                if let change = step.change {
                    let set = ChangeSet(isBaseline: false, trialsChanged: [change])
                    for group in ChangesContext.groups(set) {
                        for line in group.lines { out += "  - \(line.text)\n" }
                    }
                }
            }
            print(out)
            return .success
        } catch {
            logger.error("\(error)")
            return .outputFailed
        }
    }
}
