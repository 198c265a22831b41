import Foundation
import Testing
import TrialExtraction
import TrialModel

@Suite("Criteria splitting")
struct CriteriaSplittingTests {
    @Test func legacyXMLLayout() {
        let text = """
            Inclusion Criteria:

              -  18 years of age or older

              -  Left ventricular ejection fraction of at least 50%

                 measured by echocardiography

            Exclusion Criteria:

              -  eGFR <15 mL/min/1.73 m2
            """
        let p = TrialExtractor.extract(record([(.criteria, text)])).parameters
        #expect(p.criteria.map(\.list) == [.inclusion, .inclusion, .exclusion])
        #expect(p.criteria[1].text == "Left ventricular ejection fraction of at least 50% measured by echocardiography")
        #expect(p.ageInCriteria.map(\.value) == [AgeRange(minYears: 18, maxYears: nil, minComparator: .greaterOrEqual)])
        #expect(
            p.thresholds.map(\.value) == [
                Threshold(measure: "LVEF", comparator: .greaterOrEqual, value: 50, unit: "%"),
                Threshold(measure: "eGFR", comparator: .greaterOrEqual, value: 15, unit: "mL/min/1.73 m²", basis: .exclusion),
            ])
    }

    @Test func apiV2Layout() {
        let text =
            "Key Inclusion Criteria:\n\n* Aged 18 to 65 years\n* ECOG performance status of 0-2\n\nKey Exclusion Criteria:\n\n* Prior CAR-T therapy"
        let p = TrialExtractor.extract(record([(.criteria, text)])).parameters
        #expect(p.criteria.map(\.list) == [.inclusion, .inclusion, .exclusion])
        #expect(p.criteria.map(\.heading) == ["Key Inclusion Criteria", "Key Inclusion Criteria", "Key Exclusion Criteria"])
        #expect(p.ageInCriteria.first?.value == AgeRange(minYears: 18, maxYears: 65, minComparator: .greaterOrEqual, maxComparator: .lessOrEqual))
        #expect(p.threshold("ECOG") == Threshold(measure: "ECOG", comparator: .lessOrEqual, value: 2, unit: ""))
    }

    @Test func separateInclusionAndExclusionFields() {
        let p = TrialExtractor.extract(
            record([
                (.inclusionCriteria, "1. Body weight ≥ 40 kg\n2. LVEF ≥50%"),
                (.exclusionCriteria, "1. LVEF < 40%"),
            ])
        ).parameters
        #expect(p.criteria.map(\.list) == [.inclusion, .inclusion, .exclusion])
        #expect(p.thresholds.map(\.value.measure) == ["body weight", "LVEF", "LVEF"])
        #expect(p.thresholds.map(\.value.basis) == [.inclusion, .inclusion, .exclusion])
        #expect(p.thresholds.last?.value.display == "≥ 40 % (from exclusion)")
    }

    @Test func chineseHeadings() {
        let text = "纳入标准：\n1. 年龄18-70岁；\n排除标准：\n1. 对环磷酰胺过敏"
        let p = TrialExtractor.extract(record([(.criteria, text)])).parameters
        #expect(p.criteria.map(\.list) == [.inclusion, .exclusion])
        #expect(p.ageInCriteria.first?.value.minYears == 18 && p.ageInCriteria.first?.value.maxYears == 70)
    }

    @Test func textWithoutHeadingsIsUnspecified() {
        let p = TrialExtractor.extract(record([(.criteria, "- at least 18 years of age\n- ECOG 0 or 1")])).parameters
        #expect(p.criteria.map(\.list) == [.unspecified, .unspecified])
        #expect(p.ageInCriteria.first?.value.minYears == 18)
        #expect(p.threshold("ECOG")?.value == 1)
    }

    /// A text whose writer ended each line (one line runs far past any wrap width) is one item a
    /// line, even when items open in lower case (a real COVID-19 record and Chia's NCT00379366).
    @Test func unwrappedLinesAreItemsHoweverTheyOpen() {
        let text = """
            Inclusion Criteria:

            over 18 years old
            having been hospitalized at the University Hospital Center (CHU) of Reunion (minimum of one night in conventional hospitalization)
            with a positive SARS-CoV-2 test,
            in a medical unit
            """
        let p = TrialExtractor.extract(record([(.criteria, text)])).parameters
        #expect(
            p.criteria.map(\.text) == [
                "over 18 years old",
                "having been hospitalized at the University Hospital Center (CHU) of Reunion (minimum of one night in conventional hospitalization)",
                "with a positive SARS-CoV-2 test, in a medical unit",
            ])
        #expect(p.ageInCriteria.first?.value.minYears == 18)
    }

    /// A line to which the next line's first word would still have fitted was ended by its
    /// writer, and a list whose lines all stop short was never wrapped (Chia's NCT03140488 and
    /// NCT03187379).
    @Test func linesEndedShortOfTheWidthAreItems() {
        let wrapped = """
            Exclusion Criteria:
            Non-reassuring fetal assessment at the time of recruitment
            Previous cervical ripening agents (cytotec, cervidil, cervical Foley Balloon)
            <18 years of age
            Estimated fetal weight greater than 4500 grams in diabetic and 5000 grams in non-diabetic mother
            """
        let p = TrialExtractor.extract(record([(.criteria, wrapped)])).parameters
        #expect(p.criteria.count == 4)
        #expect(p.ageInCriteria.first?.value == AgeRange(minYears: 18, maxYears: nil, minComparator: .greaterOrEqual, basis: .exclusion))
        let short = "Exclusion Criteria:\nage <18 years\nprevious history of roux-en-y gastric bypass\npre-operative opioid analgesics"
        let q = TrialExtractor.extract(record([(.criteria, short)])).parameters
        #expect(q.criteria.map(\.text) == ["age <18 years", "previous history of roux-en-y gastric bypass", "pre-operative opioid analgesics"])
        // A paragraph wrapped at 70 columns stays one item.
        let paragraph = """
            Inclusion Criteria:
            Patients must have measurable disease per RECIST 1.1 and adequate organ
            function as defined by the protocol, including an absolute neutrophil
            count of at least 1500 per microliter.
            """
        #expect(TrialExtractor.extract(record([(.criteria, paragraph)])).parameters.criteria.count == 1)
    }
}

