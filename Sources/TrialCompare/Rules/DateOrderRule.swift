import Foundation
import TrialModel

/// Catches dates out of order within one source: completion before start, primary completion
/// before start, or primary completion after (overall) completion. One of the dates is wrong,
/// and timelines in the report would be nonsense.
///
/// Dates are compared per record (two downloads may legitimately hold different dates, which is
/// `source-discrepancy`'s business) and at their common precision: "2018-06" is neither before
/// nor after "2018-06-30".
struct DateOrderRule: TrialRule {
    let id = "date-order"

    func check(_ trial: Trial) -> [Finding] {
        var findings: [Finding] = []
        for record in trial.records {
            let p = record.parameters
            for start in p.startDates {
                for end in p.completionDates where Self.before(end.value, start.value) {
                    findings.append(finding(trial, "Completion date \(end.value) is before the start date \(start.value)", start, end))
                }
                for end in p.primaryCompletionDates where Self.before(end.value, start.value) {
                    findings.append(finding(trial, "Primary completion date \(end.value) is before the start date \(start.value)", start, end))
                }
            }
            for primary in p.primaryCompletionDates {
                for end in p.completionDates where Self.before(end.value, primary.value) {
                    findings.append(
                        finding(trial, "Primary completion date \(primary.value) is after the study completion date \(end.value)", primary, end))
                }
            }
        }
        return findings
    }

    private func finding(_ trial: Trial, _ what: String, _ a: Measured<String>, _ b: Measured<String>) -> Finding {
        Finding(
            rule: id, severity: .error, trial: trial.id.value, message: "\(what): one of the dates is wrong; check the registry record.",
            evidence: a.evidence + b.evidence.filter { !a.evidence.contains($0) })
    }

    /// `a` strictly before `b` at their common precision (ISO prefixes compare as strings).
    static func before(_ a: String, _ b: String) -> Bool {
        let n = min(a.count, b.count)
        return a.prefix(n) < b.prefix(n)
    }
}
