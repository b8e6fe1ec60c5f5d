// BenchWasmKit.swift — the WasmKit backends' points, measured in process on the wasm transaction
// core.

import ConvergeEvidence
import ConvergeKernel
import ConvergeWasm
import Foundation

// The WasmKit backends of `converge bench` (wasm-wasmkit = L1, wasm-wasmkit-l2, wasm-wasmkit-l3):
// the converge workload's transactions on converge.wasm's transaction core run in-process by
// WasmKit (``WasmKitTxnCore``): per transaction the k root writes go into the write log in linear
// memory, then one `ckw_txn_commit`; auto is decided in C with ``RuntimeOptions``' defaults, as on
// the V8 backends.

extension Backend {
    /// The level of the WasmKit transaction core (nil: not a WasmKit backend).
    package var wasmKitLevel: ExecutionLevel? { host == .wasmKit ? level : nil }
}

/// The converge workload on one WasmKit transaction core: transactions write `b0…b{k−1}` (or the
/// first k roots of a user graph) with a fresh number, then commit.
package final class WasmKitTxnBench {
    package let core: WasmKitTxnCore
    package let roots: [UInt32]
    private var value = 0.0
    /// Of the transactions run so far: the ones whose decision cut off on the budget.
    private(set) var cutOffs = 0

    /// - Parameter artifact: the graph's artifact (level l4: the kernel, its bytecode and layout from it).
    package init(graph: CompiledGraph, roots: [UInt32], options: RuntimeOptions, artifact: Artifact? = nil) throws(ConvergeError) {
        if let artifact {
            core = try WasmKitTxnCore(artifact: artifact, graph: graph, options: options)
        } else {
            core = try WasmKitTxnCore(graph, options: options)
        }
        try core.registerConvergeFunctions()
        self.roots = roots
    }

    /// One transaction: the writes, one commit.
    package func transaction() throws(ConvergeError) -> WasmKitTxnCore.Commit {
        value += 1
        for id in roots { try core.set(id, number: value) }
        let c = try core.commit()
        if c.reasons.contains(.budgetCutoff) { cutOffs += 1 }
        return c
    }

    /// `count` transactions; the elapsed ns.
    package func run(_ count: Int) throws(ConvergeError) -> UInt64 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        for _ in 0..<count { _ = try transaction() }
        return DispatchTime.now().uptimeNanoseconds &- t0
    }
}

/// A WasmKit point: per sample, a batch of transactions (diagnostics do not cross the wasm ABI:
/// off only) and a probe sample, with the boundary counters of the kept samples.
package final class WasmKitPointSampler: PointSampler {
    private let point: BenchPoint
    private let bench: InProcessBench
    private let txns: WasmKitTxnBench
    private let graph: CompiledGraph
    private let batch: Int
    private var offMs: [Double] = [], decision: [Double] = []
    private var probes = ProbeSamples()
    private var allocations: UInt64 = 0
    private var counters = KernelCounters()
    private var kept = 0, full = 0, dirty = 0
    private var counting: Bool { bench.allocations.isAvailable }
    private var last: WasmKitTxnCore.Commit?

    package init(_ p: BenchPoint, bench: InProcessBench) throws {
        point = p
        self.bench = bench
        let (graph, roots) = try bench.graphAndRoots(steps: p.steps)
        self.graph = graph
        txns = try WasmKitTxnBench(graph: graph, roots: Array(roots.prefix(p.dirtyRoots)),
                                   options: p.backend.runtimeOptions(mode: p.mode, diagnostics: .off),
                                   artifact: p.backend == .wasm(.wasmKit, .l4) ? try bench.artifact(steps: p.steps) : nil)
        var fastest = UInt64.max
        for _ in 0..<3 { fastest = min(fastest, try txns.run(1)) }
        batch = InProcessBench.batchSize(oneTransactionNs: fastest)
    }

    package func sample(run: Int) throws -> UInt64 {
        let t0 = DispatchTime.now().uptimeNanoseconds
        let core = txns.core
        let c0 = core.counters, cut0 = txns.cutOffs
        if counting { bench.allocations.start() }
        let t = try txns.run(batch)
        let a = counting ? bench.allocations.stop() : 0
        offMs.append(Double(t) / 1e6 / Double(batch))
        probes.take(bench)
        last = core.lastCommit
        if point.mode == .auto { decision.append(Double(last?.decisionNs ?? 0) / 1e6) }
        if run >= bench.warmupDiscard {
            let c1 = core.counters
            kept += c1.transactions - c0.transactions
            counters.calls += c1.calls - c0.calls
            counters.callbacks += c1.hostCallbacks - c0.hostCallbacks
            counters.vmSteps += c1.vmSteps - c0.vmSteps
            counters.bytesIn += c1.bytesIn - c0.bytesIn
            counters.bytesOut += c1.bytesOut - c0.bytesOut
            full += c1.executedFull - c0.executedFull
            dirty += c1.executedDirty - c0.executedDirty
            counters.cutOffs += txns.cutOffs - cut0
            allocations += a
        }
        return DispatchTime.now().uptimeNanoseconds &- t0
    }

    package func finish() -> PointResult {
        var r = PointResult()
        r.offMs = offMs
        let core = txns.core
        if point.mode == .auto { r.decisionMs = decision }
        let n = Double(max(1, kept))
        let s = last ?? core.lastCommit
        typealias E = PerfReport.Evidence
        probes.store(in: &r)
        r.evidence = [
            .number("sample.batchSize", "count", Double(batch)),
            .string("runtime.executedMode", s?.executedMode?.rawValue ?? "none"),
            .number("runtime.executedFullShare", "ratio", Double(full) / Double(max(1, full + dirty))),
            .number("runtime.executedSteps", "count", Double(s?.executedSteps ?? 0)),
            .number("runtime.affectedSteps", "count", Double(s?.changedSteps ?? 0)),
            .number("runtime.totalSteps", "count", Double(core.scopeLength)),
            .string("runtime.reasons", (s?.reasons ?? []).codes.joined(separator: ",")),
        ] + counters.evidence(perTransactions: n) + [
            .string("kernel.simdImplementation", point.backend.simdImplementation),
            .number("wasm.memoryPages", "count", Double(core.memoryPages)),
            counting ? .number("runtime.heapAllocationsPerTxn", "count", Double(allocations) / n)
                : E.unavailable("runtime.heapAllocationsPerTxn", "count", "notMeasured: allocations are not interposed in this build (sanitizer or non-glibc)"),
        ]
        r.workingSetBytes = Double(workingSet(graph))
        r.bytesTouched = bytesTouched(paths: graph.pathCount, steps: graph.stepCount, executed: s?.executedSteps ?? 0)
        return r
    }
}
