import Foundation
import Logging
import TestSupport
import Testing
import TrialFetch
import TrialModel
import TrialPipeline

/// `trialdiff fetch` against a real HTTP server on 127.0.0.1 (`replay_server.py`) that serves
/// the 15 real studies of five API pages in three pages, with faults injected by request number.
@Suite(.serialized) struct FetchTests {
    /// The replay server, its state file and its request log.
    final class Replay: @unchecked Sendable {
        let dir: TempFolder
        let process = Process()
        let port: Int
        var studies: [[String: Any]]
        let tokens: [String]

        init(faults: [String: [String: Any]] = [:]) throws {
            dir = try TempFolder("fetch")
            var studies: [[String: Any]] = []
            var tokens: [String] = []
            for name in [
                "biomcp_search_phelan_limit5_20260811.json", "biomcp_search_phelan_next_20260811.json",
                "cyanheads_studies_2025-06-17T11-15-33-773Z.json", "cyanheads_studies_2025-06-17T11-16-37-179Z.json",
                "biomcp_search_nsclc_egfr_l858r_20260811.json",
            ] {
                let page = try JSONSerialization.jsonObject(with: Data(Fixtures.bytes("api-pages/" + name))) as! [String: Any]
                studies += page["studies"] as! [[String: Any]]
                if name.hasPrefix("biomcp_search_phelan"), let t = page["nextPageToken"] as? String { tokens.append(t) }
            }
            self.studies = studies
            self.tokens = tokens
            try Self.writeState(dir, studies: studies, tokens: tokens, faults: faults)
            let out = Pipe()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", Fixtures.url("replay_server.py").path, dir.path + "/state.json", dir.path + "/requests.log"]
            process.standardOutput = out
            process.standardInput = Pipe()
            process.standardError = FileHandle.nullDevice
            try process.run()
            var line = Data()
            while let byte = try out.fileHandleForReading.read(upToCount: 1), !byte.isEmpty, byte != Data([0x0A]) { line += byte }
            port = Int(String(decoding: line, as: UTF8.self)) ?? 0
        }

        static func writeState(_ dir: TempFolder, studies: [[String: Any]], tokens: [String], faults: [String: [String: Any]]) throws {
            let state: [String: Any] = [
                "studies": studies, "pageSize": 5, "tokens": tokens, "faults": faults,
                "version": ["apiVersion": "2.0.5", "dataTimestamp": "2026-12-05T09:00:00"],
            ]
            try Data(JSONSerialization.data(withJSONObject: state, options: [.sortedKeys])).write(to: dir.appending("state.json"), options: .atomic)
        }

        func setFaults(_ faults: [String: [String: Any]]) throws {
            try Self.writeState(dir, studies: studies, tokens: tokens, faults: faults)
        }

        var url: String { "http://127.0.0.1:\(port)" }

        /// Requests so far: "N GET path?query UA".
        var requests: [String] {
            ((try? String(contentsOf: dir.appending("requests.log"), encoding: .utf8)) ?? "").split(separator: "\n").map(String.init)
        }

        func stop() {
            // SIGKILL: the test runner's threads block SIGTERM, and a child inherits the mask.
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            dir.remove()
        }
    }

    func command(_ replay: Replay, into: URL) -> FetchCommand {
        var c = FetchCommand(query: FetchQuery(condition: "Phelan-McDermid Syndrome"), folder: into, apiURL: replay.url, userAgent: "trialdiff/test")
        c.policy.interval = 0
        c.policy.baseDelay = 0.05
        c.policy.timeout = 1.5
        c.policy.attempts = 4
        return c
    }

    /// Runs `command` with a fresh AsyncHTTPClient transport, shut down after.
    func fetch(_ command: FetchCommand, log: CapturedLog = CapturedLog(), print: @escaping @Sendable (String) -> Void = { _ in })
        async -> (FetchCommand.Summary?, CommandStatus)
    {
        let transport = AsyncHTTPTransport()
        let result = await command.run(transport: transport, logger: log.logger, print: print)
        await transport.shutdown()
        return result
    }

