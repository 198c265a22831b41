import Foundation

/// Every built-in regular expression compiled so far, so a tool can test each one against
/// hostile text (`trialdiff-fuzz --patterns`): a pattern whose quantifiers can split one run of
/// blanks, hyphens or digits in many ways takes time that grows with the square (or cube) of
/// the run, and the mutation fuzzer finds that only by chance.
public enum PatternCatalog {
    private static let lock = NSLock()
    nonisolated(unsafe) private static var entries: [NSRegularExpression] = []

    /// Called once per pattern, when its `static let` is first used.
    public static func register(_ regex: NSRegularExpression) {
        lock.withLock { entries.append(regex) }
    }

    /// The patterns compiled so far, in the order they were first used.
    public static var all: [NSRegularExpression] { lock.withLock { entries } }
}
