import ArgumentParser
import Foundation
import TrialPipeline
import TrialRender

struct Templates: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "The report templates built into trialdiff.",
        subcommands: [Export.self, List.self])

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write the built-in templates into a folder, to edit and pass with --templates.")

        @Argument(help: "Folder to write report.md.mustache, report.html.mustache and changes.md.mustache into.")
        var folder: String

        @Flag(help: "Replace template files that exist.")
        var force = false

        func run() throws {
            do {
                let written = try TemplateSource.export(to: URL(fileURLWithPath: folder), overwrite: force)
                for path in written { print((folder as NSString).appendingPathComponent(path)) }
            } catch {
                FileHandle.standardError.write(Data("error: \(error)\n".utf8))
                try Exit.with(.outputFailed)
            }
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the built-in templates.")

        func run() {
            for (path, text) in TemplateSource.builtInFiles { print("\(path)\t\(text.utf8.count) bytes") }
        }
    }
}
