import Mustache
import TrialCompare
import TrialModel

/// Builds the Mustache context of `report.md` and `report.html`.
///
/// All logic lives here so templates stay simple: every value is a string, number, Bool or array
/// of dictionaries, arrays are in a fixed order, and every key a template might test is always
/// present (Mustache looks up a missing key in the enclosing context instead). Conditionals use
/// Bool keys (`hasX`, `isX`): in this Mustache an empty string still opens a section.
///
/// For Markdown every registry string is escaped here with ``Escape/markdownCell(_:)`` and the
/// template declares `{{% CONTENT_TYPE: TEXT}}`; for HTML strings stay raw and Mustache's default
/// `{{ }}` escaping applies. The keys are listed at the top of each template.
public enum ReportContext {
    /// How strings are prepared for the template.
    public enum Flavor: Sendable {
        /// Pre-escaped for Markdown (template uses `CONTENT_TYPE: TEXT`).
        case markdown
        /// Raw but for ``Escape/isolatingHTMLSpecials(_:)``; the template's `{{ }}` escapes for HTML.
        case html
    }

    /// Matrix rows not shown in the reports: the trial ID is the column header.
    static let hiddenRows: Set<String> = ["trial_id"]
    /// Identity rows whose values get no evidence footnote.
    static let rowsWithoutFootnotes: Set<String> = ["trial_id", "source_files"]
    /// Quotes longer than this many characters are shortened at a word boundary in the reports
    /// (trials.json keeps them whole).
    static let quoteLimit = 300

    /// How strings are prepared for `flavor`.
    static func escaper(_ flavor: Flavor) -> (String) -> String {
        switch flavor {
        case .markdown: { Escape.markdownCell($0) }
        case .html: { Escape.isolatingHTMLSpecials($0) }
        }
    }

    /// The "What changed" keys alone (`changeSummary`, `changes`, `hasChanges`): all that
    /// `changes.md` needs, without building the matrix and evidence of the whole report.
    public static func changes(_ landscape: Landscape, flavor: Flavor) -> [String: Any] {
        let esc = escaper(flavor)
        let groups = landscape.changes.map(ChangesContext.groups) ?? []
        return [
            "changes": ChangesContext.context(groups, esc: esc),
            "hasChanges": landscape.changes != nil,
            "changeSummary": esc(landscape.changes.map(ChangesContext.summary) ?? ""),
        ]
    }

