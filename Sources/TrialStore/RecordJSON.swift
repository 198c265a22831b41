import TrialCompare
import TrialModel
import TrialSupport

/// The parse cache's and the record spill's JSON of a record, written member by member.
///
/// The members are those `StreamingJSONEncoder.encodeAnyOrder` writes (declaration order, `nil`
/// optionals left out, as synthesized `Codable` writes them), with one difference: criteria
/// whose evidence names the record's file and quotes the criterion's own text (all of them, as
/// extraction makes them) are written once, as `[list, heading or null, number, text, locator]`
/// in `criteriaItems`, and `parameters.criteria` is empty. Criteria are half of a record's JSON
/// and each text was written twice, so the cache compresses, stores and decodes a quarter less.
/// Through the generic encoder, every record's containers and witness calls were 5 % of a first
/// run's CPU. ``RecordJSONReader`` reads it back (``SnapshotStore/decodeRecord(_:)`` and the
/// parse cache); the tests compare the two on every real record and on records that fill every
/// field.
extension TrialRecord {
    /// Compact JSON of the record; throws for a non-finite number, as the encoder does.
    public func cacheJSON() throws -> [UInt8] {
        let compact =
            !parameters.criteria.isEmpty
            && parameters.criteria.allSatisfy { $0.evidence.file == source.file && $0.evidence.quote == $0.text }
        var json = CompactJSONWriter()
        json.raw("{\"source\":")
        source.writeRecordJSON(to: &json)
        json.raw(",\"primaryID\":")
        primaryID.writeRecordJSON(to: &json)
        json.raw(",\"parameters\":")
        try parameters.writeRecordJSON(to: &json, criteria: !compact)
        json.raw(",\"warnings\":")
        json.array(warnings) { json, w in json.string(w) }
        json.raw(",\"findings\":")
        json.array(findings) { json, f in f.writeRecordJSON(to: &json) }
        if compact {
            json.raw(",\"criteriaItems\":")
            json.array(parameters.criteria) { json, c in
                json.raw("[")
                json.string(c.list.rawValue)
                json.raw(",")
                if let heading = c.heading { json.string(heading) } else { json.raw("null") }
                json.raw(",")
                json.string(c.number)
                json.raw(",")
                json.string(c.text)
                json.raw(",")
                json.string(c.evidence.locator)
                json.raw("]")
            }
        }
        json.raw("}")
        return json.bytes
    }
}

extension SnapshotStore {
    /// The record whose ``TrialRecord/cacheJSON()`` (or encoder JSON) `bytes` are.
    public static func decodeRecord(_ bytes: UnsafeRawBufferPointer) throws -> TrialRecord {
        try decodeRecord([UInt8](bytes))
    }

    /// ``decodeRecord(_:)`` of bytes already in an array (the record spill's): read in place.
    public static func decodeRecord(_ bytes: [UInt8]) throws -> TrialRecord {
        if let record = try? RecordJSONReader.record(bytes) { return record }
        return try bytes.withUnsafeBytes { try StableJSONDecoder().decode(CachedRecord.self, from: $0).record }
    }
}

/// A record as the cache writes it: the encoder's members, and the criteria in `criteriaItems`
/// when they were written compactly (see ``TrialRecord/cacheJSON()``).
struct CachedRecord: Decodable {
    var record: TrialRecord

    private enum Keys: String, CodingKey { case criteriaItems }

    private struct Item: Decodable {
        var criterion: Criterion

        init(from decoder: any Decoder) throws {
            var c = try decoder.unkeyedContainer()
            let list = try c.decode(CriteriaList.self)
            let heading = try c.decodeNil() ? nil : try c.decode(String.self)
            let number = try c.decode(String.self)
            let text = try c.decode(String.self)
            let locator = try c.decode(String.self)
            // The file is the record's; it is filled in once the record is decoded.
            criterion = Criterion(
                list: list, heading: heading, number: number, text: text,
                evidence: Evidence(file: "", locator: locator, quote: text))
        }
    }

