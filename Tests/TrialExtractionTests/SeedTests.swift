import Foundation
import TestSupport
import Testing
import TrialExtraction
import TrialModel

/// The five seed pages, split into fields as the text reader does (line numbers refer to the files).
enum Seeds {
    static let s000 = SeedPage(
        name: "000_22635aa42715a471.txt",
        spans: [
            .init(.summary, 2),
            .init(.criteria, 4, 25),
        ])
    static let s001 = SeedPage(
        name: "001_cc96fdf5918e6b4e.txt",
        spans: [
            .init(.nctID, 7, drop: "NCT number "),
            .init(.orgStudyID, 8, drop: "Other study ID # "),
            .init(.status, 10, drop: "Status "),
            .init(.phase, 11, drop: "Phase "),
            .init(.startDate, 14, drop: "Start date "),
            .init(.completionDate, 15, drop: "Est. completion date "),
            .init(.studyType, 26, drop: "Study type "),
            .init(.summary, 30),
            .init(.status, 35, drop: "Status "),
            .init(.enrollment, 36, drop: "Enrollment "),
            .init(.primaryCompletionDate, 38, drop: "Est. primary completion date "),
            .init(.sex, 40, drop: "Gender "),
            .init(.ageBand, 41, drop: "Age group "),
            .init(.criteria, 42, drop: "Eligibility "),
            .init(.intervention, 53),
            .init(.interventionDescription, 54),
            .init(.primaryOutcome, 69, drop: "Primary "),
            .init(.primaryOutcome, 70, drop: "Primary "),
        ])
    static let s002 = SeedPage(
        name: "002_43ccf47ba098859a.txt",
        spans: [
            .init(.title, 1),
            .init(.nctID, 3, drop: "NCT ID: "),
            .init(.lastUpdate, 5, drop: "Last Updated: "),
            .init(.status, 19),
            .init(.phase, 23),
            .init(.enrollment, 27),
            .init(.studyType, 31),
            .init(.startDate, 35),
            .init(.completionDate, 39),
            .init(.summary, 45),
            .init(.condition, 55),
            .init(.armDescription, 89),
            .init(.intervention, 95),
            .init(.interventionDescription, 97),
            .init(.criteria, 105, 135),
            .init(.minimumAge, 138),
            .init(.maximumAge, 142),
            .init(.sex, 146),
            .init(.collaborator, 156),
            .init(.sponsor, 162),
            .init(.orgStudyID, 218),
        ])
    static let s003 = SeedPage(
        name: "003_7e81f2dfff6efa34.txt",
        spans: [
            .init(.title, 3),
            .init(.status, 7),
            .init(.ageBand, 8),
            .init(.sex, 9),
            .init(.phase, 10),
            .init(.summary, 16),
            .init(.criteria, 20, 87),
            .init(.nctID, 92),
            .init(.sponsor, 94),
        ])
    static let s004 = SeedPage(
        name: "004_205f72c26459f71c.txt",
        spans: [
            .init(.summary, 2),
            .init(.description, 4),
            .init(.criteria, 6, 48),
        ])
}

@Suite("Seed pages")
struct SeedTests {
    @Test func seed000() throws {
        let source = try Seeds.s000.record()
        let trial = TrialExtractor.extract(source)
        let p = trial.parameters

        #expect(trial.primaryID.registry == .derived)
        #expect(trial.primaryID.value.count == 15 && trial.primaryID.value.hasPrefix("TD-"))
        #expect(p.ageInCriteria.map(\.value) == [AgeRange(minYears: 18, maxYears: 70, minComparator: .greaterOrEqual, maxComparator: .lessOrEqual)])
        #expect(p.ageInCriteria.first?.evidence.first?.quote == "Age: ≥ 18 years old and ≤ 70 years old")
        #expect(p.threshold("LVEF") == Threshold(measure: "LVEF", comparator: .greaterOrEqual, value: 45, unit: "%"))
        #expect(p.thresholds("LVEF").first?.evidence.first?.quote == "Left ventricular ejection fraction (LVEF) ≥ 45%")
        #expect(p.threshold("ECOG") == Threshold(measure: "ECOG", comparator: .lessOrEqual, value: 2, unit: ""))
        #expect(p.threshold("ALT")?.value == 3 && p.threshold("AST")?.value == 3)
        #expect(p.cellDoseValues == [CellDose(mantissa: 6, exponent: 9, unit: "cells"), CellDose(mantissa: 9, exponent: 9, unit: "cells")])
        #expect(p.enrollmentInText.map(\.value) == [CountRange(low: 15, high: 15)])
        #expect(p.products.map(\.value).contains("KN5501"))
        #expect(p.cellTypes.map(\.value) == ["CAR-NK"])
        #expect(p.targets.map(\.value) == ["CD19"])
        #expect(p.doses.isEmpty, "cyclophosphamide and fludarabine appear only in an allergy exclusion")
        #expect(p.criteria.filter { $0.list == .inclusion }.count == 8)
        #expect(p.criteria.filter { $0.list == .exclusion }.count == 12)
        #expect(trial.warnings.isEmpty)
    }

