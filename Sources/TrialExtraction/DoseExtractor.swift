import Foundation
import TrialModel
import TrialSupport

/// Lymphodepletion doses given (cyclophosphamide, fludarabine, bendamustine) from intervention,
/// arm and study descriptions — never from eligibility criteria, where a drug name is an allergy,
/// a prior treatment or an exclusion, not a dose.
///
/// A dose needs an amount with a unit right after the agent ("Fludarabine (25 mg/m2 per day)",
/// "Cyclophosphamide: 300-450mg/m²", "Cyclophosphamide 60 mg/kg/day"). Days come from the same
/// sentence: the agent's own part of it, else a day list stated once for all agents of the
/// sentence ("Fludarabine (…) and Cyclophosphamide (…) on day -5, -4, and -3").
enum DoseExtractor {
    /// Fields that describe what is given.
    static let sourceKeys: Set<FieldKey> = [.interventionDescription, .armDescription, .description, .summary]

    /// Agents, with the abbreviations of the Flu/Cy regimen ("Flu 30 mg/m² + Cy 300 mg/m²"); an
    /// abbreviation counts only with an amount right after it, as every agent does.
    static let agent = Pattern(
        #"\b(cyclophosphamide|cytoxan|endoxan|fludarabine(?:\s+phosphate)?|fludara|bendamustine|flu(?=\s*[(:]?\s*\d)|cy(?=\s*[(:]?\s*\d))\b"#)
    /// Amount right after the agent: groups 1 amount, 2 upper end of a range, 3 mass unit, 4 per-unit.
    private static let amount = Pattern(
        #"[^\d;。\n]{0,40}?(?<![\w.])(\d+(?:\.\d+)?)\s*(?:(?:-|–|~|～|to)\s*(\d+(?:\.\d+)?)\s*)?(mg|g)(?![a-zA-Z])(?:\s*/\s*(m\s*(?:\\?\^\s*)?2|m²|㎡|kg)(?![a-zA-Z0-9]))?"#
    )
    private static let perDay = Pattern(
        #"[^.;。\n]{0,30}?(?:/\s*(?:day|d)\b|\bper\s+day\b|\bdaily\b|\ba\s+day\b|\bonce\s+(?:a\s+)?day\b|\bqd\b|/天|每天|[x×]\s*\d+\s*(?:consecutive\s+)?days?\b)"#
    )
    /// Sentences about allergies, earlier treatment or permitted medication name drugs that are not given.
    private static let notGiven = Pattern(
        #"allerg|hypersensitiv|contraindicat|intoleran|过敏|\bprevious(?:ly)?\b|\bhistory\s+of\b|\bprior\s+(?:treatment|therapy|exposure|use)\b|\bpermitted\b|\bconcomitant\b"#
    )
    /// A number of days after the amount: "× 5 days", "for 3 consecutive days", "x3d".
    private static let dayCount = Pattern(
        #"[^.;。\n]{0,40}?(?:[x×*]\s*|\bfor\s+|\bover\s+|\bduring\s+|\bon\s+)(\d{1,2})\s*(?:consecutive\s+)?(?:days?|d)\b"#
    )
    /// A label that opens a sentence and names the arm its doses belong to ("Arm A:", "Cohort 2 -").
    private static let armLabel = Pattern(
        #"^\W*((?:arm|cohort|group|dose\s+level|part|regimen)\s+(?:[A-Z]|\d{1,2}|I{1,3}|IV)[a-z]?)\b\s*(?:\([^)]{0,40}\))?\s*[:：.\-–]"#
    )

    /// False when `agent` cannot match in `text`. The full names are looked for as words are;
    /// "cy" and "flu" (in "policy", "fluid", "influenza" and most other texts) only where they
    /// start a word and an amount may follow: blanks, "(" or ":", blanks, then a digit.
    /// Anything the scan cannot judge byte by byte (a non-ASCII character where it looks,
    /// case-folding specials) counts as a possible match.
    static func mayNameAgent(_ text: String) -> Bool {
        // True as well for text with a case-folding special (the ﬂ ligature folds to "fl").
        if Prefilter.mayContain(text, ["cyclophosphamide", "cytoxan", "endoxan", "fludara", "bendamustine"]) { return true }
        var text = text
        return text.withUTF8 { b in
            let n = b.count
            func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
            func isWord(_ c: UInt8) -> Bool {
                let l = c | 0x20
                return (l >= 0x61 && l <= 0x7A) || (c >= 0x30 && c <= 0x39) || c == 0x5F
            }
            /// After an abbreviation ending before `i`: `\s*[(:]?\s*\d` may hold.
            func amountMayFollow(_ i: Int) -> Bool {
                var i = i
                while i < n, isSpace(b[i]) { i += 1 }
                guard i < n else { return false }
                if b[i] >= 0x80 { return true }
                if b[i] == 0x28 || b[i] == 0x3A { i += 1 }
                while i < n, isSpace(b[i]) { i += 1 }
                return i < n && (b[i] >= 0x80 || (b[i] >= 0x30 && b[i] <= 0x39))
            }
            guard let base = b.baseAddress else { return false }
            let lower = 0x20 &* ByteWord.ones
            var i = 0
            while i + 1 < n {
                // A word of eight bytes without a c or an f passes whole.
                if i + 8 <= n {
                    let w = ByteWord.load(base, at: i) | lower
                    if ByteWord.bytes(w, equalTo: 0x63) | ByteWord.bytes(w, equalTo: 0x66) == 0 {
                        i += 8
                        continue
                    }
                }
                let c = b[i] | 0x20
                // A word start: not after an ASCII word character (non-ASCII may be either).
                if c == 0x63 || c == 0x66, i == 0 || !isWord(b[i - 1]) {
                    if c == 0x63, b[i + 1] | 0x20 == 0x79, amountMayFollow(i + 2) { return true }
                    if c == 0x66, i + 2 < n, b[i + 1] | 0x20 == 0x6C, b[i + 2] | 0x20 == 0x75, amountMayFollow(i + 3) { return true }
                }
                i += 1
            }
            return false
        }
    }

    static func canonicalAgent(_ raw: String) -> String {
        let s = raw.lowercased()
        if s.hasPrefix("flu") { return "fludarabine" }
        if s.hasPrefix("bendamustine") { return "bendamustine" }
        return "cyclophosphamide"
    }

    static func normalizedUnit(mass: String, per: String?) -> String {
        let m = mass.lowercased()
        guard let per = per?.lowercased() else { return m }
        return per.hasPrefix("kg") ? "\(m)/kg" : "\(m)/m²"
    }

    static func extract(_ texts: [FieldText], file: String) -> [Measured<Dose>] {
        var result: [Measured<Dose>] = []
        for text in texts where sourceKeys.contains(text.key) {
            // A dose is an amount: no digit, no dose ("cy" and "flu" alone are in most texts).
            guard Prefilter.hasASCIIDigit(text.field.value), mayNameAgent(text.field.value) else { continue }
            let buffer = text.buffer
            let allMentions = buffer.matches(agent)
            guard !allMentions.isEmpty else { continue }
            var arm: String?
            var previousEnd = 0
            for sentence in text.sentences {
                // An arm label holds until the paragraph ends.
                if buffer.substring(NSRange(from: previousEnd, to: sentence.location)).contains("\n") { arm = nil }
                previousEnd = sentence.end
                if let label = buffer.firstMatch(armLabel, in: sentence, anchored: true) {
                    arm = buffer.group(label, 1)?.collapsingWhitespace
                }
                let mentions = allMentions.filter { $0.range.location >= sentence.location && $0.range.end <= sentence.end }
                guard !mentions.isEmpty, buffer.firstMatch(notGiven, in: sentence) == nil else { continue }
                let dayLists = DayParser.days(in: buffer, range: sentence)
                let lastSegment = NSRange(from: mentions[mentions.count - 1].range.location, to: sentence.end)
                // Per mention: its amount, and the number of days written after it.
                let parts: [(mention: NSTextCheckingResult, amount: NSTextCheckingResult, end: Int, count: Int?)?] =
                    mentions.enumerated().map { i, mention in
                        let segmentEnd = i + 1 < mentions.count ? mentions[i + 1].range.location : sentence.end
                        guard let a = buffer.firstMatch(amount, in: NSRange(from: mention.range.end, to: segmentEnd), anchored: true)
                        else { return nil }
                        let count = buffer.firstMatch(dayCount, in: NSRange(from: a.range.end, to: segmentEnd), anchored: true)
                            .flatMap { buffer.group($0, 1) }.flatMap { Int($0) }
                        return (mention, a, segmentEnd, count)
                    }
                // A count after the last agent is stated once for all ("… and Cy 300 mg/m² for 3 days").
                let sharedCount = parts.last.flatMap { $0?.count }
                for part in parts {
                    guard let (mention, a, segmentEnd, ownCount) = part,
                        let value = buffer.group(a, 1).flatMap(Numbers.parse), let mass = buffer.group(a, 3)
                    else { continue }
                    let rest = NSRange(from: a.range.end, to: segmentEnd)
                    let segment = NSRange(from: mention.range.location, to: segmentEnd)
                    let ownDays = dayLists.contains { $0.range.location >= segment.location && $0.range.location < segment.end }
                    let count = ownCount ?? (ownDays ? nil : sharedCount)
                    let perDayWritten = buffer.firstMatch(perDay, in: rest, anchored: true) != nil
                    var days = DayParser.assign(
                        dayLists, segment: segment, firstAgentAt: mentions[0].range.location,
                        lastSegment: lastSegment)
                    // "for 3 days, starting 5 days before infusion": the count runs on from the first day.
                    if let count, count > 1, days.count == 1, days[0] < 0, days[0] + count - 1 <= 0 {
                        days = Array(days[0]...(days[0] + count - 1))
                    }
                    let dose = Dose(
                        agent: canonicalAgent(buffer.substring(mention.range)), amount: value,
                        amountMax: buffer.group(a, 2).flatMap(Numbers.parse),
                        unit: normalizedUnit(mass: mass, per: buffer.group(a, 4)),
                        frequency: perDayWritten || (count ?? 0) > 1 ? "per day" : nil, days: days,
                        dayCount: count.flatMap { $0 == days.count ? nil : $0 }, arm: arm)
                    let evidence = text.quoteEvidence(file: file, around: sentence, limit: 400)
                    result.appendMerging(Measured(dose, evidence))
                }
            }
        }
        return result
    }
}

/// Days relative to cell infusion (day 0): "on day -5, -4, and -3", "Days -7 to -3", "D-5~D-3",
/// "4days and 5 days before TCR-T cell infusion" (→ −5, −4).
enum DayParser {
    struct DayList {
        var days: [Int]
        var range: NSRange
    }

