import Benchmark
import ConvergeKernel

/// Plan-only microbenchmarks: wall clock (compare ratios within one run) and allocations
/// (deterministic: planning must allocate nothing, so the threshold is zero).
let benchmarks: @Sendable () -> Void = {
    Benchmark.defaultConfiguration = .init(metrics: [.wallClock, .mallocCountTotal],
                                           thresholds: [.mallocCountTotal: .init(absolute: [.p100: 0])])
    for (steps, roots) in [(2000, 10), (20000, 5000)] {
        for backend in ["native", "portable"] {
            Benchmark("plan \(backend) n=\(steps) k=\(roots)") { (benchmark: Benchmark, state: State) in
                for _ in benchmark.scaledIterations {
                    try state.planner.plan(state.dirty, mode: .dirty, scope: .all, into: state.buffer)
                }
            } setup: { () throws -> State in
                let graph = try StaticIR(Workload.converge(steps: steps))
                let planner: any ConvergePlanner = backend == "native" ? try NativePlanner(graph) : PortablePlanner(graph)
                return State(planner: planner, dirty: graph.dirtySet(paths: Workload.convergeDirty(roots: roots)), buffer: PlanBuffer(for: graph))
            }
        }
    }
}

final class State: @unchecked Sendable {
    let planner: any ConvergePlanner
    let dirty: DirtySet
    let buffer: PlanBuffer
    init(planner: any ConvergePlanner, dirty: DirtySet, buffer: PlanBuffer) {
        self.planner = planner
        self.dirty = dirty
        self.buffer = buffer
    }
}
