import Foundation
import TestSupport
import Testing
import TrialExtraction
import TrialModel

/// One row of TRUTH.tsv: the raw structured strings of a real ClinicalTrials.gov record.
struct TruthRow: Sendable, CustomTestStringConvertible {
    var id: String
    var file: String
    var minimumAge: String
    var maximumAge: String
    var enrollment: String
    var enrollmentType: String
    var phase: String
    var status: String
    var sex: String

    var testDescription: String { file }

    static let all: [TruthRow] = {
        guard let text = try? Fixtures.text("realdata/TRUTH.tsv") else { return [] }
        return text.split(separator: "\n").dropFirst().map { line in
            let c = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return TruthRow(
                id: c[0], file: c[2], minimumAge: c[3], maximumAge: c[4], enrollment: c[5],
                enrollmentType: c[6], phase: c[7], status: c[8], sex: c[9])
        }
    }()

    /// A record holding the row's raw strings as a reader would (API v2 lists one field per phase).
    var record: SourceRecord {
        var r = SourceRecord(file: file, format: .ctgovXML)
        r.add(.nctID, id, locator: "id")
        r.add(.status, status, locator: "overall_status")
        for (i, p) in phase.split(separator: "|").enumerated() { r.add(.phase, String(p), locator: "phase[\(i)]") }
        r.add(.enrollment, enrollment, locator: "enrollment")
        r.add(.enrollmentType, enrollmentType, locator: "enrollment/@type")
        r.add(.minimumAge, minimumAge, locator: "minimum_age")
        r.add(.maximumAge, maximumAge, locator: "maximum_age")
        r.add(.sex, sex, locator: "gender")
        return r
    }
}

/// Expected normalizations, written out independently of the implementation.
enum Expected {
    static func years(_ raw: String) -> Double? {
        let parts = raw.split(separator: " ")
        guard parts.count == 2, let n = Double(parts[0]) else { return nil }
        switch parts[1].lowercased() {
        case "years", "year": return n
        case "months", "month": return n / 12
        case "weeks", "week": return n * 7 / 365.25
        case "days", "day": return n / 365.25
        default:
            Issue.record("unexpected unit in \(raw)")
            return nil
        }
    }

    static let phase: [String: String] = [
        "Phase 1": "Phase 1", "Phase 2": "Phase 2", "Phase 3": "Phase 3", "Phase 4": "Phase 4",
        "Phase 1/Phase 2": "Phase 1/Phase 2", "Phase 2/Phase 3": "Phase 2/Phase 3", "N/A": "N/A", "NA": "N/A",
        "PHASE1": "Phase 1", "PHASE2": "Phase 2", "PHASE3": "Phase 3", "PHASE1|PHASE2": "Phase 1/Phase 2",
        "EARLY_PHASE1": "Early Phase 1",
    ]

    static let status: [String: TrialStatus] = [
        "Recruiting": .recruiting, "RECRUITING": .recruiting, "Completed": .completed, "COMPLETED": .completed,
        "Not yet recruiting": .notYetRecruiting, "NOT_YET_RECRUITING": .notYetRecruiting,
        "Active, not recruiting": .activeNotRecruiting, "Terminated": .terminated, "Withdrawn": .withdrawn,
        "WITHDRAWN": .withdrawn, "Unknown status": .unknown, "Available": .available, "Withheld": .withheld,
        "Suspended": .suspended,
    ]

    static let sex: [String: Sex] = ["All": .all, "ALL": .all, "Both": .all, "Female": .female, "Male": .male]

    static let enrollmentType: [String: EnrollmentType] = [
        "Anticipated": .planned, "ESTIMATED": .planned, "Actual": .actual, "ACTUAL": .actual,
    ]
}

@Suite("Structured fields of real records (TRUTH.tsv)")
struct TruthTableTests {
    @Test func tableIsLoaded() {
        #expect(TruthRow.all.count == 102)
    }

