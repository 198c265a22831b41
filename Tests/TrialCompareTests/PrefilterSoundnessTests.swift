import Foundation
import Testing
import TrialModel
import TrialSupport

@testable import TrialCompare
@testable import TrialExtraction

/// The cheap checks that run before the costliest patterns are optimizations only: on every
/// line and field of the real records and the seeds, a check that says "cannot match" must be
/// right. Each test also makes sure both outcomes occur, so it cannot pass vacuously.
@Suite struct PrefilterSoundnessTests {
    static let fields = (RuleFixtures.realdata + RuleFixtures.seeds).flatMap(\.source.fields).map(\.value)
    /// Every field, every line of every field and every extracted criterion's text.
    static let texts =
        fields + fields.flatMap { $0.split(separator: "\n").map(String.init) }
        + (RuleFixtures.realdata + RuleFixtures.seeds).flatMap(\.record.parameters.criteria).map(\.text)

    /// Runs a cheap `check` and the `match` it stands in front of over `texts`: a text the check
    /// skips must not match. Returns how many texts were skipped and how many matched.
    static func skippedAndMatched(
        _ texts: [String], _ what: String, check: (String) -> Bool, match: (String) -> Bool,
        sourceLocation: SourceLocation = #_sourceLocation
    ) -> (skipped: Int, matched: Int) {
        var skipped = 0
        var matched = 0
        for text in texts {
            let found = match(text)
            if found { matched += 1 }
            if !check(text) {
                skipped += 1
                #expect(!found, "\(what) in a text the check skips: \(text.prefix(200))", sourceLocation: sourceLocation)
            }
        }
        return (skipped, matched)
    }

    /// Age forms the gate must let through, some without any age word ("18y", "Patients under
    /// 18", "Women >18 yo", "18 ans ou plus").
    static let ageForms = [
        "Patients under 18", "≥18y", "Women >18 yo", "Patient aged 18 ans or more", "over 18 years", "Age 18 or older",
        "Adult kidney transplant recipients > 18 y.o.", "20 = Age < 80 years", "Men 18 years or older", "18-50 ages",
        "Any patient ≥18 who presents for a colonoscopy", "Infant is ≥1 and ≤6 month old", "children 7 and older",
        "Patients older than or equal to 18 years.", "Participants younger than or equal to 65 years old",
        "Being older than 18 ;", "55 and older", "Patients of both genders older than 6 months and younger than 80 years",
    ]