    init(from decoder: any Decoder) throws {
        record = try TrialRecord(from: decoder)
        guard let items = try decoder.container(keyedBy: Keys.self).decodeIfPresent([Item].self, forKey: .criteriaItems) else {
            return
        }
        let file = record.source.file
        record.parameters.criteria = items.map {
            var c = $0.criterion
            c.evidence.file = file
            return c
        }
    }
}

extension SourceRef {
    fileprivate func writeRecordJSON(to json: inout CompactJSONWriter) {
        json.raw("{\"file\":")
        json.string(file)
        json.raw(",\"format\":")
        json.string(format.rawValue)
        json.raw(",\"index\":")
        json.integer(index)
        json.raw("}")
    }
}

extension TrialID {
    fileprivate func writeRecordJSON(to json: inout CompactJSONWriter) {
        json.raw("{\"registry\":")
        json.string(registry.rawValue)
        json.raw(",\"value\":")
        json.string(value)
        json.raw("}")
    }
}

extension Finding {
    fileprivate func writeRecordJSON(to json: inout CompactJSONWriter) {
        json.raw("{\"rule\":")
        json.string(rule)
        json.raw(",\"severity\":")
        json.string(severity.rawValue)
        json.raw(",\"trial\":")
        json.string(trial)
        json.raw(",\"message\":")
        json.string(message)
        json.raw(",\"evidence\":")
        json.array(evidence) { json, e in e.write(to: &json) }
        if let acknowledged {
            json.raw(",\"acknowledged\":")
            json.string(acknowledged)
        }
        json.raw("}")
    }
}

extension TrialParameters {
    /// Writes the parameters, with `criteria` or with an empty list in their place.
    fileprivate func writeRecordJSON(to json: inout CompactJSONWriter, criteria writesCriteria: Bool) throws {
        func measured<V>(
            _ key: StaticString, _ list: [Measured<V>], first: Bool = false,
            _ value: (inout CompactJSONWriter, V) throws -> Void
        ) rethrows {
            if !first { json.raw(",") }
            json.raw(key)
            try json.array(list) { json, m in
                json.raw("{\"value\":")
                try value(&json, m.value)
                json.raw(",\"evidence\":")
                json.array(m.evidence) { json, e in e.write(to: &json) }
                json.raw("}")
            }
        }
        func text(_ json: inout CompactJSONWriter, _ s: String) { json.string(s) }
        json.raw("{")
        measured("\"registryIDs\":", registryIDs, first: true) { json, id in id.writeRecordJSON(to: &json) }
        measured("\"titles\":", titles, text)
        measured("\"products\":", products, text)
        measured("\"cellTypes\":", cellTypes, text)
        measured("\"targets\":", targets, text)
        measured("\"sponsors\":", sponsors, text)
        measured("\"collaborators\":", collaborators, text)
        measured("\"statuses\":", statuses) { json, s in json.string(s.rawValue) }
        measured("\"phases\":", phases, text)
        measured("\"studyTypes\":", studyTypes, text)
        measured("\"startDates\":", startDates, text)
        measured("\"primaryCompletionDates\":", primaryCompletionDates, text)
        measured("\"completionDates\":", completionDates, text)
        measured("\"lastUpdates\":", lastUpdates, text)
        measured("\"conditions\":", conditions, text)
        measured("\"interventions\":", interventions, text)
        measured("\"enrollment\":", enrollment) { json, e in
            json.raw("{\"count\":")
            json.integer(e.count)
            if let type = e.type {
                json.raw(",\"type\":")
                json.string(type.rawValue)
            }
            json.raw("}")
        }
        measured("\"enrollmentInText\":", enrollmentInText) { json, c in
            json.raw("{\"low\":")
            json.integer(c.low)
            json.raw(",\"high\":")
            json.integer(c.high)
            json.raw("}")
        }
        try measured("\"ageStructured\":", ageStructured) { json, a in try a.writeRecordJSON(to: &json) }
        try measured("\"ageInCriteria\":", ageInCriteria) { json, a in try a.writeRecordJSON(to: &json) }
        measured("\"sex\":", sex) { json, s in json.string(s.rawValue) }
        try measured("\"thresholds\":", thresholds) { json, t in
            json.raw("{\"measure\":")
            json.string(t.measure)
            json.raw(",\"comparator\":")
            json.string(t.comparator.rawValue)
            json.raw(",\"value\":")
            try json.number(t.value)
            json.raw(",\"unit\":")
            json.string(t.unit)
            if let cohort = t.cohort {
                json.raw(",\"cohort\":")
                json.string(cohort)
            }
            json.raw(",\"bound\":")
            json.string(t.bound.rawValue)
            json.raw(",\"basis\":")
            json.string(t.basis.rawValue)
            json.raw("}")
        }
        try measured("\"doses\":", doses) { json, d in
            json.raw("{\"agent\":")
            json.string(d.agent)
            json.raw(",\"amount\":")
            try json.number(d.amount)
            if let amountMax = d.amountMax {
                json.raw(",\"amountMax\":")
                try json.number(amountMax)
            }
            json.raw(",\"unit\":")
            json.string(d.unit)
            if let frequency = d.frequency {
                json.raw(",\"frequency\":")
                json.string(frequency)
            }
            json.raw(",\"days\":")
            json.array(d.days) { json, day in json.integer(day) }
            if let dayCount = d.dayCount {
                json.raw(",\"dayCount\":")
                json.integer(dayCount)
            }
            if let arm = d.arm {
                json.raw(",\"arm\":")
                json.string(arm)
            }
            json.raw("}")
        }
        try measured("\"cellDoses\":", cellDoses) { json, c in
            json.raw("{\"mantissa\":")
            try json.number(c.mantissa)
            json.raw(",\"exponent\":")
            json.integer(c.exponent)
            json.raw(",\"unit\":")
            json.string(c.unit)
            json.raw("}")
        }
        measured("\"primaryOutcomes\":", primaryOutcomes, text)
        json.raw(",\"criteria\":")
        json.array(writesCriteria ? criteria : []) { json, c in
            json.raw("{\"list\":")
            json.string(c.list.rawValue)
            if let heading = c.heading {
                json.raw(",\"heading\":")
                json.string(heading)
            }
            json.raw(",\"number\":")
            json.string(c.number)
            json.raw(",\"text\":")
            json.string(c.text)
            json.raw(",\"evidence\":")
            c.evidence.write(to: &json)
            json.raw("}")
        }
        json.raw("}")
    }
}