@Suite("Negative cases from real text")
struct NegativeTests {
    @Test func exclusionOnlyDrugsAreNoDose() throws {
        let xml = try CTGovV2.record("ctgov-json/NCT05438667.json")
        let criteria = try #require(xml.first(.criteria)).value
        let p = TrialExtractor.extract(record([(.criteria, criteria)])).parameters
        #expect(p.doses.isEmpty)
        let described = TrialExtractor.extract(
            record([
                (
                    .description,
                    "* Patients may not have:\n\n  * Allergies or hypersensitivities to high-dose aldesleukin, cyclophosphamide, or fludarabine."
                )
            ])
        ).parameters
        #expect(described.doses.isEmpty)
        let steroid = TrialExtractor.extract(
            record([
                (
                    .summary,
                    "Definition of routine treatment: Use of glucocorticoids (above 1mg/Kg/d) and cyclophosphamide, as well as any of the following immunomodulatory drugs."
                )
            ])
        ).parameters
        #expect(steroid.doses.isEmpty)
    }

    @Test func labValuesAreNoCellDose() {
        let p = TrialExtractor.extract(
            record([
                (
                    .summary,
                    "Bone marrow hematopoietic function: a. White blood cell count ≥ 3 x 10^9/L b. Neutrophil count ≥ 1 x 10^9/L; Absolute neutrophil count≥1.5×10⁹/L"
                )
            ])
        ).parameters
        #expect(p.cellDoses.isEmpty)
    }

