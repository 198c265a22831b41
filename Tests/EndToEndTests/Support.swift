import Foundation
import TestSupport
import TrialCompare
import TrialModel
import TrialPipeline

/// Paths of the package, found from this file so tests run from any working folder.
enum Repo {
    static let root = PackageFolder.root
    static let templates = PackageFolder.templates
    static let output = PackageFolder.output
    /// Real registry records (copied from ../shared/realdata).
    static let realdata = Fixtures.realdata

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