    @Test func ageGateNeverHidesABand() {
        let texts = Self.texts + Self.ageForms
        let found = Self.skippedAndMatched(texts, "age band", check: AgeExtractor.mayStateAge) { text in
            AgeExtractor.bandIgnoringGate(text, excluded: false) != nil || AgeExtractor.bandIgnoringGate(text, excluded: true) != nil
        }
        #expect(found.skipped > 1000)
        #expect(found.matched > 100)
        for form in Self.ageForms { #expect(AgeExtractor.bandIgnoringGate(form, excluded: false) != nil, "\(form)") }
    }

    /// Age bounds searched only around the numbers that may be ages are the bounds of the whole
    /// clause, on every real text and the age forms.
    @Test func ageWindowsNeverHideABound() {
        var found = 0
        for text in Self.texts + Self.ageForms where text.count < 4000 {
            let r = AgeExtractor.windowedBoundsAgree(text)
            #expect(r.agree, "age bounds differ in windows: \(text.prefix(200))")
            if r.found { found += 1 }
        }
        #expect(found > 50)
    }

    /// Comparator bounds ("≥ 18 years", "at least 60") searched around numbers only are those of
    /// the whole text, on every real text and the age forms.
    @Test func comparatorBoundsNearNumbersAreTheWholeTextBounds() {
        let crafted = [
            "equal to or greater than      the age of 18.5 months of age or younger", "≥18", "no older than 75 years and over",
            "Age 18 – 65 years, ≥ 40 kg; not more than 2.5 × ULN", "🧬🧬 ≥ 18 years 🧬 ≤ 70 years", "18",
            "at leaſt 18 years", "moreover 18 years", "≥\u{2003}the  age of\n18", "至少为18岁", "not to exceeding 65",
            "Age > or = to 18", "aged 18 years or older and younger than 75", "≥age18",
            "more or equal 18 years-old and less or equal 45 years-old", "greater or equal 18", "LESS OR EQUAL  the age of 65",
        ]
        var found = 0
        for text in Self.texts + Self.ageForms + crafted where text.count < 4000 {
            let r = AgeExtractor.comparatorBoundsNearNumbersAgree(text)
            #expect(r.agree, "comparator bounds differ near numbers: \(text.prefix(200))")
            if r.found { found += 1 }
        }
        #expect(found > 500)
    }

    /// "× ULN" limits searched before each "ULN" or "upper" only are those of the whole text.
    @Test func ulnLimitsNearTheirWordAreTheWholeTextLimits() {
        let crafted = [
            "ALT and AST not more than 2.5 times the institutional upper  limits of the normal range", "bilirubin ≤ 1.5 ×ULN",
            "AST/ALT ≤ 3 x ULN (≤ 5 x ULN with liver metastases); bilirubin < 2 mg/dL", "upper limit", "ULN ≤ 3",
        ]
        var found = 0
        for text in Self.texts + crafted where text.count < 4000 {
            let r = ThresholdExtractor.ulnNearWordsAgree(text)
            #expect(r.agree, "ULN limits differ near their word: \(text.prefix(200))")
            if r.found { found += 1 }
        }
        #expect(found > 20)
    }

    /// The string check for a conditional opening is the pattern's anchored match.
    @Test func conditionalOpeningIsThePatterns() {
        let crafted = [
            "For adolescents under 18", "  - if aged < 18", "In case of", "in  case", "Informed consent", "Format", "iff",
            "When", "unless 18", "forty", "(for patients", "For_x", "İf", "in cases",
        ]
        var hits = 0
        for text in Self.texts + crafted {
            let head = String(text.prefix(200))
            let expected = TextBuffer(head).firstMatch(AgeExtractor.conditional, anchored: true) != nil
            #expect(AgeExtractor.opensConditionally(head) == expected, "\(head.prefix(80))")
            if expected { hits += 1 }
        }
        #expect(hits > 10)
    }

    @Test func inlineMarkerCheckNeverHidesAMatch() {
        var skipped = 0
        var matched = 0
        for value in Self.fields {
            for raw in value.split(separator: "\n") {
                let line = raw.trimmingCharacters(in: .whitespaces)
                guard !line.isEmpty else { continue }
                let match = TextBuffer(line).firstMatch(CriteriaSplitter.inlineMarker) != nil
                if match { matched += 1 }
                if !CriteriaSplitter.mayHaveInlineMarker(Array(line.unicodeScalars)) {
                    skipped += 1
                    #expect(!match, "inline marker in a line the check skips: \(line)")
                }
            }
        }
        #expect(skipped > 1000)
        #expect(matched > 10)
    }

    /// Inline markers tried only at the starts the scan finds are every marker the search from
    /// left to right finds (ranges and groups), on every real line, from its start and from its
    /// middle, and on crafted lines with every alternative, other scripts and blanks.
    @Test func inlineMarkersAtTheirStartsAreTheWholeSearch() {
        let crafted = [
            "criteria: 1. Age; 2) ECOG; (3) LVEF. 4)Serum", "a; b Something; c) x (d) y", "Dose 60 mL/min.6)Serum creatinine",
            "说明：１. 年龄；（2）体重。3)其他", "x;   a Text;    b Text", "(i) one (ii) two; (iv)\tthree", "e.g. a) first, b. Second",
            "🧬; 1. A 🧬 (2) B 🧬 c) C", "\u{2003}a) x\u{00A0}(b) y", ".12) A", ";123. B", "end.\t\t\t(1) x", "",
        ]
        var lines: [String] = crafted
        for value in Self.fields {
            for raw in value.split(separator: "\n") { lines.append(raw.trimmingCharacters(in: .whitespaces)) }
        }
        var found = 0
        for line in lines {
            let buffer = TextBuffer(line)
            let starts = CriteriaSplitter.inlineMarkerStarts(Array(line.unicodeScalars))
            for from in [0, buffer.length / 2] {
                let range = NSRange(location: from, length: buffer.length - from)
                let whole = buffer.matches(CriteriaSplitter.inlineMarker, in: range).map(Self.allRanges)
                let tried = CriteriaSplitter.inlineMarkerMatches(buffer, starts: starts, in: range).map(Self.allRanges)
                #expect(tried == whole, "\(line.prefix(200))")
                found += whole.count
            }
        }
        #expect(found > 50)
    }

    static func allRanges(_ m: NSTextCheckingResult) -> [Int] {
        (0..<m.numberOfRanges).flatMap { [m.range(at: $0).location, m.range(at: $0).length] }
    }

    /// The objective pattern run only over the clauses that may hold a cue finds exactly what
    /// it finds over the whole text (ranges, phrases, quotes): on every real field, and on text
    /// with emoji (two UTF-16 units), accents, case-folding specials and breaks at the edges.
    @Test func windowedObjectiveMatchesAreTheWholeTextMatches() {
        let crafted = [
            "(Treatment of lupus) in patients with 🧬 severe SLE; in Patients With lupus nephritis, for the treatment of ITP.",
            "é 🧬🧬 treatment\nof  refractory immune thrombocytopenia. and the TREATMENT OF B-cell disease",
            ",in participants with, in subjects with ANCA vasculitis",
            "pretreatment of x. in patientswith y. treatment of",
            "",
            "ſtudy in patients with ſomething (treatment of ſevere diſease)",
            "Emoji 🧬🧬 first, then (treatment of lupus nephritis); é accents 🧪, then in patients with SLE",
            "intreatment of lupus, pretreatment of lupus; 9treatment of lupus; _in patients with lupus; IN\tPATIENTS WITH lupus nephritis",
            "treatment of\ngraft failure; (in participants with ITP) xin subjects with lupus; treatment  of  lupus;in subjects with lupus",
            "in patients with treatment of lupus; treatment in patients with lupus", "in", "treatment", "in ", "treatment of",
        ]
        var matched = 0
        var windowed = 0
        for value in Self.fields + crafted {
            let whole = ForeignTextRule.objective.matches(in: value)
            let windows = ForeignTextRule.objective.matches(
                in: value, between: ForeignTextRule.objectiveBreaks, cues: ForeignTextRule.objectiveCues)
            let parts = ForeignTextRule.objective.matches(
                in: value, between: ForeignTextRule.objectiveBreaks, cues: ForeignTextRule.objectiveCues,
                openers: ForeignTextRule.objectiveOpeners)
            for found in [windows, parts] {
                #expect(whole.map { [$0.range.location, $0.range.length] } == found.map { [$0.range.location, $0.range.length] }, "\(value)")
                #expect(whole.map { $0.group(1) } == found.map { $0.group(1) })
                #expect(whole.map { $0.sentence() } == found.map { $0.sentence() })
            }
            matched += whole.count
            if parts.contains(where: { $0.range.location > 0 }) { windowed += 1 }
        }
        #expect(matched > 20)
        #expect(windowed > 10, "matches found past the start of the text")
    }

    /// The scrape-debris rule's byte checks never skip a field its patterns match: every real
    /// field, and debris of every kind (also after case-folding specials and white space).
    @Test func debrisChecksNeverHideAMatch() {
        let crafted = [
            "{{SITE_NAME}}", "{SITE_NAME}", "{ABC}", "[[link text]]", "${x}", "send %s now", "value %d", "__TEMPLATE__",
            "9×10\\^9", "a \\< b", "x &amp; y", "&LT;", "&#38;", "&#x3b1;", "line<br>break", "< / p >", "<\n span class=x>",
            "<ſpan>", "<STRONG>", "≥ 50%", "[1]", "a_b", "< 18 years", "<=3", "& more", "% of", "100%d", "AT&T", "a&b",
        ]
        var skipped = [0, 0, 0]
        var matched = [0, 0, 0]
        for value in Self.fields + crafted {
            let may = ScrapeDebrisRule.mayHoldDebris(value)
            let matches = [
                !ScrapeDebrisRule.placeholder.matches(in: value).isEmpty, !ScrapeDebrisRule.entityOrTag.matches(in: value).isEmpty,
                !ScrapeDebrisRule.backslashEscape.matches(in: value).isEmpty,
            ]
            for (k, checked) in [may.placeholder, may.entityOrTag, may.backslash].enumerated() {
                if matches[k] { matched[k] += 1 }
                if !checked {
                    skipped[k] += 1
                    #expect(!matches[k], "pattern \(k) matches a field the check skips: \(value.prefix(200))")
                }
            }
        }
        #expect(skipped.allSatisfy { $0 > 1000 })
        #expect(matched.allSatisfy { $0 > 3 })
    }

    /// The debris check steps eight bytes at a time: each crafted case, shifted to every offset
    /// of two words by a neutral prefix, gives what it gives alone.
    @Test func debrisCheckIsTheSameAtEveryOffset() {
        let crafted = [
            "{{SITE_NAME}}", "[[link text]]", "send %s now", "value %d", "__TEMPLATE__", "a \\< b", "x &amp; y", "&#38;",
            "line<br>break", "<\n span class=x>", "< 18 years", "AT&T", "a&b", "a_b", "[1]", "% of", "|x|",
        ]
        for text in crafted {
            let alone = ScrapeDebrisRule.mayHoldDebris(text)
            for k in 0..<17 {
                let shifted = ScrapeDebrisRule.mayHoldDebris(String(repeating: ".", count: k) + text + String(repeating: ".", count: 9))
                #expect(shifted == alone, "\(text) after \(k) dots")
            }
        }
    }

    /// The digit scans step eight bytes at a time: they find what a scan of each byte or scalar
    /// finds, on every real text and with a digit at every offset of three words.
    @Test func digitScansAgreeWithScalarScans() {
        let shifted = (0..<24).flatMap { k in
            ["0", "9", ":", "/", "٣", "é"].map { String(repeating: "a", count: k) + $0 + String(repeating: "b", count: 24 - k) }
        }
        var withDigit = 0
        for text in Self.texts + shifted {
            let ascii = text.utf8.contains { $0 >= 0x30 && $0 <= 0x39 }
            #expect(Prefilter.hasASCIIDigit(text) == ascii, "\(text.prefix(80))")
            #expect(Prefilter.hasDigit(text) == text.unicodeScalars.contains { $0.properties.numericType == .decimal }, "\(text.prefix(80))")
            if ascii { withDigit += 1 }
        }
        #expect(withDigit > 1000)
        #expect(Prefilter.hasDigit("a٣b") && !Prefilter.hasASCIIDigit("a٣b"))
    }

    /// Entities and tags searched from each `&` and `<` only are those of the whole text.
    @Test func entityOrTagFromItsStartsIsTheWholeTextSearch() {
        let crafted = [
            "x &amp; y <br> z", "<\n span class=x>", "< / p >", "<" + String(repeating: " ", count: 39) + "br>",
            "&&&&amp;&lt;<<<<b>", "🧬<br/>🧬&#x3b1;", "<STRONG>a</STRONG>", "<a href='x'>", String(repeating: " ", count: 5000) + "&amp;",
        ]
        var found = 0
        for value in Self.fields + crafted {
            let whole = ScrapeDebrisRule.entityOrTag.matches(in: value).map { [$0.range.location, $0.range.length] }
            let started = ScrapeDebrisRule.entityOrTag.matches(
                in: value, startingWith: ScrapeDebrisRule.entityOrTagStarts, reach: ScrapeDebrisRule.entityOrTagReach
            ).map { [$0.range.location, $0.range.length] }
            #expect(whole == started, "\(value.prefix(200))")
            found += whole.count
        }
        #expect(found > 10)
    }

    /// The time-list check never skips a text in which the rule finds a repeated time point:
    /// every real field and line, and lists with words, other white space, case and decimals.
    @Test func timeListCheckNeverHidesARepeat() {
        let crafted =
            [
                "at 1, 3, 6, 12 and 12 months", "Day 1, 8 and 8", "weeks 4, 12, 12", "1,\n and 1 days", "Day 1, Day 8, Day 8",
                "at 3\u{00A0}and 3 months", "at 3 AND 3 weeks", "2.5, 2.5 hours", "2.5, 2.50 hours", "1 & 1 days", "１, １ days",
                "at 1, 3 and 6 months", "dayſ 1, dayſ 1", "6 months or 6 weeks", "Day 1 and\u{2003}Day 1", "14 days, 28 days, 14 days",
            ] + (0..<17).map { String(repeating: "x", count: $0) + " at 1, 3, 6, 12 and 12 months" }
        var texts = Self.fields + crafted
        for value in Self.fields { texts += value.split(separator: "\n").map(String.init) }
        var skipped = 0
        var repeats = 0
        var listsSkipped = 0
        for text in texts {
            var found = DuplicatedTimePointRule.trailingUnit.matches(in: text).compactMap { $0.group(1) }
            found += DuplicatedTimePointRule.leadingUnit.matches(in: text).compactMap { $0.group(2) }
            let repeated = found.contains { list in
                let values = DuplicatedTimePointRule.numberPattern.matches(in: list).map(\.text)
                return Set(values).count < values.count
            }
            if repeated { repeats += 1 }
            if !DuplicatedTimePointRule.mayHoldTimeList(text) {
                skipped += 1
                if !found.isEmpty { listsSkipped += 1 }
                #expect(!repeated, "repeated time point in a text the check skips: \(text.prefix(200))")
            }
        }
        #expect(skipped > 1000)
        #expect(listsSkipped > 20, "texts whose lists repeat nothing are skipped too")
        #expect(repeats >= 10)
    }

    /// Rule patterns with cues skip texts without any: on every real field, line and criterion,
    /// and on crafted text (upper case, case-folding specials, full-width signs), a text the
    /// cues skip is one the expression does not match. Each pattern is seen both matching and
    /// skipping.
    @Test(arguments: [
        ("sex-both", SexMismatchRule.both), ("female-only", SexMismatchRule.femaleOnly),
        ("male-only", SexMismatchRule.maleOnly), ("female-population", SexMismatchRule.femalePopulation),
        ("bare-equal", LostComparatorRule.bareEqual), ("phase", PhaseMismatchRule.phase),
    ])
    func ruleCuesNeverHideAMatch(name: String, pattern: RulePattern) {
        #expect(!pattern.cues.isEmpty)
        let crafted = [
            "MALE OR FEMALE", "Men and women aged 18", "Either SEX", "regardless of gender", "of any ſex", "FEMALE PATIENTS ONLY",
            "only men", "Women only", "Postmenopausal WOMEN with", "Girls aged 12", "Male participants only", "both genders",
            "Age: = 18", "ECOG ＝ 1", "HbA1c=7.5", "a Phase II study", "PHASE 1/2", "phase-3", "ﬀ", "K", "treatment",
            "commonly", "x ≤ 3", "paſe 1",
        ]
        func match(_ text: String) -> Bool {
            pattern.regex.firstMatch(in: text, range: NSRange(location: 0, length: (text as NSString).length)) != nil
        }
        let (skipped, matched) = Self.skippedAndMatched(Self.texts + crafted, name, check: pattern.mayMatch, match: match)
        for text in Self.texts + crafted {
            #expect((pattern.firstMatch(in: text) != nil) == match(text), "\(name): \(text.prefix(200))")
        }
        #expect(skipped > 100, "\(name)")
        #expect(matched >= 2, "\(name)")
    }

    /// The product-code scan finds exactly the matches of the pattern it replaces (ranges and
    /// prefixes): on every real field, and on codes next to letters, marks, joiners, hyphens,
    /// underscores, non-ASCII digits (one and two UTF-16 units), emoji and line ends.
    @Test func productCodeScanFindsTheExpressionsMatches() {
        let crafted = [
            "KN5501", "KN-5501A", "CT103A and CT-103AB", "ABCDEF12", "A12", "AB1", "AB12345678", "AB1234567", "xAB12", "AB12x",
            "-AB12", "AB12-", "_AB12", "AB12_", "éAB12", "AB12é", "AB12\u{301}", "\u{200D}AB12", "AB12\u{200C}", "AB１２",
            "AB\u{1D7CE}\u{1D7CF} then KN5501", "🧬KN5501🧬 (CT103A)", "AB12\nCD34\r\nEF56", "ab12 AB-12 AB--12 AB-1",
            "KN5501;CT103A,BCMA2", "AB‿12", "BCMA-CAR19", "AB12B3", "“KN5501”", "",
        ]
        // The scan steps over words of eight bytes without a capital: codes after runs of
        // lower-case letters (one token with them), blanks and words, at every offset.
        let shifted = (0..<17).flatMap { k in
            [
                String("abcdefghijklmnopq".prefix(k)) + "AB12", String(repeating: " ", count: k) + "KN-5501A x",
                String(repeating: "ab ", count: k) + "CT103A", String(repeating: "x", count: k) + "-AB12 CD34",
            ]
        }
        var found = 0
        for value in Self.fields + crafted + shifted {
            let buffer = TextBuffer(value)
            let expected = buffer.matches(ProductExtractor.code).map {
                ProductExtractor.Code(range: $0.range, prefix: buffer.group($0, 1) ?? "")
            }
            #expect(ProductExtractor.codes(in: value) == expected, "\(value.prefix(200))")
            found += expected.count
        }
        #expect(found > 50)
    }

    /// The enrolment count check never skips a text the count pattern matches: every real field
    /// and line, and counts with ranges, thousands, adjectives, other white space and case.
    @Test func countCheckNeverHidesAMatch() {
        let crafted = [
            "A total of 120 participants", "36-72 patients are planned", "20\u{00A0}patients", "1,000 eligible adult patients",
            "12 new healthy male volunteers", "20 patientsX", "20 ſubjects", "20 Patients", "40 PTS", "20\tpts.", "20 women", "20 men",
            "20 children's", "in 2020 patients", "approximately 40\n subjects", "3 to 6\u{3000}cases", "５ patients", "12 women_",
            "up to 15 Evaluable  Paediatric  individuals", "8 additional new consecutive persons", "10 pts", "10 ptsé", "10-５ patients",
        ]
        let (skipped, matched) = Self.skippedAndMatched(
            Self.texts + crafted, "count", check: EnrollmentTextExtractor.mayHoldCount,
            match: { TextBuffer($0).firstMatch(EnrollmentTextExtractor.count) != nil })
        #expect(skipped > 1000)
        #expect(matched > 20)
    }

    /// Counts searched only before the places ``EnrollmentTextExtractor/countEnds(_:)`` finds
    /// are the counts of the whole text, on every real field and crafted counts.
    @Test func countsBeforeTheirEndsAreTheWholeTextCounts() {
        let crafted = [
            "A total of 120 participants and 30 healthy volunteers will be enrolled", "36-72 patients are planned; 12 patients per arm",
            "approximately     1,000,000   -   2,000,000    eligible   consecutive   participants", "20\u{00A0}patients", "５ patients",
            "Phase 2 in 2020: 40 subjects, then 15 pts", "up to 15 evaluable  paediatric  individuals", "10 patientsX 12 men",
        ]
        var found = 0
        for value in Self.fields + crafted {
            let buffer = TextBuffer(value)
            let whole = buffer.matches(EnrollmentTextExtractor.count).map(\.range)
            let ends = EnrollmentTextExtractor.countEnds(value)
            let windowed =
                ends.map {
                    buffer.matches(
                        EnrollmentTextExtractor.count, in: buffer.fullRange, near: $0, before: EnrollmentTextExtractor.countReach, after: 0
                    )
                    .map(\.range)
                } ?? whole
            #expect(windowed == whole, "\(value.prefix(200))")
            found += whole.count
        }
        #expect(found > 50)
    }

    /// The dose and cell-dose checks never skip a text their pattern matches: every real field
    /// and line, and crafted doses in other cases, with other blanks and signs.
    @Test(arguments: ["agent", "scientific", "eNotation"])
    func doseChecksNeverHideAMatch(_ which: String) {
        let crafted =
            [
                "Flu 30 mg/m² + Cy 300 mg/m²", "FLU(25 mg)", "flu: 30", "Cy\t500", "Flu/Cy 30/500", "cy\u{00A0}500", "ﬂu 30", "Cy ５00",
                "influenza 30", "policy 2", "fludarabine phosphate 25", "Fludara", "CYCLOPHOSPHAMIDE", "Cytoxan", "Endoxan 1g",
                "Bendamustine 90", "1 x 10^6 cells/kg", "2×10⁶/kg", "1 × 10⁹～1 × 10¹⁰", "9×10\\^9 cells", "5 * 10 ^ 8", "3X10E8",
                "1\u{2009}×\u{2009}10^6", "1x 10 e6", "10 mg on day 10", "1e8 cells", "2.5E+06 cells/kg", "2.5e+06", "５e8 cells", "1E 8",
                "5E7 CAR-T cells", "1.0e+9 viable CD3+ cells", "2e6\u{00A0}cells",
            ] + (0..<17).flatMap { k in ["Cy 300 mg/m²", "flu: 30 mg"].map { String(repeating: ".", count: k) + $0 } }
        let (check, pattern): ((String) -> Bool, Pattern) =
            switch which {
            case "agent": (DoseExtractor.mayNameAgent, DoseExtractor.agent)
            case "scientific": (CellDoseExtractor.mayHoldScientific, CellDoseExtractor.scientific)
            default: (CellDoseExtractor.mayHoldENotation, CellDoseExtractor.eNotation)
            }
        let (skipped, matched) = Self.skippedAndMatched(
            Self.texts + crafted, which, check: check, match: { TextBuffer($0).firstMatch(pattern) != nil })
        #expect(skipped > 1000)
        #expect(matched > 4)
    }

    /// Leading list markers read by hand are the markers `lineMarker` reads (shape, number,
    /// label, length), on every trimmed line of the real fields and on crafted lines; the
    /// lines left undecided (a non-ASCII character where it matters) are few.
    @Test func leadingMarkersReadByHandAreTheExpressions() {
        let crafted = [
            "- item", "-item", "-", "- ", "-\t\tx", "-\u{0B}x", "-\u{0C}x", "-\u{00A0}x", "* x", "1. A", "1.A", "1.2 mg", "12) x",
            "123. x", "1.", "1)", "1、x", "1．x", "１. x", "1١. x", "(1) x", "(12)x", "(123) x", "(a) x", "(ab) x", "(ii) x",
            "(iiiiii) x", "(1", "(１) x", "（1） x", "(1）x", "a. Text", "a.Text", "a.", "a) x", "i. x", "ii. x", "iv)\tx",
            "vi.\u{2003}x", "xiv. x", "iiiiii. x", "ab. x", "a Text", "a  Text", "h Xyz", "i Xyz", "a text", "a\tB", "a",
            "e.g. x", "i.e. x", "Z. x", "Ab) x", "1.\u{0B}x", "-\n", "-\u{1C}x", "a.\u{0B}x", "a.\u{1F}x", "• x", "– x", "ii.", "(i) x", "(I) x",
            "(x) x", "(v) x",
        ]
        var lines: [String] = crafted
        for value in Self.fields {
            let buffer = TextBuffer(value)
            for line in buffer.lineRanges() {
                let content = buffer.trimmed(line)
                if content.length > 0 { lines.append(buffer.substring(content)) }
            }
        }
        var decided = 0
        var undecided = 0
        var markers = 0
        for line in lines {
            let b = TextBuffer(line)
            let expected = b.firstMatch(CriteriaSplitter.lineMarker, anchored: true).map { CriteriaSplitter.lineMarker($0, b) }
            switch CriteriaSplitter.leadingMarker(Array(line.unicodeScalars)) {
            case .undecided:
                undecided += 1
            case .none:
                decided += 1
                #expect(expected == nil, "\(line.prefix(80))")
            case .marker(let m):
                decided += 1
                markers += 1
                #expect(expected == m, "\(line.prefix(80))")
            }
        }
        #expect(markers > 1000)
        #expect(undecided * 20 < decided, "undecided \(undecided) of \(decided + undecided)")
    }

    /// Sentence boundaries found in one pass are where the boundary pattern's matches end, on
    /// every real field and on abbreviations, other white space, list items, blank lines,
    /// full-width punctuation and emoji; texts it leaves to the pattern are few.
    @Test func sentenceBoundariesAreThePatternsMatches() {
        let crafted = [
            "e.g. x", "E.G. x", "i.e. x", "vs. x", "Vs. x", "approx. 5", "Dr. Smith", "No. 5", "Fig. 2", "et al. 2020", "total. Next",
            "also. Next", "xal. y", "—al. y", "é al. y", "end.", "end.\n", "end.\u{00A0}x", "end.\u{2003}x", "end.\u{200B}x",
            "end.\u{85}x", "end.\u{0B}x", "end.\u{1C}x", "中文。下一句", "中文；x", "a;b", "a; b", "Q? A! B", "line\n\nnext",
            "line\n \t\nnext", "line\n- item", "line\n-\titem", "line\n- ", "line\n1. item", "line\n12) item", "line\n123. item",
            "line\n１. item", "line\n• item", "line\n*item", "x\r\n\r\ny", "🧬. x", "x.🧬 y", "a\n\n\nb", "a\n\n- b", "a\n 1.x",
            "a\n1.\u{00A0}x", "a\n1.", "No.5", "(no. 3)", "_al. x", "9al. x", "a\u{301}al. x", "dr.\tX", "etc.; x", "end...", "?!",
        ]
        var decided = 0
        var left = 0
        var ends = 0
        for text in Self.fields + crafted {
            guard let found = Segmenter.boundaries(in: text) else {
                left += 1
                continue
            }
            decided += 1
            let expected = TextBuffer(text).matches(Segmenter.boundary).map(\.range.end)
            #expect(found == expected, "\(text.prefix(200))")
            ends += expected.count
        }
        #expect(ends > 1000)
        #expect(left * 20 < decided, "left to the pattern: \(left) of \(left + decided)")
        #expect(Segmenter.boundaries(in: "ſ. x") == nil)
        #expect(Segmenter.boundaries(in: "a\u{301}al. x") == nil)
    }

    /// The foreign-text rule's code check never skips a criterion its study-drug pattern
    /// matches: every real criterion and field, and codes with hyphens, spaces and other digits.
    @Test func studyDrugCodeCheckNeverHidesAMatch() {
        let crafted = [
            "prevents administration of BIIB059", "dosing of study drug BIIB-059", "infusion of the study product AB 12",
            "study drug (KN5501)", "injection of AB١٢", "study treatment X12", "administration of biib059", "study drug AB-1",
        ]
        let (skipped, matched) = Self.skippedAndMatched(
            Self.texts + crafted, "study-drug code", check: ForeignTextRule.mayHoldCode,
            match: { !ForeignTextRule.studyDrugCode.matches(in: $0).isEmpty })
        #expect(skipped > 1000)
        #expect(matched >= 4)
    }

    /// A postfix age bound always holds one of its words: on every real field, line and
    /// criterion, a text without any has no match.
    @Test func postfixAgeWordsNeverHideAMatch() {
        let crafted = ["18 years of age or OLDER", "17 Years and Younger", "65 yrs or above"]
        let (skipped, matched) = Self.skippedAndMatched(
            Self.texts + crafted, "postfix bound", check: { Prefilter.mayContain($0, AgeExtractor.postfixWords) },
            match: { TextBuffer($0).firstMatch(AgeExtractor.postfixBound) != nil })
        #expect(skipped > 1000)
        #expect(matched > 10)
    }

    /// The analyte and exception words before a ULN limit hold for every match of their patterns.
    @Test func liverWordsNeverHideAMatch() {
        let crafted = ["Serum ALT/AST ≤ 3 x ULN", "total bilirubin ≤ 1.5 ULN except Gilbert's", "SGOT, SGPT < 2.5 ULN"]
        let patterns =
            ThresholdExtractor.analytes.map { ($0.name, $0.pattern, $0.words) }
            + [("exception", ThresholdExtractor.exception, ThresholdExtractor.exceptionWords)]
        for (name, pattern, words) in patterns {
            let (skipped, matched) = Self.skippedAndMatched(
                Self.texts + crafted, name, check: { Prefilter.mayContain($0, words) },
                match: { TextBuffer($0).firstMatch(pattern) != nil })
            #expect(skipped > 1000, "\(name)")
            #expect(matched >= 2, "\(name)")
        }
    }

    /// The comparator phrases grouped by first letter match exactly what their flat list matches
    /// (the spelling before grouping), on every real text and on each phrase in a sentence.
    @Test func groupedComparatorsAreTheFlatList() {
        let flat = Pattern(
            #"(?:\\?>\s*/\s*\\?=|\\?=\s*/\s*\\?>|\\?<\s*/\s*\\?=|\\?=\s*/\s*\\?<|\\?>\s*or\s*\\?=(?:\s*to\b)?|\\?<\s*or\s*\\?=(?:\s*to\b)?|≥|≧|⩾|\\?>\s?\\?=|\\?=\s?\\?>|＞\s?=|≤|≦|⩽|\\?<\s?\\?=|\\?=\s?\\?<|＜\s?=|\\?>|\\?<|＞|＜|=|＝|(?:greater|more|higher|larger|bigger|older)\s+(?:than\s+)?or\s+equal\s+(?:to)?|equal\s+(?:to\s+)?or\s+(?:greater|more|higher|larger|bigger)\s+(?:than)?|(?:lesser|less|lower|smaller|younger)\s+(?:than\s+)?or\s+equal\s+(?:to)?|equal\s+(?:to\s+)?or\s+(?:less|lower|smaller)\s+(?:than)?|no\s+(?:less|fewer|lower|smaller)\s+than|not\s+(?:less|lower|fewer|smaller)\s+than|no\s+(?:more|greater|higher|larger)\s+than|not\s+(?:more|greater|higher|larger)\s+than|not\s+(?:to\s+)?exceed(?:ing)?|no(?:t)?\s+(?:older|younger)\s+than|(?:of\s+)?at\s+least|a\s+minimum\s+of|minimum\s+of|a\s+maximum\s+of|maximum\s+of|in\s+excess\s+of|exceed(?:s|ing)?|greater\s+than|more\s+than|higher\s+than|larger\s+than|older\s+than|superior\s+to|lesser\s+than|less\s+than|lower\s+than|smaller\s+than|younger\s+than|inferior\s+to|above|over|below|under|up\s+to|大于等于|大于或等于|不小于|不低于|至少为?|小于等于|小于或等于|不大于|不高于|不超过|大于|小于|高于|低于)"#
        )
        let grouped = Pattern(ComparatorText.pattern)
        let phrases = [
            ">= 18", "=> 18", "≥ 18", "\\> 18", "\\>= 18", "> or = to 65", "< or = 2", ">/= 50", "=/< 3", "greater than or equal to 45",
            "more than or equal 2", "higher than 3", "larger than or equal to 4", "bigger than or equal to 5", "older than or equal to 18",
            "equal to or greater than 50", "equal or less than 2", "lesser than or equal to 30", "less than or equal to 1",
            "lower than or equal to 2", "smaller than or equal to 3", "younger than or equal to 65", "no less than 60",
            "not lower than 50", "no more than 2", "not greater than 3", "not to exceed 2", "not exceeding 3", "not older than 65",
            "no younger than 18", "of at least 18", "at least 18", "a minimum of 50", "minimum of 50", "a maximum of 2",
            "maximum of 2", "in excess of 3", "exceeds 2", "exceeding 2", "exceed 2", "greater than 2", "more than 2",
            "larger than 2", "older than 18", "superior to 40", "lesser than 40", "less than 40", "lower than 40",
            "smaller than 40", "younger than 18", "inferior to 40", "above 18", "over 18", "below 18", "under 18", "up to 70",
            "大于等于18", "至少为18", "不超过70", "低于40", "Greater Than 2", "LESS THAN 3", "Over 18", "Not Less Than 50",
        ]
        var matched = 0
        for text in Self.texts + phrases {
            let b = TextBuffer(text)
            let a = b.matches(flat).map(\.range)
            let g = b.matches(grouped).map(\.range)
            #expect(a == g, "comparators differ: \(text.prefix(200))")
            if !a.isEmpty { matched += 1 }
        }
        #expect(matched > 1000)
        for phrase in phrases {
            let b = TextBuffer(phrase)
            #expect(b.firstMatch(grouped).map { b.substring($0.range) } == b.firstMatch(flat).map { b.substring($0.range) })
        }
    }

    /// Every comparator found anywhere in a real text, or in each phrase of the flat list alone,
    /// in a sentence, run into a word or written with letters that fold to ASCII ones, starts
    /// where `ComparatorText.starts` says one may; and most positions of the texts are no start.
    @Test func comparatorStartsHoldEveryMatch() {
        let pattern = Pattern(ComparatorText.pattern)
        let phrases = [
            "greater than 2", "more than or equal 2", "minimum of 5", "maximum of 5", "higher than 3", "larger than 4", "lesser than 4",
            "less than 4", "lower than 4", "bigger than or equal to 5", "below 18", "older than 18", "of at least 18", "over 18",
            "equal to or more than 2", "exceeding 2", "smaller than 3", "superior to 40", "younger than 65", "no more than 2",
            "not to exceed 3", "at least 18", "a minimum of 2", "above 18", "in excess of 2", "inferior to 40", "under 18",
            "up to 70", "lesser than or equal to 30", "equal or less than 2", "no younger than 18", "not exceeding 3",
            "maximum of 2", "exceed 2", "> or = to 65", "=/< 3", ">/= 50", "≥18", "\\>= 18", "=> 18", "< 3", "＜3", "至少为18", "不超过70", "低于40", "大于18",
        ]
        let variants = phrases.flatMap { p in
            [
                p, "Age \(p) years", "moreover\(p)", p.uppercased(), p.replacingOccurrences(of: "s", with: "ſ"),
                p.replacingOccurrences(of: "ss", with: "ß"),
            ]
        }
        var matches = 0
        var positions = 0
        var starts = 0
        for text in Self.texts + variants {
            let b = TextBuffer(text)
            let may = Set(ComparatorText.starts(b.utf16.units, in: b.fullRange))
            for m in b.matches(pattern) {
                matches += 1
                #expect(may.contains(m.range.location), "a comparator starts where none may: \(b.substring(m.range)) in \(text.prefix(200))")
            }
            positions += b.length
            starts += may.count
        }
        #expect(matches > 1000)
        #expect(starts * 10 < positions)
    }

    /// `Prefilter.mayContain` (ASCII case folded) and `containsExactly`, as plain searches.
    static func reference(_ text: String, _ word: String, ignoringCase: Bool) -> Bool {
        let bytes = text.utf8.map { ignoringCase && $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }
        return bytes.firstRange(of: Array(word.utf8)) != nil
    }

    /// Characters whose Unicode case folding yields ASCII letters (ß, İ, ſ, ẞ, K, Å, ligatures).
    static func hasFoldingSpecial(_ text: String) -> Bool {
        text.unicodeScalars.contains { [0xDF, 0x130, 0x17F, 0x1E9E, 0x212A, 0x212B].contains($0.value) || (0xFB00...0xFB3F).contains($0.value) }
    }

    static let words: [StaticString] = [
        "criteri", "eligibility", "cyclophosphamide", "day", "and", "or", ",", "&", "uln", "upper limit", "岁", "年龄", "10", "lvef",
    ]

    /// The byte scans (16 bytes a step) find exactly what a plain search finds, on every field
    /// and line of the real records and seeds.
    @Test func wordChecksFindWhatAPlainSearchFinds() {
        var texts = Self.fields
        for value in Self.fields { texts += value.split(separator: "\n").map(String.init) }
        var found = 0
        var absent = 0
        for text in texts {
            let special = Self.hasFoldingSpecial(text)
            for word in Self.words {
                let w = word.description
                let folded = Self.reference(text, w, ignoringCase: true)
                #expect(Prefilter.mayContain(text, [word]) == (folded || special), "\(w) in \(text.prefix(120))")
                #expect(Prefilter.containsExactly(text, [word]) == Self.reference(text, w, ignoringCase: false), "\(w) in \(text.prefix(120))")
                if folded { found += 1 } else { absent += 1 }
            }
            // Lists are searched in one pass (up to eight words) or word by word (more).
            for list in [Array(Self.words[0..<8]), Array(Self.words[6...]), Self.words, [Self.words[13], Self.words[2]]] {
                let any = list.contains { Self.reference(text, $0.description, ignoringCase: true) }
                let exact = list.contains { Self.reference(text, $0.description, ignoringCase: false) }
                #expect(Prefilter.mayContain(text, list) == (any || special), "\(list) in \(text.prefix(120))")
                #expect(Prefilter.containsExactly(text, list) == exact, "\(list) in \(text.prefix(120))")
            }
        }
        #expect(found > 1000)
        #expect(absent > 1000)
    }

    /// Every start position, around and across the 16-byte steps, in either case; a word cut off
    /// at the end, or differing in its last byte, is not found.
    @Test func wordChecksFindAWordAtEveryPosition() {
        func pad(_ n: Int) -> String { String(repeating: "x", count: n) }
        for word in ["day", "cyclophosphamide", "10", "upper limit", "年龄"] as [StaticString] {
            let w = word.description
            let upper = w.uppercased()
            let count = w.utf8.count
            var spoiled = Array(w.utf8)
            spoiled[count - 1] ^= 0x01
            let other = String(decoding: spoiled, as: UTF8.self)
            for length in count..<50 {
                for start in 0...(length - count) {
                    let tail = pad(length - start - count)
                    #expect(Prefilter.mayContain(pad(start) + w + tail, [word]), "\(w) at \(start) of \(length)")
                    #expect(Prefilter.mayContain(pad(start) + w + tail, ["absent", "nowhere", word]), "\(w) third, at \(start) of \(length)")
                    #expect(
                        !Prefilter.mayContain(pad(start) + other + tail, ["absent", "nowhere", word]), "\(other) third, at \(start) of \(length)")
                    #expect(Prefilter.mayContain(pad(start) + upper + tail, [word]), "\(upper) at \(start) of \(length)")
                    #expect(Prefilter.containsExactly(pad(start) + upper + tail, [word]) == (upper == w), "\(upper) at \(start)")
                    #expect(!Prefilter.mayContain(pad(start) + other + tail, [word]), "\(other) at \(start) of \(length)")
                }
                // All but the last byte, at the very end of the text.
                let cut = Array(pad(length - count + 1).utf8) + w.utf8.dropLast()
                #expect(!Prefilter.mayContain(String(decoding: cut, as: UTF8.self), [word]), "\(w) cut at the end, length \(length)")
            }
        }
    }