    @Test func seed001() throws {
        let source = try Seeds.s001.record()
        let trial = TrialExtractor.extract(source)
        let p = trial.parameters

        #expect(trial.primaryID == TrialID(.nct, "NCT06464679"))
        #expect(p.registryIDs.map(\.value) == [TrialID(.nct, "NCT06464679"), TrialID(.sponsor, "CHEC2024-181")])
        #expect(p.ageStructured.map(\.value) == [AgeRange(minYears: 18, maxYears: 65, minComparator: .greaterOrEqual, maxComparator: .lessOrEqual)])
        #expect(p.ageStructured.first?.evidence.first?.quote == "18 Years to 65 Years")
        #expect(p.enrollment.map(\.value) == [Enrollment(count: 72, type: nil)])
        #expect(p.enrollmentInText.map(\.value) == [CountRange(low: 36, high: 72)])
        #expect(p.ageInCriteria.map(\.value) == [AgeRange(minYears: 18, maxYears: 65, minComparator: .equal, maxComparator: .equal)])
        #expect(
            p.doses.map(\.value) == [
                Dose(agent: "fludarabine", amount: 25, unit: "mg/m²", frequency: "per day", days: [-5, -4, -3]),
                Dose(agent: "cyclophosphamide", amount: 300, unit: "mg/m²", frequency: "per day", days: [-5, -4, -3]),
            ])
        #expect(p.thresholds("LVEF").isEmpty)
        #expect(p.threshold("CrCl") == Threshold(measure: "CrCl", comparator: .equal, value: 60, unit: "mL/min"))
        #expect(p.statuses.map(\.value) == [.notYetRecruiting])
        #expect(p.statuses.first?.evidence.count == 2, "the status is stated twice on the page")
        #expect(p.phases.map(\.value) == ["Phase 1"])
        #expect(p.startDates.map(\.value) == ["2024-06-30"])
        #expect(p.primaryCompletionDates.map(\.value) == ["2025-06-30"])
        #expect(p.sex.map(\.value) == [.all])
        #expect(p.studyTypes.map(\.value) == ["Interventional"])
        #expect(p.cellTypes.map(\.value) == ["CAR-NK"])
        #expect(p.targets.map(\.value) == ["CD19"])

        let inclusion = p.criteria.filter { $0.list == .inclusion }
        let exclusion = p.criteria.filter { $0.list == .exclusion }
        #expect(inclusion.first?.text.hasPrefix("Age: = 18 years old and = 65 years old") == true)
        #expect(inclusion.first?.heading == "Common inclusion criteria")
        #expect(exclusion.first?.text.hasPrefix("Subjects with known severe allergic reactions") == true)
        #expect(exclusion.first?.heading == "Common exclusion criteria")
        #expect(inclusion.contains { $0.heading == "Inclusion criteria for Systemic Sclerosis" && $0.text.hasPrefix("Meets 2013 ACR") })
        #expect(exclusion.contains { $0.heading == "Exclusion criteria for relapsed refractory rheumatoid arthritis" })
        #expect(p.criteria.contains { $0.number == "2.3" && $0.text.hasPrefix("Renal function") })
        #expect(!p.criteria.contains { $0.text == "Eligibility" })
        for c in p.criteria { #expect(isQuote(c.evidence.quote, of: source.first(.criteria)!.value)) }
    }

