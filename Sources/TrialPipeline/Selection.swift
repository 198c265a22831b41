import TrialCompare
import TrialModel

/// Selects the landscape from a large input: `--where condition:lupus --where phase:1,2`.
///
/// Each `--where` is one clause `FIELD:VALUES` (or bare text, meaning `text:`); clauses combine
/// with AND, comma-separated values within a clause with OR. Matching is case-insensitive
/// substring matching on the record's values, except `id` (exact registry ID) and `status`
/// (exact status, spaces and underscores ignored: `recruiting` does not match "Not yet
/// recruiting"). Selection applies to each record right after extraction, so unselected
/// records are never held in memory. Field `condition` matches structured conditions only
/// (not keywords).
public struct Selection: Sendable, Hashable, CustomStringConvertible {
    public enum Field: String, Sendable, CaseIterable {
        case condition, intervention, product, sponsor, phase, status, id, text

        /// Where a field's values come from in the source, for the filters that run before
        /// extraction: the source fields whose text they copy (nil: any field), or `translated`
        /// when extraction maps the source's vocabulary (`phase` "Phase I" → 1, `status`,
        /// `product`, `intervention`), so no filter on source text is sound.
        enum SourceScope {
            case fields([FieldKey]?)
            case translated
        }

        var sourceScope: SourceScope {
            switch self {
            case .condition: .fields([.condition])
            case .sponsor: .fields([.sponsor, .collaborator])
            case .id: .fields([.nctID, .chictrID, .otherID, .orgStudyID])
            case .text: .fields(nil)
            case .phase, .status, .product, .intervention: .translated
            }
        }
    }

    public struct Clause: Sendable, Hashable {
        public var field: Field
        public var values: [String]
    }

    public enum ParseError: Error, Sendable, CustomStringConvertible, Equatable {
        case unknownField(String)
        case emptyValue(String)

        public var description: String {
            switch self {
            case let .unknownField(f):
                "unknown --where field '\(f)'; use one of \(Field.allCases.map(\.rawValue).joined(separator: ", ")), or bare text"
            case let .emptyValue(e): "--where '\(e)' has no value to match"
            }
        }
    }

    public var clauses: [Clause]

    /// Parses `--where` expressions.
    public init(parsing expressions: [String]) throws {
        clauses = try expressions.map { expression in
            var field = Field.text
            var rest = Substring(expression)
            if let colon = expression.firstIndex(of: ":") {
                let name = expression[..<colon].lowercased()
                if let f = Field(rawValue: name) {
                    field = f
                    rest = expression[expression.index(after: colon)...]
                } else if !name.contains(" ") && !name.isEmpty {
                    throw ParseError.unknownField(name)
                }
            }
            let values = rest.split(separator: ",").map { String($0).collapsingWhitespace.lowercased() }.filter { !$0.isEmpty }
            guard !values.isEmpty else { throw ParseError.emptyValue(expression) }
            return Clause(field: field, values: values)
        }
    }

    public var isEmpty: Bool { clauses.isEmpty }

    /// `condition:lupus AND phase:1|2`.
    public var description: String {
        clauses.map { "\($0.field.rawValue):\($0.values.joined(separator: "|"))" }.joined(separator: " AND ")
    }

    /// A cheap necessary condition, checked on the raw record before extraction: false only when
    /// the record cannot match. For fields whose extracted values are copies or reformatted
    /// pieces of the source text (`condition`, `sponsor`, `id`, `text`), some field must contain
    /// one of the clause's values once both are reduced to letters and digits ("CAR-NK" is found
    /// in "CAR NK cells"). Fields whose vocabulary extraction translates (`phase` "Phase I" → 1,
    /// `status`, `product`, `intervention`) are not prefiltered.
    public func mayMatch(_ source: SourceRecord) -> Bool {
        return clauses.allSatisfy { clause in
            guard case .fields(let keys) = clause.field.sourceScope else { return true }
            let needles = clause.values.map(Self.squash)
            return source.fields.contains { field in
                guard keys?.contains(field.key) ?? true else { return false }
                let hay = Self.squash(field.value)
                return needles.contains { $0.isEmpty || hay.contains($0) }
            }
        }
    }

    /// True when the record satisfies every clause.
    public func matches(_ record: TrialRecord) -> Bool {
        clauses.allSatisfy { clause in
            let candidates = Self.candidates(clause.field, record)
            switch clause.field {
            case .id:
                return clause.values.contains { v in candidates.contains { $0.lowercased() == v } }
            case .status:
                let normalized = candidates.map(Self.squash)
                return clause.values.contains { normalized.contains(Self.squash($0)) }
            default:
                let lowered = candidates.map { $0.lowercased() }
                return clause.values.contains { v in lowered.contains { $0.contains(v) } }
            }
        }
    }

    /// Lower-case letters and digits only ("CAR-NK" → "carnk"); a byte-level path for ASCII.
    static func squash(_ s: String) -> String {
        var copy = s
        let ascii = copy.withUTF8 { b in !b.contains { $0 >= 0x80 } }
        guard ascii else { return String(s.lowercased().filter { $0.isLetter || $0.isNumber }) }
        return copy.withUTF8 { b in
            String(unsafeUninitializedCapacity: b.count) { out in
                var k = 0
                for c in b {
                    switch c {
                    case 0x30...0x39, 0x61...0x7A:
                        out[k] = c
                        k += 1
                    case 0x41...0x5A:
                        out[k] = c + 0x20
                        k += 1
                    default: break
                    }
                }
                return k
            }
        }
    }

    /// The extracted values a clause looks at. Selection works on extracted records (so cached
    /// records need no re-parse); `text` covers titles, conditions, interventions, sponsors,
    /// products, outcomes and every criterion.
    static func candidates(_ field: Field, _ record: TrialRecord) -> [String] {
        let p = record.parameters
        switch field {
        case .condition:
            return p.conditions.map(\.value)
        case .intervention:
            return p.interventions.map(\.value) + p.products.map(\.value) + p.cellTypes.map(\.value)
                + p.targets.map(\.value)
        case .product:
            return p.products.map(\.value) + p.cellTypes.map(\.value) + p.targets.map(\.value)
                + p.interventions.map(\.value)
        case .sponsor:
            return p.sponsors.map(\.value) + p.collaborators.map(\.value)
        case .phase:
            return p.phases.map(\.value)
        case .status:
            return p.statuses.flatMap { [$0.value.rawValue, $0.value.label] }
        case .id:
            return p.registryIDs.map(\.value.value)
        case .text:
            return p.titles.map(\.value) + p.conditions.map(\.value) + p.interventions.map(\.value)
                + p.sponsors.map(\.value) + p.collaborators.map(\.value) + p.products.map(\.value)
                + p.cellTypes.map(\.value) + p.targets.map(\.value) + p.primaryOutcomes.map(\.value)
                + p.criteria.map(\.text) + p.registryIDs.map(\.value.value)
        }
    }
}