    /// The context of `report.md` (flavor `.markdown`) or `report.html` (`.html`). The long lists
    /// (matrix rows, evidence, inputs, findings, trial sections) are ``LazyItems``: each item is
    /// built when the template reaches it and dropped after, so the context of a landscape of
    /// thousands of trials holds the landscape, not a copy of it as dictionaries.
    public static func make(_ landscape: Landscape, flavor: Flavor) -> [String: Any] {
        let order = landscape.order
        let esc = escaper(flavor)
        let matrix = landscape.matrix
        let trialAnchors = anchors(for: matrix.trials)
        // The HTML header names each trial by its title (whole on hover): no title row there.
        let layout = MatrixLayout(matrix, order: order, omitting: flavor == .html ? ["title"] : [])
        let stale = Set(landscape.stale)
        let titles = fullTitles(matrix)

        func valueItem(_ item: DisplayItem, ref: Int?) -> [String: Any] {
            [
                "text": esc(flavor == .markdown ? superscriptPowers(item.text) : item.text),
                "html": htmlValue(item.text),
                "hasRef": ref != nil,
                "ref": ref ?? 0,
                "refID": ref.map { "ev-\($0)" } ?? "",
                "backID": ref.map { "ref-\($0)" } ?? "",
                // Many trials: the quotes are in the evidence list only (the page's script shows
                // them on hover), or the page would hold each twice.
                "hover": layout.trialsAsColumns ? esc(hover(item.evidence)) : "",
                "hasHover": layout.trialsAsColumns && !item.evidence.isEmpty,
            ]
        }
        /// The cell of `row` whose footnoted items are numbered from `next`.
        func cellItem(_ r: Int, _ cell: DisplayCell, position p: Int, next: Int) -> [String: Any] {
            let row = layout.rows[r]
            let numbered = Set(layout.footnoted(row, cell))
            var n = next
            let values = cell.items.enumerated().map { i, item -> [String: Any] in
                guard numbered.contains(i) else { return valueItem(item, ref: nil) }
                defer { n += 1 }
                return valueItem(item, ref: n)
            }
            return [
                "trial": esc(matrix.trials[layout.order[p]]),
                "key": row.key,
                "label": esc(row.label),
                "group": row.group.slug,
                "differs": layout.differs[r],
                "isEmpty": cell.isEmpty,
                "values": positioned(values),
            ]
        }
        func trialHeader(_ p: Int) -> [String: Any] {
            let c = layout.order[p]
            let id = matrix.trials[c]
            return [
                "id": esc(id), "anchor": trialAnchors[c], "isStale": stale.contains(id),
                "hasSection": !stale.contains(id),
                "short": esc(MatrixLayout.truncated(titles[c], to: 60)), "hasShort": !titles[c].isEmpty,
                "fullTitle": esc(titles[c]),
            ]
        }

        // Trials as columns (few trials): all display cells at once, rows numbered left to right.
        var columnCells: [[DisplayCell]] = []
        if layout.trialsAsColumns { columnCells = layout.order.map { layout.cells(ofColumn: $0) } }
        let rowItems = LazyItems(count: layout.trialsAsColumns ? layout.rows.count : 0) { r -> [String: Any] in
            let row = layout.rows[r]
            return [
                "key": row.key, "label": esc(row.label), "group": row.group.slug, "differs": layout.differs[r],
                "comparable": row.comparable,
                "cells": layout.order.indices.map { p in cellItem(r, columnCells[p][r], position: p, next: layout.firstFootnote(position: p, row: r))
                },
            ]
        }
        // Trials as rows (many trials): each trial's cells built when its row is written.
        let trialRows = LazyItems(count: layout.trialsAsColumns ? 0 : layout.order.count) { p -> [String: Any] in
            let cells = layout.cells(ofColumn: layout.order[p])
            var next = layout.firstFootnote(position: p, row: 0)
            var item = trialHeader(p)
            item["cells"] = layout.rows.indices.map { r -> [String: Any] in
                defer { next += layout.footnotes(position: p, row: r) }
                return cellItem(r, cells[r], position: p, next: next)
            }
            return item
        }
        let params = layout.rows.indices.map { r -> [String: Any] in
            let row = layout.rows[r]
            return [
                "key": row.key, "label": esc(row.label), "group": row.group.slug, "differs": layout.differs[r],
                "comparable": row.comparable,
            ]
        }
        let groups = ParameterGroup.allCases.filter { g in layout.rows.contains { $0.group == g } }.map { g -> [String: Any] in
            ["name": g.rawValue, "slug": g.slug]
        }

        // Evidence in footnote order.
        let cursor = EvidenceCursor(layout: layout, columnCells: columnCells)
        let evidence = LazyItems(count: layout.footnoteCount, positioned: false) { i -> [String: Any] in
            let (p, r, item) = cursor.item(i + 1)
            let c = layout.order[p]
            let n = i + 1
            return [
                "ref": n,
                "refID": "ev-\(n)",
                "backID": "ref-\(n)",
                "trial": esc(matrix.trials[c]),
                "trialAnchor": trialAnchors[c],
                "parameter": esc(layout.rows[r].label),
                "key": layout.rows[r].key,
                "value": esc(flavor == .markdown ? superscriptPowers(item.text) : item.text),
                "sources": positioned(
                    item.evidence.map { e -> [String: Any] in
                        ["file": esc(e.file), "locator": esc(e.locator), "quote": esc(excerpt(e.quote))]
                    }),
            ]
        }

        let inputList = landscape.inputs
        let inputs = LazyItems(count: inputList.count) { i -> [String: Any] in
            let input = inputList[i]
            return [
                "file": esc(input.file),
                "format": esc(input.format?.rawValue ?? "unknown"),
                "records": input.records,
                "hasError": input.error != nil,
                "error": esc(input.error ?? ""),
                "hasWarnings": !input.warnings.isEmpty,
                "warnings": positioned(input.warnings.map { ["text": esc($0)] }),
            ]
        }
        let failures = landscape.failures.map { input -> [String: Any] in
            ["file": esc(input.file), "error": esc(input.error ?? "")]
        }

        // A finding several trials share word for word (a note about all trials of a product) is
        // listed once, under "Across trials", naming the trials.
        let sharedKeys: Set<String> = {
            var trialsByKey: [String: Set<String>] = [:]
            for f in landscape.findings { trialsByKey[sharedKey(f), default: []].insert(f.trial) }
            return Set(trialsByKey.filter { $0.value.count > 1 }.keys)
        }()
        var shared: [(key: String, findings: [Finding])] = []
        var sharedIndex: [String: Int] = [:]
        var own: [Finding] = []
        for f in landscape.findings {
            let key = sharedKey(f)
            if sharedKeys.contains(key) {
                if let i = sharedIndex[key] {
                    shared[i].findings.append(f)
                } else {
                    sharedIndex[key] = shared.count
                    shared.append((key, [f]))
                }
            } else {
                own.append(f)
            }
        }
        shared.sort { a, b in
            let (x, y) = (a.findings[0], b.findings[0])
            return x.severity.rank != y.severity.rank ? x.severity.rank < y.severity.rank : a.key < b.key
        }
        let sharedItems = shared.map { entry -> [String: Any] in
            var item = findingItem(entry.findings[0], esc: esc)
            var seen: Set<Evidence> = []
            let quotes = entry.findings.flatMap(\.evidence).filter { seen.insert($0).inserted }.map { e -> [String: Any] in
                ["file": esc(e.file), "locator": esc(e.locator), "quote": esc(excerpt(e.quote))]
            }
            item["quotes"] = positioned(quotes)
            item["hasQuotes"] = !quotes.isEmpty
            item["trials"] = esc(entry.findings.map(\.trial).joined(separator: ", "))
            return item
        }
        // Findings grouped by trial (in matrix order), most severe first within each trial.
        let findingsByTrial = Dictionary(grouping: own, by: \.trial).mapValues { items in
            items.sorted { $0.severity.rank < $1.severity.rank }
        }
        let sharedCountByTrial = Dictionary(grouping: shared.flatMap(\.findings), by: \.trial).mapValues(\.count)
        let trialList = landscape.trials
        // Display IDs from the matrix: a spilled trial list would build every trial to tell.
        let trialIDs = matrix.trials
        let trialsWithFindings = layout.order.filter { findingsByTrial[trialIDs[$0]] != nil }
        let findingGroups = LazyItems(count: trialsWithFindings.count) { g -> [String: Any] in
            let i = trialsWithFindings[g]
            let id = trialIDs[i]
            return [
                "trial": esc(id), "anchor": trialAnchors[i],
                "items": positioned((findingsByTrial[id] ?? []).map { findingItem($0, esc: esc) }),
            ]
        }
        let changeGroups = landscape.changes.map(ChangesContext.groups) ?? []
        let changesByTrial = Dictionary(grouping: changeGroups.filter { !$0.trial.isEmpty }, by: \.trial)

        let recordsPerFile = Dictionary(landscape.inputs.map { ($0.file, $0.records) }, uniquingKeysWith: max)
        let anchorByID = Dictionary(trialIDs.indices.map { (trialIDs[$0], trialAnchors[$0]) }, uniquingKeysWith: { a, _ in a })
        let trials = LazyItems(count: trialList.count) { i -> [String: Any] in
            let trial = trialList[i]
            var section = trialSection(
                trial, anchor: anchorByID[trial.id.value] ?? trialAnchors[i], recordsPerFile: recordsPerFile, esc: esc)
            let items = findingsByTrial[trial.id.value] ?? []
            section["findings"] = positioned(items.map { findingItem($0, esc: esc) })
            section["hasFindings"] = !items.isEmpty
            let sharedCount = sharedCountByTrial[trial.id.value] ?? 0
            section["hasAcrossTrials"] = sharedCount > 0
            section["acrossTrials"] = sharedCount == 1 ? "1 finding" : "\(sharedCount) findings"
            let trialChanges = ChangesContext.context(changesByTrial[trial.id.value] ?? [], esc: esc)
            section["changes"] = trialChanges
            section["hasChanges"] = !trialChanges.isEmpty
            return section
        }

        let differing = layout.rows.indices.filter { layout.differs[$0] }.map { layout.rows[$0].label }
        let compared = layout.rows.filter(\.comparable).count
        let keyDifferences = layout.keyDifferences().map { d -> [String: Any] in ["label": esc(d.label), "text": esc(d.text)] }
        let recordCount = landscape.trials.recordCount
        var summary = summarySentence(
            trials: matrix.trials.count, inputs: landscape.inputs.count, records: recordCount,
            failures: failures.count, differing: differing, compared: compared)
        if !stale.isEmpty {
            summary +=
                " \(plural(stale.count, "trial")) kept from the previous run as \(stale.count == 1 ? "its input" : "their inputs") could not be read: "
                + landscape.stale.joined(separator: ", ") + " (marked stale)."
        }

        if let selection = landscape.selection {
            summary =
                "Selected by \(selection.criteria): \(selection.recordsMatched) of "
                + "\(plural(selection.recordsRead, "record")) read from \(plural(selection.inputsRead, "input file")) matched; "
                + "only the input files with matching records are listed. " + summary
        }
        let charts = chartItems(layout, cursor: cursor, flavor: flavor)
        return [
            "title": esc("Trial landscape"),
            "summary": esc(summary),
            "trialCount": matrix.trials.count,
            "inputCount": landscape.inputs.count,
            "recordCount": recordCount,
            "inputs": inputs,
            "hasInputs": inputs.count > 0,
            "failures": positioned(failures),
            "hasFailures": !failures.isEmpty,
            "keyDifferences": positioned(keyDifferences),
            "hasKeyDifferences": !keyDifferences.isEmpty,
            "charts": positioned(charts),
            "hasCharts": !charts.isEmpty,
            "matrix": [
                "trialsAsColumns": layout.trialsAsColumns,
                "trialsAsRows": !layout.trialsAsColumns,
                "layout": layout.trialsAsColumns ? "columns" : "rows",
                "order": order.rawValue,
                "trials": LazyItems(count: layout.trialsAsColumns ? layout.order.count : 0, trialHeader),
                "rows": rowItems,
                "trialRows": trialRows,
                "params": positioned(params),
                "groups": positioned(groups),
                "hasRows": !layout.rows.isEmpty,
                "hasDiffering": !differing.isEmpty,
                "differing": esc(differing.joined(separator: ", ")),
                "hasUnstated": !layout.unstatedLabels.isEmpty,
                "unstated": esc(layout.unstatedLabels.joined(separator: ", ")),
            ] as [String: Any],
            "evidence": evidence,
            "hasEvidence": evidence.count > 0,
            "trials": trials,
            "hasTrials": trials.count > 0,
            "findings": findingGroups,
            "sharedFindings": positioned(sharedItems),
            "hasSharedFindings": !sharedItems.isEmpty,
            "hasFindings": !landscape.findings.isEmpty,
            "findingSummary": esc(findingSummary(landscape.findings)),
        ].merging(changes(landscape, flavor: flavor)) { _, new in new }
    }

