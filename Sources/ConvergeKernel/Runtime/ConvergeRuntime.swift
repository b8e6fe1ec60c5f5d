// ConvergeRuntime.swift — the converge engine: state, step functions, transactions, diagnostics.

import Synchronization

/// A converge engine: the state store, the step functions, transactions with exactly-once commit,
/// auto mode, diagnostics (docs/transactions.md).
///
/// ```swift
/// let rt = try ConvergeRuntime(graph, options: RuntimeOptions(level: .l2))
/// try rt.derive("d0") { inputs in .number((inputs.number(0) ?? .nan) + 1) }
/// let result = try rt.transaction { txn in try txn.set(graph.pathId("b0")!, number: 1) }
/// ```
///
/// Not thread-safe: use one runtime from one thread at a time. After warm-up a transaction under
/// diagnostics `off` or `light` allocates nothing.
public final class ConvergeRuntime {
    public let graph: CompiledGraph
    public let options: RuntimeOptions
    /// Which computed steps' `expr` compiled (and the bytecode L3 runs); the others are host steps.
    public let compileReport: CompileReport
    /// At the bytecode levels, per step id: the compile report's reason for each computed step
    /// without a program (looked up once, here); empty at the other levels.
    private let compileFallbacks: [String?]
    /// The state slots (kernel-owned memory for L1/L2).
    public let state: StateStore
    /// Fixed anchors.
    public let instanceId: UInt64
    public var txnSeq: UInt64 { hot.pointee.txnSeq }
    public var opSeq: UInt64 { core.map { $0.log.pointee.opSeq } ?? hot.pointee.opSeq }
    /// The last transaction's summary (diagnostics light and above; untouched under off).
    public var lastSummary: TransactionSummary { summaryPtr.pointee }

    let native: NativeKernel?
    /// True when the runtime was asked for L5, the default path (``ExecutionLevel/l5``);
    /// ``options`` then names the level it resolved to (L4 from an artifact with a layout, else L3).
    public let isDefaultPath: Bool
    /// L3, L4: what the kernel loaded (runs, fused and contiguous runs); nil at other levels.
    public var bytecodeInfo: BytecodeInfo? { options.level.runsBytecode ? native?.codeInfo : nil }
    /// L1–L4: the C transaction core every native transaction runs through (nil at L0 and with an
    /// external planner, which keep the Swift transaction path).
    let core: TransactionCore?
    /// The core's write log (nil without a core): the reducer's writes reach it without touching
    /// a class reference (no retain/release per write).
    @usableFromInline let coreLog: UnsafeMutablePointer<WriteLog>?
    /// The reducer-written bits the Swift executor checks for derived changes (the core's at L1).
    let writtenBits: UnsafePointer<UInt64>
    let portable: PortablePlanner?
    /// The L1 planner of ``RuntimeOptions/planner`` (nil otherwise).
    let external: (any RootPlanner)?
    let decider: AutoDecider
    let planBuffer: PlanBuffer
    // Derive functions live in class boxes reached through Unmanaged references: calling through
    // a guaranteed reference costs no retain/release per step (half the cost of a step here), and
    // a closure read back from a generic container would go through an allocating thunk.
    final class Derive {
        let fn: DeriveFunction
        init(_ fn: @escaping DeriveFunction) { self.fn = fn }
    }
    struct Observer { let token: Int; let fn: (TransactionResult) -> Void }
    let derives: UnsafeMutablePointer<Unmanaged<Derive>?>
    /// L3: compiled steps given a derive function (they run as host steps).
    var hostOverrides = Set<Int>()
    var observers: [Observer] = []
    var nextObserver = 0

    /// Owns every buffer below (the tables' copies, the transaction tracking, the diagnostics
    /// records): allocated once at init, freed with the runtime.
    let buffers: BufferPool
    // The tables the transaction paths read on every step, copied once from the graph's arrays
    // into `buffers`: raw pointers that live as long as the runtime (a GraphTables view cannot
    // outlive its call). inputPaths holds slots, not path ids, under a layout.
    let stepCount: Int
    let pathCount: Int
    let inputOffsets: UnsafeMutablePointer<UInt32>
    let inputPaths: UnsafeMutablePointer<UInt32>
    let prefixOffsets: UnsafeMutablePointer<UInt32>
    let prefixIds: UnsafeMutablePointer<UInt32>
    let stepOut: UnsafeMutablePointer<UInt32>
    let stepFlags: UnsafeMutablePointer<UInt8>
    let fullPlan: UnsafeMutablePointer<UInt32>     // the scope's steps
    let scopeLen: Int

