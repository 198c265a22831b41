import Foundation

/// Decodes the JSON that ``StableJSONEncoder`` (or `JSONEncoder`) writes back into `Decodable`
/// values faster than `JSONDecoder` (1.5× on the stage benchmark of 86 real records; an
/// unchanged 10k-record rerun went from 9.1 s to 6.1 s), for trialdiff's own stored data: parse-cache
/// records and snapshot states, which every scheduled run reads back (the previous snapshot) and
/// an unchanged rerun reads for every input.
///
/// It parses the text into a light tree once and decodes from that; keys are looked up by a
/// linear scan, which beats hashing for the few keys of a model object. Same values as
/// `JSONDecoder` with default strategies for everything built from strings, Booleans,
/// integers, `Double`, `Float`, arrays, dictionaries, optionals and `Codable` structs and
/// enums (tests compare the two on real data). Not meant for registry input: malformed text
/// throws ``StableJSONDecoder/SyntaxError`` with a byte offset, nothing more helpful.
public struct StableJSONDecoder: Sendable {
    /// A decoder; it holds no state, so one can serve any number of threads.
    public init() {}

    /// Why the text is not JSON.
    public struct SyntaxError: Error, CustomStringConvertible {
        /// Byte offset of the problem.
        public let offset: Int
        public let reason: String
        public var description: String { "invalid JSON at byte \(offset): \(reason)" }
    }

    /// A value of `type` from the JSON text in `data`.
    ///
    /// - Throws: ``SyntaxError`` when the text is not JSON; `DecodingError` when it does not fit
    ///   `type` (a missing key, a string where a number belongs, a number out of range).
    public func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        try data.withUnsafeBytes { try decode(type, from: $0) }
    }

    /// A value of `type` from the JSON text `string`; throws as with `Data`.
    public func decode<T: Decodable>(_ type: T.Type, from string: String) throws -> T {
        var string = string
        return try string.withUTF8 { try decode(type, from: UnsafeRawBufferPointer($0)) }
    }

    /// A value of `type` from the UTF-8 JSON text in `bytes`; throws as with `Data`.
    public func decode<T: Decodable>(_ type: T.Type, from bytes: UnsafeRawBufferPointer) throws -> T {
        var parser = JSONTreeParser(bytes: bytes.bindMemory(to: UInt8.self))
        let value = try parser.parseDocument()
        return try JSONTreeDecoder(value: value).decodeValue(type)
    }
}

/// A parsed JSON value. Numbers keep their text and are converted when decoded.
enum JSONTree {
    case null
    case bool(Bool)
    case number(String)
    case string(String)
    case array([JSONTree])
    case object([(key: String, value: JSONTree)])

