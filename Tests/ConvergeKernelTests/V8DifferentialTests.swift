import ConvergeBench
import ConvergeKernelTestSupport
import ConvergeWasm
import Foundation
import Testing
@testable import ConvergeKernel

enum NodeAvailability {
    static var nodeOrRequired: Bool {
        NodeHost.available || ProcessInfo.processInfo.environment["CONVERGE_REQUIRE_NODE"] == "1"
    }
}

/// The V8 backends (Node): CKernel's wasm builds (SIMD128 and scalar) and the pure-JS kernel plan
/// exactly what the native kernel plans — steps, modes, dirtyAll, counters — on seeded random
/// graphs with each closure strategy; the converge workload's transactions end in the native
/// runtime's state on L0 (JS), L1 (wasm plans, JS steps) and L2 (wasm executes); each plan and
/// each transaction is one exported call.
///
/// Needs `node` ≥ 18. Without it these tests are skipped with that reason — unless
/// CONVERGE_REQUIRE_NODE=1 (set by .ci/run), when its absence fails them.
@Suite(.enabled(if: NodeAvailability.nodeOrRequired, "node >= 18 is not on PATH (set CONVERGE_NODE)"))
struct V8DifferentialTests {
    static let backends = Backend.v8PlanBackends
    static let graphsPerChunk = 60

    @Test(arguments: 0..<4)
    func v8PlansEqualNative(_ chunk: Int) throws {
        let strategy = [ClosureStrategy.auto, .rows, .lists, .frontier][chunk]
        var graphs: [(graph: CompiledGraph, requests: [PlanRequest])] = []
        var natives: [[Plan]] = []
        for seed in UInt64(20_000 + chunk * Self.graphsPerChunk)..<UInt64(20_000 + (chunk + 1) * Self.graphsPerChunk) {
            let ir = GraphGenerator.random(seed: seed)
            let graph = try CompiledGraph(ir)
            let native = try NativeKernel(graph, options: NativeOptions(strategy: strategy))
            var rng = SeededRNG(seed: seed)
            var requests: [PlanRequest] = []
            var plans: [Plan] = []
            for trial in 0..<3 {
                var set = graph.dirtySet(paths: GraphGenerator.randomDirty(for: ir, rng: &rng))
                if trial == 2 && seed % 5 == 0 { set = DirtySet.all(.unknownWrite) }
                for mode in PlanMode.allCases {
                    for scope in PlanScope.allCases {
                        requests.append(PlanRequest(set, mode: mode, scope: scope))
                        plans.append(try native.plan(set, mode: mode, scope: scope))
                    }
                }
            }
            graphs.append((graph, requests))
            natives.append(plans)
        }
        let replies = try NodeHost.plan(graphs, backends: Self.backends, strategy: strategy)
        var failures: [String] = []
        var checked = 0
        for (gi, reply) in replies.enumerated() {
            for b in Self.backends {
                for (ri, got) in (reply[b] ?? []).enumerated() {
                    let want = natives[gi][ri]
                    checked += 1
                    if got.stepIds != want.stepIds || got.executedMode != want.executedMode || got.dirtyAll != want.dirtyAll
                        || got.counters != want.counters {
                        failures.append("graph \(gi) (seed \(20_000 + chunk * Self.graphsPerChunk + gi)) \(b.name) \(strategy) request \(ri): native \(want.stepIds) \(want.counters), v8 \(got.stepIds) \(got.counters)")
                    }
                    if got.calls != 1 { failures.append("graph \(gi) \(b.name) request \(ri): \(got.calls) calls for one plan") }
                    let req = graphs[gi].requests[ri]
                    let expectedIn = req.mode == .dirty && !req.dirtyAll ? 4 * req.dirty.count : 0
                    if b != .jsV8 && got.bytesIn != expectedIn {
                        failures.append("graph \(gi) \(b.name) request \(ri): \(got.bytesIn) bytes in, expected \(expectedIn)")
                    }
                }
            }
        }
        let none = failures.isEmpty
        #expect(none, "\(failures.count) mismatches; first: \(failures.prefix(3))")
        #expect(checked == Self.graphsPerChunk * 18 * Self.backends.count)
    }

