import CXLSXWriter
import Foundation

/// Why a spreadsheet could not be written: the output file, what was being done, and
/// libxlsxwriter's reason, with a hint where the user can do something about it.
public struct XLSXError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The output file as the user knows it, e.g. `matrix.xlsx`.
    public var file: String
    /// What failed, e.g. "writing cell C7 of sheet Evidence".
    public var operation: String
    /// libxlsxwriter's `lxw_error` number (0 when the failure was not one of its errors).
    public var code: UInt32
    /// libxlsxwriter's text for `code`, or the system's reason.
    public var reason: String

    public init(file: String, operation: String, code: UInt32, reason: String) {
        self.file = file
        self.operation = operation
        self.code = code
        self.reason = reason
    }

    public var description: String {
        var text = "cannot write \(file): \(operation) failed: \(reason)"
        switch lxw_error(rawValue: code) {
        case LXW_ERROR_CREATING_XLSX_FILE, LXW_ERROR_CREATING_TMPFILE, LXW_ERROR_READING_TMPFILE, LXW_ERROR_ZIP_FILE_OPERATION,
            LXW_ERROR_ZIP_CLOSE, LXW_ERROR_ZIP_FILE_ADD:
            text += " (check that the temporary folder \(FileManager.default.temporaryDirectory.path) is writable and has free space)"
        case LXW_ERROR_MEMORY_MALLOC_FAILED:
            text += " (out of memory; write fewer formats at once, e.g. --format csv)"
        default:
            break
        }
        return text
    }
}

/// A cell format of an ``XLSXWorkbook``: owned by the workbook, valid while it is open.
public struct XLSXFormat {
    fileprivate let pointer: UnsafeMutablePointer<lxw_format>
}

/// What a format looks like; the fill is an RGB colour such as `0xFFE699`.
public struct XLSXStyle: Hashable, Sendable {
    public var bold = false
    public var wrap = false
    public var alignTop = false
    public var bottomBorder = false
    public var fill: UInt32?

    public init(bold: Bool = false, wrap: Bool = false, alignTop: Bool = false, bottomBorder: Bool = false, fill: UInt32? = nil) {
        self.bold = bold
        self.wrap = wrap
        self.alignTop = alignTop
        self.bottomBorder = bottomBorder
        self.fill = fill
    }
}

/// One libxlsxwriter workbook being written to `path`: every C call is checked and turned into
/// an ``XLSXError`` naming `name`, every string is made safe for a cell (``XLSXWorkbook/cellText(_:)``),
/// and the workbook is closed and freed in `deinit` when ``close()`` was never reached (an error
/// part-way), so no C memory or temporary file is leaked.
///
/// The creation time in `docProps/core.xml` is fixed (2000-01-01) and libxlsxwriter dates every
/// zip entry 1980-01-01, so the same calls give byte-identical files.
public final class XLSXWorkbook {
    /// Excel's limits: characters in a cell, rows and columns in a sheet.
    public static let maxCellCharacters = 32_767
    public static let maxRows = 1_048_576
    public static let maxColumns = 16_384
    /// 2000-01-01T00:00:00Z, as seconds since 1970: the creation time stamped into every file.
    public static let fixedCreationTime: time_t = 946_684_800

    /// The output file named in errors.
    public let name: String
    private var workbook: UnsafeMutablePointer<lxw_workbook>?
    /// libxlsxwriter keeps the option's pointer; freed after the workbook.
    private let tmpdir: UnsafeMutablePointer<CChar>?
    private var formats: [XLSXStyle: XLSXFormat] = [:]

    /// Starts a workbook that ``close()`` writes to `path`; `name` is the output file as the user
    /// knows it. `constantMemory` streams each sheet's rows to a temporary file in `temporaryFolder`
    /// (rows must then be written in order), so a registry-sized matrix is not held in memory.
    public init(path: String, name: String, temporaryFolder: String, constantMemory: Bool = true) throws {
        self.name = name
        tmpdir = strdup(temporaryFolder)
        var options = lxw_workbook_options(constant_memory: constantMemory ? 1 : 0, tmpdir: tmpdir, use_zip64: 0)
        guard let workbook = workbook_new_opt(path, &options) else {
            free(tmpdir)
            throw XLSXError(
                file: name, operation: "creating the workbook", code: LXW_ERROR_CREATING_XLSX_FILE.rawValue,
                reason: "libxlsxwriter could not start \(path)")
        }
        self.workbook = workbook
        var properties = lxw_doc_properties()
        properties.created = Self.fixedCreationTime
        try check(workbook_set_properties(workbook, &properties), "setting the document properties")
    }