    /// What makes two trials' findings the same finding.
    static func sharedKey(_ f: Finding) -> String { "\(f.severity.rawValue)\u{1F}\(f.rule)\u{1F}\(f.message)" }

    /// Each trial column's first title; for a record without one, what the matrix says it is
    /// ("no title · KN5501 · CD19 CAR-NK · Lupus Nephritis"), or "" when it says nothing.
    static func fullTitles(_ matrix: Matrix) -> [String] {
        func first(_ key: String, _ c: Int) -> String? {
            guard let row = matrix.row(key), !row.cells.isEmpty(at: c) else { return nil }
            return row.cells[c].values.first?.text
        }
        return matrix.trials.indices.map { c in
            if let title = first("title", c) { return title }
            let kind = [first("target", c), first("cell_type", c)].compactMap { $0 }.joined(separator: " ")
            let parts = [first("product", c), kind.isEmpty ? nil : kind, first("conditions", c)].compactMap { $0 }
            return parts.isEmpty ? "" : (["no title"] + parts).joined(separator: " · ")
        }
    }

    /// "9×10^9 cells" → "9×10⁹ cells": powers of ten as superscript digits.
    static func superscriptPowers(_ text: String) -> String {
        guard text.contains("^") else { return text }
        let digits: [Character: Character] = [
            "0": "⁰", "1": "¹", "2": "²", "3": "³", "4": "⁴", "5": "⁵", "6": "⁶", "7": "⁷", "8": "⁸", "9": "⁹",
        ]
        var out = ""
        var chars = Array(text)[...]
        while let ch = chars.popFirst() {
            guard ch == "^", out.hasSuffix("10") else {
                out.append(ch)
                continue
            }
            var exponent = ""
            var rest = chars
            if rest.first == "-" {
                exponent.append("⁻")
                rest = rest.dropFirst()
            }
            let number = rest.prefix { $0.isASCII && $0.isNumber }
            guard !number.isEmpty else {
                out.append(ch)
                continue
            }
            for d in number { exponent.append(digits[d] ?? d) }
            out += exponent
            chars = rest.dropFirst(number.count)
        }
        return out
    }

