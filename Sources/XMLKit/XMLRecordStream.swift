import CLibXML2

/// An element copied out of a streamed document: its name, XPath, line, (optionally) text and
/// requested attributes, and the captured child elements. A plain `Sendable` value: no libxml2
/// pointer survives the parse.
///
/// Navigation mirrors `XMLElement` (`child`, `children`, `descend`, `attribute`), but only over
/// the elements named in the `XMLRecordStream.Capture` the stream was read with.
public struct XMLCapturedElement: Sendable {
    /// Local name, as `XMLElement.name`.
    public let name: String
    /// The XPath `xmlGetNodePath` gives for the element in the whole document.
    public let path: String
    /// 1-based line of the start tag, as `XMLElement.line` (`xmlGetLineNo`).
    public let line: Int
    /// Concatenated descendant text (as `XMLElement.text`) when the capture asked for it, else "".
    public let text: String
    /// Captured child elements in document order.
    public let children: [XMLCapturedElement]
    let attributeValues: [(String, String?)]

    /// Captured child elements named `name`.
    public func children(_ name: String) -> [XMLCapturedElement] { children.filter { $0.name == name } }

    /// First captured child element named `name`.
    public func child(_ name: String) -> XMLCapturedElement? { children.first { $0.name == name } }

    /// Follows a path of child names.
    public func descend(_ names: String...) -> XMLCapturedElement? {
        var current: XMLCapturedElement? = self
        for n in names { current = current?.child(n) }
        return current
    }

    /// Value of a requested attribute (as `xmlGetProp`), nil if absent or not requested.
    public func attribute(_ name: String) -> String? {
        for (n, v) in attributeValues where n == name { return v }
        return nil
    }
}

/// Streams an XML document with libxml2's SAX2 parser and hands out, one at a time, every
/// *record* element (e.g. `<clinical_study>`) with the parts of it a caller asked for, without
/// building the document tree: each record is delivered as soon as it closes (and its XPath is
/// known), so memory stays flat for a bundle of any size. No libxml2 node is made for the
/// document's elements and text (the cost of the tree is most of a parse: `xmllint --sax
/// --noout` takes about 0.4× the time of `xmllint --noout` or `--stream`).
///
/// Records: when the root element is named `record`, the root alone; otherwise every element
/// named `record` anywhere in the document, in document order (a record nested in another is
/// delivered as a record of its own, never as a captured element of the outer one).
///
/// Gives what the DOM (`XMLDocument(xml:file:)`) gives for the same elements: names, XPaths
/// as `xmlGetNodePath` writes them (`[n]` only when the element has a sibling of the same name;
/// namespaced names as `prefix:name`, default-namespace elements as `*`), text (internal
/// entities not expanded, as in the tree), attributes as `xmlGetProp` reads them (DTD defaults
/// included). Lines are the start tags' true lines; the tree caps them at 65,535.
///
/// Same parser options and entity policy as `XMLDocument(xml:file:)` (`XML_PARSE_NONET`, no
/// NOENT/DTDLOAD; the external entity loader installed by `XMLKit.initialize()` refuses
/// everything). The content of an internal entity is parsed by libxml2 into the DTD's own
/// nodes, as for the tree, and freed with the parse.
public enum XMLRecordStream {
    /// What to copy out of each record, by paths relative to the record element
    /// (`"eligibility/criteria/textblock"`).
    public struct Capture: Sendable {
        /// The record element's local name.
        public var record: String
        fileprivate let root: CaptureNode

        /// - Parameters:
        ///   - record: local name of the record element.
        ///   - elements: paths of elements to capture without their text (containers).
        ///   - text: paths of elements to capture with their text (implies captured).
        ///   - attributes: attribute names to read, by element path (implies captured).
        public init(record: String, elements: [String] = [], text: [String] = [], attributes: [String: [String]] = [:]) {
            self.record = record
            let root = CaptureNode(name: record)
            func node(_ path: String) -> CaptureNode {
                var n = root
                for part in path.split(separator: "/") { n = n.child(String(part)) }
                return n
            }
            for p in elements { _ = node(p) }
            for p in text { node(p).wantsText = true }
            for (p, names) in attributes { node(p).attributes.append(contentsOf: names) }
            self.root = root
        }
    }