    // Transaction tracking, all preallocated. The mutable scalars live behind a pointer (`hot`):
    // stored `var`s of a class pay a dynamic exclusivity check on every access, which the
    // per-write and per-step paths cannot afford.
    @usableFromInline struct Hot {
        var inTransaction = false
        var executing = false
        var failed = false           // a configuration error was recorded during converge
        @usableFromInline var writeSeq: UInt64 = 0
        var dirtyCount = 0
        var undoCount = 0
        var rootCount = 0
        var dirtyAllMark: DirtyAllReason?
        var hasStepError = false
        var txnSeq: UInt64 = 0
        var opSeq: UInt64 = 0
        var lastDecisionNs: UInt64 = 0
        var codeStale = false        // L3: a derive function replaced a compiled step's expr
        var pendingExecNs: UInt64 = 0  // L1: the last plan's execution time, for the core's cost model
        var hostSteps = 0            // L2–L5: computed steps the host callback ran in this commit
        var observerCount = 0
    }
    let summaryPtr: UnsafeMutablePointer<TransactionSummary>
    @usableFromInline let hot: UnsafeMutablePointer<Hot>
    var inTransaction: Bool { get { hot.pointee.inTransaction } set { hot.pointee.inTransaction = newValue } }
    var executing: Bool { get { hot.pointee.executing } set { hot.pointee.executing = newValue } }
    var writeSeq: UInt64 { get { hot.pointee.writeSeq } set { hot.pointee.writeSeq = newValue } }
    var dirtyCount: Int { get { hot.pointee.dirtyCount } set { hot.pointee.dirtyCount = newValue } }
    var undoCount: Int { get { hot.pointee.undoCount } set { hot.pointee.undoCount = newValue } }
    var dirtyAllMark: DirtyAllReason? { get { hot.pointee.dirtyAllMark } set { hot.pointee.dirtyAllMark = newValue } }
    let dirtyBits: UnsafeMutablePointer<UInt64>
    let dirtyIds: UnsafeMutablePointer<UInt32>
    let undoBits: UnsafeMutablePointer<UInt64>
    let undoIds: UnsafeMutablePointer<UInt32>
    let undoTags: UnsafeMutablePointer<UInt8>
    let undoValues: UnsafeMutablePointer<Double>
    let roots: UnsafeMutablePointer<UInt32>          // [pathCount] dirty roots, ascending
    let sortScratch: UnsafeMutablePointer<UInt32>
    // derived writes of the Swift executor (L0/L1)
    let dUndoPaths: UnsafeMutablePointer<UInt32>
    let dUndoTags: UnsafeMutablePointer<UInt8>
    let dUndoValues: UnsafeMutablePointer<Double>
    // diagnostics buffers
    let tracePtr: UnsafeMutablePointer<TraceBuffers>
    var trace: TraceBuffers {
        get { tracePtr.pointee }
        _modify { yield &tracePtr.pointee }
    }
    let stepRecords: UnsafeMutablePointer<TraceStepRecord>
    let patchRecords: UnsafeMutablePointer<TracePatchRecord>
    // failure state of the converge in progress
    var configError: ConvergeError?
    var stepError: (any Error)?

    static let instances = Atomic<UInt64>(0)

    /// Builds a runtime for a compiled graph.
    ///
    /// Every computed step whose `expr` compiles gets a derive function evaluating it (in Swift at
    /// L0–L2; at L3 the kernel runs its bytecode and never calls a derive function for it);
    /// ``derive(_:_:)`` replaces it.
    /// - Throws: `kernelFailure` / `invalidArgument` from the native kernel (L1–L3);
    ///   `invalidArgument` for capacities below 0; `invalidExpression` for a step that must compile
    ///   and does not (``RuntimeOptions/compilePolicy``, ``IRStep/compile``).
    public convenience init(_ graph: CompiledGraph, options: RuntimeOptions = RuntimeOptions()) throws(ConvergeError) {
        try self.init(graph, options: options, artifact: nil)
    }