    /// The HTML of a value (escaped), with powers of ten as `<sup>`.
    static func htmlValue(_ text: String) -> String {
        let escaped = Escape.html(Escape.isolatingHTMLSpecials(text))
        guard escaped.contains("10^") else { return escaped }
        var out = ""
        var rest = escaped[...]
        while let range = rest.range(of: "10^") {
            out += rest[..<range.lowerBound]
            var exponent = rest[range.upperBound...]
            var digits = ""
            if exponent.first == "-" {
                digits = "−"
                exponent = exponent.dropFirst()
            }
            let number = exponent.prefix { $0.isASCII && $0.isNumber }
            if number.isEmpty {
                out += "10^"
                rest = rest[range.upperBound...]
                continue
            }
            out += "10<sup>\(digits)\(number)</sup>"
            rest = exponent.dropFirst(number.count)
        }
        return out + rest
    }

    static func trialSection(
        _ trial: Trial, anchor: String, recordsPerFile: [String: Int], esc: (String) -> String
    ) -> [String: Any] {
        let titles = trial.parameters.titles.map(\.value)
        let sources = trial.records.map { record -> [String: Any] in
            let s = record.source
            return [
                "file": esc(s.file),
                "format": esc(s.format.rawValue),
                "recordNumber": s.index + 1,
                "inMultiRecordFile": (recordsPerFile[s.file] ?? 0) > 1 || s.index > 0,
                "hasWarnings": !record.warnings.isEmpty,
                "warnings": positioned(record.warnings.map { ["text": esc($0)] }),
            ]
        }
        let ids = trial.registryIDs.map(\.description)
        let outcomes = trial.parameters.primaryOutcomes.map { ["text": esc($0.value)] }
        return [
            "outcomes": positioned(outcomes),
            "hasOutcomes": !outcomes.isEmpty,
            "id": esc(trial.id.value),
            "anchor": anchor,
            "hasTitle": !titles.isEmpty,
            "title": esc(titles.first ?? ""),
            "hasOtherTitles": titles.count > 1,
            "otherTitles": positioned(titles.dropFirst().map { ["text": esc($0)] }),
            "registryIDs": esc(ids.joined(separator: ", ")),
            "hasRegistryIDs": !ids.isEmpty,
            "sources": positioned(sources),
            "findings": [[String: Any]](),
            "hasFindings": false,
            "changes": [[String: Any]](),
            "hasChanges": false,
        ]
    }

