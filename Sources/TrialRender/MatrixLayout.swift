import Foundation
import TrialCompare
import TrialModel

/// The concept a matrix row belongs to; the interactive page shows or hides each group.
enum ParameterGroup: String, CaseIterable, Sendable {
    case trial = "Trial"
    case population = "Population"
    case regimen = "Regimen"
    case limits = "Eligibility limits"
    case dates = "Dates"
    case other = "Other"

    /// CSS class and filter value: `g-population`.
    var slug: String {
        switch self {
        case .trial: "g-trial"
        case .population: "g-population"
        case .limits: "g-limits"
        case .regimen: "g-regimen"
        case .dates: "g-dates"
        case .other: "g-other"
        }
    }
}

/// One value as the reports show it: a matrix value, or several read together (an age band is
/// the minimum and the maximum), with the evidence of all of them.
struct DisplayItem {
    var text: String
    var evidence: [Evidence]
    /// The matrix values shown here: (row index in `Matrix.rows`, value index in the cell).
    var sources: [(row: Int, value: Int)]
}

/// One cell of a report row.
struct DisplayCell {
    var items: [DisplayItem]
    var isEmpty: Bool { items.isEmpty }
    /// What two cells are compared by.
    var text: String { items.map(\.text).joined(separator: "; ") }
}

/// A row of the reports' matrix: one concept, read from one or more matrix rows.
struct DisplayRow {
    enum Kind {
        /// One matrix row; values longer than `truncate` characters are cut (whole in the trial section).
        case plain(truncate: Int?)
        /// Minimum and maximum age (registry fields) with the age stated in the criteria.
        case ageBand
        /// A lymphodepletion agent: its dose row (which names the days) and its days row.
        case agent
        /// The registry's enrollment (with its kind) and the numbers the texts state, where they differ.
        case enrollment
    }

    let key: String
    let label: String
    let group: ParameterGroup
    let comparable: Bool
    let kind: Kind
    /// Indices in `Matrix.rows` this row reads, in the order `kind` expects.
    let sources: [Int]
}

/// The matrix as the Markdown and HTML reports lay it out: rows by concept in groups (trial,
/// population, limits, regimen, dates, other), trials in the selected order, and the evidence
/// footnotes numbered in reading order. matrix.csv and trials.json keep the catalog's rows.
///
/// Cells are built from the matrix on demand, one trial at a time, so that a registry-wide
/// landscape is never held as display cells: one pass counts the footnotes of each cell
/// (2 bytes a cell) and the distinct values of the differing rows.
final class MatrixLayout {
    /// Up to this many trials, parameters are rows and trials columns; above it trials are rows.
    static let columnsLayoutLimit = 12
    /// Characters of a title or an outcome shown in a matrix cell.
    static let titleLimit = 90
    static let outcomeLimit = 120

    let matrix: Matrix
    let rows: [DisplayRow]
    /// Matrix column indices in display order.
    let order: [Int]
    /// Trials are columns (few trials) or rows.
    let trialsAsColumns: Bool
    /// Per display row: whether the trials state different texts.
    private(set) var differs: [Bool]
    /// Per display row (comparable and differing only): each distinct cell text and how many trials state it.
    private(set) var valueCounts: [[String: Int]]
    /// Per display row: how many trials state nothing.
    private(set) var unstatedCounts: [Int]
    /// Evidence footnotes per (position, row), flat: `counts[position * rows.count + row]`.
    private var counts: [UInt16]
    /// Rows of the matrix nobody states (left out of the table), by label.
    let unstatedLabels: [String]
    /// Total footnotes.
    private(set) var footnoteCount = 0

