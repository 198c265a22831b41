import Foundation
import Logging
import TrialCompare
import TrialModel
import Yams

/// Reviewed findings, read from a small YAML file (by default `trialdiff-ack.yml` at the top of
/// each input folder):
///
/// ```yaml
/// acknowledged:
///   - rule: enrollment-mismatch      # rule id, as printed by `trialdiff check`
///     trial: NCT06464679             # trial display ID
///     reason: Summary gives the dose-escalation range; 72 is the maximum.
///     match: "36"                     # optional: only findings whose message contains this
/// ```
///
/// An acknowledged finding still shows in every report, marked with its reason, but no longer
/// fails `trialdiff check`.
public struct Acknowledgements: Sendable, Equatable {
    public struct Entry: Codable, Sendable, Equatable {
        public var rule: String
        public var trial: String
        public var reason: String
        public var match: String?
    }

    struct File: Codable { var acknowledged: [Entry]? }

    public var entries: [Entry]
    /// Where the entries came from, for messages.
    public var source: String

    /// File name looked for at the top of each input folder.
    public static let defaultFileName = "trialdiff-ack.yml"

    /// Why an acknowledgement file could not be used.
    public enum LoadError: Error, Sendable, CustomStringConvertible {
        case unreadable(path: String, reason: String)
        case invalid(path: String, reason: String)

        public var description: String {
            switch self {
            case let .unreadable(path, reason): "\(path): cannot read acknowledgements: \(reason)"
            case let .invalid(path, reason):
                "\(path): not a valid acknowledgement file (expected `acknowledged:` with rule, trial and reason entries): \(reason)"
            }
        }
    }

    public init(entries: [Entry], source: String) {
        self.entries = entries
        self.source = source
    }

    /// Parses the YAML file at `path`.
    public static func load(path: String) throws -> Acknowledgements {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw LoadError.unreadable(path: path, reason: error.localizedDescription)
        }
        do {
            let file = try YAMLDecoder().decode(File.self, from: text)
            return Acknowledgements(entries: file.acknowledged ?? [], source: path)
        } catch {
            throw LoadError.invalid(path: path, reason: "\(error)")
        }
    }

    /// The acknowledgement files of a run: `explicit` when given, else `trialdiff-ack.yml` in
    /// each input folder that has one.
    public static func discover(paths: [String], explicit: String?, root: URL? = nil) throws -> Acknowledgements {
        if let explicit { return try load(path: explicit) }
        var entries: [Entry] = []
        var sources: [String] = []
        for p in paths {
            let candidate = InputCollector.url(for: p, root: root).appendingPathComponent(defaultFileName).path
            guard FileManager.default.fileExists(atPath: candidate) else { continue }
            let loaded = try load(path: candidate)
            entries += loaded.entries
            sources.append((p as NSString).appendingPathComponent(defaultFileName))
        }
        return Acknowledgements(entries: entries, source: sources.joined(separator: ", "))
    }

    /// Marks the findings these entries acknowledge. Returns warnings for entries that name an
    /// unknown rule or match no finding (stale acknowledgements are worth a look too).
    public func apply(to findings: inout [Finding]) -> [String] {
        var used = Array(repeating: false, count: entries.count)
        for i in findings.indices {
            for (j, e) in entries.enumerated()
            where e.rule == findings[i].rule && e.trial == findings[i].trial
                && (e.match.map { findings[i].message.contains($0) } ?? true)
            {
                findings[i].acknowledged = e.reason
                used[j] = true
                break
            }
        }
        var warnings: [String] = []
        let known = Set(FindingRules.allIDs)
        for (j, e) in entries.enumerated() {
            if !known.contains(e.rule) {
                warnings.append("\(source): unknown rule '\(e.rule)' (known: \(known.sorted().joined(separator: ", ")))")
            } else if !used[j] {
                warnings.append("\(source): acknowledgement of \(e.rule) for \(e.trial) matches no finding")
            }
        }
        return warnings
    }
}

extension Pipeline {
    /// The step every reviewing command shares after reading: log each failed input (one error
    /// naming the file) and each reader warning, then mark acknowledged findings. Throws when the
    /// acknowledgement file is unusable (already logged).
    static func review(
        _ landscape: inout Landscape, paths: [String], ackFile: String?, root: URL?, logger: Logger
    ) throws {
        for failure in landscape.failures { logger.error("\(failure.error ?? failure.file)") }
        for input in landscape.inputs {
            for w in input.warnings { logger.info("\(input.file): \(w)") }
        }
        do {
            let acks = try Acknowledgements.discover(paths: paths, explicit: ackFile, root: root)
            for w in acks.apply(to: &landscape.findings) { logger.warning("\(w)") }
        } catch {
            logger.error("\(error)")
            throw error
        }
    }
}
