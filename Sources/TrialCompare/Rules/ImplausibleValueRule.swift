import Foundation
import TrialModel

/// A structured count that cannot be a number of participants: a negative enrollment ("-5") or
/// one that is not a whole number ("12.5", "1.5e308"). The value is reported as not stated,
/// never as the digits it holds, and this warning says why (with the field's evidence).
struct ImplausibleValueRule: RecordRule {
    let id = "implausible-value"

    func check(_ source: SourceRecord, _ record: TrialRecord) -> [Finding] {
        source.fields(.enrollment).compactMap { field in
            guard let why = Enrollment.implausibleCount(field.value) else { return nil }
            return Finding(
                rule: id, severity: .warning, trial: record.primaryID.value,
                message:
                    "Enrollment \(RuleText.quoted(field.value.collapsingWhitespace)) is \(why): it cannot be a count of participants, so the report shows enrollment as not stated; check the registry record.",
                evidence: [source.evidence(field)])
        }
    }
}
