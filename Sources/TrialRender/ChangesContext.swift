import Foundation
import TrialCompare
import TrialModel

/// Turns a ``ChangeSet`` into groups of lines for the "What changed" sections, `changes.md` and
/// the plain-text output of `--dry-run` / `trialdiff diff`. One group per added/removed list,
/// per changed trial and for the inputs; each line may carry before/after quotes.
public enum ChangesContext {
    public struct Quote: Sendable, Hashable {
        /// "before" or "after".
        public var label: String
        public var evidence: Evidence
    }

    public struct Line: Sendable, Hashable {
        public var text: String
        public var quotes: [Quote]
    }

    public struct Group: Sendable, Hashable {
        /// Trial display ID for trial groups, empty for the others.
        public var trial: String
        public var heading: String
        public var lines: [Line]
    }

    /// One sentence: the baseline note, "no changes", or the change counts.
    public static func summary(_ changes: ChangeSet) -> String {
        if let run = changes.unchangedSince {
            if changes.isBaseline {
                let trials = ReportContext.plural(changes.trialsAdded.count, "trial")
                let inputs = ReportContext.plural(changes.inputs.added.count, "input")
                return "No changes since run \(run), the first run (the baseline: \(trials) from \(inputs))."
            }
            return "No changes since run \(run). The last change, in run \(run): \(changes.summary)."
        }
        if changes.isBaseline {
            let trials = ReportContext.plural(changes.trialsAdded.count, "trial")
            let inputs = ReportContext.plural(changes.inputs.added.count, "input")
            return "First run: this is the baseline (\(trials) from \(inputs)). "
                + "Later runs report what changed since the previous one."
        }
        if changes.isEmpty { return "No changes since the previous run." }
        return "Since the previous run: \(changes.summary)."
    }

    public static func groups(_ changes: ChangeSet) -> [Group] {
        guard !changes.isBaseline else { return [] }
        var groups: [Group] = []
        func ref(_ t: TrialRef) -> String { t.title.isEmpty ? t.id : "\(t.id) — \(t.title)" }
        if !changes.trialsAdded.isEmpty {
            groups.append(Group(trial: "", heading: "Trials added", lines: changes.trialsAdded.map { Line(text: ref($0), quotes: []) }))
        }
        if let stale = changes.trialsStale, !stale.isEmpty {
            groups.append(
                Group(
                    trial: "", heading: "Trials kept from the previous run (their input could not be read this time)",
                    lines: stale.map { Line(text: ref($0), quotes: []) }))
        }
        if !changes.trialsRemoved.isEmpty {
            groups.append(Group(trial: "", heading: "Trials removed", lines: changes.trialsRemoved.map { Line(text: ref($0), quotes: []) }))
        }
        for t in changes.trialsChanged {
            var lines: [Line] = []
            for p in t.parameters {
                let old = p.old.map(\.text).joined(separator: "; ")
                let new = p.new.map(\.text).joined(separator: "; ")
                let text = "\(p.label): \(old.isEmpty ? "not stated" : old) → \(new.isEmpty ? "not stated" : new)"
                let quotes =
                    p.removedValues.flatMap { v in v.evidence.map { Quote(label: "before", evidence: $0) } }
                    + p.addedValues.flatMap { v in v.evidence.map { Quote(label: "after", evidence: $0) } }
                lines.append(Line(text: text, quotes: quotes))
            }
            for f in t.findingsNew {
                lines.append(Line(text: "New finding (\(f.severity.rawValue), \(f.rule)): \(f.message)", quotes: []))
            }
            for f in t.findingsResolved {
                lines.append(Line(text: "Resolved finding (\(f.severity.rawValue), \(f.rule)): \(f.message)", quotes: []))
            }
            groups.append(Group(trial: t.id, heading: t.title.isEmpty ? t.id : "\(t.id) — \(t.title)", lines: lines))
        }
        let i = changes.inputs
        var inputLines: [Line] = []
        inputLines += i.added.map { Line(text: "Added: \($0.path)", quotes: []) }
        inputLines += i.removed.map { Line(text: "Removed: \($0.path)", quotes: []) }
        inputLines += i.modified.map { Line(text: "Modified: \($0.path)", quotes: []) }
        inputLines += i.renamed.map { Line(text: "Renamed: \($0.from) → \($0.to) (same content)", quotes: []) }
        if !inputLines.isEmpty { groups.append(Group(trial: "", heading: "Input files", lines: inputLines)) }
        return groups
    }

    /// The groups as Mustache context, strings prepared with `esc`.
    static func context(_ groups: [Group], esc: (String) -> String) -> [[String: Any]] {
        ReportContext.positioned(
            groups.map { g in
                [
                    "trial": esc(g.trial),
                    "heading": esc(g.heading),
                    "lines": ReportContext.positioned(
                        g.lines.map { l in
                            [
                                "text": esc(l.text),
                                "hasQuotes": !l.quotes.isEmpty,
                                "quotes": ReportContext.positioned(
                                    l.quotes.map { q in
                                        [
                                            "label": q.label, "file": esc(q.evidence.file),
                                            "locator": esc(q.evidence.locator),
                                            "quote": esc(ReportContext.excerpt(q.evidence.quote)),
                                        ]
                                    }),
                            ]
                        }),
                ]
            })
    }
}

/// Plain-text rendering of a change set (stdout of `--dry-run` and `trialdiff diff`).
public enum ChangeText {
    public static func render(_ changes: ChangeSet) -> String {
        var out = ChangesContext.summary(changes) + "\n"
        for g in ChangesContext.groups(changes) {
            out += "\n\(g.heading)\n"
            for l in g.lines {
                out += "  - \(l.text)\n"
                for q in l.quotes { out += "      \(q.label): \(q.evidence.file) (\(q.evidence.locator)): “\(q.evidence.quote)”\n" }
            }
        }
        return out
    }
}

/// The `changes.json` document: `schema` (`"trialdiff/changes@1"`), `summary` (one line) and
/// `changes` (the ``ChangeSet``: `isBaseline`, `inputs` added/removed/modified/renamed,
/// `trialsAdded`, `trialsRemoved`, `trialsChanged` with per-parameter `old`/`new` values and
/// their evidence, and new/resolved findings).
public struct ChangesDocument: Codable, Sendable, Hashable {
    public static let schemaID = "trialdiff/changes@1"
    public var schema: String
    public var summary: String
    public var changes: ChangeSet

    public init(_ changes: ChangeSet) {
        schema = Self.schemaID
        summary = changes.summary
        self.changes = changes
    }

    /// Stable JSON text ending in a newline.
    public func encoded() throws -> String { try StableJSON.encode(self) }
}
