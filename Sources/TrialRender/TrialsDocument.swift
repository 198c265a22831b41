import Foundation
import TrialCompare
import TrialModel
import TrialSupport

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
    public var trials: TrialList
    public var matrix: Matrix

    public init(_ landscape: Landscape) {
        schema = Self.schemaID
        inputs = landscape.inputs
        trials = landscape.trials
        matrix = landscape.matrix
    }

    /// The document as stable JSON text ending in a newline.
    public func encoded() throws -> String {
        var sink = MemorySink()
        try write(into: &sink)
        return sink.text
    }

    /// Writes the bytes of ``encoded()`` to `sink` piece by piece: the trials and the matrix rows
    /// (the bulk of the document) are encoded in batches on up to `jobs` cores and written as each
    /// batch is ready, so memory holds a batch of encoded text rather than the whole document
    /// (hundreds of megabytes for a registry dump). The bytes are those of `JSONEncoder` on the
    /// whole document with ``StableJSON``'s options.
    public func write(into sink: inout some OutputSink, jobs: Int = ProcessInfo.processInfo.activeProcessorCount) throws {
        // Keys in sorted order: inputs, matrix (rows, trials), schema, trials.
        try sink.write("{\n  \"inputs\" : ")
        try sink.write(StableJSON.fragment(inputs, depth: 1))
        try sink.write(",\n  \"matrix\" : {\n    \"rows\" : ")
        try StableJSON.writeArray(matrix.rows, depth: 2, batch: 1, jobs: jobs, into: &sink)
        try sink.write(",\n    \"trials\" : ")
        try sink.write(StableJSON.fragment(matrix.trials, depth: 2))
        try sink.write("\n  },\n  \"schema\" : ")
        try sink.write(StableJSON.fragment(schema, depth: 1))
        try sink.write(",\n  \"trials\" : ")
        try StableJSON.writeArray(trials, depth: 1, batch: 64, jobs: jobs, into: &sink)
        try sink.write("\n}\n")
    }
}

/// The one JSON encoding of every document trialdiff writes: pretty-printed, sorted keys,
/// slashes unescaped, final newline — so the same value always gives the same bytes.
enum StableJSON {
    static let encoder = StableJSONEncoder(pretty: true)

    static func encode<T: Encodable>(_ value: T) throws -> String {
        do {
            return String(decoding: try encoder.encode(value), as: UTF8.self) + "\n"
        } catch {
            throw RenderError.encodingFailed(reason: "\(error)")
        }
    }

    /// The encoding of `value` as it appears nested `depth` levels deep in a pretty-printed
    /// document: inner lines and the closing bracket indented two spaces per level.
    static func fragment<T: Encodable>(_ value: T, depth: Int) throws -> [UInt8] {
        var out: [UInt8] = []
        try append(value, depth: depth, to: &out)
        return out
    }

    static func append<T: Encodable>(_ value: T, depth: Int, to out: inout [UInt8]) throws {
        do {
            try encoder.encode(value, depth: depth, into: &out)
        } catch {
            throw RenderError.encodingFailed(reason: "\(error)")
        }
    }

    /// Writes `items` as the pretty-printed array at nesting level `depth`, encoding `batch` items
    /// per task on up to `jobs` cores, a bounded number of batches at a time.
    static func writeArray<Items: RandomAccessCollection & Sendable>(
        _ items: Items, depth: Int, batch: Int, jobs: Int, into sink: inout some OutputSink
    ) throws where Items.Element: Encodable, Items.Index == Int {
        let indent = String(repeating: " ", count: 2 * depth)
        guard !items.isEmpty else {
            try sink.write("[\n\n" + indent + "]")
            return
        }
        let itemPrefix = Array((indent + "  ").utf8)
        let separator = Array(",\n".utf8)
        try sink.write("[\n")
        // Enough batches in flight to keep every core busy, few enough to bound memory.
        let wave = batch * max(1, jobs) * 4
        var start = 0
        while start < items.count {
            let end = min(items.count, start + wave)
            let encoded = try Parallel.mapChunks(count: end - start, chunk: batch, jobs: jobs) { range in
                var out: [UInt8] = []
                for i in range {
                    let index = start + i
                    if index > 0 { out += separator }
                    out += itemPrefix
                    try append(items[index], depth: depth + 1, to: &out)
                }
                return [out]
            }
            for chunk in encoded { try sink.write(chunk) }
            start = end
        }
        try sink.write("\n" + indent + "]")
    }
}
