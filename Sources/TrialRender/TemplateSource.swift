import Foundation

/// Where the Markdown and HTML templates come from.
public enum TemplateSource: Sendable, Equatable, CustomStringConvertible {
    /// The defaults compiled into trialdiff from `Templates/` at build time: a copied executable
    /// needs no other file.
    case builtIn
    /// A folder of `*.mustache` files (`--templates DIR`, e.g. one written by `trialdiff templates
    /// export`), holding at least report.md and report.html.
    case folder(URL)

    /// The source for `--templates`: the folder when one is given, else the built-in templates.
    public init(folder: String?) {
        self = folder.map { .folder(URL(fileURLWithPath: $0)) } ?? .builtIn
    }

    public var description: String {
        switch self {
        case .builtIn: "the built-in templates"
        case .folder(let url): url.standardizedFileURL.path
        }
    }

    /// The built-in template files: path relative to `Templates/`, and text.
    public static var builtInFiles: [(path: String, text: String)] { EmbeddedTemplates.files }

    /// The template files (`*.mustache`, any depth) as sorted relative paths and their texts:
    /// what the renderer loads, and what an output depends on besides the landscape.
    ///
    /// - Throws: ``RenderError`` naming the folder or file when the folder is missing or a file
    ///   cannot be read as UTF-8 text.
    public func files() throws -> [(path: String, text: String)] {
        guard case .folder(let templates) = self else { return Self.builtInFiles }
        let folder = templates.standardizedFileURL.path
        let fm = FileManager.default
        var isDirectory: ObjCBool = false
        guard fm.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw RenderError.templatesFolderNotFound(folder: folder)
        }
        let paths: [String]
        do {
            // Enumerate the real folder: FileManager does not descend into a symlinked folder.
            paths = try fm.subpathsOfDirectory(atPath: templates.resolvingSymlinksInPath().path)
                .filter { $0.hasSuffix(".mustache") }.sorted()
        } catch {
            throw RenderError.templateUnreadable(file: folder, reason: "\(error)")
        }
        return try paths.map { path in
            let file = (folder as NSString).appendingPathComponent(path)
            guard let data = fm.contents(atPath: file) else {
                throw RenderError.templateUnreadable(file: file, reason: "the file cannot be read")
            }
            guard let text = String(data: data, encoding: .utf8) else {
                throw RenderError.templateUnreadable(file: file, reason: "the file is not UTF-8 text")
            }
            return (path, text)
        }
    }

    /// The file a relative template path names, for messages.
    func file(_ path: String) -> String {
        switch self {
        case .builtIn: "built-in " + path
        case .folder(let url): (url.standardizedFileURL.path as NSString).appendingPathComponent(path)
        }
    }

    /// Writes the built-in templates into `folder` (created if needed) for editing; an existing
    /// file is replaced only with `overwrite`. Returns the paths written.
    public static func export(to folder: URL, overwrite: Bool) throws -> [String] {
        let fm = FileManager.default
        try fm.createDirectory(at: folder, withIntermediateDirectories: true)
        var written: [String] = []
        for (path, text) in builtInFiles {
            let target = folder.appendingPathComponent(path)
            if fm.fileExists(atPath: target.path), !overwrite {
                throw RenderError.templateExists(file: target.path)
            }
            try fm.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: target, options: .atomic)
            written.append(path)
        }
        return written
    }
}
