import Foundation
import TrialCompare
import TrialModel

/// The `trials.json` document: everything a script needs to rebuild the report.
///
/// Encoded with sorted keys, pretty-printed, slashes unescaped, and a final newline, so the same
/// landscape always gives the same bytes. Optional model fields that are not set are omitted.
///
/// Top-level fields:
/// - `schema`: the constant `"trialdiff/trials@1"`. Fields may be added within `@1`; a field is
///   renamed, removed or changes meaning only with a new schema version.
/// - `inputs`: one ``InputSummary`` per input file, sorted by file: `file`, `format` (absent when
///   the file could not be read), `records` (trial records read), `error` (absent unless reading
///   failed) and `warnings`.
/// - `trials`: the ``Trial``s, sorted by display ID: `id`, `registryIDs`, `records` (one per
///   source record, each with its `source`, `primaryID`, extracted `parameters` and `warnings`)
///   and the merged `parameters`. Every extracted value is `{ "value": …, "evidence": [ { "file",
///   "locator", "quote" } ] }`.
/// - `matrix`: the comparison ``Matrix``: `trials` (display IDs in column order) and `rows`, one
///   per parameter in `matrix.csv` column order, each with `key`, `label`, `comparable`, `differs`
///   (two or more trials state different values) and `cells` (one per trial, each a list of
///   `values` with `text`, `csv` and `evidence`; an empty list means not stated).
public struct TrialsDocument: Codable, Sendable, Hashable {
    /// The schema identifier written to `schema`.
    public static let schemaID = "trialdiff/trials@1"

    public var schema: String
    public var inputs: [InputSummary]
    public var trials: [Trial]
    public var matrix: Matrix

    public init(_ landscape: Landscape) {
        schema = Self.schemaID
        inputs = landscape.inputs
        trials = landscape.trials
        matrix = landscape.matrix
    }

    /// The document as stable JSON text ending in a newline.
    public func encoded() throws -> String { try StableJSON.encode(self) }
}

/// The one JSON encoding of every document trialdiff writes: pretty-printed, sorted keys,
/// slashes unescaped, final newline — so the same value always gives the same bytes.
enum StableJSON {
    static func encode<T: Encodable>(_ value: T) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
        } catch {
            throw RenderError.encodingFailed(reason: "\(error)")
        }
    }
}
