import CKernel

/// The execution half of the native kernel (L1 state, L2 execution): thin wrappers over
/// `ck_kernel_state`, `ck_kernel_commit`, `ck_kernel_execute` and `ck_kernel_last_writes`.
extension NativePlanner {
    /// The kernel-owned state slots.
    func stateView() -> (tags: UnsafeMutablePointer<UInt8>, values: UnsafeMutablePointer<Double>) {
        var view = ck_state_view_t()
        _ = ck_kernel_state(kernel, &view)
        return (view.tags, view.values)
    }

    /// One call: plan, then execute (L2).
    func commit(roots: UnsafePointer<UInt32>?, count: Int, mode: PlanMode, scope: PlanScope, dirtyAll: Bool,
                out: UnsafeMutablePointer<UInt32>, capacity: Int, options: inout ck_exec_options_t,
                plan: inout ck_plan_result_t, exec: inout ck_exec_result_t) throws(ConvergeError) {
        boundaryCalls += 1
        var err = ck_error_t()
        let status = ck_kernel_commit(kernel, roots, UInt32(count), mode == .full ? CK_MODE_FULL : CK_MODE_DIRTY,
                                      Self.cScope(scope), dirtyAll ? UInt32(CK_PLAN_DIRTY_ALL) : 0,
                                      out, UInt32(capacity), &options, &plan, &exec, &err)
        guard status == CK_OK else { throw Self.error(status, err, what: "ck_kernel_commit") }
    }

    /// One call: execute a given plan (L2 with a cached plan).
    func execute(plan: UnsafePointer<UInt32>, count: Int, options: inout ck_exec_options_t,
                 exec: inout ck_exec_result_t) throws(ConvergeError) {
        boundaryCalls += 1
        var err = ck_error_t()
        let status = ck_kernel_execute(kernel, plan, UInt32(count), &options, &exec, &err)
        guard status == CK_OK else { throw Self.error(status, err, what: "ck_kernel_execute") }
    }

    /// The paths the last kept execution wrote (its undo log).
    func lastWrites() -> UnsafeBufferPointer<UInt32> {
        var n: UInt32 = 0
        let p = ck_kernel_last_writes(kernel, &n)
        return UnsafeBufferPointer(start: p, count: Int(n))
    }

    static func cScope(_ scope: PlanScope) -> ck_scope_t {
        switch scope {
        case .immediate: CK_SCOPE_IMMEDIATE
        case .deferred: CK_SCOPE_DEFERRED
        case .all: CK_SCOPE_ALL
        }
    }
}
