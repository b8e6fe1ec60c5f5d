// Workloads.swift — the graphs benchmarks and the CLI run on, generated deterministically, and the
// workload's derive functions.

import ConvergeKernel
/// Graphs the benchmarks and the CLI run on, generated deterministically.
///
/// Every generator checks its sizes against the documented limits before it allocates:
/// `invalidArgument` below the range, `tooLarge` beyond it (docs/ir-format.md, "Limits").
public enum Workload {
    /// The converge workload has two registry paths per step (`b_i`, `d_i`), so at most half the
    /// path limit of steps.
    public static let maxConvergeSteps = CompiledGraph.maxPaths / 2

    /// Throws unless `0 <= n <= limit`.
    static func checkSize(_ what: String, _ n: Int, limit: Int, unit: String) throws(ConvergeError) {
        if n < 0 { throw ConvergeError(.invalidArgument, "\(what) must be ≥ 0 (got \(n))") }
        if n > limit { throw ConvergeError(.tooLarge, "\(what) \(n) is more than the limit of \(limit) \(unit)") }
    }

    /// The converge.txnCommit workload of the perf-evidence format: fields `b0…b{n−1}` and
    /// `d0…d{n−1}`; step i is computed `d_i` with deps `[b_i]` and expr `b_i + 1`.
    /// - Throws: `invalidArgument` for n < 0, `tooLarge` beyond ``maxConvergeSteps``.
    public static func converge(steps n: Int) throws(ConvergeError) -> ConvergeIR {
        try checkSize("the converge workload's step count", n, limit: maxConvergeSteps,
                      unit: "steps (2 field paths per step; \(CompiledGraph.maxPaths) paths at most)")
        var fields: [String] = []
        fields.reserveCapacity(2 * n)
        for i in 0..<n { fields.append("b\(i)") }
        for i in 0..<n { fields.append("d\(i)") }
        var steps: [IRStep] = []
        steps.reserveCapacity(n)
        for i in 0..<n {
            steps.append(IRStep(kind: IRStep.computed, out: "d\(i)", deps: ["b\(i)"], expr: "b\(i) + 1"))
        }
        return ConvergeIR(fields: fields, steps: steps)
    }

    /// The converge workload with links instead of computed steps: step i is `d_i = link(b_i)`
    /// (for measuring what the kernel runs without calling the host).
    public static func convergeLinks(steps n: Int) throws(ConvergeError) -> ConvergeIR {
        var ir = try converge(steps: n)
        ir.steps = (0..<n).map { IRStep(kind: IRStep.link, out: "d\($0)", from: "b\($0)") }
        return ir
    }

    /// The dirty paths of a converge-workload transaction with k dirty roots: `b0…b{k−1}`.
    public static func convergeDirty(roots k: Int) throws(ConvergeError) -> [String] {
        try checkSize("the converge workload's dirty root count", k, limit: maxConvergeSteps, unit: "roots")
        return (0..<k).map { "b\($0)" }
    }

    /// A random DAG of `n` steps for scale benchmarks: 1–4 deps per step, drawn from base fields
    /// and earlier outs (mostly recent ones), nested 3-segment paths `g<G>.s<S>.o<i>` under
    /// `groups` top-level segments (default 1000, like modules of a large state tree), one step in
    /// eight a link, one in sixteen deferred. Triggering is decided by first segments, so the
    /// number of groups sets how far a dirty path reaches.
    /// - Throws: `invalidArgument` for n < 0 or groups < 1, `tooLarge` beyond ``CompiledGraph/maxSteps``
    ///   steps or ``CompiledGraph/maxPaths`` groups.
    public static func randomDAG(steps n: Int, seed: UInt64, groups: Int = 1000) throws(ConvergeError) -> ConvergeIR {
        try checkSize("the random DAG's step count", n, limit: CompiledGraph.maxSteps, unit: "steps")
        if groups < 1 { throw ConvergeError(.invalidArgument, "the random DAG's group count must be ≥ 1 (got \(groups))") }
        try checkSize("the random DAG's group count", groups, limit: CompiledGraph.maxPaths, unit: "groups")
        var rng = SplitMix64(seed: seed)
        let groups = max(1, min(groups, n))
        let baseCount = max(1, n / 4)
        var fields: [String] = []
        fields.reserveCapacity(baseCount)
        for j in 0..<baseCount { fields.append("g\(Int(rng.next() % UInt64(groups))).f\(j)") }
        var outs: [String] = []
        outs.reserveCapacity(n)
        var steps: [IRStep] = []
        steps.reserveCapacity(n)
        for i in 0..<n {
            let out = "g\(Int(rng.next() % UInt64(groups))).s\(Int(rng.next() % 4)).o\(i)"
            let depCount = 1 + Int(rng.next() % 4)
            var deps: [String] = []
            for _ in 0..<depCount {
                if i > 0 && rng.next() % 2 == 0 {
                    let back = 1 + Int(rng.next() % UInt64(min(i, 1000)))
                    deps.append(outs[i - back])
                } else {
                    deps.append(fields[Int(rng.next() % UInt64(baseCount))])
                }
            }
            let deferred = rng.next() % 16 == 0 ? "deferred" : nil
            if rng.next() % 8 == 0 {
                steps.append(IRStep(kind: IRStep.link, out: out, from: deps[0], scheduling: deferred))
            } else {
                steps.append(IRStep(kind: IRStep.computed, out: out, deps: deps, scheduling: deferred))
            }
            outs.append(out)
        }
        return ConvergeIR(fields: fields, steps: steps)
    }

    /// `fraction` of the registry's paths, drawn without repeats, as dirty path strings.
    /// - Throws: `invalidArgument` unless `fraction` is a number in (0, 1].
    public static func randomDirty(_ graph: CompiledGraph, fraction: Double, seed: UInt64) throws(ConvergeError) -> [String] {
        guard fraction.isFinite, fraction > 0, fraction <= 1 else {
            throw ConvergeError(.invalidArgument, "the dirty fraction must be a number in (0, 1] (got \(fraction))")
        }
        var rng = SplitMix64(seed: seed)
        let k = max(1, Int((Double(graph.pathCount) * fraction).rounded(.up)))
        var picked = Set<Int>()
        while picked.count < min(k, graph.pathCount) { picked.insert(Int(rng.next() % UInt64(graph.pathCount))) }
        return picked.sorted().map { graph.fieldPaths[$0] }
    }
}

/// SplitMix64: a small, fast, seedable generator (same sequence on every platform).
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension Workload {
    /// The derive functions of ``converge(steps:)``: `d_i = b_i + 1` (a non-number `b_i` gives
    /// NaN, as JavaScript's `undefined + 1` does), registered for every computed step (links of
    /// a graph extended by hand are left alone) — at L3 only for the steps that did not compile
    /// to bytecode (a registered function would turn a compiled step into a host step).
    public static func registerConvergeFunctions(_ runtime: ConvergeRuntime) throws(ConvergeError) {
        let code = runtime.options.level.runsBytecode ? runtime.compileReport.bytecode : nil
        var s = 0
        while s < runtime.graph.stepCount {
            if let code, code.stepOffsets[s + 1] > code.stepOffsets[s] { s += 1; continue }
            if runtime.graph.stepFlags[s] & 2 == 0 {
                try runtime.derive(step: s) { inputs in .number((inputs.number(0) ?? .nan) + 1) }
            }
            s += 1
        }
    }
}
