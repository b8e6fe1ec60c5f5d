import Foundation

// Per-suite deltas besides thresholds: evidence aggregates (Logix's evidenceDeltas), p95 per
// metric point (metricDeltas: ours) and the stability warning (Logix's note).

enum SuiteDeltas {
    /// One evidence's state at a point.
    private enum Snapshot {
        case ok(unit: String, value: ParamValue?)
        case unavailable(unit: String)
        case missing
    }

    private static func snapshot(_ point: PerfReport.Point?, _ name: String) -> Snapshot {
        guard let e = point?.evidence(name) else { return .missing }
        return e.status == "ok" ? .ok(unit: e.unit, value: e.value) : .unavailable(unit: e.unit)
    }

    /// Logix's unit guess from a name: `…bytes…` → bytes, `…ratio…` / `…rate…` → ratio, else count.
    static func inferredUnit(_ name: String) -> String {
        let n = name.lowercased()
        if n.contains("byte") { return "bytes" }
        if n.contains("ratio") || n.contains("rate") { return "ratio" }
        return "count"
    }

    static let cutOffCount = "budget.cutOffCount"

    /// Every evidence name of either suite (plus `budget.cutOffCount`), sorted; an entry when the
    /// aggregates differ, or either side has a non-zero / non-empty value, unavailable or missing
    /// points (Logix's rule).
    static func evidenceDeltas(grid: SuiteGrid, combos: [Params], _ bi: PointIndex, _ ai: PointIndex) -> [PerfDiff.EvidenceDelta] {
        var names: Set<String> = [cutOffCount]
        for suite in [bi.suite, ai.suite] {
            for p in suite.points { for e in p.evidence ?? [] { names.insert(e.name) } }
        }
        var out: [PerfDiff.EvidenceDelta] = []
        for name in names.sorted() {
            let scope: String
            let before: PerfDiff.EvidenceAggregate, after: PerfDiff.EvidenceAggregate
            var unit: String
            if name == cutOffCount {
                scope = "whereSlices"
                before = cutOffAggregate(grid, bi)
                after = cutOffAggregate(grid, ai)
                unit = "count"
            } else {
                scope = "points"
                let (b, bu) = aggregate(name, combos, bi)
                let (a, au) = aggregate(name, combos, ai)
                before = b
                after = a
                unit = bu ?? au ?? inferredUnit(name)
            }
            let changed = before != after
            func notable(_ x: PerfDiff.EvidenceAggregate) -> Bool {
                if x.unavailable > 0 || x.missing > 0 { return true }
                switch x.value {
                case .number(let d): return d != 0
                case .string(let s): return !s.isEmpty
                default: return false
                }
            }
            guard changed || notable(before) || notable(after) else { continue }
            func text(_ x: PerfDiff.EvidenceAggregate) -> String {
                "[value=\(x.value?.description ?? "undefined") ok=\(x.ok) unavailable=\(x.unavailable) missing=\(x.missing)]"
            }
            if unit.isEmpty { unit = inferredUnit(name) }
            out.append(PerfDiff.EvidenceDelta(name: name, unit: unit, scope: scope, before: before, after: after,
                                              message: "\(name)(\(scope)) unit=\(unit): before\(text(before)) after\(text(after))"))
        }
        return out
    }

    /// Aggregate over the grid's points, taken in file order (a report written in matrix order
    /// sums in Logix's order), and the unit of the first point that has the evidence.
    private static func aggregate(_ name: String, _ combos: [Params], _ index: PointIndex) -> (PerfDiff.EvidenceAggregate, String?) {
        var ok = 0, unavailable = 0, missing = 0
        var numbers: [Double] = [], strings: [String] = []
        var unit: String?
        let found = combos.map { index.findIndex($0) }
        missing = found.count { $0 == nil }
        for i in found.compactMap({ $0 }).sorted() {
            switch snapshot(index.suite.points[i], name) {
            case .missing:
                missing += 1
            case .unavailable(let u):
                unit = unit ?? u
                unavailable += 1
            case .ok(let u, let value):
                unit = unit ?? u
                ok += 1
                switch value {
                case .number(let d) where d.isFinite: numbers.append(d)
                case .string(let s): strings.append(s)
                default: break
                }
            }
        }
        let value: ParamValue?
        switch unit ?? inferredUnit(name) {
        case "string": value = strings.last.map(ParamValue.string)
        case "ratio": value = Percentiles.pick(numbers.sorted(), 0.5).map(ParamValue.number)
        default: value = numbers.isEmpty ? nil : .number(numbers.reduce(0, +))
        }
        return (PerfDiff.EvidenceAggregate(ok: ok, unavailable: unavailable, missing: missing, value: value), unit)
    }

    /// `budget.cutOffCount` per where-slice: the first level (ascending) that has the evidence.
    private static func cutOffAggregate(_ grid: SuiteGrid, _ index: PointIndex) -> PerfDiff.EvidenceAggregate {
        var ok = 0, unavailable = 0, missing = 0
        var total = 0.0
        for slice in grid.whereCombos() {
            var picked: Snapshot = .missing
            for level in grid.primaryLevels {
                var p = slice
                p[grid.primaryAxis] = level
                let s = snapshot(index.find(p), cutOffCount)
                if case .missing = s { continue }
                picked = s
                break
            }
            switch picked {
            case .missing: missing += 1
            case .unavailable: unavailable += 1
            case .ok(_, let value):
                ok += 1
                if case .number(let d) = value, d.isFinite { total += d }
            }
        }
        return PerfDiff.EvidenceAggregate(ok: ok, unavailable: unavailable, missing: missing, value: ok > 0 ? .number(total) : nil)
    }

