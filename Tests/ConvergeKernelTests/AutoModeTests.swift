import ConvergeBench
import Testing
@testable import ConvergeKernel

/// Auto mode's decisions and reason codes (semantics §6) on every execution level. Logix's rules
/// are tested with the (timing-based) cost model off; the cost model's mechanics are tested on
/// the decider with synthetic measurements.
@Suite struct AutoModeTests {
    /// Logix's rules without the timing-dependent parts (cost model, decision budget), so that
    /// a loaded machine cannot change a decision; the budget is tested with its own policy.
    static var rules: AutoPolicy {
        var p = AutoPolicy()
        p.costModel = false
        p.decisionBudgetMs = 0
        return p
    }

    final class Harness {
        let graph: CompiledGraph
        let rt: ConvergeRuntime
        var value = 0.0

        init(_ ir: ConvergeIR, level: ExecutionLevel, policy: AutoPolicy = AutoModeTests.rules) throws {
            graph = try CompiledGraph(ir)
            var o = RuntimeOptions(level: level, mode: .auto, diagnostics: .light)
            o.auto = policy
            rt = try ConvergeRuntime(graph, options: o)
            for s in 0..<graph.stepCount where graph.stepFlags[s] & 2 == 0 {
                try rt.derive(step: s) { .number(($0.number(0) ?? 0) + 1) }
            }
        }

        /// Writes new values to `paths`; returns the summary.
        @discardableResult
        func txn(_ paths: [String], mode: ConvergeMode? = nil, marks: [String] = []) throws -> TransactionSummary {
            value += 1
            let v = value
            _ = try rt.transaction(mode: mode) { txn in
                for p in paths { try txn.set(self.graph.pathId(p)!, number: v) }
                for m in marks { try txn.markDirty(path: m) }
            }
            return rt.lastSummary
        }

        func bs(_ range: Range<Int>) -> [String] { range.map { "b\($0)" } }
    }

    /// 2·half steps: `half` reading `a`, `half` reading `b`, plus `extra` steps reading `c<i>`.
    static func fanOut(half: Int, extra: Int = 0) -> ConvergeIR {
        var b = IRBuilder()
        for i in 0..<half { b.computed("xa\(i)", deps: ["a"]) }
        for i in 0..<half { b.computed("xb\(i)", deps: ["b"]) }
        for i in 0..<extra { b.computed("y\(i)", deps: ["c\(i)"]) }
        return b.build()
    }

    @Test(arguments: ExecutionLevel.allCases)
    func coldStartDirtyAllAndNearFullRoots(_ level: ExecutionLevel) throws {
        for (n, threshold) in [(200, 0.9), (600, 0.75), (1100, 0.7), (2000, 0.65)] {
            let h = try Harness(Workload.converge(steps: n), level: level)
            var s = try h.txn(["b0"])
            #expect(s.reasons == .coldStart && s.executedMode == .full && s.executedSteps == n)
            let k = Int((Double(n) * threshold).rounded(.up))
            s = try h.txn(h.bs(0..<k))
            #expect(s.reasons == .nearFull && s.executedMode == .full, "n=\(n) k=\(k)")
            s = try h.txn(h.bs(0..<(k - 1)))
            #expect(!s.reasons.contains(.nearFull) && s.executedMode == .dirty, "n=\(n) k=\(k - 1): \(s.reasons)")
            s = try h.txn([], marks: ["*"])
            #expect(s.reasons == .unknownWrite && s.executedMode == .full && s.dirtyAllReason == .unknownWrite)
            s = try h.txn(["b1"], marks: ["no.such.path"])
            #expect(s.reasons == .dirtyAll && s.executedMode == .full && s.dirtyAllReason == .fallbackPolicy)
        }
        // a scope of at most 2 steps always runs full
        let tiny = try Harness(Workload.converge(steps: 2), level: level)
        _ = try tiny.txn(["b0"])
        #expect(try tiny.txn(["b0"]).reasons == .nearFull)
    }