    /// The converge workload's transactions: every Node level ends in the native runtime's state.
    @Test(arguments: [PlanMode.dirty, .full])
    func v8TransactionsEqualNative(_ mode: PlanMode) throws {
        for (name, ir) in [("converge n=300", try Workload.converge(steps: 300)), ("random seed 7", GraphGenerator.random(seed: 7)),
                           ("random DAG n=3000", try Workload.randomDAG(steps: 3000, seed: 5, groups: 40))] {
            let graph = try CompiledGraph(ir)
            var o = RuntimeOptions(level: .l1, mode: mode == .full ? .full : .dirty)
            o.executionBudgetMs = 0
            let rt = try ConvergeRuntime(graph, options: o)
            try Workload.registerConvergeFunctions(rt)
            var rng = SeededRNG(seed: 3)
            var txns: [[(UInt32, Double)]] = []
            for t in 0..<120 {
                var writes: [(UInt32, Double)] = []
                for _ in 0..<(1 + rng.below(t % 10 == 0 ? max(1, graph.pathCount / 2) : 4)) {
                    writes.append((UInt32(rng.below(graph.pathCount)), Double(rng.below(7)) - 3))
                }
                if t % 17 == 0 { writes.append((writes[0].0, .nan)) }
                if t % 13 == 0 { writes.append((writes[0].0, -0.0)) }
                txns.append(writes)
                _ = try rt.transaction { txn in for (id, v) in writes { try txn.set(id, number: v) } }
            }
            let want = rt.state.snapshot()
            let levels = Backend.v8Levels
            let results = try NodeHost.transactions(graph, txns, levels: levels, mode: mode)
            for l in levels {
                let r = try #require(results[l])
                let differing = differingSlots(graph, slotValues(graph, tags: r.tags, values: r.values), want)
                let same = differing.isEmpty
                #expect(same, "\(name) \(mode) \(l.name): \(differing.count) slots differ; first \(differing.prefix(3))")
                if l != .jsV8 {
                    #expect(r.calls == txns.count, "\(name) \(l.name): \(r.calls) exported calls for \(txns.count) transactions")
                    #expect(r.memoryPages > 0)
                }
                if l == .wasm(.v8, .l2) || l == .wasm(.v8, .l2, .scalar) {
                    #expect(r.hostCalls > 0 || graph.stepFlags.allSatisfy { $0 & 2 != 0 }, "\(name) \(l.name): no host callbacks")
                }
                if l.loadsCode {
                    // the workload's `b_i + 1` runs as bytecode inside converge.wasm; graphs
                    // without expr stay host steps (L3 is L2 there)
                    let compiled = try ExprCompiler.compile(graph, policy: .try).compiledCount
                    #expect(compiled == 0 ? r.vmSteps == 0 : r.vmSteps > 0, "\(name) \(l.name): \(r.vmSteps) VM steps, \(compiled) compiled")
                    if compiled == graph.stepCount { #expect(r.hostCalls == 0) }
                }
            }
        }
    }

    /// A bad job and a missing node give typed errors, never a crash.
    @Test func failuresAreTyped() throws {
        let graph = try CompiledGraph(Workload.converge(steps: 10))
        // an id outside the registry: the wasm kernel's CK_ERR_UNKNOWN_PATH_ID comes back as a backend failure
        #expect {
            _ = try NodeHost.plan([(graph, [PlanRequest(dirty: [99_999])])], backends: [.wasm(.v8, .l1)])
        } throws: { error in
            guard let e = error as? ConvergeError else { return false }
            return e.code == .backendFailure && e.message.contains("unknown path id")
        }
    }
}
