import Foundation
import Testing
import TrialModel

@testable import TrialCompare

private func trialOf(_ id: String) -> [RuleFixtures.Loaded] {
    RuleFixtures.realdata.filter { $0.record.globalIDs.contains { $0.value == id } }
}

@Suite struct EnrollmentMismatchRuleTests {
    let rule = EnrollmentMismatchRule()

    @Test func seed001RangeInTheSummaryAgainstOneStructuredCount() {
        let findings = RuleFixtures.findings(rule, [RuleFixtures.seed("001")])
        #expect(findings.count == 1)
        #expect(findings.first?.severity == .warning)
        #expect(findings.first?.message.hasPrefix("Structured enrollment is 72 but the summary gives a range of 36–72 participants") == true)
        #expect(findings.first?.evidence.map(\.quote) == ["72", "36-72 patients are planned to be enrolled in the dose-escalation trial."])
    }

    @Test func equalCountsAreClean() {
        #expect(RuleFixtures.findings(rule, [RuleFixtures.seed("002")]).isEmpty)  // 9 participants, "9 patients are planned"
    }

    @Test func anActualCountBelowThePlanIsANoteAtMost() {
        let findings = RuleFixtures.findings(rule, trialOf("NCT04529460"))
        #expect(findings.map(\.severity) == [.note])
        // "approximately 100 subjects will be enrolled" vs 106 actual: normal, nothing.
        #expect(RuleFixtures.findings(rule, trialOf("NCT04452435")).isEmpty)
    }

    @Test func aTotalThatIsNotAboutEnrolmentIsIgnored() {
        // "… divided into focus groups … for a total of 40 participants" vs 7200 planned.
        #expect(RuleFixtures.findings(rule, trialOf("NCT04963790")).isEmpty)
    }
}

@Suite struct AgeMismatchRuleTests {
    let rule = AgeMismatchRule()

    @Test func structuredMinimumDiffersFromTheCriteria() {
        let findings = RuleFixtures.findings(rule, trialOf("NCT03459976"))
        #expect(findings.count == 1)
        #expect(findings.first?.message.contains("40–70 years") == true)
        #expect(findings.first?.message.contains("minimum 40 years vs ≥ 45 years") == true)
        #expect(findings.first?.evidence.map(\.quote).contains("Age (45 - 70 yr old") == true)
    }

    @Test(arguments: ["NCT04834908", "NCT00739934", "NCT00056407", "NCT06337474"])
    func cohortsStrictBoundsConditionsAndEqualBandsAreClean(_ id: String) {
        let loaded = id == "NCT06337474" ? [RuleFixtures.seed("002")] : trialOf(id)
        #expect(!loaded.isEmpty)
        #expect(RuleFixtures.findings(rule, loaded).isEmpty)
    }

    @Test func lostComparatorsInTheCriteriaStillMatchTheStructuredBand() {
        #expect(RuleFixtures.findings(rule, [RuleFixtures.seed("001")]).isEmpty)  // "= 18 … = 65" vs 18–65
    }
}

@Suite struct SexMismatchRuleTests {
    let rule = SexMismatchRule()

    @Test func femaleOnlyTrialWhoseCriteriaAdmitMaleOrFemale() {
        let edited = RuleFixtures.edited(RuleFixtures.seed("002"), .sex, "FEMALE")
        let findings = RuleFixtures.findings(rule, [edited])
        #expect(findings.count == 1)
        #expect(findings.first?.message.contains("Structured sex is Female but the inclusion criteria say “male or female”") == true)
    }

    @Test func consistentSexesAreClean() {
        #expect(RuleFixtures.findings(rule, [RuleFixtures.seed("002")]).isEmpty)  // ALL, "male or female"
        #expect(RuleFixtures.findings(rule, trialOf("NCT00513591")).isEmpty)  // Female, "Women with …"
    }
}

