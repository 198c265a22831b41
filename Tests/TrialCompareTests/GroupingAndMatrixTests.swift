import Testing
import TrialModel

@testable import TrialCompare

/// A minimal record as extraction would produce it, for grouping and matrix tests.
func record(
    _ file: String, ids: [TrialID], lvef: Double? = nil, cyclophosphamide: Double? = nil, index: Int = 0
) -> TrialRecord {
    var p = TrialParameters()
    let e = Evidence(file: file, locator: "line 1", quote: "q")
    for id in ids { p.registryIDs.append(Measured(id, e)) }
    if let lvef {
        p.thresholds.append(Measured(Threshold(measure: "LVEF", comparator: .greaterOrEqual, value: lvef, unit: "%"), e))
    }
    if let cyclophosphamide {
        p.doses.append(Measured(Dose(agent: "cyclophosphamide", amount: cyclophosphamide, unit: "mg/m²", days: [-3]), e))
    }
    let primary = ids.filter(\.isGlobal).min() ?? ids[0]
    return TrialRecord(source: SourceRef(file: file, format: .plainText, index: index), primaryID: primary, parameters: p)
}

@Suite struct GroupingAndMatrixTests {
    @Test func recordsSharingARegistryIDBecomeOneTrialWithAllSources() {
        let a = record("a.xml", ids: [TrialID(.nct, "NCT00513591"), TrialID(.sponsor, "Pro00000756")])
        let b = record("b.xml", ids: [TrialID(.nct, "NCT00513591")])
        let c = record("c.txt", ids: [TrialID(.derived, "TD-0123456789ab")])
        let trials = TrialGrouper.group([c, b, a])
        #expect(trials.map(\.id.value) == ["NCT00513591", "TD-0123456789ab"])
        #expect(trials[0].sources.map(\.file) == ["a.xml", "b.xml"])
        #expect(trials[0].registryIDs.contains(TrialID(.sponsor, "Pro00000756")))
    }

    @Test func aTrialOfOneRecordHoldsTheRecordsParametersUnchanged() {
        // Merging into an empty trial takes the record's values as they are (and shares them).
        var singles = 0
        for trial in RuleFixtures.realLandscape.trials where trial.records.count == 1 {
            singles += 1
            #expect(trial.parameters == trial.records[0].parameters, "\(trial.id.value)")
        }
        #expect(singles > 150)
    }

    @Test func mergingIntoAnEmptyListStillJoinsEqualValues() {
        let e1 = Evidence(file: "a", locator: "line 1", quote: "CD19")
        let e2 = Evidence(file: "a", locator: "line 9", quote: "CD19")
        var merged: [Measured<String>] = []
        merged.appendMerging(contentsOf: [Measured("CD19", e1), Measured("BCMA", e1), Measured("CD19", e2)])
        #expect(merged == [Measured("CD19", evidence: [e1, e2]), Measured("BCMA", e1)])
        // More than eight values take the hashing check.
        let many = (0..<12).map { Measured("T\($0 % 10)", Evidence(file: "a", locator: "line \($0)", quote: "q")) }
        var joined: [Measured<String>] = []
        joined.appendMerging(contentsOf: many)
        #expect(joined.count == 10)
        #expect(joined[0].evidence.map(\.locator) == ["line 0", "line 10"])
        var distinct: [Measured<String>] = []
        distinct.appendMerging(contentsOf: Array(many.prefix(10)))
        #expect(distinct == Array(many.prefix(10)))

        var criteria = TrialParameters()
        let item = Criterion(list: .inclusion, heading: nil, number: "1", text: "Age ≥ 18", evidence: e1)
        var twice = TrialParameters()
        twice.criteria = [item, item]
        criteria.merge(twice)
        #expect(criteria.criteria == [item])
    }

    /// All records of a trial merged at once give what merging them one by one gives, on the real
    /// records of the seeds and realdata taken as one trial.
    @Test func mergingAllAtOnceEqualsMergingInTurn() {
        let all = (RuleFixtures.seeds + RuleFixtures.realdata).map(\.record.parameters)
        var inTurn = TrialParameters()
        for p in all {
            for c in p.criteria where !inTurn.criteria.contains(c) { inTurn.criteria.append(c) }
            for t in p.thresholds { inTurn.thresholds.appendMerging(t) }
            for d in p.doses { inTurn.doses.appendMerging(d) }
            for c in p.conditions { inTurn.conditions.appendMerging(c) }
            for a in p.ageInCriteria { inTurn.ageInCriteria.appendMerging(a) }
        }
        let merged = TrialParameters.merged(all)
        #expect(merged.criteria == inTurn.criteria)
        #expect(merged.thresholds == inTurn.thresholds)
        #expect(merged.doses == inTurn.doses)
        #expect(merged.conditions == inTurn.conditions)
        #expect(merged.ageInCriteria == inTurn.ageInCriteria)
        #expect(merged.criteria.count > 1000)
        #expect(merged.thresholds.contains { $0.evidence.count > 1 })
    }

