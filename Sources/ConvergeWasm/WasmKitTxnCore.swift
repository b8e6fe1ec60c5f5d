import ConvergeFiles
import ConvergeKernel
import Foundation
import WasmKit

/// The transaction core (`ckw_txn_*`, docs/kernel-abi.md "WebAssembly") of CKernel's wasm build,
/// run in-process by WasmKit: the host writes 16-byte records into the write log in linear memory
/// (no call per write), then ONE exported call, `ckw_txn_commit`, applies them, decides (auto mode
/// in C), plans and — at L2/L3 — executes and commits or rolls back; the result comes back in the
/// transaction record (40 uint32 words; this host reads the first 32). Only a full log costs one more call (`ckw_txn_flush`).
///
/// Levels (``RuntimeOptions/level``):
/// - L1: the commit is PLAN_ONLY; Swift runs the returned plan over the module's slots in linear
///   memory (links copy, computed steps call the derive functions), as the native L1 does.
/// - L2: computed steps come back through the `env.ckw_host_steps` import in batches; it calls the
///   Swift derive functions on the slots in linear memory and writes the values into the module's
///   out arrays.
/// - L3: as L2 with the graph's bytecode loaded (`ckw_load_code`, a CKB1 blob): compiled steps run
///   inside the module, only the others call back.
///
/// Derive functions: every computed step whose `expr` compiles evaluates it (as in
/// ``ConvergeRuntime``); ``derive(step:_:)`` replaces one (at L3 a compiled step so replaced
/// becomes a host step: the bytecode is reloaded without its program before the next commit).
///
/// The policy crosses as ``NodeHost/TxnPolicy`` does for the JS hosts (execution budget, Logix's
/// rules or this kernel's, cost model, decision budget); the other auto thresholds are the C
/// defaults, which equal ``AutoPolicy()``'s (or ``AutoPolicy/logix``'s).
///
/// Not thread-safe. WasmKit interprets: it is far slower than the native levels.
public final class WasmKitTxnCore {
    /// What one `ckw_txn_commit` reported (the transaction record), plus the host's part at L1.
    public struct Commit: Sendable, Equatable {
        /// `ck_status_t` of the call (0: ok; 17: bad write; the error words say more).
        public var status: Int
        /// A converge ran (something was dirty).
        public var converged: Bool
        public var executedMode: ExecutedMode?
        public var reasons: DecisionReasons
        /// The final state differs from the base (L1: decided by the host after its execution).
        public var committed: Bool
        public var outcome: ConvergeOutcome
        public var planLength: Int
        public var executedSteps: Int
        public var changedSteps: Int
        /// `env.ckw_host_steps` callbacks of this commit (L2/L3).
        public var hostCallbacks: Int
        /// Steps the bytecode VM ran (L3).
        public var vmSteps: Int
        public var dirtyRoots: Int
        public var cacheHit: Bool
        /// Auto's decision time when measured (ns), else 0.
        public var decisionNs: UInt64
        /// The error words of a failed call (table, index, value, fault).
        public var errorTable: Int
        public var errorIndex: Int
        public var errorValue: Int
        public var errorFault: Int
    }

    /// What crossed the boundary since creation (or ``resetCounters()``).
    public struct Counters: Sendable, Equatable {
        /// Commits made (successful or not).
        public var transactions = 0
        /// Exported calls: commits, flushes of a full log, aborts, generation bumps.
        public var calls = 0
        /// `env.ckw_host_steps` calls (the module's count of its callbacks).
        public var hostCallbacks = 0
        public var vmSteps = 0
        /// Write records stored into the log (16 bytes each).
        public var bytesIn = 0
        /// The transaction records read back (and, at L1, the plans).
        public var bytesOut = 0
        public var executedFull = 0
        public var executedDirty = 0

        public init() {}
    }

    public let graph: CompiledGraph
    public let options: RuntimeOptions
    public let flavor: WasmFlavor
    /// What crosses to `ckw_txn_open` (from ``options``).
    public let policy: NodeHost.TxnPolicy
    /// Which computed steps compiled (L3 runs their bytecode in the module).
    public let compileReport: CompileReport
    public private(set) var counters = Counters()
    /// The last commit's report (nil before the first).
    public private(set) var lastCommit: Commit?
    /// What the failing derive function threw in the last commit (outcome runtime error).
    public private(set) var stepError: (any Error)?
    /// Steps in the scope (a full converge's plan length).
    public let scopeLength: Int

    /// The transaction record's bytes a successful commit hands back (the result: words 0 … 23,
    /// as the JS hosts count; a failed one is read whole, 32 words, for its error words).
    public static let recordBytes = CkwTxn.resultWords * 4
    /// Bytes of one write-log record (`ck_write_t`).
    public static let writeBytes = 16

    let store: Store
    let memory: Memory
    var stack: ExecutionStack
    let commitFn: Function, flushFn: Function, abortFn: Function, bumpFn: Function, traceFn: Function
    let loadCodeFn: Function, allocFn: Function, freeFn: Function, destroyFn: Function
    /// The trace level of the transactions to come (`CK_TRACE_*`: 0 off, 1 step records, 2 and
    /// patch records; ``openTrace(level:steps:patches:)``).
    public private(set) var traceLevel: UInt32 = 0
    /// The last commit's trace records (with a trace; at L1 the module's, then the Swift executor's).
    public private(set) var lastStepRecords: [StepRecord] = []
    public private(set) var lastPatches: [PatchRecord] = []
    let layoutAddr: UInt32
    let txnRecAddr: UInt
    /// The log's op_seq (layout word `opSeq`), which the L1 executor advances by its derived writes.
    let opSeqAddr: UInt
    let logAddr: UInt
    let logCapacity: Int
    let tagsAddr: UInt
    let valuesAddr: UInt
    let bridge: Bridge

    // the graph's tables the host needs (step inputs, links)
    let pathCount: Int
    let stepCount: Int
    let inputOffsets: [UInt32]
    /// Each step's raw deps: path ids, or under a layout (L4) the slots holding them (mapped once,
    /// when the module is made).
    private(set) var inputPaths: [UInt32]
    /// L4: the slot of each path id (the file's layout); nil: slot = path id.
    public private(set) var slotOf: [UInt32]?
    let stepFlags: [UInt8]
    let stepOut: [UInt32]

