import Foundation
import Logging
import TrialPipeline
import TrialSupport

/// Why a fetch stopped. Each message names what failed and what to do.
public enum FetchError: Error, Sendable, CustomStringConvertible {
    /// The API refused the request (4xx other than 429): its own message.
    case refused(status: Int, message: String, url: String)
    /// Every attempt failed.
    case gaveUp(url: String, attempts: Int, last: String)
    case manifest(path: String, reason: String)
    case write(path: String, reason: String)
    case lock(String)

    public var description: String {
        switch self {
        case let .refused(status, message, url):
            "the registry refused the request (HTTP \(status)): \(message)\n  request: \(url)"
        case let .gaveUp(url, attempts, last):
            "gave up after \(attempts) attempts: \(last)\n  request: \(url)\n  run the same command again to go on from here"
        case let .manifest(path, reason):
            "\(path): cannot read the fetch manifest: \(reason). Delete it to fetch the query again in full"
        case let .write(path, reason): "\(path): cannot write: \(reason)"
        case let .lock(message): message
        }
    }
}

/// How hard and how fast to ask.
public struct RetryPolicy: Sendable {
    /// Attempts per request before giving up.
    public var attempts = 6
    /// First wait after a failure, in seconds; doubled after each further failure, ±50 % jitter.
    public var baseDelay = 2.0
    /// Longest wait, in seconds, whatever `Retry-After` asks.
    public var maxDelay = 300.0
    /// Least time between the starts of two requests, in seconds.
    public var interval = 1.0
    /// Time allowed for one response, in seconds.
    public var timeout = 120.0

    public init() {}
}

/// `trialdiff fetch`: pages through `/api/v2/studies` for a query and keeps one file per study,
/// `NCTxxxxxxxx.json`, exactly as the API sent it; incremental, resumable, polite.
public struct FetchCommand: Sendable {
    public var query: FetchQuery
    public var folder: URL
    public var apiURL: String
    public var userAgent: String
    public var policy = RetryPolicy()
    /// Studies per page (the API allows 1 to 1,000).
    public var pageSize = 1000
    /// Ask for every study of the query, not only those updated since the last fetch.
    public var full = false
    /// Delete files of studies that no longer match the query (checked on full fetches).
    public var prune = false
    /// Say what would be fetched and write nothing.
    public var dryRun = false
    /// Seconds to wait for another fetch into the same folder.
    public var lockTimeout = 0.0

    public init(query: FetchQuery, folder: URL, apiURL: String, userAgent: String) {
        self.query = query
        self.folder = folder
        self.apiURL = apiURL
        self.userAgent = userAgent
    }

    /// What a fetch did.
    public struct Summary: Sendable, Equatable {
        public var counts: FetchManifest.Counts
        public var incrementalSince: String?
        /// Files of studies that no longer match the query (deleted with `prune`).
        public var left: [String]
        public var pages: Int
        public var resumed: Bool
    }

