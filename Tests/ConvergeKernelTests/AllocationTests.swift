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
            let graph = try StaticIR(Workload.converge(steps: steps))
            let planner: any ConvergePlanner = switch backend {
            case "native-rows": try NativePlanner(graph, options: NativeOptions(strategy: .rows))
            case "native-lists": try NativePlanner(graph, options: NativeOptions(strategy: .lists))
            case "native-frontier": try NativePlanner(graph, options: NativeOptions(strategy: .frontier))
            default: PortablePlanner(graph)
            }
            let sets = [graph.dirtySet(paths: Workload.convergeDirty(roots: 3)),
                        graph.dirtySet(paths: Workload.convergeDirty(roots: steps / 2)),
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
}
