/// Where a value came from: the input file, a locator inside it, and the exact source text.
///
/// Every value trialdiff reports carries at least one `Evidence`, so a reader of the report can go
/// back to the registry text and check it.
public struct Evidence: Codable, Sendable, Hashable, Comparable {
    /// Path of the input file, as given on the command line or relative to the input folder.
    public var file: String
    /// XPath (XML/HTML), JSON pointer (JSON) or `line N` / `lines N-M` (plain text).
    public var locator: String
    /// The exact source text the value was read from (whitespace collapsed).
    public var quote: String

    public init(file: String, locator: String, quote: String) {
        self.file = file
        self.locator = locator
        self.quote = quote
    }

    public static func < (lhs: Evidence, rhs: Evidence) -> Bool {
        (lhs.file, lhs.locator, lhs.quote) < (rhs.file, rhs.locator, rhs.quote)
    }
}

/// A value together with the evidence it was read from.
///
/// Two `Measured` with equal values but different evidence are the same finding seen twice;
/// `merging(_:)` keeps one value and all the evidence.
public struct Measured<Value: Codable & Sendable & Hashable>: Codable, Sendable, Hashable {
    public var value: Value
    public var evidence: [Evidence]

    public init(_ value: Value, evidence: [Evidence]) {
        self.value = value
        self.evidence = evidence
    }

    public init(_ value: Value, _ evidence: Evidence) {
        self.init(value, evidence: [evidence])
    }
}

extension Array {
    /// Appends `item` unless an element with the same value exists; then its evidence is merged.
    public mutating func appendMerging<V>(_ item: Measured<V>) where Element == Measured<V> {
        if let index = firstIndex(where: { $0.value == item.value }) {
            for e in item.evidence where !self[index].evidence.contains(e) {
                self[index].evidence.append(e)
            }
        } else {
            append(item)
        }
    }

    /// Appends every element of `items` with `appendMerging(_:)`.
    public mutating func appendMerging<V>(contentsOf items: [Measured<V>]) where Element == Measured<V> {
        for item in items { appendMerging(item) }
    }
}
