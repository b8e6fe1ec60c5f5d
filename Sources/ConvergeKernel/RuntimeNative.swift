import CKernel

/// L2 and L3: one `ck_kernel_commit` / `ck_kernel_execute` call per transaction; the kernel runs
/// links (and, at L3, the bytecode of compiled steps) and calls back into the derive functions of
/// the other computed steps in batches.
extension ConvergeRuntime {
    // MARK: L2

    func convergeL2(_ native: NativePlanner, decision: AutoDecision, auto: Bool, rootCount: Int, key: UInt32,
                            dirtyAll: DirtyAllReason?, reasons: inout DecisionReasons,
                            decisionStart: UInt64) throws(ConvergeError) -> ExecCounters {
        if hot.pointee.codeStale, let code = compileReport.bytecode {
            // once after derive(...) replaced compiled steps: reload without their programs
            let overrides = hostOverrides
            try native.loadCode(code.removingPrograms { overrides.contains($0) })
            hot.pointee.codeStale = false
        }
        var c = ExecCounters()
        var opts = ck_exec_options_t()
        opts.host_steps = convergeHostSteps
        opts.host_context = Unmanaged.passUnretained(self).toOpaque()
        opts.budget_ns = budgetNs
        opts.vm_flags = options.vmBatches ? 0 : UInt32(CK_VM_ONE_BY_ONE)
        var er = ck_exec_result_t()
        var pr = ck_plan_result_t()
        let traced = instrumentationCompiledIn && trace.level != UInt32(CK_TRACE_OFF)
        do {
            opts.trace = traced ? tracePtr : nil
            switch decision {
            case .cached(let cache, let entry):
                let (plan, length) = cache.plan(entry)
                if decisionStart != 0 { c.decisionNs = monotonicNowNs() &- decisionStart }   // (no planning)
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
                        // a sampled transaction: the kernel times the decision from its start to the plan's end
                        opts.decision_start_ns = decisionStart
                    }
                } else if decisionStart != 0 {
                    c.decisionNs = monotonicNowNs() &- decisionStart     // full: no planning
                }
                let capacity = planBuffer.storage.count
                try planBuffer.storage.withUnsafeMutableBufferPointer { (out) throws(ConvergeError) in
                    try native.commit(roots: roots, count: mode == .full ? 0 : rootCount, mode: mode,
                                      scope: options.scope, dirtyAll: dirtyAll != nil, out: out.baseAddress!,
                                      capacity: capacity, options: &opts, plan: &pr, exec: &er)
                    if auto && mode == .dirty { c.decisionNs = er.plan_ns }
                    if er.switched == UInt32(CK_SWITCH_BUDGET_CUTOFF) { reasons.insert(.budgetCutoff) }
                    if er.switched == UInt32(CK_SWITCH_NEAR_FULL) { reasons.insert(.nearFull) }
                    if let store, er.switched == UInt32(CK_SWITCH_NONE) {
                        store.store(key, roots, rootCount,
                                    plan: UnsafePointer(out.baseAddress!), length: Int(pr.step_count))
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
        c.vmSteps = Int(er.vm_steps)
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
    final func hostSteps(_ steps: UnsafePointer<UInt32>, _ count: Int, _ tags: UnsafeMutablePointer<UInt8>,
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
