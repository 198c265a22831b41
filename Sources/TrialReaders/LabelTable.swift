import TrialModel

/// Label synonyms used by registry and mirror pages, mapped to canonical fields. One table
/// serves every HTML page and text rendering: a new mirror site usually needs a synonym here,
/// not a parser of its own.
enum LabelTable {
    /// Normalized label (lower-case, trailing colon and whitespace removed) → field.
    static let synonyms: [String: FieldKey] = {
        var t: [String: FieldKey] = [:]
        func add(_ key: FieldKey, _ labels: String...) { for l in labels { t[normalize(l)] = key } }
        add(.nctID, "NCT number", "NCT ID", "NCT No", "ClinicalTrials.gov ID", "ClinicalTrials.gov identifier", "NCT")
        add(.chictrID, "Registration number", "ChiCTR number", "注册号")
        add(
            .orgStudyID, "Other study ID #", "Other study ID", "Org study ID", "Organization study ID", "Study subject ID",
            "Sponsor protocol number", "Protocol number")
        add(.otherID, "Secondary ID", "Secondary IDs", "EudraCT number", "EU CT number", "ISRCTN")
        add(.title, "Brief title", "Public title", "Study title", "Title")
        add(.officialTitle, "Official title", "Scientific title")
        add(.acronym, "Acronym")
        add(
            .status, "Status", "Recruitment status", "Recruiting status", "Overall status", "Study status",
            "Trial status")
        add(.phase, "Phase", "Clinical phase", "Study phase", "Trial phase", "Phases")
        add(.studyType, "Study type", "Study classification", "Trial type")
        add(
            .enrollment, "Enrollment", "Total enrollment", "Enrollment count", "Target enrollment", "Sample size",
            "Estimated enrollment", "Actual enrollment", "Target sample size")
        add(.ageBand, "Age group", "Age", "Ages", "Ages eligible for study", "Age range", "Participant age", "Age limits")
        add(.minimumAge, "Minimum eligible age", "Minimum age", "Min age")
        add(.maximumAge, "Maximum eligible age", "Maximum age", "Max age")
        add(.sex, "Gender", "Sex", "Eligible sex", "Sexes eligible for study", "Sex/Gender")
        add(.healthyVolunteers, "Accepts healthy volunteers", "Healthy volunteers")
        add(.sponsor, "Sponsor", "Lead sponsor", "Primary sponsor", "Source")
        add(.collaborator, "Collaborator", "Collaborators", "Secondary sponsor")
        add(.condition, "Condition", "Conditions", "Target disease", "Target condition", "Health condition")
        add(.intervention, "Intervention", "Interventions", "Intervention name")
        add(.startDate, "Start date", "Study start date", "Study start", "Date of first enrollment")
        add(
            .primaryCompletionDate, "Primary completion date", "Est. primary completion date",
            "Estimated primary completion date", "Actual primary completion date")
        add(
            .completionDate, "Completion date", "Est. completion date", "Study completion date",
            "Estimated completion date", "Actual completion date", "Study completion")
        add(
            .lastUpdate, "Last updated", "Last update posted", "Last update", "Date of last refreshed on",
            "Last refreshed on", "Record last updated")
        add(.firstPosted, "First received", "First posted", "Date of registration", "Registration date")
        add(.verifiedDate, "Verified date", "Record verification date")
        add(.summary, "Brief summary", "Summary", "Clinical trial summary", "Objectives of study", "Overview")
        add(.description, "Detailed description", "Description")
        add(.criteria, "Eligibility", "Eligibility criteria", "Criteria")
        add(.inclusionCriteria, "Inclusion criteria")
        add(.exclusionCriteria, "Exclusion criteria")
        add(.primaryOutcome, "Primary outcome", "Primary outcome measures", "Primary indicator")
        add(.secondaryOutcome, "Secondary outcome", "Secondary outcome measures")
        add(.country, "Countries", "Country", "Countries of recruitment")
        return t
    }()

    /// Lower-case, whitespace collapsed, trailing colons (ASCII or full-width) and `*` removed.
    static func normalize(_ label: String) -> String {
        var s = label.collapsingWhitespace.lowercased()
        while let last = s.last, last == ":" || last == "：" || last == "*" || last == " " { s.removeLast() }
        return s
    }

    /// The field for `label`, if it is a known label.
    static func field(for label: String) -> FieldKey? { synonyms[normalize(label)] }

    /// Free-text fields whose value is a block of text rather than a short value.
    static let textKeys: Set<FieldKey> = [
        .summary, .description, .criteria, .inclusionCriteria, .exclusionCriteria, .interventionDescription,
        .armDescription,
    ]
}