    var derives: [DeriveFunction?]
    /// L3: compiled steps given a derive function (they run as host steps).
    var hostOverrides = Set<Int>()
    var codeStale = false
    var logCount = 0
    var hostExecNs = 0.0
    var executing = false
    /// A configuration error met inside a commit (a missing derive function, a bad callback).
    var configError: ConvergeError?
    // L1: the reducer's first writes of the transaction (the host restores them after a host
    // abort, and decides `committed` from them)
    var writtenBits: [UInt64]
    var undoIds: [UInt32] = []
    var undoTags: [UInt8] = []
    var undoValues: [Double] = []
    // L1: the derived writes of the plan being executed
    var dUndoPaths: [UInt32] = []
    var dUndoTags: [UInt8] = []
    var dUndoValues: [Double] = []

    /// The import's way back to its host (weak: the store holds the import, the host the store).
    final class Bridge {
        weak var core: WasmKitTxnCore?
    }

    /// Instantiates the module, creates the kernel from `graph`'s tables artifact, loads the bytecode
    /// at L3 and opens the transaction core.
    /// - Throws: `invalidArgument` for level L0, a ``RuntimeOptions/planner``, or an auto policy
    ///   whose thresholds the wasm ABI does not carry; `invalidExpression` (compile policy
    ///   `must`); what ``WasmBuild/artifacts()`` throws; `backendFailure` when WasmKit cannot load
    ///   or run the module; `kernelFailure` naming the C status when the kernel refuses.
    public convenience init(_ graph: CompiledGraph, options: RuntimeOptions, flavor: WasmFlavor = .simd) throws(ConvergeError) {
        let options = options.resolvingDefaultPath(artifact: nil)
        let report = try ExprCompiler.compile(graph, policy: options.compilePolicy)
        try self.init(graph, options: options, flavor: flavor, bytes: graph.tablesArtifact(), artifact: false, report: report)
    }

    /// From an artifact whose graph the caller already has (checked by counts, not rebuilt from
    /// the IR section: a file compiled `--no-ir` works); as ``init(artifact:options:flavor:)``.
    public convenience init(artifact: Artifact, graph: CompiledGraph, options: RuntimeOptions, flavor: WasmFlavor = .simd) throws(ConvergeError) {
        guard graph.stepCount == artifact.stepCount && graph.pathCount == artifact.pathCount else {
            throw ConvergeError(.invalidArgument, "the graph (\(graph.stepCount) steps, \(graph.pathCount) paths) is not the artifact's (\(artifact.stepCount), \(artifact.pathCount))")
        }
        var o = options.resolvingDefaultPath(artifact: artifact)
        try artifact.checkLayout(for: o.level)
        o.compilePolicy = artifact.compilePolicy
        let report = try ExprCompiler.compile(graph, policy: o.compilePolicy)
        try self.init(graph, options: o, flavor: flavor, bytes: artifact.withUnsafeBytes { Array($0) }, artifact: true,
                      report: CompileReport(entries: report.entries, bytecode: artifact.bytecode))
    }

    /// From an AOT artifact (`ckw_open_artifact`: tables, bytecode and initial state of the file;
    /// L1/L2 run no bytecode; L4 also takes its state layout and needs one).
    /// - Throws: as ``init(_:options:flavor:)``; `invalidArtifact` naming the section and offset.
    public convenience init(artifact: Artifact, options: RuntimeOptions, flavor: WasmFlavor = .simd) throws(ConvergeError) {
        var o = options.resolvingDefaultPath(artifact: artifact)
        try artifact.checkLayout(for: o.level)
        let graph = try artifact.graph()
        o.compilePolicy = artifact.compilePolicy
        let report = try ExprCompiler.compile(graph, policy: o.compilePolicy)
        try self.init(graph, options: o, flavor: flavor, bytes: artifact.withUnsafeBytes { Array($0) }, artifact: true,
                      report: CompileReport(entries: report.entries, bytecode: artifact.bytecode))
    }

