import Foundation
import TrialModel
import TrialSupport

/// Normalizes the short structured fields (IDs, status, phase, dates, enrollment, sex, …) that
/// readers copy verbatim from each registry's own vocabulary.
enum StructuredNormalizer {
    static func apply(_ record: SourceRecord, into p: inout TrialParameters, warnings: inout [String]) {
        p.registryIDs = registryIDs(record)
        for f in record.fields(.title) { p.titles.appendMerging(copy(f, record)) }
        if p.titles.isEmpty {
            for f in record.fields(.officialTitle) { p.titles.appendMerging(copy(f, record)) }
        }
        for f in record.fields(.sponsor) { p.sponsors.appendMerging(copy(f, record)) }
        for f in record.fields(.collaborator) { p.collaborators.appendMerging(copy(f, record)) }
        for f in record.fields(.condition) { p.conditions.appendMerging(copy(f, record)) }
        for f in record.fields(.intervention) {
            p.interventions.appendMerging(Measured(interventionName(f.value), record.evidence(f)))
        }
        for f in record.fields(.primaryOutcome) { p.primaryOutcomes.appendMerging(copy(f, record)) }

        for f in record.fields(.status) {
            if let s = status(f.value) {
                p.statuses.appendMerging(Measured(s, record.evidence(f)))
            } else {
                warnings.append("status not recognized: \"\(f.value)\" (\(f.locator))")
            }
        }
        phases(record, into: &p, warnings: &warnings)
        for f in record.fields(.studyType) {
            if let t = studyType(f.value) {
                p.studyTypes.appendMerging(Measured(t, record.evidence(f)))
            } else {
                warnings.append("study type not recognized: \"\(f.value)\" (\(f.locator))")
            }
        }
        enrollment(record, into: &p, warnings: &warnings)
        for f in record.fields(.sex) {
            if let s = sex(f.value) {
                p.sex.appendMerging(Measured(s, record.evidence(f)))
            } else {
                warnings.append("sex not recognized: \"\(f.value)\" (\(f.locator))")
            }
        }
        let dateFields: [(FieldKey, WritableKeyPath<TrialParameters, [Measured<String>]>)] = [
            (.startDate, \.startDates), (.primaryCompletionDate, \.primaryCompletionDates),
            (.completionDate, \.completionDates), (.lastUpdate, \.lastUpdates),
        ]
        for (key, path) in dateFields {
            for f in record.fields(key) {
                if let d = isoDate(f.value) {
                    p[keyPath: path].appendMerging(Measured(d, record.evidence(f)))
                } else {
                    warnings.append("\(key.rawValue) not understood: \"\(f.value)\" (\(f.locator))")
                }
            }
        }
        AgeExtractor.structured(record, into: &p, warnings: &warnings)
    }

    private static func copy(_ f: SourceField, _ record: SourceRecord) -> Measured<String> {
        Measured(f.value.collapsingWhitespace, record.evidence(f))
    }

    // MARK: Registry IDs

