import ConvergeKernelTestSupport
import ConvergeWasm
import Testing
@testable import ConvergeKernel

/// CKernel compiled to wasm32 and run by WasmKit (an interpreter) plans exactly what the native
/// kernel plans — plans, modes, dirtyAll and every counter — on seeded random graphs, for both
/// builds (SIMD128, scalar) and each closure strategy; and a runtime at L1 on the WasmKit planner
/// commits the same states as the native L1 runtime. Fewer graphs than the native differential
/// tests: WasmKit is slow.
@Suite struct WasmKitDifferentialTests {
    static let graphCount = 120
    static let chunks = 4

    @Test(arguments: 0..<chunks)
    func wasmKitPlansEqualNative(_ chunk: Int) throws {
        let perChunk = Self.graphCount / Self.chunks
        var failures: [String] = []
        var checked = 0
        for seed in UInt64(10_000 + chunk * perChunk)..<UInt64(10_000 + (chunk + 1) * perChunk) {
            let ir = GraphGenerator.random(seed: seed)
            let graph = try StaticIR(ir)
            // each flavor with the automatic strategy, and the SIMD build with each forced one
            let strategies: [ClosureStrategy] = [.auto, .rows, .lists, .frontier]
            let flavor: WasmFlavor = seed % 2 == 0 ? .simd : .scalar
            let strategy = strategies[Int(seed / 2 % 4)]
            let options = NativeOptions(strategy: strategy)
            let native = try NativePlanner(graph, options: options)
            let wasm = try WasmKitPlanner(graph, flavor: flavor, options: options)
            #expect(wasm.strategy == native.info.strategy || graph.stepCount < 32, "seed \(seed): strategy \(wasm.strategy) vs \(native.info.strategy)")
            var rng = SeededRNG(seed: seed)
            for trial in 0..<3 {
                let set = graph.dirtySet(paths: GraphGenerator.randomDirty(for: ir, rng: &rng))
                for mode in PlanMode.allCases {
                    for scope in PlanScope.allCases {
                        let a = try native.plan(set, mode: mode, scope: scope)
                        let b = try wasm.plan(set, mode: mode, scope: scope)
                        if a != b { failures.append("seed \(seed) \(flavor) \(strategy) trial \(trial) \(mode) \(scope): native \(a), wasm \(b)") }
                        checked += 1
                    }
                }
            }
            #expect(wasm.counters.calls == 18, "seed \(seed): one exported call per plan")
            if failures.count > 10 { break }
        }
        #expect(failures.isEmpty, "\(failures.count) mismatches; first: \(failures.prefix(3))")
        #expect(checked == perChunk * 18 || !failures.isEmpty)
    }
}