    /// Builds a runtime from an AOT artifact (docs/artifact.md): the graph is rebuilt from the
    /// file's IR section and checked against its tables (``Artifact/graph()``); L1–L3 make the
    /// kernel from the file (``NativeKernel/init(artifact:graph:options:)``) and L3 runs the
    /// file's bytecode. The file's compile policy replaces ``RuntimeOptions/compilePolicy``.
    /// - Throws: `invalidArtifact` (no IR section, IR and tables disagree, a broken table or
    ///   bytecode rule), and everything ``init(_:options:)`` throws.
    public convenience init(artifact: Artifact, options: RuntimeOptions = RuntimeOptions()) throws(ConvergeError) {
        var opts = options
        opts.compilePolicy = artifact.compilePolicy
        try self.init(try artifact.graph(), options: opts, artifact: artifact)
    }

    package init(_ graph: CompiledGraph, options requested: RuntimeOptions, artifact: Artifact?) throws(ConvergeError) {
        if requested.stepRecordCapacity < 0 || requested.patchRecordCapacity < 0 {
            throw ConvergeError(.invalidArgument, "record capacities must be >= 0")
        }
        // L5, the default path, resolves to the kernel level it runs
        let options = requested.resolvingDefaultPath(artifact: artifact)
        isDefaultPath = requested.level == .l5
        self.graph = graph
        self.options = options
        let report = try ExprCompiler.compile(graph, policy: options.compilePolicy)
        if let artifact {
            compileReport = CompileReport(entries: report.entries, bytecode: artifact.bytecode)
        } else {
            compileReport = report
        }
        compileFallbacks = options.level.runsBytecode ? Self.fallbacks(graph, compileReport) : []
        instanceId = Self.instances.add(1, ordering: .relaxed).newValue
        stepCount = graph.stepCount
        pathCount = graph.pathCount
        if let factory = options.planner {
            guard options.level == .l1 else {
                throw ConvergeError(.invalidArgument, "RuntimeOptions.planner plugs a planner into level l1; level \(options.level.rawValue) has its own")
            }
            let planner = try factory(graph)
            guard planner.graph.stepCount == graph.stepCount && planner.graph.pathCount == graph.pathCount else {
                throw ConvergeError(.invalidArgument, "RuntimeOptions.planner made a planner for another graph (\(planner.graph.stepCount) steps, \(planner.graph.pathCount) paths; this one has \(graph.stepCount), \(graph.pathCount))")
            }
            external = planner
            native = nil
            core = nil
            coreLog = nil
            portable = nil
            state = StateStore(graph: graph)
        } else if options.level == .l0 {
            external = nil
            native = nil
            core = nil
            coreLog = nil
            portable = PortablePlanner(graph)
            state = StateStore(graph: graph)
        } else {
            external = nil
            let n: NativeKernel
            if let artifact {
                // the kernel comes with the file's bytecode and initial state; L1/L2 run no bytecode
                try artifact.checkLayout(for: options.level)
                n = try NativeKernel(artifact: artifact, graph: graph, options: options.native, loadLayout: options.level == .l4)
                if !options.level.runsBytecode { n.unloadCode() }
            } else {
                n = try NativeKernel(graph, options: options.native)
                if options.level.runsBytecode, let code = compileReport.bytecode {
                    try n.loadCode(code)
                }
                if options.level == .l4 { try n.setLayout(n.suggestedLayout()) }
            }
            native = n
            let budget = options.executionBudgetMs > 0 ? UInt64(options.executionBudgetMs * 1e6) : 0
            core = try TransactionCore(planner: n, scope: options.scope, policy: options.auto, budgetNs: budget,
                                       vmFlags: options.vmBatches ? 0 : KernelABI.vmOneByOne)
            // gate validation: a known extra cost (GateSpin.swift; needs the GateSpin trait)
            if let core { try GateSpin.apply(to: core, level: options.level) }
            coreLog = core?.log
            portable = nil
            let view = n.stateView()
            state = StateStore(graph: graph, tags: view.tags, values: view.values,
                               slotOf: n.hasLayout ? view.slotOf : nil, owner: n)
        }
        // every buffer below belongs to `buffers`: freed with the runtime, or with this init if a
        // later step throws
        let pool = BufferPool()
        buffers = pool
        tracePtr = pool.filled(1, with: TraceBuffers.empty)
        decider = AutoDecider(policy: options.auto, stepCount: graph.stepCount)
        planBuffer = PlanBuffer(for: graph)
        derives = pool.filled(graph.stepCount, with: nil)

        inputOffsets = pool.copy(graph.inputOffsets, emptyFill: 0)
        // the slot each input reads: the path id, or its slot under a layout (mapped once, here)
        inputPaths = pool.copy(state.slotOf.map { slotOf in graph.inputPaths.map { $0 == .max ? .max : slotOf[Int($0)] } } ?? graph.inputPaths,
                               emptyFill: 0)
        prefixOffsets = pool.copy(graph.pathPrefixOffsets, emptyFill: 0)
        prefixIds = pool.copy(graph.pathPrefixIds, emptyFill: 0)
        stepOut = pool.copy(graph.stepOutPath, emptyFill: 0)
        stepFlags = pool.copy(graph.stepFlags, emptyFill: 0)
        let scopeSteps: [UInt32] = switch options.scope {
        case .immediate: graph.immediateSteps
        case .deferred: graph.deferredSteps
        case .all: (0..<graph.stepCount).map { UInt32($0) }
        }
        fullPlan = pool.copy(scopeSteps, emptyFill: 0)
        scopeLen = scopeSteps.count

        let words = (pathCount + 63) / 64 + 1
        dirtyBits = pool.zeroed(words)
        undoBits = pool.zeroed(words)
        writtenBits = core.map { UnsafePointer($0.log.pointee.writtenBits) } ?? UnsafePointer(undoBits)
        dirtyIds = pool.zeroed(pathCount)
        undoIds = pool.zeroed(pathCount)
        undoTags = pool.zeroed(pathCount)
        undoValues = pool.uninitialized(pathCount)
        sortScratch = pool.zeroed(64)
        roots = pool.zeroed(pathCount)
        hot = pool.filled(1, with: Hot())
        summaryPtr = pool.filled(1, with: TransactionSummary())
        dUndoPaths = pool.zeroed(stepCount)
        dUndoTags = pool.zeroed(stepCount)
        dUndoValues = pool.uninitialized(stepCount)
        stepRecords = pool.uninitialized(options.stepRecordCapacity)
        patchRecords = pool.uninitialized(options.patchRecordCapacity)
        trace.attach(steps: stepRecords, capacity: options.stepRecordCapacity, patches: patchRecords, capacity: options.patchRecordCapacity)
        registerExpressions()
        core?.setHost(self, trace: tracePtr)
    }

