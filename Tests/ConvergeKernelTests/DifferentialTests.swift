import ConvergeKernelTestSupport
import Testing
@testable import ConvergeKernel

/// Thousands of seeded random graphs × random dirty sets × modes × scopes: every backend (portable,
/// native with each SIMD implementation and each closure strategy) equals the brute-force model.
/// A failure names the seed; `GraphGenerator.random(seed:)` rebuilds the graph.
@Suite struct DifferentialTests {
    @Test(arguments: GraphGenerator.seedChunks(2_000, in: 20))
    func backendsEqualTheModel(_ seeds: Range<UInt64>) throws {
        var checked = 0
        var failures: [String] = []
        for seed in seeds {
            let ir = GraphGenerator.random(seed: seed)
            let graph: CompiledGraph
            do { graph = try CompiledGraph(ir) } catch {
                failures.append("seed \(seed): generated graph does not compile: \(error)")
                continue
            }
            let planners = try PlannerBackends.all.map { ($0.name, try $0.make(graph)) }
            for q in GraphGenerator.planQueries(ir, graph, rngSeed: seed &* 0x9E37_79B9_7F4A_7C15 &+ 1) {
                let expected = BruteForceModel.plan(ir, dirty: q.dirty, mode: q.mode.rawValue, scope: q.scope.rawValue)
                for (name, planner) in planners {
                    let got = try planner.plan(q.set, mode: q.mode, scope: q.scope)
                    let outcome = BruteForceModel.Outcome.plan(executedMode: got.executedMode?.rawValue, outs: got.outs(in: graph))
                    if outcome != expected {
                        failures.append("seed \(seed) trial \(q.trial) \(name) \(q.mode) \(q.scope) dirty \(q.dirty): got \(outcome), model \(expected)")
                    }
                    checked += 1
                }
            }
            for (_, planner) in planners { if let n = planner as? NativeKernel { try n.validate() } }
            if failures.count > 20 { break }
        }
        #expect(failures.isEmpty, "\(failures.count) mismatches; first: \(failures.prefix(5))")
        #expect(checked > 0)
    }

    @Test func nativeCountersAreConsistent() throws {
        for seed in UInt64(0)..<200 {
            let ir = GraphGenerator.random(seed: seed)
            let graph = try CompiledGraph(ir)
            var rng = SeededRNG(seed: seed)
            let set = graph.dirtySet(paths: GraphGenerator.randomDirty(for: ir, rng: &rng))
            for strategy in [ClosureStrategy.rows, .lists, .frontier] {
                let p = try NativeKernel(graph, options: NativeOptions(strategy: strategy))
                let plan = try p.plan(set, mode: .dirty, scope: .all)
                if graph.stepCount > 0 && !set.dirtyAll {
                    #expect(plan.counters.reachableSteps == plan.stepIds.count, "seed \(seed) \(strategy)")
                    #expect(plan.counters.dirtyPrefixes <= max(set.rootIds.count, graph.stepCount + set.rootIds.count))
                }
                #expect(plan.stepIds == plan.stepIds.sorted(), "seed \(seed): plan not in topo order")
            }
        }
    }
}
