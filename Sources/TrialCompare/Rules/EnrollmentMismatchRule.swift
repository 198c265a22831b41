import Foundation
import TrialModel

/// Catches a structured enrollment that disagrees with the participant count or range the
/// summary or description states ("Enrollment 72" vs "36-72 patients are planned"), one of the
/// figures a landscape report is most often quoted for.
///
/// - A range in the text against one structured count is a finding even when the count lies in
///   the range: the reader cannot tell which figure the registry means.
/// - A single count that differs from a planned (or untyped) count is a warning; "approximately"
///   allows 10 %.
/// - An actual enrollment that differs from the planned count in the text is normal (trials
///   rarely enrol exactly their target): only a difference of more than 20 % is noted.
/// - Text counts not about enrolling the whole trial (no enrolment verb, "per centre",
///   "excluded", cohorts and arms) are ignored, and when one text count equals the structured count the others
///   are taken as subgroups.
struct EnrollmentMismatchRule: TrialRule {
    let id = "enrollment-mismatch"

    /// Words showing a text count is the number of people enrolled ("a total of" alone is not
    /// enough: "focus groups … for a total of 40 participants").
    private static let total = RulePattern(
        #"\benrol|\brecruit|\baccru|\bplanned\b|sample\s+size|\bwill\s+be\s+(?:included|randomi[sz]ed)|\bparticipate\b|\bstudy\s+population\b"#)
    private static let partial = RulePattern(
        #"\bexclud|\beach\b|\bper\s+(?:site|cent(?:er|re)|arm|group|cohort)|\bin\s+each\b|\bfor\s+each\b|\bcohort\b|\bgroup\b|\barm\b|\bpart\b"#)
    private static let approximate = RulePattern(#"^(?:approximately|approx\.|about|around|~|≈|up\s+to)"#)

    func check(_ trial: Trial) -> [Finding] {
        var findings: [Finding] = []
        for record in trial.records {
            let structured = record.parameters.enrollment.isEmpty ? trial.parameters.enrollment : record.parameters.enrollment
            let texts = record.parameters.enrollmentInText.filter { t in
                let quote = t.evidence.first?.quote ?? ""
                return Self.total.matches(quote) && !Self.partial.matches(quote)
            }
            guard !texts.isEmpty else { continue }
            for e in structured {
                let count = e.value.count
                if texts.contains(where: { $0.value.low == count && $0.value.high == count }) { continue }
                for t in texts {
                    let quote = t.evidence.first?.quote ?? ""
                    let range = t.value
                    let kind = e.value.type.map { "\($0.rawValue) " } ?? ""
                    let place = Self.place(t)
                    var severity = Severity.warning
                    let message: String
                    if range.low != range.high {
                        if e.value.type == .actual {
                            guard !range.contains(count) else { continue }
                            severity = .note
                        }
                        message =
                            "Structured \(kind)enrollment is \(count) but the \(place) gives a range of \(range.display) participants (\(RuleText.quoted(quote))): state which figure is the target."
                    } else {
                        let n = range.low
                        let relative = Double(abs(n - count)) / Double(max(n, count, 1))
                        if e.value.type == .actual {
                            guard relative > 0.2 else { continue }
                            severity = .note
                            message =
                                "Actual enrollment is \(count) while the \(place) plans \(n) participants (\(RuleText.quoted(quote))): normal for a finished trial, but say which figure the report uses."
                        } else {
                            if Self.approximate.matches(quote), relative <= 0.1 { continue }
                            message =
                                "Structured \(kind)enrollment is \(count) but the \(place) says \(n) participants (\(RuleText.quoted(quote))): check which is right."
                        }
                    }
                    findings.append(
                        Finding(
                            rule: id, severity: severity, trial: trial.id.value, message: message,
                            evidence: e.evidence + t.evidence))
                }
            }
        }
        return findings
    }

    /// "summary" or "description", from the evidence locator.
    private static func place(_ t: Measured<CountRange>) -> String {
        let locator = t.evidence.first?.locator.lowercased() ?? ""
        if locator.contains("detailed") || locator.contains("description") { return "description" }
        return "summary"
    }
}