    /// A derive function evaluating the `expr` of every compiled step (steps run by the kernel's
    /// VM at L3 keep one too, unused).
    private func registerExpressions() {
        let stepOfDecl = graph.stepIdsByDeclaration()
        for entry in compileReport.entries {
            guard let expr = entry.compiled else { continue }
            let root = expr.root
            let s = stepOfDecl[entry.stepIndex]
            derives[s] = Unmanaged.passRetained(Derive { inputs in ExprEvaluator.evaluate(root, inputs: inputs) })
        }
    }

    deinit {
        // the derive boxes the runtime retained; `buffers` frees the memory
        for s in 0..<stepCount { derives[s]?.release() }
    }

    // MARK: - registration

    /// Registers the derive function of the computed step writing `out` (its raw `out` string).
    /// - Throws: `invalidArgument` when no step writes `out` or that step is a link.
    public func derive(_ out: String, _ fn: @escaping DeriveFunction) throws(ConvergeError) {
        guard let s = (0..<stepCount).first(where: { graph.out(ofStep: $0) == out }) else {
            throw ConvergeError(.invalidArgument, "no step writes \"\(out)\"")
        }
        try derive(step: s, fn)
    }

    /// Registers the derive function of a computed step by step id (topo position).
    public func derive(step: Int, _ fn: @escaping DeriveFunction) throws(ConvergeError) {
        guard step >= 0 && step < stepCount else {
            throw ConvergeError(.invalidArgument, "step id \(step) is out of range (\(stepCount) steps)")
        }
        if graph.stepFlags[step] & 2 != 0 {
            throw ConvergeError(.invalidArgument, "step \(step) (\"\(graph.out(ofStep: step))\") is a link; links copy their `from`")
        }
        if inTransaction { throw ConvergeError(.writeOutsideReducer, "derive functions cannot change inside a transaction") }
        derives[step]?.release()
        derives[step] = Unmanaged.passRetained(Derive(fn))
        if options.level.runsBytecode, let code = compileReport.bytecode, code.stepOffsets[step + 1] > code.stepOffsets[step] {
            // the registered function wins at every level: at L3 the step becomes a host step
            // (the bytecode is reloaded without it before the next converge)
            hostOverrides.insert(step)
            hot.pointee.codeStale = true
        }
    }

