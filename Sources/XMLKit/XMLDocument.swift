import CLibXML2

/// A parse error or warning reported by libxml2 for one document.
public struct XMLDiagnostic: Sendable, Hashable, CustomStringConvertible {
    public enum Level: Sendable, Hashable { case warning, error, fatal }
    public var level: Level
    /// 1-based line in the input, 0 when libxml2 gave none.
    public var line: Int
    public var column: Int
    public var message: String

    public var description: String { line > 0 ? "line \(line): \(message)" : message }
}

/// Why a document could not be parsed. The message names the file and, where libxml2 gives one, the line.
public enum XMLKitError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The input is not well-formed XML (or not HTML at all); `line` is 1-based, 0 if unknown.
    case malformed(file: String, line: Int, message: String)
    /// The input is empty or contains no element.
    case empty(file: String)
    /// libxml2 could not allocate a parser context.
    case parserUnavailable
    /// The input is larger than libxml2 parses from memory (2 GiB − 1 bytes).
    case tooLarge(file: String, bytes: Int)

    public var description: String {
        switch self {
        case let .malformed(file, line, message):
            line > 0 ? "\(file):\(line): not well-formed XML: \(message)" : "\(file): not well-formed XML: \(message)"
        case let .empty(file): "\(file): the document is empty"
        case .parserUnavailable: "libxml2 could not create a parser context (out of memory?)"
        case let .tooLarge(file, bytes): "\(file): \(bytes) bytes is more than libxml2 parses at once (2 GiB); split the file"
        }
    }
}

/// Process-wide libxml2 setup, done once before any parse: `xmlInitParser()`, and an external
/// entity loader that refuses every request, so no registry file can make libxml2 read a local
/// file or reach the network whatever options a caller passes.
public enum XMLKit {
    private static let setup: Void = {
        xmlInitParser()
        xmlSetExternalEntityLoader { _, _, _ in nil }
    }()

    /// Idempotent; called by every parse entry point. Call it early before starting concurrent work.
    public static func initialize() { _ = setup }

    /// True when the input holds nothing but XML white space: reported as empty, not malformed.
    static func isBlank(_ bytes: [UInt8]) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }
    }
}

/// Parser options: never substitute entities, never load DTDs, never touch the network.
private let xmlOptions = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue)
private let htmlOptions = Int32(
    HTML_PARSE_NONET.rawValue | HTML_PARSE_RECOVER.rawValue | HTML_PARSE_NOBLANKS.rawValue
        | HTML_PARSE_COMPACT.rawValue | HTML_PARSE_NOERROR.rawValue | HTML_PARSE_NOWARNING.rawValue)

/// Collects the structured errors of one parse (the DOM parser's context or the record stream's):
/// the first 100, and whether any was an error rather than a warning.
final class DiagnosticSink {
    var items: [XMLDiagnostic] = []
    var failed = false
    /// Stop the parser at the first error (XML, where one error fails the file): libxml2 goes on
    /// through the rest of a construct after a fatal error, and copies the text so far into every
    /// further error it raises, so a comment holding 100k "--" took seconds. Only in the
    /// document itself: stopping inside an entity's expansion defeats libxml2's own guard
    /// against entity amplification (a billion-laughs document then ran for minutes).
    let stopOnError: Bool

    init(stopOnError: Bool = false) { self.stopOnError = stopOnError }

    /// libxml2's entity errors, which it handles itself (halting on amplification).
    static let entityErrors: Set<Int32> = Set(
        [
            XML_ERR_ENTITYREF_AT_EOF, XML_ERR_ENTITYREF_IN_PROLOG, XML_ERR_ENTITYREF_IN_EPILOG, XML_ERR_ENTITYREF_IN_DTD,
            XML_ERR_ENTITYREF_NO_NAME, XML_ERR_ENTITYREF_SEMICOL_MISSING, XML_ERR_UNDECLARED_ENTITY, XML_WAR_UNDECLARED_ENTITY,
            XML_ERR_UNPARSED_ENTITY, XML_ERR_ENTITY_IS_EXTERNAL, XML_ERR_ENTITY_IS_PARAMETER, XML_ERR_ENTITY_NOT_STARTED,
            XML_ERR_ENTITY_NOT_FINISHED, XML_ERR_EXT_ENTITY_STANDALONE, XML_ERR_ENTITY_CHAR_ERROR, XML_ERR_ENTITY_PE_INTERNAL,
            XML_ERR_ENTITY_LOOP, XML_ERR_ENTITY_BOUNDARY, XML_ERR_ENTITY_PROCESSING, XML_WAR_ENTITY_REDEFINED,
        ].map { Int32($0.rawValue) })

    /// Records `error` of `ctxt`'s parse and, with ``stopOnError``, stops the parser at an error
    /// (not a warning) in the document itself that is not an entity error.
    func record(_ error: UnsafeMutablePointer<xmlError>, of ctxt: xmlParserCtxtPtr) {
        add(error)
        if stopOnError, error.pointee.level.rawValue >= XML_ERR_ERROR.rawValue, ctxt.pointee.inputNr <= 1,
            !Self.entityErrors.contains(error.pointee.code)
        {
            xmlStopParser(ctxt)
        }
    }

    func add(_ error: UnsafeMutablePointer<xmlError>) {
        let e = error.pointee
        let level: XMLDiagnostic.Level =
            switch e.level {
            case XML_ERR_FATAL: .fatal
            case XML_ERR_ERROR: .error
            default: .warning
            }
        if level != .warning { failed = true }
        var message = e.message.map { String(cString: $0) } ?? "unknown error"
        while message.last?.isWhitespace == true { message.removeLast() }
        if items.count < 100 {
            items.append(XMLDiagnostic(level: level, line: Int(e.line), column: Int(e.int2), message: message))
        }
    }
}