    /// True for `NCT` and eight digits: the only names a study file gets (an ID never becomes
    /// a path of its own).
    static func isNCTID(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return b.count == 11 && b.starts(with: Array("NCT".utf8)) && b[3...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// Runs the fetch. Messages go to `logger`, the summary line to `print`.
    public func run(
        transport: any HTTPTransport, logger: Logger, print: @Sendable (String) -> Void = { Swift.print($0) }
    ) async -> (Summary?, CommandStatus) {
        do {
            let summary = try await fetch(transport: transport, logger: logger, print: print)
            return (summary, .success)
        } catch let error as FetchError {
            logger.error("\(Printable.lines(error.description))")
            if case .lock = error { return (nil, .locked) }
            if case .write = error { return (nil, .outputFailed) }
            if case .manifest = error { return (nil, .outputFailed) }
            return (nil, .inputFailed)
        } catch {
            logger.error("\(Printable.lines(String(describing: error)))")
            return (nil, .inputFailed)
        }
    }

    private func fetch(transport: any HTTPTransport, logger: Logger, print: @Sendable (String) -> Void) async throws -> Summary {
        var requester = Requester(transport: transport, policy: policy, userAgent: userAgent, logger: logger)
        if dryRun { return try await dryRunCount(&requester, print: print) }
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw FetchError.write(path: folder.path, reason: error.localizedDescription)
        }
        let lock: RunLock
        do {
            lock = try RunLock(folder: folder, timeout: lockTimeout)
        } catch {
            throw FetchError.lock("\(error)")
        }
        defer { withExtendedLifetime(lock) {} }

        let previous = try FetchManifest.load(from: folder)
        let same = previous.map(isSameQuery) ?? false
        var started = Date().formatted(.iso8601)
        var since = updatedSince(previous)
        var token: String? = nil
        var seen: [String] = []
        var counts = FetchManifest.Counts()
        var pages = 0
        var resumed = false
        var resumedPages = -1
        if same, let pending = previous?.pending, !full || pending.since == nil {
            (started, since, token, seen, counts, pages) =
                (pending.started, pending.since, pending.pageToken, pending.seen, pending.counts, pending.pages)
            resumed = true
            resumedPages = pages
            logger.notice("going on with the unfinished fetch of \(started) from page \(pages + 1)")
        }

        // What the registry says of its data (informational; a failure does not stop the fetch).
        var version: (api: String?, data: String?) = (nil, nil)
        do {
            let reply = try await requester.get(FetchQuery.url(apiURL, "/api/v2/version", []))
            let root = try JSONTape.parse(reply.body).root
            version = (root["apiVersion"].string, root["dataTimestamp"].string)
        } catch {
            logger.warning("cannot read the registry's version (\(error)); fetching anyway")
        }

        var manifest = FetchManifest(
            query: query, apiURL: apiURL, lastComplete: same ? previous?.lastComplete : nil, apiVersion: version.api,
            dataTimestamp: version.data, counts: previous?.counts ?? .init(), studies: same ? previous?.studies ?? [] : [],
            pending: nil)
        if let since { logger.info("asking for studies of \(query.summary) updated since \(since)") }
        while true {
            var parameters = query.parameters(updatedSince: since)
            parameters.append(("format", "json"))
            parameters.append(("pageSize", "\(pageSize)"))
            if let token { parameters.append(("pageToken", token)) } else { parameters.append(("countTotal", "true")) }
            let url = FetchQuery.url(apiURL, "/api/v2/studies", parameters)
            let page: JSONValue
            do {
                page = try await requester.getJSON(url) { $0["studies"].isArray }
            } catch FetchError.refused(let status, let message, _) where resumed && pages == resumedPages && status == 400 {
                // The saved page token has expired: start the query again from its first page
                // (files already fetched are compared, not rewritten, and count as unchanged).
                logger.warning("the registry no longer accepts the saved page (\(message)); starting from the first page")
                token = nil
                pages = 0
                resumedPages = -1
                seen = []
                counts = .init()
                continue
            } catch {
                throw Self.withProgress(error, fetched: seen.count, pages: pages)
            }
            if let total = page["totalCount"].string { logger.info("\(total) studies match \(query.summary)") }
            for study in page["studies"].elements {
                guard let id = study["protocolSection"]["identificationModule"]["nctId"].string, Self.isNCTID(id)
                else {
                    logger.warning("a study at \(study.pointer) of page \(pages + 1) has no valid NCT ID; skipped")
                    continue
                }
                switch try store(Array(study.rawBytes), as: id) {
                case .new: counts.new += 1
                case .updated: counts.updated += 1
                case .unchanged: counts.unchanged += 1
                }
                counts.fetched += 1
                seen.append(id)
            }
            pages += 1
            logger.info("page \(pages): \(seen.count) studies so far")
            guard let next = page["nextPageToken"].string, !next.isEmpty else { break }
            token = next
            manifest.pending = .init(started: started, since: since, pageToken: next, pages: pages, seen: seen, counts: counts)
            try manifest.save(in: folder)
        }

        // Complete.
        var left: [String] = []
        var known = Set(seen)
        if since == nil {
            left = studyFiles().filter { !known.contains($0) }
            if prune {
                for id in left { try? FileManager.default.removeItem(at: folder.appendingPathComponent(id + ".json")) }
            }
        } else {
            known.formUnion(manifest.studies)
        }
        counts.left = left.count
        manifest.studies = known.sorted()
        manifest.counts = counts
        manifest.lastComplete = started
        manifest.pending = nil
        try manifest.save(in: folder)

        var line =
            "fetched \(counts.fetched) stud\(counts.fetched == 1 ? "y" : "ies") of \(query.summary)"
            + (since.map { " updated since \($0)" } ?? "")
            + ": \(counts.new) new, \(counts.updated) updated, \(counts.unchanged) unchanged"
        if !left.isEmpty {
            line += "; \(left.count) no longer match\(left.count == 1 ? "es" : "") the query"
            line += prune ? " (deleted)" : " (kept; --prune deletes): " + left.prefix(10).joined(separator: ", ") + (left.count > 10 ? ", …" : "")
        }
        print(line + " → \(folder.path)")
        return Summary(counts: counts, incrementalSince: since, left: left, pages: pages, resumed: resumed)
    }

    private func dryRunCount(_ requester: inout Requester, print: @Sendable (String) -> Void) async throws -> Summary {
        let since = updatedSince(try? FetchManifest.load(from: folder))
        var parameters = query.parameters(updatedSince: since)
        parameters += [("format", "json"), ("countTotal", "true"), ("pageSize", "1"), ("fields", "NCTId")]
        let url = FetchQuery.url(apiURL, "/api/v2/studies", parameters)
        let page = try await requester.getJSON(url) { $0["studies"].isArray }
        let total = page["totalCount"].string ?? "?"
        let pages = Int(total).map { ($0 + pageSize - 1) / pageSize } ?? 0
        print(
            "would fetch \(total) studies of \(query.summary)" + (since.map { " updated since \($0)" } ?? " (full fetch)")
                + " in \(pages) page\(pages == 1 ? "" : "s") into \(folder.path); nothing written")
        return Summary(counts: .init(), incrementalSince: since, left: [], pages: 0, resumed: false)
    }

    /// True when `manifest` was written for this query on this API.
    func isSameQuery(_ manifest: FetchManifest) -> Bool { manifest.query == query && manifest.apiURL == apiURL }

    /// The day to ask for updates from: the day before the last complete fetch of this query
    /// (a day of overlap: the registry's dates are days, and a study posted late on the day of
    /// the last fetch must not be missed); nil for a full fetch.
    func updatedSince(_ previous: FetchManifest?) -> String? {
        guard !full, let previous, isSameQuery(previous), let last = previous.lastComplete,
            let date = try? Date(last, strategy: .iso8601)
        else { return nil }
        return date.addingTimeInterval(-86_400).formatted(FetchQuery.dayFormat)
    }

    static func withProgress(_ error: any Error, fetched: Int, pages: Int) -> any Error {
        guard case let FetchError.gaveUp(url, attempts, last) = error else { return error }
        return FetchError.gaveUp(
            url: url, attempts: attempts,
            last: last + " (\(fetched) studies in \(pages) pages fetched and kept so far)")
    }

    enum Stored { case new, updated, unchanged }

    /// Writes a study's bytes to `ID.json` unless the file already holds them (temporary file,
    /// then rename: never half a study).
    func store(_ bytes: [UInt8], as id: String) throws -> Stored {
        let url = folder.appendingPathComponent(id + ".json")
        let old = FileManager.default.contents(atPath: url.path)
        if let old, old.elementsEqual(bytes) { return .unchanged }
        do {
            try Data(bytes).write(to: url, options: .atomic)
        } catch {
            throw FetchError.write(path: url.path, reason: error.localizedDescription)
        }
        return old == nil ? .new : .updated
    }

    /// NCT IDs of the study files in the folder, sorted.
    func studyFiles() -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.map { String($0.dropLast(5)) }.filter(Self.isNCTID)
            .sorted()
    }
}

