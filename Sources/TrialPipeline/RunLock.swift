import Foundation

/// An exclusive lock on an output folder, so two runs (a cron job and a person, two timers) never
/// interleave their writes. Uses `flock(2)` on `<output>/.trialdiff/lock`: the kernel releases it
/// when the process ends, even on SIGKILL, so a crashed run never leaves a stale lock.
public final class RunLock {
    public enum LockError: Error, Sendable, CustomStringConvertible {
        case cannotOpen(path: String, reason: String)
        case busy(path: String, holder: String, waited: Double)

        public var description: String {
            switch self {
            case let .cannotOpen(path, reason): "cannot open lock file \(path): \(reason)"
            case let .busy(path, holder, waited):
                "another trialdiff run\(holder.isEmpty ? "" : " (\(holder))") holds \(path); gave up after "
                    + "\(Int(waited)) s. Wait for it to finish, or pass --lock-timeout to wait longer"
            }
        }
    }

    private let fd: Int32
    public let path: String

    /// Takes the lock, waiting up to `timeout` seconds (polling) when another run holds it;
    /// `onWait` is called once if it has to wait. Writes this process's pid into the file.
    public init(folder: URL, timeout: Double, onWait: (String) -> Void = { _ in }) throws {
        let dir = folder.appendingPathComponent(".trialdiff")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        path = dir.appendingPathComponent("lock").path
        fd = open(path, O_RDWR | O_CREAT, 0o644)
        guard fd >= 0 else { throw LockError.cannotOpen(path: path, reason: String(cString: strerror(errno))) }
        let start = Date()
        var announced = false
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let holder = Self.holder(fd)
            let waited = Date().timeIntervalSince(start)
            if waited >= timeout {
                close(fd)
                throw LockError.busy(path: path, holder: holder, waited: waited)
            }
            if !announced {
                onWait("waiting for another trialdiff run\(holder.isEmpty ? "" : " (\(holder))") to release \(path)")
                announced = true
            }
            usleep(100_000)
        }
        ftruncate(fd, 0)
        let note = "pid \(getpid())\n"
        _ = note.withCString { write(fd, $0, strlen($0)) }
    }

    private static func holder(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 64)
        let n = pread(fd, &buffer, 64, 0)
        guard n > 0 else { return "" }
        return String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}