    /// What the stream saw besides the records.
    public struct Summary: Sendable {
        /// Local name of the root element.
        public var rootName: String
        /// Number of records delivered.
        public var records: Int
    }

    /// Reads `bytes` and calls `body` with each record, in document order.
    ///
    /// Throws `XMLKitError.empty` for a blank input, `XMLKitError.malformed` (first error's line
    /// and message) when libxml2 reports an error; records before the error may already have
    /// been delivered. Errors thrown by `body` stop the stream and are rethrown.
    @discardableResult
    public static func read(
        xml bytes: [UInt8], file: String, capture: Capture, _ body: (XMLCapturedElement) throws -> Void
    ) throws -> Summary {
        XMLKit.initialize()
        if XMLKit.isBlank(bytes) {
            throw XMLKitError.empty(file: file)
        }
        guard let length = Int32(exactly: bytes.count) else { throw XMLKitError.tooLarge(file: file, bytes: bytes.count) }
        return try withoutActuallyEscaping(body) { body in
            try bytes.withUnsafeBufferPointer { buffer in
                try buffer.withMemoryRebound(to: CChar.self) { chars -> Summary in
                    guard let ctxt = xmlCreateMemoryParserCtxt(chars.baseAddress, length) else {
                        throw XMLKitError.parserUnavailable
                    }
                    defer {
                        if let doc = ctxt.pointee.myDoc {
                            xmlFreeDoc(doc)
                            ctxt.pointee.myDoc = nil
                        }
                        ctxt.pointee._private = nil
                        xmlFreeParserCtxt(ctxt)
                    }
                    ctxt.pointee.sax.pointee = saxHandler()
                    let stream = StreamState(ctxt: ctxt, capture: capture, body: body)
                    let unmanaged = Unmanaged.passRetained(stream)
                    defer { unmanaged.release() }
                    ctxt.pointee._private = unmanaged.toOpaque()
                    xmlCtxtUseOptions(ctxt, streamOptions)
                    xmlParseDocument(ctxt)
                    if let error = stream.thrown { throw error }
                    if ctxt.pointee.wellFormed == 0 || stream.sink.failed {
                        let items = stream.sink.items
                        let first = items.first { $0.level != .warning } ?? items.first
                        throw XMLKitError.malformed(file: file, line: first?.line ?? 0, message: first?.message ?? "parse failed")
                    }
                    return Summary(rootName: stream.walker.rootName, records: stream.walker.delivered)
                }
            }
        }
    }
}

private let streamOptions = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue)

/// The state of one parse, reached from the SAX callbacks through the parser context's
/// `_private`. Only the document's own context is the stream's: libxml2 parses an internal
/// entity's content in a context of its own (with the same callbacks and `_private`), and
/// those callbacks go to the default tree builder, as in the DOM.
private final class StreamState {
    let ctxt: xmlParserCtxtPtr
    let walker: Walker
    /// One error fails the file: the parse stops there (see `DiagnosticSink.stopOnError`).
    let sink = DiagnosticSink(stopOnError: true)
    let body: (XMLCapturedElement) throws -> Void
    @exclusivity(unchecked) var thrown: Error?

    init(ctxt: xmlParserCtxtPtr, capture: XMLRecordStream.Capture, body: @escaping (XMLCapturedElement) throws -> Void) {
        self.ctxt = ctxt
        walker = Walker(capture: capture)
        self.body = body
    }