    @Test func timeSpansAreNoAge() {
        let text = """
            Inclusion Criteria:
            - Subjects who have received other clinical trial treatment within 6 months
            - Disease duration of at least 2 years
            Exclusion Criteria:
            - Patients aged >65 with comorbidity
            - Age ≥ 80 years
            """
        let p = TrialExtractor.extract(record([(.criteria, text)])).parameters
        // Durations are no ages, nor is an age that qualifies a comorbidity; the exclusion that
        // limits age alone implies a maximum.
        #expect(p.ageInCriteria.map(\.value) == [AgeRange(minYears: nil, maxYears: 80, maxComparator: .less, basis: .exclusion)])
    }

    /// Comparators spelled in words, from real criteria ("Patients older than or equal to 18
    /// years." in a ClinicalTrials.gov COVID-19 record) and their mirror images.
    @Test(
        arguments: [
            ("Patients older than or equal to 18 years.", 18.0, TrialModel.Comparator.greaterOrEqual, nil, nil),
            ("Participants not older than 65 years", nil, nil, 65.0, TrialModel.Comparator.lessOrEqual),
            ("Subjects younger than or equal to 65 years old", nil, nil, 65, .lessOrEqual),
            ("Age lesser than 40 years", nil, nil, 40, .less),
            ("4 to <8 years of age", 4, .greaterOrEqual, 8, .less),
            // Phase IV criteria in LCT: NCT03924921, NCT03864367, NCT03867526, NCT03923959.
            ("Being older than 18 ;", 18, .greater, nil, nil),
            ("55 and older", 55, .greaterOrEqual, nil, nil),
            ("Patients of both genders older than 6 months and younger than 80 years", 0.5, .greater, 80, .less),
            ("Age > or = to 65 years", 65, .greaterOrEqual, nil, nil),
            // "or equal" without "to" (LCT NCT03867422).
            ("more or equal 18 years-old and less or equal 45 years-old", 18, .greaterOrEqual, 45, .lessOrEqual),
            ("Age greater or equal 18 years", 18, .greaterOrEqual, nil, nil),
            // Number words (Chia NCT03397914, LCT NCT03922438).
            ("Age between one year and 18 years", 1, .greaterOrEqual, 18, .lessOrEqual),
            ("Patient's age younger than six months", nil, nil, 0.5, .less),
        ] as [(String, Double?, TrialModel.Comparator?, Double?, TrialModel.Comparator?)])
    func agesInWords(_ text: String, _ low: Double?, _ lowCmp: TrialModel.Comparator?, _ high: Double?, _ highCmp: TrialModel.Comparator?) {
        let p = TrialExtractor.extract(record([(.criteria, "Inclusion Criteria:\n- \(text)")])).parameters
        let age = p.ageInCriteria.first?.value
        #expect(
            age?.minYears == low && age?.minComparator == lowCmp && age?.maxYears == high && age?.maxComparator == highCmp,
            "\(text): \(String(describing: age))")
    }

    /// Times before an event are no ages, in digits or in words (LCT NCT03926169, Chia
    /// NCT01118871, ClinicalTrials.gov NCT01298141).
    @Test(arguments: [
        "Participant with moderate to severe Hidradenitis Suppurativa (HS) for at least one year prior to Baseline visit.",
        "Participant with HS for at least 1 year prior to Baseline visit.",
        "Women at least two years post menopausal or surgically sterile",
        "Stroke or transient ischemic attack (TIA) prior to the age of 55 documented",
    ])
    func timesBeforeAnEventAreNoAge(_ text: String) {
        let p = TrialExtractor.extract(record([(.criteria, "Inclusion Criteria:\n- \(text)")])).parameters
        #expect(p.ageInCriteria.isEmpty, "\(text): \(p.ageInCriteria.map(\.value))")
    }

    /// Number words are quoted as written.
    @Test func numberWordsAreQuotedAsWritten() {
        let p = TrialExtractor.extract(record([(.criteria, "Inclusion Criteria:\n- Children, aged between one and 24 months.")])).parameters
        let age = p.ageInCriteria.first
        #expect(age?.value.maxYears == 2)
        #expect(age?.evidence.first?.quote == "aged between one and 24 months")
    }

    @Test func exclusionsImplyTheAdmittedSide() {
        let text =
            "Inclusion Criteria:\n1. Rapid progression of renal function (≥ 50% decrease in eGFR within 3 months)\nExclusion Criteria:\n1. Estimated glomerular filtration rate (eGFR) <15 mL/min/1.73 m2\n2. LVEF < 45%"
        let p = TrialExtractor.extract(record([(.criteria, text)])).parameters
        // The decrease is no limit; the exclusions admit eGFR ≥ 15 and LVEF ≥ 45 %.
        #expect(
            p.thresholds.map(\.value) == [
                Threshold(measure: "eGFR", comparator: .greaterOrEqual, value: 15, unit: "mL/min/1.73 m²", basis: .exclusion),
                Threshold(measure: "LVEF", comparator: .greaterOrEqual, value: 45, unit: "%", basis: .exclusion),
            ])
        #expect(p.thresholds.map(\.evidence[0].quote) == ["Estimated glomerular filtration rate (eGFR) <15 mL/min/1.73 m2", "LVEF < 45%"])
    }

    @Test func perCohortCountsAndDurationsAreNoEnrollment() {
        let p = TrialExtractor.extract(
            record([
                (
                    .summary,
                    "Three patients per cohort are enrolled; 3 patients per cohort will be treated. Follow-up lasts 12 months. Patients aged 18-70 years are recruited."
                )
            ])
        ).parameters
        #expect(p.enrollmentInText.isEmpty)
    }

    @Test func otherTrialsAreNoRegistryIDs() {
        var r = record([(.summary, "See also NCT04078698 and NCT04039763.")])
        r.add(.title, "A study of KN5501", locator: "title")
        let trial = TrialExtractor.extract(r)
        #expect(trial.primaryID.registry == .derived)
        #expect(trial.parameters.registryIDs.map(\.value) == [trial.primaryID])
        #expect(!trial.parameters.products.map(\.value).contains { $0.hasPrefix("NCT") })
    }
}