    /// `bytes`: an AOT artifact; `artifact`: true when it is the caller's (bytecode and layout of
    /// the file), false for the graph's ``CompiledGraph/tablesArtifact()``.
    init(_ graph: CompiledGraph, options: RuntimeOptions, flavor: WasmFlavor, bytes: [UInt8], artifact: Bool,
         report: CompileReport) throws(ConvergeError) {
        guard options.level != .l0 else {
            throw ConvergeError(.invalidArgument, "the WasmKit transaction core runs levels l1, l2, l3, l4 (not l0)")
        }
        guard options.planner == nil else {
            throw ConvergeError(.invalidArgument, "RuntimeOptions.planner does not apply to the WasmKit transaction core (the module plans)")
        }
        let policy = NodeHost.TxnPolicy(options)
        let base = policy.logix ? AutoPolicy.logix : AutoPolicy()
        var carried = options.auto
        carried.costModel = base.costModel
        carried.decisionBudgetMs = base.decisionBudgetMs
        guard carried == base else {
            throw ConvergeError(.invalidArgument, "the wasm ABI carries the auto policy's cost model and decision budget only; its other thresholds must be AutoPolicy()'s or AutoPolicy.logix's")
        }
        guard options.executionBudgetMs.isFinite, options.executionBudgetMs >= 0,
              options.auto.decisionBudgetMs.isFinite, options.auto.decisionBudgetMs >= 0 else {
            throw ConvergeError(.invalidArgument, "budgets must be finite and >= 0 (execution \(options.executionBudgetMs) ms, decision \(options.auto.decisionBudgetMs) ms)")
        }
        self.graph = graph
        self.options = options
        self.flavor = flavor
        self.policy = policy
        compileReport = report
        pathCount = graph.pathCount
        stepCount = graph.stepCount
        inputOffsets = graph.inputOffsets
        inputPaths = graph.inputPaths
        stepFlags = graph.stepFlags
        stepOut = graph.stepOutPath
        derives = [DeriveFunction?](repeating: nil, count: graph.stepCount)
        writtenBits = [UInt64](repeating: 0, count: (graph.pathCount + 63) / 64 + 1)
        let bridge = Bridge()
        self.bridge = bridge

        let wasm = try WasmKitModule(flavor) { steps, count, tags, values, completed in
            bridge.core?.hostSteps(steps, count, tags, values, completed) ?? UInt32(KernelABI.Host.abort)
        }
        store = wasm.store
        do {
            let engine = wasm.engine
            let memory = try wasm.memory(), alloc = try wasm.function("ckw_alloc"), free = try wasm.function("ckw_free")
            let loadCode = try wasm.function("ckw_load_code")
            let open = try wasm.function("ckw_txn_open"), commit = try wasm.function("ckw_txn_commit")
            let flush = try wasm.function("ckw_txn_flush"), abort = try wasm.function("ckw_txn_abort")
            let bump = try wasm.function("ckw_txn_bump_generation"), destroy = try wasm.function("ckw_destroy")
            let trace = try wasm.function("ckw_txn_trace")
            self.memory = memory
            allocFn = alloc
            freeFn = free
            loadCodeFn = loadCode
            commitFn = commit
            flushFn = flush
            abortFn = abort
            bumpFn = bump
            traceFn = trace
            destroyFn = destroy
            stack = ExecutionStack(engine: engine)

            if options.level == .l4 && !artifact {
                throw ConvergeError(.invalidArgument, "level l4 in WasmKit loads the kernel, its bytecode and its state layout from an AOT artifact: use WasmKitTxnCore(artifact:options:)")
            }
            // the kernel: the artifact once into linear memory, create, free the bytes
            let layout = try wasm.createKernel(artifact: bytes, options: options.native,
                                               loadFlags: options.level == .l4 ? KernelABI.artifactLoadLayout : 0)
            layoutAddr = layout

            // the bytecode: the graph's at L3; the file's at L4; none at L1/L2 (an artifact's is
            // unloaded by an empty blob)
            if options.level == .l3, let code = report.bytecode {
                try WasmKitTxnCore.loadCode(code, memory: memory, alloc: alloc, free: free, load: loadCode, layout: layout)
            } else if artifact && options.level != .l4 {
                try WasmKitTxnCore.loadCode(Bytecode(stepCount: graph.stepCount), memory: memory, alloc: alloc, free: free, load: loadCode, layout: layout)
            }

            // the transaction core
            let scope: UInt32 = switch options.scope { case .immediate: 0; case .deferred: 1; case .all: 2 }
            let vmFlags: UInt32 = options.vmBatches ? 0 : KernelABI.vmOneByOne
            let opened = try open([.i32(layout), .i32(scope), .f64((policy.executionBudgetMs * 1e6).bitPattern), .i32(vmFlags),
                                   .i32(policy.logix ? 1 : 0), .i32(policy.costModel ? 1 : 0),
                                   .f64((policy.decisionBudgetMs * 1e6).bitPattern)])
            let l = try WasmKitModule.words(memory, UInt(layout), CkwLayout.words)
            txnRecAddr = UInt(l[CkwLayout.txn])
            opSeqAddr = UInt(l[CkwLayout.opSeq])
            guard case .i32(let openStatus)? = opened.first else { throw ConvergeError(.backendFailure, "ckw_txn_open returned \(opened)") }
            if openStatus != 0 {
                throw WasmKitTxnCore.error(openStatus, try WasmKitModule.words(memory, txnRecAddr, CkwTxn.errorWords), what: "ckw_txn_open")
            }
            tagsAddr = UInt(l[CkwLayout.tags])
            valuesAddr = UInt(l[CkwLayout.values])
            logAddr = UInt(l[CkwLayout.log])
            logCapacity = Int(l[CkwLayout.logCapacity])
            scopeLength = Int(l[CkwLayout.scopeLen.rawValue + Int(scope)])
            guard Int(l[CkwLayout.slots]) == graph.pathCount, Int(l[CkwLayout.steps]) == graph.stepCount, valuesAddr % 8 == 0, logAddr % 8 == 0, logCapacity > 0,
                  Int(valuesAddr) + 8 * graph.pathCount <= memory.byteCount, Int(tagsAddr) + graph.pathCount <= memory.byteCount,
                  Int(logAddr) + 16 * logCapacity <= memory.byteCount else {
                throw ConvergeError(.backendFailure, "the module's layout record does not fit the graph (\(l[CkwLayout.slots]) slots, \(l[CkwLayout.steps]) steps, log \(l[CkwLayout.log]) × \(l[CkwLayout.logCapacity]))")
            }
            if l[CkwLayout.hasLayout] != 0 {
                // the state layout (L4): path p lives in slot slotOf[p]; step inputs read slots
                guard Int(l[CkwLayout.slotOf]) + 4 * graph.pathCount <= memory.byteCount else {
                    throw ConvergeError(.backendFailure, "the module's state layout lies past linear memory")
                }
                let slots = try WasmKitModule.words(memory, UInt(l[CkwLayout.slotOf]), graph.pathCount)
                slotOf = slots
                inputPaths = graph.inputPaths.map { $0 == .max ? .max : slots[Int($0)] }
            }
        } catch let e as ConvergeError {
            throw e
        } catch {
            throw ConvergeError(.backendFailure, "WasmKit: \(error)")
        }
        bridge.core = self
        registerExpressions()
    }

    deinit {
        _ = try? destroyFn.invoke([.i32(layoutAddr)], on: &stack)
    }

    /// Linear memory in 64 KiB pages.
    public var memoryPages: Int { memory.byteCount / 65536 }

    public func resetCounters() { counters = Counters() }

    // MARK: - derive functions

    private func registerExpressions() {
        let stepOfDecl = graph.stepIdsByDeclaration()
        for entry in compileReport.entries {
            guard let expr = entry.compiled else { continue }
            let root = expr.root
            derives[stepOfDecl[entry.stepIndex]] = { inputs in ExprEvaluator.evaluate(root, inputs: inputs) }
        }
    }

    /// True when computed step `s` runs as bytecode inside the module (L3, its `expr` compiled,
    /// no derive function registered over it).
    public func runsBytecode(step s: Int) -> Bool {
        guard options.level.runsBytecode, let code = compileReport.bytecode, s >= 0, s < stepCount else { return false }
        return code.stepOffsets[s + 1] > code.stepOffsets[s] && !hostOverrides.contains(s)
    }

