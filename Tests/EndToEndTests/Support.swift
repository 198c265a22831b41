import Foundation
import TrialCompare
import TrialModel
import TrialPipeline

/// Paths of the package, found from this file so tests run from any working folder.
enum Repo {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let templates = root.appendingPathComponent("Templates")
    static let output = root.appendingPathComponent("Output")
    /// Real registry records (copied from ../shared/realdata).
    static let realdata = root.appendingPathComponent("Tests/TrialReadersTests/Fixtures/realdata")

    /// The built executable `name` of this build (debug or release, whichever runs the tests):
    /// it sits beside the test runner (or, on macOS, beside the `.xctest` bundle).
    static func product(_ name: String) -> URL? {
        let runner = ExecutableIdentity.path.map { URL(fileURLWithPath: $0).resolvingSymlinksInPath() }
        for candidate in [runner].compactMap({ $0 }) + Bundle.allBundles.map(\.bundleURL) {
            var folder = candidate.deletingLastPathComponent()
            for _ in 0..<4 {
                let exe = folder.appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: exe.path) { return exe }
                folder = folder.deletingLastPathComponent()
            }
        }
        return nil
    }

    /// The landscape of the default `Input/`, as `swift run trialdiff` builds it (computed once).
    static func inputLandscape() async -> Landscape { await landscape(["Input"]) }

    /// The unselected landscape of `paths` (relative to the package root), computed once per
    /// list of paths and shared by the tests that compare against it.
    static func landscape(_ paths: [String]) async -> Landscape { await cache.landscape(paths) }

    private static let cache = LandscapeCache()

    private actor LandscapeCache {
        private var tasks: [[String]: Task<Landscape, Never>] = [:]

        func landscape(_ paths: [String]) async -> Landscape {
            if let task = tasks[paths] { return await task.value }
            let t = Task { await Pipeline.landscape(paths: paths, root: Repo.root) }
            tasks[paths] = t
            return await t.value
        }
    }
}

extension Landscape {
    /// The trial whose sources include `file` (for records without registry IDs).
    func trial(fromFile file: String) -> Trial? {
        trials.first { $0.sources.contains { $0.file.hasSuffix(file) } }
    }

    /// The CSV value of `key` for the trial with display ID `id`.
    func csv(_ key: String, _ id: String) -> String? { matrix.cell(key, trial: id)?.csv }
}

/// A fresh temporary folder, removed when the test's scope ends.
struct TempFolder {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("trialdiff-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    func write(_ name: String, _ text: String) throws { try write(name, Array(text.utf8)) }

    func write(_ name: String, _ bytes: [UInt8]) throws {
        let target = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: target)
    }

    func copy(realdata relative: String, as name: String? = nil) throws {
        let bytes = try Data(contentsOf: Repo.realdata.appendingPathComponent(relative))
        try write(name ?? (relative as NSString).lastPathComponent, Array(bytes))
    }

    func remove() { try? FileManager.default.removeItem(at: url) }
}
