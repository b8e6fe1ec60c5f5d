import ConvergeEvidence
import Foundation
import Testing

private typealias R = TestReports

private func only(_ t: [PerfReport.Threshold], _ budget: String, _ where: Params?) -> PerfReport.Threshold? {
    t.first { $0.budget == budget && $0.where == `where` }
}

private let full: Params = ["convergeMode": "full"]

/// Levels 200, 400, 800 (p95 0.5, 0.9, 1.2; budget 1 ms): 800 fails.
@Test func absoluteMaxLevelIsTheLastLevelBeforeTheFirstFailure() throws {
    // A later level that passes again (1600: 0.8) does not count: the scan stops at 800.
    let t = Thresholds.compute(R.suite(R.points(["full": [0.5, 0.9, 1.2, 0.8]], steps: [200, 400, 800, 1600])))
    #expect(t == [PerfReport.Threshold(budget: "commit<=1ms", where: full, maxLevel: 400, firstFailLevel: 800,
                                       reason: "budgetExceeded")])
}

@Test func absolutePassesAtTheLimitAndEveryLevelPassing() {
    let t = Thresholds.compute(R.suite(R.points(["full": [0.5, 1.0, 1.0]])))
    #expect(t == [PerfReport.Threshold(budget: "commit<=1ms", where: full, maxLevel: 800)])
}

@Test func firstLevelFailingGivesNullMaxLevel() throws {
    let t = Thresholds.compute(R.suite(R.points(["full": [1.5, 0.5, 0.5]])))
    #expect(t == [PerfReport.Threshold(budget: "commit<=1ms", where: full, maxLevel: nil, firstFailLevel: 200,
                                       reason: "budgetExceeded")])
    // Written with an explicit null.
    let json = String(decoding: try EvidenceJSON.encode(t[0]), as: UTF8.self)
    #expect(json.contains(#""maxLevel" : null"#))
}

/// full 1.0 / 2.0 / 4.0, auto 1.04 / 2.2 / 4.1: at 400 the ratio is 1.1 > 1.05 and auto is
/// 0.2 ms slower.
@Test func relativeWithoutMinDeltaFailsOnTheRatioAlone() {
    var budget = R.relative
    budget.minDeltaMs = nil
    let t = Thresholds.compute(R.suite(R.points(["full": [1.0, 2.0, 4.0], "auto": [1.04, 2.2, 4.1]]), budgets: [budget]))
    // The slice leaves the reference axis (convergeMode) out: no axes left, no where.
    #expect(t == [PerfReport.Threshold(budget: "auto<=full*1.05", where: nil, maxLevel: 200, firstFailLevel: 400,
                                       reason: "budgetExceeded")])
}

@Test func relativeWithMinDeltaPassesSmallDifferences() {
    var budget = R.relative
    budget.minDeltaMs = 0.5 // 0.2 ms at 400 is under it; 800: ratio 1.025
    let points = R.points(["full": [1.0, 2.0, 4.0], "auto": [1.04, 2.2, 4.1]])
    #expect(Thresholds.compute(R.suite(points, budgets: [budget])) == [
        PerfReport.Threshold(budget: "auto<=full*1.05", where: nil, maxLevel: 800),
    ])
    // Both conditions are needed to fail: 3.0 vs 2.0 is 1 ms and 1.5x.
    let slower = R.points(["full": [1.0, 2.0, 4.0], "auto": [1.04, 3.0, 4.1]])
    #expect(Thresholds.compute(R.suite(slower, budgets: [budget])).first?.maxLevel == 200)
}

@Test func aMissingPointStopsTheScan() {
    // 400 is a level (auto has it); full has no point there.
    let t = Thresholds.compute(R.suite(R.points(["full": [0.5, nil, 0.5], "auto": [0.5, 0.5, 0.5]])))
    #expect(only(t, "commit<=1ms", full) == PerfReport.Threshold(budget: "commit<=1ms", where: full, maxLevel: 200,
                                                                 firstFailLevel: 400, reason: "missing"))
    #expect(only(t, "commit<=1ms", ["convergeMode": "auto"])?.maxLevel == 800)
    var budget = R.relative
    budget.minDeltaMs = nil
    let rel = Thresholds.compute(R.suite(R.points(["full": [1, 1, 1], "auto": [1, nil, 1]]), budgets: [budget]))
    #expect(rel.first?.reason == "missingNumerator" && rel.first?.maxLevel == 200)
}