    @Test(arguments: TruthRow.all)
    func normalizes(_ row: TruthRow) throws {
        let trial = TrialExtractor.extract(row.record)
        let p = trial.parameters
        #expect(trial.warnings.isEmpty, "\(trial.warnings)")
        #expect(trial.primaryID == TrialID(.nct, row.id))

        let age = p.ageStructured.first?.value
        #expect(age?.minYears == Expected.years(row.minimumAge))
        #expect(age?.maxYears == Expected.years(row.maximumAge))
        #expect(p.ageStructured.count <= 1)

        if row.enrollment.isEmpty {
            #expect(p.enrollment.isEmpty)
        } else {
            #expect(p.enrollment.map(\.value) == [Enrollment(count: Int(row.enrollment)!, type: Expected.enrollmentType[row.enrollmentType])])
        }
        #expect(p.phases.map(\.value) == (row.phase.isEmpty ? [] : [try #require(Expected.phase[row.phase])]))
        #expect(p.statuses.map(\.value) == [try #require(Expected.status[row.status])])
        #expect(p.sex.map(\.value) == (row.sex.isEmpty ? [] : [try #require(Expected.sex[row.sex])]))
    }
}

@Suite("ClinicalTrials.gov API v2 records")
struct RealRecordTests {
    @Test func tcrTrialRegimen() throws {
        let p = TrialExtractor.extract(try CTGovV2.record("ctgov-json/NCT05438667.json")).parameters
        #expect(p.dose("cyclophosphamide") == Dose(agent: "cyclophosphamide", amount: 300, amountMax: 450, unit: "mg/m²", days: [-5, -4]))
        #expect(p.dose("fludarabine") == Dose(agent: "fludarabine", amount: 30, unit: "mg/m²", days: [-5, -4, -3]))
        #expect(p.doses.count == 2, "the exclusion 'sensitivity to … cyclophosphamide, fludarabine' adds nothing")
        #expect(p.cellDoseValues.contains(CellDose(mantissa: 1, exponent: 9, unit: "cells")))
        #expect(p.cellDoseValues.contains(CellDose(mantissa: 1, exponent: 10, unit: "cells")))
        #expect(!p.cellDoseValues.contains { $0.mantissa == 1.5 || $0.mantissa == 50 }, "blood counts per litre are not doses")
        #expect(p.ageInCriteria.map(\.value) == [AgeRange(minYears: 18, maxYears: nil, minComparator: .greater)])
        #expect(p.threshold("ECOG") == Threshold(measure: "ECOG", comparator: .lessOrEqual, value: 2, unit: ""))
        #expect(p.threshold("CrCl") == Threshold(measure: "CrCl", comparator: .greaterOrEqual, value: 60, unit: "mL/min"))
        #expect(p.threshold("platelets") == Threshold(measure: "platelets", comparator: .greaterOrEqual, value: 50, unit: "×10^9/L"))
        #expect(p.threshold("ALT") == Threshold(measure: "ALT", comparator: .less, value: 2.5, unit: "× ULN"))
        #expect(p.cellTypes.map(\.value) == ["TCR-T"])
        #expect(p.enrollmentInText.map(\.value) == [CountRange(low: 18, high: 18)])
        #expect(p.statuses.map(\.value) == [.recruiting])
        #expect(p.phases.map(\.value) == ["Early Phase 1"])
    }

    /// "Performance Status of 0 or 1." ends a sentence: the full stop after the list is no decimal.
    @Test func ecogListBeforeAFullStop() throws {
        let p = TrialExtractor.extract(try CTGovV2.record("ctgov-json/NCT04956640.json")).parameters
        #expect(p.thresholds("ECOG").map(\.value) == [Threshold(measure: "ECOG", comparator: .lessOrEqual, value: 1, unit: "")])
        #expect(p.thresholds("ECOG").first?.evidence.first?.quote == "Eastern Cooperative Oncology Group (ECOG) Performance Status of 0 or 1")
    }

    /// "ECOG performance status 0." admits one score: a maximum of 0.
    @Test func singleECOGScore() throws {
        let p = TrialExtractor.extract(try CTGovV2.record("ctgov-json/NCT06411691.json")).parameters
        #expect(p.thresholds("ECOG").map(\.value) == [Threshold(measure: "ECOG", comparator: .lessOrEqual, value: 0, unit: "")])
    }

