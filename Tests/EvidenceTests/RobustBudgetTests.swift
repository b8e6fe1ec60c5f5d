import ConvergeEvidence
import Foundation
import Testing

// Noise-robust budgets (docs/perf-diff.md, "Noise-robust budgets"): the median's interval from
// the samples, change budgets between two reports, relative budgets on medians, floors.

/// A deterministic generator for sample noise.
private struct Noise {
    var state: UInt64
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
}

/// A report of `backends` × modes full/dirty × steps 200/800/2000 × ratios 0.01/1, 20 samples per
/// point spread ±`spread` around `median(backend, mode, steps, ratio)` (plus one outlier 3× the
/// median, as a noisy machine gives), budgets `budgets`, `floor.cLoopMs` on native-l3's points,
/// with `probeScale` `machine.probeMs` on every point, and with `memProbeScale` (backend, mode →
/// scale) `machine.memProbeMs`.
private func report(backends: [String] = ["native-l1", "native-l3", "wasm-v8"], seed: UInt64, spread: Double = 0.05,
                    budgets: [PerfReport.Budget], floorScale: Double = 1, probeScale: Double? = nil,
                    memProbeScale: ((String, String) -> Double)? = nil,
                    median: (String, String, Double, Double) -> Double) -> PerfReport {
    var noise = Noise(state: seed)
    var points: [PerfReport.Point] = []
    for b in backends {
        for m in ["full", "dirty"] {
            for s in [200.0, 800, 2000] {
                for r in [0.01, 1] {
                    let med = median(b, m, s, r)
                    var samples = (0..<19).map { _ in med * (1 + spread * (2 * noise.next() - 1)) }
                    samples.insert(med * 3, at: Int(noise.next() * 19))
                    let stats = Percentiles.stats(samplesMs: samples, warmupDiscard: 0)!
                    var evidence: [PerfReport.Evidence]?
                    if b == "native-l3" { evidence = [.number("floor.cLoopMs", "ms", s * (m == "full" ? 1 : r) * 1e-6 * floorScale)] }
                    if let probeScale { evidence = (evidence ?? []) + [.number("machine.probeMs", "ms", 0.01 * probeScale)] }
                    if let memProbeScale { evidence = (evidence ?? []) + [.number("machine.memProbeMs", "ms", 0.007 * memProbeScale(b, m))] }
                    points.append(PerfReport.Point(
                        params: ["kernelBackend": .string(b), "convergeMode": .string(m), "steps": .number(s), "dirtyRootsRatio": .number(r)],
                        status: "ok", metrics: [.ok("runtime.txnCommitMs", stats, samples: samples)], evidence: evidence))
                }
            }
        }
    }
    var suite = PerfReport.Suite(id: "converge.txnCommit", primaryAxis: "steps", budgets: budgets, points: points)
    suite.thresholds = Thresholds.compute(suite)
    return PerfReport(meta: SyntheticReport.meta(branch: "robust"), suites: [suite])
}

/// 1 µs per 100 steps executed, plus 0.2 µs per transaction; wasm-v8 1.4× native.
private func baseline(_ backend: String, _ mode: String, _ steps: Double, _ ratio: Double) -> Double {
    let executed = mode == "full" ? steps : max(1, (steps * ratio).rounded(.up))
    return (0.0002 + executed * 1e-5) * (backend == "wasm-v8" ? 1.4 : 1)
}

private let change = PerfReport.Budget.robust("commit.median<=before*1.2", type: "change", metric: "runtime.txnCommitMs",
                                             maxRatio: 1.2, minDeltaMs: 0.0001)

private func diff(_ before: PerfReport, _ after: PerfReport) throws -> PerfDiff {
    try PerfDiff.diff(before: before, beforeFile: "before.json", after: after, afterFile: "after.json")
}

