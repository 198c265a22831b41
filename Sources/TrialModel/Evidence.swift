import TrialSupport

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

    /// The locator is stored once for all evidence that names it (`LocatorPool`).
    public init(file: String, locator: String, quote: String) {
        self.file = file
        self.locator = LocatorPool.intern(locator)
        self.quote = quote
    }

    private enum CodingKeys: String, CodingKey {
        case file, locator, quote
    }

    /// Writes the evidence's compact, sorted-key JSON (as `StableJSONEncoder(pretty: false)` does),
    /// without the `file` member when the file is `omittingFile` (a stored state names its file
    /// once, not in each of its evidence).
    public func write(to json: inout CompactJSONWriter, omittingFile: String? = nil) {
        json.raw("{")
        if file != omittingFile {
            json.raw("\"file\":")
            json.repeatedString(file)
            json.raw(",")
        }
        json.raw("\"locator\":")
        json.string(locator)
        json.raw(",\"quote\":")
        json.string(quote)
        json.raw("}")
    }

    /// Decodes as the synthesized conformance would, sharing the locator (a rerun decodes every
    /// cached record's evidence).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            file: try c.decode(String.self, forKey: .file), locator: try c.decode(String.self, forKey: .locator),
            quote: try c.decode(String.self, forKey: .quote))
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

    /// Appends every element of `items` with `appendMerging(_:)`. Into an empty array, items
    /// whose values are all different are taken as they are, sharing their storage: a trial of
    /// one record holds its parameters once, not twice.
    public mutating func appendMerging<V>(contentsOf items: [Measured<V>]) where Element == Measured<V> {
        if isEmpty, items.lazy.map({ $0.value }).allDifferent {
            self = items
            return
        }
        self = .merging([self, items])
    }

    /// The elements of `lists` in order, equal values merged into the first with their evidence
    /// (each piece once): what `appendMerging` gives list after list, in time linear in the
    /// number of values and pieces of evidence, however many records a trial has.
    public static func merging<V>(_ lists: [[Measured<V>]]) -> [Measured<V>] where Element == Measured<V> {
        let nonEmpty = lists.filter { !$0.isEmpty }
        if nonEmpty.count <= 1 {
            guard let only = nonEmpty.first else { return [] }
            if only.lazy.map({ $0.value }).allDifferent { return only }
        }
        var out: [Measured<V>] = []
        var position: [V: Int] = [:]
        var seen: [Set<Evidence>] = []
        for list in nonEmpty {
            for item in list {
                if let i = position[item.value] {
                    for e in item.evidence where seen[i].insert(e).inserted { out[i].evidence.append(e) }
                } else {
                    position[item.value] = out.count
                    seen.append(Set(item.evidence))
                    out.append(item)
                }
            }
        }
        return out
    }
}

extension Collection where Element: Hashable {
    /// True when no two elements are equal (pairwise for a few, by hashing for more).
    public var allDifferent: Bool {
        if count <= 8 {
            var i = startIndex
            while i != endIndex {
                let item = self[i]
                formIndex(after: &i)
                if self[i...].contains(item) { return false }
            }
            return true
        }
        var seen = Set<Element>(minimumCapacity: count)
        return allSatisfy { seen.insert($0).inserted }
    }
}
