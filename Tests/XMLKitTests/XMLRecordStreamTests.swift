import Foundation
import TestSupport
import Testing

@testable import XMLKit

/// The streaming reader must give, for every captured element, exactly what the DOM gives:
/// name, XPath (`xmlGetNodePath`), line, text and attributes, records in document order.
@Suite struct XMLRecordStreamTests {
    static func domRecords(_ doc: XMLDocument, name: String) -> [XMLElement] {
        guard let root = doc.root else { return [] }
        return root.name == name ? [root] : root.descendants { $0.name == name }
    }

    /// Compares a streamed element with its DOM element, recursively over captured children.
    static func compare(
        _ s: XMLCapturedElement, _ d: XMLElement, capture: Set<String>, prefix: String, isRecord: Bool,
        attributes: [String: [String]], record: String
    ) {
        #expect(s.name == d.name)
        #expect(s.path == d.path, "path of \(d.path)")
        #expect(s.line == d.line, "line of \(d.path)")
        if !isRecord {
            #expect(s.text == d.text, "text of \(d.path)")
            for a in attributes[prefix] ?? [] { #expect(s.attribute(a) == d.attribute(a), "@\(a) of \(d.path)") }
        }
        let domChildren = d.children.filter { $0.name != record && capture.contains(prefix.isEmpty ? $0.name : prefix + "/" + $0.name) }
        #expect(s.children.count == domChildren.count, "children of \(d.path)")
        for (sc, dc) in zip(s.children, domChildren) {
            compare(
                sc, dc, capture: capture, prefix: prefix.isEmpty ? dc.name : prefix + "/" + dc.name, isRecord: false,
                attributes: attributes, record: record)
        }
    }

    /// Streams `bytes` and checks every record against the DOM; returns the number of records.
    @discardableResult
    static func check(_ bytes: [UInt8], file: String, record: String = "clinical_study", depth: Int = 3) throws -> Int {
        let doc = try XMLDocument(xml: bytes, file: file)
        let dom = domRecords(doc, name: record)
        var text: Set<String> = []
        var attributes: [String: [String]] = [:]
        func walk(_ e: XMLElement, _ prefix: String, _ level: Int) {
            guard level <= depth else { return }
            // A record nested in a record is delivered as a record of its own, not captured.
            for c in e.children where c.name != record {
                let p = prefix.isEmpty ? c.name : prefix + "/" + c.name
                text.insert(p)
                var a = c.pointer.pointee.properties
                while let attr = a {
                    if let n = attr.pointee.name, !(attributes[p]?.contains(String(cString: n)) ?? false) {
                        attributes[p, default: []].append(String(cString: n))
                    }
                    a = attr.pointee.next
                }
                walk(c, p, level + 1)
            }
        }
        for r in dom { walk(r, "", 1) }
        for k in attributes.keys { attributes[k]!.append("missing") }
        let capture = XMLRecordStream.Capture(record: record, text: text.sorted(), attributes: attributes)
        var streamed: [XMLCapturedElement] = []
        let summary = try XMLRecordStream.read(xml: bytes, file: file, capture: capture) { streamed.append($0) }
        #expect(summary.rootName == doc.root?.name)
        #expect(summary.records == dom.count)
        #expect(streamed.count == dom.count, "records in \(file)")
        for (s, d) in zip(streamed, dom) {
            compare(s, d, capture: text, prefix: "", isRecord: true, attributes: attributes, record: record)
        }
        return dom.count
    }

    static var realdata: URL { Fixtures.realdata }

    @Test func matchesTheDOMOnEveryRealXMLFixture() throws {
        let files = FileManager.default.enumerator(at: Self.realdata, includingPropertiesForKeys: nil)!
            .compactMap { $0 as? URL }.filter { $0.pathExtension == "xml" }.sorted { $0.path < $1.path }
        #expect(files.count >= 10)
        var records = 0
        for url in files {
            let bytes = Array(try Data(contentsOf: url))
            let head = String(decoding: bytes.prefix(4096), as: UTF8.self)
            // Every XML fixture, with `clinical_study` records where it has them, else its items.
            let name = head.contains("<rss") ? "item" : "clinical_study"
            records += try Self.check(bytes, file: url.lastPathComponent, record: name, depth: 4)
        }
        #expect(records > 10)
    }

    @Test func bundlesAndSiblingIndexesMatchXmlGetNodePath() throws {
        let cases = [
            // Bundle: the first study's index is known only when the second opens.
            "<search_results count=\"2\"><query>q</query><clinical_study rank=\"1\"><brief_title>A</brief_title><condition>x</condition><condition>y</condition></clinical_study>\n<clinical_study rank=\"2\"><brief_title>B</brief_title></clinical_study></search_results>",
            // A lone study in a bundle: no index.
            "<search_results><clinical_study><brief_title>A</brief_title></clinical_study><other/></search_results>",
            // Same-name sibling far after the first, with other elements in between.
            "<r><clinical_study><c>1</c><d/><e/><c>2</c></clinical_study><x/><y/><clinical_study/></r>",
            // Nested wrappers with their own indexes, and a nested study.
            "<r><w><clinical_study><k>1</k><clinical_study><k>inner</k></clinical_study></clinical_study></w><w><clinical_study><k>2</k></clinical_study></w></r>",
            // Namespaces: prefixed names and default-namespace elements ("*", counted over all siblings).
            "<r xmlns:p=\"urn:p\"><clinical_study><p:a>1</p:a><p:a>2</p:a><a>3</a><q xmlns=\"urn:q\"><z>1</z><y/></q><b/></clinical_study></r>",
            "<clinical_study xmlns=\"urn:d\"><a>1</a><b>2</b></clinical_study>",
            // Text: CDATA, character and predefined entity references, comments and PIs, mixed content.
            "<clinical_study>\n<t>a <![CDATA[b<c]]> &amp; &#x3b1; <!-- no --><?pi x?>d<i>e</i>f</t>\n<t/>\n</clinical_study>",
            // Internal entity: not expanded in text, as in the DOM.
            "<!DOCTYPE clinical_study [<!ENTITY e \"EXPANDED\">]><clinical_study><t>a &e; b</t></clinical_study>",
            // Attributes, including one with a namespace and a DTD default.
            "<!DOCTYPE r [<!ATTLIST enrollment type CDATA \"Anticipated\">]><r xmlns:p=\"urn:p\"><clinical_study><enrollment p:type=\"x\">5</enrollment><enrollment type=\"Actual\">6</enrollment></clinical_study></r>",
            // Attribute values with references (libxml2 hands them to SAX as written) and white
            // space the parser normalizes; an element with a DTD default and none written.
            "<!DOCTYPE r [<!ENTITY v \"ent\"><!ATTLIST enrollment type CDATA \"Anti&amp;cipated\">]><r><clinical_study><enrollment type=\"a &amp; b &#60; &#x3b1; &lt;&gt;&quot;&apos;\">1</enrollment><enrollment type=\"x&v;y\"/><enrollment type=\"t\tab\nline\"/><enrollment/></clinical_study></r>",
            // An internal entity holding elements and text: the tree keeps them under the entity,
            // not as the record's children or text.
            "<!DOCTYPE clinical_study [<!ENTITY e \"<t>inner</t>text\">]><clinical_study><t>a &e; b &e;</t>&e;<t>c</t></clinical_study>",
        ]
        for (i, xml) in cases.enumerated() { try Self.check(Array(xml.utf8), file: "case\(i).xml", depth: 3) }
    }

    /// In a single-record document, elements below an uncaptured element get no frame; their text
    /// still belongs to a captured ancestor, and the paths of later captured siblings still count
    /// every earlier sibling.
    @Test func uncapturedSubtreesKeepTextAndSiblingIndexes() throws {
        let xml = """
            <clinical_study><location><facility><name>A</name><address><city>X</city></address></facility></location>
            <t>a<u><v><w>deep</w><w/></v>text</u>b</t><location><facility/><facility><name>B</name></facility></location>
            <t>2</t><clinical_study><t>nested</t><location><x>y</x></location></clinical_study><location/></clinical_study>
            """
        for depth in 1...2 { try Self.check(Array(xml.utf8), file: "inert.xml", depth: depth) }
        var texts: [String] = []
        let capture = XMLRecordStream.Capture(record: "clinical_study", text: ["t", "location"])
        try XMLRecordStream.read(xml: Array(xml.utf8), file: "inert.xml", capture: capture) { record in
            texts = record.children.map { "\($0.path)=\($0.text)" }
        }
        #expect(
            texts == [
                "/clinical_study/location[1]=AX", "/clinical_study/t[1]=adeeptextb", "/clinical_study/location[2]=B",
                "/clinical_study/t[2]=2", "/clinical_study/location[3]=",
            ])
    }

