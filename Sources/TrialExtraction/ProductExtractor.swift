import Foundation
import TrialModel
import TrialSupport

/// What is being tested: product codes ("KN5501", "CT103A"), cell types ("CAR-NK", "CAR-T",
/// "TCR-T", "TIL", "NK") and antigen targets ("CD19", "BCMA", "KRAS G12D").
///
/// Read from titles, summaries, descriptions, interventions, arms and primary outcomes — never from
/// criteria, where another product can be named ("…that prevents administration of BIIB059").
enum ProductExtractor {
    static let sourceKeys: Set<FieldKey> = [
        .title, .officialTitle, .acronym, .summary, .description, .intervention,
        .interventionDescription, .armDescription, .primaryOutcome,
    ]

    // MARK: Product codes

    /// Two to five capitals, an optional hyphen, 2–7 digits and an optional letter suffix.
    /// The specification of ``codes(in:)``, which finds the same matches without it.
    static let code = Pattern(#"(?<![\w-])([A-Z]{2,5})-?(\d{2,7})[A-Z]?(?![\w-])"#, caseSensitive: true)

    /// A product code found by ``codes(in:)``: where it is (UTF-16) and its letter prefix.
    struct Code: Equatable {
        var range: NSRange
        var prefix: String
    }

    /// The matches of ``code``, found by a scan of the text's tokens.
    ///
    /// `code` cannot match inside a longer run of word characters and hyphens (its lookbehind
    /// and lookahead forbid one on either side), so a match is exactly a whole token, a maximal
    /// run of such characters, that has the code's shape. The expression tried a match at every
    /// character of every description with a digit: the largest share of the extractors' regular
    /// expression time. Word characters are `\w`'s (letters, marks, decimal digits, connector
    /// punctuation, zero-width joiners), digits `\d`'s (any decimal digit).
    static func codes(in text: String) -> [Code] {
        var text = text
        return text.withUTF8 { b in
            var found: [Code] = []
            let n = b.count
            var start = -1
            var start16 = 0
            var nonASCII = false
            var i = 0
            var offset = 0
            /// Judges the token `b[start..<end]`: most are words, rejected at their first byte.
            func close(_ end: Int) {
                guard b[start] >= 0x41 && b[start] <= 0x5A else { return }
                if nonASCII {
                    let scalars = Array(String(decoding: UnsafeBufferPointer(rebasing: b[start..<end]), as: UTF8.self).unicodeScalars)
                    if let letters = codeShape(scalars.count, { scalars[$0].value }, { scalars[$0].properties.numericType == .decimal }) {
                        let length = scalars.reduce(0) { $0 + ($1.value > 0xFFFF ? 2 : 1) }
                        found.append(
                            Code(range: NSRange(location: start16, length: length), prefix: String(String.UnicodeScalarView(scalars[..<letters]))))
                    }
                } else if let letters = codeShape(end - start, { UInt32(b[start + $0]) }, { b[start + $0] >= 0x30 && b[start + $0] <= 0x39 }) {
                    found.append(
                        Code(
                            range: NSRange(location: start16, length: end - start),
                            prefix: String(decoding: UnsafeBufferPointer(rebasing: b[start..<(start + letters)]), as: UTF8.self)))
                }
            }
            func isASCIIWord(_ c: UInt8) -> Bool {
                (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5A) || (c >= 0x61 && c <= 0x7A) || c == 0x5F || c == 0x2D
            }
            guard let base = b.baseAddress else { return [] }
            while i < n {
                // Eight ASCII bytes without a capital start no code: a token that starts in them,
                // or was open before them with a first byte that is not a capital, is dropped at
                // that byte. Only whether a token is still open after them matters.
                if i + 8 <= n, start < 0 || !(b[start] >= 0x41 && b[start] <= 0x5A) {
                    let w = ByteWord.load(base, at: i)
                    if w & ByteWord.highBits == 0, ByteWord.asciiBytes(w, below: 0x5B) & ~ByteWord.asciiBytes(w, below: 0x41) == 0 {
                        if !isASCIIWord(b[i + 7]) {
                            start = -1
                        } else if start < 0 {
                            start = i + 7
                            start16 = offset + 7
                        }
                        i += 8
                        offset += 8
                        continue
                    }
                }
                let c = b[i]
                var length = 1
                let word: Bool
                if c < 0x80 {
                    word = isASCIIWord(c)
                } else if let (scalar, l) = ICUClass.scalar(in: b, at: i) {
                    length = l
                    word = ICUClass.isWord(scalar)
                } else {
                    word = false
                }
                if word {
                    if start < 0 {
                        start = i
                        start16 = offset
                        nonASCII = false
                    }
                    if c >= 0x80 { nonASCII = true }
                } else if start >= 0 {
                    close(i)
                    start = -1
                }
                i += length
                offset += length == 4 ? 2 : 1
            }
            if start >= 0 { close(n) }
            return found
        }
    }

    /// The number of leading capitals when the `count` scalars (`value(i)`, `isDigit(i)`) have a
    /// code's shape: 2–5 capitals, an optional hyphen, 2–7 digits, an optional capital; else nil.
    private static func codeShape(_ count: Int, _ value: (Int) -> UInt32, _ isDigit: (Int) -> Bool) -> Int? {
        func isCapital(_ i: Int) -> Bool { value(i) >= 0x41 && value(i) <= 0x5A }
        var i = 0
        while i < count, isCapital(i) { i += 1 }
        let letters = i
        guard (2...5).contains(letters) else { return nil }
        if i < count, value(i) == 0x2D { i += 1 }
        let digits = i
        while i < count, isDigit(i) { i += 1 }
        guard (2...7).contains(i - digits) else { return nil }
        if i < count, isCapital(i) { i += 1 }
        return i == count ? letters : nil
    }

    /// Prefixes of codes that are not products: registries, antigens, cytokines, viruses, scales,
    /// classification systems and guideline bodies.
    private static let notProducts: Set<String> = [
        "NCT", "CD", "IL", "HLA", "COVID", "SARS", "ICD", "DAS", "HPV", "HIV", "HBV", "HCV", "HSV", "EBV",
        "CMV", "RSV", "ISO", "IEC", "CTCAE", "RECIST", "NYHA", "ECOG", "MMT", "FEV", "ACR", "EULAR", "WHO",
        "AJCC", "BMI", "SF", "PHQ", "GAD", "EQ", "CTR", "DRKS", "JPRN", "KCT", "IRCT", "TCTR", "CRIS",
        "ACTRN", "IRB", "CFR", "MDS", "ASH", "FDA", "EMA", "NMPA", "CFDA", "GMP", "GLP", "TNF", "PD", "PDL",
        "CTLA", "TGF", "VEGF", "FGF", "EGF", "TLR", "COX", "CYP", "UGT", "ABO", "HAQ", "AECG", "KDIGO",
        "ESC", "ASCO", "ESMO", "NCCN", "FIGO", "ASA", "GCP", "MRI", "PET", "QT", "UTF", "TNM", "HAM",
        "MOCA", "NIHSS", "VAS", "NRS", "BASDAI", "SLEDAI", "BILAG", "BVAS", "CDAI", "SDAI", "HCT", "ISRCTN", "SNOT", "TCID",
    ]

    // MARK: Cell types

    private static let cellTypes: [(String, Pattern)] = [
        (
            "CAR-NK",
            Pattern(#"\bCAR[\s-]?NK\b|(?i:chimeric\s+antigen\s+receptor)[\s-]+(?:\(CAR\)[\s-]+)?(?:(?i:natural\s+killer)|NK)\b"#, caseSensitive: true)
        ),
        (
            "CAR-T",
            Pattern(
                #"\bCAR[\s-]?T\b|\bCAR[\s-]?Ts\b|(?i:chimeric\s++antigen\s++receptor)[\s-]++(?:\(CAR\)[\s-]++)?(?:(?i:modified|engineered)\s++)?T\b"#,
                caseSensitive: true)
        ),
        (
            "TCR-T",
            Pattern(
                #"\bTCR[\s-]?T\b|\bmTCR\b|\bTCR[\s-]++(?i:transduced|engineered|modified|redirected)|(?i:T[\s-]cell\s++receptor)[\s-]*+(?:\(TCR\))?[\s-]*+(?i:transduced|engineered|modified|redirected|-?mediated)"#,
                caseSensitive: true)
        ),
        ("TIL", Pattern(#"\bTILs?\b|(?i:tumou?r[\s-]infiltrating\s+lymphocytes?)"#, caseSensitive: true)),
    ]
    private static let nkCells = Pattern(#"(?<!CAR[\s-])(?<!CAR)\bNK[\s-]?(?i:cells?)\b|(?i:natural\s+killer\s+cells?)"#, caseSensitive: true)

    // MARK: Targets

    private static let targetToken =
        #"(?:CD\d{1,3}[a-z]?|BCMA|GPRC5D|CLL-?1|HER-?2|GD2|GPC3|MSLN|(?i:mesothelin)|Claudin\s?18\.2|CLDN18\.2|PSMA|PSCA|ROR1|NKG2D|B7-H3|DLL3|FcRH5|FCRL5|EGFRvIII|EGFR|MUC1|MUC16|CEA|NY-ESO-1|MAGE-A\d{1,2}|AFP|TRBC1|BAFF-?R|IL13R[αa]2|CS1|SLAMF7|TACI|KRAS(?:\s+G12[A-Z](?:\s*(?:/|or|and|,)\s*G12[A-Z])*)?|NRAS|TP53|HPV\s?E[67]|GUCY2C)"#
    private static var chain: String { #"(\#(targetToken)(?:\s*+(?:/|,|&|\+|and|or)\s*+\#(targetToken))*)"# }
    private static let engineered = #"(?:CAR\b|TCR\b|mTCR\b|(?i:chimeric\s+antigen\s+receptor))"#
    private static let targetContexts: [Pattern] = [
        // "anti-CD19 … CAR T cells": up to three words between, each starting and ending with a
        // letter, digit or bracket, so a run of hyphens splits one way only.
        Pattern(
            #"(?i:anti)[\s-]*+\#(chain)(?=[\s-]++(?:[\w()](?:[\w()-]*[\w()])?[\s-]++){0,3}?(?:\#(engineered)|(?i:cells?\b)))"#,
            caseSensitive: true),
        Pattern(
            #"\#(chain)(?:[\s-]++(?i:mutant|mutated|antigen|specific|targeted|targeting|directed|redirected|bispecific|dual|tandem)){0,3}[\s-]*+\#(engineered)"#,
            caseSensitive: true),
        Pattern(
            #"(?:CAR|TCR)[\s-]*+(?:T|NK)?[\s-]*+(?i:cells?)?\s*+(?i:targeting|against|directed\s++(?:against|at|to)|specific\s++(?:for|to))\s++\#(chain)"#,
            caseSensitive: true),
    ]
    private static let singleTarget = Pattern(targetToken, caseSensitive: true)
    private static let mutation = Pattern(#"G12[A-Z]"#, caseSensitive: true)

    /// Individual targets in a matched chain: "CD19/BCMA" → CD19, BCMA; "KRAS G12V or G12D" →
    /// "KRAS G12V", "KRAS G12D"; "HER-2" → "HER2".
    private static func targets(in chainText: String) -> [String] {
        let b = TextBuffer(chainText)
        var result: [String] = []
        for m in b.matches(singleTarget) {
            let token = b.substring(m.range).collapsingWhitespace
            if token.hasPrefix("KRAS") {
                let mutations = b.matches(mutation, in: m.range).map { b.substring($0.range) }
                result.append(contentsOf: mutations.isEmpty ? ["KRAS"] : mutations.map { "KRAS \($0)" })
            } else if token.uppercased().hasPrefix("HER") {
                result.append("HER2")
            } else {
                result.append(token)
            }
        }
        return result
    }

    // MARK: Extraction

    struct Result {
        var products: [Measured<String>] = []
        var cellTypes: [Measured<String>] = []
        var targets: [Measured<String>] = []
    }

    static func extract(_ texts: [FieldText], file: String) -> Result {
        var result = Result()
        var nkMentions: [Measured<String>] = []
        for text in texts where sourceKeys.contains(text.key) {
            let buffer = text.buffer
            func evidence(_ range: NSRange) -> Evidence {
                text.quoteEvidence(file: file, around: range)
            }
            let value = text.field.value
            let hasCAR = Prefilter.containsExactly(value, ["CAR"])
            let hasTCR = Prefilter.containsExactly(value, ["TCR"])
            let chimeric = Prefilter.mayContain(value, ["chimeric"])
            var products: [(Int, String, NSRange)] = []
            for c in Prefilter.hasDigit(value) ? codes(in: value) : [] where !notProducts.contains(c.prefix) {
                products.append((c.range.location, buffer.substring(c.range), c.range))
            }
            addFirstPerValue(products, to: &result.products, evidence: evidence)

            var types: [(Int, String, NSRange)] = []
            for (name, pattern) in cellTypes {
                // Each cell-type pattern needs its acronym (case-sensitive) or its spelled-out words.
                switch name {
                case "CAR-NK", "CAR-T": guard hasCAR || chimeric else { continue }
                case "TCR-T": guard hasTCR || Prefilter.mayContain(value, ["receptor"]) else { continue }
                case "TIL": guard Prefilter.containsExactly(value, ["TIL"]) || Prefilter.mayContain(value, ["infiltrating"]) else { continue }
                default: break
                }
                types.append(contentsOf: buffer.matches(pattern).map { ($0.range.location, name, $0.range) })
            }
            types.sort { $0.0 < $1.0 }
            addFirstPerValue(types, to: &result.cellTypes, evidence: evidence)
            let mayBeNK = Prefilter.containsExactly(value, ["NK"]) || Prefilter.mayContain(value, ["killer"])
            addFirstPerValue(
                (mayBeNK ? buffer.matches(nkCells) : []).map { ($0.range.location, "NK", $0.range) }, to: &nkMentions, evidence: evidence)

            var found: [(Int, String, NSRange)] = []
            for (i, pattern) in targetContexts.enumerated() {
                // "anti-…" needs "anti"; the others name CAR/TCR or a chimeric antigen receptor.
                let possible = i == 0 ? Prefilter.mayContain(value, ["anti"]) : (hasCAR || hasTCR || (i == 1 && chimeric))
                guard possible else { continue }
                for m in buffer.matches(pattern) {
                    let r = m.range(at: 1)
                    found.append(contentsOf: targets(in: buffer.substring(r)).map { (r.location, $0, m.range) })
                }
            }
            found.sort { $0.0 < $1.0 }
            addFirstPerValue(found, to: &result.targets, evidence: evidence)
        }
        if !result.cellTypes.contains(where: { $0.value == "CAR-NK" }) {
            result.cellTypes.appendMerging(contentsOf: nkMentions)
        }
        return result
    }

    /// Adds each value once per field (its first mention), merging evidence across fields.
    private static func addFirstPerValue(
        _ hits: [(Int, String, NSRange)], to list: inout [Measured<String>],
        evidence: (NSRange) -> Evidence
    ) {
        var seen: Set<String> = []
        for (_, value, range) in hits where seen.insert(value).inserted {
            list.appendMerging(Measured(value, evidence(range)))
        }
    }
}
