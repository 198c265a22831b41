import Foundation

/// The one copy of the test fixtures: real registry records copied byte-for-byte from
/// `../shared/realdata` (see `Fixtures/realdata/SOURCES.md`) and the five seed pages.
public enum Fixtures {
    public static let root = Bundle.module.resourceURL!.appendingPathComponent("Fixtures")
    public static let realdata = root.appendingPathComponent("realdata")
    public static let seeds = root.appendingPathComponent("seeds")

    /// The fixture at `relativePath` (e.g. "realdata/ctgov-xml/NCT00001177.xml", "seeds/…").
    public static func url(_ relativePath: String) -> URL { root.appendingPathComponent(relativePath) }

    public static func text(_ relativePath: String) throws -> String {
        try String(contentsOf: url(relativePath), encoding: .utf8)
    }

    public static func bytes(_ relativePath: String) throws -> [UInt8] {
        Array(try Data(contentsOf: url(relativePath)))
    }

    /// The bytes of any file (e.g. one under ``PackageFolder/shared``).
    public static func bytesOf(_ url: URL) throws -> [UInt8] { Array(try Data(contentsOf: url)) }

    /// Files under `folder` (relative to `root`), as paths relative to `root`, sorted; notes
    /// (`.md`, `.tsv`) left out.
    public static func files(under folder: String) -> [String] {
        let base = root.appendingPathComponent(folder).path
        guard let e = FileManager.default.enumerator(atPath: base) else { return [] }
        var out: [String] = []
        for case let p as String in e {
            var isDir: ObjCBool = false
            let exists = FileManager.default.fileExists(atPath: base + "/" + p, isDirectory: &isDir)
            if exists, !isDir.boolValue, !p.hasSuffix(".md"), !p.hasSuffix(".tsv") { out.append(folder + "/" + p) }
        }
        return out.sorted()
    }
}

/// Folders of the package, found from this file's path so tests run from any working folder.
public enum PackageFolder {
    public static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    public static let templates = root.appendingPathComponent("Templates")
    public static let output = root.appendingPathComponent("Output")
    /// `../shared` beside the checkout (or `TRIALDIFF_SHARED`), where the labelled sets and the
    /// fuzz regressions live.
    public static var shared: URL {
        if let env = ProcessInfo.processInfo.environment["TRIALDIFF_SHARED"] { return URL(fileURLWithPath: env) }
        return root.deletingLastPathComponent().appendingPathComponent("shared")
    }
}

/// A fresh temporary folder; `remove()` deletes it (call it in a `defer`).
public struct TempFolder: Sendable {
    public let url: URL

    public init(_ label: String = "test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("trialdiff-\(label)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    public var path: String { url.path }

    public func appending(_ name: String) -> URL { url.appendingPathComponent(name) }

    public func write(_ name: String, _ text: String) throws { try write(name, Array(text.utf8)) }

    public func write(_ name: String, _ bytes: [UInt8]) throws {
        let target = url.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(bytes).write(to: target)
    }

    /// Copies the real record at `relative` (under `Fixtures.realdata`) into the folder.
    public func copy(realdata relative: String, as name: String? = nil) throws {
        try write(name ?? (relative as NSString).lastPathComponent, try Fixtures.bytes("realdata/" + relative))
    }

    public func remove() { try? FileManager.default.removeItem(at: url) }
}

/// Scalars to try against `TextScan.isStandalone(_:)`'s byte paths: every scalar up to the end
/// of the kana block, where the ranges are irregular, then every seventh one of the rest of the
/// Basic Multilingual Plane and the edges of each CJK and private-use range (each range is
/// uniform inside).
public let standaloneProbeScalars: [Unicode.Scalar] = {
    let edges = [
        0x3400, 0x4DBF, 0x4DC0, 0x4E00, 0x9FFF, 0xA000, 0xDFFF, 0xE000, 0xF0B7, 0xF8FF, 0xF900, 0xFF00, 0xFF01, 0xFF9D, 0xFF9E, 0xFF9F, 0xFFA0,
        0xFFFC, 0xFFFD, 0xFFFE,
    ]
    return (Array(0...0x30FF) + Array(stride(from: 0x3100, through: 0xFFFF, by: 7)) + edges).compactMap(Unicode.Scalar.init)
}()
