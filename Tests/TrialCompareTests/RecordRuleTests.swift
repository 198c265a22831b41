import Foundation
import Testing
import TrialExtraction
import TrialModel

@testable import TrialCompare

/// A plain-text record with the given criteria, read the way the text reader keeps them.
private func criteriaRecord(_ criteria: String, file: String = "synthetic.txt") -> RuleFixtures.Loaded {
    var source = SourceRecord(file: file, format: .plainText)
    source.add(.nctID, "NCT00000001", locator: "line 1", line: 1)
    source.addText(.criteria, criteria, locator: "lines 2-9", line: 2)
    return RuleFixtures.Loaded(source: source, record: TrialExtractor.extract(source))
}

@Suite struct LostComparatorRuleTests {
    let rule = LostComparatorRule()

    @Test func seed001AgeAndLaboratoryCriteriaLostTheirComparators() {
        let findings = RuleFixtures.findings(rule, RuleFixtures.seed("001"))
        #expect(findings.allSatisfy { $0.rule == "lost-comparator" && $0.severity == .warning && $0.trial == "NCT06464679" })
        let age = findings.first { $0.message.contains("“Age = 18 years old”") }
        #expect(age?.message.contains("likely ≥, as the structured minimum age") == true)
        #expect(age?.message.contains("“Age = 65 years old” (likely ≤, as the structured maximum age)") == true)
        #expect(age?.evidence.map(\.quote).contains("Age: = 18 years old and = 65 years old, male or female;") == true)
        #expect(age?.evidence.map(\.quote).contains("18 Years to 65 Years") == true)
        // One finding per criterion item, listing all of its measures.
        let liver = findings.filter { $0.message.contains("ALT") }
        #expect(liver.count == 1)
        #expect(liver.first?.message.contains("“ALT = 3 x ULN” (likely ≤)") == true)
        #expect(liver.first?.message.contains("total bilirubin = 3.0 x ULN” (likely ≤)") == true)
        #expect(findings.contains { $0.message.contains("“Hemoglobin =60g/L” (likely ≥)") })
        #expect(findings.contains { $0.message.contains("“White blood cell count = 3 x 10^9/L” (likely ≥)") })
        #expect(findings.contains { $0.message.contains("(CrCl) = 60 ml/minute” (likely ≥)") })
        #expect(findings.first { $0.message.contains("Hemoglobin") }?.evidence.first?.locator == "line 42 item 2.1.c")
    }

    @Test func realExportWithALostComparatorIsFlagged() {
        let loaded = RuleFixtures.realdata.filter { $0.record.primaryID.value == "NCT05027464" }
        let findings = loaded.flatMap { RuleFixtures.findings(rule, $0) }
        #expect(findings.count == 1)
        #expect(findings.first?.message.contains("=1 visit(s)") == true)
    }

    @Test(arguments: ["000", "002", "003", "004"])
    func seedsWithWrittenComparatorsAreClean(_ seed: String) {
        #expect(RuleFixtures.findings(rule, RuleFixtures.seed(seed)).isEmpty)
    }

    @Test(arguments: [
        "Inclusion Criteria:\n- BMI = weight/height² between 18 and 30",
        "Inclusion Criteria:\n- Enrolled in the pilot (n = 12) and powered at p = 0.05",
        "Inclusion Criteria:\n- Pain score where 0 = none and 10 = worst",
        "Inclusion Criteria:\n- Age >= 18 years\n- ALT =< 3 x ULN\n- Hb > = 9 g/dL",
    ])
    func equalsSignsThatAreNotLostComparatorsAreIgnored(_ criteria: String) {
        #expect(RuleFixtures.findings(rule, criteriaRecord(criteria)).isEmpty)
    }
}

@Suite struct ForeignTextRuleTests {
    let rule = ForeignTextRule()

    @Test func seed002HasTheCodeTheDiseaseAndTheObjectiveOfAnotherProtocol() {
        let findings = RuleFixtures.findings(rule, RuleFixtures.seed("002"))
        #expect(findings.count == 3)
        #expect(findings.allSatisfy { $0.severity == .warning && $0.trial == "NCT06337474" })
        #expect(findings.contains { $0.message.contains("“BIIB059”") && $0.message.contains("“KN5501”") })
        #expect(findings.contains { $0.message.contains("“other than lupus”") })
        let objective = findings.first { $0.message.contains("relapsed/refractory B-cell related autoimmune diseases") }
        #expect(objective?.message.contains("“refractory immune thrombocytopenia”") == true)
        #expect(
            objective?.evidence.first?.quote
                == "The primary objective of the study is to evaluation of the safety and feasibility of KN5501 for the treatment of relapsed/refractory B-cell related autoimmune diseases."
        )
        #expect(findings.first?.evidence.first?.locator == "line 131 item 8")
    }

    @Test(arguments: ["000", "001", "003", "004"])
    func seedsAboutTheirOwnDiseaseAreClean(_ seed: String) {
        #expect(RuleFixtures.findings(rule, RuleFixtures.seed(seed)).isEmpty)
    }

    @Test func priorUseOfAnotherDrugIsNotForeignText() {
        // Seed 002 with its exclusion item rewritten as a general mention of earlier treatment.
        let seed = RuleFixtures.seed("002")
        let criteria = seed.source.first(.criteria)!.value
            .replacingOccurrences(of: "that prevents administration of BIIB059", with: "or prior treatment with BIIB059")
            .replacingOccurrences(of: ", other than lupus,", with: "")
        let edited = RuleFixtures.edited(seed, .criteria, criteria)
        let findings = RuleFixtures.findings(rule, edited)
        #expect(findings.count == 1)
        #expect(findings.first?.message.contains("autoimmune diseases") == true)
    }
}

