// What a confirmation round of `converge ab` re-measures (docs/perf-diff.md, "Interleaved A/B"):
// a diff's calls (the threshold deltas it counts) and the primary-axis levels where they arose.

/// One call of a diff: a budget's slice whose maxLevel moved, and which way.
public struct DiffCall: Hashable, Sendable, CustomStringConvertible {
    /// `PerfReport.Budget.name`.
    public var budget: String
    /// The slice (`stableParamsKey`), empty when it has no axes.
    public var slice: String
    /// True when the after side's maxLevel is the lower one.
    public var regression: Bool

    public var description: String { "\(regression ? "regression" : "improvement") \(budget) \(slice)" }
}

public enum Confirmation {
    /// The calls `diff` counts (every threshold delta; slices within the noise are not deltas),
    /// with the level where each arose: the level after the lower side's maxLevel, i.e. where
    /// that side's scan stopped. `primaryLevels` are the grid's levels in scan order; a call
    /// whose stop level is not among them (or whose maxLevels are) maps to nil.
    public static func calls(_ diff: PerfDiff, primaryLevels: [ParamValue]) -> [DiffCall: ParamValue?] {
        var out: [DiffCall: ParamValue?] = [:]
        for suite in diff.suites {
            for t in suite.thresholdDeltas ?? [] {
                guard let b = index(t.beforeMaxLevel, primaryLevels), let a = index(t.afterMaxLevel, primaryLevels), a != b else { continue }
                let stop = min(a, b) + 1
                out[call(t, primaryLevels)] = stop < primaryLevels.count ? primaryLevels[stop] : nil
            }
        }
        return out
    }

    /// The call a threshold delta makes (a maxLevel that is not a level counts as none).
    static func call(_ t: PerfDiff.ThresholdDelta, _ levels: [ParamValue]) -> DiffCall {
        DiffCall(budget: t.budget.name, slice: stableParamsKey(t.where),
                 regression: (index(t.afterMaxLevel, levels) ?? -1) < (index(t.beforeMaxLevel, levels) ?? -1))
    }

    /// A maxLevel's position in `levels`: −1 for nil (no level passed), nil when not a level.
    static func index(_ level: ParamValue?, _ levels: [ParamValue]) -> Int? {
        guard let level else { return -1 }
        return levels.firstIndex(of: level)
    }
}

extension Confirmation {
    /// `diff` with only the calls in `reproduced` (the calls of the measurement before the last
    /// re-measure): a call that the last re-measure of its level made, and the one before did
    /// not, is dropped. Counts and the suites' `mostSignificantRegression` note are recomputed;
    /// the dropped calls are counted in `summary.unconfirmed` and named in a note
    /// (`unconfirmed: N (first: …)`).
    public static func keeping(_ diff: PerfDiff, reproduced: Set<DiffCall>, primaryLevels: [ParamValue]) -> PerfDiff {
        var out = diff
        var regressions = 0, improvements = 0, dropped = 0
        for (i, suite) in diff.suites.enumerated() {
            guard let deltas = suite.thresholdDeltas else { continue }
            var kept: [PerfDiff.ThresholdDelta] = [], gone: [PerfDiff.ThresholdDelta] = []
            var worst: (drop: Int, delta: PerfDiff.ThresholdDelta)?
            for t in deltas {
                let b = index(t.beforeMaxLevel, primaryLevels) ?? -1, a = index(t.afterMaxLevel, primaryLevels) ?? -1
                guard reproduced.contains(call(t, primaryLevels)) else { gone.append(t); continue }
                kept.append(t)
                if a < b {
                    regressions += 1
                    if worst == nil || a - b < worst!.drop { worst = (a - b, t) }
                } else if a > b {
                    improvements += 1
                }
            }
            dropped += gone.count
            guard !gone.isEmpty else { continue }
            var notes = (suite.notes ?? "").split(separator: "; ").map(String.init)
                .filter { !$0.isEmpty && !$0.hasPrefix("mostSignificantRegression: ") }
            if let worst { notes.insert(PerfDiff.mostSignificantRegressionNote(worst.delta), at: 0) }
            notes.append("unconfirmed: \(gone.count) (first: \(gone[0].message))")
            out.suites[i].thresholdDeltas = kept.isEmpty ? nil : kept
            out.suites[i].notes = notes.joined(separator: "; ")
        }
        out.summary.regressions = regressions
        out.summary.improvements = improvements
        out.summary.unconfirmed = dropped > 0 ? dropped + (diff.summary.unconfirmed ?? 0) : diff.summary.unconfirmed
        return out
    }
}