    /// What only one side has (ours): grid points present in one report only, and — where both
    /// points are ok — metrics one point has and the other lacks (a renamed metric counts on both
    /// sides). Notes name the first of each: `missingPoints: 3 (first: {…} missing in after report)`.
    static func gaps(combos: [Params], _ bi: PointIndex, _ ai: PointIndex) -> (points: Int, metrics: Int, notes: [String]) {
        var points = 0, metrics = 0
        var firstPoint: String?, firstMetric: String?
        for params in combos {
            let bp = bi.find(params), ap = ai.find(params)
            guard let bp, let ap else {
                if bp != nil || ap != nil {
                    points += 1
                    firstPoint = firstPoint ?? "\(stableParamsKey(params)) missing in \(bp == nil ? "before" : "after") report"
                }
                continue
            }
            guard bp.status == "ok" && ap.status == "ok" else { continue }
            let bn = Set(bp.metrics.map(\.name)), an = Set(ap.metrics.map(\.name))
            for (name, side) in bn.subtracting(an).sorted().map({ ($0, "after") }) + an.subtracting(bn).sorted().map({ ($0, "before") }) {
                metrics += 1
                firstMetric = firstMetric ?? "\(name) at \(stableParamsKey(params)) missing in \(side) report"
            }
        }
        var notes: [String] = []
        if let firstPoint { notes.append("missingPoints: \(points) (first: \(firstPoint))") }
        if let firstMetric { notes.append("missingMetrics: \(metrics) (first: \(firstMetric))") }
        return (points, metrics, notes)
    }

    /// p95 per metric (sorted by name) over the grid's points.
    static func metricDeltas(_ b: PerfReport.Suite, _ a: PerfReport.Suite, combos: [Params], _ bi: PointIndex,
                             _ ai: PointIndex) -> [PerfDiff.MetricDelta] {
        var units: [String: String] = [:]
        for suite in [b, a] {
            for p in suite.points { for m in p.metrics where units[m.name] == nil { units[m.name] = m.unit } }
        }
        var out: [PerfDiff.MetricDelta] = []
        for name in units.keys.sorted() {
            var compared = 0, missing = 0, unavailable = 0
            var deltas: [PerfDiff.MetricPointDelta] = []
            for params in combos {
                guard let bp = bi.find(params), let ap = ai.find(params), bp.metric(name) != nil, ap.metric(name) != nil else {
                    missing += 1
                    continue
                }
                guard case .success(let x) = Thresholds.p95(bp, name), case .success(let y) = Thresholds.p95(ap, name) else {
                    unavailable += 1
                    continue
                }
                compared += 1
                let bs = bp.metric(name)?.stats, as_ = ap.metric(name)?.stats
                deltas.append(PerfDiff.MetricPointDelta(params: bp.params, beforeP95Ms: x, afterP95Ms: y, deltaMs: y - x,
                                                        ratio: x > 0 ? y / x : nil, beforeMedianMs: bs?.medianMs,
                                                        afterMedianMs: as_?.medianMs, beforeMinMs: bs?.minMs, afterMinMs: as_?.minMs))
            }
            // Largest change first; ties keep grid order.
            let regressions = deltas.enumerated().filter { $0.element.deltaMs > 0 }
                .sorted { (-$0.element.deltaMs, $0.offset) < (-$1.element.deltaMs, $1.offset) }.prefix(5).map(\.element)
            let improvements = deltas.enumerated().filter { $0.element.deltaMs < 0 }
                .sorted { ($0.element.deltaMs, $0.offset) < ($1.element.deltaMs, $1.offset) }.prefix(5).map(\.element)
            out.append(PerfDiff.MetricDelta(metric: name, unit: units[name] ?? "ms", compared: compared, missing: missing,
                                            unavailable: unavailable, topRegressions: regressions, topImprovements: improvements))
        }
        return out
    }

    /// Logix's stability warning: the first metric point (metrics in order of appearance, points in
    /// grid order) whose |Δp95| exceeds max(maxP95DeltaMs, before p95 · maxP95DeltaRatio).
    static func stabilityWarning(_ b: PerfReport.Suite, _ a: PerfReport.Suite, combos: [Params], _ bi: PointIndex,
                                 _ ai: PointIndex, _ stability: PerfReport.Stability) -> String? {
        var metrics: [String] = []
        var seen: Set<String> = []
        for suite in [b, a] {
            for p in suite.points { for m in p.metrics where seen.insert(m.name).inserted { metrics.append(m.name) } }
        }
        func fixed2(_ d: Double) -> String { String(format: "%.2f", d) }
        for metric in metrics {
            for params in combos {
                guard let bp = bi.find(params), let ap = ai.find(params),
                      case .success(let baseline) = Thresholds.p95(bp, metric),
                      case .success(let current) = Thresholds.p95(ap, metric),
                      baseline.isFinite, current.isFinite, baseline > 0 else { continue }
                let diff = abs(current - baseline)
                let limit = max(stability.maxP95DeltaMs, baseline * stability.maxP95DeltaRatio)
                if diff > limit {
                    return "stabilityWarning: metric=\(metric) \(stableParamsKey(params)) baselineP95=\(fixed2(baseline))ms "
                        + "afterP95=\(fixed2(current))ms diff=\(fixed2(diff))ms limit=\(fixed2(limit))ms "
                        + "(possible causes: tab switch, power-saving mode, background load, browser/version drift)"
                }
            }
        }
        return nil
    }
}