@Test func theMediansIntervalTakesTheBinomialRanks() {
    // n = 20 at 99 %: P(X ≤ 3) = 0.0013 ≤ 0.005 < P(X ≤ 4) = 0.0059, so ranks 4 and 17
    let xs = (1...20).map(Double.init)
    #expect(MedianInterval.of(samples: xs.shuffled()) == MedianInterval(low: 4, median: 10, high: 17))
    // n = 10 at 95 %: P(X ≤ 1) = 0.0107 ≤ 0.025 < P(X ≤ 2) = 0.0547, so ranks 2 and 9
    #expect(MedianInterval.of(samples: (1...10).map(Double.init), confidence: 0.95) == MedianInterval(low: 2, median: 5, high: 9))
    // too few samples for 99 %: the whole range
    #expect(MedianInterval.of(samples: [3, 1, 2]) == MedianInterval(low: 1, median: 2, high: 3))
    #expect(MedianInterval.of(samples: []) == nil)
    // a ratio's interval is conservative: low over high, high over low
    let r = MedianInterval(low: 2, median: 3, high: 4).over(MedianInterval(low: 1, median: 2, high: 4))
    #expect(r == MedianInterval(low: 0.5, median: 1.5, high: 4))
}

@Test func aChangeBudgetPassesTheSameBuildAndFailsAUniformSlowdown() throws {
    let before = report(seed: 1, budgets: [change], median: baseline)
    // the change budget needs two reports: a report's own thresholds leave it out
    #expect(before.suites[0].thresholds?.isEmpty == true)

    // the same build measured again: other noise, every median within the spread
    for seed: UInt64 in 2...11 {
        let again = report(seed: seed, budgets: [change], median: baseline)
        let d = try diff(before, again)
        #expect(d.gate.pass, "seed \(seed): \(d.suites.compactMap(\.thresholdDeltas).flatMap { $0 }.map(\.message))")
    }

    // every native backend 1.5× slower: every native slice (backend × mode × ratio) regresses,
    // wasm-v8's none
    let slower = report(seed: 2, budgets: [change], median: { b, m, s, r in baseline(b, m, s, r) * (b.hasPrefix("native") ? 1.5 : 1) })
    let d = try diff(before, slower)
    #expect(!d.gate.pass)
    #expect(d.summary.regressions == 2 * 2 * 2)
    let regressed = Set((d.suites[0].thresholdDeltas ?? []).compactMap { $0.where?["kernelBackend"]?.string })
    #expect(regressed == ["native-l1", "native-l3"])
    #expect(d.suites[0].thresholdDeltas?.allSatisfy { $0.afterMaxLevel == nil && $0.beforeMaxLevel == .number(2000) } == true)

    // the reverse is an improvement, not a regression
    let back = try diff(slower, before)
    #expect(back.gate.pass && back.summary.improvements == 8)

    // only the largest step count slower: the slice keeps its lower levels
    let tail = report(seed: 3, budgets: [change], median: { b, m, s, r in baseline(b, m, s, r) * (s == 2000 && b == "wasm-v8" ? 2 : 1) })
    let t = try diff(before, tail)
    #expect(t.summary.regressions == 4)
    #expect(t.suites[0].thresholdDeltas?.allSatisfy { $0.afterMaxLevel == .number(800) } == true)
}

@Test func aChangeWithinTheNoiseIsNotCalled() throws {
    // a 30 % change, but samples spread ±60 %: the intervals overlap the limit, no verdict
    let before = report(seed: 1, spread: 0.6, budgets: [change], median: baseline)
    let after = report(seed: 2, spread: 0.6, budgets: [change], median: { baseline($0, $1, $2, $3) * 1.3 })
    #expect(try diff(before, after).summary.regressions == 0)
    // the same change with tight samples is called
    let b2 = report(seed: 1, spread: 0.02, budgets: [change], median: baseline)
    let a2 = report(seed: 2, spread: 0.02, budgets: [change], median: { baseline($0, $1, $2, $3) * 1.3 })
    #expect(try diff(b2, a2).summary.regressions == 12)
    // below the minimum delta nothing is called, however clear
    let tiny = PerfReport.Budget.robust("tiny", type: "change", metric: "runtime.txnCommitMs", maxRatio: 1.2, minDeltaMs: 1)
    let b3 = report(seed: 1, spread: 0.02, budgets: [tiny], median: baseline)
    let a3 = report(seed: 2, spread: 0.02, budgets: [tiny], median: { baseline($0, $1, $2, $3) * 2 })
    #expect(try diff(b3, a3).gate.pass)
}

