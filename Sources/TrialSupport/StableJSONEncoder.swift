import Foundation

/// Encodes `Encodable` values to exactly the bytes Foundation's `JSONEncoder` writes with
/// `outputFormatting` `[.sortedKeys, .withoutEscapingSlashes]` (plus `.prettyPrinted` when
/// ``pretty`` is set) and default strategies, faster: 1.8× on the stage benchmark
/// (`Benchmarks/`, 86 real records), and a 10k-record `trials.json` run went from 26.2 s to 20.2 s.
///
/// Why it exists: every document trialdiff writes (`trials.json`, `findings.json`,
/// `changes.json`) and every record it stores (parse cache, snapshot states) is sorted-key JSON,
/// and for a registry dump `JSONEncoder` was a quarter of the run: it tracks coding paths, checks
/// every value for special types and builds dictionaries it then sorts. This encoder writes
/// each value as its encode calls arrive and, when an object closes, moves its members' bytes
/// into key order (``JSONStream``); a value whose containers are not used in nested order is
/// built as a light tree and written once. The bytes are the same, so stored state hashes and
/// the documents' text do not change (tests compare the two encoders on real data).
///
/// Supported: everything built from strings, Booleans, integers, `Double`, `Float`, arrays,
/// dictionaries, optionals and `Codable` structs and enums. `Data`, `URL`, `Date` and `Decimal`,
/// which `JSONEncoder` special-cases, throw ``EncodingError`` instead of being written
/// differently; non-finite numbers throw as with `JSONEncoder`'s default strategy.
public struct StableJSONEncoder: Sendable {
    /// Pretty-printed (two-space indent, `" : "` between key and value) instead of compact.
    public var pretty: Bool

    public init(pretty: Bool) { self.pretty = pretty }

    /// The JSON bytes of `value`.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        var out: [UInt8] = []
        try encode(value, depth: 0, into: &out)
        return out
    }

    /// Appends the JSON bytes of `value` to `out` as the value appears nested `depth` levels
    /// deep in a pretty-printed document (its closing bracket and inner lines indented for that
    /// depth; the first line is not indented). `depth` has no effect when not ``pretty``.
    /// On error nothing is appended.
    public func encode<T: Encodable>(_ value: T, depth: Int, into out: inout [UInt8]) throws {
        // Streamed, each object's members sorted when it closes; a value whose containers are
        // not used in nested order (or that asks for a superEncoder) is built as a tree instead.
        let mark = out.count
        let stream = JSONStream(sorted: true, pretty: pretty, baseDepth: depth)
        swap(&stream.out, &out)
        defer { swap(&stream.out, &out) }
        do {
            try stream.value(value)
            stream.close(to: 0)
            if let failure = stream.failure { throw failure }
            return
        } catch is StreamingJSONEncoder.Unsupported {
            stream.out.removeSubrange(mark...)
        } catch {
            stream.out.removeSubrange(mark...)
            throw error
        }
        let node = try JSONNode.wrap(value)
        var writer = JSONNodeWriter(pretty: pretty, out: [])
        swap(&writer.out, &stream.out)
        writer.write(node, depth: depth)
        swap(&writer.out, &stream.out)
    }
}

/// The encoded form of a value, before it is written.
enum JSONNode {
    case string(String)
    case number(String)
    case bool(Bool)
    case null
    case array(JSONArrayBox)
    case object(JSONObjectBox)
    /// A value encoded through a `superEncoder`, filled in after the container asked for it.
    case deferred(JSONTreeEncoder)

    static func wrap<T: Encodable>(_ value: T) throws -> JSONNode {
        // The common leaves by type identity: a metadata comparison instead of a dynamic cast.
        if T.self == String.self { return .string(unsafeBitCast(value, to: String.self)) }
        if T.self == Int.self { return .number(String(unsafeBitCast(value, to: Int.self))) }
        if T.self == Bool.self { return .bool(unsafeBitCast(value, to: Bool.self)) }
        if T.self == Double.self { return try number(unsafeBitCast(value, to: Double.self)) }
        try JSONText.rejectSpecialTypes(value)
        let encoder = JSONTreeEncoder()
        try value.encode(to: encoder)
        return encoder.node ?? .object(JSONObjectBox())
    }

    static func number<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) throws -> JSONNode {
        .number(try JSONText.number(value))
    }
}

final class JSONArrayBox {
    var items: [JSONNode] = []
}

final class JSONObjectBox {
    var pairs: [(key: String, value: JSONNode)] = []
}

