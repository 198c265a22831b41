import Testing

@testable import XMLKit

@Suite struct XMLDocumentTests {
    @Test func parsesElementsTextLinesAndPaths() throws {
        let xml = "<?xml version=\"1.0\"?>\n<a>\n  <b x=\"1\">hello <![CDATA[world]]></b>\n  <b>two</b>\n</a>\n"
        let doc = try XMLDocument(xml: Array(xml.utf8), file: "t.xml")
        let root = try #require(doc.root)
        #expect(root.name == "a")
        #expect(root.children("b").count == 2)
        let b = try #require(root.child("b"))
        #expect(b.text == "hello world")
        #expect(b.attribute("x") == "1")
        #expect(b.line == 3)
        #expect(b.path == "/a/b[1]")
        #expect(doc.select("//b").map(\.text) == ["hello world", "two"])
    }

    @Test func malformedXMLNamesFileAndLine() {
        let xml = "<?xml version=\"1.0\"?>\n<a>\n<b>\n</a>\n"
        #expect {
            try XMLDocument(xml: Array(xml.utf8), file: "bad.xml")
        } throws: { error in
            guard case let XMLKitError.malformed(file, line, message) = error else { return false }
            return file == "bad.xml" && line == 4 && message.contains("mismatch")
        }
    }

    @Test func emptyInputIsReportedAsEmpty() {
        #expect(throws: XMLKitError.empty(file: "e.xml")) { try XMLDocument(xml: Array("  \n".utf8), file: "e.xml") }
    }

    @Test func externalEntitiesAreNeverLoaded() throws {
        let xml = """
            <?xml version="1.0"?>
            <!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd"><!ENTITY y SYSTEM "http://127.0.0.1:9/x">]>
            <a><b>before &x; &y; after</b></a>
            """
        let doc = try XMLDocument(xml: Array(xml.utf8), file: "xxe.xml")
        let text = try #require(doc.root).text
        #expect(!text.contains("root:"))
        #expect(text.contains("before"))
    }

    @Test func htmlIsRecoveredWithDiagnostics() throws {
        let html = "<html><body><table><tr><td>Status<td>Recruiting</table><p>x</body></html>"
        let doc = try XMLDocument(html: Array(html.utf8), file: "p.html")
        let cells = doc.select("//td").map(\.text)
        #expect(cells == ["Status", "Recruiting"])
        #expect(try #require(doc.root).blockText.contains("Status\tRecruiting"))
    }
}
