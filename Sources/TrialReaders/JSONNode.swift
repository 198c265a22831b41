import Foundation

/// A JSON value with the JSON pointer (RFC 6901) it was reached by, so every field read from
/// JSON carries its locator.
struct JSONNode {
    let value: Any?
    let pointer: String

    init(_ value: Any?, pointer: String = "") {
        self.value = value
        self.pointer = pointer
    }

    /// Parses `bytes`; throws `ReaderError.malformedJSON` with Foundation's position detail.
    static func parse(_ bytes: [UInt8], file: String) throws -> JSONNode {
        do {
            let object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            return JSONNode(object)
        } catch {
            let nsError = error as NSError
            let detail = (nsError.userInfo[NSDebugDescriptionErrorKey] as? String) ?? nsError.localizedDescription
            throw ReaderError.malformedJSON(file: file, detail: detail)
        }
    }

    subscript(key: String) -> JSONNode {
        let escaped = key.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
        return JSONNode((value as? [String: Any])?[key], pointer: pointer + "/" + escaped)
    }

    subscript(index: Int) -> JSONNode {
        let array = value as? [Any]
        return JSONNode(array.flatMap { index < $0.count ? $0[index] : nil }, pointer: pointer + "/\(index)")
    }

    /// Elements of an array (empty when not an array).
    var elements: [JSONNode] {
        guard let array = value as? [Any] else { return [] }
        return array.indices.map { self[$0] }
    }

    var isObject: Bool { value is [String: Any] }

    /// Strings, numbers and booleans as text; nil for objects, arrays and null.
    var string: String? {
        switch value {
        case let s as String: s
        case let n as NSNumber:
            String(cString: n.objCType) == "c" ? (n.boolValue ? "true" : "false") : n.stringValue
        default: nil
        }
    }
}