    /// Calls `work` with the stream of `ctx` when `ctx` is its document's context, and says
    /// whether it did (not inside an entity's content). The stream is not retained: the parse
    /// it belongs to holds it.
    @inline(__always)
    static func with(_ ctx: UnsafeMutableRawPointer?, _ work: (StreamState) -> Void) -> Bool {
        guard let ctx else { return false }
        let ctxt = ctx.assumingMemoryBound(to: xmlParserCtxt.self)
        guard let raw = ctxt.pointee._private else { return false }
        return Unmanaged<StreamState>.fromOpaque(raw)._withUnsafeGuaranteedRef { stream in
            guard stream.ctxt == ctxt else { return false }
            work(stream)
            return true
        }
    }

    /// An element of the document starts (`written`: its attributes as libxml2 lists them).
    @inline(__always)
    func startElement(
        _ name: UnsafePointer<xmlChar>, prefix: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?,
        written: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?, count: Int
    ) {
        if walker.inertDepth > 0 {
            walker.inertDepth += 1
            return
        }
        guard !stopIfFailed() else { return }
        let line = Int(ctxt.pointee.input?.pointee.line ?? 0)
        do {
            try walker.start(
                name: name, prefix: prefix, uri: uri, line: line,
                attribute: { self.attribute($0, element: name, written: written, count: count) }, body)
        } catch {
            thrown = error
            stop()
        }
    }

    /// An element of the document ends.
    @inline(__always)
    func endElement() {
        if walker.inertDepth > 0 {
            walker.inertDepth -= 1
            return
        }
        guard !stopIfFailed() else { return }
        do { try walker.end(body) } catch {
            thrown = error
            stop()
        }
    }

    /// Stops the parse after an error (libxml2's, or thrown by the caller's body).
    func stop() { xmlStopParser(ctxt) }

    /// Once an error was reported or thrown: stops the parse and says so (delivery ends there,
    /// as the caller's DOM fallback expects).
    func stopIfFailed() -> Bool {
        guard thrown != nil || sink.failed else { return false }
        stop()
        return true
    }

    /// The value `xmlGetProp` would give for `name` on an element being started: the first
    /// written attribute of that local name (in any namespace), else a DTD default or fixed
    /// value declared for the element's local name.
    func attribute(
        _ name: [UInt8], element: UnsafePointer<xmlChar>, written: UnsafeMutablePointer<UnsafePointer<xmlChar>?>?,
        count: Int
    ) -> String? {
        let doc = ctxt.pointee.myDoc
        return name.withUnsafeBufferPointer { cName -> String? in
            let attributeName = cName.baseAddress!
            if let written {
                for i in 0..<count {
                    let base = written + 5 * i
                    guard let local = base[0], xmlStrEqual(local, attributeName) != 0, let start = base[3], let end = base[4]
                    else { continue }
                    let value = UnsafeBufferPointer(start: start, count: end - start)
                    // libxml2 hands over a value holding references (`&#38;` for an `&`) as
                    // written; the tree resolves them into the attribute's nodes.
                    guard value.contains(UInt8(ascii: "&")) else { return String(decoding: value, as: UTF8.self) }
                    guard let list = xmlStringLenGetNodeList(doc, start, Int32(clamping: value.count)) else { return "" }
                    defer { xmlFreeNodeList(list) }
                    guard let joined = xmlNodeListGetString(doc, list, 1) else { return "" }
                    defer { trialdiff_xmlFree(joined) }
                    return String(cString: joined)
                }
            }
            for subset in [doc?.pointee.intSubset, doc?.pointee.extSubset] {
                guard let subset, let declaration = xmlGetDtdAttrDesc(subset, element, attributeName) else { continue }
                return declaration.pointee.defaultValue.map { String(cString: $0) }
            }
            return nil
        }
    }
}

