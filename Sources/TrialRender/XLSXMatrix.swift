import Foundation
import TrialCompare
import TrialModel
import TrialSupport

/// Writes `matrix.xlsx`: the landscape as a spreadsheet for medical writers, who filter and
/// annotate in Excel rather than read CSV.
///
/// - "Matrix": the cells of `matrix.csv` in the same orientation (one row per trial, one column
///   per parameter), under a bold header of parameter labels; panes frozen at B2, a filter on
///   the header, and the columns where trials differ shaded light amber (#FFE699: a light grey in
///   print, told apart by lightness rather than hue). A plain decimal (`50`, `-5`, `0.5`) is a
///   number cell; everything else, including text starting with `=`, `+`, `-` or `@`, a string
///   cell, never a formula.
/// - "Evidence": Trial, Parameter, Value, File, Locator, Quote: one row per piece of evidence of
///   each value, in matrix order.
/// - "Findings": what `findings.csv` holds, one row per piece of evidence.
/// - "Glossary": each matrix column's label, CSV key, meaning, unit and whether it is compared,
///   then the legend of the shading.
///
/// Text is cut to Excel's 32,767 characters with "…" and stripped of control characters other
/// than tab and line feed. The same landscape gives byte-identical files (see ``XLSXWorkbook``).
public enum XLSXMatrix {
    /// The file name, used in errors.
    public static let fileName = "matrix.xlsx"
    /// The fill of columns whose trials differ (RGB): light amber.
    public static let differsFill: UInt32 = 0xFFE6_99
    /// What the shading means, in the Glossary.
    public static let legend =
        "Shaded columns (light amber) in the Matrix sheet are parameters whose stated values differ between trials."

    /// The workbook's bytes. Written through a uniquely named file in the temporary folder
    /// (libxlsxwriter 1.1.4 writes only to files), which is removed.
    public static func render(_ landscape: Landscape) throws -> [UInt8] {
        var sink = MemorySink()
        try write(landscape, into: &sink)
        return sink.bytes
    }

    /// Writes the workbook's bytes into `sink` in pieces of at most 1 MiB, so the file is never
    /// held whole in memory.
    public static func write(_ landscape: Landscape, into sink: inout some OutputSink) throws {
        let folder = FileManager.default.temporaryDirectory
        let url = folder.appendingPathComponent("trialdiff-\(UUID().uuidString)-\(fileName)")
        defer { try? FileManager.default.removeItem(at: url) }
        try build(landscape, path: url.path, temporaryFolder: folder.path)
        guard let handle = FileHandle(forReadingAtPath: url.path) else {
            throw XLSXError(file: fileName, operation: "reading the workbook back", code: 0, reason: "cannot open \(url.path)")
        }
        defer { try? handle.close() }
        while true {
            let chunk: Data
            do {
                guard let read = try handle.read(upToCount: 1 << 20), !read.isEmpty else { break }
                chunk = read
            } catch {
                throw XLSXError(file: fileName, operation: "reading the workbook back", code: 0, reason: "\(error)")
            }
            try chunk.withUnsafeBytes { try sink.write($0) }
        }
    }

    /// Writes the workbook of `landscape` to `path`.
    static func build(_ landscape: Landscape, path: String, temporaryFolder: String) throws {
        let book = try XLSXWorkbook(path: path, name: fileName, temporaryFolder: temporaryFolder)
        try writeMatrix(landscape.matrix, into: book)
        try writeEvidence(landscape.matrix, into: book)
        try writeFindings(landscape.findings, into: book)
        try writeGlossary(landscape.matrix, into: book)
        try book.close()
    }

    // MARK: Matrix

    static func writeMatrix(_ matrix: Matrix, into book: XLSXWorkbook) throws {
        let sheet = try book.addWorksheet("Matrix")
        let header = try book.format(XLSXStyle(bold: true, wrap: true, alignTop: true, bottomBorder: true))
        let headerDiffers = try book.format(XLSXStyle(bold: true, wrap: true, alignTop: true, bottomBorder: true, fill: differsFill))
        let differs = try book.format(XLSXStyle(fill: differsFill))
        let rows = matrix.rows
        guard !rows.isEmpty else { return }
        // Widths from the labels and the first trials' values: a registry dump's columns are
        // not read twice.
        var widths = rows.map { row in Double(row.label.split(separator: " ").map(\.count).max() ?? 0) }
        for t in 0..<min(matrix.trials.count, 500) {
            for (c, cell) in matrix.column(t).enumerated() where c < widths.count {
                widths[c] = max(widths[c], Double(cell.csv.count))
            }
        }
        for (c, row) in rows.enumerated() {
            try sheet.setColumns(c...c, width: min(50, max(8, widths[c] + 2)), format: row.differs ? differs : nil)
        }
        try sheet.setRow(0, height: 30)
        for (c, row) in rows.enumerated() {
            try sheet.write(row.label, row: 0, column: c, format: row.differs ? headerDiffers : header)
        }
        let count = min(matrix.trials.count, XLSXWorkbook.maxRows - 1)
        for t in 0..<count {
            for (c, cell) in matrix.column(t).enumerated() where c < rows.count {
                let text = cell.csv
                guard !text.isEmpty else { continue }
                let format = rows[c].differs ? differs : nil
                if let number = plainNumber(text) {
                    try sheet.write(number: number, row: t + 1, column: c, format: format)
                } else {
                    try sheet.write(text, row: t + 1, column: c, format: format)
                }
            }
        }
        try sheet.freezePanes(row: 1, column: 1)
        try sheet.autofilter(firstRow: 0, lastRow: count, columns: 0...(rows.count - 1))
    }

