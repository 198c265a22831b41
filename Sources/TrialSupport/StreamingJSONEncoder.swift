import Foundation

/// Encodes `Encodable` values to compact JSON as the encode calls arrive: no tree is built and
/// keys are written in the order they are encoded, not sorted.
///
/// Why it exists: the parse cache stores every record a first run extracts, and only trialdiff's
/// own decoder reads it back, which does not care about key order. Building
/// ``StableJSONEncoder``'s tree (one box per object, one node per value) and then sorting every
/// object's keys was 9% of a first run's CPU time; writing straight into the output skips both.
/// Documents and stored states, whose bytes are compared or hashed, keep ``StableJSONEncoder``.
///
/// Strings, numbers, `null` and escapes are written exactly as ``StableJSONEncoder`` writes them.
/// Key order is the order of the `encode` calls, which for synthesized `Codable` conformances is
/// declaration order; for a `Dictionary` it is the dictionary's own (per-process) order.
///
/// Streaming needs containers used in nested order: once a container's parent (or an earlier
/// sibling) is written to again, the container is closed. A type that writes to a closed
/// container, or asks for a `superEncoder`, makes ``encode(_:)`` throw ``Unsupported``; callers
/// fall back to ``StableJSONEncoder`` (`StoreJSON.encodeUnsorted` does). `Data`, `URL`, `Date`
/// and `Decimal` throw `EncodingError` as with ``StableJSONEncoder``.
public struct StreamingJSONEncoder: Sendable {
    /// The value's encoding used its containers out of nested order (or a `superEncoder`).
    public struct Unsupported: Error, CustomStringConvertible {
        public var reason: String
        public var description: String { "StreamingJSONEncoder cannot stream this value: \(reason)" }
    }

    public init() {}

    /// The compact JSON bytes of `value`.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let stream = JSONStream(sorted: false, pretty: false, baseDepth: 0)
        stream.out.reserveCapacity(16 * 1024)
        try stream.value(value)
        stream.close(to: 0)
        if let failure = stream.failure { throw failure }
        return stream.out
    }

    /// Encodes `value` as ``encode(_:)`` does, but hands the bytes to `sink` in pieces of about
    /// `chunk` bytes instead of returning them whole, so that hashing a baseline change set of
    /// 100k trials and inputs never holds its 34 MB of JSON. The pieces, joined, are exactly
    /// ``encode(_:)``'s bytes. When it throws, pieces already handed over are not taken back.
    public func encode<T: Encodable>(_ value: T, chunk: Int = 64 * 1024, into sink: ([UInt8]) -> Void) throws {
        let stream = JSONStream(sorted: false, pretty: false, baseDepth: 0)
        stream.out.reserveCapacity(min(chunk, 16 * 1024) + 1024)
        try withoutActuallyEscaping(sink) { sink in
            stream.drain = (max(1, chunk), sink)
            defer { stream.drain = nil }
            try stream.value(value)
            stream.close(to: 0)
            if let failure = stream.failure { throw failure }
            if !stream.out.isEmpty { sink(stream.out) }
        }
    }

    /// Compact JSON of `value` with keys in encoding order, for what only trialdiff's decoder
    /// reads back (the parse cache, the record spill): streamed, or written by the sorted
    /// ``StableJSONEncoder`` when the value cannot be streamed.
    public static func encodeAnyOrder<T: Encodable>(_ value: T) throws -> [UInt8] {
        do {
            return try StreamingJSONEncoder().encode(value)
        } catch is Unsupported {
            return try StableJSONEncoder(pretty: false).encode(value)
        }
    }
}

/// The output and the containers open in it, innermost last. Compact and unsorted for
/// ``StreamingJSONEncoder``; ``StableJSONEncoder`` sets `sorted` (each object's members are
/// put in key order when it closes) and `pretty`.
///
/// The stream is confined to one `encode` call on one thread, and no access to its arrays
/// overlaps another, so they skip the runtime's exclusivity checks (they cost a tenth of the
/// encoding time).
final class JSONStream {
    @exclusivity(unchecked) var out: [UInt8] = []
    /// The open containers, outermost first.
    @exclusivity(unchecked) private var open: [OpenContainer] = []
    private var nextID = 0
    /// Sort each object's members by key bytes (the last of a repeated key wins), as
    /// `JSONEncoder`'s `.sortedKeys` does.
    let sorted: Bool
    /// `JSONEncoder`'s `.prettyPrinted` layout: two-space indents, `" : "` after keys.
    let pretty: Bool
    /// The nesting depth of the value being encoded, for pretty indentation.
    let baseDepth: Int
    /// The first misuse; the stream keeps going (some `Encoder` methods cannot throw) but its
    /// output is discarded.
    var failure: StreamingJSONEncoder.Unsupported?
    /// Unsorted streams only: once `out` holds `threshold` bytes, they go to `sink` and `out` is
    /// emptied (nothing refers back into an unsorted stream's output).
    var drain: (threshold: Int, sink: ([UInt8]) -> Void)?

