import Foundation
import TestSupport
import TrialCompare
import TrialModel
import TrialStore

/// A hand-made trial record, as extraction would produce it from one file.
struct Spec {
    var file = "Input/NCT00000001.xml"
    var nct = "NCT00000001"
    var title = "CAR-NK cells in lupus"
    var status: TrialStatus = .recruiting
    var enrollment = 24
    var lvef: Double? = 50
    var lastUpdate = "2024-01-15"
    /// Line of the criteria text: moving it changes evidence, not meaning.
    var criteriaLine = 40
    var findings: [Finding] = []

    /// The second trial of the tests: another file, ID and title.
    static func second(lvef: Double? = 50) -> Spec {
        var s = Spec()
        s.file = "Input/NCT00000002.xml"
        s.nct = "NCT00000002"
        s.title = "CAR-T cells in myositis"
        s.lvef = lvef
        return s
    }

    func record() -> TrialRecord {
        func ev(_ locator: String, _ quote: String) -> Evidence { Evidence(file: file, locator: locator, quote: quote) }
        var p = TrialParameters()
        p.registryIDs.append(Measured(TrialID(.nct, nct), ev("/clinical_study/id_info/nct_id", nct)))
        p.titles.append(Measured(title, ev("/clinical_study/brief_title", title)))
        p.statuses.append(Measured(status, ev("/clinical_study/overall_status", status.label)))
        p.enrollment.append(
            Measured(Enrollment(count: enrollment, type: .planned), ev("/clinical_study/enrollment", "\(enrollment)")))
        p.lastUpdates.append(Measured(lastUpdate, ev("/clinical_study/last_update_posted", lastUpdate)))
        if let lvef {
            let quote = "Left ventricular ejection fraction ≥ \(Display.number(lvef))%"
            p.thresholds.append(
                Measured(
                    Threshold(measure: "LVEF", comparator: .greaterOrEqual, value: lvef, unit: "%"),
                    ev("line \(criteriaLine)", quote)))
        }
        return TrialRecord(
            source: SourceRef(file: file, format: .ctgovXML, index: 0), primaryID: TrialID(.nct, nct), parameters: p,
            findings: findings)
    }

    /// The file's bytes: a stand-in whose hash changes when any value changes, not when the
    /// file is renamed.
    var content: String {
        "\(nct)|\(title)|\(status.rawValue)|\(enrollment)|\(lvef.map(Display.number) ?? "-")|\(lastUpdate)|\(criteriaLine)|\(findings.map(\.message))"
    }
}

func landscape(_ specs: [Spec]) -> Landscape {
    Landscape(
        records: specs.map { $0.record() },
        inputs: specs.map { InputSummary(file: $0.file, format: .ctgovXML, records: 1) })
}

func snapshot(_ specs: [Spec]) -> Snapshot {
    Snapshot(
        landscape: landscape(specs),
        inputs: specs.map { SnapshotStore.fingerprint(path: $0.file, bytes: Array($0.content.utf8)) })
}

/// A record-level finding as a rule would attach it.
func debrisFinding(_ spec: Spec, _ message: String = "Unrendered template placeholder {{SITE_NAME}} in the page") -> Finding {
    Finding(
        rule: "scrape-debris", severity: .warning, trial: spec.nct, message: message,
        evidence: [Evidence(file: spec.file, locator: "line 3", quote: "{{SITE_NAME}}")])
}

extension TempFolder {
    /// The state database a run into this folder would use.
    var dbPath: String { url.appendingPathComponent(".trialdiff/state.sqlite").path }
}
