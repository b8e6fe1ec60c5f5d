// TransactionCore.swift — the C transaction core (ck_txn_*) over a native kernel: write log,
// commit, policy.

import CKernel

/// The C transaction core (`ck_txn_*`, docs/transactions.md) over a native kernel: the write log
/// the reducer appends to, and the one commit call that applies it, decides (auto mode in C),
/// plans, executes and commits or rolls back. Every native level (L1–L3) runs its transactions
/// through it, as the wasm hosts do through `ckw_txn_commit`.
final class TransactionCore {
    let txn: OpaquePointer
    /// The host-visible part: the write log, op_seq, the reducer-written bits.
    let log: UnsafeMutablePointer<ck_txn_log_t>
    /// Keeps the kernel alive as long as the core.
    let planner: NativeKernel

    /// The host callback and the trace buffers come later, from ``setHost(_:context:trace:)``.
    init(planner: NativeKernel, scope: PlanScope, policy: AutoPolicy, budgetNs: UInt64,
         vmFlags: UInt32) throws(ConvergeError) {
        if policy.nearFullRootRatios.count > Int(CK_AUTO_MAX_RATIO_RULES) {
            throw ConvergeError(.invalidArgument, "AutoPolicy.nearFullRootRatios has \(policy.nearFullRootRatios.count) rules; the kernel takes at most \(CK_AUTO_MAX_RATIO_RULES)")
        }
        var o = ck_txn_options_t()
        ck_txn_options_init(&o)
        o.scope = NativeKernel.cScope(scope)
        o.auto_policy = Self.cPolicy(policy)
        o.budget_ns = budgetNs
        o.vm_flags = vmFlags
        var handle: OpaquePointer?
        var err = ck_error_t()
        let status = ck_txn_create(planner.kernel, &o, &handle, &err)
        guard status == CK_OK, let handle else { throw NativeKernel.error(status, err, what: "ck_txn_create") }
        txn = handle
        log = ck_txn_log(handle)
        self.planner = planner
    }

    deinit { ck_txn_free(txn) }

    /// ``AutoPolicy`` in the C core's terms (times in ns). At most 8 near-full ratio rules
    /// (``init(planner:scope:policy:budgetNs:vmFlags:)`` refuses more).
    static func cPolicy(_ p: AutoPolicy) -> ck_auto_policy_t {
        var c = ck_auto_policy_t()
        ck_auto_policy_init(&c, 0)
        let rules = p.nearFullRootRatios.prefix(Int(CK_AUTO_MAX_RATIO_RULES))
        c.near_full_rule_count = UInt32(rules.count)
        withUnsafeMutableBytes(of: &c.near_full_from_steps) { raw in
            let b = raw.bindMemory(to: UInt32.self)
            for (i, r) in rules.enumerated() { b[i] = UInt32(clamping: max(r.fromSteps, 0)) }
        }
        withUnsafeMutableBytes(of: &c.near_full_root_ratio) { raw in
            let b = raw.bindMemory(to: Double.self)
            for (i, r) in rules.enumerated() { b[i] = r.ratio }
        }
        c.near_full_plan_ratio = p.nearFullPlanRatio
        c.fast_full_max_ns = max(p.fastFullMaxMs, 0) * 1e6
        c.full_ewma_alpha = p.fullEwmaAlpha
        c.decision_budget_ns = p.decisionBudgetMs > 0 ? UInt64(p.decisionBudgetMs * 1e6) : 0
        c.inline_max_roots = UInt32(clamping: max(p.inlineMaxRoots, 0))
        c.inline_max_plan = UInt32(clamping: max(p.inlineMaxPlanLength, 0))
        c.inline_off_after_skips = UInt32(clamping: max(p.inlineOffAfterSkips, 0))
        c.inline_off_max_computes = UInt32(clamping: max(p.inlineOffMaxComputes, 0))
        c.lru_capacity = UInt32(clamping: max(p.lruCapacity, 0))
        c.lru_max_roots = UInt32(clamping: max(p.lruMaxRoots, 0))
        c.lru_max_root_ratio = p.lruMaxRootRatio
        c.lru_min_hit_rate = p.lruMinHitRate
        c.lru_max_plan = UInt32(clamping: max(p.lruMaxPlanLength, 0))
        c.cost_model = p.costModel ? 1 : 0
        c.cost_probe_interval = UInt32(clamping: max(p.costProbeInterval, 0))
        c.cost_probe_max_interval = UInt32(clamping: max(p.costProbeMaxInterval, 0))
        return c
    }

    /// The host callback for computed steps without bytecode, and the trace buffers.
    func setHost(_ fn: ck_host_batch_fn, context: UnsafeMutableRawPointer, trace: UnsafeMutablePointer<ck_trace_t>) {
        ck_txn_set_host(txn, fn, context, trace)
    }

    /// Applies the log now (a read inside the reducer must see the reducer's writes).
    func flush() throws(ConvergeError) {
        var err = ck_error_t()
        let status = ck_txn_flush(log, &err)
        guard status == CK_OK else { throw NativeKernel.error(status, err, what: "ck_txn_flush") }
    }

    func abort() { ck_txn_abort(txn) }

    func bumpGeneration() { ck_txn_bump_generation(txn) }

    /// The one commit call of a transaction.
    func commit(_ request: inout ck_txn_request_t, _ result: inout ck_txn_result_t) throws(ConvergeError) {
        var err = ck_error_t()
        let status = ck_txn_commit(txn, &request, &result, &err)
        guard status == CK_OK else { throw NativeKernel.error(status, err, what: "ck_txn_commit") }
    }

    /// True when the reducer wrote path `p` in the current (or last committed) transaction.
    @inline(__always)
    func reducerWrote(_ p: Int) -> Bool {
        log.pointee.written_bits[p >> 6] & (UInt64(1) << UInt64(p & 63)) != 0
    }
}
