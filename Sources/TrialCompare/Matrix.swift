import Foundation
import TrialModel
import TrialSupport

/// The values of one parameter for one trial; empty = not stated.
public struct MatrixCell: Codable, Sendable, Hashable {
    public var values: [CellValue]

    public init(values: [CellValue]) { self.values = values }

    public var isEmpty: Bool { values.isEmpty }
    /// Display texts joined; "" when not stated.
    public var text: String { values.map(\.text).joined(separator: "; ") }
    /// CSV texts joined with ";" (distinct, in order).
    public var csv: String {
        var seen: [String] = []
        for v in values where !v.csv.isEmpty && !seen.contains(v.csv) { seen.append(v.csv) }
        return seen.joined(separator: ";")
    }
}

/// A row of the landscape: one parameter across all trials.
public struct MatrixRow: Codable, Sendable, Hashable {
    /// Stable snake_case key, also the CSV column name (unit in the name).
    public var key: String
    /// Label shown in reports.
    public var label: String
    /// True when at least two trials state different values.
    public var differs: Bool
    /// True when the parameter is compared across trials (IDs, titles and file names are not).
    public var comparable: Bool
    /// One cell per trial, in `Matrix.trials` order.
    public var cells: MatrixCells
}

/// The trials × parameters matrix.
public struct Matrix: Codable, Sendable, Hashable {
    /// Trial display IDs, in column order.
    public var trials: [String]
    public var rows: [MatrixRow]

    /// Builds the matrix for `trials` with every parameter of `ParameterCatalog.all`.
    public init(trials: [Trial]) {
        var summary = Summary()
        let columns = trials.map { trial in
            let cells = Self.cells(of: trial)
            summary.add(cells)
            return MatrixColumns.Column.memory(cells)
        }
        self.init(trials: trials.map(\.id.value), columns: MatrixColumns(columns, file: nil), summary: summary)
    }

    /// The cells of one trial, in `ParameterCatalog.all` order.
    static func cells(of trial: Trial) -> [MatrixCell] {
        ParameterCatalog.all.map { MatrixCell(values: $0.values(trial)) }
    }

    /// Whether each row's stated texts differ, over consecutive trials: built chunk by chunk on
    /// all cores and folded in trial order, so that no pass collects every distinct text.
    struct Summary: Sendable {
        /// Per row of `ParameterCatalog.all`: the first stated text, and whether a later one differs.
        private var first: [String?] = Array(repeating: nil, count: ParameterCatalog.all.count)
        private(set) var differs: [Bool] = Array(repeating: false, count: ParameterCatalog.all.count)

        /// Adds the next trial's column.
        mutating func add(_ column: [MatrixCell]) {
            for (r, def) in ParameterCatalog.all.enumerated() where def.comparable && !differs[r] && !column[r].isEmpty {
                let text = column[r].text
                if let first = first[r] { differs[r] = text != first } else { first[r] = text }
            }
        }

        /// Adds the next trial's stored `column` (from `file`), reading it only when a row it
        /// states could still change the summary: in a large landscape every comparable row soon
        /// differs, and the columns that follow are then never read back.
        mutating func add(_ column: MatrixColumns.Column, file: SpillFile?) {
            switch column {
            case .memory(let cells):
                add(cells)
            case .stored(_, let stated):
                let open = ParameterCatalog.all.indices.contains { r in
                    ParameterCatalog.all[r].comparable && !differs[r] && stated & (1 << UInt64(r)) != 0
                }
                if open { add(MatrixColumns.cells(of: column, file: file)) }
            }
        }

        /// Adds the summary of the trials that follow.
        mutating func add(_ next: Summary) {
            for r in first.indices {
                if let a = first[r], let b = next.first[r], a != b { differs[r] = true }
                differs[r] = differs[r] || next.differs[r]
                if first[r] == nil { first[r] = next.first[r] }
            }
        }
    }

    /// The matrix of trials `ids` whose cells are `columns` (one per trial, each in
    /// `ParameterCatalog.all` order), with `summary` of those columns.
    init(trials ids: [String], columns: MatrixColumns, summary: Summary) {
        precondition(ids.count == columns.count, "one column per trial")
        trials = ids
        rows = ParameterCatalog.all.enumerated().map { r, def in
            MatrixRow(
                key: def.key, label: def.label, differs: summary.differs[r], comparable: def.comparable,
                cells: MatrixCells(columns: columns, row: r))
        }
    }

