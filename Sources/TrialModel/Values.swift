import Foundation

/// Registries whose identifiers trialdiff recognizes.
public enum Registry: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    case nct = "NCT"
    case chictr = "ChiCTR"
    case eudract = "EudraCT"
    case ctis = "CTIS"
    case isrctn = "ISRCTN"
    /// A sponsor's own protocol number (`org_study_id`, "Other study ID").
    case sponsor = "sponsor"
    /// No registry ID was found; the ID is derived from the record's content.
    case derived = "derived"

    /// Order in which IDs are preferred as a trial's display ID.
    public var rank: Int {
        switch self {
        case .nct: 0
        case .chictr: 1
        case .ctis: 2
        case .eudract: 3
        case .isrctn: 4
        case .sponsor: 5
        case .derived: 6
        }
    }

    public static func < (lhs: Registry, rhs: Registry) -> Bool { lhs.rank < rhs.rank }
}

/// A registry identifier such as `NCT06464679` or `ChiCTR2400084905`.
public struct TrialID: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var registry: Registry
    public var value: String

    public init(_ registry: Registry, _ value: String) {
        self.registry = registry
        self.value = value
    }

    /// IDs that identify a trial across sources (a sponsor number alone does not: two sponsors may
    /// reuse one).
    public var isGlobal: Bool { registry != .sponsor && registry != .derived }

    public var description: String { registry == .sponsor ? "\(value) (sponsor)" : value }

    public static func < (lhs: TrialID, rhs: TrialID) -> Bool {
        (lhs.registry, lhs.value) < (rhs.registry, rhs.value)
    }
}

/// A comparison operator of a threshold, as written or as restored.
public enum Comparator: String, Codable, Sendable, Hashable, CaseIterable {
    case greaterOrEqual = "≥"
    case greater = ">"
    case lessOrEqual = "≤"
    case less = "<"
    /// A bare `=` where the source almost certainly had ≥ or ≤ (lost in export).
    case equal = "="

    public var isLowerBound: Bool { self == .greaterOrEqual || self == .greater }
    public var isUpperBound: Bool { self == .lessOrEqual || self == .less }

    /// The admitted side of a limit an exclusion item states: excluding "< 45" admits "≥ 45",
    /// excluding "≥ 3" admits "< 3". A lost "=" stays "=".
    public var admittedByExcluding: Comparator {
        switch self {
        case .less: .greaterOrEqual
        case .lessOrEqual: .greater
        case .greater: .lessOrEqual
        case .greaterOrEqual: .less
        case .equal: .equal
        }
    }
}

/// Which side of a limit's value is eligible.
public enum LimitBound: String, Codable, Sendable, Hashable {
    /// A minimum: patients at or above the value may enter (`lvef_min_percent`).
    case lower
    /// A maximum: patients at or below the value may enter (`ecog_max`, `lvef_max_percent`).
    case upper
}

/// Where a limit was read: stated in an inclusion item, or implied by an exclusion item
/// (excluding "LVEF < 45 %" admits LVEF ≥ 45 %).
public enum LimitBasis: String, Codable, Sendable, Hashable {
    case inclusion
    case exclusion
}

/// A numeric limit on who may enter, from eligibility criteria: `LVEF ≥ 50 %`, `ECOG ≤ 1`,
/// `eGFR ≥ 45 mL/min/1.73 m²`. The comparator is the eligible side: an exclusion "LVEF < 45 %"
/// is kept as `≥ 45 %` with `basis` `.exclusion`, and its quote is the exclusion's words.
public struct Threshold: Codable, Sendable, Hashable {
    /// What is limited, e.g. "LVEF", "ECOG", "eGFR", "CrCl", "body weight".
    public var measure: String
    /// The eligible side, as written or as implied; `.equal` when the source has a bare "=" (a
    /// comparator lost in export), whose direction `bound` then assumes.
    public var comparator: Comparator
    public var value: Double
    /// Unit as normalized ("%", "mL/min/1.73 m²", "kg"); empty for scores such as ECOG.
    public var unit: String
    /// The cohort, arm or subgroup the threshold applies to, when it is not common to all
    /// (e.g. "Criteria for Relapsed/refractory IgA nephropathy", "patients with prior anthracyclines").
    public var cohort: String?
    /// A minimum or a maximum: the column the value belongs in.
    public var bound: LimitBound
    /// Stated in an inclusion item or implied by an exclusion item.
    public var basis: LimitBasis