    var kind: String {
        switch self {
        case .null: "null"
        case .bool: "a Boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

struct JSONTreeParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var i = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func parseDocument() throws -> JSONTree {
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard i == bytes.count else { throw error("text after the JSON value") }
        return value
    }

    private func error(_ reason: String) -> StableJSONDecoder.SyntaxError { .init(offset: i, reason: reason) }

    private mutating func skipWhitespace() {
        while i < bytes.count {
            switch bytes[i] {
            case 0x20, 0x0A, 0x0D, 0x09: i += 1
            default: return
            }
        }
    }

    private mutating func expect(_ literal: StaticString, _ value: JSONTree) throws -> JSONTree {
        let n = literal.utf8CodeUnitCount
        guard i + n <= bytes.count else { throw error("unexpected end") }
        for k in 0..<n where bytes[i + k] != literal.utf8Start[k] { throw error("unknown literal") }
        i += n
        return value
    }

    private mutating func parseValue(depth: Int) throws -> JSONTree {
        guard depth < 512 else { throw error("nested too deeply") }
        skipWhitespace()
        guard i < bytes.count else { throw error("unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: "{"):
            i += 1
            var pairs: [(key: String, value: JSONTree)] = []
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "}") {
                i += 1
                return .object(pairs)
            }
            while true {
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { throw error("expected a key") }
                let key = try parseString()
                skipWhitespace()
                guard i < bytes.count, bytes[i] == UInt8(ascii: ":") else { throw error("expected ':'") }
                i += 1
                pairs.append((key, try parseValue(depth: depth + 1)))
                if try closes(UInt8(ascii: "}")) { return .object(pairs) }
            }
        case UInt8(ascii: "["):
            i += 1
            var items: [JSONTree] = []
            skipWhitespace()
            if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
                i += 1
                return .array(items)
            }
            while true {
                items.append(try parseValue(depth: depth + 1))
                if try closes(UInt8(ascii: "]")) { return .array(items) }
            }
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): return try expect("true", .bool(true))
        case UInt8(ascii: "f"): return try expect("false", .bool(false))
        case UInt8(ascii: "n"): return try expect("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
            let start = i
            i += 1
            while i < bytes.count {
                switch bytes[i] {
                case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "."), UInt8(ascii: "e"), UInt8(ascii: "E"),
                    UInt8(ascii: "+"), UInt8(ascii: "-"):
                    i += 1
                    continue
                default: break
                }
                break
            }
            return .number(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
        default:
            throw error("unexpected character")
        }
    }

    /// After an element of an object or array: consumes a `,` (false: another element follows)
    /// or the closing `close` (true).
    private mutating func closes(_ close: UInt8) throws -> Bool {
        skipWhitespace()
        guard i < bytes.count else { throw error("unexpected end") }
        switch bytes[i] {
        case UInt8(ascii: ","):
            i += 1
            return false
        case close:
            i += 1
            return true
        default:
            throw error("expected ',' or '\(Character(Unicode.Scalar(close)))'")
        }
    }

    /// The string starting at the opening quote at `i`; `i` ends after the closing quote.
    private mutating func parseString() throws -> String {
        i += 1
        let start = i
        while i < bytes.count, bytes[i] != UInt8(ascii: "\""), bytes[i] != UInt8(ascii: "\\") { i += 1 }
        guard i < bytes.count else { throw error("unterminated string") }
        if bytes[i] == UInt8(ascii: "\"") {
            defer { i += 1 }
            return intern(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<i]), as: UTF8.self))
        }
        var out = Array(UnsafeBufferPointer(rebasing: bytes[start..<i]))
        while i < bytes.count {
            let b = bytes[i]
            if b == UInt8(ascii: "\"") {
                i += 1
                return intern(String(decoding: out, as: UTF8.self))
            }
            guard b == UInt8(ascii: "\\") else {
                out.append(b)
                i += 1
                continue
            }
            guard i + 1 < bytes.count else { throw error("unterminated escape") }
            i += 2
            switch bytes[i - 1] {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
            case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try hex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard i + 6 <= bytes.count, bytes[i] == UInt8(ascii: "\\"), bytes[i + 1] == UInt8(ascii: "u") else {
                        throw error("unpaired surrogate")
                    }
                    i += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("unpaired surrogate") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let s = Unicode.Scalar(scalar) else { throw error("invalid escape") }
                UTF8.encode(s) { out.append($0) }
            default: throw error("invalid escape")
            }
        }
        throw error("unterminated string")
    }

    /// Strings seen in this document, by value: a record repeats its file path in every evidence
    /// and each criterion's text as its quote, and the decoded values share one copy instead of
    /// holding one each (shorter strings are stored inline anyway).
    private var seen: Set<String> = []

    private mutating func intern(_ string: String) -> String {
        guard string.utf8.count > 15 else { return string }
        return seen.insert(string).memberAfterInsert
    }

    private mutating func hex4() throws -> UInt32 {
        guard i + 4 <= bytes.count else { throw error("short \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let b = bytes[i]
            let d: UInt8
            switch b {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = b - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = b - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = b - UInt8(ascii: "A") + 10
            default: throw error("invalid \\u escape")
            }
            v = v << 4 | UInt32(d)
            i += 1
        }
        return v
    }
}

/// The `Decoder` over a ``JSONTree``. Coding paths are not tracked (each nested value would pay
/// an array allocation for them): they stay empty, and errors name the key or type instead.
struct JSONTreeDecoder: Decoder {
    let value: JSONTree
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func decodeValue<T: Decodable>(_ type: T.Type) throws -> T {
        if T.self == String.self { return unsafeBitCast(try string(), to: T.self) }
        if T.self == Int.self { return unsafeBitCast(try integer(Int.self), to: T.self) }
        if T.self == Bool.self { return unsafeBitCast(try bool(), to: T.self) }
        if T.self == Double.self { return unsafeBitCast(try floating(Double.self), to: T.self) }
        if T.self == Data.self || T.self == URL.self || T.self == Date.self || T.self == Decimal.self {
            throw DecodingError.typeMismatch(
                T.self, .init(codingPath: codingPath, debugDescription: "StableJSONDecoder does not decode \(T.self) values"))
        }
        return try T(from: self)
    }

    func mismatch(_ type: Any.Type) -> DecodingError {
        .typeMismatch(type, .init(codingPath: codingPath, debugDescription: "Expected \(type) but found \(value.kind) instead."))
    }

    func string() throws -> String {
        guard case let .string(s) = value else { throw mismatch(String.self) }
        return s
    }

    func bool() throws -> Bool {
        guard case let .bool(b) = value else { throw mismatch(Bool.self) }
        return b
    }

    func integer<I: FixedWidthInteger>(_ type: I.Type) throws -> I {
        guard case let .number(text) = value else { throw mismatch(type) }
        if let n = I(text) { return n }
        // JSONDecoder also accepts an integral number written with a fraction or exponent.
        if let d = Double(text), d.rounded() == d, let n = I(exactly: d) { return n }
        throw DecodingError.dataCorrupted(
            .init(codingPath: codingPath, debugDescription: "Number \(text) does not fit in \(type)."))
    }

