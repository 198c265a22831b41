/// Registry JSON parsed once into a flat list of tokens (a "tape"), read in place.
///
/// Why not `JSONSerialization`: it builds a dictionary of boxed values for every object of a
/// 30 KB study although a reader keeps about forty strings of it, and every lookup then goes
/// through `Any`. Here one pass checks the text (RFC 8259, strictly: UTF-8, escapes, number
/// grammar, nesting) and records where each value is; a key is found by comparing its bytes, and
/// a string is decoded only when it is asked for. Errors say the line and column.
///
/// A token is a value; an object's tokens are its keys and values in turn, so the token after a
/// key is its value, and every token knows the index just past its last descendant (`end`), which
/// makes skipping a value one step. Every token also knows its container and, in an array, its
/// position: a value's JSON pointer is built from them when it is asked for, in steps of the
/// value's depth, so a reader pays for the pointers of the values it keeps and for no other.
public final class JSONTape: Sendable {
    /// What a token is.
    public enum Kind: UInt8, Sendable {
        case object, array, string, number, `true`, `false`, null
    }

    struct Token {
        var kind: Kind
        /// A string with at least one escape (it has to be decoded, not copied).
        var escaped: Bool
        /// Index of the container (the object a key or member value is in, the array an element
        /// is in); -1 for the tape's first value.
        var parent: Int32 = -1
        /// An array element's position in its array; -1 for anything else.
        var slot: Int32 = -1
        /// Byte range of the value: a string's contents without the quotes, a number's text, a
        /// container from its opening to its closing bracket.
        var start: Int
        var stop: Int
        /// Index of the first token after this value and all it contains.
        var end: Int
    }

    /// The UTF-8 text (shared with the caller's array, not copied).
    let bytes: [UInt8]
    let tokens: [Token]

    init(bytes: [UInt8], tokens: [Token]) {
        self.bytes = bytes
        self.tokens = tokens
    }

    /// Why a text is not JSON, with where.
    public struct SyntaxError: Error, Sendable, CustomStringConvertible, Equatable {
        /// Byte offset of the problem (0-based).
        public let offset: Int
        /// 1-based line and column (column in bytes) of `offset`.
        public let line: Int
        public let column: Int
        public let reason: String
        public var description: String { "line \(line), column \(column): \(reason)" }

        init(offset: Int, reason: String, bytes: UnsafeBufferPointer<UInt8>) {
            self.offset = offset
            self.reason = reason
            var line = 1
            var lineStart = 0
            for i in 0..<min(offset, bytes.count) where bytes[i] == 0x0A {
                line += 1
                lineStart = i + 1
            }
            self.line = line
            self.column = offset - lineStart + 1
        }
    }

    /// Containers may nest this deep; registry records nest about 8 deep, and a limit keeps a
    /// hostile file from costing time or memory on depth alone.
    public static let maxDepth = 512

    /// The whole of `bytes` as one JSON value (whitespace around it allowed, nothing else).
    public static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONTape {
        let (tape, stop) = try parse(bytes, at: 0)
        let rest = bytes.withUnsafeBufferPointer { b in
            var i = stop
            while i < b.count, isSpace(b[i]) { i += 1 }
            return i
        }
        if rest < bytes.count {
            throw bytes.withUnsafeBufferPointer { SyntaxError(offset: rest, reason: "text after the JSON value", bytes: $0) }
        }
        return tape
    }

    /// The one JSON value that starts at `offset` (after optional whitespace), and the offset
    /// just past it: for reading a long array element by element without holding tokens for all
    /// of it.
    public static func parse(_ bytes: [UInt8], at offset: Int) throws(SyntaxError) -> (JSONTape, Int) {
        var tokens: [Token] = []
        tokens.reserveCapacity(64)
        let stop = try bytes.withUnsafeBufferPointer { b throws(SyntaxError) in
            var parser = Parser(b: b, i: offset)
            try parser.value(into: &tokens)
            return parser.i
        }
        return (JSONTape(bytes: bytes, tokens: tokens), stop)
    }

    /// The first value: the document itself, with the empty JSON pointer.
    public var root: JSONValue { JSONValue(tape: self, index: tokens.isEmpty ? -1 : 0, base: "") }

