import ConvergeEvidence
import Foundation
import Testing

private typealias R = TestReports

/// Before: full-mode p95 0.5 / 0.9 / 0.95 ms at 200 / 400 / 800 steps; budget 1 ms → maxLevel 800.
private let base = R.report([R.suite(R.points(["full": [0.5, 0.9, 0.95]]))])

private func with(_ p95: [Double?], meta: PerfReport.Meta = R.meta()) -> PerfReport {
    R.report([R.suite(R.points(["full": p95]))], meta: meta)
}

@Test func aConfigMismatchRefusesTheDiffUnlessAllowed() throws {
    let after = with([0.5, 0.9, 0.95], meta: R.meta(runs: 25))
    #expect(throws: EvidenceError(.notComparable, "before.json vs after.json are not comparable: config drift: runs: before=30 after=25 (re-run both with the same matrix and profile (runs/warmupDiscard/timeoutMs), or add --allow-config-drift for a triage-only diff)")) {
        try R.diff(base, after)
    }
    let d = try R.diff(base, after, allowConfigDrift: true)
    #expect(d.meta.comparability == PerfDiff.Comparability(
        comparable: false, allowConfigDrift: true, allowEnvDrift: false, configMismatches: ["runs: before=30 after=25"],
        envMismatches: [], warnings: []))
    #expect(d.summary == PerfDiff.Summary(regressions: 0, improvements: 0, slices: PerfDiff.Slices(total: 1, compared: 1)))
    #expect(d.gate.line == "gate: fail — not comparable (runs: before=30 after=25), 0 regressions, 0 improvements")
    #expect(!d.gate.pass)
}

@Test func missingConfigAndMatrixHashAndADifferentGridAreConfigMismatches() throws {
    let d = try R.diff(base, with([0.5, 0.9, 0.95], meta: R.meta(runs: nil, matrixHash: nil)), allowConfigDrift: true)
    #expect(d.meta.comparability.configMismatches == ["matrixHash: missing (before=h1 after=undefined)",
                                                      "runs: missing (before=30 after=NaN)"])
    let grid = R.report([R.suite(R.points(["full": [0.5, 0.9, 0.95]], steps: [200, 400, 1600]))])
    let g = try R.diff(base, grid, allowConfigDrift: true)
    #expect(g.meta.comparability.configMismatches.count == 1)
    #expect(g.meta.comparability.configMismatches.first?.hasPrefix("stepsGrid: before=\(base.stepsGridHash.prefix(16)) after=") == true)
}

@Test func anEnvMismatchNeedsAllowEnvDrift() throws {
    let after = with([0.5, 0.9, 0.95], meta: R.meta(os: "darwin"))
    // --allow-config-drift does not cover env drift.
    do {
        _ = try R.diff(base, after, allowConfigDrift: true)
        Issue.record("expected notComparable")
    } catch {
        #expect(error.code == .notComparable)
        #expect(error.message.contains("env drift: env.os: before=linux after=darwin") && error.message.contains("add --allow-env-drift"))
        #expect(!error.message.contains("config drift"))
    }
    let d = try R.diff(base, after, allowEnvDrift: true)
    #expect(d.meta.comparability.envMismatches == ["env.os: before=linux after=darwin"])
    #expect(!d.meta.comparability.comparable && d.meta.comparability.allowEnvDrift)
    #expect(d.envId == nil && d.matrixId == "m1")
    let v = try R.diff(base, with([0.5, 0.9, 0.95], meta: R.meta(browserVersion: "120")), allowEnvDrift: true)
    #expect(v.meta.comparability.envMismatches == ["env.browser.version: missing (before=undefined after=120)"])
}

@Test func aLowerMaxLevelIsARegression() throws {
    let d = try R.diff(base, with([0.5, 1.2, 0.95]))
    #expect(d.summary == PerfDiff.Summary(regressions: 1, improvements: 0, budgetExceeded: 1))
    let s = try #require(d.suites.first)
    #expect(s.thresholdDeltas == [PerfDiff.ThresholdDelta(
        budget: R.absolute, where: ["convergeMode": "full"], beforeMaxLevel: 800, afterMaxLevel: 200,
        message: "[category=runtime] commit<=1ms {convergeMode=full}: before=800 after=200 (after:budgetExceeded)")])
    #expect(s.notes == "mostSignificantRegression: commit<=1ms {convergeMode=full} (before=800, after=200)")
    #expect(s.budgetViolations == [])
    #expect(d.gate == GateVerdict(pass: false, comparable: true, regressions: 1, improvements: 0))
    #expect(d.gate.line == "gate: fail — comparable, 1 regression, 0 improvements")
}