    func floating<F: BinaryFloatingPoint & LosslessStringConvertible>(_ type: F.Type) throws -> F {
        guard case let .number(text) = value else { throw mismatch(type) }
        guard let f = F(text), f.isFinite else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath, debugDescription: "Number \(text) does not fit in \(type)."))
        }
        return f
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case let .object(pairs) = value else { throw mismatch([String: Any].self) }
        return KeyedDecodingContainer(JSONTreeKeyedContainer<Key>(pairs: pairs))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case let .array(items) = value else { throw mismatch([Any].self) }
        return JSONTreeUnkeyedContainer(items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { JSONTreeSingleValueContainer(decoder: self) }
}

struct JSONTreeKeyedContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let pairs: [(key: String, value: JSONTree)]
    var codingPath: [any CodingKey] { [] }

    var allKeys: [Key] { pairs.compactMap { Key(stringValue: $0.key) } }

    /// The value of `key`; of a key written twice, the last.
    private func find(_ key: Key) -> JSONTree? {
        let name = key.stringValue
        return pairs.last { $0.key == name }?.value
    }

    private func decoder(_ key: Key) throws -> JSONTreeDecoder {
        guard let value = find(key) else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue)."))
        }
        if case .null = value {
            throw DecodingError.valueNotFound(
                Any.self, .init(codingPath: codingPath, debugDescription: "Found null for key \(key.stringValue)."))
        }
        return JSONTreeDecoder(value: value)
    }

    func contains(_ key: Key) -> Bool { find(key) != nil }

    func decodeNil(forKey key: Key) throws -> Bool {
        guard let value = find(key) else {
            throw DecodingError.keyNotFound(
                key, .init(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue)."))
        }
        if case .null = value { return true }
        return false
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard let value = find(key) else { return nil }
        if case .null = value { return nil }
        return try JSONTreeDecoder(value: value).decodeValue(type)
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T { try decoder(key).decodeValue(type) }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try decoder(key).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try decoder(key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        JSONTreeDecoder(value: pairs.last { $0.key == "super" }?.value ?? .null)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        JSONTreeDecoder(value: find(key) ?? .null)
    }
}

struct JSONTreeUnkeyedContainer: UnkeyedDecodingContainer {
    let items: [JSONTree]
    var codingPath: [any CodingKey] { [] }
    var currentIndex = 0
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [JSONTree]) { self.items = items }

    private mutating func next(_ type: Any.Type) throws -> JSONTreeDecoder {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(
                type, .init(codingPath: codingPath, debugDescription: "Unkeyed container is at end."))
        }
        defer { currentIndex += 1 }
        return JSONTreeDecoder(value: items[currentIndex])
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(Any.self, .init(codingPath: codingPath, debugDescription: "Unkeyed container is at end."))
        }
        if case .null = items[currentIndex] {
            currentIndex += 1
            return true
        }
        return false
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        let decoder = try next(type)
        if case .null = decoder.value {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: "Found null."))
        }
        return try decoder.decodeValue(type)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
        try next([String: Any].self).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try next([Any].self).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { try next(Any.self) }
}

struct JSONTreeSingleValueContainer: SingleValueDecodingContainer {
    let decoder: JSONTreeDecoder
    var codingPath: [any CodingKey] { [] }

    func decodeNil() -> Bool {
        if case .null = decoder.value { return true }
        return false
    }

    private func nonNull(_ type: Any.Type) throws -> JSONTreeDecoder {
        if case .null = decoder.value {
            throw DecodingError.valueNotFound(type, .init(codingPath: codingPath, debugDescription: "Found null."))
        }
        return decoder
    }

    func decode(_ type: Bool.Type) throws -> Bool { try nonNull(type).bool() }
    func decode(_ type: String.Type) throws -> String { try nonNull(type).string() }
    func decode(_ type: Double.Type) throws -> Double { try nonNull(type).floating(type) }
    func decode(_ type: Float.Type) throws -> Float { try nonNull(type).floating(type) }
    func decode(_ type: Int.Type) throws -> Int { try nonNull(type).integer(type) }
    func decode(_ type: Int8.Type) throws -> Int8 { try nonNull(type).integer(type) }
    func decode(_ type: Int16.Type) throws -> Int16 { try nonNull(type).integer(type) }
    func decode(_ type: Int32.Type) throws -> Int32 { try nonNull(type).integer(type) }
    func decode(_ type: Int64.Type) throws -> Int64 { try nonNull(type).integer(type) }
    func decode(_ type: UInt.Type) throws -> UInt { try nonNull(type).integer(type) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try nonNull(type).integer(type) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try nonNull(type).integer(type) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try nonNull(type).integer(type) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try nonNull(type).integer(type) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try nonNull(type).decodeValue(type) }
}
