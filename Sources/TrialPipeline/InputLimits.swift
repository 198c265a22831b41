/// How much one input may make a run read: a larger file or archive entry is refused with an
/// error naming it, and the run goes on with the others.
public struct InputLimits: Sendable, Equatable {
    /// The largest file or archive entry read, in bytes (`--max-input-size`, in MiB).
    public var maxBytes: Int
    /// The most an archive entry past 16 MiB may inflate per compressed byte: registry exports
    /// compress about 10:1, a zip bomb of zeros about 1000:1.
    public var maxInflationRatio: Int

    public init(maxBytes: Int = InputLimits.defaultMaxBytes, maxInflationRatio: Int = 100) {
        self.maxBytes = maxBytes
        self.maxInflationRatio = maxInflationRatio
    }

    /// 256 MiB: far above any registry export file (a ClinicalTrials.gov record is under 1 MB,
    /// an API page of 1,000 studies about 20 MB), and below what a few-GB machine can parse in
    /// memory (a JSON page is parsed at about 14 times its size).
    public static let defaultMaxBytes = 256 << 20

    public static let `default` = InputLimits()
}