    /// Registers the derive function of a computed step by step id (at L3 a compiled step so
    /// given becomes a host step).
    /// - Throws: `invalidArgument` for an id out of range or a link; `writeOutsideReducer` inside a commit.
    public func derive(step: Int, _ fn: @escaping DeriveFunction) throws(ConvergeError) {
        guard step >= 0 && step < stepCount else {
            throw ConvergeError(.invalidArgument, "step id \(step) is out of range (\(stepCount) steps)")
        }
        if stepFlags[step] & 2 != 0 {
            throw ConvergeError(.invalidArgument, "step \(step) (\"\(graph.out(ofStep: step))\") is a link; links copy their `from`")
        }
        if executing { throw ConvergeError(.writeOutsideReducer, "derive functions cannot change inside a commit") }
        derives[step] = fn
        if options.level.runsBytecode, let code = compileReport.bytecode, code.stepOffsets[step + 1] > code.stepOffsets[step] {
            hostOverrides.insert(step)
            codeStale = true
        }
    }

    /// The converge workload's functions (as ConvergeBench's `Workload.registerConvergeFunctions(_:)`): `d = dep0 + 1`
    /// (NaN for a non-number) for every computed step that does not run as bytecode.
    public func registerConvergeFunctions() throws(ConvergeError) {
        for s in 0..<stepCount where stepFlags[s] & 2 == 0 && !runsBytecode(step: s) {
            try derive(step: s) { inputs in .number((inputs.number(0) ?? .nan) + 1) }
        }
    }

    // MARK: - state

    /// Every slot, in path-id order (read from linear memory).
    public func snapshot() -> [ConvergeValue] {
        memory.withUnsafeBufferPointer(offset: 0, count: memory.byteCount) { raw in
            (0..<pathCount).map { p in
                let i = slot(p)
                return ConvergeValue(tag: raw[Int(tagsAddr) + i],
                                     payload: Double(bitPattern: raw.loadUnaligned(fromByteOffset: Int(valuesAddr) + 8 * i, as: UInt64.self).littleEndian))
            }
        }
    }

    /// The value at a path id.
    /// - Throws: `invalidArgument` naming an id outside the registry.
    public func value(_ id: UInt32) throws(ConvergeError) -> ConvergeValue {
        guard Int(id) < pathCount else { throw ConvergeError(.invalidArgument, "path id \(id) is not in the registry (\(pathCount) paths)") }
        let i = slot(Int(id))
        return memory.withUnsafeBufferPointer(offset: 0, count: memory.byteCount) { raw in
            ConvergeValue(tag: raw[Int(tagsAddr) + i],
                          payload: Double(bitPattern: raw.loadUnaligned(fromByteOffset: Int(valuesAddr) + 8 * i, as: UInt64.self).littleEndian))
        }
    }

    /// The slot holding path `p` (the identity without a layout).
    @inline(__always) private func slot(_ p: Int) -> Int {
        if let slotOf { return Int(slotOf[p]) }
        return p
    }

    // MARK: - transactions

    /// Stores one write record into the log (id u32 @0, tag u8 @4, zeros, f64 @8): no call unless
    /// the log is full (then one `ckw_txn_flush` of the whole log). The kernel checks ids and tags
    /// when it applies the log (a bad record is `bad write` at the flush or the commit), so any
    /// record can be written here — a tag `0xFF` is a dirty mark without a write.
    /// - Throws: `kernelFailure` (bad write) when a flush met a bad record: the transaction is
    ///   aborted; `writeOutsideReducer` inside a commit (from a derive function).
    public func write(_ id: UInt32, tag: UInt8, _ value: Double) throws(ConvergeError) {
        if executing { throw ConvergeError(.writeOutsideReducer, "a write from inside a commit (a derive function)") }
        if logCount == logCapacity { try flush() }
        if options.level == .l1 && Int(id) < pathCount && tag != 0xFF { trackFirstWrite(Int(id)) }
        let at = logAddr + UInt(16 * logCount)
        memory.withUnsafeMutableBufferPointer(offset: at, count: 16) { dst in
            dst.storeBytes(of: id.littleEndian, toByteOffset: 0, as: UInt32.self)
            dst.storeBytes(of: UInt32(tag).littleEndian, toByteOffset: 4, as: UInt32.self)
            dst.storeBytes(of: value.bitPattern.littleEndian, toByteOffset: 8, as: UInt64.self)
        }
        logCount += 1
        counters.bytesIn += Self.writeBytes
    }

    /// Writes a value (``write(_:tag:_:)``).
    public func set(_ id: UInt32, _ value: ConvergeValue) throws(ConvergeError) { try write(id, tag: value.tag, value.payload) }

    /// Writes a number (``write(_:tag:_:)``).
    public func set(_ id: UInt32, number: Double) throws(ConvergeError) { try write(id, tag: ConvergeValue.numberTag, number) }

    /// L1: keeps the base value of a path's first write in this transaction.
    private func trackFirstWrite(_ p: Int) {
        let bit = UInt64(1) << UInt64(p & 63)
        if writtenBits[p >> 6] & bit != 0 { return }
        writtenBits[p >> 6] |= bit
        let (t, v) = memory.withUnsafeBufferPointer(offset: 0, count: memory.byteCount) { raw in
            (raw[Int(tagsAddr) + p], Double(bitPattern: raw.loadUnaligned(fromByteOffset: Int(valuesAddr) + 8 * p, as: UInt64.self).littleEndian))
        }
        undoIds.append(UInt32(p))
        undoTags.append(t)
        undoValues.append(v)
    }

    private func clearTracking() {
        for p in undoIds { writtenBits[Int(p) >> 6] = 0 }
        undoIds.removeAll(keepingCapacity: true)
        undoTags.removeAll(keepingCapacity: true)
        undoValues.removeAll(keepingCapacity: true)
    }

    /// Applies the log now (`ckw_txn_flush`).
    /// - Throws: `kernelFailure` (bad write, with the entry's position and the bad id or tag): the
    ///   transaction is aborted.
    public func flush() throws(ConvergeError) {
        let n = logCount
        logCount = 0
        let status = try call(flushFn, [.i32(layoutAddr), .i32(UInt32(n)), .i32(traceLevel)], "ckw_txn_flush")
        if status != 0 {
            clearTracking()
            throw Self.error(status, try WasmKitModule.words(memory, txnRecAddr, CkwTxn.errorWords), what: "ckw_txn_flush")
        }
    }

