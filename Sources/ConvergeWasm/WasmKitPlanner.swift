import ConvergeFiles
import ConvergeKernel
import Foundation
import WasmKit

/// Boundary evidence of a WebAssembly kernel: what crossed between host and module.
public struct BoundaryCounters: Sendable, Equatable {
    /// Exported calls made per transaction / plan (must be 1 for L1/L2).
    public var calls = 0
    /// Bytes the host wrote into linear memory for those calls (dirty ids).
    public var bytesIn = 0
    /// Bytes the host read back (the plan and the out record).
    public var bytesOut = 0

    public init() {}
}

/// CKernel compiled to wasm32 (``WasmBuild``) and run in-process by WasmKit, an interpreter: the
/// tables placed once in linear memory (ckw_open_artifact from the graph's tables artifact), then exactly one exported
/// call (`ckw_plan`) per plan, integers in and out (docs/kernel-abi.md, "WebAssembly").
/// Plans are identical to ``NativeKernel``'s; it is far slower (an interpreter).
///
/// Plugs into a runtime at L1 through ``RuntimeOptions/planner`` (``WasmKitPlanner/factory(flavor:options:)``).
/// Not thread-safe.
public final class WasmKitPlanner: RootPlanner {
    public let graph: CompiledGraph
    public let flavor: WasmFlavor
    public var backendName: String { "wasm-wasmkit" }
    /// Calls and bytes across the boundary since creation (``resetCounters()``).
    public private(set) var counters = BoundaryCounters()
    /// The strategy the module's kernel chose (or was told).
    public let strategy: ClosureStrategy
    /// The kernel's arena bytes inside linear memory.
    public let arenaBytes: Int

    let store: Store
    let memory: Memory
    let planFn: Function
    let destroyFn: Function
    let layoutAddr: UInt32
    let outAddr: UInt
    let planAddr: UInt
    let dirtyAddr: UInt
    let dirtyCapacity: Int
    var stack: ExecutionStack

    /// Instantiates the module and creates the kernel from `graph`'s tables.
    /// - Throws: what ``WasmBuild/artifacts()`` throws; `backendFailure` when WasmKit cannot load
    ///   or run the module; `kernelFailure` when the kernel refuses the tables (C status named).
    public convenience init(_ graph: CompiledGraph, flavor: WasmFlavor = .simd, options: NativeOptions = NativeOptions()) throws(ConvergeError) {
        try self.init(graph, flavor: flavor, options: options, artifact: graph.tablesArtifact())
    }

    /// Instantiates the module and creates the kernel from an AOT artifact — the same file the
    /// native kernel loads (`ckw_open_artifact`: `ck_artifact_open` + `ck_kernel_create_from_artifact`
    /// inside the module, after one copy of the file into linear memory).
    /// - Parameter graph: the graph the planner reports (``Artifact/graph()`` when nil).
    /// - Throws: as ``init(_:flavor:options:)``; `invalidArtifact` naming the section and byte offset.
    public convenience init(artifact: Artifact, graph: CompiledGraph? = nil, flavor: WasmFlavor = .simd,
                            options: NativeOptions = NativeOptions()) throws(ConvergeError) {
        let g: CompiledGraph
        if let graph { g = graph } else { g = try artifact.graph() }
        try self.init(g, flavor: flavor, options: options, artifact: artifact.withUnsafeBytes { Array($0) })
    }

    /// From an artifact's bytes (tests hand it damaged ones).
    init(_ graph: CompiledGraph, flavor: WasmFlavor, options: NativeOptions, artifact bytes: [UInt8]) throws(ConvergeError) {
        self.graph = graph
        self.flavor = flavor
        // the planner never executes: a host step reaching it is a configuration error
        let wasm = try WasmKitModule(flavor) { _, _, _, _, _ in UInt32(KernelABI.Host.abort) }
        store = wasm.store
        do {
            let engine = wasm.engine
            let memory = try wasm.memory(), plan = try wasm.function("ckw_plan"), destroy = try wasm.function("ckw_destroy")
            self.memory = memory
            planFn = plan
            destroyFn = destroy
            stack = ExecutionStack(engine: engine)
            // an artifact's state layout is not taken: the planner's host indexes the state by path id
            let layout = try wasm.createKernel(artifact: bytes, options: options)
            layoutAddr = layout
            let l = try WasmKitModule.words(memory, UInt(layout), CkwLayout.words)
            outAddr = UInt(l[CkwLayout.out])
            planAddr = UInt(l[CkwLayout.plan])
            dirtyAddr = UInt(l[CkwLayout.dirty])
            dirtyCapacity = Int(l[CkwLayout.dirtyCapacity])
            let chosen = l[CkwLayout.strategy]
            strategy = KernelABI.chosenStrategy(chosen)
            arenaBytes = Int(l[CkwLayout.arenaBytes])
        } catch let e as ConvergeError {
            throw e
        } catch {
            throw ConvergeError(.backendFailure, "WasmKit: \(error)")
        }
    }