    /// Empties the plan caches (and re-arms them); the next auto decision reports `generation_bumped`.
    public func bumpGeneration() {
        if let core { core.bumpGeneration() } else { decider.bumpGeneration() }
    }

    // MARK: - observers

    /// Calls `fn` once after every transaction that changed state (never for one that did not).
    /// Returns a token for ``removeObserver(_:)``.
    @discardableResult
    public func observe(_ fn: @escaping (TransactionResult) -> Void) -> Int {
        nextObserver += 1
        observers.append(Observer(token: nextObserver, fn: fn))
        hot.pointee.observerCount = observers.count
        return nextObserver
    }

    public func removeObserver(_ token: Int) {
        observers.removeAll { $0.token == token }
        hot.pointee.observerCount = observers.count
    }

    // MARK: - diagnostics access (converts ids at the boundary, on request)

    /// The step records of the last transaction (sampled / full); at L3–L5 a computed step the
    /// kernel could not run as bytecode carries its ``StepRecord/fallbackReason``.
    public func lastStepRecords() -> [StepRecord] {
        (0..<trace.stepCount).map {
            let r = stepRecords[$0]
            let s = Int(r.stepId)
            return StepRecord(stepId: s, isLink: r.isLink, changed: r.wroteOut, durationNs: r.durationNs,
                              fallbackReason: r.isLink ? nil : fallbackReason(step: s))
        }
    }

    /// At the bytecode levels (L3–L5), why computed step `step` runs as a host callback instead
    /// of in the kernel: the compile report's reason (`no expr`, the parser's message, a feature
    /// outside C0), or that a derive function was registered over its compiled `expr`; nil for a
    /// step the kernel runs (bytecode or a link), at the other levels, and for an id out of range.
    public func fallbackReason(step: Int) -> String? {
        guard options.level.runsBytecode, step >= 0, step < stepCount, graph.stepFlags[step] & 2 == 0 else { return nil }
        if hostOverrides.contains(step) { return "a derive function was registered over its compiled expr" }
        return compileFallbacks[step]
    }

    /// Per step id: the compile report's reason for a computed step without a program.
    private static func fallbacks(_ graph: CompiledGraph, _ report: CompileReport) -> [String?] {
        var reasons: [String: String] = [:]
        for e in report.entries { if let r = e.fallbackReason { reasons[e.out] = r } }
        return (0..<graph.stepCount).map { s -> String? in
            if graph.stepFlags[s] & 2 != 0 { return nil }
            if let code = report.bytecode, code.stepOffsets[s + 1] > code.stepOffsets[s] { return nil }
            return reasons[graph.out(ofStep: s)] ?? "no bytecode for it"
        }
    }

    /// Records that did not fit the buffers in the last transaction.
    public var droppedRecords: (steps: UInt64, patches: UInt64) { trace.dropped }

    /// The three slowest steps of the last transaction's records (step id, ns), slowest first.
    public func lastHotspots() -> [(stepId: Int, durationNs: UInt64)] {
        lastStepRecords().sorted { $0.durationNs > $1.durationNs }.prefix(3).map { ($0.stepId, $0.durationNs) }
    }

    /// The patch records of the last transaction (diagnostics full, instrumentation full).
    public func lastPatches() -> [PatchRecord] {
        (0..<trace.patchCount).map {
            let r = patchRecords[$0]
            let reason: PatchReason = r.patchReason == KernelABI.Patch.computed ? .traitComputed
                : r.patchReason == KernelABI.Patch.link ? .traitLink : .reducer
            return PatchRecord(opSeq: r.opSeq, pathId: Int(r.pathId), reason: reason,
                               stepId: r.stepId == .max ? nil : Int(r.stepId),
                               from: ConvergeValue(tag: r.from.tag, payload: r.from.value),
                               to: ConvergeValue(tag: r.to.tag, payload: r.to.value))
        }
    }

    /// The readable path of an id (at the boundary, when asked).
    public func pathName(_ id: Int) -> String? { id >= 0 && id < pathCount ? graph.fieldPaths[id] : nil }

    // MARK: - transactions

