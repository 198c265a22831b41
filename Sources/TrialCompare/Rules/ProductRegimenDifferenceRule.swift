import Foundation
import TrialModel

/// Lists, for trials that share a product code (KN5501 in several protocols), the eligibility
/// thresholds and regimens that differ between them: LVEF ≥ 45 / 50 / 55 %, cyclophosphamide
/// 300 mg/m²/day × 3 days vs 1000 mg/m² once, ECOG ≤ 1 vs ≤ 2, age ≤ 65 vs ≤ 70.
///
/// These are notes for the writer of a landscape report, not errors: protocols of one product
/// legitimately differ, but a report must not quote one trial's figure for another. One finding
/// per parameter per product, copied onto every trial of the product (each with its own trial
/// ID and the same message), listing every trial's value, "not stated" included (for a product
/// of many trials, each value with its count of trials). A parameter is reported when at least
/// two different values are stated.
struct ProductRegimenDifferenceRule: LandscapeRule {
    let id = "product-regimen-difference"

    /// One trial's statement of a parameter.
    private struct Cell {
        var trial: String
        var display: String?
        /// What is compared: the value without a lost ("=") comparator.
        var key: String
        var evidence: [Evidence]
    }

    /// One stated value: how it reads, what is compared, its quotes.
    private struct Stated {
        var display: String
        var key: String
        var evidence: [Evidence]
    }

    /// The trial's ID with the parameters compared here (products, age bands, thresholds, doses,
    /// cell doses), or nil when it names no product.
    func part(of trial: Trial) -> Trial? {
        guard !trial.parameters.products.isEmpty else { return nil }
        let p = trial.parameters
        var kept = TrialParameters()
        kept.products = p.products
        kept.ageInCriteria = p.ageInCriteria
        kept.ageStructured = p.ageStructured
        kept.thresholds = p.thresholds
        kept.doses = p.doses
        kept.cellDoses = p.cellDoses
        return Trial(id: trial.id, registryIDs: [], records: [], parameters: kept)
    }

    func check(_ trials: [Trial]) -> [Finding] {
        // Products in order of first appearance (trials are sorted by ID).
        var products: [String] = []
        var members: [String: [Int]] = [:]
        for (i, t) in trials.enumerated() {
            for p in t.parameters.products where members[p.value]?.last != i {
                if members[p.value] == nil { products.append(p.value) }
                members[p.value, default: []].append(i)
            }
        }
        var findings: [Finding] = []
        for product in products {
            let group = members[product, default: []].map { trials[$0] }
            guard group.count > 1 else { continue }
            for (name, values) in Self.parameters(group) {
                let cells = group.map { t -> Cell in
                    let v = values(t.parameters)
                    return Cell(
                        trial: t.id.value, display: v.isEmpty ? nil : v.map(\.display).joined(separator: " and "),
                        key: v.map(\.key).sorted().joined(separator: "|"), evidence: v.flatMap(\.evidence))
                }
                let stated = cells.filter { $0.display != nil }.map(\.key)
                guard Set(stated).count > 1 else { continue }
                if group.count <= Self.listedTrials {
                    let listed = cells.map { "\($0.trial) \($0.display ?? "not stated")" }
                    let message =
                        "Trials of \(product) differ in \(name): \(listed.joined(separator: "; ")); quote each trial's own value."
                    var evidence: [Evidence] = []
                    var seen: Set<Evidence> = []
                    for c in cells { for e in c.evidence where seen.insert(e).inserted { evidence.append(e) } }
                    for t in group {
                        findings.append(Finding(rule: id, severity: .note, trial: t.id.value, message: message, evidence: evidence))
                    }
                } else {
                    findings += summarized(product: product, parameter: name, cells: cells)
                }
            }
        }
        return findings
    }

    /// Up to this many trials of a product, a finding lists each trial's value; above it (a
    /// drug in hundreds of trials), it counts the trials of each value, so that the findings of
    /// a product grow with its trials, not with their square.
    static let listedTrials = 12

