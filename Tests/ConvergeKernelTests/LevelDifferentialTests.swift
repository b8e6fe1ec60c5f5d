import ConvergeBench
import ConvergeKernelTestSupport
import ConvergeWasm
import Testing
@testable import ConvergeKernel

/// Every execution level (L0 Swift, L1 native plan, L2 native execution with batched callbacks)
/// runs the same random transactions on the same random graphs to bit-identical state, outcome
/// and commit; in full and dirty mode they also equal the independent ExecutionModel. On a third
/// of the graphs an L1 runtime planning with CKernel compiled to wasm32 and run by WasmKit joins
/// them (WasmKit is an interpreter: fewer graphs).
@Suite struct LevelDifferentialTests {
    static let graphsPerChunk = 30

    static func runtime(_ g: CompiledGraph, _ level: ExecutionLevel, _ mode: ConvergeMode, impl: SIMDImplementation? = nil,
                        planner: RuntimeOptions.PlannerFactory? = nil) throws -> ConvergeRuntime {
        var o = RuntimeOptions(level: level, mode: mode, diagnostics: .light)
        // nothing timing-dependent in a differential test (a loaded CI machine under ASan once ran
        // past the 200 ms execution budget): no decision budget, no cost model, no execution budget
        o.auto.decisionBudgetMs = 0
        o.auto.costModel = false
        o.executionBudgetMs = 0
        o.native = NativeOptions(implementation: impl)
        o.planner = planner
        let rt = try ConvergeRuntime(g, options: o)
        for sid in 0..<g.stepCount where g.stepFlags[sid] & 2 == 0 {
            let decl = g.topoOrder[sid]
            try rt.derive(step: sid) { inputs in
                try TestDerive.compute(decl, (0..<inputs.count).map { inputs[$0] })
            }
        }
        return rt
    }

    static func randomValue(_ rng: inout SeededRNG) -> ConvergeValue {
        switch rng.below(10) {
        case 0: .null
        case 1: .undefined
        case 2: .boolean(rng.chance(50))
        case 3: .number(.nan)
        case 4: .number(-0.0)
        default: .number(Double(rng.below(9)) - 2)
        }
    }

    static func bitsEqual(_ a: ConvergeValue, _ b: ConvergeValue) -> Bool {
        a.tag == b.tag && a.payload.bitPattern == b.payload.bitPattern
    }

