// ConvergeRuntime+SwiftTransaction.swift — transactions planned and executed in Swift (L0, and L1
// with a plugged-in planner).


/// Converge inside a Swift transaction (L0, and L1 with an external planner): the plan per
/// decision and the Swift executor that mirrors `ck_kernel_execute` (the C core's L1 runs it too).
extension ConvergeRuntime {
    // MARK: converge

    struct ExecCounters {
        var outcome = KernelABI.Outcome.ok
        var failedStep = -1
        var executedMode: ExecutedMode?
        var planLength = 0
        var executed = 0
        var changed = 0
        var derivedChanged = false
        var boundaryCalls = 0
        var hostCalls = 0
        var vmSteps = 0
        var bytesIn = 0
        var bytesOut = 0
        var decisionNs: UInt64 = 0

        /// The kernel's outcome code (`CK_OUTCOME_*`) as the result reports it.
        var convergeOutcome: ConvergeOutcome {
            switch outcome {
            case KernelABI.Outcome.runtimeError: .runtimeError(step: failedStep)
            case KernelABI.Outcome.budgetExceeded: .budgetExceeded(step: failedStep)
            default: .ok
            }
        }
    }

    /// The converge's part of a light summary, the same at every level: what ran and why, the
    /// roots, the caches' state, and what crossed the boundary (in `c`).
    func summarize(_ c: ExecCounters, into summary: inout TransactionSummary, outcome: ConvergeOutcome, reasons: DecisionReasons,
                   dirtyAll: DirtyAllReason?, roots: Int, topRoots: (UInt32, UInt32, UInt32), caches: (hit: Bool, inline: Bool, lru: Bool)) {
        summary.executedMode = c.executedMode
        summary.reasons = reasons
        summary.outcome = outcome
        summary.dirtyAllReason = dirtyAll
        summary.dirtyRoots = roots
        summary.topRoots = topRoots
        summary.rootsTruncated = roots > 3
        summary.planLength = c.planLength
        summary.executedSteps = c.executed
        summary.affectedSteps = c.changed
        (summary.cacheHit, summary.inlineCacheEnabled, summary.lruCacheEnabled) = caches
        summary.boundaryCalls = c.boundaryCalls
        summary.hostCallbacks = c.hostCalls
        summary.vmSteps = c.vmSteps
        summary.bytesIn = c.bytesIn
        summary.bytesOut = c.bytesOut
        summary.decisionNs = c.decisionNs
    }

    /// The result of transaction `txnSeq` whose converge ran with `counters`.
    func transactionResult(_ txnSeq: UInt64, committed: Bool, _ counters: ExecCounters) -> TransactionResult {
        TransactionResult(txnSeq: txnSeq, committed: committed, outcome: counters.convergeOutcome,
                          executedMode: counters.executedMode, stepError: hot.pointee.hasStepError ? stepError : nil)
    }

    var budgetNs: UInt64 { options.executionBudgetMs > 0 ? UInt64(options.executionBudgetMs * 1e6) : 0 }

