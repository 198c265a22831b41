/// How much a finding matters to a reviewer.
public enum Severity: String, Codable, Sendable, Hashable, CaseIterable, Comparable {
    /// A value is wrong or contradicts another: fix before publishing.
    case error
    /// A value is doubtful or probably damaged in export: check it.
    case warning
    /// Worth knowing when writing (e.g. regimens differ across a product's trials).
    case note

    /// Lower is more severe.
    public var rank: Int {
        switch self {
        case .error: 0
        case .warning: 1
        case .note: 2
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }

    /// True when `self` is at least as severe as `threshold`.
    public func isAtLeast(_ threshold: Severity) -> Bool { rank <= threshold.rank }
}

/// Something a reviewer should look at: a rule's verdict on a trial, with the evidence of every
/// value involved.
public struct Finding: Codable, Sendable, Hashable, Comparable {
    /// Stable rule id, e.g. `enrollment-mismatch`.
    public var rule: String
    public var severity: Severity
    /// Display ID of the trial the finding is about (for cross-trial findings, each trial gets
    /// its own copy).
    public var trial: String
    /// What is wrong and what to check, in a sentence a reviewer can act on.
    public var message: String
    /// The quotes of every value involved.
    public var evidence: [Evidence]
    /// Set when an acknowledgement file marks the finding as reviewed.
    public var acknowledged: String?

    public init(rule: String, severity: Severity, trial: String, message: String, evidence: [Evidence], acknowledged: String? = nil) {
        self.rule = rule
        self.severity = severity
        self.trial = trial
        self.message = message
        self.evidence = evidence
        self.acknowledged = acknowledged
    }

    /// Sorted by trial, then severity, then rule and message.
    public static func < (lhs: Finding, rhs: Finding) -> Bool {
        (lhs.trial, lhs.severity.rank, lhs.rule, lhs.message) < (rhs.trial, rhs.severity.rank, rhs.rule, rhs.message)
    }
}
