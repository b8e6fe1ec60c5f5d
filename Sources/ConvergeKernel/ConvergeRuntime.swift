import CKernel
import Synchronization

/// How a runtime executes converge.
public enum ExecutionLevel: String, Sendable, CaseIterable {
    /// Pure Swift: the portable planner and a Swift executor, no C.
    case l0
    /// CKernel plans (one call per commit); Swift runs the step functions in plan order.
    case l1
    /// CKernel plans and walks the plan in one call, runs links itself and calls back into Swift
    /// only for computed steps.
    case l2
}

/// Options of a ``ConvergeRuntime``.
public struct RuntimeOptions: Sendable {
    public var level: ExecutionLevel = .l1
    /// The mode transactions converge in unless one overrides it.
    public var mode: ConvergeMode = .auto
    /// Which steps converge at commit (`all` by default; see docs/transactions.md).
    public var scope: PlanScope = .all
    /// The execution budget per converge (Logix default 200 ms), checked before every 32nd step;
    /// 0 = none.
    public var executionBudgetMs = 200.0
    public var auto = AutoPolicy()
    public var diagnostics: DiagnosticsLevel = .off
    public var instrumentation: InstrumentationLevel = .light
    /// Capacity of the per-transaction record buffers (diagnostics sampled / full).
    public var stepRecordCapacity = 4096
    public var patchRecordCapacity = 256
    /// The native kernel's options (L1, L2).
    public var native = NativeOptions()

