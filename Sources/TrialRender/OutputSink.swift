/// Receives a rendered file's bytes in order, so that a large output (`trials.json` of a
/// registry dump is hundreds of megabytes) can go to disk piece by piece instead of being held
/// whole in memory.
public protocol OutputSink {
    /// Appends `bytes` to the output.
    mutating func write(_ bytes: UnsafeRawBufferPointer) throws
}

extension OutputSink {
    /// Appends the UTF-8 bytes of `text`.
    public mutating func write(_ text: String) throws {
        var text = text
        try text.withUTF8 { try write(UnsafeRawBufferPointer($0)) }
    }

    /// Appends `bytes`.
    public mutating func write(_ bytes: [UInt8]) throws {
        try bytes.withUnsafeBytes { try write($0) }
    }
}

/// An ``OutputSink`` that keeps everything in memory: for tests and for callers that want the
/// rendered text as a `String`.
public struct MemorySink: OutputSink, Sendable {
    /// The bytes written so far.
    public private(set) var bytes: [UInt8] = []

    public init() {}

    public mutating func write(_ bytes: UnsafeRawBufferPointer) throws { self.bytes.append(contentsOf: bytes) }

    /// The bytes written so far as UTF-8 text.
    public var text: String { String(decoding: bytes, as: UTF8.self) }
}