    @Test func mtcrTrialRegimen() throws {
        let p = TrialExtractor.extract(try CTGovV2.record("ctgov-json/NCT03745326.json")).parameters
        #expect(p.dose("cyclophosphamide") == Dose(agent: "cyclophosphamide", amount: 60, unit: "mg/kg", frequency: "per day", days: [-7, -6]))
        #expect(p.dose("fludarabine") == Dose(agent: "fludarabine", amount: 25, unit: "mg/m²", frequency: "per day", days: [-7, -6, -5, -4, -3]))
        #expect(p.doses.count == 2)
        #expect(p.ageInCriteria.first?.value == AgeRange(minYears: 18, maxYears: 72, minComparator: .greaterOrEqual, maxComparator: .lessOrEqual))
        #expect(p.ageInCriteria.first?.evidence.first?.quote == "Age greater than or equal to 18 years and less than or equal to 72 years")
        #expect(p.threshold("ECOG") == Threshold(measure: "ECOG", comparator: .lessOrEqual, value: 1, unit: ""))
        #expect(p.threshold("ALT") == Threshold(measure: "ALT", comparator: .lessOrEqual, value: 5, unit: "× ULN"))
        #expect(p.threshold("platelets") == Threshold(measure: "platelets", comparator: .greaterOrEqual, value: 80000, unit: "/mm³"))
        // Exclusion "LVEF less than or equal to 45%" admits LVEF > 45 %: a minimum, implied.
        #expect(
            p.thresholds("LVEF").map(\.value) == [
                Threshold(measure: "LVEF", comparator: .greater, value: 45, unit: "%", basis: .exclusion)
            ])
        #expect(p.thresholds("LVEF").first?.evidence.first?.quote == "LVEF less than or equal to 45%")
        #expect(p.phases.map(\.value) == ["Phase 1/Phase 2"])
        #expect(p.enrollment.map(\.value) == [Enrollment(count: 70, type: .planned)])
        #expect(p.cellTypes.map(\.value) == ["TCR-T"])
        #expect(p.targets.map(\.value) == ["KRAS G12D"])
        let inclusion = p.criteria.filter { $0.list == .inclusion }
        let exclusion = p.criteria.filter { $0.list == .exclusion }
        #expect(inclusion.first?.heading == "INCLUSION CRITERIA" && inclusion.first?.number == "1")
        #expect(exclusion.first?.text.hasPrefix("Women of child-bearing potential") == true)
        #expect(inclusion.contains { $0.number == "" && $0.text.hasPrefix("Patients with pancreatic cancer") })
    }

    @Test(arguments: [
        "NCT00763412", "NCT00973089", "NCT02552212", "NCT03630471", "NCT03745326", "NCT04956640",
        "NCT05052671", "NCT05438667", "NCT05594173", "NCT06008288", "NCT06385925", "NCT06411691",
    ])
    func everyRecordExtractsCleanly(_ id: String) throws {
        let source = try CTGovV2.record("ctgov-json/\(id).json")
        let trial = TrialExtractor.extract(source)
        #expect(trial.primaryID == TrialID(.nct, id))
        #expect(trial.warnings.isEmpty, "\(trial.warnings)")
        #expect(trial == TrialExtractor.extract(source))
        #expect(trial.parameters.criteria.contains { $0.list != .exclusion })
        #expect(trial.parameters.criteria.contains { $0.list == .exclusion })
        let text = source.fields.map(\.value).joined(separator: "\n")
        for c in trial.parameters.criteria { #expect(isQuote(c.evidence.quote, of: text)) }
        for t in trial.parameters.thresholds {
            // A limit stated by an exclusion item is marked as implied by it, and only such a limit.
            #expect(
                trial.parameters.criteria.contains {
                    $0.evidence.locator == t.evidence[0].locator && ($0.list == .exclusion) == (t.value.basis == .exclusion)
                })
        }
    }
}