private func collect(_ userData: UnsafeMutableRawPointer?, _ error: UnsafeMutablePointer<xmlError>?) {
    guard let userData, let error else { return }
    let ctxt = userData.assumingMemoryBound(to: xmlParserCtxt.self)
    guard let raw = ctxt.pointee._private else { return }
    Unmanaged<DiagnosticSink>.fromOpaque(raw).takeUnretainedValue().record(error, of: ctxt)
}

/// A parsed XML or HTML document. Owns the libxml2 tree and frees it in `deinit`; every
/// `XMLElement` keeps its document alive, so no node pointer can outlive the tree.
public final class XMLDocument {
    let pointer: xmlDocPtr
    /// Name used in error messages and evidence.
    public let file: String
    /// Warnings and recovered errors reported while parsing (HTML is parsed in recovery mode).
    public let diagnostics: [XMLDiagnostic]

    private init(pointer: xmlDocPtr, file: String, diagnostics: [XMLDiagnostic]) {
        self.pointer = pointer
        self.file = file
        self.diagnostics = diagnostics
    }

    deinit { xmlFreeDoc(pointer) }

    /// Parses well-formed XML from raw bytes (libxml2 detects the encoding from the bytes and
    /// the XML declaration). Throws `XMLKitError.malformed` with the first fatal error's line.
    public convenience init(xml bytes: [UInt8], file: String) throws {
        XMLKit.initialize()
        guard let length = Int32(exactly: bytes.count) else { throw XMLKitError.tooLarge(file: file, bytes: bytes.count) }
        guard let ctxt = xmlNewParserCtxt() else { throw XMLKitError.parserUnavailable }
        defer { xmlFreeParserCtxt(ctxt) }
        let sink = DiagnosticSink(stopOnError: true)
        let (doc, diagnostics) = withDiagnostics(ctxt: ctxt, sink: sink) {
            bytes.withUnsafeBufferPointer { buffer -> xmlDocPtr? in
                buffer.withMemoryRebound(to: CChar.self) {
                    xmlCtxtReadMemory(ctxt, $0.baseAddress, length, file, nil, xmlOptions)
                }
            }
        }
        let wellFormed = ctxt.pointee.wellFormed != 0
        guard let doc, wellFormed else {
            if let doc { xmlFreeDoc(doc) }
            if XMLKit.isBlank(bytes) {
                throw XMLKitError.empty(file: file)
            }
            let first = diagnostics.first { $0.level != .warning } ?? diagnostics.first
            throw XMLKitError.malformed(file: file, line: first?.line ?? 0, message: first?.message ?? "parse failed")
        }
        self.init(pointer: doc, file: file, diagnostics: diagnostics)
    }

    /// Parses HTML in recovery mode (as browsers do), keeping the recovered errors in
    /// `diagnostics`. `encoding` may name the charset when the page does not declare it.
    public convenience init(html bytes: [UInt8], file: String, encoding: String? = "UTF-8") throws {
        XMLKit.initialize()
        guard let length = Int32(exactly: bytes.count) else { throw XMLKitError.tooLarge(file: file, bytes: bytes.count) }
        guard let ctxt = htmlNewParserCtxt() else { throw XMLKitError.parserUnavailable }
        defer { htmlFreeParserCtxt(ctxt) }
        let sink = DiagnosticSink()
        let (doc, diagnostics) = withDiagnostics(ctxt: ctxt, sink: sink) {
            bytes.withUnsafeBufferPointer { buffer -> htmlDocPtr? in
                buffer.withMemoryRebound(to: CChar.self) {
                    htmlCtxtReadMemory(ctxt, $0.baseAddress, length, file, encoding, htmlOptions)
                }
            }
        }
        guard let doc, xmlDocGetRootElement(doc) != nil else {
            if let doc { xmlFreeDoc(doc) }
            throw XMLKitError.empty(file: file)
        }
        self.init(pointer: doc, file: file, diagnostics: diagnostics)
    }

    /// The root element.
    public var root: XMLElement? {
        xmlDocGetRootElement(pointer).map { XMLElement(document: self, pointer: $0) }
    }

    /// Evaluates an XPath 1.0 expression and returns the element nodes it selects, in document order.
    public func select(_ xpath: String) -> [XMLElement] {
        guard let context = xmlXPathNewContext(pointer) else { return [] }
        defer { xmlXPathFreeContext(context) }
        guard let result = xmlXPathEvalExpression(xpath, context) else { return [] }
        defer { xmlXPathFreeObject(result) }
        guard let set = result.pointee.nodesetval, set.pointee.nodeNr > 0, let nodes = set.pointee.nodeTab else {
            return []
        }
        return (0..<Int(set.pointee.nodeNr)).compactMap { i in
            guard let node = nodes[i], node.pointee.type == XML_ELEMENT_NODE else { return nil }
            return XMLElement(document: self, pointer: node)
        }
    }
}

private func withDiagnostics<T>(
    ctxt: xmlParserCtxtPtr, sink: DiagnosticSink, _ body: () -> T
) -> (T, [XMLDiagnostic]) {
    let unmanaged = Unmanaged.passRetained(sink)
    defer { unmanaged.release() }
    ctxt.pointee._private = unmanaged.toOpaque()
    if let sax = ctxt.pointee.sax {
        sax.pointee.serror = { userData, error in collect(userData, error) }
    }
    let result = body()
    ctxt.pointee._private = nil
    return (result, sink.items)
}
