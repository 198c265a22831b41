import TrialCompare
import TrialModel

/// One chart of the report, drawn by trialdiff itself as SVG: no script, no template, no
/// network, so the page and the standalone file read the same offline and in print.
public struct Chart: Sendable, Equatable {
    /// Stable identifier: "age-bands", "limits", "lymphodepletion", "enrollment".
    public var id: String
    /// Heading, e.g. "Age bands".
    public var title: String
    /// Name of the standalone file, e.g. "chart-age-bands.svg".
    public var fileName: String
    /// The chart to place inside the HTML report (no XML declaration); links go to "#ev-N".
    public var svg: String
    /// The standalone SVG file: XML declaration, namespace, embedded style; links go to
    /// "report.html#ev-N".
    public var file: String

    public init(id: String, title: String, fileName: String, svg: String, file: String) {
        self.id = id
        self.title = title
        self.fileName = fileName
        self.svg = svg
        self.file = file
    }
}

/// The landscape's charts: age bands, eligibility limits, the lymphodepletion timeline and
/// enrollment. Output depends only on the matrix, the labels and the references (no locale, no
/// dictionary order, coordinates with one fixed decimal), so two runs give the same bytes.
///
/// Registry text is untrusted: every string that reaches the SVG goes through ``xml(_:)``.
public enum Charts {
    /// The charts that have data, in report order.
    ///
    /// `labels[i]` is the short label of trial column `i` (the trial ID when missing).
    /// `reference(rowKey, column, valueIndex)` gives the evidence footnote number of that value in
    /// the report, or nil; a mark is a link only when it gives one.
    public static func make(_ matrix: Matrix, labels: [String], reference: (String, Int, Int) -> Int?) -> [Chart] {
        let data = ChartData(matrix: matrix, labels: labels)
        let figures = [ageBands(data, reference), limits(data, reference), lymphodepletion(data, reference), enrollment(data, reference)]
        return figures.compactMap { $0 }.map { figure in
            Chart(
                id: figure.id, title: figure.title, fileName: "chart-\(figure.id).svg", svg: figure.document(standalone: false),
                file: figure.document(standalone: true))
        }
    }

    // MARK: Text

    /// `text` safe in XML content and in a quoted attribute value: `&`, `<`, `>`, `"`, `'` as
    /// entities; control characters (not allowed in XML 1.0, or invisible) and bidi overrides
    /// (which would reorder a label) removed; tab, CR and LF read as a space.
    static func xml(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for s in text.unicodeScalars {
            switch s.value {
            case 0x09, 0x0A, 0x0D: out.append(" ")
            case 0x00...0x1F, 0x7F...0x9F, 0xFFFE, 0xFFFF, 0x202A...0x202E, 0x2066...0x2069: continue
            case 0x26: out += "&amp;"
            case 0x3C: out += "&lt;"
            case 0x3E: out += "&gt;"
            case 0x22: out += "&quot;"
            case 0x27: out += "&#39;"
            default: out.unicodeScalars.append(s)
            }
        }
        return out
    }

    /// `text` on one line, cut to `limit` characters with "…" so a long label cannot push the
    /// plot off the chart (not escaped yet).
    static func short(_ text: String, _ limit: Int = 40) -> String {
        let words = text.split(whereSeparator: { $0.isWhitespace || $0.isNewline })
        let line = words.joined(separator: " ")
        guard line.count > limit else { return line }
        return String(line.prefix(limit - 1)) + "…"
    }

    /// A coordinate with at most one decimal, without Foundation's locale-dependent formatting.
    static func num(_ x: Double) -> String {
        let clamped = x.isFinite ? min(max(x, -1e9), 1e9) : 0
        let tenths = Int64((clamped * 10).rounded())
        let sign = tenths < 0 ? "-" : ""
        let a = tenths.magnitude
        return a % 10 == 0 ? "\(sign)\(a / 10)" : "\(sign)\(a / 10).\(a % 10)"
    }

    // MARK: Age bands

