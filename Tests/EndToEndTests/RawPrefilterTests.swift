import Foundation
import Testing
import TrialModel
import TrialReaders

@testable import TrialPipeline

/// The raw-byte prefilter of `--where`: escapes decoded, markup that can split a text skipped,
/// and "maybe" (nil) for anything it cannot decode with certainty.
@Suite struct RawPrefilterTests {
    private func squash(_ text: String, _ syntax: RawPrefilter.Syntax) -> String? {
        RawPrefilter.squash(Array(text.utf8), syntax: syntax).map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func xmlReferencesCommentsAndCDATA() throws {
        let s = try #require(
            squash(
                #"<?xml version="1.0" encoding="UTF-8"?><!-- a comment --><c>L&#117;p&#x75;s &amp; Ne<!-- x -->phritis</c><d>Sj&#246;GREN<![CDATA[ & A<b>]]></d>"#,
                .xml))
        #expect(s.contains("lupusnephritis"))  // a comment inside a text joins it
        #expect(!s.contains("comment"))
        #expect(s.contains("sjögrenab"))  // CDATA content is literal text; "&" is not an entity there
    }

    @Test(arguments: [
        #"<c>&nbsp;lupus</c>"#,  // a DTD entity: cannot be decoded here
        #"<?xml version="1.0" encoding="ISO-8859-1"?><c>lupus</c>"#,  // not UTF-8
        "<c>lupus &amp lupus</c>",  // no semicolon: malformed
    ])
    func xmlItCannotDecodeIsMaybe(_ text: String) {
        #expect(squash(text, .xml) == nil)
        #expect(RawPrefilter(try! Selection(parsing: ["condition:zzz"])).mayMatch(Array(text.utf8), syntax: .xml))
    }

    @Test func invalidUTF8IsMaybe() {
        #expect(RawPrefilter.squash([0x3C, 0x63, 0x3E, 0xE9, 0x3C, 0x2F, 0x63, 0x3E], syntax: .xml) == nil)
    }

    @Test func jsonEscapes() throws {
        let s = try #require(squash(#"{"conditions": ["Lupus\nNephritis", "\u00c9t\u00e9 \ud83d\ude00 \"CAR-NK\""]}"#, .json))
        #expect(s == "conditionslupusnephritisétécarnk")
    }

    @Test func clausesOnlyExcludeWhenNoValueIsPresent() throws {
        // A real record: conditions "Breast Neoplasms", "Gastric or Gastroesophageal Junction
        // Adenocarcinoma (GEC)"; lead sponsor "Merck Sharp &amp; Dohme LLC".
        let bytes = Array(try Data(contentsOf: Repo.realdata.appendingPathComponent("ctgov-xml/NCT05382364.xml")))
        func may(_ expressions: [String]) throws -> Bool {
            RawPrefilter(try Selection(parsing: expressions)).mayMatch(bytes, syntax: .xml)
        }
        #expect(try may(["condition:breast neoplasms"]))
        #expect(try may(["condition:covid,gastroesophageal junction", "sponsor:merck sharp & dohme"]))
        #expect(try !may(["condition:covid"]))
        #expect(try !may(["condition:breast", "sponsor:pfizer"]))
        // Fields whose values extraction translates are never prefiltered; nor are non-ASCII values.
        #expect(try may(["phase:2", "status:recruiting", "product:x", "intervention:y"]))
        #expect(try may(["condition:sjögren"]))
    }

    /// On every real ClinicalTrials.gov XML and JSON file (single records and bundles), the count
    /// from the bytes equals the number of records the reader reads.
    @Test func recordCountsMatchTheReadersOnRealFiles() throws {
        let folder = Repo.realdata.path
        var checked = 0
        for case let relative as String in FileManager.default.enumerator(atPath: folder)! {
            let bytes = Array((try? Data(contentsOf: Repo.realdata.appendingPathComponent(relative))) ?? Data())
            let file = InputFile(path: relative, bytes: bytes)
            guard let reader = try? ReaderRegistry.reader(for: file), let syntax = RawPrefilter.syntax(for: reader.format)
            else { continue }
            #expect(RawPrefilter.recordCount(bytes, syntax: syntax) == (try reader.read(file)).count, "\(relative)")
            checked += 1
        }
        #expect(checked > 100)
    }

    @Test func recordCountsOfFilesNotParsed() {
        let bundle =
            "<search_results><clinical_study rank=\"1\"></clinical_study><clinical_study>\n</clinical_study><clinical_studyx/></search_results>"
        #expect(RawPrefilter.recordCount(Array(bundle.utf8), syntax: .xml) == 2)
        let page = #"{"studies": [{"protocolSection" : {}}, {"ProtocolSection": {"x": "\"protocolSection\": no"}}]}"#
        #expect(RawPrefilter.recordCount(Array(page.utf8), syntax: .json) == 2)
    }

    /// The trade-off, stated: with `--where`, a file whose bytes cannot match is not parsed, so a
    /// syntax error in it is not reported; one that may match is parsed and its error reported.
    @Test func unselectableFilesAreScannedNotParsed() throws {
        let selection = try Selection(parsing: ["condition:lupus"])
        let broken = InputFile(path: "broken.xml", bytes: Array("<clinical_study><condition>Asthma</condition>".utf8))
        let skipped = Pipeline.process(broken, selection: selection)
        #expect(skipped.summary.error == nil)
        #expect(skipped.summary.records == 1)
        let mayMatch = InputFile(path: "broken.xml", bytes: Array("<clinical_study><condition>Lupus</condition>".utf8))
        let parsed = Pipeline.process(mayMatch, selection: selection)
        #expect(parsed.summary.error?.contains("broken.xml") == true)
    }
}