    @Test(arguments: [
        ([Int](), true), ([1], true), ([1, 2, 3], true), ([1, 2, 1], false), ([3, 3], false),
        (Array(0..<20), true), (Array(0..<20) + [19], false), ([7] + Array(0..<20), false),
    ])
    func allDifferentFindsAnyRepeat(values: [Int], expected: Bool) {
        #expect(values.allDifferent == expected)
    }

    @Test func sharedIDsMergeTransitively() {
        let a = record("a", ids: [TrialID(.nct, "NCT00000001")])
        let b = record("b", ids: [TrialID(.nct, "NCT00000001"), TrialID(.eudract, "2020-000001-01")])
        let c = record("c", ids: [TrialID(.eudract, "2020-000001-01")])
        #expect(TrialGrouper.group([a, b, c]).count == 1)
    }

    @Test func sponsorNumbersAloneDoNotMergeTrials() {
        let a = record("a", ids: [TrialID(.nct, "NCT00000001"), TrialID(.sponsor, "001")])
        let b = record("b", ids: [TrialID(.nct, "NCT00000002"), TrialID(.sponsor, "001")])
        #expect(TrialGrouper.group([a, b]).count == 2)
    }

    /// The flat grouping against the definition it replaced (an array and a dictionary entry per
    /// group): random keys in random order, with shared global IDs, sponsor-only records and
    /// repeated primary IDs; every record is in exactly one group.
    @Test(arguments: 0..<4) func flatGroupsEqualTheirDictionaryDefinition(seed: UInt64) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 7
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        let registries: [Registry] = [.nct, .eudract, .chictr, .sponsor]
        for _ in 0..<60 {
            let keys = (0..<next(50)).map { i -> RecordKey in
                let ids = (0..<(1 + next(3))).map { _ in TrialID(registries[next(4)], "ID\(next(25))") }
                let global = ids.filter(\.isGlobal)
                return RecordKey(
                    source: SourceRef(file: "f\(next(20))", format: .plainText, index: i),
                    primaryID: global.min() ?? ids[0], globalIDs: global)
            }
            let flat = TrialGrouper.groups(keys)
            #expect(flat == Self.dictionaryGroups(keys), "\(keys.map { ($0.primaryID.value, $0.globalIDs.map(\.value)) })")
            #expect(flat.joined().sorted() == Array(keys.indices))
        }
    }

    /// The grouping as first written, kept here as the specification.
    static func dictionaryGroups(_ keys: [RecordKey]) -> [[Int]] {
        let sorted = keys.indices.sorted { keys[$0].source < keys[$1].source }
        var parent = Array(sorted.indices)
        func find(_ i: Int) -> Int {
            var i = i
            while parent[i] != i { i = parent[i] }
            return i
        }
        var owner: [TrialID: Int] = [:]
        for (i, k) in sorted.enumerated() {
            let key = keys[k]
            for id in key.globalIDs.isEmpty ? [key.primaryID] : key.globalIDs {
                if let j = owner[id] {
                    let a = find(i), b = find(j)
                    if a != b { parent[max(a, b)] = min(a, b) }
                } else {
                    owner[id] = i
                }
            }
        }
        var groups: [Int: [Int]] = [:]
        for i in sorted.indices { groups[find(i), default: []].append(sorted[i]) }
        let displayed = groups.values.map { members -> (TrialID, [Int]) in
            let global = members.lazy.flatMap { keys[$0].globalIDs }.min()
            return (global ?? members.map { keys[$0].primaryID }.min()!, members)
        }
        return displayed.sorted { ($0.0.registry, $0.0.value) < ($1.0.registry, $1.0.value) }.map(\.1)
    }

    @Test func matrixMarksDifferingRowsAndKeepsNotStatedEmpty() {
        let trials = TrialGrouper.group([
            record("1", ids: [TrialID(.nct, "NCT00000001")], lvef: 45, cyclophosphamide: 300),
            record("2", ids: [TrialID(.nct, "NCT00000002")], lvef: 50, cyclophosphamide: 300),
            record("3", ids: [TrialID(.nct, "NCT00000003")]),
        ])
        let m = Matrix(trials: trials)
        #expect(Array(m.rows.map(\.key).prefix(ParameterCatalog.stableHeader.count)) == ParameterCatalog.stableHeader)
        let lvef = m.row("lvef_min_percent")!
        #expect(lvef.differs)
        #expect(lvef.cells.map(\.csv) == ["45", "50", ""])
        #expect(lvef.cells.map(\.text) == ["≥ 45 %", "≥ 50 %", ""])
        #expect(m.cell("lvef_min_percent", trial: "NCT00000003")!.isEmpty)
        #expect(m.row("cyclophosphamide_mg_m2")!.differs == false)
        #expect(m.row("trial_id")!.differs == false)
    }
}
