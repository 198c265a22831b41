import Foundation
import TestSupport
import Testing
import TrialStore

/// The executable as a script or a user meets it: exit statuses of usage errors, `--version`,
/// and a run whose inputs cannot be read.
@Suite struct CommandLineTests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    func trialdiff(_ arguments: [String], in folder: URL) throws -> Run {
        let exe = try #require(Repo.product("trialdiff"), "build the trialdiff executable first")
        let p = Process()
        p.executableURL = exe
        p.arguments = arguments
        p.currentDirectoryURL = folder
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(status: p.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self), stderr: String(decoding: stderr, as: UTF8.self))
    }

    @Test func usageErrorsExit2AndVersionPrints() throws {
        let dir = try TempFolder("cli")
        defer { dir.remove() }
        let unknown = try trialdiff(["report", "--no-such-option"], in: dir.url)
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("Unknown option '--no-such-option'"))
        #expect(try trialdiff(["--no-such-option"], in: dir.url).status == 2)
        #expect(try trialdiff(["report", "--jobs", "0"], in: dir.url).status == 2)
        let version = try trialdiff(["--version"], in: dir.url)
        #expect(version.status == 0)
        #expect(version.stdout.range(of: #"^\d+\.\d+\.\d+\n$"#, options: .regularExpression) != nil, "\(version.stdout)")
    }

    /// `report` on a folder that is missing or empty exits 1 and leaves the last good run's
    /// outputs byte for byte, and the state without a new run.
    @Test func aRunThatReadsNothingKeepsTheGoodReports() throws {
        let dir = try TempFolder("cli")
        defer { dir.remove() }
        try dir.copy(realdata: "ctgov-xml/NCT00001177.xml", as: "in/a.xml")
        let good = try trialdiff(["report", "in", "-o", "out", "-q"], in: dir.url)
        #expect(good.status == 0, "\(good.stderr)")
        func snapshot() throws -> [String: Data] {
            var files: [String: Data] = [:]
            let out = dir.appending("out")
            let e = FileManager.default.enumerator(atPath: out.path)!
            for case let p as String in e {
                var isDir: ObjCBool = false
                FileManager.default.fileExists(atPath: out.appendingPathComponent(p).path, isDirectory: &isDir)
                // The state database is compared by its runs below (SQLite may rewrite pages).
                if !isDir.boolValue, !p.hasPrefix(".trialdiff") { files[p] = try Data(contentsOf: out.appendingPathComponent(p)) }
            }
            return files
        }
        let before = try snapshot()
        #expect(before.keys.contains("report.md"))
        func runs() throws -> Int {
            try SnapshotStore(path: dir.appending("out/.trialdiff/state.sqlite").path, mode: .readOnly).runs().count
        }
        #expect(try runs() == 1)
        try FileManager.default.createDirectory(at: dir.appending("empty"), withIntermediateDirectories: true)
        for paths in [["missing"], ["empty"]] {
            let failed = try trialdiff(["report"] + paths + ["-o", "out", "-q"], in: dir.url)
            #expect(failed.status == 1)
            #expect(failed.stderr.contains("left as they were"), "\(failed.stderr)")
            #expect(try snapshot() == before, "outputs changed after reading \(paths)")
            #expect(try runs() == 1, "a run was stored after reading \(paths)")
        }
    }
}