@Test func aRobustRelativeBudgetFailsOnlyWhenTheIntervalIsOverTheLimit() throws {
    // wasm-v8 ≤ native-l1 × 1.5 on medians: wasm-v8 is 1.4× — passes everywhere
    let ratio = PerfReport.Budget.robust("wasm-v8<=native-l1*1.5", type: "relative", metric: "runtime.txnCommitMs", maxRatio: 1.5,
                                        numeratorRef: "kernelBackend=wasm-v8", denominatorRef: "kernelBackend=native-l1")
    let before = report(seed: 1, spread: 0.02, budgets: [ratio], median: baseline)
    let th = before.suites[0].thresholds ?? []
    #expect(th.count == 2 * 2) // mode × ratio: kernelBackend is the budget's reference axis
    #expect(th.allSatisfy { $0.maxLevel == .number(2000) && $0.reason == nil })
    // wasm-v8 2× native at 2000 steps: the threshold stops there, a regression in the diff
    let after = report(seed: 2, spread: 0.02, budgets: [ratio], median: { b, m, s, r in
        baseline(b, m, s, r) * (b == "wasm-v8" && s == 2000 ? 2 / 1.4 : 1) })
    #expect(after.suites[0].thresholds?.allSatisfy { $0.maxLevel == .number(800) && $0.reason == "budgetExceeded" } == true)
    let d = try diff(before, after)
    #expect(d.summary.regressions == 4 && !d.gate.pass)

    // 1.55× with samples spread ±30 %: over the limit by the medians, but the after interval
    // holds 1.5 — the scan passes (uncertain), no regression
    let noisy = report(seed: 3, spread: 0.3, budgets: [ratio], median: { b, m, s, r in
        baseline(b, m, s, r) * (b == "wasm-v8" && s == 2000 ? 1.55 / 1.4 : 1) })
    #expect(noisy.suites[0].thresholds?.allSatisfy { $0.maxLevel == .number(2000) } == true)
    #expect(try diff(before, noisy).summary.regressions == 0)
}

@Test func aChangeThatOneSideFailsClearlyAndTheOtherOnlyUncertainlyIsWithinNoise() throws {
    // before: wasm-v8 at 1.55× native with wide samples (uncertain at 1.5: the scan passes);
    // after: 1.7× with tight samples (a clear failure). The maxLevels differ, but before's interval
    // at that level holds the limit: not called, counted in withinNoise
    let ratio = PerfReport.Budget.robust("wasm-v8<=native-l1*1.5", type: "relative", metric: "runtime.txnCommitMs", maxRatio: 1.5,
                                        numeratorRef: "kernelBackend=wasm-v8", denominatorRef: "kernelBackend=native-l1")
    let before = report(seed: 1, spread: 0.4, budgets: [ratio], median: { b, m, s, r in
        baseline(b, m, s, r) * (b == "wasm-v8" && s == 2000 ? 1.55 / 1.4 : 1) })
    let after = report(seed: 2, spread: 0.02, budgets: [ratio], median: { b, m, s, r in
        baseline(b, m, s, r) * (b == "wasm-v8" && s == 2000 ? 1.7 / 1.4 : 1) })
    let d = try diff(before, after)
    #expect(d.summary.regressions == 0)
    #expect(d.summary.withinNoise == 4)
    #expect(d.suites[0].notes?.contains("withinNoise: 4 (first: wasm-v8<=native-l1*1.5 {convergeMode=full&dirtyRootsRatio=0.01}: before=2000 after=800") == true)
    #expect(d.gate.pass)
}

@Test func aFloorBudgetDividesByTheFloorMeasuredInTheSameRun() throws {
    // native-l3 ≤ 300 floors (floor: 1 ns per executed pair; the transaction ≈ 10 ns per step + 200 ns)
    let floor = PerfReport.Budget.robust("native-l3<=300*floor", type: "relative", metric: "runtime.txnCommitMs", maxRatio: 300,
                                        numeratorRef: "kernelBackend=native-l3", denominatorRef: "kernelBackend=native-l3",
                                        denominatorEvidence: "floor.cLoopMs")
    let r = report(seed: 1, spread: 0.02, budgets: [floor], median: baseline)
    let th = Dictionary(uniqueKeysWithValues: (r.suites[0].thresholds ?? []).map { (stableKey($0.where), $0) })
    // full: ~10.x floors everywhere; dirty at 1 %: 2 pairs at 200 steps → (0.2 + 0.02) µs / 2 ns = 110 floors, passes;
    // at 1 % the floor at 200 steps is 2 ns and the fixed 0.2 µs makes 110× — all pass at 300
    #expect(th.values.allSatisfy { $0.maxLevel == .number(2000) })
    // a fixed cost 3× larger moves the sparse slices over the limit: 0.6 µs / 2 ns = 300+ floors
    let slow = report(seed: 2, spread: 0.02, budgets: [floor], median: { b, m, s, rr in baseline(b, m, s, rr) + (b == "native-l3" ? 0.0006 : 0) })
    let d = try diff(r, slow)
    #expect(d.summary.regressions >= 1)
    #expect(d.suites[0].thresholdDeltas?.allSatisfy { $0.where?["convergeMode"] == .string("dirty") } == true)
    // a report without the floor evidence stops the scan with a reason, not a pass
    var bare = r
    for i in bare.suites[0].points.indices { bare.suites[0].points[i].evidence = nil }
    #expect(Thresholds.compute(bare.suites[0]).allSatisfy { $0.maxLevel == nil && $0.reason == "denominator:evidenceMissing" })
}