    /// Aborts the transaction being written (`ckw_txn_abort`: every applied write undone, the log emptied).
    public func abort() throws(ConvergeError) {
        logCount = 0
        clearTracking()
        let status = try call(abortFn, [.i32(layoutAddr)], "ckw_txn_abort")
        if status != 0 { throw Self.error(status, try WasmKitModule.words(memory, txnRecAddr, CkwTxn.errorWords), what: "ckw_txn_abort") }
    }

    /// Empties the plan caches (`ckw_txn_bump_generation`): the next auto decision carries
    /// `generation_bumped`.
    public func bumpGeneration() throws(ConvergeError) {
        let status = try call(bumpFn, [.i32(layoutAddr)], "ckw_txn_bump_generation")
        if status != 0 { throw Self.error(status, try WasmKitModule.words(memory, txnRecAddr, CkwTxn.errorWords), what: "ckw_txn_bump_generation") }
    }

    /// Commits the transaction: ONE `ckw_txn_commit` (in `mode`, default ``RuntimeOptions/mode``;
    /// a mode other than auto on an auto host is a module override), then at L1 the host runs the
    /// plan. Returns the report: a status other than 0 (a bad write: the transaction aborted,
    /// nothing written) is a report, not an error — ``commit(mode:)`` throws it.
    /// - Throws: `missingStepFunction` (a computed step without a derive function: the
    ///   transaction is aborted, every write undone), `backendFailure` (WasmKit trapped, or the
    ///   module handed the callback bad addresses), `writeOutsideReducer` from inside a commit.
    public func commitStatus(mode: ConvergeMode? = nil) throws(ConvergeError) -> Commit {
        if executing { throw ConvergeError(.writeOutsideReducer, "a commit from inside a commit (a derive function)") }
        if codeStale, let code = compileReport.bytecode {
            // once after derive(step:) replaced compiled steps: reload without their programs
            let overrides = hostOverrides
            do throws(ConvergeError) {
                try Self.loadCode(code.removingPrograms { overrides.contains($0) }, memory: memory, alloc: allocFn, free: freeFn,
                                  load: loadCodeFn, layout: layoutAddr)
            } catch {
                try? abort()
                throw error
            }
            codeStale = false
        }
        let requested = mode ?? options.mode
        let cmode = KernelABI.Txn.mode(requested)
        var flags: UInt32 = 0
        if mode != nil && options.mode == .auto && mode != .auto { flags |= KernelABI.Txn.override }
        let planOnly = options.level == .l1
        if planOnly { flags |= KernelABI.Txn.planOnly }
        flags |= traceLevel << 8   // the transaction's trace level (ckw_txn_commit's flags, bits 8-15)
        let n = logCount
        logCount = 0
        configError = nil
        stepError = nil
        executing = true
        let status: UInt32
        do {
            status = try call(commitFn, [.i32(layoutAddr), .i32(UInt32(n)), .i32(cmode), .i32(flags), .f64(hostExecNs.bitPattern)], "ckw_txn_commit")
        } catch {
            executing = false
            clearTracking()
            try? abort()
            throw error
        }
        executing = false
        hostExecNs = 0
        counters.transactions += 1
        let r = try WasmKitModule.words(memory, txnRecAddr, status == 0 ? CkwTxn.resultWords : CkwTxn.errorWords)
        var c = Self.commit(status, r)
        if status != 0 {
            clearTracking()
            lastCommit = c
            return c
        }
        counters.bytesOut += Self.recordBytes
        if traceLevel != 0 { try readTrace() }
        counters.hostCallbacks += c.hostCallbacks
        counters.vmSteps += c.vmSteps
        if planOnly && c.executedMode != nil {
            // L1: the Swift executor runs the core's plan over the module's slots, then the host
            // decides whether the transaction changed anything
            let timed = r[CkwTxn.wantsExecNs] != 0
            let t0 = timed ? DispatchTime.now().uptimeNanoseconds : 0
            if c.planLength > 0 {
                do throws(ConvergeError) { try executePlan(at: UInt(r[CkwTxn.plan]), length: c.planLength, &c) } catch {
                    clearTracking()
                    lastCommit = c
                    throw error
                }
            } else {
                c.committed = reducerChanged()
            }
            counters.bytesOut += 4 * c.planLength
            if timed && c.outcome == .ok { hostExecNs = Double(max(1, DispatchTime.now().uptimeNanoseconds &- t0)) }
        }
        if let e = configError {
            // L2/L3: the module aborted the transaction (every write undone); L1: the executor
            // undid the derived writes, the host restores the reducer's
            configError = nil
            if planOnly { undoReducer() }
            clearTracking()
            lastCommit = c
            throw e
        }
        clearTracking()
        if c.executedMode == .full { counters.executedFull += 1 } else if c.executedMode == .dirty { counters.executedDirty += 1 }
        lastCommit = c
        return c
    }

    /// Record buffers for the dynamic trace (`ckw_txn_trace`, docs/kernel-abi.md): from now on every
    /// transaction records up to `steps` step records and, at `level` 2, `patches` patch records
    /// (``lastStepRecords``, ``lastPatches``), as the native runtime does under diagnostics full.
    /// At L1 the Swift executor here runs the plan and appends its step and patch records after
    /// the module's (the reducer's patches), as the native L1 executor does.
    /// - Throws: `invalidArgument` (a level other than 1 or 2, negative capacities),
    ///   `kernelFailure` (the module's status).
    public func openTrace(level: Int = 2, steps: Int = 4096, patches: Int = 256) throws(ConvergeError) {
        guard level == 1 || level == 2, steps >= 0, patches >= 0, steps <= Int(UInt32.max), patches <= Int(UInt32.max) else {
            throw ConvergeError(.invalidArgument, "trace level \(level) (1 or 2), capacities \(steps), \(patches) (>= 0)")
        }
        let status = try call(traceFn, [.i32(layoutAddr), .i32(UInt32(steps)), .i32(UInt32(patches))], "ckw_txn_trace")
        if status != 0 { throw Self.error(status, try WasmKitModule.words(memory, txnRecAddr, CkwTxn.errorWords), what: "ckw_txn_trace") }
        traceLevel = UInt32(level)
    }