/// The `Encoder` that builds a ``JSONNode``. Coding paths are not tracked (each nested value
/// would pay an array allocation for them): they stay empty, and errors name the type instead.
final class JSONTreeEncoder: Encoder {
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    var node: JSONNode?

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if case let .object(box) = node { return KeyedEncodingContainer(JSONKeyedContainer(box: box)) }
        let box = JSONObjectBox()
        node = .object(box)
        return KeyedEncodingContainer(JSONKeyedContainer(box: box))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if case let .array(box) = node { return JSONUnkeyedContainer(box: box) }
        let box = JSONArrayBox()
        node = .array(box)
        return JSONUnkeyedContainer(box: box)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { JSONSingleValueContainer(encoder: self) }
}

struct JSONKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let box: JSONObjectBox
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws { box.pairs.append((key.stringValue, .null)) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { box.pairs.append((key.stringValue, .bool(value))) }
    mutating func encode(_ value: String, forKey key: Key) throws { box.pairs.append((key.stringValue, .string(value))) }
    mutating func encode(_ value: Int, forKey key: Key) throws { box.pairs.append((key.stringValue, .number(String(value)))) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { box.pairs.append((key.stringValue, .number(String(value)))) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { box.pairs.append((key.stringValue, .number(String(value)))) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { box.pairs.append((key.stringValue, .number(String(value)))) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { box.pairs.append((key.stringValue, .number(String(value)))) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { box.pairs.append((key.stringValue, .number(String(value)))) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { box.pairs.append((key.stringValue, .number(String(value)))) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { box.pairs.append((key.stringValue, .number(String(value)))) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { box.pairs.append((key.stringValue, .number(String(value)))) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { box.pairs.append((key.stringValue, .number(String(value)))) }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        box.pairs.append((key.stringValue, try JSONNode.number(value)))
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        box.pairs.append((key.stringValue, try JSONNode.number(value)))
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        box.pairs.append((key.stringValue, try JSONNode.wrap(value)))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectBox()
        box.pairs.append((key.stringValue, .object(nested)))
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(box: nested))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        box.pairs.append((key.stringValue, .array(nested)))
        return JSONUnkeyedContainer(box: nested)
    }

    mutating func superEncoder() -> any Encoder { superEncoder(named: "super") }

    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder(named: key.stringValue) }

    private func superEncoder(named name: String) -> any Encoder {
        let encoder = JSONTreeEncoder()
        box.pairs.append((name, .deferred(encoder)))
        return encoder
    }
}

struct JSONUnkeyedContainer: UnkeyedEncodingContainer {
    let box: JSONArrayBox
    var codingPath: [any CodingKey] { [] }
    var count: Int { box.items.count }

    mutating func encodeNil() throws { box.items.append(.null) }
    mutating func encode(_ value: Bool) throws { box.items.append(.bool(value)) }
    mutating func encode(_ value: String) throws { box.items.append(.string(value)) }
    mutating func encode(_ value: Int) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Int8) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Int16) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Int32) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Int64) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt8) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt16) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt32) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: UInt64) throws { box.items.append(.number(String(value))) }
    mutating func encode(_ value: Double) throws { box.items.append(try JSONNode.number(value)) }
    mutating func encode(_ value: Float) throws { box.items.append(try JSONNode.number(value)) }
    mutating func encode<T: Encodable>(_ value: T) throws { box.items.append(try JSONNode.wrap(value)) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectBox()
        box.items.append(.object(nested))
        return KeyedEncodingContainer(JSONKeyedContainer<NestedKey>(box: nested))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = JSONArrayBox()
        box.items.append(.array(nested))
        return JSONUnkeyedContainer(box: nested)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = JSONTreeEncoder()
        box.items.append(.deferred(encoder))
        return encoder
    }
}

