// main.swift — CKernelWasmBuilder: compiles CKernel to wasm32 (converge.wasm with SIMD128,
// converge-scalar.wasm without) for the package's build (the CKernelWasm build-tool plugin).
//
//   CKernelWasmBuilder <package root> <output directory> <clang, or -> [<toolchain state>]
//   CKernelWasmBuilder --copy <wasm-host directory> <output directory> <file>…
//
// Writes converge.wasm, converge-scalar.wasm and wasm-build.txt into the output directory, which
// SwiftPM bundles as ConvergeWasm's resources. The package's build never fails here — the native
// library needs no wasm, and a package depending on this one must build with whatever clang and
// SIMDe its machine has:
// - a piece of the toolchain missing (a clang with the wasm32 target, wasm-ld, SIMDe's headers):
//   the modules are left empty and wasm-build.txt says `missing: <what to install or set>`, which
//   `WasmBuild.artifacts()` throws as `wasmToolchainMissing` when a wasm backend is asked for;
// - a compile error (or clang running over its time limit): `failed: <the compiler's output>`,
//   thrown as `wasmBuildFailed`. CI compiles the same sources with -Werror (scripts/check-c.sh).
// The plugin passes a description of the toolchain it sees (the last argument, unused here), so
// installing a missing piece or changing an override changes the command and reruns it.
//
// Overrides: CONVERGE_WASM_CLANG (a clang with the wasm32 target; wasm-ld beside it or on PATH),
// CONVERGE_SIMDE_INCLUDE (a directory holding simde/), CONVERGE_WASM_BUILD_TIMEOUT (seconds per
// module, default 600).

import Foundation

let args = CommandLine.arguments
// `CKernelWasmBuilder --copy <source directory> <output directory> <file>…`: the JS hosts' files
// (wasm-host/, flat), copied as they are beside the modules (the plugin's second command)
if args.count >= 4 && args[1] == "--copy" {
    let from = URL(fileURLWithPath: args[2]), to = URL(fileURLWithPath: args[3])
    do {
        try FileManager.default.createDirectory(at: to, withIntermediateDirectories: true)
        for name in args.dropFirst(4) {
            let dst = to.appendingPathComponent(name)
            try? FileManager.default.removeItem(at: dst)
            try FileManager.default.copyItem(at: from.appendingPathComponent(name), to: dst)
        }
    } catch {
        FileHandle.standardError.write(Data("CKernelWasmBuilder: cannot copy the JS hosts: \(error)\n".utf8))
        exit(1)
    }
    exit(0)
}
guard args.count == 4 || args.count == 5 else {
    FileHandle.standardError.write(Data("usage: CKernelWasmBuilder <package root> <output directory> <clang or -> [<toolchain state>]\n".utf8))
    exit(2)
}
let root = URL(fileURLWithPath: args[1])
let out = URL(fileURLWithPath: args[2])
let toolchainClang = args[3] == "-" ? nil : URL(fileURLWithPath: args[3])
let env = ProcessInfo.processInfo.environment
let fm = FileManager.default
let modules = ["converge.wasm", "converge-scalar.wasm"]
let status = out.appendingPathComponent("wasm-build.txt")

/// Flags of every build (docs/kernel-abi.md, "WebAssembly"): freestanding, no libc but
/// CKernel/wasm's own few functions, bulk memory for memset/memcpy, exports named in ck_wasm.c.
let commonFlags = [
    "--target=wasm32-unknown-unknown", "-std=c11", "-O3", "-ffreestanding", "-nostdlib", "-nostdlibinc",
    "-mbulk-memory", "-mnontrapping-fptoint", "-msign-ext", "-Wall", "-Wextra",
    "-Wl,--no-entry", "-Wl,-z,stack-size=1048576", "-Wl,--strip-debug",
]

func write(_ text: String, to url: URL) {
    do { try Data(text.utf8).write(to: url) } catch {
        FileHandle.standardError.write(Data("CKernelWasmBuilder: cannot write \(url.path): \(error)\n".utf8))
        exit(1)
    }
}

/// The toolchain lacks a piece: empty modules and the reason, and the build goes on.
func missing(_ why: String) -> Never {
    for m in modules { write("", to: out.appendingPathComponent(m)) }
    write("missing: \(why)\n", to: status)
    exit(0)
}

/// The compile failed: empty modules, the compiler's output, and the build goes on.
func failed(_ why: String) -> Never {
    for m in modules { write("", to: out.appendingPathComponent(m)) }
    write("failed: \(why)\n", to: status)
    FileHandle.standardError.write(Data("warning: CKernelWasmBuilder: the wasm modules did not compile: \(why)\n".utf8))
    exit(0)
}

/// Runs a program to completion, killed after `timeout` seconds; its exit status (nil: killed)
/// and its output (stdout and stderr together). Nil when it cannot start.
func run(_ exe: URL, _ arguments: [String], timeout: Double = 60) -> (status: Int32?, output: String)? {
    let p = Process()
    p.executableURL = exe
    p.arguments = arguments
    let output = FileManager.default.temporaryDirectory.appendingPathComponent("ckwb-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
    guard FileManager.default.createFile(atPath: output.path, contents: nil), let h = try? FileHandle(forWritingTo: output) else { return nil }
    defer { try? FileManager.default.removeItem(at: output) }
    p.standardOutput = h
    p.standardError = h
    do { try p.run() } catch { return nil }
    let deadline = Date().addingTimeInterval(timeout)
    while p.isRunning && Date() < deadline { usleep(20_000) }
    var killed = false
    if p.isRunning { p.terminate(); killed = true }
    p.waitUntilExit()
    try? h.close()
    return (killed ? nil : p.terminationStatus, readText(output.path))
}

/// A file's text, read with stdio: Foundation's file reading leaks a buffer that LeakSanitizer
/// reports, and this tool runs inside sanitized builds (`swift build --sanitize=address`).
func readText(_ path: String) -> String {
    guard let f = fopen(path, "r") else { return "" }
    defer { fclose(f) }
    var bytes: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 1 << 16)
    while true {
        let n = fread(&buffer, 1, buffer.count, f)
        if n <= 0 { break }
        bytes += buffer[0..<n]
    }
    return String(decoding: bytes, as: UTF8.self)
}

