import ConvergeBench
import ConvergeKernelTestSupport
import Foundation
import Testing
@testable import ConvergeKernel
@testable import ConvergeWasm

/// The wasm builds: made from CKernel/ on first use into a content-keyed cache, with typed errors
/// that say what to install when a piece of the toolchain is missing; the module refuses
/// malformed tables with the offending offset.
@Suite struct WasmBuildTests {
    @Test func buildsBothFlavorsIntoTheCache() throws {
        let a = try WasmBuild.artifacts()
        for url in [a.simd, a.scalar] {
            let bytes = try #require(FileManager.default.contents(atPath: url.path))
            #expect(bytes.prefix(4) == Data([0, 0x61, 0x73, 0x6D]), "\(url.path) is not a wasm module")
        }
        // the same sources, flags and compiler: the cache answers, nothing is compiled again
        let again = try WasmBuild.build()
        #expect(!again.compiled && again.simd == a.simd && again.scalar == a.scalar)
        #expect(a.simd.lastPathComponent == "converge.wasm" && a.scalar.lastPathComponent == "converge-scalar.wasm")
    }

    @Test func aFreshCacheDirectoryIsBuiltInto() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ck-wasm-cache-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        var env = ProcessInfo.processInfo.environment
        env["CONVERGE_WASM_CACHE"] = dir.path
        let a = try WasmBuild.build(env)
        #expect(a.compiled && a.directory.path.hasPrefix(dir.path))
        #expect(FileManager.default.fileExists(atPath: a.simd.path) && FileManager.default.fileExists(atPath: a.scalar.path))
    }

    @Test func missingPiecesSayWhatToInstall() {
        func fails(_ body: () throws(ConvergeError) -> Void, _ words: [String]) {
            do {
                try body()
                Issue.record("expected wasmToolchainMissing")
            } catch {
                #expect(error.code == .wasmToolchainMissing)
                for w in words { #expect(error.message.contains(w), "\(error.message) lacks \(w)") }
            }
        }
        fails({ () throws(ConvergeError) in _ = try WasmBuild.findClang(["CONVERGE_WASM_CLANG": "/nonexistent/clang"]) }, ["/nonexistent/clang", "swift.org", "CONVERGE_WASM_CLANG"])
        fails({ () throws(ConvergeError) in _ = try WasmBuild.findClang(["PATH": ""]) }, ["wasm32", "swift.org"])
        fails({ () throws(ConvergeError) in try WasmBuild.checkWasmLd(beside: URL(fileURLWithPath: "/nonexistent/clang"), ["PATH": ""]) }, ["wasm-ld", "Swift toolchain"])
        fails({ () throws(ConvergeError) in _ = try WasmBuild.findSimde(["CONVERGE_SIMDE_INCLUDE": "/nonexistent"]) }, ["libsimde-dev", "CONVERGE_SIMDE_INCLUDE"])
        fails({ () throws(ConvergeError) in _ = try WasmBuild.sourceRoot(["CONVERGE_SOURCE_ROOT": "/nonexistent"]) }, ["/nonexistent", "CONVERGE_SOURCE_ROOT"])
    }

    @Test func malformedTablesAreRefusedWithTheOffset() throws {
        let graph = try CompiledGraph(Workload.converge(steps: 40))
        let good = graph.tablesBlob()
        func refused(_ blob: [UInt8], _ words: String) {
            do {
                _ = try WasmKitPlanner(graph, flavor: .scalar, options: NativeOptions(), blob: blob)
                Issue.record("a malformed blob was accepted (\(words))")
            } catch {
                #expect(error.code == .kernelFailure && error.message.contains(words), "\(error)")
            }
        }
        var badMagic = good
        badMagic[0] = 0x58
        refused(badMagic, "byte offset 0")
        var badVersion = good
        badVersion[4] = 2
        refused(badVersion, "byte offset 4")
        refused(Array(good.prefix(good.count - 8)), "malformed CKT1")
        refused(Array(good.prefix(20)), "byte offset 0")
        // a table that fails the kernel's own validation: a step's out path beyond the registry
        var badOut = good
        let outAt = 32 + 4 * (graph.pathCount + 1) + 4 * graph.pathPrefixIds.count
        badOut[outAt] = 0xFF; badOut[outAt + 1] = 0xFF; badOut[outAt + 2] = 0xFF
        refused(badOut, "bad tables (table 3, index 0")
    }
}
