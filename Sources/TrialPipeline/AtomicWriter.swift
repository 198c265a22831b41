import Foundation

/// Why an output could not be written.
public enum OutputError: Error, Sendable, CustomStringConvertible {
    case cannotCreateFolder(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case unsafeName(String)

    public var description: String {
        switch self {
        case let .cannotCreateFolder(path, reason): "cannot create output folder \(path): \(reason)"
        case let .cannotWrite(path, reason): "cannot write \(path): \(reason)"
        case let .unsafeName(name): "refusing to write \(name): output names must be plain file names inside the output folder"
        }
    }
}

/// Writes files so that a reader never sees a half-written one: the bytes go to a temporary
/// file in the same folder, are flushed to disk, and the file is renamed over the target
/// (rename is atomic within one file system). A crash leaves the previous file intact and at
/// worst a `.trialdiff-tmp-*` file, which the next run removes.
public struct AtomicWriter: Sendable {
    public let folder: URL

    public init(folder: URL) throws {
        self.folder = folder
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        } catch {
            throw OutputError.cannotCreateFolder(path: folder.path, reason: error.localizedDescription)
        }
    }

    /// Microseconds to pause before each file, from `TRIALDIFF_TEST_WRITE_DELAY_MS`: lets the
    /// crash-safety test kill a real run in the middle of writing. Zero otherwise.
    static let testDelay: UInt32 = {
        guard let ms = ProcessInfo.processInfo.environment["TRIALDIFF_TEST_WRITE_DELAY_MS"].flatMap(UInt32.init) else { return 0 }
        return ms * 1000
    }()

    /// A file name is safe when it is a single path component without `..` or a leading dot.
    public static func isSafeName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && !name.contains("\\") && !name.hasPrefix(".") && !name.contains("\0")
    }

    /// Writes `bytes` to `name` in the folder atomically. Returns true when the content changed.
    @discardableResult
    public func write(_ bytes: [UInt8], to name: String) throws -> Bool {
        guard Self.isSafeName(name) else { throw OutputError.unsafeName(name) }
        if Self.testDelay > 0 { usleep(Self.testDelay) }
        let target = folder.appendingPathComponent(name)
        if let existing = FileManager.default.contents(atPath: target.path), Array(existing) == bytes { return false }
        let temp = folder.appendingPathComponent(".trialdiff-tmp-\(getpid())-\(name)")
        let fd = open(temp.path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw OutputError.cannotWrite(path: target.path, reason: String(cString: strerror(errno))) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { posixWrite(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                let reason = String(cString: strerror(errno))
                close(fd)
                unlink(temp.path)
                throw OutputError.cannotWrite(path: target.path, reason: reason)
            }
            offset += n
        }
        fsync(fd)
        close(fd)
        guard rename(temp.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp.path)
            throw OutputError.cannotWrite(path: target.path, reason: reason)
        }
        return true
    }

    /// Writes UTF-8 text atomically.
    @discardableResult
    public func write(_ text: String, to name: String) throws -> Bool { try write(Array(text.utf8), to: name) }

    /// Removes temporary files left by a run that was killed.
    public func removeStaleTemporaries() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name.hasPrefix(".trialdiff-tmp-") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }
}

/// `write(2)`; a free function so that it is not shadowed by `AtomicWriter.write`.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
