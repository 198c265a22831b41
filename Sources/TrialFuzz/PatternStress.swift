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
    // Compile the patterns as a run would: every reader, extractor and rule on every file.
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