    /// How many of `texts` the `fast` path reads, each checked against the `slow` path it stands
    /// in front of.
    static func agreeing<T: Equatable>(
        _ texts: [String], fast: (String) -> T?, slow: (String) -> T?, sourceLocation: SourceLocation = #_sourceLocation
    ) -> Int {
        var read = 0
        for text in texts {
            guard let value = fast(text) else { continue }
            read += 1
            #expect(value == slow(text), "\(text)", sourceLocation: sourceLocation)
        }
        return read
    }

    /// The byte paths in front of the structured normalizers give the answer of the code they
    /// skip, on every real field and on crafted edges.
    @Test func structuredFastPathsAgreeWithThePatterns() {
        let dates =
            Self.fields + [
                "2024-05-28", "2024-05", "1899-12-31", "2201-01", "2024-13-01", "2024-00", "2024-02-32", "2024-02-00", "2024-1-05",
                "2024/05/28", "2024-05-28 08:56:14", "٢٠٢٤-٠٥-٢٨", "2024-05-2x", "20240528xx",
            ]
        #expect(Self.agreeing(dates, fast: StructuredNormalizer.isoDateFast, slow: StructuredNormalizer.isoDateByPatterns) > 20)
        // Age fields: every real field and the registry's forms with their edges.
        let ages =
            Self.fields + [
                "18 Years", "0 Years", "120 Years", "999 Years", "1000 Years", "6 Months", "1 Month", "2 Weeks", "1 Week", "28 Days",
                "1 Day", "18 years", "18 YEARS", "18  Years", "18 Years old", "18 Hours", "30 Minutes", "18 Year", "018 Years",
                "18 Years ", " 18 Years", "18 ", "18", "N/A", "٤ Years", "18 Yearsx", "18 Y", "1.5 Years",
            ]
        #expect(Self.agreeing(ages, fast: AgeExtractor.registryForm, slow: AgeExtractor.parsePattern) > 20)
        #expect(AgeExtractor.registryForm("6 Months") == .years(0.5))
        #expect(AgeExtractor.registryForm("18 Hours") == nil)
        var plain = 0
        for text in Self.fields + ["0", "007", "123456789012345678", "1234567890123456789"] where text.utf8.allSatisfy(ASCIIByte.isDigit) {
            plain += 1
            let slow = Double(text).map { $0.isFinite && $0 == $0.rounded() } ?? false
            #expect((Enrollment.implausibleCount(text) == nil) == (slow || text.isEmpty), "\(text)")
        }
        #expect(plain > 20)
        // Every real field, as `replacingOccurrences` gives it, for the replacements the code makes.
        var replaced = 0
        for text in Self.fields {
            #expect(text.replacingASCII("_,-:", with: " ") == ["_", ",", "-", ":"].reduce(text) { $0.replacingOccurrences(of: $1, with: " ") })
            #expect(text.replacingASCII("\"", with: "\"\"") == text.replacingOccurrences(of: "\"", with: "\"\""))
            if text.utf8.contains(where: { $0 == 0x2C || $0 == 0x5F }) { replaced += 1 }
        }
        #expect(replaced > 100)
        #expect("NOT_YET_RECRUITING".replacingASCII("_", with: " ") == "NOT YET RECRUITING")
        #expect("1,206,000".replacingASCII(",", with: "") == "1206000")
        #expect("a\"b\"".replacingASCII("\"", with: "\"\"") == "a\"\"b\"\"")
        #expect("é_ü,-:x".replacingASCII("_,-:", with: " ") == "é ü   x")
        #expect("plain".replacingASCII("_", with: " ") == "plain")
    }
}

