import Foundation
import TrialModel

/// Catches values that are impossible or that stand for "unknown" rather than a real figure:
///
/// - an enrollment of 0 for a trial that is recruiting or not yet recruiting (error: a target
///   of nobody; withdrawn trials legitimately report 0);
/// - sentinel enrollments (99999999, anything from 10,000,000 up) that a registry or a converter
///   used for "unknown" (warning);
/// - ages of 120 years or more, or a minimum above the maximum, which come from sentinels or
///   swapped fields (warning). "N/A" in an age field is an open bound, never a number, and is
///   not flagged;
/// - no age band at all, neither structured nor in the criteria, for a trial whose eligibility
///   criteria are known (note: the report's age column will be empty).
struct SuspiciousValueRule: TrialRule {
    let id = "suspicious-value"

    private static let openStatuses: Set<TrialStatus> = [.recruiting, .notYetRecruiting, .enrollingByInvitation]

    func check(_ trial: Trial) -> [Finding] {
        var findings: [Finding] = []
        let t = trial.id.value
        for record in trial.records {
            let p = record.parameters
            for e in p.enrollment {
                if e.value.count == 0 {
                    for s in p.statuses where Self.openStatuses.contains(s.value) {
                        findings.append(
                            Finding(
                                rule: id, severity: .error, trial: t,
                                message:
                                    "Enrollment is 0 but the trial is \(s.value.label.lowercased()): the target is missing; check the registry record.",
                                evidence: e.evidence + s.evidence))
                    }
                } else if e.value.count >= 10_000_000 {
                    findings.append(
                        Finding(
                            rule: id, severity: .warning, trial: t,
                            message:
                                "Enrollment \(e.value.count) looks like a placeholder for “unknown”, not a participant count: report it as not stated.",
                            evidence: e.evidence))
                }
            }
            for (label, ages) in [("structured age band", p.ageStructured), ("age band in the criteria", p.ageInCriteria)] {
                for a in ages {
                    let values = [a.value.minYears, a.value.maxYears].compactMap { $0 }
                    if let big = values.first(where: { $0 >= 120 }) {
                        findings.append(
                            Finding(
                                rule: id, severity: .warning, trial: t,
                                message:
                                    "The \(label) contains an age of \(Display.number(big)) years, which stands for “no limit” or “unknown” rather than an age: report the bound as open.",
                                evidence: a.evidence))
                    } else if let lo = a.value.minYears, let hi = a.value.maxYears, lo > hi {
                        findings.append(
                            Finding(
                                rule: id, severity: .warning, trial: t,
                                message:
                                    "The \(label) has a minimum age (\(Display.number(lo)) years) above its maximum (\(Display.number(hi)) years): the fields are probably swapped.",
                                evidence: a.evidence))
                    }
                }
            }
        }
        let p = trial.parameters
        if p.ageStructured.isEmpty, p.ageInCriteria.isEmpty, !p.criteria.isEmpty {
            var evidence: [Evidence] = []
            for record in trial.records {
                if let first = record.parameters.criteria.first { evidence.append(first.evidence) }
            }
            findings.append(
                Finding(
                    rule: id, severity: .note, trial: t,
                    message:
                        "No age band is stated: the age fields are empty or N/A and the eligibility criteria give no age; the report will show age as not stated.",
                    evidence: evidence))
        }
        return findings
    }
}
