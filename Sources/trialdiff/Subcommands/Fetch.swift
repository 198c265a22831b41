import ArgumentParser
import Foundation
import TrialFetch
import TrialPipeline

struct Fetch: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Fetch a query's studies from the ClinicalTrials.gov API, one file per study.",
        discussion: """
            Pages through /api/v2/studies and writes each study to DIR/NCTxxxxxxxx.json exactly as \
            the API sent it (temporary file, then rename). The query, the time of the last complete \
            fetch and the counts are kept in DIR/.trialdiff-fetch.json: the next run with the same \
            query asks only for studies updated since the day before that fetch and rewrites only \
            files whose content changed; a changed query (or --full) fetches everything again and \
            lists files of studies that no longer match (--prune deletes them). Requests are \
            spaced (--interval) and retried with exponential backoff on 429, 5xx, timeouts and \
            truncated responses, honouring Retry-After; an interrupted fetch goes on from its last \
            page when run again. Exit status: 0 fetched; 1 the registry could not be read (the \
            error names the request and what was kept); 2 usage error or DIR not writable; 5 \
            another fetch holds DIR.
            """)

    @Option(name: .customLong("cond"), help: "Condition or disease (query.cond).")
    var condition: String?

    @Option(help: "Any words (query.term).")
    var term: String?

    @Option(name: .customLong("intr"), help: "Intervention or treatment (query.intr).")
    var intervention: String?

    @Option(help: "Sponsor or collaborator (query.spons).")
    var sponsor: String?

    @Option(help: "Overall status, e.g. RECRUITING (filter.overallStatus; comma-separated or repeated).")
    var status: [String] = []

    @Option(help: "Essie expression, e.g. 'AREA[Phase]PHASE2' (filter.advanced).")
    var advanced: String?

    @Option(help: "NCT IDs (filter.ids; comma-separated or repeated).")
    var ids: [String] = []

    @Option(help: "Folder for the study files and the manifest.")
    var into: String = "Input/ctgov"

    @Option(
        help: ArgumentHelp(
            "The API's address (default: $TRIALDIFF_API_URL, else https://clinicaltrials.gov).", valueName: "url"))
    var apiURL: String?

    @Flag(help: "Fetch every study of the query, not only those updated since the last fetch.")
    var full = false

    @Flag(help: "Delete files of studies that no longer match the query (found by full fetches).")
    var prune = false

    @Flag(help: "Print how many studies would be fetched; write nothing.")
    var dryRun = false

    @Option(help: "Least seconds between two requests.")
    var interval: Double = 1

    @Option(help: "Attempts per request before giving up.")
    var attempts: Int = 6

    @Option(help: "Seconds allowed for one response.")
    var timeout: Double = 120

    @Option(help: "Studies per page (1 to 1000).")
    var pageSize: Int = 1000

    @OptionGroup var log: LogOptions

    func validate() throws {
        if !(1...1000).contains(pageSize) { throw ValidationError("--page-size must be 1 to 1000") }
        if attempts < 1 { throw ValidationError("--attempts must be at least 1") }
        if interval < 0 || timeout <= 0 { throw ValidationError("--interval must be 0 or more and --timeout more than 0") }
        if let url = resolvedAPIURL, URL(string: url)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ValidationError("--api-url must be an http or https address: '\(url)'")
        }
    }

    var resolvedAPIURL: String? { apiURL ?? ProcessInfo.processInfo.environment["TRIALDIFF_API_URL"] }

    func run() async throws {
        let query = FetchQuery(
            condition: condition, term: term, intervention: intervention, sponsor: sponsor, statuses: status, advanced: advanced,
            ids: ids)
        var command = FetchCommand(
            query: query, folder: URL(fileURLWithPath: into), apiURL: resolvedAPIURL ?? "https://clinicaltrials.gov",
            userAgent: "trialdiff/\(Version.string) (clinical-trial landscape reports)")
        command.full = full
        command.prune = prune
        command.dryRun = dryRun
        command.pageSize = pageSize
        command.policy.interval = interval
        command.policy.attempts = attempts
        command.policy.timeout = timeout
        let transport = AsyncHTTPTransport()
        let (_, status) = await command.run(transport: transport, logger: log.logger, print: printToStandardOutput)
        await transport.shutdown()
        try Exit.with(status)
    }
}