extension AgeRange {
    fileprivate func writeRecordJSON(to json: inout CompactJSONWriter) throws {
        json.raw("{")
        var first = true
        func member(_ key: StaticString) {
            if !first { json.raw(",") }
            first = false
            json.raw(key)
        }
        if let minYears {
            member("\"minYears\":")
            try json.number(minYears)
        }
        if let maxYears {
            member("\"maxYears\":")
            try json.number(maxYears)
        }
        if let minComparator {
            member("\"minComparator\":")
            json.string(minComparator.rawValue)
        }
        if let maxComparator {
            member("\"maxComparator\":")
            json.string(maxComparator.rawValue)
        }
        if let basis {
            member("\"basis\":")
            json.string(basis.rawValue)
        }
        json.raw("}")
    }
}

extension InputSummary {
    /// The summary's JSON as the parse cache stores it: `StoreJSON.string` of it (sorted keys,
    /// `nil` members left out), written member by member. Through the generic encoder it was a
    /// tenth of caching a small study.
    func cacheJSON() -> String {
        var json = CompactJSONWriter()
        json.raw("{")
        if let error {
            json.raw("\"error\":")
            json.string(error)
            json.raw(",")
        }
        json.raw("\"file\":")
        json.string(file)
        if let format {
            json.raw(",\"format\":")
            json.string(format.rawValue)
        }
        json.raw(",\"records\":")
        json.integer(records)
        if let sha256 {
            json.raw(",\"sha256\":")
            json.string(sha256)
        }
        if let size {
            json.raw(",\"size\":")
            json.integer(size)
        }
        json.raw(",\"warnings\":")
        json.array(warnings) { json, warning in json.string(warning) }
        json.raw("}")
        return String(decoding: json.bytes, as: UTF8.self)
    }
}

