// WasmKitModule.swift — converge.wasm instantiated in WasmKit with the kernel's two host imports:
// what the WasmKit planner and the WasmKit transaction core both start from.

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

    /// Makes the kernel in linear memory: `bytes` (an AOT artifact: a user's file, or a graph's
    /// ``CompiledGraph/tablesArtifact()``) copied in, `ckw_open_artifact` with `loadFlags`, the
    /// copy freed. Returns the address of the kernel's layout record (docs/kernel-abi.md).
    /// - Throws: the kernel's refusal as ``Artifact``'s errors (section and byte offset, or the
    ///   status with its table, index and value); a trap as WasmKit's error.
    func createKernel(artifact bytes: [UInt8], options: NativeOptions, loadFlags: UInt32 = 0) throws -> UInt32 {
        let memory = try memory(), free = try function("ckw_free")
        let addr = try Self.place(bytes, memory: memory, alloc: try function("ckw_alloc"))
        let strategy = KernelABI.strategy(options.strategy)
        let budget = Double(options.closureBudgetBytes ?? 0)
        let created = try function("ckw_open_artifact")([.i32(addr), .i32(UInt32(bytes.count)), .i32(0), .i32(strategy),
                                                          .f64(budget.bitPattern), .i32(loadFlags)])
        _ = try free([.i32(addr)])
        guard case .i32(let layout)? = created.first else {
            throw ConvergeError(.backendFailure, "ckw_open_artifact returned \(created)")
        }
        guard layout == 0 else { return layout }
        guard case .i32(let errAddr)? = try function("ckw_create_error")([]).first else {
            throw ConvergeError(.backendFailure, "ckw_create_error returned nothing")
        }
        let w = try Self.words(memory, UInt(errAddr), 6)
        throw KernelFault(status: w[0], table: w[1], index: UInt64(w[2]), value: UInt64(w[5]) << 32 | UInt64(w[3]),
                          fault: w[4]).artifactError(fileBytes: bytes.count)
    }

    /// `bytes` copied into memory from `ckw_alloc`; their address.
    static func place(_ bytes: [UInt8], memory: Memory, alloc: Function) throws -> UInt32 {
        guard case .i32(let addr)? = try alloc([.i32(UInt32(max(bytes.count, 1)))]).first, addr != 0,
              Int(addr) + bytes.count <= memory.byteCount else {
            throw ConvergeError(.kernelFailure, "ckw_alloc(\(bytes.count)): out of linear memory")
        }
        if !bytes.isEmpty {
            memory.withUnsafeMutableBufferPointer(offset: UInt(addr), count: bytes.count) { dst in
                bytes.withUnsafeBytes { dst.copyMemory(from: $0) }
            }
        }
        return addr
    }

    /// `count` little-endian words at `addr`.
    /// - Throws: `backendFailure` when they reach past linear memory.
    static func words(_ memory: Memory, _ addr: UInt, _ count: Int) throws(ConvergeError) -> [UInt32] {
        guard Int(addr) + 4 * count <= memory.byteCount else {
            throw ConvergeError(.backendFailure, "the module pointed past linear memory (\(addr) + \(4 * count) > \(memory.byteCount))")
        }
        return memory.withUnsafeBufferPointer(offset: addr, count: count * 4) { raw in
            (0..<count).map { raw.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self).littleEndian }
        }
    }
}
