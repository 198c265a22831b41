import TrialModel

/// A parameter the matrix compares: its CSV key, report label, and how to read it off a trial.
public struct ParameterDefinition: Sendable {
    public var key: String
    public var label: String
    public var comparable: Bool
    public var values: @Sendable (Trial) -> [CellValue]
}

/// The parameters of the landscape, in report and CSV column order.
///
/// The first nineteen keys are the documented `matrix.csv` header that scripts depend on; append
/// new parameters at the end, never rename or reorder existing ones.
public enum ParameterCatalog {
    public static let all: [ParameterDefinition] = [
        .init(key: "trial_id", label: "Trial", comparable: false) { t in
            [CellValue(text: t.id.value, csv: t.id.value, evidence: [])]
        },
        .init(key: "registry_ids", label: "Registry IDs", comparable: false) { t in
            t.parameters.registryIDs.sorted { $0.value < $1.value }.map {
                CellValue(text: $0.value.description, csv: $0.value.value, evidence: $0.evidence)
            }
        },
        .init(key: "source_files", label: "Source files", comparable: false) { t in
            t.sources.map { CellValue(text: "\($0.file) (\($0.format.rawValue))", csv: $0.file, evidence: []) }
        },
        .init(key: "title", label: "Title", comparable: false) { t in strings(t.parameters.titles) },
        .init(key: "product", label: "Product", comparable: true) { t in strings(t.parameters.products) },
        .init(key: "sponsor", label: "Sponsor", comparable: true) { t in strings(t.parameters.sponsors) },
        .init(key: "status", label: "Status", comparable: true) { t in
            t.parameters.statuses.map { CellValue(text: $0.value.label, csv: $0.value.rawValue, evidence: $0.evidence) }
        },
        .init(key: "phase", label: "Phase", comparable: true) { t in strings(t.parameters.phases) },
        .init(key: "enrollment", label: "Enrollment", comparable: true) { t in enrollment(t) },
        .init(key: "enrollment_type", label: "Enrollment type", comparable: false) { t in enrollmentType(t) },
        .init(key: "age_min_years", label: "Minimum age (years)", comparable: true) { t in
            ageBound(t, \.minYears, comparatorDefault: "≥")
        },
        .init(key: "age_max_years", label: "Maximum age (years)", comparable: true) { t in
            ageBound(t, \.maxYears, comparatorDefault: "≤")
        },
        .init(key: "sex", label: "Sex", comparable: true) { t in
            t.parameters.sex.map { CellValue(text: $0.value.label, csv: $0.value.rawValue, evidence: $0.evidence) }
        },
        .init(key: "lvef_min_percent", label: "LVEF threshold", comparable: true) { t in limit(t, "lvef_min_percent") },
        .init(key: "ecog_max", label: "ECOG", comparable: true) { t in limit(t, "ecog_max") },
        .init(key: "cyclophosphamide_mg_m2", label: "Cyclophosphamide", comparable: true) { t in
            dose(t, "cyclophosphamide")
        },
        .init(key: "cyclophosphamide_days", label: "Cyclophosphamide days", comparable: true) { t in
            doseDays(t, "cyclophosphamide")
        },
        .init(key: "fludarabine_mg_m2", label: "Fludarabine", comparable: true) { t in dose(t, "fludarabine") },
        .init(key: "cell_doses", label: "Cell dose levels", comparable: true) { t in
            t.parameters.cellDoses.sorted { $0.value < $1.value }.map {
                CellValue(text: $0.value.display, csv: $0.value.display, evidence: $0.evidence)
            }
        },
        // Appended after the documented header.
        .init(key: "fludarabine_days", label: "Fludarabine days", comparable: true) { t in doseDays(t, "fludarabine") },
        .init(key: "cell_type", label: "Cell type", comparable: true) { t in strings(t.parameters.cellTypes) },
        .init(key: "target", label: "Target", comparable: true) { t in strings(t.parameters.targets) },
        .init(key: "collaborators", label: "Collaborators", comparable: true) { t in strings(t.parameters.collaborators) },
        .init(key: "conditions", label: "Conditions", comparable: true) { t in strings(t.parameters.conditions) },
        .init(key: "study_type", label: "Study type", comparable: true) { t in strings(t.parameters.studyTypes) },
        .init(key: "start_date", label: "Start date", comparable: true) { t in strings(t.parameters.startDates) },
        .init(key: "primary_completion_date", label: "Primary completion", comparable: true) { t in
            strings(t.parameters.primaryCompletionDates)
        },
        .init(key: "completion_date", label: "Completion date", comparable: true) { t in
            strings(t.parameters.completionDates)
        },
        .init(key: "last_update", label: "Last update", comparable: false) { t in strings(t.parameters.lastUpdates) },
        .init(key: "enrollment_in_text", label: "Enrollment stated in text", comparable: true) { t in
            t.parameters.enrollmentInText.map {
                CellValue(
                    text: $0.value.display, csv: $0.value.low == $0.value.high ? "\($0.value.low)" : "\($0.value.low)-\($0.value.high)",
                    evidence: $0.evidence)
            }
        },
        .init(key: "age_criteria_years", label: "Age in criteria", comparable: true) { t in
            t.parameters.ageInCriteria.map {
                CellValue(text: ageText($0.value), csv: ageCSV($0.value), evidence: $0.evidence)
            }
        },
        .init(key: "egfr_min_ml_min_1_73m2", label: "eGFR threshold", comparable: true) { t in limit(t, "egfr_min_ml_min_1_73m2") },
        .init(key: "crcl_min_ml_min", label: "CrCl threshold", comparable: true) { t in limit(t, "crcl_min_ml_min") },
        .init(key: "body_weight_min_kg", label: "Body weight", comparable: true) { t in limit(t, "body_weight_min_kg") },
        .init(key: "primary_outcomes", label: "Primary outcomes", comparable: false) { t in
            strings(t.parameters.primaryOutcomes)
        },
        // Upper bounds never share a column with lower bounds ("LVEF ≤ 40 %" of a reduced-EF trial).
        .init(key: "lvef_max_percent", label: "LVEF maximum", comparable: true) { t in limit(t, "lvef_max_percent") },
        .init(key: "ecog_min", label: "ECOG minimum", comparable: true) { t in limit(t, "ecog_min") },
        .init(key: "egfr_max_ml_min_1_73m2", label: "eGFR maximum", comparable: true) { t in limit(t, "egfr_max_ml_min_1_73m2") },
        .init(key: "crcl_max_ml_min", label: "CrCl maximum", comparable: true) { t in limit(t, "crcl_max_ml_min") },
        .init(key: "body_weight_max_kg", label: "Body weight maximum", comparable: true) { t in limit(t, "body_weight_max_kg") },
        .init(key: "limits_from_exclusion", label: "Limits implied by exclusions", comparable: false) { t in
            limitsFromExclusion(t)
        },
    ]