    /// The matrix with the columns of `extra` trials (cells in `ParameterCatalog.all` order, as a
    /// snapshot recorded them) added in display-ID order, and which rows differ worked out
    /// again. A run keeps the trials of inputs it could not read this way, from the last run.
    public func adding(_ extra: [(id: String, cells: [MatrixCell])]) -> Matrix {
        guard !extra.isEmpty else { return self }
        let shared = rows.first?.cells.columns
        let reusable = shared.map { columns in rows.indices.allSatisfy { rows[$0].cells.isRow($0, of: columns) } } ?? false
        var entries: [(id: String, column: MatrixColumns.Column)] = trials.indices.map { i in
            (trials[i], reusable ? shared!.columns[i] : .memory(column(i)))
        }
        entries += extra.map { ($0.id, MatrixColumns.Column.memory($0.cells)) }
        entries.sort { $0.id < $1.id }
        let file = reusable ? shared?.file : nil
        var summary = Summary()
        for entry in entries { summary.add(entry.column, file: file) }
        return Matrix(trials: entries.map(\.id), columns: MatrixColumns(entries.map(\.column), file: file), summary: summary)
    }

    /// The row with `key`.
    public func row(_ key: String) -> MatrixRow? { rows.first { $0.key == key } }

    /// The cell for `key` and trial `id`.
    public func cell(_ key: String, trial id: String) -> MatrixCell? {
        guard let row = row(key), let i = trials.firstIndex(of: id) else { return nil }
        return row.cells[i]
    }

    /// The cells of the trial at `index`, one per row: a stored column is read once, not once
    /// per row (walk trials with this, rows with `rows[r].cells`).
    public func column(_ index: Int) -> [MatrixCell] {
        if let columns = rows.first?.cells.columns, columns.rowCount == rows.count,
            rows.indices.allSatisfy({ rows[$0].cells.isRow($0, of: columns) })
        {
            return columns.column(index)
        }
        return rows.map { $0.cells[index] }
    }
}

/// The cells of one matrix row, one per trial in `Matrix.trials` order: an array, or a row of
/// the matrix's ``MatrixColumns`` read on access.
public struct MatrixCells: ArrayEquivalent, Sendable {
    private enum Storage: Sendable {
        case array([MatrixCell])
        case columns(MatrixColumns, row: Int)
    }

    private let storage: Storage

    /// The cells `cells`.
    public init(_ cells: [MatrixCell]) { storage = .array(cells) }

    /// Row `row` of `columns`.
    init(columns: MatrixColumns, row: Int) { storage = .columns(columns, row: row) }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .array(let cells): cells.count
        case .columns(let columns, _): columns.count
        }
    }

    public subscript(position: Int) -> MatrixCell {
        switch storage {
        case .array(let cells): cells[position]
        case .columns(let columns, let row): columns.cell(row: row, column: position)
        }
    }

    /// True when trial `position` states nothing here; known without reading a stored column.
    public func isEmpty(at position: Int) -> Bool {
        switch storage {
        case .array(let cells): cells[position].isEmpty
        case .columns(let columns, let row): columns.isEmpty(row: row, column: position)
        }
    }

    /// The columns this row is read from, if any.
    var columns: MatrixColumns? {
        if case .columns(let columns, _) = storage { return columns }
        return nil
    }

    /// True when these cells are row `row` of `columns`.
    func isRow(_ row: Int, of columns: MatrixColumns) -> Bool {
        if case .columns(let own, let r) = storage { return own === columns && r == row }
        return false
    }
}

/// The matrix's cells, trial by trial.
///
/// A landscape held in memory keeps each trial's column as an array. A landscape whose trials
/// are read from a spill file (a registry dump) writes each column there as one blob and keeps
/// its location and which rows it states: 32 bytes per trial instead of the 4 KB or so of
/// values and quotes that made the matrix most of a 100k-trial run's memory. Reports walk a
/// stored matrix row by row, reading the column of each stated cell; the CSV and the snapshot
/// walk it trial by trial (`Matrix.column(_:)`), reading each column once.
///
/// A blob is the column's cells as a ``ByteCoding/blob(_:)``, one slice per row, so that one cell
/// is read alone: each cell's values in ``CellCoding`` (nothing for an empty cell).
final class MatrixColumns: Sendable {
    enum Column: Sendable {
        case memory([MatrixCell])
        /// The blob's location and a bit per row that states a value.
        case stored(SpillFile.Location, stated: UInt64)
    }

    let columns: [Column]
    let file: SpillFile?
    let rowCount = ParameterCatalog.all.count

    init(_ columns: [Column], file: SpillFile?) {
        self.columns = columns
        self.file = file
    }

    var count: Int { columns.count }

    /// `cells` written to `file` when there is one and it takes them, else kept in memory (a
    /// full disk costs memory, not the run).
    static func store(_ cells: [MatrixCell], in file: SpillFile?) -> Column {
        guard let file, cells.count <= UInt64.bitWidth, let location = try? file.append(blob(cells)) else {
            return .memory(cells)
        }
        var stated: UInt64 = 0
        for (r, cell) in cells.enumerated() where !cell.isEmpty { stated |= 1 << UInt64(r) }
        return .stored(location, stated: stated)
    }

