import CFolderSwap
import Foundation
import TrialSupport

/// Makes a run's outputs visible together: the new set is assembled as a sibling folder of hard
/// links (the staged files, the unchanged outputs, the state and any other file of the output
/// folder), and the two folders are exchanged in one `renameat2(RENAME_EXCHANGE)`. A process that
/// opens the output folder, and a run killed at any instant, finds the old set or the new one,
/// never a mix, with no recovery step. No byte is copied.
///
/// Where a swap is not possible the caller falls back to ``AtomicWriter/commitAll(_:)``'s journal:
/// a file system without the exchange, an output folder that is a mount point, the working
/// directory or one of its parents (the process would be left in a removed folder), or one that
/// holds folders other than `.trialdiff` (a user's own tree is never relinked).
enum FolderSwap {
    /// Sibling of the output folder that a swap assembles and then removes. A run killed between
    /// its steps leaves it behind, holding the old or the unfinished set; the next run removes it.
    static func stagingPath(for folder: String) -> String {
        let url = URL(fileURLWithPath: folder)
        return url.deletingLastPathComponent().appendingPathComponent(".\(url.lastPathComponent).trialdiff-next").path
    }

    /// Entries of the output folder above which a swap is not attempted (it links each one).
    static let entryLimit = 10_000

    /// Commits `changed` (staged files whose content differs from their targets) together with the
    /// `unchanged` targets by swapping the output folder. Returns false, having changed nothing,
    /// when the folder cannot be swapped here; the staged files are left for the journal commit.
    static func commit(changed: [AtomicWriter.Staged], unchanged: [AtomicWriter.Staged], in folder: URL) -> Bool {
        guard let resolved = eligibleFolder(folder) else { return false }
        let staging = stagingPath(for: resolved)
        removeTree(staging)
        var info = stat()
        guard stat(resolved, &info) == 0, mkdir(staging, info.st_mode & 0o7777) == 0 else { return false }
        chmod(staging, info.st_mode & 0o7777)
        var linked: [String] = []
        let built: Bool = {
            let names = Set((changed + unchanged).map(\.name))
            guard let entries = try? FileManager.default.contentsOfDirectory(atPath: resolved) else { return false }
            for name in entries where !names.contains(name) && !name.hasPrefix(".trialdiff-tmp-") && name != AtomicWriter.journalName {
                guard relink(resolved + "/" + name, to: staging + "/" + name) else { return false }
            }
            for file in changed {
                guard link(file.temp, staging + "/" + file.name) == 0 else { return false }
                linked.append(file.name)
            }
            for file in unchanged {
                guard link(file.target, staging + "/" + file.name) == 0 else { return false }
            }
            return syncTree(staging)
        }()
        guard built, Self.testPause(), trialdiff_exchange_paths(resolved, staging) == 0 else {
            removeTree(staging)
            return false
        }
        // The swap is done: the old set is now at `staging`, with the temporary files.
        FileSync.folder(URL(fileURLWithPath: resolved).deletingLastPathComponent().path)
        removeTree(staging)
        return true
    }

    /// The output folder's real path when it can be swapped: its parent on the same file system,
    /// not the working directory or above it, holding only files, symbolic links and a
    /// `.trialdiff` folder of the same.
    static func eligibleFolder(_ folder: URL) -> String? {
        guard let resolved = realPath(folder.path), resolved != "/" else { return nil }
        if let cwd = realPath("."), cwd == resolved || cwd.hasPrefix(resolved + "/") { return nil }
        let parent = URL(fileURLWithPath: resolved).deletingLastPathComponent().path
        var own = stat(), up = stat()
        guard stat(resolved, &own) == 0, stat(parent, &up) == 0, own.st_dev == up.st_dev else { return nil }
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: resolved), entries.count <= entryLimit else {
            return nil
        }
        for name in entries {
            var entry = stat()
            guard lstat(resolved + "/" + name, &entry) == 0 else { return nil }
            switch entry.st_mode & S_IFMT {
            case S_IFREG, S_IFLNK: continue
            case S_IFDIR where name == ".trialdiff": continue
            default: return nil
            }
        }
        return resolved
    }

    /// Recreates `source` at `target`: a file as a hard link, a symbolic link as a new link with
    /// the same text, a folder as a new folder of the same, recursively.
    static func relink(_ source: String, to target: String) -> Bool {
        var info = stat()
        guard lstat(source, &info) == 0 else { return false }
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return link(source, target) == 0
        case S_IFLNK:
            guard let text = try? FileManager.default.destinationOfSymbolicLink(atPath: source) else { return false }
            return symlink(text, target) == 0
        case S_IFDIR:
            guard mkdir(target, info.st_mode & 0o7777) == 0,
                let entries = try? FileManager.default.contentsOfDirectory(atPath: source), entries.count <= entryLimit
            else { return false }
            return entries.allSatisfy { relink(source + "/" + $0, to: target + "/" + $0) }
        default:
            return false
        }
    }

    /// Flushes the entries of `path` and of the folders below it.
    static func syncTree(_ path: String) -> Bool {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        for name in entries {
            var info = stat()
            if lstat(path + "/" + name, &info) == 0, info.st_mode & S_IFMT == S_IFDIR, !syncTree(path + "/" + name) { return false }
        }
        return FileSync.folder(path)
    }

    /// Removes a staging folder left by a run killed during a swap.
    static func removeLeftover(of folder: URL) {
        guard let resolved = realPath(folder.path) else { return }
        removeTree(stagingPath(for: resolved))
    }

    private static func removeTree(_ path: String) {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        try? FileManager.default.removeItem(atPath: path)
    }

    private static func realPath(_ path: String) -> String? {
        guard let p = realpath(path, nil) else { return nil }
        defer { free(p) }
        return String(cString: p)
    }

    /// Pauses just before the exchange for `TRIALDIFF_TEST_SWAP_DELAY_MS`, so a test can kill a
    /// run with the new set assembled but not yet swapped in. Always true.
    private static func testPause() -> Bool {
        if let ms = ProcessInfo.processInfo.environment["TRIALDIFF_TEST_SWAP_DELAY_MS"].flatMap(UInt32.init) {
            usleep(ms * 1000)
        }
        return true
    }
}