/// The SAX2 callbacks: libxml2's defaults (the DTD, entity declarations and lookups, which the
/// tree would also keep), with elements, text, comments, processing instructions and entity
/// references of the document itself going to the stream instead of into a tree.
private func saxHandler() -> xmlSAXHandler {
    var handler = xmlSAXHandler()
    xmlSAXVersion(&handler, 2)
    handler.startElementNs = { ctx, localname, prefix, uri, _, _, attributeCount, defaultedCount, attributes in
        let mine = StreamState.with(ctx) { stream in
            guard let localname else { return }
            // Attributes a DTD defaults are listed after the written ones; the tree leaves them out.
            stream.startElement(localname, prefix: prefix, uri: uri, written: attributes, count: Int(attributeCount - defaultedCount))
        }
        if !mine { xmlSAX2StartElementNs(ctx, localname, prefix, uri, 0, nil, attributeCount, defaultedCount, attributes) }
    }
    handler.endElementNs = { ctx, localname, prefix, uri in
        if !StreamState.with(ctx, { $0.endElement() }) { xmlSAX2EndElementNs(ctx, localname, prefix, uri) }
    }
    let characters: charactersSAXFunc = { ctx, bytes, count in
        let mine = StreamState.with(ctx) { stream in
            guard let bytes, !stream.walker.textSinks.isEmpty else { return }
            stream.walker.appendText(UnsafeBufferPointer(start: bytes, count: Int(count)))
        }
        if !mine { xmlSAX2Characters(ctx, bytes, count) }
    }
    handler.characters = characters
    handler.ignorableWhitespace = characters
    handler.cdataBlock = characters
    handler.comment = { ctx, value in
        if !StreamState.with(ctx, { _ in }) { xmlSAX2Comment(ctx, value) }
    }
    handler.processingInstruction = { ctx, target, data in
        if !StreamState.with(ctx, { _ in }) { xmlSAX2ProcessingInstruction(ctx, target, data) }
    }
    handler.reference = { ctx, name in
        if !StreamState.with(ctx, { _ in }) { xmlSAX2Reference(ctx, name) }
    }
    handler.serror = { userData, error in
        guard let userData, let error else { return }
        let ctxt = userData.assumingMemoryBound(to: xmlParserCtxt.self)
        guard let raw = ctxt.pointee._private else { return }
        Unmanaged<StreamState>.fromOpaque(raw).takeUnretainedValue().sink.record(error, of: ctxt)
    }
    return handler
}

/// A node of the capture specification (a trie of relative paths).
private final class CaptureNode: @unchecked Sendable {
    let name: String
    let cName: [UInt8]
    var children: [CaptureNode] = []
    var wantsText = false
    var attributes: [String] = [] {
        didSet { cAttributes = attributes.map { Array($0.utf8) + [0] } }
    }
    /// `attributes` as NUL-terminated UTF-8, for libxml2.
    private(set) var cAttributes: [[UInt8]] = []

    init(name: String) {
        self.name = name
        self.cName = Array(name.utf8) + [0]
    }

    func child(_ name: String) -> CaptureNode {
        if let c = children.first(where: { $0.name == name }) { return c }
        let c = CaptureNode(name: name)
        children.append(c)
        return c
    }

    func match(_ name: UnsafePointer<xmlChar>) -> CaptureNode? {
        for c in children {
            let equal = c.cName.withUnsafeBufferPointer { xmlStrEqual($0.baseAddress, name) != 0 }
            if equal { return c }
        }
        return nil
    }
}

/// An open (or, for record ancestors and captured elements, remembered) element.
private final class Frame {
    let name: UnsafePointer<xmlChar>
    /// Namespace: nil none; `prefix` nil with `hasNamespace` = default namespace (generic "*").
    let hasNamespace: Bool
    let prefix: String?
    let parent: Frame?
    @exclusivity(unchecked) var occurrence = 1
    /// Another element counted as a same-name sibling exists (before or after).
    @exclusivity(unchecked) var sameSibling = false
    @exclusivity(unchecked) var closed = false
    /// Children by counting key: the first child of each key, its name and how many so far.
    @exclusivity(unchecked) var firsts: [Frame] = []
    @exclusivity(unchecked) var firstNames: [UnsafePointer<xmlChar>] = []
    @exclusivity(unchecked) var counts: [Int] = []
    @exclusivity(unchecked) var childTotal = 0
    @exclusivity(unchecked) var firstChild: Frame?