    public init(level: ExecutionLevel = .l1, mode: ConvergeMode = .auto, diagnostics: DiagnosticsLevel = .off) {
        self.level = level
        self.mode = mode
        self.diagnostics = diagnostics
    }
}

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
    public let graph: StaticIR
    public let options: RuntimeOptions
    /// The state slots (kernel-owned memory for L1/L2).
    public let state: StateStore
    /// Fixed anchors.
    public let instanceId: UInt64
    public var txnSeq: UInt64 { hot.pointee.txnSeq }
    public var opSeq: UInt64 { hot.pointee.opSeq }
    /// The last transaction's summary (diagnostics light and above; untouched under off).
    public var lastSummary: TransactionSummary { summaryPtr.pointee }

    let native: NativePlanner?
    private let portable: PortablePlanner?
    private let decider: AutoDecider
    private let planBuffer: PlanBuffer
    // Derive functions live in class boxes reached through Unmanaged references: calling through
    // a guaranteed reference costs no retain/release per step (half the cost of a step here), and
    // a closure read back from a generic container would go through an allocating thunk.
    private final class Derive {
        let fn: DeriveFunction
        init(_ fn: @escaping DeriveFunction) { self.fn = fn }
    }
    private struct Observer { let token: Int; let fn: (TransactionResult) -> Void }
    private let derives: UnsafeMutablePointer<Unmanaged<Derive>?>
    private var observers: [Observer] = []
    private var nextObserver = 0

    // static tables as raw pointers (owned)
    private let stepCount: Int
    private let pathCount: Int
    private let inputOffsets: UnsafeMutablePointer<UInt32>
    private let inputPaths: UnsafeMutablePointer<UInt32>
    private let prefixOffsets: UnsafeMutablePointer<UInt32>
    private let prefixIds: UnsafeMutablePointer<UInt32>
    private let stepOut: UnsafeMutablePointer<UInt32>
    private let stepFlags: UnsafeMutablePointer<UInt8>
    private let fullPlan: UnsafeMutablePointer<UInt32>     // the scope's steps
    private let scopeLen: Int

    // Transaction tracking, all preallocated. The mutable scalars live behind a pointer (`hot`):
    // stored `var`s of a class pay a dynamic exclusivity check on every access, which the
    // per-write and per-step paths cannot afford.
    private struct Hot {
        var inTransaction = false
        var executing = false
        var failed = false           // a configuration error was recorded during converge
        var writeSeq: UInt64 = 0
        var dirtyCount = 0
        var undoCount = 0
        var rootCount = 0
        var dirtyAllMark: DirtyAllReason?
        var hasStepError = false
        var txnSeq: UInt64 = 0
        var opSeq: UInt64 = 0
        var lastDecisionNs: UInt64 = 0
    }
    private let summaryPtr: UnsafeMutablePointer<TransactionSummary>
    private let hot: UnsafeMutablePointer<Hot>
    private var inTransaction: Bool { get { hot.pointee.inTransaction } set { hot.pointee.inTransaction = newValue } }
    private var executing: Bool { get { hot.pointee.executing } set { hot.pointee.executing = newValue } }
    private var writeSeq: UInt64 { get { hot.pointee.writeSeq } set { hot.pointee.writeSeq = newValue } }
    private var dirtyCount: Int { get { hot.pointee.dirtyCount } set { hot.pointee.dirtyCount = newValue } }
    private var undoCount: Int { get { hot.pointee.undoCount } set { hot.pointee.undoCount = newValue } }
    private var dirtyAllMark: DirtyAllReason? { get { hot.pointee.dirtyAllMark } set { hot.pointee.dirtyAllMark = newValue } }
    private let dirtyBits: UnsafeMutablePointer<UInt64>
    private let dirtyIds: UnsafeMutablePointer<UInt32>
    private let undoBits: UnsafeMutablePointer<UInt64>
    private let undoIds: UnsafeMutablePointer<UInt32>
    private let undoTags: UnsafeMutablePointer<UInt8>
    private let undoValues: UnsafeMutablePointer<Double>
    private let roots: UnsafeMutablePointer<UInt32>          // [pathCount] dirty roots, ascending
    private let sortScratch: UnsafeMutablePointer<UInt32>
    // derived writes of the Swift executor (L0/L1)
    private let dUndoPaths: UnsafeMutablePointer<UInt32>
    private let dUndoTags: UnsafeMutablePointer<UInt8>
    private let dUndoValues: UnsafeMutablePointer<Double>
    // diagnostics buffers
    private let tracePtr: UnsafeMutablePointer<ck_trace_t>
    private var trace: ck_trace_t {
        get { tracePtr.pointee }
        _modify { yield &tracePtr.pointee }
    }
    private let stepRecords: UnsafeMutablePointer<ck_step_record_t>
    private let patchRecords: UnsafeMutablePointer<ck_patch_record_t>
    // failure state of the converge in progress
    private var configError: ConvergeError?
    private var stepError: (any Error)?

    private static let instances = Atomic<UInt64>(0)

    /// Builds a runtime for a compiled graph.
    /// - Throws: `kernelFailure` / `invalidArgument` from the native kernel (L1, L2);
    ///   `invalidArgument` for capacities below 0.
    public init(_ graph: StaticIR, options: RuntimeOptions = RuntimeOptions()) throws(ConvergeError) {
        if options.stepRecordCapacity < 0 || options.patchRecordCapacity < 0 {
            throw ConvergeError(.invalidArgument, "record capacities must be >= 0")
        }
        self.graph = graph
        self.options = options
        instanceId = Self.instances.add(1, ordering: .relaxed).newValue
        stepCount = graph.stepCount
        pathCount = graph.pathCount
        if options.level == .l0 {
            native = nil
            portable = PortablePlanner(graph)
            state = StateStore(graph: graph)
        } else {
            let n = try NativePlanner(graph, options: options.native)
            native = n
            portable = nil
            let view = n.stateView()
            state = StateStore(graph: graph, tags: view.tags, values: view.values, owner: n)
        }
        decider = AutoDecider(policy: options.auto, stepCount: graph.stepCount)
        planBuffer = PlanBuffer(for: graph)
        derives = .allocate(capacity: max(graph.stepCount, 1))
        derives.initialize(repeating: nil, count: max(graph.stepCount, 1))

        func copy<T>(_ a: [T]) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(a.count, 1))
            a.withUnsafeBufferPointer { if let b = $0.baseAddress { p.initialize(from: b, count: a.count) } }
            return p
        }
        inputOffsets = copy(graph.inputOffsets)
        inputPaths = copy(graph.inputPaths)
        prefixOffsets = copy(graph.pathPrefixOffsets)
        prefixIds = copy(graph.pathPrefixIds)
        stepOut = copy(graph.stepOutPath)
        stepFlags = copy(graph.stepFlags)
        let scopeSteps: [UInt32] = switch options.scope {
        case .immediate: graph.immediateSteps
        case .deferred: graph.deferredSteps
        case .all: (0..<graph.stepCount).map { UInt32($0) }
        }
        fullPlan = copy(scopeSteps)
        scopeLen = scopeSteps.count

        let words = (pathCount + 63) / 64 + 1
        func zeroed<T: FixedWidthInteger>(_ n: Int, _: T.Type) -> UnsafeMutablePointer<T> {
            let p = UnsafeMutablePointer<T>.allocate(capacity: max(n, 1))
            p.initialize(repeating: 0, count: max(n, 1))
            return p
        }
        dirtyBits = zeroed(words, UInt64.self)
        undoBits = zeroed(words, UInt64.self)
        dirtyIds = zeroed(pathCount, UInt32.self)
        undoIds = zeroed(pathCount, UInt32.self)
        undoTags = zeroed(pathCount, UInt8.self)
        undoValues = .allocate(capacity: max(pathCount, 1))
        sortScratch = zeroed(64, UInt32.self)
        roots = zeroed(pathCount, UInt32.self)
        hot = .allocate(capacity: 1)
        hot.initialize(to: Hot())
        summaryPtr = .allocate(capacity: 1)
        summaryPtr.initialize(to: TransactionSummary())
        tracePtr = .allocate(capacity: 1)
        tracePtr.initialize(to: ck_trace_t())
        dUndoPaths = zeroed(stepCount, UInt32.self)
        dUndoTags = zeroed(stepCount, UInt8.self)
        dUndoValues = .allocate(capacity: max(stepCount, 1))
        stepRecords = .allocate(capacity: max(options.stepRecordCapacity, 1))
        patchRecords = .allocate(capacity: max(options.patchRecordCapacity, 1))
        trace.steps = stepRecords
        trace.step_capacity = UInt32(options.stepRecordCapacity)
        trace.patches = patchRecords
        trace.patch_capacity = UInt32(options.patchRecordCapacity)
    }

    deinit {
        for p in [inputOffsets, inputPaths, prefixOffsets, prefixIds, stepOut, fullPlan, dirtyIds, undoIds,
                  sortScratch, dUndoPaths, roots] { p.deallocate() }
        for s in 0..<stepCount { derives[s]?.release() }
        derives.deinitialize(count: max(stepCount, 1))
        derives.deallocate()
        hot.deinitialize(count: 1)
        hot.deallocate()
        summaryPtr.deinitialize(count: 1)
        summaryPtr.deallocate()
        tracePtr.deallocate()
        stepFlags.deallocate(); dirtyBits.deallocate(); undoBits.deallocate(); undoTags.deallocate()
        undoValues.deallocate(); dUndoTags.deallocate(); dUndoValues.deallocate()
        stepRecords.deallocate(); patchRecords.deallocate()
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
    }

    /// Empties the plan caches (and re-arms them); the next auto decision reports `generation_bumped`.
    public func bumpGeneration() { decider.bumpGeneration() }

    // MARK: - observers

    /// Calls `fn` once after every transaction that changed state (never for one that did not).
    /// Returns a token for ``removeObserver(_:)``.
    @discardableResult
    public func observe(_ fn: @escaping (TransactionResult) -> Void) -> Int {
        nextObserver += 1
        observers.append(Observer(token: nextObserver, fn: fn))
        return nextObserver
    }

    public func removeObserver(_ token: Int) { observers.removeAll { $0.token == token } }

    // MARK: - diagnostics access (converts ids at the boundary, on request)

    /// The step records of the last transaction (sampled / full).
    public func lastStepRecords() -> [StepRecord] {
        (0..<Int(trace.step_count)).map {
            let r = stepRecords[$0]
            return StepRecord(stepId: Int(r.step_id), isLink: r.kind == 1, changed: r.changed != 0, durationNs: r.duration_ns)
        }
    }

    /// Records that did not fit the buffers in the last transaction.
    public var droppedRecords: (steps: UInt64, patches: UInt64) { (trace.steps_dropped, trace.patches_dropped) }

    /// The three slowest steps of the last transaction's records (step id, ns), slowest first.
    public func lastHotspots() -> [(stepId: Int, durationNs: UInt64)] {
        lastStepRecords().sorted { $0.durationNs > $1.durationNs }.prefix(3).map { ($0.stepId, $0.durationNs) }
    }

    /// The patch records of the last transaction (diagnostics full, instrumentation full).
    public func lastPatches() -> [PatchRecord] {
        (0..<Int(trace.patch_count)).map {
            let r = patchRecords[$0]
            let reason: PatchReason = r.reason == UInt8(CK_PATCH_COMPUTED) ? .traitComputed : r.reason == UInt8(CK_PATCH_LINK) ? .traitLink : .reducer
            return PatchRecord(opSeq: r.op_seq, pathId: Int(r.path_id), reason: reason,
                               stepId: r.step_id == .max ? nil : Int(r.step_id),
                               from: ConvergeValue(tag: r.from_tag, payload: r.from_value),
                               to: ConvergeValue(tag: r.to_tag, payload: r.to_value))
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
        hot.pointee.txnSeq += 1
        let txnSeq = hot.pointee.txnSeq
        writeSeq = txnSeq
        #if CONVERGE_NO_INSTRUMENTATION
        let light = false
        let traceLevel = UInt32(CK_TRACE_OFF)
        #else
        let light = options.diagnostics != .off
        let traceLevel: UInt32 = switch options.diagnostics {
        case .off, .light: UInt32(CK_TRACE_OFF)
        case .sampled: txnSeq % 32 == 0 ? UInt32(CK_TRACE_TIMING) : UInt32(CK_TRACE_OFF)
        case .full: options.instrumentation == .full ? UInt32(CK_TRACE_PATCHES) : UInt32(CK_TRACE_TIMING)
        }
        #endif
        trace.level = traceLevel
        if light && (options.diagnostics == .sampled || options.diagnostics == .full) {   // records are per transaction
            trace.step_count = 0
            trace.patch_count = 0
            trace.steps_dropped = 0
            trace.patches_dropped = 0
        }
        trace.op_seq = hot.pointee.opSeq
        do {
            try body(Transaction(runtime: self, seq: txnSeq))
        } catch {
            abortReducer()
            throw error
        }
        writeSeq = 0
        hot.pointee.opSeq = trace.op_seq

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
        let t0 = requested == .auto ? monotonicNowNs() : 0
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
        hot.pointee.opSeq = traceLevel == UInt32(CK_TRACE_OFF) ? hot.pointee.opSeq &+ UInt64(exec.changed) : trace.op_seq

        let committed = exec.derivedChanged || reducerChanged()
        let outcome: ConvergeOutcome = switch exec.outcome {
        case UInt32(CK_OUTCOME_RUNTIME_ERROR): .runtimeError(step: exec.failedStep)
        case UInt32(CK_OUTCOME_BUDGET_EXCEEDED): .budgetExceeded(step: exec.failedStep)
        default: .ok
        }
        let result = TransactionResult(txnSeq: txnSeq, committed: committed, outcome: outcome,
                                       executedMode: exec.executedMode, stepError: hot.pointee.hasStepError ? stepError : nil)
        if light {
            summary.executedMode = exec.executedMode
            summary.reasons = reasons
            summary.outcome = outcome
            summary.committed = committed
            summary.dirtyAllReason = dirtyAll
            summary.dirtyRoots = rootCount
            if rootCount > 0 { summary.topRoots.0 = roots[0] }
            if rootCount > 1 { summary.topRoots.1 = roots[1] }
            if rootCount > 2 { summary.topRoots.2 = roots[2] }
            summary.rootsTruncated = rootCount > 3
            summary.planLength = exec.planLength
            summary.executedSteps = exec.executed
            summary.affectedSteps = exec.changed
            summary.cacheHit = reasons.contains(.cacheHit)
            summary.inlineCacheEnabled = decider.inlineEnabled
            summary.lruCacheEnabled = decider.lruEnabled
            summary.boundaryCalls = exec.boundaryCalls
            summary.hostCallbacks = exec.hostCalls
            summary.bytesIn = exec.bytesIn
            summary.bytesOut = exec.bytesOut
            summary.decisionNs = exec.decisionNs
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

    private func notify(_ result: TransactionResult) {
        let list = observers
        var i = 0
        while i < list.count { list[i].fn(result); i += 1 }
    }

    // MARK: reducer writes

    func reducerWrite(_ seq: UInt64, _ id: UInt32, _ tag: UInt8, _ payload: Double) throws(ConvergeError) {
        try checkWritable(seq)
        try state.check(id)
        let i = Int(id)
        let w = i >> 6, bit = UInt64(1) << UInt64(i & 63)
        let oldTag = state.tags[i], old = state.values[i]
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
        if instrumentationCompiledIn && trace.level >= UInt32(CK_TRACE_PATCHES) {
            if trace.patch_count < trace.patch_capacity {
                var r = ck_patch_record_t()
                r.op_seq = trace.op_seq
                r.path_id = id
                r.step_id = .max
                r.reason = UInt8(CK_PATCH_REDUCER)
                r.from_tag = oldTag
                r.from_value = old
                r.to_tag = tag
                r.to_value = payload
                patchRecords[Int(trace.patch_count)] = r
                trace.patch_count += 1
            } else {
                trace.patches_dropped += 1
            }
        }
        trace.op_seq &+= 1
        state.store(i, tag, tag == ConvergeValue.numberTag ? payload : tag == ConvergeValue.booleanTag ? (payload != 0 ? 1 : 0) : 0)
    }

    func reducerMark(_ seq: UInt64, _ id: UInt32) throws(ConvergeError) {
        try checkWritable(seq)
        try state.check(id)
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
        // fallbackPolicy wins over unknownWrite (as DirtySet resolves paths)
        if dirtyAllMark != .fallbackPolicy { dirtyAllMark = reason }
    }

    private func checkWritable(_ seq: UInt64) throws(ConvergeError) {
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
    private func reducerChanged() -> Bool {
        var k = 0
        while k < undoCount {
            let i = Int(undoIds[k])
            if !ConvergeValue.same(state.tags[i], state.values[i], undoTags[k], undoValues[k]) { return true }
            k += 1
        }
        return false
    }

    /// Restores every reducer-written slot (in reverse) and clears the tracking.
    private func abortReducer() {
        var k = undoCount
        while k > 0 {
            k -= 1
            state.store(Int(undoIds[k]), undoTags[k], undoValues[k])
        }
        if trace.level != UInt32(CK_TRACE_OFF) {
            trace.patch_count = 0
            trace.step_count = 0
        }
        trace.op_seq = hot.pointee.opSeq
        clearTracking()
    }

    private func clearTracking() {
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
    private func computeRoots() -> Int {
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
    private func addRootIfNoPrefix(_ id: UInt32) {
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

    private func fnv(_ n: Int) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        var i = 0
        while i < n { h ^= roots[i]; h = h &* 16_777_619; i += 1 }
        return h
    }

    // MARK: converge

    struct ExecCounters {
        var outcome = UInt32(CK_OUTCOME_OK)
        var failedStep = -1
        var executedMode: ExecutedMode?
        var planLength = 0
        var executed = 0
        var changed = 0
        var derivedChanged = false
        var boundaryCalls = 0
        var hostCalls = 0
        var bytesIn = 0
        var bytesOut = 0
        var decisionNs: UInt64 = 0
    }

    private var budgetNs: UInt64 { options.executionBudgetMs > 0 ? UInt64(options.executionBudgetMs * 1e6) : 0 }

    private func converge(decision: AutoDecision, auto: Bool, rootCount: Int, key: UInt32, dirtyAll: DirtyAllReason?,
                          reasons: inout DecisionReasons, decisionStart: UInt64) throws(ConvergeError) -> ExecCounters {
        var c = ExecCounters()
        if scopeLen == 0 { return c }
        let fullStart = auto && decider.measuresFull ? monotonicNowNs() : 0
        var ranFull = false
        if options.level == .l2, let native {
            c = try convergeL2(native, decision: decision, auto: auto, rootCount: rootCount, key: key,
                               dirtyAll: dirtyAll, reasons: &reasons, decisionStart: decisionStart)
            ranFull = c.executedMode == .full
            if auto && c.outcome == UInt32(CK_OUTCOME_OK) && decider.samplesConverge(full: ranFull) {
                decider.recordConverge(full: ranFull, ns: monotonicNowNs() &- decisionStart, roots: rootCount)
            }
        } else {
            // L0 / L1: plan (0 or 1 C call for L1), then the Swift executor
            var plan: UnsafePointer<UInt32> = UnsafePointer(fullPlan)
            var length = scopeLen
            var decided: UInt64 = 0
            c.executedMode = .full
            switch decision {
            case .full:
                if let native {
                    // L1 asks the kernel for the full plan too: one call per commit
                    try planWith(native, mode: .full, dirtyAll: nil, rootCount: 0, c: &c)
                    plan = planBuffer.storage.withUnsafeBufferPointer { UnsafePointer($0.baseAddress!) }
                    length = planBuffer.count
                }
            case .cached(let cache, let entry):
                (plan, length) = cache.plan(entry)
                c.executedMode = .dirty
            case .plan(let store):
                if let native {
                    try planWith(native, mode: .dirty, dirtyAll: dirtyAll, rootCount: rootCount, c: &c)
                } else if let portable {
                    try portable.plan(roots: UnsafeBufferPointer(start: roots, count: rootCount), dirtyAll: dirtyAll,
                                      mode: .dirty, scope: options.scope, into: planBuffer)
                }
                length = planBuffer.count
                plan = planBuffer.storage.withUnsafeBufferPointer { UnsafePointer($0.baseAddress!) }
                c.executedMode = .dirty
                if auto {
                    decided = monotonicNowNs()
                    let planNs = decided &- decisionStart
                    if stepCount >= 32 && options.auto.decisionBudgetMs > 0 && Double(planNs) > options.auto.decisionBudgetMs * 1e6 {
                        reasons.insert(.budgetCutoff)
                        (plan, length) = (UnsafePointer(fullPlan), scopeLen)
                        c.executedMode = .full
                    } else if options.auto.nearFullPlanRatio > 0 && Double(length) >= options.auto.nearFullPlanRatio * Double(scopeLen) {
                        reasons.insert(.nearFull)
                        (plan, length) = (UnsafePointer(fullPlan), scopeLen)
                        c.executedMode = .full
                    } else if let store {
                        store.store(key, roots, rootCount, plan: plan, length: length)
                    }
                }
            }
            if auto {
                if decided == 0 { decided = monotonicNowNs() }
                c.decisionNs = decided &- decisionStart
            }
            ranFull = c.executedMode == .full
            c.planLength = length
            executeSwift(plan, length, &c)
        }
        if auto && c.outcome == UInt32(CK_OUTCOME_OK) && decider.samplesConverge(full: ranFull) {
            decider.recordConverge(full: ranFull, ns: monotonicNowNs() &- decisionStart, roots: rootCount)
        }
        if ranFull && fullStart != 0 && c.outcome == UInt32(CK_OUTCOME_OK) { decider.recordFull(ns: monotonicNowNs() &- fullStart) }
        return c
    }

    /// L1: one `ck_kernel_plan` call into the plan buffer.
    private func planWith(_ native: NativePlanner, mode: PlanMode, dirtyAll: DirtyAllReason?, rootCount: Int,
                          c: inout ExecCounters) throws(ConvergeError) {
        try native.plan(roots: UnsafeBufferPointer(start: roots, count: rootCount), dirtyAll: dirtyAll,
                        mode: mode, scope: options.scope, into: planBuffer)
        c.boundaryCalls += 1
        c.bytesIn += 4 * (mode == .full ? 0 : rootCount)
        c.bytesOut += 4 * planBuffer.count + MemoryLayout<ck_plan_result_t>.size
    }

    /// The Swift executor (L0, L1): mirrors `ck_kernel_execute`.
    private func executeSwift(_ plan: UnsafePointer<UInt32>, _ n: Int, _ c: inout ExecCounters) {
        // two copies of the loop: the traced one, and one where tracing is the constant `false`
        // (so diagnostics off pays no per-step test, as in a build with instrumentation compiled out)
        if instrumentationCompiledIn && trace.level != UInt32(CK_TRACE_OFF) {
            executeLoop(plan, n, &c, Traced.self)
        } else {
            executeLoop(plan, n, &c, Untraced.self)
        }
    }

    /// The trace switch as a type, so that generic specialization folds it into each copy.
    private protocol TraceSwitch { static var on: Bool { get } }
    private enum Traced: TraceSwitch { static var on: Bool { true } }
    private enum Untraced: TraceSwitch { static var on: Bool { false } }

    private func executeLoop<T: TraceSwitch>(_ plan: UnsafePointer<UInt32>, _ n: Int, _ c: inout ExecCounters, _: T.Type) {
        let traced = T.on
        let tags = state.tags, values = state.values
        let stepFlags = self.stepFlags, inputOffsets = self.inputOffsets, inputPaths = self.inputPaths
        let stepOut = self.stepOut, dUndoPaths = self.dUndoPaths, dUndoTags = self.dUndoTags, dUndoValues = self.dUndoValues
        let budget = budgetNs
        let start = budget != 0 ? budgetNowNs(budget) : 0
        let timing = traced
        let patches = traced && trace.level >= UInt32(CK_TRACE_PATCHES)
        let steps0 = traced ? trace.step_count : 0, patches0 = traced ? trace.patch_count : 0
        let op0 = traced ? trace.op_seq : 0
        let sd0 = traced ? trace.steps_dropped : 0, pd0 = traced ? trace.patches_dropped : 0
        var writes = 0, i = 0
        var outcome = UInt32(CK_OUTCOME_OK), failed = -1
        while i < n {
            let s = Int(plan[i])
            if budget != 0 && i > 0 && i & 31 == 0 && budgetNowNs(budget) &- start > budget {
                outcome = UInt32(CK_OUTCOME_BUDGET_EXCEEDED)
                failed = s
                break
            }
            let t0 = timing ? monotonicNowNs() : 0
            var tag: UInt8 = ConvergeValue.undefinedTag
            var value = 0.0
            let link = stepFlags[s] & 2 != 0
            let lo = Int(inputOffsets[s])
            if link {
                if Int(inputOffsets[s + 1]) > lo, inputPaths[lo] != .max {
                    let from = Int(inputPaths[lo])
                    tag = tags[from]
                    value = values[from]
                }
            } else {
                let status = runDerive(s, &tag, &value)
                if status != CK_HOST_OK {
                    outcome = status == CK_HOST_THREW ? UInt32(CK_OUTCOME_RUNTIME_ERROR) : UInt32(CK_OUTCOME_HOST_ABORT)
                    failed = s
                    i += 1
                    break
                }
            }
            let p = Int(stepOut[s])
            let same = ConvergeValue.same(tags[p], values[p], tag, value)
            if !same {
                dUndoPaths[writes] = UInt32(p)
                dUndoTags[writes] = tags[p]
                dUndoValues[writes] = values[p]
                writes += 1
                if patches {
                    if trace.patch_count < trace.patch_capacity {
                        var r = ck_patch_record_t()
                        r.op_seq = trace.op_seq
                        r.path_id = UInt32(p)
                        r.step_id = UInt32(s)
                        r.reason = link ? UInt8(CK_PATCH_LINK) : UInt8(CK_PATCH_COMPUTED)
                        r.from_tag = tags[p]
                        r.from_value = values[p]
                        r.to_tag = tag
                        r.to_value = value
                        patchRecords[Int(trace.patch_count)] = r
                        trace.patch_count += 1
                    } else {
                        trace.patches_dropped += 1
                    }
                }
                if timing { trace.op_seq &+= 1 }
                tags[p] = tag
                values[p] = value
            }
            if timing {
                if trace.step_count < trace.step_capacity {
                    stepRecords[Int(trace.step_count)] = ck_step_record_t(
                        step_id: UInt32(s), kind: link ? 1 : 0, changed: same ? 0 : 1, reserved: 0,
                        duration_ns: monotonicNowNs() &- t0)
                    trace.step_count += 1
                } else {
                    trace.steps_dropped += 1
                }
            }
            i += 1
        }
        c.executed = i
        c.outcome = outcome
        c.failedStep = failed
        if outcome != UInt32(CK_OUTCOME_OK) {
            var k = writes
            while k > 0 {
                k -= 1
                let p = Int(dUndoPaths[k])
                tags[p] = dUndoTags[k]
                values[p] = dUndoValues[k]
            }
            if timing {
                trace.step_count = steps0
                trace.patch_count = patches0
                trace.steps_dropped = sd0
                trace.patches_dropped = pd0
                trace.op_seq = op0
            }
            c.changed = 0
            return
        }
        c.changed = writes
        var k = 0
        while k < writes {
            let p = Int(dUndoPaths[k])
            if undoBits[p >> 6] & (UInt64(1) << UInt64(p & 63)) == 0 { c.derivedChanged = true; break }
            k += 1
        }
    }

    /// Runs the derive function of computed step `s` into (tag, value); a `CK_HOST_*` status.
    @inline(__always)
    fileprivate final func runDerive(_ s: Int, _ tag: inout UInt8, _ value: inout Double) -> Int32 {
        guard let box = derives[s] else {
            if !hot.pointee.failed {
                hot.pointee.failed = true
                configError = ConvergeError(.missingStepFunction, "computed step \(s) (\"\(graph.out(ofStep: s))\") has no derive function")
            }
            return CK_HOST_ABORT
        }
        let lo = Int(inputOffsets[s])
        let inputs = StepInputs(tags: state.tags, values: state.values, paths: inputPaths + lo,
                                count: Int(inputOffsets[s + 1]) - lo)
        do {
            let v = try box._withUnsafeGuaranteedRef { (d) throws -> ConvergeValue in try d.fn(inputs) }
            if hot.pointee.failed { return CK_HOST_ABORT }   // it wrote a slot and swallowed the error
            tag = v.tag
            value = v.payload
            return CK_HOST_OK
        } catch {
            if hot.pointee.failed { return CK_HOST_ABORT }
            stepError = error
            hot.pointee.hasStepError = true
            return CK_HOST_THREW
        }
    }

    // MARK: L2

    private func convergeL2(_ native: NativePlanner, decision: AutoDecision, auto: Bool, rootCount: Int, key: UInt32,
                            dirtyAll: DirtyAllReason?, reasons: inout DecisionReasons,
                            decisionStart: UInt64) throws(ConvergeError) -> ExecCounters {
        var c = ExecCounters()
        var opts = ck_exec_options_t()
        opts.host_steps = convergeHostSteps
        opts.host_context = Unmanaged.passUnretained(self).toOpaque()
        opts.budget_ns = budgetNs
        var er = ck_exec_result_t()
        var pr = ck_plan_result_t()
        let traced = instrumentationCompiledIn && trace.level != UInt32(CK_TRACE_OFF)
        do {
            opts.trace = traced ? tracePtr : nil
            switch decision {
            case .cached(let cache, let entry):
                let (plan, length) = cache.plan(entry)
                if auto { c.decisionNs = monotonicNowNs() &- decisionStart }   // (no planning)
                try native.execute(plan: plan, count: length, options: &opts, exec: &er)
                c.executedMode = .dirty
                c.planLength = length
                c.bytesIn = 4 * length
                c.bytesOut = MemoryLayout<ck_exec_result_t>.size
            case .full, .plan:
                var store: PlanCache? = nil
                var mode = PlanMode.full
                if case .plan(let s) = decision {
                    store = s
                    mode = .dirty
                    if auto {
                        opts.near_full_plan_ratio = options.auto.nearFullPlanRatio
                        opts.decision_budget_ns = options.auto.decisionBudgetMs > 0 ? UInt64(options.auto.decisionBudgetMs * 1e6) : 0
                        opts.decision_start_ns = decisionStart   // the kernel times the decision to the plan's end
                    }
                } else if auto {
                    c.decisionNs = monotonicNowNs() &- decisionStart     // full: no planning
                }
                let capacity = planBuffer.storage.count
                try planBuffer.storage.withUnsafeMutableBufferPointer { (out) throws(ConvergeError) in
                    do {
                        let r = roots
                        try native.commit(roots: r, count: mode == .full ? 0 : rootCount, mode: mode,
                                          scope: options.scope, dirtyAll: dirtyAll != nil, out: out.baseAddress!,
                                          capacity: capacity, options: &opts, plan: &pr, exec: &er)
                        if auto && mode == .dirty { c.decisionNs = er.plan_ns }
                        if er.switched == UInt32(CK_SWITCH_BUDGET_CUTOFF) { reasons.insert(.budgetCutoff) }
                        if er.switched == UInt32(CK_SWITCH_NEAR_FULL) { reasons.insert(.nearFull) }
                        if let store, er.switched == UInt32(CK_SWITCH_NONE) {
                            store.store(key, r, rootCount,
                                            plan: UnsafePointer(out.baseAddress!), length: Int(pr.step_count))
                        }
                    }
                }
                c.executedMode = pr.executed_mode == UInt32(CK_EXECUTED_FULL) ? .full : .dirty
                c.planLength = Int(pr.step_count)
                c.bytesIn = 4 * (mode == .full ? 0 : rootCount)
                c.bytesOut = 4 * Int(pr.step_count) + MemoryLayout<ck_plan_result_t>.size + MemoryLayout<ck_exec_result_t>.size
            }
        }
        c.boundaryCalls = 1
        c.outcome = er.outcome
        c.failedStep = er.failed_step == .max ? -1 : Int(er.failed_step)
        c.executed = Int(er.executed_steps)
        c.changed = Int(er.changed_steps)
        c.hostCalls = Int(er.host_calls)
        if c.outcome == UInt32(CK_OUTCOME_OK) {
            let writes = native.lastWrites()
            var k = 0
            while k < writes.count {
                let p = Int(writes[k])
                if undoBits[p >> 6] & (UInt64(1) << UInt64(p & 63)) == 0 { c.derivedChanged = true; break }
                k += 1
            }
        } else if c.outcome == UInt32(CK_OUTCOME_BAD_VALUE), !hot.pointee.failed {
            hot.pointee.failed = true
            configError = ConvergeError(.kernelFailure, "step \(c.failedStep) returned a value with an unknown tag")
        }
        return c
    }

    /// Runs a batch of computed steps for the kernel (L2), into its output arrays.
    @inline(__always)
    fileprivate final func hostSteps(_ steps: UnsafePointer<UInt32>, _ count: Int, _ tags: UnsafeMutablePointer<UInt8>,
                                     _ values: UnsafeMutablePointer<Double>, _ completed: UnsafeMutablePointer<UInt32>) -> Int32 {
        var b = 0
        while b < count {
            let status = runDerive(Int(steps[b]), &tags[b], &values[b])
            if status != CK_HOST_OK {
                completed.pointee = UInt32(b)
                return status
            }
            b += 1
        }
        return CK_HOST_OK
    }
}

/// The L2 host callback: C calls it with each batch of computed steps; `context` is the runtime.
private let convergeHostSteps: ck_host_batch_fn = { context, steps, count, tags, values, completed in
    guard let context, let steps, let tags, let values, let completed else { return CK_HOST_ABORT }
    // a guaranteed reference: no retain/release of the runtime per callback
    return Unmanaged<ConvergeRuntime>.fromOpaque(context)._withUnsafeGuaranteedRef {
        $0.hostSteps(steps, Int(count), tags, values, completed)
    }
}