    private static let nct = Pattern(#"\bNCT\d{8}\b"#)
    private static let chictr = Pattern(#"\bChiCTR(?:-[A-Z]{2,4}-)?-?\d{6,12}\b"#)
    private static let ctis = Pattern(#"(?<![\d-])\d{4}-\d{6}-\d{2}-\d{2}(?![\d-])"#)
    private static let eudract = Pattern(#"(?<![\d-])\d{4}-\d{6}-\d{2}(?![\d-])"#)
    private static let isrctn = Pattern(#"\bISRCTN\s?\d{8}\b"#)

    /// Registry IDs from the ID fields only, never from free text (pages list unrelated trials).
    static func registryIDs(_ record: SourceRecord) -> [Measured<TrialID>] {
        var ids: [Measured<TrialID>] = []
        /// Adds the IDs `pattern` finds in `f`; returns how many matches it found.
        @discardableResult
        func add(_ pattern: Pattern, _ registry: Registry, _ f: SourceField, normalize: (String) -> String) -> Int {
            let buffer = TextBuffer(f.value)
            let matches = buffer.matches(pattern)
            for m in matches {
                let raw = buffer.substring(m.range)
                ids.appendMerging(Measured(TrialID(registry, normalize(raw)), record.evidence(f, quote: raw)))
            }
            return matches.count
        }
        let upper: (String) -> String = { $0.uppercased() }
        let chictrCase: (String) -> String = { "ChiCTR" + $0.dropFirst(6).uppercased() }
        let compact: (String) -> String = { $0.uppercased().replacingASCII(" ", with: "") }
        for f in record.fields {
            switch f.key {
            case .nctID:
                add(nct, .nct, f, normalize: upper)
            case .chictrID:
                add(chictr, .chictr, f, normalize: chictrCase)
            case .otherID:
                // Each pattern needs its prefix (any case) or a hyphen, which most secondary IDs
                // lack: those are looked for first, by bytes.
                if Prefilter.mayContain(f.value, ["nct"]) { add(nct, .nct, f, normalize: upper) }
                if Prefilter.mayContain(f.value, ["chictr"]) { add(chictr, .chictr, f, normalize: chictrCase) }
                if Prefilter.containsExactly(f.value, ["-"]), add(ctis, .ctis, f, normalize: { $0 }) == 0 {
                    add(eudract, .eudract, f, normalize: { $0 })
                }
                if Prefilter.mayContain(f.value, ["isrctn"]) { add(isrctn, .isrctn, f, normalize: compact) }
            case .orgStudyID:
                let value = f.value.collapsingWhitespace
                if !value.isEmpty { ids.appendMerging(Measured(TrialID(.sponsor, value), record.evidence(f))) }
            default:
                break
            }
        }
        return ids
    }

    /// The best global ID (by `Registry.rank`, first in document order on ties), else nil.
    static func primaryGlobalID(_ ids: [Measured<TrialID>]) -> TrialID? {
        var best: TrialID?
        for id in ids.map(\.value) where id.isGlobal {
            if best == nil || id.registry.rank < best!.registry.rank { best = id }
        }
        return best
    }

    /// The ID of a record without a global registry ID before the pipeline knows its path
    /// (`extract` on its own, tests): ``TrialExtractor/derivedID(_:)`` of the record's fields
    /// written as "key=value\n" lines in field order.
    static func derivedID(_ record: SourceRecord) -> TrialID {
        TrialExtractor.derivedID(record.fields.map { "\($0.key.rawValue)=\($0.value)\n" }.joined())
    }

    // MARK: Status

    private static let statusTable: [String: TrialStatus] = [
        "not yet recruiting": .notYetRecruiting, "recruiting": .recruiting,
        "enrolling by invitation": .enrollingByInvitation, "active not recruiting": .activeNotRecruiting,
        "suspended": .suspended, "terminated": .terminated, "completed": .completed,
        "withdrawn": .withdrawn, "unknown status": .unknown, "unknown": .unknown,
        "available": .available, "no longer available": .noLongerAvailable,
        "temporarily not available": .temporarilyNotAvailable,
        "approved for marketing": .approvedForMarketing, "withheld": .withheld,
        // ChiCTR (Chinese and its English page wording)
        "尚未开始": .notYetRecruiting, "尚未招募": .notYetRecruiting, "正在进行": .recruiting,
        "正在招募": .recruiting, "招募中": .recruiting, "已结束": .completed, "结束": .completed,
        "完成": .completed, "暂停": .suspended, "中止": .terminated, "终止": .terminated,
        "recruiting completed": .activeNotRecruiting, "suspending": .suspended,
        "not recruiting": .activeNotRecruiting, "recruitment completed": .activeNotRecruiting,
    ]

    /// "Recruiting", "NOT_YET_RECRUITING", "Active, not recruiting", "正在进行" → `TrialStatus`.
    static func status(_ raw: String) -> TrialStatus? {
        let s = raw.lowercased().replacingASCII("_,-:", with: " ").collapsingWhitespace
        if let hit = statusTable[s] { return hit }
        if let paren = s.firstIndex(of: "(") {
            return statusTable[String(s[..<paren]).collapsingWhitespace]
        }
        return nil
    }

    // MARK: Phase

    private static let notApplicable = Pattern(#"^\s*(?:phase\s*)?(?:n/?a|not\s+applicable|none)\s*$"#)
    private static let phaseToken = Pattern(
        #"(?<![A-Za-z])(early\s*)?(?:phase\s*)?(iv|iii|ii|i|[0-4])(?:[ab](?![A-Za-z]))?(?![A-Za-z0-9])(?:\s*期)?"#
    )

    /// Phases from all `phase` fields of a record, combined: "Phase 1" + "Phase 2" (API v2 lists
    /// one per field) → "Phase 1/Phase 2"; "EARLY_PHASE1" → "Early Phase 1"; "NA" → "N/A".
    static func phases(_ record: SourceRecord, into p: inout TrialParameters, warnings: inout [String]) {
        let fields = record.fields(.phase)
        guard !fields.isEmpty else { return }
        var numbers: [Int] = []
        var early = false
        var notApplicableSeen = false
        var evidence: [Evidence] = []
        for f in fields {
            let value = f.value.replacingASCII("_", with: " ")
            let buffer = TextBuffer(value)
            if buffer.firstMatch(notApplicable) != nil {
                notApplicableSeen = true
                evidence.append(record.evidence(f))
                continue
            }
            var understood = false
            for m in buffer.matches(phaseToken) {
                guard let token = buffer.group(m, 2)?.lowercased() else { continue }
                let n: Int
                switch token {
                case "i": n = 1
                case "ii": n = 2
                case "iii": n = 3
                case "iv": n = 4
                default: n = Int(token) ?? 0
                }
                if buffer.group(m, 1) != nil || n == 0 { early = true } else if !numbers.contains(n) { numbers.append(n) }
                understood = true
            }
            if understood {
                evidence.append(record.evidence(f))
            } else {
                warnings.append("phase not recognized: \"\(f.value)\" (\(f.locator))")
            }
        }
        numbers.sort()
        let phase: String
        if early && numbers.isEmpty {
            phase = "Early Phase 1"
        } else if !numbers.isEmpty {
            phase = ((early ? ["Early Phase 1"] : []) + numbers.map { "Phase \($0)" }).joined(separator: "/")
        } else if notApplicableSeen {
            phase = "N/A"
        } else {
            return
        }
        p.phases.appendMerging(Measured(phase, evidence: evidence))
    }

    // MARK: Study type, sex, enrollment

    /// "INTERVENTIONAL", "Interventional study", "干预性研究" → "Interventional"; likewise
    /// "Observational" and "Expanded Access".
    static func studyType(_ raw: String) -> String? {
        let s = raw.lowercased().replacingASCII("_", with: " ")
        if Prefilter.containsExactly(s, ["interventional", "干预"]) { return "Interventional" }
        if Prefilter.containsExactly(s, ["observational", "观察"]) { return "Observational" }
        if Prefilter.containsExactly(s, ["expanded access"]) { return "Expanded Access" }
        return nil
    }

    /// "All", "Both", "男女均可" → all; "Female", "女" → female; "Male", "男" → male.
    static func sex(_ raw: String) -> Sex? {
        let s = raw.lowercased().collapsingWhitespace
        switch s {
        case "all", "both", "男女均可", "男女", "不限", "male and female", "female and male", "males and females", "all sexes":
            return .all
        case "female", "females", "women", "女", "女性", "female only":
            return .female
        case "male", "males", "men", "男", "男性", "male only":
            return .male
        default:
            return nil
        }
    }

    private static let count = Pattern(#"(?<![\d.])(\d{1,3}(?:,\d{3})+|\d+)(?![\d.])"#)

    /// Structured enrollment: the count from "72", "9 participants", "1,206"; the type from
    /// `enrollment_type` ("Anticipated"/"ESTIMATED" → planned, "Actual" → actual) or from the value.
    static func enrollment(_ record: SourceRecord, into p: inout TrialParameters, warnings: inout [String]) {
        let typeField = record.first(.enrollmentType)
        for f in record.fields(.enrollment) {
            // A negative or fractional number is no count: it is not read as the digits it holds
            // ("-5" is not 5, "1.5e308" not 308); the implausible-value rule reports it.
            if Enrollment.implausibleCount(f.value) != nil {
                warnings.append("enrollment is not a participant count: \"\(f.value)\" (\(f.locator))")
                continue
            }
            let buffer = TextBuffer(f.value)
            guard let m = buffer.firstMatch(count), let n = Int(buffer.substring(m.range).replacingASCII(",", with: "")) else {
                warnings.append("enrollment not understood: \"\(f.value)\" (\(f.locator))")
                continue
            }
            var evidence = [record.evidence(f)]
            var type = enrollmentType(f.value)
            if type == nil, let t = typeField, let parsed = enrollmentType(t.value) {
                type = parsed
                evidence.append(record.evidence(t))
            }
            p.enrollment.appendMerging(Measured(Enrollment(count: n, type: type), evidence: evidence))
        }
    }

    static func enrollmentType(_ raw: String) -> EnrollmentType? {
        let s = raw.lowercased()
        if Prefilter.containsExactly(s, ["anticipated", "estimated", "planned", "expected", "target"]) { return .planned }
        if Prefilter.containsExactly(s, ["actual"]) { return .actual }
        return nil
    }

    // MARK: Dates

    private static let months: [String: Int] = [
        "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
        "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
        "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12,
    ]
    private static let isoLike = Pattern(#"^(\d{4})[-/.](\d{1,2})(?:[-/.](\d{1,2}))?(?![\d])"#)
    private static let monthDayYear = Pattern(#"^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})$"#)
    private static let dayMonthYear = Pattern(#"^(\d{1,2})\s+([A-Za-z]{3,9})\.?,?\s+(\d{4})$"#)
    private static let monthYear = Pattern(#"^([A-Za-z]{3,9})\.?,?\s+(\d{4})$"#)
    private static let chineseDate = Pattern(#"^(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?"#)
    private static let yearOnly = Pattern(#"^(\d{4})$"#)
    private static let qualifier = Pattern(#"\s*[\[(]?\b(?:anticipated|estimated|actual)\b[\])]?\s*"#)

    /// "June 30, 2024" → "2024-06-30"; "June 2024" → "2024-06"; "2024-05-28 08:56:14" → "2024-05-28".
    static func isoDate(_ raw: String) -> String? { isoDateFast(raw) ?? isoDateByPatterns(raw) }

    /// ``isoDate(_:)`` by its patterns, for any form.
    static func isoDateByPatterns(_ raw: String) -> String? {
        let collapsed = raw.collapsingWhitespace
        // Without a qualifier word the replacement is the identity (and `collapsed` is collapsed).
        let b =
            Prefilter.mayContain(collapsed, ["anticipated", "estimated", "actual"])
            ? TextBuffer(
                qualifier.regex.stringByReplacingMatches(
                    in: collapsed, range: NSRange(location: 0, length: collapsed.utf16.count), withTemplate: " "
                ).collapsingWhitespace)
            : TextBuffer(collapsed)
        // Every pattern is anchored at the start: the numeric ones need a digit (`\d`) there, the
        // month-name ones a letter (never a digit).
        let first = b.string.unicodeScalars.first
        let startsWithDigit = first?.properties.numericType == .decimal
        let startsWithLetter = !startsWithDigit
        func build(_ y: String?, _ m: Int?, _ d: String?) -> String? {
            guard let y, let year = Int(y), (1900...2200).contains(year) else { return nil }
            guard let m else { return y }
            guard (1...12).contains(m) else { return nil }
            let mm = m < 10 ? "0\(m)" : "\(m)"
            guard let d, let day = Int(d) else { return "\(y)-\(mm)" }
            guard (1...31).contains(day) else { return nil }
            return "\(y)-\(mm)-\(day < 10 ? "0\(day)" : "\(day)")"
        }
        if startsWithDigit, let m = b.firstMatch(isoLike) { return build(b.group(m, 1), b.group(m, 2).flatMap { Int($0) }, b.group(m, 3)) }
        if startsWithDigit, let m = b.firstMatch(chineseDate) { return build(b.group(m, 1), b.group(m, 2).flatMap { Int($0) }, b.group(m, 3)) }
        if startsWithLetter, let m = b.firstMatch(monthDayYear), let month = b.group(m, 1).flatMap({ months[$0.lowercased()] }) {
            return build(b.group(m, 3), month, b.group(m, 2))
        }
        if startsWithDigit, let m = b.firstMatch(dayMonthYear), let month = b.group(m, 2).flatMap({ months[$0.lowercased()] }) {
            return build(b.group(m, 3), month, b.group(m, 1))
        }
        if startsWithLetter, let m = b.firstMatch(monthYear), let month = b.group(m, 1).flatMap({ months[$0.lowercased()] }) {
            return build(b.group(m, 2), month, nil)
        }
        if startsWithDigit, let m = b.firstMatch(yearOnly) { return build(b.group(m, 1), nil, nil) }
        return nil
    }

    /// "2024-05-28" and "2024-05" (API v2's form, ASCII digits, valid year, month and day) as they
    /// are: the answer `isoDate`'s patterns give them, without the patterns; nil for anything else.
    static func isoDateFast(_ raw: String) -> String? {
        let b = Array(raw.utf8)
        guard b.count == 7 || b.count == 10, b[4] == 0x2D, b.count == 7 || b[7] == 0x2D else { return nil }
        func number(_ at: Int, _ n: Int) -> Int? {
            var v = 0
            for i in at..<(at + n) {
                guard ASCIIByte.isDigit(b[i]) else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let year = number(0, 4), (1900...2200).contains(year), let month = number(5, 2), (1...12).contains(month) else { return nil }
        if b.count == 10 {
            guard let day = number(8, 2), (1...31).contains(day) else { return nil }
        }
        return raw
    }

    // MARK: Interventions

    private static let interventionType = Pattern(
        #"^\s*(?:drug|biological|device|procedure(?:/surgery)?|other|behavioral|radiation|dietary\s+supplement|genetic|combination\s+product|diagnostic\s+test)\s*:\s*"#
    )

    /// An intervention name without a leading type label ("Drug: Cyclophosphamide" → "Cyclophosphamide").
    static func interventionName(_ raw: String) -> String {
        let b = TextBuffer(raw.collapsingWhitespace)
        guard b.string.utf8.contains(0x3A), let m = b.firstMatch(interventionType), m.range.end < b.length else { return b.string }
        return b.substring(NSRange(from: m.range.end, to: b.length))
    }
}
