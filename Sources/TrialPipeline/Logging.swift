import Foundation
import Logging
import TrialSupport

/// A swift-log handler that writes `level: message` lines to standard error, without
/// timestamps or labels: trialdiff's log is read by people and by cron mail, not by log shippers.
public struct PlainStderrLogHandler: LogHandler {
    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]

    public init(level: Logger.Level) { logLevel = level }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let prefix: String
        switch event.level {
        case .trace, .debug: prefix = "debug: "
        case .info, .notice: prefix = ""
        case .warning: prefix = "warning: "
        case .error, .critical: prefix = "error: "
        }
        // File names and registry text are untrusted: an ESC or a line break in them must not
        // reach the terminal or forge a log line.
        FileHandle.standardError.write(Data((prefix + Printable.text("\(event.message)") + "\n").utf8))
    }
}

/// A one-line progress display on a terminal ("read 1200/10000 files, 850/s, ETA 10 s"),
/// redrawn at most five times a second; silent when standard error is not a terminal.
public final class ProgressLine: @unchecked Sendable {
    private let lock = NSLock()
    private let enabled: Bool
    private let start = Date()
    private var last = Date.distantPast
    private var drawn = false

    public init(enabled: Bool = isatty(2) != 0) { self.enabled = enabled }

    /// Reports that `done` of `total` files have been read.
    public func update(done: Int, total: Int) {
        guard enabled else { return }
        lock.withLock {
            let now = Date()
            guard now.timeIntervalSince(last) >= 0.2 || done == total else { return }
            last = now
            let elapsed = max(now.timeIntervalSince(start), 0.001)
            let rate = Double(done) / elapsed
            let eta = rate > 0 ? Double(total - done) / rate : 0
            let line = "read \(done)/\(total) files, \(Int(rate))/s, ETA \(Int(eta.rounded())) s"
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + line).utf8))
            drawn = true
        }
    }

    /// Shows `text` (e.g. the outputs being written) in place of the line, at most every 0.2 s
    /// unless `force` is set.
    public func status(_ text: String, force: Bool = false) {
        guard enabled else { return }
        lock.withLock {
            let now = Date()
            guard force || now.timeIntervalSince(last) >= 0.2 else { return }
            last = now
            FileHandle.standardError.write(Data(("\r\u{1B}[K" + text).utf8))
            drawn = true
        }
    }

    /// Clears the line before other output.
    public func finish() {
        guard enabled else { return }
        lock.withLock {
            if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            drawn = false
        }
    }
}
