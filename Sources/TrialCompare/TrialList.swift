import TrialModel
import TrialSupport

/// Builds the trials of a landscape one at a time, for landscapes too large to hold: a registry
/// dump's records wait in a spill file and each trial is rebuilt from them when asked for.
public protocol TrialLoader: Sendable {
    /// Number of trials.
    var count: Int { get }
    /// Number of source records over all trials.
    var recordCount: Int { get }
    /// Trial `index` (0 ≤ index < count), in display-ID order. Safe to call from any thread.
    func trial(at index: Int) -> Trial
    /// Where the landscape keeps its matrix columns instead of memory (the file the records
    /// wait in); nil keeps them in memory.
    var spillFile: SpillFile? { get }
    /// Trial `index`'s share of the landscape pass when it was prepared as its records were
    /// read (its matrix column then lies in ``spillFile``); nil builds it from ``trial(at:)``.
    func prepared(at index: Int) -> PreparedTrial?
}

extension TrialLoader {
    public var spillFile: SpillFile? { nil }
    public func prepared(at index: Int) -> PreparedTrial? { nil }
}

/// The trials of a landscape, sorted by display ID.
///
/// A landscape of a few thousand trials holds them in memory. A registry dump of 100k trials
/// holds about 11 KB of extracted parameters and quotes per trial, far more than its matrix and
/// findings; there the list is backed by a ``TrialLoader`` and every access builds the trial
/// again, so memory holds one trial per core at a time. Code that walks the list should do so
/// once per pass, in order or in chunks (as the matrix, the rules and the renderers do), and not
/// look trials up by searching it.
public struct TrialList: ArrayEquivalent, Sendable {
    private enum Storage: Sendable {
        case memory([Trial])
        case loaded(any TrialLoader)
    }

    private let storage: Storage
    /// Number of source records over all trials, known without building any trial.
    public let recordCount: Int

    /// Trials held in memory, in the given order.
    public init(_ trials: [Trial]) {
        storage = .memory(trials)
        recordCount = trials.reduce(0) { $0 + $1.records.count }
    }

    /// Trials built by `loader` on every access.
    public init(loader: any TrialLoader) {
        storage = .loaded(loader)
        recordCount = loader.recordCount
    }

    /// True when the trials are rebuilt on each access rather than held in memory.
    public var isLoaded: Bool {
        if case .loaded = storage { return true }
        return false
    }

    /// Where a landscape of these trials keeps its matrix columns; nil = in memory.
    public var spillFile: SpillFile? {
        if case .loaded(let loader) = storage { return loader.spillFile }
        return nil
    }

    /// Trial `position`'s share of the landscape pass, when its loader prepared it.
    func prepared(at position: Int) -> PreparedTrial? {
        if case .loaded(let loader) = storage { return loader.prepared(at: position) }
        return nil
    }

    public var startIndex: Int { 0 }

    public var endIndex: Int {
        switch storage {
        case .memory(let trials): trials.count
        case .loaded(let loader): loader.count
        }
    }

    public subscript(position: Int) -> Trial {
        switch storage {
        case .memory(let trials):
            return trials[position]
        case .loaded(let loader):
            precondition(position >= 0 && position < loader.count, "trial index out of range")
            return loader.trial(at: position)
        }
    }
}