/// Reads ``TrialRecord/cacheJSON()`` back member by member on a ``JSONTape``, without `Codable`:
/// through the generic decoder's containers, decoding the cached records was a third of an
/// unchanged rerun. Optional members absent or `null` are nil, as `decodeIfPresent` reads them;
/// anything else out of place throws, and the caller decodes with `Codable` instead (which says
/// what is wrong). The tests compare the two on every real record and on records that fill every
/// field.
enum RecordJSONReader {
    struct Malformed: Error {}

    /// The records of a JSON array of ``TrialRecord/cacheJSON()`` texts (the parse cache's form).
    static func records(_ bytes: [UInt8]) throws -> [TrialRecord] {
        guard let elements = try? JSONTape.parse(bytes).rootNode?.elements else { throw Malformed() }
        return try elements.map(record)
    }

    /// One record's ``TrialRecord/cacheJSON()``.
    static func record(_ bytes: [UInt8]) throws -> TrialRecord {
        guard let root = try? JSONTape.parse(bytes).rootNode else { throw Malformed() }
        return try record(root)
    }

    static func record(_ n: JSONTape.Node) throws -> TrialRecord {
        let s = try n.member("source")
        let source = SourceRef(file: try s.member("file").text(), format: try s.member("format").raw(), index: try s.member("index").int())
        var parameters = try parameters(try n.member("parameters"))
        if let items = n.optional("criteriaItems") {
            // [list, heading or null, number, text, locator]; the file is the record's.
            parameters.criteria = try items.list { item in
                guard let f = item.elements, f.count == 5 else { throw Malformed() }
                let text = try f[3].text()
                return Criterion(
                    list: try f[0].raw(), heading: f[1].kind == .null ? nil : try f[1].text(), number: try f[2].text(), text: text,
                    evidence: Evidence(file: source.file, locator: try f[4].text(), quote: text))
            }
        }
        return TrialRecord(
            source: source, primaryID: try trialID(try n.member("primaryID")), parameters: parameters,
            warnings: try n.member("warnings").list { try $0.text() }, findings: try n.member("findings").list(finding))
    }

    private static func trialID(_ n: JSONTape.Node) throws -> TrialID {
        TrialID(try n.member("registry").raw(), try n.member("value").text())
    }

    private static func evidence(_ n: JSONTape.Node) throws -> Evidence {
        Evidence(file: try n.member("file").text(), locator: try n.member("locator").text(), quote: try n.member("quote").text())
    }

    private static func finding(_ n: JSONTape.Node) throws -> Finding {
        Finding(
            rule: try n.member("rule").text(), severity: try n.member("severity").raw(), trial: try n.member("trial").text(),
            message: try n.member("message").text(), evidence: try n.member("evidence").list(evidence),
            acknowledged: try n.optional("acknowledged")?.text())
    }