@Suite struct ConditionTitleContradictionRuleTests {
    let rule = ConditionTitleContradictionRule()

    @Test func alloimmuneConditionForAnImmuneThrombocytopeniaTrial() {
        let findings = RuleFixtures.findings(rule, [RuleFixtures.seed("002")])
        #expect(findings.count == 1)
        #expect(findings.first?.message.hasPrefix("Condition “Thrombocytopenia Alloimmune” (alloimmune) contradicts the title") == true)
        #expect(findings.first?.evidence.map(\.locator) == ["line 55", "line 1"])
    }

    @Test func matchingConditionIsClean() {
        let edited = RuleFixtures.edited(RuleFixtures.seed("002"), .condition, "Immune Thrombocytopenia")
        #expect(RuleFixtures.findings(rule, [edited]).isEmpty)
    }

    /// The ASCII word split gives the words of the `Character` split on every real title and
    /// condition (and on crafted edges), and declines any text with a non-ASCII byte.
    @Test func asciiWordsAreTheCharacterWords() {
        var texts = RuleFixtures.realdata.flatMap { $0.record.parameters.titles.map(\.value) + $0.record.parameters.conditions.map(\.value) }
        texts += ["", "  ", "Type-1, TYPE II\r\ndiabetes", "non_small cell (NSCLC)/stage 3b", "a\u{7F}b\tc9"]
        #expect(texts.count > 500)
        var ascii = 0
        for text in texts {
            let slow = text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
            if text.utf8.allSatisfy({ $0 < 0x80 }) {
                ascii += 1
                #expect(ConditionTitleContradictionRule.asciiWords(text) == slow, "\(text)")
            } else {
                #expect(ConditionTitleContradictionRule.asciiWords(text) == nil, "\(text)")
            }
        }
        #expect(ascii > 400)
    }

    @Test func titleNamingBothQualifiersContradictsNothing() {
        #expect(ConditionTitleContradictionRule.tokens("Type 1 and Type II Diabetes") == ["type1", "and", "type2", "diabetes"])
        var p = TrialParameters()
        let e = Evidence(file: "t", locator: "l", quote: "q")
        p.titles = [Measured("Insulin Pumps in Type 1 and Type 2 Diabetes", e)]
        p.conditions = [Measured("Diabetes Mellitus, Type 2", e)]
        let trial = Trial(id: TrialID(.nct, "NCT00000001"), registryIDs: [], records: [], parameters: p)
        #expect(rule.check(trial).isEmpty)
        p.titles = [Measured("Insulin Pumps in Type 1 Diabetes", e)]
        #expect(rule.check(Trial(id: trial.id, registryIDs: [], records: [], parameters: p)).count == 1)
    }
}

@Suite struct DateOrderRuleTests {
    let rule = DateOrderRule()

    @Test func completionBeforeStartIsAnError() {
        let edited = RuleFixtures.edited(trialOf("NCT00513591")[0], .completionDate, "June 2006")
        let findings = RuleFixtures.findings(rule, [edited])
        #expect(findings.map(\.severity) == [.error, .error])
        #expect(findings.contains { $0.message.hasPrefix("Completion date 2006-06 is before the start date 2007-08") })
        #expect(findings.contains { $0.message.hasPrefix("Primary completion date 2018-06 is after the study completion date 2006-06") })
    }

    @Test func realDatesInOrderAndEqualAtCommonPrecisionAreClean() {
        #expect(RuleFixtures.findings(rule, trialOf("NCT00513591")).isEmpty)
        #expect(RuleFixtures.findings(rule, [RuleFixtures.seed("001"), RuleFixtures.seed("002")]).isEmpty)
        #expect(!DateOrderRule.before("2018-06-30", "2018-06"))
        #expect(DateOrderRule.before("2018-05-30", "2018-06"))
    }
}

@Suite struct SuspiciousValueRuleTests {
    let rule = SuspiciousValueRule()

