import Foundation
import TestSupport
import Testing
import TrialStore

@testable import TrialPipeline

/// Issue 22: all outputs of a run become visible together. The new set is swapped in as one
/// folder, so a reader and a killed run find the old set or the new one, never a mix.
@Suite struct OutputSwapTests {
    static let names = [
        "report.md", "changes.md", "report.html", "trials.json", "findings.json", "changes.json", "matrix.csv", "findings.csv",
        "matrix.xlsx",
    ]

    /// A real `trialdiff report` process on `dir/in` into `dir/out`.
    static func run(_ dir: TempFolder, env extra: [String: String] = [:], killAfter: Double? = nil, cwd: URL? = nil, output: String? = nil)
        throws -> Int32
    {
        let binary = try #require(Repo.product("trialdiff"), "build the trialdiff executable first")
        let p = Process()
        p.executableURL = binary
        p.arguments = [
            "report", dir.url.appendingPathComponent("in").path, "--output", output ?? dir.url.appendingPathComponent("out").path,
            "--quiet", "--templates", Repo.templates.path,
        ]
        if let cwd { p.currentDirectoryURL = cwd }
        p.environment = ProcessInfo.processInfo.environment.merging(extra) { $1 }
        try p.run()
        if let killAfter {
            Thread.sleep(forTimeInterval: killAfter)
            kill(p.processIdentifier, SIGKILL)
        }
        p.waitUntilExit()
        return p.terminationStatus
    }