@Test func aHigherMaxLevelIsAnImprovement() throws {
    let d = try R.diff(with([0.5, 1.2, 0.95]), base)
    #expect(d.summary == PerfDiff.Summary(regressions: 0, improvements: 1))
    #expect(d.suites.first?.thresholdDeltas?.first?.message
        == "[category=runtime] commit<=1ms {convergeMode=full}: before=200 after=800 (before:budgetExceeded)")
    #expect(d.suites.first?.notes == nil)
    #expect(d.gate.pass && d.gate.line == "gate: pass — comparable, 0 regressions, 1 improvement")
}

@Test func aMissingPointStopsTheAfterScan() throws {
    // auto keeps the 400 level in the grid (no stepsGrid drift); full loses its 400 point.
    let before = R.report([R.suite(R.points(["full": [0.5, 0.9, 0.95], "auto": [0.5, 0.5, 0.5]]))])
    let after = R.report([R.suite(R.points(["full": [0.5, nil, 0.95], "auto": [0.5, 0.5, 0.5]]))])
    let d = try R.diff(before, after)
    #expect(d.meta.comparability.comparable)
    #expect(d.summary.regressions == 1)
    #expect(d.suites.first?.thresholdDeltas?.map(\.message)
        == ["[category=runtime] commit<=1ms {convergeMode=full}: before=800 after=200 (after:missing)"])
    let m = try #require(d.suites.first?.metricDeltas?.first)
    #expect(m.compared == 5 && m.missing == 1 && m.unavailable == 0)
    // A level gone from every point changes the steps grid: config drift.
    #expect(throws: EvidenceError.self) { try R.diff(base, with([0.5, nil, 0.95])) }
}

/// 20 → 26 ms at 400 steps: |Δ| 6 > max(5, 2); the 100 ms budget passes on both sides.
@Test func aStabilityWarningIsANoteOnly() throws {
    let budget = PerfReport.Budget.absolute("commit<=100ms", metric: R.metric, p95Ms: 100)
    let before = R.report([R.suite(R.points(["full": [10, 20, 30]]), budgets: [budget])])
    let after = R.report([R.suite(R.points(["full": [10, 26, 30]]), budgets: [budget])])
    let d = try R.diff(before, after)
    #expect(d.meta.comparability.comparable)
    #expect(d.summary == PerfDiff.Summary(regressions: 0, improvements: 0, stabilityWarnings: 1))
    #expect(d.suites.first?.thresholdDeltas == nil)
    #expect(d.suites.first?.notes == "stabilityWarning: metric=runtime.txnCommitMs {convergeMode=full&steps=400} baselineP95=20.00ms afterP95=26.00ms diff=6.00ms limit=5.00ms (possible causes: tab switch, power-saving mode, background load, browser/version drift)")
    #expect(d.gate.pass)
}

@Test func profileNodeAndGitDifferencesAreWarnings() throws {
    let before = with([0.5, 0.9, 0.95], meta: R.meta(dirty: true))
    let after = with([0.5, 0.9, 0.95], meta: R.meta(profile: "quick", node: "v24", dirty: true, branch: "dev", commit: "c2"))
    let d = try R.diff(before, after)
    #expect(d.meta.comparability == PerfDiff.Comparability(
        comparable: true, allowConfigDrift: false, allowEnvDrift: false, configMismatches: [], envMismatches: [],
        warnings: ["config.profile: before=default after=quick", "env.node: before=v22 after=v24", "git.dirty.before=true",
                   "git.dirty.after=true", "git.branch: before=main after=dev", "git.commit: before=c1 after=c2"]))
    #expect(d.profile == nil)
    #expect(d.meta.from == PerfDiff.Side(file: "before.json", commit: "c1"))
    #expect(d.meta.to == PerfDiff.Side(file: "after.json", commit: "c2"))
    #expect(d.meta.createdAt == "1970-01-01T00:00:00.000Z")
}

@Test func envIdAndSharedMatrixFields() throws {
    let d = try R.diff(base, base)
    #expect(d.envId == "linux.x64.native.headless")
    #expect(d.matrixId == "m1" && d.matrixHash == "h1" && d.profile == "default")
    let env = PerfReport.Env(os: "Darwin", arch: "arm64", browser: PerfReport.Browser(name: "Chromium", version: "120.0", headless: false))
    #expect(env.envId == "darwin.arm64.chromium.120.0.headed")
    #expect(d.summary == PerfDiff.Summary(regressions: 0, improvements: 0))
}

