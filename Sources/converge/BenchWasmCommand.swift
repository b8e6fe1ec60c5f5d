import ConvergeBench
import ArgumentParser
import ConvergeKernel
import ConvergeWasm
import Foundation

extension NodeHost.Tiering: ExpressibleByArgument {}

/// `converge bench-wasm`: issue C's evidence. Plan-only time of the same kernel as native code,
/// as wasm32 (SIMD128 and scalar) in V8, as wasm in WasmKit, and of the pure-JS kernel in V8, on
/// the converge workload and a large random DAG; then the workload's transactions in V8 at L0
/// (JS), L1 (wasm plans) and L2 (wasm executes). Per point: boundary calls and bytes per
/// plan/transaction, linear-memory pages, SIMD on/off. Ratios come from one run.
struct BenchWasmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-wasm",
        abstract: "Time CKernel native vs wasm (V8, WasmKit) vs the pure-JS kernel, with boundary evidence.")

    enum Defaults: ConvergeWorkloadDefaults, DAGDefaults {
        static let steps = "200,500,1000,2000"
        static let dagSteps = 100_000
        static let dagGroups = "1000,100000"
    }

    @OptionGroup var workload: ConvergeWorkloadOptions<Defaults>
    @OptionGroup var dag: DAGOptions<Defaults>

    @Option(parsing: .unconditional, help: "Rounds per measurement, 1…100000 (median and min reported).")
    var rounds = 11

    @Option(parsing: .unconditional, help: "Milliseconds per round (at least), in (0, 60000].")
    var roundMs = 20.0

    @Option(parsing: .unconditional, help: "Rounds for WasmKit (an interpreter: slow), 0…100000; 0 skips it.")
    var wasmkitRounds = 3

    @Option(parsing: .unconditional, help: "Step counts of the V8 transaction table (comma-separated, each 0…8388608; 0 skips it).")
    var txnSteps = "200,2000"

    @Option(help: "V8's wasm tiering: optimized (node --no-liftoff: TurboFan code from the start, the steady state) | default (Liftoff, then tier-up)")
    var v8Tiering: NodeHost.Tiering = .optimized

    @Flag(help: "Print JSON.")
    var json = false

    struct Point {
        let name: String
        let graph: CompiledGraph
        let requests: [PlanRequest]
        let sets: [DirtySet]
    }

    func run() throws {
        let (stepList, ratioList) = try workload.checked()
        let groupList = try dag.checkedGroups()
        let (dagSteps, dagDirty) = (dag.dagSteps, dag.dagDirty)
        try OptionCheck.int("--rounds", rounds, in: 1...OptionCheck.maxRepetitions)
        try OptionCheck.double("--round-ms", roundMs, .positive(max: 60_000))
        try OptionCheck.int("--wasmkit-rounds", wasmkitRounds, in: 0...OptionCheck.maxRepetitions)
        let txnStepList = try OptionCheck.intList("--txn-steps", txnSteps, minimum: 0, limit: OptionCheck.maxWorkloadSteps, unit: "steps",
                                                  why: "the converge workload has 2 field paths per step")
        let artifacts = try WasmBuild.artifacts()
        var points: [Point] = []
        for n in stepList {
            let g = try CompiledGraph(Workload.converge(steps: n))
            for r in ratioList {
                let k = max(1, min(n, Int((Double(n) * r).rounded(.up))))
                var rng = SplitMix64(seed: UInt64(n * 1000 + k))
                var sets: [DirtySet] = []
                for _ in 0..<8 {
                    // k distinct roots b_i, drawn at random (k = n: all of them)
                    var picked = Set<Int>()
                    while picked.count < k { picked.insert(Int(rng.next() % UInt64(n))) }
                    sets.append(g.dirtySet(paths: picked.sorted().map { "b\($0)" }))
                }
                points.append(Point(name: "workload n=\(n) dirty \(k) roots", graph: g,
                                    requests: sets.map { PlanRequest($0, mode: .dirty, scope: .all) }, sets: sets))
            }
        }
        for groups in groupList where dagSteps > 0 {
            let dag = try CompiledGraph(Workload.randomDAG(steps: dagSteps, seed: 42, groups: groups))
            let sets = try (0..<8).map { i throws(ConvergeError) in dag.dirtySet(paths: try Workload.randomDirty(dag, fraction: dagDirty, seed: 7 + UInt64(i))) }
            points.append(Point(name: "DAG n=\(dagSteps) g=\(groups) \(dagDirty * 100)% dirty", graph: dag,
                                requests: sets.map { PlanRequest($0, mode: .dirty, scope: .all) }, sets: sets))
        }

        // native and WasmKit in this process, then V8 in one Node process: ratios from one run
        var native: [Timing] = [], wasmkit: [Timing?] = [], strategies: [String] = []
        for p in points {
            let planner = try NativeKernel(p.graph)
            strategies.append(planner.info.strategy.rawValue)
            native.append(try time(planner, p, rounds: rounds))
            if wasmkitRounds > 0 {
                let wk = try WasmKitPlanner(p.graph, flavor: .simd)
                wasmkit.append(try time(wk, p, rounds: wasmkitRounds, roundMs: 1))
            } else { wasmkit.append(nil) }
        }
        var v8: [[Backend: V8Timing]] = []
        var v8Problem: String?
        if !NodeHost.available {
            // no node: the V8 columns are skipped, said plainly
            do { _ = try NodeHost.node() } catch { v8Problem = error.message }
        } else {
            v8 = try NodeHost.benchPlan(points.map { ($0.name, $0.graph, $0.requests) }, backends: Backend.v8PlanBackends,
                                        rounds: rounds, roundMs: roundMs, tiering: v8Tiering)
        }

        var txnRows: [(String, Backend, V8Timing)] = []
        if v8Problem == nil {
            for n in txnStepList where n > 0 {
                let g = try CompiledGraph(Workload.converge(steps: n))
                for r in ratioList {
                    let k = max(1, min(n, Int((Double(n) * r).rounded(.up))))
                    var txns: [[(UInt32, Double)]] = []
                    for t in 0..<16 {
                        let start = (t * 37) % n
                        txns.append((0..<k).map { (g.pathId("b\((start + $0) % n)")!, Double(t)) })
                    }
                    let timings = try NodeHost.benchTransactions(g, txns, levels: Backend.v8Levels, mode: .dirty,
                                                                 rounds: rounds, roundMs: roundMs, tiering: v8Tiering)
                    for l in Backend.v8Levels { if let t = timings[l] { txnRows.append(("workload n=\(n) txn \(k) roots", l, t)) } }
                }
            }
        }

        let nodeVersion = (try? NodeHost.version()) ?? "none"
        if json {
            var rows: [JSONValue] = []
            for (i, p) in points.enumerated() {
                var m: [(String, JSONValue)] = [("name", .string(p.name)), ("strategy", .string(strategies[i])),
                                                ("planLength", .int(native[i].planLength)),
                                                ("native", native[i].json)]
                if let w = wasmkit[i] { m.append(("wasm-wasmkit", w.json)) }
                if i < v8.count {
                    for b in Backend.v8PlanBackends {
                        if let t = v8[i][b] {
                            m.append((b.planName ?? b.name, .object([("medianNs", .double(t.medianNs)), ("minNs", .double(t.minNs))]
                                + t.fields.sorted { $0.key < $1.key }.filter { !$0.key.contains("Ns") }.map { ($0.key, .double($0.value)) })))
                        }
                    }
                }
                rows.append(.object(m))
            }
            let txn: [JSONValue] = txnRows.map { name, level, t in
                .object([("name", .string(name)), ("level", .string(level.hostLevel ?? level.name)), ("medianNs", .double(t.medianNs)),
                         ("minNs", .double(t.minNs))] + t.fields.sorted { $0.key < $1.key }.filter { $0.key.hasSuffix("PerTxn") || $0.key == "memoryPages" }.map { ($0.key, .double($0.value)) })
            }
            var top: [(String, JSONValue)] = [("node", .string(nodeVersion)), ("v8Tiering", .string(v8Tiering.rawValue)), ("simd", .string(SIMDImplementation.automatic.rawValue)),
                                              ("wasm", .string(artifacts.directory.path)), ("plans", .array(rows)), ("transactions", .array(txn))]
            if let v8Problem { top.append(("v8Skipped", .string(v8Problem))) }
            CLIOutput.print(JSONValue.object(top).text)
            return
        }
        CLIOutput.print("plan-only time, ns per plan (median of \(rounds) rounds of >= \(roundMs) ms; min in brackets); native simd \(SIMDImplementation.automatic.rawValue), node \(nodeVersion), V8 wasm tiering \(v8Tiering.rawValue)")
        CLIOutput.print("wasm builds: \(CLIOutput.escaped(artifacts.directory.path))")
        if let v8Problem { CLIOutput.print("V8 backends skipped: \(CLIOutput.escaped(v8Problem))") }
        for (i, p) in points.enumerated() {
            let n = native[i]
            CLIOutput.print("\(p.name)  [plan \(n.planLength) steps, strategy \(strategies[i])]")
            CLIOutput.print(String(format: "  %-16@ %12.1f  (%10.1f)", "native", n.median, n.min))
            var simd: Double?
            if i < v8.count {
                for b in Backend.v8PlanBackends {
                    guard let t = v8[i][b] else { continue }
                    if b == .wasm(.v8, .l1) { simd = t.medianNs }
                    let ratio = t.medianNs / n.median
                    let calls = t.fields["callsPerPlan"] ?? .nan, bin = t.fields["bytesInPerPlan"] ?? .nan
                    let bout = t.fields["bytesOutPerPlan"] ?? .nan, pages = t.fields["memoryPages"] ?? 0
                    CLIOutput.print(String(format: "  %-16@ %12.1f  (%10.1f)  %5.2fx native  calls/plan %.0f  bytes in %.0f out %.0f%@",
                                           b.planName ?? b.name, t.medianNs, t.minNs, ratio, calls, bin, bout,
                                           b == .jsV8 ? "" : String(format: "  pages %.0f  simd %@", pages, b == .wasm(.v8, .l1) ? "on" : "off")))
                }
            }
            if let w = wasmkit[i] {
                CLIOutput.print(String(format: "  %-16@ %12.1f  (%10.1f)  %5.1fx native  calls/plan %.0f  bytes in %.0f out %.0f  pages %d",
                                       "wasm-wasmkit", w.median, w.min, w.median / n.median, w.callsPerPlan, w.bytesInPerPlan, w.bytesOutPerPlan, w.pages))
            }
            if let simd, i < v8.count, let scalar = v8[i][.wasm(.v8, .l1, .scalar)], let js = v8[i][.jsV8] {
                let simdMin = v8[i][.wasm(.v8, .l1)]?.minNs ?? .nan
                CLIOutput.print(String(format: "  → wasm-v8 simd/native %.2fx (by min %.2fx); scalar/simd %.2fx (%.2fx); js/wasm-simd %.2fx (%.2fx): %@",
                                       simd / n.median, simdMin / n.min, scalar.medianNs / simd, scalar.minNs / simdMin,
                                       js.medianNs / simd, js.minNs / simdMin,
                                       !(js.medianNs.isFinite && simd.isFinite && js.medianNs > 0 && simd > 0) ? "no verdict (a median is not a positive number)"
                                           : js.medianNs < simd ? "JS wins" : "WASM wins"))
            }
        }
        if !txnRows.isEmpty {
            CLIOutput.print("\ntransactions in V8 (converge workload, dirty mode; ns per transaction incl. the reducer's writes)")
            for (name, level, t) in txnRows {
                CLIOutput.print(String(format: "  %-30@ %-15@ %12.1f  (%10.1f)  calls/txn %.2f  host callbacks/txn %.2f  bytes in %.0f out %.0f",
                                       name, level.hostLevel ?? level.name, t.medianNs, t.minNs, t.fields["callsPerTxn"] ?? .nan, t.fields["hostCallsPerTxn"] ?? .nan,
                                       t.fields["bytesInPerTxn"] ?? .nan, t.fields["bytesOutPerTxn"] ?? .nan))
            }
        }
    }

    struct Timing {
        var median: Double
        var min: Double
        var planLength: Int
        var callsPerPlan: Double = 0
        var bytesInPerPlan: Double = 0
        var bytesOutPerPlan: Double = 0
        var pages = 0

        var json: JSONValue {
            .object([("medianNs", .double(median)), ("minNs", .double(min)), ("callsPerPlan", .double(callsPerPlan)),
                     ("bytesInPerPlan", .double(bytesInPerPlan)), ("bytesOutPerPlan", .double(bytesOutPerPlan)), ("memoryPages", .int(pages))])
        }
    }

    /// The same method as the Node host's (``RoundTiming``): one warm-up round, then rounds of at
    /// least `roundMs` cycling through the point's dirty sets; ns per plan, median and min.
    func time(_ planner: any RootPlanner, _ p: Point, rounds: Int, roundMs: Double? = nil) throws -> Timing {
        let buffer = PlanBuffer(for: p.graph)
        let roundNs = UInt64((roundMs ?? self.roundMs) * 1e6)
        let ids = p.sets.map(\.rootIds)
        func once(_ i: Int) throws {
            try ids[i].withUnsafeBufferPointer { (b: UnsafeBufferPointer<UInt32>) throws(ConvergeError) in
                try planner.plan(roots: b, dirtyAll: nil, mode: .dirty, scope: .all, into: buffer)
            }
        }
        let wk = planner as? WasmKitPlanner
        wk?.resetCounters()
        try once(0)
        var t = Timing(median: 0, min: 0, planLength: buffer.count)
        if let wk {
            t.callsPerPlan = Double(wk.counters.calls)
            t.bytesInPerPlan = Double(wk.counters.bytesIn)
            t.bytesOutPerPlan = Double(wk.counters.bytesOut)
            t.pages = wk.memoryPages
        }
        let timing = try RoundTiming.measure(rounds: rounds, roundNs: roundNs, callsPerRun: ids.count) {
            for i in ids.indices { try once(i) }
        }
        t.median = timing.medianNs
        t.min = timing.minNs
        return t
    }
}
