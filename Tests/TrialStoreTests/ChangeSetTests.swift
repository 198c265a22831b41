import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialStore

@Suite struct ChangeSetTests {
    let a = Spec()
    let b = Spec.second(lvef: 45)

    @Test func firstRunIsTheBaseline() {
        let changes = ChangeSet(from: nil, to: snapshot([a, b]))
        #expect(changes.isBaseline)
        #expect(!changes.isEmpty)
        #expect(changes.trialsAdded == [TrialRef(id: "NCT00000001", title: a.title), TrialRef(id: "NCT00000002", title: b.title)])
        #expect(changes.inputs.added.map(\.path) == [a.file, b.file])
        #expect(changes.trialsChanged.isEmpty && changes.trialsRemoved.isEmpty)
        #expect(changes.summary == "baseline: 2 trials from 2 inputs")
    }

    /// Many trials: decoding a stored snapshot and comparing two runs work in chunks of 256 trials
    /// on all cores; results keep trial order across chunk boundaries.
    @Test func manyTrialsRoundTripAndCompareInOrder() throws {
        let specs = (1...700).map { n -> Spec in
            var s = Spec()
            s.nct = String(format: "NCT%08d", n)
            s.file = "Input/\(s.nct).xml"
            s.title = "Trial \(n)"
            return s
        }
        let before = snapshot(specs)
        #expect(before.trials.count == 700)
        let tmp = try TempFolder("store")
        defer { tmp.remove() }
        let store = try SnapshotStore(path: tmp.dbPath)
        try store.save(before, label: "first")
        #expect(try store.latest() == before)

        // Changes in the first, a middle and the last chunk, one trial removed and one added.
        var changedSpecs = specs
        for i in [3, 300, 699] { changedSpecs[i].lvef = 40 }
        changedSpecs.remove(at: 500)
        var extra = Spec()
        extra.nct = "NCT00000999"
        extra.file = "Input/NCT00000999.xml"
        changedSpecs.append(extra)
        let changes = ChangeSet(from: try store.latest(), to: snapshot(changedSpecs))
        #expect(changes.trialsChanged.map(\.id) == ["NCT00000004", "NCT00000301", "NCT00000700"])
        #expect(changes.trialsRemoved.map(\.id) == ["NCT00000501"])
        #expect(changes.trialsAdded.map(\.id) == ["NCT00000999"])
    }

    @Test func sameInputsGiveNoChanges() {
        let changes = ChangeSet(from: snapshot([a, b]), to: snapshot([a, b]))
        #expect(changes.isEmpty)
        #expect(!changes.hasTrialChanges)
        #expect(changes.summary == "no changes")
        #expect(changes == ChangeSet(isBaseline: false))
    }

    @Test func thresholdChangeHasOldAndNewQuotes() throws {
        var a2 = a
        a2.lvef = 55
        let changes = ChangeSet(from: snapshot([a, b]), to: snapshot([a2, b]))
        #expect(changes.trialsChanged.map(\.id) == ["NCT00000001"])
        let lvef = try #require(changes.trial("NCT00000001")?.parameter("lvef_min_percent"))
        #expect(lvef.label == "LVEF threshold")
        #expect(lvef.old.map(\.text) == ["≥ 50 %"])
        #expect(lvef.new.map(\.text) == ["≥ 55 %"])
        #expect(lvef.old.map(\.csv) == ["50"] && lvef.new.map(\.csv) == ["55"])
        #expect(lvef.old[0].evidence.map(\.quote) == ["Left ventricular ejection fraction ≥ 50%"])
        #expect(lvef.new[0].evidence.map(\.quote) == ["Left ventricular ejection fraction ≥ 55%"])
        #expect(lvef.removedValues.map(\.csv) == ["50"] && lvef.addedValues.map(\.csv) == ["55"])
        // Nothing else about the trial changed.
        #expect(changes.trial("NCT00000001")?.parameters.map(\.key) == ["lvef_min_percent"])
        #expect(changes.inputs.modified.map(\.path) == [a.file])
        #expect(changes.summary == "1 trial changed, 0 added, 0 removed; inputs: 1 modified")
    }

