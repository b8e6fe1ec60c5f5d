// plugin.swift — the CKernelWasm build-tool plugin: CKernel compiled to wasm32 by the package's
// build (CKernelWasmBuilder), bundled as ConvergeWasm's resources.

import Foundation
import PackagePlugin

/// Compiles `CKernel/` to `converge.wasm` (SIMD128) and `converge-scalar.wasm` whenever a kernel
/// source changes; the modules and `wasm-build.txt` (what was built, or what is missing) become
/// ConvergeWasm's resources, which `WasmBuild.artifacts()` reads. A missing wasm toolchain does
/// not fail the build: the native library works without it.
@main struct CKernelWasm: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let root = context.package.directoryURL
        var inputs: [URL] = []
        for sub in ["CKernel/src", "CKernel/src/internal", "CKernel/include", "CKernel/wasm", "CKernel/wasm/libc"] {
            let dir = root.appending(path: sub)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            inputs += names.filter { $0.hasSuffix(".c") || $0.hasSuffix(".h") }.sorted().map { dir.appending(path: $0) }
        }
        let out = context.pluginWorkDirectoryURL
        // the toolchain's clang, when the toolchain has one (it targets wasm32)
        let clang = (try? context.tool(named: "clang"))?.url.path ?? "-"
        return [.buildCommand(
            displayName: "Compiling CKernel to wasm32 (converge.wasm, converge-scalar.wasm)",
            executable: try context.tool(named: "CKernelWasmBuilder").url,
            arguments: [root.path, out.path, clang],
            inputFiles: inputs,
            outputFiles: ["converge.wasm", "converge-scalar.wasm", "wasm-build.txt"].map { out.appending(path: $0) })]
    }
}
