import Benchmark
import ConvergeBench
import ConvergeKernel

/// Plan-only and transaction microbenchmarks: wall clock (compare ratios within one run) and
/// allocations (deterministic: planning and transactions under diagnostics off/light must
/// allocate nothing, so the threshold is zero). The kernel's parts (bitset OR and scan per SIMD
/// implementation, bandwidth levels, propagate per strategy, L2 commit) are in MicroBenchmarks.swift.
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
                let graph = try CompiledGraph(Workload.converge(steps: steps))
                let planner: any ConvergePlanner = backend == "native" ? try NativeKernel(graph) : PortablePlanner(graph)
                return State(planner: planner, dirty: graph.dirtySet(paths: try Workload.convergeDirty(roots: roots)), buffer: PlanBuffer(for: graph))
            }
        }
    }
    // txnCommit (writes + converge + commit) on the converge workload, steps 2000
    for level in ExecutionLevel.allCases {
        for (mode, ratio) in [(ConvergeMode.full, 0.005), (.dirty, 0.005), (.auto, 0.005), (.auto, 0.25)] {
            for diagnostics in [DiagnosticsLevel.off, .light] {
                Benchmark("txn \(level.rawValue) \(mode.rawValue) dirty=\(ratio) \(diagnostics.rawValue)") { (benchmark: Benchmark, w: TxnState) in
                    for _ in benchmark.scaledIterations { _ = try w.workload.transaction() }
                } setup: { () throws -> TxnState in
                    let w = try TxnCommitWorkload(steps: 2000, dirtyRoots: TxnCommitWorkload.dirtyRoots(steps: 2000, ratio: ratio),
                                                  options: RuntimeOptions(level: level, mode: mode, diagnostics: diagnostics))
                    _ = try w.run(500)   // warm-up: caches, auto's measurements
                    return TxnState(workload: w)
                }
            }
        }
    }
    registerMicroBenchmarks()
}

final class TxnState: @unchecked Sendable {
    let workload: TxnCommitWorkload
    init(workload: TxnCommitWorkload) { self.workload = workload }
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
