// Threshold levels (maxLevel), Logix's rule: for each budget and each where-slice (a combination
// of the non-primary axes; a relative budget leaves its reference axes out), scan the primary
// axis's levels in ascending order; maxLevel is the last level that passes before the first
// failure, nil when the first level fails. A point that is missing, not ok (timeout / failed /
// skipped) or whose metric is missing or unavailable stops the scan too (docs/perf-diff.md).

/// Computes `suites[i].thresholds` of a report, and the scans `PerfDiff` compares.
public enum Thresholds {
    /// The primary axis when a suite names none.
    public static let defaultPrimaryAxis = "steps"

    /// Parameters that are not axes: they follow from the others (`dirtyRoots` =
    /// `max(1, ceil(steps · dirtyRootsRatio))` varies with the primary axis).
    public static let defaultDerivedAxes: Set<String> = ["dirtyRoots"]

    /// The reason a scan stopped on a budget failure (other reasons name what was missing).
    public static let budgetExceeded = "budgetExceeded"

    /// One threshold per budget and where-slice of `suite`, budgets in the suite's order and
    /// slices in the order of their axes' levels (axes by name). `budget` is `Budget.name`;
    /// `where` is nil when the slice has no axes; `firstFailLevel` / `reason` tell where and why
    /// the scan stopped (both nil when every level passed).
    public static func compute(_ suite: PerfReport.Suite,
                               derivedAxes: Set<String> = defaultDerivedAxes) -> [PerfReport.Threshold] {
        let grid = SuiteGrid([suite], derivedAxes: derivedAxes)
        let index = PointIndex(suite, axes: grid.axes)
        var out: [PerfReport.Threshold] = []
        for budget in suite.budgets ?? [] {
            for slice in grid.whereCombos(excluding: referenceAxes(of: budget)) {
                let r = scan(budget, where: slice, levels: grid.primaryLevels, primaryAxis: grid.primaryAxis, in: index)
                out.append(PerfReport.Threshold(budget: budget.name, where: slice.isEmpty ? nil : slice,
                                                maxLevel: r.maxLevel, firstFailLevel: r.stopLevel, reason: r.reason))
            }
        }
        return out
    }

    /// The axes a relative budget's `numeratorRef` / `denominatorRef` name (empty for absolute).
    public static func referenceAxes(of budget: PerfReport.Budget) -> Set<String> {
        guard budget.type == "relative" else { return [] }
        return Set(parseRef(budget.numeratorRef ?? "").keys).union(parseRef(budget.denominatorRef ?? "").keys)
    }

    /// The outcome of scanning one slice.
    struct Scan: Equatable {
        var maxLevel: ParamValue?
        /// The level the scan stopped at (nil when every level passed).
        var stopLevel: ParamValue?
        /// Why it stopped: `budgetExceeded`, `missing`, `metricMissing`, the point's reason or
        /// status, the metric's `unavailableReason`; relative budgets: `missingNumerator`,
        /// `missingDenominator`, `numerator:<reason>`, `denominator:<reason>`, `denominatorZero`.
        var reason: String?

        /// Logix compares slices in triage mode only when neither side stopped for lack of data.
        var isComparable: Bool { reason == nil || reason == Thresholds.budgetExceeded }
    }

    /// Scans `levels` of the primary axis in `where`.
    static func scan(_ budget: PerfReport.Budget, where slice: Params, levels: [ParamValue], primaryAxis: String,
                     in index: PointIndex) -> Scan {
        var result = Scan()
        func stop(_ level: ParamValue, _ reason: String) -> Scan {
            result.stopLevel = level
            result.reason = reason
            return result
        }
        // no level at all (the points lack the primary axis): nothing passed, say why
        if levels.isEmpty {
            result.reason = "missing"
            return result
        }
        let relative = budget.type == "relative"
        let numeratorRef = parseRef(budget.numeratorRef ?? "")
        let denominatorRef = parseRef(budget.denominatorRef ?? "")
        for level in levels {
            var params = slice
            params[primaryAxis] = level
            if !relative {
                guard let point = index.find(params) else { return stop(level, "missing") }
                switch p95(point, budget.metric) {
                case .failure(let r): return stop(level, r.reason)
                case .success(let p95):
                    guard let limit = budget.p95Ms, p95 <= limit else { return stop(level, budgetExceeded) }
                }
            } else {
                let num = index.find(params.merging(numeratorRef) { $1 }.merging([primaryAxis: level]) { $1 })
                guard let num else { return stop(level, "missingNumerator") }
                let den = index.find(params.merging(denominatorRef) { $1 }.merging([primaryAxis: level]) { $1 })
                guard let den else { return stop(level, "missingDenominator") }
                let n: Double, d: Double
                switch p95(num, budget.metric) {
                case .failure(let r): return stop(level, "numerator:\(r.reason)")
                case .success(let v): n = v
                }
                switch p95(den, budget.metric) {
                case .failure(let r): return stop(level, "denominator:\(r.reason)")
                case .success(let v): d = v
                }
                if d <= 0 { return stop(level, "denominatorZero") }
                guard let maxRatio = budget.maxRatio else { return stop(level, budgetExceeded) }
                let minDelta = budget.minDeltaMs.flatMap { $0.isFinite ? $0 : nil } ?? 0
                if n / d > maxRatio && n - d > minDelta { return stop(level, budgetExceeded) }
            }
            result.maxLevel = level
        }
        return result
    }

    struct StopReason: Error { let reason: String }

    /// A point's p95 of `metric`, or why there is none.
    static func p95(_ point: PerfReport.Point, _ metric: String) -> Result<Double, StopReason> {
        if point.status != "ok" { return .failure(StopReason(reason: point.reason ?? point.status)) }
        guard let m = point.metric(metric) else { return .failure(StopReason(reason: "metricMissing")) }
        guard m.status == "ok" else { return .failure(StopReason(reason: m.unavailableReason ?? m.status)) }
        guard let stats = m.stats else { return .failure(StopReason(reason: "statsMissing")) }
        return .success(stats.p95Ms)
    }
}
