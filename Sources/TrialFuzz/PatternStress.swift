import Foundation
import TrialCompare
import TrialModel
import TrialPipeline
import TrialReaders
import TrialSupport

/// Characters a run of which is inserted into real matches: blanks, list punctuation, digits
/// and letters are what the patterns' quantifiers repeat.
private func runnable(_ unit: unichar) -> Bool {
    switch unit {
    case 0x20, 0x09, 0x0A, 0x2D, 0x2C, 0x2E, 0x28, 0x29, 0x2F, 0x30...0x39, 0x41...0x5A, 0x61...0x7A: return true
    default: return false
    }
}

private func kind(_ unit: unichar) -> Int {
    switch unit {
    case 0x20, 0x09, 0x0A: return 0
    case 0x30...0x39: return 1
    case 0x41...0x5A, 0x61...0x7A: return 2
    default: return Int(unit)
    }
}

/// Compiles the patterns as a run would (every reader, extractor and rule on every file) and
/// returns the texts they see: each file whole and every field its readers give.
private func compileAllPatterns(_ corpus: [(name: String, bytes: [UInt8])]) -> [NSString] {
    var texts: [NSString] = []
    var records: [TrialRecord] = []
    var summaries: [InputSummary] = []
    for file in corpus {
        let input = InputFile(path: file.name, bytes: file.bytes)
        let result = Pipeline.process(input)
        records += result.records
        summaries.append(result.summary)
        texts.append(String(decoding: file.bytes, as: UTF8.self) as NSString)
        for source in (try? ReaderRegistry.read(input)) ?? [] { texts += source.fields.map { $0.value as NSString } }
    }
    _ = Landscape(records: records, inputs: summaries).findings
    return texts
}

/// Checks that rewritten patterns match exactly what they replace. `listFile` holds the
/// patterns of the old code (`--patterns --list`, run on the same corpus); each pattern whose
/// source changed is paired with its rewrite and both are run over every text,
/// every line and every clause of the corpus (`^…$` patterns see clauses whole), and must give
/// the same ranges for the match and every group. Patterns that begin with an open-ended run are
/// also matched anchored at every boundary between blanks, digits, letters and punctuation, the
/// way the extractors call them. Prints each difference; returns true when there are none.
///
/// With `probes`, the corpus only compiles the patterns, and the texts compared are that file's.
func comparePatterns(_ corpus: [(name: String, bytes: [UInt8])], against listFile: String, probes: String? = nil) -> Bool {
    guard let data = FileManager.default.contents(atPath: listFile) else { fail("cannot read \(listFile)") }
    let old: [(pattern: String, caseInsensitive: Bool)] = String(decoding: data, as: UTF8.self).split(separator: "\n").map { line in
        guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: String], let pattern = object["pattern"]
        else { fail("\(listFile): not a line of `--patterns --list`: \(line.prefix(80))") }
        return (pattern, object["caseInsensitive"] == "1")
    }
    var whole = compileAllPatterns(corpus)
    if let probes {
        guard let data = FileManager.default.contents(atPath: probes) else { fail("cannot read \(probes)") }
        whole = [String(decoding: data, as: UTF8.self) as NSString]
    }
    // Patterns in both lists are unchanged; the others are paired in the order they were first
    // compiled, which the rewrites keep.
    let oldSources = Set(old.map(\.pattern))
    let newSources = Set(PatternCatalog.all.map(\.pattern))
    let removed = old.filter { !newSources.contains($0.pattern) }
    let added = PatternCatalog.all.filter { !oldSources.contains($0.pattern) }
    guard removed.count == added.count else {
        fail("\(removed.count) patterns of \(listFile) are gone and \(added.count) are new: list them again on the same corpus")
    }
    // Every text, and its lines and clauses, once each.
    var seen: Set<String> = []
    var texts: [NSString] = []
    for text in whole {
        let string = text as String
        for piece in [string] + string.split(separator: "\n").map(String.init)
            + string.split(whereSeparator: { ";.,:".contains($0) }).map(String.init)
        where seen.insert(piece).inserted {
            texts.append(piece as NSString)
        }
    }
    func signature(_ m: NSTextCheckingResult?) -> [Int] {
        guard let m else { return [] }
        return (0..<m.numberOfRanges).flatMap { [m.range(at: $0).location, m.range(at: $0).length] }
    }
    var differing = 0
    for (index, (before, after)) in zip(removed, added).enumerated() {
        guard let previous = try? NSRegularExpression(pattern: before.pattern, options: before.caseInsensitive ? [.caseInsensitive] : []) else {
            fail("changed pattern \(index) of \(listFile) does not compile")
        }
        let anchored = ["\\s*", "\\W*", "[^"].contains { before.pattern.hasPrefix($0) || after.pattern.hasPrefix($0) }
        var matches = 0
        var differences: [String] = []
        for text in texts where differences.count < 5 {
            let all = NSRange(location: 0, length: text.length)
            let a = previous.matches(in: text as String, range: all)
            let b = after.matches(in: text as String, range: all)
            matches += a.count
            if a.map(signature) != b.map(signature) {
                differences.append("\(a.map(signature)) vs \(b.map(signature)) in \((text as String).prefix(160).debugDescription)")
                continue
            }
            guard anchored, text.length < 20_000 else { continue }
            for i in 0..<text.length where i == 0 || kind(text.character(at: i - 1)) != kind(text.character(at: i)) {
                let range = NSRange(location: i, length: text.length - i)
                let x = previous.firstMatch(in: text as String, options: [.anchored, .withTransparentBounds], range: range)
                let y = after.firstMatch(in: text as String, options: [.anchored, .withTransparentBounds], range: range)
                if x != nil { matches += 1 }
                if signature(x) != signature(y) {
                    differences.append("anchored at \(i): \(signature(x)) vs \(signature(y)) in \((text as String).prefix(160).debugDescription)")
                    break
                }
            }
        }
        print("changed pattern \(index): \(differences.isEmpty ? "same" : "DIFFERENT") over \(texts.count) texts, \(matches) matches of the old one")
        print("  old: \(before.pattern)\n  new: \(after.pattern)")
        for difference in differences { print("  \(difference)") }
        if !differences.isEmpty { differing += 1 }
    }
    print("trialdiff-fuzz --compare: \(differing) changed patterns match differently")
    return differing == 0
}

