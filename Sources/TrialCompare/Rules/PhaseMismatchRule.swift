import Foundation
import TrialModel

/// Catches a structured phase that the record's own title or summary contradicts ("A Phase II
/// Study…" while the registry says Phase 1): reports group trials by phase, so a wrong one
/// misplaces the trial.
///
/// A record rule, because the summary is source text rather than a parameter. Titles count every
/// phase they name; summaries only a phase said of this study ("This phase 2 trial…"), not of
/// other trials ("results of phase 1 studies"). Overlapping phases agree ("Phase 1/2" vs
/// Phase 1), Early Phase 1 agrees with Phase 0 and Phase 1, and "pilot" or "first-in-human" are
/// not phases. When the registry says N/A (not a drug trial), "Phase 2" in a title usually names
/// a stage of a programme, so the finding is only a note.
struct PhaseMismatchRule: RecordRule {
    let id = "phase-mismatch"

    /// Group 1 the first phase, 2 the second of "I/II", "1-2", "2 and 3".
    static let phase = RulePattern(
        #"\bphase[\s-]*(0|iv|i{1,3}|[1-4])(?:[ab])?\b(?:\s*(?:/|-|–|to|and|or)\s*(?:phase\s*)?(iv|i{1,3}|[1-4])(?:[ab])?\b)?"#,
        cues: ["phase"])
    /// After the phase: "… study", "… clinical trial", "… dose escalation part".
    private static let ownStudy = RulePattern(#"^\s*,?\s*(?:[\w-]+[\s,]+){0,4}?(?:study|trial|portion|part)\b"#)
    /// Before the phase, in its sentence: an article or "this".
    private static let ownOpening = RulePattern(#"\b(?:this|a|an|the\s+present|the\s+current)\b[^.;]{0,80}$"#)
    private static let otherTrials = RulePattern(
        #"\b(?:previous|prior|earlier|completed|results|were|was|have\s+shown|has\s+shown|published|preceding|parent|pivotal|ongoing|registration)\b"#
    )

    func check(_ source: SourceRecord, _ record: TrialRecord) -> [Finding] {
        let structured = record.parameters.phases
        guard !structured.isEmpty else { return [] }
        var mentions: [(phases: Set<Int>, text: String, evidence: Evidence)] = []
        for field in source.fields where [.title, .officialTitle, .acronym, .summary].contains(field.key) {
            for m in Self.phase.matches(in: field.value) {
                let numbers = Self.numbers(m)
                guard !numbers.isEmpty else { continue }
                if field.key == .summary {
                    let sentence = m.sentence()
                    guard Self.ownStudy.matches(m.after(60)), Self.ownOpening.matches(m.before(100)),
                        !Self.otherTrials.matches(sentence)
                    else { continue }
                }
                mentions.append(
                    (numbers, m.text.collapsingWhitespace, RuleText.evidence(source, field, offset: m.range.location, quote: m.sentence())))
            }
        }
        var findings: [Finding] = []
        for s in structured {
            let own = Self.numbers(structured: s.value)
            guard !own.isEmpty || s.value == "N/A" else { continue }
            let disagreeing = mentions.filter { own.isDisjoint(with: $0.phases) }
            guard !disagreeing.isEmpty else { continue }
            var texts: [String] = []
            for d in disagreeing where !texts.contains(d.text) { texts.append(d.text) }
            var evidence = s.evidence
            for d in disagreeing where !evidence.contains(d.evidence) { evidence.append(d.evidence) }
            let severity: Severity = s.value == "N/A" ? .note : .warning
            let message =
                "Structured phase is \(s.value) but the title or summary says \(RuleText.list(texts.map(RuleText.quoted))): check the phase."
            findings.append(Finding(rule: id, severity: severity, trial: record.primaryID.value, message: message, evidence: evidence))
        }
        return findings
    }

    /// Phase numbers of a match: "Phase I/II" → {1, 2}; "Phase 2-3" → {2, 3}.
    private static func numbers(_ m: RuleMatch) -> Set<Int> {
        var out: Set<Int> = []
        for i in [1, 2] {
            switch m.group(i)?.lowercased() {
            case "0": out.insert(0)
            case "i", "1": out.insert(1)
            case "ii", "2": out.insert(2)
            case "iii", "3": out.insert(3)
            case "iv", "4": out.insert(4)
            default: break
            }
        }
        return out
    }

    /// "Phase 1/Phase 2" → {1, 2}; "Early Phase 1" → {0, 1}; "N/A" → {}.
    private static func numbers(structured: String) -> Set<Int> {
        var out = Set(structured.compactMap(\.wholeNumberValue))
        if structured.lowercased().contains("early") { out.formUnion([0, 1]) }
        return out
    }
}