/// A clang with the wasm32 target: CONVERGE_WASM_CLANG, else the toolchain's, else one on PATH.
func findClang() -> URL {
    var candidates: [URL] = []
    if let c = env["CONVERGE_WASM_CLANG"] { candidates.append(URL(fileURLWithPath: c)) } else {
        if let toolchainClang { candidates.append(toolchainClang) }
        for dir in (env["PATH"] ?? "").split(separator: ":") {
            candidates.append(URL(fileURLWithPath: String(dir)).appendingPathComponent("clang"))
        }
    }
    var tried: [String] = []
    for c in candidates {
        guard fm.isExecutableFile(atPath: c.path) else { tried.append("\(c.path) (not found)"); continue }
        guard let r = run(c, ["--print-targets"]) else { tried.append("\(c.path) (cannot start)"); continue }
        if r.output.contains("wasm32") { return c }
        tried.append("\(c.path) (no wasm32 target)")
    }
    let list = tried.joined(separator: ", ")
    missing("no clang with the wasm32 target (tried \(list.isEmpty ? "nothing" : list)): install a Swift 6 toolchain from swift.org (its usr/bin has clang and wasm-ld) and put it on PATH, or set CONVERGE_WASM_CLANG, then rebuild")
}

let clang = findClang()
let ldDirs = [clang.deletingLastPathComponent().path] + (env["PATH"] ?? "").split(separator: ":").map(String.init)
if !ldDirs.contains(where: { fm.isExecutableFile(atPath: URL(fileURLWithPath: $0).appendingPathComponent("wasm-ld").path) }) {
    missing("wasm-ld not found beside \(clang.path) or on PATH: it ships with the Swift toolchain (usr/bin/wasm-ld); install one from swift.org, or LLVM's lld, then rebuild")
}
let simdeCandidates = env["CONVERGE_SIMDE_INCLUDE"].map { [$0] } ?? ["/usr/include", "/usr/local/include", "/opt/homebrew/include"]
guard let simde = simdeCandidates.first(where: { fm.fileExists(atPath: $0 + "/simde/wasm/simd128.h") }) else {
    missing("SIMDe headers not found (looked for simde/wasm/simd128.h under \(simdeCandidates.joined(separator: ", "))): apt-get install -y libsimde-dev (scripts/bootstrap.sh does), or set CONVERGE_SIMDE_INCLUDE, then rebuild")
}

// The C files compiled into the module.
var sources: [String] = []
for sub in ["CKernel/src", "CKernel/wasm"] {
    let dir = root.appendingPathComponent(sub)
    guard let names = try? fm.contentsOfDirectory(atPath: dir.path) else {
        FileHandle.standardError.write(Data("CKernelWasmBuilder: cannot list \(dir.path)\n".utf8))
        exit(1)
    }
    sources += names.filter { $0.hasSuffix(".c") }.sorted().map { dir.appendingPathComponent($0).path }
}

// SIMDe is reached through a directory holding only a `simde` link, so that no other header of
// the host's include directory (glibc's) can leak into a freestanding build.
let inc = out.appendingPathComponent("include")
try? fm.removeItem(at: inc)
do {
    try fm.createDirectory(at: inc, withIntermediateDirectories: true)
    try fm.createSymbolicLink(at: inc.appendingPathComponent("simde"), withDestinationURL: URL(fileURLWithPath: simde).appendingPathComponent("simde"))
} catch {
    FileHandle.standardError.write(Data("CKernelWasmBuilder: cannot prepare \(inc.path): \(error)\n".utf8))
    exit(1)
}
let seconds = env["CONVERGE_WASM_BUILD_TIMEOUT"].flatMap(Double.init) ?? 600
for (module, simd) in [(modules[0], true), (modules[1], false)] {
    var a = commonFlags
    if simd { a.append("-msimd128") }
    a += ["-isystem", root.appendingPathComponent("CKernel/wasm/libc").path,
          "-I", root.appendingPathComponent("CKernel/include").path,
          "-I", root.appendingPathComponent("CKernel/src/internal").path,
          "-I", inc.path]
    a += sources + ["-o", out.appendingPathComponent(module).path]
    guard let r = run(clang, a, timeout: seconds) else { missing("\(clang.path) could not be started") }
    guard let code = r.status else {
        failed("building \(module): \(clang.path) did not finish within \(Int(seconds)) s and was killed (set CONVERGE_WASM_BUILD_TIMEOUT=SECONDS to allow longer)")
    }
    if code != 0 { failed("building \(module) failed (\(clang.path), exit \(code)):\n\(r.output)") }
}
try? fm.removeItem(at: inc)
let version = run(clang, ["--version"])?.output.split(separator: "\n").first.map(String.init) ?? "unknown"
write("ok: \(version)\n", to: status)