    /// An open object or array.
    struct OpenContainer {
        var isObject: Bool
        var id: Int
        var count = 0
        /// Where the first member starts (after `{` and, pretty, its line break).
        var bodyStart: Int
        /// Sorted objects: each member's key and start, and whether keys came in order so far.
        var members: [(key: String, start: Int)] = []
        var inOrder = true
    }

    init(sorted: Bool, pretty: Bool, baseDepth: Int) {
        self.sorted = sorted
        self.pretty = pretty
        self.baseDepth = baseDepth
    }

    /// How many containers are open.
    var depth: Int { open.count }

    /// Opens an object (`{`) or array (`[`) and returns its handle.
    func open(object: Bool) -> JSONFrame {
        out.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        if pretty { out.append(UInt8(ascii: "\n")) }
        nextID += 1
        open.append(OpenContainer(isObject: object, id: nextID, bodyStart: out.count))
        return JSONFrame(depth: open.count, id: nextID)
    }

    /// Closes every container deeper than `depth`.
    func close(to depth: Int) {
        while open.count > depth {
            let container = open.removeLast()
            if sorted, container.isObject, !container.inOrder { sortMembers(of: container) }
            if pretty {
                out.append(UInt8(ascii: "\n"))
                indent(baseDepth + open.count)
            }
            out.append(container.isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    /// Rewrites the members of `container` (everything since its body started) in key order,
    /// keeping the last of a repeated key. Members are self-contained text, so they move as they are.
    private func sortMembers(of container: OpenContainer) {
        let members = container.members
        let separator = pretty ? 2 : 1
        let ends = members.indices.map { i in i + 1 < members.count ? members[i + 1].start - separator : out.count }
        let kept = JSONText.keyOrder(members.map(\.key))
        let body = Array(out[container.bodyStart...])
        out.removeSubrange(container.bodyStart...)
        for (n, i) in kept.enumerated() {
            if n > 0 { appendSeparator() }
            out += body[(members[i].start - container.bodyStart)..<(ends[i] - container.bodyStart)]
        }
    }

    private func appendSeparator() {
        out.append(UInt8(ascii: ","))
        if pretty { out.append(UInt8(ascii: "\n")) }
    }

    private func indent(_ depth: Int) {
        out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: 2 * depth))
    }

    func fail(_ reason: String) {
        if failure == nil { failure = StreamingJSONEncoder.Unsupported(reason: reason) }
    }

    /// Starts the next element of `frame`: closes what was opened inside its previous element
    /// and writes the separator (and, pretty, the indent). Throws when `frame` was already closed.
    func element(of frame: JSONFrame) throws {
        guard frame.depth >= 1, frame.depth <= open.count, open[frame.depth - 1].id == frame.id else {
            fail("a container was written to after a later one")
            throw failure!
        }
        close(to: frame.depth)
        if let drain, !sorted, out.count >= drain.threshold {
            drain.sink(out)
            out.removeAll(keepingCapacity: true)
        }
        if open[frame.depth - 1].count > 0 { appendSeparator() }
        open[frame.depth - 1].count += 1
        if pretty { indent(baseDepth + frame.depth) }
    }

    func key(_ key: String, in frame: JSONFrame) throws {
        try element(of: frame)
        if sorted {
            let start = out.count - (pretty ? 2 * (baseDepth + frame.depth) : 0)
            let i = frame.depth - 1
            if let previous = open[i].members.last?.key, !previous.utf8.lexicographicallyPrecedes(key.utf8) {
                open[i].inOrder = false
            }
            open[i].members.append((key, start))
        }
        JSONText.appendString(key, to: &out)
        if pretty { out += " : ".utf8 } else { out.append(UInt8(ascii: ":")) }
    }

    func string(_ s: String) { JSONText.appendString(s, to: &out) }
    func integer<I: BinaryInteger>(_ i: I) { out += String(i).utf8 }
    func bool(_ b: Bool) { out += (b ? "true" : "false").utf8 }
    func null() { out += "null".utf8 }

    func number<F: BinaryFloatingPoint & LosslessStringConvertible>(_ f: F) throws { out += try JSONText.number(f).utf8 }

    /// Writes `value` at the current position: leaves directly, anything else through its
    /// `encode(to:)` with a fresh encoder; a value that encodes nothing is an empty object.
    func value<T: Encodable>(_ value: T) throws {
        if T.self == String.self { return string(unsafeBitCast(value, to: String.self)) }
        if T.self == Int.self { return integer(unsafeBitCast(value, to: Int.self)) }
        if T.self == Bool.self { return bool(unsafeBitCast(value, to: Bool.self)) }
        if T.self == Double.self { return try number(unsafeBitCast(value, to: Double.self)) }
        try JSONText.rejectSpecialTypes(value)
        let base = depth
        let encoder = JSONStreamEncoder(stream: self)
        try value.encode(to: encoder)
        if let failure { throw failure }
        if encoder.state == .empty { _ = open(object: true) }
        close(to: base)
    }
}

/// An open container: its depth (1 for the outermost) and its id.
struct JSONFrame {
    var depth: Int
    var id: Int