    static func blob(_ cells: [MatrixCell]) -> [UInt8] {
        ByteCoding.blob(
            cells.map { cell in
                var bytes: [UInt8] = []
                CellCoding.append(cell.values, to: &bytes)
                return bytes
            })
    }

    func isEmpty(row: Int, column: Int) -> Bool {
        switch columns[column] {
        case .memory(let cells): cells[row].isEmpty
        case .stored(_, let stated): stated & (1 << UInt64(row)) == 0
        }
    }

    func cell(row: Int, column: Int) -> MatrixCell {
        switch columns[column] {
        case .memory(let cells):
            return cells[row]
        case .stored(let location, let stated):
            guard stated & (1 << UInt64(row)) != 0 else { return MatrixCell(values: []) }
            return Self.read(location, in: file) { decode in try decode(row) }
        }
    }

    /// Every cell of trial `column`, one read.
    func column(_ column: Int) -> [MatrixCell] { Self.cells(of: columns[column], file: file) }

    /// Every cell of `column`, reading it from `file` when it is stored there.
    static func cells(of column: Column, file: SpillFile?) -> [MatrixCell] {
        switch column {
        case .memory(let cells):
            return cells
        case .stored(let location, let stated):
            return read(location, in: file) { decode in
                try (0..<ParameterCatalog.all.count).map { r in
                    stated & (1 << UInt64(r)) == 0 ? MatrixCell(values: []) : try decode(r)
                }
            }
        }
    }

    /// `body` given a function that decodes row `r` of the blob at `location` in `file`.
    private static func read<R>(
        _ location: SpillFile.Location, in file: SpillFile?, _ body: ((Int) throws -> MatrixCell) throws -> R
    ) -> R {
        let rowCount = ParameterCatalog.all.count
        do {
            let blob = try file!.read(location)
            return try blob.withUnsafeBytes { bytes in
                try body { r in MatrixCell(values: try CellCoding.decode(try ByteCoding.slice(r, of: rowCount, in: bytes))) }
            }
        } catch {
            // The run's own unlinked file, written moments ago: failing to read it back is an
            // I/O fault the run cannot report around.
            fatalError("trialdiff: cannot read a matrix column back from the spill file: \(error)")
        }
    }
}

/// The binary form of a cell's values in a stored matrix column: read back for every cell a
/// report or the snapshot visits, so it is decoded without parsing (JSON took 70 µs a column).
///
/// A count or length is an unsigned LEB128 varint; a string is its UTF-8 length, then its bytes.
/// Values: their count, then per value `text`, `csv`, the evidence count and per evidence
/// `file`, `locator`, `quote`. A `file` is written as its length plus one, then its bytes, or
/// as 0 when it equals the cell's previous evidence file (read back as the same string: a
/// record's quotes all name its one file).
enum CellCoding {
    static func append(_ values: [CellValue], to out: inout [UInt8]) {
        guard !values.isEmpty else { return }
        ByteCoding.appendVarint(values.count, to: &out)
        var previousFile: String?
        for value in values {
            ByteCoding.appendString(value.text, to: &out)
            ByteCoding.appendString(value.csv, to: &out)
            ByteCoding.appendVarint(value.evidence.count, to: &out)
            for e in value.evidence {
                if e.file == previousFile {
                    ByteCoding.appendVarint(0, to: &out)
                } else {
                    ByteCoding.appendVarint(e.file.utf8.count + 1, to: &out)
                    out.append(contentsOf: e.file.utf8)
                    previousFile = e.file
                }
                ByteCoding.appendString(e.locator, to: &out)
                ByteCoding.appendString(e.quote, to: &out)
            }
        }
    }

    static func decode(_ bytes: UnsafeRawBufferPointer) throws -> [CellValue] {
        guard !bytes.isEmpty else { return [] }
        var reader = ByteCoding.Reader(bytes: bytes)
        let count = try reader.varint()
        var values: [CellValue] = []
        values.reserveCapacity(min(count, bytes.count))
        var previousFile = ""
        for _ in 0..<count {
            let text = try reader.string()
            let csv = try reader.string()
            let evidenceCount = try reader.varint()
            var evidence: [Evidence] = []
            evidence.reserveCapacity(min(evidenceCount, bytes.count))
            for _ in 0..<evidenceCount {
                let marker = try reader.varint()
                if marker > 0 { previousFile = try reader.string(length: marker - 1) }
                evidence.append(Evidence(file: previousFile, locator: try reader.string(), quote: try reader.string()))
            }
            values.append(CellValue(text: text, csv: csv, evidence: evidence))
        }
        guard reader.isAtEnd else { throw ByteCoding.Corrupt() }
        return values
    }
}
