import Foundation

/// Data-parallel work over index ranges, for the CPU-bound batch steps (encoding snapshot states,
/// encoding `trials.json`) that sit outside the structured-concurrency reading stage.
public enum Parallel {
    /// Splits `0..<count` into consecutive ranges of `chunk` indices, runs `body` on each (on
    /// `jobs` threads at most, each taking the next range when it is done with one, or in order
    /// on the calling thread when `jobs` is 1 or there is one range) and returns the
    /// concatenated results in index order.
    ///
    /// - Throws: the error of the first range, in index order, whose `body` threw.
    public static func mapChunks<R, E: Error>(
        count: Int, chunk: Int, jobs: Int, _ body: (Range<Int>) throws(E) -> [R]
    ) throws(E) -> [R] {
        let chunk = max(1, chunk)
        let chunks = (count + chunk - 1) / chunk
        let range: @Sendable (Int) -> Range<Int> = { c in (c * chunk)..<min(count, (c + 1) * chunk) }
        if jobs <= 1 || chunks <= 1 {
            var out: [R] = []
            out.reserveCapacity(count)
            for c in 0..<chunks { out += try body(range(c)) }
            return out
        }
        let slots = Slots<R, E>(count: chunks)
        withoutActuallyEscaping(body) { body in
            let run = UncheckedSendable(body)
            DispatchQueue.concurrentPerform(iterations: min(jobs, chunks)) { _ in
                while let c = slots.claim() {
                    slots.set(c, Result { () throws(E) -> [R] in try run.value(range(c)) })
                }
            }
        }
        return try slots.collect()
    }

    /// Per-range results, each slot claimed and written by exactly one thread.
    private final class Slots<R, E: Error>: @unchecked Sendable {
        private var slots: [Result<[R], E>?]
        private var next = 0
        private let lock = NSLock()

        init(count: Int) { slots = Array(repeating: nil, count: count) }

        /// The next range index no thread has taken yet, nil when all are taken.
        func claim() -> Int? {
            lock.lock()
            defer { lock.unlock() }
            guard next < slots.count else { return nil }
            next += 1
            return next - 1
        }

        func set(_ index: Int, _ result: Result<[R], E>) {
            lock.lock()
            slots[index] = result
            lock.unlock()
        }

        func collect() throws(E) -> [R] {
            var out: [R] = []
            for slot in slots { out += try slot!.get() }
            return out
        }
    }

    /// Carries a closure that only reads shared state into `concurrentPerform`.
    private struct UncheckedSendable<T>: @unchecked Sendable {
        let value: T
        init(_ value: T) { self.value = value }
    }
}