    /// The handle of a container that could not be opened: every write to it throws.
    static let closed = JSONFrame(depth: 0, id: 0)
}

/// The `Encoder` for one value of a ``JSONStream``.
final class JSONStreamEncoder: Encoder {
    /// What the value has written: nothing yet, an object, an array or a single value.
    enum State {
        case empty, keyed, unkeyed, single
    }

    let stream: JSONStream
    var state: State = .empty
    private var frame = JSONFrame.closed
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    init(stream: JSONStream) { self.stream = stream }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        switch state {
        case .empty:
            frame = stream.open(object: true)
            state = .keyed
        case .keyed: break  // asked again (e.g. by a superclass): the same object
        case .unkeyed, .single:
            stream.fail("a keyed container after another kind of value")
            return KeyedEncodingContainer(JSONStreamKeyedContainer<Key>(stream: stream, frame: .closed))
        }
        return KeyedEncodingContainer(JSONStreamKeyedContainer<Key>(stream: stream, frame: frame))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        switch state {
        case .empty:
            frame = stream.open(object: false)
            state = .unkeyed
        case .unkeyed: break
        case .keyed, .single:
            stream.fail("an unkeyed container after another kind of value")
            return JSONStreamUnkeyedContainer(stream: stream, frame: .closed)
        }
        return JSONStreamUnkeyedContainer(stream: stream, frame: frame)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { JSONStreamSingleContainer(encoder: self) }
}

struct JSONStreamKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let stream: JSONStream
    let frame: JSONFrame
    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil(forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.null()
    }
    mutating func encode(_ value: Bool, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.bool(value)
    }
    mutating func encode(_ value: String, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.string(value)
    }
    mutating func encode(_ value: Int, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.integer(value)
    }
    mutating func encode(_ value: Int8, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.integer(value)
    }
    mutating func encode(_ value: Int16, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.integer(value)
    }
    mutating func encode(_ value: Int32, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.integer(value)
    }
    mutating func encode(_ value: Int64, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.integer(value)
    }
    mutating func encode(_ value: UInt, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.integer(value)
    }
    mutating func encode(_ value: UInt8, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.integer(value)
    }
    mutating func encode(_ value: UInt16, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.integer(value)
    }
    mutating func encode(_ value: UInt32, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.integer(value)
    }
    mutating func encode(_ value: UInt64, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        stream.integer(value)
    }
    mutating func encode(_ value: Double, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        try stream.number(value)
    }
    mutating func encode(_ value: Float, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        try stream.number(value)
    }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        try stream.key(key.stringValue, in: frame)
        try stream.value(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = (try? stream.key(key.stringValue, in: frame)).map { stream.open(object: true) }
        return KeyedEncodingContainer(JSONStreamKeyedContainer<NestedKey>(stream: stream, frame: nested ?? .closed))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = (try? stream.key(key.stringValue, in: frame)).map { stream.open(object: false) }
        return JSONStreamUnkeyedContainer(stream: stream, frame: nested ?? .closed)
    }

    mutating func superEncoder() -> any Encoder { stream.unsupportedSuperEncoder() }
    mutating func superEncoder(forKey key: Key) -> any Encoder { stream.unsupportedSuperEncoder() }
}

struct JSONStreamUnkeyedContainer: UnkeyedEncodingContainer {
    let stream: JSONStream
    let frame: JSONFrame
    var codingPath: [any CodingKey] { [] }
    private(set) var count = 0