/// Requests with spacing, retries, backoff and `Retry-After`.
struct Requester {
    let transport: any HTTPTransport
    let policy: RetryPolicy
    let userAgent: String
    let logger: Logger
    var lastStart: ContinuousClock.Instant? = nil

    init(transport: any HTTPTransport, policy: RetryPolicy, userAgent: String, logger: Logger) {
        self.transport = transport
        self.policy = policy
        self.userAgent = userAgent
        self.logger = logger
    }

    /// A 2xx response whose body is JSON and passes `check`; retries truncated or malformed bodies.
    mutating func getJSON(_ url: String, check: (JSONValue) -> Bool) async throws -> JSONValue {
        try await attempt(url) { reply in
            guard let root = try? JSONTape.parse(reply.body).root, check(root) else {
                return .retry("the response is not the JSON expected (truncated?)")
            }
            return .done(root)
        }
    }

    mutating func get(_ url: String) async throws -> HTTPReply {
        try await attempt(url) { .done($0) }
    }

    enum Outcome<T> {
        case done(T)
        case retry(String)
    }

    private mutating func attempt<T>(_ url: String, _ accept: (HTTPReply) -> Outcome<T>) async throws -> T {
        var last = ""
        for n in 1...max(1, policy.attempts) {
            if let lastStart {
                let wait = lastStart.advanced(by: .milliseconds(Int(policy.interval * 1000))) - .now
                if wait > .zero { try await Task.sleep(for: wait) }
            }
            lastStart = .now
            var retryAfter: Double? = nil
            do {
                let reply = try await transport.get(
                    url, headers: [("User-Agent", userAgent), ("Accept", "application/json")], timeout: policy.timeout)
                switch reply.status {
                case 200..<300:
                    switch accept(reply) {
                    case let .done(value): return value
                    case let .retry(reason): last = reason
                    }
                case 429, 500..<600:
                    last = "HTTP \(reply.status)"
                    retryAfter = reply.headers["retry-after"].flatMap(Self.seconds)
                default:
                    let text = String(decoding: reply.body.prefix(2000), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
                    throw FetchError.refused(
                        status: reply.status, message: Printable.text(text.isEmpty ? "(no message)" : text), url: url)
                }
            } catch let error as TransportError {
                last = error.description
                if !error.retryable { throw FetchError.gaveUp(url: url, attempts: n, last: last) }
            }
            guard n < policy.attempts else { break }
            let backoff = policy.baseDelay * pow(2, Double(n - 1)) * Double.random(in: 0.5...1.5)
            let delay = min(policy.maxDelay, retryAfter ?? backoff)
            logger.warning("\(last); trying again in \(String(format: "%.1f", delay)) s (attempt \(n + 1) of \(policy.attempts))")
            try await Task.sleep(for: .milliseconds(Int(delay * 1000)))
        }
        throw FetchError.gaveUp(url: url, attempts: policy.attempts, last: last)
    }

    /// `Retry-After` as seconds: a number, or an HTTP date.
    static func seconds(_ value: String) -> Double? {
        if let s = Double(value.trimmingCharacters(in: .whitespaces)) { return max(0, s) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        return f.date(from: value).map { max(0, $0.timeIntervalSinceNow) }
    }
}