/// Runs every built-in pattern on hostile variants of its own matches in the corpus: at the
/// start of each run of blanks, digits, letters or punctuation inside a match, a run of
/// `length` such characters is inserted, and the variant is tried both with the text that
/// followed the match and cut off there (a near miss, where a backtracking pattern tries every
/// split of the run). A pattern that needs more than `limit` seconds on a variant of a few
/// kilobytes grows faster than linearly with the run; it is printed with the variant. Returns
/// true when none did.
func stressPatterns(_ corpus: [(name: String, bytes: [UInt8])], only: String? = nil, list: Bool = false, length: Int = 2_000, limit: Double = 0.02)
    -> Bool
{
    let texts = compileAllPatterns(corpus)
    let patterns = PatternCatalog.all
    if list {
        for regex in patterns {
            let line = ["pattern": regex.pattern, "caseInsensitive": regex.options.contains(.caseInsensitive) ? "1" : "0"]
            print(String(decoding: try! JSONSerialization.data(withJSONObject: line, options: [.sortedKeys]), as: UTF8.self))
        }
        return true
    }
    var unmatched = 0
    var slow = 0
    for regex in patterns where only.map({ regex.pattern.contains($0) }) ?? true {
        var examples: [(text: NSString, range: NSRange)] = []
        var seen: Set<String> = []
        for text in texts where examples.count < 6 {
            for m in regex.matches(in: text as String, range: NSRange(location: 0, length: text.length)).prefix(3)
            where m.range.length > 0 && seen.insert(text.substring(with: m.range)).inserted {
                examples.append((text, m.range))
                if examples.count == 6 { break }
            }
        }
        if examples.isEmpty { unmatched += 1 }
        // Patterns that begin with an open-ended run are matched anchored, at a place the
        // extractor chose (`TextBuffer.firstMatch(_:in:anchored:)`), never searched for.
        let anchored = ["\\s*", "\\W*", "[^"].contains { regex.pattern.hasPrefix($0) }
        // Patterns anchored at the start of their text are given the match alone.
        let whole = regex.pattern.hasPrefix("^")
        var worst: (seconds: Double, variant: String)? = nil
        for (text, range) in examples {
            let match = text.substring(with: NSRange(location: range.location, length: min(range.length, 400))) as NSString
            let beforeStart = max(0, range.location - 80)
            let before = whole ? "" : text.substring(with: NSRange(location: beforeStart, length: range.location - beforeStart))
            let afterStart = range.location + range.length
            let after = text.substring(with: NSRange(location: afterStart, length: min(80, text.length - afterStart)))
            for i in 0..<match.length {
                let unit = match.character(at: i)
                guard runnable(unit), i == 0 || kind(match.character(at: i - 1)) != kind(unit) else { continue }
                let head = match.substring(to: i)
                let tail = match.substring(from: i)
                var fillers = [String(utf16CodeUnits: [unit], count: 1)]
                if kind(unit) == 0 { fillers += [" ", "\n", "-", " -"] }
                for filler in Set(fillers).sorted() {
                    let run = String(repeating: filler, count: length / filler.utf16.count)
                    for ending in [tail + after, "\u{1}"] {
                        let variant = before + head + run + ending
                        let length = (variant as NSString).length
                        let started = DispatchTime.now().uptimeNanoseconds
                        if anchored {
                            let at = (before as NSString).length
                            _ = regex.firstMatch(
                                in: variant, options: [.anchored, .withTransparentBounds], range: NSRange(location: at, length: length - at))
                        } else {
                            _ = regex.numberOfMatches(in: variant, range: NSRange(location: 0, length: length))
                        }
                        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                        if seconds > (worst?.seconds ?? limit) {
                            let shown = (before + head).suffix(60) + "⟨\(length / filler.utf16.count)×\(filler.debugDescription)⟩" + ending.prefix(40)
                            worst = (seconds, String(shown))
                        }
                    }
                }
            }
        }
        if let worst {
            slow += 1
            print("slow: \(String(format: "%.3f", worst.seconds)) s on \(worst.variant.debugDescription)\n  pattern: \(regex.pattern)")
        }
    }
    print("trialdiff-fuzz --patterns: \(patterns.count) patterns, \(unmatched) without a match in the corpus, \(slow) slow")
    return slow == 0
}
