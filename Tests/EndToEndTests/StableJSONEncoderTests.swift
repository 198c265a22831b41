import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialModel
import TrialPipeline

@testable import TrialStore
@testable import TrialSupport

/// ``StableJSONEncoder`` must write exactly `JSONEncoder`'s bytes: documents' text and stored
/// state hashes depend on them.
@Suite struct StableJSONEncoderTests {
    static func reference<T: Encodable>(_ value: T, pretty: Bool) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes] : [.sortedKeys, .withoutEscapingSlashes]
        return [UInt8](try encoder.encode(value))
    }

    static func expectSame<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for pretty in [false, true] {
            let fast = String(decoding: try StableJSONEncoder(pretty: pretty).encode(value), as: UTF8.self)
            let slow = String(decoding: try reference(value, pretty: pretty), as: UTF8.self)
            #expect(fast == slow, "pretty: \(pretty)", sourceLocation: sourceLocation)
        }
    }

    @Test func realLandscapeEncodesAsJSONEncoderDoes() async throws {
        let landscape = await Repo.landscape(["Tests/TestSupport/Fixtures/realdata", "Input"])
        #expect(landscape.trials.count > 100)
        for trial in landscape.trials { try Self.expectSame(trial) }
        try Self.expectSame(landscape.matrix)
        try Self.expectSame(landscape.findings)
        try Self.expectSame(landscape.inputs)
        let snapshot = Snapshot(landscape: landscape, inputs: landscape.inputs.compactMap(\.fingerprint))
        try Self.expectSame(snapshot.trials)
    }

    /// A stored state as `Codable` writes it: the state's `file` (its first evidence's) and
    /// evidence without the members that name it, `nil` members left out.
    struct CompactState: Encodable {
        struct Evidence: Encodable {
            var file: String?
            var locator: String
            var quote: String
        }
        struct Value: Encodable {
            var csv: String
            var evidence: [Evidence]
            var text: String
        }
        struct Parameter: Encodable {
            var key: String
            var label: String
            var values: [Value]
        }
        var file: String?
        var id: String
        var parameters: [Parameter]
        var title: String

        init(_ trial: SnapshotTrial) {
            let file = trial.parameters.lazy.flatMap(\.values).first { !$0.evidence.isEmpty }?.evidence[0].file
            self.file = file
            id = trial.id
            title = trial.title
            parameters = trial.parameters.map { p in
                Parameter(
                    key: p.key, label: p.label,
                    values: p.values.map { v in
                        Value(
                            csv: v.csv,
                            evidence: v.evidence.map { Evidence(file: $0.file == file ? nil : $0.file, locator: $0.locator, quote: $0.quote) },
                            text: v.text)
                    })
            }
        }
    }

    /// A trial state written directly must be the bytes the encoder writes for its compact form
    /// (the stored JSON and its hash), and decode to the trial, for every real trial and for text
    /// that needs escaping; the encoder's full JSON decodes to the same trial.
    @Test func trialStatesWrittenDirectlyAreTheEncodersBytes() async throws {
        let landscape = await Repo.landscape(["Tests/TestSupport/Fixtures/realdata", "Input"])
        let trials = Array(Snapshot(landscape: landscape, inputs: []).trials)
        #expect(trials.count > 100)
        let encoder = StableJSONEncoder(pretty: false)
        var (omitted, total) = (0, 0)
        for trial in trials {
            let stored = trial.compactSortedJSON()
            let full = try encoder.encode(trial)
            #expect(stored == (try encoder.encode(CompactState(trial))), "\(trial.id)")
            #expect(try StoreJSON.decode(SnapshotTrial.self, from: Data(stored)) == trial, "\(trial.id)")
            #expect(try StoreJSON.decode(SnapshotTrial.self, from: Data(full)) == trial, "\(trial.id)")
            omitted += full.count - stored.count
            total += full.count
        }
        // File paths were over a quarter of the states' bytes.
        #expect(Double(omitted) > 0.15 * Double(total), "\(omitted) of \(total) bytes")
        let awkward = "q\"b\\s/ \u{0}\u{1}\u{8}\u{c}\n\r\t\u{1f}\u{7f} é ≥ 😀"
        let evidence = [Evidence(file: awkward, locator: "/a[1]/b", quote: awkward), Evidence(file: "", locator: "", quote: "")]
        let crafted = [
            SnapshotTrial(id: awkward, title: "", parameters: []),
            SnapshotTrial(
                id: "X", title: awkward,
                parameters: [
                    ParameterValues(key: "k", label: awkward, values: []),
                    ParameterValues(
                        key: awkward, label: "",
                        values: [
                            RecordedValue(text: awkward, csv: "", evidence: evidence), RecordedValue(text: "", csv: awkward, evidence: []),
                            RecordedValue(text: "", csv: "", evidence: evidence.reversed()),
                        ]),
                ]),
        ]
        for trial in crafted {
            #expect(trial.compactSortedJSON() == (try encoder.encode(CompactState(trial))))
            #expect(trial.compactSortedJSON() == (try Self.reference(CompactState(trial), pretty: false)))
            #expect(try StoreJSON.decode(SnapshotTrial.self, from: Data(trial.compactSortedJSON())) == trial)
        }
        // Evidence without a file in a state without one is an error, as a missing member is.
        let orphan =
            #"{"id":"X","parameters":[{"key":"k","label":"","values":[{"csv":"","evidence":[{"locator":"","quote":""}],"text":""}]}],"#
            + #""title":""}"#
        #expect(throws: DecodingError.self) { try StoreJSON.decode(SnapshotTrial.self, from: Data(orphan.utf8)) }
    }

    /// What the reader without `Codable` does with JSON out of place, against `Codable`: a missing
    /// member or an unknown value throws in both (the store then reports `Codable`'s error), an
    /// unknown member is ignored by both, `null` for an optional is nil in both.
    @Test func recordReaderFailsWhereTheDecoderFails() async throws {
        let landscape = await Repo.landscape(["Tests/TestSupport/Fixtures/realdata/ctgov-json"])
        let record = try #require(landscape.trials.flatMap(\.records).first { !$0.parameters.thresholds.isEmpty })
        let json = String(decoding: try record.cacheJSON(), as: UTF8.self)
        func both(_ text: String) -> (reader: TrialRecord?, decoder: TrialRecord?) {
            let bytes = Array(text.utf8)
            return (
                try? RecordJSONReader.record(bytes),
                try? bytes.withUnsafeBytes { try StableJSONDecoder().decode(CachedRecord.self, from: $0).record }
            )
        }
        #expect(both(json) == (record, record))
        for (old, new) in [
            (",\"warnings\":", ",\"warningz\":"), ("\"format\":\"ctgov-json-v2\"", "\"format\":\"nope\""),
            ("\"index\":0", "\"index\":0.5"), ("\"criteriaItems\":[[", "\"criteriaItems\":[[1,"),
        ] {
            #expect(json.contains(old))
            let spoiled = json.replacingOccurrences(of: old, with: new)
            #expect(both(spoiled) == (nil, nil), "\(new)")
            #expect(throws: (any Error).self) { try Array(spoiled.utf8).withUnsafeBytes { try SnapshotStore.decodeRecord($0) } }
        }
        #expect(both("{\"extra\":[1,{}]," + json.dropFirst()) == (record, record))
        #expect(both(String(json.dropLast())) == (nil, nil))
        var withoutCohort = record
        withoutCohort.parameters.thresholds = withoutCohort.parameters.thresholds.map {
            var t = $0
            t.value.cohort = nil
            return t
        }
        let nulled = String(decoding: try withoutCohort.cacheJSON(), as: UTF8.self)
            .replacingOccurrences(of: ",\"bound\":", with: ",\"cohort\":null,\"bound\":")
        #expect(nulled.contains("\"cohort\":null"))
        #expect(both(nulled) == (withoutCohort, withoutCohort))
    }

    /// A record written directly for the parse cache and the spill must be the bytes the
    /// streaming encoder writes, apart from criteria written once (text, locator) when their
    /// evidence is the record's file and their own text, and read back as the same record: for
    /// every real record and for records that fill every field, with and without each optional.
    @Test func recordsWrittenDirectlyAreTheStreamingEncodersBytes() async throws {
        let landscape = await Repo.landscape(["Tests/TestSupport/Fixtures/realdata", "Input"])
        let real = landscape.trials.flatMap(\.records)
        #expect(real.count > 100)
        let awkward = "q\"b\\s/ \u{0}\u{1}\u{8}\u{c}\n\r\t\u{1f}\u{7f} é ≥ 😀"
        let e = [Evidence(file: awkward, locator: "/a[1]/b", quote: awkward), Evidence(file: "", locator: "", quote: "")]
        func full(optionals: Bool) -> TrialRecord {
            var p = TrialParameters()
            let strings = [Measured(awkward, evidence: e), Measured("", evidence: [])]
            p.registryIDs = [Measured(TrialID(.nct, "NCT01"), evidence: e), Measured(TrialID(.sponsor, awkward), evidence: [])]
            (p.titles, p.products, p.cellTypes, p.targets, p.sponsors, p.collaborators) = (strings, strings, strings, strings, strings, strings)
            (p.phases, p.studyTypes, p.startDates, p.primaryCompletionDates) = (strings, strings, strings, strings)
            (p.completionDates, p.lastUpdates, p.conditions, p.interventions, p.primaryOutcomes) = (strings, strings, strings, strings, strings)
            p.statuses = TrialStatus.allCases.map { Measured($0, evidence: e) }
            p.enrollment = [Measured(Enrollment(count: 72, type: optionals ? .actual : nil), evidence: e)]
            p.enrollmentInText = [Measured(CountRange(low: 36, high: 72), evidence: e), Measured(CountRange(low: -1, high: 0), evidence: [])]
            let age =
                optionals
                ? AgeRange(minYears: 17.5, maxYears: 0.25, minComparator: .greaterOrEqual, maxComparator: .less)
                : AgeRange(minYears: nil, maxYears: nil)
            p.ageStructured = [Measured(age, evidence: e), Measured(AgeRange(minYears: nil, maxYears: 1e-7, maxComparator: .equal), evidence: [])]
            p.ageInCriteria = [
                Measured(
                    AgeRange(
                        minYears: 18, maxYears: nil, minComparator: .greater,
                        basis: optionals ? .exclusion : nil), evidence: e)
            ]
            p.sex = [Measured(.all, evidence: e), Measured(.female, evidence: []), Measured(.male, evidence: e)]
            p.thresholds = [
                Measured(
                    Threshold(
                        measure: awkward, comparator: .lessOrEqual, value: -2.5e21, unit: "%",
                        cohort: optionals ? awkward : nil, bound: optionals ? .lower : nil,
                        basis: optionals ? .exclusion : .inclusion), evidence: e)
            ]
            p.doses = [
                Measured(
                    Dose(
                        agent: "fludarabine", amount: 30, amountMax: optionals ? 0.1 : nil, unit: "mg/m²",
                        frequency: optionals ? awkward : nil, days: optionals ? [-5, -4, 0, 12] : [],
                        dayCount: optionals ? 5 : nil, arm: optionals ? awkward : nil), evidence: e)
            ]
            p.cellDoses = [
                Measured(CellDose(mantissa: 1.5, exponent: -9, unit: "cells/kg"), evidence: e),
                Measured(CellDose(mantissa: 100, exponent: 12, unit: ""), evidence: []),
            ]
            p.criteria = [
                Criterion(list: .exclusion, heading: optionals ? awkward : nil, number: "3.2", text: awkward, evidence: e[0]),
                Criterion(list: .unspecified, heading: nil, number: "", text: "", evidence: e[1]),
            ]
            let finding = Finding(
                rule: "r", severity: .warning, trial: awkward, message: awkward, evidence: e,
                acknowledged: optionals ? awkward : nil)
            return TrialRecord(
                source: SourceRef(file: awkward, format: .chictrHTML, index: optionals ? 12 : 0),
                primaryID: TrialID(.derived, awkward), parameters: p, warnings: optionals ? [awkward, ""] : [],
                findings: [finding, Finding(rule: "", severity: .note, trial: "", message: "", evidence: [])])
        }
        var compactable = full(optionals: true)
        compactable.parameters.criteria = [
            Criterion(
                list: .inclusion, heading: nil, number: "1", text: awkward, evidence: Evidence(file: awkward, locator: "/x item 1", quote: awkward)),
            Criterion(list: .exclusion, heading: awkward, number: "", text: "", evidence: Evidence(file: awkward, locator: "", quote: "")),
        ]
        let crafted = [
            full(optionals: true), full(optionals: false),
            TrialRecord(
                source: SourceRef(file: "a", format: .ctgovXML, index: 0), primaryID: TrialID(.nct, "NCT1"), parameters: TrialParameters()),
            compactable,
        ]
        // A stored property the writer does not know would be missing from its JSON: these are the
        // counts the writer was written for.
        #expect(Mirror(reflecting: crafted[0]).children.count == 5)
        #expect(Mirror(reflecting: crafted[0].parameters).children.count == 26)
        #expect(Mirror(reflecting: crafted[0].source).children.count == 3)
        #expect(Mirror(reflecting: crafted[0].findings[0]).children.count == 6)
        #expect(Mirror(reflecting: crafted[0].parameters.criteria[0]).children.count == 5)
        #expect(Mirror(reflecting: crafted[0].parameters.thresholds[0].value).children.count == 7)
        #expect(Mirror(reflecting: crafted[0].parameters.doses[0].value).children.count == 8)
        #expect(Mirror(reflecting: crafted[0].parameters.cellDoses[0].value).children.count == 3)
        #expect(Mirror(reflecting: crafted[0].parameters.ageStructured[0].value).children.count == 5)
        #expect(Mirror(reflecting: crafted[0].parameters.enrollment[0].value).children.count == 2)
        #expect(Mirror(reflecting: crafted[0].parameters.enrollmentInText[0].value).children.count == 2)
        var compacted = 0
        var (directBytes, encoderBytes) = (0, 0)
        for record in real + crafted {
            let direct = try record.cacheJSON()
            let encoded = try StreamingJSONEncoder.encodeAnyOrder(record)
            let compact =
                !record.parameters.criteria.isEmpty
                && record.parameters.criteria.allSatisfy {
                    $0.evidence.file == record.source.file && $0.evidence.quote == $0.text
                }
            if compact {
                compacted += 1
                var without = record
                without.parameters.criteria = []
                let head = try StreamingJSONEncoder.encodeAnyOrder(without).dropLast()
                #expect(Array(direct.prefix(head.count)) == Array(head), "\(record.source)")
                #expect(String(decoding: direct.dropFirst(head.count), as: UTF8.self).hasPrefix(",\"criteriaItems\":[["))
            } else {
                #expect(direct == encoded, "\(record.source)")
            }
            #expect(try direct.withUnsafeBytes { try SnapshotStore.decodeRecord($0) } == record, "\(record.source)")
            #expect(try encoded.withUnsafeBytes { try SnapshotStore.decodeRecord($0) } == record, "\(record.source)")
            // The reader without `Codable` (no fallback here), on both forms.
            #expect(try RecordJSONReader.record(direct) == record, "\(record.source)")
            #expect(try RecordJSONReader.record(Array(encoded)) == record, "\(record.source)")
            directBytes += direct.count
            encoderBytes += encoded.count
        }
        // The parse cache's form, an array of every record, read at once.
        let all = real + crafted
        let array = try [UInt8]("[".utf8) + all.map { try $0.cacheJSON() }.joined(separator: [UInt8(ascii: ",")]) + [UInt8]("]".utf8)
        #expect(try RecordJSONReader.records(array) == all)
        #expect(crafted.filter { try! $0.cacheJSON() == StreamingJSONEncoder.encodeAnyOrder($0) }.count == 3)
        #expect(compacted > real.count / 2)
        #expect(Double(directBytes) < 0.85 * Double(encoderBytes), "criteria written once: \(directBytes) of \(encoderBytes) bytes")
        var infinite = crafted[2]
        infinite.parameters.cellDoses = [Measured(CellDose(mantissa: .infinity, exponent: 0, unit: ""), evidence: [])]
        #expect(throws: (any Error).self) { try infinite.cacheJSON() }
        #expect(throws: (any Error).self) { try StreamingJSONEncoder.encodeAnyOrder(infinite) }
    }

    struct Sample: Encodable {
        var text: String
        var numbers: [Double]
        var floats: [Float]
        var ints: [Int64]
        var small: [UInt8]
        var flags: [Bool]
        var missing: String?
        var null: String?
        var empty: [String]
        var emptyObject: [String: Int]
        var map: [String: [Int]]
        var intKeys: [Int: String]
        var nested: [[Sample]]
        var choice: Choice

        enum Choice: Encodable {
            case none
            case pair(Int, label: String)
        }

        enum CodingKeys: String, CodingKey {
            case text, numbers, floats, ints, small, flags, missing, null, empty, emptyObject, map, intKeys, nested, choice
            case Zeta, alpha = "Alpha", b10 = "b10", b9 = "b9", über = "über", dup
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(text, forKey: .text)
            try c.encode(numbers, forKey: .numbers)
            try c.encode(floats, forKey: .floats)
            try c.encode(ints, forKey: .ints)
            try c.encode(small, forKey: .small)
            try c.encode(flags, forKey: .flags)
            try c.encodeIfPresent(missing, forKey: .missing)
            try c.encode(null, forKey: .null)
            try c.encode(empty, forKey: .empty)
            try c.encode(emptyObject, forKey: .emptyObject)
            try c.encode(map, forKey: .map)
            try c.encode(intKeys, forKey: .intKeys)
            try c.encode(nested, forKey: .nested)
            try c.encode(choice, forKey: .choice)
            // Key order by bytes: upper case before lower case, "b10" before "b9", non-ASCII last.
            try c.encode(1, forKey: .Zeta)
            try c.encode(2, forKey: .alpha)
            try c.encode(3, forKey: .b10)
            try c.encode(4, forKey: .b9)
            try c.encode(5, forKey: .über)
            // A key encoded twice: the last value wins.
            try c.encode("first", forKey: .dup)
            try c.encode("second", forKey: .dup)
            var list = c.nestedUnkeyedContainer(forKey: .empty)
            try list.encode("into a nested container")
            let sup = c.superEncoder()
            var single = sup.singleValueContainer()
            try single.encode("from the super encoder")
        }
    }

    @Test func everyShapeEncodesAsJSONEncoderDoes() throws {
        let text = "quote \" backslash \\ slash / tab \t nl \n cr \r bs \u{8} ff \u{c} nul \u{0} us \u{1f} del \u{7f} ≥ 18 µg é 🧬"
        let leaf = Sample(
            text: "leaf", numbers: [], floats: [], ints: [], small: [], flags: [], missing: nil, null: nil, empty: [],
            emptyObject: [:], map: [:], intKeys: [:], nested: [], choice: .none)
        let sample = Sample(
            text: text,
            numbers: [0, -0.0, 1, 1.5, 0.1, 1e20, 1e-7, 123456789.123, 2.5e-300, 1.7976931348623157e308, 100, 36.5, 1e16],
            floats: [0.1, 3.4028235e38, 1e-7], ints: [Int64.min, -1, 0, Int64.max], small: [0, 255],
            flags: [true, false], missing: nil, null: nil, empty: [], emptyObject: [:], map: ["b": [2], "a": [], "B": [1]],
            intKeys: [10: "ten", 9: "nine"], nested: [[leaf], [], [leaf, leaf]], choice: .pair(7, label: "seven"))
        try Self.expectSame(sample)
        try Self.expectSame([sample])
        try Self.expectSame("a top-level string / \n")
        try Self.expectSame(42)
        try Self.expectSame([String]())
        try Self.expectSame([String: String]())
    }

    /// Every shape the streaming path sorts: keys out of order and repeated, nested keyed and
    /// unkeyed containers, empty values, dictionaries (no superEncoder, which takes the tree path).
    struct Streamable: Encodable {
        var shapes: StableJSONDecoderTests.Shapes

        enum Keys: String, CodingKey { case zeta, alpha = "Alpha", b10, b9, über, dup, nested, list, empty, shapes, a }

        struct Empty: Encodable { func encode(to encoder: any Encoder) throws {} }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            try c.encode(shapes, forKey: .shapes)
            try c.encode("first", forKey: .dup)
            try c.encode(1, forKey: .zeta)
            try c.encode(2, forKey: .alpha)
            var nested = c.nestedContainer(keyedBy: Keys.self, forKey: .nested)
            try nested.encode(3, forKey: .b9)
            try nested.encode([shapes.map, [:]], forKey: .b10)
            var deeper = nested.nestedUnkeyedContainer(forKey: .list)
            try deeper.encode(Empty())
            var inner = deeper.nestedContainer(keyedBy: Keys.self)
            try inner.encode(true, forKey: .über)
            try inner.encode(false, forKey: .a)
            try deeper.encode([Empty(), Empty()])
            try nested.encode("after the list", forKey: .a)
            try c.encode(Empty(), forKey: .empty)
            try c.encode("second", forKey: .dup)
            var again = encoder.container(keyedBy: Keys.self)
            try again.encode(4, forKey: .b10)
        }
    }

    @Test func streamedShapesSortAsJSONEncoderDoes() throws {
        let leaf = StableJSONDecoderTests.Shapes(
            text: "", numbers: [], ints: [], small: [], flags: [], optional: nil, map: [:], intKeys: [:], choice: .none,
            nested: [])
        let shapes = StableJSONDecoderTests.Shapes(
            text: "quote \" backslash \\ slash / nl \n ≥ 18 🧬", numbers: [0.1, 1e20, 36.5], ints: [Int64.min, 0],
            small: [255], flags: [true], optional: "set", map: ["b": [2], "a": [], "B": [1], "ä": [3]],
            intKeys: [10: "ten", 9: "nine"], choice: .pair(7, label: "seven"), nested: [[leaf], [], [leaf, leaf]])
        let value = Streamable(shapes: shapes)
        // The streaming path handles it (the Sample above needs the tree for its superEncoder).
        _ = try StreamingJSONEncoder().encode(value)
        #expect(throws: StreamingJSONEncoder.Unsupported.self) {
            try StreamingJSONEncoder().encode(
                Sample(
                    text: "", numbers: [], floats: [], ints: [], small: [], flags: [], missing: nil, null: nil, empty: [],
                    emptyObject: [:], map: [:], intKeys: [:], nested: [], choice: .none))
        }
        try Self.expectSame(value)
        try Self.expectSame([value, value])
        try Self.expectSame(["k": [value]])
        try Self.expectSame(shapes)
    }

    /// `repeatedString` copies the bytes it wrote for an equal string; runs of equal, different
    /// and escaped strings write what `string` writes.
    @Test func repeatedStringsWriteWhatStringWrites() {
        let values = ["a/b.json", "a/b.json", "x\"y\\z\u{1}", "x\"y\\z\u{1}", "a/b.json", "", "", "é\n", "a/b.json"]
        var repeated = CompactJSONWriter()
        var plain = CompactJSONWriter()
        for value in values {
            repeated.repeatedString(value)
            repeated.raw(",")
            plain.string(value)
            plain.raw(",")
        }
        #expect(repeated.bytes == plain.bytes)
        #expect(String(decoding: plain.bytes, as: UTF8.self).hasPrefix(#""a/b.json","a/b.json","x\"y\\z\u0001""#))
    }

    @Test func encodingAtADepthAppendsAndAnErrorAppendsNothing() throws {
        let encoder = StableJSONEncoder(pretty: true)
        var out = Array("[\n  ".utf8)
        try encoder.encode(["b": 1, "a": 2], depth: 1, into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "[\n  {\n    \"a\" : 2,\n    \"b\" : 1\n  }")
        let before = out
        #expect(throws: EncodingError.self) { try encoder.encode(["x": [1, Double.nan]], depth: 1, into: &out) }
        #expect(out == before)
    }

    @Test func nonFiniteNumbersAndSpecialTypesThrow() {
        #expect(throws: EncodingError.self) { try StableJSONEncoder(pretty: false).encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try StableJSONEncoder(pretty: true).encode(["x": Double.infinity]) }
        #expect(throws: EncodingError.self) { try StableJSONEncoder(pretty: false).encode([Date(timeIntervalSince1970: 0)]) }
        #expect(throws: EncodingError.self) { try StableJSONEncoder(pretty: false).encode(Data([1, 2])) }
    }
}

