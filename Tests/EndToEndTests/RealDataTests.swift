import Foundation
import Testing
import TrialCompare
import TrialModel
import TrialPipeline
import TrialReaders

@Suite struct RealDataTests {
    @Test func twoDownloadsOfOneTrialBecomeOneTrialWithTwoSources() async throws {
        let l = await Pipeline.landscape(
            paths: ["ctgov-xml/NCT00513591.xml", "versions/NCT00513591_redownloaded.xml"], root: Repo.realdata)
        #expect(l.failures.isEmpty)
        #expect(l.trials.count == 1)
        let t = try #require(l.trials.first)
        #expect(t.id.value == "NCT00513591")
        #expect(t.sources.map(\.file) == ["ctgov-xml/NCT00513591.xml", "versions/NCT00513591_redownloaded.xml"])
    }

    @Test func chictrPageYieldsIDTitleStatusAndAgeWithQuotes() async throws {
        let l = await Pipeline.landscape(paths: ["html/ChiCTR2400084905.html"], root: Repo.realdata)
        let t = try #require(l.trials.first)
        #expect(t.id == TrialID(.chictr, "ChiCTR2400084905"))
        #expect(t.parameters.titles.first?.value.hasPrefix("SUNRAY-01") == true)
        #expect(t.parameters.statuses.first?.value == .notYetRecruiting)
        #expect(t.parameters.ageStructured.first?.value.minYears == 18)
        for quoted in [
            t.parameters.titles.first?.evidence, t.parameters.statuses.first?.evidence,
            t.parameters.ageStructured.first?.evidence, t.parameters.registryIDs.first?.evidence,
        ] {
            #expect(quoted?.first?.quote.isEmpty == false)
        }
    }

    @Test func errorPageIsOneClearErrorNotAnEmptyTrial() async {
        let l = await Pipeline.landscape(paths: ["html/ctgov-invalid-nct-id-error-page.html"], root: Repo.realdata)
        #expect(l.trials.isEmpty)
        #expect(l.failures.count == 1)
        #expect(l.failures.first?.error?.contains("not a trial record") == true)
    }

    /// Over every ClinicalTrials.gov record: how often an age band stated in the criteria agrees
    /// with the structured one (reported in the closing note; asserted loosely here).
    @Test func criteriaAgeBandsMostlyAgreeWithStructuredAges() async {
        let l = await Pipeline.landscape(paths: ["ctgov-xml", "ctgov-json", "ctgov-json-classic", "ctgov-json-trimmed"], root: Repo.realdata)
        #expect(l.failures.isEmpty)
        var both = 0, agree = 0
        for t in l.trials {
            guard let s = t.parameters.ageStructured.first?.value, let c = t.parameters.ageInCriteria.first?.value else { continue }
            both += 1
            let minOK = c.minYears == nil || s.minYears == c.minYears
            let maxOK = c.maxYears == nil || s.maxYears == c.maxYears
            if minOK && maxOK { agree += 1 }
        }
        print("age-band agreement: \(agree) of \(both) records stating both")
        #expect(both > 10)
        #expect(agree * 10 >= both * 7)
    }
}
