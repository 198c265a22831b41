import Foundation
import TrialModel
import TrialSupport

/// The bytes of one input file and the name it is reported under.
public struct InputFile: Sendable {
    /// Path as shown to the user and recorded in evidence.
    public var path: String
    public var bytes: [UInt8]
    /// Where the file is below the input folder it was found in ("000_seed.txt",
    /// "bundle.zip/NCT1.xml"); a file named on its own is its file name. Records without a
    /// registry ID are known by it, so an edit to one is a change of the same trial.
    public var identity: String

    public init(path: String, bytes: [UInt8], identity: String? = nil) {
        self.path = path
        self.bytes = bytes
        self.identity = identity ?? (path.split(separator: "/").last.map(String.init) ?? path)
    }

    /// The first `n` bytes after a UTF-8 byte-order mark and leading whitespace, as text.
    func head(_ n: Int = 4096) -> String {
        var start = 0
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { start = 3 }
        while start < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[start]) { start += 1 }
        return String(decoding: bytes[start..<min(bytes.count, start + n)], as: UTF8.self)
    }
}

/// One source format. Adding a registry means adding a type that conforms and listing it in
/// `ReaderRegistry.readers`.
public protocol TrialReader: Sendable {
    /// The format this reader produces records of.
    var format: SourceFormat { get }
    /// True when `head` (the start of the file, BOM and leading whitespace removed) and the file
    /// look like this format. Content decides, not the file extension.
    func accepts(_ file: InputFile, head: String) -> Bool
    /// Reads every trial record in the file. Throws `ReaderError` (or `XMLKitError`) when the
    /// file cannot be read as this format or holds no trial record.
    func read(_ file: InputFile) throws -> [SourceRecord]
    /// Reads the file's records and calls `body` with each, in file order, as soon as it is read
    /// (a reader of many-study files calls it before reading the rest), so that a caller can
    /// work on a large file's first studies while the others are read. Throws what
    /// ``read(_:)`` throws; the records given before an error are then not the file's.
    func read(_ file: InputFile, each body: (SourceRecord) throws -> Void) throws
}

extension TrialReader {
    /// Every record, after reading them all.
    public func read(_ file: InputFile, each body: (SourceRecord) throws -> Void) throws {
        for record in try read(file) { try body(record) }
    }
}

/// Why an input file yielded no records. Each message names the file and says what to do.
public enum ReaderError: Error, Sendable, CustomStringConvertible, Equatable {
    case empty(file: String)
    case binary(file: String)
    case unreadable(file: String, reason: String)
    case malformedJSON(file: String, detail: String)
    case notATrialRecord(file: String, detail: String)
    case unknownFormat(file: String)

    public var description: String {
        switch self {
        case let .empty(file):
            "\(file): the file is empty; expected a registry export (XML, JSON, HTML or text)"
        case let .binary(file):
            "\(file): binary content (not text); expected a registry export (XML, JSON, HTML or text)"
        case let .unreadable(file, reason): "\(file): cannot be read: \(reason)"
        case let .malformedJSON(file, detail): "\(file): not valid JSON: \(detail)"
        case let .notATrialRecord(file, detail): "\(file): not a trial record: \(detail)"
        case let .unknownFormat(file):
            "\(file): unrecognized format; expected ClinicalTrials.gov XML/JSON, a registry HTML page or plain text"
        }
    }
}

/// Chooses a reader by sniffing content.
public enum ReaderRegistry {
    /// Readers in the order they are asked; the first that accepts a file reads it. Plain text
    /// is last: it accepts any valid UTF-8 text.
    public static let readers: [any TrialReader] = [
        CTGovXMLReader(),
        CTGovRSSReader(),
        CTGovJSONReader(),
        CTGovClassicJSONReader(),
        RegistryHTMLReader(),
        PlainTextReader(),
    ]

    /// The reader for `file`, or an error saying why none fits (empty, binary, unknown).
    public static func reader(for file: InputFile) throws -> any TrialReader {
        let head = file.head()
        if head.isEmpty { throw ReaderError.empty(file: file.path) }
        if isBinary(file.bytes) { throw ReaderError.binary(file: file.path) }
        guard let reader = readers.first(where: { $0.accepts(file, head: head) }) else {
            throw ReaderError.unknownFormat(file: file.path)
        }
        return reader
    }

    /// Reads `file` with the reader its content calls for.
    public static func read(_ file: InputFile) throws -> [SourceRecord] {
        let file = utf8(file)
        return try reader(for: file).read(file)
    }

    /// `file` as UTF-8 when it is UTF-16 with a byte-order mark (as some Windows tools save an
    /// export), with an XML declaration's encoding changed to match; otherwise `file` itself.
    /// Lines stay where they were, so locators still lead to them.
    public static func utf8(_ file: InputFile) -> InputFile {
        let bytes = file.bytes
        let bigEndian: Bool
        if bytes.starts(with: [0xFF, 0xFE]) {
            bigEndian = false
        } else if bytes.starts(with: [0xFE, 0xFF]) {
            bigEndian = true
        } else {
            return file
        }
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var i = 2
        while i + 1 < bytes.count {
            units.append(bigEndian ? UInt16(bytes[i]) << 8 | UInt16(bytes[i + 1]) : UInt16(bytes[i + 1]) << 8 | UInt16(bytes[i]))
            i += 2
        }
        var text = String(decoding: units, as: UTF16.self)
        // `<?xml version="1.0" encoding="UTF-16"?>`: the bytes are UTF-8 now.
        if text.hasPrefix("<?xml"), let end = text.range(of: "?>") {
            let declaration = String(text[..<end.lowerBound])
            let fixed = declaration.replacingOccurrences(
                of: #"encoding\s*=\s*["'][^"']*["']"#, with: #"encoding="UTF-8""#, options: .regularExpression)
            text = fixed + text[end.lowerBound...]
        }
        return InputFile(path: file.path, bytes: Array(text.utf8), identity: file.identity)
    }

    /// NUL bytes, or more than 1 % control characters, in the first 8 KiB. (Text in another
    /// encoding than UTF-8 is not binary: libxml2 and the text reader decode it.)
    static func isBinary(_ bytes: [UInt8]) -> Bool {
        if bytes.starts(with: [0xFF, 0xFE]) || bytes.starts(with: [0xFE, 0xFF]) { return false }
        let count = min(bytes.count, 8192)
        var controls = 0
        let anyNUL = bytes.withUnsafeBufferPointer { buffer -> Bool in
            guard let base = buffer.baseAddress else { return false }
            var i = 0
            while i < count {
                // A word without a byte below 0x20 (its top three bits clear) holds no control.
                if i + 8 <= count, ByteWord.zeroBytes(ByteWord.load(base, at: i) & (0xE0 &* ByteWord.ones)) == 0 {
                    i += 8
                    continue
                }
                for k in i..<min(count, i + 8) {
                    let b = buffer[k]
                    guard b < 0x20 else { continue }
                    if b == 0 { return true }
                    if b != 0x09 && b != 0x0A && b != 0x0D && b != 0x0C { controls += 1 }
                }
                i += 8
            }
            return false
        }
        return anyNUL || controls * 100 > count
    }
}