    public init(
        measure: String, comparator: Comparator, value: Double, unit: String, cohort: String? = nil,
        bound: LimitBound? = nil, basis: LimitBasis = .inclusion
    ) {
        self.measure = measure
        self.comparator = comparator
        self.value = value
        self.unit = unit
        self.cohort = cohort
        self.bound = bound ?? (comparator.isUpperBound ? .upper : .lower)
        self.basis = basis
    }

    private enum CodingKeys: String, CodingKey { case measure, comparator, value, unit, cohort, bound, basis }

    /// Records cached before bounds and bases were kept decode as inclusion limits whose direction
    /// is the comparator's.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            measure: try c.decode(String.self, forKey: .measure), comparator: try c.decode(Comparator.self, forKey: .comparator),
            value: try c.decode(Double.self, forKey: .value), unit: try c.decode(String.self, forKey: .unit),
            cohort: try c.decodeIfPresent(String.self, forKey: .cohort),
            bound: try c.decodeIfPresent(LimitBound.self, forKey: .bound),
            basis: try c.decodeIfPresent(LimitBasis.self, forKey: .basis) ?? .inclusion)
    }

    /// Whether two limits admit the same patients whatever their wording or source: an inclusion
    /// "≥ 45 %" and an exclusion "< 45 %" are one limit (the cohort is not compared).
    public func sameLimit(as other: Threshold) -> Bool {
        measure == other.measure && value == other.value && unit == other.unit && bound == other.bound
            && (comparator == other.comparator || comparator == .equal || other.comparator == .equal)
    }
}

/// An age band in years; either end may be open. Ages given in months, weeks or days are kept in
/// `minText`/`maxText` and converted to fractional years.
public struct AgeRange: Codable, Sendable, Hashable {
    public var minYears: Double?
    public var maxYears: Double?
    public var minComparator: Comparator?
    public var maxComparator: Comparator?
    /// For a band read from criteria: stated in an inclusion item, or implied by an exclusion item
    /// ("Age < 18 years" excluded admits ≥ 18). Nil for structured fields.
    public var basis: LimitBasis?

    public init(
        minYears: Double?, maxYears: Double?, minComparator: Comparator? = nil, maxComparator: Comparator? = nil,
        basis: LimitBasis? = nil
    ) {
        self.minYears = minYears
        self.maxYears = maxYears
        self.minComparator = minComparator
        self.maxComparator = maxComparator
        self.basis = basis
    }

    public var isEmpty: Bool { minYears == nil && maxYears == nil }
}

/// Whether an enrollment figure is a target or a count of people actually enrolled.
public enum EnrollmentType: String, Codable, Sendable, Hashable {
    case planned = "planned"
    case actual = "actual"
}

/// A structured enrollment figure.
public struct Enrollment: Codable, Sendable, Hashable {
    public var count: Int
    public var type: EnrollmentType?

    public init(count: Int, type: EnrollmentType?) {
        self.count = count
        self.type = type
    }
}

/// A participant count or range stated in free text ("15 patients are planned", "36-72 patients").
public struct CountRange: Codable, Sendable, Hashable {
    public var low: Int
    public var high: Int

    public init(low: Int, high: Int) {
        self.low = low
        self.high = high
    }

    public func contains(_ n: Int) -> Bool { n >= low && n <= high }
}

/// Normalized overall recruitment status. Raw values follow ClinicalTrials.gov API v2.
public enum TrialStatus: String, Codable, Sendable, Hashable, CaseIterable {
    case notYetRecruiting = "NOT_YET_RECRUITING"
    case recruiting = "RECRUITING"
    case enrollingByInvitation = "ENROLLING_BY_INVITATION"
    case activeNotRecruiting = "ACTIVE_NOT_RECRUITING"
    case suspended = "SUSPENDED"
    case terminated = "TERMINATED"
    case completed = "COMPLETED"
    case withdrawn = "WITHDRAWN"
    case unknown = "UNKNOWN"
    case available = "AVAILABLE"
    case noLongerAvailable = "NO_LONGER_AVAILABLE"
    case temporarilyNotAvailable = "TEMPORARILY_NOT_AVAILABLE"
    case approvedForMarketing = "APPROVED_FOR_MARKETING"
    case withheld = "WITHHELD"