    @Test(arguments: 0..<10)
    func levelsAgreeWithEachOtherAndTheModel(_ chunk: Int) throws {
        var graphs = 0, transactions = 0, failures = 0, runtimeErrors = 0, commits = 0
        for g in 0..<Self.graphsPerChunk {
            let seed = UInt64(chunk * Self.graphsPerChunk + g) &* 0x9E37_79B9 &+ 17
            let ir = GraphGenerator.random(seed: seed)
            guard let graph = try? CompiledGraph(ir) else { continue }
            graphs += 1
            for mode in ConvergeMode.allCases {
                let impls: [SIMDImplementation?] = [nil, .scalar]
                var runtimes: [(String, ConvergeRuntime)] = []
                for level in ExecutionLevel.allCases {
                    for impl in level == .l0 ? [nil] : impls {
                        runtimes.append(("\(level.rawValue)\(impl.map { "-" + $0.rawValue } ?? "")", try Self.runtime(graph, level, mode, impl: impl)))
                    }
                }
                if g % 3 == 0 {
                    let flavor: WasmFlavor = g % 2 == 0 ? .simd : .scalar
                    runtimes.append(("l1-wasmkit-\(flavor.rawValue)", try Self.runtime(graph, .l1, mode, planner: WasmKitPlanner.factory(flavor: flavor))))
                }
                var model = ExecutionModel(ir) { try TestDerive.compute($0, $1) }
                var rng = SeededRNG(seed: seed ^ 0xABCDEF)
                for t in 0..<16 {
                    var writes: [(UInt32, ConvergeValue)] = []
                    for _ in 0..<rng.below(4) where graph.pathCount > 0 {
                        writes.append((UInt32(rng.below(graph.pathCount)), Self.randomValue(&rng)))
                    }
                    var marks: [String] = []
                    if rng.chance(8) { marks.append(rng.pick(["*", "zz.unknown", graph.fieldPaths.first ?? "a"])) }
                    var results: [(String, TransactionResult)] = []
                    for (name, rt) in runtimes {
                        let r = try rt.transaction { txn in
                            for (id, v) in writes { try txn.set(id, v) }
                            for m in marks { try txn.markDirty(path: m) }
                        }
                        results.append((name, r))
                    }
                    transactions += 1
                    // all levels: identical slots, outcome, commit, executed mode, decisions
                    let (name0, rt0) = runtimes[0]
                    let r0 = results[0].1
                    let s0 = rt0.state.snapshot()
                    for (i, (name, rt)) in runtimes.enumerated().dropFirst() {
                        let r = results[i].1
                        let same = zip(rt.state.snapshot(), s0).allSatisfy { Self.bitsEqual($0, $1) }
                        #expect(same, "seed \(seed) \(mode) txn \(t): \(name) state differs from \(name0)")
                        #expect(r.outcome == r0.outcome && r.committed == r0.committed && r.executedMode == r0.executedMode,
                                "seed \(seed) \(mode) txn \(t): \(name) \(r.outcome) \(r.committed) vs \(name0) \(r0.outcome) \(r0.committed)")
                        #expect(rt.lastSummary.reasons == rt0.lastSummary.reasons && rt.lastSummary.planLength == rt0.lastSummary.planLength,
                                "seed \(seed) \(mode) txn \(t): \(name) decision differs")
                        if !same { failures += 1 }
                    }
                    if case .runtimeError = r0.outcome { runtimeErrors += 1 }
                    if r0.committed { commits += 1 }
                    // full and dirty: the independent model
                    guard mode != .auto else { continue }
                    let modelWrites = writes.map { (graph.fieldPaths[Int($0.0)], $0.1) }
                    let m = model.transaction(writes: modelWrites, marks: marks, mode: mode.rawValue)
                    let expectedOutcome: String = switch r0.outcome {
                    case .ok: "ok"
                    case .runtimeError(let step): "runtime_error:\(graph.out(ofStep: step))"
                    case .budgetExceeded: "budget_exceeded"
                    }
                    #expect(m.outcome == expectedOutcome && m.committed == r0.committed && m.executedMode == r0.executedMode?.rawValue,
                            "seed \(seed) \(mode) txn \(t): model \(m) vs \(r0.outcome) \(r0.committed)")
                    for (id, path) in graph.fieldPaths.enumerated() where !Self.bitsEqual(s0[id], model.value(path)) {
                        Issue.record("seed \(seed) \(mode) txn \(t): \(path) is \(s0[id]) on \(name0), \(model.value(path)) in the model")
                        failures += 1
                        break
                    }
                }
            }
        }
        #expect(graphs >= Self.graphsPerChunk * 8 / 10)
        #expect(transactions > 0 && failures == 0)
        // the mix exercises rollback and both commit outcomes in every chunk
        #expect(runtimeErrors > 0 && commits > 0 && commits < transactions, "\(runtimeErrors) runtime errors, \(commits) commits in \(transactions) transactions")
    }

    /// The workload on large graphs: every level and mode ends in the same state as full.
    @Test func workloadLevelsAgreeAtScale() throws {
        let graph = try CompiledGraph(Workload.converge(steps: 700))
        var finals: [[ConvergeValue]] = []
        for level in ExecutionLevel.allCases {
            for mode in ConvergeMode.allCases {
                var o = RuntimeOptions(level: level, mode: mode)
                o.executionBudgetMs = 0
                let rt = try ConvergeRuntime(graph, options: o)
                try Workload.registerConvergeFunctions(rt)
                var rng = SeededRNG(seed: 99)
                for t in 0..<200 {
                    let k = 1 + rng.below(t % 3 == 0 ? 700 : 20)
                    let start = rng.below(700)
                    _ = try rt.transaction { txn in
                        for i in 0..<k { try txn.set(graph.pathId("b\((start + i) % 700)")!, number: Double(t)) }
                    }
                }
                finals.append(rt.state.snapshot())
            }
        }
        for f in finals.dropFirst() { #expect(zip(f, finals[0]).allSatisfy { Self.bitsEqual($0, $1) }) }
        // and the state is converged: d_i = b_i + 1 wherever b_i was written
        let s = finals[0]
        for i in 0..<700 {
            let b = s[Int(graph.pathId("b\(i)")!)], d = s[Int(graph.pathId("d\(i)")!)]
            if case .number(let x) = b { #expect(d == .number(x + 1)) }
        }
    }
}
