// BenchBackends.swift — `converge bench`'s backends and points, and the in-process measurement of
// the native and portable ones.

import ConvergeEvidence
import ConvergeKernel
import ConvergeWasm
import Foundation

/// `converge bench`'s backends: ``Backend``s (host × level × wasm flavor, one name each) and
/// what the bench needs to know of them.
extension Backend {
    /// The `kernelBackend` axis of `converge bench` (docs/perf-report.md), in report order:
    ///
    /// - `portable` (L0: the pure-Swift planner and executor); `native-l1`…`native-l4` (CKernel in
    ///   this process: L1 plans, L2 executes and calls back into Swift for computed steps, L3 runs
    ///   the steps whose `expr` compiled as bytecode, L4 as L3 from the graph's artifact with the
    ///   data layout that makes batch runs contiguous);
    /// - `wasm-wasmkit`…`-l4`: converge.wasm (SIMD128) on its transaction core in WasmKit, in
    ///   process (L2–L4 opt-in: WasmKit interprets every step);
    /// - `wasm-v8`…`-l4` and `js-v8` (the pure-JS kernel, wasm-host/js-kernel.mjs) in V8 (node);
    /// - the same in headless Chromium (a page running the V8 backends' host modules; not in the
    ///   default set, BenchBrowser.swift).
    package static let benchAxis: [Backend] = [
        .portable, .native(.l1), .native(.l2), .native(.l3), .native(.l4),
        .wasm(.wasmKit, .l1), .wasm(.wasmKit, .l2), .wasm(.wasmKit, .l3), .wasm(.wasmKit, .l4),
        .wasm(.v8, .l1), .wasm(.v8, .l2), .wasm(.v8, .l3), .wasm(.v8, .l4), .jsV8,
        .wasm(.chromium, .l1), .wasm(.chromium, .l2), .wasm(.chromium, .l3), .wasm(.chromium, .l4), .jsChromium,
    ]

    /// The bench backend named `name` (nil: not on the axis).
    package init?(benchName name: String) {
        guard let b = Backend(name: name), Self.benchAxis.contains(b) else { return nil }
        self = b
    }

    /// The SIMD implementation the backend's bitset code runs.
    package var simdImplementation: String {
        if let flavor { return flavor == .simd ? "simd128" : "none" }
        return isNative ? SIMDImplementation.automatic.rawValue : "none"
    }

    /// The runtime options of the backend's transactions: its level in this process (Swift, C or
    /// WasmKit); the JS hosts run their own level, L1's options stand for the rest (the policy).
    package func runtimeOptions(mode: ConvergeMode, diagnostics: DiagnosticsLevel) -> RuntimeOptions {
        let inProcess = host == .process || host == .wasmKit
        return RuntimeOptions(level: inProcess ? level : .l1, mode: mode, diagnostics: diagnostics)
    }

    /// The L4 backends: they load the state layout from the graph's artifact.
    package var loadsLayout: Bool { level == .l4 }

    /// Why the backend cannot run here (nil: it can): the wasm toolchain, node, chromium
    /// (`chromium`: the `--chromium PATH` option).
    package func unavailableReason(chromium: String? = nil) -> String? {
        do throws(ConvergeError) {
            switch host {
            case .process: return nil
            case .wasmKit: _ = try WasmBuild.artifacts()
            case .v8:
                _ = try NodeHost.node()
                if flavor != nil { _ = try WasmBuild.artifacts() }
            case .chromium:
                _ = try BrowserHost.chromium(chromium)
                _ = try NodeHost.node()
                if flavor != nil { _ = try WasmBuild.artifacts() }
            }
            return nil
        } catch {
            return error.message
        }
    }
}

/// One point of the matrix.
package struct BenchPoint: Hashable, Sendable {
    package var backend: Backend
    package var mode: ConvergeMode
    package var steps: Int
    package var ratio: Double
    package var dirtyRoots: Int

    /// The grid's points, steps outermost, then modes, ratios and backends. `dirtyRoots` is the
    /// format's derived axis, max(1, ceil(roots · ratio)), of the roots the graph has at each step
    /// count (for `--ir`, its inputs).
    package static func grid(steps: [Int], modes: [ConvergeMode], ratios: [Double], backends: [Backend],
                             graph: BenchGraph) -> [BenchPoint] {
        var points: [BenchPoint] = []
        for s in steps { for m in modes { for r in ratios { for b in backends {
            let k = TxnCommitWorkload.dirtyRoots(steps: graph.rootCount(steps: s), ratio: r)
            points.append(BenchPoint(backend: b, mode: m, steps: s, ratio: r, dirtyRoots: k))
        } } } }
        return points
    }
}