    @Test(arguments: ExecutionLevel.allCases)
    func inlineCacheAdmitsOnTheSecondSightAndHitsOnTheThird(_ level: ExecutionLevel) throws {
        let h = try Harness(Workload.converge(steps: 400), level: level)
        _ = try h.txn(["b0"])                                   // cold start
        var s = try h.txn(["b1", "b2", "b3"])
        #expect(s.reasons == .lowHitRateProtection && s.executedMode == .full)
        s = try h.txn(["b1", "b2", "b3"])
        #expect(s.reasons == .inlineDirty && s.executedMode == .dirty && s.planLength == 3 && !s.cacheHit)
        #expect(s.boundaryCalls == (level == .l0 ? 0 : 1))
        s = try h.txn(["b3", "b1", "b2"])                       // the same set in another order
        #expect(s.reasons == .cacheHit && s.cacheHit && s.executedMode == .dirty && s.planLength == 3)
        #expect(s.boundaryCalls == (level == .l0 ? 0 : 1))    // the C core's one commit call serves the cached plan
        #expect(try h.rt.state.value("d2") == .number(h.value + 1))
        // plans longer than 256 are planned but not cached
        let f = try Harness(Self.fanOut(half: 300), level: level)
        _ = try f.txn(["a"])
        #expect(try f.txn(["a"]).reasons == .lowHitRateProtection)
        for _ in 0..<3 {
            s = try f.txn(["a"])
            #expect(s.reasons == .inlineDirty && s.planLength == 300)
        }
    }

    @Test(arguments: ExecutionLevel.allCases)
    func inlineCacheSwitchesOffThenTheLRUServesAndSwitchesOff(_ level: ExecutionLevel) throws {
        let h = try Harness(Workload.converge(steps: 1000), level: level)
        _ = try h.txn(["b0"])
        // 32 distinct one-root keys, each seen once: 32 skips with 0 computes
        for i in 0..<32 {
            let s = try h.txn(["b\(i + 1)"])
            #expect(s.reasons == .lowHitRateProtection)
            #expect(s.inlineCacheEnabled == (i < 31))
        }
        var s = try h.txn(["b500"])
        #expect(s.reasons == .cacheMiss && s.executedMode == .dirty && !s.inlineCacheEnabled)
        s = try h.txn(["b500"])
        #expect(s.reasons == .cacheHit && s.lruCacheEnabled)
        // 129+ lookups with at most 1% hits switch the LRU off
        for i in 0..<140 { s = try h.txn(["b\(600 + i)"]) }
        #expect(!s.lruCacheEnabled && s.reasons == .cacheMiss && s.executedMode == .dirty)
        s = try h.txn(["b500"])
        #expect(s.reasons == .cacheMiss && !s.cacheHit)
        // sets with more than 64 roots skip the inline cache; more than 50% of the scope skip the LRU
        let g = try Harness(Workload.converge(steps: 1000), level: level)
        _ = try g.txn(["b0"])
        #expect(try g.txn(g.bs(0..<100)).reasons == .cacheMiss)
        #expect(try g.txn(g.bs(0..<100)).reasons == .cacheHit)
        #expect(try g.txn(g.bs(0..<600)).reasons == .cacheMiss)   // 600 > 0.5 · 1000: planned, not cached
    }

