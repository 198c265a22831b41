import TrialModel
import TrialSupport

/// How the JSON readers get at a file's studies.
enum JSONStudies {
    /// Above this size a file's list of studies is read one study at a time (a page of 1,000
    /// studies is about 30 MB); below it the file is parsed whole, which is one pass instead of two
    /// for a single study.
    static let streamAbove = 4 << 20

    /// The whole file as one JSON value.
    static func document(_ file: InputFile) throws -> JSONValue {
        do {
            return try JSONTape.parse(file.bytes).root
        } catch {
            throw ReaderError.malformedJSON(file: file.path, detail: error.description)
        }
    }

    /// Calls `each` with every element of the array at `arrayKey` (or of a top-level array), or
    /// `single` with the root when the file is one object without that array.
    static func forEach(
        in file: InputFile, arrayKey: StaticString, _ each: (JSONValue) throws -> Void,
        single: (JSONValue) throws -> Void
    ) throws {
        if file.bytes.count > streamAbove {
            let listed: Bool
            do {
                listed = try JSONTape.forEachElement(of: file.bytes, key: arrayKey, each)
            } catch let error as JSONTape.SyntaxError {
                throw ReaderError.malformedJSON(file: file.path, detail: error.description)
            }
            if !listed { try single(try document(file)) }
            return
        }
        let root = try document(file)
        if root[arrayKey].isArray {
            try root[arrayKey].elements.forEach(each)
        } else if root.isArray {
            try root.elements.forEach(each)
        } else {
            try single(root)
        }
    }
}

extension SourceRecord {
    /// `node`'s text as a field, its JSON pointer the locator; nothing when `node` is missing or
    /// not a scalar. The pointer is built only for a value that is there.
    mutating func add(_ key: FieldKey, _ node: JSONValue) {
        if let value = node.string { add(key, value, locator: node.pointer) }
    }

    /// ``add(_:_:)-(FieldKey,JSONValue)`` for free text, keeping its lines.
    mutating func addText(_ key: FieldKey, _ node: JSONValue) {
        if let value = node.string { addText(key, value, locator: node.pointer) }
    }
}