    /// Rows `age_min_years`, `age_max_years` (csv: a number of years), and `age_criteria_years`
    /// (csv "18-70", "≥18" or "≤70").
    static func ageBands(_ data: ChartData, _ reference: (String, Int, Int) -> Int?) -> Figure? {
        struct Band {
            var lo: Double?
            var hi: Double?
            var text: String
            var ref: Int?
        }
        struct Row {
            var trial: Int
            var stated: Band?
            var criteria: Band?
        }
        let mins = data.values("age_min_years")
        let maxs = data.values("age_max_years")
        let criteria = data.values("age_criteria_years")
        var rows: [Row] = []
        var missing: [Int] = []
        for i in data.trialIndices {
            var row = Row(trial: i)
            let lows = mins[i].enumerated().compactMap { j, v in Double(v.csv).map { (j, $0) } }
            let highs = maxs[i].enumerated().compactMap { j, v in Double(v.csv).map { (j, $0) } }
            if !lows.isEmpty || !highs.isEmpty {
                let lo = lows.min { $0.1 < $1.1 }
                let hi = highs.max { $0.1 < $1.1 }
                let ref = lo.flatMap { reference("age_min_years", i, $0.0) } ?? hi.flatMap { reference("age_max_years", i, $0.0) }
                let text = bandText(lo?.1, hi?.1)
                row.stated = Band(lo: lo?.1, hi: hi?.1, text: text, ref: ref)
            }
            let bands = criteria[i].compactMap { ageCriteria($0.csv) }
            if !bands.isEmpty {
                let lo = bands.allSatisfy { $0.lo != nil } ? bands.compactMap(\.lo).min() : nil
                let hi = bands.allSatisfy { $0.hi != nil } ? bands.compactMap(\.hi).max() : nil
                if row.stated == nil || row.stated?.lo != lo || row.stated?.hi != hi {
                    var ref: Int?
                    for j in criteria[i].indices where ref == nil { ref = reference("age_criteria_years", i, j) }
                    row.criteria = Band(lo: lo, hi: hi, text: criteria[i].map(\.text).joined(separator: "; "), ref: ref)
                }
            }
            // Several values or notes ("(from exclusion)") behind one band: name them all.
            let details = mins[i].map { "minimum \($0.text)" } + maxs[i].map { "maximum \($0.text)" }
            if let stated = row.stated, details.count > 2 || details.contains(where: { $0.contains("(") }) {
                row.stated?.text = "\(stated.text) (\(details.joined(separator: "; ")))"
            }
            if row.stated == nil && row.criteria == nil { missing.append(i) } else { rows.append(row) }
        }
        guard !rows.isEmpty else { return nil }

        let finite = rows.flatMap { [$0.stated?.lo, $0.stated?.hi, $0.criteria?.lo, $0.criteria?.hi] }.compactMap { $0 }
        let top = Axis.niceCeiling(max(80, (finite.max() ?? 0) + 10))
        let axis = Axis(lo: 0, hi: top, x0: Layout.plotX0, x1: Layout.plotX1)
        let anyCriteria = rows.contains { $0.criteria != nil }
        let anyOpen = rows.contains { $0.stated.map { $0.hi == nil } ?? false || $0.criteria.map { $0.hi == nil } ?? false }
        let rowHeight = 22.0
        let y0 = Layout.top
        let plotBottom = y0 + Double(rows.count) * rowHeight
        let notStated = NotStated(labels: missing.map { data.label($0) }, y: plotBottom + 44)
        let height = notStated.bottom + 12

        let solid = Palette.blue
        let hatch = Palette.orange
        return Figure(
            id: "age-bands", title: "Age bands",
            summary: "Age bands: eligible age in years, minimum to maximum, for \(rows.count) of \(data.count) trials",
            height: height
        ) { svg in
            svg.hatchPattern("hatch", colour: hatch)
            svg.fadeGradient("fade", colour: solid)
            svg.fadeGradient("fade-hatch", colour: hatch)
            svg.heading("Age bands (years)")
            var legend = Legend()
            legend.swatch(&svg, fill: solid, label: "age fields of the record")
            if anyCriteria { legend.swatch(&svg, fill: svg.url("hatch"), stroke: hatch, label: "age in the eligibility criteria, where it differs") }
            if anyOpen { legend.swatch(&svg, fill: svg.url("fade"), label: "no maximum age (open end)") }
            axis.draw(&svg, top: y0, bottom: plotBottom, title: "age (years)")
            for (n, row) in rows.enumerated() {
                let y = y0 + Double(n) * rowHeight
                svg.rowLabel(data.label(row.trial), y: y + rowHeight / 2)
                let both = row.stated != nil && row.criteria != nil
                if let band = row.stated {
                    let (top, h) = both ? (y + 2, 10.0) : (y + 5, 12.0)
                    drawBand(&svg, band.lo, band.hi, axis, top: top, height: h, fill: solid, fade: "fade", stroke: solid)
                    svg.tip(ref: band.ref, "\(data.fullLabel(row.trial)) · Age: \(band.text)")
                }
                if let band = row.criteria {
                    let (top, h) = both ? (y + 13, 8.0) : (y + 5, 12.0)
                    drawBand(&svg, band.lo, band.hi, axis, top: top, height: h, fill: svg.url("hatch"), fade: "fade-hatch", stroke: hatch)
                    svg.tip(ref: band.ref, "\(data.fullLabel(row.trial)) · Age in criteria: \(band.text)")
                }
                let label = (row.stated ?? row.criteria).map { bandLabel($0.lo, $0.hi) } ?? ""
                let end = (row.stated ?? row.criteria).map { $0.hi.map(axis.x) ?? axis.x1 } ?? axis.x1
                svg.text(label, x: end + 5, y: y + rowHeight / 2 + 4, size: 11)
            }
            notStated.draw(&svg, what: "no age stated")
        }
    }

    /// One band: a rectangle, or for an open end a rectangle fading to the axis end with an
    /// arrow head (the fade and the arrow both survive greyscale print). The caller adds the
    /// tooltip to this mark.
    static func drawBand(
        _ svg: inout SVG, _ lo: Double?, _ hi: Double?, _ axis: Axis, top: Double, height: Double, fill: String, fade: String,
        stroke: String
    ) {
        let x = axis.x(lo ?? axis.lo)
        if let hi {
            let w = max(2, axis.x(hi) - x)
            svg.openMark(
                "rect", ["x": num(x), "y": num(top), "width": num(w), "height": num(height), "fill": fill, "stroke": stroke])
        } else {
            let end = axis.x1 - 6
            // The arrow head marks the open end; the path is the mark (bar plus arrow).
            let d =
                "M\(num(x)) \(num(top))H\(num(end))V\(num(top - 2))L\(num(axis.x1)) \(num(top + height / 2))"
                + "L\(num(end)) \(num(top + height + 2))V\(num(top + height))H\(num(x))Z"
            svg.openMark("path", ["d": d, "fill": svg.url(fade), "stroke": stroke, "stroke-dasharray": "4 2"])
        }
    }