    /// Human label, e.g. "Not yet recruiting".
    public var label: String {
        switch self {
        case .notYetRecruiting: "Not yet recruiting"
        case .recruiting: "Recruiting"
        case .enrollingByInvitation: "Enrolling by invitation"
        case .activeNotRecruiting: "Active, not recruiting"
        case .suspended: "Suspended"
        case .terminated: "Terminated"
        case .completed: "Completed"
        case .withdrawn: "Withdrawn"
        case .unknown: "Unknown status"
        case .available: "Available"
        case .noLongerAvailable: "No longer available"
        case .temporarilyNotAvailable: "Temporarily not available"
        case .approvedForMarketing: "Approved for marketing"
        case .withheld: "Withheld"
        }
    }
}

/// Sex eligible for the trial.
public enum Sex: String, Codable, Sendable, Hashable {
    case all = "ALL"
    case female = "FEMALE"
    case male = "MALE"

    public var label: String {
        switch self {
        case .all: "All"
        case .female: "Female"
        case .male: "Male"
        }
    }
}

/// A dose of a drug given as part of the regimen (lymphodepletion), with its schedule.
public struct Dose: Codable, Sendable, Hashable {
    /// Lower-case agent name: "cyclophosphamide", "fludarabine".
    public var agent: String
    /// Amount per administration; for a range ("300-450 mg/m²") the lower end.
    public var amount: Double
    /// Upper end of a range, if the amount is a range.
    public var amountMax: Double?
    /// Normalized unit: "mg/m²", "mg/kg", "mg", "g/m²".
    public var unit: String
    /// "per day" when the source says so.
    public var frequency: String?
    /// Days relative to cell infusion (day 0), e.g. [-5, -4, -3].
    public var days: [Int]
    /// Number of days given when the source counts them ("× 5 days", "for 3 days") and names no
    /// days, or names fewer than it counts.
    public var dayCount: Int?
    /// The arm, cohort or group the dose belongs to when the source names one ("Arm A").
    public var arm: String?

    public init(
        agent: String, amount: Double, amountMax: Double? = nil, unit: String, frequency: String? = nil, days: [Int] = [],
        dayCount: Int? = nil, arm: String? = nil
    ) {
        self.agent = agent
        self.amount = amount
        self.amountMax = amountMax
        self.unit = unit
        self.frequency = frequency
        self.days = days
        self.dayCount = dayCount
        self.arm = arm
    }
}

/// A cell dose level such as `6×10^9 cells` or `1×10^6 cells/kg`.
public struct CellDose: Codable, Sendable, Hashable, Comparable {
    public var mantissa: Double
    public var exponent: Int
    /// "cells" or "cells/kg".
    public var unit: String

    public init(mantissa: Double, exponent: Int, unit: String) {
        self.mantissa = mantissa
        self.exponent = exponent
        self.unit = unit
    }

    /// Total cells (or cells per kg) as a plain number, for ordering.
    public var magnitude: Double { mantissa * pow10(exponent) }

    public static func < (lhs: CellDose, rhs: CellDose) -> Bool { lhs.magnitude < rhs.magnitude }
}

func pow10(_ e: Int) -> Double {
    var r = 1.0
    for _ in 0..<abs(e) { r *= 10 }
    return e < 0 ? 1 / r : r
}

/// Which criteria list a sentence sits in.
public enum CriteriaList: String, Codable, Sendable, Hashable {
    case inclusion
    case exclusion
    case unspecified
}

extension Enrollment {
    /// Why a structured count such as enrollment is not a count of people: "negative",
    /// "not a whole number" (12.5, 1.5e308); nil when it is one (or holds no number at all).
    public static func implausibleCount(_ raw: String) -> String? {
        // The usual form, a plain run of digits, is a whole count.
        if (1...18).contains(raw.utf8.count), raw.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) { return nil }
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        guard let first = text.unicodeScalars.first else { return nil }
        let sign = first == "-" || first == "−"
        let body = sign ? String(text.unicodeScalars.dropFirst()) : text
        guard let number = Double(body.replacingOccurrences(of: ",", with: "")), number.isFinite || body.contains(where: \.isNumber)
        else { return nil }
        if sign, number != 0 { return "negative" }
        if !number.isFinite || number != number.rounded() || body.contains(where: { $0 == "e" || $0 == "E" }) && number >= 1e7 {
            return "not a whole number of participants"
        }
        return nil
    }

}
