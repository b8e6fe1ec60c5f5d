// ConvergeRuntime+CoreTransaction.swift — L1–L4 transactions on the C transaction core (one
// ck_txn_commit each).


/// L1–L3 transactions: the reducer appends to the C core's write log, then one `ck_txn_commit`
/// applies it, decides (auto mode in C), plans and — at L2/L3 — executes, commits or rolls back.
/// At L1 the core returns the plan and the Swift executor runs it over the kernel's slots.
extension ConvergeRuntime {
    func coreTransaction(_ core: TransactionCore, mode: ConvergeMode?, _ body: (Transaction) throws -> Void) throws -> TransactionResult {
        let (txnSeq, light, traceLevel) = beginTransaction()
        let opBase = core.log.pointee.op_seq
        do {
            try body(Transaction(runtime: self, seq: txnSeq))
        } catch {
            abortCore(core)
            throw error
        }
        writeSeq = 0

        let requested = mode ?? options.mode
        var request = TxnRequest()
        request.mode = KernelABI.Txn.mode(requested)
        if mode != nil && options.mode == .auto && mode != .auto { request.flags |= KernelABI.Txn.override }
        let planOnly = options.level == .l1
        if planOnly {
            request.flags |= KernelABI.Txn.planOnly
            request.host_exec_ns = hot.pointee.pendingExecNs
            hot.pointee.pendingExecNs = 0
        }
        if hot.pointee.codeStale, let code = compileReport.bytecode, let native {
            // once after derive(...) replaced compiled steps: reload without their programs
            let overrides = hostOverrides
            do { try native.loadCode(code.removingPrograms { overrides.contains($0) }) } catch { abortCore(core); throw error }
            hot.pointee.codeStale = false
        }
        if hot.pointee.hasStepError { stepError = nil; hot.pointee.hasStepError = false }
        hot.pointee.hostSteps = 0
        hot.pointee.failed = false
        executing = true
        var r = TxnResult()
        do {
            try core.commit(&request, &r)
        } catch {
            executing = false
            abortCore(core)
            throw error
        }
        var c = ExecCounters()
        c.outcome = r.outcome
        c.failedStep = r.failed_step == .max ? -1 : Int(r.failed_step)
        c.executed = Int(r.executed_steps)
        c.changed = Int(r.changed_steps)
        c.hostCalls = Int(r.host_calls)
        c.vmSteps = Int(r.vm_steps)
        c.planLength = Int(r.plan_len)
        c.executedMode = KernelABI.executedMode(r.executed_mode)
        if planOnly && c.executedMode != nil, let plan = r.plan {
            // L1: the Swift executor runs the core's plan over the kernel's slots
            let t0 = r.wants_exec_ns != 0 ? monotonicNowNs() : 0
            let traced = instrumentationCompiledIn && traceLevel != KernelABI.Trace.off
            if traced { trace.op_seq = core.log.pointee.op_seq }
            executeSwift(plan, Int(r.plan_len), &c)
            core.log.pointee.op_seq = traced ? trace.op_seq : core.log.pointee.op_seq &+ UInt64(c.changed)
            if t0 != 0 && c.outcome == KernelABI.Outcome.ok { hot.pointee.pendingExecNs = max(1, monotonicNowNs() &- t0) }
        }
        executing = false
        if !planOnly && c.outcome == KernelABI.Outcome.badValue, !hot.pointee.failed {
            hot.pointee.failed = true
            configError = ConvergeError(.kernelFailure, "step \(c.failedStep) returned a value with an unknown tag")
        }
        if hot.pointee.failed, let e = configError {
            // the executor rolled back the derived writes; the core undid the reducer's (L2/L3:
            // r.aborted), or the L1 host does it from the core's undo log
            configError = nil
            hot.pointee.failed = false
            if planOnly { undoCommittedReducer(core, opBase: opBase) }
            if trace.level != KernelABI.Trace.off { trace.patch_count = 0; trace.step_count = 0 }
            throw e
        }

        // L1: the host decides after its execution (a step may write a reducer's slot back)
        let committed = planOnly && c.executedMode != nil ? c.derivedChanged || coreReducerChanged(core) : r.committed != 0 || c.derivedChanged
        let result = transactionResult(txnSeq, committed: committed, c)
        if light {
            var summary = TransactionSummary()
            summary.instanceId = instanceId
            summary.txnSeq = txnSeq
            summary.requestedMode = requested
            summary.totalSteps = scopeLen
            summary.committed = committed
            if r.converged != 0 {
                summary.executedMode = c.executedMode
                summary.reasons = DecisionReasons(rawValue: UInt16(truncatingIfNeeded: r.reasons))
                summary.outcome = result.outcome
                summary.dirtyAllReason = KernelABI.dirtyAllReason(r.dirty_all)
                summary.dirtyRoots = Int(r.dirty_roots)
                summary.topRoots = (r.top_roots.0, r.top_roots.1, r.top_roots.2)
                summary.rootsTruncated = r.dirty_roots > 3
                summary.planLength = c.planLength
                summary.executedSteps = c.executed
                summary.affectedSteps = c.changed
                summary.cacheHit = r.cache_hit != 0
                summary.inlineCacheEnabled = r.inline_enabled != 0
                summary.lruCacheEnabled = r.lru_enabled != 0
                // one call; in: the write records the kernel applied; out: the result record (and,
                // at L1, the plan the host reads)
                summary.boundaryCalls = 1
                summary.hostCallbacks = c.hostCalls
                summary.vmSteps = c.vmSteps
                summary.fallbackSteps = options.level.runsBytecode ? hot.pointee.hostSteps : 0
                summary.bytesIn = KernelABI.writeRecordBytes * Int(r.log_entries)
                summary.bytesOut = KernelABI.txnResultBytes + (planOnly ? 4 * c.planLength : 0)
                summary.decisionNs = r.decision_ns
            }
            summaryPtr.pointee = summary
        }
        hot.pointee.lastDecisionNs = r.decision_ns
        if hot.pointee.hasStepError { stepError = nil; hot.pointee.hasStepError = false }
        if committed { notify(result) }
        return result
    }

    /// Aborts the transaction in the core (every reducer write undone) and drops its records.
    func abortCore(_ core: TransactionCore) {
        core.abort()
        if trace.level != KernelABI.Trace.off {
            trace.patch_count = 0
            trace.step_count = 0
        }
        writeSeq = 0
    }

    /// True when some reducer-written slot differs (Object.is) from its base value (L1, after
    /// the Swift executor ran the core's plan).
    func coreReducerChanged(_ core: TransactionCore) -> Bool {
        let log = core.log.pointee
        return slotsDiffer(from: log.undo_ids, log.undo_tags, log.undo_values, count: Int(log.undo_count))
    }

    /// L1: restores the reducer's writes of a transaction the core committed (its plan then
    /// failed on a configuration error in the Swift executor, which undid the derived writes).
    func undoCommittedReducer(_ core: TransactionCore, opBase: UInt64) {
        let log = core.log.pointee
        var k = Int(log.undo_count)
        while k > 0 {
            k -= 1
            state.store(Int(log.undo_ids[k]), log.undo_tags[k], log.undo_values[k])
        }
        core.log.pointee.op_seq = opBase
    }

    /// A write the core's log refused: an id outside the registry, or the flush of a full log.
    func coreWriteFailed(_ id: UInt32) throws(ConvergeError) {
        try state.check(id)
        try core?.flush()
    }
}
