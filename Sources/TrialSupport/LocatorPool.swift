import Foundation

/// One shared copy of each locator string.
///
/// Every value keeps its evidence until the reports are written, and most locators repeat from
/// record to record: each ClinicalTrials.gov record has the same element paths
/// (`/clinical_study/eligibility/criteria/textblock`) and criterion locators of the same form
/// (`… textblock line 12 item 3`). Without sharing, each record kept its own copy of each; at
/// 10,000 records that was about 40 MB of a 175 MB heap.
///
/// The pool keeps at most `capacity` strings (a few MB): past that, new locators are kept as they
/// are, so a registry bundle whose every record has its own path prefix cannot make it grow
/// without bound. Interning changes no value, only where the bytes are stored.
public enum LocatorPool {
    /// Most strings the shared pool keeps.
    public static let capacity = 1 << 16

    /// `locator`, or the pool's equal string when it has one (sharing its storage).
    public static func intern(_ locator: String) -> String { shared.intern(locator) }

    /// Strings the shared pool holds now.
    public static var count: Int { shared.count }

    static let shared = StringPool(capacity: capacity)
}

/// A bounded set of strings handed out instead of equal ones; safe to use from any thread.
final class StringPool: @unchecked Sendable {
    let capacity: Int
    private var strings: Set<String> = []
    private let lock = NSLock()

    init(capacity: Int) { self.capacity = capacity }

    /// The pool's string equal to `s`, else `s` (added while the pool has room).
    func intern(_ s: String) -> String {
        // Up to 15 UTF-8 bytes are stored inline in the String itself: nothing to share.
        guard s.utf8.count > 15 else { return s }
        lock.lock()
        defer { lock.unlock() }
        // One hash lookup: inserting returns the member already there, if any.
        if strings.count < capacity { return strings.insert(s).memberAfterInsert }
        return strings.firstIndex(of: s).map { strings[$0] } ?? s
    }

    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return strings.count
    }
}