    @Test func zeroEnrollmentForARecruitingTrialIsAnError() {
        let edited = RuleFixtures.edited(RuleFixtures.seed("002"), .enrollment, "0 participants")
        let findings = RuleFixtures.findings(rule, [edited])
        #expect(findings.map(\.severity) == [.error])
        #expect(findings.first?.message.hasPrefix("Enrollment is 0 but the trial is recruiting") == true)
    }

    @Test func zeroEnrollmentOfAWithdrawnTrialIsNormal() {
        #expect(RuleFixtures.findings(rule, [RuleFixtures.real("ctgov-json/NCT00973089.json")]).isEmpty)
    }

    @Test func sentinelEnrollmentAndAges() {
        let sentinel = RuleFixtures.edited(RuleFixtures.seed("002"), .enrollment, "99999999")
        #expect(RuleFixtures.findings(rule, [sentinel]).first?.message.contains("placeholder for “unknown”") == true)
        let age120 = RuleFixtures.findings(rule, trialOf("NCT04453748"))
        #expect(age120.count == 1)
        #expect(age120.first?.message.contains("120 years") == true)
    }

    @Test func missingAgeBandIsANoteAndNAIsNotANumber() {
        let findings = RuleFixtures.findings(rule, trialOf("NCT00739791"))  // minimum and maximum age N/A
        #expect(findings.map(\.severity) == [.note])
        #expect(findings.first?.message.hasPrefix("No age band is stated") == true)
        #expect(RuleFixtures.findings(rule, trialOf("NCT00513591")).isEmpty)  // 18 Years, N/A: open maximum
    }
}

@Suite struct SourceDiscrepancyRuleTests {
    let rule = SourceDiscrepancyRule()

    @Test func twoDownloadsOfOneTrialDifferInEnrollmentAndPrimaryCompletionOnly() {
        // The 2018 and 2016 downloads of NCT00513591 (diffed by hand): enrollment 1000 vs 500 and
        // primary completion June 2018 vs December 2017 differ; the completion date and phase are
        // stated by one download only; the last-update dates differ by nature.
        let findings = RuleFixtures.findings(rule, trialOf("NCT00513591"))
        #expect(findings.count == 2)
        #expect(findings.map(\.severity) == [.warning, .warning])
        #expect(
            findings[0].message.hasPrefix(
                "Sources disagree on enrollment: 1000 (planned) in realdata/ctgov-xml/NCT00513591.xml vs 500 (planned) in realdata/versions/NCT00513591_redownloaded.xml"
            ))
        #expect(
            findings[1].message.hasPrefix(
                "Sources disagree on primary completion date: 2018-06 in realdata/ctgov-xml/NCT00513591.xml vs 2017-12 in realdata/versions/NCT00513591_redownloaded.xml"
            ))
        #expect(findings[1].evidence.map(\.quote) == ["June 2018", "December 2017"])
    }

    @Test(arguments: ["NCT02028676", "NCT04452435"])
    func sourcesThatSayTheSameInOtherWordsAgree(_ id: String) {
        let loaded = trialOf(id)
        #expect(loaded.count == 2)
        #expect(RuleFixtures.findings(rule, loaded).isEmpty)
    }

    @Test func plannedThenActualIsANoteAndSpellingIsNotADifference() {
        var loaded = trialOf("NCT00513591")
        loaded[1] = RuleFixtures.edited(loaded[1], .enrollmentType, "Actual")
        loaded[1] = RuleFixtures.edited(loaded[1], .status, "RECRUITING")
        loaded[1] = RuleFixtures.edited(loaded[1], .primaryCompletionDate, "June 30, 2018")
        let findings = RuleFixtures.findings(rule, loaded)
        #expect(findings.count == 1)
        #expect(findings.first?.severity == .note)
        #expect(findings.first?.message.hasPrefix("Enrollment changed from planned 1000") == true)
    }
}