    func files(_ folder: URL) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []).filter { !$0.hasPrefix(".") }.sorted()
    }

    /// The scenario: 429 + Retry-After first, three pages, every study equal to what was
    /// served; then one study changes, the second fetch asks only for updated studies, rewrites
    /// that file only, and `report` shows that trial's old and new enrollment.
    @Test func fetchesEveryPageThenOnlyWhatChanged() async throws {
        let replay = try Replay(faults: ["1": ["status": 429, "retryAfter": "1"]])
        defer { replay.stop() }
        let work = try TempFolder("fetched")
        defer { work.remove() }
        let into = work.appending("Input/ctgov")
        let log = CapturedLog()
        let clock = ContinuousClock()
        let start = clock.now
        let (first, status) = await fetch(command(replay, into: into), log: log, print: { _ in })
        #expect(status == .success, "\(log.lines)")
        #expect(clock.now - start >= .seconds(1), "Retry-After: 1 was honoured")
        #expect(first?.counts.new == 15)
        #expect(first?.pages == 3)
        #expect(log.lines.contains { $0.contains("HTTP 429") })
        let names = files(into)
        #expect(names.count == 15)
        for name in names {
            let served = try Data(contentsOf: replay.dir.appending("served/" + name))
            #expect(try Data(contentsOf: into.appendingPathComponent(name)) == served, "\(name) is what was served")
        }
        // Paging followed the real tokens; the user agent is trialdiff's.
        let studyRequests = replay.requests.filter { $0.contains("/api/v2/studies") }
        #expect(studyRequests.contains { $0.contains("pageToken=\(replay.tokens[0])") })
        #expect(studyRequests.contains { $0.contains("pageToken=\(replay.tokens[1])") })
        #expect(replay.requests.allSatisfy { $0.hasSuffix(" trialdiff/test") })
        #expect(studyRequests.allSatisfy { $0.contains("query.cond=Phelan-McDermid%20Syndrome") && !$0.contains("LastUpdatePostDate") })

        let out = work.appending("Output")
        let report = ReportCommand(paths: [into.path], output: out, formats: [.json])
        let (before, beforeStatus) = await report.run(logger: CapturedLog().logger)
        #expect(beforeStatus == .success)
        #expect(before.trials.count == 15)
        #expect(before.csv("enrollment", "NCT03934567")?.contains("87") == true)

        // The registry updates one study: a new last-update date and enrollment 87 → 120.
        let today = Date().formatted(.iso8601.year().month().day())
        let index = replay.studies.firstIndex { "\($0)".contains("NCT03934567") }!
        var p = replay.studies[index]["protocolSection"] as! [String: Any]
        var status2 = p["statusModule"] as! [String: Any]
        status2["lastUpdatePostDateStruct"] = ["date": today, "type": "ACTUAL"]
        p["statusModule"] = status2
        var design = p["designModule"] as! [String: Any]
        design["enrollmentInfo"] = ["count": 120, "type": "ACTUAL"]
        p["designModule"] = design
        replay.studies[index]["protocolSection"] = p
        try replay.setFaults([:])
        let modified = Dictionary(uniqueKeysWithValues: try names.map { ($0, try Data(contentsOf: into.appendingPathComponent($0))) })
        let requestsBefore = replay.requests.count

        let (second, secondStatus) = await fetch(command(replay, into: into), log: CapturedLog(), print: { _ in })
        #expect(secondStatus == .success)
        #expect(second?.counts.updated == 1 && second?.counts.new == 0 && second?.counts.unchanged == 0)
        let since = try #require(second?.incrementalSince)
        let asked = replay.requests.dropFirst(requestsBefore).filter { $0.contains("/api/v2/studies") }
        #expect(asked.count == 1)
        #expect(asked.allSatisfy { $0.contains("AREA%5BLastUpdatePostDate%5DRANGE%5B\(since)%2CMAX%5D") })
        for name in names where name != "NCT03934567.json" {
            #expect(try Data(contentsOf: into.appendingPathComponent(name)) == modified[name], "\(name) rewritten")
        }
        #expect(try Data(contentsOf: into.appendingPathComponent("NCT03934567.json")) != modified["NCT03934567.json"])

        let (after, _) = await report.run(logger: CapturedLog().logger)
        let changes = try #require(after.changes)
        #expect(changes.trialsAdded.isEmpty && changes.trialsRemoved.isEmpty)
        #expect(changes.trialsChanged.map(\.id) == ["NCT03934567"])
        let enrollment = try #require(changes.trialsChanged.first?.parameters.first { $0.key == "enrollment" })
        #expect(enrollment.old.map(\.text).joined().contains("87"))
        #expect(enrollment.new.map(\.text).joined().contains("120"))
    }

    /// 500, a slow response, a truncated body and a dropped connection are each retried; the
    /// fetch ends with every study and no temporary file.
    @Test func faultsAreRetried() async throws {
        // The slow response comes after 10 s, against the client's 1.5 s: with 3 s, a CI machine
        // running the whole suite on 2 cores once stalled the client long enough to read it in
        // time (no timeout logged). The server is killed at the end; the wait costs nothing.
        let replay = try Replay(faults: [
            "2": ["status": 500], "3": ["delay": 10], "4": ["truncate": true], "6": ["drop": true],
        ])
        defer { replay.stop() }
        let work = try TempFolder("faults")
        defer { work.remove() }
        let into = work.appending("in")
        let log = CapturedLog()
        let (summary, status) = await fetch(command(replay, into: into), log: log, print: { _ in })
        #expect(status == .success, "\(log.lines)")
        #expect(summary?.counts.new == 15)
        #expect(files(into).count == 15)
        #expect(log.lines.contains { $0.contains("HTTP 500") }, "\(log.lines)")
        #expect(log.lines.contains { $0.contains("no response within") }, "\(log.lines)")
        #expect(log.lines.contains { $0.contains("truncated") || $0.contains("connection") }, "\(log.lines)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: into.path).allSatisfy { !$0.contains("tmp") })
    }

    /// A fetch that fails mid-way keeps its pages and goes on from the next page when run again.
    @Test func anInterruptedFetchResumes() async throws {
        // Request 1 is /version, 2 page 1, 3.. page 2: fails every attempt.
        let replay = try Replay(faults: Dictionary(uniqueKeysWithValues: (3...6).map { ("\($0)", ["status": 503] as [String: Any]) }))
        defer { replay.stop() }
        let work = try TempFolder("resume")
        defer { work.remove() }
        let into = work.appending("in")
        let log = CapturedLog()
        let (_, status) = await fetch(command(replay, into: into), log: log, print: { _ in })
        #expect(status == .inputFailed)
        #expect(files(into).count == 5)
        #expect(
            log.lines.contains { $0.contains("gave up after 4 attempts: HTTP 503") && $0.contains("5 studies in 1 pages fetched and kept so far") })
        let manifest = try String(contentsOf: into.appendingPathComponent(".trialdiff-fetch.json"), encoding: .utf8)
        #expect(manifest.contains(replay.tokens[0]))

        let (summary, again) = await fetch(command(replay, into: into), log: CapturedLog(), print: { _ in })
        #expect(again == .success)
        #expect(summary?.resumed == true)
        #expect(summary?.counts.new == 15)
        #expect(files(into).count == 15)
        let page1Requests = replay.requests.filter { $0.contains("/api/v2/studies") && !$0.contains("pageToken") }
        #expect(page1Requests.count == 1, "page 1 was not asked for again")
    }

    /// A saved page token the registry no longer accepts (HTTP 400): the fetch starts again from
    /// page 1 and ends with every study, rewriting none of those it had.
    @Test func anExpiredPageTokenStartsOver() async throws {
        let replay = try Replay(faults: Dictionary(uniqueKeysWithValues: (3...6).map { ("\($0)", ["status": 503] as [String: Any]) }))
        defer { replay.stop() }
        let work = try TempFolder("expired")
        defer { work.remove() }
        let into = work.appending("in")
        _ = await fetch(command(replay, into: into))
        #expect(files(into).count == 5)
        // Rerun: request 7 is /version, 8 the saved page 2: refused as the API refuses a stale token.
        try replay.setFaults(["8": ["status": 400, "body": "Invalid pageToken"]])
        let log = CapturedLog()
        let (summary, status) = await fetch(command(replay, into: into), log: log)
        #expect(status == .success, "\(log.lines)")
        #expect(log.lines.contains { $0.contains("no longer accepts the saved page (Invalid pageToken)") })
        #expect(files(into).count == 15)
        #expect(summary?.counts.new == 10 && summary?.counts.unchanged == 5 && summary?.counts.fetched == 15, "\(String(describing: summary))")
    }

    /// `trialdiff fetch` killed (SIGKILL) while it waits for page 2: the rerun goes on from page 2,
    /// and no study file is half-written or left as a temporary file.
    @Test func aKilledFetchResumes() async throws {
        let exe = try #require(Repo.product("trialdiff"), "build the trialdiff executable first")
        // Request 1 is /version, 2 page 1, 3 page 2: held for 30 s.
        let replay = try Replay(faults: ["3": ["delay": 30]])
        defer { replay.stop() }
        let work = try TempFolder("killed")
        defer { work.remove() }
        let into = work.appending("in")
        func fetch() throws -> Process {
            let p = Process()
            p.executableURL = exe
            p.arguments = [
                "fetch", "--cond", "Phelan-McDermid Syndrome", "--into", into.path, "--api-url", replay.url, "--interval", "0",
                "--quiet",
            ]
            p.standardError = FileHandle.nullDevice
            p.standardOutput = FileHandle.nullDevice
            try p.run()
            return p
        }
        let first = try fetch()
        let manifest = into.appendingPathComponent(".trialdiff-fetch.json")
        for _ in 0..<200 where !replay.requests.contains(where: { $0.hasPrefix("3 ") }) { try await Task.sleep(for: .milliseconds(50)) }
        kill(first.processIdentifier, SIGKILL)
        first.waitUntilExit()
        #expect(files(into).count == 5)
        #expect(try String(contentsOf: manifest, encoding: .utf8).contains(replay.tokens[0]))

        try replay.setFaults([:])
        let second = try fetch()
        second.waitUntilExit()
        #expect(second.terminationStatus == 0)
        #expect(files(into).count == 15)
        #expect(try FileManager.default.contentsOfDirectory(atPath: into.path).allSatisfy { !$0.contains("tmp") })
        let page1 = replay.requests.filter { $0.contains("/api/v2/studies") && !$0.contains("pageToken") }
        #expect(page1.count == 1, "page 1 was not asked for again")
        for name in files(into) {
            #expect(try Data(contentsOf: into.appendingPathComponent(name)) == Data(contentsOf: replay.dir.appending("served/" + name)))
        }
    }

    /// HTTP 400 shows the API's own message; a dry run writes nothing.
    @Test func refusalsShowTheAPIMessageAndADryRunWritesNothing() async throws {
        let replay = try Replay(faults: ["2": ["status": 400, "body": "Unknown value 'ONGOING' of filter.overallStatus"]])
        defer { replay.stop() }
        let work = try TempFolder("refused")
        defer { work.remove() }
        let log = CapturedLog()
        let (_, status) = await fetch(command(replay, into: work.appending("in")), log: log, print: { _ in })
        #expect(status == .inputFailed)
        #expect(log.lines.contains { $0.contains("HTTP 400") && $0.contains("Unknown value 'ONGOING' of filter.overallStatus") })

        var dry = command(replay, into: work.appending("dry"))
        dry.dryRun = true
        let printed = Printed()
        let (_, dryStatus) = await fetch(dry, log: CapturedLog(), print: { printed.add($0) })
        #expect(dryStatus == .success)
        #expect(printed.lines.first?.hasPrefix("would fetch 15 studies of query.cond=\"Phelan-McDermid Syndrome\" (full fetch) in 1 page") == true)
        #expect(!FileManager.default.fileExists(atPath: work.appending("dry").path))
    }

    @Test func queryParametersAreEncoded() {
        let q = FetchQuery(
            condition: "lupus", intervention: "CAR-T & cells", statuses: ["recruiting,not_yet_recruiting"],
            advanced: "AREA[Phase]PHASE2 OR AREA[Phase]PHASE3", ids: ["nct01234567"])
        let p = q.parameters(updatedSince: "2026-12-04")
        #expect(p.map(\.0) == ["query.cond", "query.intr", "filter.overallStatus", "filter.ids", "filter.advanced"])
        #expect(p.last?.1 == "(AREA[Phase]PHASE2 OR AREA[Phase]PHASE3) AND AREA[LastUpdatePostDate]RANGE[2026-12-04,MAX]")
        #expect(p[2].1 == "RECRUITING,NOT_YET_RECRUITING")
        #expect(p[3].1 == "NCT01234567")
    }
}

final class Printed: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [String] = []
    func add(_ s: String) { lock.withLock { storage.append(s) } }
    var lines: [String] { lock.withLock { storage } }
}
