// NativeKernel+Layout.swift — L4's state layout in the native kernel: suggested, set, read.

/// L4's data layout (docs/kernel-abi.md, "Layout"): which state slot holds each path. Ids at the
/// boundary never change — transactions, state reads and trace records use path ids — while the
/// kernel's steps read and write slots laid out so that a batch run's columns are contiguous.
extension NativeKernel {
    /// The layout the kernel suggests for its loaded bytecode (`ck_kernel_suggest_layout`):
    /// `slot[pathId]`. The identity without bytecode.
    public func suggestedLayout() -> [UInt32] { handle.suggestedLayout(pathCount: graph.pathCount) }

    /// Sets the layout (`ck_kernel_set_layout`): the state moves with it, loaded bytecode is
    /// remapped. `nil` restores the identity.
    /// - Throws: `invalidArgument` naming the path whose slot is out of range or repeated.
    public func setLayout(_ slotOfPath: [UInt32]?) throws(ConvergeError) {
        try handle.setLayout(slotOfPath, pathCount: graph.pathCount)
    }

    /// True when a layout other than the identity is set.
    public var hasLayout: Bool { handle.hasLayout }
}
