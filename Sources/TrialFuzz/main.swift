import Foundation
import TrialCompare
import TrialPipeline
import TrialReaders
import TrialSupport

/// A deterministic mutation fuzzer over real registry records: each iteration takes one corpus
/// file, applies one to four mutations (bit flips, hostile bytes and tokens, duplicated,
/// deleted and spliced chunks, truncation) drawn from a generator seeded by the iteration's
/// number, and runs what a report run does with one file: read, extract, record rules, then
/// grouping and the trial rules. Before each input it writes the input and its iteration to the
/// output folder, so that `Scripts/fuzz.sh` can keep an input that crashed the process and go
/// on after it. An input that takes more than `--slow` seconds of the process's CPU time (not
/// wall time: other work on the machine must not make an input look slow) is kept under `slow/`.
///
/// With `--patterns` it instead stresses every built-in regular expression (``stressPatterns(_:)``).
///
/// Usage: trialdiff-fuzz --seconds N [--seed S] [--start I] [--slow SECONDS] --out DIR CORPUS...
///        trialdiff-fuzz --patterns [--only TEXT] [--list | --compare OLD-LIST [--probes FILE]] CORPUS...
struct Options {
    var patterns = false
    /// With `--patterns`: print every compiled pattern (one JSON string per line) instead.
    var list = false
    /// With `--patterns`: compare the code's patterns with this `--list` output instead.
    var compare: String?
    /// With `--compare`: compare on this file's text only (the corpus still compiles the patterns).
    var probes: String?
    /// With `--patterns`: only the patterns whose source contains this text.
    var only: String?
    var seconds = 60.0
    var seed: UInt64 = 1
    var start = 0
    var slow = 1.0
    var out = "fuzz-out"
    var corpus: [String] = []

    init(_ arguments: [String]) {
        var i = 0
        func value() -> String {
            i += 1
            guard i < arguments.count else { fail("missing value for \(arguments[i - 1])") }
            return arguments[i]
        }
        while i < arguments.count {
            switch arguments[i] {
            case "--seconds": seconds = Double(value()) ?? seconds
            case "--seed": seed = UInt64(value()) ?? seed
            case "--start": start = Int(value()) ?? start
            case "--slow": slow = Double(value()) ?? slow
            case "--out": out = value()
            case "--patterns": patterns = true
            case "--only": only = value()
            case "--list": list = true
            case "--compare": compare = value()
            case "--probes": probes = value()
            default: corpus.append(arguments[i])
            }
            i += 1
        }
    }
}

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("trialdiff-fuzz: \(message)\n".utf8))
    exit(2)
}

/// SplitMix64: small, fast and the same on every platform.
struct Generator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func below(_ n: Int) -> Int { n <= 1 ? 0 : Int(next() % UInt64(n)) }
}

/// Bytes and tokens that broke parsers and rules before, or that they treat specially.
let tokens: [[UInt8]] = [
    "\u{0}", "\u{1B}[31m", "\u{1B}]0;t\u{7}", "\u{FEFF}", "\r\n", "<!ENTITY x SYSTEM \"file:///etc/passwd\">", "]]>", "<![CDATA[",
    "&#0;", "&amp;", "&lt;", "<br>", "{{SITE_NAME}}", "\\<", "\\>", "%s", "≥", "≤", "× 10^9", "10\\^9", "LVEF", "ECOG 0-1",
    "creatinine clearance < 30 mL/min", "Age: = 18 years", "18 ≤ age < 65", "-1e308", "1.5e308", "99999999999999999999",
    "\"enrollmentInfo\":{\"count\":-5}", "{\"a\":", "[[[[", "\\u0000", "\\ud800", "NCT00000000", "Inclusion Criteria:",
    "Exclusion Criteria:", "cyclophosphamide 300 mg/m2 days -5 to -3", "fludarabine 30 mg/m²/day × 3", "\u{202E}",
    String(repeating: "a", count: 5000), String(repeating: "1. ", count: 500), String(repeating: "(", count: 2000),
].map { Array($0.utf8) }

