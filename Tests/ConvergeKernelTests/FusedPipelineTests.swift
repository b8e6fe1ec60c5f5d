import CKernel
import ConvergeKernelTestSupport
import Testing
@testable import ConvergeKernel

/// The fused lane pipeline (CKernel/src/internal/vm_fused.h) against the one-by-one VM and L0:
/// graphs of long runs of one number-only expression over per-step deps (`b_i`, `c_i`), a shared
/// dep (`k`) and constants, some runs chained on an earlier run's outs, written with edge values
/// (NaN, −0, ±Infinity, undefined, null, booleans). L4 lays the runs out contiguously, so the
/// pipeline reads slots in place and compares the outs as one vector pass; L3 without a layout
/// runs the same programs gathered. Every SIMD variant this CPU runs is compared.
@Suite struct FusedPipelineTests {
    /// A random number-only C0 text over `$b`, `$c`, `$k` (operators the pipeline fuses).
    static func template(_ rng: inout SeededRNG, depth: Int) -> String {
        let leaves = ["$b", "$c", "$k", "$b", "$c", "1", "0.5", "-0", "3"]
        if depth <= 0 || rng.chance(20) { return rng.pick(leaves) }
        switch rng.below(4) {
        case 0: return rng.pick(["-", "+"]) + "(" + template(&rng, depth: depth - 1) + ")"
        case 1:
            let f = rng.pick(["abs", "floor", "ceil", "round", "trunc", "sign", "sqrt", "min", "max"])
            let n = f == "min" || f == "max" ? 2 : 1
            return "Math.\(f)(" + (0..<n).map { _ in template(&rng, depth: depth - 1) }.joined(separator: ", ") + ")"
        default:
            let op = rng.pick(["+", "-", "*", "/", "%"])
            return "(" + template(&rng, depth: depth - 1) + " " + op + " " + template(&rng, depth: depth - 1) + ")"
        }
    }

    /// Runs of `width` steps: run r writes `r<r>_<i>` from `b_i`, `c_i` (or run r−1's outs) and `k`.
    static func graph(seed: UInt64, width: Int) -> ConvergeIR {
        var rng = SeededRNG(seed: seed)
        var b = IRBuilder()
        for i in 0..<width { b.field("b\(i)") }
        for i in 0..<width { b.field("c\(i)") }
        b.field("k")
        let runs = 2 + rng.below(3)
        for r in 0..<runs {
            let text = template(&rng, depth: 1 + rng.below(3))
            let chained = r > 0 && rng.chance(50)
            for i in 0..<width {
                let bi = chained ? "r\(r - 1)_\(i)" : "b\(i)"
                let expr = text.replacingOccurrences(of: "$b", with: bi).replacingOccurrences(of: "$c", with: "c\(i)")
                    .replacingOccurrences(of: "$k", with: "k")
                b.computed("r\(r)_\(i)", deps: [bi, "c\(i)", "k"], expr: expr)
            }
        }
        return b.build()
    }

    static func runtime(_ g: CompiledGraph, _ level: ExecutionLevel, _ mode: ConvergeMode, batches: Bool = true,
                        impl: SIMDImplementation? = nil) throws -> ConvergeRuntime {
        var o = RuntimeOptions(level: level, mode: mode, diagnostics: .light)
        o.auto.decisionBudgetMs = 0
        o.auto.costModel = false
        o.executionBudgetMs = 0
        o.vmBatches = batches
        o.native.implementation = impl
        return try ConvergeRuntime(g, options: o)
    }

    @Test(arguments: 0..<3)
    func fusedRunsEqualTheOneByOneVMBitForBit(_ chunk: Int) throws {
        let impls = SIMDImplementation.available.filter { $0 == .scalar || $0 == .sse2 || $0 == .avx2 || $0 == .simd128 }
        var fusedSteps = 0, compared = 0
        for n in 0..<4 {
            let seed = UInt64(chunk * 4 + n) &* 0x9E37_79B9 &+ 11
            let width = [3, 37, 300, 700][n]   // below, across and beyond one lane block (CK_VM_LANES)
            let g = try CompiledGraph(Self.graph(seed: seed, width: width))
            for mode in [ConvergeMode.full, .dirty] {
                var runtimes: [(String, ConvergeRuntime)] = [("l0", try Self.runtime(g, .l0, mode)),
                                                             ("l3 one-by-one", try Self.runtime(g, .l3, mode, batches: false)),
                                                             ("l3", try Self.runtime(g, .l3, mode))]
                for impl in impls { runtimes.append(("l4 \(impl.rawValue)", try Self.runtime(g, .l4, mode, impl: impl))) }
                let l4 = runtimes.last!.1.native!
                #expect(l4.hasLayout && l4.codeInfo.fusedRuns > 0 && l4.codeInfo.contiguousRuns > 0,
                        "seed \(seed): \(l4.codeInfo)")
                var rng = SeededRNG(seed: seed ^ 0x5EED)
                for t in 0..<12 {
                    // a few roots, or most of them (dirty plans with gaps, and near-contiguous ones)
                    let count = rng.chance(30) ? width : 1 + rng.below(4)
                    var writes: [(String, ConvergeValue)] = []
                    for _ in 0..<count {
                        let path = rng.chance(10) ? "k" : "\(rng.pick(["b", "c"]))\(rng.below(width))"
                        writes.append((path, ExprLevelDifferentialTests.value(&rng)))
                    }
                    compared += try ExprLevelDifferentialTests.expectSameTransaction(runtimes, writes, graph: g, "seed \(seed) \(mode) txn \(t)")
                    fusedSteps += runtimes.last!.1.lastSummary.vmSteps
                }
            }
        }
        #expect(compared > 0 && fusedSteps > 10_000, "the fused runs ran only \(fusedSteps) steps")
    }

    /// A corrupt slot (a tag beyond number, written behind the kernel's back) read in place by a
    /// fused run stops the converge at that step, as the one-by-one VM does: a `kernelFailure`
    /// naming the step, and nothing written (the transaction is undone).
    @Test func aCorruptSlotReadInPlaceStopsAtItsStep() throws {
        var b = IRBuilder()
        for i in 0..<64 { b.field("b\(i)") }
        b.field("k")
        for i in 0..<64 { b.computed("r0_\(i)", deps: ["b\(i)", "k"], expr: "b\(i)") }
        let g = try CompiledGraph(b.build())
        for batches in [true, false] {
            let rt = try Self.runtime(g, .l4, .full, batches: batches)
            _ = try rt.transaction { txn in try txn.set("k", .number(1)) }
            let before = rt.state.snapshot()
            let view = rt.native!.stateView()
            let p = Int(g.pathId("b10")!)
            view.tags[Int(view.slotOf[p])] = 9
            var message = ""
            do {
                _ = try rt.transaction { txn in try txn.set("k", .number(2)) }
            } catch {
                message = (error as? ConvergeError)?.message ?? "\(error)"
            }
            let step = (0..<g.stepCount).first { g.out(ofStep: $0) == "r0_10" }!
            #expect(message == "step \(step) returned a value with an unknown tag", "batches \(batches): \(message)")
            view.tags[Int(view.slotOf[p])] = before[p].tag
            let after = rt.state.snapshot()
            #expect((0..<after.count).allSatisfy { ExprLevelDifferentialTests.same(after[$0], before[$0]) }, "batches \(batches)")
        }
    }
}