/// Three patterns were rewritten for speed with a shared `\b` or lookbehind written once and
/// alternatives regrouped (see their comments); each must match exactly where the original
/// did, with the same groups, on every real field, line and criterion.
@Suite struct RewrittenPatternTests {
    static let originals: [(name: String, original: String, current: NSRegularExpression)] = [
        (
            "objective",
            #"(?:\btreatment\s+of|\bin\s+patients\s+with|\bin\s+subjects\s+with|\bin\s+participants\s+with)\s+([^.;,()\n]{4,80})"#,
            ForeignTextRule.objective.regex
        ),
        (
            "age cue",
            #"(?<![a-z])age[sd]?(?![a-z])|(?<![a-z])(?:years?|yrs?)[\s-]+old\b|(?<![a-z])years?\s+of\s+age\b|\by\.\s?o\b|\d\s*yo\b|\b(?:older|younger|aging|elderly|adults?|child(?:ren)?|infants?|neonates?|adolescents?)\b|岁|年龄"#,
            AgeExtractor.cue.regex
        ),
        (
            "not an age",
            #"gestational\s+age|(?:post-?)?menstrual\s+age|(?:post-?)?concept(?:ion|ional|ual)\s+age|bone\s+age|surviv|expectan|duration|\bsince\b|diagnos|onset|history|follow|\bwithin\b|\bfor\s+(?:at\s+least|more|over|less)|\bprior\b|\bbefore\b|\bafter\b|\bago\b|\bpast\b|\blast\b|experience|\bsmok|\buse\b|\bdisease\b|\bresiden|\bliv(?:e|ing)\b|treat|therap|\bmenopaus|\bpost-?menopaus|amenorrh|\bstable\b|\bremission|interval|\bbirth\b|gestation|pregnan|educat|school"#,
            AgeExtractor.notAge.regex
        ),
    ]

