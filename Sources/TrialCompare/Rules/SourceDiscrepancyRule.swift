import Foundation
import TrialModel

/// Catches parameters whose values differ between the sources of one trial (a registry export
/// and a mirror page, or two downloads of different dates), side by side with every quote, so a
/// reviewer can tell which source is current.
///
/// Values are compared by meaning, not by spelling: statuses, phases and sexes after
/// normalization ("Recruiting" = "RECRUITING"), ages in years ("18 Years" = "≥ 18 years old"),
/// dates at their common precision ("2018-06" = "2018-06-30"), titles and sponsors ignoring case
/// and punctuation (a sponsor list that contains the other source's sponsor agrees with it: RSS
/// feeds list sponsor and collaborators together). Values read from the criteria (age bands,
/// thresholds) agree when each source's criteria text contains the other's quotes: then the
/// texts say the same and only their layout differs. A parameter only one source states is not
/// a discrepancy. A planned and an
/// actual enrollment measure different things: "planned N → actual M" is a note, not a
/// discrepancy. The last-update date differs between downloads by nature and is not compared.
struct SourceDiscrepancyRule: TrialRule {
    let id = "source-discrepancy"

    /// One source's statement of a parameter: its comparison key, how it reads, its quotes.
    private struct Statement {
        var source: SourceRef
        var key: String
        var display: String
        var evidence: [Evidence]
        /// The record's criteria text, whitespace-collapsed, for `.criteriaQuotes`.
        var criteriaText: String
    }

    /// How two statements of a parameter are compared.
    private enum Agreement: Sendable {
        case exact
        /// Equal at the common precision of ISO dates.
        case datePrefix
        /// One normalized value contains the other.
        case containment
        /// Equal, or each statement's quotes occur in the other record's criteria.
        case criteriaQuotes
    }

    func check(_ trial: Trial) -> [Finding] {
        guard trial.records.count > 1 else { return [] }
        var findings: [Finding] = []
        for parameter in Self.parameters + Self.perMeasure(trial) {
            var statements: [Statement] = []
            for r in trial.records {
                let values = parameter.values(r.parameters)
                guard !values.isEmpty else { continue }
                let keys = values.map(\.key)
                statements.append(
                    Statement(
                        source: r.source, key: keys.sorted().joined(separator: " | "),
                        display: values.map(\.display).joined(separator: "; "),
                        evidence: values.flatMap(\.evidence),
                        criteriaText: r.parameters.criteria.map(\.text).joined(separator: "\n").collapsingWhitespace))
            }
            guard statements.count > 1, !Self.agree(statements, parameter.agreement) else { continue }
            if parameter.name == "enrollment", let note = enrollmentNote(trial, statements) {
                findings.append(note)
                continue
            }
            let sides = statements.map { "\($0.display) in \($0.source.file)" }
            let message = "Sources disagree on \(parameter.name): \(sides.joined(separator: " vs ")); check which source is current."
            findings.append(
                Finding(
                    rule: id, severity: .warning, trial: trial.id.value, message: message,
                    evidence: statements.flatMap(\.evidence)))
        }
        return findings
    }

    /// True when every statement agrees with the first (see `Agreement`).
    private static func agree(_ s: [Statement], _ mode: Agreement) -> Bool {
        let first = s[0]
        return s.dropFirst().allSatisfy { other in
            if other.key == first.key { return true }
            switch mode {
            case .exact:
                return false
            case .datePrefix:
                let n = min(first.key.count, other.key.count)
                return first.key.prefix(n) == other.key.prefix(n)
            case .containment:
                return first.key.contains(other.key) || other.key.contains(first.key)
            case .criteriaQuotes:
                return first.evidence.allSatisfy { other.criteriaText.contains($0.quote) }
                    && other.evidence.allSatisfy { first.criteriaText.contains($0.quote) }
            }
        }
    }

    /// Planned in one source and actual in another, with no two sources of one type disagreeing:
    /// the trial has simply finished recruiting.
    private func enrollmentNote(_ trial: Trial, _ statements: [Statement]) -> Finding? {
        var planned: [(Int, Statement)] = []
        var actual: [(Int, Statement)] = []
        for r in trial.records {
            guard let s = statements.first(where: { $0.source == r.source }) else { continue }
            for e in r.parameters.enrollment {
                switch e.value.type {
                case .planned: planned.append((e.value.count, s))
                case .actual: actual.append((e.value.count, s))
                case nil: return nil
                }
            }
        }
        guard !planned.isEmpty, !actual.isEmpty, Set(planned.map(\.0)).count == 1, Set(actual.map(\.0)).count == 1 else { return nil }
        let message =
            "Enrollment changed from planned \(planned[0].0) (\(planned[0].1.source.file)) to actual \(actual[0].0) (\(actual[0].1.source.file)): a planned target and an actual count, not a discrepancy; the report should say which it shows."
        return Finding(rule: id, severity: .note, trial: trial.id.value, message: message, evidence: statements.flatMap(\.evidence))
    }

