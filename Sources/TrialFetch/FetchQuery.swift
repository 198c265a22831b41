import Foundation

/// What to fetch: the ClinicalTrials.gov API v2 search parameters `trialdiff fetch` passes on.
/// Stored in the manifest, so the next run knows whether it asks the same question.
public struct FetchQuery: Codable, Sendable, Equatable {
    /// `query.cond`: condition or disease.
    public var condition: String?
    /// `query.term`: any words.
    public var term: String?
    /// `query.intr`: intervention or treatment.
    public var intervention: String?
    /// `query.spons`: sponsor or collaborator.
    public var sponsor: String?
    /// `filter.overallStatus`: e.g. RECRUITING, COMPLETED.
    public var statuses: [String]
    /// `filter.advanced`: Essie expression, e.g. `AREA[Phase]PHASE2`.
    public var advanced: String?
    /// `filter.ids`: NCT IDs.
    public var ids: [String]

    public init(
        condition: String? = nil, term: String? = nil, intervention: String? = nil, sponsor: String? = nil,
        statuses: [String] = [], advanced: String? = nil, ids: [String] = []
    ) {
        func clean(_ s: String?) -> String? {
            guard let t = s?.trimmingCharacters(in: .whitespacesAndNewlines), !t.isEmpty else { return nil }
            return t
        }
        self.condition = clean(condition)
        self.term = clean(term)
        self.intervention = clean(intervention)
        self.sponsor = clean(sponsor)
        self.statuses = statuses.flatMap { $0.split(separator: ",") }.map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
            .filter { !$0.isEmpty }
        self.advanced = clean(advanced)
        self.ids = ids.flatMap { $0.split(whereSeparator: { $0 == "," || $0 == " " }) }.map { String($0).uppercased() }
    }

    /// The day format of `AREA[LastUpdatePostDate]RANGE[…]`.
    static let dayFormat = Date.ISO8601FormatStyle(timeZone: TimeZone(identifier: "UTC")!).year().month().day()

    /// The API's search parameters, in a fixed order; with `updatedSince` (a day, yyyy-MM-dd),
    /// only studies whose last update was posted on or after it.
    public func parameters(updatedSince: String? = nil) -> [(String, String)] {
        var p: [(String, String)] = []
        if let condition { p.append(("query.cond", condition)) }
        if let term { p.append(("query.term", term)) }
        if let intervention { p.append(("query.intr", intervention)) }
        if let sponsor { p.append(("query.spons", sponsor)) }
        if !statuses.isEmpty { p.append(("filter.overallStatus", statuses.joined(separator: ","))) }
        if !ids.isEmpty { p.append(("filter.ids", ids.joined(separator: ","))) }
        let range = updatedSince.map { "AREA[LastUpdatePostDate]RANGE[\($0),MAX]" }
        switch (advanced, range) {
        case let (a?, r?): p.append(("filter.advanced", "(\(a)) AND \(r)"))
        case let (a?, nil): p.append(("filter.advanced", a))
        case let (nil, r?): p.append(("filter.advanced", r))
        case (nil, nil): break
        }
        return p
    }

    /// The query as a person reads it: `cond="lupus" status=RECRUITING`.
    public var summary: String {
        let parts = parameters().map { "\($0.0)=\"\($0.1)\"" }
        return parts.isEmpty ? "every study in the registry" : parts.joined(separator: " ")
    }

    /// `path` on `base` with `parameters` percent-encoded (only RFC 3986's unreserved characters
    /// are left as they are, so `+`, `&`, `[` and quotes in a query reach the API as typed).
    static func url(_ base: String, _ path: String, _ parameters: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        let ascii = CharacterSet(charactersIn: Unicode.Scalar(0)...Unicode.Scalar(127))
        allowed.formIntersection(ascii)
        func encode(_ s: String) -> String { s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s }
        let query = parameters.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
        let trimmed = base.hasSuffix("/") ? String(base.dropLast()) : base
        return trimmed + path + (query.isEmpty ? "" : "?" + query)
    }
}
