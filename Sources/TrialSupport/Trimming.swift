import Foundation

extension String {
    /// `trimmingCharacters(in: .whitespaces)` (spaces and tabs), without Foundation's character
    /// set lookups when both ends are ASCII and neither is a space or a tab: nearly every value
    /// a reader hands over, trimmed once per number parsed.
    public var trimmingSpaces: String {
        let utf8 = self.utf8
        guard let first = utf8.first, let last = utf8.last else { return "" }
        if first < 0x80, last < 0x80, first != 0x20, first != 0x09, last != 0x20, last != 0x09 { return self }
        return trimmingCharacters(in: .whitespaces)
    }
}
