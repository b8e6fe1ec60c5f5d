// NativeKernel.swift — the native kernel: one CKernel instance, its tables, and planning through it
// (L1).

/// The native kernel: one CKernel instance (`ck_kernel_create`) and everything it holds — the
/// graph's tables, the state slots (NativeKernel+State.swift), loaded bytecode
/// (NativeKernel+Bytecode.swift) and the layout (NativeKernel+Layout.swift). As an L1 planner,
/// each plan is exactly one C call (`ck_kernel_plan`) that writes the step ids into the plan
/// buffer. Its transactions run on ``TransactionCore``.
///
/// Every call into CKernel is in CKernelBridge.swift (``KernelHandle``, ``TransactionCore``); this
/// type and the rest of the library are Swift over it.
public final class NativeKernel: RootPlanner {
    public let graph: CompiledGraph
    public var backendName: String { "native" }
    /// The instance's facts (implementation, strategy, memory).
    public let info: KernelInfo
    /// C calls made by ``plan(_:mode:scope:into:)`` so far (one per plan), for evidence.
    public internal(set) var boundaryCalls = 0

    /// The C instance: every call on it is in CKernelBridge.swift.
    let handle: KernelHandle

    /// Builds the C kernel from the graph's tables (`ck_kernel_create`; the kernel copies them).
    /// - Throws: `invalidArgument` when the requested implementation cannot run here;
    ///   `kernelFailure` naming the C status and table offset when the kernel refuses the tables.
    public convenience init(_ graph: CompiledGraph, options: NativeOptions = NativeOptions()) throws(ConvergeError) {
        try Self.checkImplementation(options)
        self.init(graph: graph, handle: try KernelHandle(graph: graph, options: options))
    }

    /// Wraps a kernel made elsewhere (``init(artifact:graph:options:loadLayout:)``).
    init(graph: CompiledGraph, handle: KernelHandle) {
        self.graph = graph
        self.handle = handle
        self.info = handle.info
    }

    /// - Throws: `invalidArgument` when the requested implementation cannot run here.
    static func checkImplementation(_ options: NativeOptions) throws(ConvergeError) {
        if let impl = options.implementation, !impl.isAvailable {
            throw ConvergeError(.invalidArgument, "SIMD implementation \(impl.rawValue) does not run on this CPU")
        }
    }

    public func plan(_ dirty: DirtySet, mode: PlanMode, scope: PlanScope, into buffer: PlanBuffer) throws(ConvergeError) {
        try dirty.rootIds.withUnsafeBufferPointer { (ids) throws(ConvergeError) in
            try plan(roots: ids, dirtyAll: dirty.dirtyAllReason, mode: mode, scope: scope, into: buffer)
        }
    }

    /// Bytes of the C plan's result record (``PlanBuffer`` evidence).
    public var resultRecordBytes: Int { KernelABI.planResultBytes }

    /// Plans from root ids in place (the transaction path: no array).
    public func plan(roots ids: UnsafeBufferPointer<UInt32>, dirtyAll: DirtyAllReason?, mode: PlanMode, scope: PlanScope,
              into buffer: PlanBuffer) throws(ConvergeError) {
        try checkBuffer(buffer)
        boundaryCalls += 1
        try handle.plan(roots: ids, dirtyAll: dirtyAll, mode: mode, scope: scope, into: buffer)
    }

    /// Checks every internal invariant of the C instance (`ck_kernel_validate`).
    /// - Throws: `kernelFailure` describing the broken invariant.
    public func validate() throws(ConvergeError) { try handle.validate() }
}
