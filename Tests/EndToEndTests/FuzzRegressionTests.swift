import Foundation
import TestSupport
import Testing
import TrialCompare
import TrialPipeline
import TrialReaders
import TrialSupport

@testable import TrialModel

/// Every input in `../shared/fuzz-regressions/` (hostile files and mutated real records that
/// once crashed, hung or silently lost data; its README says what each did), read beside a good
/// input: the good one is reported, a refused one gets one error naming it (exit 1), what can be
/// read is read, and the run ends. The hangs were minutes long; the guard below is far above,
/// what a run takes now, to catch a hang, not to time anything.
@Suite struct FuzzRegressionTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var file: String
        /// Words of the one error line; nil when the file is read without error.
        var error: String?
        /// Trials that must be reported from the file.
        var trials: [String]
        var testDescription: String { file }
    }

    static let cases: [Case] = [
        Case(file: "bomb_10gb.zip", error: "zeros.xml: cannot be read: the entry inflates to more than 100 times", trials: []),
        Case(file: "bomb_1gb.zip", error: "zeros.xml: cannot be read: the entry inflates", trials: ["NCT00001177"]),
        Case(file: "bomb_xmlspace_2gb.zip", error: "big.xml: cannot be read: the entry inflates", trials: []),
        Case(
            file: "cd_flag_encrypted_mid.zip", error: "NCT00055614.xml: cannot be read: the entry is encrypted",
            trials: ["NCT00055497", "NCT00056407", "NCT00513591"]),
        Case(
            file: "cd_sig_corrupt_mid.zip", error: "central directory entry 5 of 10 is damaged; it and the 5 after it",
            trials: ["NCT00001177", "NCT00055497"]),
        Case(file: "enc_mixed.zip", error: "enc_inner.xml: cannot be read: the entry is encrypted", trials: ["NCT09500042", "NCT09500043"]),
        Case(file: "lying_zip64_64gb.zip", error: "lie.xml: cannot be read: damaged archive entry: the archive says", trials: ["NCT09500052"]),
        Case(file: "lying_zip64_intmax.zip", error: "lie.xml: cannot be read: damaged archive entry", trials: ["NCT09500052"]),
        Case(file: "lying_zip64_max.zip", error: "lie.xml: cannot be read: damaged archive entry", trials: ["NCT09500052"]),
        Case(file: "debris_200k.json", error: nil, trials: ["NCT09100002"]),
        Case(file: "debris_200k.txt", error: nil, trials: ["ChiCTR2400000009"]),
        Case(file: "debris_200k.xml", error: nil, trials: ["NCT09100001"]),
        Case(file: "debris_small.xml", error: nil, trials: ["NCT09100003"]),
        Case(file: "hang_7e33e3e7d657.txt", error: nil, trials: ["NCT06337474"]),
        Case(file: "hang_94528c828c5a.txt", error: nil, trials: ["NCT06469190"]),
        Case(file: "ghang_b2bae220b4bb.txt", error: nil, trials: []),
        Case(file: "j_ansi.json", error: nil, trials: ["NCT09100010"]),
        Case(file: "nul_escape.json", error: nil, trials: ["NCT09800042"]),
        Case(file: "utf16_bom_study.xml", error: nil, trials: ["NCT09900091"]),
        Case(file: "wrongtype_enrollment_float.json", error: nil, trials: ["NCT09800055"]),
        Case(file: "wrongtype_enrollment_negative.json", error: nil, trials: ["NCT09800058"]),
    ]

    static let folder = PackageFolder.shared.appendingPathComponent("fuzz-regressions")

    /// Every file in the folder has a case, so a new regression cannot be left out.
    @Test func everyRegressionHasACase() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.folder.path).filter { $0 != "README.md" }
        #expect(Set(files) == Set(Self.cases.map(\.file)))
    }

    @Test(arguments: cases)
    func readBesideAGoodInput(_ c: Case) async throws {
        let dir = try TempFolder("fuzz")
        defer { dir.remove() }
        try dir.copy(realdata: "ctgov-json/NCT05438667.json", as: "in/good.json")
        try dir.write("in/" + c.file, try Fixtures.bytesOf(Self.folder.appendingPathComponent(c.file)))
        let log = CapturedLog()
        let started = Date()
        let command = ReportCommand(paths: [dir.path + "/in"], output: dir.appending("out"), formats: [.json, .csv], jobs: 2)
        let (landscape, status) = await command.run(logger: log.logger)
        #expect(Date().timeIntervalSince(started) < 120, "a hang is back")
        let ids = Set(landscape.trials.map(\.id.value))
        #expect(ids.contains("NCT05438667"), "the good input is reported")
        for id in c.trials { #expect(ids.contains(id), "\(id) from \(c.file)") }
        let errors = log.lines.filter { $0.hasPrefix("error:") || $0.hasPrefix("critical:") }
        if let expected = c.error {
            #expect(status == .inputFailed)
            #expect(errors.count == 1, "\(errors)")
            #expect(errors.first?.contains(c.file) == true && errors.first?.contains(expected) == true, "\(errors)")
        } else {
            #expect(status == .success, "\(errors)")
            #expect(errors.isEmpty, "\(errors)")
        }
    }

    /// A negative or fractional enrollment is not a count: never read as its digits, and a finding.
    @Test(arguments: ["wrongtype_enrollment_negative.json", "wrongtype_enrollment_float.json"])
    func implausibleEnrollmentIsAFinding(_ file: String) async throws {
        let bytes = try Fixtures.bytesOf(Self.folder.appendingPathComponent(file))
        let landscape = await Pipeline.landscape(paths: [Self.folder.appendingPathComponent(file).path])
        #expect(bytes.count > 0)
        let trial = try #require(landscape.trials.first)
        #expect(trial.parameters.enrollment.isEmpty)
        #expect(landscape.findings.contains { $0.rule == "implausible-value" && $0.trial == trial.id.value })
    }

    /// NUL, ESC and OSC bytes in titles never reach a report as raw bytes (JSON escapes them,
    /// the other formats show them as symbols), nor the log through a file name.
    @Test(arguments: ["nul_escape.json", "j_ansi.json"])
    func controlCharactersNeverReachAReport(_ file: String) async throws {
        let dir = try TempFolder("fuzz")
        defer { dir.remove() }
        try dir.write("in/\u{1B}]0;x\u{07}" + file, try Fixtures.bytesOf(Self.folder.appendingPathComponent(file)))
        let log = CapturedLog()
        let (landscape, status) = await ReportCommand(paths: [dir.path + "/in"], output: dir.appending("out")).run(logger: log.logger)
        #expect(status == .success)
        #expect(!landscape.trials.isEmpty)
        for name in ["report.html", "report.md", "matrix.csv", "findings.csv", "trials.json", "findings.json"] {
            let bytes = try Fixtures.bytesOf(dir.appending("out/" + name))
            let raw = bytes.filter { $0 < 0x20 && $0 != 0x09 && $0 != 0x0A && $0 != 0x0D }
            #expect(raw.isEmpty, "\(name) holds \(raw.count) raw control bytes")
            #expect(!String(decoding: bytes, as: UTF8.self).unicodeScalars.contains { (0x80...0x9F).contains($0.value) }, "\(name): C1 control")
        }
        #expect(Printable.text("a\u{1B}[31mb\nwarning: x") == "a\\u{1B}[31mb\\u{A}warning: x")
        #expect(Printable.visibleControls("a\u{0}b\u{1B}c\u{9B}d\te") == "a\u{2400}b\u{241B}c\u{FFFD}d\te")
    }

    /// Inputs the fuzzer found slow or crashing (`Scripts/fuzz.sh`), kept with what they hit in
    /// their names, and the near misses `trialdiff-fuzz --patterns` found, with runs of 20,000
    /// blanks (`slow-pattern-stress-near-misses.txt`: 2.1 s of CPU in a release build before the
    /// possessive rewrites, 0.2 s after): each is read in well under the fuzzer's one second (the guard here is loose,
    /// for a debug build on a busy machine).
    @Test func inputsTheFuzzerFoundStayFast() throws {
        let found = Fixtures.files(under: "fuzz-found")
        #expect(!found.isEmpty)
        for name in found {
            let started = Date()
            let result = Pipeline.process(InputFile(path: name, bytes: try Fixtures.bytes(name)))
            _ = Landscape(records: result.records, inputs: [result.summary]).findings
            #expect(Date().timeIntervalSince(started) < 5, "\(name)")
        }
    }

    /// A mutated 800 KB page that is not UTF-8 (read as ISO 8859-1) took 1.4 s of CPU when
    /// every line went through `Character`s for white space. Its CJK text and the Symbol-font
    /// bullet U+F0B7 now take the byte path; as ISO 8859-1, only the lines with a NEL (byte 85,
    /// white space for `Character`) still go by `Character`, and give the same result.
    @Test func aMutatedLatin1PageTakesTheBytePath() throws {
        let page = try Fixtures.bytesOf(Self.folder.appendingPathComponent("hang_7e33e3e7d657.txt"))
        var utf8 = String(decoding: page, as: UTF8.self)
        #expect(utf8.withUTF8 { TextScan.isOneScalarPerCharacter($0) })
        var mutated = page
        mutated.insert(contentsOf: [0xFF] + [UInt8](repeating: UInt8(ascii: "x"), count: 190_000), at: page.count / 3)
        mutated.insert(contentsOf: [UInt8](repeating: UInt8(ascii: "7"), count: 190_000), at: 2 * page.count / 3)
        #expect(String(validating: mutated, as: UTF8.self) == nil)
        let latin1 = String(String.UnicodeScalarView(mutated.prefix(40_000).map { Unicode.Scalar($0) }))
        var lines = latin1.split(separator: "\n").map(String.init)
        let slowLines = lines.indices.filter { !lines[$0].withUTF8 { TextScan.isOneScalarPerCharacter($0) } }
        #expect(!slowLines.isEmpty && slowLines.count * 10 < lines.count, "\(slowLines.count) of \(lines.count) lines")
        #expect(latin1.collapsingWhitespace == latin1.collapsingWhitespaceCharacters)
        let started = Date()
        let result = Pipeline.process(InputFile(path: "mutated-page.txt", bytes: mutated))
        _ = Landscape(records: result.records, inputs: [result.summary]).findings
        #expect(result.summary.error == nil)
        #expect(Date().timeIntervalSince(started) < 5)
    }

    /// A number too large for 4 decimals or for Int64 is shown, never trapped on (a fuzzed
    /// cell dose of 400 nines overflowed to infinity and crashed the run).
    @Test func numbersOfAnySizeAreShown() {
        #expect(Display.number(.infinity) == "∞")
        #expect(Display.number(-.infinity) == "−∞")
        #expect(Display.number(.nan) == "NaN")
        #expect(Display.number(1e20) == "1e+20")
        #expect(Display.number(123_456_789_012_345) == "123456789012345")
        #expect(Display.number(13.5) == "13.5")
        #expect(Display.number(-0.25) == "-0.25")
    }

    /// A field larger than the field limit is cut at a character boundary, with a warning: a
    /// 200 MB title would otherwise be copied into every report and the state.
    @Test func aHugeFieldIsCutWithAWarning() {
        var record = SourceRecord(file: "big.json", format: .ctgovJSON)
        let huge = "é" + String(repeating: "ab", count: SourceRecord.maxFieldBytes)
        record.add(.title, huge, locator: "/protocolSection/identificationModule/briefTitle")
        record.addText(.summary, huge, locator: "/protocolSection/descriptionModule/briefSummary")
        #expect(record.fields.count == 2)
        #expect(record.fields.allSatisfy { $0.value.utf8.count <= SourceRecord.maxFieldBytes && $0.value.hasPrefix("éab") })
        #expect(record.warnings.count == 2)
        #expect(record.warnings.first?.contains("only its first 1048576 bytes are read") == true)
    }
}