    deinit {
        // Closing writes the (discarded) file but is the one call that frees everything,
        // including a constant-memory sheet's open temporary file.
        if let workbook { _ = workbook_close(workbook) }
        free(tmpdir)
    }

    /// Adds a sheet called `sheet` (at most 31 characters, none of `[]:*?/\`).
    public func addWorksheet(_ sheet: String) throws -> XLSXWorksheet {
        let workbook = try open("adding sheet \(sheet)")
        try check(workbook_validate_sheet_name(workbook, sheet), "adding sheet \(sheet)")
        guard let pointer = workbook_add_worksheet(workbook, sheet) else {
            throw XLSXError(
                file: name, operation: "adding sheet \(sheet)", code: LXW_ERROR_MEMORY_MALLOC_FAILED.rawValue,
                reason: "libxlsxwriter returned no sheet")
        }
        return XLSXWorksheet(pointer: pointer, sheet: sheet, book: self)
    }

    /// The format for `style`, made once per workbook.
    public func format(_ style: XLSXStyle) throws -> XLSXFormat {
        if let format = formats[style] { return format }
        let workbook = try open("adding a cell format")
        guard let pointer = workbook_add_format(workbook) else {
            throw XLSXError(
                file: name, operation: "adding a cell format", code: LXW_ERROR_MEMORY_MALLOC_FAILED.rawValue,
                reason: "libxlsxwriter returned no format")
        }
        if style.bold { format_set_bold(pointer) }
        if style.wrap { format_set_text_wrap(pointer) }
        if style.alignTop { format_set_align(pointer, UInt8(LXW_ALIGN_VERTICAL_TOP.rawValue)) }
        if style.bottomBorder { format_set_bottom(pointer, UInt8(LXW_BORDER_THIN.rawValue)) }
        if let fill = style.fill {
            format_set_pattern(pointer, UInt8(LXW_PATTERN_SOLID.rawValue))
            format_set_bg_color(pointer, fill)
        }
        let format = XLSXFormat(pointer: pointer)
        formats[style] = format
        return format
    }

    /// Writes the file and frees the workbook; later calls throw.
    public func close() throws {
        let workbook = try open("closing the workbook")
        self.workbook = nil
        try check(workbook_close(workbook), "saving the workbook")
    }

    /// `text` as a cell holds it: control characters other than tab and line feed removed
    /// (registry text is untrusted, and XML cannot carry most of them), and cut to Excel's
    /// 32,767 UTF-16 units with "…" at the end instead of failing.
    public static func cellText(_ text: String) -> String {
        func allowed(_ s: Unicode.Scalar) -> Bool {
            switch s.value {
            case 0x09, 0x0A: true
            case 0x00...0x1F, 0x7F...0x9F, 0xFFFE, 0xFFFF: false
            default: true
            }
        }
        var text = text
        if !text.unicodeScalars.allSatisfy(allowed) {
            var scalars = String.UnicodeScalarView()
            scalars.append(contentsOf: text.unicodeScalars.lazy.filter(allowed))
            text = String(scalars)
        }
        guard text.utf16.count > maxCellCharacters else { return text }
        var kept = String.UnicodeScalarView()
        var units = 0
        for s in text.unicodeScalars {
            units += s.utf16.count
            if units > maxCellCharacters - 1 { break }
            kept.append(s)
        }
        return String(kept) + "…"
    }

    fileprivate func open(_ operation: String) throws -> UnsafeMutablePointer<lxw_workbook> {
        guard let workbook else {
            throw XLSXError(file: name, operation: operation, code: 0, reason: "the workbook is already closed")
        }
        return workbook
    }

    fileprivate func check(_ error: lxw_error, _ operation: @autoclosure () -> String) throws {
        guard error != LXW_NO_ERROR else { return }
        throw XLSXError(file: name, operation: operation(), code: error.rawValue, reason: String(cString: lxw_strerror(error)))
    }
}

/// A sheet of an ``XLSXWorkbook``; rows and columns count from 0.
public struct XLSXWorksheet {
    fileprivate let pointer: UnsafeMutablePointer<lxw_worksheet>
    /// The sheet's name, for errors.
    public let sheet: String
    /// Keeps the workbook (which owns the sheet) alive.
    private let book: XLSXWorkbook