    init(stream: JSONStream, frame: JSONFrame) {
        self.stream = stream
        self.frame = frame
    }

    private mutating func next() throws {
        try stream.element(of: frame)
        count += 1
    }

    mutating func encodeNil() throws {
        try next()
        stream.null()
    }
    mutating func encode(_ value: Bool) throws {
        try next()
        stream.bool(value)
    }
    mutating func encode(_ value: String) throws {
        try next()
        stream.string(value)
    }
    mutating func encode(_ value: Int) throws {
        try next()
        stream.integer(value)
    }
    mutating func encode(_ value: Int8) throws {
        try next()
        stream.integer(value)
    }
    mutating func encode(_ value: Int16) throws {
        try next()
        stream.integer(value)
    }
    mutating func encode(_ value: Int32) throws {
        try next()
        stream.integer(value)
    }
    mutating func encode(_ value: Int64) throws {
        try next()
        stream.integer(value)
    }
    mutating func encode(_ value: UInt) throws {
        try next()
        stream.integer(value)
    }
    mutating func encode(_ value: UInt8) throws {
        try next()
        stream.integer(value)
    }
    mutating func encode(_ value: UInt16) throws {
        try next()
        stream.integer(value)
    }
    mutating func encode(_ value: UInt32) throws {
        try next()
        stream.integer(value)
    }
    mutating func encode(_ value: UInt64) throws {
        try next()
        stream.integer(value)
    }
    mutating func encode(_ value: Double) throws {
        try next()
        try stream.number(value)
    }
    mutating func encode(_ value: Float) throws {
        try next()
        try stream.number(value)
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try next()
        try stream.value(value)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = (try? next()).map { stream.open(object: true) }
        return KeyedEncodingContainer(JSONStreamKeyedContainer<NestedKey>(stream: stream, frame: nested ?? .closed))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = (try? next()).map { stream.open(object: false) }
        return JSONStreamUnkeyedContainer(stream: stream, frame: nested ?? .closed)
    }

    mutating func superEncoder() -> any Encoder { stream.unsupportedSuperEncoder() }
}

struct JSONStreamSingleContainer: SingleValueEncodingContainer {
    let encoder: JSONStreamEncoder
    var codingPath: [any CodingKey] { [] }

    /// A single value may be written once, into an encoder that holds nothing else.
    private func begin() throws {
        guard encoder.state == .empty else {
            encoder.stream.fail("a second value in a single-value container")
            throw encoder.stream.failure!
        }
        encoder.state = .single
    }

    mutating func encodeNil() throws {
        try begin()
        encoder.stream.null()
    }
    mutating func encode(_ value: Bool) throws {
        try begin()
        encoder.stream.bool(value)
    }
    mutating func encode(_ value: String) throws {
        try begin()
        encoder.stream.string(value)
    }
    mutating func encode(_ value: Int) throws {
        try begin()
        encoder.stream.integer(value)
    }
    mutating func encode(_ value: Int8) throws {
        try begin()
        encoder.stream.integer(value)
    }
    mutating func encode(_ value: Int16) throws {
        try begin()
        encoder.stream.integer(value)
    }
    mutating func encode(_ value: Int32) throws {
        try begin()
        encoder.stream.integer(value)
    }
    mutating func encode(_ value: Int64) throws {
        try begin()
        encoder.stream.integer(value)
    }
    mutating func encode(_ value: UInt) throws {
        try begin()
        encoder.stream.integer(value)
    }
    mutating func encode(_ value: UInt8) throws {
        try begin()
        encoder.stream.integer(value)
    }
    mutating func encode(_ value: UInt16) throws {
        try begin()
        encoder.stream.integer(value)
    }
    mutating func encode(_ value: UInt32) throws {
        try begin()
        encoder.stream.integer(value)
    }
    mutating func encode(_ value: UInt64) throws {
        try begin()
        encoder.stream.integer(value)
    }
    mutating func encode(_ value: Double) throws {
        try begin()
        try encoder.stream.number(value)
    }
    mutating func encode(_ value: Float) throws {
        try begin()
        try encoder.stream.number(value)
    }
    mutating func encode<T: Encodable>(_ value: T) throws {
        try begin()
        try encoder.stream.value(value)
    }
}

extension JSONStream {
    /// `superEncoder` writes a value whose place is decided after later keys: not streamable.
    func unsupportedSuperEncoder() -> any Encoder {
        fail("superEncoder is not supported")
        let encoder = JSONStreamEncoder(stream: self)
        encoder.state = .single
        return encoder
    }
}
