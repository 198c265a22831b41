import Foundation
import Testing
import TrialCompare
import TrialModel
import TrialSupport

/// ``StreamingJSONEncoder`` writes the parse cache: the same JSON values as
/// ``StableJSONEncoder``, keys in encoding order, and a clear refusal where it cannot stream.
@Suite struct StreamingJSONEncoderTests {
    /// JSON text parsed by Foundation and written again with sorted keys.
    static func canonical(_ bytes: [UInt8]) throws -> Data {
        let object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
        return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .fragmentsAllowed])
    }

    /// The two encoders' output as JSON values: equal when only key order differs.
    static func expectSameJSON<T: Encodable>(_ value: T, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let streamed = try StreamingJSONEncoder().encode(value)
        let sorted = try StableJSONEncoder(pretty: false).encode(value)
        #expect(try canonical(streamed) == canonical(sorted), sourceLocation: sourceLocation)
        #expect(streamed.count == sorted.count, "the same text, reordered", sourceLocation: sourceLocation)
    }

    @Test func realRecordsStreamToTheSameJSONAndDecodeBack() async throws {
        let landscape = await Repo.landscape(["Tests/TestSupport/Fixtures/realdata", "Input"])
        let records = landscape.trials.flatMap(\.records)
        #expect(records.count > 100)
        var reordered = 0
        for record in records {
            try Self.expectSameJSON(record)
            let bytes = try StreamingJSONEncoder().encode(record)
            #expect(try StableJSONDecoder().decode(TrialRecord.self, from: Data(bytes)) == record)
            if bytes != (try StableJSONEncoder(pretty: false).encode(record)) { reordered += 1 }
        }
        // Declaration order is not sorted order: the test compares unlike texts.
        #expect(reordered == records.count)
        let all = try StreamingJSONEncoder().encode(records)
        #expect(try StableJSONDecoder().decode([TrialRecord].self, from: Data(all)) == records)
    }

    /// Encoded in pieces (as the output manifest hashes a change set), the pieces joined are
    /// byte for byte the whole encoding, for pieces of any size; none is much over the size asked.
    @Test(arguments: [1, 7, 500, 64 * 1024])
    func piecesJoinedAreTheWholeEncoding(chunk: Int) async throws {
        let landscape = await Repo.landscape(["Tests/TestSupport/Fixtures/realdata", "Input"])
        let snapshot = Snapshot(landscape: landscape, inputs: landscape.inputs.compactMap(\.fingerprint))
        let changes = ChangeSet(from: nil, to: snapshot)
        #expect(changes.trialsAdded.count > 60 && changes.inputs.added.count > 60)
        let whole = try StreamingJSONEncoder().encode(changes)
        var pieces: [[UInt8]] = []
        try StreamingJSONEncoder().encode(changes, chunk: chunk) { pieces.append($0) }
        #expect(Array(pieces.joined()) == whole)
        #expect(pieces.count > (chunk < whole.count / 4 ? 2 : 0))
        let longestTrialRef = try changes.trialsAdded.map { try StreamingJSONEncoder().encode($0).count }.max() ?? 0
        let longestInput = try changes.inputs.added.map { try StreamingJSONEncoder().encode($0).count }.max() ?? 0
        #expect(pieces.allSatisfy { $0.count < chunk + max(longestTrialRef, longestInput) + 64 })
    }

    @Test func everyShapeRoundTrips() throws {
        typealias Shapes = StableJSONDecoderTests.Shapes
        let leaf = Shapes(
            text: "", numbers: [], ints: [], small: [], flags: [], optional: nil, map: [:], intKeys: [:], choice: .none,
            nested: [])
        let value = Shapes(
            text: "quote \" backslash \\ slash / tab \t nl \n cr \r bs \u{8} ff \u{c} nul \u{0} us \u{1f} del \u{7f} ≥ 18 µg 🧬",
            numbers: [0, -0.0, 1, 1.5, 0.1, 1e20, 1e-7, 2.5e-300, 1.7976931348623157e308, 36.5, 1e16],
            ints: [Int64.min, -1, 0, Int64.max], small: [0, 255], flags: [true, false], optional: "set",
            map: ["b": [2], "a": [], "B": [1]], intKeys: [10: "ten", 9: "nine"], choice: .pair(7, label: "seven"),
            nested: [[leaf], [], [leaf, leaf]])
        try Self.expectSameJSON(value)
        #expect(try StableJSONDecoder().decode(Shapes.self, from: Data(StreamingJSONEncoder().encode(value))) == value)
        #expect(try StableJSONDecoder().decode([Shapes].self, from: Data(StreamingJSONEncoder().encode([value, leaf]))) == [value, leaf])
    }

    @Test func leavesAreWrittenAsTheSortedEncoderWritesThem() throws {
        // Arrays have no keys to reorder: the bytes must be identical.
        let texts = ["quote \" backslash \\ slash / tab \t nl \n nul \u{0} us \u{1f} ≥ é 🧬", "", "plain"]
        let numbers: [Double] = [0, -0.0, 1, 1.5, 0.1, 1e20, 1e-7, 123456789.123, 36.5, 1e16]
        let optionals: [Int?] = [1, nil, -3]
        #expect(try StreamingJSONEncoder().encode(texts) == StableJSONEncoder(pretty: false).encode(texts))
        #expect(try StreamingJSONEncoder().encode(numbers) == StableJSONEncoder(pretty: false).encode(numbers))
        #expect(
            try StreamingJSONEncoder().encode([Float(0.1), 3.4028235e38]) == StableJSONEncoder(pretty: false).encode([Float(0.1), 3.4028235e38]))
        #expect(try StreamingJSONEncoder().encode(optionals) == StableJSONEncoder(pretty: false).encode(optionals))
        #expect(try StreamingJSONEncoder().encode([[Int]](arrayLiteral: [], [1], [])) == Array("[[],[1],[]]".utf8))
        #expect(try StreamingJSONEncoder().encode("top / level") == Array(#""top / level""#.utf8))
        #expect(try StreamingJSONEncoder().encode(42) == Array("42".utf8))
    }

    struct Ordered: Encodable {
        var zulu = 1
        var alpha: String? = nil
        var mike = Empty()
        var bravo: [Empty] = [Empty(), Empty()]
    }

    struct Empty: Encodable {
        func encode(to encoder: any Encoder) throws {}
    }

    struct Nested: Encodable {
        enum Keys: String, CodingKey { case outer, inner, list, after }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            var inner = c.nestedContainer(keyedBy: Keys.self, forKey: .outer)
            try inner.encode(1, forKey: .inner)
            var list = inner.nestedUnkeyedContainer(forKey: .list)
            try list.encode(2)
            var deeper = list.nestedUnkeyedContainer()
            try deeper.encode(3)
            try list.encode(4)
            try c.encode(5, forKey: .after)
        }
    }

    @Test func keysKeepEncodingOrderAndNestedContainersClose() throws {
        // Nil optionals are left out and a value that encodes nothing is an empty object, as in
        // the sorted encoder.
        #expect(String(decoding: try StreamingJSONEncoder().encode(Ordered()), as: UTF8.self) == #"{"zulu":1,"mike":{},"bravo":[{},{}]}"#)
        #expect(String(decoding: try StreamingJSONEncoder().encode(Nested()), as: UTF8.self) == #"{"outer":{"inner":1,"list":[2,[3],4]},"after":5}"#)
        try Self.expectSameJSON(Nested())
    }

    /// Writes to a nested container after its parent moved on: JSON that cannot be streamed.
    struct Interleaved: Encodable {
        enum Keys: String, CodingKey { case a, b, c }
        func encode(to encoder: any Encoder) throws {
            var outer = encoder.container(keyedBy: Keys.self)
            var inner = outer.nestedContainer(keyedBy: Keys.self, forKey: .a)
            try outer.encode(1, forKey: .b)
            try inner.encode(2, forKey: .c)
        }
    }

    struct Super: Encodable {
        enum Keys: String, CodingKey { case a }
        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: Keys.self)
            var single = c.superEncoder().singleValueContainer()
            try? single.encode("swallowed")
            try c.encode(1, forKey: .a)
        }
    }

    @Test func unstreamableValuesThrowUnsupported() throws {
        #expect(throws: StreamingJSONEncoder.Unsupported.self) { try StreamingJSONEncoder().encode(Interleaved()) }
        #expect(throws: StreamingJSONEncoder.Unsupported.self) { try StreamingJSONEncoder().encode([Interleaved()]) }
        // Even when the type swallows the error, the encoder remembers it.
        #expect(throws: StreamingJSONEncoder.Unsupported.self) { try StreamingJSONEncoder().encode(Super()) }
        // The sorted encoder builds a tree, so it handles both.
        #expect(String(decoding: try StableJSONEncoder(pretty: false).encode(Interleaved()), as: UTF8.self) == #"{"a":{"c":2},"b":1}"#)
    }

    @Test func nonFiniteNumbersAndSpecialTypesThrow() {
        #expect(throws: EncodingError.self) { try StreamingJSONEncoder().encode([Double.nan]) }
        #expect(throws: EncodingError.self) { try StreamingJSONEncoder().encode(["x": Double.infinity]) }
        #expect(throws: EncodingError.self) { try StreamingJSONEncoder().encode([Date(timeIntervalSince1970: 0)]) }
        #expect(throws: EncodingError.self) { try StreamingJSONEncoder().encode(Data([1, 2])) }
    }
}
