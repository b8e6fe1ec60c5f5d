import ConvergeFiles
import ConvergeKernel
import Foundation

/// Which WebAssembly build of CKernel.
public enum WasmFlavor: String, Sendable, CaseIterable {
    /// wasm32 + SIMD128: the bitsets through SIMDe's wasm backend (`converge.wasm`).
    case simd
    /// wasm32 without SIMD (`converge-scalar.wasm`).
    case scalar

    /// The file name in the build cache.
    public var fileName: String { self == .simd ? "converge.wasm" : "converge-scalar.wasm" }
}

/// The WebAssembly builds of CKernel, compiled on first use from the package's own `CKernel/`
/// sources with the Swift toolchain's `clang` and `wasm-ld` into a cache directory (never
/// committed): `<cache>/<key>/converge.wasm` and `converge-scalar.wasm`, where the key hashes the
/// sources, the flags and the compiler's version, so an edit rebuilds and nothing stale is used.
///
/// Environment overrides: `CONVERGE_WASM_CLANG` (a clang with the wasm32 target; `wasm-ld` must
/// be beside it or on PATH), `CONVERGE_SIMDE_INCLUDE` (a directory holding `simde/`),
/// `CONVERGE_SOURCE_ROOT` (a ConvergeKernel checkout), `CONVERGE_WASM_CACHE` (the cache
/// directory; default `$XDG_CACHE_HOME/converge-kernel/wasm` or `~/.cache/converge-kernel/wasm`).
public enum WasmBuild {
    /// The artifacts of one build.
    public struct Artifacts: Sendable {
        public let simd: URL
        public let scalar: URL
        /// The directory both live in.
        public let directory: URL
        /// True when this call compiled them (false: taken from the cache).
        public let compiled: Bool

        public func url(_ flavor: WasmFlavor) -> URL { flavor == .simd ? simd : scalar }
    }

    /// Flags of every build (docs/kernel-abi.md, "WebAssembly"): freestanding, no libc but
    /// CKernel/wasm's own few functions, bulk memory for memset/memcpy, exports named in ck_wasm.c.
    static let commonFlags = [
        "--target=wasm32-unknown-unknown", "-std=c11", "-O3", "-ffreestanding", "-nostdlib", "-nostdlibinc",
        "-mbulk-memory", "-mnontrapping-fptoint", "-msign-ext", "-Wall", "-Wextra", "-Werror",
        "-Wl,--no-entry", "-Wl,-z,stack-size=1048576", "-Wl,--strip-debug",
    ]

    private static let lock = NSLock()
    nonisolated(unsafe) private static var memo: Artifacts?

    /// Returns both builds, compiling them when the cache has none for the current sources.
    /// Safe to call from several processes at once (each writes a temporary file and renames it).
    /// - Throws: `wasmToolchainMissing` (no clang with wasm32, no wasm-ld, no SIMDe headers, no
    ///   sources: the message says what to install or set), `wasmBuildFailed` (the compiler's
    ///   output included).
    public static func artifacts() throws(ConvergeError) -> Artifacts {
        lock.lock()
        defer { lock.unlock() }
        if let memo { return memo }
        let built = try build()
        memo = built
        return built
    }

