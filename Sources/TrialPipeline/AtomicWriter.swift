import Foundation
import TrialRender
import TrialSupport

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
        let staged = try stage(name) { try $0.write(bytes) }
        return try commit(staged)
    }

    /// Writes UTF-8 text atomically.
    @discardableResult
    public func write(_ text: String, to name: String) throws -> Bool { try write(Array(text.utf8), to: name) }

    /// A file written to its temporary name and flushed to disk, not yet renamed over its target.
    public struct Staged: Sendable {
        /// The output file name.
        public let name: String
        let temp: String
        let target: String
    }

    /// First half of an atomic write: `body` writes the content through a buffered ``FileSink``
    /// into a temporary file beside `name`. Nothing is visible under `name` until
    /// ``commit(_:)``; ``discard(_:)`` removes the temporary file. Staging every file of a run
    /// before committing any means a failure leaves no mix of old and new outputs.
    ///
    /// - Throws: ``OutputError`` for an unsafe name or a failed write (the temporary file is
    ///   removed), or whatever `body` throws.
    public func stage(_ name: String, _ body: (inout FileSink) throws -> Void) throws -> Staged {
        guard Self.isSafeName(name) else { throw OutputError.unsafeName(name) }
        if Self.testDelay > 0 { usleep(Self.testDelay) }
        let target = folder.appendingPathComponent(name).path
        let temp = folder.appendingPathComponent(".trialdiff-tmp-\(getpid())-\(name)").path
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw OutputError.cannotWrite(path: target, reason: String(cString: strerror(errno))) }
        var sink = FileSink(fd: fd, path: target)
        do {
            try body(&sink)
            try sink.flush()
        } catch {
            close(fd)
            unlink(temp)
            throw error
        }
        close(fd)
        return Staged(name: name, temp: temp, target: target)
    }

    /// Second half of an atomic write: flushes the staged file to disk and renames it over its
    /// target. When the target already holds the same bytes, it is left untouched (its
    /// modification time too) and the temporary file removed unflushed, so an unchanged rerun
    /// writes nothing durable. Returns true when the content changed.
    @discardableResult
    public func commit(_ staged: Staged) throws -> Bool { try !commitAll([staged]).isEmpty }

    /// The journal of a set being committed: one "temporary\ttarget" line per file. Written
    /// (and flushed) before the first rename and removed after the last, so a run killed in
    /// between leaves a record of the set that ``recover()`` completes.
    static let journalName = ".trialdiff-commit"

    /// Commits `files` as one set: every file is flushed first; then the folder is swapped for
    /// one holding the new set (``FolderSwap``), so that no process ever sees a mix. Where that
    /// is not possible, a journal naming the files is written, they are renamed over their
    /// targets and the journal is removed: a failure before the journal leaves the old set (the
    /// staged files are removed); a kill after it is completed by the next run's ``recover()``,
    /// so the folder holds the old set or the new one once trialdiff has opened it again.
    /// Returns the names whose content changed.
    @discardableResult
    public func commitAll(_ files: [Staged]) throws -> [String] {
        var pending: [Staged] = []
        var unchanged: [Staged] = []
        for (i, staged) in files.enumerated() {
            if Self.sameContent(staged.temp, staged.target) {
                unlink(staged.temp)
                unchanged.append(staged)
                continue
            }
            if let reason = FileSync.file(staged.temp) {
                for rest in files[i...] { unlink(rest.temp) }
                for done in pending { unlink(done.temp) }
                throw OutputError.cannotWrite(path: staged.target, reason: reason)
            }
            pending.append(staged)
        }
        guard !pending.isEmpty else { return [] }
        // A target that a file cannot replace (a folder in its place) fails the set before any
        // rename, not half way.
        for staged in pending {
            var info = stat()
            if stat(staged.target, &info) == 0, info.st_mode & S_IFMT == S_IFDIR {
                for file in pending { unlink(file.temp) }
                throw OutputError.cannotWrite(path: staged.target, reason: "a folder is in its place")
            }
        }
        // One rename is atomic by itself; a set is swapped in as a folder where it can be, else
        // journaled.
        if pending.count > 1, FolderSwap.commit(changed: pending, unchanged: unchanged, in: folder) {
            return pending.map(\.name)
        }
        let journaled = pending.count > 1
        if journaled {
            let journal = pending.map { "\(($0.temp as NSString).lastPathComponent)\t\($0.name)\n" }.joined()
            do {
                try writeJournal(journal)
            } catch {
                for staged in pending { unlink(staged.temp) }
                throw error
            }
        }
        for staged in pending {
            if Self.testDelay > 0 { usleep(Self.testDelay) }
            guard rename(staged.temp, staged.target) == 0 else {
                let reason = String(cString: strerror(errno))
                // With a journal it stays, and the next run completes the set.
                if !journaled { unlink(staged.temp) }
                throw OutputError.cannotWrite(path: staged.target, reason: reason)
            }
        }
        syncFolder()
        if journaled {
            unlink(folder.appendingPathComponent(Self.journalName).path)
            syncFolder()
        }
        return pending.map(\.name)
    }

    /// Completes a set whose commit was interrupted (see ``commitAll(_:)``): renames the staged
    /// files the journal names that are still there, then removes the journal. Returns the names
    /// completed. Call it before reading or replacing anything in the folder.
    @discardableResult
    public func recover() -> [String] {
        let path = folder.appendingPathComponent(Self.journalName).path
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var completed: [String] = []
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: "\t", maxSplits: 1).map(String.init)
            guard parts.count == 2, parts[0].hasPrefix(".trialdiff-tmp-"), Self.isSafeName(parts[1]) else { continue }
            let temp = folder.appendingPathComponent(parts[0]).path
            if rename(temp, folder.appendingPathComponent(parts[1]).path) == 0 { completed.append(parts[1]) }
        }
        syncFolder()
        unlink(path)
        syncFolder()
        return completed
    }

    private func writeJournal(_ text: String) throws {
        let path = folder.appendingPathComponent(Self.journalName).path
        let temp = path + "-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw OutputError.cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { posixWrite(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count, fsync(fd) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temp)
            throw OutputError.cannotWrite(path: path, reason: reason)
        }
        close(fd)
        guard rename(temp, path) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temp)
            throw OutputError.cannotWrite(path: path, reason: reason)
        }
        syncFolder()
    }

    /// Flushes the folder's entries (renames) to disk.
    private func syncFolder() { FileSync.folder(folder.path) }

    /// Removes a staged file without touching its target.
    public func discard(_ staged: Staged) { unlink(staged.temp) }

    /// True when both files exist and hold the same bytes (compared a megabyte at a time).
    static func sameContent(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0, sa.st_size == sb.st_size else { return false }
        let fa = open(a, O_RDONLY), fb = open(b, O_RDONLY)
        defer {
            if fa >= 0 { close(fa) }
            if fb >= 0 { close(fb) }
        }
        guard fa >= 0, fb >= 0 else { return false }
        let size = 1 << 20
        let ba = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        let bb = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
        defer {
            ba.deallocate()
            bb.deallocate()
        }
        while true {
            let na = readFully(fa, ba, size), nb = readFully(fb, bb, size)
            guard na == nb, na >= 0 else { return false }
            if na == 0 { return true }
            if memcmp(ba, bb, na) != 0 { return false }
        }
    }

    /// Reads up to `count` bytes, retrying short reads; the number read (0 at the end), -1 on error.
    private static func readFully(_ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        var total = 0
        while total < count {
            let n = read(fd, buffer + total, count - total)
            if n < 0 { return -1 }
            if n == 0 { break }
            total += n
        }
        return total
    }

    /// Removes temporary files left by a run that was killed.
    public func removeStaleTemporaries() {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name.hasPrefix(".trialdiff-tmp-") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }
}

/// An ``OutputSink`` writing to a file descriptor through a 1 MB buffer.
public struct FileSink: OutputSink {
    let fd: Int32
    /// The output's final path, for error messages.
    let path: String
    private var buffer: [UInt8] = []
    private static let capacity = 1 << 20

    init(fd: Int32, path: String) {
        self.fd = fd
        self.path = path
        buffer.reserveCapacity(Self.capacity)
    }

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws {
        if buffer.count + bytes.count > Self.capacity { try flush() }
        if bytes.count >= Self.capacity {
            try writeAll(bytes)
        } else {
            buffer.append(contentsOf: bytes)
        }
    }

    /// Writes the buffered bytes to the file.
    mutating func flush() throws {
        guard !buffer.isEmpty else { return }
        try buffer.withUnsafeBytes { try writeAll($0) }
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeAll(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = posixWrite(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                throw OutputError.cannotWrite(path: path, reason: String(cString: strerror(errno)))
            }
            offset += n
        }
    }
}

/// `write(2)`; a free function so that it is not shadowed by `AtomicWriter.write`.
private func posixWrite(_ fd: Int32, _ buffer: UnsafeRawPointer?, _ count: Int) -> Int { write(fd, buffer, count) }
