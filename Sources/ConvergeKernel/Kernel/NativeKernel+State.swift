// NativeKernel+State.swift — the native kernel's state slots and scope names.

import CKernel

/// The native kernel's state slots (`ck_kernel_state`) and its scope names. Transactions run
/// through the C transaction core (``TransactionCore``).
extension NativeKernel {
    /// The kernel-owned state slots, and the slot of each path id (the layout).
    func stateView() -> (tags: UnsafeMutablePointer<UInt8>, values: UnsafeMutablePointer<Double>, slotOf: UnsafePointer<UInt32>) {
        var view = ck_state_view_t()
        _ = ck_kernel_state(kernel, &view)
        return (view.tags, view.values, view.slot_of_path)
    }

    static func cScope(_ scope: PlanScope) -> ck_scope_t {
        switch scope {
        case .immediate: CK_SCOPE_IMMEDIATE
        case .deferred: CK_SCOPE_DEFERRED
        case .all: CK_SCOPE_ALL
        }
    }
}
