import Foundation

/// `fsync` by path, for the temp-file-and-rename writes: a file's bytes before it is renamed or
/// linked into place, then its folder's entries.
public enum FileSync {
    /// Flushes the file at `path` to disk; nil when done, else the system's reason.
    public static func file(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return String(cString: strerror(errno)) }
        defer { close(fd) }
        return fsync(fd) == 0 ? nil : String(cString: strerror(errno))
    }

    /// Flushes the entries of the folder at `path` (renames, links, unlinks) to disk; false when
    /// it cannot be opened or synced.
    @discardableResult
    public static func folder(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return fsync(fd) == 0
    }
}