/// ``StableJSONDecoder`` must give back what `JSONDecoder` gives for trialdiff's stored JSON.
@Suite struct StableJSONDecoderTests {
    static func roundTrip<T: Codable & Equatable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        for pretty in [false, true] {
            let bytes = try StableJSONEncoder(pretty: pretty).encode(value)
            let fast = try StableJSONDecoder().decode(T.self, from: Data(bytes))
            let slow = try JSONDecoder().decode(T.self, from: Data(bytes))
            #expect(fast == slow, sourceLocation: sourceLocation)
            #expect(fast == value, sourceLocation: sourceLocation)
        }
    }

    @Test func realLandscapeDecodesAsJSONDecoderDoes() async throws {
        let landscape = await Repo.landscape(["Tests/TestSupport/Fixtures/realdata", "Input"])
        #expect(landscape.trials.count > 100)
        for trial in landscape.trials {
            try Self.roundTrip(trial)
            try Self.roundTrip(trial.records)
        }
        try Self.roundTrip(landscape.findings)
        try Self.roundTrip(landscape.inputs)
        try Self.roundTrip(Snapshot(landscape: landscape, inputs: landscape.inputs.compactMap(\.fingerprint)))
    }

    struct Shapes: Codable, Equatable {
        var text: String
        var numbers: [Double]
        var ints: [Int64]
        var small: [UInt8]
        var flags: [Bool]
        var optional: String?
        var map: [String: [Int]]
        var intKeys: [Int: String]
        var choice: Choice
        var nested: [[Shapes]]

        enum Choice: Codable, Equatable {
            case none
            case pair(Int, label: String)
        }
    }

    @Test func everyShapeDecodesAsJSONDecoderDoes() throws {
        let leaf = Shapes(
            text: "", numbers: [], ints: [], small: [], flags: [], optional: nil, map: [:], intKeys: [:], choice: .none,
            nested: [])
        try Self.roundTrip(
            Shapes(
                text: "quote \" backslash \\ slash / tab \t nl \n nul \u{0} us \u{1f} ≥ 18 µg 🧬",
                numbers: [0, -0.0, 1, 1.5, 0.1, 1e20, 1e-7, 2.5e-300, 1.7976931348623157e308, 36.5],
                ints: [Int64.min, -1, 0, Int64.max], small: [0, 255], flags: [true, false], optional: "set",
                map: ["b": [2], "a": [], "B": [1]], intKeys: [10: "ten", 9: "nine"], choice: .pair(7, label: "seven"),
                nested: [[leaf], [], [leaf, leaf]]))
    }

    @Test func escapesOfOtherEncodersDecode() throws {
        // JSONEncoder's escaped slashes and \u escapes, including a surrogate pair.
        let text = #"["a\/b", "\u00e9\u2265\ud83e\uddec", "x\"y\\z\b\f\r"]"#
        #expect(try StableJSONDecoder().decode([String].self, from: text) == ["a/b", "é≥🧬", "x\"y\\z\u{8}\u{c}\r"])
        #expect(try StableJSONDecoder().decode([String].self, from: text) == JSONDecoder().decode([String].self, from: Data(text.utf8)))
    }

    @Test(arguments: ["", "[", "{\"a\":}", "[1,]", "[1 2]", "\"open", "[\"\\x\"]", "[\"\\ud800\"]", "tru", "[1] x", "{\"a\" 1}"])
    func malformedTextThrows(text: String) {
        #expect(throws: StableJSONDecoder.SyntaxError.self) { try StableJSONDecoder().decode([Int].self, from: text) }
    }

    @Test func wrongShapesThrowDecodingErrors() {
        #expect(throws: DecodingError.self) { try StableJSONDecoder().decode([Int].self, from: #"["1"]"#) }
        #expect(throws: DecodingError.self) { try StableJSONDecoder().decode([UInt8].self, from: "[256]") }
        #expect(throws: DecodingError.self) { try StableJSONDecoder().decode(Shapes.self, from: #"{"text":"x"}"#) }
        #expect(throws: DecodingError.self) { try StableJSONDecoder().decode([String].self, from: "[null]") }
    }
}