    /// The limit columns: the measure and direction each holds.
    static let thresholdColumns: [(key: String, measure: String, bound: LimitBound)] = [
        ("lvef_min_percent", "LVEF", .lower), ("lvef_max_percent", "LVEF", .upper), ("ecog_max", "ECOG", .upper),
        ("ecog_min", "ECOG", .lower), ("egfr_min_ml_min_1_73m2", "eGFR", .lower), ("egfr_max_ml_min_1_73m2", "eGFR", .upper),
        ("crcl_min_ml_min", "CrCl", .lower), ("crcl_max_ml_min", "CrCl", .upper), ("body_weight_min_kg", "body weight", .lower),
        ("body_weight_max_kg", "body weight", .upper),
    ]

    /// Which values of the limit columns (and the age columns from criteria) an exclusion item
    /// implies rather than an inclusion item states: "lvef_min_percent=45", "age_min_years=18".
    static func limitsFromExclusion(_ t: Trial) -> [CellValue] {
        var out: [CellValue] = []
        for column in thresholdColumns {
            for m in t.parameters.thresholds(column.measure) where m.value.bound == column.bound && m.value.basis == .exclusion {
                out.append(
                    CellValue(
                        text: "\(m.value.measure) \(m.value.display)", csv: "\(column.key)=\(Display.number(m.value.value))",
                        evidence: m.evidence))
            }
        }
        for m in t.parameters.ageInCriteria where m.value.basis == .exclusion {
            if let lo = m.value.minYears {
                out.append(CellValue(text: "age \(m.value.display)", csv: "age_min_years=\(Display.number(lo))", evidence: m.evidence))
            }
            if let hi = m.value.maxYears {
                out.append(CellValue(text: "age \(m.value.display)", csv: "age_max_years=\(Display.number(hi))", evidence: m.evidence))
            }
        }
        return out
    }

    /// The documented CSV header prefix that must never change.
    public static let stableHeader = [
        "trial_id", "registry_ids", "source_files", "title", "product", "sponsor", "status", "phase", "enrollment",
        "enrollment_type", "age_min_years", "age_max_years", "sex", "lvef_min_percent", "ecog_max",
        "cyclophosphamide_mg_m2", "cyclophosphamide_days", "fludarabine_mg_m2", "cell_doses",
    ]

    static func strings(_ values: [Measured<String>]) -> [CellValue] {
        values.map { CellValue(text: $0.value, csv: $0.value, evidence: $0.evidence) }
    }

    static func enrollment(_ t: Trial) -> [CellValue] {
        let structured = t.parameters.enrollment.map {
            CellValue(text: $0.value.display, csv: "\($0.value.count)", evidence: $0.evidence)
        }
        if !structured.isEmpty { return structured }
        // Only stated in text: a single count stands for enrollment; a range is shown as text.
        return t.parameters.enrollmentInText.map {
            CellValue(
                text: "\($0.value.display) (stated in text)",
                csv: $0.value.low == $0.value.high ? "\($0.value.low)" : "\($0.value.low)-\($0.value.high)",
                evidence: $0.evidence)
        }
    }

