import Foundation
import TrialModel
import TrialSupport

/// Catches text that belongs to another protocol, left behind when a record was written by
/// copying an older one:
///
/// - a product code presented as this trial's study drug ("…that prevents administration of
///   BIIB059") in the criteria, while the code appears nowhere else in the record and the trial's
///   own product or interventions are known;
/// - a disease named as the trial's own subject ("any significant medical condition, other than
///   lupus, that…") that the title, conditions, keywords and summary never mention;
/// - an objective in the summary or description about a disease that shares no word with the
///   title and conditions, while another objective of the same text does match them (seed 002:
///   "…for the treatment of relapsed/refractory B-cell related autoimmune diseases" next to
///   "…for the treatment of refractory immune thrombocytopenia").
///
/// General mentions of other drugs ("prior rituximab", "previous treatment with AMG 531") are
/// not foreign text and are not flagged.
struct ForeignTextRule: RecordRule {
    let id = "foreign-text"

    /// Group 1: a product code introduced as what is administered in this trial.
    static let studyDrugCode = RulePattern(
        #"(?:\b(?:administration|administering|dosing|first\s+dose|last\s+dose|infusion|injection)\s+of\s+(?:the\s+)?(?:study\s+(?:drug|treatment|intervention|medication|product)\s+)?|\bstudy\s+(?:drug|treatment|intervention|medication|product)\s*\(?\s*)((?-i:[A-Z]{2,5}[- ]?\d{2,7}[A-Z]?))(?![\w-])"#,
        caseSensitive: false)
    private static let priorUse = RulePattern(
        #"\b(?:prior|previous(?:ly)?|history\s+of|received|receiving|exposure\s+to|treated\s+with|since)\b[^.;]{0,40}$"#)
    /// Code prefixes that are not products (antigens, viruses, registries, scales).
    private static let notProducts: Set<String> = [
        "NCT", "CD", "IL", "HLA", "COVID", "SARS", "ICD", "HPV", "HIV", "HBV", "HCV", "HSV", "EBV", "CMV", "RSV",
        "ISO", "CTCAE", "RECIST", "NYHA", "ECOG", "WHO", "AJCC", "BMI", "PD", "PDL", "CTLA", "TNF", "VEGF", "EGFR",
        "HER", "FGFR", "KRAS", "BRAF", "COX", "CYP", "UGT", "MDR", "DAS", "PHQ", "GAD", "SF", "EQ",
    ]

    /// Group 1: the disease named as the trial's own subject.
    private static let otherThan = RulePattern(
        #"\b(?:condition|disease|illness|disorder)s?(?:\s*+,\s++|\s++)other\s++than\s++(?:the\s++)?(?:patient'?s\s++|subject'?s\s++)?([A-Za-z][A-Za-z' -]{2,40}?)\s*+(?:,|\(|;|\.|\bthat\b|\bwhich\b|\bsuch\b|\bwho\b|$)"#
    )

    /// Group 1: the disease an objective is about.
    /// (The word boundary and "in" are written once, not in each alternative: the same matches,
    /// and ICU tries the alternatives at half the cost.)
    static let objective = RulePattern(
        #"\b(?:treatment\s+of|in\s+(?:patients|subjects|participants)\s+with)\s+([^.;,()\n]{4,80})"#)
    /// Characters no `objective` match contains (its phrase stops before them), and the words
    /// of which one always does (each alternative names one; "with" alone is too common to
    /// narrow the search).
    static let objectiveBreaks = ASCIISet(".;,()")
    static let objectiveCues: [StaticString] = ["treatment", "patients", "subjects", "participants"]
    /// The words every `objective` match opens with (after `\b`, before white space).
    static let objectiveOpeners: [StaticString] = ["treatment", "in"]
    private static let phraseEnd = RulePattern(
        #"\b(?:who|that|which|will|is|are|was|were|to|by|at|after|before|using|with|from|than|in|on|for|as)\b"#)
    /// Words that say nothing about which disease a phrase is about.
    private static let generic: Set<String> = [
        "relapsed", "refractory", "relapsing", "recurrent", "patient", "subject", "participant", "treatment",
        "disease", "related", "advanced", "severe", "moderate", "moderately", "severely", "active", "newly",
        "diagnosed", "with", "other", "associated", "induced", "cell", "adult", "children", "pediatric", "their",
        "condition", "disorder", "primary", "secondary", "chronic", "acute", "stage", "previously", "untreated",
        "treated", "certain", "various", "selected", "this", "these", "those", "such", "high", "risk", "type",
    ]

    func check(_ source: SourceRecord, _ record: TrialRecord) -> [Finding] {
        var findings: [Finding] = []
        let trial = record.primaryID.value
        // Built when a check first needs them (most records give it nothing to check): the
        // trial's own words, the summary's and description's words, and the record's other text
        // with codes normalized (needed only when a criterion names a code; the costly part).
        lazy var subject = Self.vocabulary(source, keys: [.title, .officialTitle, .condition, .keyword])
        lazy var summaryWords = Self.vocabulary(source, keys: [.summary, .description])
        lazy var ownText = Self.normalizedCodes(
            source.fields.filter {
                $0.key != .criteria && $0.key != .inclusionCriteria && $0.key != .exclusionCriteria && $0.key != .unclassified
            }
            .map(\.value).joined(separator: " "))
        let ownProducts = record.parameters.products.map(\.value) + record.parameters.interventions.map(\.value)

        for criterion in record.parameters.criteria {
            // A product code presented as this trial's study drug.
            if !ownProducts.isEmpty {
                let cue =
                    Prefilter.mayContain(criterion.text, ["administ", "dosing", "dose", "infusion", "injection", "study"])
                    && Self.mayHoldCode(criterion.text)
                for m in cue ? Self.studyDrugCode.matches(in: criterion.text) : [] {
                    guard let code = m.group(1) else { continue }
                    let prefix = String(code.prefix(while: { $0.isLetter })).uppercased()
                    guard code.first?.isUppercase == true, !Self.notProducts.contains(prefix) else { continue }
                    if ownText.contains(Self.normalizedCode(code)) { continue }
                    if Self.priorUse.matches(m.before(60)) { continue }
                    let products = RuleText.list(record.parameters.products.map(\.value).map(RuleText.quoted))
                    let own = products.isEmpty ? "the interventions listed" : products
                    let message =
                        "\(RuleText.name(of: criterion)) names \(RuleText.quoted(code)) as the drug administered (\(RuleText.quoted(m.sentence(limit: 120)))), but this trial tests \(own): text probably copied from another protocol."
                    findings.append(
                        Finding(
                            rule: id, severity: .warning, trial: trial, message: message,
                            evidence: [criterion.evidence] + Trial.evidence(record.parameters.products)))
                }
            }
            // A disease named as the trial's own subject.
            for m in Prefilter.mayContain(criterion.text, ["than"]) ? Self.otherThan.matches(in: criterion.text) : [] {
                guard !subject.isEmpty, let disease = m.group(1)?.trimmingSpaces else { continue }
                let words = Self.contentWords(disease)
                guard !words.isEmpty, !words.contains(where: { subject.contains($0) || summaryWords.contains($0) }) else { continue }
                let message =
                    "\(RuleText.name(of: criterion)) speaks of a medical condition “other than \(disease)” as if \(disease) were this trial's disease, but the title and conditions never mention it: text probably copied from another protocol."
                findings.append(
                    Finding(
                        rule: id, severity: .warning, trial: trial, message: message,
                        evidence: [criterion.evidence] + Trial.evidence(record.parameters.titles) + Trial.evidence(record.parameters.conditions)))
            }
        }

        // An objective about another disease than the one the rest of the record is about.
        // A finding needs two objectives, one about the trial's subject and one not.
        var objectives: [(RuleMatch, SourceField)] = []
        for field in source.fields where field.key == .summary || field.key == .description {
            for m in Self.objective.matches(in: field.value, between: Self.objectiveBreaks, cues: Self.objectiveCues, openers: Self.objectiveOpeners)
            {
                objectives.append((m, field))
            }
        }
        guard objectives.count >= 2, !subject.isEmpty else { return findings }
        var phrases: [(phrase: String, matches: Bool, evidence: Evidence)] = []
        for (m, field) in objectives {
            guard let raw = m.group(1) else { continue }
            var phrase = raw
            if let end = Self.phraseEnd.firstMatch(in: raw) {
                phrase = (raw as NSString).substring(to: end.range.location)
            }
            phrase = phrase.trimmingSpaces
            let words = Self.contentWords(phrase)
            guard !words.isEmpty else { continue }
            let quote = m.sentence()
            phrases.append(
                (phrase, words.contains { subject.contains($0) }, RuleText.evidence(source, field, offset: m.range.location, quote: quote)))
        }
        if let matching = phrases.first(where: \.matches) {
            var reported: [String] = []
            for p in phrases where !p.matches && !reported.contains(p.phrase.lowercased()) {
                reported.append(p.phrase.lowercased())
                let message =
                    "The summary states an objective about \(RuleText.quoted(p.phrase)), which the title and conditions never mention, while it elsewhere names \(RuleText.quoted(matching.phrase)): text probably copied from another protocol."
                findings.append(
                    Finding(
                        rule: id, severity: .warning, trial: trial, message: message,
                        evidence: [p.evidence, matching.evidence] + Trial.evidence(record.parameters.titles)
                            + Trial.evidence(record.parameters.conditions)))
            }
        }
        return findings
    }

    /// Singular lower-case content words of `text` (four letters or more, not generic).
    static func contentWords(_ text: String) -> [String] {
        RuleText.words(text).map(singular).filter { $0.count >= 4 && !generic.contains($0) && !$0.allSatisfy(\.isNumber) }
    }

    private static func singular(_ w: String) -> String {
        w.count > 4 && w.hasSuffix("s") && !w.hasSuffix("ss") && !w.hasSuffix("is") ? String(w.dropLast()) : w
    }

    /// False when `text` holds nothing shaped like `studyDrugCode`'s code: an ASCII capital, an
    /// optional hyphen or space, then two digits (a non-ASCII character counts as a possible
    /// digit). Most criteria that mention the study or a dose name no code.
    static func mayHoldCode(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { b in
            let n = b.count
            func isDigit(_ i: Int) -> Bool { i < n && ((b[i] >= 0x30 && b[i] <= 0x39) || b[i] >= 0x80) }
            for i in 0..<n where b[i] >= 0x41 && b[i] <= 0x5A {
                var j = i + 1
                if j < n, b[j] == 0x2D || b[j] == 0x20 { j += 1 }
                if isDigit(j), isDigit(j + 1) { return true }
            }
            return false
        }
    }

    /// Singular words of the fields with `keys`.
    private static func vocabulary(_ source: SourceRecord, keys: Set<FieldKey>) -> Set<String> {
        Set(source.fields.filter { keys.contains($0.key) }.flatMap { RuleText.words($0.value).map(singular) })
    }

    private static func normalizedCode(_ code: String) -> String {
        code.uppercased().filter { $0.isLetter || $0.isNumber }
    }

    /// `text` upper-cased with only letters and digits kept, so "BIIB 059" and "BIIB-059" match.
    private static func normalizedCodes(_ text: String) -> String {
        text.uppercased().filter { $0.isLetter || $0.isNumber }
    }
}