    /// Reads the last commit's records (transaction-record words 32-37) out of linear memory.
    private func readTrace() throws(ConvergeError) {
        // words traceSteps … tracePatchCount: the step records' address and count, the patch records'
        let w = try WasmKitModule.words(memory, txnRecAddr + UInt(4 * CkwTxn.traceSteps.rawValue), 4)
        let (stepsAddr, stepCount, patchesAddr, patchCount) = (UInt(w[0]), Int(w[1]), UInt(w[2]), Int(w[3]))
        guard Int(stepsAddr) + 16 * stepCount <= memory.byteCount, Int(patchesAddr) + 40 * patchCount <= memory.byteCount else {
            throw ConvergeError(.backendFailure, "the module's trace records point past linear memory")
        }
        lastStepRecords = stepCount == 0 ? [] : memory.withUnsafeBufferPointer(offset: stepsAddr, count: 16 * stepCount) { raw in
            (0..<stepCount).map { i in
                StepRecord(stepId: Int(raw.loadUnaligned(fromByteOffset: 16 * i, as: UInt32.self).littleEndian),
                           isLink: raw[16 * i + 4] == 1, changed: raw[16 * i + 5] != 0,
                           durationNs: raw.loadUnaligned(fromByteOffset: 16 * i + 8, as: UInt64.self).littleEndian)
            }
        }
        lastPatches = patchCount == 0 ? [] : memory.withUnsafeBufferPointer(offset: patchesAddr, count: 40 * patchCount) { raw in
            (0..<patchCount).map { i in
                let at = 40 * i
                let step = raw.loadUnaligned(fromByteOffset: at + 12, as: UInt32.self).littleEndian
                let reason: PatchReason = switch raw[at + 16] {   // CK_PATCH_*
                case 1: .traitComputed
                case 2: .traitLink
                default: .reducer
                }
                return PatchRecord(opSeq: raw.loadUnaligned(fromByteOffset: at, as: UInt64.self).littleEndian,
                                   pathId: Int(raw.loadUnaligned(fromByteOffset: at + 8, as: UInt32.self).littleEndian),
                                   reason: reason, stepId: step == .max ? nil : Int(step),
                                   from: ConvergeValue(tag: raw[at + 17], payload: Double(bitPattern: raw.loadUnaligned(fromByteOffset: at + 24, as: UInt64.self).littleEndian)),
                                   to: ConvergeValue(tag: raw[at + 18], payload: Double(bitPattern: raw.loadUnaligned(fromByteOffset: at + 32, as: UInt64.self).littleEndian)))
            }
        }
    }

    /// ``commitStatus(mode:)``, throwing a failed call's status as `kernelFailure` (a bad write
    /// names the entry's position in the log and the bad id or tag).
    @discardableResult
    public func commit(mode: ConvergeMode? = nil) throws(ConvergeError) -> Commit {
        let c = try commitStatus(mode: mode)
        if c.status != 0 {
            throw Self.error(UInt32(c.status), try WasmKitModule.words(memory, txnRecAddr, CkwTxn.errorWords), what: "ckw_txn_commit")
        }
        return c
    }

    // MARK: - L1: the Swift executor over linear memory

    /// Mirrors `ck_kernel_execute` (and ``ConvergeRuntime``'s L1 executor): links copy their
    /// `from`, computed steps call their derive function, a write happens when the value differs
    /// (Object.is); a step that throws rolls back every derived write (outcome runtime error), a
    /// missing derive function too (and the transaction is aborted: ``configError``).
    private func executePlan(at planAddr: UInt, length n: Int, _ c: inout Commit) throws(ConvergeError) {
        let budgetNs = policy.executionBudgetMs > 0 ? UInt64(policy.executionBudgetMs * 1e6) : 0
        guard Int(planAddr) + 4 * n <= memory.byteCount else {
            throw ConvergeError(.backendFailure, "ckw_txn_commit returned a plan of \(n) steps at \(planAddr), past linear memory (\(memory.byteCount) bytes)")
        }
        dUndoPaths.removeAll(keepingCapacity: true)
        dUndoTags.removeAll(keepingCapacity: true)
        dUndoValues.removeAll(keepingCapacity: true)
        // traced: this host's records follow the core's (reducer patches), numbered from the
        // commit's op_seq, as the native L1 executor's (docs/kernel-abi.md, "L1 hosts and op_seq")
        let tracing = traceLevel != 0, patching = traceLevel >= 2
        let opSeq0 = try Self.opSeq(memory, txnRecAddr)
        var opSeq = opSeq0
        var recSteps: [StepRecord] = [], recPatches: [PatchRecord] = []
        var outcome = ConvergeOutcome.ok
        var executed = 0
        var badStep: UInt32?
        memory.withUnsafeMutableBufferPointer(offset: 0, count: memory.byteCount) { raw in
            let base = raw.baseAddress!
            let tags = (base + Int(tagsAddr)).assumingMemoryBound(to: UInt8.self)
            let values = (base + Int(valuesAddr)).assumingMemoryBound(to: Double.self)
            let start = budgetNs != 0 && n > 32 ? DispatchTime.now().uptimeNanoseconds : 0
            inputPaths.withUnsafeBufferPointer { paths in
                var i = 0
                while i < n {
                    let s32 = raw.loadUnaligned(fromByteOffset: Int(planAddr) + 4 * i, as: UInt32.self).littleEndian
                    guard Int(s32) < stepCount else { badStep = s32; break }
                    let s = Int(s32)
                    if budgetNs != 0 && i > 0 && i & 31 == 0 && DispatchTime.now().uptimeNanoseconds &- start > budgetNs {
                        outcome = .budgetExceeded(step: s)
                        break
                    }
                    let t0 = tracing ? DispatchTime.now().uptimeNanoseconds : 0
                    var tag = ConvergeValue.undefinedTag
                    var value = 0.0
                    let lo = Int(inputOffsets[s]), hi = Int(inputOffsets[s + 1])
                    let link = stepFlags[s] & 2 != 0
                    if link {
                        if hi > lo, paths[lo] != .max {
                            let from = Int(paths[lo])
                            tag = tags[from]
                            value = values[from]
                        }
                    } else {
                        guard let fn = derives[s] else {
                            if configError == nil {
                                configError = ConvergeError(.missingStepFunction, "computed step \(s) (\"\(graph.out(ofStep: s))\") has no derive function")
                            }
                            outcome = .runtimeError(step: s)
                            i += 1
                            break
                        }
                        do {
                            let v = try fn(StepInputs(unsafeTags: tags, values: values, paths: paths.baseAddress! + lo, count: hi - lo))
                            tag = v.tag
                            value = v.payload
                        } catch {
                            stepError = error
                            outcome = .runtimeError(step: s)
                            i += 1
                            break
                        }
                    }
                    let p = Int(stepOut[s])
                    let same = ConvergeValue.same(tags[p], values[p], tag, value)
                    if !same {
                        dUndoPaths.append(UInt32(p))
                        dUndoTags.append(tags[p])
                        dUndoValues.append(values[p])
                        if patching {
                            recPatches.append(PatchRecord(opSeq: opSeq, pathId: p, reason: link ? .traitLink : .traitComputed, stepId: s,
                                                          from: ConvergeValue(tag: tags[p], payload: values[p]),
                                                          to: ConvergeValue(tag: tag, payload: value)))
                        }
                        opSeq &+= 1
                        tags[p] = tag
                        values[p] = value
                    }
                    if tracing {
                        recSteps.append(StepRecord(stepId: s, isLink: link, changed: !same,
                                                   durationNs: DispatchTime.now().uptimeNanoseconds &- t0))
                    }
                    i += 1
                }
                executed = i
            }
            if outcome != .ok || badStep != nil {
                var k = dUndoPaths.count
                while k > 0 {
                    k -= 1
                    let p = Int(dUndoPaths[k])
                    tags[p] = dUndoTags[k]
                    values[p] = dUndoValues[k]
                }
            }
        }
        if let badStep {
            throw ConvergeError(.backendFailure, "ckw_txn_commit returned a plan with step id \(badStep) (\(stepCount) steps)")
        }
        c.executedSteps = executed
        c.outcome = configError != nil ? .ok : outcome
        if outcome != .ok {
            c.changedSteps = 0
            c.committed = reducerChanged()
            return
        }
        c.changedSteps = dUndoPaths.count
        if tracing {
            lastStepRecords += recSteps
            lastPatches += recPatches
        }
        try Self.setOpSeq(memory, opSeqAddr, opSeq0 &+ UInt64(dUndoPaths.count))
        var derivedChanged = false
        for p in dUndoPaths where writtenBits[Int(p) >> 6] & (UInt64(1) << UInt64(p & 63)) == 0 {
            derivedChanged = true
            break
        }
        c.committed = derivedChanged || reducerChanged()
    }