    // MARK: Parameters compared

    private struct Value {
        var key: String
        var display: String
        var evidence: [Evidence]
    }

    private struct Parameter: Sendable {
        var name: String
        var agreement: Agreement = .exact
        var values: @Sendable (TrialParameters) -> [Value]
    }

    private static func text<V>(_ list: [Measured<V>], key: (V) -> String, display: (V) -> String) -> [Value] {
        var out: [Value] = []
        for m in list {
            let k = key(m.value)
            if let i = out.firstIndex(where: { $0.key == k }) {
                out[i].evidence += m.evidence
            } else {
                out.append(Value(key: k, display: display(m.value), evidence: m.evidence))
            }
        }
        return out
    }

    /// Lower-case words joined by single spaces: case and punctuation do not count.
    static func normalized(_ s: String) -> String { RuleText.words(s).joined(separator: " ") }

    private static func ageKey(_ a: AgeRange) -> String {
        "\(a.minYears.map(Display.number) ?? "-")…\(a.maxYears.map(Display.number) ?? "-")"
    }

    /// One parameter per threshold measure and per dose agent, so that a source stating fewer
    /// criteria (a mirror page cut short) is not a discrepancy, in order of first appearance.
    private static func perMeasure(_ trial: Trial) -> [Parameter] {
        var measures: [String] = []
        var agents: [String] = []
        for r in trial.records {
            for t in r.parameters.thresholds where !measures.contains(t.value.measure) { measures.append(t.value.measure) }
            for d in r.parameters.doses where !agents.contains(d.value.agent) { agents.append(d.value.agent) }
        }
        return measures.map { measure in
            Parameter(name: "\(measure) threshold", agreement: .criteriaQuotes) { p in
                text(
                    p.thresholds.filter { $0.value.measure == measure },
                    // By meaning: an inclusion "≥ 45 %" and an exclusion "< 45 %" are one limit.
                    key: { "\($0.cohort ?? "")|\($0.bound.rawValue)|\(Display.number($0.value))|\($0.unit)" }, display: \.display)
            }
        }
            + agents.map { agent in
                Parameter(name: "\(agent) dose") { p in text(p.doses(agent), key: \.display, display: \.display) }
            }
    }

    private static let parameters: [Parameter] = [
        Parameter(name: "title") { text($0.titles, key: normalized, display: RuleText.quoted) },
        Parameter(name: "sponsor", agreement: .containment) { text($0.sponsors, key: normalized, display: { $0 }) },
        Parameter(name: "status") { text($0.statuses, key: \.rawValue, display: \.label) },
        Parameter(name: "phase") { text($0.phases, key: normalized, display: { $0 }) },
        Parameter(name: "study type") { text($0.studyTypes, key: normalized, display: { $0 }) },
        Parameter(name: "enrollment") { text($0.enrollment, key: { "\($0.count)" }, display: \.display) },
        Parameter(name: "start date", agreement: .datePrefix) { text($0.startDates, key: { $0 }, display: { $0 }) },
        Parameter(name: "primary completion date", agreement: .datePrefix) { text($0.primaryCompletionDates, key: { $0 }, display: { $0 }) },
        Parameter(name: "completion date", agreement: .datePrefix) { text($0.completionDates, key: { $0 }, display: { $0 }) },
        Parameter(name: "age band") { text($0.ageStructured, key: ageKey, display: \.display) },
        Parameter(name: "age band in the criteria", agreement: .criteriaQuotes) { text($0.ageInCriteria, key: ageKey, display: \.display) },
        Parameter(name: "sex") { text($0.sex, key: \.rawValue, display: \.label) },
        Parameter(name: "conditions") { p in
            let names = p.conditions.map { normalized($0.value) }.sorted()
            guard !names.isEmpty else { return [] }
            return [
                Value(
                    key: names.joined(separator: "; "), display: p.conditions.map(\.value).joined(separator: ", "),
                    evidence: p.conditions.flatMap(\.evidence))
            ]
        },
    ]
}