    /// Root with a pointer prefix, for an element read on its own (`/studies/3`).
    public func root(pointer: String) -> JSONValue {
        JSONValue(tape: self, index: tokens.isEmpty ? -1 : 0, base: pointer)
    }

    /// The JSON pointer of token `index` below the tape's first value (`/a/0/b`) after `prefix`.
    /// Most pointers are kept as evidence, one per field of every study: the pointer is measured
    /// walking up through the containers, then written back to front into the string's own
    /// storage (one allocation).
    func path(to index: Int, after prefix: String = "") -> String {
        var length = prefix.utf8.count
        var k = index
        while k > 0 {
            length += 1 + step(to: k, endingAt: 0, in: nil)
            k = Int(tokens[k].parent)
        }
        return String(unsafeUninitializedCapacity: length) { out in
            var end = length
            var k = index
            while k > 0 {
                end -= step(to: k, endingAt: end, in: out) + 1
                out[end] = UInt8(ascii: "/")
                k = Int(tokens[k].parent)
            }
            for (i, c) in prefix.utf8.enumerated() { out[i] = c }
            return length
        }
    }

    /// The UTF-8 length of the pointer step to token `k`: its position in its array, or its
    /// member key escaped per RFC 6901 ("~" as "~0", "/" as "~1"). With `out`, also writes the
    /// step so that it ends before offset `end`.
    private func step(to k: Int, endingAt end: Int, in out: UnsafeMutableBufferPointer<UInt8>?) -> Int {
        let slot = Int(tokens[k].slot)
        if slot >= 0 {
            var count = 0
            var n = slot
            repeat {
                count += 1
                n /= 10
            } while n > 0
            if let out {
                n = slot
                for i in stride(from: end - 1, through: end - count, by: -1) {
                    out[i] = UInt8(ascii: "0") + UInt8(n % 10)
                    n /= 10
                }
            }
            return count
        }
        // An object's member value follows its key token.
        let key = tokens[k - 1]
        if key.escaped {
            let text = Array(JSONValue.escape(decode(key)).utf8)
            if let out {
                for (i, c) in text.enumerated() { out[end - text.count + i] = c }
            }
            return text.count
        }
        let raw = bytes[key.start..<key.stop]
        func isSpecial(_ c: UInt8) -> Bool { c == UInt8(ascii: "~") || c == UInt8(ascii: "/") }
        let count = raw.count + raw.lazy.filter(isSpecial).count
        if let out {
            var i = end - count
            for c in raw {
                if isSpecial(c) {
                    out[i] = UInt8(ascii: "~")
                    out[i + 1] = c == UInt8(ascii: "~") ? UInt8(ascii: "0") : UInt8(ascii: "1")
                    i += 2
                } else {
                    out[i] = c
                    i += 1
                }
            }
        }
        return count
    }

    static func isSpace(_ c: UInt8) -> Bool { c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 }

    /// True when the key token at `index` spells `key`.
    func keyEquals(_ index: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let t = tokens[index]
        if t.escaped { return Array(decode(t).utf8).withUnsafeBytes { $0.elementsEqual(key) } }
        guard t.stop - t.start == key.count else { return false }
        return bytes[t.start..<t.stop].elementsEqual(key)
    }

    /// The value token of member `key` of the object token at `object` (the first, when a key
    /// repeats); nil when it has none. The one walk over an object's members (``JSONValue``,
    /// ``Node``).
    func member(of object: Int, _ key: UnsafeRawBufferPointer) -> Int? {
        var k = object + 1
        let end = tokens[object].end
        while k < end {
            if keyEquals(k, key) { return k + 1 }
            k = tokens[k + 1].end
        }
        return nil
    }

    /// `body` with each element token of the array token at `array` and its position, in order,
    /// until `body` returns false. The one walk over an array's elements.
    @inline(__always)
    func walkElements(of array: Int, _ body: (_ token: Int, _ position: Int) -> Bool) {
        var k = array + 1
        var n = 0
        let end = tokens[array].end
        while k < end, body(k, n) {
            k = tokens[k].end
            n += 1
        }
    }