func mutate(_ input: [UInt8], with corpus: [[UInt8]], _ g: inout Generator) -> [UInt8] {
    var bytes = input
    for _ in 0..<(1 + g.below(4)) {
        let at = g.below(bytes.count + 1)
        switch g.below(8) {
        case 0 where !bytes.isEmpty:
            for _ in 0..<(1 + g.below(8)) { bytes[g.below(bytes.count)] ^= UInt8(1 << g.below(8)) }
        case 1 where !bytes.isEmpty:
            let interesting: [UInt8] = [0x00, 0x1B, 0x7F, 0xFF, 0xC0, 0x80, 0x3C, 0x3E, 0x26, 0x22, 0x5C, 0x7B, 0x7D, 0x0A, 0x30, 0x39]
            bytes[g.below(bytes.count)] = interesting[g.below(interesting.count)]
        case 2:
            bytes.insert(contentsOf: tokens[g.below(tokens.count)], at: at)
        case 3 where !bytes.isEmpty:
            let from = g.below(bytes.count)
            let length = min(bytes.count - from, 1 + g.below(4096))
            let chunk = Array(bytes[from..<(from + length)])
            for _ in 0..<(1 + g.below(3)) { bytes.insert(contentsOf: chunk, at: min(at, bytes.count)) }
        case 4 where !bytes.isEmpty:
            let length = min(bytes.count - min(at, bytes.count - 1), 1 + g.below(2048))
            let from = min(at, bytes.count - 1)
            bytes.removeSubrange(from..<min(bytes.count, from + length))
        case 5:
            bytes = Array(bytes.prefix(g.below(bytes.count + 1)))
        case 6:
            let other = corpus[g.below(corpus.count)]
            guard !other.isEmpty else { continue }
            let from = g.below(other.count)
            let length = min(other.count - from, 1 + g.below(8192))
            bytes.insert(contentsOf: other[from..<(from + length)], at: min(at, bytes.count))
        default:
            // A field's value made huge: a run of one byte from the input.
            let filler = bytes.isEmpty ? UInt8(ascii: "x") : bytes[g.below(bytes.count)]
            bytes.insert(contentsOf: [UInt8](repeating: filler, count: 1 + g.below(200_000)), at: min(at, bytes.count))
        }
    }
    return bytes
}

/// CPU seconds used by this process so far (all threads).
func cpuSeconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
}

func corpusFiles(_ paths: [String]) -> [(name: String, bytes: [UInt8])] {
    let (files, _, _) = InputCollector.collect(paths)
    return files.compactMap { path in
        guard let bytes = try? InputCollector.bytes(of: path), !bytes.isEmpty, !path.hasSuffix(".zip") else { return nil }
        return ((path as NSString).lastPathComponent, bytes)
    }
}

let options = Options(Array(CommandLine.arguments.dropFirst()))
let corpus = corpusFiles(options.corpus)
guard !corpus.isEmpty else { fail("no corpus files in \(options.corpus)") }
if options.patterns, let list = options.compare { exit(comparePatterns(corpus, against: list, probes: options.probes) ? 0 : 3) }
if options.patterns { exit(stressPatterns(corpus, only: options.only, list: options.list) ? 0 : 3) }
let out = URL(fileURLWithPath: options.out)
try? FileManager.default.createDirectory(at: out.appendingPathComponent("slow"), withIntermediateDirectories: true)
let current = out.appendingPathComponent("current")
let started = Date()
var iteration = options.start
var slowest = 0.0
var slowKept = 0
var readFailures = 0
var bytesTotal = 0
while Date().timeIntervalSince(started) < options.seconds {
    var g = Generator(state: options.seed &* 0x1000_0000_01B3 &+ UInt64(iteration))
    let base = corpus[g.below(corpus.count)]
    let input = mutate(base.bytes, with: corpus.map(\.bytes), &g)
    let name = "\(iteration)-\(base.name)"
    // Written before the input runs: after a crash, the driver keeps it.
    try? Data(input).write(to: current.appendingPathExtension("bin"))
    try? Data("\(iteration)\n\(name)\n".utf8).write(to: current.appendingPathExtension("txt"))
    let t0 = cpuSeconds()
    let result = Pipeline.process(InputFile(path: name, bytes: input))
    if result.summary.error != nil { readFailures += 1 }
    let landscape = Landscape(records: result.records, inputs: [result.summary])
    _ = landscape.findings.count
    let seconds = cpuSeconds() - t0
    slowest = max(slowest, seconds)
    if seconds > options.slow {
        slowKept += 1
        try? Data(input).write(to: out.appendingPathComponent("slow/\(name)"))
        FileHandle.standardError.write(Data("slow: \(name) took \(String(format: "%.2f", seconds)) s of CPU\n".utf8))
    }
    bytesTotal += input.count
    iteration += 1
}
try? FileManager.default.removeItem(at: current.appendingPathExtension("bin"))
try? FileManager.default.removeItem(at: current.appendingPathExtension("txt"))
let ran = iteration - options.start
print(
    "trialdiff-fuzz: \(ran) inputs (iterations \(options.start)..<\(iteration), seed \(options.seed)) from \(corpus.count) corpus files, "
        + "\(String(format: "%.0f", Double(ran) / max(Date().timeIntervalSince(started), 0.001))) inputs/s, "
        + "\(bytesTotal >> 20) MiB; \(readFailures) refused with an error; slowest \(String(format: "%.3f", slowest)) s of CPU; \(slowKept) slow kept"
)
exit(slowKept > 0 ? 3 : 0)