    /// The log's op_seq after the last `ckw_txn_*` call (transaction-record words 28–29).
    static func opSeq(_ memory: Memory, _ txnRecAddr: UInt) throws(ConvergeError) -> UInt64 {
        let w = try WasmKitModule.words(memory, txnRecAddr + UInt(4 * CkwTxn.opSeqLo.rawValue), 2)   // low, high
        return UInt64(w[1]) << 32 | UInt64(w[0])
    }

    /// Stores the log's op_seq (at layout word `opSeq`'s address): an L1 host counts its derived writes.
    static func setOpSeq(_ memory: Memory, _ addr: UInt, _ value: UInt64) throws(ConvergeError) {
        guard addr != 0, Int(addr) + 8 <= memory.byteCount else {
            throw ConvergeError(.backendFailure, "the module's op_seq address \(addr) is outside linear memory")
        }
        memory.withUnsafeMutableBufferPointer(offset: addr, count: 8) { raw in
            raw.storeBytes(of: value.littleEndian, as: UInt64.self)
        }
    }

    /// L1: some reducer-written slot differs (Object.is) from its base value.
    private func reducerChanged() -> Bool {
        memory.withUnsafeBufferPointer(offset: 0, count: memory.byteCount) { raw in
            for k in undoIds.indices {
                let p = Int(undoIds[k])
                let t = raw[Int(tagsAddr) + p]
                let v = Double(bitPattern: raw.loadUnaligned(fromByteOffset: Int(valuesAddr) + 8 * p, as: UInt64.self).littleEndian)
                if !ConvergeValue.same(t, v, undoTags[k], undoValues[k]) { return true }
            }
            return false
        }
    }

    /// L1: restores the reducer's writes of a transaction the module committed (its plan then
    /// failed on a configuration error in the host).
    private func undoReducer() {
        memory.withUnsafeMutableBufferPointer(offset: 0, count: memory.byteCount) { raw in
            var k = undoIds.count
            while k > 0 {
                k -= 1
                let p = Int(undoIds[k])
                raw[Int(tagsAddr) + p] = undoTags[k]
                raw.storeBytes(of: undoValues[k].bitPattern.littleEndian, toByteOffset: Int(valuesAddr) + 8 * p, as: UInt64.self)
            }
        }
    }

    // MARK: - L2/L3: the host import