    @Test func manyRecordsAreDeliveredOneByOneInOrder() throws {
        var xml = "<search_results>\n"
        for i in 0..<500 { xml += "<clinical_study><id_info><nct_id>NCT\(i)</nct_id></id_info></clinical_study>\n" }
        xml += "</search_results>\n"
        let capture = XMLRecordStream.Capture(record: "clinical_study", elements: ["id_info"], text: ["id_info/nct_id"])
        var ids: [String] = []
        var paths: [String] = []
        try XMLRecordStream.read(xml: Array(xml.utf8), file: "b.xml", capture: capture) { study in
            ids.append(study.descend("id_info", "nct_id")?.text ?? "")
            paths.append(study.path)
        }
        #expect(ids == (0..<500).map { "NCT\($0)" })
        #expect(paths.first == "/search_results/clinical_study[1]")
        #expect(paths.last == "/search_results/clinical_study[500]")
        try Self.check(Array(xml.utf8), file: "b.xml")
    }

    /// libxml2's tree keeps at most 65,535 as an element's line; the stream counts on.
    @Test func linesPastSixtyFiveThousandAreTheTrueLines() throws {
        var xml = "<search_results>\n"
        var expected: [Int] = []
        var line = 2
        for i in 0..<3 {
            expected.append(line)
            xml += "<clinical_study>\n<brief_title>T\(i)</brief_title>\n"
            line += 2
            for _ in 0..<34_000 {
                xml += "<condition>c</condition>\n"
                line += 1
            }
            xml += "</clinical_study>\n"
            line += 1
        }
        xml += "</search_results>\n"
        let capture = XMLRecordStream.Capture(record: "clinical_study", text: ["brief_title"])
        var lines: [Int] = []
        var titleLines: [Int] = []
        try XMLRecordStream.read(xml: Array(xml.utf8), file: "long.xml", capture: capture) { study in
            lines.append(study.line)
            titleLines.append(study.child("brief_title")?.line ?? 0)
        }
        #expect(lines == expected)
        #expect(titleLines == expected.map { $0 + 1 })
        #expect(lines.last! > 65_535)
    }