private func stableKey(_ p: Params?) -> String {
    (p ?? [:]).keys.sorted().map { "\($0)=\(p![$0]!)" }.joined(separator: "&")
}

@Test func aChangeBudgetDividesByTheMachinesOwnSlowdown() throws {
    // the after run on a machine 1.5× slower: the kernel and the floor measured beside it both
    var normalized = change
    normalized.normalizeEvidence = "floor.cLoopMs"
    normalized.normalizeRef = "kernelBackend=native-l3"
    let before = report(seed: 1, budgets: [normalized], median: baseline)
    let loaded = report(seed: 2, budgets: [normalized], floorScale: 1.5, median: { baseline($0, $1, $2, $3) * 1.5 })
    #expect(try diff(before, loaded).gate.pass)
    // the same reports judged raw: every slice regresses
    var raw = [before, loaded]
    for i in raw.indices { raw[i].suites[0].budgets = [change] }
    #expect(try diff(raw[0], raw[1]).summary.regressions == 3 * 2 * 2)
    // the kernel 1.5× slower on an unchanged machine: still called
    let slower = report(seed: 3, budgets: [normalized], median: { baseline($0, $1, $2, $3) * 1.5 })
    #expect(try diff(before, slower).summary.regressions == 3 * 2 * 2)
    // only the machine's slowdown is taken out: the kernel 1.5× slower on a 1.5× slower machine is 2.25× raw
    let both = report(seed: 4, budgets: [normalized], floorScale: 1.5, median: { baseline($0, $1, $2, $3) * 2.25 })
    #expect(try diff(before, both).summary.regressions == 3 * 2 * 2)
    // without floors in the reports the change is judged raw
    var bare = [before, loaded]
    for i in bare.indices { for k in bare[i].suites[0].points.indices { bare[i].suites[0].points[k].evidence = nil } }
    #expect(try diff(bare[0], bare[1]).summary.regressions == 3 * 2 * 2)
}

@Test func withoutTheFloorTheProbeOfTheSlicesOwnPointsStandsIn() throws {
    // v2's rule: the floor of native-l3 first, the machine probe of the slice's own points when no floor
    var normalized = change
    normalized.normalizeEvidence = "floor.cLoopMs"
    normalized.normalizeRef = "kernelBackend=native-l3"
    normalized.normalizeFallback = "machine.probeMs"
    let before = report(seed: 1, budgets: [normalized], probeScale: 1, median: baseline)
    // load that the floor sees and the probe does not (memory contention): the floor decides
    let contended = report(seed: 2, budgets: [normalized], floorScale: 1.5, probeScale: 1, median: { baseline($0, $1, $2, $3) * 1.5 })
    #expect(try diff(before, contended).gate.pass)
    func withoutFloor(_ r: PerfReport) -> PerfReport {
        var r = r
        for i in r.suites[0].points.indices { r.suites[0].points[i].evidence?.removeAll { $0.name == "floor.cLoopMs" } }
        return r
    }
    // no floor in either report (no native-l3 in the run): a slower clock the probe sees still passes …
    let slowClock = report(seed: 3, budgets: [normalized], floorScale: 1.5, probeScale: 1.5, median: { baseline($0, $1, $2, $3) * 1.5 })
    #expect(try diff(withoutFloor(before), withoutFloor(slowClock)).gate.pass)
    // … and load the probe does not see is judged raw: every slice regresses
    #expect(try diff(withoutFloor(before), withoutFloor(contended)).summary.regressions == 3 * 2 * 2)
    // a kernel 1.5× slower with the floor unchanged is called whatever the probe says
    let slower = report(seed: 4, budgets: [normalized], probeScale: 1.5, median: { baseline($0, $1, $2, $3) * 1.5 })
    #expect(try diff(before, slower).summary.regressions == 3 * 2 * 2)
    // a fallback without the evidence it stands in for is bad input
    var bad = before
    bad.suites[0].budgets?[0].normalizeEvidence = nil
    #expect(throws: EvidenceError.self) { try bad.validate(file: "b.json") }
}

