import Foundation

// The upper-bound check (docs/perf-report.md, "The upper bound"): ConvergeKernel's native levels
// are the upper bound the WASM and JS backends are measured against, so at every point — one
// combination of the axes other than `kernelBackend` (convergeMode × steps × dirtyRootsRatio in
// converge.txnCommit; the derived `dirtyRoots` aside) — the best native median (the smallest among
// the native backends measured there) must be ≤ every other backend's median. `portable` (L0, pure
// Swift) is a host baseline like the JS kernel, not native.
//
// Per point with at least one native and one other backend measured, one comparison per other
// backend: `{kind: "upperBound", metric, numeratorWhere: {…, kernelBackend: other},
// denominatorWhere: {…, kernelBackend: best native}, unit: "ratio", stats: {median: other ÷ best
// native, p95: ratio of their p95s}, numeratorMedianMs, denominatorMedianMs, holds}`, and the
// suite's `upperBound` summary.

public enum UpperBound {
    /// The comparison kind.
    public static let kind = "upperBound"
    /// The metric compared, by medians.
    public static let metric = "runtime.txnCommitMs"
    /// `converge bench`'s native backends (`Backend.isNative`); also what the views
    /// assume for a report that carries no `upperBound` summary.
    public static let defaultNativeBackends = ["native-l1", "native-l2", "native-l3", "native-l4"]
    /// The parameter naming the backend.
    public static let backendAxis = "kernelBackend"

    /// The check's comparisons (points in the suite's order, then the other backends in the order
    /// their points appear) and its summary.
    ///
    /// A backend's measurement at a point counts when the point's status is `ok`, its metric is
    /// `ok` with stats, and the median and p95 are finite and ≥ 0. A point whose best native median
    /// is 0 has no finite ratio and is not checked. Points without a `kernelBackend` parameter are
    /// ignored.
    public static func check(_ suite: PerfReport.Suite, nativeBackends: [String] = defaultNativeBackends,
                             metric: String = metric,
                             derivedAxes: Set<String> = Thresholds.defaultDerivedAxes)
        -> (comparisons: [PerfReport.Comparison], summary: PerfReport.UpperBoundSummary) {
        struct Measured { var backend: String; var stats: PerfReport.Stats }
        // Points of the grid in first-appearance order, each with its measured backends.
        var order: [String] = []
        var whereOf: [String: Params] = [:]
        var measured: [String: [Measured]] = [:]
        for p in suite.points {
            guard case .string(let backend)? = p.params[backendAxis] else { continue }
            guard p.status == "ok", let m = p.metric(metric), m.status == "ok", let st = m.stats,
                  st.medianMs.isFinite, st.p95Ms.isFinite, st.medianMs >= 0, st.p95Ms >= 0 else { continue }
            var w = p.params
            w[backendAxis] = nil
            for a in derivedAxes { w[a] = nil }
            let key = stableParamsKey(w)
            if whereOf[key] == nil { order.append(key); whereOf[key] = w }
            // the first measurement of a backend at a point wins (a valid report has only one)
            if measured[key]?.contains(where: { $0.backend == backend }) != true {
                measured[key, default: []].append(Measured(backend: backend, stats: st))
            }
        }

        let native = Set(nativeBackends)
        var comparisons: [PerfReport.Comparison] = []
        var pointsChecked = 0, pointsFailing = 0, failing = 0
        var worst: PerfReport.Comparison?
        for key in order {
            let all = measured[key] ?? []
            let others = all.filter { !native.contains($0.backend) }
            // the fastest native; ties go to the earlier one in nativeBackends
            let natives = all.filter { native.contains($0.backend) }.sorted {
                $0.stats.medianMs != $1.stats.medianMs ? $0.stats.medianMs < $1.stats.medianMs
                    : (nativeBackends.firstIndex(of: $0.backend) ?? 0) < (nativeBackends.firstIndex(of: $1.backend) ?? 0)
            }
            guard let best = natives.first, !others.isEmpty, best.stats.medianMs > 0 else { continue }
            var pointFails = false, compared = false
            for o in others {
                var num = whereOf[key] ?? [:], den = num
                num[backendAxis] = .string(o.backend)
                den[backendAxis] = .string(best.backend)
                let ratio = o.stats.medianMs / best.stats.medianMs
                // p95 ≥ median > 0 in a valid report; a hand-made one falls back to the medians' ratio
                let p95 = best.stats.p95Ms > 0 ? o.stats.p95Ms / best.stats.p95Ms : ratio
                guard ratio.isFinite else { continue } // an overflow (1e300 ÷ 1e-300): no ratio to state
                let holds = o.stats.medianMs >= best.stats.medianMs
                let c = PerfReport.Comparison(kind: kind, metric: metric, numeratorWhere: num, denominatorWhere: den, unit: "ratio",
                                              stats: .init(median: ratio, p95: p95.isFinite ? p95 : ratio),
                                              numeratorMedianMs: o.stats.medianMs, denominatorMedianMs: best.stats.medianMs,
                                              holds: holds)
                comparisons.append(c)
                compared = true
                if !holds { failing += 1; pointFails = true }
                if worst == nil || ratio < worst!.stats.median { worst = c }
            }
            if compared { pointsChecked += 1 }
            if pointFails { pointsFailing += 1 }
        }
        let summary = PerfReport.UpperBoundSummary(metric: metric, nativeBackends: nativeBackends, pointsChecked: pointsChecked,
                                                   pointsFailing: pointsFailing, comparisonsChecked: comparisons.count,
                                                   comparisonsFailing: failing, worst: worst)
        return (comparisons, summary)
    }

