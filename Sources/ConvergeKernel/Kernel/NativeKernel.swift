// NativeKernel.swift — the native kernel: one CKernel instance, its tables, and planning through it
// (L1).

import CKernel

/// The native kernel: one CKernel instance (`ck_kernel_create`) and everything it holds — the
/// graph's tables, the state slots (NativeKernel+State.swift), loaded bytecode
/// (NativeKernel+Bytecode.swift) and the layout (NativeKernel+Layout.swift). As an L1 planner,
/// each plan is exactly one C call (`ck_kernel_plan`) that writes the step ids into the plan
/// buffer. Its transactions run on ``TransactionCore``.
///
/// The calls into CKernel live in this folder (Kernel/), in the runtime's transaction files
/// (Runtime/ConvergeRuntime*.swift: the write log and the host callback), in the artifact's
/// loader (Tables/Artifact*.swift) and in the bytecode's encoder (Expressions/); the rest of the
/// library does not import CKernel.
public final class NativeKernel: RootPlanner {
    public let graph: CompiledGraph
    public var backendName: String { "native" }
    /// The instance's facts (implementation, strategy, memory).
    public let info: KernelInfo
    /// C calls made by ``plan(_:mode:scope:into:)`` so far (one per plan), for evidence.
    public internal(set) var boundaryCalls = 0

    let kernel: OpaquePointer

    /// Builds the C kernel from the graph's tables (`ck_kernel_create`; the kernel copies them).
    /// - Throws: `invalidArgument` when the requested implementation cannot run here;
    ///   `kernelFailure` naming the C status and table offset when the kernel refuses the tables.
    public convenience init(_ graph: CompiledGraph, options: NativeOptions = NativeOptions()) throws(ConvergeError) {
        if let impl = options.implementation, !impl.isAvailable {
            throw ConvergeError(.invalidArgument, "SIMD implementation \(impl.rawValue) does not run on this CPU")
        }
        var opts = Self.cOptions(options)
        var handle: OpaquePointer? = nil
        var err = ck_error_t()
        let status = Self.withTables(graph) { tables in ck_kernel_create(&tables, &opts, &handle, &err) }
        guard status == CK_OK, let handle else {
            throw Self.error(status, err, what: "ck_kernel_create")
        }
        self.init(graph: graph, kernel: handle)
    }

    /// Wraps a kernel made elsewhere (``init(artifact:graph:options:)``); takes ownership.
    init(graph: CompiledGraph, kernel handle: OpaquePointer) {
        self.graph = graph
        self.kernel = handle
        var ci = ck_kernel_info_t()
        _ = ck_kernel_info(handle, &ci)
        self.info = KernelInfo(
            pathCount: Int(ci.path_count), stepCount: Int(ci.step_count), groupCount: Int(ci.group_count),
            triggerEntries: Int(ci.trigger_entries), arenaBytes: Int(ci.arena_bytes),
            closureBytes: Int(ci.closure_bytes), implementation: SIMDImplementation(ci.impl) ?? .scalar,
            strategy: ci.strategy == CK_STRATEGY_ROWS ? .rows : ci.strategy == CK_STRATEGY_LISTS ? .lists : .frontier,
            numa: ci.numa != 0)
    }

    deinit { ck_kernel_free(kernel) }

    /// `ck_options_t` for these options.
    static func cOptions(_ options: NativeOptions) -> ck_options_t {
        var opts = ck_options_t()
        ck_options_init(&opts)
        opts.impl = options.implementation?.c ?? CK_IMPL_AUTO
        opts.strategy = switch options.strategy {
        case .auto: CK_STRATEGY_AUTO
        case .rows: CK_STRATEGY_ROWS
        case .frontier: CK_STRATEGY_FRONTIER
        case .lists: CK_STRATEGY_LISTS
        }
        opts.closure_budget_bytes = options.closureBudgetBytes ?? 0
        return opts
    }

    public func plan(_ dirty: DirtySet, mode: PlanMode, scope: PlanScope, into buffer: PlanBuffer) throws(ConvergeError) {
        try dirty.rootIds.withUnsafeBufferPointer { (ids) throws(ConvergeError) in
            try plan(roots: ids, dirtyAll: dirty.dirtyAllReason, mode: mode, scope: scope, into: buffer)
        }
    }

    /// Plans from root ids in place (the transaction path: no array).
    public var resultRecordBytes: Int { MemoryLayout<ck_plan_result_t>.size }

