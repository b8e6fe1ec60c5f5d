// ConvergeRuntime+CoreTransaction.swift — L1–L4 transactions on the C transaction core (one
// ck_txn_commit each).


/// L1–L3 transactions: the reducer appends to the C core's write log, then one `ck_txn_commit`
/// applies it, decides (auto mode in C), plans and — at L2/L3 — executes, commits or rolls back.
/// At L1 the core returns the plan and the Swift executor runs it over the kernel's slots.
extension ConvergeRuntime {
    func coreTransaction(_ core: TransactionCore, mode: ConvergeMode?, _ body: (Transaction) throws -> Void) throws -> TransactionResult {
        let (txnSeq, light, traceLevel) = beginTransaction()
        let opBase = core.log.pointee.opSeq
        do {
            try body(Transaction(runtime: self, seq: txnSeq))
        } catch {
            abortCore(core)
            throw error
        }
        writeSeq = 0

        let requested = mode ?? options.mode
        var flags: UInt32 = 0
        if mode != nil && options.mode == .auto && mode != .auto { flags |= KernelABI.Txn.override }
        let planOnly = options.level == .l1
        var hostExecNs: UInt64 = 0
        if planOnly {
            flags |= KernelABI.Txn.planOnly
            hostExecNs = hot.pointee.pendingExecNs
            hot.pointee.pendingExecNs = 0
        }
        var request = TxnRequest(requesting: KernelABI.Txn.mode(requested), flags: flags, hostExecNs: hostExecNs)
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
        var r = TxnResult.empty
        do {
            try core.commit(&request, &r)
        } catch {
            executing = false
            abortCore(core)
            throw error
        }
        var c = ExecCounters()
        c.outcome = r.outcomeCode
        c.failedStep = r.failedStepId.map { Int($0) } ?? -1
        c.executed = r.executedSteps
        c.changed = r.changedSteps
        c.hostCalls = r.hostCalls
        c.vmSteps = r.vmSteps
        c.planLength = r.planLength
        c.executedMode = KernelABI.executedMode(r.executedModeCode)
        if planOnly && c.executedMode != nil, let plan = r.planIds {
            // L1: the Swift executor runs the core's plan over the kernel's slots
            let t0 = r.wantsExecNs ? monotonicNowNs() : 0
            let traced = instrumentationCompiledIn && traceLevel != KernelABI.Trace.off
            if traced { trace.opSeq = core.log.pointee.opSeq }
            executeSwift(plan, r.planLength, &c)
            core.log.pointee.opSeq = traced ? trace.opSeq : core.log.pointee.opSeq &+ UInt64(c.changed)
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
            if trace.recordLevel != KernelABI.Trace.off { trace.discardRecords() }
            throw e
        }

        // L1: the host decides after its execution (a step may write a reducer's slot back)
        let committed = planOnly && c.executedMode != nil ? c.derivedChanged || coreReducerChanged(core) : r.didCommit || c.derivedChanged
        let result = transactionResult(txnSeq, committed: committed, c)
        if light {
            var summary = TransactionSummary()
            summary.instanceId = instanceId
            summary.txnSeq = txnSeq
            summary.requestedMode = requested
            summary.totalSteps = scopeLen
            summary.committed = committed
            if r.didConverge {
                // one call; in: the write records the kernel applied; out: the result record (and,
                // at L1, the plan the host reads)
                c.boundaryCalls = 1
                c.bytesIn = KernelABI.writeRecordBytes * r.logEntries
                c.bytesOut = KernelABI.txnResultBytes + (planOnly ? 4 * c.planLength : 0)
                c.decisionNs = r.decisionNs
                summarize(c, into: &summary, outcome: result.outcome, reasons: DecisionReasons(rawValue: UInt16(truncatingIfNeeded: r.reasonBits)),
                          dirtyAll: KernelABI.dirtyAllReason(r.dirtyAllCode), roots: r.dirtyRoots, topRoots: r.topRoots,
                          caches: (r.cacheHit, r.inlineCacheEnabled, r.lruCacheEnabled))
                summary.fallbackSteps = options.level.runsBytecode ? hot.pointee.hostSteps : 0
            }
            summaryPtr.pointee = summary
        }
        hot.pointee.lastDecisionNs = r.decisionNs
        if hot.pointee.hasStepError { stepError = nil; hot.pointee.hasStepError = false }
        if committed { notify(result) }
        return result
    }

    /// Aborts the transaction in the core (every reducer write undone) and drops its records.
    func abortCore(_ core: TransactionCore) {
        core.abort()
        if trace.recordLevel != KernelABI.Trace.off { trace.discardRecords() }
        writeSeq = 0
    }

    /// True when some reducer-written slot differs (Object.is) from its base value (L1, after
    /// the Swift executor ran the core's plan).
    func coreReducerChanged(_ core: TransactionCore) -> Bool {
        let log = core.log.pointee
        return slotsDiffer(from: log.undoIds, log.undoTags, log.undoValues, count: log.undoCount)
    }

    /// L1: restores the reducer's writes of a transaction the core committed (its plan then
    /// failed on a configuration error in the Swift executor, which undid the derived writes).
    func undoCommittedReducer(_ core: TransactionCore, opBase: UInt64) {
        let log = core.log.pointee
        var k = log.undoCount
        while k > 0 {
            k -= 1
            state.store(Int(log.undoIds[k]), log.undoTags[k], log.undoValues[k])
        }
        core.log.pointee.opSeq = opBase
    }

    /// A write the core's log refused: an id outside the registry, or the flush of a full log.
    func coreWriteFailed(_ id: UInt32) throws(ConvergeError) {
        try state.check(id)
        try core?.flush()
    }
}