    private static func parameters(_ n: JSONTape.Node) throws -> TrialParameters {
        func measured<V>(_ key: StaticString, _ value: (JSONTape.Node) throws -> V) throws -> [Measured<V>] {
            try n.member(key).list { m in Measured(try value(try m.member("value")), evidence: try m.member("evidence").list(evidence)) }
        }
        func text(_ v: JSONTape.Node) throws -> String { try v.text() }
        var p = TrialParameters()
        p.registryIDs = try measured("registryIDs", trialID)
        p.titles = try measured("titles", text)
        p.products = try measured("products", text)
        p.cellTypes = try measured("cellTypes", text)
        p.targets = try measured("targets", text)
        p.sponsors = try measured("sponsors", text)
        p.collaborators = try measured("collaborators", text)
        p.statuses = try measured("statuses") { try $0.raw() }
        p.phases = try measured("phases", text)
        p.studyTypes = try measured("studyTypes", text)
        p.startDates = try measured("startDates", text)
        p.primaryCompletionDates = try measured("primaryCompletionDates", text)
        p.completionDates = try measured("completionDates", text)
        p.lastUpdates = try measured("lastUpdates", text)
        p.conditions = try measured("conditions", text)
        p.interventions = try measured("interventions", text)
        p.enrollment = try measured("enrollment") { e in
            Enrollment(count: try e.member("count").int(), type: try e.optional("type")?.raw())
        }
        p.enrollmentInText = try measured("enrollmentInText") { c in
            CountRange(low: try c.member("low").int(), high: try c.member("high").int())
        }
        func age(_ a: JSONTape.Node) throws -> AgeRange {
            AgeRange(
                minYears: try a.optional("minYears")?.double(), maxYears: try a.optional("maxYears")?.double(),
                minComparator: try a.optional("minComparator")?.raw(), maxComparator: try a.optional("maxComparator")?.raw(),
                basis: try a.optional("basis")?.raw())
        }
        p.ageStructured = try measured("ageStructured", age)
        p.ageInCriteria = try measured("ageInCriteria", age)
        p.sex = try measured("sex") { try $0.raw() }
        p.thresholds = try measured("thresholds") { t in
            // As `Threshold.init(from:)`: records cached before bounds and bases were kept.
            Threshold(
                measure: try t.member("measure").text(), comparator: try t.member("comparator").raw(),
                value: try t.member("value").double(), unit: try t.member("unit").text(), cohort: try t.optional("cohort")?.text(),
                bound: try t.optional("bound")?.raw(), basis: try t.optional("basis")?.raw() ?? .inclusion)
        }
        p.doses = try measured("doses") { d in
            Dose(
                agent: try d.member("agent").text(), amount: try d.member("amount").double(),
                amountMax: try d.optional("amountMax")?.double(), unit: try d.member("unit").text(),
                frequency: try d.optional("frequency")?.text(), days: try d.member("days").list { try $0.int() },
                dayCount: try d.optional("dayCount")?.int(), arm: try d.optional("arm")?.text())
        }
        p.cellDoses = try measured("cellDoses") { c in
            CellDose(mantissa: try c.member("mantissa").double(), exponent: try c.member("exponent").int(), unit: try c.member("unit").text())
        }
        p.primaryOutcomes = try measured("primaryOutcomes", text)
        p.criteria = try n.member("criteria").list { c in
            Criterion(
                list: try c.member("list").raw(), heading: try c.optional("heading")?.text(), number: try c.member("number").text(),
                text: try c.member("text").text(), evidence: try evidence(try c.member("evidence")))
        }
        return p
    }
}

extension JSONTape.Node {
    fileprivate typealias Malformed = RecordJSONReader.Malformed

    fileprivate func member(_ key: StaticString) throws -> JSONTape.Node {
        guard let m = self[key] else { throw Malformed() }
        return m
    }

    /// The member `key`, nil when absent or `null`.
    fileprivate func optional(_ key: StaticString) -> JSONTape.Node? {
        guard let m = self[key], m.kind != .null else { return nil }
        return m
    }

    fileprivate func text() throws -> String {
        guard let s = string else { throw Malformed() }
        return s
    }

    fileprivate func raw<E: RawRepresentable>() throws -> E where E.RawValue == String {
        guard let s = string, let e = E(rawValue: s) else { throw Malformed() }
        return e
    }

    /// As the decoder reads an integer: as written, or an integral number with a fraction or
    /// exponent.
    fileprivate func int() throws -> Int {
        guard let text = numberText else { throw Malformed() }
        if let n = Int(text) { return n }
        guard let d = Double(text), d.rounded() == d, let n = Int(exactly: d) else { throw Malformed() }
        return n
    }

    fileprivate func double() throws -> Double {
        guard let text = numberText, let d = Double(text), d.isFinite else { throw Malformed() }
        return d
    }

    fileprivate func list<T>(_ element: (JSONTape.Node) throws -> T) throws -> [T] {
        guard let elements else { throw Malformed() }
        return try elements.map(element)
    }
}