    /// One finding for the templates: severity flags, rule, message, acknowledgement and quotes.
    static func findingItem(_ f: Finding, esc: (String) -> String) -> [String: Any] {
        let quotes = f.evidence.map { e -> [String: Any] in
            ["file": esc(e.file), "locator": esc(e.locator), "quote": esc(excerpt(e.quote))]
        }
        return [
            "severity": f.severity.rawValue,
            "isError": f.severity == .error,
            "isWarning": f.severity == .warning,
            "isNote": f.severity == .note,
            "rule": esc(f.rule),
            "message": esc(f.message),
            "isAcknowledged": f.acknowledged != nil,
            "acknowledged": esc(f.acknowledged ?? ""),
            "quotes": positioned(quotes),
            "hasQuotes": !quotes.isEmpty,
        ]
    }

    /// "2 errors, 5 warnings and 3 notes (1 acknowledged)."
    static func findingSummary(_ findings: [Finding]) -> String {
        guard !findings.isEmpty else { return "No findings." }
        let parts = Severity.allCases.compactMap { s -> String? in
            let n = findings.filter { $0.severity == s }.count
            return n == 0 ? nil : plural(n, s.rawValue)
        }
        var text = parts.count > 1 ? parts.dropLast().joined(separator: ", ") + " and " + parts.last! : parts[0]
        let acknowledged = findings.filter { $0.acknowledged != nil }.count
        if acknowledged > 0 { text += " (\(acknowledged) acknowledged)" }
        return text + "."
    }