    /// "18–65 years", "≥ 18 years", "≤ 70 years".
    static func bandText(_ lo: Double?, _ hi: Double?) -> String {
        switch (lo, hi) {
        case let (lo?, hi?): "\(Display.number(lo))–\(Display.number(hi)) years"
        case let (lo?, nil): "≥ \(Display.number(lo)) years"
        case let (nil, hi?): "≤ \(Display.number(hi)) years"
        case (nil, nil): "not stated"
        }
    }

    /// The label beside a band: "18–65", "18+", "≤70".
    static func bandLabel(_ lo: Double?, _ hi: Double?) -> String {
        switch (lo, hi) {
        case let (lo?, hi?): "\(Display.number(lo))–\(Display.number(hi))"
        case let (lo?, nil): "\(Display.number(lo))+"
        case let (nil, hi?): "≤\(Display.number(hi))"
        case (nil, nil): ""
        }
    }

    /// An `age_criteria_years` csv value: "18-70", "≥18", "≤70".
    static func ageCriteria(_ csv: String) -> (lo: Double?, hi: Double?)? {
        if csv.hasPrefix("≥") { return Double(csv.dropFirst()).map { ($0, nil) } }
        if csv.hasPrefix("≤") { return Double(csv.dropFirst()).map { (nil, $0) } }
        let parts = csv.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 2, let lo = Double(parts[0]), let hi = Double(parts[1]) else { return nil }
        return (lo, hi)
    }

    // MARK: Limits

    /// A limit panel: its row (csv: a number in the row's unit) and how it is drawn.
    struct LimitPanel {
        var key: String
        var title: String
        var unit: String
        var colour: String
        var shape: Shape
        /// A fixed axis (ECOG 0–5), else fitted to the values.
        var domain: ClosedRange<Double>?
        /// Axis starts at zero (renal function), else fitted (LVEF).
        var fromZero: Bool
    }

    static let limitPanels: [LimitPanel] = [
        LimitPanel(
            key: "lvef_min_percent", title: "LVEF minimum", unit: "%", colour: Palette.vermillion, shape: .circle, domain: nil,
            fromZero: false),
        LimitPanel(key: "ecog_max", title: "ECOG maximum", unit: "", colour: Palette.green, shape: .square, domain: 0...5, fromZero: true),
        LimitPanel(
            key: "egfr_min_ml_min_1_73m2", title: "eGFR minimum", unit: "mL/min/1.73 m²", colour: Palette.blue, shape: .diamond,
            domain: nil, fromZero: true),
        LimitPanel(
            key: "crcl_min_ml_min", title: "CrCl minimum", unit: "mL/min", colour: Palette.purple, shape: .triangle, domain: nil,
            fromZero: true),
    ]

    /// Dot plots of `lvef_min_percent`, `ecog_max`, `egfr_min_ml_min_1_73m2`, `crcl_min_ml_min`:
    /// one panel per parameter some trial states, a dot per value; a hollow dot is a limit
    /// implied by an exclusion criterion ("(from exclusion)" in the value's text).
    static func limits(_ data: ChartData, _ reference: (String, Int, Int) -> Int?) -> Figure? {
        struct Dot {
            var value: Double
            var text: String
            var fromExclusion: Bool
            var ref: Int?
        }
        struct Panel {
            var spec: LimitPanel
            var rows: [(trial: Int, dots: [Dot])]
            var missing: [Int]
            var axis: Axis
            var top: Double
            var notStated: NotStated
        }
        let rowHeight = 18.0
        var panels: [Panel] = []
        var y = Layout.top - 10
        for spec in limitPanels {
            let cells = data.values(spec.key)
            var rows: [(trial: Int, dots: [Dot])] = []
            var missing: [Int] = []
            for i in data.trialIndices {
                let dots = cells[i].enumerated().compactMap { j, v in
                    Double(v.csv).map {
                        Dot(value: $0, text: v.text, fromExclusion: v.text.contains("from exclusion"), ref: reference(spec.key, i, j))
                    }
                }
                if dots.isEmpty { missing.append(i) } else { rows.append((i, dots)) }
            }
            guard !rows.isEmpty else { continue }
            let values = rows.flatMap { $0.dots.map(\.value) }
            let domain: ClosedRange<Double>
            if let fixed = spec.domain {
                domain = min(fixed.lowerBound, values.min()!)...max(fixed.upperBound, values.max()!)
            } else if spec.fromZero {
                domain = min(0, values.min()!)...Axis.niceCeiling(values.max()! * 1.1 + 1)
            } else {
                let lo = max(0, ((values.min()! - 10) / 10).rounded(.down) * 10)
                domain = lo...max(lo + 20, ((values.max()! + 10) / 10).rounded(.up) * 10)
            }
            let top = y + 24
            let bottom = top + Double(rows.count) * rowHeight
            let notStated = NotStated(labels: missing.map { data.label($0) }, y: bottom + 44)
            panels.append(
                Panel(
                    spec: spec, rows: rows, missing: missing,
                    axis: Axis(lo: domain.lowerBound, hi: domain.upperBound, x0: Layout.plotX0, x1: Layout.plotX1), top: top,
                    notStated: notStated))
            y = notStated.bottom + 16
        }
        guard !panels.isEmpty else { return nil }
        let anyHollow = panels.contains { $0.rows.contains { $0.dots.contains(where: \.fromExclusion) } }
        return Figure(
            id: "limits", title: "Eligibility limits",
            summary: "Eligibility limits: " + panels.map { "\($0.spec.title), \($0.rows.count) of \(data.count) trials" }.joined(separator: "; "),
            height: y + Layout.legendRow
        ) { svg in
            svg.heading("Eligibility limits")
            var legend = Legend()
            legend.swatch(&svg, fill: Palette.black, label: "stated in the inclusion criteria", shape: .circle)
            if anyHollow { legend.swatch(&svg, fill: "#ffffff", stroke: Palette.black, label: "implied by an exclusion criterion", shape: .circle) }
            for panel in panels {
                let spec = panel.spec
                let unit = spec.unit.isEmpty ? "" : " (\(spec.unit))"
                svg.text(spec.title + unit, x: Layout.labelX, y: panel.top - 8, size: 13, weight: "bold")
                let bottom = panel.top + Double(panel.rows.count) * rowHeight
                panel.axis.draw(&svg, top: panel.top, bottom: bottom, title: spec.title + unit)
                for (n, row) in panel.rows.enumerated() {
                    let cy = panel.top + Double(n) * rowHeight + rowHeight / 2
                    svg.rowLabel(data.label(row.trial), y: cy)
                    for dot in row.dots {
                        let x = panel.axis.x(dot.value)
                        let fill = dot.fromExclusion ? "#ffffff" : spec.colour
                        svg.shape(spec.shape, x: x, y: cy, size: 5.5, fill: fill, stroke: dot.fromExclusion ? spec.colour : Palette.black)
                        svg.tip(ref: dot.ref, "\(data.fullLabel(row.trial)) · \(spec.title): \(dot.text)")
                    }
                    let label = row.dots.map { Display.number($0.value) }.joined(separator: ", ")
                    let right = row.dots.map { panel.axis.x($0.value) }.max() ?? panel.axis.x0
                    svg.text(label, x: right + 9, y: cy + 4, size: 11)
                }
                panel.notStated.draw(&svg, what: "no \(spec.title)")
            }
        }
    }