    /// What the views show: the summary and the failing comparisons, worst (smallest ratio) first.
    public struct Result: Sendable, Equatable {
        public var summary: PerfReport.UpperBoundSummary
        public var failing: [PerfReport.Comparison]
        /// True when read from the report (`upperBound` present), false when computed here.
        public var stored: Bool
    }

    /// The suite's upper-bound check: its `upperBound` summary and `kind: "upperBound"` comparisons
    /// when the report carries them (a comparison missing `holds` fails when its ratio is below 1),
    /// otherwise computed from its points with `defaultNativeBackends` (older reports).
    public static func result(_ suite: PerfReport.Suite) -> Result {
        if let summary = suite.upperBound {
            let failing = (suite.comparisons ?? []).filter { c in
                c.kind == kind && !(c.holds ?? (c.stats.median >= 1))
            }
            return Result(summary: summary, failing: sortedWorstFirst(failing), stored: true)
        }
        let (comparisons, summary) = check(suite)
        return Result(summary: summary, failing: sortedWorstFirst(comparisons.filter { $0.holds == false }), stored: false)
    }

    /// Smallest ratio first; ties keep their order. Non-finite ratios (a hand-edited report) last.
    static func sortedWorstFirst(_ cs: [PerfReport.Comparison]) -> [PerfReport.Comparison] {
        cs.enumerated().sorted { a, b in
            let x = a.element.stats.median, y = b.element.stats.median
            switch (x.isFinite, y.isFinite) {
            case (true, true): return x != y ? x < y : a.offset < b.offset
            case (true, false): return true
            case (false, true): return false
            case (false, false): return a.offset < b.offset
            }
        }.map(\.element)
    }

    /// `wasm-v8 full steps=2000 dirtyRootsRatio=0.005`: the other backend and the point's axes
    /// (convergeMode, steps, dirtyRootsRatio first, then any others by name).
    static func describe(_ c: PerfReport.Comparison) -> (backend: String, native: String, at: String) {
        var w = c.numeratorWhere
        let backend = w[backendAxis].map(\.description) ?? "?"
        w[backendAxis] = nil
        let native = c.denominatorWhere[backendAxis].map(\.description) ?? "?"
        var parts: [String] = []
        if let mode = w["convergeMode"] { parts.append(mode.description); w["convergeMode"] = nil }
        for axis in ["steps", "dirtyRootsRatio"] {
            if let v = w[axis] { parts.append("\(axis)=\(v)"); w[axis] = nil }
        }
        for k in w.keys.sorted() { parts.append("\(k)=\(w[k]!)") }
        return (backend, native, parts.joined(separator: " "))
    }

    /// The headline: "native is the upper bound on N of M points", or why nothing was checked.
    static func headline(_ s: PerfReport.UpperBoundSummary) -> String {
        guard s.pointsChecked > 0 else {
            return "upper bound: not checked (no point has both a native backend (\(s.nativeBackends.joined(separator: ", "))) and another backend measured)"
        }
        let holding = max(0, s.pointsChecked - s.pointsFailing)
        var line = "native is the upper bound on \(holding) of \(s.pointsChecked) points"
        if s.pointsFailing > 0 {
            line += " (\(s.comparisonsFailing) of \(s.comparisonsChecked) comparisons fail)"
        }
        return line
    }

    /// "worst: wasm-v8 full steps=200 dirtyRootsRatio=1 ÷ native-l2 = 0.87".
    static func worstLine(_ s: PerfReport.UpperBoundSummary) -> String? {
        guard let w = s.worst else { return nil }
        let d = describe(w)
        return "worst: \(d.backend) ÷ \(d.native) = \(NumberText.fixed(w.stats.median, 2)) at \(d.at)"
    }
}
