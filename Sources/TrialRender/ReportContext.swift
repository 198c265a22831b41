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
        /// Raw; the template's `{{ }}` escapes for HTML.
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
        case .html: { $0 }
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

    public static func make(_ landscape: Landscape, flavor: Flavor) -> [String: Any] {
        let esc = escaper(flavor)
        let matrix = landscape.matrix
        let trialAnchors = anchors(for: matrix.trials)

        // Matrix rows and evidence footnotes, numbered row by row, left to right.
        var rows: [[String: Any]] = []
        var evidence: [[String: Any]] = []
        var unstated: [String] = []
        var differing: [String] = []
        var comparedCount = 0
        for row in matrix.rows where !hiddenRows.contains(row.key) {
            if row.cells.allSatisfy(\.isEmpty) {
                unstated.append(row.label)
                continue
            }
            if row.comparable { comparedCount += 1 }
            if row.differs { differing.append(row.label) }
            var cells: [[String: Any]] = []
            for (column, cell) in row.cells.enumerated() {
                let trialID = matrix.trials[column]
                var values: [[String: Any]] = []
                for value in cell.values {
                    let footnote = !value.evidence.isEmpty && !rowsWithoutFootnotes.contains(row.key)
                    let sources = value.evidence.map { e -> [String: Any] in
                        ["file": esc(e.file), "locator": esc(e.locator), "quote": esc(excerpt(e.quote))]
                    }
                    var item: [String: Any] = [
                        "text": esc(value.text),
                        "hasRef": footnote,
                        "ref": "",
                        "refID": "",
                        "backID": "",
                        "hover": esc(hover(value.evidence)),
                        "hasHover": !value.evidence.isEmpty,
                    ]
                    if footnote {
                        let n = evidence.count + 1
                        item["ref"] = n
                        item["refID"] = "ev-\(n)"
                        item["backID"] = "ref-\(n)"
                        evidence.append([
                            "ref": n,
                            "refID": "ev-\(n)",
                            "backID": "ref-\(n)",
                            "trial": esc(trialID),
                            "trialAnchor": trialAnchors[column],
                            "parameter": esc(row.label),
                            "key": row.key,
                            "value": esc(value.text),
                            "sources": positioned(sources),
                        ])
                    }
                    values.append(item)
                }
                cells.append([
                    "trial": esc(trialID),
                    "isEmpty": cell.isEmpty,
                    "values": positioned(values),
                ])
            }
            rows.append([
                "key": row.key,
                "label": esc(row.label),
                "differs": row.differs,
                "comparable": row.comparable,
                "cells": cells,
            ])
        }

        let columns = matrix.trials.enumerated().map { i, id -> [String: Any] in
            ["id": esc(id), "anchor": trialAnchors[i]]
        }

        let inputs = landscape.inputs.map { input -> [String: Any] in
            [
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
        let findingGroups = landscape.trials.enumerated().compactMap { i, trial -> [String: Any]? in
            let items = landscape.findings(for: trial.id.value).sorted { $0.severity.rank < $1.severity.rank }
            guard !items.isEmpty else { return nil }
            return [
                "trial": esc(trial.id.value), "anchor": trialAnchors[i],
                "items": positioned(items.map { findingItem($0, esc: esc) }),
            ]
        }
        let findingsByTrial = Dictionary(grouping: landscape.findings, by: \.trial)
        let groups = landscape.changes.map(ChangesContext.groups) ?? []
        let changesByTrial = Dictionary(grouping: groups.filter { !$0.trial.isEmpty }, by: \.trial)

        let recordsPerFile = Dictionary(landscape.inputs.map { ($0.file, $0.records) }, uniquingKeysWith: max)
        let trials = landscape.trials.enumerated().map { i, trial in
            var section = trialSection(trial, anchor: trialAnchors[i], recordsPerFile: recordsPerFile, esc: esc)
            let items = (findingsByTrial[trial.id.value] ?? []).sorted { $0.severity.rank < $1.severity.rank }
            section["findings"] = positioned(items.map { findingItem($0, esc: esc) })
            section["hasFindings"] = !items.isEmpty
            let trialChanges = ChangesContext.context(changesByTrial[trial.id.value] ?? [], esc: esc)
            section["changes"] = trialChanges
            section["hasChanges"] = !trialChanges.isEmpty
            return section
        }

        let recordCount = landscape.trials.reduce(0) { $0 + $1.records.count }
        var summary = summarySentence(
            trials: landscape.trials.count, inputs: landscape.inputs.count, records: recordCount,
            failures: failures.count, differing: differing, compared: comparedCount)

        if let selection = landscape.selection {
            summary = "Selected by \(selection.criteria): \(selection.recordsMatched) of "
                + "\(plural(selection.recordsRead, "record")) read from \(plural(selection.inputsRead, "input file")) matched; "
                + "only the input files with matching records are listed. " + summary
        }
        return [
            "title": esc("Trial landscape"),
            "summary": esc(summary),
            "trialCount": landscape.trials.count,
            "inputCount": landscape.inputs.count,
            "recordCount": recordCount,
            "inputs": positioned(inputs),
            "hasInputs": !inputs.isEmpty,
            "failures": positioned(failures),
            "hasFailures": !failures.isEmpty,
            "matrix": [
                "trials": positioned(columns),
                "rows": positioned(rows),
                "hasRows": !rows.isEmpty,
                "hasDiffering": !differing.isEmpty,
                "differing": esc(differing.joined(separator: ", ")),
                "hasUnstated": !unstated.isEmpty,
                "unstated": esc(unstated.joined(separator: ", ")),
            ] as [String: Any],
            "evidence": evidence,
            "hasEvidence": !evidence.isEmpty,
            "trials": positioned(trials),
            "hasTrials": !trials.isEmpty,
            "findings": positioned(findingGroups),
            "hasFindings": !findingGroups.isEmpty,
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