    // MARK: Lymphodepletion

    /// An agent of the lymphodepletion timeline.
    struct Agent {
        var name: String
        var short: String
        var doseKey: String
        var daysKey: String
        var colour: String
        var shape: Shape
    }

    static let agents = [
        Agent(
            name: "cyclophosphamide", short: "Cy", doseKey: "cyclophosphamide_mg_m2", daysKey: "cyclophosphamide_days",
            colour: Palette.vermillion, shape: .square),
        Agent(
            name: "fludarabine", short: "Flu", doseKey: "fludarabine_mg_m2", daysKey: "fludarabine_days", colour: Palette.blue,
            shape: .circle),
    ]

    /// Rows `cyclophosphamide_mg_m2` / `fludarabine_mg_m2` (csv "300", "300-450", or "60 mg/kg"
    /// when the unit is not mg/m²) and `cyclophosphamide_days` / `fludarabine_days` (csv
    /// "-5 -4 -3", relative to the cell infusion on day 0). A days value belongs to the dose
    /// with the same evidence (the days row skips doses without days).
    static func lymphodepletion(_ data: ChartData, _ reference: (String, Int, Int) -> Int?) -> Figure? {
        struct Lane {
            var trial: Int
            var agent: Agent
            var label: String
            var mark: String
            var days: [Int]
            var text: String
            var ref: Int?
            var firstOfTrial: Bool
        }
        var lanes: [Lane] = []
        var missing: [Int] = []
        let cells = agents.map { (data.values($0.doseKey), data.values($0.daysKey)) }
        for i in data.trialIndices {
            let before = lanes.count
            for (a, agent) in agents.enumerated() {
                let doses = cells[a].0[i]
                let days = cells[a].1[i]
                var used = Array(repeating: false, count: days.count)
                for (j, dose) in doses.enumerated() {
                    var k = days.count == doses.count ? j : nil
                    if k == nil {
                        k = days.indices.first { !used[$0] && days[$0].evidence == dose.evidence }
                    }
                    var dayList: [Int] = []
                    var ref = reference(agent.doseKey, i, j)
                    if let k {
                        used[k] = true
                        dayList = days[k].csv.split(separator: " ").compactMap { Int($0) }
                        if ref == nil { ref = reference(agent.daysKey, i, k) }
                    }
                    let parts = dose.csv.split(separator: " ", maxSplits: 1)
                    guard let amount = parts.first, amount.first?.isNumber == true else { continue }
                    let unit = parts.count > 1 ? String(parts[1]) : "mg/m²"
                    let perDay = dose.text.contains("\(unit)/day")
                    let shownAmount = String(amount.map { $0 == "-" ? "–" : $0 })
                    lanes.append(
                        Lane(
                            trial: i, agent: agent, label: "\(agent.short) \(unit)\(perDay ? "/day" : "")",
                            mark: unit == "mg/m²" ? shownAmount : "\(shownAmount) \(unit)", days: dayList, text: dose.text, ref: ref,
                            firstOfTrial: lanes.count == before))
                }
            }
            if lanes.count == before { missing.append(i) }
        }
        guard !lanes.isEmpty else { return nil }
        let allDays = lanes.flatMap(\.days)
        let first = min(-7, allDays.min() ?? -7)
        let last = max(0, allDays.max() ?? 0)
        let axis = Axis(lo: Double(first) - 0.5, hi: Double(last) + 0.5, x0: Layout.plotX0, x1: Layout.plotX1)
        let dayWidth = axis.x(1) - axis.x(0)
        let laneHeight = 24.0
        let y0 = Layout.top + 4
        let bottom = y0 + Double(lanes.count) * laneHeight
        let notStated = NotStated(labels: missing.map { data.label($0) }, y: bottom + 44)
        let trialCount = Set(lanes.map(\.trial)).count
        return Figure(
            id: "lymphodepletion", title: "Lymphodepletion",
            summary: "Lymphodepletion timeline: cyclophosphamide and fludarabine doses by day before cell infusion (day 0), "
                + "\(trialCount) of \(data.count) trials",
            height: notStated.bottom + 12
        ) { svg in
            svg.heading("Lymphodepletion (days relative to cell infusion)")
            var legend = Legend()
            for agent in agents where lanes.contains(where: { $0.agent.name == agent.name }) {
                legend.swatch(&svg, fill: agent.colour, label: "\(agent.name) (\(agent.short)); number = dose", shape: agent.shape)
            }
            // Day grid: a line per day, every day labelled when there is room.
            let step = dayWidth >= 24 ? 1 : dayWidth >= 10 ? 2 : 5
            for d in first...last {
                let x = axis.x(Double(d))
                svg.line(x1: x, y1: y0, x2: x, y2: bottom, stroke: d == 0 ? Palette.black : "#dddddd", dash: d == 0 ? "4 3" : nil)
                if d % step == 0 { svg.text(Display.day(d), x: x, y: bottom + 16, size: 11, anchor: "middle") }
            }
            svg.text("day (0 = cell infusion)", x: (axis.x0 + axis.x1) / 2, y: bottom + 32, size: 11, anchor: "middle")
            for (n, lane) in lanes.enumerated() {
                let y = y0 + Double(n) * laneHeight
                let cy = y + laneHeight / 2 + 3
                if lane.firstOfTrial {
                    if n > 0 { svg.line(x1: Layout.labelX, y1: y, x2: axis.x1, y2: y, stroke: "#999999", dash: nil) }
                    svg.text(short(data.label(lane.trial)), x: Layout.labelX, y: cy + 4, size: 12)
                }
                svg.text(lane.label, x: axis.x0 - 8, y: cy + 4, size: 11, anchor: "end")
                let tip = "\(data.fullLabel(lane.trial)) · \(lane.agent.name): \(lane.text)"
                if lane.days.isEmpty {
                    svg.text("\(lane.mark) (days not stated)", x: axis.x0 + 4, y: cy + 4, size: 11, colour: "#555555")
                    continue
                }
                for d in lane.days {
                    let x = axis.x(Double(d))
                    svg.shape(lane.agent.shape, x: x, y: cy, size: min(6, max(2.5, dayWidth / 4)), fill: lane.agent.colour, stroke: Palette.black)
                    svg.tip(ref: lane.ref, "\(tip) (day \(Display.day(d)))")
                    if dayWidth >= 24 { svg.text(lane.mark, x: x, y: cy - 8, size: 10, anchor: "middle") }
                }
                if dayWidth < 24 {
                    let right = lane.days.map { axis.x(Double($0)) }.max()!
                    svg.text(lane.mark, x: right + 8, y: cy + 4, size: 10)
                }
            }
            notStated.draw(&svg, what: "no cyclophosphamide or fludarabine dose stated")
        }
    }

