// WasmBench.swift — `converge bench-wasm`'s measurement: plan-only time of one kernel as native
// code, as wasm in WasmKit and in V8, and of the pure-JS kernel; then transactions in V8.

import ConvergeKernel
import ConvergeWasm

/// Times plan calls of the same kernel as native code, as wasm32 (SIMD128 and scalar) in V8, as
/// wasm in WasmKit, and of the pure-JS kernel in V8, on the converge workload and large random
/// DAGs; then the workload's transactions in V8 at every V8 level. Native and WasmKit are timed
/// in this process with ``RoundTiming``; V8 in one Node process with the same method
/// (`wasm-host/cli.mjs`). Per point it records boundary calls and bytes per plan or
/// transaction and linear-memory pages. Ratios come from one run.
public enum WasmBench {
    /// What to measure.
    public struct Config: Sendable {
        /// The converge workload's step counts and dirty-root ratios (plans and transactions).
        public var steps = [200, 500, 1000, 2000]
        public var ratios = [0.005, 0.25, 1]
        /// The random DAGs' step count (0: none) and dirty fraction, one DAG per group count.
        public var dagSteps = 100_000
        public var dagDirty = 0.01
        public var dagGroups = [1000, 100_000]
        /// Timed rounds per measurement, and each round's length (at least).
        public var rounds = 11
        public var roundMs = 20.0
        /// Timed rounds for WasmKit (an interpreter: slow; rounds of 1 ms); 0 skips it.
        public var wasmKitRounds = 3
        /// Step counts of the V8 transaction table (0 entries are skipped).
        public var txnSteps = [200, 2000]
        public var tiering = NodeHost.Tiering.optimized

        public init() {}
    }

    /// An in-process plan timing: ns per plan, and for WasmKit the boundary it crossed per plan.
    public struct Timing: Sendable {
        public var medianNs: Double
        public var minNs: Double
        public var planLength: Int
        public var callsPerPlan = 0.0
        public var bytesInPerPlan = 0.0
        public var bytesOutPerPlan = 0.0
        public var memoryPages = 0
    }

    /// One graph and dirty set cycle of the plan table, with every backend's timing.
    public struct PlanRow: Sendable {
        public let name: String
        /// The native kernel's closure strategy on this graph.
        public let strategy: String
        public let native: Timing
        public let wasmKit: Timing?
        /// Per V8 backend (``Backend/v8PlanBackends``); empty when Node is missing.
        public let v8: [Backend: V8Timing]
    }

    /// One point of the V8 transaction table.
    public struct TxnRow: Sendable {
        public let name: String
        public let level: Backend
        public let timing: V8Timing
    }

    public struct Report: Sendable {
        public var plans: [PlanRow] = []
        public var transactions: [TxnRow] = []
        /// Why the V8 columns are missing (no usable `node`); nil when they were measured.
        public var v8Skipped: String?
        /// `node --version`, or "none".
        public var nodeVersion = "none"
        /// Where the wasm modules were loaded from.
        public var wasmDirectory = ""
    }

    /// A plan point: the graph and the dirty sets one round cycles through.
    struct Point {
        let name: String
        let graph: CompiledGraph
        let sets: [DirtySet]
        var requests: [PlanRequest] { sets.map { PlanRequest($0, mode: .dirty, scope: .all) } }
    }

    public static func run(_ c: Config) throws -> Report {
        var report = Report()
        report.wasmDirectory = try WasmBuild.artifacts().directory.path
        let points = try planPoints(c)
        var native: [Timing] = [], wasmKit: [Timing?] = [], strategies: [String] = []
        for p in points {
            let planner = try NativeKernel(p.graph)
            strategies.append(planner.info.strategy.rawValue)
            native.append(try time(planner, p, rounds: c.rounds, roundMs: c.roundMs))
            wasmKit.append(c.wasmKitRounds > 0
                ? try time(WasmKitPlanner(p.graph, flavor: .simd), p, rounds: c.wasmKitRounds, roundMs: 1) : nil)
        }
        var v8: [[Backend: V8Timing]] = Array(repeating: [:], count: points.count)
        if !NodeHost.available {
            do { _ = try NodeHost.node() } catch { report.v8Skipped = error.message }
            report.v8Skipped = report.v8Skipped ?? "node is not available"
        } else {
            v8 = try NodeHost.benchPlan(points.map { ($0.name, $0.graph, $0.requests) }, backends: Backend.v8PlanBackends,
                                        rounds: c.rounds, roundMs: c.roundMs, tiering: c.tiering)
            report.transactions = try transactions(c)
            report.nodeVersion = (try? NodeHost.version()) ?? "none"
        }
        report.plans = points.indices.map {
            PlanRow(name: points[$0].name, strategy: strategies[$0], native: native[$0], wasmKit: wasmKit[$0], v8: v8[$0])
        }
        return report
    }

