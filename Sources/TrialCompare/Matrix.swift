import Foundation
import TrialModel

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
    public var cells: [MatrixCell]
}

/// The trials × parameters matrix.
public struct Matrix: Codable, Sendable, Hashable {
    /// Trial display IDs, in column order.
    public var trials: [String]
    public var rows: [MatrixRow]

    /// Builds the matrix for `trials` with every parameter of `ParameterCatalog.all`.
    public init(trials: [Trial]) { self.init(trials: trials.map(\.id.value), columns: trials.map(Self.column)) }

    /// The cells of one trial, in `ParameterCatalog.all` order.
    static func column(_ trial: Trial) -> [MatrixCell] {
        ParameterCatalog.all.map { MatrixCell(values: $0.values(trial)) }
    }

    /// The matrix of trials `ids` whose cells are `columns` (one per trial, each in
    /// `ParameterCatalog.all` order).
    init(trials ids: [String], columns: [[MatrixCell]]) {
        precondition(ids.count == columns.count, "one column per trial")
        trials = ids
        let catalog = ParameterCatalog.all
        rows = catalog.indices.map { r in
            let def = catalog[r]
            var cells: [MatrixCell] = []
            cells.reserveCapacity(columns.count)
            // Whether two trials state different values, without collecting every distinct text.
            var first: String?
            var differs = false
            for column in columns {
                let cell = column[r]
                cells.append(cell)
                guard def.comparable, !differs, !cell.isEmpty else { continue }
                let text = cell.text
                if let first { differs = text != first } else { first = text }
            }
            return MatrixRow(key: def.key, label: def.label, differs: differs, comparable: def.comparable, cells: cells)
        }
    }

    /// The row with `key`.
    public func row(_ key: String) -> MatrixRow? { rows.first { $0.key == key } }

    /// The cell for `key` and trial `id`.
    public func cell(_ key: String, trial id: String) -> MatrixCell? {
        guard let row = row(key), let i = trials.firstIndex(of: id) else { return nil }
        return row.cells[i]
    }
}
