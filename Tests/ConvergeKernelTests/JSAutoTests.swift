import ConvergeBench
import ConvergeKernelTestSupport
import ConvergeWasm
import Foundation
import Testing
@testable import ConvergeKernel

/// The pure-JS kernel's auto mode (`wasm-host/js-auto.mjs`) decides as the Swift L0 runtime does.
///
/// 1. End to end: the `l0-js` level in node (dirty roots from the written ids, the JS decider, the
///    JS kernel's plans, JS execution) against a native `ConvergeRuntime` at L0 (the Swift
///    `AutoDecider`, `PortablePlanner`) with the deterministic policy of the V8 transaction-core
///    tests (cost model off, no decision budget): per commit the same executed mode, reason bits,
///    plan length and dirty-root count, and the same final slots, on seeded random graphs with
///    repeated, fresh, LRU-sized and near-full root sets and a generation bump.
/// 2. Every timing rule, made deterministic by a scripted clock: `AutoConverge` in node and the
///    Swift `AutoDecider` driven through the L0 runtime's sequence (decide, plan, planned share,
///    decision budget, store, execute, samples) read the same clock, which only planning and
///    execution advance (by scripted durations), under the default policy (cost model, decision
///    budget), Logix's (fast full) and one with small caches and probe intervals; per transaction
///    the same mode, reasons, plan (a checksum: cached plans come back intact), decision time and
///    cache switches. `autoPolicy()` and `autoPolicy({logix: true})` equal `AutoPolicy()` and
///    `AutoPolicy.logix` field by field.
///
/// Needs `node` ≥ 18 (skipped without it unless CONVERGE_REQUIRE_NODE=1, as V8DifferentialTests).
@Suite(.enabled(if: NodeAvailability.nodeOrRequired, "node >= 18 is not on PATH (set CONVERGE_NODE)"))
struct JSAutoTests {
    // MARK: 1. the l0-js level against the L0 runtime

    /// Transactions over `pool` (the paths written, in written order, some twice; some sets
    /// ascending): small sets repeated in runs (the inline cache), fresh pairs (two-hit
    /// admission), sets of 65–104 paths repeated (the LRU when their roots fit it), near-full sets; `freshFirst`
    /// transactions of fresh sets first (the inline cache, then the LRU, switch themselves off).
    static func transactions(pool: [UInt32], seed: UInt64, count: Int, freshFirst: Int) -> [[NodeHost.TxnWrite]] {
        var rng = SeededRNG(seed: seed)
        func sample(_ k: Int) -> [UInt32] {
            var s = Set<UInt32>(), ids: [UInt32] = []
            while ids.count < min(k, pool.count) {
                let id = pool[rng.below(pool.count)]
                if s.insert(id).inserted { ids.append(id) }
            }
            return ids
        }
        // half of the repeated sets in ascending order (l0-js takes ascending 1-segment paths as
        // their own roots without sorting them)
        let small = (0..<6).map { i in i % 2 == 0 ? sample(1 + rng.below(4)).sorted() : sample(1 + rng.below(4)) }
        let mid = (0..<3).map { i in i == 0 ? sample(65 + rng.below(40)).sorted() : sample(65 + rng.below(40)) }
        var current = 0
        var txns: [[NodeHost.TxnWrite]] = []
        for t in 0..<count {
            var ids: [UInt32]
            if t < freshFirst {
                ids = sample(1 + rng.below(t % 3 == 0 ? 90 : 5))
            } else {
                switch t % 29 {
                case 13: ids = pool.filter { _ in rng.chance(95) }   // near full
                case 3, 17: ids = sample(2)                         // a fresh set
                case 7, 8, 21, 22, 23: ids = mid[rng.below(mid.count)]
                default:
                    if rng.chance(30) { current = rng.below(small.count) }
                    ids = small[current]
                }
            }
            if rng.chance(10), let first = ids.first { ids.append(first) }   // a path written twice
            txns.append(ids.map { NodeHost.TxnWrite($0, number: Double(t % 7) - 2) })
        }
        return txns
    }