    func converge(decision: AutoDecision, auto: Bool, rootCount: Int, key: UInt32, dirtyAll: DirtyAllReason?,
                          reasons: inout DecisionReasons, decisionStart: UInt64) throws(ConvergeError) -> ExecCounters {
        var c = ExecCounters()
        if scopeLen == 0 { return c }
        let fullStart = auto && decider.measuresFull ? monotonicNowNs() : 0
        var ranFull = false
        do {
            // L0, or an external L1 planner: plan (0 or 1 planner call), then the Swift executor
            var plan: UnsafePointer<UInt32> = UnsafePointer(fullPlan)
            var length = scopeLen
            var decided: UInt64 = 0, planStart: UInt64 = 0
            c.executedMode = .full
            switch decision {
            case .full:
                if let external {
                    // an L1 planner is asked for the full plan too: one call per commit
                    try planWith(external, mode: .full, dirtyAll: nil, rootCount: 0, c: &c)
                    plan = planBuffer.storage.withUnsafeBufferPointer { UnsafePointer($0.baseAddress!) }
                    length = planBuffer.count
                }
            case .cached(let cache, let entry):
                (plan, length) = cache.plan(entry)
                c.executedMode = .dirty
            case .plan(let store):
                // planning is timed (the decision budget) when it can be long: graphs of 32 steps
                // or more; a sampled transaction is timed from the decision's start
                planStart = decisionStart != 0 ? decisionStart
                    : auto && stepCount >= 32 && options.auto.decisionBudgetMs > 0 ? monotonicNowNs() : 0
                if let external {
                    try planWith(external, mode: .dirty, dirtyAll: dirtyAll, rootCount: rootCount, c: &c)
                } else if let portable {
                    try portable.plan(roots: UnsafeBufferPointer(start: roots, count: rootCount), dirtyAll: dirtyAll,
                                      mode: .dirty, scope: options.scope, into: planBuffer)
                }
                length = planBuffer.count
                plan = planBuffer.storage.withUnsafeBufferPointer { UnsafePointer($0.baseAddress!) }
                c.executedMode = .dirty
                if auto {
                    if planStart != 0 { decided = monotonicNowNs() }
                    let planNs = decided &- planStart
                    if planStart != 0 && stepCount >= 32 && options.auto.decisionBudgetMs > 0
                        && Double(planNs) > options.auto.decisionBudgetMs * 1e6 {
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
            // decision time: measured on sampled transactions (from the decision's start) and on
            // timed plans (from the plan's start); 0 when not measured
            if auto && decisionStart != 0 {
                if decided == 0 { decided = monotonicNowNs() }
                c.decisionNs = decided &- decisionStart
            } else if auto && planStart != 0 {
                c.decisionNs = decided &- planStart
            }
            ranFull = c.executedMode == .full
            c.planLength = length
            executeSwift(plan, length, &c)
        }
        if auto && decisionStart != 0 && c.outcome == KernelABI.Outcome.ok && decider.samplesConverge(full: ranFull) {
            decider.recordConverge(full: ranFull, ns: monotonicNowNs() &- decisionStart, roots: rootCount)
        }
        if ranFull && fullStart != 0 && c.outcome == KernelABI.Outcome.ok { decider.recordFull(ns: monotonicNowNs() &- fullStart) }
        return c
    }

    /// L1: one planner call into the plan buffer (`ck_kernel_plan`, or the ``RuntimeOptions/planner``'s
    /// call; generic, so the native path is specialized and calls the kernel directly).
    func planWith<P: RootPlanner>(_ planner: P, mode: PlanMode, dirtyAll: DirtyAllReason?, rootCount: Int,
                                  c: inout ExecCounters) throws(ConvergeError) {
        try planner.plan(roots: UnsafeBufferPointer(start: roots, count: rootCount), dirtyAll: dirtyAll,
                         mode: mode, scope: options.scope, into: planBuffer)
        c.boundaryCalls += 1
        c.bytesIn += 4 * (mode == .full ? 0 : rootCount)
        c.bytesOut += 4 * planBuffer.count + planner.resultRecordBytes
    }

    /// The Swift executor (L0, L1): mirrors `ck_kernel_execute`.
    func executeSwift(_ plan: UnsafePointer<UInt32>, _ n: Int, _ c: inout ExecCounters) {
        // two copies of the loop: the traced one, and one where tracing is the constant `false`
        // (so diagnostics off pays no per-step test, as in a build with instrumentation compiled out)
        if instrumentationCompiledIn && trace.recordLevel != KernelABI.Trace.off {
            executeLoop(plan, n, &c, Traced.self)
        } else {
            executeLoop(plan, n, &c, Untraced.self)
        }
    }

    /// The trace switch as a type, so that generic specialization folds it into each copy.
    protocol TraceSwitch { static var on: Bool { get } }
    enum Traced: TraceSwitch { static var on: Bool { true } }
    enum Untraced: TraceSwitch { static var on: Bool { false } }

    func executeLoop<T: TraceSwitch>(_ plan: UnsafePointer<UInt32>, _ n: Int, _ c: inout ExecCounters, _: T.Type) {
        let traced = T.on
        let tags = state.tags, values = state.values
        let stepFlags = self.stepFlags, inputOffsets = self.inputOffsets, inputPaths = self.inputPaths
        let stepOut = self.stepOut, dUndoPaths = self.dUndoPaths, dUndoTags = self.dUndoTags, dUndoValues = self.dUndoValues
        let budget = budgetNs
        let start = budget != 0 && n > 32 ? budgetNowNs(budget) : 0   // (no check happens in shorter plans)
        let timing = traced
        let patches = traced && trace.recordLevel >= KernelABI.Trace.patches
        let mark = traced ? trace.mark : nil
        var writes = 0, i = 0
        var outcome = KernelABI.Outcome.ok, failed = -1
        while i < n {
            let s = Int(plan[i])
            if budget != 0 && i > 0 && i & 31 == 0 && budgetNowNs(budget) &- start > budget {
                outcome = KernelABI.Outcome.budgetExceeded
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
                if status != KernelABI.Host.ok {
                    outcome = status == KernelABI.Host.threw ? KernelABI.Outcome.runtimeError : KernelABI.Outcome.hostAbort
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
                    appendPatch(path: UInt32(p), step: UInt32(s), reason: link ? KernelABI.Patch.link : KernelABI.Patch.computed,
                                tags[p], values[p], tag, value)
                }
                if timing { trace.opSeq &+= 1 }
                tags[p] = tag
                values[p] = value
            }
            if timing {
                trace.append(TraceStepRecord(stepId: UInt32(s), isLink: link, changed: !same, durationNs: monotonicNowNs() &- t0))
            }
            i += 1
        }
        c.executed = i
        c.outcome = outcome
        c.failedStep = failed
        if outcome != KernelABI.Outcome.ok {
            var k = writes
            while k > 0 {
                k -= 1
                let p = Int(dUndoPaths[k])
                tags[p] = dUndoTags[k]
                values[p] = dUndoValues[k]
            }
            if let mark { trace.rollBack(to: mark) }
            c.changed = 0
            return
        }
        c.changed = writes
        var k = 0
        while k < writes {
            let p = Int(dUndoPaths[k])
            if writtenBits[p >> 6] & (UInt64(1) << UInt64(p & 63)) == 0 { c.derivedChanged = true; break }
            k += 1
        }
    }

    /// Runs the derive function of computed step `s` into (tag, value); a `CK_HOST_*` status.
    @inline(__always)
    final func runDerive(_ s: Int, _ tag: inout UInt8, _ value: inout Double) -> Int32 {
        guard let box = derives[s] else {
            if !hot.pointee.failed {
                hot.pointee.failed = true
                configError = ConvergeError(.missingStepFunction, "computed step \(s) (\"\(graph.out(ofStep: s))\") has no derive function")
            }
            return KernelABI.Host.abort
        }
        let lo = Int(inputOffsets[s])
        let inputs = StepInputs(tags: state.tags, values: state.values, paths: inputPaths + lo,
                                count: Int(inputOffsets[s + 1]) - lo)
        do {
            let v = try box._withUnsafeGuaranteedRef { (d) throws -> ConvergeValue in try d.fn(inputs) }
            if hot.pointee.failed { return KernelABI.Host.abort }   // it wrote a slot and swallowed the error
            tag = v.tag
            value = v.payload
            return KernelABI.Host.ok
        } catch {
            if hot.pointee.failed { return KernelABI.Host.abort }
            stepError = error
            hot.pointee.hasStepError = true
            return KernelABI.Host.threw
        }
    }
}