    // MARK: Enrollment

    /// Row `enrollment` (csv: the count, or "36-72" for a range stated only in text) with
    /// `enrollment_type` (csv "planned", "actual", or "text" for a count read from the text).
    static func enrollment(_ data: ChartData, _ reference: (String, Int, Int) -> Int?) -> Figure? {
        struct Bar {
            var low: Double
            var high: Double
            var type: String
            var text: String
            var ref: Int?
        }
        let counts = data.values("enrollment")
        let types = data.values("enrollment_type")
        var rows: [(trial: Int, bars: [Bar])] = []
        var missing: [Int] = []
        for i in data.trialIndices {
            var bars: [Bar] = []
            for (j, value) in counts[i].enumerated() {
                let parts = value.csv.split(separator: "-")
                guard let low = parts.first.flatMap({ Double($0) }) else { continue }
                let high = parts.count == 2 ? Double(parts[1]) ?? low : low
                let type =
                    types[i].count == counts[i].count
                    ? types[i][j].csv
                    : (types[i].first { $0.evidence == value.evidence } ?? (types[i].count == 1 ? types[i][0] : nil))?.csv ?? ""
                bars.append(Bar(low: low, high: max(low, high), type: type, text: value.text, ref: reference("enrollment", i, j)))
            }
            if bars.isEmpty { missing.append(i) } else { rows.append((i, bars)) }
        }
        guard !rows.isEmpty else { return nil }
        let axis = Axis(
            lo: 0, hi: Axis.niceCeiling(max(10, rows.flatMap { $0.bars.map(\.high) }.max()!)), x0: Layout.plotX0, x1: Layout.plotX1)
        let rowHeight = 20.0
        let y0 = Layout.top
        let bottom = y0 + Double(rows.count) * rowHeight
        let notStated = NotStated(labels: missing.map { data.label($0) }, y: bottom + 44)
        let present = Set(rows.flatMap { $0.bars.map(\.type) })
        return Figure(
            id: "enrollment", title: "Enrollment",
            summary: "Enrollment: participants per trial, \(rows.count) of \(data.count) trials", height: notStated.bottom + 12
        ) { svg in
            svg.hatchPattern("hatch", colour: Palette.blue)
            svg.dotPattern("dots", colour: Palette.purple)
            svg.heading("Enrollment (participants)")
            var legend = Legend()
            if present.contains("actual") { legend.swatch(&svg, fill: Palette.green, label: "actual") }
            if present.contains("planned") { legend.swatch(&svg, fill: svg.url("hatch"), stroke: Palette.blue, label: "planned") }
            if present.contains("text") { legend.swatch(&svg, fill: svg.url("dots"), stroke: Palette.purple, label: "stated in the text") }
            if present.contains(where: { !["actual", "planned", "text"].contains($0) }) {
                legend.swatch(&svg, fill: Palette.grey, label: "type not stated")
            }
            axis.draw(&svg, top: y0, bottom: bottom, title: "participants")
            for (n, row) in rows.enumerated() {
                let y = y0 + Double(n) * rowHeight
                svg.rowLabel(data.label(row.trial), y: y + rowHeight / 2)
                let h = 14.0 / Double(row.bars.count)
                for (k, bar) in row.bars.enumerated() {
                    let top = y + 3 + Double(k) * h
                    let (fill, stroke): (String, String) =
                        switch bar.type {
                        case "actual": (Palette.green, Palette.black)
                        case "planned": (svg.url("hatch"), Palette.blue)
                        case "text": (svg.url("dots"), Palette.purple)
                        default: (Palette.grey, Palette.black)
                        }
                    let w = max(1.5, axis.x(bar.high) - axis.x0)
                    svg.openMark(
                        "rect",
                        ["x": num(axis.x0), "y": num(top), "width": num(w), "height": num(max(2, h - 1)), "fill": fill, "stroke": stroke])
                    let type = bar.type.isEmpty || bar.text.contains(bar.type) ? "" : " (\(bar.type))"
                    svg.tip(ref: bar.ref, "\(data.fullLabel(row.trial)) · Enrollment: \(bar.text)\(type)")
                    if bar.low < bar.high {
                        // The range's lower end: a tick across the bar.
                        let x = axis.x(bar.low)
                        svg.line(x1: x, y1: top - 1, x2: x, y2: top + h, stroke: Palette.black, dash: nil)
                    }
                    let label = bar.low == bar.high ? Display.number(bar.low) : "\(Display.number(bar.low))–\(Display.number(bar.high))"
                    svg.text(label, x: axis.x0 + w + 4, y: top + h / 2 + 3.5, size: 10)
                }
            }
            notStated.draw(&svg, what: "no enrollment stated")
        }
    }
}

