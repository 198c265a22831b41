/// A list held in memory or read on access (``TrialList``, ``MatrixCells``, ``SnapshotTrials``)
/// that is encoded, compared and hashed as the array of its elements, whatever its storage: a
/// landscape read from a spill file encodes to the bytes of one held in memory.
public protocol ArrayEquivalent: RandomAccessCollection, Codable, Hashable
where Element: Codable & Hashable, Index == Int {
    /// The list holding `elements` in memory.
    init(_ elements: [Element])
}

extension ArrayEquivalent {
    /// Encoded as the JSON array of its elements.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.unkeyedContainer()
        for element in self { try container.encode(element) }
    }

    /// Decoded from an array, held in memory.
    public init(from decoder: any Decoder) throws {
        self.init(try [Element](from: decoder))
    }

    /// Equal when they hold equal elements in the same order.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.count == rhs.count && lhs.elementsEqual(rhs)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(count)
        for element in self { hasher.combine(element) }
    }
}