@Suite struct ScrapeDebrisRuleTests {
    let rule = ScrapeDebrisRule()

    @Test func seed003HasTheTemplatePlaceholderAndFormText() {
        let findings = RuleFixtures.findings(rule, RuleFixtures.seed("003"))
        let placeholder = findings.filter { $0.message.contains("“{{SITE_NAME}}”") }
        #expect(placeholder.count == 1)
        #expect(placeholder.first?.severity == .warning)
        #expect(
            placeholder.first?.evidence == [
                Evidence(
                    file: "seeds/003_7e81f2dfff6efa34.txt", locator: "line 99",
                    quote: "We have submitted the contact information you provided to the research team at {{SITE_NAME}}.")
            ])
        let navigation = findings.filter { $0.severity == .note }
        #expect(navigation.count == 1)
        #expect(navigation.first?.message.contains("“Powered by AI”") == true)
        #expect(navigation.first?.evidence.map(\.quote).contains("First name*") == true)
    }

    @Test func seed002HasEscapedMarkupInOneFinding() {
        let findings = RuleFixtures.findings(rule, RuleFixtures.seed("002"))
        #expect(findings.count == 1)
        #expect(findings.first?.message.contains("“9×10\\^9” and “13.5×10\\^9”") == true)
        #expect(findings.first?.evidence.count == 3)
    }

    @Test(arguments: ["ctgov-json/NCT06411691.json", "ctgov-json/NCT02552212.json", "ctgov-xml/NCT00513591.xml", "html/ChiCTR2400084905.html"])
    func cleanExportsAndMarkdownEscapesOfAPIv2AreNotDebris(_ path: String) {
        #expect(RuleFixtures.findings(rule, RuleFixtures.real(path)).isEmpty)
    }

    @Test(arguments: ["Dear {SITE_NAME}, welcome", "Contact %s for details", "Hello ${name}", "Values &lt; 5 &amp; more", "Line one<br>line two"])
    func syntheticPlaceholdersAndEntitiesAreFound(_ text: String) {
        var source = SourceRecord(file: "synthetic.txt", format: .plainText)
        source.add(.summary, text, locator: "line 1", line: 1)
        #expect(rule.check(source, TrialExtractor.extract(source)).count == 1)
    }
}

@Suite struct DuplicatedTimePointRuleTests {
    let rule = DuplicatedTimePointRule()

    @Test func seed001RepeatsTwelveMonthsInBothSecondaryOutcomes() {
        let findings = RuleFixtures.findings(rule, RuleFixtures.seed("001"))
        #expect(findings.count == 1)
        #expect(findings.first?.message.contains("“1, 3, 6, 12 and 12 months” repeat 12 (in 2 places)") == true)
        #expect(findings.first?.evidence.map(\.locator) == ["line 71", "line 72"])
    }

    @Test func aListWithoutRepeatsIsClean() {
        // "measured at 0, 7 and 12 months of treatment"
        #expect(RuleFixtures.findings(rule, RuleFixtures.real("ctgov-xml/NCT01534533.xml")).isEmpty)
        #expect(RuleFixtures.findings(rule, RuleFixtures.seed("003")).isEmpty)
    }

    @Test func unitFirstListsAreRead() {
        var source = SourceRecord(file: "synthetic.txt", format: .plainText)
        source.add(.secondaryOutcome, "Response at weeks 4, 12, 12 and 24", locator: "line 1", line: 1)
        #expect(rule.check(source, TrialExtractor.extract(source)).count == 1)
    }
}

@Suite struct PhaseMismatchRuleTests {
    let rule = PhaseMismatchRule()

    @Test func titleSayingPhaseTwoContradictsAStructuredPhaseOne() {
        let real = RuleFixtures.real("ctgov-json/NCT06008288.json")
        #expect(RuleFixtures.findings(rule, real).isEmpty)
        let edited = RuleFixtures.edited(real, .phase, "PHASE1")
        let findings = RuleFixtures.findings(rule, edited)
        #expect(findings.count == 1)
        #expect(findings.first?.severity == .warning)
        #expect(findings.first?.message.hasPrefix("Structured phase is Phase 1 but the title or summary says “Phase II”") == true)
    }

    @Test func pilotAndOverlappingPhasesAgree() {
        #expect(RuleFixtures.findings(rule, RuleFixtures.seed("001")).isEmpty)  // "pilot study", Phase 1
        #expect(RuleFixtures.findings(rule, RuleFixtures.real("ctgov-json/NCT06385925.json")).isEmpty)  // Phase 1/2
    }

    @Test func programmeStageInATitleOfANonDrugStudyIsANote() {
        let findings = RuleFixtures.findings(rule, RuleFixtures.real("ctgov-xml/NCT05482711.xml"))
        #expect(findings.map(\.severity) == [.note])
    }
}
