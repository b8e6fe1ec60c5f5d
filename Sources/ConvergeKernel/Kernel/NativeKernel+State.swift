// NativeKernel+State.swift — the native kernel's state slots.

/// The native kernel's state slots (`ck_kernel_state`). Transactions run through the C
/// transaction core (``TransactionCore``).
extension NativeKernel {
    /// The kernel-owned state slots, and the slot of each path id (the layout).
    func stateView() -> (tags: UnsafeMutablePointer<UInt8>, values: UnsafeMutablePointer<Double>, slotOf: UnsafePointer<UInt32>) {
        handle.stateView()
    }
}
