import Foundation

/// A result computed on a thread of its own (not a pool's: a caller that blocks on it may hold
/// a pool's slot), from the moment the work is created.
public final class BackgroundWork<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    /// - Parameter onThread: false runs `work` at once on the calling thread (a run held to
    ///   one core by `--jobs 1`); its value is then ready when `init` returns.
    public init(onThread: Bool = true, _ work: @escaping @Sendable () throws -> T) {
        guard onThread else {
            result = Result { try work() }
            done.signal()
            return
        }
        Thread {
            let outcome = Result { try work() }
            self.lock.withLock { self.result = outcome }
            self.done.signal()
        }.start()
    }

    /// The work's value (or its error), once it has finished; may be asked for more than once.
    public func value() throws -> T {
        done.wait()
        done.signal()  // for the next caller
        return try lock.withLock { result! }.get()
    }
}