    @Test func seed002() throws {
        let source = try Seeds.s002.record()
        let trial = TrialExtractor.extract(source)
        let p = trial.parameters

        #expect(trial.primaryID == TrialID(.nct, "NCT06337474"))
        #expect(p.ageStructured.map(\.value) == [AgeRange(minYears: 18, maxYears: 65, minComparator: .greaterOrEqual, maxComparator: .lessOrEqual)])
        #expect(p.enrollment.map(\.value) == [Enrollment(count: 9, type: nil)])
        #expect(p.threshold("LVEF") == Threshold(measure: "LVEF", comparator: .greaterOrEqual, value: 50, unit: "%"))
        #expect(p.threshold("ECOG") == Threshold(measure: "ECOG", comparator: .lessOrEqual, value: 1, unit: ""))
        #expect(
            p.doses.map(\.value) == [
                Dose(agent: "fludarabine", amount: 25, unit: "mg/m²", frequency: "per day", days: [-3]),
                Dose(agent: "cyclophosphamide", amount: 1000, unit: "mg/m²", frequency: "per day", days: [-3]),
            ])
        #expect(p.doses.first?.evidence.count == 2, "arm and intervention state the same regimen")
        #expect(p.cellDoseValues == [CellDose(mantissa: 9, exponent: 9, unit: "cells"), CellDose(mantissa: 13.5, exponent: 9, unit: "cells")])
        #expect(p.cellDoses.first?.evidence.first?.quote == #"9×10\^9 cells"#)
        #expect(p.enrollmentInText.map(\.value) == [CountRange(low: 9, high: 9)])
        #expect(p.products.map(\.value).contains("KN5501"))
        #expect(!p.products.map(\.value).contains("BIIB059"), "BIIB059 is named only in an exclusion criterion")
        #expect(p.statuses.map(\.value) == [.recruiting])
        #expect(p.phases.map(\.value) == ["Early Phase 1"])
        #expect(p.studyTypes.map(\.value) == ["Interventional"])
        #expect(p.lastUpdates.map(\.value) == ["2025-04-30"])
        #expect(p.sex.map(\.value) == [.all])
        #expect(p.sponsors.map(\.value) == ["Changzhou No.2 People's Hospital"])
        #expect(p.registryIDs.map(\.value).contains(TrialID(.sponsor, "[2023]YLJSA089")))
        #expect(p.criteria.contains { $0.list == .exclusion && $0.number == "7.a" && $0.text.hasPrefix("Cured non-melanoma") })
        #expect(p.criteria.contains { $0.list == .exclusion && $0.number == "7.b" && $0.text.hasPrefix("Cured primary") })
        #expect(trial.warnings.isEmpty)
    }

    @Test func seed003() throws {
        let source = try Seeds.s003.record()
        let trial = TrialExtractor.extract(source)
        let p = trial.parameters

        #expect(trial.primaryID == TrialID(.nct, "NCT06469190"))
        #expect(p.ageInCriteria.map(\.value) == [AgeRange(minYears: 18, maxYears: 70, minComparator: .greaterOrEqual, maxComparator: .lessOrEqual)])
        #expect(p.ageStructured.map(\.value) == [AgeRange(minYears: 18, maxYears: 70, minComparator: .greaterOrEqual, maxComparator: .lessOrEqual)])
        #expect(p.enrollmentInText.map(\.value) == [CountRange(low: 36, high: 36)])
        #expect(p.threshold("LVEF") == Threshold(measure: "LVEF", comparator: .greaterOrEqual, value: 55, unit: "%"))
        let egfr = p.thresholds("eGFR").map(\.value)
        #expect(
            egfr == [
                Threshold(
                    measure: "eGFR", comparator: .greaterOrEqual, value: 45, unit: "mL/min/1.73 m²",
                    cohort: "Criteria for Recurrent/refractory primary membranous nephropathy"),
                Threshold(
                    measure: "eGFR", comparator: .greaterOrEqual, value: 30, unit: "mL/min/1.73 m²",
                    cohort: "Criteria for Relapsed/refractory IgA nephropathy"),
                Threshold(
                    measure: "eGFR", comparator: .greaterOrEqual, value: 15, unit: "mL/min/1.73 m²",
                    cohort: "Criteria for Relapsed/refractory ANCA-associated vasculitis"),
                // "eGFR <15" under "Exclusion Criteria for Relapsed/refractory ANCA-associated
                // vasculitis": the same limit, implied, for the same cohort.
                Threshold(
                    measure: "eGFR", comparator: .greaterOrEqual, value: 15, unit: "mL/min/1.73 m²",
                    cohort: "Criteria for Relapsed/refractory ANCA-associated vasculitis", basis: .exclusion),
            ])
        #expect(!egfr.contains { $0.comparator == .less }, "eGFR <15 is an exclusion: it admits ≥ 15")
        #expect(p.thresholds("eGFR").first?.evidence.first?.quote == "Glomerular filtration rate (eGFR, CKD-EPI formula) ≥45 ml/min/1.73m2")
        #expect(p.phases.map(\.value) == ["N/A"])
        #expect(p.statuses.map(\.value) == [.recruiting])
        #expect(p.products.map(\.value) == ["KN5501"])
        #expect(p.cellTypes.map(\.value) == ["CAR-NK"])
        #expect(p.targets.map(\.value) == ["CD19"])

        let lvef = try #require(p.criteria.first { $0.text.contains("LVEF") })
        #expect(lvef.number == "3.4" && lvef.list == .inclusion && lvef.heading == "Common Inclusion Criteria")
        let egfrExclusion = try #require(p.criteria.first { $0.text.hasPrefix("Estimated glomerular filtration rate") })
        #expect(egfrExclusion.list == .exclusion)
        #expect(egfrExclusion.heading == "Exclusion Criteria for Relapsed/refractory ANCA-associated vasculitis")
        let wrapped = try #require(p.criteria.first { $0.text.hasPrefix("Female subjects of childbearing potential") })
        #expect(wrapped.number == "4" && wrapped.text.contains("female of childbearing potential are required"))
    }

    @Test func seed004() throws {
        let source = try Seeds.s004.record()
        let trial = TrialExtractor.extract(source)
        let p = trial.parameters

        #expect(p.ageInCriteria.map(\.value) == [AgeRange(minYears: 18, maxYears: 70, minComparator: .greaterOrEqual, maxComparator: .lessOrEqual)])
        #expect(p.ageInCriteria.first?.evidence.first?.quote == "Age range from 18 to 70 years old")
        #expect(p.threshold("body weight") == Threshold(measure: "body weight", comparator: .greaterOrEqual, value: 40, unit: "kg"))
        #expect(p.thresholds("LVEF").isEmpty)
        #expect(p.doses.isEmpty, "prednisone ≥ 100 mg/d is in an exclusion")
        #expect(p.cellTypes.map(\.value) == ["CAR-T"])
        #expect(p.targets.map(\.value) == ["CD19"])
        let active = try #require(p.criteria.first { $0.text.hasPrefix("Active SLE") })
        #expect(active.text.hasSuffix("PGA ≥ 1 points;"), "the wrapped line belongs to its item")
    }

    @Test func evidenceIsFindable() throws {
        for seed in [Seeds.s000, Seeds.s001, Seeds.s002, Seeds.s003, Seeds.s004] {
            let source = try seed.record()
            let page = try Fixtures.text("seeds/\(seed.name)")
            let p = TrialExtractor.extract(source).parameters
            var evidence: [Evidence] = []
            evidence += p.thresholds.flatMap(\.evidence) + p.doses.flatMap(\.evidence) + p.cellDoses.flatMap(\.evidence)
            evidence += p.ageInCriteria.flatMap(\.evidence) + p.ageStructured.flatMap(\.evidence)
            evidence += p.enrollmentInText.flatMap(\.evidence) + p.products.flatMap(\.evidence)
            evidence += p.cellTypes.flatMap(\.evidence) + p.targets.flatMap(\.evidence)
            for e in evidence {
                #expect(e.file == source.file)
                #expect(isQuote(e.quote, of: page), "\(seed.name): \(e.locator) quote not in file: \(e.quote)")
            }
        }
    }

    @Test func extractionIsDeterministic() throws {
        let source = try Seeds.s001.record()
        #expect(TrialExtractor.extract(source) == TrialExtractor.extract(source))
    }
}