    /// A string token's value, or a number's text.
    func decode(_ t: Token) -> String {
        bytes.withUnsafeBufferPointer { b in
            let raw = UnsafeBufferPointer(rebasing: b[t.start..<t.stop])
            guard t.escaped else { return String(decoding: raw, as: UTF8.self) }
            return Self.unescape(raw)
        }
    }

    /// The contents of a string whose escapes were checked by the parser.
    static func unescape(_ raw: UnsafeBufferPointer<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(raw.count)
        var i = 0
        func hex4(_ at: Int) -> UInt32 {
            var v: UInt32 = 0
            for k in at..<at + 4 {
                let c = raw[k]
                let d: UInt8 =
                    switch c {
                    case 0x30...0x39: c - 0x30
                    case 0x41...0x46: c - 0x41 + 10
                    default: c - 0x61 + 10
                    }
                v = v << 4 | UInt32(d)
            }
            return v
        }
        while i < raw.count {
            let c = raw[i]
            guard c == 0x5C else {
                out.append(c)
                i += 1
                continue
            }
            let e = raw[i + 1]
            i += 2
            switch e {
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = hex4(i)
                i += 4
                if (0xD800...0xDBFF).contains(scalar), i + 6 <= raw.count, raw[i] == 0x5C, raw[i + 1] == UInt8(ascii: "u") {
                    let low = hex4(i + 2)
                    if (0xDC00...0xDFFF).contains(low) {
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                        i += 6
                    }
                }
                // A lone surrogate has no scalar: it becomes U+FFFD, as a decoder of UTF-16 does.
                UTF8.encode(Unicode.Scalar(scalar) ?? "\u{FFFD}") { out.append($0) }
            default: out.append(e)  // \" \\ \/
            }
        }
        return String(decoding: out, as: UTF8.self)
    }
}

/// The parser: iterative (a hostile depth costs no stack), one pass.
private struct Parser {
    let b: UnsafeBufferPointer<UInt8>
    var i: Int

    func error(_ reason: String, at offset: Int? = nil) -> JSONTape.SyntaxError {
        .init(offset: offset ?? i, reason: reason, bytes: b)
    }

    mutating func skipSpace() {
        while i < b.count, JSONTape.isSpace(b[i]) { i += 1 }
    }

    func describe(_ c: UInt8) -> String {
        if c >= 0x20 && c < 0x7F { return "'\(Character(Unicode.Scalar(c)))'" }
        let hex = String(c, radix: 16, uppercase: true)
        return "byte 0x" + (hex.count < 2 ? "0" : "") + hex
    }

    /// Parses one value at `i` (after whitespace) into `tokens`.
    mutating func value(into tokens: inout [JSONTape.Token]) throws(JSONTape.SyntaxError) {
        // Open containers: token index, whether it is an object, and (an array) how many
        // elements it has so far.
        var open: [(index: Int, object: Bool, count: Int32)] = []
        while true {
            skipSpace()
            guard i < b.count else { throw error(open.isEmpty ? "no JSON value" : "the text ends inside a value") }
            let c = b[i]
            let index = tokens.count
            // A token's container and position are written with it; the index is checked
            // before it is narrowed (a value per two bytes: a 4 GiB text could reach 2^31).
            guard index < Int32.max else { throw error("more than \(Int32.max) values") }
            var parent: Int32 = -1
            var slot: Int32 = -1
            if let top = open.last {
                parent = Int32(top.index)
                if !top.object {
                    slot = top.count
                    open[open.count - 1].count += 1
                }
            }
            switch c {
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                guard open.count < JSONTape.maxDepth else { throw error("nested more than \(JSONTape.maxDepth) deep") }
                let object = c == UInt8(ascii: "{")
                tokens.append(
                    .init(kind: object ? .object : .array, escaped: false, parent: parent, slot: slot, start: i, stop: i + 1, end: index + 1))
                i += 1
                skipSpace()
                if i < b.count, b[i] == (object ? UInt8(ascii: "}") : UInt8(ascii: "]")) {
                    i += 1
                    tokens[index].stop = i
                } else {
                    open.append((index, object, 0))
                    if object { try key(into: &tokens, parent: Int32(index)) }
                    continue
                }
            case UInt8(ascii: "\""):
                Self.append(try string(), to: &tokens, parent: parent, slot: slot)
            case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                Self.append(try number(), to: &tokens, parent: parent, slot: slot)
            case UInt8(ascii: "t"):
                Self.append(try literal("true", .true), to: &tokens, parent: parent, slot: slot)
            case UInt8(ascii: "f"):
                Self.append(try literal("false", .false), to: &tokens, parent: parent, slot: slot)
            case UInt8(ascii: "n"):
                Self.append(try literal("null", .null), to: &tokens, parent: parent, slot: slot)
            default:
                throw error("unexpected \(describe(c)) where a value belongs")
            }
            // After a value: close containers, or go on to the next element or key.
            while let top = open.last {
                skipSpace()
                guard i < b.count else { throw error("the text ends inside \(top.object ? "an object" : "an array")") }
                let close = top.object ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if b[i] == UInt8(ascii: ",") {
                    i += 1
                    if top.object { try key(into: &tokens, parent: Int32(top.index)) }
                    break
                } else if b[i] == close {
                    i += 1
                    tokens[top.index].end = tokens.count
                    tokens[top.index].stop = i
                    open.removeLast()
                } else {
                    throw error("expected ',' or '\(Character(Unicode.Scalar(close)))', found \(describe(b[i]))")
                }
            }
            if open.isEmpty { return }
        }
    }