    /// Runs one transaction: `body` writes (the reducer), then converge, then at most one commit.
    ///
    /// - A step that throws, or the execution budget running out, rolls back every derived write
    ///   of this converge, keeps the reducer's writes, commits, and reports it in the result.
    /// - A configuration error (``ConvergeError/Code/missingStepFunction``, a write from inside a
    ///   step, a nested transaction) or an error thrown by `body` aborts the transaction: nothing
    ///   is written, nothing is committed, the error is rethrown.
    /// - Parameter mode: overrides ``RuntimeOptions/mode`` for this transaction.
    public func transaction(mode: ConvergeMode? = nil, _ body: (Transaction) throws -> Void) throws -> TransactionResult {
        if inTransaction {
            throw ConvergeError(.nestedTransaction, "a transaction was begun inside transaction \(txnSeq)")
        }
        inTransaction = true
        defer { inTransaction = false }
        if let core { return try coreTransaction(core, mode: mode, body) }
        let (txnSeq, light, traceLevel) = beginTransaction()
        trace.opSeq = hot.pointee.opSeq
        do {
            try body(Transaction(runtime: self, seq: txnSeq))
        } catch {
            abortReducer()
            throw error
        }
        writeSeq = 0
        hot.pointee.opSeq = trace.opSeq

        let requested = mode ?? options.mode
        var summary = TransactionSummary()
        if light {
            summary.instanceId = instanceId
            summary.txnSeq = txnSeq
            summary.requestedMode = requested
            summary.totalSteps = scopeLen
        }
        if dirtyCount == 0 && dirtyAllMark == nil {
            // nothing written: no converge
            let committed = reducerChanged()
            clearTracking()
            let result = TransactionResult(txnSeq: txnSeq, committed: committed, outcome: .ok, executedMode: nil, stepError: nil)
            if light { summary.committed = committed; summaryPtr.pointee = summary }
            if committed { notify(result) }
            return result
        }

        // dirty roots (ids), key
        let dirtyAll = dirtyAllMark
        let rootCount = dirtyAll == nil ? computeRoots() : 0
        var key: UInt32 = 0
        if dirtyAll == nil { key = fnv(rootCount) }

        var reasons: DecisionReasons = []
        if mode != nil && options.mode == .auto && mode != .auto { reasons.insert(.moduleOverride) }
        // auto transactions are timed when sampled (decision time, the cost model): the clock is
        // read only then, and around planning when the decision budget applies
        let t0 = requested == .auto && decider.timesNext(roots: rootCount) ? monotonicNowNs() : 0
        var decision: AutoDecision
        switch requested {
        case .full: decision = .full
        case .dirty: decision = .plan(store: nil)
        case .auto:
            decision = decider.decide(roots: roots, count: rootCount, key: key, dirtyAll: dirtyAll,
                                      scopeSteps: scopeLen, reasons: &reasons)
        }

        // plan + execute
        var exec = ExecCounters()
        if hot.pointee.hasStepError { stepError = nil; hot.pointee.hasStepError = false }
        hot.pointee.failed = false
        executing = true
        do {
            exec = try converge(decision: decision, auto: requested == .auto, rootCount: rootCount, key: key,
                                dirtyAll: dirtyAll, reasons: &reasons, decisionStart: t0)
        } catch {
            executing = false
            abortReducer()
            throw error
        }
        executing = false
        if hot.pointee.failed, let e = configError {
            // the executor rolled back the derived writes; now the reducer's
            configError = nil
            hot.pointee.failed = false
            abortReducer()
            throw e
        }
        hot.pointee.opSeq = traceLevel == KernelABI.Trace.off ? hot.pointee.opSeq &+ UInt64(exec.changed) : trace.opSeq

        let committed = exec.derivedChanged || reducerChanged()
        let result = transactionResult(txnSeq, committed: committed, exec)
        if light {
            summary.committed = committed
            let top = summary.topRoots
            summarize(exec, into: &summary, outcome: result.outcome, reasons: reasons, dirtyAll: dirtyAll, roots: rootCount,
                      topRoots: (rootCount > 0 ? roots[0] : top.0, rootCount > 1 ? roots[1] : top.1, rootCount > 2 ? roots[2] : top.2),
                      caches: (reasons.contains(.cacheHit), decider.inlineEnabled, decider.lruEnabled))
            summaryPtr.pointee = summary
        }
        hot.pointee.lastDecisionNs = exec.decisionNs
        if hot.pointee.hasStepError { stepError = nil; hot.pointee.hasStepError = false }
        clearTracking()
        if committed { notify(result) }
        return result
    }

    /// Decision time of the last auto transaction, ns (always kept: two clock reads per auto
    /// transaction, at its begin and end).
    public var lastDecisionNs: UInt64 { hot.pointee.lastDecisionNs }