/// What one point measured: samples (ms, in run order, warm-up included) and evidence.
package struct PointResult: Sendable {
    package var status = "ok"
    package var reason: String?
    /// txnCommit under diagnostics off.
    package var offMs: [Double] = []
    /// txnCommit under diagnostics light / full (nil: not measured on this backend).
    package var lightMs: [Double]?
    package var fullMs: [Double]?
    /// The auto decision's time per transaction (auto only; nil otherwise).
    package var decisionMs: [Double]?
    package var evidence: [PerfReport.Evidence] = []
    /// Bytes the plan and its execution must touch per transaction (for the bandwidth ratio).
    package var bytesTouched: Double?
    package var workingSetBytes: Double?
    /// In-process backends: the machine probe's samples (ms; `InProcessBench.probe`), one beside
    /// each of the point's samples.
    package var probeMs: [Double]?
    /// In-process backends: the memory probe's samples (ms; ``MemoryProbe``), beside the same samples.
    package var memoryProbeMs: [Double]?
    /// js-v8 / js-chromium: the plain-JS reference's samples (ms, same runs and batches), or why
    /// there are none.
    package var plainReferenceMs: [Double]?
    package var plainReferenceUnavailable: String?

    /// A point that could not be measured, and why.
    package static func failed(_ reason: String) -> PointResult { PointResult(status: "failed", reason: reason) }
}

/// The graph a bench runs on: the converge workload at each step count, or a user's IR.
package enum BenchGraph {
    case converge
    /// A user's graph; transactions write the first k paths of `rootOrder` (a seeded shuffle of
    /// the paths no step writes). `artifact`: the user's AOT artifact (`--artifact`), which the L4
    /// backends load as it is, layout included (nil: `--ir`, the artifact is encoded in memory).
    case ir(CompiledGraph, name: String, rootOrder: [UInt32], artifact: Artifact?)

    package var isConvergeWorkload: Bool {
        if case .converge = self { return true }
        return false
    }

    /// Roots available at a step count (k's upper bound).
    package func rootCount(steps: Int) -> Int {
        switch self {
        case .converge: steps
        case .ir(_, _, let order, _): order.count
        }
    }

    package func compiledGraph(steps: Int) throws(ConvergeError) -> CompiledGraph {
        switch self {
        case .converge: try CompiledGraph(Workload.converge(steps: steps))
        case .ir(let g, _, _, _): g
        }
    }

    /// The user's artifact (`--artifact`), nil otherwise.
    package var artifact: Artifact? {
        if case .ir(_, _, _, let a) = self { return a }
        return nil
    }

    package func rootIds(_ graph: CompiledGraph, k: Int) -> [UInt32] {
        switch self {
        case .converge: (0..<k).map { graph.pathId("b\($0)")! }
        case .ir(_, _, let order, _): Array(order.prefix(k))
        }
    }

    /// The seeded order of a user graph's input paths (paths no step writes; all paths if none).
    package static func rootOrder(_ g: CompiledGraph, seed: UInt64) -> [UInt32] {
        var written = Set<String>()
        for s in 0..<g.stepCount { written.insert(g.out(ofStep: s)) }
        var ids = (0..<g.pathCount).filter { !written.contains(g.fieldPaths[$0]) }.map { UInt32($0) }
        if ids.isEmpty { ids = (0..<g.pathCount).map { UInt32($0) } }
        var rng = SplitMix64(seed: seed)
        ids.shuffle(using: &rng)
        return ids
    }
}