    /// Per converge-workload step count and ratio, eight sets of k distinct random roots; per DAG,
    /// eight random dirty sets.
    static func planPoints(_ c: Config) throws -> [Point] {
        var points: [Point] = []
        for n in c.steps {
            let g = try CompiledGraph(Workload.converge(steps: n))
            for r in c.ratios {
                let k = max(1, min(n, Int((Double(n) * r).rounded(.up))))
                var rng = SplitMix64(seed: UInt64(n * 1000 + k))
                var sets: [DirtySet] = []
                for _ in 0..<8 {
                    // k distinct roots b_i, drawn at random (k = n: all of them)
                    var picked = Set<Int>()
                    while picked.count < k { picked.insert(Int(rng.next() % UInt64(n))) }
                    sets.append(g.dirtySet(paths: picked.sorted().map { "b\($0)" }))
                }
                points.append(Point(name: "workload n=\(n) dirty \(k) roots", graph: g, sets: sets))
            }
        }
        for groups in c.dagGroups where c.dagSteps > 0 {
            let dag = try CompiledGraph(Workload.randomDAG(steps: c.dagSteps, seed: 42, groups: groups))
            let sets = try (0..<8).map { i throws(ConvergeError) in
                dag.dirtySet(paths: try Workload.randomDirty(dag, fraction: c.dagDirty, seed: 7 + UInt64(i)))
            }
            points.append(Point(name: "DAG n=\(c.dagSteps) g=\(groups) \(c.dagDirty * 100)% dirty", graph: dag, sets: sets))
        }
        return points
    }

    /// The V8 transaction table: per step count and ratio, 16 transactions of k consecutive roots
    /// (each from its own start), timed at every V8 level in dirty mode.
    static func transactions(_ c: Config) throws -> [TxnRow] {
        var rows: [TxnRow] = []
        for n in c.txnSteps where n > 0 {
            let g = try CompiledGraph(Workload.converge(steps: n))
            for r in c.ratios {
                let k = max(1, min(n, Int((Double(n) * r).rounded(.up))))
                var txns: [[(UInt32, Double)]] = []
                for t in 0..<16 {
                    let start = (t * 37) % n
                    txns.append((0..<k).map { (g.pathId("b\((start + $0) % n)")!, Double(t)) })
                }
                let timings = try NodeHost.benchTransactions(g, txns, levels: Backend.v8Levels, mode: .dirty,
                                                             rounds: c.rounds, roundMs: c.roundMs, tiering: c.tiering)
                for l in Backend.v8Levels {
                    if let t = timings[l] { rows.append(TxnRow(name: "workload n=\(n) txn \(k) roots", level: l, timing: t)) }
                }
            }
        }
        return rows
    }

    /// ``RoundTiming`` over the point's dirty sets in turn (the Node host's method); WasmKit's
    /// boundary counters from one untimed plan first.
    static func time(_ planner: any RootPlanner, _ p: Point, rounds: Int, roundMs: Double) throws -> Timing {
        let buffer = PlanBuffer(for: p.graph)
        let ids = p.sets.map(\.rootIds)
        func once(_ i: Int) throws {
            try ids[i].withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt32>) throws(ConvergeError) in
                try planner.plan(roots: b, dirtyAll: nil, mode: .dirty, scope: .all, into: buffer)
            }
        }
        let wk = planner as? WasmKitPlanner
        wk?.resetCounters()
        try once(0)
        var t = Timing(medianNs: 0, minNs: 0, planLength: buffer.count)
        if let wk {
            t.callsPerPlan = Double(wk.counters.calls)
            t.bytesInPerPlan = Double(wk.counters.bytesIn)
            t.bytesOutPerPlan = Double(wk.counters.bytesOut)
            t.memoryPages = wk.memoryPages
        }
        let timing = try RoundTiming.measure(rounds: rounds, roundNs: UInt64(roundMs * 1e6), callsPerRun: ids.count) {
            for i in ids.indices { try once(i) }
        }
        t.medianNs = timing.medianNs
        t.minNs = timing.minNs
        return t
    }
}
