import Foundation
import TestSupport
import Testing
import TrialModel
import TrialRender
import TrialStore
import TrialSupport

@testable import TrialCompare
@testable import TrialPipeline

/// A landscape whose records wait in a spill file keeps its matrix columns there too, and its
/// snapshot reads them off the matrix: every cell, state and key must be what memory gives.
@Suite struct StoredMatrixTests {
    static let realPaths = ["Tests/TestSupport/Fixtures/realdata", "Input"]

    /// Every column of the real landscape written to a spill file reads back equal, whole and
    /// cell by cell, and says which cells are empty without reading.
    @Test func storedColumnsReadBackEveryCell() async throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        let file = try SpillFile(folder: folder.url)
        let matrix = await Repo.landscape(Self.realPaths).matrix
        let originals = matrix.trials.indices.map(matrix.column)
        let columns = MatrixColumns(originals.map { MatrixColumns.store($0, in: file) }, file: file)
        #expect(columns.columns.allSatisfy { if case .stored = $0 { true } else { false } })
        #expect(file.size > 0)
        // The cases the coding shares or escapes are in the data: several quotes per value,
        // quotes from several files in one cell, non-ASCII text.
        let values = originals.flatMap { $0.flatMap(\.values) }
        #expect(values.contains { $0.evidence.count > 1 })
        #expect(values.contains { Set($0.evidence.map(\.file)).count > 1 })
        #expect(values.contains { $0.evidence.contains { !$0.quote.allSatisfy(\.isASCII) } })
        for (c, original) in originals.enumerated() {
            #expect(columns.column(c) == original, "column \(matrix.trials[c])")
            for r in original.indices {
                #expect(columns.cell(row: r, column: c) == original[r])
                #expect(columns.isEmpty(row: r, column: c) == original[r].isEmpty)
            }
        }
    }

    /// The binary cell coding keeps every string as it was, including empty ones and a file
    /// that returns after another, and rejects bytes cut short.
    @Test func cellCodingKeepsEveryString() throws {
        let values = [
            CellValue(text: "", csv: "", evidence: []),
            CellValue(
                text: "≥ 50 %", csv: "50",
                evidence: [
                    Evidence(file: "a.xml", locator: "/clinical_study/eligibility/criteria/textblock line 3", quote: "LVEF ≥50%"),
                    Evidence(file: "a.xml", locator: "line 4", quote: ""),
                    Evidence(file: "", locator: "", quote: "no file"),
                    Evidence(file: "b/c.json", locator: "/protocolSection", quote: "\u{0}\n\"quoted\""),
                    Evidence(file: "a.xml", locator: "line 9", quote: String(repeating: "long ", count: 100)),
                ]),
        ]
        var bytes: [UInt8] = []
        CellCoding.append(values, to: &bytes)
        let decoded = try bytes.withUnsafeBytes { try CellCoding.decode($0) }
        #expect(decoded == values)
        for cut in [1, bytes.count / 2, bytes.count - 1] {
            #expect(throws: ByteCoding.Corrupt.self) { try bytes[..<cut].withUnsafeBytes { try CellCoding.decode($0) } }
        }
        var empty: [UInt8] = []
        CellCoding.append([], to: &empty)
        #expect(empty.isEmpty)
    }

    /// Every record spilled: the matrix lives in the spill file, and the snapshot read off it
    /// has the states (and so the hashes the store keys them by) of the landscape in memory.
    @Test func spilledMatrixGivesTheSnapshotOfMemory() async throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        let inMemory = await Repo.landscape(Self.realPaths)
        let spilled = await Pipeline.landscape(
            paths: Self.realPaths, root: Repo.root, spill: SpillPolicy(limit: 0, folder: folder.url))
        let stored = try #require(spilled.matrix.rows.first?.cells.columns)
        #expect(stored.columns.allSatisfy { if case .stored = $0 { true } else { false } })
        #expect(inMemory.matrix.rows.first?.cells.columns?.file == nil)
        #expect(spilled.matrix == inMemory.matrix)

        let a = Snapshot(landscape: spilled, inputs: spilled.inputs.compactMap(\.fingerprint))
        let b = Snapshot(landscape: inMemory, inputs: inMemory.inputs.compactMap(\.fingerprint))
        #expect(a.trials.count == inMemory.trials.count)
        #expect(Array(a.trials) == Array(b.trials))
        #expect(a.trials.refs == b.trials.map(\.ref))
        #expect(a.trials.refs.contains { !$0.title.isEmpty })
        #expect(SnapshotStore.stateHashes(a.trials) == SnapshotStore.stateHashes(SnapshotTrials(Array(b.trials))))
        #expect(ChangeSet(from: b, to: a).isEmpty)
        #expect(ChangeSet(from: nil, to: a) == ChangeSet(from: nil, to: b))
    }

    /// `matrix.csv` of a stored matrix, written in small batches on two cores, is the CSV of the
    /// matrix in memory byte for byte, rows in trial order.
    @Test func csvInBatchesIsTheCSVInMemory() async throws {
        let folder = try TempFolder()
        defer { folder.remove() }
        let inMemory = await Repo.landscape(Self.realPaths)
        let spilled = await Pipeline.landscape(
            paths: Self.realPaths, root: Repo.root, spill: SpillPolicy(limit: 0, folder: folder.url))
        let expected = CSVMatrix.render(inMemory.matrix)
        #expect(expected.components(separatedBy: CSVMatrix.lineEnding).count == inMemory.trials.count + 2)
        for (matrix, jobs, batch) in [(spilled.matrix, 2, 7), (spilled.matrix, 1, 256), (inMemory.matrix, 2, 1)] {
            var sink = MemorySink()
            try CSVMatrix.write(matrix, into: &sink, jobs: jobs, batch: batch)
            #expect(sink.text == expected, "jobs \(jobs), batch \(batch)")
        }
    }

    /// The outputs' key is the same for the same landscape and changes with any finding or input.
    @Test func outputKeyFollowsFindingsAndInputs() async throws {
        let landscape = await Repo.landscape(Self.realPaths)
        let key = try OutputManifest.key(landscape, formats: [.csv], templates: .folder(Repo.templates))
        #expect(try OutputManifest.key(landscape, formats: [.csv], templates: .folder(Repo.templates)) == key)
        #expect(try OutputManifest.key(landscape, formats: [.markdown], templates: .folder(Repo.templates)) != key)
        var finding = landscape
        finding.findings[0].message += "."
        #expect(try OutputManifest.key(finding, formats: [.csv], templates: .folder(Repo.templates)) != key)
        var input = landscape
        input.inputs[input.inputs.count - 1].size = (input.inputs.last?.size ?? 0) + 1
        #expect(try OutputManifest.key(input, formats: [.csv], templates: .folder(Repo.templates)) != key)
        var moved = landscape
        // One finding fewer: the counts are hashed, so the pieces cannot be shifted unnoticed.
        moved.findings.removeLast()
        #expect(try OutputManifest.key(moved, formats: [.csv], templates: .folder(Repo.templates)) != key)
    }
}