@Suite("Components")
struct ComponentTests {
    @Test(arguments: [
        ("June 30, 2024", "2024-06-30"), ("June 2024", "2024-06"), ("2024-08-30", "2024-08-30"),
        ("2024-05", "2024-05"), ("2024-05-28 08:56:14", "2024-05-28"), ("15 October 2025", "2025-10-15"),
        ("Sept 2008", "2008-09"), ("2024年5月28日", "2024-05-28"),
    ])
    func dates(_ raw: String, _ iso: String) {
        var r = SourceRecord(file: "f", format: .plainText)
        r.add(.startDate, raw, locator: "start")
        #expect(TrialExtractor.extract(r).parameters.startDates.map(\.value) == [iso])
    }

    @Test(arguments: [
        (["Phase I"], "Phase 1"), (["Phase II"], "Phase 2"), (["Phase I/II"], "Phase 1/Phase 2"),
        (["I期"], "Phase 1"), (["III期临床试验"], "Phase 3"), (["Early Phase 1"], "Early Phase 1"),
        (["Phase N/A"], "N/A"), (["PHASE2", "PHASE3"], "Phase 2/Phase 3"), (["Phase 1|Phase 2"], "Phase 1/Phase 2"),
    ])
    func phases(_ raw: [String], _ normalized: String) {
        var r = SourceRecord(file: "f", format: .plainText)
        for p in raw { r.add(.phase, p, locator: "phase") }
        #expect(TrialExtractor.extract(r).parameters.phases.map(\.value) == [normalized])
    }

