/// One item of an eligibility criteria list, with the list and subsection it belongs to.
///
/// Extraction keys every threshold and dose on its criterion, so that a drug named in an
/// exclusion item is never read as a dose given and an exclusion number never as an inclusion limit.
public struct Criterion: Codable, Sendable, Hashable {
    public var list: CriteriaList
    /// The subsection heading the item sits under ("Common Inclusion Criteria",
    /// "Criteria for Relapsed/refractory IgA nephropathy"), if any.
    public var heading: String?
    /// Item number path as written ("3.2", "a"), empty for unnumbered items.
    public var number: String
    public var text: String
    public var evidence: Evidence

    public init(list: CriteriaList, heading: String?, number: String, text: String, evidence: Evidence) {
        self.list = list
        self.heading = heading
        self.number = number
        self.text = text
        self.evidence = evidence
    }
}

/// Everything extracted from records of a trial. Each parameter is a list: one source states one
/// value, several sources may state several, and nothing is averaged away.
public struct TrialParameters: Codable, Sendable, Hashable {
    public var registryIDs: [Measured<TrialID>] = []
    public var titles: [Measured<String>] = []
    /// Product codes such as "KN5501".
    public var products: [Measured<String>] = []
    /// Cell types such as "CAR-NK", "CAR-T", "TCR-T".
    public var cellTypes: [Measured<String>] = []
    /// Antigen targets such as "CD19", "BCMA".
    public var targets: [Measured<String>] = []
    public var sponsors: [Measured<String>] = []
    public var collaborators: [Measured<String>] = []
    public var statuses: [Measured<TrialStatus>] = []
    /// Normalized phase: "Phase 1", "Phase 1/Phase 2", "Early Phase 1", "N/A".
    public var phases: [Measured<String>] = []
    /// "Interventional", "Observational", "Expanded access".
    public var studyTypes: [Measured<String>] = []
    /// Dates as ISO 8601 prefixes: "2024-06-30" or "2024-06".
    public var startDates: [Measured<String>] = []
    public var primaryCompletionDates: [Measured<String>] = []
    public var completionDates: [Measured<String>] = []
    public var lastUpdates: [Measured<String>] = []
    public var conditions: [Measured<String>] = []
    public var interventions: [Measured<String>] = []
    /// Structured enrollment (count and type).
    public var enrollment: [Measured<Enrollment>] = []
    /// Counts or ranges stated in summaries and descriptions.
    public var enrollmentInText: [Measured<CountRange>] = []
    /// Age band from structured fields (minimum/maximum age, "Age group").
    public var ageStructured: [Measured<AgeRange>] = []
    /// Age band from the inclusion criteria text.
    public var ageInCriteria: [Measured<AgeRange>] = []
    public var sex: [Measured<Sex>] = []
    /// Inclusion thresholds (LVEF, ECOG, eGFR, CrCl, body weight, …). Exclusion numbers are never here.
    public var thresholds: [Measured<Threshold>] = []
    /// Lymphodepletion and other regimen doses given (never from allergy or exclusion items).
    public var doses: [Measured<Dose>] = []
    public var cellDoses: [Measured<CellDose>] = []
    public var primaryOutcomes: [Measured<String>] = []
    /// Criteria items as split by extraction, in document order.
    public var criteria: [Criterion] = []

    public init() {}

    /// Thresholds on `measure` (case-insensitive).
    public func thresholds(_ measure: String) -> [Measured<Threshold>] {
        thresholds.filter { $0.value.measure.caseInsensitiveCompare(measure) }
    }

    /// Doses of `agent` (lower-case).
    public func doses(_ agent: String) -> [Measured<Dose>] { doses.filter { $0.value.agent == agent } }

    /// Adds every value of `other`, merging equal values and their evidence.
    public mutating func merge(_ other: TrialParameters) { self = .merged([self, other]) }

