import Foundation
import TrialModel

/// Catches a condition term that contradicts the title: "Thrombocytopenia Alloimmune" listed
/// for a trial titled "…Refractory Primary Immune Thrombocytopenia". A condition picked from a
/// registry's term list by its head word often carries the wrong qualifier, and landscape
/// reports that group by condition then misfile the trial.
///
/// The condition and a title must share a disease word (the head) and carry qualifiers from
/// opposite sides of a known pair (alloimmune vs immune/autoimmune, type 1 vs type 2, acute vs
/// chronic, primary vs secondary, small cell vs non-small cell, Hodgkin vs non-Hodgkin, …), and
/// neither may also carry the other's qualifier ("Type 1 and Type 2 Diabetes" contradicts nothing).
struct ConditionTitleContradictionRule: TrialRule {
    let id = "condition-contradicts-title"

    /// Pairs of qualifier sets that exclude each other. Tokens are lower-case words; "type 1"
    /// is tokenized as "type1", "non-small" as "nonsmall", "non-Hodgkin" as "nonhodgkin".
    private static let opposites: [(Set<String>, Set<String>)] = [
        (["alloimmune", "isoimmune", "neonatal"], ["immune", "autoimmune", "idiopathic"]),
        (["type1"], ["type2"]),
        (["acute"], ["chronic"]),
        (["primary"], ["secondary"]),
        (["benign"], ["malignant"]),
        (["congenital", "hereditary", "inherited"], ["acquired"]),
        (["small"], ["nonsmall"]),
        (["hodgkin"], ["nonhodgkin"]),
        (["juvenile", "pediatric", "paediatric", "childhood"], ["adult"]),
    ]
    /// Words that are not disease heads.
    private static let notHeads: Set<String> = [
        "disease", "diseases", "syndrome", "disorder", "disorders", "patients", "patient", "study", "trial", "treatment",
        "therapy", "cell", "cells", "with", "and", "the", "for", "refractory", "relapsed", "clinical", "type", "of", "in",
    ]
    private static let window = 3

    func check(_ trial: Trial) -> [Finding] {
        var findings: [Finding] = []
        // Only a condition that carries a qualifier can contradict (the condition's side of every
        // pair must hold one); the titles are tokenized once, and only for such a condition.
        let conditions = trial.parameters.conditions.map { ($0, Self.tokens($0.value)) }.filter {
            $0.1.contains(where: Self.allQualifiers.contains)
        }
        guard !conditions.isEmpty else { return [] }
        let titles = trial.parameters.titles.map { ($0, Self.tokens($0.value)) }
        for (condition, c) in conditions {
            for (title, t) in titles {
                var reported = false
                for (i, head) in c.enumerated()
                where !reported && head.count >= 5 && !Self.notHeads.contains(head) && !Self.allQualifiers.contains(head) {
                    let occurrences = t.indices.filter { t[$0] == head }
                    guard !occurrences.isEmpty else { continue }
                    let cq = Self.near(c, i)
                    let tq = occurrences.flatMap { Self.near(t, $0) }
                    for (a, b) in Self.opposites {
                        for (mine, theirs) in [(a, b), (b, a)] {
                            guard let q1 = cq.first(where: mine.contains), let q2 = tq.first(where: theirs.contains),
                                !tq.contains(where: mine.contains), !cq.contains(where: theirs.contains)
                            else { continue }
                            let message =
                                "Condition \(RuleText.quoted(condition.value)) (\(Self.show(q1))) contradicts the title \(RuleText.quoted(title.value)) (\(Self.show(q2)) \(head)): check the condition term."
                            findings.append(
                                Finding(
                                    rule: id, severity: .warning, trial: trial.id.value, message: message,
                                    evidence: condition.evidence + title.evidence))
                            reported = true
                            break
                        }
                        if reported { break }
                    }
                }
            }
        }
        return findings
    }

    private static let allQualifiers: Set<String> = Set(opposites.flatMap { Array($0.0) + Array($0.1) })

    /// Words within `window` of position `i`, the head itself excluded.
    private static func near(_ words: [String], _ i: Int) -> [String] {
        let lo = max(0, i - window), hi = min(words.count - 1, i + window)
        return (lo...hi).filter { $0 != i }.map { words[$0] }
    }

    /// Lower-case words, with "type 1" → "type1", "non-small" → "nonsmall", "non hodgkin" → "nonhodgkin".
    static func tokens(_ text: String) -> [String] {
        let raw = asciiWords(text) ?? text.lowercased().split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
        var out: [String] = []
        var i = 0
        while i < raw.count {
            let w = raw[i]
            if (w == "type" || w == "non"), i + 1 < raw.count {
                let next = raw[i + 1]
                if w == "type", next == "1" || next == "2" || next == "i" || next == "ii" {
                    out.append(next == "1" || next == "i" ? "type1" : "type2")
                    i += 2
                    continue
                }
                if w == "non" {
                    out.append("non" + next)
                    i += 2
                    continue
                }
            }
            out.append(w)
            i += 1
        }
        return out
    }

    /// The lower-case words of an all-ASCII `text` (runs of letters and digits, as `Character`'s
    /// `isLetter` and `isNumber` have them for ASCII), or nil for any other text.
    static func asciiWords(_ text: String) -> [String]? {
        var text = text
        return text.withUTF8 { bytes -> [String]? in
            var words: [String] = []
            var word: [UInt8] = []
            for byte in bytes {
                guard byte < 0x80 else { return nil }
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): word.append(byte)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): word.append(byte | 0x20)
                default:
                    if !word.isEmpty {
                        words.append(String(decoding: word, as: UTF8.self))
                        word.removeAll(keepingCapacity: true)
                    }
                }
            }
            if !word.isEmpty { words.append(String(decoding: word, as: UTF8.self)) }
            return words
        }
    }

    private static func show(_ token: String) -> String {
        switch token {
        case "type1": "type 1"
        case "type2": "type 2"
        case "nonsmall": "non-small"
        case "nonhodgkin": "non-Hodgkin"
        default: token
        }
    }
}