    private static let specs: [(key: String, label: String?, group: ParameterGroup, kind: DisplayRow.Kind, extra: [String])] = [
        ("title", nil, .trial, .plain(truncate: titleLimit), []),
        ("product", nil, .trial, .plain(truncate: nil), []),
        ("conditions", "Indication", .trial, .plain(truncate: nil), []),
        ("phase", nil, .trial, .plain(truncate: nil), []),
        ("status", nil, .trial, .plain(truncate: nil), []),
        ("cell_type", nil, .trial, .plain(truncate: nil), []),
        ("target", nil, .trial, .plain(truncate: nil), []),
        ("enrollment", nil, .population, .enrollment, ["enrollment_in_text"]),
        ("age_min_years", "Age band", .population, .ageBand, ["age_max_years", "age_criteria_years"]),
        ("sex", nil, .population, .plain(truncate: nil), []),
        ("cell_doses", nil, .regimen, .plain(truncate: nil), []),
        ("cyclophosphamide_mg_m2", "Cyclophosphamide", .regimen, .agent, ["cyclophosphamide_days"]),
        ("fludarabine_mg_m2", "Fludarabine", .regimen, .agent, ["fludarabine_days"]),
        ("lvef_min_percent", nil, .limits, .plain(truncate: nil), []),
        ("lvef_max_percent", nil, .limits, .plain(truncate: nil), []),
        ("ecog_max", nil, .limits, .plain(truncate: nil), []),
        ("ecog_min", nil, .limits, .plain(truncate: nil), []),
        ("egfr_min_ml_min_1_73m2", nil, .limits, .plain(truncate: nil), []),
        ("egfr_max_ml_min_1_73m2", nil, .limits, .plain(truncate: nil), []),
        ("crcl_min_ml_min", nil, .limits, .plain(truncate: nil), []),
        ("crcl_max_ml_min", nil, .limits, .plain(truncate: nil), []),
        ("body_weight_min_kg", nil, .limits, .plain(truncate: nil), []),
        ("body_weight_max_kg", nil, .limits, .plain(truncate: nil), []),
        ("limits_from_exclusion", nil, .limits, .plain(truncate: nil), []),
        ("start_date", nil, .dates, .plain(truncate: nil), []),
        ("primary_completion_date", nil, .dates, .plain(truncate: nil), []),
        ("completion_date", nil, .dates, .plain(truncate: nil), []),
        ("last_update", nil, .dates, .plain(truncate: nil), []),
        ("sponsor", nil, .other, .plain(truncate: nil), []),
        ("primary_outcomes", nil, .other, .plain(truncate: outcomeLimit), []),
        ("collaborators", nil, .other, .plain(truncate: nil), []),
        ("study_type", nil, .other, .plain(truncate: nil), []),
        ("registry_ids", nil, .other, .plain(truncate: nil), []),
        ("source_files", nil, .other, .plain(truncate: nil), []),
    ]
    /// Matrix rows shown inside another row (`enrollment_type`: the enrollment text names its kind).
    private static let folded: Set<String> = ["trial_id", "enrollment_type"]

    /// `omitting` names matrix rows left out (the HTML report shows the title in the header).
    init(_ matrix: Matrix, order trialOrder: TrialOrder, omitting: Set<String> = []) {
        self.matrix = matrix
        let index = Dictionary(matrix.rows.enumerated().map { ($1.key, $0) }, uniquingKeysWith: { a, _ in a })
        func stated(_ r: Int) -> Bool { matrix.rows[r].cells.indices.contains { !matrix.rows[r].cells.isEmpty(at: $0) } }

        var rows: [DisplayRow] = []
        var used: Set<String> = Self.folded.union(omitting)
        var unstated: [String] = []
        for spec in Self.specs where !omitting.contains(spec.key) {
            guard let main = index[spec.key] else { continue }
            let sources = [main] + spec.extra.compactMap { index[$0] }
            used.formUnion([spec.key] + spec.extra)
            guard sources.contains(where: stated) else {
                unstated.append(spec.label ?? matrix.rows[main].label)
                continue
            }
            let comparable = sources.contains { matrix.rows[$0].comparable }
            rows.append(
                DisplayRow(
                    key: spec.key, label: spec.label ?? matrix.rows[main].label, group: spec.group, comparable: comparable,
                    kind: spec.kind, sources: sources))
        }
        // A parameter added to the catalog later still shows, under Other.
        for (r, row) in matrix.rows.enumerated() where !used.contains(row.key) {
            if stated(r) {
                rows.append(
                    DisplayRow(
                        key: row.key, label: row.label, group: .other, comparable: row.comparable, kind: .plain(truncate: nil),
                        sources: [r]))
            } else {
                unstated.append(row.label)
            }
        }
        self.rows = rows
        unstatedLabels = unstated
        trialsAsColumns = matrix.trials.count <= Self.columnsLayoutLimit
        order = Self.order(matrix, trialOrder, index: index)
        differs = Array(repeating: false, count: rows.count)
        valueCounts = Array(repeating: [:], count: rows.count)
        unstatedCounts = Array(repeating: 0, count: rows.count)
        counts = []
        survey()
    }

    /// Column order for `order`: a stable sort on the product's or condition's first value.
    private static func order(_ matrix: Matrix, _ order: TrialOrder, index: [String: Int]) -> [Int] {
        let key: String? =
            switch order {
            case .product: "product"
            case .condition: "conditions"
            case .id: nil
            }
        guard let key, let r = index[key] else { return Array(matrix.trials.indices) }
        let cells = matrix.rows[r].cells
        let firsts: [String?] = matrix.trials.indices.map { c in
            cells.isEmpty(at: c) ? nil : cells[c].values.first?.text.lowercased()
        }
        return matrix.trials.indices.sorted { a, b in
            switch (firsts[a], firsts[b]) {
            case (let x?, let y?) where x != y: return x < y
            case (.some, nil): return true
            case (nil, .some): return false
            default: return a < b
            }
        }
    }