    /// Appends a scalar token, whose value ends with itself.
    static func append(_ token: JSONTape.Token, to tokens: inout [JSONTape.Token], parent: Int32, slot: Int32 = -1) {
        var token = token
        token.end = tokens.count + 1
        token.parent = parent
        token.slot = slot
        tokens.append(token)
    }

    /// A key and its colon.
    mutating func key(into tokens: inout [JSONTape.Token], parent: Int32) throws(JSONTape.SyntaxError) {
        skipSpace()
        guard i < b.count else { throw error("the text ends inside an object") }
        guard b[i] == UInt8(ascii: "\"") else { throw error("expected a key in quotes, found \(describe(b[i]))") }
        Self.append(try string(), to: &tokens, parent: parent)
        skipSpace()
        guard i < b.count, b[i] == UInt8(ascii: ":") else {
            throw error(i < b.count ? "expected ':' after a key, found \(describe(b[i]))" : "the text ends inside an object")
        }
        i += 1
    }

    mutating func literal(_ word: StaticString, _ kind: JSONTape.Kind) throws(JSONTape.SyntaxError) -> JSONTape.Token {
        let n = word.utf8CodeUnitCount
        let start = i
        guard i + n <= b.count else { throw error("unknown word (expected true, false or null)") }
        for k in 0..<n where b[i + k] != word.utf8Start[k] { throw error("unknown word (expected true, false or null)") }
        i += n
        return .init(kind: kind, escaped: false, start: start, stop: i, end: 0)
    }

    /// RFC 8259 number: `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`.
    mutating func number() throws(JSONTape.SyntaxError) -> JSONTape.Token {
        let start = i
        func digit(_ k: Int) -> Bool { k < b.count && b[k] >= 0x30 && b[k] <= 0x39 }
        if b[i] == UInt8(ascii: "-") { i += 1 }
        guard digit(i) else { throw error("a number needs a digit here") }
        if b[i] == 0x30 {
            i += 1
            if digit(i) { throw error("a number cannot start with 0 followed by digits") }
        } else {
            while digit(i) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            guard digit(i) else { throw error("a number needs a digit after '.'") }
            while digit(i) { i += 1 }
        }
        if i < b.count, b[i] == UInt8(ascii: "e") || b[i] == UInt8(ascii: "E") {
            i += 1
            if i < b.count, b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") { i += 1 }
            guard digit(i) else { throw error("a number needs a digit in its exponent") }
            while digit(i) { i += 1 }
        }
        return .init(kind: .number, escaped: false, start: start, stop: i, end: 0)
    }

