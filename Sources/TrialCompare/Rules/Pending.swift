import TrialModel

// Rules being implemented; each moves to its own file in this folder.
struct LostComparatorRule: RecordRule { let id = "lost-comparator"; func check(_ s: SourceRecord, _ r: TrialRecord) -> [Finding] { [] } }
struct ForeignTextRule: RecordRule { let id = "foreign-text"; func check(_ s: SourceRecord, _ r: TrialRecord) -> [Finding] { [] } }
struct ScrapeDebrisRule: RecordRule { let id = "scrape-debris"; func check(_ s: SourceRecord, _ r: TrialRecord) -> [Finding] { [] } }
struct DuplicatedTimePointRule: RecordRule { let id = "duplicated-time-point"; func check(_ s: SourceRecord, _ r: TrialRecord) -> [Finding] { [] } }
struct EnrollmentMismatchRule: TrialRule { let id = "enrollment-mismatch"; func check(_ t: Trial) -> [Finding] { [] } }
struct AgeMismatchRule: TrialRule { let id = "age-mismatch"; func check(_ t: Trial) -> [Finding] { [] } }
struct SexMismatchRule: TrialRule { let id = "sex-mismatch"; func check(_ t: Trial) -> [Finding] { [] } }
struct PhaseMismatchRule: TrialRule { let id = "phase-mismatch"; func check(_ t: Trial) -> [Finding] { [] } }
struct ConditionTitleContradictionRule: TrialRule { let id = "condition-contradicts-title"; func check(_ t: Trial) -> [Finding] { [] } }
struct DateOrderRule: TrialRule { let id = "date-order"; func check(_ t: Trial) -> [Finding] { [] } }
struct SuspiciousValueRule: TrialRule { let id = "suspicious-value"; func check(_ t: Trial) -> [Finding] { [] } }
struct SourceDiscrepancyRule: TrialRule { let id = "source-discrepancy"; func check(_ t: Trial) -> [Finding] { [] } }
struct ProductRegimenDifferenceRule: LandscapeRule { let id = "product-regimen-difference"; func check(_ t: [Trial]) -> [Finding] { [] } }