    static func summarySentence(
        trials: Int, inputs: Int, records: Int, failures: Int, differing: [String], compared: Int
    ) -> String {
        var s = "\(plural(trials, "trial")) from \(plural(inputs, "input file")) (\(plural(records, "record")))."
        if failures > 0 {
            s += failures == 1 ? " 1 input file could not be read." : " \(failures) input files could not be read."
        }
        if trials > 1 {
            if differing.isEmpty {
                s += " The trials state no differing values in the \(plural(compared, "compared parameter"))."
            } else {
                // The key differences list each one with its values.
                s += " \(differing.count) of \(plural(compared, "compared parameter")) differ across trials."
            }
        }
        return s
    }

    static func plural(_ n: Int, _ noun: String) -> String { n == 1 ? "1 \(noun)" : "\(n) \(noun)s" }

    /// The hover text of a value: one line per evidence, `file · locator: “quote”`.
    static func hover(_ evidence: [Evidence]) -> String {
        evidence.map { "\($0.file) · \($0.locator): “\(excerpt($0.quote))”" }.joined(separator: "\n")
    }

    /// `quote` with whitespace collapsed, shortened to about ``quoteLimit`` characters at a word
    /// boundary with " …" appended.
    static func excerpt(_ quote: String) -> String { MatrixLayout.truncated(quote.collapsingWhitespace, to: quoteLimit) }

    /// HTML ids for trial sections, unique even when two IDs sanitize alike.
    static func anchors(for ids: [String]) -> [String] {
        var used: [String: Int] = [:]
        return ids.map { id in
            let base = Escape.htmlID(id, prefix: "trial-")
            let n = used[base, default: 0] + 1
            used[base] = n
            return n == 1 ? base : "\(base)-\(n)"
        }
    }

    /// Adds `isFirst`, `isLast` and 1-based `position` to each item.
    static func positioned(_ items: [[String: Any]]) -> [[String: Any]] {
        items.enumerated().map { i, item in
            var item = item
            item["isFirst"] = i == 0
            item["isLast"] = i == items.count - 1
            item["position"] = i + 1
            return item
        }
    }
}

/// A list in a Mustache context whose items are built only when a section iterates over them
/// (and again each time it does), so that a report over thousands of trials never holds all its
/// rows, cells and footnotes as dictionaries at once. Items get `isFirst`, `isLast` and 1-based
/// `position` like ``ReportContext/positioned(_:)`` unless `positioned` is false.
struct LazyItems: MustacheSequence {
    let count: Int
    let positioned: Bool
    let item: (Int) -> [String: Any]