    public func plan(roots ids: UnsafeBufferPointer<UInt32>, dirtyAll: DirtyAllReason?, mode: PlanMode, scope: PlanScope,
              into buffer: PlanBuffer) throws(ConvergeError) {
        try checkBuffer(buffer)
        var result = ck_plan_result_t()
        var err = ck_error_t()
        let cmode = mode == .full ? CK_MODE_FULL : CK_MODE_DIRTY
        let cscope = switch scope {
        case .immediate: CK_SCOPE_IMMEDIATE
        case .deferred: CK_SCOPE_DEFERRED
        case .all: CK_SCOPE_ALL
        }
        let flags: UInt32 = dirtyAll != nil ? UInt32(CK_PLAN_DIRTY_ALL) : 0
        let capacity = UInt32(buffer.storage.count)
        boundaryCalls += 1
        let status = buffer.storage.withUnsafeMutableBufferPointer { out in
            ck_kernel_plan(kernel, ids.baseAddress, UInt32(ids.count), cmode, cscope, flags,
                           out.baseAddress, capacity, &result, &err)
        }
        guard status == CK_OK else { throw Self.error(status, err, what: "ck_kernel_plan") }
        buffer.setCount(Int(result.step_count))
        buffer.executedMode = Self.executedMode(result.executed_mode)
        buffer.dirtyAllReason = result.dirty_all != 0 ? (dirtyAll ?? .unknownWrite) : nil
        buffer.counters = Self.counters(algorithm: result.algorithm, dirtyPrefixes: result.dirty_prefixes,
                                        reachable: result.reachable_steps, wordsScanned: result.words_scanned,
                                        indexEntries: result.index_entries)
    }

    /// `CK_EXECUTED_*` as an ``ExecutedMode`` (shared with the WebAssembly builds' out record).
    package static func executedMode(_ raw: UInt32) -> ExecutedMode? {
        switch raw {
        case UInt32(CK_EXECUTED_FULL): .full
        case UInt32(CK_EXECUTED_DIRTY): .dirty
        default: nil
        }
    }

    /// A plan's counters from the C values (`CK_ALGO_*` and the rest).
    package static func counters(algorithm: UInt32, dirtyPrefixes: UInt32, reachable: UInt32, wordsScanned: UInt64,
                                 indexEntries: UInt64) -> PlanCounters {
        var c = PlanCounters()
        c.algorithm = switch algorithm {
        case UInt32(CK_ALGO_LINEAR): .linear
        case UInt32(CK_ALGO_ROWS): .rows
        case UInt32(CK_ALGO_FRONTIER): .frontier
        case UInt32(CK_ALGO_LISTS): .lists
        default: .scope
        }
        c.dirtyPrefixes = Int(dirtyPrefixes)
        c.reachableSteps = Int(reachable)
        c.wordsScanned = Int(wordsScanned)
        c.indexEntries = Int(indexEntries)
        return c
    }

    /// Checks every internal invariant of the C instance (`ck_kernel_validate`).
    /// - Throws: `kernelFailure` describing the broken invariant.
    public func validate() throws(ConvergeError) {
        var err = ck_error_t()
        let status = ck_kernel_validate(kernel, &err)
        guard status == CK_OK else { throw Self.error(status, err, what: "ck_kernel_validate") }
    }

    // MARK: - C plumbing

    /// The error for a C status (for the WebAssembly builds of the same kernel).
    package static func describe(_ status: ck_status_t, _ err: ck_error_t, what: String) -> ConvergeError {
        error(status, err, what: what)
    }

    static func error(_ status: ck_status_t, _ err: ck_error_t, what: String) -> ConvergeError {
        let name = String(cString: ck_status_name(status))
        if status == CK_ERR_TOO_LARGE {
            return ConvergeError(.tooLarge, "\(what): \(name) (table \(err.table.rawValue), index \(err.index), value \(err.value))")
        }
        return ConvergeError(.kernelFailure, "\(what): \(name) (table \(err.table.rawValue), index \(err.index), value \(err.value))")
    }

    /// The graph's tables as CKernel takes them (`ck_tables_t`, views into the graph's arrays;
    /// ck_kernel_create copies what it keeps).
    private static func withTables<R>(_ g: CompiledGraph, _ body: (inout ck_tables_t) -> R) -> R {
        g.withTables { t in
            var tables = ck_tables_t(
                path_count: UInt32(g.pathCount), step_count: UInt32(g.stepCount),
                path_prefix_offsets: t.pathPrefixOffsets.baseAddress, path_prefix_ids: t.pathPrefixIds.baseAddress,
                step_out_path: t.stepOutPath.baseAddress, step_flags: t.stepFlags.baseAddress,
                trigger_offsets: t.triggerOffsets.baseAddress, trigger_steps: t.triggerSteps.baseAddress,
                dep_offsets: t.depOffsets.baseAddress, dep_paths: t.depPaths.baseAddress)
            return body(&tables)
        }
    }
}