    deinit {
        _ = try? destroyFn.invoke([.i32(layoutAddr)], on: &stack)
    }

    /// A ``RuntimeOptions/PlannerFactory`` making WasmKit planners.
    public static func factory(flavor: WasmFlavor = .simd, options: NativeOptions = NativeOptions()) -> RuntimeOptions.PlannerFactory {
        { (graph: CompiledGraph) throws(ConvergeError) -> any RootPlanner in try WasmKitPlanner(graph, flavor: flavor, options: options) }
    }

    /// Linear memory in 64 KiB pages.
    public var memoryPages: Int { memory.byteCount / 65536 }

    public func resetCounters() { counters = BoundaryCounters() }

    /// The out record: status, plan length, mode, algorithm, dirtyAll, prefixes, reachable, words
    /// scanned, index entries (uint32 words 0…8).
    public var resultRecordBytes: Int { (CkwOut.indexEntries.rawValue + 1) * 4 }

    public func plan(_ dirty: DirtySet, mode: PlanMode, scope: PlanScope, into buffer: PlanBuffer) throws(ConvergeError) {
        try dirty.rootIds.withUnsafeBufferPointer { (ids: UnsafeBufferPointer<UInt32>) throws(ConvergeError) in
            try plan(roots: ids, dirtyAll: dirty.dirtyAllReason, mode: mode, scope: scope, into: buffer)
        }
    }

    public func plan(roots: UnsafeBufferPointer<UInt32>, dirtyAll: DirtyAllReason?, mode: PlanMode, scope: PlanScope,
                     into buffer: PlanBuffer) throws(ConvergeError) {
        let capacity = buffer.withStorage { $0.count }
        if capacity < graph.stepCount {
            throw ConvergeError(.invalidArgument, "plan buffer holds \(capacity) steps; the graph has \(graph.stepCount)")
        }
        let n = mode == .full || dirtyAll != nil ? 0 : roots.count
        if n > dirtyCapacity {
            throw ConvergeError(.invalidArgument, "\(n) dirty ids exceed the module's dirty buffer (\(dirtyCapacity) = the registry size); pass each id once")
        }
        if n > 0 {
            memory.withUnsafeMutableBufferPointer(offset: dirtyAddr, count: n * 4) { dst in
                dst.copyMemory(from: UnsafeRawBufferPointer(roots))
            }
        }
        let cmode: UInt32 = mode == .full ? 0 : 1
        let cscope: UInt32 = switch scope { case .immediate: 0; case .deferred: 1; case .all: 2 }
        let flags: UInt32 = dirtyAll != nil ? KernelABI.planDirtyAll : 0
        let status: UInt32
        do {
            let r = try planFn.invoke([.i32(layoutAddr), .i32(UInt32(dirtyAddr)), .i32(UInt32(n)), .i32(cmode), .i32(cscope), .i32(flags)], on: &stack)
            guard case .i32(let s)? = r.first else { throw ConvergeError(.backendFailure, "ckw_plan returned \(r)") }
            status = s
        } catch let e as ConvergeError {
            throw e
        } catch {
            throw ConvergeError(.backendFailure, "WasmKit trapped in ckw_plan: \(error)")
        }
        counters.calls += 1
        counters.bytesIn += 4 * n
        // words 0 … 20: the plan's counters and a failed call's error words
        let out = try WasmKitModule.words(memory, outAddr, CkwOut.errValue.rawValue + 1)
        if status != 0 {
            let fault = KernelFault(status: status, table: out[CkwOut.errTable], index: UInt64(out[CkwOut.errIndex]),
                                    value: UInt64(out[CkwOut.errValue]))
            if fault.isUnknownPathId {
                throw ConvergeError(.invalidArgument, "dirty id \(out[CkwOut.errValue]) (position \(out[CkwOut.errIndex])) is not in the registry (\(graph.pathCount) paths)")
            }
            throw fault.error(what: "ckw_plan")
        }
        let length = Int(out[CkwOut.planLen])
        guard length <= graph.stepCount else {
            throw ConvergeError(.backendFailure, "ckw_plan reported \(length) steps for a graph of \(graph.stepCount)")
        }
        buffer.withStorage { dst in
            memory.withUnsafeBufferPointer(offset: planAddr, count: length * 4) { src in
                UnsafeMutableRawBufferPointer(dst).copyMemory(from: src)
            }
        }
        counters.bytesOut += 4 * length + resultRecordBytes
        let c = KernelABI.counters(algorithm: out[CkwOut.algorithm], dirtyPrefixes: out[CkwOut.dirtyPrefixes],
                                       reachable: out[CkwOut.reachable], wordsScanned: UInt64(out[CkwOut.wordsScanned]),
                                       indexEntries: UInt64(out[CkwOut.indexEntries]))
        let executed = KernelABI.executedMode(out[CkwOut.executedMode])
        buffer.setPlan(count: length, executedMode: executed,
                       dirtyAllReason: out[CkwOut.dirtyAll] != 0 ? (dirtyAll ?? .unknownWrite) : nil, counters: c)
    }
}
