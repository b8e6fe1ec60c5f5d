import ConvergeKernelTestSupport
@testable import ConvergeWasm
import Testing
@testable import ConvergeKernel

/// CKernel compiled to wasm32 and run by WasmKit (an interpreter) plans exactly what the native
/// kernel plans — plans, modes, dirtyAll and every counter — on seeded random graphs, for both
/// builds (SIMD128, scalar) and each closure strategy; and a runtime at L1 on the WasmKit planner
/// commits the same states as the native L1 runtime. Fewer graphs than the native differential
/// tests: WasmKit is slow.
@Suite struct WasmKitDifferentialTests {
    @Test(arguments: GraphGenerator.seedChunks(120, in: 4, from: 10_000))
    func wasmKitPlansEqualNative(_ seeds: Range<UInt64>) throws {
        var failures: [String] = []
        var checked = 0
        for seed in seeds {
            let ir = GraphGenerator.random(seed: seed)
            let graph = try CompiledGraph(ir)
            // each flavor with the automatic strategy, and the SIMD build with each forced one
            let strategies: [ClosureStrategy] = [.auto, .rows, .lists, .frontier]
            let flavor: WasmFlavor = seed % 2 == 0 ? .simd : .scalar
            let strategy = strategies[Int(seed / 2 % 4)]
            let options = NativeOptions(strategy: strategy)
            let native = try NativeKernel(graph, options: options)
            let wasm = try WasmKitPlanner(graph, flavor: flavor, options: options)
            #expect(wasm.strategy == native.info.strategy || graph.stepCount < 32, "seed \(seed): strategy \(wasm.strategy) vs \(native.info.strategy)")
            for q in GraphGenerator.planQueries(ir, graph, rngSeed: seed) {
                let a = try native.plan(q.set, mode: q.mode, scope: q.scope)
                let b = try wasm.plan(q.set, mode: q.mode, scope: q.scope)
                if a != b { failures.append("seed \(seed) \(flavor) \(strategy) trial \(q.trial) \(q.mode) \(q.scope): native \(a), wasm \(b)") }
                checked += 1
            }
            #expect(wasm.counters.calls == 18, "seed \(seed): one exported call per plan")
            if failures.count > 10 { break }
        }
        #expect(failures.isEmpty, "\(failures.count) mismatches; first: \(failures.prefix(3))")
        #expect(checked == seeds.count * 18 || !failures.isEmpty)
    }
}

/// The native kernel and the wasm kernel (in WasmKit) load the same artifact bytes and plan
/// identically; a broken file is the same typed error from both.
@Suite struct WasmKitArtifactTests {
    @Test func nativeAndWasmLoadTheSameFileAndPlanIdentically() throws {
        var checked = 0
        for seed in UInt64(20_000)..<20_012 {
            let ir = GraphGenerator.random(seed: seed)
            let graph = try CompiledGraph(ir)
            let artifact = try Artifact(bytes: try Artifact.encode(graph))
            let native = try NativeKernel(artifact: artifact, graph: graph)
            let wasm = try WasmKitPlanner(artifact: artifact, graph: graph, flavor: seed % 2 == 0 ? .simd : .scalar)
            for q in GraphGenerator.planQueries(ir, graph, rngSeed: seed) {
                let a = try native.plan(q.set, mode: q.mode, scope: q.scope)
                let b = try wasm.plan(q.set, mode: q.mode, scope: q.scope)
                #expect(a == b, "seed \(seed) \(q.mode) \(q.scope)")
                checked += 1
            }
        }
        #expect(checked == 12 * 18)
    }

    @Test func aBrokenFileIsTheSameErrorInWasm() throws {
        let graph = try CompiledGraph(ExprLevelDifferentialTests.graph(seed: 7))
        var code = try #require(ExprCompiler.compile(graph, policy: .try).bytecode)
        code.instructions[0].a = 250
        // the container is fine, the bytecode is not: the error comes with the kernel
        let artifact = try Artifact(bytes: Artifact.encode(graph, bytecode: code))
        var nativeError: ConvergeError?
        do { try artifact.validateKernel() } catch { nativeError = error }
        var wasmError: ConvergeError?
        do { _ = try WasmKitPlanner(artifact: artifact, graph: graph) } catch { wasmError = error }
        #expect(nativeError?.code == .invalidArtifact && nativeError == wasmError, "\(String(describing: nativeError)) vs \(String(describing: wasmError))")
        // a container error (a flipped bit in the last section) inside the module
        var bytes = try Artifact.encode(graph)
        bytes[bytes.count - 1] ^= 1
        var openError: ConvergeError?
        do { _ = try Artifact(bytes: bytes) } catch { openError = error }
        var wasmOpenError: ConvergeError?
        do { _ = try WasmKitPlanner(graph, flavor: .simd, options: NativeOptions(), artifact: bytes) } catch { wasmOpenError = error }
        #expect(openError?.message.contains("checksum mismatch") == true && openError == wasmOpenError,
                "\(String(describing: openError)) vs \(String(describing: wasmOpenError))")
    }
}