struct JSONSingleValueContainer: SingleValueEncodingContainer {
    let encoder: JSONTreeEncoder
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { encoder.node = .null }
    mutating func encode(_ value: Bool) throws { encoder.node = .bool(value) }
    mutating func encode(_ value: String) throws { encoder.node = .string(value) }
    mutating func encode(_ value: Int) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int8) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int16) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int32) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Int64) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt8) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt16) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt32) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: UInt64) throws { encoder.node = .number(String(value)) }
    mutating func encode(_ value: Double) throws { encoder.node = try JSONNode.number(value) }
    mutating func encode(_ value: Float) throws { encoder.node = try JSONNode.number(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { encoder.node = try JSONNode.wrap(value) }
}

/// Writes a ``JSONNode`` as `JSONEncoder` would: keys sorted by their UTF-8 bytes (the last
/// value wins when a key was encoded twice), `"`, `\` and control characters escaped (`\b`,
/// `\f`, `\n`, `\r`, `\t`, else `\u00xx`), slashes and non-ASCII text as they are.
struct JSONNodeWriter {
    let pretty: Bool
    var out: [UInt8]

    mutating func write(_ node: JSONNode, depth: Int) {
        switch node {
        case let .string(s): JSONText.appendString(s, to: &out)
        case let .number(n): out += n.utf8
        case let .bool(b): out += (b ? "true" : "false").utf8
        case .null: out += "null".utf8
        case let .deferred(encoder): write(encoder.node ?? .object(JSONObjectBox()), depth: depth)
        case let .array(box):
            out.append(UInt8(ascii: "["))
            if pretty { out.append(UInt8(ascii: "\n")) }
            for (i, item) in box.items.enumerated() {
                if i > 0 { pretty ? (out += ",\n".utf8) : out.append(UInt8(ascii: ",")) }
                if pretty { indent(depth + 1) }
                write(item, depth: depth + 1)
            }
            if pretty {
                out.append(UInt8(ascii: "\n"))
                indent(depth)
            }
            out.append(UInt8(ascii: "]"))
        case let .object(box):
            out.append(UInt8(ascii: "{"))
            if pretty { out.append(UInt8(ascii: "\n")) }
            var first = true
            for pair in Self.sorted(box.pairs) {
                if !first { pretty ? (out += ",\n".utf8) : out.append(UInt8(ascii: ",")) }
                first = false
                if pretty { indent(depth + 1) }
                JSONText.appendString(pair.key, to: &out)
                pretty ? (out += " : ".utf8) : out.append(UInt8(ascii: ":"))
                write(pair.value, depth: depth + 1)
            }
            if pretty {
                out.append(UInt8(ascii: "\n"))
                indent(depth)
            }
            out.append(UInt8(ascii: "}"))
        }
    }

    /// Pairs by key bytes; of pairs with the same key, the last encoded.
    static func sorted(_ pairs: [(key: String, value: JSONNode)]) -> [(key: String, value: JSONNode)] {
        JSONText.keyOrder(pairs.map(\.key)).map { pairs[$0] }
    }

    private mutating func indent(_ depth: Int) {
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }
}

/// JSON text shared by ``StableJSONEncoder`` and ``StreamingJSONEncoder``.
enum JSONText {
    /// Appends `string` quoted as `JSONEncoder` writes it: `"`, `\` and control characters
    /// escaped (`\b`, `\f`, `\n`, `\r`, `\t`, else `\u00xx`), slashes and non-ASCII text as they are.
    static func appendString(_ string: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        var string = string
        string.withUTF8 { bytes in
            var mark = 0
            var i = 0
            let n = bytes.count
            let raw = UnsafeRawBufferPointer(bytes)
            while i < n {
                // Eight bytes at a time while none needs escaping (most text has none).
                if i + 8 <= n, !mayNeedEscape(raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) {
                    i += 8
                    continue
                }
                let b = bytes[i]
                i += 1
                guard b < 0x20 || b == UInt8(ascii: "\"") || b == UInt8(ascii: "\\") else { continue }
                out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[mark..<(i - 1)]))
                mark = i
                out.append(UInt8(ascii: "\\"))
                switch b {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"): out.append(b)
                case 0x08: out.append(UInt8(ascii: "b"))
                case 0x0C: out.append(UInt8(ascii: "f"))
                case 0x0A: out.append(UInt8(ascii: "n"))
                case 0x0D: out.append(UInt8(ascii: "r"))
                case 0x09: out.append(UInt8(ascii: "t"))
                default:
                    out += "u00".utf8
                    out.append(hex[Int(b >> 4)])
                    out.append(hex[Int(b & 0x0F)])
                }
            }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[mark...]))
        }
        out.append(UInt8(ascii: "\""))
    }

    private static let hex: [UInt8] = Array("0123456789abcdef".utf8)

    /// Whether any of the eight bytes of `word` is a control character (its top three bits
    /// clear), `"` or `\\`: ``ByteWord``'s exact zero-byte test on three masks.
    @inline(__always) static func mayNeedEscape(_ word: UInt64) -> Bool {
        let ones = ByteWord.ones
        return ByteWord.zeroBytes(word & (0xE0 &* ones)) | ByteWord.zeroBytes(word ^ (0x22 &* ones))
            | ByteWord.zeroBytes(word ^ (0x5C &* ones)) != 0
    }

    /// A floating-point number as `JSONEncoder` writes it (`36.5`, `100`, `1e+20`); non-finite
    /// numbers throw, as with its default strategy.
    static func number<F: BinaryFloatingPoint & LosslessStringConvertible>(_ value: F) throws -> String {
        guard value.isFinite else {
            throw EncodingError.invalidValue(
                value, .init(codingPath: [], debugDescription: "Unable to encode \(F.self).\(value) directly in JSON."))
        }
        var text = value.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        return text
    }

    /// Throws for the types `JSONEncoder` writes its own way (`Data`, `URL`, `Date`, `Decimal`),
    /// which trialdiff's encoders refuse rather than write differently.
    static func rejectSpecialTypes<T>(_ value: T) throws {
        if T.self == Data.self || T.self == URL.self || T.self == Date.self || T.self == Decimal.self {
            throw EncodingError.invalidValue(
                value, .init(codingPath: [], debugDescription: "trialdiff's JSON encoders do not encode \(T.self) values"))
        }
    }

    /// The order in which `JSONEncoder`'s `.sortedKeys` writes an object's members: indices of
    /// `keys` sorted by key bytes, and of a key written more than once only the last.
    static func keyOrder(_ keys: [String]) -> [Int] {
        let order = keys.indices.sorted { a, b in
            if keys[a] == keys[b] { return a < b }
            return keys[a].utf8.lexicographicallyPrecedes(keys[b].utf8)
        }
        var kept: [Int] = []
        kept.reserveCapacity(order.count)
        for i in order {
            if let last = kept.last, keys[last] == keys[i] { kept[kept.count - 1] = i } else { kept.append(i) }
        }
        return kept
    }
}

