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
/// and it disappears when the run ends, however it ends. Each blob lies at its own offset.
/// Appends are gathered in a buffer under a lock and written a whole buffer at a time: one
/// `pwrite` of a few kilobytes per record made the kernel zero each new page before filling it,
/// which cost as much as the copy. Reads are positional (`pread`), so blobs are read back on all
/// cores; a read of bytes still in the buffer writes the buffer out first.
public final class SpillFile: @unchecked Sendable {
    /// Where one blob lies in the file, in bytes.
    public struct Location: Sendable, Hashable {
        public var offset: Int
        public var length: Int
    }

    /// Bytes gathered before they are written out.
    public static let bufferSize = 1 << 20

    private let descriptor: Int32
    private let lock = NSLock()
    /// Bytes appended so far (written or in `pending`).
    private var end = 0
    /// Bytes written to the file so far: `pending` lies at this offset.
    private var written = 0
    private var pending: [UInt8] = []
    /// The error of a write that failed: every later append and read fails with it.
    private var failure: SpillError?

    /// Creates the file in `folder` (which must exist) and unlinks it.
    public init(folder: URL) throws(SpillError) {
        var template = Array(folder.appendingPathComponent(".trialdiff-spill-XXXXXX").path.utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { throw .cannotCreate(folder: folder.path, reason: String(cString: strerror(errno))) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        descriptor = fd
        pending.reserveCapacity(Self.bufferSize)
    }

    deinit { close(descriptor) }

    /// Bytes appended so far.
    public var size: Int { lock.withLock { end } }

    /// Adds `bytes` after everything appended so far and returns where they lie.
    public func append(_ bytes: [UInt8]) throws(SpillError) -> Location {
        let result: Result<Location, SpillError> = lock.withLock {
            if let failure = self.failure { return .failure(failure) }
            let location = Location(offset: end, length: bytes.count)
            end += bytes.count
            if pending.count + bytes.count > Self.bufferSize, let error = flushLocked() { return .failure(error) }
            if bytes.count >= Self.bufferSize {
                // A blob larger than the buffer goes straight to the file.
                if let error = writeLocked(bytes) { return .failure(error) }
            } else {
                pending += bytes
            }
            return .success(location)
        }
        return try result.get()
    }

    /// The bytes appended at `location`.
    public func read(_ location: Location) throws(SpillError) -> [UInt8] {
        let ready: SpillError? = lock.withLock {
            if let failure = self.failure { return failure }
            return location.offset + location.length > written ? flushLocked() : nil
        }
        if let ready { throw ready }
        var bytes = [UInt8](repeating: 0, count: location.length)
        let readError = bytes.withUnsafeMutableBytes { buffer in
            transfer(count: buffer.count, operation: "read") { done in
                pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(location.offset + done))
            }
        }
        if let readError { throw readError }
        return bytes
    }

    /// Writes `pending` out; the lock is held.
    private func flushLocked() -> SpillError? {
        guard !pending.isEmpty else { return nil }
        let error = writeLocked(pending)
        pending.removeAll(keepingCapacity: true)
        return error
    }

    /// Writes `bytes` at `written` and advances it; the lock is held. A failure is kept.
    private func writeLocked(_ bytes: [UInt8]) -> SpillError? {
        let offset = written
        let error = bytes.withUnsafeBytes { buffer in
            transfer(count: buffer.count, operation: "write") { done in
                pwrite(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            }
        }
        written += bytes.count
        if let error { failure = error }
        return error
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