    /// Findings for a large group: each value with its number of trials and the first few IDs;
    /// each trial's finding quotes its own value and one quote of every other value.
    private func summarized(product: String, parameter: String, cells: [Cell]) -> [Finding] {
        var order: [String] = []
        var byKey: [String: (display: String, trials: [String], evidence: Evidence?)] = [:]
        for c in cells {
            let key = c.display == nil ? "\u{0}not stated" : c.key
            if byKey[key] == nil {
                order.append(key)
                byKey[key] = (c.display ?? "not stated", [], c.evidence.first)
            }
            byKey[key]!.trials.append(c.trial)
        }
        // Stated values first, most trials first; "not stated" last.
        order.sort { a, b in
            let (x, y) = (byKey[a]!, byKey[b]!)
            if (a.hasPrefix("\u{0}")) != (b.hasPrefix("\u{0}")) { return !a.hasPrefix("\u{0}") }
            return x.trials.count != y.trials.count ? x.trials.count > y.trials.count : x.display < y.display
        }
        let shown = 5
        let listed = order.map { key -> String in
            let v = byKey[key]!
            let ids = v.trials.prefix(shown).joined(separator: ", ") + (v.trials.count > shown ? ", …" : "")
            return "\(v.display) (\(v.trials.count) trial\(v.trials.count == 1 ? "" : "s"): \(ids))"
        }
        let message =
            "\(cells.count) trials of \(product) differ in \(parameter): \(listed.joined(separator: "; ")); quote each trial's own value."
        return cells.map { c in
            var evidence = c.evidence
            var seen = Set(evidence)
            for key in order where key != c.key {
                if let e = byKey[key]!.evidence, seen.insert(e).inserted { evidence.append(e) }
            }
            return Finding(rule: id, severity: .note, trial: c.trial, message: message, evidence: evidence)
        }
    }

    private typealias Values = @Sendable (TrialParameters) -> [Stated]

    /// The compared parameters: the age band, each threshold measure and each dose agent found
    /// in the group, in order of first appearance.
    private static func parameters(_ group: [Trial]) -> [(String, Values)] {
        var measures: [String] = []
        var agents: [String] = []
        var (seenMeasures, seenAgents): (Set<String>, Set<String>) = ([], [])
        for t in group {
            for m in t.parameters.thresholds where seenMeasures.insert(m.value.measure).inserted { measures.append(m.value.measure) }
            for d in t.parameters.doses where seenAgents.insert(d.value.agent).inserted { agents.append(d.value.agent) }
        }
        var out: [(String, Values)] = [
            (
                "age band",
                { p in
                    // The criteria's own band (stated in inclusion, else implied by exclusion), else the
                    // structured one; compared by its ends, so "> 18" and "≥ 18" are one band here.
                    let stated = p.ageInCriteria.filter { $0.value.basis != .exclusion }
                    let ages = !stated.isEmpty ? stated : (p.ageInCriteria.isEmpty ? p.ageStructured : p.ageInCriteria)
                    return merged(
                        ages.map {
                            let key = "\($0.value.minYears.map(Display.number) ?? "")-\($0.value.maxYears.map(Display.number) ?? "")"
                            return Stated(display: $0.value.display, key: key, evidence: $0.evidence)
                        })
                }
            )
        ]
        for m in measures {
            out.append(
                (
                    "\(m) threshold",
                    { p in
                        merged(
                            p.thresholds(m).map { t in
                                // Compared by meaning: a lost comparator ("= 3 × ULN") is the limit "≤ 3 × ULN"
                                // (`lost-comparator` reports it), and an exclusion "< 45 %" the inclusion "≥ 45 %".
                                Stated(
                                    display: t.value.display,
                                    key: "\(t.value.bound.rawValue) \(Display.number(t.value.value)) \(t.value.unit) \(t.value.cohort ?? "")",
                                    evidence: t.evidence)
                            })
                    }
                ))
        }
        for a in agents {
            out.append(
                ("\(a) dose", { p in merged(p.doses(a).map { Stated(display: $0.value.display, key: $0.value.display, evidence: $0.evidence) }) }))
        }
        out.append(
            ("cell dose", { p in merged(p.cellDoses.map { Stated(display: $0.value.display, key: $0.value.display, evidence: $0.evidence) }) }))
        return out
    }

    /// Equal keys merged (the first display kept), order kept.
    private static func merged(_ items: [Stated]) -> [Stated] {
        var out: [Stated] = []
        var position: [String: Int] = [:]
        for item in items {
            if let i = position[item.key] {
                out[i].evidence += item.evidence
            } else {
                position[item.key] = out.count
                out.append(item)
            }
        }
        return out
    }
}