    @Test func recordLevelChangesAreOrdinaryRows() throws {
        var a2 = a
        a2.status = .activeNotRecruiting
        a2.enrollment = 31
        a2.lastUpdate = "2024-06-30"
        let change = try #require(ChangeSet(from: snapshot([a]), to: snapshot([a2])).trial("NCT00000001"))
        // Matrix row order: status, enrollment, last_update.
        #expect(change.parameters.map(\.key) == ["status", "enrollment", "last_update"])
        let status = try #require(change.parameter("status"))
        #expect(status.old.map(\.text) == ["Recruiting"] && status.new.map(\.text) == ["Active, not recruiting"])
        #expect(status.new.map(\.csv) == ["ACTIVE_NOT_RECRUITING"])
        #expect(change.parameter("enrollment")?.old.map(\.csv) == ["24"])
        #expect(change.parameter("enrollment")?.new.map(\.text) == ["31 (planned)"])
        #expect(change.parameter("last_update")?.new.first?.evidence.first?.quote == "2024-06-30")
    }

    @Test func valueThatAppearsOrVanishesIsAChange() throws {
        var a2 = a
        a2.lvef = nil
        let lvef = try #require(ChangeSet(from: snapshot([a]), to: snapshot([a2])).trial("NCT00000001")?.parameter("lvef_min_percent"))
        #expect(lvef.old.map(\.csv) == ["50"] && lvef.new.isEmpty)
        let back = try #require(ChangeSet(from: snapshot([a2]), to: snapshot([a])).trial("NCT00000001")?.parameter("lvef_min_percent"))
        #expect(back.old.isEmpty && back.new.map(\.csv) == ["50"])
    }

    @Test func trialAddedAndRemoved() {
        let added = ChangeSet(from: snapshot([a]), to: snapshot([a, b]))
        #expect(added.trialsAdded == [TrialRef(id: "NCT00000002", title: "CAR-T cells in myositis")])
        #expect(added.trialsRemoved.isEmpty && added.trialsChanged.isEmpty)
        #expect(added.inputs.added.map(\.path) == [b.file])
        #expect(added.summary == "0 trials changed, 1 added, 0 removed; inputs: 1 added")

        let removed = ChangeSet(from: snapshot([a, b]), to: snapshot([a]))
        #expect(removed.trialsRemoved == [TrialRef(id: "NCT00000002", title: "CAR-T cells in myositis")])
        #expect(removed.trialsAdded.isEmpty && removed.trialsChanged.isEmpty)
        #expect(removed.inputs.removed.map(\.path) == [b.file])
        #expect(removed.summary == "0 trials changed, 0 added, 1 removed; inputs: 1 removed")
    }

    @Test func findingsNewAndResolvedAreMatchedByRuleTrialAndMessage() throws {
        var a2 = a
        a2.findings = [debrisFinding(a)]
        let opened = ChangeSet(from: snapshot([a]), to: snapshot([a2]))
        let change = try #require(opened.trial("NCT00000001"))
        #expect(change.parameters.isEmpty)
        #expect(change.findingsNew.map(\.rule) == ["scrape-debris"])
        #expect(change.findingsResolved.isEmpty)
        #expect(opened.summary == "1 trial changed, 0 added, 0 removed; 1 new finding, 0 resolved; inputs: 1 modified")

        let closed = try #require(ChangeSet(from: snapshot([a2]), to: snapshot([a])).trial("NCT00000001"))
        #expect(closed.findingsResolved.map(\.rule) == ["scrape-debris"] && closed.findingsNew.isEmpty)

        // Same finding, evidence elsewhere: not a change.
        var a3 = a2
        a3.findings[0].evidence = [Evidence(file: a.file, locator: "line 99", quote: "{{SITE_NAME}} ")]
        a3.findings[0].acknowledged = "reviewed"
        #expect(ChangeSet(from: snapshot([a2]), to: snapshot([a3])).trial("NCT00000001") == nil)

        // Another message: one resolved, one new.
        var a4 = a2
        a4.findings = [debrisFinding(a, "Unrendered template placeholder {{CITY}} in the page")]
        let swapped = try #require(ChangeSet(from: snapshot([a2]), to: snapshot([a4])).trial("NCT00000001"))
        #expect(swapped.findingsNew.map(\.message) == ["Unrendered template placeholder {{CITY}} in the page"])
        #expect(swapped.findingsResolved.map(\.message) == ["Unrendered template placeholder {{SITE_NAME}} in the page"])
    }