/// Measures the in-process backends (portable, native-l1/l2/l3; the wasm-wasmkit ones in
/// BenchWasmKit.swift) a chunk of points at a time (``measure(_:done:)``, BenchSampling.swift):
/// the points' samples are taken in turns, so that a burst of other load on the machine lands on
/// a few samples of every point instead of on every sample of a few points.
package final class InProcessBench {
    package let runs: Int
    package let warmupDiscard: Int
    package let timeoutMs: Double
    package let graph: BenchGraph
    /// The machine probes, timed beside every sample of every in-process point: the CPU-bound
    /// chain (``MachineProbe``, about 10 µs) and the memory stream (``MemoryProbe``, about 7 µs).
    /// Their medians tell how fast the machine ran while the point was measured
    /// (`machine.probeMs`, `machine.memProbeMs`; change and mode budgets divide by the memory
    /// probe's ratio: docs/perf-diff.md).
    private lazy var probe = MachineProbe()
    private lazy var memoryProbe = MemoryProbe()

    /// One sample of each probe (ms).
    package func probeSample() -> (chainMs: Double, memoryMs: Double) { (probe.sampleMs(), memoryProbe.sampleMs()) }

    /// The graph of the current step count and its roots in write order (every point of a chunk
    /// builds its runtimes from them: building the graph again per runtime took most of a 20000-step
    /// chunk's time).
    private var current: (steps: Int, graph: CompiledGraph, roots: [UInt32])?
    private var currentArtifact: (steps: Int, artifact: Artifact)?

    package func graphAndRoots(steps: Int) throws(ConvergeError) -> (graph: CompiledGraph, roots: [UInt32]) {
        if let current, current.steps == steps { return (current.graph, current.roots) }
        let g = try graph.compiledGraph(steps: steps)
        let roots = graph.rootIds(g, k: graph.rootCount(steps: steps))
        current = (steps, g, roots)
        currentArtifact = nil
        return (g, roots)
    }

    /// The artifact of the graph of `steps` steps: the user's file (`--artifact`), else what
    /// `converge compile` writes (with its layout), encoded in memory once per step count.
    package func artifact(steps: Int) throws(ConvergeError) -> Artifact {
        if let a = graph.artifact { return a }
        if let currentArtifact, currentArtifact.steps == steps { return currentArtifact.artifact }
        let g = try graphAndRoots(steps: steps).graph
        let a = try Artifact(bytes: try Artifact.encode(g, names: false, ir: false))
        currentArtifact = (steps, a)
        return a
    }

    /// Counts each sample's heap allocations (``AllocationProbe/none``: not measured).
    package let allocations: AllocationProbe

    package init(runs: Int, warmupDiscard: Int, timeoutMs: Double, graph: BenchGraph, allocations: AllocationProbe = .none) {
        self.allocations = allocations
        self.runs = runs
        self.warmupDiscard = warmupDiscard
        self.timeoutMs = timeoutMs
        self.graph = graph
    }

    /// Transactions per sample: enough that a batch lasts `batchTargetNs` (at most 64), from the
    /// fastest of three timed transactions of the point.
    package static let batchTargetNs = 100_000.0

    package static func batchSize(oneTransactionNs t: UInt64) -> Int {
        min(64, max(1, Int((batchTargetNs / Double(max(t, 1))).rounded(.up))))
    }
}

