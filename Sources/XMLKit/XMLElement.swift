import CLibXML2

/// An element of an `XMLDocument`. Holds its document strongly, so the underlying node stays
/// valid for as long as the wrapper exists. Not `Sendable`: use it on the task that parsed it and
/// copy out Swift values.
public struct XMLElement {
    public let document: XMLDocument
    let pointer: xmlNodePtr

    init(document: XMLDocument, pointer: xmlNodePtr) {
        self.document = document
        self.pointer = pointer
    }

    /// Local name, lower-case for HTML as libxml2 reports it.
    public var name: String { pointer.pointee.name.map { String(cString: $0) } ?? "" }

    /// 1-based line of the start tag in the input.
    public var line: Int { Int(xmlGetLineNo(pointer)) }

    /// An XPath that selects this node, e.g. `/clinical_study/eligibility/criteria/textblock`.
    public var path: String {
        guard let p = xmlGetNodePath(pointer) else { return "" }
        defer { trialdiff_xmlFree(p) }
        return String(cString: p)
    }

    /// Child elements in document order.
    public var children: [XMLElement] {
        var out: [XMLElement] = []
        var child = pointer.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE { out.append(XMLElement(document: document, pointer: c)) }
            child = c.pointee.next
        }
        return out
    }

    /// Child elements named `name`.
    public func children(_ name: String) -> [XMLElement] { children.filter { $0.name == name } }

    /// First child element named `name`.
    public func child(_ name: String) -> XMLElement? {
        var child = pointer.pointee.children
        while let c = child {
            if c.pointee.type == XML_ELEMENT_NODE, let n = c.pointee.name, xmlStrEqual(n, name) != 0 {
                return XMLElement(document: document, pointer: c)
            }
            child = c.pointee.next
        }
        return nil
    }

    /// Follows a path of child names: `element.descend("eligibility", "criteria", "textblock")`.
    public func descend(_ names: String...) -> XMLElement? {
        var current: XMLElement? = self
        for n in names { current = current?.child(n) }
        return current
    }

    /// Value of attribute `name`, if present.
    public func attribute(_ name: String) -> String? {
        guard let v = xmlGetProp(pointer, name) else { return nil }
        defer { trialdiff_xmlFree(v) }
        return String(cString: v)
    }

    /// The parent element, if any.
    public var parent: XMLElement? {
        guard let p = pointer.pointee.parent, p.pointee.type == XML_ELEMENT_NODE else { return nil }
        return XMLElement(document: document, pointer: p)
    }

    /// The next sibling element.
    public var nextElement: XMLElement? {
        var n = pointer.pointee.next
        while let c = n {
            if c.pointee.type == XML_ELEMENT_NODE { return XMLElement(document: document, pointer: c) }
            n = c.pointee.next
        }
        return nil
    }

    /// Concatenated text of all descendant text and CDATA nodes, exactly as in the source.
    /// Entity references are not expanded (external entities are never loaded).
    public var text: String {
        var bytes: [UInt8] = []
        appendText(pointer, into: &bytes, blockBreaks: false)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Text with a line break after block-level HTML elements (`p`, `div`, `br`, `li`, `tr`,
    /// headings, …), so that page text keeps its visual lines.
    public var blockText: String {
        var bytes: [UInt8] = []
        appendText(pointer, into: &bytes, blockBreaks: true)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// True when the element has a `class` attribute containing `name` as a word.
    public func hasClass(_ name: String) -> Bool {
        guard let c = attribute("class") else { return false }
        return c.split(whereSeparator: { $0 == " " || $0 == "\t" }).contains { $0 == name }
    }

    /// All descendant elements (depth-first, document order) for which `predicate` holds.
    public func descendants(where predicate: (XMLElement) -> Bool) -> [XMLElement] {
        var out: [XMLElement] = []
        func walk(_ node: xmlNodePtr) {
            var child = node.pointee.children
            while let c = child {
                if c.pointee.type == XML_ELEMENT_NODE {
                    let e = XMLElement(document: document, pointer: c)
                    if predicate(e) { out.append(e) }
                    walk(c)
                }
                child = c.pointee.next
            }
        }
        walk(pointer)
        return out
    }
}

private let blockElements: Set<String> = [
    "p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "section", "article",
    "header", "footer", "ul", "ol", "table", "tbody", "thead", "blockquote", "pre", "hr", "main", "nav", "td", "th",
]
private let skippedElements: Set<String> = ["script", "style", "noscript", "template"]

private func appendText(_ node: xmlNodePtr, into bytes: inout [UInt8], blockBreaks: Bool) {
    var child = node.pointee.children
    while let c = child {
        switch c.pointee.type {
        case XML_TEXT_NODE, XML_CDATA_SECTION_NODE:
            if let content = c.pointee.content {
                var p = content
                while p.pointee != 0 {
                    bytes.append(p.pointee)
                    p += 1
                }
            }
        case XML_ELEMENT_NODE:
            let name = c.pointee.name.map { String(cString: $0) } ?? ""
            if blockBreaks && skippedElements.contains(name) { break }
            appendText(c, into: &bytes, blockBreaks: blockBreaks)
            if blockBreaks {
                if name == "td" || name == "th" {
                    bytes.append(0x09)
                } else if blockElements.contains(name) {
                    bytes.append(0x0A)
                }
            }
        default:
            break
        }
        child = c.pointee.next
    }
}