    /// One pass over the trials: footnote counts per cell, and which combined rows differ and
    /// with what values.
    private func survey() {
        counts = Array(repeating: 0, count: order.count * rows.count)
        var first: [String?] = Array(repeating: nil, count: rows.count)
        var combinedDiffers = Array(repeating: false, count: rows.count)
        for (p, c) in order.enumerated() {
            let cells = self.cells(ofColumn: c)
            for r in rows.indices {
                let cell = cells[r]
                counts[p * rows.count + r] = UInt16(min(Int(UInt16.max), footnoted(rows[r], cell).count))
                guard rows[r].comparable else { continue }
                if cell.isEmpty {
                    unstatedCounts[r] += 1
                    continue
                }
                let text = cell.text
                valueCounts[r][text, default: 0] += 1
                if let f = first[r] { combinedDiffers[r] = combinedDiffers[r] || f != text } else { first[r] = text }
            }
        }
        differs = rows.indices.map { r in rows[r].comparable && combinedDiffers[r] }
        for r in rows.indices where !differs[r] { valueCounts[r] = [:] }
        footnoteCount = counts.reduce(0) { $0 + Int($1) }
    }

    /// The items of `cell` that get a footnote: those with evidence, in rows whose values are not
    /// identity (file names).
    func footnoted(_ row: DisplayRow, _ cell: DisplayCell) -> [Int] {
        guard row.key != "source_files" else { return [] }
        return cell.items.indices.filter { !cell.items[$0].evidence.isEmpty }
    }

    /// The display cells of matrix column `c`, one per row.
    func cells(ofColumn c: Int) -> [DisplayCell] {
        let column = matrix.column(c)
        return rows.map { row in Self.cell(row, column) }
    }

    static func cell(_ row: DisplayRow, _ column: [MatrixCell]) -> DisplayCell {
        switch row.kind {
        case .plain(let truncate):
            let r = row.sources[0]
            return DisplayCell(
                items: column[r].values.enumerated().map { v, value in
                    DisplayItem(
                        text: truncate.map { Self.truncated(value.text, to: $0) } ?? value.text, evidence: value.evidence,
                        sources: [(r, v)])
                })
        case .ageBand:
            return ageBand(row, column)
        case .agent:
            return agent(row, column)
        case .enrollment:
            return enrollment(row, column)
        }
    }

    /// "18–65 years" from the registry's minimum and maximum age; the criteria's age beside it,
    /// marked, when it reads differently.
    static func ageBand(_ row: DisplayRow, _ column: [MatrixCell]) -> DisplayCell {
        let minRow = row.sources[0]
        let maxRow = row.sources.count > 1 ? row.sources[1] : nil
        let criteriaRow = row.sources.count > 2 ? row.sources[2] : nil
        let mins = column[minRow].values
        let maxes = maxRow.map { column[$0].values } ?? []
        var items: [DisplayItem] = []
        if !mins.isEmpty || !maxes.isEmpty {
            let low = mins.map(\.text).joined(separator: "/")
            let high = maxes.map(\.text).joined(separator: "/")
            let text =
                switch (low.isEmpty, high.isEmpty) {
                case (false, false): "\(low)–\(high) years"
                case (false, true): "≥ \(low) years"
                default: "≤ \(high) years"
                }
            var sources = mins.indices.map { (row: minRow, value: $0) }
            if let maxRow { sources += maxes.indices.map { (row: maxRow, value: $0) } }
            items.append(DisplayItem(text: text, evidence: unique((mins + maxes).flatMap(\.evidence)), sources: sources))
        }
        if let criteriaRow {
            // The same band in the criteria (by value) adds its evidence, and any note it carries
            // ("comparator lost"); a different band is shown beside it, marked.
            let structured: String? =
                switch (mins.count, maxes.count) {
                case (1, 1): "\(mins[0].csv)-\(maxes[0].csv)"
                case (1, 0): "≥\(mins[0].csv)"
                case (0, 1): "≤\(maxes[0].csv)"
                default: nil
                }
            var differing = false
            for (v, value) in column[criteriaRow].values.enumerated() {
                if !items.isEmpty, value.csv == structured || value.text == items[0].text {
                    if value.text.hasPrefix(items[0].text), value.text != items[0].text {
                        items[0].text = value.text
                    }
                    items[0].evidence = unique(items[0].evidence + value.evidence)
                    items[0].sources.append((criteriaRow, v))
                } else {
                    differing = true
                    items.append(DisplayItem(text: value.text + " (criteria)", evidence: value.evidence, sources: [(criteriaRow, v)]))
                }
            }
            if differing, !mins.isEmpty || !maxes.isEmpty, !items.isEmpty { items[0].text += " (registry)" }
        }
        return DisplayCell(items: items)
    }