    // Capture (nil when the element is not captured).
    @exclusivity(unchecked) var spec: CaptureNode?
    @exclusivity(unchecked) var line = 0
    @exclusivity(unchecked) var text: [UInt8] = []
    @exclusivity(unchecked) var attributes: [(String, String?)] = []
    @exclusivity(unchecked) var captured: [Frame] = []
    /// Start order of the record this frame is the root of, else -1.
    @exclusivity(unchecked) var recordSerial = -1
    /// Depth below the root.
    let depth: Int

    var generic: Bool { hasNamespace && prefix == nil }

    /// `name` is libxml2's dictionary string, alive as long as the parse; an element is in a
    /// namespace when it has a namespace URI (a prefixed one, or the default namespace).
    init(name: UnsafePointer<xmlChar>, prefix: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?, parent: Frame?) {
        self.name = name
        hasNamespace = uri != nil
        self.prefix = uri != nil ? prefix.map { String(cString: $0) } : nil
        self.parent = parent
        depth = (parent?.depth ?? -1) + 1
    }

    /// Counts as a same-name sibling of `self` in `xmlGetNodePath` (for a non-generic `self`).
    /// Names are compared as pointers: libxml2's parser hands out every element name from its
    /// dictionary, which keeps one copy of each string.
    func sameKey(_ other: Frame) -> Bool {
        guard !other.generic, hasNamespace == other.hasNamespace, name == other.name else { return false }
        return !hasNamespace || prefix == other.prefix
    }

    /// The path is final: the element's index can no longer change.
    var isFinal: Bool { parent == nil || sameSibling || parent!.closed }

    var segment: String {
        let local = String(cString: name)
        let display = hasNamespace ? (prefix.map { "\($0):\(local)" } ?? "*") : local
        return sameSibling ? "/\(display)[\(occurrence)]" : "/\(display)"
    }

    var path: String {
        var parts: [String] = []
        var f: Frame? = self
        while let x = f {
            parts.append(x.segment)
            f = x.parent
        }
        return parts.reversed().joined()
    }

    /// Drops the downward references of this frame and its captured descendants.
    func dismantle() {
        for c in captured { c.dismantle() }
        captured = []
        firsts = []
        firstNames = []
        counts = []
        firstChild = nil
        text = []
    }

    /// The counting key of `child` among the children so far.
    private func keyIndex(_ child: Frame) -> Int? {
        for (i, n) in firstNames.enumerated() where n == child.name && firsts[i].sameKey(child) { return i }
        return nil
    }

    /// Registers `child` as the next element child of `self`, computing its index.
    func add(child: Frame) {
        if childTotal == 1, let first = firstChild, first.generic { first.sameSibling = true }
        if child.generic {
            child.occurrence = childTotal + 1
            if childTotal > 0 { child.sameSibling = true }
        } else if let i = keyIndex(child) {
            counts[i] += 1
            child.occurrence = counts[i]
            child.sameSibling = true
            firsts[i].sameSibling = true
        } else {
            firsts.append(child)
            firstNames.append(child.name)
            counts.append(1)
        }
        if childTotal == 0 { firstChild = child }
        childTotal += 1
    }
}

private final class Walker {
    let capture: XMLRecordStream.Capture
    let recordName: [UInt8]
    @exclusivity(unchecked) var stack: [Frame] = []
    /// Open captured elements that want text.
    @exclusivity(unchecked) var textSinks: [Frame] = []
    @exclusivity(unchecked) var rootName = ""
    @exclusivity(unchecked) var rootIsRecord = false
    @exclusivity(unchecked) var serial = 0
    @exclusivity(unchecked) var delivered = 0
    /// Records started and not yet delivered, in start order (delivered in document order once
    /// closed and their XPath is final).
    @exclusivity(unchecked) var started: [Frame] = []
    /// Depth inside an inert subtree, 0 outside one (counted by the stream's callbacks, which
    /// call `start` and `end` only outside). In a single-record document, the elements
    /// below an uncaptured element can be neither captured nor records, and their paths are
    /// never asked for: they get no frame (in ClinicalTrials.gov records, about 80% of the
    /// elements: locations, contacts, results). Their text still reaches the open text sinks.
    @exclusivity(unchecked) var inertDepth = 0