/// Compact JSON written member by member by a type that knows its own keys, for the few values
/// written so often that `Encoder`'s generic containers would be most of the cost (a run's
/// trial states, the parse cache's records). A writer must give exactly the bytes an encoder
/// gives for the same value: `StableJSONEncoder(pretty: false)` (members in sorted key order) for
/// states, `StreamingJSONEncoder.encodeAnyOrder` (members in declaration order) for records; its
/// tests compare the two.
public struct CompactJSONWriter: Sendable {
    /// The JSON written so far.
    public var bytes: [UInt8] { storage }
    /// `bytes`, written by the inlinable members (which the writers in other modules specialize:
    /// through generic calls, arrays and their closures were a tenth of writing a record).
    @usableFromInline var storage: [UInt8] = []

    public init() {}

    /// Appends literal JSON syntax (brackets, commas, quoted keys with their colons).
    @inlinable public mutating func raw(_ syntax: StaticString) {
        syntax.withUTF8Buffer { storage.append(contentsOf: $0) }
    }

    /// Appends `string` quoted and escaped as `StableJSONEncoder` writes it.
    public mutating func string(_ string: String) { JSONText.appendString(string, to: &storage) }

    /// The last string ``repeatedString(_:)`` wrote, and its bytes as written.
    private var repeated: (string: String, bytes: [UInt8])?

    /// ``string(_:)`` for a value that mostly repeats the one before it (every evidence of a
    /// record names the same file): an equal string's written bytes are copied, not escaped again.
    public mutating func repeatedString(_ string: String) {
        if let repeated, repeated.string == string {
            storage.append(contentsOf: repeated.bytes)
            return
        }
        let start = storage.count
        JSONText.appendString(string, to: &storage)
        repeated = (string, Array(storage[start...]))
    }

    /// Appends `value` in decimal, as the encoders write an `Int`.
    public mutating func integer(_ value: Int) { storage += String(value).utf8 }

    /// Appends `value` as the encoders write a `Double` (shortest round-trip digits, no ".0");
    /// throws for infinities and NaN, as they do.
    public mutating func number(_ value: Double) throws { storage += try JSONText.number(value).utf8 }

    /// Appends `items` as a JSON array, each written by `write`.
    @inlinable public mutating func array<C: Collection>(
        _ items: C, _ write: (inout CompactJSONWriter, C.Element) throws -> Void
    ) rethrows {
        raw("[")
        var first = true
        for item in items {
            if !first { raw(",") }
            first = false
            try write(&self, item)
        }
        raw("]")
    }
}
