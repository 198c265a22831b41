import Foundation
import Testing
import TrialCompare

@testable import TrialModel
@testable import TrialSupport

/// The address of `s`'s UTF-8 bytes (its storage, for a native string of more than 15 bytes).
private func storage(_ s: String) -> UInt? {
    var copy = s
    return copy.withUTF8 { $0.baseAddress.map { UInt(bitPattern: $0) } }
}

/// Every `Evidence` inside `value`, found by reflection.
private func evidence(in value: Any, into found: inout [Evidence]) {
    if let e = value as? Evidence {
        found.append(e)
        return
    }
    for child in Mirror(reflecting: value).children { evidence(in: child.value, into: &found) }
}

@Suite struct LocatorPoolTests {
    /// The real landscape keeps one copy of each locator, however many values cite it.
    @Test func realLandscapeKeepsOneCopyOfEachLocator() async throws {
        let landscape = await Repo.landscape(["Tests/TestSupport/Fixtures/realdata", "Input"])
        var found: [Evidence] = []
        evidence(in: landscape.trials, into: &found)
        evidence(in: landscape.findings, into: &found)
        let long = found.map(\.locator).filter { $0.utf8.count > 15 }
        var addresses: [String: Set<UInt>] = [:]
        for locator in long { addresses[locator, default: []].insert(try #require(storage(locator))) }
        // Locators repeat (the sharing matters) and each is stored once.
        #expect(long.count > 3 * addresses.count, "\(long.count) locators, \(addresses.count) distinct")
        let copies = addresses.filter { $0.value.count > 1 }.keys.sorted()
        #expect(copies.count == 0, "locators stored more than once, e.g. \(copies.prefix(3))")
        #expect(LocatorPool.count >= addresses.count)
    }

    /// Decoding (a rerun reads every cached record) shares locators as building does.
    @Test func decodedEvidenceSharesItsLocator() throws {
        let built = Evidence(file: "a.xml", locator: "/clinical_study/eligibility/criteria/textblock line 3 item 2", quote: "q")
        let json = try JSONEncoder().encode([built, built])
        let decoded = try JSONDecoder().decode([Evidence].self, from: json)
        #expect(decoded == [built, built])
        #expect(storage(decoded[0].locator) == storage(built.locator))
        #expect(storage(decoded[1].locator) == storage(built.locator))
        // The keys are those of the synthesized conformance.
        let object = try JSONSerialization.jsonObject(with: JSONEncoder().encode(built)) as? [String: String]
        #expect(object == ["file": "a.xml", "locator": built.locator, "quote": "q"])
    }

    /// A full pool hands out what it holds and keeps new strings out; short strings never enter.
    @Test func poolStopsGrowingAtItsCapacity() {
        let pool = StringPool(capacity: 100)
        // A fresh copy each time it is called.
        func path(_ i: Int) -> String { "/search_results/study[\(i)]/brief_title" }
        let first = (0..<150).map { pool.intern(path($0)) }
        #expect(pool.count == 100)
        let again = (0..<150).map { pool.intern(path($0)) }
        #expect(again == (0..<150).map(path))
        for i in 0..<150 {
            // Fresh equal strings get the pooled copy while it was added, else stay their own.
            #expect((storage(again[i]) == storage(first[i])) == (i < 100), "string \(i)")
        }
        #expect(pool.intern("line 3") == "line 3")
        #expect(pool.count == 100)
        #expect(StringPool(capacity: 10).intern("line 3 item 12") == "line 3 item 12")
    }
}
