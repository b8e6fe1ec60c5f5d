import Foundation

// `converge diff`: two reports → comparability, threshold deltas (regressions / improvements),
// evidence and metric deltas, notes; Logix's perf-diff rules (docs/perf-diff.md).

extension PerfDiff {
    /// Diffs two reports.
    ///
    /// Throws `.notComparable` (listing the mismatches) when there are config mismatches without
    /// `allowConfigDrift` or env mismatches without `allowEnvDrift`; with the flags the diff is a
    /// triage diff: `comparable` false, each slice compared over the levels both reports have, and
    /// `summary.slices` accounts for every slice.
    ///
    /// - Parameters:
    ///   - beforeFile, afterFile: the names written to `meta.from.file` / `meta.to.file` and used
    ///     in error messages.
    ///   - derivedAxes: parameters that are not axes (default `dirtyRoots`).
    ///   - now: `meta.createdAt`.
    public static func diff(before: PerfReport, beforeFile: String, after: PerfReport, afterFile: String,
                            allowConfigDrift: Bool = false, allowEnvDrift: Bool = false,
                            derivedAxes: Set<String> = Thresholds.defaultDerivedAxes,
                            now: Date = Date()) throws(EvidenceError) -> PerfDiff {
        let comparability = Comparability.assess(before: before, after: after, allowConfigDrift: allowConfigDrift,
                                                 allowEnvDrift: allowEnvDrift)
        if let refusal = comparability.refusal(beforeFile: beforeFile, afterFile: afterFile) { throw refusal }
        let triage = allowConfigDrift || allowEnvDrift

        var summary = Summary(regressions: 0, improvements: 0)
        var slices = Slices()
        var budgetExceeded = 0, timeouts = 0, missingSuites = 0, stabilityWarnings = 0, missingPoints = 0, missingMetrics = 0
        var suiteDiffs: [SuiteDiff] = []
        var totalWithinNoise = 0

        let ids = Set(before.suites.map(\.id)).union(after.suites.map(\.id)).sorted()
        for id in ids {
            guard let b = before.suites.first(where: { $0.id == id }), let a = after.suites.first(where: { $0.id == id }) else {
                missingSuites += 1
                let side = before.suites.contains { $0.id == id } ? "after" : "before"
                suiteDiffs.append(SuiteDiff(id: id, notes: "missing suite in \(side) report"))
                continue
            }
            let grid = SuiteGrid([b, a], derivedAxes: derivedAxes)
            try checkSize(grid, suite: id, b, a, beforeFile: beforeFile, afterFile: afterFile)
            let bi = PointIndex(b, axes: grid.axes), ai = PointIndex(a, axes: grid.axes)
            let levels = grid.primaryLevels
            let budgets = (b.budgets?.isEmpty == false ? b.budgets : a.budgets) ?? []

            var deltas: [ThresholdDelta] = []
            var withinNoiseSlices = 0
            var firstWithinNoise: String?
            var worst: (delta: Int, threshold: ThresholdDelta)?
            for budget in budgets {
                let category = b.metricCategories?[budget.metric] ?? a.metricCategories?[budget.metric]
                let poolLevels = budget.pool.flatMap { grid.levels[$0] } ?? []
                for slice in grid.whereCombos(excluding: Thresholds.excludedAxes(of: budget)) where budget.covers(slice) {
                    slices.total += 1
                    var scanned = levels
                    if triage {
                        scanned = commonLevels(budget, slice, levels, grid.primaryAxis, poolLevels, bi, ai)
                        if scanned.isEmpty {
                            switch (bi.hasAny(slice), ai.hasAny(slice)) {
                            case (true, false): slices.beforeOnly += 1
                            case (false, true): slices.afterOnly += 1
                            case (true, true): slices.skippedData += 1
                            case (false, false): slices.skippedCoverage += 1
                            }
                            continue
                        }
                    }
                    // a change budget scans each side against the other (after ÷ before, before ÷ after)
                    let bs = Thresholds.scan(budget, where: slice, levels: scanned, primaryAxis: grid.primaryAxis, in: bi, reference: ai,
                                             poolLevels: poolLevels)
                    let as_ = Thresholds.scan(budget, where: slice, levels: scanned, primaryAxis: grid.primaryAxis, in: ai, reference: bi,
                                              poolLevels: poolLevels)
                    if triage {
                        guard bs.isComparable && as_.isComparable else { slices.skippedData += 1; continue }
                        slices.compared += 1
                    }
                    if as_.reason == Thresholds.budgetExceeded { budgetExceeded += 1 }
                    if bs.maxLevel == as_.maxLevel { continue }

                    let delta = levelIndex(as_.maxLevel, levels) - levelIndex(bs.maxLevel, levels)
                    if budget.isRobust, let noise = withinNoise(budget, slice, grid.primaryAxis, poolLevels, earlier: delta < 0 ? as_ : bs,
                                                                 other: delta < 0 ? bi : ai, earlierIndex: delta < 0 ? ai : bi) {
                        // the side that stopped earlier failed clearly, but the other side's interval
                        // at that level holds the limit too: the change is not beyond the noise
                        withinNoiseSlices += 1
                        firstWithinNoise = firstWithinNoise ?? "\(budgetKey(budget)) \(stableParamsKey(slice)): "
                            + "before=\(jsLevel(bs.maxLevel)) after=\(jsLevel(as_.maxLevel)) (\(noise))"
                        continue
                    }
                    let message = (category.map { "[category=\($0)] " } ?? "") + "\(budgetKey(budget)) \(stableParamsKey(slice)): "
                        + "before=\(jsLevel(bs.maxLevel)) after=\(jsLevel(as_.maxLevel))"
                        + (as_.reason.map { " (after:\($0))" } ?? "") + (bs.reason.map { " (before:\($0))" } ?? "")
                    let t = ThresholdDelta(budget: budget, where: slice.isEmpty ? nil : slice, beforeMaxLevel: bs.maxLevel,
                                           afterMaxLevel: as_.maxLevel, message: message)
                    deltas.append(t)
                    if delta < 0 {
                        summary.regressions += 1
                        if worst == nil || delta < worst!.delta { worst = (delta, t) }
                    } else if delta > 0 {
                        summary.improvements += 1
                    }
                }
            }

            var notes: [String] = []
            if let firstWithinNoise {
                notes.append("withinNoise: \(withinNoiseSlices) (first: \(firstWithinNoise))")
                totalWithinNoise += withinNoiseSlices
            }
            if let worst {
                notes.append(mostSignificantRegressionNote(worst.threshold))
            }
            let combos = grid.allCombos()
            let gaps = SuiteDeltas.gaps(combos: combos, bi, ai)
            missingPoints += gaps.points
            missingMetrics += gaps.metrics
            notes += gaps.notes
            if let stability = before.meta.config.stability ?? after.meta.config.stability,
               let note = SuiteDeltas.stabilityWarning(b, a, combos: combos, bi, ai, stability) {
                notes.append(note)
                stabilityWarnings += 1
            }
            timeouts += a.points.filter { $0.status == "timeout" }.count

            let evidence = SuiteDeltas.evidenceDeltas(grid: grid, combos: combos, bi, ai)
            let metrics = SuiteDeltas.metricDeltas(b, a, combos: combos, bi, ai)
            suiteDiffs.append(SuiteDiff(id: id, thresholdDeltas: deltas.isEmpty ? nil : deltas, budgetViolations: [],
                                        evidenceDeltas: evidence.isEmpty ? nil : evidence,
                                        metricDeltas: metrics.isEmpty ? nil : metrics,
                                        notes: notes.isEmpty ? nil : notes.joined(separator: "; ")))
        }

        summary.budgetExceeded = budgetExceeded > 0 ? budgetExceeded : nil
        summary.timeouts = timeouts > 0 ? timeouts : nil
        summary.missingSuites = missingSuites > 0 ? missingSuites : nil
        summary.stabilityWarnings = stabilityWarnings > 0 ? stabilityWarnings : nil
        summary.slices = triage ? slices : nil
        summary.missingPoints = missingPoints > 0 ? missingPoints : nil
        summary.missingMetrics = missingMetrics > 0 ? missingMetrics : nil
        summary.withinNoise = totalWithinNoise > 0 ? totalWithinNoise : nil

        func shared<T: Equatable>(_ x: T?, _ y: T?) -> T? { x == y ? x : nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return PerfDiff(
            matrixId: shared(before.meta.matrixId, after.meta.matrixId),
            matrixHash: shared(before.meta.matrixHash, after.meta.matrixHash),
            profile: shared(before.meta.config.profile, after.meta.config.profile),
            envId: shared(before.meta.env.envId, after.meta.env.envId),
            meta: Meta(createdAt: formatter.string(from: now),
                       from: Side(file: beforeFile, commit: before.meta.git?.commit),
                       to: Side(file: afterFile, commit: after.meta.git?.commit),
                       comparability: comparability),
            summary: summary,
            suites: suiteDiffs)
    }

    /// Reads both files and diffs them (errors name the file).
    public static func diff(beforeFile: String, afterFile: String, allowConfigDrift: Bool = false,
                            allowEnvDrift: Bool = false, now: Date = Date()) throws(EvidenceError) -> PerfDiff {
        let before = try PerfReport.read(beforeFile)
        let after = try PerfReport.read(afterFile)
        return try diff(before: before, beforeFile: beforeFile, after: after, afterFile: afterFile,
                        allowConfigDrift: allowConfigDrift, allowEnvDrift: allowEnvDrift, now: now)
    }

    /// The most grid points × names (budgets, metrics, evidence) a suite's diff looks up: 1,000 times
    /// a full default-profile report of every backend (about 4,300 points × 40 names), a few
    /// seconds of work; a report whose few points span a huge grid (many axes) would otherwise
    /// take hours or exhaust memory.
    public static let maxGridWork = 5_000_000

    private static func checkSize(_ grid: SuiteGrid, suite id: String, _ b: PerfReport.Suite, _ a: PerfReport.Suite,
                                  beforeFile: String, afterFile: String) throws(EvidenceError) {
        var names: Set<String> = []
        for s in [b, a] {
            for p in s.points {
                for m in p.metrics { names.insert("m:" + m.name) }
                for e in p.evidence ?? [] { names.insert("e:" + e.name) }
            }
        }
        let perPoint = 1 + names.count + (b.budgets?.count ?? 0) + (a.budgets?.count ?? 0)
        let (work, overflow) = grid.combinationCount.multipliedReportingOverflow(by: perPoint)
        if overflow || work > maxGridWork {
            let points = grid.combinationCount == Int.max ? "more than \(Int.max)" : "\(grid.combinationCount)"
            throw EvidenceError(.invalidReport, "\(beforeFile) vs \(afterFile): suite \"\(id)\" is too large to diff: its points span "
                + "\(points) grid points (\(grid.shape)) × \(perPoint) budgets, metric and evidence names; at most \(maxGridWork) "
                + "lookups (a report's points lie on a grid of a few axes)")
        }
    }

    /// Triage mode: the levels at which both reports have the slice's point(s) — the common grid
    /// (a level only one report measured is skipped, so a Logix grid of 200/800/2000 compares with
    /// ours of 200…2000 at 200, 800 and 2000).
    private static func commonLevels(_ budget: PerfReport.Budget, _ slice: Params, _ levels: [ParamValue],
                                     _ primaryAxis: String, _ poolLevels: [ParamValue], _ bi: PointIndex, _ ai: PointIndex) -> [ParamValue] {
        var refs: [Params] = budget.type == "relative"
            ? [parseRef(budget.numeratorRef ?? ""), parseRef(budget.denominatorRef ?? "")] : [[:]]
        if let pool = budget.pool {
            // every pooled point of every reference
            refs = refs.flatMap { ref in poolLevels.map { ref.merging([pool: $0]) { $1 } } }
        }
        var out: [ParamValue] = []
        for level in levels {
            let present = refs.allSatisfy { ref in
                var p = slice.merging(ref) { $1 }
                p[primaryAxis] = level
                return bi.find(p) != nil && ai.find(p) != nil
            }
            if present { out.append(level) }
        }
        return out
    }

    /// A noise-robust budget's maxLevels differ: the side that stopped earlier (`earlier`, from
    /// `earlierIndex`) stopped on a clear failure at its stop level; the change stands only when
    /// the other side's interval at that level is clearly within the limit. Returns why it does
    /// not stand (nil: it stands — also when the earlier side stopped for missing data).
    private static func withinNoise(_ budget: PerfReport.Budget, _ slice: Params, _ primaryAxis: String, _ poolLevels: [ParamValue],
                                    earlier: Thresholds.Scan, other: PointIndex, earlierIndex: PointIndex) -> String? {
        guard earlier.reason == Thresholds.budgetExceeded, let level = earlier.stopLevel else { return nil }
        let outcome = Thresholds.evaluate(budget, where: slice, level: level, primaryAxis: primaryAxis, in: other, reference: earlierIndex,
                                          poolLevels: poolLevels)
        guard outcome == .verdict(.uncertain) else { return nil }
        return "at \(primaryAxis)=\(level) one side fails clearly and the other's interval holds the limit"
    }

    /// The index of a level in the level list; −1 for none.
    private static func levelIndex(_ level: ParamValue?, _ levels: [ParamValue]) -> Int {
        guard let level else { return -1 }
        return levels.firstIndex(of: level) ?? -1
    }

    private static func jsLevel(_ level: ParamValue?) -> String { level?.description ?? "null" }

    /// A suite's note naming its largest regression (Logix's wording).
    static func mostSignificantRegressionNote(_ t: ThresholdDelta) -> String {
        "mostSignificantRegression: \(budgetKey(t.budget)) \(stableParamsKey(t.where)) "
            + "(before=\(jsLevel(t.beforeMaxLevel)), after=\(jsLevel(t.afterMaxLevel)))"
    }

    /// Logix's budget key in messages: the id, else `absolute:<metric>:p95<=<p95Ms>` or
    /// `relative:<metric>:<numeratorRef>/<denominatorRef><=<maxRatio>`.
    static func budgetKey(_ b: PerfReport.Budget) -> String {
        if let id = b.id { return id }
        if b.isRobust || b.type == "change" { return b.name }
        if b.type == "absolute" { return "absolute:\(b.metric):p95<=\(b.p95Ms.map(ParamValue.jsNumber) ?? "undefined")" }
        return "relative:\(b.metric):\(b.numeratorRef ?? "undefined")/\(b.denominatorRef ?? "undefined")<=\(b.maxRatio.map(ParamValue.jsNumber) ?? "undefined")"
    }
}
