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

/// Streams an XML document with libxml2's `xmlTextReader` and hands out, one at a time, every
/// *record* element (e.g. `<clinical_study>`) with the parts of it a caller asked for, without
/// building the document tree: each record is delivered as soon as it closes (and its XPath is
/// known), and libxml2 frees the nodes behind the reader, so memory stays flat for a bundle of
/// any size.
///
/// Records: when the root element is named `record`, the root alone; otherwise every element
/// named `record` anywhere in the document, in document order (a record nested in another is
/// delivered as a record of its own, never as a captured element of the outer one).
///
/// Same parser options and entity policy as `XMLDocument(xml:file:)` (`XML_PARSE_NONET`, no
/// NOENT/DTDLOAD; the external entity loader installed by `XMLKit.initialize()` refuses
/// everything). XPaths follow `xmlGetNodePath`: `[n]` only when the element has a sibling of the
/// same name (namespaced names as `prefix:name`, default-namespace elements as `*`).
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
        return try bytes.withUnsafeBufferPointer { buffer -> Summary in
            try buffer.withMemoryRebound(to: CChar.self) { chars -> Summary in
                guard let reader = xmlReaderForMemory(chars.baseAddress, Int32(chars.count), file, nil, streamOptions) else {
                    throw XMLKitError.parserUnavailable
                }
                defer { xmlFreeTextReader(reader) }
                let sink = DiagnosticSink()
                let unmanaged = Unmanaged.passRetained(sink)
                defer { unmanaged.release() }
                xmlTextReaderSetStructuredErrorHandler(reader, { arg, error in
                    guard let arg, let error else { return }
                    Unmanaged<DiagnosticSink>.fromOpaque(arg).takeUnretainedValue().add(error)
                }, unmanaged.toOpaque())
                var walker = Walker(capture: capture)
                var status: Int32 = 1
                while status == 1 {
                    status = xmlTextReaderRead(reader)
                    if status != 1 || sink.failed { break }
                    switch xmlTextReaderNodeType(reader) {
                    case 1:  // element
                        guard let node = xmlTextReaderCurrentNode(reader) else { continue }
                        try walker.start(node, body)
                        if xmlTextReaderIsEmptyElement(reader) == 1 { try walker.end(body) }
                    case 15:  // end element
                        try walker.end(body)
                    case 3, 4, 13, 14:  // text, CDATA, (significant) whitespace: all text nodes in the tree
                        if walker.wantsText, let value = xmlTextReaderConstValue(reader) {
                            walker.appendText(value)
                        }
                    default:
                        break
                    }
                }
                if status < 0 || sink.failed {
                    let first = sink.items.first { $0.level != .warning } ?? sink.items.first
                    throw XMLKitError.malformed(file: file, line: first?.line ?? 0, message: first?.message ?? "parse failed")
                }
                return Summary(rootName: walker.rootName, records: walker.delivered)
            }
        }
    }
}

private let streamOptions = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOCDATA.rawValue | XML_PARSE_COMPACT.rawValue)

/// A node of the capture specification (a trie of relative paths).
private final class CaptureNode: @unchecked Sendable {
    let name: String
    let cName: [UInt8]
    var children: [CaptureNode] = []
    var wantsText = false
    var attributes: [String] = []

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
    var occurrence = 1
    /// Another element counted as a same-name sibling exists (before or after).
    var sameSibling = false
    var closed = false
    /// Children by counting key: the first child of each key and how many so far.
    var firsts: [Frame] = []
    var counts: [Int] = []
    var childTotal = 0
    var firstChild: Frame?

    // Capture (nil when the element is not captured).
    var spec: CaptureNode?
    var line = 0
    var text: [UInt8] = []
    var attributes: [(String, String?)] = []
    var captured: [Frame] = []
    /// Start order of the record this frame is the root of, else -1.
    var recordSerial = -1
    /// Depth below the root.
    let depth: Int

    var generic: Bool { hasNamespace && prefix == nil }

    init(node: xmlNodePtr, parent: Frame?) {
        name = UnsafePointer(node.pointee.name ?? UnsafePointer<xmlChar>(bitPattern: 1)!)
        if let ns = node.pointee.ns {
            hasNamespace = true
            prefix = ns.pointee.prefix.map { String(cString: $0) }
        } else {
            hasNamespace = false
            prefix = nil
        }
        self.parent = parent
        depth = (parent?.depth ?? -1) + 1
    }