    /// The outputs as one directory handle sees them: nil when any is missing (a folder being
    /// removed), so a snapshot never mixes two folders.
    static func snapshot(_ folder: URL) -> [Data]? {
        let dirfd = open(folder.path, O_RDONLY | O_DIRECTORY)
        guard dirfd >= 0 else { return nil }
        defer { close(dirfd) }
        var files: [Data] = []
        for name in names {
            let fd = openat(dirfd, name, O_RDONLY)
            guard fd >= 0 else { return nil }
            defer { close(fd) }
            var data = Data()
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = read(fd, &buffer, buffer.count)
                if n < 0 { return nil }
                if n == 0 { break }
                data.append(contentsOf: buffer[0..<n])
            }
            files.append(data)
        }
        return files
    }

    static func prepare() throws -> (TempFolder, [Data]) {
        let dir = try TempFolder()
        try dir.copy(realdata: ScheduledRunTests.record, as: "in/NCT03745326.json")
        #expect(try run(dir) == 0)
        let old = try #require(snapshot(dir.url.appendingPathComponent("out")))
        try dir.write("in/NCT03745326.json", try ScheduledRunTests.editedCopy())
        return (dir, old)
    }

    /// Collects what a reader sees while a run writes, until `stop` is set.
    final class Observer: @unchecked Sendable {
        private let lock = NSLock()
        private var seen: [[Data]] = []
        private var stopped = false
        private let done = DispatchSemaphore(value: 0)

        func start(_ folder: URL) {
            Thread.detachNewThread {
                while !self.lock.withLock({ self.stopped }) {
                    if let s = OutputSwapTests.snapshot(folder) {
                        self.lock.withLock { if self.seen.last != s { self.seen.append(s) } }
                    }
                }
                self.done.signal()
            }
        }

        func stop() -> [[Data]] {
            lock.withLock { stopped = true }
            done.wait()
            return lock.withLock { seen }
        }
    }

    @Test func aReaderSeesTheOldSetOrTheNewNeverAMix() throws {
        let (dir, old) = try Self.prepare()
        defer { dir.remove() }
        let out = dir.url.appendingPathComponent("out")
        let observer = Observer()
        observer.start(out)
        // Each file pauses 40 ms before it is staged, so the reader looks many times.
        #expect(try Self.run(dir, env: ["TRIALDIFF_TEST_WRITE_DELAY_MS": "40"]) == 0)
        Thread.sleep(forTimeInterval: 0.05)
        let seen = observer.stop()
        let new = try #require(Self.snapshot(out))
        #expect(new != old)
        #expect(seen.first == old)
        #expect(seen.last == new)
        for s in seen {
            let mixed = zip(s, old).contains { $0 != $1 } && zip(s, new).contains { $0 != $1 }
            #expect(!mixed, "a reader saw \(zip(s, new).filter { $0 == $1 }.count) new and \(zip(s, old).filter { $0 == $1 }.count) old files")
        }
    }

    /// Killed with the new set assembled beside the folder, one step before the swap: the folder
    /// holds the old set, with nothing to complete; the next run removes the leftover and swaps.
    @Test(arguments: [0.3, 0.9, 1.6])
    func aRunKilledAtAnyPointLeavesTheOldSetOrTheNew(killAfter: Double) throws {
        let (dir, old) = try Self.prepare()
        defer { dir.remove() }
        let out = dir.url.appendingPathComponent("out")
        // 9 files × 100 ms of staging, then 1 s before the swap: 0.3 s is while staging, 1.6 s
        // while the new set waits beside the folder.
        _ = try Self.run(dir, env: ["TRIALDIFF_TEST_WRITE_DELAY_MS": "100", "TRIALDIFF_TEST_SWAP_DELAY_MS": "1000"], killAfter: killAfter)
        #expect(Self.snapshot(out) == old, "killed after \(killAfter) s")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent(".trialdiff-commit").path))
        #expect(try Self.run(dir) == 0)
        let md = try String(contentsOf: out.appendingPathComponent("changes.md"), encoding: .utf8)
        #expect(md.contains("Enrollment: 70 (planned) → 64 (planned)"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty, "\(leftovers)")
        let temporaries = try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix(".trialdiff-tmp") }
        #expect(temporaries.isEmpty)
    }

    /// The swap keeps everything else in the folder: the state (one more run), a user's own
    /// file, and the unchanged outputs as the same files (same inode and time).
    @Test func theSwapKeepsTheStateUnchangedOutputsAndOtherFiles() throws {
        let (dir, _) = try Self.prepare()
        defer { dir.remove() }
        let out = dir.url.appendingPathComponent("out")
        try dir.write("out/notes.txt", "my notes")
        // Only the status changes: the findings stay as they were.
        var text = try String(contentsOf: Repo.realdata.appendingPathComponent(ScheduledRunTests.record), encoding: .utf8)
        text = text.replacingOccurrences(of: "\"overallStatus\": \"RECRUITING\"", with: "\"overallStatus\": \"COMPLETED\"")
        try dir.write("in/NCT03745326.json", text)
        func inodes() -> [String: stat] {
            var result: [String: stat] = [:]
            for name in Self.names + ["."] {
                var s = stat()
                if stat(out.appendingPathComponent(name).path, &s) == 0 { result[name] = s }
            }
            return result
        }
        let oldSet = try #require(Self.snapshot(out))
        let before = inodes()
        #expect(try Self.run(dir) == 0)
        let after = inodes()
        let newSet = try #require(Self.snapshot(out))
        #expect(after["."]?.st_ino != before["."]?.st_ino, "the folder was swapped")
        let unchanged = Self.names.indices.filter { oldSet[$0] == newSet[$0] }.map { Self.names[$0] }
        #expect(unchanged.contains("findings.csv") && unchanged.count < Self.names.count, "\(unchanged)")
        for name in unchanged {
            #expect(after[name]?.st_ino == before[name]?.st_ino && after[name]?.st_nlink == 1, "\(name) is the same file")
        }
        #expect(try String(contentsOf: out.appendingPathComponent("notes.txt"), encoding: .utf8) == "my notes")
        let store = try SnapshotStore(path: out.appendingPathComponent(".trialdiff/state.sqlite").path, mode: .readOnly)
        #expect(try store.runs().count == 2)
    }

    /// Where a swap is not possible (the folder holds a folder of the user's, or is the working
    /// directory), the journal commit writes the same set.
    @Test func foldersThatCannotBeSwappedAreCommittedByTheJournal() throws {
        let (dir, _) = try Self.prepare()
        defer { dir.remove() }
        let out = dir.url.appendingPathComponent("out")
        try dir.write("out/mine/keep.txt", "mine")
        #expect(FolderSwap.eligibleFolder(out) == nil)
        var before = stat()
        #expect(stat(out.path, &before) == 0)
        #expect(try Self.run(dir) == 0)
        var after = stat()
        #expect(stat(out.path, &after) == 0)
        #expect(after.st_ino == before.st_ino)
        #expect(try String(contentsOf: out.appendingPathComponent("mine/keep.txt"), encoding: .utf8) == "mine")
        let md = try String(contentsOf: out.appendingPathComponent("changes.md"), encoding: .utf8)
        #expect(md.contains("Enrollment: 70 (planned) → 64 (planned)"))

        try FileManager.default.removeItem(at: out.appendingPathComponent("mine"))
        #expect(FolderSwap.eligibleFolder(out) != nil)
        try dir.write("in/NCT03745326.json", try Fixtures.bytes("realdata/" + ScheduledRunTests.record))
        #expect(try Self.run(dir, cwd: out, output: ".") == 0)
        var cwdRun = stat()
        #expect(stat(out.path, &cwdRun) == 0)
        #expect(cwdRun.st_ino == before.st_ino, "the working directory is never swapped away")
        let back = try String(contentsOf: out.appendingPathComponent("changes.md"), encoding: .utf8)
        #expect(back.contains("Enrollment: 64 (planned) → 70 (planned)"))
    }
}
