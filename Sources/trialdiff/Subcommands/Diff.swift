import ArgumentParser
import Foundation
import TrialPipeline
import TrialRender

struct Diff: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Compare two exports (files or folders) and print what changed, without the store.")

    @Argument(help: "The older export (file or folder).")
    var old: String

    @Argument(help: "The newer export (file or folder).")
    var new: String

    @Option(name: .shortAndLong, help: "Also write changes.md and changes.json to this folder.")
    var output: String?

    @Option(help: "Folder of Mustache templates to use instead of the built-in ones.")
    var templates: String?

    @Flag(help: "Exit with status 4 when anything changed.")
    var failOnChange = false

    @OptionGroup var log: LogOptions

    func run() async throws {
        let command = DiffCommand(
            old: old, new: new, output: output.map { URL(fileURLWithPath: $0) }, templates: TemplateSource(folder: templates),
            failOnChange: failOnChange)
        let (_, status) = await command.run(print: printToStandardOutput, logger: log.logger)
        try Exit.with(status)
    }
}
