import Foundation
import Logging
import TrialCompare
import TrialModel
import TrialRender
import TrialStore
import TrialSupport

/// How a command ended. The executable maps each to its exit code (`Exit.swift`).
public enum CommandStatus: Sendable, Equatable {
    /// Everything was read and written.
    case success
    /// At least one input could not be read; the others were reported.
    case inputFailed
    /// Usage or output error: templates missing or broken, output folder not writable, bad
    /// acknowledgement file, unusable state database.
    case outputFailed
    /// `check`: an unacknowledged finding at or above `--fail-on` exists.
    case findingsFailed
    /// `--fail-on-change`: something changed since the previous run (or between OLD and NEW).
    case changed
    /// Another run holds the output folder's lock.
    case locked
}

/// `trialdiff report`: read, compare, render, write, remember. Messages go to `logger`.
public struct ReportCommand: Sendable {
    public var paths: [String]
    public var output: URL
    public var templates: TemplateSource
    public var formats: [OutputFormat]
    public var jobs: Int
    /// Folder that relative input paths are resolved against (default: current folder).
    public var root: URL?
    /// Acknowledgement file; nil = `trialdiff-ack.yml` in each input folder.
    public var ackFile: String?
    /// `--where` selection; nil = every record.
    public var selection: Selection?
    /// `--order`: the order of the trials in the reports' matrix.
    public var order: TrialOrder = .product
    /// Snapshot database; nil = `<output>/.trialdiff/state.sqlite`.
    public var statePath: String?
    /// Compare and say what would change, but write nothing.
    public var dryRun: Bool
    /// Exit with `.changed` when anything changed since the previous run.
    public var failOnChange: Bool
    /// Seconds to wait for another run's lock on the output folder.
    public var lockTimeout: Double
    /// Extracted records held in memory; those read after them wait in a spill file (see
    /// ``SpillPolicy``).
    public var spillAbove: Int
    /// Size limits on each input (`--max-input-size`).
    public var limits: InputLimits = .default

    public init(
        paths: [String], output: URL, templates: TemplateSource = .builtIn, formats: [OutputFormat] = OutputFormat.allCases,
        jobs: Int = ProcessInfo.processInfo.activeProcessorCount, root: URL? = nil, ackFile: String? = nil,
        selection: Selection? = nil, statePath: String? = nil, dryRun: Bool = false, failOnChange: Bool = false,
        lockTimeout: Double = 60, spillAbove: Int = SpillPolicy.defaultLimit
    ) {
        self.paths = paths
        self.output = output
        self.templates = templates
        self.formats = formats
        self.jobs = jobs
        self.root = root
        self.ackFile = ackFile
        self.selection = selection
        self.statePath = statePath
        self.dryRun = dryRun
        self.failOnChange = failOnChange
        self.lockTimeout = lockTimeout
        self.spillAbove = spillAbove
    }

