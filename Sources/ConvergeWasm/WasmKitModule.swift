// WasmKitModule.swift — converge.wasm instantiated in WasmKit with the kernel's two host imports:
// what the WasmKit planner and the WasmKit transaction core both start from.

import CKernel
import ConvergeFiles
import ConvergeKernel
import Foundation
import WasmKit

/// One flavor of converge.wasm (WasmBuild), parsed and instantiated in a store of its own, with
/// the imports the kernel calls: `ckw_now_ns` (the monotonic clock) and `ckw_host_steps` (a batch
/// of computed steps for the host to run).
struct WasmKitModule {
    /// The module file (its name goes into error messages).
    let url: URL
    let engine: Engine
    let store: Store
    let exports: Exports

    /// Reads, parses and instantiates the module.
    /// - Parameter hostSteps: answers `ckw_host_steps(steps, count, tags, values, completed)`
    ///   (addresses in linear memory) with a `CK_HOST_*` status.
    /// - Throws: `io` when the file cannot be read; `backendFailure` ("WasmKit: …") when WasmKit
    ///   refuses the module.
    init(_ flavor: WasmFlavor, hostSteps: @escaping (UInt32, UInt32, UInt32, UInt32, UInt32) -> UInt32) throws(ConvergeError) {
        url = try WasmBuild.artifacts().url(flavor)
        let bytes: Data
        do { bytes = try Files.read(url.path) } catch { throw ConvergeError(.io, error.description) }
        do {
            let module = try parseWasm(bytes: Array(bytes), features: [.referenceTypes, .simd])
            engine = Engine()
            store = Store(engine: engine)
            var imports = Imports()
            // raw host functions: no arrays per call (the core reads the clock in auto mode)
            imports.define(module: "env", name: "ckw_now_ns",
                           Function(store: store, parameters: [], results: [.f64], raw: { _, _, out in
                               out[0] = .f64(Double(DispatchTime.now().uptimeNanoseconds).bitPattern)
                           }))
            imports.define(module: "env", name: "ckw_host_steps",
                           Function(store: store, parameters: [.i32, .i32, .i32, .i32, .i32], results: [.i32], raw: { _, args, out in
                               func arg(_ k: Int) -> UInt32 {
                                   if k < args.count, case .i32(let v) = args[k] { return v }
                                   return 0
                               }
                               out[0] = .i32(hostSteps(arg(0), arg(1), arg(2), arg(3), arg(4)))
                           }))
            exports = try module.instantiate(store: store, imports: imports).exports
        } catch {
            throw ConvergeError(.backendFailure, "WasmKit: \(error)")
        }
    }

    /// The exported function `name`.
    /// - Throws: `backendFailure` naming the module and the missing export.
    func function(_ name: String) throws(ConvergeError) -> Function {
        guard let f = exports[function: name] else { throw missing(name) }
        return f
    }

    /// The exported linear memory.
    func memory() throws(ConvergeError) -> Memory {
        guard let m = exports[memory: "memory"] else { throw missing("memory") }
        return m
    }

    private func missing(_ name: String) -> ConvergeError {
        ConvergeError(.backendFailure, "\(url.lastPathComponent) lacks the export \(name) of the ckw ABI (docs/kernel-abi.md)")
    }
}
