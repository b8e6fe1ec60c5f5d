// NativeKernel+Layout.swift — L4's state layout in the native kernel: suggested, set, read.

import CKernel

/// L4's data layout (docs/kernel-abi.md, "Layout"): which state slot holds each path. Ids at the
/// boundary never change — transactions, state reads and trace records use path ids — while the
/// kernel's steps read and write slots laid out so that a batch run's columns are contiguous.
extension NativeKernel {
    /// The layout the kernel suggests for its loaded bytecode (`ck_kernel_suggest_layout`):
    /// `slot[pathId]`. The identity without bytecode.
    public func suggestedLayout() -> [UInt32] {
        let n = graph.pathCount
        var out = [UInt32](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { b in
            if let base = b.baseAddress { _ = ck_kernel_suggest_layout(kernel, base, UInt32(n)) }
        }
        return out
    }

    /// Sets the layout (`ck_kernel_set_layout`): the state moves with it, loaded bytecode is
    /// remapped. `nil` restores the identity.
    /// - Throws: `invalidArgument` naming the path whose slot is out of range or repeated.
    public func setLayout(_ slotOfPath: [UInt32]?) throws(ConvergeError) {
        var err = ck_error_t()
        let status: ck_status_t
        if let slotOfPath {
            status = slotOfPath.withUnsafeBufferPointer { ck_kernel_set_layout(kernel, $0.baseAddress, UInt32($0.count), &err) }
        } else {
            status = ck_kernel_set_layout(kernel, nil, 0, &err)
        }
        guard status == CK_OK else {
            if status == CK_ERR_BAD_TABLES, let slots = slotOfPath {
                if Int(err.index) >= slots.count {
                    throw ConvergeError(.invalidArgument, "the layout has \(slots.count) slots; the graph has \(graph.pathCount) paths")
                }
                throw ConvergeError(.invalidArgument, "the layout gives path \(err.index) slot \(err.value), which is out of range (\(graph.pathCount) slots) or given twice")
            }
            throw ConvergeError(.invalidArgument, "the layout was refused: \(String(cString: ck_status_name(status)))")
        }
    }

    /// True when a layout other than the identity is set.
    public var hasLayout: Bool { ck_kernel_has_layout(kernel) != 0 }
}