    /// Where records beyond ``spillAbove`` wait: beside the state database (on the disk that
    /// holds the output, not a memory-backed /tmp), or the temporary folder when the run writes
    /// nothing.
    var spillPolicy: SpillPolicy {
        let stateFolder = URL(fileURLWithPath: resolvedStatePath).deletingLastPathComponent()
        var isFolder: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: stateFolder.path, isDirectory: &isFolder) && isFolder.boolValue
        return SpillPolicy(
            limit: spillAbove, folder: !dryRun && exists ? stateFolder : FileManager.default.temporaryDirectory)
    }

    /// The snapshot database path of this run.
    public var resolvedStatePath: String {
        statePath ?? output.appendingPathComponent(SnapshotStore.defaultRelativePath).path
    }

    /// Runs the report and returns the landscape (with its changes) and exit status. Failed
    /// inputs are logged one error each, naming the file; the valid inputs are reported regardless.
    public func run(logger: Logger, progress: ProgressLine? = nil, print: (@Sendable (String) -> Void)? = nil)
        async -> (landscape: Landscape, status: CommandStatus)
    {
        var lock: RunLock?
        if !dryRun {
            do {
                lock = try RunLock(folder: output, timeout: lockTimeout) { logger.warning("\($0)") }
            } catch let error as RunLock.LockError {
                logger.error("\(error)")
                if case .busy = error { return (Landscape(records: [], inputs: []), .locked) }
                return (Landscape(records: [], inputs: []), .outputFailed)
            } catch {
                logger.error("\(error)")
                return (Landscape(records: [], inputs: []), .outputFailed)
            }
        }
        defer { withExtendedLifetime(lock) {} }
        if !dryRun, FileManager.default.fileExists(atPath: output.path) {
            // A run killed while it renamed its outputs left a journal: finish that set before
            // anything reads the folder.
            let completed = (try? AtomicWriter(folder: output))?.recover() ?? []
            if !completed.isEmpty {
                logger.warning("completed the outputs of an interrupted run: \(completed.joined(separator: ", "))")
            }
        }

        // The executable's hash keys the parse cache; it is computed on a thread of its own
        // while the first inputs are read (a first run never needs it before its first cache
        // write). With one job, when first needed.
        if !dryRun, jobs > 1 { Thread { _ = ParserVersion.current }.start() }
        let store: SnapshotStore?
        do {
            store = try SnapshotStore(
                path: resolvedStatePath, mode: dryRun ? .readOnly : .readWrite, parserVersion: ParserVersion.current, jobs: jobs)
        } catch StoreError.notFound where dryRun {
            store = nil
        } catch {
            logger.error("\(error)")
            return (Landscape(records: [], inputs: []), .outputFailed)
        }

        var steps = StepClock(logger: logger)
        var landscape = await Pipeline.landscape(
            paths: paths, root: root, jobs: jobs, selection: selection, cache: dryRun ? nil : store, spill: spillPolicy,
            limits: limits
        ) { done, total in progress?.update(done: done, total: total) }
        progress?.finish()
        landscape.order = order
        steps.done("read \(landscape.inputs.count) inputs, \(landscape.trials.count) trials")
        // A run that read nothing (a missing or empty folder, every file failing) has nothing to
        // say about the trials: the reports and the state stay as the last good run left them.
        if landscape.inputs.count == landscape.failures.count {
            let what =
                landscape.inputs.isEmpty
                ? "no input files in \(paths.joined(separator: ", "))" : "none of the \(landscape.inputs.count) inputs could be read"
            logger.error("trialdiff: \(what); the reports and the state in \(output.path) are left as they were")
            return (landscape, .inputFailed)
        }
        do {
            try Pipeline.review(&landscape, paths: paths, ackFile: ackFile, root: root, logger: logger)
        } catch {
            return (landscape, .outputFailed)
        }
        steps.done("reviewed \(landscape.findings.count) findings")

        // What changed since the last run. When nothing did, the reports keep describing the
        // last real change, so an unchanged run rewrites byte-identical files.
        var snapshot = Snapshot(landscape: landscape, inputs: landscape.inputs.compactMap(\.fingerprint))
        var changes: ChangeSet
        var display: ChangeSet
        var stateHashes: [String]?
        do {
            // The previous runs' states that equal this run's (by hash) are not decoded again,
            // nor encoded again when this run is saved.
            if try store?.latestRun() != nil { stateHashes = SnapshotStore.stateHashes(snapshot.trials, jobs: jobs) }
            let known =
                stateHashes.map { SnapshotStore.knownStates(snapshot.trials, hashes: $0, jobs: jobs) } ?? SnapshotStore.KnownStates()
            let previous = try store?.latest(reusing: known)
            var stale: [TrialRef] = []
            if let previous, !landscape.failures.isEmpty {
                // Trials read last time only from inputs that failed now are not "removed": they
                // are kept as they were, marked stale, until their input can be read again.
                let kept = Self.carryOver(from: previous.snapshot, into: &snapshot, failed: landscape.failures.map(\.file))
                if !kept.isEmpty {
                    stale = kept
                    landscape.addStale(previous.snapshot.trials.filter { t in kept.contains { $0.id == t.id } })
                    stateHashes = stateHashes.map { _ in SnapshotStore.stateHashes(snapshot.trials, jobs: jobs) }
                    logger.warning(
                        "kept \(kept.count) trial(s) from the previous run, as their input could not be read: \(kept.map(\.id).joined(separator: ", "))"
                    )
                }
            }
            changes = ChangeSet(from: previous?.snapshot, to: snapshot, jobs: jobs)
            changes.trialsStale = stale.isEmpty ? nil : stale
            display = changes
            if let store, let previous, changes.isEmpty {
                let runs = try store.runs()
                let before = runs.count >= 2 ? try store.snapshot(runs[runs.count - 2].id, reusing: previous.states) : nil
                display = ChangeSet(from: before, to: previous.snapshot, jobs: jobs)
                display.unchangedSince = runs.last.map { Int($0.id.rawValue) }
                display.trialsStale = changes.trialsStale
            }
        } catch {
            logger.error("\(error)")
            return (landscape, .outputFailed)
        }
        landscape.changes = display
        steps.done("compared with the previous run: \(changes.summary)")

        if dryRun {
            print?(ChangeText.render(changes))
            logger.notice("dry run: \(changes.summary); nothing written")
            return (landscape, status(landscape, changes))
        }
        let read = landscape.inputs.count - landscape.failures.count
        do {
            let (landscape, templates, formats, jobs) = (landscape, templates, formats, jobs)
            // The outputs' key (a hash of everything they are rendered from) is computed on a
            // thread of its own: a run with changes needs it only after rendering, to record it.
            let keying = BackgroundWork(onThread: jobs > 1) { () -> String? in
                try? OutputManifest.key(landscape, formats: formats, templates: templates)
            }
            let names = Pipeline.outputNames(formats, withChanges: landscape.changes != nil)
            // Nothing changed and the outputs on disk were rendered from exactly this: skip
            // rendering (they would come out byte-identical).
            if changes.isEmpty, let key = try keying.value(), let saved = OutputManifest.load(from: output), saved.key == key,
                OutputManifest.current(key: key, names: names, in: output) == saved
            {
                logger.notice(
                    "trialdiff: \(landscape.trials.count) trials from \(read) of \(landscape.inputs.count) inputs; \(changes.summary); \(names.joined(separator: ", ")) in \(output.path) up to date"
                )
                return (landscape, status(landscape, changes))
            }
            OutputManifest.remove(from: output)
            let render: @Sendable () throws -> [String] = {
                try Pipeline.write(landscape, to: output, templates: templates, formats: formats, jobs: jobs) { done, total, writing in
                    progress?.status(
                        "rendered \(done)/\(total) outputs" + (writing.isEmpty ? "" : ", rendering \(writing.joined(separator: ", "))"),
                        force: true)
                }
            }
            let written: [String]
            if let store, !changes.isEmpty {
                // The reports are rendered and committed on a thread of their own while the
                // snapshot is encoded and inserted; the snapshot commits only after the reports
                // did, and not at all when they failed (its transaction is rolled back). With one
                // job, the reports first, then the snapshot.
                let rendering = BackgroundWork(onThread: jobs > 1, render)
                do {
                    if jobs <= 1 { _ = try rendering.value() }
                    try store.save(snapshot, label: "report", summary: changes.summary, stateHashes: stateHashes) {
                        _ = try rendering.value()
                    }
                } catch {
                    // A store that failed before the reports were done: they finish first.
                    _ = try? rendering.value()
                    throw error
                }
                written = try rendering.value()
                progress?.finish()
                steps.done("rendered \(written.joined(separator: ", ")) and saved the snapshot")
            } else {
                written = try render()
                progress?.finish()
                steps.done("rendered \(written.joined(separator: ", "))")
            }
            if let key = try keying.value(), let manifest = OutputManifest.current(key: key, names: written, in: output) {
                // Only an optimisation: when it cannot be saved, the next run renders again.
                try? manifest.save(in: output)
            }
            logger.notice(
                "trialdiff: \(landscape.trials.count) trials from \(read) of \(landscape.inputs.count) inputs; \(changes.summary); wrote \(written.joined(separator: ", ")) in \(output.path)"
            )
        } catch {
            progress?.finish()
            logger.error("\(error)")
            return (landscape, .outputFailed)
        }
        return (landscape, status(landscape, changes))
    }

    /// Adds to `snapshot` the trials of `previous` that are missing from it and whose every
    /// source file is one of the `failed` inputs (or an entry of a failed archive), with their
    /// findings and those inputs' fingerprints. Returns the trials kept.
    static func carryOver(from previous: Snapshot, into snapshot: inout Snapshot, failed: [String]) -> [TrialRef] {
        func isFailed(_ file: String) -> Bool { failed.contains { file == $0 || file.hasPrefix($0 + "/") } }
        let present = Set(snapshot.trials.refs.map(\.id))
        var kept: [SnapshotTrial] = []
        for trial in previous.trials where !present.contains(trial.id) {
            let files = trial["source_files"].map(\.csv)
            if !files.isEmpty, files.allSatisfy(isFailed) { kept.append(trial) }
        }
        guard !kept.isEmpty else { return [] }
        let ids = Set(kept.map(\.id))
        let trials = (Array(snapshot.trials) + kept).sorted { $0.id < $1.id }
        let presentInputs = Set(snapshot.inputs.map(\.path))
        let inputs = snapshot.inputs + previous.inputs.filter { isFailed($0.path) && !presentInputs.contains($0.path) }
        snapshot = Snapshot(
            trials: trials, findings: snapshot.findings + previous.findings.filter { ids.contains($0.trial) }, inputs: inputs)
        return kept.map(\.ref)
    }

    func status(_ landscape: Landscape, _ changes: ChangeSet) -> CommandStatus {
        if !landscape.failures.isEmpty { return .inputFailed }
        if failOnChange && !changes.isEmpty { return .changed }
        return .success
    }
}

/// Logs each step of a run with its wall time at debug level (`--verbose`), so a user can see
/// where a slow run spends its time. Log lines only: reports never carry timings.
struct StepClock {
    let logger: Logger
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var mark: ContinuousClock.Instant

    init(logger: Logger) {
        self.logger = logger
        start = clock.now
        mark = start
    }

    /// Logs `what` with the seconds since the previous step and since the run started.
    mutating func done(_ what: @autoclosure () -> String) {
        guard logger.logLevel <= .debug else { return }
        let now = clock.now
        logger.debug("\(what()) in \(Self.seconds(now - mark)) s (\(Self.seconds(now - start)) s since start)")
        mark = now
    }

    static func seconds(_ d: Duration) -> String {
        let (s, atto) = d.components
        return String(format: "%.2f", Double(s) + Double(atto) / 1e18)
    }
}
