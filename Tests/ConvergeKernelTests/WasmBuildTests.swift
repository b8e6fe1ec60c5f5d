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
            _ = try WasmBuild.hostScripts(["CONVERGE_SOURCE_ROOT": "/nonexistent"])
            Issue.record("a source root without wasm-host/ was accepted")
        } catch {
            #expect(error.code == .wasmToolchainMissing && error.message.contains("CONVERGE_SOURCE_ROOT"))
        }
    }

    /// The build copies the JS hosts beside the modules: without CONVERGE_SOURCE_ROOT the V8 and
    /// Chromium backends run the copies, so a built program needs no checkout.
    @Test func theBuildShipsTheJSHosts() throws {
        let dir = try WasmBuild.hostScripts([:])
        #expect(dir.standardizedFileURL == (try WasmBuild.artifacts()).directory.standardizedFileURL, "\(dir.path)")
        let source = WasmBuild.sourceRoot([:]).appendingPathComponent("wasm-host")
        let shipped = try FileManager.default.contentsOfDirectory(atPath: source.path).filter { $0.hasSuffix(".mjs") || $0.hasSuffix(".html") }
        #expect(shipped.contains("cli.mjs") && shipped.contains("browser-run.mjs"))
        for name in shipped {
            #expect(FileManager.default.contentsEqual(atPath: dir.appendingPathComponent(name).path, andPath: source.appendingPathComponent(name).path), "\(name)")
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

    @Test func aDamagedTablesArtifactIsRefusedAsTheNativeLoaderRefusesIt() throws {
        // every wasm kernel is made from an artifact (a graph's tables artifact here): the module's
        // loader is the native one compiled to wasm, and its refusal reads the same
        let graph = try CompiledGraph(Workload.converge(steps: 40))
        let good = graph.tablesArtifact()
        _ = try WasmKitPlanner(graph, flavor: .scalar, options: NativeOptions(), artifact: good)
        func refused(_ bytes: [UInt8], _ what: String) {
            var native: ConvergeError?
            do { _ = try Artifact(bytes: bytes) } catch { native = error }
            do {
                _ = try WasmKitPlanner(graph, flavor: .scalar, options: NativeOptions(), artifact: bytes)
                Issue.record("a damaged artifact was accepted (\(what))")
            } catch {
                #expect(native != nil, "the native loader accepted it (\(what))")
                #expect(error.code == native?.code && error.message == native?.message, "\(what): wasm \(error); native \(String(describing: native))")
            }
        }
        var badMagic = good
        badMagic[0] = 0x58
        refused(badMagic, "magic")
        refused(Array(good.prefix(good.count - 8)), "truncated")
        refused(Array(good.prefix(20)), "a piece of the header")
        // a bit of step_out_path (section 3): its checksum no longer holds
        var flipped = good
        let entry = 64 + 2 * 40
        flipped[Int(flipped[entry + 8]) | Int(flipped[entry + 9]) << 8] ^= 0x40
        refused(flipped, "checksum")
    }
}
