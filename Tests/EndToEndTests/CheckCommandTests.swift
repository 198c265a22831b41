import Foundation
import TestSupport
import Testing
import TrialModel
import TrialPipeline

@Suite struct CheckCommandTests {
    func check(_ dir: TempFolder, failOn: Severity, format: CheckCommand.Format = .text) async -> ([Finding], CommandStatus, String, [String]) {
        let out = CapturedLog(), log = CapturedLog()
        let command = CheckCommand(paths: [dir.url.path], failOn: failOn, format: format)
        let (findings, status) = await command.run(print: { out.append($0) }, logger: log.logger)
        return (findings, status, out.lines.joined(), log.lines)
    }

    @Test func acknowledgedFindingsStillShowButNoLongerFail() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        let seed = try Data(contentsOf: Repo.root.appendingPathComponent("Input/001_cc96fdf5918e6b4e.txt"))
        try dir.write("001.txt", Array(seed))

        let (findings, status, text, _) = await check(dir, failOn: .warning)
        let failing = findings.filter { $0.severity.isAtLeast(.warning) }
        #expect(!failing.isEmpty)
        #expect(status == .findingsFailed)
        #expect(text.contains("NCT06464679  warning  enrollment-mismatch"))

        var yaml = "acknowledged:\n"
        for f in failing {
            yaml += "  - rule: \(f.rule)\n    trial: \(f.trial)\n    reason: \"Reviewed in test\"\n"
        }
        yaml += "  - rule: no-such-rule\n    trial: NCT06464679\n    reason: typo\n"
        try dir.write("trialdiff-ack.yml", yaml)

        let (again, status2, text2, log2) = await check(dir, failOn: .warning)
        #expect(status2 == .success)
        #expect(again.count == findings.count)
        #expect(again.filter { $0.severity.isAtLeast(.warning) }.allSatisfy { $0.acknowledged == "Reviewed in test" })
        #expect(text2.contains("[acknowledged: Reviewed in test]"))
        #expect(log2.contains { $0.contains("unknown rule 'no-such-rule'") })
    }

    @Test func jsonFormatIsTheFindingsDocument() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        let seed = try Data(contentsOf: Repo.root.appendingPathComponent("Input/002_43ccf47ba098859a.txt"))
        try dir.write("002.txt", Array(seed))
        let (findings, _, json, _) = await check(dir, failOn: .error, format: .json)
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["schema"] as? String == "trialdiff/findings@1")
        #expect((object["findings"] as? [Any])?.count == findings.count)
    }

    @Test func badAcknowledgementFileIsAClearError() async throws {
        let dir = try TempFolder()
        defer { dir.remove() }
        try dir.copy(realdata: "ctgov-xml/NCT00001177.xml")
        try dir.write("trialdiff-ack.yml", "acknowledged: [ {rule: x\n")
        let (_, status, _, log) = await check(dir, failOn: .error)
        #expect(status == .outputFailed)
        #expect(log.contains { $0.contains("trialdiff-ack.yml") && $0.contains("not a valid acknowledgement file") })
    }
}
