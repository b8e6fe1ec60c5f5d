// Microbenchmarks of the kernel's parts, registered from `benchmarks` (PlannerBenchmarks.swift)
// with the default configuration (wall clock + mallocCountTotal, threshold 0: none of the
// measured closures may allocate; setup closures may, they are not measured):
//
// - `bitset or <impl> bits=N`: dst |= src over two N-bit bitsets (`ck_bitset_or`), per native SIMD
//   implementation (scalar, sse2, avx2 on x86-64; scalar, neon on arm64). Scaled by 1000.
// - `bitset scan <impl> bits=N density=d`: the pattern OR-ed into a zeroed bitset, then every set
//   bit emitted as an id and the bitset cleared (`ck_bitset_scan_clear`): the rows strategy's hot
//   path. Subtract the `bitset or` time of the same size for the scan alone.
// - `bandwidth <impl> <level> bytes=B`: the bandwidth probe's inner loop (the OR over two buffers
//   of B bytes) at the probe's L1 / L2 / DRAM sizes (`BandwidthProbe.levelSizes()`); GB/s =
//   3 × B / time per iteration (docs/kernel-abi.md, "Bandwidth probe").
// - `propagate <strategy> <graph>`: one dirty-mode plan (the dirty closure + scan) on the
//   converge workload and on a random DAG, with the closure strategy forced (frontier is the
//   breadth-first propagation; rows and lists are precomputed closures).
// - `commit L2 links n=2000 …`: a transaction on the all-links converge workload at L2, so the
//   whole converge is one `ck_kernel_commit` with no host callbacks (writes + plan + execute).
//
// Run: `cd Benchmarks && swift package --allow-writing-to-package-directory benchmark --filter 'bitset.*'`.
import Benchmark
import ConvergeBench
import ConvergeKernel

/// The implementations that run natively here (auto-selection candidates): emulated ones
/// (SIMDe's neon on x86, simd128 off wasm) measure SIMDe, not the ISA.
let nativeImplementations: [SIMDImplementation] = {
    #if arch(x86_64)
    [.scalar, .sse2, .avx2].filter(\.isAvailable)
    #elseif arch(arm64)
    [.scalar, .neon]
    #else
    [.scalar]
    #endif
}()

func registerMicroBenchmarks() {
    let kilo = Benchmark.Configuration(scalingFactor: .kilo)
    for impl in nativeImplementations {
        for bits in [1 << 16, 1 << 20] {
            Benchmark("bitset or \(impl.rawValue) bits=\(bits)", configuration: bits < 1 << 20 ? kilo : .init()) { (benchmark: Benchmark, w: Workbench) in
                for _ in benchmark.scaledIterations { w.bench.or() }
            } setup: { () throws -> Workbench in
                Workbench(try BitsetWorkbench(bits: bits, density: 0.5, implementation: impl, scanning: false))
            }
        }
        for density in [0.01, 0.25] {
            let bits = 1 << 16
            Benchmark("bitset scan \(impl.rawValue) bits=\(bits) density=\(density)") { (benchmark: Benchmark, w: Workbench) in
                for _ in benchmark.scaledIterations { blackHole(w.bench.scan()) }
            } setup: { () throws -> Workbench in
                Workbench(try BitsetWorkbench(bits: bits, density: density, seed: 7, implementation: impl))
            }
        }
        for (level, bytes) in BandwidthProbe.levelSizes() {
            Benchmark("bandwidth \(impl.rawValue) \(level) bytes=\(bytes)", configuration: level == "L1" ? kilo : .init()) { (benchmark: Benchmark, w: Workbench) in
                for _ in benchmark.scaledIterations { w.bench.or() }
            } setup: { () throws -> Workbench in
                Workbench(try BitsetWorkbench(bits: bytes * 8, density: 0.5, implementation: impl, scanning: false))
            }
        }
    }

    // propagate: the dirty closure per strategy
    let graphs: [(name: String, make: @Sendable () throws -> (CompiledGraph, [String]))] = [
        ("converge n=20000 k=5000", { (try CompiledGraph(Workload.converge(steps: 20000)), try Workload.convergeDirty(roots: 5000)) }),
        ("converge n=20000 k=10", { (try CompiledGraph(Workload.converge(steps: 20000)), try Workload.convergeDirty(roots: 10)) }),
        ("randomDAG n=20000 dirty=0.01", {
            let g = try CompiledGraph(Workload.randomDAG(steps: 20000, seed: 42))
            return (g, try Workload.randomDirty(g, fraction: 0.01, seed: 43))
        }),
    ]
    for (graphName, make) in graphs {
        for strategy in [ClosureStrategy.frontier, .rows, .lists] {
            Benchmark("propagate \(strategy.rawValue) \(graphName)") { (benchmark: Benchmark, state: State) in
                for _ in benchmark.scaledIterations {
                    try state.planner.plan(state.dirty, mode: .dirty, scope: .all, into: state.buffer)
                }
            } setup: { () throws -> State in
                let (graph, dirty) = try make()
                let planner = try NativeKernel(graph, options: NativeOptions(strategy: strategy))
                return State(planner: planner, dirty: graph.dirtySet(paths: dirty), buffer: PlanBuffer(for: graph))
            }
        }
    }

    // commit: ck_kernel_commit with links only (no host callbacks)
    for (mode, ratio) in [(ConvergeMode.dirty, 0.005), (.full, 0.005), (.auto, 0.25)] {
        Benchmark("commit L2 links n=2000 \(mode.rawValue) dirty=\(ratio)") { (benchmark: Benchmark, w: TxnState) in
            for _ in benchmark.scaledIterations { _ = try w.workload.transaction() }
        } setup: { () throws -> TxnState in
            let w = try TxnCommitWorkload(steps: 2000, dirtyRoots: TxnCommitWorkload.dirtyRoots(steps: 2000, ratio: ratio),
                                          options: RuntimeOptions(level: .l2, mode: mode, diagnostics: .off), links: true)
            _ = try w.run(500)  // warm-up: caches, auto's measurements
            return TxnState(workload: w)
        }
    }
}

/// A ``BitsetWorkbench`` handed from setup to the measured closure (one benchmark at a time).
final class Workbench: @unchecked Sendable {
    let bench: BitsetWorkbench
    init(_ bench: BitsetWorkbench) { self.bench = bench }
}