    static func build(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(ConvergeError) -> Artifacts {
        let root = try sourceRoot(env)
        let clang = try findClang(env)
        try checkWasmLd(beside: clang, env)
        let simde = try findSimde(env)
        let (sources, headers) = try kernelSources(root)
        let version = (try? run(clang, ["--version"]).output) ?? ""
        var key = FNV64()
        key.add(version)
        key.add(commonFlags.joined(separator: " "))
        for file in sources + headers {
            key.add(file.lastPathComponent)
            let data: Data
            do { data = try Files.read(file.path) } catch { throw ConvergeError(.wasmToolchainMissing, error.description) }
            key.add(data)
        }
        let dir = cacheRoot(env).appendingPathComponent(String(format: "%016llx", key.value))
        let simd = dir.appendingPathComponent(WasmFlavor.simd.fileName)
        let scalar = dir.appendingPathComponent(WasmFlavor.scalar.fileName)
        let fm = FileManager.default
        if fm.fileExists(atPath: simd.path) && fm.fileExists(atPath: scalar.path) {
            return Artifacts(simd: simd, scalar: scalar, directory: dir, compiled: false)
        }
        do {
            try fm.createDirectory(at: dir, withIntermediateDirectories: true)
        } catch {
            throw ConvergeError(.wasmBuildFailed, "cannot create the wasm cache directory \(dir.path): \(error.localizedDescription) (set CONVERGE_WASM_CACHE to a writable directory)")
        }
        // SIMDe is reached through a directory holding only a `simde` link, so that no other
        // header of the host's include directory (glibc's) can leak into a freestanding build
        let inc = dir.appendingPathComponent("include-\(ProcessInfo.processInfo.processIdentifier)")
        try? fm.removeItem(at: inc)
        do {
            try fm.createDirectory(at: inc, withIntermediateDirectories: true)
            try fm.createSymbolicLink(at: inc.appendingPathComponent("simde"), withDestinationURL: simde.appendingPathComponent("simde"))
        } catch {
            throw ConvergeError(.wasmBuildFailed, "cannot prepare \(inc.path): \(error.localizedDescription)")
        }
        defer { try? fm.removeItem(at: inc) }
        for (flavor, out) in [(WasmFlavor.simd, simd), (.scalar, scalar)] {
            let tmp = dir.appendingPathComponent("\(flavor.fileName).\(ProcessInfo.processInfo.processIdentifier).tmp")
            var args = commonFlags
            if flavor == .simd { args.append("-msimd128") }
            args += ["-isystem", root.appendingPathComponent("CKernel/wasm/libc").path,
                     "-I", root.appendingPathComponent("CKernel/include").path,
                     "-I", root.appendingPathComponent("CKernel/src/internal").path,
                     "-I", inc.path]
            args += sources.map(\.path)
            args += ["-o", tmp.path]
            let result: (status: Int32, output: String)
            do { result = try run(clang, args, timeout: ChildProcess.timeLimit("CONVERGE_WASM_BUILD_TIMEOUT", default: buildSeconds)) } catch {
                try? fm.removeItem(at: tmp)
                let hint = error.code == .backendFailure ? " (set CONVERGE_WASM_BUILD_TIMEOUT=SECONDS to allow longer)" : ""
                throw ConvergeError(.wasmBuildFailed, "building \(flavor.fileName): \(error.message)\(hint)")
            }
            guard result.status == 0 else {
                try? fm.removeItem(at: tmp)
                throw ConvergeError(.wasmBuildFailed, "building \(flavor.fileName) failed (\(clang.path), exit \(result.status)):\n\(result.output)")
            }
            if fm.fileExists(atPath: out.path) { try? fm.removeItem(at: tmp); continue } // another process won
            if rename(tmp.path, out.path) != 0 {
                try? fm.removeItem(at: tmp)
                if !fm.fileExists(atPath: out.path) {
                    throw ConvergeError(.wasmBuildFailed, "cannot move the build to \(out.path) (errno \(errno))")
                }
            }
        }
        return Artifacts(simd: simd, scalar: scalar, directory: dir, compiled: true)
    }

    // MARK: - locating things

    /// The checkout holding `CKernel/` (this file is `Sources/ConvergeWasm/WasmBuild.swift`).
    public static func sourceRoot(_ env: [String: String] = ProcessInfo.processInfo.environment) throws(ConvergeError) -> URL {
        let candidates: [URL] = env["CONVERGE_SOURCE_ROOT"].map { [URL(fileURLWithPath: $0)] }
            ?? [URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()]
        for c in candidates where FileManager.default.fileExists(atPath: c.appendingPathComponent("CKernel/wasm/ck_wasm.c").path) {
            return c
        }
        throw ConvergeError(.wasmToolchainMissing, "the CKernel sources are not at \(candidates.map(\.path).joined(separator: ", ")) (CKernel/wasm/ck_wasm.c missing): set CONVERGE_SOURCE_ROOT to a ConvergeKernel checkout")
    }

    /// The C files compiled into the module, and the headers they include (both key the cache).
    static func kernelSources(_ root: URL) throws(ConvergeError) -> (compiled: [URL], headers: [URL]) {
        var files: [URL] = []
        for sub in ["CKernel/src", "CKernel/wasm"] {
            let dir = root.appendingPathComponent(sub)
            guard let names = try? FileManager.default.contentsOfDirectory(atPath: dir.path) else {
                throw ConvergeError(.wasmToolchainMissing, "cannot list \(dir.path)")
            }
            files += names.filter { $0.hasSuffix(".c") }.sorted().map { dir.appendingPathComponent($0) }
        }
        // headers take part in the cache key too (they are not compiled on their own)
        var headers: [URL] = []
        for sub in ["CKernel/include", "CKernel/src/internal", "CKernel/wasm/libc"] {
            let dir = root.appendingPathComponent(sub)
            let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
            headers += names.filter { $0.hasSuffix(".h") }.sorted().map { dir.appendingPathComponent($0) }
        }
        return (files, headers)
    }

    static func findClang(_ env: [String: String]) throws(ConvergeError) -> URL {
        var tried: [String] = []
        var candidates: [URL] = []
        if let c = env["CONVERGE_WASM_CLANG"] { candidates.append(URL(fileURLWithPath: c)) }
        else {
            // the clang of the Swift toolchain: beside the `swift` on PATH (symlinks resolved)
            for dir in (env["PATH"] ?? "").split(separator: ":").map(String.init) {
                let swift = URL(fileURLWithPath: dir).appendingPathComponent("swift")
                if FileManager.default.isExecutableFile(atPath: swift.path) {
                    candidates.append(swift.resolvingSymlinksInPath().deletingLastPathComponent().appendingPathComponent("clang"))
                }
                candidates.append(URL(fileURLWithPath: dir).appendingPathComponent("clang"))
            }
        }
        for c in candidates {
            tried.append(c.path)
            guard FileManager.default.isExecutableFile(atPath: c.path) else { continue }
            do {
                if try run(c, ["--print-targets"]).output.contains("wasm32") { return c }
            } catch {
                tried[tried.count - 1] += " (\(error.message))"
            }
        }
        throw ConvergeError(.wasmToolchainMissing, "no clang with the wasm32 target (tried \(tried.isEmpty ? "nothing: PATH is empty" : tried.joined(separator: ", "))): install a Swift 6 toolchain from swift.org (its usr/bin has clang and wasm-ld) and put it on PATH, or set CONVERGE_WASM_CLANG")
    }

    static func checkWasmLd(beside clang: URL, _ env: [String: String]) throws(ConvergeError) {
        var dirs = [clang.deletingLastPathComponent().path]
        dirs += (env["PATH"] ?? "").split(separator: ":").map(String.init)
        for d in dirs where FileManager.default.isExecutableFile(atPath: URL(fileURLWithPath: d).appendingPathComponent("wasm-ld").path) {
            return
        }
        throw ConvergeError(.wasmToolchainMissing, "wasm-ld not found beside \(clang.path) or on PATH: it ships with the Swift toolchain (usr/bin/wasm-ld); install one from swift.org, or LLVM's lld")
    }

    static func findSimde(_ env: [String: String]) throws(ConvergeError) -> URL {
        let candidates = env["CONVERGE_SIMDE_INCLUDE"].map { [$0] } ?? ["/usr/include", "/usr/local/include", "/opt/homebrew/include"]
        for c in candidates where FileManager.default.fileExists(atPath: c + "/simde/wasm/simd128.h") {
            return URL(fileURLWithPath: c)
        }
        throw ConvergeError(.wasmToolchainMissing, "SIMDe headers not found (looked for simde/wasm/simd128.h under \(candidates.joined(separator: ", "))): apt-get install -y libsimde-dev (scripts/bootstrap.sh does), or set CONVERGE_SIMDE_INCLUDE")
    }

    static func cacheRoot(_ env: [String: String]) -> URL {
        if let c = env["CONVERGE_WASM_CACHE"] { return URL(fileURLWithPath: c) }
        if let x = env["XDG_CACHE_HOME"], !x.isEmpty { return URL(fileURLWithPath: x).appendingPathComponent("converge-kernel/wasm") }
        return FileManager.default.homeDirectoryForCurrentUser.appendingPathComponent(".cache/converge-kernel/wasm")
    }

    /// Time limit of one clang run building a module (`CONVERGE_WASM_BUILD_TIMEOUT` replaces it).
    public static let buildSeconds = 600.0
    /// Time limit of a probe (`clang --version`, `git rev-parse`…).
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

/// FNV-1a, 64-bit: the cache key.
struct FNV64 {
    var value: UInt64 = 0xCBF2_9CE4_8422_2325
    mutating func add(_ s: String) { add(Data(s.utf8)); add(Data([0])) }
    mutating func add(_ d: Data) {
        for b in d {
            value ^= UInt64(b)
            value &*= 0x0000_0100_0000_01B3
        }
    }
}
