// Backend.swift — one vocabulary for where and how a converge kernel runs: host × level × wasm
// flavor, with one canonical name.

import ConvergeKernel

/// Where and how a converge kernel runs: the host (this process, WasmKit, V8 in Node, headless
/// Chromium), the ``ExecutionLevel`` (L0–L4) and, for CKernel's WebAssembly builds, the
/// ``WasmFlavor``. One value names a backend everywhere: `converge bench`'s `kernelBackend` axis
/// and reports (``name``: `native-l3`, `wasm-v8-l2`, `js-v8`), the CLI's `--backend`, and the JS
/// hosts' protocol (``hostLevel``: `l2-wasm-simd`, ``planName``: `wasm-v8-simd`).
///
/// L0 is the pure kernel of its host: the Swift planner and executor in this process
/// (`portable`), the JS kernel in V8 or Chromium (`js-v8`, `js-chromium`). L1–L4 run CKernel:
/// native code in this process, a wasm build elsewhere.
public struct Backend: Hashable, Sendable, CustomStringConvertible {
    /// Where the kernel runs.
    public enum Host: String, Sendable, CaseIterable {
        /// This process: Swift (L0) or CKernel's native code (L1–L4).
        case process
        /// This process, CKernel's wasm build interpreted by WasmKit.
        case wasmKit
        /// V8 in a Node child process (wasm-host/cli.mjs).
        case v8
        /// Headless Chromium (wasm-host/browser-run.mjs).
        case chromium
    }

    public let host: Host
    public let level: ExecutionLevel
    /// CKernel's wasm build (nil: in this process, or the JS kernel at L0).
    public let flavor: WasmFlavor?

    /// A backend; nil for a combination that does not exist (L5, a level above L0 without a wasm
    /// build outside this process, a wasm build in this process, the JS kernel above L0).
    public init?(host: Host, level: ExecutionLevel, flavor: WasmFlavor? = nil) {
        guard level != .l5 else { return nil }
        switch host {
        case .process: guard flavor == nil else { return nil }
        case .wasmKit: guard flavor != nil, level != .l0 else { return nil }
        case .v8, .chromium: guard (level == .l0) == (flavor == nil) else { return nil }
        }
        self.host = host
        self.level = level
        self.flavor = flavor
    }

    /// For the named backends below, whose combinations are valid by construction.
    private init(_ host: Host, _ level: ExecutionLevel, _ flavor: WasmFlavor?) {
        self.host = host
        self.level = level
        self.flavor = flavor
    }

    /// The canonical name: `portable`, `native-l1`…`native-l4`; `wasm-wasmkit`, `wasm-v8`,
    /// `wasm-chromium` at L1 and `-l2`…`-l4` after them, `-scalar` for the scalar build;
    /// `js-v8`, `js-chromium`.
    public var name: String {
        let n = level.rawValue.dropFirst()   // "1" of "l1"
        switch host {
        case .process: return level == .l0 ? "portable" : "native-l\(n)"
        case .wasmKit, .v8, .chromium:
            let place = host == .wasmKit ? "wasmkit" : host.rawValue
            guard let flavor else { return "js-\(place)" }
            return "wasm-\(place)" + (level == .l1 ? "" : "-l\(n)") + (flavor == .scalar ? "-scalar" : "")
        }
    }

    public var description: String { name }

    /// The backend of a canonical name, any combination (nil: no such name).
    public init?(name: String) {
        guard let b = Self.all.first(where: { $0.name == name }) else { return nil }
        self = b
    }

    /// Every backend there is.
    public static let all: [Backend] = Host.allCases.flatMap { host in
        [ExecutionLevel.l0, .l1, .l2, .l3, .l4].flatMap { level in
            [nil, WasmFlavor.simd, .scalar].compactMap { Backend(host: host, level: level, flavor: $0) }
        }
    }

    /// CKernel's native code in this process (L1–L4): the upper bound the others are measured
    /// against (`portable`, L0 in Swift, is a host baseline like the JS kernel).
    public var isNative: Bool { host == .process && level != .l0 }
    /// True when the level loads the graph's bytecode without an artifact (L3).
    public var loadsCode: Bool { level == .l3 }
    /// True when the kernel comes from the graph's AOT artifact with its state layout (L4).
    public var loadsArtifact: Bool { level == .l4 }

    /// The level as the JS hosts (Node and the browser page) name it: `l0-js`, `l1-wasm-simd`,
    /// `l3-wasm-scalar`; nil outside V8 and Chromium.
    public var hostLevel: String? {
        guard host == .v8 || host == .chromium else { return nil }
        guard let flavor else { return "l0-js" }
        return "\(level.rawValue)-wasm-\(flavor.rawValue)"
    }

    /// The plan-only backend as the Node host names it (`NodeHost.plan`): `wasm-v8-simd`,
    /// `wasm-v8-scalar`, `js-v8`; nil for the backends that do not plan alone in V8 (L1 and L0
    /// in V8 do).
    public var planName: String? {
        guard host == .v8, level == .l0 || level == .l1 else { return nil }
        return flavor.map { "wasm-v8-\($0.rawValue)" } ?? "js-v8"
    }
}

extension Backend {
    /// `portable`: the pure-Swift planner and executor in this process (L0).
    public static let portable = Backend(.process, .l0, nil)
    /// `js-v8`: the pure-JS kernel in V8 (L0).
    public static let jsV8 = Backend(.v8, .l0, nil)
    /// `js-chromium`: the pure-JS kernel in headless Chromium (L0).
    public static let jsChromium = Backend(.chromium, .l0, nil)

    /// `native-l1`…`native-l4`: CKernel's native code in this process.
    /// - Precondition: `level` is L1–L4 (L0 in this process is ``portable``).
    public static func native(_ level: ExecutionLevel) -> Backend {
        precondition(level != .l0 && level != .l5, "native backends run L1–L4")
        return Backend(.process, level, nil)
    }

    /// CKernel's wasm build `flavor` in `host` at `level`: `wasm(.v8, .l2)` is `wasm-v8-l2`,
    /// `wasm(.wasmKit, .l1)` is `wasm-wasmkit`, `wasm(.v8, .l3, .scalar)` is `wasm-v8-l3-scalar`.
    /// - Precondition: `host` is not ``Host/process`` and `level` is L1–L4.
    public static func wasm(_ host: Host, _ level: ExecutionLevel, _ flavor: WasmFlavor = .simd) -> Backend {
        precondition(host != .process && level != .l0 && level != .l5, "wasm backends run L1–L4 outside this process")
        return Backend(host, level, flavor)
    }

    /// Every level the Node host runs transactions at: the JS kernel, then L1–L4 per wasm build.
    public static let v8Levels: [Backend] = all.filter { $0.host == .v8 }

    /// The plan-only backends of the Node host: the SIMD and scalar wasm builds at L1, and the
    /// JS kernel.
    public static let v8PlanBackends: [Backend] = [.wasm(.v8, .l1), .wasm(.v8, .l1, .scalar), .jsV8]
}
