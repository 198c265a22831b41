import Foundation
import TestSupport
import Testing
import TrialPipeline
import TrialRender
import TrialStore

/// trialdiff installed as its users install it: the one executable copied alone into a folder on
/// PATH, run from another folder that has no templates.
@Suite(.serialized) struct InstallTests {
    /// A folder with `bin/trialdiff` (a copy of the built executable, nothing else) and an empty
    /// working folder.
    struct Install {
        let dir: TempFolder
        var bin: URL { dir.url.appendingPathComponent("bin") }
        var work: URL { dir.url.appendingPathComponent("work") }
        var exe: URL { bin.appendingPathComponent("trialdiff") }

        init() throws {
            dir = try TempFolder()
            let built = try #require(Repo.product("trialdiff"), "build the trialdiff executable first")
            try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
            try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: built, to: exe)
        }

        /// Runs `trialdiff ARGS` by name through PATH, in the working folder.
        @discardableResult
        func run(_ arguments: [String]) throws -> (status: Int32, stderr: String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["trialdiff"] + arguments
            p.currentDirectoryURL = work
            var env = ProcessInfo.processInfo.environment
            env["PATH"] = bin.path + ":/usr/bin:/bin"
            p.environment = env
            let err = Pipe()
            p.standardError = err
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            let data = err.fileHandleForReading.readDataToEndOfFile()
            p.waitUntilExit()
            return (p.terminationStatus, String(decoding: data, as: UTF8.self))
        }

        /// The cache key the executable at `exe` runs under.
        var key: String { get throws { ExecutableIdentity.key(ofExecutable: try Data(contentsOf: exe)) } }
    }

    static let allFiles = [
        "report.md", "changes.md", "report.html", "trials.json", "findings.json", "changes.json", "matrix.csv", "findings.csv", "matrix.xlsx",
    ]

    @Test func copiedExecutableWritesEveryFormatFromAnyFolder() throws {
        let install = try Install()
        defer { install.dir.remove() }
        let out = install.work.appendingPathComponent("OUT")
        let all = try install.run(["report", Repo.root.appendingPathComponent("Input").path, "-o", "OUT", "-q"])
        #expect(all.status == 0, "\(all.stderr)")
        for name in Self.allFiles {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let csv = try install.run(["report", Repo.root.appendingPathComponent("Input").path, "-o", "CSV", "--format", "csv", "-q"])
        #expect(csv.status == 0, "\(csv.stderr)")
        let written = try FileManager.default.contentsOfDirectory(atPath: install.work.appendingPathComponent("CSV").path)
        #expect(Set(written.filter { !$0.hasPrefix(".") }) == ["matrix.csv", "findings.csv"])
        // A templates folder that does not exist is never looked for by formats that use none.
        let noTemplates = try install.run([
            "report", Repo.root.appendingPathComponent("Input").path, "-o", "CSV2", "--format", "csv", "--templates", "/nonexistent", "-q",
        ])
        #expect(noTemplates.status == 0, "\(noTemplates.stderr)")
        let md = try install.run([
            "report", Repo.root.appendingPathComponent("Input").path, "-o", "MD", "--format", "md", "--templates", "/nonexistent", "-q",
        ])
        #expect(md.status == 2)
        #expect(md.stderr.contains("templates folder not found: /nonexistent"))
    }

    /// The built-in templates give the committed reports byte for byte.
    @Test func builtInTemplatesGiveTheCommittedOutput() throws {
        let install = try Install()
        defer { install.dir.remove() }
        try FileManager.default.copyItem(at: Repo.root.appendingPathComponent("Input"), to: install.work.appendingPathComponent("Input"))
        let run = try install.run(["report", "Input", "-o", "OUT", "-q"])
        #expect(run.status == 0, "\(run.stderr)")
        for name in Self.allFiles {
            let fresh = try Data(contentsOf: install.work.appendingPathComponent("OUT/\(name)"))
            #expect(fresh == (try? Data(contentsOf: Repo.output.appendingPathComponent(name))), "\(name)")
        }
    }

    /// The executable's identity (its bytes, found through the running image, not argv[0]) keys
    /// the parse cache: an unchanged executable reuses it, a changed one extracts again.
    @Test func changedExecutableExtractsAgain() throws {
        let install = try Install()
        defer { install.dir.remove() }
        let input = Repo.root.appendingPathComponent("Input").path
        let state = install.work.appendingPathComponent("OUT/.trialdiff/state.sqlite").path
        func versions() throws -> [String] { try SnapshotStore(path: state, mode: .readOnly).cachedParserVersions() }

        #expect(try install.run(["report", input, "-o", "OUT", "--format", "csv", "-q"]).status == 0)
        let first = try install.key
        #expect(try versions() == [first])
        #expect(!first.contains("/0/"), "the key must not come from a bare name")
        #expect(try install.run(["report", input, "-o", "OUT", "--format", "csv", "-q"]).status == 0)
        #expect(try versions() == [first])

        // An upgrade copied over the old file: other bytes, same name and place.
        let handle = try FileHandle(forWritingTo: install.exe)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("trialdiff upgrade".utf8))
        try handle.close()
        let second = try install.key
        #expect(second != first)
        #expect(try install.run(["report", input, "-o", "OUT", "--format", "csv", "-q"]).status == 0)
        #expect(try versions().contains(second), "the changed executable did not extract the inputs again")
    }

    /// `templates export` writes the built-in templates, which equal the files in Templates/.
    @Test func exportedTemplatesAreTheFiles() throws {
        let install = try Install()
        defer { install.dir.remove() }
        #expect(try install.run(["templates", "export", "T"]).status == 0)
        let files = try FileManager.default.subpathsOfDirectory(atPath: Repo.templates.path).filter { $0.hasSuffix(".mustache") }.sorted()
        #expect(files.count >= 3)
        #expect(TemplateSource.builtInFiles.map(\.path) == files)
        for path in files {
            let original = try Data(contentsOf: Repo.templates.appendingPathComponent(path))
            #expect(try Data(contentsOf: install.work.appendingPathComponent("T/\(path)")) == original, "\(path)")
            #expect(TemplateSource.builtInFiles.first { $0.path == path }.map { Data($0.text.utf8) } == original, "\(path)")
        }
        // An existing file is kept unless --force.
        let again = try install.run(["templates", "export", "T"])
        #expect(again.status == 2)
        #expect(again.stderr.contains("exists; pass --force"))
        #expect(try install.run(["templates", "export", "T", "--force"]).status == 0)
    }
}