    /// `env.ckw_host_steps(steps, count, out_tags, out_values, out_completed)`: the derive
    /// functions of a batch of computed steps, on the module's slots, into its out arrays.
    /// Returns `CK_HOST_OK`, `CK_HOST_THREW` (the step at `*out_completed` threw) or
    /// `CK_HOST_ABORT` (a configuration error, kept for the commit to throw).
    func hostSteps(_ stepsAddr: UInt32, _ count: UInt32, _ outTags: UInt32, _ outValues: UInt32, _ outCompleted: UInt32) -> UInt32 {
        let n = Int(count)
        let size = memory.byteCount
        guard executing, Int(stepsAddr) + 4 * n <= size, Int(outTags) + n <= size, Int(outValues) + 8 * n <= size,
              Int(outCompleted) + 4 <= size else {
            if configError == nil {
                configError = ConvergeError(.backendFailure, "env.ckw_host_steps called \(executing ? "with addresses past linear memory (\(size) bytes)" : "outside a commit")")
            }
            return UInt32(KernelABI.Host.abort)
        }
        return memory.withUnsafeMutableBufferPointer(offset: 0, count: size) { raw -> UInt32 in
            let base = raw.baseAddress!
            let tags = UnsafePointer((base + Int(tagsAddr)).assumingMemoryBound(to: UInt8.self))
            let values = UnsafePointer((base + Int(valuesAddr)).assumingMemoryBound(to: Double.self))
            return inputPaths.withUnsafeBufferPointer { paths -> UInt32 in
                var b = 0
                while b < n {
                    let s = Int(raw.loadUnaligned(fromByteOffset: Int(stepsAddr) + 4 * b, as: UInt32.self).littleEndian)
                    var status = UInt32(KernelABI.Host.ok)
                    if s >= stepCount || stepFlags[s] & 2 != 0 {
                        if configError == nil {
                            configError = ConvergeError(.backendFailure, "env.ckw_host_steps: step \(s) is not a computed step (\(stepCount) steps)")
                        }
                        status = UInt32(KernelABI.Host.abort)
                    } else if let fn = derives[s] {
                        let lo = Int(inputOffsets[s]), hi = Int(inputOffsets[s + 1])
                        do {
                            let v = try fn(StepInputs(unsafeTags: tags, values: values, paths: paths.baseAddress! + lo, count: hi - lo))
                            raw[Int(outTags) + b] = v.tag
                            raw.storeBytes(of: v.payload.bitPattern.littleEndian, toByteOffset: Int(outValues) + 8 * b, as: UInt64.self)
                        } catch {
                            stepError = error
                            status = UInt32(KernelABI.Host.threw)
                        }
                    } else {
                        if configError == nil {
                            configError = ConvergeError(.missingStepFunction, "computed step \(s) (\"\(graph.out(ofStep: s))\") has no derive function")
                        }
                        status = UInt32(KernelABI.Host.abort)
                    }
                    if status != UInt32(KernelABI.Host.ok) {
                        raw.storeBytes(of: UInt32(b).littleEndian, toByteOffset: Int(outCompleted), as: UInt32.self)
                        return status
                    }
                    b += 1
                }
                raw.storeBytes(of: UInt32(n).littleEndian, toByteOffset: Int(outCompleted), as: UInt32.self)
                return UInt32(KernelABI.Host.ok)
            }
        }
    }

    // MARK: - plumbing

    /// One exported call returning a status word.
    private func call(_ fn: Function, _ args: [Value], _ what: String) throws(ConvergeError) -> UInt32 {
        let r: [Value]
        do { r = try fn.invoke(args, on: &stack) } catch {
            throw ConvergeError(.backendFailure, "WasmKit trapped in \(what): \(error)")
        }
        counters.calls += 1
        guard case .i32(let status)? = r.first else { throw ConvergeError(.backendFailure, "\(what) returned \(r)") }
        return status
    }

    static func commit(_ status: UInt32, _ r: [UInt32]) -> Commit {
        let failed = r[CkwTxn.failedStep] == .max ? -1 : Int(r[CkwTxn.failedStep])
        let outcome: ConvergeOutcome = switch r[CkwTxn.outcome] {
        case KernelABI.Outcome.runtimeError: .runtimeError(step: failed)
        case KernelABI.Outcome.budgetExceeded: .budgetExceeded(step: failed)
        default: .ok
        }
        let converged = status == 0 && r[CkwTxn.converged] != 0
        let errors = r.count > CkwTxn.errFault.rawValue   // a failed call's record is read with its error words
        return Commit(status: Int(status), converged: converged,
                      executedMode: converged ? KernelABI.executedMode(r[CkwTxn.executedMode]) : nil,
                      reasons: converged ? DecisionReasons(rawValue: UInt16(truncatingIfNeeded: r[CkwTxn.reasons])) : [],
                      committed: r[CkwTxn.committed] != 0, outcome: outcome, planLength: Int(r[CkwTxn.planLen]),
                      executedSteps: Int(r[CkwTxn.executedSteps]), changedSteps: Int(r[CkwTxn.changedSteps]),
                      hostCallbacks: Int(r[CkwTxn.hostCalls]), vmSteps: Int(r[CkwTxn.vmSteps]),
                      dirtyRoots: Int(r[CkwTxn.dirtyRoots]), cacheHit: r[CkwTxn.cacheHit] != 0,
                      decisionNs: UInt64(r[CkwTxn.decisionNsHi]) << 32 | UInt64(r[CkwTxn.decisionNsLo]),
                      errorTable: errors ? Int(r[CkwTxn.errTable]) : 0, errorIndex: errors ? Int(r[CkwTxn.errIndex]) : 0,
                      errorValue: errors ? Int(r[CkwTxn.errValue]) : 0, errorFault: errors ? Int(r[CkwTxn.errFault]) : 0)
    }

    /// A failed `ckw_txn_*` call as an error naming the C status and its error words.
    static func error(_ status: UInt32, _ r: [UInt32], what: String) -> ConvergeError {
        let fault = KernelFault(status: status, table: r[CkwTxn.errTable], index: UInt64(r[CkwTxn.errIndex]),
                                value: UInt64(r[CkwTxn.errValue]), fault: r[CkwTxn.errFault])
        if fault.isBadWrite {
            return ConvergeError(.kernelFailure, "\(what): bad write (status 17): log entry \(r[CkwTxn.errIndex]) has \(r[CkwTxn.errFault] == 1 ? "tag" : "path id") \(r[CkwTxn.errValue])")
        }
        return fault.error(what: what)
    }


    /// `ckw_load_code` with a CKB1 blob (docs/kernel-abi.md, "Bytecode blob").
    static func loadCode(_ code: Bytecode, memory: Memory, alloc: Function, free: Function, load: Function,
                         layout: UInt32) throws(ConvergeError) {
        let blob = code.blob()
        do {
            let addr = try WasmKitModule.place(blob, memory: memory, alloc: alloc)
            let r = try load([.i32(layout), .i32(addr), .i32(UInt32(blob.count))])
            _ = try free([.i32(addr)])
            guard case .i32(let status)? = r.first else { throw ConvergeError(.backendFailure, "ckw_load_code returned \(r)") }
            if status != 0 {
                let outAddr = try WasmKitModule.words(memory, UInt(layout) + UInt(4 * CkwLayout.out.rawValue), 1)[0]
                let out = try WasmKitModule.words(memory, UInt(outAddr), CkwOut.words)
                throw KernelFault(status: status, table: out[CkwOut.errTable], index: UInt64(out[CkwOut.errIndex]),
                                  value: UInt64(out[CkwOut.errValue]), fault: out[CkwOut.errFault]).error(what: "ckw_load_code")
            }
        } catch let e as ConvergeError {
            throw e
        } catch {
            throw ConvergeError(.backendFailure, "WasmKit trapped in ckw_load_code: \(error)")
        }
    }

}
