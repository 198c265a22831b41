import Foundation
import Testing
import TrialCompare
import TrialModel
import TrialPipeline

/// The acceptance list of the landscape report, on the five seeds and the TCR-T records in Input/.
@Suite struct SeedLandscapeTests {
    @Test func everyInputIsReadWithoutErrors() async {
        let l = await Repo.inputLandscape()
        #expect(l.failures.isEmpty, "\(l.failures.map { $0.error ?? "" })")
        #expect(l.inputs.count == 7)
        #expect(l.trials.count == 7)
    }

    @Test func nct06464679() async throws {
        let l = await Repo.inputLandscape()
        let id = "NCT06464679"
        #expect(l.csv("age_min_years", id) == "18")
        #expect(l.csv("age_max_years", id) == "65")
        #expect(l.csv("enrollment", id) == "72")
        #expect(l.csv("enrollment_in_text", id) == "36-72")
        #expect(l.csv("cyclophosphamide_mg_m2", id) == "300")
        #expect(l.csv("cyclophosphamide_days", id) == "-5 -4 -3")
        #expect(l.csv("fludarabine_mg_m2", id) == "25")
        #expect(l.csv("phase", id) == "Phase 1")
        #expect(l.csv("status", id) == "NOT_YET_RECRUITING")
        #expect(l.csv("sponsor", id)?.contains("Changhai Hospital") == true)
        #expect(l.csv("lvef_min_percent", id) == "")
        let cyclo = try #require(l.matrix.cell("cyclophosphamide_mg_m2", trial: id)?.values.first)
        #expect(cyclo.text == "300 mg/m²/day, days −5, −4, −3")
        #expect(cyclo.evidence.contains { $0.quote.contains("Cyclophosphamide (300mg/m2 per day) on day -5, -4, and -3") })
    }

    @Test func nct06337474() async {
        let l = await Repo.inputLandscape()
        let id = "NCT06337474"
        #expect(l.csv("age_min_years", id) == "18")
        #expect(l.csv("age_max_years", id) == "65")
        #expect(l.csv("enrollment", id) == "9")
        #expect(l.csv("lvef_min_percent", id) == "50")
        #expect(l.csv("ecog_max", id) == "1")
        #expect(l.csv("cyclophosphamide_mg_m2", id) == "1000")
        #expect(l.csv("cyclophosphamide_days", id) == "-3")
        #expect(l.csv("fludarabine_mg_m2", id) == "25")
        #expect(l.csv("cell_doses", id) == "9×10^9 cells;13.5×10^9 cells")
        #expect(l.csv("product", id)?.contains("KN5501") == true)
        #expect(l.csv("product", id)?.contains("BIIB059") == false)
    }

    @Test func nct06469190() async {
        let l = await Repo.inputLandscape()
        let id = "NCT06469190"
        #expect(l.csv("age_min_years", id) == "18")
        #expect(l.csv("age_max_years", id) == "70")
        #expect(l.csv("enrollment", id) == "36")
        #expect(l.csv("lvef_min_percent", id) == "55")
        #expect(l.csv("egfr_min_ml_min_1_73m2", id) == "45;30;15")
    }

    @Test func seed000WithoutRegistryID() async throws {
        let l = await Repo.inputLandscape()
        let t = try #require(l.trial(fromFile: "000_22635aa42715a471.txt"))
        #expect(t.id.registry == .derived)
        let id = t.id.value
        #expect(l.csv("age_min_years", id) == "18")
        #expect(l.csv("age_max_years", id) == "70")
        #expect(l.csv("enrollment", id) == "15")
        #expect(l.csv("lvef_min_percent", id) == "45")
        #expect(l.csv("ecog_max", id) == "2")
        #expect(l.csv("cell_doses", id) == "6×10^9 cells;9×10^9 cells")
        #expect(l.csv("cyclophosphamide_mg_m2", id) == "")  // only in an allergy exclusion
        #expect(l.csv("fludarabine_mg_m2", id) == "")
    }

    @Test func seed004CarTInLupus() async throws {
        let l = await Repo.inputLandscape()
        let t = try #require(l.trial(fromFile: "004_205f72c26459f71c.txt"))
        let id = t.id.value
        #expect(l.csv("age_min_years", id) == "18")
        #expect(l.csv("age_max_years", id) == "70")
        #expect(l.csv("body_weight_min_kg", id) == "40")
        #expect(l.csv("lvef_min_percent", id) == "")
        #expect(t.parameters.doses.isEmpty)  // prednisone ≥ 100 mg/d is an exclusion
        #expect(l.csv("cell_type", id) == "CAR-T")
    }

    @Test func tcrTRecordsKeepTheirCyclophosphamideRange() async {
        let l = await Repo.inputLandscape()
        #expect(l.csv("cyclophosphamide_mg_m2", "NCT05438667") == "300-450")
        #expect(l.csv("fludarabine_mg_m2", "NCT05438667") == "30")
    }

    @Test func lvefAndCyclophosphamideRowsDifferAcrossKN5501Trials() async throws {
        let l = await Repo.inputLandscape()
        let lvef = try #require(l.matrix.row("lvef_min_percent"))
        #expect(lvef.differs)
        let kn5501 = l.trials.filter { t in t.parameters.products.contains { $0.value == "KN5501" } }
        #expect(kn5501.count == 4)
        let values = Set(kn5501.map { l.csv("lvef_min_percent", $0.id.value) ?? "?" })
        #expect(values == ["45", "50", "55", ""])
        #expect(l.matrix.row("cyclophosphamide_mg_m2")?.differs == true)
    }

    @Test func everyStatedValueHasEvidenceWithAQuote() async {
        let l = await Repo.inputLandscape()
        for row in l.matrix.rows where row.comparable {
            for cell in row.cells {
                for v in cell.values {
                    #expect(!v.evidence.isEmpty, "\(row.key): \(v.text)")
                    #expect(v.evidence.allSatisfy { !$0.quote.isEmpty && !$0.file.isEmpty && !$0.locator.isEmpty })
                }
            }
        }
    }
}