    static func graphs() throws -> [(name: String, graph: CompiledGraph, pool: [UInt32], freshFirst: Int)] {
        let converge = try CompiledGraph(Workload.converge(steps: 120))
        let dag = try CompiledGraph(Workload.randomDAG(steps: 400, seed: 5, groups: 30))
        let wide = try CompiledGraph(Workload.randomDAG(steps: 1200, seed: 9, groups: 300))
        var out: [(name: String, graph: CompiledGraph, pool: [UInt32], freshFirst: Int)] = [
            ("converge n=120", converge, (0..<120).map { converge.pathId("b\($0)")! }, 0),
            ("random DAG n=400 (links, deferred)", dag, (0..<UInt32(dag.pathCount)).map { $0 }, 40),
            ("random DAG n=1200", wide, (0..<UInt32(wide.pathCount)).map { $0 }, 170),
        ]
        for seed: UInt64 in [7, 31, 32, 33] {
            let g = try CompiledGraph(GraphGenerator.random(seed: seed))
            out.append(("random seed \(seed)", g, (0..<UInt32(g.pathCount)).map { $0 }, seed == 31 ? 40 : 0))
        }
        return out
    }

    @Test func l0jsAutoEqualsL0Runtime() throws {
        var reasonsSeen: DecisionReasons = []
        var modesSeen: Set<String> = []
        var inlineOff = false, lruOff = false
        for (gi, (name, graph, pool, freshFirst)) in try Self.graphs().enumerated() {
            let txns = Self.transactions(pool: pool, seed: 100 + UInt64(gi), count: 320, freshFirst: freshFirst)
            let bump: Set<Int> = [freshFirst + 60]
            let o = RuntimeOptions.deterministic(.l0, .auto)
            let rt = try ConvergeRuntime(graph, options: o)
            try Workload.registerConvergeFunctions(rt)
            var want: [TransactionSummary] = []
            for (i, t) in txns.enumerated() {
                if bump.contains(i) { rt.bumpGeneration() }
                _ = try rt.transaction { txn in for w in t { try txn.set(w.id, number: w.value) } }
                want.append(rt.lastSummary)
                inlineOff = inlineOff || !rt.lastSummary.inlineCacheEnabled
                lruOff = lruOff || !rt.lastSummary.lruCacheEnabled
            }
            let got = try #require(try NodeHost.txnCore(graph, txns, levels: [.jsV8], mode: .auto,
                                                        policy: NodeHost.TxnPolicy(o), bumpGeneration: bump)[.jsV8])
            let native = rt.state.snapshot()
            let differing = differingSlots(graph, slotValues(graph, tags: got.tags, values: got.values), native)
            let sameState = differing.isEmpty
            #expect(sameState, "\(name): \(differing.count) slots differ; first \(differing.prefix(3))")
            var decisions: [String] = []
            for (i, c) in got.commits.enumerated() {
                let w = want[i]
                modesSeen.insert(c.executedMode?.rawValue ?? "none")
                reasonsSeen.formUnion(c.reasons)
                if c.status != 0 || c.executedMode != w.executedMode || c.reasons != w.reasons || c.planLength != w.planLength
                    || c.dirtyRoots != w.dirtyRoots {
                    decisions.append("txn \(i): \(c.executedMode?.rawValue ?? "none") [\(c.reasons)] plan \(c.planLength) roots \(c.dirtyRoots)"
                                     + " vs native \(w.executedMode?.rawValue ?? "none") [\(w.reasons)] plan \(w.planLength) roots \(w.dirtyRoots)")
                }
            }
            let sameDecisions = decisions.isEmpty
            #expect(sameDecisions, "\(name): \(decisions.count) of \(txns.count) commits differ; first \(decisions.prefix(3))")
        }
        // the sequences exercise what they are meant to
        #expect(modesSeen == ["full", "dirty"])
        for reason in [DecisionReasons.coldStart, .cacheHit, .cacheMiss, .inlineDirty, .lowHitRateProtection, .nearFull, .generationBumped] {
            #expect(reasonsSeen.contains(reason), "no transaction carried \(reason)")
        }
        #expect(inlineOff && lruOff, "the inline cache switched off: \(inlineOff), the LRU: \(lruOff)")
    }

    // MARK: 2. the decider on a scripted clock

    struct ScriptTxn {
        var roots: [UInt32]        // ascending, distinct
        var dirtyAll: Int          // CK_DIRTY_ALL_*
        var bump: Bool
        var planLength: Int        // what planning returns
        var planNs: UInt64         // how long planning takes
        var noiseNs: UInt64        // added to execution (length × stepNs)
    }

    struct Run {
        var name: String
        var policy: AutoPolicy
        var stepCount: Int
        var stepNs: UInt64
        var txns: [ScriptTxn]
    }

    /// One row per transaction: executed mode (0 none, 1 full, 2 dirty), reason bits, plan
    /// length, decision ns, plan checksum (-1: nothing ran), inline and LRU switches (1 = on).
    typealias Row = [Double]

    static func checksum(_ plan: UnsafePointer<UInt32>, _ n: Int) -> Double {
        var sum = 0, i = 0
        while i < n { sum = (sum * 31 + Int(plan[i]) + 1) % 1_000_000_007; i += 1 }
        return Double(sum)
    }

    /// The L0 runtime's auto transaction — ConvergeRuntime.transaction and RuntimeExecution.converge
    /// with `requested == .auto`, in their order and with their clock reads — around the Swift
    /// `AutoDecider`, on a clock that only planning and execution advance.
    static func swiftRows(_ run: Run) -> [Row] {
        let d = AutoDecider(policy: run.policy, stepCount: run.stepCount)
        let policy = run.policy, S = run.stepCount
        var clock: UInt64 = 1_000_000   // (never 0: 0 means "not timed")
        let fullPlan = (0..<UInt32(S)).map { $0 } + [0]
        var planBuf = [UInt32](repeating: 0, count: S + 1)
        var rows: [Row] = []
        for (t, x) in run.txns.enumerated() {
            if x.bump { d.bumpGeneration() }
            let dirtyAll: DirtyAllReason? = x.dirtyAll == 1 ? .unknownWrite : x.dirtyAll == 2 ? .fallbackPolicy : nil
            let roots = dirtyAll == nil ? x.roots : []
            let n = roots.count
            let switches: () -> [Double] = { [d.inlineEnabled ? 1 : 0, d.lruEnabled ? 1 : 0] }
            if n == 0 && dirtyAll == nil { rows.append([0, 0, 0, 0, -1] + switches()); continue }
            let key = dirtyAll == nil ? DirtySet.fnv1a(roots) : 0
            let t0 = d.timesNext(roots: n) ? clock : 0
            var reasons: DecisionReasons = []
            let rootBuf = roots + [0]
            rootBuf.withUnsafeBufferPointer { rp in
                let r = rp.baseAddress!
                let decision = d.decide(roots: r, count: n, key: key, dirtyAll: dirtyAll, scopeSteps: S, reasons: &reasons)
                if S == 0 { rows.append([0, Double(reasons.rawValue), 0, 0, -1] + switches()); return }
                let fullStart = d.measuresFull ? clock : 0
                var full = true, length = S, sum = 0.0
                var decided: UInt64 = 0, planStart: UInt64 = 0
                switch decision {
                case .full: break
                case .cached(let cache, let entry):
                    let (p, len) = cache.plan(entry)
                    full = false
                    length = len
                    sum = checksum(p, len)
                case .plan(let store):
                    planStart = t0 != 0 ? t0 : S >= 32 && policy.decisionBudgetMs > 0 ? clock : 0
                    clock += x.planNs
                    for i in 0..<x.planLength { planBuf[i] = UInt32((t * 31 + i) % S) }
                    length = x.planLength
                    full = false
                    if planStart != 0 { decided = clock }
                    let planNs = decided &- planStart
                    planBuf.withUnsafeBufferPointer { pb in
                        if planStart != 0 && S >= 32 && policy.decisionBudgetMs > 0 && Double(planNs) > policy.decisionBudgetMs * 1e6 {
                            reasons.insert(.budgetCutoff)
                            full = true
                        } else if policy.nearFullPlanRatio > 0 && Double(length) >= policy.nearFullPlanRatio * Double(S) {
                            reasons.insert(.nearFull)
                            full = true
                        } else if let store {
                            store.store(key, r, n, plan: pb.baseAddress!, length: length)
                        }
                        if !full { sum = checksum(pb.baseAddress!, length) }
                    }
                }
                if full {
                    length = S
                    sum = fullPlan.withUnsafeBufferPointer { checksum($0.baseAddress!, S) }
                }
                var decisionNs: UInt64 = 0
                if t0 != 0 {
                    if decided == 0 { decided = clock }
                    decisionNs = decided &- t0
                } else if planStart != 0 {
                    decisionNs = decided &- planStart
                }
                clock += UInt64(length) * run.stepNs + x.noiseNs   // execution
                if t0 != 0 && d.samplesConverge(full: full) { d.recordConverge(full: full, ns: clock &- t0, roots: n) }
                if full && fullStart != 0 { d.recordFull(ns: clock &- fullStart) }
                rows.append([full ? 1 : 2, Double(reasons.rawValue), Double(length), Double(decisionNs), sum] + switches())
            }
        }
        return rows
    }

    /// The node side: `AutoConverge` with a planner, an executor and a clock that do what
    /// ``swiftRows(_:)`` does.
    static let driver = #"""
    import { readFileSync } from 'node:fs';
    import { pathToFileURL } from 'node:url';
    const job = JSON.parse(readFileSync(process.argv[2], 'utf8'));
    const { AutoConverge, autoPolicy } = await import(pathToFileURL(job.module).href);
    const checksum = (plan, offset, n) => {
      let sum = 0;
      for (let i = 0; i < n; i++) sum = (sum * 31 + plan[offset + i] + 1) % 1000000007;
      return sum;
    };
    const runs = job.runs.map((run) => {
      const S = run.stepCount;
      let clock = 1e6, t = 0, txn = null, sum = -1;
      const fullPlan = Uint32Array.from({ length: S }, (_, i) => i);
      const planOut = new Uint32Array(S + 1);
      const planDirty = () => {
        clock += txn.planNs;
        for (let i = 0; i < txn.planLength; i++) planOut[i] = (t * 31 + i) % S;
        return txn.planLength;
      };
      const execute = (plan, offset, length) => {
        sum = checksum(plan, offset, length);
        clock += length * run.stepNs + txn.noiseNs;
        return true;
      };
      const a = new AutoConverge(autoPolicy(run.policy), S, fullPlan, planOut, planDirty, execute, () => clock);
      const rows = [];
      for (t = 0; t < run.txns.length; t++) {
        txn = run.txns[t];
        if (txn.bump) a.bumpGeneration();
        sum = -1;
        const roots = Uint32Array.from(txn.roots);
        a.commit(roots, roots.length, txn.dirtyAll);
        rows.push([a.executedMode, a.reasons, a.planLength, a.decisionNs, sum, a.decider.inlineEnabled ? 1 : 0, a.decider.lruEnabled ? 1 : 0]);
      }
      return rows;
    });
    process.stdout.write(JSON.stringify({ runs, defaults: autoPolicy(), logix: autoPolicy({ logix: true }) }));
    """#

    /// Every field of a policy, as `autoPolicy` names them.
    static func json(_ p: AutoPolicy) -> [String: Any] {
        ["nearFullRootRatios": p.nearFullRootRatios.map { [$0.fromSteps, $0.ratio] as [Any] }, "nearFullPlanRatio": p.nearFullPlanRatio,
         "fastFullMaxMs": p.fastFullMaxMs, "fullEwmaAlpha": p.fullEwmaAlpha, "decisionBudgetMs": p.decisionBudgetMs,
         "inlineMaxRoots": p.inlineMaxRoots, "inlineMaxPlanLength": p.inlineMaxPlanLength, "inlineOffAfterSkips": p.inlineOffAfterSkips,
         "inlineOffMaxComputes": p.inlineOffMaxComputes, "lruCapacity": p.lruCapacity, "lruMaxRoots": p.lruMaxRoots,
         "lruMaxRootRatio": p.lruMaxRootRatio, "lruMinHitRate": p.lruMinHitRate, "lruMaxPlanLength": p.lruMaxPlanLength,
         "costModel": p.costModel, "costProbeInterval": p.costProbeInterval, "costProbeMaxInterval": p.costProbeMaxInterval]
    }

    /// A policy from `autoPolicy`'s JSON (nil when a field is missing or extra).
    static func policy(_ j: [String: Any]) -> AutoPolicy? {
        guard j.count == json(AutoPolicy()).count, let ratios = j["nearFullRootRatios"] as? [[NSNumber]] else { return nil }
        var p = AutoPolicy()
        p.nearFullRootRatios = ratios.map { (fromSteps: $0[0].intValue, ratio: $0[1].doubleValue) }
        func d(_ k: String) -> Double { (j[k] as? NSNumber)?.doubleValue ?? .nan }
        func i(_ k: String) -> Int { (j[k] as? NSNumber)?.intValue ?? -1 }
        p.nearFullPlanRatio = d("nearFullPlanRatio"); p.fastFullMaxMs = d("fastFullMaxMs"); p.fullEwmaAlpha = d("fullEwmaAlpha")
        p.decisionBudgetMs = d("decisionBudgetMs"); p.inlineMaxRoots = i("inlineMaxRoots"); p.inlineMaxPlanLength = i("inlineMaxPlanLength")
        p.inlineOffAfterSkips = i("inlineOffAfterSkips"); p.inlineOffMaxComputes = i("inlineOffMaxComputes")
        p.lruCapacity = i("lruCapacity"); p.lruMaxRoots = i("lruMaxRoots"); p.lruMaxRootRatio = d("lruMaxRootRatio")
        p.lruMinHitRate = d("lruMinHitRate"); p.lruMaxPlanLength = i("lruMaxPlanLength")
        guard let cost = j["costModel"] as? Bool else { return nil }
        p.costModel = cost
        p.costProbeInterval = i("costProbeInterval"); p.costProbeMaxInterval = i("costProbeMaxInterval")
        return p
    }

    /// Small caches and probe intervals: eviction, the switches and the probes' back-off happen
    /// within a few hundred transactions.
    static var small: AutoPolicy {
        var p = AutoPolicy()
        p.inlineMaxRoots = 8
        p.inlineMaxPlanLength = 40
        p.inlineOffAfterSkips = 6
        p.lruCapacity = 4
        p.lruMaxRoots = 60
        p.lruMaxPlanLength = 200
        p.lruMinHitRate = 0.2
        p.costProbeInterval = 4
        p.costProbeMaxInterval = 32
        p.decisionBudgetMs = 0.2
        return p
    }

    /// A run's transactions: root sets (a few repeated, some fresh, some of LRU size, some near
    /// full, some of a size at a threshold of `policy`), now and then dirtyAll or a generation
    /// bump; a plan length per set (5% of sets plan ≥ 90% of the scope, 4% a length at a
    /// threshold); planning mostly short, 3% past 0.5 ms, 3% exactly at the decision budget (or
    /// 1 ns past it); execution noise with spikes, 10% none (full runs then take exactly
    /// steps × stepNs: 600 µs is Logix's fast-full threshold).
    static func script(policy: AutoPolicy, stepCount S: Int, seed: UInt64, count: Int, freshFirst: Int) -> [ScriptTxn] {
        var rng = SeededRNG(seed: seed)
        let space = max(2 * S, 16)
        // each side of every threshold
        let rootEdge = Int((policy.nearFullRootRatio(steps: S) * Double(S)).rounded(.up))
        let sizes = [31, 32, 33, policy.inlineMaxRoots, policy.inlineMaxRoots + 1, policy.lruMaxRoots, policy.lruMaxRoots + 1,
                     S / 2, S / 2 + 1, rootEdge - 1, rootEdge].filter { $0 > 0 && $0 <= space }
        let planEdge = Int((policy.nearFullPlanRatio * Double(S)).rounded(.up))
        let lengths = [planEdge - 1, planEdge, policy.inlineMaxPlanLength, policy.inlineMaxPlanLength + 1,
                       policy.lruMaxPlanLength, policy.lruMaxPlanLength + 1].filter { $0 >= 0 && $0 <= S }
        let budgetNs = UInt64(policy.decisionBudgetMs * 1e6)
        func set(_ k: Int) -> (roots: [UInt32], planLength: Int) {
            var s = Set<UInt32>()
            while s.count < min(k, space) { s.insert(UInt32(rng.below(space))) }
            let roots = s.sorted()
            let length = S == 0 ? 0
                : rng.chance(4) && !lengths.isEmpty ? rng.pick(lengths)
                : rng.chance(5) ? S - rng.below(max(1, S / 20)) : min(S, roots.count * (1 + rng.below(3)))
            return (roots, length)
        }
        let small = (0..<5).map { _ in set(1 + rng.below(4)) }
        let mid = (0..<3).map { _ in set(9 + rng.below(max(1, min(120, S / 2)))) }
        let nearFull = set(Int(Double(S) * 0.97) + 1)
        var current = 0
        var txns: [ScriptTxn] = []
        for t in 0..<count {
            let pick: (roots: [UInt32], planLength: Int)
            if t < freshFirst {
                pick = set(1 + rng.below(t % 4 == 0 ? 100 : 6))
            } else {
                switch t % 31 {
                case 5: pick = nearFull
                case 9, 20: pick = set(1 + rng.below(70))
                case 11, 12, 13, 25: pick = mid[rng.below(mid.count)]
                case 27, 28, 29: pick = set(sizes.isEmpty ? 1 : rng.pick(sizes))
                default:
                    if rng.chance(25) { current = rng.below(small.count) }
                    pick = small[current]
                }
            }
            let dirtyAll = rng.chance(3) ? 1 + rng.below(2) : 0
            let planNs = rng.chance(3) ? 600_000 + UInt64(rng.below(300_000))
                : rng.chance(3) && budgetNs > 0 ? budgetNs + UInt64(rng.below(2))
                : 2_000 + UInt64(rng.below(20_000)) + 50 * UInt64(pick.roots.count)
            let noise = rng.chance(5) ? 1_000_000 : rng.chance(10) ? 0 : UInt64(rng.below(2_000))
            txns.append(ScriptTxn(roots: pick.roots, dirtyAll: dirtyAll, bump: rng.chance(1), planLength: pick.planLength,
                                  planNs: planNs, noiseNs: noise))
        }
        return txns
    }

    static func runs() -> [Run] {
        var runs: [Run] = []
        var seed: UInt64 = 1
        for (pname, policy) in [("default", AutoPolicy()), ("logix", AutoPolicy.logix), ("small", Self.small)] {
            for S in [0, 2, 20, 300, 700, 1100, 1600, 3000] {
                for stepNs: UInt64 in [5, 200, 300] {
                    seed += 1
                    runs.append(Run(name: "\(pname) S=\(S) \(stepNs) ns/step", policy: policy, stepCount: S, stepNs: stepNs,
                                    txns: script(policy: policy, stepCount: S, seed: seed, count: 300,
                                                 freshFirst: seed % 4 == 0 ? 200 : seed % 2 == 0 ? 100 : 0)))
                }
            }
        }
        return runs
    }

    @Test func jsDeciderEqualsSwiftDeciderOnAScriptedClock() throws {
        let runs = Self.runs()
        let job: [String: Any] = [
            "module": try NodeDriver.hostModule("js-auto.mjs"),
            "runs": runs.map { r -> [String: Any] in
                ["policy": Self.json(r.policy), "stepCount": r.stepCount, "stepNs": Int(r.stepNs),
                 "txns": r.txns.map { x -> [String: Any] in
                     ["roots": x.roots.map { Int($0) }, "dirtyAll": x.dirtyAll, "bump": x.bump, "planLength": x.planLength,
                      "planNs": Int(x.planNs), "noiseNs": Int(x.noiseNs)]
                 }]
            },
        ]
        guard let reply = try NodeDriver.run(Self.driver, ["{dir}/job.json"], files: ["job.json": try JSONSerialization.data(withJSONObject: job)],
                                             timeout: 300) else { return }
        guard let got = reply["runs"] as? [[[NSNumber]]], got.count == runs.count else {
            Issue.record("node replied without \(runs.count) runs: \(reply.keys.sorted())")
            return
        }
        // the policies' defaults
        #expect((reply["defaults"] as? [String: Any]).flatMap(Self.policy) == AutoPolicy(), "autoPolicy(): \(reply["defaults"] ?? "")")
        #expect((reply["logix"] as? [String: Any]).flatMap(Self.policy) == AutoPolicy.logix, "autoPolicy({logix: true}): \(reply["logix"] ?? "")")

        var reasonsSeen: DecisionReasons = []
        var switchedOff = (inline: false, lru: false)
        var timed = 0, checked = 0
        var failures: [String] = []
        for (r, rows) in zip(runs, got) {
            let want = Self.swiftRows(r)
            guard rows.count == want.count else {
                failures.append("\(r.name): \(rows.count) rows from node, \(want.count) from Swift")
                continue
            }
            var differing: [String] = []
            for (i, (g, w)) in zip(rows.map { $0.map(\.doubleValue) }, want).enumerated() {
                checked += 1
                reasonsSeen.formUnion(DecisionReasons(rawValue: UInt16(w[1])))
                if w[3] > 0 { timed += 1 }
                if w[5] == 0 { switchedOff.inline = true }
                if w[6] == 0 { switchedOff.lru = true }
                if g != w {
                    differing.append("txn \(i): node \(g) [\(DecisionReasons(rawValue: UInt16(clamping: Int(g.count > 1 ? g[1] : 0))))]"
                                     + " vs Swift \(w) [\(DecisionReasons(rawValue: UInt16(w[1])))]")
                }
            }
            if !differing.isEmpty { failures.append("\(r.name): \(differing.count) transactions differ; first \(differing.prefix(2))") }
        }
        let same = failures.isEmpty
        #expect(same, "\(failures.count) runs differ: \(failures.prefix(4).joined(separator: "\n"))")
        // every rule was reached (module_override is the caller's, not the decider's)
        for (reason, _) in DecisionReasons.codes where reason != .moduleOverride {
            #expect(reasonsSeen.contains(reason), "no transaction carried \(reason)")
        }
        #expect(switchedOff.inline && switchedOff.lru, "the inline cache switched off: \(switchedOff.inline), the LRU: \(switchedOff.lru)")
        #expect(checked == runs.count * 300 && timed > checked / 10, "\(checked) transactions, \(timed) with a decision time")
    }
}