    func notify(_ result: TransactionResult) {
        if hot.pointee.observerCount == 0 { return }   // (no access to the class-stored array: no exclusivity check, no retain)
        let list = observers
        var i = 0
        while i < list.count { list[i].fn(result); i += 1 }
    }

    // MARK: reducer writes

    /// A reducer write. With the C core (L1–L4) the fast path is the transaction check and the
    /// core's inline in-place write (`ck_txn_set` through ``KernelCalls``: slot, first-write undo, written bit), inlined
    /// into the caller — across modules too (`@inlinable`: a reducer lives in the user's module);
    /// everything else (errors, the Swift path of L0) is out of line.
    @inlinable @inline(__always)
    func reducerWrite(_ seq: UInt64, _ id: UInt32, _ tag: UInt8, _ payload: Double) throws(ConvergeError) {
        if let log = coreLog, seq == hot.pointee.writeSeq, KernelCalls.txnSet(log, id, tag, payload) { return }
        try reducerWriteSlow(seq, id, tag, payload)
    }

    @usableFromInline @inline(never)
    func reducerWriteSlow(_ seq: UInt64, _ id: UInt32, _ tag: UInt8, _ payload: Double) throws(ConvergeError) {
        if let log = coreLog {
            if seq != hot.pointee.writeSeq { try checkWritable(seq) }
            if !KernelCalls.txnSet(log, id, tag, payload) { try coreWriteFailed(id) }
            return
        }
        try checkWritable(seq)
        try state.check(id)
        let i = Int(id)
        let w = i >> 6, bit = UInt64(1) << UInt64(i & 63)
        let slot = state.slot(i)
        let oldTag = state.tags[slot], old = state.values[slot]
        if undoBits[w] & bit == 0 {
            undoBits[w] |= bit
            undoIds[undoCount] = id
            undoTags[undoCount] = oldTag
            undoValues[undoCount] = old
            undoCount += 1
        }
        if dirtyBits[w] & bit == 0 {
            dirtyBits[w] |= bit
            dirtyIds[dirtyCount] = id
            dirtyCount += 1
        }
        if instrumentationCompiledIn && trace.recordLevel >= KernelABI.Trace.patches {
            appendPatch(path: id, step: .max, reason: KernelABI.Patch.reducer, oldTag, old, tag, payload)
        }
        trace.opSeq &+= 1
        state.store(i, tag, tag == ConvergeValue.numberTag ? payload : tag == ConvergeValue.booleanTag ? (payload != 0 ? 1 : 0) : 0)
    }

    /// Appends a patch record (diagnostics full, instrumentation full), or counts it as dropped.
    @inline(__always)
    func appendPatch(path: UInt32, step: UInt32, reason: UInt8, _ fromTag: UInt8, _ from: Double, _ toTag: UInt8, _ to: Double) {
        trace.append(TracePatchRecord(opSeq: trace.opSeq, pathId: path, stepId: step, reason: reason, from: (fromTag, from), to: (toTag, to)))
    }

    func reducerMark(_ seq: UInt64, _ id: UInt32) throws(ConvergeError) {
        try checkWritable(seq)
        try state.check(id)
        if let log = coreLog {
            if !KernelCalls.txnMark(log, id) { try coreWriteFailed(id) }
            return
        }
        let i = Int(id)
        let w = i >> 6, bit = UInt64(1) << UInt64(i & 63)
        if dirtyBits[w] & bit == 0 {
            dirtyBits[w] |= bit
            dirtyIds[dirtyCount] = id
            dirtyCount += 1
        }
    }

    func reducerMarkAll(_ seq: UInt64, _ reason: DirtyAllReason) throws(ConvergeError) {
        try checkWritable(seq)
        if let log = coreLog {
            KernelCalls.txnMarkAll(log, reason)
            return
        }
        // fallbackPolicy wins over unknownWrite (as DirtySet resolves paths)
        if dirtyAllMark != .fallbackPolicy { dirtyAllMark = reason }
    }

    func checkWritable(_ seq: UInt64) throws(ConvergeError) {
        if executing {
            let e = ConvergeError(.writeOutsideReducer, "a step wrote a slot during converge of transaction \(txnSeq); steps return their value instead")
            if !hot.pointee.failed { hot.pointee.failed = true; configError = e }
            throw e
        }
        if seq != writeSeq {
            throw ConvergeError(.writeOutsideReducer, "write through transaction \(seq), which has ended")
        }
    }

