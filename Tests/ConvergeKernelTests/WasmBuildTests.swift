import ConvergeBench
import ConvergeKernelTestSupport
import Foundation
import Testing
@testable import ConvergeKernel
@testable import ConvergeWasm

/// The wasm builds: compiled from CKernel/ by the package's build (the CKernelWasm plugin runs
/// CKernelWasmBuilder) into ConvergeWasm's resources; a machine without a wasm toolchain still
/// builds, and the wasm backends then throw what to install; the module refuses malformed tables
/// with the offending offset.
@Suite struct WasmBuildTests {
    @Test func theBuildShipsBothModules() throws {
        let a = try WasmBuild.artifacts()
        for url in [a.simd, a.scalar] {
            let bytes = try #require(FileManager.default.contents(atPath: url.path))
            #expect(bytes.prefix(4) == Data([0, 0x61, 0x73, 0x6D]), "\(url.path) is not a wasm module")
        }
        #expect(a.simd.lastPathComponent == "converge.wasm" && a.scalar.lastPathComponent == "converge-scalar.wasm")
        let status = try String(contentsOf: a.directory.appendingPathComponent("wasm-build.txt"), encoding: .utf8)
        #expect(status.hasPrefix("ok: "), "\(status)")
    }

    /// The builder the plugin runs, beside the test executable (SwiftPM names a plugin's tool
    /// `<name>-tool`).
    static func builder() throws -> URL {
        var dirs = [Bundle.main.bundleURL]
        if let exe = Bundle.main.executableURL?.resolvingSymlinksInPath() { dirs.append(exe.deletingLastPathComponent()) }
        for d in dirs {
            for name in ["CKernelWasmBuilder-tool", "CKernelWasmBuilder"] where FileManager.default.isExecutableFile(atPath: d.appendingPathComponent(name).path) {
                return d.appendingPathComponent(name)
            }
        }
        throw ConvergeError(.io, "CKernelWasmBuilder not found in \(dirs.map(\.path))")
    }

    /// Runs the builder on `root` into a fresh folder with `env`; its exit status, stderr and folder.
    static func runBuilder(root: URL = GoldenFile.packageRoot(), env: [String: String]) throws -> (status: Int32, stderr: String, out: URL) {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("ck-wasm-build-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let p = Process()
        p.executableURL = try builder()
        p.arguments = [root.path, out.path, "-"]
        p.environment = env
        let err = Pipe()
        p.standardError = err
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let data = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self), out)
    }

    /// Runs the builder, which must not fail the build, and expects its folder to throw `code`
    /// with every one of `words` in the message.
    static func expectRecorded(_ code: ConvergeError.Code, _ words: [String], root: URL = GoldenFile.packageRoot(),
                               env: [String: String]) throws {
        let r = try runBuilder(root: root, env: env)
        defer { try? FileManager.default.removeItem(at: r.out) }
        #expect(r.status == 0, "the build failed: \(r.stderr)")
        do {
            _ = try WasmBuild.artifacts(in: r.out)
            Issue.record("expected \(code) for \(env)")
        } catch {
            #expect(error.code == code, "\(error)")
            for w in words { #expect(error.message.contains(w), "\(error.message) lacks \(w)") }
        }
    }

    @Test func missingPiecesSayWhatToInstallAndTheBuildGoesOn() throws {
        let realPath = ProcessInfo.processInfo.environment["PATH"] ?? ""
        func missing(_ env: [String: String], _ words: [String]) throws {
            try Self.expectRecorded(.wasmToolchainMissing, words, env: env)
        }
        try missing(["CONVERGE_WASM_CLANG": "/nonexistent/clang", "PATH": realPath], ["/nonexistent/clang", "swift.org", "CONVERGE_WASM_CLANG", "rebuild"])
        try missing(["PATH": ""], ["wasm32", "swift.org"])
        try missing(["CONVERGE_SIMDE_INCLUDE": "/nonexistent", "PATH": realPath], ["libsimde-dev", "CONVERGE_SIMDE_INCLUDE"])
        // a clang with wasm32 but no wasm-ld beside it or on PATH
        if let clang = realPath.split(separator: ":").map({ URL(fileURLWithPath: String($0)).appendingPathComponent("clang") })
            .first(where: { FileManager.default.isExecutableFile(atPath: $0.path) }) {
            let lone = FileManager.default.temporaryDirectory.appendingPathComponent("ck-lone-clang-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: lone, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: lone) }
            try FileManager.default.createSymbolicLink(at: lone.appendingPathComponent("clang"), withDestinationURL: clang.resolvingSymlinksInPath())
            try missing(["CONVERGE_WASM_CLANG": lone.appendingPathComponent("clang").path, "PATH": ""], ["wasm-ld", "Swift toolchain"])
        }
        do {
            _ = try WasmBuild.sourceRoot(["CONVERGE_SOURCE_ROOT": "/nonexistent"])
            Issue.record("a source root without wasm-host/ was accepted")
        } catch {
            #expect(error.code == .wasmToolchainMissing && error.message.contains("CONVERGE_SOURCE_ROOT"))
        }
    }

    /// A kernel source clang refuses does not fail the package's build either (a dependent's build
    /// must not break on its machine's clang): the compiler's output is recorded and thrown as
    /// `wasmBuildFailed` when a wasm backend is asked for.
    @Test func aCompileErrorIsRecordedNotFatal() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("ck-broken-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: root) }
        for sub in ["CKernel/src/internal", "CKernel/include", "CKernel/wasm/libc"] {
            try FileManager.default.createDirectory(at: root.appendingPathComponent(sub), withIntermediateDirectories: true)
        }
        try Data("#error this kernel source is broken\n".utf8).write(to: root.appendingPathComponent("CKernel/src/broken.c"))
        try Self.expectRecorded(.wasmBuildFailed, ["this kernel source is broken", "building converge.wasm failed"], root: root,
                                env: ProcessInfo.processInfo.environment)
    }

    @Test func aFolderWithoutModulesIsATypedError() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("ck-wasm-empty-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: ConvergeError.self) { _ = try WasmBuild.artifacts(in: dir) }
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