@Test func aModeBudgetDividesByTheProbeOfEachSidesPoints() throws {
    // dirty ≤ full × 1.05 per ratio (no pool): at ratio 1 dirty executes every step, as full does
    var mode = PerfReport.Budget.robust("dirty<=full*1.05", type: "relative", metric: "runtime.txnCommitMs", maxRatio: 1.05,
                                        numeratorRef: "convergeMode=dirty", denominatorRef: "convergeMode=full", minDeltaMs: 0.0001)
    mode.normalizeEvidence = "machine.memProbeMs"
    func maxLevels(_ r: PerfReport) -> Set<ParamValue?> { Set(r.suites[0].thresholds?.map(\.maxLevel) ?? []) }
    func slower(_ k: Double) -> (String, String, Double, Double) -> Double { { b, m, s, r in baseline(b, m, s, r) * (m == "dirty" ? k : 1) } }
    // dirty's points measured while the machine was 1.5× slower, and the memory probe beside them saw it: passes
    let loaded = report(seed: 1, budgets: [mode], memProbeScale: { _, m in m == "dirty" ? 1.5 : 1 }, median: slower(1.5))
    #expect(maxLevels(loaded) == [.number(2000)])
    // the same report judged raw: dirty fails at ratio 1 (one slice per backend)
    var raw = loaded
    raw.suites[0].budgets?[0].normalizeEvidence = nil
    raw.suites[0].thresholds = Thresholds.compute(raw.suites[0])
    #expect(raw.suites[0].thresholds?.filter { $0.maxLevel == nil && $0.reason == "budgetExceeded" }.count == 3)
    // dirty 1.5× slower on a machine the probe saw unchanged: called
    let worse = report(seed: 2, budgets: [mode], memProbeScale: { _, _ in 1 }, median: slower(1.5))
    #expect(worse.suites[0].thresholds?.filter { $0.maxLevel == nil && $0.reason == "budgetExceeded" }.count == 3)
    // without the probe on the points the budget is judged raw
    let bare = report(seed: 3, budgets: [mode], median: slower(1.5))
    #expect(bare.suites[0].thresholds?.filter { $0.maxLevel == nil }.count == 3)
    // a probe does not combine with a floor denominator, nor normalizeRef with a relative budget
    for tweak: (inout PerfReport.Budget) -> Void in [{ $0.denominatorEvidence = "floor.cLoopMs" }, { $0.normalizeRef = "kernelBackend=native-l3" }] {
        var bad = loaded
        tweak(&bad.suites[0].budgets![0])
        #expect(throws: EvidenceError.self) { try bad.validate(file: "b.json") }
    }
    var absolute = PerfReport.Budget.robust("commit<=1ms", type: "absolute", metric: "runtime.txnCommitMs", maxMs: 1)
    absolute.normalizeEvidence = "machine.memProbeMs"
    var badAbsolute = loaded
    badAbsolute.suites[0].budgets = [absolute]
    #expect(throws: EvidenceError.self) { try badAbsolute.validate(file: "b.json") }
}

@Test func aConfirmationRoundReMeasuresTheLevelWhereEachCallArose() throws {
    let before = report(seed: 1, budgets: [change], median: baseline)
    let levels: [ParamValue] = [.number(200), .number(800), .number(2000)]
    // wasm-v8 2× slower at 2000 steps only: the after side stopped at 2000 (maxLevel 800)
    let tail = report(seed: 3, budgets: [change], median: { b, m, s, r in baseline(b, m, s, r) * (s == 2000 && b == "wasm-v8" ? 2 : 1) })
    let calls = Confirmation.calls(try diff(before, tail), primaryLevels: levels)
    #expect(calls.count == 4)
    #expect(calls.allSatisfy { $0.key.regression && $0.key.budget == "commit.median<=before*1.2" && $0.value == .number(2000) })
    #expect(Set(calls.keys.map(\.slice)).count == 4)
    // every native level 1.5× slower from the first level: their scans stopped at 200;
    // the reverse diff calls the same slices improvements, at the same level
    let slower = report(seed: 2, budgets: [change], median: { b, m, s, r in baseline(b, m, s, r) * (b.hasPrefix("native") ? 1.5 : 1) })
    let regressions = Confirmation.calls(try diff(before, slower), primaryLevels: levels)
    let improvements = Confirmation.calls(try diff(slower, before), primaryLevels: levels)
    #expect(regressions.count == 8 && regressions.values.allSatisfy { $0 == .number(200) })
    #expect(improvements.count == 8 && improvements.keys.allSatisfy { !$0.regression })
    #expect(Set(improvements.keys.map(\.slice)) == Set(regressions.keys.map(\.slice)))
    // the same build: nothing to confirm
    #expect(Confirmation.calls(try diff(before, report(seed: 4, budgets: [change], median: baseline)), primaryLevels: levels).isEmpty)
}

