import ConvergeFiles
import ConvergeKernel
import Foundation

/// Which WebAssembly build of CKernel.
public enum WasmFlavor: String, Sendable, CaseIterable {
    /// wasm32 + SIMD128: the bitsets through SIMDe's wasm backend (`converge.wasm`).
    case simd
    /// wasm32 without SIMD (`converge-scalar.wasm`).
    case scalar

    /// The module's file name (in the resource folder).
    public var fileName: String { self == .simd ? "converge.wasm" : "converge-scalar.wasm" }
}

/// The WebAssembly builds of CKernel, compiled by the package's build — the `CKernelWasm`
/// build-tool plugin runs `CKernelWasmBuilder` whenever a kernel source changes — and shipped as
/// ConvergeWasm's resources: `converge.wasm` (SIMD128), `converge-scalar.wasm` and
/// `wasm-build.txt` in the `ConvergeKernel_ConvergeWasm.resources` folder beside the executable.
/// Nothing is compiled at run time. A build on a machine without a wasm toolchain, or whose clang
/// refuses the sources, succeeds; its `wasm-build.txt` says what was missing or what the compiler
/// said, and ``artifacts()`` throws it.
public enum WasmBuild {
    /// The modules of the build.
    public struct Artifacts: Sendable {
        public let simd: URL
        public let scalar: URL
        /// The directory both live in.
        public let directory: URL

        public func url(_ flavor: WasmFlavor) -> URL { flavor == .simd ? simd : scalar }
    }

    /// The resource folder's name (SwiftPM's: package, then target).
    static let bundleName = "ConvergeKernel_ConvergeWasm.resources"

    /// Both modules, from the resource folder beside the executable (looked up by hand: the
    /// generated `Bundle.module` traps on Linux when the folder is missing, a binary copied
    /// elsewhere without it).
    /// - Throws: `wasmToolchainMissing` when the folder is not found, or when the package was built
    ///   without a wasm toolchain (the message says what was missing and what to install);
    ///   `wasmBuildFailed` when the modules did not compile (the compiler's output).
    public static func artifacts() throws(ConvergeError) -> Artifacts {
        try artifacts(in: try resourceFolder())
    }

    /// The resource folder beside the executable (the one holding `wasm-build.txt`).
    /// - Throws: `wasmToolchainMissing` naming where it looked.
    static func resourceFolder() throws(ConvergeError) -> URL {
        var candidates = [Bundle.main.bundleURL.appendingPathComponent(bundleName)]
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath(),
           case let beside = exe.deletingLastPathComponent().appendingPathComponent(bundleName), !candidates.contains(beside) {
            candidates.append(beside)
        }
        guard let dir = candidates.first(where: { FileManager.default.fileExists(atPath: $0.appendingPathComponent("wasm-build.txt").path) }) else {
            throw ConvergeError(.wasmToolchainMissing, "the WebAssembly modules are not beside this program (looked in \(candidates.map(\.path).joined(separator: ", "))): keep the \(bundleName) folder the build wrote beside the executable")
        }
        return dir
    }

    /// The modules of a build's output folder, as its `wasm-build.txt` describes them.
    /// - Throws: `wasmToolchainMissing` with the builder's reason (`missing: …`) or for a folder
    ///   whose modules are absent or empty; `wasmBuildFailed` with the compiler's output
    ///   (`failed: …`).
    static func artifacts(in dir: URL) throws(ConvergeError) -> Artifacts {
        let status = (try? Files.read(dir.appendingPathComponent("wasm-build.txt").path)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        if status.hasPrefix("missing: ") {
            let why = status.dropFirst("missing: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ConvergeError(.wasmToolchainMissing, "the WebAssembly modules were not built with this package: \(why)")
        }
        if status.hasPrefix("failed: ") {
            let why = status.dropFirst("failed: ".count).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ConvergeError(.wasmBuildFailed, "the WebAssembly modules did not compile when this package was built: \(why)")
        }
        let a = Artifacts(simd: dir.appendingPathComponent(WasmFlavor.simd.fileName),
                          scalar: dir.appendingPathComponent(WasmFlavor.scalar.fileName), directory: dir)
        for url in [a.simd, a.scalar] {
            let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? nil
            guard let size, size > 0 else {
                throw ConvergeError(.wasmToolchainMissing, "\(url.path) is missing or empty (\(status.isEmpty ? "no wasm-build.txt" : status.trimmingCharacters(in: .whitespacesAndNewlines))): rebuild the package")
            }
        }
        return a
    }

    // MARK: - locating things

    /// The folder of the JS hosts' scripts (`cli.mjs`, `browser-run.mjs` and the modules they
    /// import): `CONVERGE_SOURCE_ROOT/wasm-host` when that variable is set (a checkout's scripts,
    /// edited without a rebuild), else the resource folder beside the executable (the build copies
    /// them there with the modules), else the checkout this package was built from.
    /// - Throws: `wasmToolchainMissing` naming where it looked.
    public static func hostScripts(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(ConvergeError) -> URL {
        var candidates: [URL] = []
        if let root = env["CONVERGE_SOURCE_ROOT"] {
            candidates = [URL(fileURLWithPath: root).appendingPathComponent("wasm-host")]
        } else {
            if let dir = try? resourceFolder() { candidates.append(dir) }
            candidates.append(checkout.appendingPathComponent("wasm-host"))
        }
        for c in candidates where FileManager.default.fileExists(atPath: c.appendingPathComponent("cli.mjs").path) { return c }
        throw ConvergeError(.wasmToolchainMissing, "the JS hosts are not at \(candidates.map(\.path).joined(separator: ", ")) (cli.mjs missing): keep the \(bundleName) folder beside the executable, or set CONVERGE_SOURCE_ROOT to a ConvergeKernel checkout")
    }

    /// The checkout this package was built from (this file is `Sources/ConvergeWasm/WasmBuild.swift`;
    /// `CONVERGE_SOURCE_ROOT` replaces it): where the report's `meta.git` is read. A moved binary's
    /// may not exist; git then says so and the report has no `meta.git`.
    public static func sourceRoot(_ env: [String: String] = ProcessInfo.processInfo.environment) -> URL {
        env["CONVERGE_SOURCE_ROOT"].map { URL(fileURLWithPath: $0) } ?? checkout
    }

    private static var checkout: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Time limit of a probe (`git rev-parse`…).
    public static let probeSeconds = 60.0

    /// Runs a program to completion (stdout and stderr together) in its own process group,
    /// killed with its group after `timeout` seconds (``ChildProcess``).
    /// - Throws: `wasmToolchainMissing` when it cannot start; `backendFailure` when it was
    ///   killed by a signal or ran out of time (the message names the program and the limit).
    public static func run(_ exe: URL, _ args: [String], timeout: Double = probeSeconds) throws(ConvergeError) -> (status: Int32, output: String) {
        let r: ChildProcess.Result
        do { r = try ChildProcess.run(exe, args, timeout: timeout, mergeStderr: true) } catch {
            throw ConvergeError(.wasmToolchainMissing, error.description)
        }
        guard case .exited(let status) = r.termination else {
            throw ConvergeError(.backendFailure, "\(exe.path) \(args.first ?? "") \(r.termination.description)")
        }
        return (status, String(decoding: r.stdout, as: UTF8.self))
    }
}
