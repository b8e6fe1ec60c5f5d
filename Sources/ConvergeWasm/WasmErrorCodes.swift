// WasmErrorCodes.swift — the error codes of the WebAssembly and JS backends (ConvergeError's codes
// are an open set; the kernel's own are in ConvergeKernel).

import ConvergeKernel

extension ConvergeError.Code {
    /// A WebAssembly or JS backend cannot run here: no clang with the wasm32 target, no
    /// wasm-ld, no SIMDe headers, no `node`, no Chromium (the message says what to install or set).
    public static let wasmToolchainMissing = ConvergeError.Code("wasmToolchainMissing", words: "wasm toolchain missing")
    /// The WebAssembly kernel did not compile when the package was built (the compiler's output
    /// is in the message; the package's build itself succeeded).
    public static let wasmBuildFailed = ConvergeError.Code("wasmBuildFailed", words: "wasm build failed")
    /// A WebAssembly or JS backend failed while running: a trap, a malformed reply from the
    /// host process, an instantiation error (the message has the cause).
    public static let backendFailure = ConvergeError.Code("backendFailure", words: "backend failure")

    /// The codes ConvergeWasm adds to ``ConvergeError/Code/kernelCodes``.
    public static let wasmCodes: [ConvergeError.Code] = [.wasmToolchainMissing, .wasmBuildFailed, .backendFailure]
}