    /// A string at the opening quote: checks escapes and UTF-8; `i` ends after the closing quote.
    mutating func string() throws(JSONTape.SyntaxError) -> JSONTape.Token {
        let open = i
        i += 1
        let start = i
        var escaped = false
        while true {
            // The common case: plain ASCII text, eight bytes a step, then byte by byte.
            if let base = b.baseAddress {
                while i + 8 <= b.count {
                    let w = ByteWord.load(base, at: i)
                    guard w & ByteWord.highBits == 0,
                        ByteWord.asciiBytes(w, below: 0x20) | ByteWord.bytes(w, equalTo: 0x22) | ByteWord.bytes(w, equalTo: 0x5C) == 0
                    else { break }
                    i += 8
                }
            }
            while i < b.count, b[i] >= 0x20, b[i] < 0x80, b[i] != 0x22, b[i] != 0x5C { i += 1 }
            guard i < b.count else { throw error("a string is not closed (it opens here)", at: open) }
            let c = b[i]
            if c == 0x22 {
                i += 1
                return .init(kind: .string, escaped: escaped, start: start, stop: i - 1, end: 0)
            } else if c == 0x5C {
                escaped = true
                guard i + 1 < b.count else { throw error("a string is not closed (it opens here)", at: open) }
                switch b[i + 1] {
                case 0x22, 0x5C, 0x2F, UInt8(ascii: "b"), UInt8(ascii: "f"), UInt8(ascii: "n"), UInt8(ascii: "r"),
                    UInt8(ascii: "t"):
                    i += 2
                case UInt8(ascii: "u"):
                    guard i + 6 <= b.count, (2..<6).allSatisfy({ isHex(b[i + $0]) }) else {
                        throw error("\\u needs four hexadecimal digits")
                    }
                    i += 6
                default:
                    throw error("unknown escape \\\(Character(Unicode.Scalar(b[i + 1] < 0x80 ? b[i + 1] : 0x3F)))")
                }
            } else if c < 0x20 {
                throw error("a control character (\(describe(c))) inside a string must be escaped")
            } else {
                let n = utf8Length(at: i)
                guard n > 0 else { throw error("invalid UTF-8 (\(describe(c)))") }
                i += n
            }
        }
    }

    func isHex(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || (c | 0x20 >= 0x61 && c | 0x20 <= 0x66) }

    /// Length of the well-formed UTF-8 sequence at `k` (its first byte ≥ 0x80), or 0.
    func utf8Length(at k: Int) -> Int {
        let c = b[k]
        func cont(_ j: Int, _ lo: UInt8 = 0x80, _ hi: UInt8 = 0xBF) -> Bool { j < b.count && b[j] >= lo && b[j] <= hi }
        switch c {
        case 0xC2...0xDF: return cont(k + 1) ? 2 : 0
        case 0xE0: return cont(k + 1, 0xA0) && cont(k + 2) ? 3 : 0
        case 0xE1...0xEC, 0xEE...0xEF: return cont(k + 1) && cont(k + 2) ? 3 : 0
        case 0xED: return cont(k + 1, 0x80, 0x9F) && cont(k + 2) ? 3 : 0
        case 0xF0: return cont(k + 1, 0x90) && cont(k + 2) && cont(k + 3) ? 4 : 0
        case 0xF1...0xF3: return cont(k + 1) && cont(k + 2) && cont(k + 3) ? 4 : 0
        case 0xF4: return cont(k + 1, 0x80, 0x8F) && cont(k + 2) && cont(k + 3) ? 4 : 0
        default: return 0
        }
    }
}

/// A value in a ``JSONTape`` that can tell the JSON pointer (RFC 6901) reaching it, so a reader
/// can give every field its locator. A missing value (absent key, index out of range, wrong kind)
/// is a value too: everything asked of it is empty, which keeps readers free of optionals.
///
/// Going from value to value does no string work: the pointer is built from the tape when
/// ``pointer`` is read, for the values a reader keeps.
public struct JSONValue: Sendable {
    let tape: JSONTape
    /// Token index, or -1 when missing.
    let index: Int
    /// The pointer of the tape's first value: empty for a whole document, `/studies/3` for an
    /// element read on its own.
    let base: String

    init(tape: JSONTape, index: Int, base: String) {
        self.tape = tape
        self.index = index
        self.base = base
    }

    /// The JSON pointer that reaches this value from the document's root; empty for a missing
    /// value (and for the root itself).
    public var pointer: String {
        index < 0 ? "" : tape.path(to: index, after: base)
    }