    static func ranges(_ regex: NSRegularExpression, _ text: String) -> [[NSRange]] {
        regex.matches(in: text, range: NSRange(location: 0, length: (text as NSString).length)).map { m in
            (0..<m.numberOfRanges).map { m.range(at: $0) }
        }
    }

    /// Each limit pattern matches, with `limitStart` tested after its gap, exactly what it matched
    /// without it, on every real text and on limits of every shape.
    @Test(arguments: ThresholdExtractor.guardedPatterns.indices) func limitStartChangesNoMatch(_ index: Int) throws {
        let (name, current) = ThresholdExtractor.guardedPatterns[index]
        #expect(current.regex.pattern.contains(ThresholdExtractor.limitStart), "\(name)")
        let original = try NSRegularExpression(
            pattern: current.regex.pattern.replacingOccurrences(of: ThresholdExtractor.limitStart, with: ""), options: current.regex.options)
        let crafted = [
            "LVEF ≥ 50%", "LVEF of at least 45 %", "ejection fraction between 40 and 70 %", "EF 50% or higher", "LVEF \\>= 50 %",
            "eGFR from 30 to 60 mL/min/1.73 m2", "creatinine clearance ſmaller than 30 mL/min", "CrCl > or = 60 ml/min",
            "body weight over 40 kg", "Weight BETWEEN 40 and 120 kg", "体重不低于40公斤", "hemoglobin of 9 g/dL or higher",
            "Haemoglobin LESS THAN 9 g/dL", "Hb ＞ 90 g/L", "platelets ≥ 100 x 10^9/L", "platelet count no less than 75,000/mm3",
            "ANC below 1.5 × 10^9/L", "absolute neutrophil count in excess of 1000/µL", "ECOG performance status 0 or 1", "ECOG ≤ 2",
            "ECOG of 0-2", "ECOG = 0, 1 or 2", "ECOG 不大于2", "Eastern Cooperative Oncology Group score up to 2",
        ]
        var matched = 0
        for text in PrefilterSoundnessTests.texts + crafted {
            let expected = Self.ranges(original, text)
            #expect(Self.ranges(current.regex, text) == expected, "\(name) in \(text.prefix(200))")
            if !expected.isEmpty { matched += 1 }
        }
        #expect(matched >= 3, "\(name) matched only \(matched) texts")
    }

    @Test(arguments: originals.indices) func matchesWhereTheOriginalDid(_ index: Int) throws {
        let (name, pattern, current) = Self.originals[index]
        let original = try NSRegularExpression(pattern: pattern, options: current.options)
        #expect(original.pattern != current.pattern)
        let crafted = [
            "Gestational age ≥ 32 weeks", "postmenstrual age 40 weeks", "post-menopausal for 2 years", "in PATIENTS  with lupus nephritis",
            "Age: 18 y.o or older", "aged 18-65 years old", "5yo", "ſince", "remißion for 1 year",
        ]
        var matched = 0
        for text in PrefilterSoundnessTests.texts + crafted {
            let expected = Self.ranges(original, text)
            #expect(Self.ranges(current, text) == expected, "\(name) in \(text.prefix(200))")
            if !expected.isEmpty { matched += 1 }
        }
        #expect(matched > 20, "\(name) matched only \(matched) texts")
    }
}
