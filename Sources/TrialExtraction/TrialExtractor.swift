import Foundation
import TrialModel

/// Turns one `SourceRecord` (raw labelled fields from a reader) into a `TrialRecord` of typed
/// parameters, each with the evidence it was read from.
public enum TrialExtractor {
    /// Fields read as text by at least one extractor.
    private static let freeTextKeys = Set<FieldKey>([.criteria, .inclusionCriteria, .exclusionCriteria])
        .union(DoseExtractor.sourceKeys).union(CellDoseExtractor.sourceKeys)
        .union(EnrollmentTextExtractor.sourceKeys).union(ProductExtractor.sourceKeys)

    /// A derived ID ("TD-" and 12 hex digits of a 64-bit FNV-1a hash) for a record known by `key`
    /// (its input's path, see the pipeline's `identify`).
    public static func derivedID(_ key: String) -> TrialID {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in key.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        var hex = String(hash, radix: 16)
        while hex.count < 16 { hex = "0" + hex }
        return TrialID(.derived, "TD-" + hex.prefix(12))
    }

    /// Pure function of one record: interprets structured fields and free text into typed
    /// parameters with evidence.
    ///
    /// Structured fields are normalized (status, phase, dates, ages in years, enrollment); the
    /// criteria are split into inclusion and exclusion items, and ages and thresholds are read from
    /// inclusion items or implied by exclusion items; doses, cell doses, text enrollment and products come from summaries,
    /// descriptions and intervention/arm texts, never from criteria. Output lists are in document
    /// order, so equal input gives equal output. Safe to call concurrently.
    ///
    /// - Returns: the record's parameters; `primaryID` is its best global registry ID (NCT, then
    ///   ChiCTR, CTIS, EudraCT, ISRCTN), or a derived "TD-…" ID when it has none. `warnings` lists
    ///   field values that could not be understood.
    public static func extract(_ record: SourceRecord) -> TrialRecord {
        var parameters = TrialParameters()
        var warnings: [String] = []

        StructuredNormalizer.apply(record, into: &parameters, warnings: &warnings)
        let primaryID: TrialID
        if let global = StructuredNormalizer.primaryGlobalID(parameters.registryIDs) {
            primaryID = global
        } else {
            primaryID = StructuredNormalizer.derivedID(record)
            let evidence = Evidence(file: record.file, locator: "derived from record content", quote: primaryID.value)
            parameters.registryIDs.append(Measured(primaryID, evidence))
        }

        let texts = record.fields.filter { freeTextKeys.contains($0.key) }.map(FieldText.init)
        let criteria = CriteriaSplitter.criteria(of: texts, file: record.file)
        parameters.criteria = criteria
        parameters.ageInCriteria = AgeExtractor.fromCriteria(criteria, file: record.file)
        parameters.thresholds = ThresholdExtractor.extract(criteria, file: record.file)

        parameters.doses = DoseExtractor.extract(texts, file: record.file)
        parameters.cellDoses = CellDoseExtractor.extract(texts, file: record.file)
        parameters.enrollmentInText = EnrollmentTextExtractor.extract(texts, file: record.file)

        let product = ProductExtractor.extract(texts, file: record.file)
        parameters.products = product.products
        parameters.cellTypes = product.cellTypes
        parameters.targets = product.targets

        return TrialRecord(
            source: SourceRef(file: record.file, format: record.format, index: record.index),
            primaryID: primaryID,
            parameters: parameters,
            warnings: warnings
        )
    }
}
