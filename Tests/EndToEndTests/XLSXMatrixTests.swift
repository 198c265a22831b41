import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialPipeline
import TrialRender

/// Reads a workbook back with Python's openpyxl (the reader medical writers' tools resemble most):
/// every cell's type, text, fill and boldness, each sheet's frozen panes and filter, and whether
/// any sheet XML in the zip holds a formula (`<f>`).
enum OpenPyXL {
    static let available: Bool = run(["-c", "import openpyxl"])?.status == 0

    struct Cell: Decodable {
        /// openpyxl's data type: `s` string, `n` number, `f` formula, `e` empty.
        var t: String
        /// The text; a number as `%.15g`, the way matrix.csv writes it.
        var v: String
        var fill: String?
        var bold: Bool
    }

    struct Sheet: Decodable {
        var rows: [[Cell]]
        var freeze: String?
        var filter: String?

        /// The texts of the rows, empty cells as "".
        var texts: [[String]] { rows.map { $0.map(\.v) } }
    }

    struct Book: Decodable {
        var sheets: [String: Sheet]
        var order: [String]
        var formulas: Bool
        var core: String
    }

    static let script = """
        import json, re, sys, zipfile, openpyxl
        wb = openpyxl.load_workbook(sys.argv[1])
        sheets = {}
        for ws in wb.worksheets:
            rows = []
            for row in ws.iter_rows():
                cells = []
                for c in row:
                    v = c.value
                    fill = c.fill.fgColor.rgb if c.fill is not None and c.fill.fill_type == 'solid' else None
                    if isinstance(v, bool): t, v = 'b', str(v)
                    elif isinstance(v, (int, float)): t, v = 'n', '%.15g' % v
                    elif v is None: t, v = 'e', ''
                    else: t, v = c.data_type, str(v)
                    cells.append({'t': t, 'v': v, 'fill': fill if isinstance(fill, str) else None, 'bold': bool(c.font and c.font.b)})
                rows.append(cells)
            sheets[ws.title] = {'rows': rows, 'freeze': ws.freeze_panes, 'filter': ws.auto_filter.ref}
        z = zipfile.ZipFile(sys.argv[1])
        formulas = any(re.search(rb'<f[ >/]', z.read(n)) for n in z.namelist() if n.startswith('xl/worksheets/'))
        core = z.read('docProps/core.xml').decode('utf-8')
        print(json.dumps({'sheets': sheets, 'order': wb.sheetnames, 'formulas': formulas, 'core': core}))
        """

    /// The workbook `bytes` as openpyxl sees it.
    static func read(_ bytes: [UInt8]) throws -> Book {
        let folder = try TempFolder("xlsx")
        defer { folder.remove() }
        let file = folder.url.appendingPathComponent("matrix.xlsx")
        try Data(bytes).write(to: file)
        let result = try #require(run(["-c", script, file.path]))
        #expect(result.status == 0, "openpyxl failed: \(result.error)")
        return try JSONDecoder().decode(Book.self, from: result.output)
    }

    private static func run(_ arguments: [String]) -> (status: Int32, output: Data, error: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3"] + arguments
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        do { try process.run() } catch { return nil }
        let output = out.fileHandleForReading.readDataToEndOfFile()
        let error = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, output, String(decoding: error, as: UTF8.self))
    }
}

@Suite struct XLSXMatrixTests {
    static let fill = "FFFFE699"

    /// A landscape of one trial per title, each title hostile to a spreadsheet.
    static func hostile(_ titles: [String]) -> Landscape {
        let records = titles.enumerated().map { i, title in
            let nct = "NCT0900000\(i)"
            let file = "hostile\(i).txt"
            var p = TrialParameters()
            p.registryIDs = [Measured(TrialID(.nct, nct), Evidence(file: file, locator: "line 1", quote: "NCT Number: \(nct)"))]
            p.titles = [Measured(title, Evidence(file: file, locator: "line 3", quote: title))]
            p.sponsors = [Measured(title, Evidence(file: file, locator: "line 4", quote: title))]
            return TrialRecord(source: SourceRef(file: file, format: .plainText, index: 0), primaryID: TrialID(.nct, nct), parameters: p)
        }
        return Landscape(
            records: records, inputs: titles.indices.map { InputSummary(file: "hostile\($0).txt", format: .plainText, records: 1) })
    }

