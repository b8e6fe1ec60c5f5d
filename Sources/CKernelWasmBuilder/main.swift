// main.swift — CKernelWasmBuilder: compiles CKernel to wasm32 (converge.wasm with SIMD128,
// converge-scalar.wasm without) for the package's build (the CKernelWasm build-tool plugin).
//
//   CKernelWasmBuilder <package root> <output directory> <clang, or ->
//
// Writes converge.wasm, converge-scalar.wasm and wasm-build.txt into the output directory, which
// SwiftPM bundles as ConvergeWasm's resources. When a piece of the toolchain is missing (a clang
// with the wasm32 target, wasm-ld, SIMDe's headers) the build goes on: the modules are left empty
// and wasm-build.txt says `missing: <what to install or set>`, which `WasmBuild.artifacts()`
// throws as `wasmToolchainMissing` when a wasm backend is asked for. A compile error fails the
// build (exit 1, the compiler's output on stderr): the sources are broken, not the machine.
//
// Overrides: CONVERGE_WASM_CLANG (a clang with the wasm32 target; wasm-ld beside it or on PATH),
// CONVERGE_SIMDE_INCLUDE (a directory holding simde/).

import Foundation

let args = CommandLine.arguments
guard args.count == 4 else {
    FileHandle.standardError.write(Data("usage: CKernelWasmBuilder <package root> <output directory> <clang or ->\n".utf8))
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
    "-mbulk-memory", "-mnontrapping-fptoint", "-msign-ext", "-Wall", "-Wextra", "-Werror",
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

/// Runs a program to completion; its exit status and its output (stdout and stderr together).
func run(_ exe: URL, _ arguments: [String]) -> (status: Int32, output: String)? {
    let p = Process()
    p.executableURL = exe
    p.arguments = arguments
    let pipe = Pipe()
    p.standardOutput = pipe
    p.standardError = pipe
    do { try p.run() } catch { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return (p.terminationStatus, String(decoding: data, as: UTF8.self))
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
    for c in candidates where fm.isExecutableFile(atPath: c.path) {
        if let r = run(c, ["--print-targets"]), r.output.contains("wasm32") { return c }
    }
    let tried = candidates.map(\.path).joined(separator: ", ")
    missing("no clang with the wasm32 target (tried \(tried.isEmpty ? "nothing" : tried)): install a Swift 6 toolchain from swift.org (its usr/bin has clang and wasm-ld) and put it on PATH, or set CONVERGE_WASM_CLANG, then rebuild")
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
for (module, simd) in [(modules[0], true), (modules[1], false)] {
    var a = commonFlags
    if simd { a.append("-msimd128") }
    a += ["-isystem", root.appendingPathComponent("CKernel/wasm/libc").path,
          "-I", root.appendingPathComponent("CKernel/include").path,
          "-I", root.appendingPathComponent("CKernel/src/internal").path,
          "-I", inc.path]
    a += sources + ["-o", out.appendingPathComponent(module).path]
    guard let r = run(clang, a) else { missing("\(clang.path) could not be started") }
    if r.status != 0 {
        FileHandle.standardError.write(Data("CKernelWasmBuilder: building \(module) failed (\(clang.path), exit \(r.status)):\n\(r.output)\n".utf8))
        exit(1)
    }
}
try? fm.removeItem(at: inc)
let version = run(clang, ["--version"])?.output.split(separator: "\n").first.map(String.init) ?? "unknown"
write("ok: \(version)\n", to: status)