    @Test(arguments: ExecutionLevel.allCases)
    func planCoverageDecisionBudgetFastFullAndOverrides(_ level: ExecutionLevel) throws {
        // a plan covering >= 90% of the scope runs full
        let f = try Harness(Self.fanOut(half: 50, extra: 2), level: level)
        _ = try f.txn(["c0"])
        _ = try f.txn(["a", "b"])
        var s = try f.txn(["a", "b"])
        #expect(s.reasons == [.inlineDirty, .nearFull] && s.executedMode == .full && s.planLength == 102)
        s = try f.txn(["c0"])
        #expect(s.executedMode == .full && s.reasons == .lowHitRateProtection)
        s = try f.txn(["c0"])
        #expect(s.executedMode == .dirty && s.planLength == 1)

        // the decision budget: past it, full
        var tight = Self.rules
        tight.decisionBudgetMs = 1e-6
        let b = try Harness(Workload.converge(steps: 300), level: level, policy: tight)
        _ = try b.txn(["b0"])
        _ = try b.txn(["b1"])
        s = try b.txn(["b1"])
        #expect(s.reasons == [.inlineDirty, .budgetCutoff] && s.executedMode == .full && s.decisionNs > 0)

        // full known to be cheap runs outright
        var fast = Self.rules
        fast.fastFullMaxMs = 1000
        let q = try Harness(Workload.converge(steps: 300), level: level, policy: fast)
        _ = try q.txn(["b0"])
        s = try q.txn(["b1"])
        #expect(s.reasons == .fastFull && s.executedMode == .full)

        // generation bump and module override
        let h = try Harness(Workload.converge(steps: 300), level: level)
        _ = try h.txn(["b0"])
        _ = try h.txn(["b1"]); _ = try h.txn(["b1"])
        #expect(try h.txn(["b1"]).reasons == .cacheHit)
        h.rt.bumpGeneration()
        #expect(try h.txn(["b1"]).reasons == [.generationBumped, .lowHitRateProtection])
        s = try h.txn(h.bs(0..<299), mode: .dirty)
        #expect(s.reasons == .moduleOverride && s.executedMode == .dirty && s.requestedMode == .dirty)
        s = try h.txn(["b1"], mode: .full)
        #expect(s.reasons == .moduleOverride && s.executedMode == .full)
    }

    @Test func explicitDirtyNeverSwitchesToFull() throws {
        for level in ExecutionLevel.allCases {
            var o = RuntimeOptions(level: level, mode: .dirty, diagnostics: .light)
            o.auto.decisionBudgetMs = 1e-6
            let g = try CompiledGraph(Workload.converge(steps: 100))
            let rt = try ConvergeRuntime(g, options: o)
            try Workload.registerConvergeFunctions(rt)
            _ = try rt.transaction { txn in for i in 0..<100 { try txn.set(g.pathId("b\(i)")!, number: 1) } }
            #expect(rt.lastSummary.executedMode == .dirty && rt.lastSummary.reasons.isEmpty && rt.lastSummary.planLength == 100)
        }
    }

    @Test func costModelPrefersTheCheaperModeAndProbesTheOther() throws {
        let d = AutoDecider(policy: AutoPolicy(), stepCount: 1000)
        var roots = [UInt32](0..<600)
        func decide(_ n: Int) -> (AutoDecision, DecisionReasons) {
            var reasons: DecisionReasons = []
            let decision = roots.withUnsafeBufferPointer { d.decide(roots: $0.baseAddress!, count: n, key: UInt32(n), dirtyAll: nil, scopeSteps: 1000, reasons: &reasons) }
            return (decision, reasons)
        }
        func isFull(_ x: AutoDecision) -> Bool { if case .full = x { return true } else { return false } }
        _ = decide(1)                                         // cold start (not measured)
        // no full measurement yet: the cost model is silent; after 64 decisions it probes full once
        var probes = 0
        for _ in 0..<70 {
            let (x, r) = decide(400)
            if isFull(x) { probes += 1; #expect(r == .nearFull); d.recordConverge(full: true, ns: 10_000, roots: 400) }
            else { d.recordConverge(full: false, ns: 400 * 10, roots: 400) }       // dirty: 10 ns per root
        }
        #expect(probes == 1)
        // dirty predicted 400 · 10 = 4,000 ns < full 10,000 ns: dirty
        #expect(!isFull(decide(400).0))
        // 600 roots at 20 ns per root = 12,000 ns >= 10,000: full (reason near_full)
        for _ in 0..<8 { d.recordConverge(full: false, ns: 600 * 20, roots: 600) }
        let (x, r) = decide(600)
        #expect(isFull(x) && r == .nearFull)
        // while full is preferred, dirty is re-measured after the probe interval
        var dirtyProbes = 0
        for _ in 0..<200 where !isFull(decide(600).0) { dirtyProbes += 1 }
        #expect(dirtyProbes >= 1 && dirtyProbes <= 3)
        // estimates are minimums of the last 8 samples: one slow outlier does not move them
        d.recordConverge(full: true, ns: 1_000_000, roots: 0)
        #expect(isFull(decide(600).0))
        roots = []
    }
}