    /// "72; 36–72 (stated in text)": the enrollment (whose text names its kind) and each number
    /// stated in the summary or description that is not the same number, so that a reviewer sees
    /// 72 against "36–72" in one cell.
    static func enrollment(_ row: DisplayRow, _ column: [MatrixCell]) -> DisplayCell {
        let main = row.sources[0]
        var items = column[main].values.enumerated().map { v, value in
            DisplayItem(text: value.text, evidence: value.evidence, sources: [(main, v)])
        }
        guard row.sources.count > 1 else { return DisplayCell(items: items) }
        let textRow = row.sources[1]
        for (v, value) in column[textRow].values.enumerated() {
            if let i = column[main].values.firstIndex(where: { $0.csv == value.csv }) {
                items[i].evidence = unique(items[i].evidence + value.evidence)
                items[i].sources.append((textRow, v))
            } else {
                items.append(DisplayItem(text: value.text + " (stated in text)", evidence: value.evidence, sources: [(textRow, v)]))
            }
        }
        return DisplayCell(items: items)
    }

    /// "300 mg/m²/day × 3 (days −5 to −3)": the dose row's values (which name their days) rewritten
    /// so that the number of days and their span read at once; the days alone when no dose is stated.
    static func agent(_ row: DisplayRow, _ column: [MatrixCell]) -> DisplayCell {
        let doseRow = row.sources[0]
        let daysRow = row.sources.count > 1 ? row.sources[1] : nil
        let doses = column[doseRow].values
        if doses.isEmpty, let daysRow {
            return DisplayCell(
                items: column[daysRow].values.enumerated().map { v, value in
                    let days = Self.days(value.text)
                    return DisplayItem(
                        text: days.map(daySpan) ?? "days \(value.text)", evidence: value.evidence, sources: [(daysRow, v)])
                })
        }
        return DisplayCell(
            items: doses.enumerated().map { v, value in
                DisplayItem(text: regimen(value.text), evidence: value.evidence, sources: [(doseRow, v)])
            })
    }

    /// "300 mg/m²/day, days −5, −4, −3" → "300 mg/m²/day × 3 (days −5 to −3)"; other texts unchanged.
    static func regimen(_ text: String) -> String {
        for marker in [", days ", ", day "] {
            guard let range = text.range(of: marker, options: .backwards) else { continue }
            let dose = String(text[..<range.lowerBound])
            guard let days = days(String(text[range.upperBound...])) else { return text }
            let span = daySpan(days)
            return dose.hasSuffix("/day") ? "\(dose) × \(days.count) (\(span))" : "\(dose) (\(span))"
        }
        return text
    }