/// The eight-bytes-at-a-time string escaper writes what `JSONEncoder` writes: every byte value
/// (and a multi-byte character) at every position of a word and its neighbours.
@Suite struct JSONStringEscapeTests {
    @Test func everyByteAtEveryPositionIsEscapedAsJSONEncoderDoes() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        for special in (0..<0x80).map({ String(UnicodeScalar(UInt8($0))) }) + ["é", "😀", "\u{2028}"] {
            for position in 0..<20 {
                let text = String(repeating: "a", count: position) + special + String(repeating: "b", count: 19 - position)
                var out: [UInt8] = []
                JSONText.appendString(text, to: &out)
                #expect(
                    String(decoding: out, as: UTF8.self) == String(decoding: try encoder.encode(text), as: UTF8.self),
                    "\(special.unicodeScalars.first!.value) at \(position)")
            }
        }
        for word in [UInt64(0x6161_6161_6161_6161), 0x7A7A_7A7A_7A7A_7A7A, 0xFFFF_FFFF_FFFF_FFFF, 0x2121_2121_2121_2121, 0x5B5D_5B5D_5B5D_5B5D] {
            #expect(!JSONText.mayNeedEscape(word), "\(String(word, radix: 16))")
        }
    }
}

/// The parse cache writes an input's summary member by member; it must be the encoder's JSON.
@Suite struct InputSummaryJSONTests {
    static let summaries: [InputSummary] = [
        InputSummary(file: "a.xml", format: .ctgovXML, records: 1),
        InputSummary(file: "dir/é \"quoted\".json", format: .ctgovJSON, records: 3, warnings: ["w\n1", "/slash\\"], sha256: "ab", size: 12),
        InputSummary(file: "x.zip/NCT1.json", format: nil, records: 0, error: "unreadable: \u{1}", warnings: [], sha256: nil, size: 0),
        InputSummary(file: "", format: .ctgovClassicJSON, records: 0, error: nil, warnings: [""], sha256: String(repeating: "f", count: 64)),
    ]

    @Test(arguments: summaries) func cacheJSONIsTheEncodersJSON(_ summary: InputSummary) throws {
        #expect(summary.cacheJSON() == (try StoreJSON.string(summary)))
    }

    @Test func realInputsWriteTheEncodersJSON() async throws {
        let landscape = await Pipeline.landscape(paths: [Repo.realdata.path])
        #expect(landscape.inputs.count > 100)
        for input in landscape.inputs {
            #expect(input.cacheJSON() == (try StoreJSON.string(input)), "\(input.file)")
        }
    }
}
