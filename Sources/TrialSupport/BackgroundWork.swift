import Foundation

/// A result computed on a thread of its own (not a pool's: a caller that blocks on it may hold
/// a pool's slot), from the moment the work is created.
public final class BackgroundWork<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private let lock = NSLock()
    private var result: Result<T, any Error>?

    public init(_ work: @escaping @Sendable () throws -> T) {
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