    private static let keyword = Pattern(#"\bdays?\b\s*[:：]?\s*|\bD(?=\s*[-−–]\s*\d)"#)
    private static let signedNumber = Pattern(#"(?:on\s+)?(?:days?\s*|D\s*)?([-−–]\s?)?(\d{1,2})(?!\d)(?!\s*(?:mg|g|ml|%|hours?|h\b|min))"#)
    private static let listSeparator = Pattern(#"\s*(?:,\s*(?:and|or|&)?|、|\band\b|\bor\b|&)\s*"#)
    private static let rangeSeparator = Pattern(#"\s*(?:\bto\b|\bthrough\b|\bthru\b|\buntil\b|~|～|-|–|—)\s*"#)
    private static let beforeInfusion = Pattern(
        #"(?<![\d.])(\d{1,2})\s*(?:days?\s*)?(?:(and|or|,|to|-|–|~|～)\s*(\d{1,2})\s*)?days?\s+(?:before|prior\s+to)(?=[^.;\n]{0,40}?(?:infusion|transfusion|\bcells?\b|\bCAR\b|day\s*0|administration|transplant))"#
    )

    /// Every day list in `range`, in document order.
    static func days(in buffer: TextBuffer, range: NSRange) -> [DayList] {
        var result: [DayList] = []
        for k in buffer.matches(keyword, in: range) {
            if let list = parseList(buffer, from: k.range.end, limit: range.end) {
                result.append(DayList(days: list.days, range: NSRange(from: k.range.location, to: list.end)))
            }
        }
        for m in buffer.matches(beforeInfusion, in: range) {
            guard let a = buffer.group(m, 1).flatMap({ Int($0) }) else { continue }
            var days = [a]
            if let b = buffer.group(m, 3).flatMap({ Int($0) }) {
                let separator = buffer.group(m, 2)?.lowercased() ?? ","
                days = ["and", "or", ","].contains(separator) ? [a, b] : expand(a, b)
            }
            if result.contains(where: { NSIntersectionRange($0.range, m.range).length > 0 }) { continue }
            result.append(DayList(days: Array(Set(days.map { -$0 })).sorted(), range: m.range))
        }
        return result.sorted { $0.range.location < $1.range.location }
    }

    /// The days that apply to one agent's part of a sentence (see `DoseExtractor`): its own list,
    /// else a list before the first agent ("Days -7 to -3: Fludarabine …"), else the list after
    /// the last agent, which a sentence states once for all ("Flu (…) and Cy (…) on days -5 to
    /// -3"). A list inside an earlier agent's part is that agent's alone.
    static func assign(_ lists: [DayList], segment: NSRange, firstAgentAt: Int, lastSegment: NSRange) -> [Int] {
        if let own = lists.first(where: { $0.range.location >= segment.location && $0.range.location < segment.end }) {
            return own.days
        }
        if let prefix = lists.first(where: { $0.range.location < firstAgentAt }) { return prefix.days }
        let shared = Set(lists.filter { $0.range.location >= lastSegment.location }.map(\.days))
        return shared.count == 1 ? shared.first! : []
    }

    private static func expand(_ a: Int, _ b: Int) -> [Int] {
        let (lo, hi) = (min(a, b), max(a, b))
        return hi - lo <= 31 ? Array(lo...hi) : [lo, hi]
    }

    /// Reads "-5, -4, and -3", "-7 to -3", "−5 to day −3", "1-5" after a day keyword.
    private static func parseList(_ buffer: TextBuffer, from start: Int, limit: Int) -> (days: [Int], end: Int)? {
        func number(at position: Int) -> (Int, Int)? {
            guard position < limit,
                let m = buffer.firstMatch(signedNumber, in: NSRange(from: position, to: limit), anchored: true),
                let n = buffer.group(m, 2).flatMap({ Int($0) })
            else { return nil }
            return (buffer.group(m, 1) != nil ? -n : n, m.range.end)
        }
        guard let (first, firstEnd) = number(at: start) else { return nil }
        var days = [first]
        var end = firstEnd
        while end < limit {
            let rest = NSRange(from: end, to: limit)
            if let r = buffer.firstMatch(rangeSeparator, in: rest, anchored: true), let (next, nextEnd) = number(at: r.range.end) {
                let last = days.removeLast()
                days.append(contentsOf: expand(last, next))
                end = nextEnd
            } else if let l = buffer.firstMatch(listSeparator, in: rest, anchored: true), let (next, nextEnd) = number(at: l.range.end) {
                days.append(next)
                end = nextEnd
            } else {
                break
            }
        }
        return (Array(Set(days)).sorted(), end)
    }
}
