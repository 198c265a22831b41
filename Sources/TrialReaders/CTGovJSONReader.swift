import TrialModel
import TrialSupport

/// ClinicalTrials.gov API v2 JSON: a single study (`{"protocolSection": …}`), a page of
/// studies (`{"studies": [...]}`) or a bare array of studies. Locators are JSON pointers.
public struct CTGovJSONReader: TrialReader {
    public init() {}

    public var format: SourceFormat { .ctgovJSON }

    public func accepts(_ file: InputFile, head: String) -> Bool {
        // A byte search: `String.contains` goes through CoreFoundation's Unicode-aware search.
        (head.hasPrefix("{") || head.hasPrefix("[")) && Prefilter.containsExactly(head, ["\"protocolSection\"", "\"studies\""])
    }

    public func read(_ file: InputFile) throws -> [SourceRecord] {
        var records: [SourceRecord] = []
        try read(file) { records.append($0) }
        return records
    }

    /// Each study as soon as it is read: a page or a downloaded array of thousands is read one
    /// study at a time (see `JSONStudies`).
    public func read(_ file: InputFile, each body: (SourceRecord) throws -> Void) throws {
        var index = 0
        try JSONStudies.forEach(in: file, arrayKey: "studies") { study in
            if study["protocolSection"].isObject { try body(record(study["protocolSection"], file: file.path, index: index)) }
            index += 1
        } single: { root in
            guard root["protocolSection"].isObject else {
                throw ReaderError.notATrialRecord(file: file.path, detail: "JSON without protocolSection or studies")
            }
            try body(record(root["protocolSection"], file: file.path, index: 0))
        }
    }

    func record(_ p: JSONValue, file: String, index: Int) -> SourceRecord {
        var r = SourceRecord(file: file, format: format, index: index)
        func add(_ key: FieldKey, _ node: JSONValue) { r.add(key, node) }
        func addText(_ key: FieldKey, _ node: JSONValue) { r.addText(key, node) }

        let id = p["identificationModule"]
        add(.nctID, id["nctId"])
        add(.orgStudyID, id["orgStudyIdInfo"]["id"])
        for s in id["secondaryIdInfos"].elements { add(.otherID, s["id"]) }
        add(.title, id["briefTitle"])
        add(.officialTitle, id["officialTitle"])
        add(.acronym, id["acronym"])

        let status = p["statusModule"]
        add(.status, status["overallStatus"])
        add(.startDate, status["startDateStruct"]["date"])
        add(.primaryCompletionDate, status["primaryCompletionDateStruct"]["date"])
        add(.completionDate, status["completionDateStruct"]["date"])
        add(.firstPosted, status["studyFirstPostDateStruct"]["date"])
        add(.lastUpdate, status["lastUpdatePostDateStruct"]["date"])
        add(.verifiedDate, status["statusVerifiedDate"])

        let sponsors = p["sponsorCollaboratorsModule"]
        add(.sponsor, sponsors["leadSponsor"]["name"])
        for c in sponsors["collaborators"].elements { add(.collaborator, c["name"]) }

        addText(.summary, p["descriptionModule"]["briefSummary"])
        addText(.description, p["descriptionModule"]["detailedDescription"])
        for c in p["conditionsModule"]["conditions"].elements { add(.condition, c) }
        for k in p["conditionsModule"]["keywords"].elements { add(.keyword, k) }

        let design = p["designModule"]
        add(.studyType, design["studyType"])
        for phase in design["phases"].elements { add(.phase, phase) }
        add(.enrollment, design["enrollmentInfo"]["count"])
        add(.enrollmentType, design["enrollmentInfo"]["type"])

        let arms = p["armsInterventionsModule"]
        for arm in arms["armGroups"].elements { addText(.armDescription, arm["description"]) }
        for i in arms["interventions"].elements {
            add(.intervention, i["name"])
            addText(.interventionDescription, i["description"])
        }
        for o in p["outcomesModule"]["primaryOutcomes"].elements { add(.primaryOutcome, o["measure"]) }
        for o in p["outcomesModule"]["secondaryOutcomes"].elements { add(.secondaryOutcome, o["measure"]) }

        let eligibility = p["eligibilityModule"]
        addText(.criteria, eligibility["eligibilityCriteria"])
        add(.sex, eligibility["sex"])
        add(.minimumAge, eligibility["minimumAge"])
        add(.maximumAge, eligibility["maximumAge"])
        add(.healthyVolunteers, eligibility["healthyVolunteers"])
        for l in p["contactsLocationsModule"]["locations"].elements { add(.country, l["country"]) }
        return r
    }
}