/// A portable or native point: per sample, a batch of transactions under diagnostics off, light
/// and full, each on its own runtime and timed as a whole; beside it a probe sample, and for
/// native-l3 on the converge workload a batch of the floor loop.
package final class NativePointSampler: PointSampler {
    private let point: BenchPoint
    private let bench: InProcessBench
    private let off: TxnCommitWorkload, light: TxnCommitWorkload, full: TxnCommitWorkload
    private let floor: WorkloadFloor?
    private let contiguousFloor: ContiguousFloor?
    private var contiguousMs: [Double] = []
    private let batch: Int
    private var offMs: [Double] = [], lightMs: [Double] = [], fullMs: [Double] = [], decision: [Double] = [], floorMs: [Double] = []
    private var probes = ProbeSamples()
    private var allocations: UInt64 = 0
    private var counters = KernelCounters()
    private var fullRuns = 0, kept = 0
    private var counting: Bool { bench.allocations.isAvailable }

    package init(_ p: BenchPoint, bench: InProcessBench) throws {
        point = p
        self.bench = bench
        let (graph, roots) = try bench.graphAndRoots(steps: p.steps)
        let artifact = p.backend == .native(.l4) ? try bench.artifact(steps: p.steps) : nil
        func workload(_ d: DiagnosticsLevel) throws(ConvergeError) -> TxnCommitWorkload {
            try TxnCommitWorkload(graph: graph, rootOrder: roots, dirtyRoots: p.dirtyRoots,
                                  options: p.backend.runtimeOptions(mode: p.mode, diagnostics: d), artifact: artifact)
        }
        off = try workload(.off)
        light = try workload(.light)
        full = try workload(.full)
        batch = InProcessBench.batchSize(oneTransactionNs: min(try off.timedTransaction(), try off.timedTransaction(), try off.timedTransaction()))
        // the floor: the transaction's k writes b_i = v, then the plain C loop d_i = b_i + 1 over
        // the executed steps' slots, timed in the same run with the same batches (docs/bytecode.md, "Floor")
        let pairs = p.mode == .full ? p.steps : p.dirtyRoots
        floor = (p.backend == .native(.l3) || p.backend == .native(.l4)) && bench.graph.isConvergeWorkload
            ? try WorkloadFloor(graph: off.runtime.graph, pairs: pairs, writes: p.dirtyRoots)
            : nil
        // L4's bound: the same writes and loop over contiguous arrays, vectorised for this CPU
        contiguousFloor = p.backend == .native(.l4) && bench.graph.isConvergeWorkload
            ? try ContiguousFloor(pairs: pairs, writes: p.dirtyRoots)
            : nil
    }

    package func sample(run: Int) throws -> UInt64 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        if counting { bench.allocations.start() }
        let t = try off.run(batch)
        let a = counting ? bench.allocations.stop() : 0
        offMs.append(Double(t) / 1e6 / Double(batch))
        probes.take(bench)
        // light: timed as a batch like off and full; its summary (the batch's last transaction)
        // gives the decision time and the counters, read outside the clock
        let lightNs = try light.run(batch)
        let s = light.runtime.lastSummary
        if run >= bench.warmupDiscard {
            kept += 1
            counters.calls += s.boundaryCalls
            counters.callbacks += s.hostCallbacks
            counters.vmSteps += s.vmSteps
            if light.runtime.options.level.runsBytecode { counters.fallbackSteps = (counters.fallbackSteps ?? 0) + s.fallbackSteps }
            counters.bytesIn += s.bytesIn
            counters.bytesOut += s.bytesOut
            if s.reasons.contains(.budgetCutoff) { counters.cutOffs += 1 }
            if s.executedMode == .full { fullRuns += 1 }
            allocations += a
        }
        lightMs.append(Double(lightNs) / 1e6 / Double(batch))
        fullMs.append(Double(try full.run(batch)) / 1e6 / Double(batch))
        if point.mode == .auto { decision.append(Double(s.decisionNs) / 1e6) }
        if let floor { floorMs.append(Double(floor.run(batch)) / 1e6 / Double(batch)) }
        if let contiguousFloor { contiguousMs.append(Double(contiguousFloor.run(batch)) / 1e6 / Double(batch)) }
        return DispatchTime.now().uptimeNanoseconds &- t0
    }

    package func finish() -> PointResult {
        var r = PointResult()
        r.offMs = offMs
        r.lightMs = lightMs
        r.fullMs = fullMs
        probes.store(in: &r)
        if point.mode == .auto { r.decisionMs = decision }
        let s = light.runtime.lastSummary
        let n = Double(max(1, kept))
        let keptOff = Double(max(1, (r.offMs.count - bench.warmupDiscard) * batch))
        typealias E = PerfReport.Evidence
        r.evidence = [
            .number("sample.batchSize", "count", Double(batch)),
            .string("runtime.executedMode", s.executedMode?.rawValue ?? "none"),
            .number("runtime.executedFullShare", "ratio", Double(fullRuns) / n),
            .number("runtime.executedSteps", "count", Double(s.executedSteps)),
            .number("runtime.affectedSteps", "count", Double(s.affectedSteps)),
            .number("runtime.totalSteps", "count", Double(s.totalSteps)),
            .string("runtime.reasons", s.reasons.codes.joined(separator: ",")),
        ] + counters.evidence(perTransactions: n) + [
            .string("kernel.simdImplementation", point.backend.simdImplementation),
            counting ? .number("runtime.heapAllocationsPerTxn", "count", Double(allocations) / keptOff)
                : E.unavailable("runtime.heapAllocationsPerTxn", "count", "notMeasured: allocations are not interposed in this build (sanitizer or non-glibc)"),
        ]
        let floorKept = Array(floorMs.dropFirst(bench.warmupDiscard)).sorted(), offKept = Array(r.offMs.dropFirst(bench.warmupDiscard)).sorted()
        if !floorKept.isEmpty, !offKept.isEmpty {
            let f = floorKept[floorKept.count / 2], o = offKept[offKept.count / 2]
            r.evidence.append(.number("floor.cLoopMs", "ms", f))
            r.evidence.append(.number(point.backend == .native(.l4) ? "floor.l4OverFloor" : "floor.l3OverFloor", "ratio", f > 0 ? o / f : .nan))
        }
        let contiguousKept = Array(contiguousMs.dropFirst(bench.warmupDiscard)).sorted()
        if !contiguousKept.isEmpty, !offKept.isEmpty {
            let f = contiguousKept[contiguousKept.count / 2], o = offKept[offKept.count / 2]
            r.evidence.append(.number("floor.contiguousMs", "ms", f))
            r.evidence.append(.number("floor.l4OverContiguous", "ratio", f > 0 ? o / f : .nan))
        }
        if let info = off.runtime.bytecodeInfo {
            r.evidence.append(.number("kernel.fusedRuns", "count", Double(info.fusedRuns)))
            r.evidence.append(.number("kernel.contiguousRuns", "count", Double(info.contiguousRuns)))
        }
        let g = off.runtime.graph
        r.workingSetBytes = Double(workingSet(g))
        r.bytesTouched = bytesTouched(paths: g.pathCount, steps: g.stepCount, executed: s.executedSteps)
        return r
    }
}