    @Test(.enabled(if: OpenPyXL.available, "python3 with openpyxl is needed to read matrix.xlsx back; install python3-openpyxl"))
    func matrixSheetHoldsTheCSVCells() async throws {
        let landscape = await Repo.inputLandscape()
        let book = try OpenPyXL.read(try XLSXMatrix.render(landscape))
        #expect(book.order == ["Matrix", "Evidence", "Findings", "Glossary"])
        #expect(!book.formulas)
        #expect(book.core.contains("2000-01-01T00:00:00Z"))
        let sheet = try #require(book.sheets["Matrix"])
        let csv = parseCSV(CSVMatrix.render(landscape.matrix))
        let rows = landscape.matrix.rows
        #expect(sheet.rows.count == csv.count)
        #expect(sheet.rows.count == landscape.matrix.trials.count + 1)
        #expect(sheet.rows[0].map(\.v) == rows.map(\.label))
        #expect(sheet.rows[0].allSatisfy { $0.bold })
        #expect(sheet.freeze == "B2")
        #expect(sheet.filter?.hasPrefix("A1:") == true)
        #expect(rows.contains { $0.differs } && rows.contains { !$0.differs })
        for (c, row) in rows.enumerated() {
            #expect((sheet.rows[0][c].fill == Self.fill) == row.differs, "header of \(row.key)")
        }
        for r in 1..<csv.count {
            #expect(sheet.rows[r].count == csv[r].count)
            for (c, cell) in sheet.rows[r].enumerated() {
                // matrix.csv guards formula-like text with a `'`; the workbook needs no guard.
                #expect(Escape.csvFormulaGuard(cell.v) == csv[r][c], "row \(r + 1), \(rows[c].key)")
                #expect(cell.t != "f")
                if !cell.v.isEmpty {
                    #expect((cell.fill == Self.fill) == rows[c].differs, "row \(r + 1), \(rows[c].key)")
                    #expect((cell.t == "n") == (XLSXMatrix.plainNumber(csv[r][c]) != nil), "row \(r + 1), \(rows[c].key)")
                }
            }
        }
        // The LVEF minimum is a number cell.
        let lvef = try #require(rows.firstIndex { $0.key == "lvef_min_percent" })
        let trial = try #require(landscape.matrix.trials.firstIndex(of: "NCT06337474"))
        #expect(sheet.rows[trial + 1][lvef].t == "n")
        #expect(sheet.rows[trial + 1][lvef].v == "50")
    }