    /// The value's text as it stands in the document (a string without its quotes); empty when
    /// missing. A fetched study is stored as these bytes, exactly as the registry sent them.
    public var rawBytes: ArraySlice<UInt8> {
        guard index >= 0 else { return [] }
        let t = tape.tokens[index]
        return tape.bytes[t.start..<t.stop]
    }

    /// Nil when missing.
    public var kind: JSONTape.Kind? { index < 0 ? nil : tape.tokens[index].kind }
    public var exists: Bool { index >= 0 }
    public var isObject: Bool { kind == .object }
    public var isArray: Bool { kind == .array }

    private var missing: JSONValue { at(-1) }

    /// Token `k` of the same tape.
    private func at(_ k: Int) -> JSONValue { JSONValue(tape: tape, index: k, base: base) }

    /// The member `key` of an object (the first, when a key repeats).
    public subscript(key: StaticString) -> JSONValue {
        guard isObject else { return missing }
        let raw = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        return tape.member(of: index, raw).map(at) ?? missing
    }

    /// The member `key` of an object (the first, when a key repeats).
    public subscript(key: String) -> JSONValue {
        guard isObject else { return missing }
        var key = key
        return key.withUTF8 { tape.member(of: index, UnsafeRawBufferPointer($0)) }.map(at) ?? missing
    }

    /// RFC 6901: `~` is `~0` and `/` is `~1` in a pointer's component.
    static func escape(_ key: String) -> String {
        guard key.utf8.contains(where: { $0 == UInt8(ascii: "~") || $0 == UInt8(ascii: "/") }) else { return key }
        return key.replacingTilde()
    }

    /// The element at `position` of an array.
    public subscript(position: Int) -> JSONValue {
        guard isArray, position >= 0 else { return missing }
        var found = missing
        tape.walkElements(of: index) { k, n in
            guard n == position else { return true }
            found = at(k)
            return false
        }
        return found
    }

    /// The elements of an array in order (none when not an array).
    public var elements: [JSONValue] {
        guard isArray else { return [] }
        var out: [JSONValue] = []
        tape.walkElements(of: index) { k, _ in
            out.append(at(k))
            return true
        }
        return out
    }

    /// The members of an object as (key, value) pairs, in order (none when not an object).
    public var members: [(key: String, value: JSONValue)] {
        guard isObject else { return [] }
        let tokens = tape.tokens
        var out: [(String, JSONValue)] = []
        var k = index + 1
        while k < tokens[index].end {
            out.append((tape.decode(tokens[k]), at(k + 1)))
            k = tokens[k + 1].end
        }
        return out
    }

    /// Strings, numbers (their text as written) and Booleans as text; nil for objects, arrays,
    /// null and missing values.
    public var string: String? {
        guard index >= 0 else { return nil }
        let t = tape.tokens[index]
        switch t.kind {
        case .string, .number: return tape.decode(t)
        case .true: return "true"
        case .false: return "false"
        case .object, .array, .null: return nil
        }
    }
}

extension String {
    fileprivate func replacingTilde() -> String {
        var out = ""
        for ch in unicodeScalars {
            switch ch {
            case "~": out += "~0"
            case "/": out += "~1"
            default: out.unicodeScalars.append(ch)
            }
        }
        return out
    }
}

extension JSONTape {
    /// Where a document's list of records is.
    public enum Listing: Sendable {
        /// `[ {...}, ... ]`
        case array
        /// `{ ..., "KEY": [ {...}, ... ], ... }`
        case member(String)
    }