    /// The values of every record of one trial, in order, equal values merged with their
    /// evidence; criteria equal to an earlier one kept once. Linear in the number of values:
    /// a trial may have hundreds of records (one per registry version or source).
    public static func merged(_ all: [TrialParameters]) -> TrialParameters {
        var p = TrialParameters()
        // One line per field: a key path applied to each record in a generic helper copied the
        // whole record (every array retained and released) for each field.
        p.registryIDs = .merging(all.map { $0.registryIDs })
        p.titles = .merging(all.map { $0.titles })
        p.products = .merging(all.map { $0.products })
        p.cellTypes = .merging(all.map { $0.cellTypes })
        p.targets = .merging(all.map { $0.targets })
        p.sponsors = .merging(all.map { $0.sponsors })
        p.collaborators = .merging(all.map { $0.collaborators })
        p.statuses = .merging(all.map { $0.statuses })
        p.phases = .merging(all.map { $0.phases })
        p.studyTypes = .merging(all.map { $0.studyTypes })
        p.startDates = .merging(all.map { $0.startDates })
        p.primaryCompletionDates = .merging(all.map { $0.primaryCompletionDates })
        p.completionDates = .merging(all.map { $0.completionDates })
        p.lastUpdates = .merging(all.map { $0.lastUpdates })
        p.conditions = .merging(all.map { $0.conditions })
        p.interventions = .merging(all.map { $0.interventions })
        p.enrollment = .merging(all.map { $0.enrollment })
        p.enrollmentInText = .merging(all.map { $0.enrollmentInText })
        p.ageStructured = .merging(all.map { $0.ageStructured })
        p.ageInCriteria = .merging(all.map { $0.ageInCriteria })
        p.sex = .merging(all.map { $0.sex })
        p.thresholds = .merging(all.map { $0.thresholds })
        p.doses = .merging(all.map { $0.doses })
        p.cellDoses = .merging(all.map { $0.cellDoses })
        p.primaryOutcomes = .merging(all.map { $0.primaryOutcomes })
        let withCriteria = all.map { $0.criteria }.filter { !$0.isEmpty }
        // Criteria of different texts differ; comparing texts first spares hashing the evidence.
        if withCriteria.count == 1, withCriteria[0].lazy.map({ $0.text }).allDifferent || withCriteria[0].allDifferent {
            p.criteria = withCriteria[0]
            return p
        }
        var seen: Set<Criterion> = []
        for criteria in withCriteria {
            for c in criteria where seen.insert(c).inserted { p.criteria.append(c) }
        }
        return p
    }

}

extension String {
    fileprivate func caseInsensitiveCompare(_ other: String) -> Bool { lowercased() == other.lowercased() }
}

/// Identifies one source of a trial: a record in an input file.
public struct SourceRef: Codable, Sendable, Hashable, Comparable {
    public var file: String
    public var format: SourceFormat
    public var index: Int

    public init(file: String, format: SourceFormat, index: Int) {
        self.file = file
        self.format = format
        self.index = index
    }

    public static func < (lhs: SourceRef, rhs: SourceRef) -> Bool {
        (lhs.file, lhs.index, lhs.format.rawValue) < (rhs.file, rhs.index, rhs.format.rawValue)
    }
}

/// What extraction made of one source record.
public struct TrialRecord: Codable, Sendable, Hashable {
    public var source: SourceRef
    /// The ID this record is known by: its first global registry ID, else a derived ID.
    public var primaryID: TrialID
    public var parameters: TrialParameters
    public var warnings: [String]
    /// Findings that need the record's own text (lost comparators, debris, foreign text); rules
    /// that compare values run later, on the merged trial.
    public var findings: [Finding]

    public init(
        source: SourceRef, primaryID: TrialID, parameters: TrialParameters, warnings: [String] = [],
        findings: [Finding] = []
    ) {
        self.source = source
        self.primaryID = primaryID
        self.parameters = parameters
        self.warnings = warnings
        self.findings = findings
    }

    /// Registry IDs that identify the trial across sources.
    public var globalIDs: [TrialID] { parameters.registryIDs.map(\.value).filter(\.isGlobal) }
}

/// A trial: every source record that shares a registry ID, and their parameters merged.
public struct Trial: Codable, Sendable, Hashable {
    /// Display ID: the preferred registry ID (NCT, then ChiCTR, …) or the derived ID.
    public var id: TrialID
    /// All registry IDs, sorted.
    public var registryIDs: [TrialID]
    /// One entry per source record, sorted by file.
    public var records: [TrialRecord]
    /// Union of the records' parameters; differing values are all kept.
    public var parameters: TrialParameters

    public init(id: TrialID, registryIDs: [TrialID], records: [TrialRecord], parameters: TrialParameters) {
        self.id = id
        self.registryIDs = registryIDs
        self.records = records
        self.parameters = parameters
    }

    public var sources: [SourceRef] { records.map(\.source) }
}