    @Test(
        arguments: [
            ("18 Years to 65 Years", 18.0, 65.0), ("18-70 years", 18, 70), ("18 Years and older", 18, nil),
            ("Up to 17 Years", nil, 17), ("18 Years and Older (Adult, Older Adult)", 18, nil),
        ] as [(String, Double?, Double?)])
    func ageBands(_ raw: String, _ low: Double?, _ high: Double?) {
        var r = SourceRecord(file: "f", format: .plainText)
        r.add(.ageBand, raw, locator: "age")
        let age = TrialExtractor.extract(r).parameters.ageStructured.first?.value
        #expect(age?.minYears == low && age?.maxYears == high)
    }

    @Test(arguments: [
        ("Not Yet Recruiting", TrialStatus.notYetRecruiting), ("Enrolling by invitation", .enrollingByInvitation),
        ("No longer available", .noLongerAvailable), ("Approved for marketing", .approvedForMarketing),
        ("Temporarily not available", .temporarilyNotAvailable), ("正在进行", .recruiting), ("尚未开始", .notYetRecruiting),
    ])
    func statuses(_ raw: String, _ status: TrialStatus) {
        var r = SourceRecord(file: "f", format: .plainText)
        r.add(.status, raw, locator: "status")
        #expect(TrialExtractor.extract(r).parameters.statuses.map(\.value) == [status])
    }

    @Test func unknownValuesWarn() {
        var r = SourceRecord(file: "f", format: .plainText)
        r.add(.status, "Paused for lunch", locator: "status")
        let trial = TrialExtractor.extract(r)
        #expect(trial.parameters.statuses.isEmpty)
        #expect(trial.warnings.count == 1)
    }