    @Test(.enabled(if: OpenPyXL.available, "python3 with openpyxl is needed to read matrix.xlsx back; install python3-openpyxl"))
    func formulaLikeTextStaysText() throws {
        let titles = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "nul\u{0}esc\u{1B}end\r\n"]
        let book = try OpenPyXL.read(try XLSXMatrix.render(Self.hostile(titles)))
        #expect(!book.formulas, "a sheet holds a formula")
        let sheet = try #require(book.sheets["Matrix"])
        let title = try #require(sheet.rows[0].firstIndex { $0.v == "Title" })
        let sponsor = try #require(sheet.rows[0].firstIndex { $0.v == "Sponsor" })
        let expected = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2+3", "@SUM(A1)", "nulescend\n"]
        #expect(sheet.rows.dropFirst().map { $0[title].v } == expected)
        #expect(sheet.rows.dropFirst().map { $0[sponsor].v } == expected)
        for row in sheet.rows.dropFirst() {
            #expect(row[title].t == "s")
            #expect(row[sponsor].t == "s")
        }
        for sheet in book.sheets.values {
            for row in sheet.rows { for cell in row { #expect(cell.t != "f") } }
        }
    }

    @Test(.enabled(if: OpenPyXL.available, "python3 with openpyxl is needed to read matrix.xlsx back; install python3-openpyxl"))
    func longTextIsCutNotAnError() throws {
        let long = String(repeating: "≥", count: 40_000)
        let book = try OpenPyXL.read(try XLSXMatrix.render(Self.hostile([long])))
        let sheet = try #require(book.sheets["Matrix"])
        let title = try #require(sheet.rows[0].firstIndex { $0.v == "Title" })
        let cell = sheet.rows[1][title].v
        #expect(cell.utf16.count == XLSXWorkbook.maxCellCharacters)
        #expect(cell.hasSuffix("≥…"))
    }

    @Test func cellText() {
        #expect(XLSXWorkbook.cellText("a\u{0}b\u{1B}c\td\r\ne\u{7F}\u{85}") == "abc\td\ne")
        let emoji = String(repeating: "😀", count: 20_000)
        let cut = XLSXWorkbook.cellText(emoji)
        #expect(cut.utf16.count <= XLSXWorkbook.maxCellCharacters)
        #expect(cut.hasSuffix("😀…"))
        #expect(XLSXWorkbook.cellText("short") == "short")
    }

    @Test func plainNumbers() {
        for text in ["50", "-5", "0.5", "0", "13.25", "-0.5", "123456789012345"] {
            #expect(XLSXMatrix.plainNumber(text) == Double(text), "\(text)")
        }
        for text in ["007", "1.50", "-0", "300-450", "1e5", "+1", "-2+3", "5.", ".5", "", "-", "1234567890123456", "-5 -4 -3", "NaN", "inf"] {
            #expect(XLSXMatrix.plainNumber(text) == nil, "\(text)")
        }
    }

    @Test func twoRendersAreByteIdentical() async throws {
        let first = try XLSXMatrix.render(await Repo.inputLandscape())
        // A freshly built landscape, a second later: no clock or temporary name reaches the bytes.
        try await Task.sleep(for: .seconds(1.1))
        let second = try XLSXMatrix.render(await Pipeline.landscape(paths: ["Input"], root: Repo.root))
        #expect(first == second)
        #expect(first.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        let hostile = Self.hostile(["=1+1", "x"])
        #expect(try XLSXMatrix.render(hostile) == XLSXMatrix.render(hostile))
    }

    @Test(.enabled(if: OpenPyXL.available, "python3 with openpyxl is needed to read matrix.xlsx back; install python3-openpyxl"))
    func evidenceAndFindingsSheets() async throws {
        let landscape = await Repo.inputLandscape()
        let book = try OpenPyXL.read(try XLSXMatrix.render(landscape))
        let evidence = try #require(book.sheets["Evidence"]).texts
        #expect(evidence[0] == ["Trial", "Parameter", "Value", "File", "Locator", "Quote"])
        #expect(
            evidence.contains([
                "NCT06337474", "LVEF threshold", "≥ 50 %", "Input/002_43ccf47ba098859a.txt", "line 116 item 10",
                "Left ventricular ejection fraction (LVEF) ≥50%",
            ]))
        var pieces = 0
        for t in landscape.matrix.trials.indices {
            for cell in landscape.matrix.column(t) { for value in cell.values { pieces += value.evidence.count } }
        }
        #expect(evidence.count == pieces + 1)
        // Matrix order: trials in matrix order.
        let trialOrder = evidence.dropFirst().map { $0[0] }.reduce(into: [String]()) { if $0.last != $1 { $0.append($1) } }
        #expect(trialOrder == landscape.matrix.trials.filter { trialOrder.contains($0) })

        let findings = try #require(book.sheets["Findings"]).texts
        #expect(findings[0] == ["Trial", "Severity", "Rule", "Message", "Acknowledged", "File", "Locator", "Quote"])
        #expect(findings.count == 1 + landscape.findings.reduce(0) { $0 + max(1, $1.evidence.count) })
        #expect(
            findings.contains { row in
                row[0] == "NCT06337474" && row[1] == "warning" && row[2] == "condition-contradicts-title"
                    && row[5] == "Input/002_43ccf47ba098859a.txt" && row[6] == "line 55" && row[7] == "Thrombocytopenia Alloimmune"
            })

        let glossary = try #require(book.sheets["Glossary"]).texts
        #expect(glossary[0] == ["Column", "Key", "Meaning", "Unit", "Compared"])
        let lvef = try #require(glossary.first { $0[1] == "lvef_min_percent" })
        #expect(lvef[0] == "LVEF threshold" && lvef[3] == "%" && lvef[4] == "yes")
        #expect(glossary.contains { $0[1] == "trial_id" && $0[4] == "no" })
        #expect(glossary.contains { $0.contains(XLSXMatrix.legend) })
    }

    @Test func reportWritesTheWorkbook() async throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        let written = try Pipeline.write(await Repo.inputLandscape(), to: folder.url, formats: [.xlsx], jobs: 2)
        #expect(written == ["matrix.xlsx"])
        let bytes = try Data(contentsOf: folder.url.appendingPathComponent("matrix.xlsx"))
        #expect(Array(bytes) == (try XLSXMatrix.render(await Repo.inputLandscape())))
        #expect(OutputFormat.allCases.contains(.xlsx))
    }
}