    init(count: Int, positioned: Bool = true, _ item: @escaping (Int) -> [String: Any]) {
        self.count = count
        self.positioned = positioned
        self.item = item
    }

    func makeIterator() -> Iterator { Iterator(items: self) }

    struct Iterator: IteratorProtocol {
        let items: LazyItems
        var index = 0

        mutating func next() -> [String: Any]? {
            guard index < items.count else { return nil }
            defer { index += 1 }
            var item = items.item(index)
            if items.positioned {
                item["isFirst"] = index == 0
                item["isLast"] = index == items.count - 1
                item["position"] = index + 1
            }
            return item
        }
    }
}

extension ReportContext {
    /// Landscapes above this many trials get no charts: a bar per trial stops being readable
    /// (and the page too large); `--where` selects a landscape small enough to chart.
    static let chartTrialLimit = 1000

    /// The files the charts are also written to, beside the reports (for slides), in order.
    public static let chartFiles: [(id: String, title: String, fileName: String)] = [
        ("age-bands", "Age bands", "chart-age-bands.svg"),
        ("limits", "Eligibility limits", "chart-limits.svg"),
        ("lymphodepletion", "Lymphodepletion", "chart-lymphodepletion.svg"),
        ("enrollment", "Enrollment", "chart-enrollment.svg"),
    ]

    /// The charts of `layout`'s matrix, their marks linked to the footnotes `cursor` numbers; none
    /// above ``chartTrialLimit`` trials.
    static func charts(_ layout: MatrixLayout, cursor: EvidenceCursor) -> [Chart] {
        let matrix = layout.matrix
        guard !matrix.trials.isEmpty, matrix.trials.count <= chartTrialLimit else { return [] }
        return Charts.make(matrix, labels: matrix.trials) { key, column, value in
            cursor.footnote(key: key, column: column, value: value)
        }
    }

    /// The template items of the charts: inline SVG for HTML, the SVG file names for Markdown.
    static func chartItems(_ layout: MatrixLayout, cursor: EvidenceCursor, flavor: Flavor) -> [[String: Any]] {
        charts(layout, cursor: cursor).map { chart in
            [
                "id": chart.id, "title": chart.title, "fileName": chart.fileName,
                // The HTML parser puts inline SVG in its namespace: no URL in the page.
                "svg": flavor == .html ? chart.svg.replacingOccurrences(of: " xmlns=\"http://www.w3.org/2000/svg\"", with: "") : "",
            ]
        }
    }

    /// The standalone SVG file `name` (one of ``chartFiles``): the chart, or when no trial states
    /// what it shows (or the landscape is too large to chart), a small drawing that says so.
    public static func chartFile(_ name: String, of landscape: Landscape) -> String {
        // Numbered as report.html numbers its footnotes (no title row there).
        if landscape.matrix.trials.count <= chartTrialLimit {
            let layout = MatrixLayout(landscape.matrix, order: landscape.order, omitting: ["title"])
            let cursor = EvidenceCursor(layout: layout, columnCells: [])
            if let chart = charts(layout, cursor: cursor).first(where: { $0.fileName == name }) { return chart.file }
        }
        let title = chartFiles.first { $0.fileName == name }?.title ?? "Chart"
        let reason =
            landscape.matrix.trials.count > chartTrialLimit
            ? "more than \(chartTrialLimit) trials: select fewer with --where to chart them"
            : "no trial states what this chart shows"
        return """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="600" height="60" viewBox="0 0 600 60" role="img" aria-label="\(title): \(reason)">
            <title>\(title)</title>
            <text x="10" y="24" font-family="system-ui, sans-serif" font-size="16" font-weight="600">\(title)</text>
            <text x="10" y="46" font-family="system-ui, sans-serif" font-size="13" fill="#555">\(reason)</text>
            </svg>

            """
    }
}