    fileprivate init(pointer: UnsafeMutablePointer<lxw_worksheet>, sheet: String, book: XLSXWorkbook) {
        self.pointer = pointer
        self.sheet = sheet
        self.book = book
    }

    /// Writes `text` as a string cell (never a formula, whatever it starts with), made safe by
    /// ``XLSXWorkbook/cellText(_:)``.
    public func write(_ text: String, row: Int, column: Int, format: XLSXFormat? = nil) throws {
        let (r, c) = try cell(row, column, "writing")
        _ = try book.open("writing \(Self.reference(row, column)) of sheet \(sheet)")
        try book.check(
            worksheet_write_string(pointer, r, c, XLSXWorkbook.cellText(text), format?.pointer),
            "writing cell \(Self.reference(row, column)) of sheet \(sheet)")
    }

    /// Writes `number` as a numeric cell.
    public func write(number: Double, row: Int, column: Int, format: XLSXFormat? = nil) throws {
        let (r, c) = try cell(row, column, "writing")
        _ = try book.open("writing \(Self.reference(row, column)) of sheet \(sheet)")
        try book.check(
            worksheet_write_number(pointer, r, c, number, format?.pointer), "writing cell \(Self.reference(row, column)) of sheet \(sheet)")
    }

    /// Sets the width of columns `columns` in characters of the default font, and their format.
    public func setColumns(_ columns: ClosedRange<Int>, width: Double, format: XLSXFormat? = nil) throws {
        let (_, first) = try cell(0, columns.lowerBound, "sizing")
        let (_, last) = try cell(0, columns.upperBound, "sizing")
        _ = try book.open("sizing columns of sheet \(sheet)")
        try book.check(worksheet_set_column(pointer, first, last, width, format?.pointer), "sizing columns of sheet \(sheet)")
    }

    /// Sets the height of `row` in points.
    public func setRow(_ row: Int, height: Double) throws {
        let (r, _) = try cell(row, 0, "sizing")
        _ = try book.open("sizing row \(row + 1) of sheet \(sheet)")
        try book.check(worksheet_set_row(pointer, r, height, nil), "sizing row \(row + 1) of sheet \(sheet)")
    }

    /// Keeps rows above `row` and columns left of `column` in view while scrolling.
    public func freezePanes(row: Int, column: Int) throws {
        let (r, c) = try cell(row, column, "freezing panes at")
        _ = try book.open("freezing panes of sheet \(sheet)")
        worksheet_freeze_panes(pointer, r, c)
    }

    /// Adds filter buttons to `firstRow`, over columns `columns` and rows down to `lastRow`.
    public func autofilter(firstRow: Int, lastRow: Int, columns: ClosedRange<Int>) throws {
        let (r1, c1) = try cell(firstRow, columns.lowerBound, "filtering")
        let (r2, c2) = try cell(max(firstRow, lastRow), columns.upperBound, "filtering")
        _ = try book.open("adding the filter of sheet \(sheet)")
        try book.check(worksheet_autofilter(pointer, r1, c1, r2, c2), "adding the filter of sheet \(sheet)")
    }

    /// The A1-style name of a cell, e.g. "B2".
    public static func reference(_ row: Int, _ column: Int) -> String {
        var name = ""
        var c = column + 1
        while c > 0 {
            let digit = (c - 1) % 26
            name = String(UnicodeScalar(UInt8(65 + digit))) + name
            c = (c - 1) / 26
        }
        return name + String(row + 1)
    }

    private func cell(_ row: Int, _ column: Int, _ what: String) throws -> (lxw_row_t, lxw_col_t) {
        guard (0..<XLSXWorkbook.maxRows).contains(row), (0..<XLSXWorkbook.maxColumns).contains(column) else {
            throw XLSXError(
                file: book.name, operation: "\(what) row \(row + 1), column \(column + 1) of sheet \(sheet)",
                code: LXW_ERROR_WORKSHEET_INDEX_OUT_OF_RANGE.rawValue,
                reason: "beyond Excel's \(XLSXWorkbook.maxRows) rows or \(XLSXWorkbook.maxColumns) columns")
        }
        return (lxw_row_t(row), lxw_col_t(column))
    }
}
