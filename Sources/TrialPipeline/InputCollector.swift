import Foundation

/// Finds the input files of a run: files as given, folders walked recursively. Hidden files and
/// folders (`.git`, `.trialdiff`) and trialdiff's own files are skipped. The order is sorted,
/// so runs are reproducible whatever the file system returns.
public enum InputCollector {
    /// Files trialdiff reads for configuration, never as registry exports.
    static let ownFiles: Set<String> = ["trialdiff-ack.yml", "trialdiff-ack.yaml", "README.md", "SOURCES.md", "TRUTH.tsv"]

    /// Where `path` is on disk: relative paths are taken from `root` (default: the current
    /// folder), absolute ones as they are. The one place input paths are resolved.
    public static func url(for path: String, root: URL?) -> URL {
        guard let root, !path.hasPrefix("/") else { return URL(fileURLWithPath: path) }
        return root.appendingPathComponent(path)
    }

    /// Expands `paths` into a sorted, duplicate-free list of file paths. A path that does not
    /// exist is returned in `missing` (the run reports it as a failed input). Relative paths are
    /// resolved against `root` (default: the current folder) and returned as given, so reports
    /// name files the way the user wrote them.
    public static func collect(_ paths: [String], root: URL? = nil) -> (files: [String], missing: [String]) {
        let fm = FileManager.default
        func resolved(_ p: String) -> String { url(for: p, root: root).path }
        var files: [String] = []
        var missing: [String] = []
        for path in paths {
            var isDirectory: ObjCBool = false
            guard fm.fileExists(atPath: resolved(path), isDirectory: &isDirectory) else {
                missing.append(path)
                continue
            }
            if !isDirectory.boolValue {
                files.append(path)
                continue
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            guard let enumerator = fm.enumerator(atPath: resolved(base)) else { continue }
            while let relative = enumerator.nextObject() as? String {
                let components = relative.split(separator: "/")
                if components.contains(where: { $0.hasPrefix(".") }) {
                    if let last = components.last, last.hasPrefix(".") { enumerator.skipDescendants() }
                    continue
                }
                let full = base + "/" + relative
                var dir: ObjCBool = false
                if fm.fileExists(atPath: resolved(full), isDirectory: &dir), !dir.boolValue,
                    !ownFiles.contains(String(components.last ?? ""))
                {
                    files.append(full)
                }
            }
        }
        var seen: Set<String> = []
        let unique = files.filter { seen.insert($0).inserted }
        return (unique.sorted(), missing.sorted())
    }
}