@Test func callsTheReMeasureDidNotReproduceAreDroppedAndCounted() throws {
    let before = report(seed: 1, budgets: [change], median: baseline)
    let levels: [ParamValue] = [.number(200), .number(800), .number(2000)]
    let slower = report(seed: 2, budgets: [change], median: { b, m, s, r in baseline(b, m, s, r) * (b.hasPrefix("native") ? 1.5 : 1) })
    let d = try diff(before, slower)
    let calls = Confirmation.calls(d, primaryLevels: levels)
    // every call reproduced: the diff is unchanged
    #expect(Confirmation.keeping(d, reproduced: Set(calls.keys), primaryLevels: levels) == d)
    // native-l1's calls not reproduced: they leave the deltas and the counts, and are named
    let l3 = Set(calls.keys.filter { $0.slice.contains("native-l3") })
    let kept = Confirmation.keeping(d, reproduced: l3, primaryLevels: levels)
    #expect(kept.summary.regressions == 4 && kept.summary.unconfirmed == 4)
    #expect(kept.suites[0].thresholdDeltas?.allSatisfy { $0.where?["kernelBackend"]?.string == "native-l3" } == true)
    let notes = kept.suites[0].notes ?? ""
    #expect(notes.contains("unconfirmed: 4 (first: ") && notes.contains("native-l1"))
    #expect(notes.contains("mostSignificantRegression: commit.median<=before*1.2 {") && !notes.contains("mostSignificantRegression: commit.median<=before*1.2 {convergeMode=dirty&kernelBackend=native-l1"))
    #expect(!kept.gate.pass)
    // none reproduced: the gate passes, every call counted as unconfirmed
    let none = Confirmation.keeping(d, reproduced: [], primaryLevels: levels)
    #expect(none.gate.pass && none.summary.unconfirmed == 8 && none.suites[0].thresholdDeltas == nil)
}

@Test func minDeltaIsJudgedAtTheFasterSpeedWhicheverSideWasSlow() {
    // auto 1.5 µs measured at full speed, dirty 1 µs measured while the machine ran at half speed
    // (0.5 µs at full speed): 1 µs apart at full speed, within a 1 µs minDelta — the same verdict
    // as when auto is the side that met the slow stretch (3 µs at half speed against 0.5 µs)
    var budget = PerfReport.Budget.robust("auto<=dirty*1.05", type: "relative", metric: "runtime.txnCommitMs", maxRatio: 1.05,
                                          numeratorRef: "convergeMode=auto", denominatorRef: "convergeMode=dirty", minDeltaMs: 0.001)
    budget.normalizeEvidence = "machine.memProbeMs"
    func verdict(_ n: Double, _ d: Double, scale: Double, minDelta: Double = 0.001) -> RobustVerdict {
        let (sn, sd) = Thresholds.atFasterSpeed(.exact(n), .exact(d), scale: scale)
        return Thresholds.judgeRatio(sn, sd, budget, minDelta: minDelta)
    }
    #expect(verdict(0.0015, 0.001, scale: 0.5) == .pass)
    #expect(verdict(0.003, 0.0005, scale: 2) == .pass)
    // the ratio alone (no minDelta) is the same either way: 3× fails
    #expect(verdict(0.0015, 0.001, scale: 0.5, minDelta: 0) == .fail)
    #expect(verdict(0.003, 0.0005, scale: 2, minDelta: 0) == .fail)
    // a difference beyond minDelta at full speed is still called
    #expect(verdict(0.0025, 0.001, scale: 0.5) == .fail)
}