    /// The value of `text` when it is a plain decimal that a number cell shows as the same text:
    /// an optional `-`, no leading zero, no trailing fractional zero, at most 15 digits (a
    /// double's exact range). "007", "1.50", "-0", "300-450" and "1e5" stay text.
    public static func plainNumber(_ text: String) -> Double? {
        let bytes = Array(text.utf8)
        var i = bytes.first == UInt8(ascii: "-") ? 1 : 0
        let digitsStart = i
        func isDigit(_ b: UInt8) -> Bool { b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") }
        while i < bytes.count, isDigit(bytes[i]) { i += 1 }
        let integer = bytes[digitsStart..<i]
        guard !integer.isEmpty, integer.count == 1 || integer.first != UInt8(ascii: "0") else { return nil }
        var digits = integer.count
        if i < bytes.count {
            guard bytes[i] == UInt8(ascii: "."), i + 1 < bytes.count else { return nil }
            let fraction = bytes[(i + 1)...]
            guard fraction.allSatisfy(isDigit), fraction.last != UInt8(ascii: "0") else { return nil }
            digits += fraction.count
        }
        guard digits <= 15, let value = Double(text), !(value == 0 && digitsStart == 1) else { return nil }
        return value
    }

    // MARK: Evidence and findings

    static func writeEvidence(_ matrix: Matrix, into book: XLSXWorkbook) throws {
        let sheet = try book.addWorksheet("Evidence")
        var table = try Table(sheet: sheet, book: book, columns: ["Trial", "Parameter", "Value", "File", "Locator", "Quote"])
        try table.size([14, 22, 28, 28, 40, 80])
        for t in matrix.trials.indices {
            for (c, cell) in matrix.column(t).enumerated() where c < matrix.rows.count {
                for value in cell.values {
                    for e in value.evidence {
                        guard try table.add([matrix.trials[t], matrix.rows[c].label, value.text, e.file, e.locator, e.quote]) else {
                            return try table.finish()
                        }
                    }
                }
            }
        }
        try table.finish()
    }

    static func writeFindings(_ findings: [Finding], into book: XLSXWorkbook) throws {
        let sheet = try book.addWorksheet("Findings")
        var table = try Table(
            sheet: sheet, book: book, columns: ["Trial", "Severity", "Rule", "Message", "Acknowledged", "File", "Locator", "Quote"])
        try table.size([14, 10, 24, 60, 24, 28, 40, 80])
        for f in findings {
            let head = [f.trial, f.severity.rawValue, f.rule, f.message, f.acknowledged ?? ""]
            let pieces = f.evidence.isEmpty ? [nil] : f.evidence.map(Optional.some)
            for e in pieces {
                guard try table.add(head + [e?.file ?? "", e?.locator ?? "", e?.quote ?? ""]) else { return try table.finish() }
            }
        }
        try table.finish()
    }

    /// A sheet of string rows under a bold, filtered, frozen header; past Excel's last row it
    /// ends with a row saying how many were left out (the JSON outputs have them all).
    struct Table {
        let sheet: XLSXWorksheet
        let columns: Int
        private(set) var row = 1
        private var omitted = 0

        init(sheet: XLSXWorksheet, book: XLSXWorkbook, columns names: [String]) throws {
            self.sheet = sheet
            columns = names.count
            let header = try book.format(XLSXStyle(bold: true, wrap: true, alignTop: true, bottomBorder: true))
            for (c, name) in names.enumerated() { try sheet.write(name, row: 0, column: c, format: header) }
        }

        func size(_ widths: [Double]) throws {
            for (c, width) in widths.enumerated() { try sheet.setColumns(c...c, width: width) }
        }

        /// Adds a row; false once the sheet is full (the caller stops and calls ``finish()``).
        mutating func add(_ values: [String]) throws -> Bool {
            guard row < XLSXWorkbook.maxRows - 1 else {
                omitted += 1
                return false
            }
            for (c, value) in values.enumerated() where !value.isEmpty { try sheet.write(value, row: row, column: c) }
            row += 1
            return true
        }

        func finish() throws {
            if omitted > 0 {
                try sheet.write("More rows than a sheet holds; the rest are in trials.json and findings.json.", row: row, column: 0)
            }
            try sheet.freezePanes(row: 1, column: 0)
            try sheet.autofilter(firstRow: 0, lastRow: row - 1, columns: 0...(columns - 1))
        }
    }

    // MARK: Glossary

    static func writeGlossary(_ matrix: Matrix, into book: XLSXWorkbook) throws {
        let sheet = try book.addWorksheet("Glossary")
        var table = try Table(sheet: sheet, book: book, columns: ["Column", "Key", "Meaning", "Unit", "Compared"])
        try table.size([26, 26, 80, 18, 10])
        for row in matrix.rows {
            let entry = glossary[row.key]
            _ = try table.add([row.label, row.key, entry?.meaning ?? row.label, entry?.unit ?? "", row.comparable ? "yes" : "no"])
        }
        let legendRow = table.row + 1
        try table.finish()
        let shaded = try book.format(XLSXStyle(fill: differsFill))
        try sheet.write("Shaded", row: legendRow, column: 0, format: shaded)
        try sheet.write(legend, row: legendRow, column: 2)
    }

    /// What each matrix column means and its unit (empty when it has none), by CSV key; a key
    /// without an entry is explained by its label.
    static let glossary: [String: (meaning: String, unit: String)] = [
        "trial_id": ("The trial's display ID: its registry ID, or TD-… derived from the file path when it has none.", ""),
        "registry_ids": ("Every registry ID of the trial (NCT, EudraCT/CTIS, ChiCTR, ISRCTN, sponsor protocol number).", ""),
        "source_files": ("The input files the trial's records were read from.", ""),
        "title": ("The trial's titles as registered.", ""),
        "product": ("The product or intervention studied, e.g. KN5501.", ""),
        "sponsor": ("The lead sponsor.", ""),
        "status": ("The overall recruitment status, in the registry's code.", ""),
        "phase": ("The trial phase.", ""),
        "enrollment": ("Planned or actual number of participants; from the text when no field states it.", "participants"),
        "enrollment_type": ("Whether the enrollment is planned (estimated) or actual; \"text\" when read from the text.", ""),
        "age_min_years": ("The youngest age admitted: the structured band, else the criteria.", "years"),
        "age_max_years": ("The oldest age admitted: the structured band, else the criteria.", "years"),
        "sex": ("The sexes admitted.", ""),
        "lvef_min_percent": ("The lowest left ventricular ejection fraction with which a patient may enter.", "%"),
        "ecog_max": ("The highest ECOG performance status allowed (\"0-1\" → 1).", "ECOG grade"),
        "cyclophosphamide_mg_m2": ("Lymphodepleting cyclophosphamide dose; another unit is written in the cell.", "mg/m² per dose or day"),
        "cyclophosphamide_days": ("The days cyclophosphamide is given, relative to cell infusion (day 0).", "day"),
        "fludarabine_mg_m2": ("Lymphodepleting fludarabine dose; another unit is written in the cell.", "mg/m² per dose or day"),
        "cell_doses": ("The cell dose levels studied.", "cells or cells/kg, as stated"),
        "fludarabine_days": ("The days fludarabine is given, relative to cell infusion (day 0).", "day"),
        "cell_type": ("The kind of cell product, e.g. CAR-NK or CAR-T.", ""),
        "target": ("The antigen the product targets, e.g. CD19.", ""),
        "collaborators": ("Collaborating organisations.", ""),
        "conditions": ("The conditions studied.", ""),
        "study_type": ("Interventional or observational.", ""),
        "start_date": ("The study start date.", "date"),
        "primary_completion_date": ("The primary completion date.", "date"),
        "completion_date": ("The study completion date.", "date"),
        "last_update": ("When the registry record was last updated.", "date"),
        "enrollment_in_text": ("Enrollment stated in the description or criteria text, a count or a range (\"36-72\").", "participants"),
        "age_criteria_years": ("The age band stated in the eligibility criteria (\"18-70\", \"≥18\").", "years"),
        "egfr_min_ml_min_1_73m2": ("The lowest eGFR allowed, stated or implied by an exclusion.", "mL/min/1.73 m²"),
        "crcl_min_ml_min": ("The lowest creatinine clearance allowed, stated or implied by an exclusion.", "mL/min"),
        "body_weight_min_kg": ("The lowest body weight allowed.", "kg"),
        "primary_outcomes": ("The primary outcome measures and their time frames.", ""),
        "lvef_max_percent": ("The highest LVEF allowed (e.g. reduced-ejection-fraction trials); never a minimum.", "%"),
        "ecog_min": ("The lowest ECOG performance status required.", "ECOG grade"),
        "egfr_max_ml_min_1_73m2": ("The highest eGFR allowed.", "mL/min/1.73 m²"),
        "crcl_max_ml_min": ("The highest creatinine clearance allowed.", "mL/min"),
        "body_weight_max_kg": ("The highest body weight allowed.", "kg"),
        "limits_from_exclusion": (
            "Limits implied by an exclusion item rather than stated in an inclusion item (excluding \"LVEF < 45 %\" admits LVEF ≥ 45 %), as key=value.",
            ""
        ),
    ]
}