@Test func anUnavailableMetricOrATimedOutPointStopsTheScan() {
    var points = R.points(["full": [0.5, 0.5, 0.5]])
    points[1] = R.point(points[1].params, p95: nil) // unavailable: notApplicable
    #expect(Thresholds.compute(R.suite(points)).first == PerfReport.Threshold(
        budget: "commit<=1ms", where: full, maxLevel: 200, firstFailLevel: 400, reason: "notApplicable"))
    points[1] = R.point(points[1].params, p95: 0.5, status: "timeout")
    #expect(Thresholds.compute(R.suite(points)).first?.reason == "timeout")
    points[1] = R.point(points[1].params, p95: 0.5, metricName: "other")
    #expect(Thresholds.compute(R.suite(points)).first?.reason == "metricMissing")
    // Unavailable at the first level: null.
    points[0] = R.point(points[0].params, p95: nil)
    #expect(Thresholds.compute(R.suite(points)).first?.maxLevel == nil)
}

/// kernelBackend is one more axis: each backend is a slice of its own; the derived dirtyRoots is
/// not an axis (it varies with steps).
@Test func kernelBackendMakesSeparateSlices() {
    var points: [PerfReport.Point] = []
    let p95: [String: [String: [Double]]] = [
        "native-l1": ["full": [0.2, 0.4, 0.8], "auto": [0.2, 0.4, 0.8]],
        "js-v8": ["full": [0.5, 1.1, 2.0], "auto": [0.5, 1.5, 3.0]],
    ]
    for (backend, modes) in p95 {
        for (mode, values) in modes {
            for (i, steps) in [200.0, 400, 800].enumerated() {
                points.append(R.point(["kernelBackend": .string(backend), "convergeMode": .string(mode), "steps": .number(steps),
                                       "dirtyRoots": .number(steps / 100)], p95: values[i]))
            }
        }
    }
    let t = Thresholds.compute(R.suite(points, budgets: [R.absolute, R.relative]))
    #expect(t.count == 2 * 2 + 2) // absolute: backend × mode; relative: backend
    #expect(only(t, "commit<=1ms", ["convergeMode": "auto", "kernelBackend": "js-v8"])?.maxLevel == 200)
    #expect(only(t, "commit<=1ms", ["convergeMode": "full", "kernelBackend": "native-l1"])?.maxLevel == 800)
    #expect(only(t, "auto<=full*1.05", ["kernelBackend": "js-v8"])?.maxLevel == 200)
    #expect(only(t, "auto<=full*1.05", ["kernelBackend": "native-l1"])?.maxLevel == 800)
    #expect(t.allSatisfy { $0.where?["dirtyRoots"] == nil })
}

/// Logix's before.node.core: auto/full at dirtyRootsRatio 0.75 and 200 steps is 0.637/0.5978 =
/// 1.066 > 1.05 (the budget has no minDeltaMs: 0) → null; the core-ng after passes up to 2000.
@Test func logixReportsGiveTheMaxLevelsOfLogixsDiff() throws {
    let before = try PerfReport.read(logixPerfFile("049-before.node.core.converge.txnCommit.darwin-arm64.default.json"))
    let after = try PerfReport.read(logixPerfFile("049-after.node.core-ng.execVm.converge.txnCommit.darwin-arm64.default.json"))
    let b = Thresholds.compute(before.suites[0]), a = Thresholds.compute(after.suites[0])
    let slice: Params = ["dirtyRootsRatio": 0.75]
    #expect(only(b, "auto<=full*1.05", slice) == PerfReport.Threshold(
        budget: "auto<=full*1.05", where: slice, maxLevel: nil, firstFailLevel: 200, reason: "budgetExceeded"))
    #expect(only(a, "auto<=full*1.05", slice) == PerfReport.Threshold(budget: "auto<=full*1.05", where: slice, maxLevel: 2000))
    // 4 budgets: three absolute over mode × ratio (12 slices each), one relative over ratio (4).
    #expect(b.count == 3 * 12 + 4)
    // decision.p95 does not apply to full: it stops at once with the metric's reason.
    #expect(only(b, "decision.p95<=0.5ms", ["convergeMode": "full", "dirtyRootsRatio": 0.005])?.reason == "notApplicable")
}
