import ArgumentParser
import Foundation
import TrialPipeline

struct Extract: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the normalized record(s) of one file as JSON (with evidence).")

    @Argument(help: "A registry export file.")
    var file: String

    func run() async throws {
        let result = Pipeline.process(path: file)
        if let error = result.summary.error {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            try Exit.with(.inputFailed)
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(result.records)
        FileHandle.standardOutput.write(data)
        FileHandle.standardOutput.write(Data("\n".utf8))
    }
}
