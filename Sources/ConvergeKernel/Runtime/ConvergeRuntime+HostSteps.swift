// ConvergeRuntime+HostSteps.swift — the host callback: the kernel calls Swift derive functions in
// batches (L2–L4).


/// L2 and L3: the transaction core's commit runs links (and, at L3, the bytecode of compiled
/// steps) in the kernel and calls back into the derive functions of the other computed steps in
/// batches, through this method (the C callback that calls it, `convergeHostSteps`, is in
/// CKernelBridge.swift).
extension ConvergeRuntime {
    /// Runs a batch of computed steps for the kernel (L2), into its output arrays.
    @inline(__always)
    final func hostSteps(_ steps: UnsafePointer<UInt32>, _ count: Int, _ tags: UnsafeMutablePointer<UInt8>,
                                     _ values: UnsafeMutablePointer<Double>, _ completed: UnsafeMutablePointer<UInt32>) -> Int32 {
        hot.pointee.hostSteps &+= count
        var b = 0
        while b < count {
            let status = runDerive(Int(steps[b]), &tags[b], &values[b])
            if status != KernelABI.Host.ok {
                completed.pointee = UInt32(b)
                return status
            }
            b += 1
        }
        return KernelABI.Host.ok
    }
}