    /// Counts as a same-name sibling of `self` in `xmlGetNodePath` (for a non-generic `self`).
    func sameKey(_ other: Frame) -> Bool {
        guard !other.generic, hasNamespace == other.hasNamespace, xmlStrEqual(name, other.name) != 0 else { return false }
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
        counts = []
        firstChild = nil
        text = []
    }

    /// Registers `child` as the next element child of `self`, computing its index.
    func add(child: Frame) {
        if childTotal == 1, let first = firstChild, first.generic { first.sameSibling = true }
        if child.generic {
            child.occurrence = childTotal + 1
            if childTotal > 0 { child.sameSibling = true }
        } else if let i = firsts.firstIndex(where: { $0.sameKey(child) }) {
            counts[i] += 1
            child.occurrence = counts[i]
            child.sameSibling = true
            firsts[i].sameSibling = true
        } else {
            firsts.append(child)
            counts.append(1)
        }
        if childTotal == 0 { firstChild = child }
        childTotal += 1
    }
}

private struct Walker {
    let capture: XMLRecordStream.Capture
    let recordName: [UInt8]
    var stack: [Frame] = []
    /// Open captured elements that want text.
    var textSinks: [Frame] = []
    var rootName = ""
    var rootIsRecord = false
    var serial = 0
    var delivered = 0
    /// Records started and not yet delivered, in start order (delivered in document order once
    /// closed and their XPath is final).
    var started: [Frame] = []
    /// Depth inside an inert subtree, 0 outside one. In a single-record document, the elements
    /// below an uncaptured element can be neither captured nor records, and their paths are
    /// never asked for: they get no frame (in ClinicalTrials.gov records, about 80% of the
    /// elements: locations, contacts, results). Their text still reaches the open text sinks.
    var inertDepth = 0

    init(capture: XMLRecordStream.Capture) {
        self.capture = capture
        self.recordName = capture.root.cName
    }

    var wantsText: Bool { !textSinks.isEmpty }

    mutating func start(_ node: xmlNodePtr, _ body: (XMLCapturedElement) throws -> Void) throws {
        if inertDepth > 0 {
            inertDepth += 1
            return
        }
        let parent = stack.last
        if rootIsRecord, let parent, parent.spec == nil {
            inertDepth = 1
            return
        }
        let frame = Frame(node: node, parent: parent)
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
            frame.line = Int(xmlGetLineNo(node))
            started.append(frame)
        } else if let pspec = parent?.spec, let spec = pspec.match(frame.name) {
            frame.spec = spec
            frame.line = Int(xmlGetLineNo(node))
            parent!.captured.append(frame)
            for a in spec.attributes {
                let value = a.withCString { name -> String? in
                    guard let v = xmlGetProp(node, name) else { return nil }
                    defer { trialdiff_xmlFree(v) }
                    return String(cString: v)
                }
                frame.attributes.append((a, value))
            }
            if spec.wantsText { textSinks.append(frame) }
        }
        stack.append(frame)
        if let head = started.first, head.closed { try flush(body) }
    }

    mutating func end(_ body: (XMLCapturedElement) throws -> Void) throws {
        if inertDepth > 0 {
            inertDepth -= 1
            return
        }
        guard let frame = stack.popLast() else { return }
        frame.closed = true
        if let spec = frame.spec, spec.wantsText, textSinks.last === frame { textSinks.removeLast() }
        if let head = started.first, head.closed { try flush(body) }
        // Free what is no longer needed: children bookkeeping of closed frames.
        frame.firsts = []
        frame.counts = []
        frame.firstChild = nil
    }

    mutating func appendText(_ value: UnsafePointer<xmlChar>) {
        let bytes = UnsafeBufferPointer(start: value, count: Int(xmlStrlen(value)))
        for f in textSinks { f.text.append(contentsOf: bytes) }
    }

    /// Delivers, in start order, the records whose XPath (and every ancestor's) is final.
    mutating func flush(_ body: (XMLCapturedElement) throws -> Void) throws {
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