    init(capture: XMLRecordStream.Capture) {
        self.capture = capture
        self.recordName = capture.root.cName
    }

    /// An element starts: `line` is its start tag's, `attribute` reads a named attribute's value.
    func start(
        name: UnsafePointer<xmlChar>, prefix: UnsafePointer<xmlChar>?, uri: UnsafePointer<xmlChar>?, line: Int,
        attribute: ([UInt8]) -> String?, _ body: (XMLCapturedElement) throws -> Void
    ) throws {
        let parent = stack.last
        if rootIsRecord, let parent, parent.spec == nil {
            inertDepth = 1
            return
        }
        let frame = Frame(name: name, prefix: prefix, uri: uri, parent: parent)
        let isRecordName = recordName.withUnsafeBufferPointer { xmlStrEqual(frame.name, $0.baseAddress) != 0 }
        if parent == nil {
            rootName = String(cString: frame.name)
            rootIsRecord = isRecordName
        }
        // Parents count their children (for sibling indexes in paths); the children of a
        // single-record document's uncaptured elements never got here (inert above).
        parent?.add(child: frame)
        if isRecordName && (parent == nil || !rootIsRecord) {
            frame.spec = capture.root
            frame.recordSerial = serial
            serial += 1
            frame.line = line
            started.append(frame)
        } else if let pspec = parent?.spec, let spec = pspec.match(frame.name) {
            frame.spec = spec
            frame.line = line
            parent!.captured.append(frame)
            for (a, cName) in zip(spec.attributes, spec.cAttributes) { frame.attributes.append((a, attribute(cName))) }
            if spec.wantsText { textSinks.append(frame) }
        }
        stack.append(frame)
        if let head = started.first, head.closed { try flush(body) }
    }

    func end(_ body: (XMLCapturedElement) throws -> Void) throws {
        guard let frame = stack.popLast() else { return }
        frame.closed = true
        if let spec = frame.spec, spec.wantsText, textSinks.last === frame { textSinks.removeLast() }
        if let head = started.first, head.closed { try flush(body) }
        // Free what is no longer needed: children bookkeeping of closed frames.
        frame.firsts = []
        frame.firstNames = []
        frame.counts = []
        frame.firstChild = nil
    }

    func appendText(_ bytes: UnsafeBufferPointer<xmlChar>) {
        for f in textSinks { f.text.append(contentsOf: bytes) }
    }

    /// Delivers, in start order, the records whose XPath (and every ancestor's) is final.
    func flush(_ body: (XMLCapturedElement) throws -> Void) throws {
        while let head = started.first {
            guard head.closed else { return }
            var f: Frame? = head
            while let x = f {
                guard x.isFinal else { return }
                f = x.parent
            }
            started.removeFirst()
            let element = snapshot(head, path: head.path)
            // Captured frames point up to their parents and parents down to them: break the
            // cycle once the record is copied out, or every record's frames would leak.
            head.dismantle()
            delivered += 1
            try body(element)
        }
    }

    private func snapshot(_ frame: Frame, path: String) -> XMLCapturedElement {
        let children = frame.captured.map { snapshot($0, path: path + $0.segment) }
        let text = frame.spec?.wantsText == true && frame.recordSerial < 0 ? String(decoding: frame.text, as: UTF8.self) : ""
        return XMLCapturedElement(
            name: String(cString: frame.name), path: path, line: frame.line, text: text, children: children,
            attributeValues: frame.attributes)
    }
}
