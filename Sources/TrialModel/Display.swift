/// Plain-text renderings of model values, shared by the matrix, the reports and the findings so
/// that one value always reads the same everywhere. No locale: output must be byte-stable.
public enum Display {
    /// A number without trailing zeros: 50 → "50", 13.5 → "13.5", 0.25 → "0.25".
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return x.isNaN ? "NaN" : x < 0 ? "−∞" : "∞" }
        // Too large for the 4-decimal rendering below (and for Int64): Swift's own, e.g. "1e+20".
        if abs(x) >= 1e14 { return x == x.rounded() && abs(x) < 1e15 ? String(Int64(x)) : "\(x)" }
        if x == x.rounded() { return String(Int64(x)) }
        var s = String(format3(x))
        while s.hasSuffix("0") { s.removeLast() }
        if s.hasSuffix(".") { s.removeLast() }
        return s
    }

    private static func format3(_ x: Double) -> String {
        // Round to 4 decimals without Foundation's locale-dependent formatting.
        let scaled = (x * 10000).rounded()
        let sign = scaled < 0 ? "-" : ""
        let a = Int64(abs(scaled))
        let whole = a / 10000
        var frac = String(a % 10000)
        while frac.count < 4 { frac = "0" + frac }
        return "\(sign)\(whole).\(frac)"
    }

    /// A day relative to infusion with a true minus sign: -5 → "−5".
    public static func day(_ d: Int) -> String { d < 0 ? "−\(-d)" : "\(d)" }

    public static func days(_ ds: [Int]) -> String { ds.map(day).joined(separator: ", ") }
}

extension Threshold {
    /// "≥ 50 %", "≤ 1", "≥ 45 % (from exclusion)", "≥ 45 mL/min/1.73 m² (Criteria for …)",
    /// "= 60 mL/min (comparator lost, read as a minimum)".
    public var display: String {
        var s = "\(comparator.rawValue) \(Display.number(value))"
        if !unit.isEmpty { s += unit == "%" ? " %" : " \(unit)" }
        var notes: [String] = []
        if basis == .exclusion { notes.append("from exclusion") }
        if comparator == .equal { notes.append(bound == .lower ? "comparator lost, read as a minimum" : "comparator lost, read as a maximum") }
        if let cohort { notes.append(cohort) }
        if !notes.isEmpty { s += " (\(notes.joined(separator: "; ")))" }
        return s
    }
}

extension AgeRange {
    /// "18–65 years", "≥ 18 years", "≤ 70 years", "≥ 18 years (from exclusion)".
    public var display: String {
        let band: String =
            switch (minYears, maxYears) {
            case let (lo?, hi?): "\(Display.number(lo))–\(Display.number(hi)) years"
            case let (lo?, nil): "\(minComparator == .greater ? ">" : "≥") \(Display.number(lo)) years"
            case let (nil, hi?): "\(maxComparator == .less ? "<" : "≤") \(Display.number(hi)) years"
            case (nil, nil): "not stated"
            }
        return basis == .exclusion ? band + " (from exclusion)" : band
    }
}

extension Enrollment {
    /// "72 (planned)".
    public var display: String {
        if let type { return "\(count) (\(type.rawValue))" }
        return "\(count)"
    }
}

extension CountRange {
    /// "36–72" or "15".
    public var display: String { low == high ? "\(low)" : "\(low)–\(high)" }
}

extension Dose {
    /// "300 mg/m²/day, days −5, −4, −3", "25 mg/m²/day × 5 days", "60 mg/kg/day, days −7, −6 (Arm A)".
    public var display: String {
        var s = Display.number(amount)
        if let amountMax { s += "–\(Display.number(amountMax))" }
        s += " \(unit)"
        if frequency == "per day" { s += "/day" }
        if let dayCount, dayCount != days.count { s += " × \(dayCount) \(dayCount == 1 ? "day" : "days")" }
        if !days.isEmpty { s += days.count == 1 ? ", day \(Display.days(days))" : ", days \(Display.days(days))" }
        if let arm { s += " (\(arm))" }
        return s
    }
}

extension CellDose {
    /// "13.5×10^9 cells".
    public var display: String { "\(Display.number(mantissa))×10^\(exponent) \(unit)" }
}
