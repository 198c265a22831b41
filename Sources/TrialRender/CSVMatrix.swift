import TrialCompare
import TrialModel
import TrialSupport

/// Writes `matrix.csv`.
///
/// - One header row, then one row per trial in ``Matrix/trials`` order.
/// - Columns are the keys of ``Matrix/rows`` in order; ``ParameterCatalog/stableHeader`` is the
///   documented prefix that scripts depend on, and later columns are only ever appended.
/// - A cell is ``MatrixCell/csv``: machine values (units are in the column name), several values
///   joined with `;`; an empty cell means the trial does not state the parameter.
/// - RFC 4180: records end with CRLF (`\r\n`), including the last one; a field is quoted when it
///   contains `,`, `"`, CR or LF, with inner quotes doubled. UTF-8 without a byte order mark.
/// - Formula-injection guard: a text cell starting with `=`, `+`, `-`, `@`, tab or CR is prefixed
///   with `'`; plainly numeric cells such as `-3`, `-5 -4 -3` or `300-450` are left as they are
///   (see ``Escape/csvFormulaGuard(_:)``).
public enum CSVMatrix {
    /// The record separator.
    public static let lineEnding = "\r\n"

    public static func render(_ matrix: Matrix) -> String {
        var sink = MemorySink()
        try? write(matrix, into: &sink)  // a MemorySink never throws
        return sink.text
    }

    /// Writes the same bytes as ``render(_:)`` into `sink` in batches of `batch` rows, built on up
    /// to `jobs` cores a bounded number of batches at a time, so a matrix of a registry dump is
    /// never held whole as text and its stored columns are read back on every core.
    public static func write(
        _ matrix: Matrix, into sink: inout some OutputSink, jobs: Int = 1, batch: Int = 256
    ) throws {
        try sink.write(matrix.rows.map { Escape.csvField($0.key) }.joined(separator: ",") + lineEnding)
        // Enough batches in flight to keep every core busy, few enough to bound memory.
        let wave = max(1, batch) * max(1, jobs) * 4
        var start = 0
        while start < matrix.trials.count {
            let end = min(matrix.trials.count, start + wave)
            let rows = Parallel.mapChunks(count: end - start, chunk: batch, jobs: jobs) { range in
                var out = ""
                for i in range {
                    out += matrix.column(start + i).map { Escape.csvField($0.csv) }.joined(separator: ",") + lineEnding
                }
                return [out]
            }
            for text in rows { try sink.write(text) }
            start = end
        }
    }
}