// MARK: - Drawing support

/// The matrix as the charts read it: one cell per trial, rows fetched once.
struct ChartData {
    let matrix: Matrix
    let labels: [String]

    init(matrix: Matrix, labels: [String]) {
        self.matrix = matrix
        self.labels = matrix.trials.indices.map { i in
            let label = i < labels.count ? labels[i] : matrix.trials[i]
            return label.isEmpty ? matrix.trials[i] : label
        }
    }

    var count: Int { matrix.trials.count }
    var trialIndices: Range<Int> { 0..<count }

    /// The short label of trial `i`, cut to 40 characters.
    func label(_ i: Int) -> String { Charts.short(labels[i]) }

    /// The label of trial `i` on one line, for tooltips.
    func fullLabel(_ i: Int) -> String { Charts.short(labels[i], 200) }

    /// The values of row `key`, one array per trial (empty when the row is unknown).
    func values(_ key: String) -> [[CellValue]] {
        guard let row = matrix.row(key) else { return Array(repeating: [], count: count) }
        return trialIndices.map { row.cells.isEmpty(at: $0) ? [] : row.cells[$0].values }
    }
}

/// Okabe–Ito colours (safe for colour-blind readers); every chart pairs them with a shape or
/// pattern so that a greyscale print still reads.
enum Palette {
    static let black = "#000000"
    static let orange = "#E69F00"
    static let sky = "#56B4E9"
    static let green = "#009E73"
    static let yellow = "#F0E442"
    static let blue = "#0072B2"
    static let vermillion = "#D55E00"
    static let purple = "#CC79A7"
    static let grey = "#999999"
}

/// Horizontal positions, in viewBox units (the SVG scales to its container).
enum Layout {
    static let width = 900.0
    static let labelX = 8.0
    static let plotX0 = 380.0
    static let plotX1 = 840.0
    static let top = 64.0
    static let legendRow = 18.0
    static let font = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
}

/// Marker shapes, so that panels and agents differ in form as well as colour.
enum Shape { case circle, square, diamond, triangle }

/// A linear axis from `lo` to `hi` drawn between `x0` and `x1`.
struct Axis {
    var lo: Double
    var hi: Double
    var x0: Double
    var x1: Double

    /// The position of `v`, clamped to the axis.
    func x(_ v: Double) -> Double {
        let span = hi - lo
        guard span > 0 else { return x0 }
        let t = min(max((v - lo) / span, 0), 1)
        return x0 + t * (x1 - x0)
    }

    /// A round step giving at most about eight ticks: 1, 2 or 5 times a power of ten.
    static func step(_ span: Double) -> Double {
        guard span > 0, span.isFinite else { return 1 }
        let raw = span / 8
        var unit = 1.0
        while unit * 10 <= raw { unit *= 10 }
        while unit > raw && unit > 1e-6 { unit /= 10 }
        for m in [1.0, 2, 5] where unit * m >= raw { return unit * m }
        return unit * 10
    }

    /// `v` rounded up to a multiple of a round step.
    static func niceCeiling(_ v: Double) -> Double {
        guard v > 0, v.isFinite else { return 1 }
        let s = step(v)
        return (v / s).rounded(.up) * s
    }