/// Δp95 at steps 1…8: +1, +3, +2, −1, −4, +5, +0.5, +6.
@Test func metricDeltasListTheFiveLargestChangesEachWay() throws {
    let steps: [Double] = [1, 2, 3, 4, 5, 6, 7, 8]
    let budget = PerfReport.Budget.absolute("commit<=100ms", metric: R.metric, p95Ms: 100)
    let before = R.report([R.suite(R.points(["full": Array(repeating: 10, count: 8)], steps: steps), budgets: [budget])])
    let after = R.report([R.suite(R.points(["full": [11, 13, 12, 9, 6, 15, 10.5, 16]], steps: steps), budgets: [budget])])
    let m = try #require(try R.diff(before, after).suites.first?.metricDeltas?.first)
    #expect(m.metric == R.metric && m.unit == "ms" && m.compared == 8 && m.missing == 0 && m.unavailable == 0)
    #expect(m.topRegressions.map { $0.params["steps"] } == [8, 6, 2, 3, 1])
    #expect(m.topRegressions.map(\.deltaMs) == [6, 5, 3, 2, 1])
    #expect(m.topImprovements.map { $0.params["steps"] } == [5, 4])
    // the medians beside the p95s (R.points makes the median half the p95; no minMs there)
    #expect(m.topImprovements.first == PerfDiff.MetricPointDelta(params: ["convergeMode": "full", "steps": 5], beforeP95Ms: 10,
                                                                 afterP95Ms: 6, deltaMs: -4, ratio: 0.6,
                                                                 beforeMedianMs: 5, afterMedianMs: 3))
}

/// Counts are summed, ratios take the median; an all-zero unchanged evidence is left out, a
/// non-zero one stays (Logix's rule); budget.cutOffCount is counted per where-slice.
@Test func evidenceDeltasAggregateOverPoints() throws {
    func report(_ counts: [Double]) -> PerfReport {
        let points = counts.enumerated().map { i, c in
            R.point(["convergeMode": "full", "steps": .number(Double(200 * (i + 1)))], p95: 0.5, evidence: [
                .number("x.count", "count", c), .number("y.ratio", "ratio", [1, 3, 2][i]), .number("z.zero", "count", 0),
            ])
        }
        return R.report([R.suite(points)])
    }
    let d = try R.diff(report([1, 2, 3]), report([1, 2, 4]))
    let e = try #require(d.suites.first?.evidenceDeltas)
    #expect(e.map(\.name) == ["budget.cutOffCount", "x.count", "y.ratio"])
    #expect(e[0].message == "budget.cutOffCount(whereSlices) unit=count: before[value=undefined ok=0 unavailable=0 missing=1] after[value=undefined ok=0 unavailable=0 missing=1]")
    #expect(e[1] == PerfDiff.EvidenceDelta(
        name: "x.count", unit: "count", scope: "points",
        before: PerfDiff.EvidenceAggregate(ok: 3, unavailable: 0, missing: 0, value: 6),
        after: PerfDiff.EvidenceAggregate(ok: 3, unavailable: 0, missing: 0, value: 7),
        message: "x.count(points) unit=count: before[value=6 ok=3 unavailable=0 missing=0] after[value=7 ok=3 unavailable=0 missing=0]"))
    #expect(e[2].before.value == 2 && e[2].after.value == 2)
}

@Test func aSuiteMissingOnOneSideIsANote() throws {
    let before = R.report([R.suite(R.points(["full": [0.5, 0.9, 0.95]])), R.suite([], id: "t")])
    let d = try R.diff(before, base)
    #expect(d.summary.missingSuites == 1)
    #expect(d.suites.map(\.id) == ["s", "t"])
    #expect(d.suites[1] == PerfDiff.SuiteDiff(id: "t", notes: "missing suite in after report"))
}

@Test func theDiffJSONWritesNullLevelsAndReadsBack() throws {
    let d = try R.diff(with([1.5, 0.5, 0.5]), base)
    let data = try d.encoded()
    let text = String(decoding: data, as: UTF8.self)
    #expect(text.contains(#""beforeMaxLevel" : null"#))
    #expect(!text.contains("slices"))
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("diff-\(UUID().uuidString).json").path
    try EvidenceJSON.write(d, to: path)
    #expect(try PerfDiff.read(path) == d)
}