/// A lower bound of the bytes one transaction's plan and execution touch (docs/perf-report.md,
/// "bandwidth"): the dirty and step bitsets scanned once each, and per executed step its table
/// entry (12 bytes), one input and one output slot (9 bytes each: value and tag) and its plan
/// entry written and read (8 bytes).
package func bytesTouched(paths: Int, steps: Int, executed: Int) -> Double {
    Double((paths + 7) / 8 + (steps + 7) / 8) + 38 * Double(executed)
}

/// Bytes of the graph's tables and state a transaction may reach.
package func workingSet(_ g: CompiledGraph) -> Int {
    9 * g.pathCount + 16 * g.stepCount + (g.pathCount + g.stepCount + 7) / 8
}

/// Measures V8 backends in one node process (interleaved by point; the bench gives js-v8 a process of its own). The wasm levels run on
/// the transaction core with ``RuntimeOptions``' defaults (auto decided in C); js-v8 decides auto
/// in JS (`wasm-host/js-auto.mjs`: the L0 runtime's rules) with the same policy.
package func measureNode(_ points: [BenchPoint], graph: BenchGraph, runs: Int, warmupDiscard: Int, timeoutMs: Double)
    throws(ConvergeError) -> (node: String, results: [BenchPoint: PointResult]) {
    guard !points.isEmpty else { return ("", [:]) }
    var m = try MatrixJobs(points, graph: graph, runs: runs, timeoutMs: timeoutMs, hosted: { $0.host == .v8 })
    let (node, out) = try NodeHost.benchMatrix(graphs: m.graphs, points: m.jobs, artifacts: m.artifacts, timeoutSeconds: m.timeLimitSeconds,
                                               policy: NodeHost.TxnPolicy(RuntimeOptions()))
    for (p, r) in zip(m.measured, out) {
        m.results[p] = matrixPointResult(p, r, graph: m.graph(of: p), runs: runs, timeoutMs: timeoutMs)
    }
    return (node, m.results)
}

/// A point's probe samples, one of each probe beside each of the point's samples.
package struct ProbeSamples {
    private var chainMs: [Double] = [], memoryMs: [Double] = []

    package init() {}

    /// Times each probe once.
    package mutating func take(_ bench: InProcessBench) {
        let s = bench.probeSample()
        chainMs.append(s.chainMs)
        memoryMs.append(s.memoryMs)
    }

    /// The samples as the point's (`probeMs`, `memoryProbeMs`; nil when none were taken).
    package func store(in r: inout PointResult) {
        r.probeMs = chainMs.isEmpty ? nil : chainMs
        r.memoryProbeMs = memoryMs.isEmpty ? nil : memoryMs
    }
}