/// The retired ClinicalTrials.gov classic API (v1) `FullStudiesResponse`, single study or many.
public struct CTGovClassicJSONReader: TrialReader {
    public init() {}

    public var format: SourceFormat { .ctgovClassicJSON }

    public func accepts(_ file: InputFile, head: String) -> Bool {
        head.hasPrefix("{") && Prefilter.containsExactly(head, ["\"FullStudiesResponse\"", "\"ProtocolSection\""])
    }

    public func read(_ file: InputFile) throws -> [SourceRecord] {
        let root = try JSONStudies.document(file)
        let studies: [JSONValue]
        if root["FullStudiesResponse"].isObject {
            studies = root["FullStudiesResponse"]["FullStudies"].elements.map { $0["Study"] }
        } else if root["Study"].isObject {
            studies = [root["Study"]]
        } else {
            throw ReaderError.notATrialRecord(file: file.path, detail: "classic API JSON without FullStudies")
        }
        return studies.enumerated().compactMap { index, study in
            study["ProtocolSection"].isObject ? record(study["ProtocolSection"], file: file.path, index: index) : nil
        }
    }

    func record(_ p: JSONValue, file: String, index: Int) -> SourceRecord {
        var r = SourceRecord(file: file, format: format, index: index)
        func add(_ key: FieldKey, _ node: JSONValue) { r.add(key, node) }
        func addText(_ key: FieldKey, _ node: JSONValue) { r.addText(key, node) }

        let id = p["IdentificationModule"]
        add(.nctID, id["NCTId"])
        add(.orgStudyID, id["OrgStudyIdInfo"]["OrgStudyId"])
        for s in id["SecondaryIdInfoList"]["SecondaryIdInfo"].elements { add(.otherID, s["SecondaryId"]) }
        add(.title, id["BriefTitle"])
        add(.officialTitle, id["OfficialTitle"])
        add(.acronym, id["Acronym"])

        let status = p["StatusModule"]
        add(.status, status["OverallStatus"])
        add(.startDate, status["StartDateStruct"]["StartDate"])
        add(.primaryCompletionDate, status["PrimaryCompletionDateStruct"]["PrimaryCompletionDate"])
        add(.completionDate, status["CompletionDateStruct"]["CompletionDate"])
        add(.firstPosted, status["StudyFirstPostDateStruct"]["StudyFirstPostDate"])
        add(.lastUpdate, status["LastUpdatePostDateStruct"]["LastUpdatePostDate"])
        add(.verifiedDate, status["StatusVerifiedDate"])

        let sponsors = p["SponsorCollaboratorsModule"]
        add(.sponsor, sponsors["LeadSponsor"]["LeadSponsorName"])
        for c in sponsors["CollaboratorList"]["Collaborator"].elements { add(.collaborator, c["CollaboratorName"]) }

        addText(.summary, p["DescriptionModule"]["BriefSummary"])
        addText(.description, p["DescriptionModule"]["DetailedDescription"])
        for c in p["ConditionsModule"]["ConditionList"]["Condition"].elements { add(.condition, c) }
        for k in p["ConditionsModule"]["KeywordList"]["Keyword"].elements { add(.keyword, k) }

        let design = p["DesignModule"]
        add(.studyType, design["StudyType"])
        for phase in design["PhaseList"]["Phase"].elements { add(.phase, phase) }
        add(.enrollment, design["EnrollmentInfo"]["EnrollmentCount"])
        add(.enrollmentType, design["EnrollmentInfo"]["EnrollmentType"])

        let arms = p["ArmsInterventionsModule"]
        for arm in arms["ArmGroupList"]["ArmGroup"].elements { addText(.armDescription, arm["ArmGroupDescription"]) }
        for i in arms["InterventionList"]["Intervention"].elements {
            add(.intervention, i["InterventionName"])
            addText(.interventionDescription, i["InterventionDescription"])
        }
        for o in p["OutcomesModule"]["PrimaryOutcomeList"]["PrimaryOutcome"].elements {
            add(.primaryOutcome, o["PrimaryOutcomeMeasure"])
        }
        let eligibility = p["EligibilityModule"]
        addText(.criteria, eligibility["EligibilityCriteria"])
        add(.sex, eligibility["Gender"])
        add(.minimumAge, eligibility["MinimumAge"])
        add(.maximumAge, eligibility["MaximumAge"])
        add(.healthyVolunteers, eligibility["HealthyVolunteers"])
        return r
    }
}
