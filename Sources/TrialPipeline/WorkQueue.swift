import Foundation
import TrialCompare
import TrialReaders
import ZIPFoundation

/// One unit of reading work.
enum WorkItem {
    /// A file on disk, read by the task that processes it.
    case path(String)
    /// An archive entry, already decompressed by the producer.
    case memory(InputFile)
    /// An input that failed before it could be processed (a corrupt archive).
    case failed(FileResult)
}

/// Produces work items lazily: files in order, and for a `.zip` archive its entries one at a
/// time, so a large archive is never held in memory whole.
struct WorkQueue {
    private let files: [String]
    private let root: URL?
    private var index = 0
    private var archive: (path: String, archive: Archive, entries: AnyIterator<Entry>)?
    /// Files plus archive entries seen so far: the progress total.
    private(set) var estimatedTotal: Int

    init(files: [String], root: URL?) {
        self.files = files
        self.root = root
        estimatedTotal = files.count
    }

    static let zipMagic: [UInt8] = [0x50, 0x4B, 0x03, 0x04]

    mutating func next() -> WorkItem? {
        while true {
            if let current = archive {
                while let entry = current.entries.next() {
                    guard entry.type == .file, Self.isReadable(entry.path) else { continue }
                    let name = "\(current.path)/\(entry.path)"
                    var bytes: [UInt8] = []
                    do {
                        bytes.reserveCapacity(Int(entry.uncompressedSize))
                        _ = try current.archive.extract(entry, skipCRC32: false) { bytes.append(contentsOf: $0) }
                        return .memory(InputFile(path: name, bytes: bytes))
                    } catch {
                        let e = ReaderError.unreadable(file: name, reason: "cannot decompress archive entry: \(error)")
                        return .failed(FileResult(summary: InputSummary(file: name, format: nil, records: 0, error: e.description), records: []))
                    }
                }
                archive = nil
            }
            guard index < files.count else { return nil }
            let path = files[index]
            index += 1
            guard Self.isZip(InputCollector.filePath(for: path, root: root)) else { return .path(path) }
            do {
                let opened = try Archive(url: url(path), accessMode: .read)
                let count = opened.reduce(0) { $0 + ($1.type == .file ? 1 : 0) }
                estimatedTotal += max(0, count - 1)
                archive = (path, opened, opened.makeIterator())
            } catch {
                let e = ReaderError.unreadable(file: path, reason: "not a readable zip archive: \(error)")
                return .failed(FileResult(summary: InputSummary(file: path, format: nil, records: 0, error: e.description), records: []))
            }
        }
    }

    private func url(_ path: String) -> URL { InputCollector.url(for: path, root: root) }

    /// Archive entries worth reading: not hidden, not macOS resource forks.
    static func isReadable(_ entryPath: String) -> Bool {
        !entryPath.split(separator: "/").contains { $0.hasPrefix(".") || $0 == "__MACOSX" }
    }

    /// A zip archive by its first four bytes (extension is not trusted).
    static func isZip(_ path: String) -> Bool {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var head: UInt32 = 0
        return read(fd, &head, 4) == 4 && withUnsafeBytes(of: &head) { $0.elementsEqual(zipMagic) }
    }
}
