// plugin.swift — the CKernelWasm build-tool plugin: CKernel compiled to wasm32 by the package's
// build (CKernelWasmBuilder) and the JS hosts, bundled as ConvergeWasm's resources.

import Foundation
import PackagePlugin

/// Compiles `CKernel/` to `converge.wasm` (SIMD128) and `converge-scalar.wasm` whenever a kernel
/// source changes; the modules and `wasm-build.txt` (what was built, or what is missing) become
/// ConvergeWasm's resources, which `WasmBuild.artifacts()` reads. A second command copies the JS
/// hosts (`wasm-host/*.mjs`, `*.html`) there too (`WasmBuild.hostScripts()`), so the V8 and
/// Chromium backends of a built program need no checkout. A missing wasm toolchain or a
/// failed compile does not fail the build (the native library works without them): the builder
/// records why, and the wasm backends throw it.
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
        // What the builder will find: a change (SIMDe or wasm-ld installed, an override set)
        // changes the command, so SwiftPM runs it again instead of keeping a `missing:` build.
        let env = ProcessInfo.processInfo.environment
        let fm = FileManager.default
        var state: [String] = []
        for key in ["CONVERGE_WASM_CLANG", "CONVERGE_SIMDE_INCLUDE", "CONVERGE_WASM_BUILD_TIMEOUT"] {
            state.append("\(key)=\(env[key] ?? "")")
        }
        let simdeDirs = env["CONVERGE_SIMDE_INCLUDE"].map { [$0] } ?? ["/usr/include", "/usr/local/include", "/opt/homebrew/include"]
        state.append("simde=" + (simdeDirs.first { fm.fileExists(atPath: $0 + "/simde/wasm/simd128.h") } ?? "none"))
        var dirs = (env["PATH"] ?? "").split(separator: ":").map(String.init)
        if clang != "-" { dirs.insert(URL(fileURLWithPath: clang).deletingLastPathComponent().path, at: 0) }
        state.append("clang=" + (dirs.first { fm.isExecutableFile(atPath: $0 + "/clang") } ?? "none"))
        state.append("wasm-ld=" + (dirs.first { fm.isExecutableFile(atPath: $0 + "/wasm-ld") } ?? "none"))
        // the JS hosts (wasm-host/: node's and the browser page's scripts, one flat folder:
        // SwiftPM bundles a plugin's outputs flat), copied beside the modules
        let jsRoot = root.appending(path: "wasm-host")
        let jsFiles = ((try? fm.contentsOfDirectory(atPath: jsRoot.path)) ?? [])
            .filter { $0.hasSuffix(".mjs") || $0.hasSuffix(".html") }.sorted()
        let jsOut = out.appending(path: "wasm-host")
        let copyHosts: Command = .buildCommand(
            displayName: "Copying the JS hosts (wasm-host/)",
            executable: try context.tool(named: "CKernelWasmBuilder").url,
            arguments: ["--copy", jsRoot.path, jsOut.path] + jsFiles,
            inputFiles: jsFiles.map { jsRoot.appending(path: $0) },
            outputFiles: jsFiles.map { jsOut.appending(path: $0) })
        return [copyHosts, .buildCommand(
            displayName: "Compiling CKernel to wasm32 (converge.wasm, converge-scalar.wasm)",
            executable: try context.tool(named: "CKernelWasmBuilder").url,
            arguments: [root.path, out.path, clang, state.joined(separator: ";")],
            inputFiles: inputs,
            outputFiles: ["converge.wasm", "converge-scalar.wasm", "wasm-build.txt"].map { out.appending(path: $0) })]
    }
}
