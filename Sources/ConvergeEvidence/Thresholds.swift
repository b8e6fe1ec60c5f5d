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
        // a change budget compares two reports: only a diff can scan it
        for budget in suite.budgets ?? [] where budget.type != "change" {
            for slice in grid.whereCombos(excluding: excludedAxes(of: budget)) where budget.covers(slice) {
                let r = scan(budget, where: slice, levels: grid.primaryLevels, primaryAxis: grid.primaryAxis, in: index,
                             poolLevels: budget.pool.flatMap { grid.levels[$0] } ?? [])
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

    /// The axes a budget's where-slices leave out: its reference axes, and the axis it pools.
    public static func excludedAxes(of budget: PerfReport.Budget) -> Set<String> {
        referenceAxes(of: budget).union(budget.pool.map { [$0] } ?? [])
    }

    /// The outcome of scanning one slice.
    struct Scan: Equatable {
        var maxLevel: ParamValue?
        /// The level the scan stopped at (nil when every level passed).
        var stopLevel: ParamValue?
        /// Why it stopped: `budgetExceeded`, `missing`, `metricMissing`, the point's reason or
        /// status, the metric's `unavailableReason`; relative budgets: `missingNumerator`,
        /// `missingDenominator`, `numerator:<reason>`, `denominator:<reason>`, `denominatorZero`;
        /// change budgets: `missingReference`, `reference:<reason>`.
        var reason: String?
        /// Noise-robust budgets: the levels the scan passed whose interval held the limit.
        var uncertainLevels: [ParamValue] = []

        /// Logix compares slices in triage mode only when neither side stopped for lack of data.
        var isComparable: Bool { reason == nil || reason == Thresholds.budgetExceeded }
    }

    /// One level's outcome: a verdict, or why the data is missing.
    enum LevelOutcome: Equatable {
        case verdict(RobustVerdict)
        case stop(String)
    }

    /// Scans `levels` of the primary axis in `where`. A change budget compares each point with
    /// the same point of `reference` (the other report of a diff); without one it cannot be
    /// scanned (`Thresholds.compute` leaves change budgets out).
    static func scan(_ budget: PerfReport.Budget, where slice: Params, levels: [ParamValue], primaryAxis: String,
                     in index: PointIndex, reference: PointIndex? = nil, poolLevels: [ParamValue] = []) -> Scan {
        var result = Scan()
        // no level at all (the points lack the primary axis): nothing passed, say why
        if levels.isEmpty {
            result.reason = "missing"
            return result
        }
        for level in levels {
            switch evaluate(budget, where: slice, level: level, primaryAxis: primaryAxis, in: index, reference: reference,
                            poolLevels: poolLevels) {
            case .stop(let reason):
                result.stopLevel = level
                result.reason = reason
                return result
            case .verdict(.fail):
                result.stopLevel = level
                result.reason = budgetExceeded
                return result
            case .verdict(.uncertain):
                result.uncertainLevels.append(level)
            case .verdict(.pass):
                break
            }
            result.maxLevel = level
        }
        return result
    }

    /// The budget at one level of a slice. Logix's budgets (p95) pass or fail; noise-robust ones
    /// (median) can also be `uncertain`.
    static func evaluate(_ budget: PerfReport.Budget, where slice: Params, level: ParamValue, primaryAxis: String,
                         in index: PointIndex, reference: PointIndex? = nil, poolLevels: [ParamValue] = []) -> LevelOutcome {
        // a budget normalised by a probe: how much slower the machine was (this run against the
        // other, or the numerator's points against the denominator's) — at each point, from its own
        // evidence; with `normalizeRef`, at the level, from the points it names
        let levelScale = budget.normalizeRef == nil ? nil
            : machineScale(budget, where: slice, level: level, primaryAxis: primaryAxis, in: index, reference: reference, poolLevels: poolLevels)
        func scale(at value: ParamValue?) -> Double {
            levelScale ?? machineScale(budget, where: slice, level: level, primaryAxis: primaryAxis, in: index, reference: reference,
                                       poolLevels: value.map { [$0] } ?? [])
        }
        if let pool = budget.pool {
            // a pooled level: every point of the pooled axis judged alone, then a majority vote
            guard !poolLevels.isEmpty else { return .stop("missing") }
            var fails = 0, passes = 0
            for value in poolLevels {
                var one = slice
                one[pool] = value
                switch evaluatePoint(budget, where: one, level: level, primaryAxis: primaryAxis, in: index, reference: reference,
                                     scale: scale(at: value)) {
                case .stop(let reason): return .stop("\(pool)=\(value):\(reason)")
                case .verdict(.fail): fails += 1
                case .verdict(.pass): passes += 1
                case .verdict(.uncertain): break
                }
            }
            if 2 * fails > poolLevels.count { return .verdict(.fail) }
            if 2 * passes > poolLevels.count { return .verdict(.pass) }
            return .verdict(.uncertain)
        }
        return evaluatePoint(budget, where: slice, level: level, primaryAxis: primaryAxis, in: index, reference: reference,
                             scale: scale(at: nil))
    }

    /// The machine's own slowdown, for a budget with `normalizeEvidence`: the median, over the
    /// points of `poolLevels` (one point: its own ratio; `evaluate` passes one point unless the
    /// budget has `normalizeRef`), of a ratio of that evidence (ms; v2: `machine.memProbeMs`).
    /// - a change budget: this report's evidence over the reference report's at the same point (on
    ///   the points `normalizeRef` names instead of the slice's own, when it is set: e.g.
    ///   `floor.cLoopMs` of `kernelBackend=native-l3`) — how much slower this run's machine was;
    /// - a relative budget: the numerator point's evidence over the denominator point's, in this
    ///   report — how much slower the machine was while the numerator was measured (auto's points
    ///   and dirty's are measured seconds apart, in other chunks or processes).
    /// The numerator's or this side's interval is divided by it. When no point has the evidence on
    /// both sides, `normalizeFallback` of the same points stands in; 1 when neither gives a ratio
    /// or the budget has none (the budget is then judged raw).
    static func machineScale(_ budget: PerfReport.Budget, where slice: Params, level: ParamValue, primaryAxis: String,
                             in index: PointIndex, reference: PointIndex?, poolLevels: [ParamValue]) -> Double {
        guard let name = budget.normalizeEvidence else { return 1 }
        /// The pooled sites of a level (the slice merged with `ref`), each as a params set.
        func sites(_ ref: Params) -> [Params] {
            var base = slice.merging(ref) { $1 }
            base[primaryAxis] = level
            return budget.pool.map { pool in poolLevels.map { base.merging([pool: $0]) { $1 } } } ?? [base]
        }
        /// The median ratio of `name` over pairs of points (geometric mean of the middle two).
        func medianRatio(_ name: String, _ pairs: [(PerfReport.Point?, PerfReport.Point?)]) -> Double? {
            var ratios: [Double] = []
            for case let (mine?, theirs?) in pairs {
                guard case .success(let a) = evidenceValue(mine, name), case .success(let b) = evidenceValue(theirs, name),
                      a > 0, b > 0 else { continue }
                ratios.append(a / b)
            }
            guard !ratios.isEmpty else { return nil }
            ratios.sort()
            let n = ratios.count
            return n % 2 == 1 ? ratios[n / 2] : (ratios[n / 2 - 1] * ratios[n / 2]).squareRoot()
        }
        switch budget.type {
        case "change":
            guard let reference else { return 1 }
            func scale(_ name: String, at ref: Params) -> Double? {
                medianRatio(name, sites(ref).map { (index.find($0), reference.find($0)) })
            }
            return scale(name, at: parseRef(budget.normalizeRef ?? ""))
                ?? budget.normalizeFallback.flatMap { scale($0, at: [:]) }
                ?? 1
        case "relative":
            let num = parseRef(budget.numeratorRef ?? ""), den = parseRef(budget.denominatorRef ?? "")
            let pairs = zip(sites(num), sites(den)).map { (index.find($0.0), index.find($0.1)) }
            return medianRatio(name, pairs) ?? budget.normalizeFallback.flatMap { medianRatio($0, pairs) } ?? 1
        default:
            return 1
        }
    }

    /// The budget at one point (a slice's level, without pooling). `scale`: the machine's slowdown
    /// (``machineScale``; a change budget's side, a relative budget's numerator is divided by it).
    static func evaluatePoint(_ budget: PerfReport.Budget, where slice: Params, level: ParamValue, primaryAxis: String,
                              in index: PointIndex, reference: PointIndex?, scale: Double = 1) -> LevelOutcome {
        var params = slice
        params[primaryAxis] = level
        let minDelta = budget.minDeltaMs.flatMap { $0.isFinite ? $0 : nil } ?? 0
        switch budget.type {
        case "absolute":
            guard let point = index.find(params) else { return .stop("missing") }
            let value: MedianInterval
            switch interval(point, budget) {
            case .failure(let r): return .stop(r.reason)
            case .success(let v): value = v
            }
            guard let limit = budget.isRobust ? budget.maxMs : budget.p95Ms else { return .verdict(.fail) }
            return .verdict(judge(value, limit: limit))
        case "change":
            guard let reference else { return .stop("missingReference") }
            guard let point = index.find(params) else { return .stop("missing") }
            guard let other = reference.find(params) else { return .stop("missingReference") }
            let n: MedianInterval, d: MedianInterval
            switch interval(point, budget) {
            case .failure(let r): return .stop(r.reason)
            case .success(let v): n = v
            }
            switch interval(other, budget) {
            case .failure(let r): return .stop("reference:\(r.reason)")
            case .success(let v): d = v
            }
            let (sn, sd) = atFasterSpeed(n, d, scale: scale)
            return .verdict(judgeRatio(sn, sd, budget, minDelta: minDelta))
        default:
            let num = index.find(params.merging(parseRef(budget.numeratorRef ?? "")) { $1 }.merging([primaryAxis: level]) { $1 })
            guard let num else { return .stop("missingNumerator") }
            let den = index.find(params.merging(parseRef(budget.denominatorRef ?? "")) { $1 }.merging([primaryAxis: level]) { $1 })
            guard let den else { return .stop("missingDenominator") }
            let n: MedianInterval, d: MedianInterval
            switch interval(num, budget) {
            case .failure(let r): return .stop("numerator:\(r.reason)")
            case .success(let v): n = v
            }
            if let name = budget.denominatorEvidence {
                switch evidenceValue(den, name) {
                case .failure(let r): return .stop("denominator:\(r.reason)")
                case .success(let v): d = .exact(v)
                }
            } else {
                switch interval(den, budget) {
                case .failure(let r): return .stop("denominator:\(r.reason)")
                case .success(let v): d = v
                }
            }
            if d.median <= 0 { return .stop("denominatorZero") }
            let (sn, sd) = atFasterSpeed(n, d, scale: scale)
            return .verdict(judgeRatio(sn, sd, budget, minDelta: minDelta))
        }
    }

    /// `n` and `d` brought to one machine speed, the faster one's: `scale` is how much slower the
    /// machine was while `n` was measured (``machineScale``). The ratio is the same whichever side
    /// is scaled; `minDeltaMs`, an absolute difference, is then judged at the faster speed, so a
    /// side that met a slow stretch does not double the difference it is judged by (seen:
    /// js-v8's auto 0.8 µs above dirty at full speed, 1.6 µs when dirty's points were the slow ones,
    /// flipping `auto<=dirty*1.05` around its 1 µs between two runs of one build).
    package static func atFasterSpeed(_ n: MedianInterval, _ d: MedianInterval, scale: Double) -> (MedianInterval, MedianInterval) {
        guard scale.isFinite, scale > 0, scale != 1 else { return (n, d) }
        return scale > 1 ? (n.over(scale) ?? n, d) : (n, d.over(1 / scale) ?? d)
    }

    /// An interval against a limit; an exact value (Logix's p95) is simply pass or fail.
    static func judge(_ v: MedianInterval, limit: Double) -> RobustVerdict {
        if v.low > limit { return .fail }
        if v.high <= limit { return .pass }
        return .uncertain
    }

    /// `n / d` against `maxRatio`, where the budget fails only when also `n − d > minDelta`
    /// (medians). Exact values reduce to Logix's rule.
    package static func judgeRatio(_ n: MedianInterval, _ d: MedianInterval, _ budget: PerfReport.Budget, minDelta: Double) -> RobustVerdict {
        guard let maxRatio = budget.maxRatio else { return .fail }
        if n.median - d.median <= minDelta { return .pass }
        guard d.low > 0, let ratio = n.over(d) else { return d.median > 0 && n.median / d.median <= maxRatio ? .pass : .fail }
        return judge(ratio, limit: maxRatio)
    }

    /// A noise-robust budget's interval of the point's median, or Logix's p95 as an exact value.
    static func interval(_ point: PerfReport.Point, _ budget: PerfReport.Budget) -> Result<MedianInterval, StopReason> {
        if point.status != "ok" { return .failure(StopReason(reason: point.reason ?? point.status)) }
        guard let m = point.metric(budget.metric) else { return .failure(StopReason(reason: "metricMissing")) }
        guard m.status == "ok" else { return .failure(StopReason(reason: m.unavailableReason ?? m.status)) }
        guard let stats = m.stats else { return .failure(StopReason(reason: "statsMissing")) }
        guard budget.isRobust else { return .success(.exact(stats.p95Ms)) }
        guard let samples = m.samples, var ci = MedianInterval.of(samples: samples) else { return .success(.exact(stats.medianMs)) }
        // the report's median is the one judged; the samples give its spread
        ci.median = stats.medianMs
        ci.low = min(ci.low, stats.medianMs)
        ci.high = max(ci.high, stats.medianMs)
        return .success(ci)
    }

    /// A numeric evidence value (ms) of a point, or why there is none.
    static func evidenceValue(_ point: PerfReport.Point, _ name: String) -> Result<Double, StopReason> {
        if point.status != "ok" { return .failure(StopReason(reason: point.reason ?? point.status)) }
        guard let e = point.evidence(name) else { return .failure(StopReason(reason: "evidenceMissing")) }
        guard e.status == "ok" else { return .failure(StopReason(reason: e.unavailableReason ?? e.status)) }
        guard case .number(let v) = e.value, v.isFinite else { return .failure(StopReason(reason: "evidenceNotANumber")) }
        return .success(v)
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
