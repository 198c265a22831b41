import Foundation
import TrialCompare
import TrialModel

/// The `findings.json` document: every finding of the run, for review pipelines.
///
/// - `schema`: the constant `"trialdiff/findings@1"`.
/// - `counts`: findings per severity (`error`, `warning`, `note`) and `acknowledged`.
/// - `findings`: sorted by trial, severity, rule; each with `rule` (stable id), `severity`,
///   `trial` (display ID), `message`, `evidence` (`file`, `locator`, `quote` of every value
///   involved) and, when an acknowledgement file marks it as reviewed, `acknowledged` (the reason).
public struct FindingsDocument: Codable, Sendable, Hashable {
    public static let schemaID = "trialdiff/findings@1"

    public struct Counts: Codable, Sendable, Hashable {
        public var error: Int
        public var warning: Int
        public var note: Int
        public var acknowledged: Int
    }

    public var schema: String
    public var counts: Counts
    public var findings: [Finding]

    public init(_ findings: [Finding]) {
        schema = Self.schemaID
        self.findings = findings
        counts = Counts(
            error: findings.filter { $0.severity == .error }.count,
            warning: findings.filter { $0.severity == .warning }.count,
            note: findings.filter { $0.severity == .note }.count,
            acknowledged: findings.filter { $0.acknowledged != nil }.count)
    }

    /// Stable JSON text ending in a newline.
    public func encoded() throws -> String { try StableJSON.encode(self) }
}

/// Writes `findings.csv`: header `trial_id,severity,rule,message,acknowledged,evidence`, one row
/// per finding in ``FindingsDocument`` order. `acknowledged` is the reviewer's reason (empty when
/// not acknowledged); `evidence` lists `file (locator): “quote”` entries separated by ` | `.
/// Same quoting, line endings and formula guard as ``CSVMatrix``.
public enum FindingsCSV {
    public static let header = ["trial_id", "severity", "rule", "message", "acknowledged", "evidence"]

    public static func render(_ findings: [Finding]) -> String {
        var out = header.joined(separator: ",") + CSVMatrix.lineEnding
        for f in findings {
            let evidence = f.evidence.map { "\($0.file) (\($0.locator)): “\($0.quote)”" }.joined(separator: " | ")
            let fields = [f.trial, f.severity.rawValue, f.rule, f.message, f.acknowledged ?? "", evidence]
            out += fields.map(Escape.csvField).joined(separator: ",") + CSVMatrix.lineEnding
        }
        return out
    }
}
