import Foundation
import Logging

/// Collects lines for assertions: log events as `level: message` (through `logger`), or any
/// printed text appended directly.
final class CapturedLog: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []

    func append(_ s: String) { lock.withLock { items.append(s) } }
    var lines: [String] { lock.withLock { items } }

    var logger: Logger {
        Logger(label: "test") { _ in Handler(sink: self) }
    }

    struct Handler: LogHandler {
        let sink: CapturedLog
        var logLevel: Logger.Level = .trace
        var metadata: Logger.Metadata = [:]
        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }
        func log(event: LogEvent) { sink.append("\(event.level): \(event.message)") }
    }
}
