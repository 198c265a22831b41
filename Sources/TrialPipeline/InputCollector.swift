import Foundation
import TrialSupport

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
    /// `open` and `read`: a regular file only (a FIFO, device or socket is refused without
    /// waiting on it), and no more than `limit` bytes. Throws ``ReadFailure`` with the reason.
    public static func bytes(of path: String, limit: Int = InputLimits.defaultMaxBytes) throws(ReadFailure) -> [UInt8] {
        // O_NONBLOCK: opening a FIFO for reading would otherwise wait for a writer.
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        guard fd >= 0 else { throw ReadFailure(errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ReadFailure(errno: errno) }
        if let kind = FileKind.notRegular(info.st_mode) { throw ReadFailure(reason: "not a regular file (\(kind)); skipped") }
        func overLimit(_ bytes: some BinaryInteger) -> String {
            "\(ByteCount.describe(bytes)), over the \(ByteCount.describe(limit)) input size limit (--max-input-size)"
        }
        guard info.st_size <= limit else { throw ReadFailure(reason: overLimit(info.st_size)) }
        // Back to blocking reads for a regular file.
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        // Sized by fstat, but read to the end whatever it said (a file may grow meanwhile), up to
        // the limit.
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
                if bytes.count > limit { throw ReadFailure(reason: "grew past \(overLimit(bytes.count)) while being read") }
            } else if n == 0 {
                return bytes
            } else if errno != EINTR {
                throw ReadFailure(errno: errno)
            }
        }
    }

    /// Expands `paths` into a sorted, duplicate-free list of file paths. A path that does not
    /// exist is returned in `missing` (the run reports it as a failed input); a name in a folder
    /// that cannot be read as a path (not UTF-8) or an entry that is no file (a FIFO, a socket,
    /// a device) is returned in `refused` with the reason. Relative paths are resolved against
    /// `root` (default: the current folder) and returned as given, so reports name files the
    /// way the user wrote them.
    public static func collect(_ paths: [String], root: URL? = nil) -> (
        files: [String], missing: [String], refused: [(path: String, reason: String)]
    ) {
        func resolved(_ p: String) -> String { filePath(for: p, root: root) }
        var files: [String] = []
        var missing: [String] = []
        var refused: [(path: String, reason: String)] = []
        for path in paths {
            var info = stat()
            guard stat(resolved(path), &info) == 0 else {
                missing.append(path)
                continue
            }
            guard info.st_mode & S_IFMT == S_IFDIR else {
                // A named FIFO or device is refused when it is read, with its kind.
                files.append(path)
                continue
            }
            let base = path.hasSuffix("/") ? String(path.dropLast()) : path
            var visited: Set<[UInt64]> = [[UInt64(info.st_dev), UInt64(info.st_ino)]]
            walk(base, resolved: resolved(base), files: &files, refused: &refused, visited: &visited)
        }
        var seen: Set<String> = []
        let unique = files.filter { seen.insert($0).inserted }
        return (unique.sorted(), missing.sorted(), refused.sorted { $0.path < $1.path })
    }

    /// Where `file` (one of ``collect(_:root:)``'s files) is below the argument it was found
    /// in: the path under the folder argument, or the file name of a file argument.
    public static func identity(of file: String, given paths: [String]) -> String {
        var best: String?
        for path in paths {
            let folder = path.hasSuffix("/") ? String(path.dropLast()) : path
            guard file.count > folder.count + 1, file.hasPrefix(folder + "/") else { continue }
            let rest = String(file.dropFirst(folder.count + 1))
            if best == nil || rest.count < best!.count { best = rest }
        }
        return best ?? (file.split(separator: "/").last.map(String.init) ?? file)
    }

    /// Adds the files under the folder `path` (on disk at `resolved`), skipping hidden entries and
    /// trialdiff's own files; a folder reached twice (a symbolic link loop) is walked once.
    private static func walk(
        _ path: String, resolved: String, files: inout [String], refused: inout [(path: String, reason: String)],
        visited: inout Set<[UInt64]>
    ) {
        guard let dir = opendir(resolved) else {
            refused.append((path, "folder cannot be read: \(String(cString: strerror(errno)))"))
            return
        }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix { $0 != 0 }) }
            if name.first == UInt8(ascii: ".") { continue }  // ".", "..", hidden files and folders
            names.append(name)
        }
        for raw in names.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            guard let name = String(validating: raw, as: UTF8.self) else {
                let shown = path + "/" + Printable.bytes(raw)
                refused.append((shown, "the file name is not valid UTF-8; rename it to read it"))
                continue
            }
            let full = path + "/" + name
            let onDisk = resolved + "/" + name
            var info = stat()
            guard stat(onDisk, &info) == 0 else {
                refused.append((full, String(cString: strerror(errno))))
                continue
            }
            switch info.st_mode & S_IFMT {
            case S_IFDIR:
                guard visited.insert([UInt64(info.st_dev), UInt64(info.st_ino)]).inserted else { continue }
                walk(full, resolved: onDisk, files: &files, refused: &refused, visited: &visited)
            case S_IFREG:
                if !ownFiles.contains(name) { files.append(full) }
            default:
                refused.append((full, "not a regular file (\(FileKind.notRegular(info.st_mode) ?? "special file")); skipped"))
            }
        }
    }
}

/// What a file is when it is not a regular file, for messages.
enum FileKind {
    static func notRegular(_ mode: mode_t) -> String? {
        switch mode & S_IFMT {
        case S_IFREG: nil
        case S_IFDIR: "a folder"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFCHR: "a character device"
        case S_IFBLK: "a block device"
        default: "a special file"
        }
    }
}

/// Why a file could not be read: the system's error, in its words ("No such file or directory"),
/// or trialdiff's own reason (not a regular file, over the size limit).
public struct ReadFailure: Error, CustomStringConvertible, Sendable, Equatable {
    /// The `errno` value the system call set (0 for trialdiff's own reasons).
    public let errno: Int32
    private let reason: String?

    public init(errno: Int32) {
        self.errno = errno
        self.reason = nil
    }

    public init(reason: String) {
        self.errno = 0
        self.reason = reason
    }

    public var description: String { reason ?? String(cString: strerror(errno)) }
}
