import Foundation
import TestSupport
import Testing
import TrialModel
import TrialSupport

@testable import TrialReaders

/// `JSONTape` against Foundation's `JSONSerialization` on every real JSON file, and on text that
/// is not JSON.
@Suite struct JSONTapeTests {
    /// Every `.json` file under `../shared/realdata` (and the fixtures when it is absent).
    static let realJSON: [URL] = {
        let shared = PackageFolder.shared.appendingPathComponent("realdata")
        let base = FileManager.default.fileExists(atPath: shared.path) ? shared : Fixtures.realdata
        let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil)
        var out: [URL] = []
        while let url = e?.nextObject() as? URL {
            if url.pathExtension == "json" { out.append(url) }
        }
        return out.sorted { $0.path < $1.path }
    }()

    /// Every leaf as pointer → text, from Foundation's parse. Numbers are compared as `Double`.
    static func foundationLeaves(_ value: Any, _ pointer: String = "", into out: inout [String: String]) {
        switch value {
        case let d as [String: Any]:
            for (k, v) in d {
                let component = k.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
                foundationLeaves(v, pointer + "/" + component, into: &out)
            }
        case let a as [Any]:
            for (i, v) in a.enumerated() { foundationLeaves(v, pointer + "/\(i)", into: &out) }
        case let s as String: out[pointer] = "s:" + s
        case let n as NSNumber:
            out[pointer] = String(cString: n.objCType) == "c" ? "b:\(n.boolValue)" : "n:\(n.doubleValue)"
        default: out[pointer] = "null"
        }
    }

    static func tapeLeaves(_ v: JSONValue, into out: inout [String: String]) {
        switch v.kind {
        case .object?: for (_, m) in v.members { tapeLeaves(m, into: &out) }
        case .array?: for e in v.elements { tapeLeaves(e, into: &out) }
        case .string?: out[v.pointer] = "s:" + v.string!
        case .number?: out[v.pointer] = "n:\(Double(v.string!)!)"
        case .true?, .false?: out[v.pointer] = "b:" + v.string!
        case .null?: out[v.pointer] = "null"
        case nil: Issue.record("missing value reached at \(v.pointer)")
        }
    }

    @Test func everyRealFileReadsAsFoundationReadsIt() throws {
        #expect(Self.realJSON.count >= 80)
        var leaves = 0
        for url in Self.realJSON {
            let bytes = try Fixtures.bytesOf(url)
            let object = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
            var expected: [String: String] = [:]
            Self.foundationLeaves(object, into: &expected)
            var actual: [String: String] = [:]
            Self.tapeLeaves(try JSONTape.parse(bytes).root, into: &actual)
            #expect(actual == expected, "\(url.lastPathComponent)")
            leaves += actual.count
        }
        #expect(leaves > 100_000)
    }

    /// A page read element by element gives the same values, with `/studies/N` pointers.
    @Test func pagesReadStudyByStudyAsWhole() throws {
        var pages = 0
        for url in Self.realJSON {
            let bytes = try Fixtures.bytesOf(url)
            let whole = try JSONTape.parse(bytes).root
            guard whole["studies"].isArray else { continue }
            pages += 1
            var expected: [String: String] = [:]
            Self.tapeLeaves(whole["studies"], into: &expected)
            var actual: [String: String] = [:]
            let listed = try JSONTape.forEachElement(of: bytes, key: "studies") { Self.tapeLeaves($0, into: &actual) }
            #expect(listed)
            #expect(actual == expected, "\(url.lastPathComponent)")
        }
        #expect(pages >= 5)
        // A single study has no list: nothing is called and the caller reads it whole.
        let single = try Fixtures.bytes("realdata/ctgov-json/NCT00763412.json")
        #expect(try JSONTape.forEachElement(of: single, key: "studies") { _ in Issue.record("called") } == false)
    }

    /// A page above the streaming size: the reader gives the same records as for each study alone.
    @Test func aLargePageIsReadStudyByStudy() throws {
        // The studies of the website's bundles (JSON arrays), each re-serialised on its own,
        // repeated until the page is above the streaming size.
        var distinct: [[UInt8]] = []
        for url in Self.realJSON where url.path.contains("ctgov-json-bulk/bundles") {
            let array = try #require(try JSONSerialization.jsonObject(with: Data(Fixtures.bytesOf(url))) as? [Any])
            for study in array { distinct.append(Array(try JSONSerialization.data(withJSONObject: study, options: [.sortedKeys]))) }
        }
        #expect(distinct.count >= 300)
        var studies: [[UInt8]] = []
        var size = 0
        while size <= JSONStudies.streamAbove {
            let b = distinct[studies.count % distinct.count]
            studies.append(b)
            size += b.count
        }
        let page = Array("{\"studies\":[".utf8) + Array(studies.joined(separator: Array(",\n".utf8))) + Array("],\"nextPageToken\":\"x\"}".utf8)
        #expect(page.count > JSONStudies.streamAbove)
        let records = try CTGovJSONReader().read(InputFile(path: "page.json", bytes: page))
        #expect(records.count == studies.count)
        for (n, study) in studies.enumerated() where n % 17 == 0 {
            let alone = try #require(try CTGovJSONReader().read(InputFile(path: "page.json", bytes: study)).first)
            let r = records[n]
            #expect(r.index == n)
            #expect(r.fields.map(\.value) == alone.fields.map(\.value))
            #expect(r.fields.map(\.locator) == alone.fields.map { "/studies/\(n)" + $0.locator })
        }
    }

    @Test(arguments: [
        ("", "no JSON value", 1, 1),
        ("{\"a\": 1,}", "expected a key in quotes, found '}'", 1, 9),
        ("{\"a\" 1}", "expected ':' after a key, found '1'", 1, 6),
        ("[1, 2", "the text ends inside an array", 1, 6),
        ("{\n  \"a\": tru\n}", "unknown word (expected true, false or null)", 2, 8),
        ("[01]", "a number cannot start with 0 followed by digits", 1, 3),
        ("[1.]", "a number needs a digit after '.'", 1, 4),
        ("[-]", "a number needs a digit here", 1, 3),
        ("[1e+]", "a number needs a digit in its exponent", 1, 5),
        ("[\"a\\q\"]", "unknown escape \\q", 1, 4),
        ("[\"\\u12G4\"]", "\\u needs four hexadecimal digits", 1, 3),
        ("[\"tab\there\"]", "a control character (byte 0x09) inside a string must be escaped", 1, 6),
        ("[\"open", "a string is not closed (it opens here)", 1, 2),
        ("{} {}", "text after the JSON value", 1, 4),
        ("[1 2]", "expected ',' or ']', found '2'", 1, 4),
        ("{'a': 1}", "expected a key in quotes, found '''", 1, 2),
    ])
    func malformedTextSaysWhatAndWhere(_ text: String, _ reason: String, _ line: Int, _ column: Int) {
        #expect(throws: JSONTape.SyntaxError.self) { try JSONTape.parse(Array(text.utf8)) }
        do {
            _ = try JSONTape.parse(Array(text.utf8))
        } catch {
            #expect(error.reason == reason)
            #expect(error.line == line)
            #expect(error.column == column)
        }
    }

    @Test func invalidUTF8AndHostileDepthAreErrors() {
        #expect(throws: JSONTape.SyntaxError.self) { try JSONTape.parse(Array("[\"a".utf8) + [0xC3, 0x28] + Array("\"]".utf8)) }
        #expect(throws: JSONTape.SyntaxError.self) { try JSONTape.parse(Array("[\"".utf8) + [0xED, 0xA0, 0x80] + Array("\"]".utf8)) }
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 100_000) + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000)
        do {
            _ = try JSONTape.parse(deep)
            Issue.record("100,000 nested arrays parsed")
        } catch {
            #expect(error.reason == "nested more than 512 deep")
        }
        #expect((try? JSONTape.parse(Array(String(repeating: "[", count: 512).utf8) + Array(String(repeating: "]", count: 512).utf8))) != nil)
    }

    @Test func escapesAndPointers() throws {
        let text = #"{"a/b": {"m~n": ["x\u00e9\ud83d\ude00\n\"", 12.50, -0, true, null]}, "a/b": 2, "lone": "\ud800!"}"#
        let root = try JSONTape.parse(Array(text.utf8)).root
        let list = root["a/b"]["m~n"]
        #expect(list.elements.map(\.pointer) == ["/a~1b/m~0n/0", "/a~1b/m~0n/1", "/a~1b/m~0n/2", "/a~1b/m~0n/3", "/a~1b/m~0n/4"])
        #expect(list.elements.map(\.string) == ["xé😀\n\"", "12.50", "-0", "true", nil])
        #expect(root["lone"].string == "\u{FFFD}!")
        #expect(String(decoding: root["a/b"].rawBytes, as: UTF8.self) == #"{"m~n": ["x\u00e9\ud83d\ude00\n\"", 12.50, -0, true, null]}"#)
        #expect(String(decoding: list[1].rawBytes, as: UTF8.self) == "12.50")
        #expect(String(decoding: try JSONTape.parse(Array(" [ {} , [] ] ".utf8)).root[0].rawBytes, as: UTF8.self) == "{}")
        #expect(root["missing"]["deeper"].string == nil)
        #expect(root["missing"].pointer == "")
        #expect(list[1].string == "12.50")
        #expect(list[5].exists == false)
        #expect(root[0].exists == false)  // not an array
        #expect(list["x"].exists == false)  // not an object
    }

    /// Pointers are built from the tape when asked for: array positions at every depth, keys
    /// written with escapes, the first of a repeated key, and the prefix of an element read on
    /// its own.
    @Test func pointersAreBuiltFromTheTape() throws {
        let text = #"{"k\u0065y": [[0, [1, {"x": [7, 8]}]], {}], "k\u0065y": 2, "": {"": "e"}}"#
        let root = try JSONTape.parse(Array(text.utf8)).root
        #expect(root.pointer == "")
        #expect(root["key"].pointer == "/key")
        #expect(root["key"][0][1][1]["x"][1].pointer == "/key/0/1/1/x/1")
        #expect(root["key"][0][1][1]["x"][1].string == "8")
        #expect(root["key"].elements.map(\.pointer) == ["/key/0", "/key/1"])
        #expect(root[""][""].pointer == "//")
        #expect(root["key"][0][1][1]["y"].pointer == "")
        #expect(root.members.map(\.value.pointer) == ["/key", "/key", "/"])
        // RFC 6901 escapes, in raw and in JSON-escaped keys; positions of several digits.
        let special = try JSONTape.parse(Array(#"{"a/b~c": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], "x\/y~": {"é": 1}}"#.utf8)).root
        #expect(special["a/b~c"][11].pointer == "/a~1b~0c/11")
        #expect(special["a/b~c"][9].pointer == "/a~1b~0c/9")
        #expect(special["x/y~"]["é"].pointer == "/x~1y~0/é")

        let page = #"{"studies": [{"a": 1}, {"a": [5, 6]}], "nextPageToken": "t"}"#
        var seen: [String] = []
        let listed = try JSONTape.forEachElement(of: Array(page.utf8), key: "studies") { study in
            seen.append(study.pointer)
            seen += study["a"].elements.map(\.pointer)
        }
        #expect(listed)
        #expect(seen == ["/studies/0", "/studies/1", "/studies/1/a/0", "/studies/1/a/1"])
    }
}
