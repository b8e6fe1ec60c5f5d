import CKernel

/// The native kernel's state slots (`ck_kernel_state`) and its scope names. Transactions run
/// through the C transaction core (``TransactionCore``).
extension NativePlanner {
    /// The kernel-owned state slots.
    func stateView() -> (tags: UnsafeMutablePointer<UInt8>, values: UnsafeMutablePointer<Double>) {
        var view = ck_state_view_t()
        _ = ck_kernel_state(kernel, &view)
        return (view.tags, view.values)
    }

    static func cScope(_ scope: PlanScope) -> ck_scope_t {
        switch scope {
        case .immediate: CK_SCOPE_IMMEDIATE
        case .deferred: CK_SCOPE_DEFERRED
        case .all: CK_SCOPE_ALL
        }
    }
}
