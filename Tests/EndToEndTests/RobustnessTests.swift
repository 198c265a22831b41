import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialPipeline
import TrialRender
import TrialStore

@Suite struct RobustnessTests {
    func run(_ folder: TempFolder, output: URL) async -> (Landscape, CommandStatus, [String]) {
        let log = CapturedLog()
        let command = ReportCommand(paths: [folder.url.path + "/in"], output: output, templates: .folder(Repo.templates))
        let (l, status) = await command.run(logger: log.logger)
        return (l, status, log.lines)
    }

    @Test func badInputsAreNamedAndTheRestIsReported() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.copy(realdata: "ctgov-xml/NCT00001177.xml", as: "in/good1.xml")
        try dir.copy(realdata: "ctgov-json/NCT06008288.json", as: "in/good2.json")
        try dir.write("in/broken.xml", "<?xml version=\"1.0\"?>\n<clinical_study>\n  <id_info><nct_id>NCT01234567</nct_id>\n</clinical_study>\n")
        try dir.write("in/empty.xml", "")
        try dir.write("in/blob.bin", (0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) })
        let out = dir.url.appendingPathComponent("out")
        let (l, status, messages) = await run(dir, output: out)
        #expect(status == .inputFailed)
        #expect(l.trials.map(\.id.value) == ["NCT00001177", "NCT06008288"])
        let errors = messages.filter { $0.hasPrefix("error:") }
        #expect(errors.count == 3)
        #expect(errors.contains { $0.contains("broken.xml:4:") })
        #expect(errors.contains { $0.contains("empty.xml") && $0.contains("empty") })
        #expect(errors.contains { $0.contains("blob.bin") && $0.contains("binary") })
        let written = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(
            written == [
                ".trialdiff", "changes.json", "changes.md", "chart-age-bands.svg", "chart-enrollment.svg", "chart-limits.svg",
                "chart-lymphodepletion.svg", "findings.csv", "findings.json", "matrix.csv", "matrix.xlsx", "report.html", "report.md",
                "trials.json",
            ])
        let json = try Data(contentsOf: out.appendingPathComponent("trials.json"))
        #expect((try? JSONSerialization.jsonObject(with: json)) != nil)
        // The first run's state was built beside its path and moved there; nothing else is left.
        let state = try FileManager.default.contentsOfDirectory(atPath: out.appendingPathComponent(".trialdiff").path)
        #expect(state.contains("state.sqlite"))
        #expect(!state.contains { $0.contains(".new-") || $0.hasSuffix("-journal") || $0.hasSuffix("-wal") }, "\(state)")
    }

    /// Inputs are read with the system's calls: whole files (past what `fstat` said), the
    /// system's reason when that fails, and paths resolved against the root as `URL` does.
    @Test func inputBytesAreReadWholeOrWithTheSystemsReason() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.copy(realdata: "ctgov-xml/NCT00001177.xml", as: "in/real.xml")
        try dir.write("in/empty.xml", "")
        let real = try InputCollector.bytes(of: dir.url.path + "/in/real.xml")
        #expect(real == Array(try Data(contentsOf: Repo.realdata.appendingPathComponent("ctgov-xml/NCT00001177.xml"))))
        #expect(real.count > 10_000)
        #expect(try InputCollector.bytes(of: dir.url.path + "/in/empty.xml").isEmpty)
        #expect(InputCollector.filePath(for: "in/real.xml", root: dir.url) == dir.url.appendingPathComponent("in/real.xml").path)
        #expect(InputCollector.filePath(for: "/abs/x.xml", root: dir.url) == "/abs/x.xml")
        #expect(InputCollector.filePath(for: "rel/x.xml", root: nil) == "rel/x.xml")
        #expect(throws: ReadFailure(errno: ENOENT)) { try InputCollector.bytes(of: dir.url.path + "/in/missing.xml") }
        #expect(throws: ReadFailure(reason: "not a regular file (a folder); skipped")) {
            try InputCollector.bytes(of: dir.url.path + "/in")
        }
        #expect(ReadFailure(errno: ENOENT).description == "No such file or directory")

        // A FIFO, a device: refused at once, never waited on or read until memory runs out.
        let fifo = dir.url.path + "/in/pipe.xml"
        #expect(mkfifo(fifo, 0o600) == 0)
        #expect(throws: ReadFailure(reason: "not a regular file (a FIFO); skipped")) { try InputCollector.bytes(of: fifo) }
        #expect(throws: ReadFailure(reason: "not a regular file (a character device); skipped")) {
            try InputCollector.bytes(of: "/dev/zero")
        }
        // Over the size limit: refused before reading, with both sizes.
        #expect(throws: ReadFailure(reason: "9.8 KiB, over the 1 KiB input size limit (--max-input-size)")) {
            try InputCollector.bytes(of: dir.url.path + "/in/real.xml", limit: 1024)
        }

        let result = Pipeline.process(path: "in/gone.xml", root: dir.url)
        #expect(result.summary.error == "in/gone.xml: cannot be read: No such file or directory")
    }

    @Test func externalEntityContentNeverReachesTheOutput() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        let secret = try String(contentsOfFile: "/etc/passwd", encoding: .utf8).split(separator: "\n").first.map(String.init) ?? "root:x:0:0"
        try dir.write(
            "in/xxe.xml",
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <!DOCTYPE clinical_study [<!ENTITY x SYSTEM "file:///etc/passwd">]>
            <clinical_study>
              <id_info><nct_id>NCT09999999</nct_id></id_info>
              <brief_title>Entity &x; test</brief_title>
              <eligibility><criteria><textblock>Inclusion Criteria: &x; age 18 years or older</textblock></criteria></eligibility>
            </clinical_study>
            """)
        let out = dir.url.appendingPathComponent("out")
        let (l, _, _) = await run(dir, output: out)
        #expect(l.trials.map(\.id.value) == ["NCT09999999"])
        for name in ["report.md", "report.html", "trials.json", "matrix.csv", "findings.json", "findings.csv"] {
            let text = try String(contentsOf: out.appendingPathComponent(name), encoding: .utf8)
            #expect(!text.contains(secret), "\(name) contains /etc/passwd content")
            #expect(!text.contains("root:x:0"))
        }
    }

    @Test func hostileTextIsEscapedPerFormat() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.write(
            "in/hostile.xml",
            """
            <?xml version="1.0" encoding="UTF-8"?>
            <clinical_study>
              <id_info><nct_id>NCT08888888</nct_id></id_info>
              <brief_title>&lt;script&gt;alert(1)&lt;/script&gt; A | B trial C |&#x301; D "&#x301; onmouseover=alert(1) x="</brief_title>
              <sponsors><lead_sponsor><agency>=HYPERLINK("http://x") | Evil</agency></lead_sponsor></sponsors>
              <overall_status>Recruiting</overall_status>
            </clinical_study>
            """)
        try dir.copy(realdata: "ctgov-xml/NCT00001177.xml", as: "in/other.xml")
        let out = dir.url.appendingPathComponent("out")
        _ = await run(dir, output: out)
        let html = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        // The page's own script is the only one.
        #expect(html.components(separatedBy: "<script>").count == 2)
        #expect(!html.contains("<script>alert"))
        #expect(html.contains("&lt;script&gt;"))
        // A quote carrying a combining mark is escaped like any quote: it cannot end an attribute.
        #expect(html.contains("onmouseover"))
        #expect(!html.contains("\"" + "\u{301}"))
        #expect(!html.contains("\" onmouseover"))
        let md = try String(contentsOf: out.appendingPathComponent("report.md"), encoding: .utf8)
        #expect(!md.contains("<script>"))
        // Every row of every table has as many cell separators as its header (counted on bytes, as
        // GFM splits cells, so a `|` carrying a combining mark counts too).
        func separators(_ row: Substring) -> Int {
            var n = 0
            var previous: UInt8 = 0x20
            for b in row.utf8 {
                if b == UInt8(ascii: "|") && previous != UInt8(ascii: "\\") { n += 1 }
                previous = b
            }
            return n
        }
        var tables: [[Substring]] = [[]]
        for line in md.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.hasPrefix("|") { tables[tables.count - 1].append(line) } else if !tables[tables.count - 1].isEmpty { tables.append([]) }
        }
        #expect(tables.filter { !$0.isEmpty }.count >= 2)
        for table in tables where !table.isEmpty {
            let width = separators(table[0])
            for row in table { #expect(separators(row) == width, "broken row: \(row)") }
        }
        #expect(md.contains("A \\| B trial"))
        let csv = try String(contentsOf: out.appendingPathComponent("matrix.csv"), encoding: .utf8)
        #expect(csv.contains("\"'=HYPERLINK(\"\"http://x\"\") | Evil\""))
    }

    /// Reports that cannot be rendered leave the state as the last good run saved it: the
    /// snapshot is prepared while the reports render, but commits only after they were written.
    @Test func reportsThatFailLeaveTheStateAsItWas() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.copy(realdata: "ctgov-xml/NCT00001177.xml", as: "in/a.xml")
        let out = dir.url.appendingPathComponent("out")
        let state = out.appendingPathComponent(".trialdiff/state.sqlite").path
        func command(_ templates: TemplateSource, _ formats: [OutputFormat]) -> ReportCommand {
            ReportCommand(paths: [dir.url.path + "/in"], output: out, templates: templates, formats: formats)
        }
        #expect(await command(.folder(Repo.templates), [.markdown, .csv]).run(logger: CapturedLog().logger).status == .success)
        let report = try Data(contentsOf: out.appendingPathComponent("report.md"))
        try dir.copy(realdata: "ctgov-json/NCT06008288.json", as: "in/b.json")

        let log = CapturedLog()
        let missing = TemplateSource.folder(dir.url.appendingPathComponent("no-templates"))
        #expect(await command(missing, [.markdown, .csv]).run(logger: log.logger).status == .outputFailed)
        #expect(log.lines.contains { $0.contains("templates folder not found") }, "\(log.lines)")
        #expect(try SnapshotStore(path: state, mode: .readOnly).runs().count == 1, "the failed run saved a snapshot")
        #expect(try Data(contentsOf: out.appendingPathComponent("report.md")) == report)

        // The next good run still compares with the first: the second trial is new to it.
        let (landscape, status) = await command(.folder(Repo.templates), [.markdown, .csv]).run(logger: CapturedLog().logger)
        #expect(status == .success)
        #expect(landscape.changes?.trialsAdded.map(\.id) == ["NCT06008288"])
        #expect(try SnapshotStore(path: state, mode: .readOnly).runs().count == 2)
    }

    @Test func twoRunsGiveByteIdenticalFiles() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        for (i, jobs) in [1, 4].enumerated() {
            let command = ReportCommand(
                paths: ["Input"], output: dir.url.appendingPathComponent("run\(i)"), templates: .folder(Repo.templates),
                jobs: jobs, root: Repo.root)
            _ = await command.run(logger: CapturedLog().logger)
        }
        for name in ["report.md", "report.html", "trials.json", "matrix.csv", "findings.json", "findings.csv", "matrix.xlsx"] {
            let a = try Data(contentsOf: dir.url.appendingPathComponent("run0/\(name)"))
            let b = try Data(contentsOf: dir.url.appendingPathComponent("run1/\(name)"))
            #expect(a == b, "\(name) differs between runs")
        }
    }

    /// Output/ holds the reports of Input/; this fails when they are stale.
    /// Regenerate with `swift run trialdiff`.
    @Test func committedOutputIsUpToDate() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        let command = ReportCommand(paths: ["Input"], output: dir.url, templates: .folder(Repo.templates), root: Repo.root)
        _ = await command.run(logger: CapturedLog().logger)
        var seen: Set<String> = []
        let names = OutputFormat.allCases.flatMap { ReportRenderer.fileNames(for: $0) }.filter { seen.insert($0).inserted }
        #expect(names.count == 13)
        for name in names {
            let fresh = try Data(contentsOf: dir.url.appendingPathComponent(name))
            let committed = try? Data(contentsOf: Repo.output.appendingPathComponent(name))
            #expect(committed == fresh, "Output/\(name) is stale: run `swift run trialdiff` and commit Output/")
        }
    }
}
