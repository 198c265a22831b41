import TrialCompare

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

    /// Writes the same bytes as ``render(_:)`` into `sink` in pieces of whole rows of at least
    /// `piece` bytes (default 256 KiB), so a matrix of a registry dump is never held whole as text.
    public static func write(_ matrix: Matrix, into sink: inout some OutputSink, piece: Int = 256 * 1024) throws {
        var out = matrix.rows.map { Escape.csvField($0.key) }.joined(separator: ",") + lineEnding
        for index in matrix.trials.indices {
            out += matrix.column(index).map { Escape.csvField($0.csv) }.joined(separator: ",") + lineEnding
            if out.utf8.count >= piece {
                try sink.write(out)
                out = ""
            }
        }
        if !out.isEmpty { try sink.write(out) }
    }
}
