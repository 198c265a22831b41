import Foundation

/// Finds the input files of a run: files as given, folders walked recursively. Hidden files and
/// folders (`.git`, `.trialdiff`) and trialdiff's own files are skipped. The order is sorted,
/// so runs are reproducible whatever the file system returns.
public enum InputCollector {
    /// Files trialdiff reads for configuration, never as registry exports.
    static let ownFiles: Set<String> = ["trialdiff-ack.yml", "trialdiff-ack.yaml", "README.md", "SOURCES.md", "TRUTH.tsv"]

    /// Where `path` is on disk, as a path for the system's file calls: relative paths are taken
    /// from `root` (default: the current folder, which the system resolves them against),
    /// absolute ones as they are. The one place input paths are resolved; built as a string
    /// because a `URL`, made for every input three times, cost 2 % of a 10k run's CPU.
    public static func filePath(for path: String, root: URL?) -> String {
        guard let root, !path.hasPrefix("/") else { return path }
        let base = root.path
        return base.hasSuffix("/") ? base + path : base + "/" + path
    }

    /// ``filePath(for:root:)`` as a file URL, for the APIs that take one (archives, folders).
    public static func url(for path: String, root: URL?) -> URL { URL(fileURLWithPath: filePath(for: path, root: root)) }

    /// The bytes of the file at `path` (see ``filePath(for:root:)``), read with the system's
    /// `open` and `read`; throws ``ReadFailure`` naming the system's reason.
    public static func bytes(of path: String) throws(ReadFailure) -> [UInt8] {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw ReadFailure(errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ReadFailure(errno: errno) }
        guard (info.st_mode & S_IFMT) != S_IFDIR else { throw ReadFailure(errno: EISDIR) }
        // Sized by fstat, but read to the end whatever it said (a file may grow meanwhile).
        let expected = max(Int(info.st_size), 0)
        var failure: Int32 = 0
        var bytes = [UInt8](unsafeUninitializedCapacity: expected + 1) { buffer, count in
            while count < buffer.count {
                let n = read(fd, buffer.baseAddress! + count, buffer.count - count)
                if n > 0 {
                    count += n
                } else if n == 0 {
                    return
                } else if errno != EINTR {
                    failure = errno
                    return
                }
            }
        }
        if failure != 0 { throw ReadFailure(errno: failure) }
        guard bytes.count > expected else { return bytes }
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = read(fd, &chunk, chunk.count)
            if n > 0 {
                bytes.append(contentsOf: chunk[..<n])
            } else if n == 0 {
                return bytes
            } else if errno != EINTR {
                throw ReadFailure(errno: errno)
            }
        }
    }

    /// Expands `paths` into a sorted, duplicate-free list of file paths. A path that does not
    /// exist is returned in `missing` (the run reports it as a failed input). Relative paths are
    /// resolved against `root` (default: the current folder) and returned as given, so reports
    /// name files the way the user wrote them.
    public static func collect(_ paths: [String], root: URL? = nil) -> (files: [String], missing: [String]) {
        let fm = FileManager.default
        func resolved(_ p: String) -> String { filePath(for: p, root: root) }
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

/// Why a file could not be read: the system's error, in its words ("No such file or directory").
public struct ReadFailure: Error, CustomStringConvertible, Sendable, Equatable {
    /// The `errno` value the system call set.
    public let errno: Int32

    public init(errno: Int32) { self.errno = errno }

    public var description: String { String(cString: strerror(errno)) }
}