    @Test func renamedFileWithSameContentIsNoTrialChange() throws {
        var moved = a
        moved.file = "Input/2024-06/study.xml"
        let old = snapshot([a, b]), new = snapshot([moved, b])
        // Evidence and source files did change …
        #expect(old.trial("NCT00000001")?["source_files"] != new.trial("NCT00000001")?["source_files"])
        #expect(old.trial("NCT00000001")?["lvef_min_percent"].first?.evidence != new.trial("NCT00000001")?["lvef_min_percent"].first?.evidence)
        // … but not what the trial states.
        let changes = ChangeSet(from: old, to: new)
        #expect(!changes.hasTrialChanges)
        #expect(
            changes.inputs.renamed == [
                InputRename(from: a.file, to: moved.file, sha256: SnapshotStore.sha256(Array(a.content.utf8)), size: a.content.utf8.count)
            ])
        #expect(changes.inputs.added.isEmpty && changes.inputs.removed.isEmpty && changes.inputs.modified.isEmpty)
        #expect(!changes.isEmpty)
        #expect(changes.summary == "no trial changes; inputs: 1 renamed")
    }

    @Test func movedEvidenceIsNoChange() {
        var a2 = a
        a2.criteriaLine = 57
        let changes = ChangeSet(from: snapshot([a]), to: snapshot([a2]))
        #expect(!changes.hasTrialChanges)
        #expect(changes.inputs.modified.count == 1)
    }

    @Test func valueOrderAcrossSourcesIsNoChange() {
        // One trial from two files stating different statuses; renaming the files swaps the
        // order the values are merged in, which is not a change of meaning.
        var x = a, y = a
        x.file = "a.xml"
        y.file = "b.xml"
        y.status = .completed
        var x2 = x, y2 = y
        x2.file = "c.xml"  // now sorts after b.xml
        y2.file = "b.xml"
        let old = snapshot([x, y]), new = snapshot([x2, y2])
        #expect(old.trial("NCT00000001")?["status"].map(\.csv) == ["RECRUITING", "COMPLETED"])
        #expect(new.trial("NCT00000001")?["status"].map(\.csv) == ["COMPLETED", "RECRUITING"])
        // The source-discrepancy finding names the files, in file order: the rename changes its
        // text, not its meaning.
        let before = old.findings.filter { $0.rule == "source-discrepancy" }.map(\.message)
        let after = new.findings.filter { $0.rule == "source-discrepancy" }.map(\.message)
        #expect(before.count == 1 && after.count == 1 && before != after)
        #expect(before.first?.contains("a.xml") == true && after.first?.contains("c.xml") == true)
        let changes = ChangeSet(from: old, to: new)
        #expect(!changes.hasTrialChanges)
        #expect(changes.inputs.renamed.map(\.to) == ["c.xml"])
        // Without the rename (files edited in place), the same texts are a finding change.
        var edited = new
        edited.inputs = old.inputs.map {
            InputFingerprint(path: $0.path == "a.xml" ? "c.xml" : $0.path, sha256: String(repeating: "f", count: 64), size: 1)
        }
        #expect(ChangeSet(from: old, to: edited).trial("NCT00000001")?.findingsNew.count == 1)
    }

    @Test func inputChangesPairRenamesByHash() {
        let f = { (p: String, h: Character) in InputFingerprint(path: p, sha256: String(repeating: h, count: 64), size: 1) }
        let changes = InputChanges(
            from: [f("a", "1"), f("b", "2"), f("c", "3"), f("d", "4")],
            to: [f("a", "1"), f("b", "9"), f("c2", "3"), f("e", "5"), f("f", "1")])
        #expect(changes.modified.map(\.path) == ["b"])
        #expect(changes.renamed.map { "\($0.from)->\($0.to)" } == ["c->c2"])
        #expect(changes.removed.map(\.path) == ["d"])
        // A copy of an unchanged file is an added file, not a rename.
        #expect(changes.added.map(\.path) == ["e", "f"])
    }

    /// The merge walk in `InputChanges(from:to:)` against the definition it replaced: dictionaries
    /// by path (the last entry of a path wins), sorted keys, every added file indexed by hash.
    /// Random lists, out of order, with repeated paths and shared hashes.
    @Test(arguments: 0..<4) func inputChangesEqualTheirDictionaryDefinition(seed: UInt64) {
        var state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1
        func next(_ n: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(n))
        }
        func list() -> [InputFingerprint] {
            (0..<next(40)).map { _ in
                InputFingerprint(path: "f\(next(30)).xml", sha256: String(repeating: "\(next(6))", count: 64), size: next(9))
            }
        }
        for _ in 0..<150 {
            let old = list(), new = list()
            let got = InputChanges(from: old, to: new)
            let want = Self.dictionaryInputChanges(from: old, to: new)
            #expect(got == want, "old \(old.map(\.path)) new \(new.map(\.path))")
        }
    }

    /// The comparison as first written, kept here as the specification.
    static func dictionaryInputChanges(from old: [InputFingerprint], to new: [InputFingerprint]) -> InputChanges {
        var oldByPath: [String: InputFingerprint] = [:]
        for f in old { oldByPath[f.path] = f }
        var newByPath: [String: InputFingerprint] = [:]
        for f in new { newByPath[f.path] = f }
        var added: [InputFingerprint] = [], removed: [InputFingerprint] = [], modified: [InputModification] = []
        for path in newByPath.keys.sorted() {
            let n = newByPath[path]!
            if let o = oldByPath[path] {
                if o.sha256 != n.sha256 { modified.append(InputModification(path: path, old: o, new: n)) }
            } else {
                added.append(n)
            }
        }
        for path in oldByPath.keys.sorted() where newByPath[path] == nil { removed.append(oldByPath[path]!) }
        var renamed: [InputRename] = []
        var addedByHash: [String: [Int]] = [:]
        for (i, f) in added.enumerated() { addedByHash[f.sha256, default: []].append(i) }
        var pairedAdded: Set<Int> = []
        var keptRemoved: [InputFingerprint] = []
        for r in removed {
            if var candidates = addedByHash[r.sha256], !candidates.isEmpty {
                let i = candidates.removeFirst()
                addedByHash[r.sha256] = candidates
                pairedAdded.insert(i)
                renamed.append(InputRename(from: r.path, to: added[i].path, sha256: r.sha256, size: added[i].size))
            } else {
                keptRemoved.append(r)
            }
        }
        return InputChanges(
            added: added.enumerated().filter { !pairedAdded.contains($0.offset) }.map(\.element), removed: keptRemoved,
            modified: modified, renamed: renamed)
    }

    @Test func changeSetJSONIsStable() throws {
        var a2 = a
        a2.lvef = 55
        a2.findings = [debrisFinding(a)]
        let changes = ChangeSet(from: snapshot([a, b]), to: snapshot([a2]))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let json = try encoder.encode(changes)
        #expect(try JSONDecoder().decode(ChangeSet.self, from: json) == changes)
        #expect(json == (try encoder.encode(ChangeSet(from: snapshot([a, b]), to: snapshot([a2])))))
    }

    @Test func snapshotSkipsTrialIDAndEmptyCells() throws {
        let s = snapshot([a])
        let t = try #require(s.trial("NCT00000001"))
        #expect(t.title == "CAR-NK cells in lupus")
        #expect(!t.parameters.contains { $0.key == "trial_id" })
        #expect(t.parameters.allSatisfy { !$0.values.isEmpty })
        #expect(t["registry_ids"].map(\.csv) == ["NCT00000001"])
        #expect(t["cyclophosphamide_mg_m2"].isEmpty)
    }
}