    /// Grid lines and labelled ticks below the rows, and the axis title.
    func draw(_ svg: inout SVG, top: Double, bottom: Double, title: String) {
        let s = Self.step(hi - lo)
        var v = (lo / s).rounded(.up) * s
        var n = 0
        while v <= hi + s * 1e-9 && n < 100 {
            let px = self.x(v)
            svg.line(x1: px, y1: top, x2: px, y2: bottom, stroke: "#dddddd", dash: nil)
            svg.line(x1: px, y1: bottom, x2: px, y2: bottom + 4, stroke: Palette.black, dash: nil)
            svg.text(Display.number((v / s).rounded() * s), x: px, y: bottom + 16, size: 11, anchor: "middle")
            v += s
            n += 1
        }
        svg.line(x1: x0, y1: bottom, x2: x1, y2: bottom, stroke: Palette.black, dash: nil)
        svg.text(title, x: (x0 + x1) / 2, y: bottom + 32, size: 11, anchor: "middle")
    }
}

/// The legend line under the heading: swatches laid out left to right.
struct Legend {
    var x = Layout.labelX

    mutating func swatch(_ svg: inout SVG, fill: String, stroke: String = Palette.black, label: String, shape: Shape? = nil) {
        let y = 38.0
        if let shape {
            svg.shape(shape, x: x + 6, y: y, size: 5, fill: fill, stroke: stroke)
            svg.closeMark()
        } else {
            svg.element("rect", ["x": Charts.num(x), "y": Charts.num(y - 6), "width": "18", "height": "12", "fill": fill, "stroke": stroke])
        }
        svg.text(label, x: x + 24, y: y + 4, size: 11)
        x += 24 + Double(label.count) * 6 + 18
    }
}

/// Trials that state nothing for a chart, listed by label under it, wrapped to the width.
struct NotStated {
    var lines: [String]
    var y: Double
    var count: Int

    init(labels: [String], y: Double) {
        self.y = y
        count = labels.count
        var lines: [String] = []
        var line = ""
        for label in labels {
            let piece = line.isEmpty ? label : ", " + label
            if !line.isEmpty && line.count + piece.count > 120 {
                lines.append(line + ",")
                line = label
            } else {
                line += piece
            }
        }
        if !line.isEmpty { lines.append(line) }
        self.lines = lines
    }

    /// Where the list ends (its own top when empty).
    var bottom: Double { lines.isEmpty ? y - 14 : y + 16 + Double(lines.count) * 14 }

    func draw(_ svg: inout SVG, what: String) {
        guard !lines.isEmpty else { return }
        svg.text("Not stated: \(what) (\(count) \(count == 1 ? "trial" : "trials"))", x: Layout.labelX, y: y, size: 11, weight: "bold")
        for (n, line) in lines.enumerated() {
            svg.text(line, x: Layout.labelX, y: y + 16 + Double(n) * 14, size: 11, colour: "#333333")
        }
    }
}

/// A chart before it is written: drawn once for the page and once for the standalone file,
/// which differ only in their header and the links' target.
struct Figure {
    var id: String
    var title: String
    var summary: String
    var height: Double
    var draw: (inout SVG) -> Void

    func document(standalone: Bool) -> String {
        var svg = SVG(linkPrefix: standalone ? "report.html#ev-" : "#ev-", idPrefix: "tdc-\(id)-")
        let h = Charts.num(height.rounded(.up))
        let w = Charts.num(Layout.width)
        if standalone { svg.out += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" }
        svg.out += "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 \(w) \(h)\""
        if standalone { svg.out += " width=\"\(w)\" height=\"\(h)\"" }
        svg.out += " role=\"img\" aria-label=\"\(Charts.xml(summary))\" class=\"trialdiff-chart\" id=\"tdc-\(id)\""
        svg.out += " font-family=\"\(Layout.font)\" font-size=\"12\">"
        svg.out += "<title>\(Charts.xml(title))</title>"
        svg.out += "<desc>\(Charts.xml(summary))</desc>"
        if standalone {
            svg.out += "<style>text{font-family:\(Layout.font);fill:#000000}a:hover>*{stroke-width:2.5}"
            svg.out += "a:focus>*{stroke-width:2.5}</style>"
        }
        svg.out += "<rect width=\"\(w)\" height=\"\(h)\" fill=\"#ffffff\"/>"
        draw(&svg)
        svg.out += "</svg>\n"
        return svg.out
    }
}

/// An SVG being written. Attribute values and text pass through ``Charts/xml(_:)``.
struct SVG {
    var out = ""
    /// "#ev-" inline, "report.html#ev-" in the standalone file.
    let linkPrefix: String
    /// Prefix of pattern and gradient ids, unique per chart on one page.
    let idPrefix: String
    /// The mark opened by ``openMark(_:_:)`` and not yet closed by ``tip(ref:_:)``.
    private var pending: String?
    private var pendingLink = false

    init(linkPrefix: String, idPrefix: String) {
        self.linkPrefix = linkPrefix
        self.idPrefix = idPrefix
    }

    /// A paint reference to the definition `name` of this chart.
    func url(_ name: String) -> String { "url(#\(idPrefix)\(name))" }

    private static func attributes(_ attrs: KeyValuePairs<String, String>) -> String {
        var s = ""
        for (k, v) in attrs { s += " \(k)=\"\(Charts.xml(v))\"" }
        return s
    }

    mutating func element(_ name: String, _ attrs: KeyValuePairs<String, String>) {
        out += "<\(name)\(Self.attributes(attrs))/>"
    }

