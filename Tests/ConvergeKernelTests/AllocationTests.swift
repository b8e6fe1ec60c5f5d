import ConvergeBench
import AllocationCounter
import Testing
@testable import ConvergeKernel

/// Planning allocates nothing: every buffer exists before the loop (gate 051 for the planner).
@Suite(.serialized) struct AllocationTests {
    @Test func theCounterSeesAllocations() {
        #expect(allocation_counter_available() == 1, "the malloc interposer is not active in this build")
        allocation_counter_start()
        let a = [Int](repeating: 1, count: 1000 + Int(allocation_counter_available()))
        let n = allocation_counter_stop()
        #expect(a.count > 1000)
        #expect(n >= 1)
    }

    @Test(arguments: ["portable", "native-rows", "native-lists", "native-frontier"])
    func planningAllocatesNothing(_ backend: String) throws {
        #expect(allocation_counter_available() == 1)
        for steps in [12, 600] {  // the linear pass and the closure algorithms
            let graph = try CompiledGraph(Workload.converge(steps: steps))
            let planner: any ConvergePlanner = switch backend {
            case "native-rows": try NativeKernel(graph, options: NativeOptions(strategy: .rows))
            case "native-lists": try NativeKernel(graph, options: NativeOptions(strategy: .lists))
            case "native-frontier": try NativeKernel(graph, options: NativeOptions(strategy: .frontier))
            default: PortablePlanner(graph)
            }
            let sets = [graph.dirtySet(paths: try Workload.convergeDirty(roots: 3)),
                        graph.dirtySet(paths: try Workload.convergeDirty(roots: steps / 2)),
                        graph.dirtySet(paths: ["*"])]
            let buffer = PlanBuffer(for: graph)
            try planner.plan(sets[0], mode: .dirty, scope: .all, into: buffer)  // warm-up
            var total = 0
            let scopes = PlanScope.allCases
            allocation_counter_start()
            for i in 0..<300 {
                let set = sets[i % sets.count]
                try planner.plan(set, mode: i % 7 == 0 ? .full : .dirty, scope: scopes[i % 3], into: buffer)
                total += buffer.count
            }
            let allocations = allocation_counter_stop()
            #expect(allocations == 0, "\(backend), \(steps) steps: \(allocations) allocations in 300 plans")
            #expect(total > 0)
        }
    }

    /// Gate 051: after warm-up, 10,000 transactions (writes + converge + commit) under diagnostics
    /// off and light allocate nothing on any level, in every mode, cache hits and misses included.
    @Test(arguments: ExecutionLevel.allCases, [DiagnosticsLevel.off, .light])
    func transactionsAllocateNothing(_ level: ExecutionLevel, _ diagnostics: DiagnosticsLevel) throws {
        #expect(allocation_counter_available() == 1)
        let steps = 600
        let graph = try CompiledGraph(Workload.converge(steps: steps))
        let b = (0..<steps).map { graph.pathId("b\($0)")! }
        for mode in ConvergeMode.allCases {
            var o = RuntimeOptions(level: level, mode: mode, diagnostics: diagnostics)
            o.executionBudgetMs = 0   // (the final-state check below must not depend on machine load)
            let rt = try ConvergeRuntime(graph, options: o)
            try Workload.registerConvergeFunctions(rt)
            var commits = 0
            rt.observe { _ in commits += 1 }
            // dirty-root counts cycling through inline-cache, LRU and near-full territory
            let ks = [1, 3, 3, 5, 40, 200, 590, 2, 7, 64, 65]
            var value = 0.0
            func run(_ t: Int) throws {
                let k = ks[t % ks.count]
                let offset = (t / ks.count) % 4
                value += 1
                _ = try rt.transaction { txn in
                    var i = 0
                    while i < k { try txn.set(b[(i + offset) % steps], number: value); i += 1 }
                }
            }
            for t in 0..<400 { try run(t) }   // warm-up: caches fill, the inline cache may switch off
            allocation_counter_start()
            var t = 400
            while t < 10_400 { try run(t); t += 1 }
            let allocations = allocation_counter_stop()
            #expect(allocations == 0, "\(level) \(diagnostics) \(mode): \(allocations) allocations in 10,000 transactions")
            #expect(commits == 10_400)
            #expect(try rt.state.value("d0") == .number(value + 1) || rt.state.value("d1") == .number(value + 1))
        }
    }
}
