import TrialModel
import TrialSupport

/// One value in a matrix cell, as a report shows it and a run records it: the display text, the
/// machine (CSV) value and the evidence behind it.
///
/// Two values mean the same when `text` and `csv` are equal; `evidence` says where the value was
/// read and is never compared (a renamed file or a moved line is not a change).
public struct CellValue: Codable, Sendable, Hashable {
    /// Human text, e.g. "≥ 50 %" or "300 mg/m²/day, days −5, −4, −3".
    public var text: String
    /// Machine value for CSV, e.g. "50" or "-5 -4 -3"; the unit is in the column name.
    public var csv: String
    public var evidence: [Evidence]

    public init(text: String, csv: String, evidence: [Evidence]) {
        self.text = text
        self.csv = csv
        self.evidence = evidence
    }

    /// What the value means, without its evidence: the identity used to compare runs.
    public var meaning: ValueMeaning { ValueMeaning(text: text, csv: csv) }

    /// Writes the value's compact, sorted-key JSON (as `StableJSONEncoder(pretty: false)` does),
    /// each evidence's file left out where it is `omittingFile`.
    public func write(to json: inout CompactJSONWriter, omittingFile: String? = nil) {
        json.raw("{\"csv\":")
        json.string(csv)
        json.raw(",\"evidence\":")
        json.array(evidence) { json, e in e.write(to: &json, omittingFile: omittingFile) }
        json.raw(",\"text\":")
        json.string(text)
        json.raw("}")
    }
}

/// A cell value as a snapshot records it (the same type: snapshots store matrix values as is).
public typealias RecordedValue = CellValue

/// The comparable part of a `RecordedValue`.
public struct ValueMeaning: Codable, Sendable, Hashable, Comparable {
    public var text: String
    public var csv: String

    public init(text: String, csv: String) {
        self.text = text
        self.csv = csv
    }

    public static func < (lhs: ValueMeaning, rhs: ValueMeaning) -> Bool { (lhs.csv, lhs.text) < (rhs.csv, rhs.text) }
}