    @Test func structuredMiscellany() {
        var r = SourceRecord(file: "f", format: .plainText)
        r.add(.minimumAge, "18", locator: "min")
        r.add(.maximumAge, "3 Months", locator: "max")
        r.add(.sex, "男女均可", locator: "sex")
        r.add(.enrollment, "1,206 (Actual)", locator: "enrollment")
        r.add(.chictrID, "ChiCTR2400084905", locator: "id")
        r.add(.otherID, "EudraCT 2004-000123-45", locator: "other")
        r.add(.otherID, "2023-501234-12-00", locator: "other")
        r.add(.intervention, "Drug: Cyclophosphamide", locator: "intervention")
        let trial = TrialExtractor.extract(r)
        let p = trial.parameters
        #expect(p.ageStructured.first?.value.minYears == 18 && p.ageStructured.first?.value.maxYears == 0.25)
        #expect(p.sex.map(\.value) == [.all])
        #expect(p.enrollment.map(\.value) == [Enrollment(count: 1206, type: .actual)])
        #expect(trial.primaryID == TrialID(.chictr, "ChiCTR2400084905"))
        #expect(
            p.registryIDs.map(\.value) == [
                TrialID(.chictr, "ChiCTR2400084905"), TrialID(.eudract, "2004-000123-45"), TrialID(.ctis, "2023-501234-12-00"),
            ])
        #expect(p.interventions.map(\.value) == ["Cyclophosphamide"])
    }

    /// Secondary IDs in any case and spacing, several in one field, and IDs of no registry.
    @Test func secondaryIDsOfEveryRegistry() {
        let r = record([
            (.nctID, "NCT01234567"), (.otherID, "nct07654321; isrctn 12345678"), (.otherID, "chiCTR-IOR-17012345"),
            (.otherID, "2019-001234-22 / 2022-500001-11-00"), (.otherID, "R01 CA123456"), (.otherID, "2019-0012"),
        ])
        let ids = TrialExtractor.extract(r).parameters.registryIDs.map(\.value)
        #expect(
            ids == [
                TrialID(.nct, "NCT01234567"), TrialID(.nct, "NCT07654321"), TrialID(.isrctn, "ISRCTN12345678"),
                TrialID(.chictr, "ChiCTR-IOR-17012345"), TrialID(.ctis, "2022-500001-11-00"),
            ])
    }

    @Test func derivedIDIsStableAndContentBased() {
        let a = record([(.summary, "A pilot study of KN5501.")])
        let b = record([(.summary, "A pilot study of KN5502.")])
        #expect(TrialExtractor.extract(a).primaryID == TrialExtractor.extract(a).primaryID)
        #expect(TrialExtractor.extract(a).primaryID != TrialExtractor.extract(b).primaryID)
        #expect(TrialExtractor.extract(a).primaryID.value.range(of: "^TD-[0-9a-f]{12}$", options: .regularExpression) != nil)
    }

    @Test func doseForms() {
        let p = TrialExtractor.extract(
            record([
                (
                    .interventionDescription,
                    """
                    Lymphodepletion: fludarabine 30 mg/m^2/day and cyclophosphamide 500 mg/m2/day on days -5 to -3.
                    Bendamustine 90 mg/m² on Day -4 and Day -3.
                    """
                )
            ])
        ).parameters
        #expect(
            p.doses.map(\.value) == [
                Dose(agent: "fludarabine", amount: 30, unit: "mg/m²", frequency: "per day", days: [-5, -4, -3]),
                Dose(agent: "cyclophosphamide", amount: 500, unit: "mg/m²", frequency: "per day", days: [-5, -4, -3]),
                Dose(agent: "bendamustine", amount: 90, unit: "mg/m²", days: [-4, -3]),
            ])
    }

    @Test func cellDoseForms() {
        let p = TrialExtractor.extract(
            record([(.armDescription, "Dose level 1: 1 x 10^6 CAR-T cells/kg; dose level 2: 2×10⁶/kg; dose level 3: 1e8 cells.")])
        ).parameters
        #expect(
            p.cellDoseValues == [
                CellDose(mantissa: 1, exponent: 6, unit: "cells/kg"), CellDose(mantissa: 2, exponent: 6, unit: "cells/kg"),
                CellDose(mantissa: 1, exponent: 8, unit: "cells"),
            ])
    }

    @Test func enrollmentForms() {
        let p = TrialExtractor.extract(
            record([(.description, "A total of 120 participants will be enrolled. Approximately 40 subjects will take part in part B.")])
        ).parameters
        #expect(p.enrollmentInText.map(\.value) == [CountRange(low: 120, high: 120), CountRange(low: 40, high: 40)])
    }

    @Test func productsAndTargets() {
        var r = record([
            (
                .summary,
                "CT103A is a BCMA-targeted CAR-T product; GPRC5D CAR T cells and CD19/BCMA chimeric antigen receptor T cells are compared in COVID-19 era with IL-2 support and ICD-10 codes."
            )
        ])
        r.add(.title, "CT103A in NMOSD", locator: "title")
        let p = TrialExtractor.extract(r).parameters
        #expect(p.products.map(\.value) == ["CT103A"])
        #expect(p.cellTypes.map(\.value) == ["CAR-T"])
        #expect(p.targets.map(\.value) == ["BCMA", "GPRC5D", "CD19"])
    }
}

/// A number that is part of a name ("COVID-19 patients", "H1N1") is not a participant count.
@Suite struct EnrollmentTextNameTests {
    @Test(arguments: [
        ("This study will enrol COVID-19 patients admitted to hospital.", [CountRange]()),
        ("A total of 120 patients with COVID-19 will be enrolled.", [CountRange(low: 120, high: 120)]),
        ("36-72 patients are planned to be enrolled in the dose-escalation trial.", [CountRange(low: 36, high: 72)]),
    ])
    func countsAreNotReadFromNames(_ text: String, _ expected: [CountRange]) {
        var r = SourceRecord(file: "t.txt", format: .plainText)
        r.addText(.summary, text, locator: "line 1")
        let extracted = TrialExtractor.extract(r).parameters.enrollmentInText.map(\.value)
        #expect(extracted == expected)
    }
}
