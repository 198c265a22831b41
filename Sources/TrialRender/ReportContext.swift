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
        let esc = escaper(flavor)
        let matrix = landscape.matrix
        let trialAnchors = anchors(for: matrix.trials)

        // Rows shown, and where each row's evidence footnotes start: footnotes are numbered row by
        // row, left to right, over the values that have evidence.
        var shown: [MatrixRow] = []
        var firstFootnote: [Int] = []
        var footnoted: [(row: Int, column: Int, value: Int)] = []
        var unstated: [String] = []
        var differing: [String] = []
        var comparedCount = 0
        for row in matrix.rows where !hiddenRows.contains(row.key) {
            if row.cells.indices.allSatisfy(row.cells.isEmpty(at:)) {
                unstated.append(row.label)
                continue
            }
            if row.comparable { comparedCount += 1 }
            if row.differs { differing.append(row.label) }
            firstFootnote.append(footnoted.count + 1)
            if !rowsWithoutFootnotes.contains(row.key) {
                for (column, cell) in row.cells.enumerated() {
                    for (v, value) in cell.values.enumerated() where !value.evidence.isEmpty {
                        footnoted.append((shown.count, column, v))
                    }
                }
            }
            shown.append(row)
        }

        let rows = LazyItems(count: shown.count) { r -> [String: Any] in
            let row = shown[r]
            let footnotes = !rowsWithoutFootnotes.contains(row.key)
            var next = firstFootnote[r]
            let cells = row.cells.enumerated().map { column, cell -> [String: Any] in
                let values = cell.values.map { value -> [String: Any] in
                    var item: [String: Any] = [
                        "text": esc(value.text),
                        "hasRef": false,
                        "ref": "",
                        "refID": "",
                        "backID": "",
                        "hover": esc(hover(value.evidence)),
                        "hasHover": !value.evidence.isEmpty,
                    ]
                    if footnotes, !value.evidence.isEmpty {
                        item["hasRef"] = true
                        item["ref"] = next
                        item["refID"] = "ev-\(next)"
                        item["backID"] = "ref-\(next)"
                        next += 1
                    }
                    return item
                }
                return [
                    "trial": esc(matrix.trials[column]),
                    "isEmpty": cell.isEmpty,
                    "values": positioned(values),
                ]
            }
            return [
                "key": row.key,
                "label": esc(row.label),
                "differs": row.differs,
                "comparable": row.comparable,
                "cells": cells,
            ]
        }
        let evidence = LazyItems(count: footnoted.count, positioned: false) { i -> [String: Any] in
            let (r, column, v) = footnoted[i]
            let row = shown[r]
            let value = row.cells[column].values[v]
            let n = i + 1
            return [
                "ref": n,
                "refID": "ev-\(n)",
                "backID": "ref-\(n)",
                "trial": esc(matrix.trials[column]),
                "trialAnchor": trialAnchors[column],
                "parameter": esc(row.label),
                "key": row.key,
                "value": esc(value.text),
                "sources": positioned(
                    value.evidence.map { e -> [String: Any] in
                        ["file": esc(e.file), "locator": esc(e.locator), "quote": esc(excerpt(e.quote))]
                    }),
            ]
        }

        let columns = LazyItems(count: matrix.trials.count) { i -> [String: Any] in
            ["id": esc(matrix.trials[i]), "anchor": trialAnchors[i]]
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

        // Findings grouped by trial (in matrix order), most severe first within each trial.
        let findingsByTrial = Dictionary(grouping: landscape.findings, by: \.trial).mapValues { items in
            items.sorted { $0.severity.rank < $1.severity.rank }
        }
        let trialList = landscape.trials
        // Display IDs from the matrix: a spilled trial list would build every trial to tell.
        let trialIDs = landscape.matrix.trials
        let trialsWithFindings = trialIDs.indices.filter { findingsByTrial[trialIDs[$0]] != nil }
        let findingGroups = LazyItems(count: trialsWithFindings.count) { g -> [String: Any] in
            let i = trialsWithFindings[g]
            let id = trialIDs[i]
            return [
                "trial": esc(id), "anchor": trialAnchors[i],
                "items": positioned((findingsByTrial[id] ?? []).map { findingItem($0, esc: esc) }),
            ]
        }
        let groups = landscape.changes.map(ChangesContext.groups) ?? []
        let changesByTrial = Dictionary(grouping: groups.filter { !$0.trial.isEmpty }, by: \.trial)

        let recordsPerFile = Dictionary(landscape.inputs.map { ($0.file, $0.records) }, uniquingKeysWith: max)
        let trials = LazyItems(count: trialList.count) { i -> [String: Any] in
            let trial = trialList[i]
            var section = trialSection(trial, anchor: trialAnchors[i], recordsPerFile: recordsPerFile, esc: esc)
            let items = findingsByTrial[trial.id.value] ?? []
            section["findings"] = positioned(items.map { findingItem($0, esc: esc) })
            section["hasFindings"] = !items.isEmpty
            let trialChanges = ChangesContext.context(changesByTrial[trial.id.value] ?? [], esc: esc)
            section["changes"] = trialChanges
            section["hasChanges"] = !trialChanges.isEmpty
            return section
        }

        let recordCount = landscape.trials.recordCount
        var summary = summarySentence(
            trials: landscape.trials.count, inputs: landscape.inputs.count, records: recordCount,
            failures: failures.count, differing: differing, compared: comparedCount)

        if let selection = landscape.selection {
            summary =
                "Selected by \(selection.criteria): \(selection.recordsMatched) of "
                + "\(plural(selection.recordsRead, "record")) read from \(plural(selection.inputsRead, "input file")) matched; "
                + "only the input files with matching records are listed. " + summary
        }
        return [
            "title": esc("Trial landscape"),
            "summary": esc(summary),
            "trialCount": landscape.trials.count,
            "inputCount": landscape.inputs.count,
            "recordCount": recordCount,
            "inputs": inputs,
            "hasInputs": inputs.count > 0,
            "failures": positioned(failures),
            "hasFailures": !failures.isEmpty,
            "matrix": [
                "trials": columns,
                "rows": rows,
                "hasRows": rows.count > 0,
                "hasDiffering": !differing.isEmpty,
                "differing": esc(differing.joined(separator: ", ")),
                "hasUnstated": !unstated.isEmpty,
                "unstated": esc(unstated.joined(separator: ", ")),
            ] as [String: Any],
            "evidence": evidence,
            "hasEvidence": evidence.count > 0,
            "trials": trials,
            "hasTrials": trials.count > 0,
            "findings": findingGroups,
            "hasFindings": findingGroups.count > 0,
            "findingSummary": esc(findingSummary(landscape.findings)),
        ].merging(changes(landscape, flavor: flavor)) { _, new in new }
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
        return [
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
                s += " \(differing.count) of \(plural(compared, "compared parameter")) differ across trials: "
                s += differing.joined(separator: ", ") + "."
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
    static func excerpt(_ quote: String) -> String {
        let q = quote.collapsingWhitespace
        guard q.count > quoteLimit else { return q }
        var cut = q.prefix(quoteLimit)
        if let space = cut.lastIndex(of: " "), cut.distance(from: cut.startIndex, to: space) > quoteLimit / 2 {
            cut = cut[..<space]
        }
        return cut + " …"
    }

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