    /// An entity expanding to billions of characters is neither expanded nor allowed to run
    /// away: the parse ends promptly, with an error or with the reference left out.
    @Test func nestedEntityExpansionDoesNotRunAway() throws {
        var dtd = "<!ENTITY l0 \"lol\">"
        for i in 1...9 { dtd += "<!ENTITY l\(i) \"" + String(repeating: "&l\(i - 1);", count: 10) + "\">" }
        let xml = "<?xml version=\"1.0\"?><!DOCTYPE clinical_study [\(dtd)]><clinical_study><t>a &l9; b</t></clinical_study>"
        let capture = XMLRecordStream.Capture(record: "clinical_study", text: ["t"])
        let clock = ContinuousClock()
        var text: String?
        let elapsed = clock.measure {
            do {
                try XMLRecordStream.read(xml: Array(xml.utf8), file: "lol.xml", capture: capture) { text = $0.child("t")?.text }
            } catch {
                #expect(error is XMLKitError)
            }
        }
        #expect((text ?? "").count < 100)
        #expect(elapsed < .seconds(5))
    }

    /// An error thrown by the caller's body stops the stream at that record and is rethrown.
    @Test func aThrowingBodyStopsTheStream() {
        struct Stop: Error {}
        var xml = "<search_results>"
        for i in 0..<50 { xml += "<clinical_study><t>\(i)</t></clinical_study>" }
        xml += "</search_results>"
        let capture = XMLRecordStream.Capture(record: "clinical_study", text: ["t"])
        var seen: [String] = []
        #expect(throws: Stop.self) {
            try XMLRecordStream.read(xml: Array(xml.utf8), file: "stop.xml", capture: capture) { study in
                seen.append(study.child("t")?.text ?? "")
                if seen.count == 3 { throw Stop() }
            }
        }
        #expect(seen == ["0", "1", "2"])
    }

    @Test func errorsNameFileAndLineLikeTheDOM() {
        let capture = XMLRecordStream.Capture(record: "clinical_study", text: ["a"])
        let bad = "<?xml version=\"1.0\"?>\n<clinical_study>\n<a>\n</clinical_study>\n"
        #expect {
            try XMLRecordStream.read(xml: Array(bad.utf8), file: "bad.xml", capture: capture) { _ in }
        } throws: { error in
            guard case let XMLKitError.malformed(file, line, message) = error else { return false }
            return file == "bad.xml" && line == 4 && message.contains("mismatch")
        }
        #expect(throws: XMLKitError.empty(file: "e.xml")) {
            try XMLRecordStream.read(xml: Array(" \n\t".utf8), file: "e.xml", capture: capture) { _ in }
        }
        #expect(throws: XMLKitError.empty(file: "z.xml")) {
            try XMLRecordStream.read(xml: [], file: "z.xml", capture: capture) { _ in }
        }
    }

    @Test func truncatedFilesFailWithTheDOMsLine() throws {
        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <clinical_study>
              <brief_title>T</brief_title>
              <condition>A</condition>
              <eligibility><criteria><textblock>
                Inclusion Criteria: age 18 &amp; older
              </textblock></criteria></eligibility>
            </clinical_study>
            """
        let bytes = Array(xml.utf8)
        let capture = XMLRecordStream.Capture(record: "clinical_study", text: ["brief_title", "condition"])
        for cut in stride(from: 1, to: bytes.count, by: 7) {
            let part = Array(bytes.prefix(cut))
            var domError: XMLKitError?
            do { _ = try XMLDocument(xml: part, file: "t.xml") } catch let e as XMLKitError { domError = e }
            var streamError: XMLKitError?
            do { try XMLRecordStream.read(xml: part, file: "t.xml", capture: capture) { _ in } } catch let e as XMLKitError {
                streamError = e
            }
            #expect(domError != nil)
            #expect(streamError != nil)
            if case let .malformed(_, dl, _)? = domError, case let .malformed(_, sl, _)? = streamError {
                #expect(sl == dl, "line at cut \(cut)")
            }
        }
    }

    @Test func externalEntitiesAreNeverLoaded() throws {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE clinical_study [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY y SYSTEM "http://127.0.0.1:9/x">]>
            <clinical_study><b>before &x; &y; after</b></clinical_study>
            """
        let capture = XMLRecordStream.Capture(record: "clinical_study", text: ["b"])
        var text = ""
        try XMLRecordStream.read(xml: Array(xml.utf8), file: "xxe.xml", capture: capture) { text = $0.child("b")?.text ?? "" }
        #expect(!text.contains("root:"))
        #expect(text.contains("before") && text.contains("after"))
    }
}