    /// True when some reducer-written slot differs (Object.is) from its base value.
    func reducerChanged() -> Bool {
        slotsDiffer(from: undoIds, undoTags, undoValues, count: undoCount)
    }

    /// True when some slot of `ids[0..<count]` differs (Object.is) from its base value there.
    func slotsDiffer(from ids: UnsafePointer<UInt32>, _ tags: UnsafePointer<UInt8>, _ values: UnsafePointer<Double>,
                     count: Int) -> Bool {
        var k = 0
        while k < count {
            let i = state.slot(Int(ids[k]))
            if !ConvergeValue.same(state.tags[i], state.values[i], tags[k], values[k]) { return true }
            k += 1
        }
        return false
    }

    /// Starts a transaction: its sequence number, whether it keeps a summary (light and above),
    /// and its trace level (sampled: every 32nd); the record buffers start empty per transaction.
    func beginTransaction() -> (txnSeq: UInt64, light: Bool, traceLevel: UInt32) {
        hot.pointee.txnSeq += 1
        let txnSeq = hot.pointee.txnSeq
        writeSeq = txnSeq
        #if CONVERGE_NO_INSTRUMENTATION
        let light = false
        let traceLevel = KernelABI.Trace.off
        #else
        let light = options.diagnostics != .off
        let traceLevel: UInt32 = switch options.diagnostics {
        case .off, .light: KernelABI.Trace.off
        case .sampled: txnSeq % 32 == 0 ? KernelABI.Trace.timing : KernelABI.Trace.off
        case .full: options.instrumentation == .full ? KernelABI.Trace.patches : KernelABI.Trace.timing
        }
        #endif
        trace.recordLevel = traceLevel
        if light && (options.diagnostics == .sampled || options.diagnostics == .full) {   // records are per transaction
            trace.startRecords()
        }
        return (txnSeq, light, traceLevel)
    }

    /// Restores every reducer-written slot (in reverse) and clears the tracking.
    func abortReducer() {
        var k = undoCount
        while k > 0 {
            k -= 1
            state.store(Int(undoIds[k]), undoTags[k], undoValues[k])
        }
        if trace.recordLevel != KernelABI.Trace.off { trace.discardRecords() }
        trace.opSeq = hot.pointee.opSeq
        clearTracking()
    }

    func clearTracking() {
        var k = 0
        while k < dirtyCount { dirtyBits[Int(dirtyIds[k]) >> 6] = 0; k += 1 }
        k = 0
        while k < undoCount { undoBits[Int(undoIds[k]) >> 6] = 0; k += 1 }
        dirtyCount = 0
        undoCount = 0
        dirtyAllMark = nil
        writeSeq = 0
    }

    // MARK: dirty roots

    /// Fills `roots` with the dirty ids that have no proper prefix among the dirty ids,
    /// ascending; returns the count. Allocation-free (capacity reserved at init).
    func computeRoots() -> Int {
        hot.pointee.rootCount = 0
        if dirtyCount <= 64 {
            var i = 0
            while i < dirtyCount {
                let v = dirtyIds[i]
                var j = i
                while j > 0 && sortScratch[j - 1] > v { sortScratch[j] = sortScratch[j - 1]; j -= 1 }
                sortScratch[j] = v
                i += 1
            }
            i = 0
            while i < dirtyCount { addRootIfNoPrefix(sortScratch[i]); i += 1 }
        } else {
            let words = (pathCount + 63) / 64
            var w = 0
            while w < words {
                var bits = dirtyBits[w]
                while bits != 0 {
                    let b = bits.trailingZeroBitCount
                    bits &= bits &- 1
                    addRootIfNoPrefix(UInt32(w * 64 + b))
                }
                w += 1
            }
        }
        return hot.pointee.rootCount
    }

    @inline(__always)
    func addRootIfNoPrefix(_ id: UInt32) {
        var k = Int(prefixOffsets[Int(id)])
        let end = Int(prefixOffsets[Int(id) + 1]) - 1   // the last prefix is the path itself
        while k < end {
            let q = Int(prefixIds[k])
            if dirtyBits[q >> 6] & (UInt64(1) << UInt64(q & 63)) != 0 { return }
            k += 1
        }
        roots[hot.pointee.rootCount] = id
        hot.pointee.rootCount += 1
    }

    func fnv(_ n: Int) -> UInt32 { DirtySet.fnv1a(UnsafeBufferPointer(start: roots, count: n)) }

}
