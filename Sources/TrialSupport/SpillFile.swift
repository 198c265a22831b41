import Foundation

/// Why bytes could not be set aside in, or read back from, a spill file.
public enum SpillError: Error, CustomStringConvertible, Sendable {
    /// The temporary file could not be created in `folder`.
    case cannotCreate(folder: String, reason: String)
    /// Writing to, or reading from, the spill file failed (disk full, I/O error).
    case io(operation: String, reason: String)
    /// What was read back did not decode: the spill file was changed under the run.
    case corrupt(reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let folder, let reason):
            "cannot create a spill file for extracted records in \(folder): \(reason); free some space there or raise --spill-above"
        case .io(let operation, let reason):
            "cannot \(operation) the spill file of extracted records: \(reason)"
        case .corrupt(let reason):
            "a record in the spill file of extracted records does not decode: \(reason)"
        }
    }
}

/// A run's scratch file for what a registry dump extracts and memory should not hold: records
/// waiting to be grouped into trials, and the matrix columns built from them.
///
/// The file is created in `folder` and unlinked at once: only this run's descriptor reaches it,
/// and it disappears when the run ends, however it ends. Each blob lies at its own offset;
/// appends reserve their range under a lock and write outside it, so workers spill
/// concurrently, and reads are positional (`pread`), so blobs are read back on all cores.
public final class SpillFile: @unchecked Sendable {
    /// Where one blob lies in the file, in bytes.
    public struct Location: Sendable, Hashable {
        public var offset: Int
        public var length: Int
    }

    private let descriptor: Int32
    private let lock = NSLock()
    private var end = 0

    /// Creates the file in `folder` (which must exist) and unlinks it.
    public init(folder: URL) throws(SpillError) {
        var template = Array(folder.appendingPathComponent(".trialdiff-spill-XXXXXX").path.utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .cannotCreate(folder: folder.path, reason: String(cString: strerror(errno))) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Bytes written so far.
    public var size: Int { lock.withLock { end } }

    /// Writes `bytes` after everything written so far and returns where they lie.
    public func append(_ bytes: [UInt8]) throws(SpillError) -> Location {
        let offset = lock.withLock {
            defer { end += bytes.count }
            return end
        }
        let failure = bytes.withUnsafeBytes { buffer in
            transfer(count: buffer.count, operation: "write") { done in
                pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            }
        }
        if let failure { throw failure }
        return Location(offset: offset, length: bytes.count)
    }

    /// The bytes written at `location`.
    public func read(_ location: Location) throws(SpillError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: location.length)
        let failure = bytes.withUnsafeMutableBytes { buffer in
            transfer(count: buffer.count, operation: "read") { done in
                pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(location.offset + done))
            }
        }
        if let failure { throw failure }
        return bytes
    }

    /// Repeats `call(done)` (a `pwrite` or `pread` of the bytes after the first `done`) until
    /// `count` bytes are transferred, retrying when interrupted; the error that stopped it, if any.
    private func transfer(count: Int, operation: String, _ call: (Int) -> Int) -> SpillError? {
        var done = 0
        while done < count {
            let n = call(done)
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                return .io(
                    operation: operation,
                    reason: n == 0 ? "the file is shorter than written" : String(cString: strerror(errno)))
            }
            done += n
        }
        return nil
    }
}