    /// Starts a data mark: ``tip(ref:_:)`` must follow, giving its tooltip and link.
    mutating func openMark(_ name: String, _ attrs: KeyValuePairs<String, String>) {
        precondition(pending == nil, "a mark is still open")
        pending = "<\(name)\(Self.attributes(attrs))>"
        pendingLink = false
    }

    /// Closes the open mark with a `<title>` tooltip "trial · parameter: value", wrapped in a
    /// link to evidence footnote `ref` when there is one.
    mutating func tip(ref: Int?, _ text: String) {
        guard let open = pending, let name = open.dropFirst().split(separator: " ").first else {
            preconditionFailure("no open mark")
        }
        if let ref { out += "<a href=\"\(linkPrefix)\(ref)\">" }
        out += open + "<title>\(Charts.xml(text))</title></\(name)>"
        if ref != nil { out += "</a>" }
        pending = nil
    }

    /// Closes the open mark without tooltip or link (a legend swatch).
    mutating func closeMark() {
        guard let open = pending, let name = open.dropFirst().split(separator: " ").first else {
            preconditionFailure("no open mark")
        }
        out += open + "</\(name)>"
        pending = nil
    }

    mutating func text(
        _ text: String, x: Double, y: Double, size: Double, anchor: String? = nil, weight: String? = nil, colour: String? = nil
    ) {
        out += "<text x=\"\(Charts.num(x))\" y=\"\(Charts.num(y))\" font-size=\"\(Charts.num(size))\""
        if let anchor { out += " text-anchor=\"\(anchor)\"" }
        if let weight { out += " font-weight=\"\(weight)\"" }
        if let colour { out += " fill=\"\(colour)\"" }
        out += ">\(Charts.xml(text))</text>"
    }

    mutating func heading(_ text: String) { self.text(text, x: Layout.labelX, y: 20, size: 15, weight: "bold") }

    /// A trial's label left of its row, cut to 40 characters.
    mutating func rowLabel(_ label: String, y: Double) { text(label, x: Layout.labelX, y: y + 4, size: 12) }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String, dash: String?) {
        out += "<line x1=\"\(Charts.num(x1))\" y1=\"\(Charts.num(y1))\" x2=\"\(Charts.num(x2))\" y2=\"\(Charts.num(y2))\""
        out += " stroke=\"\(stroke)\""
        if let dash { out += " stroke-dasharray=\"\(dash)\"" }
        out += "/>"
    }

    /// Opens a marker of `shape` centred on (x, y) as a mark; ``tip(ref:_:)`` must follow.
    /// (Legend swatches use it too and close it without a link.)
    mutating func shape(_ shape: Shape, x: Double, y: Double, size r: Double, fill: String, stroke: String) {
        let n = Charts.num
        switch shape {
        case .circle:
            openMark("circle", ["cx": n(x), "cy": n(y), "r": n(r), "fill": fill, "stroke": stroke, "stroke-width": "1.5"])
        case .square:
            openMark(
                "rect", ["x": n(x - r), "y": n(y - r), "width": n(2 * r), "height": n(2 * r), "fill": fill, "stroke": stroke, "stroke-width": "1.5"])
        case .diamond:
            let d = "M\(n(x)) \(n(y - r * 1.3))L\(n(x + r * 1.3)) \(n(y))L\(n(x)) \(n(y + r * 1.3))L\(n(x - r * 1.3)) \(n(y))Z"
            openMark("path", ["d": d, "fill": fill, "stroke": stroke, "stroke-width": "1.5"])
        case .triangle:
            let d = "M\(n(x)) \(n(y - r * 1.3))L\(n(x + r * 1.2)) \(n(y + r))L\(n(x - r * 1.2)) \(n(y + r))Z"
            openMark("path", ["d": d, "fill": fill, "stroke": stroke, "stroke-width": "1.5"])
        }
    }

    /// Diagonal hatching in `colour` on white: "less certain" bars (criteria ages, planned enrollment).
    mutating func hatchPattern(_ name: String, colour: String) {
        out += "<defs><pattern id=\"\(idPrefix)\(name)\" patternUnits=\"userSpaceOnUse\" width=\"6\" height=\"6\""
        out += " patternTransform=\"rotate(45)\"><rect width=\"6\" height=\"6\" fill=\"#ffffff\"/>"
        out += "<line x1=\"0\" y1=\"0\" x2=\"0\" y2=\"6\" stroke=\"\(colour)\" stroke-width=\"3\"/></pattern></defs>"
    }

    /// Dots in `colour` on white: counts read from free text.
    mutating func dotPattern(_ name: String, colour: String) {
        out += "<defs><pattern id=\"\(idPrefix)\(name)\" patternUnits=\"userSpaceOnUse\" width=\"5\" height=\"5\">"
        out += "<rect width=\"5\" height=\"5\" fill=\"#ffffff\"/><circle cx=\"2.5\" cy=\"2.5\" r=\"1.3\" fill=\"\(colour)\"/>"
        out += "</pattern></defs>"
    }

    /// `colour` fading to transparent from left to right: a band with no upper end.
    mutating func fadeGradient(_ name: String, colour: String) {
        out += "<defs><linearGradient id=\"\(idPrefix)\(name)\" x1=\"0\" y1=\"0\" x2=\"1\" y2=\"0\">"
        out += "<stop offset=\"0\" stop-color=\"\(colour)\" stop-opacity=\"1\"/>"
        out += "<stop offset=\"0.6\" stop-color=\"\(colour)\" stop-opacity=\"0.7\"/>"
        out += "<stop offset=\"1\" stop-color=\"\(colour)\" stop-opacity=\"0.1\"/></linearGradient></defs>"
    }
}
