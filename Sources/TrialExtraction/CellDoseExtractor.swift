import Foundation
import TrialModel
import TrialSupport

/// Cell dose levels ("6×10^9 cells", "9×10\^9 cells", "1 x 10^6 cells/kg", "2×10⁶/kg",
/// "1 × 10⁹～1 × 10¹⁰") from summaries, descriptions and intervention/arm texts — not from
/// criteria, whose "3 x 10^9/L" are blood counts. Anything per litre (or per µL, mL, mm³) is a
/// concentration, never a dose. The value is kept as written: 13.5×10^9 stays 13.5×10^9.
enum CellDoseExtractor {
    static let sourceKeys: Set<FieldKey> = [.summary, .description, .interventionDescription, .armDescription]

    /// Groups: 1 lower mantissa of a range ("1-5 x 10^6"), 2 mantissa, 3 caret exponent,
    /// 4 superscript exponent, 5 E-notation exponent after "x 10".
    static let scientific = Pattern(
        #"(?<![\d.])(?:(\d+(?:\.\d+)?)\s*(?:-|–|~|～|to)\s*)?(\d+(?:\.\d+)?)\s*(?:[×xX*]|\\\*)\s*10\s*(?:\\?\^\s*\(?\s*(\d{1,2})\s*\)?|([⁰¹²³⁴⁵⁶⁷⁸⁹]{1,2})|[eE]\+?(\d{1,2}))"#
    )
    /// "1e8 cells", "2.5E+06 cells/kg" (only with a cell unit).
    static let eNotation = Pattern(#"(?<![\w.])(\d+(?:\.\d+)?)[eE]\+?(\d{1,2})(?=\s*(?:[A-Za-z-]+\s+){0,4}cells?\b)"#)

    private static let concentration = Pattern(
        #"\s*(?:cells?\s*)?/\s*(?:L\b|l\b|µL|μL|uL|mL|ml|dL|mm|cm|mcL)|\s*(?:copies|IU\b|CFU|PFU|vg\b|VP\b|TCID|units?\b|genome|viral|particles|U/)"#
    )
    private static let perKg = Pattern(#"\s*(?:(?:[\w+-]+\s+){0,5})?(?:cells?\s*)?(?:/|per)\s*kg\b"#)
    private static let cells = Pattern(#"\s*(?:(?:[\w+()-]+\s+){0,5}?)cells?\b"#)
    private static let cellContext = Pattern(#"\bcells?\b|infus|\bdoses?\b|\bdosing\b"#)

    /// False when `scientific` cannot match in `text`: it needs "10" after a multiplication
    /// sign (blanks between), then a caret, a superscript or an E exponent (blanks between). Most
    /// descriptions hold "10" ("10 mg", "day 10") and no such sign. A non-ASCII character where
    /// the scan looks (a sign or blank it cannot judge by bytes) counts as a possible match.
    static func mayHoldScientific(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { b in
            let n = b.count
            func isSpace(_ c: UInt8) -> Bool { c == 0x20 || (c >= 0x09 && c <= 0x0D) }
            var p = 0
            while p + 1 < n {
                defer { p += 1 }
                guard b[p] == 0x31, b[p + 1] == 0x30 else { continue }
                // Before "10": blanks, then x, X, *, × (C3 97) or a character to give way to.
                var i = p - 1
                while i >= 0, isSpace(b[i]) { i -= 1 }
                guard i >= 0, b[i] == 0x78 || b[i] == 0x58 || b[i] == 0x2A || b[i] >= 0x80 else { continue }
                // After it: blanks, then \, ^, e, E or a character to give way to (a superscript).
                var j = p + 2
                while j < n, isSpace(b[j]) { j += 1 }
                if j < n, b[j] == 0x5C || b[j] == 0x5E || b[j] | 0x20 == 0x65 || b[j] >= 0x80 { return true }
            }
            return false
        }
    }

    /// False when `eNotation` cannot match in `text`: it needs a digit, "e" or "E", an optional
    /// "+", then a digit ("1e8", "2.5E+06"); a non-ASCII character either side may be a digit.
    static func mayHoldENotation(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { b in
            let n = b.count
            func mayBeDigit(_ c: UInt8) -> Bool { (c >= 0x30 && c <= 0x39) || c >= 0x80 }
            var i = 1
            while i + 1 < n {
                defer { i += 1 }
                guard b[i] | 0x20 == 0x65, mayBeDigit(b[i - 1]) else { continue }
                let j = b[i + 1] == 0x2B ? i + 2 : i + 1
                if j < n, mayBeDigit(b[j]) { return true }
            }
            return false
        }
    }

    static func extract(_ texts: [FieldText], file: String) -> [Measured<CellDose>] {
        var result: [Measured<CellDose>] = []
        for text in texts where sourceKeys.contains(text.key) {
            let buffer = text.buffer
            var hits: [(NSRange, [Double], Int)] = []
            // `scientific` needs "10" after the multiplication sign; `eNotation` a digit and "cell".
            let value = text.field.value
            let mayBeScientific = mayHoldScientific(value)
            let mayBeENotation = Prefilter.hasDigit(value) && Prefilter.mayContain(value, ["cell"]) && mayHoldENotation(value)
            guard mayBeScientific || mayBeENotation else { continue }
            for m in mayBeScientific ? buffer.matches(scientific) : [] {
                guard let mantissa = buffer.group(m, 2).flatMap(Numbers.parse),
                    let exponent = buffer.group(m, 3).flatMap({ Int($0) })
                        ?? buffer.group(m, 4).flatMap(Numbers.superscript)
                        ?? buffer.group(m, 5).flatMap({ Int($0) })
                else { continue }
                var mantissas = [mantissa]
                if let low = buffer.group(m, 1).flatMap(Numbers.parse) { mantissas.insert(low, at: 0) }
                hits.append((m.range, mantissas, exponent))
            }
            for m in mayBeENotation ? buffer.matches(eNotation) : [] {
                guard let mantissa = buffer.group(m, 1).flatMap(Numbers.parse),
                    let exponent = buffer.group(m, 2).flatMap({ Int($0) })
                else { continue }
                hits.append((m.range, [mantissa], exponent))
            }
            hits.sort { $0.0.location < $1.0.location }
            for (range, mantissas, exponent) in hits {
                guard let (unit, quoteRange) = unit(after: range, in: text) else { continue }
                let evidence = Evidence(
                    file: file, locator: text.locator(spanning: quoteRange),
                    quote: buffer.substring(quoteRange).collapsingWhitespace)
                for mantissa in mantissas {
                    result.appendMerging(Measured(CellDose(mantissa: mantissa, exponent: exponent, unit: unit), evidence))
                }
            }
        }
        return result
    }

    /// "cells/kg" or "cells" from the words after a number, or nil for a concentration or another
    /// unit. A bare number counts as cells when its sentence is about cells, infusion or doses.
    private static func unit(after range: NSRange, in text: FieldText) -> (String, NSRange)? {
        let buffer = text.buffer
        let sentence = text.sentence(around: range)
        let rest = NSRange(from: range.end, to: max(range.end, sentence.end))
        if buffer.firstMatch(concentration, in: rest, anchored: true) != nil { return nil }
        if let m = buffer.firstMatch(perKg, in: rest, anchored: true) {
            return ("cells/kg", NSRange(from: range.location, to: m.range.end))
        }
        if let m = buffer.firstMatch(cells, in: rest, anchored: true) {
            return ("cells", NSRange(from: range.location, to: m.range.end))
        }
        if buffer.firstMatch(cellContext, in: sentence) != nil { return ("cells", range) }
        return nil
    }
}