    /// Calls `body` with each element of the document's list, parsed on its own (its root's
    /// pointer is `/N` or `/KEY/N`), so a page of a thousand studies never has tokens for more
    /// than one of them. Returns false, having called nothing, when `bytes` is a JSON object
    /// without an array at `key` (a single record); throws ``SyntaxError`` when the text is not
    /// JSON, and whatever `body` throws.
    public static func forEachElement(
        of bytes: [UInt8], key: StaticString, _ body: (JSONValue) throws -> Void
    ) throws -> Bool {
        var i = bytes.withUnsafeBufferPointer { b in
            var i = b.starts(with: [0xEF, 0xBB, 0xBF]) ? 3 : 0
            while i < b.count, isSpace(b[i]) { i += 1 }
            return i
        }
        guard i < bytes.count else {
            _ = try parse(bytes)
            return false
        }
        func skip(_ k: Int) -> Int {
            var k = k
            while k < bytes.count, isSpace(bytes[k]) { k += 1 }
            return k
        }
        func fail(_ offset: Int, _ reason: String) -> SyntaxError {
            bytes.withUnsafeBufferPointer { SyntaxError(offset: offset, reason: reason, bytes: $0) }
        }
        /// The elements of the array whose `[` is at `i`; returns the offset after its `]`.
        func elements(at start: Int, prefix: String) throws -> Int {
            var k = skip(start + 1)
            if k < bytes.count, bytes[k] == UInt8(ascii: "]") { return k + 1 }
            var n = 0
            while true {
                let (tape, stop) = try parse(bytes, at: k)
                try body(tape.root(pointer: prefix + "/\(n)"))
                n += 1
                k = skip(stop)
                guard k < bytes.count else { throw fail(k, "the text ends inside an array") }
                if bytes[k] == UInt8(ascii: "]") { return k + 1 }
                guard bytes[k] == UInt8(ascii: ",") else { throw fail(k, "expected ',' or ']'") }
                k += 1
            }
        }
        func finish(_ k: Int) throws {
            let k = skip(k)
            if k < bytes.count { throw fail(k, "text after the JSON value") }
        }
        if bytes[i] == UInt8(ascii: "[") {
            try finish(try elements(at: i, prefix: ""))
            return true
        }
        guard bytes[i] == UInt8(ascii: "{") else {
            _ = try parse(bytes)
            return false
        }
        let keyBytes = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
        i = skip(i + 1)
        var found = false
        if i < bytes.count, bytes[i] == UInt8(ascii: "}") { return false }
        while true {
            let (keyTape, afterKey) = try parse(bytes, at: i)
            guard keyTape.tokens.first?.kind == .string else { throw fail(i, "expected a key in quotes") }
            var k = skip(afterKey)
            guard k < bytes.count, bytes[k] == UInt8(ascii: ":") else { throw fail(k, "expected ':' after a key") }
            k = skip(k + 1)
            if !found, keyTape.keyEquals(0, keyBytes), k < bytes.count, bytes[k] == UInt8(ascii: "[") {
                found = true
                k = try elements(at: k, prefix: "/" + JSONValue.escape(key.description))
            } else {
                (_, k) = try parse(bytes, at: k)
            }
            k = skip(k)
            guard k < bytes.count else { throw fail(k, "the text ends inside an object") }
            if bytes[k] == UInt8(ascii: "}") {
                try finish(k + 1)
                return found
            }
            guard bytes[k] == UInt8(ascii: ",") else { throw fail(k, "expected ',' or '}'") }
            i = skip(k + 1)
        }
    }
}

extension JSONTape {
    /// The first value, without a JSON pointer; nil for an empty tape.
    public var rootNode: Node? { tokens.isEmpty ? nil : Node(tape: self, index: 0) }

    /// A value of the tape without a JSON pointer: for reading trialdiff's own JSON back (the
    /// parse cache, the record spill), where no locator is kept and building pointers would be
    /// the most of the work.
    public struct Node {
        let tape: JSONTape
        let index: Int

        public var kind: Kind { tape.tokens[index].kind }

        /// The member `key` of an object (the first, when a key repeats); nil when absent or when
        /// this is not an object.
        public subscript(key: StaticString) -> Node? {
            guard kind == .object else { return nil }
            let raw = UnsafeRawBufferPointer(start: key.utf8Start, count: key.utf8CodeUnitCount)
            return tape.member(of: index, raw).map { Node(tape: tape, index: $0) }
        }

        /// The elements of an array, in order; nil when this is not an array.
        public var elements: [Node]? {
            guard kind == .array else { return nil }
            var out: [Node] = []
            tape.walkElements(of: index) { k, _ in
                out.append(Node(tape: tape, index: k))
                return true
            }
            return out
        }

        /// A string's value; nil for anything else.
        public var string: String? {
            let t = tape.tokens[index]
            return t.kind == .string ? tape.decode(t) : nil
        }

        /// A number's text as written; nil for anything else.
        public var numberText: String? {
            let t = tape.tokens[index]
            return t.kind == .number ? tape.decode(t) : nil
        }
    }
}
