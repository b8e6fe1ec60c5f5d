import CKernel

/// A SIMD implementation of CKernel's bitset primitives.
public enum SIMDImplementation: String, Sendable, CaseIterable {
    case scalar, sse2, avx2, neon, simd128

    package var c: ck_impl_t {
        switch self {
        case .scalar: CK_IMPL_SCALAR
        case .sse2: CK_IMPL_SSE2
        case .avx2: CK_IMPL_AVX2
        case .neon: CK_IMPL_NEON
        case .simd128: CK_IMPL_SIMD128
        }
    }

    package init?(_ c: ck_impl_t) {
        guard let name = String(validatingCString: ck_impl_name(c)), let v = SIMDImplementation(rawValue: name) else { return nil }
        self = v
    }

    /// True when this implementation runs here (`ck_impl_available`). `neon` and `simd128` run
    /// everywhere (SIMDe emulates them off their native CPUs); auto-selection never picks an
    /// emulated one.
    public var isAvailable: Bool { ck_impl_available(c) != 0 }

    /// Every implementation that runs on this machine.
    public static var available: [SIMDImplementation] { allCases.filter(\.isAvailable) }

    /// What automatic selection picks (`ck_impl_default`): `CKERNEL_FORCE_IMPL` if it names an
    /// available implementation, else the best the CPU supports.
    public static var automatic: SIMDImplementation { SIMDImplementation(ck_impl_default(nil)) ?? .scalar }

    /// A problem with `CKERNEL_FORCE_IMPL`, if it is set but cannot be honoured.
    public static var forceProblem: String? {
        var status = CK_OK
        _ = ck_impl_default(&status)
        switch status {
        case CK_ERR_BAD_OPTION: return "CKERNEL_FORCE_IMPL names no implementation (scalar, sse2, avx2, neon, simd128)"
        case CK_ERR_IMPL_UNAVAILABLE: return "CKERNEL_FORCE_IMPL names an implementation this CPU cannot run"
        default: return nil
        }
    }
}

/// How the native planner computes the dirty-mode closure.
public enum ClosureStrategy: String, Sendable, CaseIterable {
    /// The smaller of rows and lists that fits the closure budget, else frontier.
    case auto
    /// Precomputed closure rows per (scope, 1-segment prefix), OR-ed with SIMD, then scanned.
    case rows
    /// Breadth-first over the group graph, the reached groups' steps set into a bitset, a SIMD scan.
    case frontier
    /// Precomputed sorted closure lists per (scope, 1-segment prefix), set into a bitset, scanned.
    case lists
}

/// Options for a ``NativePlanner``.
public struct NativeOptions: Sendable {
    /// `nil` = automatic (``SIMDImplementation/automatic``).
    public var implementation: SIMDImplementation?
    public var strategy: ClosureStrategy
    /// Memory precomputed closures may take; `nil` = max(8 MiB, 64 bytes per step).
    public var closureBudgetBytes: UInt64?

    public init(implementation: SIMDImplementation? = nil, strategy: ClosureStrategy = .auto, closureBudgetBytes: UInt64? = nil) {
        self.implementation = implementation
        self.strategy = strategy
        self.closureBudgetBytes = closureBudgetBytes
    }
}

/// Facts about a native kernel instance (`ck_kernel_info`).
public struct KernelInfo: Sendable, Equatable {
    public let pathCount: Int
    public let stepCount: Int
    /// Distinct 1-segment prefixes that trigger at least one step.
    public let groupCount: Int
    public let triggerEntries: Int
    /// Every byte the instance owns (one arena).
    public let arenaBytes: Int
    /// Bytes of precomputed closures (rows or lists; 0 for frontier).
    public let closureBytes: Int
    public let implementation: SIMDImplementation
    public let strategy: ClosureStrategy
    /// True when the arena came from libnuma (local node).
    public let numa: Bool
}

/// L1: the planner in CKernel. Each plan is exactly one C call (`ck_kernel_plan`) that writes the
/// step ids into the plan buffer; the instance (`ck_kernel_create`) holds everything it needs.
///
/// This file and NativeExecution.swift are the only places that call into CKernel.
public final class NativePlanner: RootPlanner {
    public let graph: StaticIR
    public var backendName: String { "native" }
    /// The instance's facts (implementation, strategy, memory).
    public let info: KernelInfo
    /// C calls made by ``plan(_:mode:scope:into:)`` so far (one per plan), for evidence.
    public internal(set) var boundaryCalls = 0

    let kernel: OpaquePointer

    /// Builds the C kernel from the graph's tables (`ck_kernel_create`; the kernel copies them).
    /// - Throws: `invalidArgument` when the requested implementation cannot run here;
    ///   `kernelFailure` naming the C status and table offset when the kernel refuses the tables.
    public convenience init(_ graph: StaticIR, options: NativeOptions = NativeOptions()) throws(ConvergeError) {
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
    init(graph: StaticIR, kernel handle: OpaquePointer) {
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

    private static func withTables<R>(_ g: StaticIR, _ body: (inout ck_tables_t) -> R) -> R {
        g.pathPrefixOffsets.withUnsafeBufferPointer { ppo in
            g.pathPrefixIds.withUnsafeBufferPointer { ppi in
                g.stepOutPath.withUnsafeBufferPointer { sop in
                    g.stepFlags.withUnsafeBufferPointer { sf in
                        g.triggerOffsets.withUnsafeBufferPointer { to in
                            g.triggerSteps.withUnsafeBufferPointer { ts in
                                g.depOffsets.withUnsafeBufferPointer { dof in
                                    g.depPaths.withUnsafeBufferPointer { dp in
                                        var t = ck_tables_t(
                                            path_count: UInt32(g.pathCount), step_count: UInt32(g.stepCount),
                                            path_prefix_offsets: ppo.baseAddress, path_prefix_ids: ppi.baseAddress,
                                            step_out_path: sop.baseAddress, step_flags: sf.baseAddress,
                                            trigger_offsets: to.baseAddress, trigger_steps: ts.baseAddress,
                                            dep_offsets: dof.baseAddress, dep_paths: dp.baseAddress)
                                        return body(&t)
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