    static func enrollmentType(_ t: Trial) -> [CellValue] {
        if !t.parameters.enrollment.isEmpty {
            return t.parameters.enrollment.compactMap { m in
                m.value.type.map { CellValue(text: $0.rawValue, csv: $0.rawValue, evidence: m.evidence) }
            }
        }
        return t.parameters.enrollmentInText.isEmpty
            ? [] : [CellValue(text: "text", csv: "text", evidence: t.parameters.enrollmentInText[0].evidence)]
    }

    /// Structured age bound when stated, else the bound from the criteria text.
    static func ageBound(_ t: Trial, _ path: KeyPath<AgeRange, Double?>, comparatorDefault: String) -> [CellValue] {
        func cells(_ ms: [Measured<AgeRange>]) -> [CellValue] {
            var out: [CellValue] = []
            for m in ms {
                guard let v = m.value[keyPath: path] else { continue }
                let text = Display.number(v) + (m.value.basis == .exclusion ? " (from exclusion)" : "")
                let csv = Display.number(v)
                if let i = out.firstIndex(where: { $0.csv == csv }) {
                    // A stated value's text wins over one implied by an exclusion.
                    if m.value.basis != .exclusion { out[i].text = text }
                    out[i].evidence += m.evidence.filter { !out[i].evidence.contains($0) }
                } else {
                    out.append(CellValue(text: text, csv: csv, evidence: m.evidence))
                }
            }
            return out
        }
        let structured = cells(t.parameters.ageStructured)
        let criteria = cells(t.parameters.ageInCriteria)
        guard !structured.isEmpty else { return criteria }
        // Attach criteria evidence that agrees, so the quote behind each value is complete.
        return structured.map { s in
            var s = s
            for c in criteria where c.csv == s.csv { s.evidence += c.evidence.filter { !s.evidence.contains($0) } }
            return s
        }
    }

    static func ageText(_ a: AgeRange) -> String {
        let lost = a.minComparator == .equal || a.maxComparator == .equal
        return a.display + (lost ? " (comparator lost: “=”)" : "")
    }

    /// "18-70"; an open band as "≥18" or "≤70" (never "-70", which a spreadsheet reads as minus 70).
    static func ageCSV(_ a: AgeRange) -> String {
        switch (a.minYears, a.maxYears) {
        case let (lo?, hi?): "\(Display.number(lo))-\(Display.number(hi))"
        case let (lo?, nil): "≥\(Display.number(lo))"
        case let (nil, hi?): "≤\(Display.number(hi))"
        case (nil, nil): ""
        }
    }

    /// The cells of limit column `key` (one of `thresholdColumns`).
    static func limit(_ t: Trial, _ key: String) -> [CellValue] {
        guard let column = thresholdColumns.first(where: { $0.key == key }) else { preconditionFailure("no limit column \(key)") }
        return threshold(t, column.measure, column.bound)
    }

    /// The limits on `measure` in one direction; limits that admit the same patients (an
    /// inclusion "≥ 45 %" and an exclusion "< 45 %") are one value with both quotes.
    static func threshold(_ t: Trial, _ measure: String, _ bound: LimitBound) -> [CellValue] {
        var kept: [Measured<Threshold>] = []
        for m in t.parameters.thresholds(measure) where m.value.bound == bound {
            if let i = kept.firstIndex(where: { $0.value.sameLimit(as: m.value) && $0.value.cohort == m.value.cohort }) {
                // The stated inclusion wording wins over an implied one.
                if kept[i].value.basis == .exclusion, m.value.basis == .inclusion { kept[i].value = m.value }
                kept[i].evidence += m.evidence.filter { !kept[i].evidence.contains($0) }
            } else {
                kept.append(m)
            }
        }
        return kept.map { CellValue(text: $0.value.display, csv: Display.number($0.value.value), evidence: $0.evidence) }
    }

    static func dose(_ t: Trial, _ agent: String) -> [CellValue] {
        t.parameters.doses(agent).map { m in
            let d = m.value
            let amount = Display.number(d.amount) + (d.amountMax.map { "-" + Display.number($0) } ?? "")
            // The column is in mg/m²; other units keep their unit in the CSV cell so nothing is misread.
            let csv = d.unit == "mg/m²" ? amount : "\(amount) \(d.unit)"
            return CellValue(text: d.display, csv: csv, evidence: m.evidence)
        }
    }

    static func doseDays(_ t: Trial, _ agent: String) -> [CellValue] {
        t.parameters.doses(agent).compactMap { m in
            m.value.days.isEmpty
                ? nil
                : CellValue(
                    text: Display.days(m.value.days), csv: m.value.days.map(String.init).joined(separator: " "),
                    evidence: m.evidence)
        }
    }
}