    /// Day numbers of "−5, −4, −3" (minus sign or hyphen); nil when anything else is there.
    static func days(_ text: String) -> [Int]? {
        let parts = text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: "−", with: "-") }
        let numbers = parts.compactMap { Int($0) }
        return numbers.count == parts.count && !numbers.isEmpty ? numbers : nil
    }

    /// "days −5 to −3" for consecutive days, "day −3", else "days −7, −5".
    static func daySpan(_ days: [Int]) -> String {
        func show(_ d: Int) -> String { d < 0 ? "−\(-d)" : "\(d)" }
        if days.count == 1 { return "day \(show(days[0]))" }
        let consecutive = zip(days, days.dropFirst()).allSatisfy { $1 == $0 + 1 }
        if consecutive { return "days \(show(days[0])) to \(show(days[days.count - 1]))" }
        return "days " + days.map(show).joined(separator: ", ")
    }

    /// `text` cut at a word boundary near `limit` characters, with "…".
    static func truncated(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        var cut = text.prefix(limit)
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) > limit / 2 {
            cut = cut[..<space]
        }
        return cut + " …"
    }

    private static func unique(_ evidence: [Evidence]) -> [Evidence] {
        var seen: Set<Evidence> = []
        return evidence.filter { seen.insert($0).inserted }
    }

    /// Footnotes of the cell at display `position` and `row`.
    func footnotes(position p: Int, row r: Int) -> Int { Int(counts[p * rows.count + r]) }

    /// The first footnote number of the cell at (`position`, `row`) in reading order: row by row,
    /// left to right, when trials are columns; trial by trial when they are rows. The start of
    /// each row (or trial) is kept; the rest is summed over at most one row or trial.
    func firstFootnote(position p: Int, row r: Int) -> Int {
        trialsAsColumns
            ? lineStarts[r] + (0..<p).reduce(0) { $0 + footnotes(position: $1, row: r) }
            : lineStarts[p] + (0..<r).reduce(0) { $0 + footnotes(position: p, row: $1) }
    }

    /// The first footnote of each row (trials as columns) or each trial (trials as rows).
    private lazy var lineStarts: [Int] = {
        var next = 1
        let lines = trialsAsColumns ? rows.indices : order.indices
        return lines.map { line in
            defer {
                for other in trialsAsColumns ? order.indices : rows.indices {
                    next += trialsAsColumns ? footnotes(position: other, row: line) : footnotes(position: line, row: other)
                }
            }
            return next
        }
    }()

    /// "LVEF threshold: ≥ 50 % (2 trials), ≥ 55 % (1), not stated (3)" for each differing row.
    func keyDifferences(limit: Int = 6) -> [(label: String, text: String)] {
        rows.indices.compactMap { r -> (String, String)? in
            guard differs[r] else { return nil }
            let sorted = valueCounts[r].sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            var parts: [String] = []
            for (i, entry) in sorted.prefix(limit).enumerated() {
                parts.append(i == 0 ? "\(entry.key) (\(entry.value == 1 ? "1 trial" : "\(entry.value) trials"))" : "\(entry.key) (\(entry.value))")
            }
            if sorted.count > limit { parts.append("\(sorted.count - limit) other values") }
            if unstatedCounts[r] > 0 { parts.append("not stated (\(unstatedCounts[r]))") }
            return (rows[r].label, parts.joined(separator: ", "))
        }
    }
}

/// Finds footnotes by number in reading order, and the footnote of a matrix value, building only
/// the cells it lands in: the evidence list asks for footnotes 1, 2, 3 … in turn, so the cursor
/// keeps its place (and the last trial's cells) between calls.
final class EvidenceCursor {
    let layout: MatrixLayout
    private let columnCells: [[DisplayCell]]
    /// Reading-order index of the current cell and the number of its first footnote.
    private var cellIndex = 0
    private var base = 1
    private var cached: (position: Int, cells: [DisplayCell])?
    private lazy var positionOf: [Int: Int] = Dictionary(layout.order.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })

    init(layout: MatrixLayout, columnCells: [[DisplayCell]]) {
        self.layout = layout
        self.columnCells = columnCells
    }

    private var cellCount: Int { layout.rows.count * layout.order.count }

    /// (position, row) of the reading-order cell `i`.
    private func cell(_ i: Int) -> (p: Int, r: Int) {
        let rows = layout.rows.count
        return layout.trialsAsColumns ? (i % layout.order.count, i / layout.order.count) : (i / rows, i % rows)
    }

    private func cells(position p: Int) -> [DisplayCell] {
        if !columnCells.isEmpty { return columnCells[p] }
        if let cached, cached.position == p { return cached.cells }
        let cells = layout.cells(ofColumn: layout.order[p])
        cached = (p, cells)
        return cells
    }

    /// The footnote numbered `n` (1-based): its position, row and item.
    func item(_ n: Int) -> (position: Int, row: Int, item: DisplayItem) {
        if n < base {
            cellIndex = 0
            base = 1
        }
        while cellIndex < cellCount {
            let (p, r) = cell(cellIndex)
            let count = layout.footnotes(position: p, row: r)
            if n < base + count {
                let cell = cells(position: p)[r]
                let numbered = layout.footnoted(layout.rows[r], cell)
                return (p, r, cell.items[numbered[n - base]])
            }
            base += count
            cellIndex += 1
        }
        preconditionFailure("footnote \(n) is beyond the \(layout.footnoteCount) counted")
    }

    /// The footnote number of value `value` of matrix row `key` in matrix column `column`, or nil
    /// when it has none.
    func footnote(key: String, column: Int, value: Int) -> Int? {
        guard let p = positionOf[column], let matrixRow = layout.matrix.rows.firstIndex(where: { $0.key == key }),
            let r = layout.rows.firstIndex(where: { $0.sources.contains(matrixRow) })
        else { return nil }
        let cell = cells(position: p)[r]
        let numbered = layout.footnoted(layout.rows[r], cell)
        guard let k = numbered.firstIndex(where: { i in cell.items[i].sources.contains { $0.row == matrixRow && $0.value == value } })
        else { return nil }
        return layout.firstFootnote(position: p, row: r) + k
    }

}
