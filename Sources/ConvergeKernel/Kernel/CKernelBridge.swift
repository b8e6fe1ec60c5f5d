// CKernelBridge.swift — every call into the C kernel, its handles, its numbers and its errors under
// Swift names (with CKernelRecords.swift, the only files that import CKernel).

import CKernel

// Everything the Swift side does with the C kernel goes through this file and CKernelRecords.swift
// (a test checks that no other file of ConvergeKernel or ConvergeWasm imports CKernel):
// - the two handles, ``KernelHandle`` (`ck_kernel_t`) and ``TransactionCore`` (`ck_txn_t`),
//   created, called and freed here;
// - the C's numbers (``KernelABI``), and the translation of a C status and its `ck_error_t` into
//   a ``ConvergeError`` naming the table, step, instruction or byte offset (``KernelFault``);
// - the artifact's C entry points (open, hash, section names) and the ABI limits the compiler
//   and the artifact writer use.
// The reducer's write (``KernelCalls/txnSet(_:_:_:_:)``) is `@inlinable`: it is inlined into the
// user's reducer across modules, as `ck_txn_set` is a C inline function.

// The C records the runtime shares with the kernel (trace buffers, the write log, a commit's
// request and result, an opened artifact) are in CKernelRecords.swift, with Swift names for their
// fields.

// MARK: - the C's numbers

/// CKernel's numbers (ckernel.h) under Swift names, for the runtime and the wasm hosts (the same
/// numbers cross the wasm boundary).
package enum KernelABI {
    /// Trace levels (`CK_TRACE_*`).
    package enum Trace {
        @inline(__always) package static var off: UInt32 { CK_TRACE_OFF }
        @inline(__always) package static var timing: UInt32 { CK_TRACE_TIMING }
        @inline(__always) package static var patches: UInt32 { CK_TRACE_PATCHES }
    }

    /// A converge's outcome (`CK_OUTCOME_*`).
    package enum Outcome {
        @inline(__always) package static var ok: UInt32 { CK_OUTCOME_OK }
        @inline(__always) package static var runtimeError: UInt32 { CK_OUTCOME_RUNTIME_ERROR }
        @inline(__always) package static var budgetExceeded: UInt32 { CK_OUTCOME_BUDGET_EXCEEDED }
        @inline(__always) package static var hostAbort: UInt32 { CK_OUTCOME_HOST_ABORT }
        @inline(__always) package static var badValue: UInt32 { CK_OUTCOME_BAD_VALUE }
    }

    /// A patch record's reason (`CK_PATCH_*`).
    package enum Patch {
        @inline(__always) package static var reducer: UInt8 { UInt8(CK_PATCH_REDUCER) }
        @inline(__always) package static var computed: UInt8 { UInt8(CK_PATCH_COMPUTED) }
        @inline(__always) package static var link: UInt8 { UInt8(CK_PATCH_LINK) }
    }

    /// What the host callback returns (`CK_HOST_*`).
    package enum Host {
        @inline(__always) package static var ok: Int32 { CK_HOST_OK }
        @inline(__always) package static var threw: Int32 { CK_HOST_THREW }
        @inline(__always) package static var abort: Int32 { CK_HOST_ABORT }
    }

    /// A commit's mode and flags (`CK_TXN_*`).
    package enum Txn {
        package static func mode(_ m: ConvergeMode) -> UInt32 {
            switch m {
            case .auto: CK_TXN_AUTO
            case .full: CK_TXN_FULL
            case .dirty: CK_TXN_DIRTY
            }
        }
        package static var override: UInt32 { CK_TXN_OVERRIDE }
        package static var planOnly: UInt32 { CK_TXN_PLAN_ONLY }
    }

    /// Why everything was dirty (`CK_DIRTY_ALL_*`), as a ``DirtyAllReason``.
    package static func dirtyAllReason(_ raw: UInt32) -> DirtyAllReason? {
        switch raw {
        case CK_DIRTY_ALL_FALLBACK: .fallbackPolicy
        case CK_DIRTY_ALL_UNKNOWN_WRITE: .unknownWrite
        default: nil
        }
    }

    /// A ``DirtyAllReason`` as `CK_DIRTY_ALL_*`.
    static func dirtyAll(_ reason: DirtyAllReason) -> UInt32 {
        reason == .fallbackPolicy ? CK_DIRTY_ALL_FALLBACK : CK_DIRTY_ALL_UNKNOWN_WRITE
    }

    /// `CK_EXECUTED_*` as an ``ExecutedMode``.
    package static func executedMode(_ raw: UInt32) -> ExecutedMode? {
        switch raw {
        case CK_EXECUTED_FULL: .full
        case CK_EXECUTED_DIRTY: .dirty
        default: nil
        }
    }

    /// A plan's counters from the C values (`CK_ALGO_*` and the rest).
    package static func counters(algorithm: UInt32, dirtyPrefixes: UInt32, reachable: UInt32, wordsScanned: UInt64,
                                 indexEntries: UInt64) -> PlanCounters {
        var c = PlanCounters()
        c.algorithm = switch algorithm {
        case CK_ALGO_LINEAR: .linear
        case CK_ALGO_ROWS: .rows
        case CK_ALGO_FRONTIER: .frontier
        case CK_ALGO_LISTS: .lists
        default: .scope
        }
        c.dirtyPrefixes = Int(dirtyPrefixes)
        c.reachableSteps = Int(reachable)
        c.wordsScanned = Int(wordsScanned)
        c.indexEntries = Int(indexEntries)
        return c
    }

    /// A closure strategy as `CK_STRATEGY_*`.
    package static func strategy(_ s: ClosureStrategy) -> UInt32 { cStrategy(s).rawValue }

    /// `CK_STRATEGY_*` as the strategy a kernel chose (never auto: rows, lists or frontier).
    package static func chosenStrategy(_ raw: UInt32) -> ClosureStrategy {
        raw == CK_STRATEGY_ROWS.rawValue ? .rows : raw == CK_STRATEGY_LISTS.rawValue ? .lists : .frontier
    }

    static func cStrategy(_ s: ClosureStrategy) -> ck_strategy_t {
        switch s {
        case .auto: CK_STRATEGY_AUTO
        case .rows: CK_STRATEGY_ROWS
        case .frontier: CK_STRATEGY_FRONTIER
        case .lists: CK_STRATEGY_LISTS
        }
    }

    /// Run bytecode steps one at a time, never as lane batches (`CK_VM_ONE_BY_ONE`).
    package static var vmOneByOne: UInt32 { CK_VM_ONE_BY_ONE }
    /// Plan as if everything were dirty (`CK_PLAN_DIRTY_ALL`).
    package static var planDirtyAll: UInt32 { CK_PLAN_DIRTY_ALL }
    /// Take the artifact's layout section (`CK_ARTIFACT_LOAD_LAYOUT`).
    package static var artifactLoadLayout: UInt32 { CK_ARTIFACT_LOAD_LAYOUT }
    /// Bytes of one write-log record (`ck_write_t`).
    package static var writeRecordBytes: Int { MemoryLayout<ck_write_t>.size }
    /// Bytes of one commit's result record (`ck_txn_result_t`).
    package static var txnResultBytes: Int { MemoryLayout<ck_txn_result_t>.size }
    /// Bytes of one plan's result record (`ck_plan_result_t`).
    package static var planResultBytes: Int { MemoryLayout<ck_plan_result_t>.size }

    /// Registers per program (`CK_VM_MAX_REGS`).
    static var maxRegisters: Int { Int(CK_VM_MAX_REGS) }
    /// Instructions per program, `RET` included (`CK_VM_MAX_PROGRAM`).
    static var maxProgram: Int { Int(CK_VM_MAX_PROGRAM) }
    /// Instructions in one graph's bytecode (`CK_MAX_EDGES`: the verifier's bound on `step_offsets`).
    static var maxEdges: Int { Int(CK_MAX_EDGES) }
    /// Distinct constants in one graph's bytecode (`CK_VM_MAX_CONSTS`).
    static var maxConstants: Int { Int(CK_VM_MAX_CONSTS) }
    /// Near-full ratio rules the C auto policy takes (`CK_AUTO_MAX_RATIO_RULES`).
    static var maxRatioRules: Int { Int(CK_AUTO_MAX_RATIO_RULES) }
}

/// The artifact's format numbers (docs/artifact.md; ckernel.h `CK_ARTIFACT_*`), its checksum and
/// its section names.
enum ArtifactFormat {
    /// Section ids (`CK_ARTIFACT_SEC_*`).
    enum Section {
        static var header: UInt32 { CK_ARTIFACT_SEC_HEADER }
        static var pathPrefixOffsets: UInt32 { CK_ARTIFACT_SEC_PATH_PREFIX_OFFSETS }
        static var pathPrefixIds: UInt32 { CK_ARTIFACT_SEC_PATH_PREFIX_IDS }
        static var stepOutPath: UInt32 { CK_ARTIFACT_SEC_STEP_OUT_PATH }
        static var stepFlags: UInt32 { CK_ARTIFACT_SEC_STEP_FLAGS }
        static var triggerOffsets: UInt32 { CK_ARTIFACT_SEC_TRIGGER_OFFSETS }
        static var triggerSteps: UInt32 { CK_ARTIFACT_SEC_TRIGGER_STEPS }
        static var depOffsets: UInt32 { CK_ARTIFACT_SEC_DEP_OFFSETS }
        static var depPaths: UInt32 { CK_ARTIFACT_SEC_DEP_PATHS }
        static var inputOffsets: UInt32 { CK_ARTIFACT_SEC_INPUT_OFFSETS }
        static var inputPaths: UInt32 { CK_ARTIFACT_SEC_INPUT_PATHS }
        static var codeOffsets: UInt32 { CK_ARTIFACT_SEC_CODE_OFFSETS }
        static var codeRegs: UInt32 { CK_ARTIFACT_SEC_CODE_REGS }
        static var codeInsns: UInt32 { CK_ARTIFACT_SEC_CODE_INSNS }
        static var codeConsts: UInt32 { CK_ARTIFACT_SEC_CODE_CONSTS }
        static var stateTags: UInt32 { CK_ARTIFACT_SEC_STATE_TAGS }
        static var stateValues: UInt32 { CK_ARTIFACT_SEC_STATE_VALUES }
        static var pathNames: UInt32 { CK_ARTIFACT_SEC_PATH_NAMES }
        static var stepOuts: UInt32 { CK_ARTIFACT_SEC_STEP_OUTS }
        static var names: UInt32 { CK_ARTIFACT_SEC_NAMES }
        static var ir: UInt32 { CK_ARTIFACT_SEC_IR }
        static var layout: UInt32 { CK_ARTIFACT_SEC_LAYOUT }
    }

    /// Header flags (`CK_ARTIFACT_FLAG_*`).
    enum Flag {
        static var policyMust: UInt32 { CK_ARTIFACT_FLAG_POLICY_MUST }
        static var names: UInt32 { CK_ARTIFACT_FLAG_NAMES }
        static var ir: UInt32 { CK_ARTIFACT_FLAG_IR }
        static var layout: UInt32 { CK_ARTIFACT_FLAG_LAYOUT }
    }

    static var magic: UInt32 { CK_ARTIFACT_MAGIC }
    static var version: UInt32 { CK_ARTIFACT_VERSION }
    static var endianMarker: UInt32 { CK_ARTIFACT_ENDIAN }
    static var headerBytes: Int { Int(CK_ARTIFACT_HEADER_BYTES) }
    static var entryBytes: Int { Int(CK_ARTIFACT_ENTRY_BYTES) }
    static var alignment: Int { Int(CK_ARTIFACT_ALIGN) }

    /// The section's checksum (`ck_artifact_hash`, XXH64 seed 0).
    static func hash(_ bytes: UnsafeRawPointer, _ count: Int) -> UInt64 { ck_artifact_hash(bytes, count) }

    /// A section's name (`ck_artifact_section_name`: "insns", "ir", …).
    static func sectionName(_ id: UInt32) -> String { String(cString: ck_artifact_section_name(id)) }

    /// Validates `count` bytes at `base` as an artifact (`ck_artifact_open`) and returns the view
    /// into them.
    /// - Throws: `invalidArtifact` naming the section, the byte offset and the rule.
    static func open(_ base: UnsafeRawPointer, count: Int) throws(ConvergeError) -> ArtifactView {
        var view = ck_artifact_t()
        var err = ck_error_t()
        let status = ck_artifact_open(base, count, &view, &err)
        guard status == CK_OK else { throw KernelFault(status, err).artifactError(fileBytes: count) }
        return view
    }
}

extension ArtifactView {
    /// The byte offset of a section (0 when absent).
    func sectionOffset(_ id: UInt32) -> UInt64 {
        withUnsafeBytes(of: self.section_offset) { $0.load(fromByteOffset: Int(id) * 8, as: UInt64.self) }
    }
}

// MARK: - the kernel handle

/// One CKernel instance (`ck_kernel_t`): made by ``init(graph:options:)`` or
/// ``init(artifact:options:loadLayout:)``, freed with this object, and every call on it. A
/// ``NativeKernel`` holds one; so does a ``TransactionCore`` (through its kernel).
final class KernelHandle {
    let raw: OpaquePointer

    /// Builds the C kernel from the graph's tables (`ck_kernel_create`; the kernel copies them).
    /// - Throws: `kernelFailure` (or `tooLarge`) naming the C status and table offset.
    init(graph: CompiledGraph, options: NativeOptions) throws(ConvergeError) {
        var opts = Self.cOptions(options)
        var handle: OpaquePointer? = nil
        var err = ck_error_t()
        let status = graph.withTables { t in
            var tables = ck_tables_t(
                path_count: UInt32(graph.pathCount), step_count: UInt32(graph.stepCount),
                path_prefix_offsets: t.pathPrefixOffsets.baseAddress, path_prefix_ids: t.pathPrefixIds.baseAddress,
                step_out_path: t.stepOutPath.baseAddress, step_flags: t.stepFlags.baseAddress,
                trigger_offsets: t.triggerOffsets.baseAddress, trigger_steps: t.triggerSteps.baseAddress,
                dep_offsets: t.depOffsets.baseAddress, dep_paths: t.depPaths.baseAddress)
            return ck_kernel_create(&tables, &opts, &handle, &err)
        }
        guard status == CK_OK, let handle else { throw KernelFault(status, err).error(what: "ck_kernel_create") }
        raw = handle
    }

    /// A kernel made from an artifact in place (`ck_kernel_create_from_artifact_ex`: tables and
    /// bytecode read from the file, verified and copied; the initial state written into the slots;
    /// with `loadLayout`, the file's layout taken).
    /// - Throws: `invalidArtifact` naming the section and byte offset of the broken rule.
    init(artifact: Artifact, options: NativeOptions, loadLayout: Bool) throws(ConvergeError) {
        var opts = Self.cOptions(options)
        var view = artifact.view
        var handle: OpaquePointer? = nil
        var err = ck_error_t()
        let flags = loadLayout ? CK_ARTIFACT_LOAD_LAYOUT : 0
        let status = withExtendedLifetime(artifact.storage) { ck_kernel_create_from_artifact_ex(&view, &opts, flags, &handle, &err) }
        guard status == CK_OK, let handle else { throw KernelFault(status, err).artifactError(fileBytes: artifact.byteCount) }
        raw = handle
    }

    deinit { ck_kernel_free(raw) }

    private static func cOptions(_ options: NativeOptions) -> ck_options_t {
        var opts = ck_options_t()
        ck_options_init(&opts)
        opts.impl = options.implementation?.c ?? CK_IMPL_AUTO
        opts.strategy = KernelABI.cStrategy(options.strategy)
        opts.closure_budget_bytes = options.closureBudgetBytes ?? 0
        return opts
    }

    /// The instance's facts (`ck_kernel_info`).
    var info: KernelInfo {
        var ci = ck_kernel_info_t()
        _ = ck_kernel_info(raw, &ci)
        return KernelInfo(
            pathCount: Int(ci.path_count), stepCount: Int(ci.step_count), groupCount: Int(ci.group_count),
            triggerEntries: Int(ci.trigger_entries), arenaBytes: Int(ci.arena_bytes),
            closureBytes: Int(ci.closure_bytes), implementation: SIMDImplementation(ci.impl) ?? .scalar,
            strategy: KernelABI.chosenStrategy(ci.strategy.rawValue), numa: ci.numa != 0)
    }

    /// One plan (`ck_kernel_plan`) from root ids into `buffer`: its steps, count, executed mode
    /// and counters.
    func plan(roots ids: UnsafeBufferPointer<UInt32>, dirtyAll: DirtyAllReason?, mode: PlanMode, scope: PlanScope,
              into buffer: PlanBuffer) throws(ConvergeError) {
        var result = ck_plan_result_t()
        var err = ck_error_t()
        let cmode = mode == .full ? CK_MODE_FULL : CK_MODE_DIRTY
        let flags: UInt32 = dirtyAll != nil ? CK_PLAN_DIRTY_ALL : 0
        let capacity = UInt32(buffer.storage.count)
        let status = buffer.storage.withUnsafeMutableBufferPointer { out in
            ck_kernel_plan(raw, ids.baseAddress, UInt32(ids.count), cmode, Self.cScope(scope), flags,
                           out.baseAddress, capacity, &result, &err)
        }
        guard status == CK_OK else { throw KernelFault(status, err).error(what: "ck_kernel_plan") }
        buffer.setCount(Int(result.step_count))
        buffer.executedMode = KernelABI.executedMode(result.executed_mode)
        buffer.dirtyAllReason = result.dirty_all != 0 ? (dirtyAll ?? .unknownWrite) : nil
        buffer.counters = KernelABI.counters(algorithm: result.algorithm, dirtyPrefixes: result.dirty_prefixes,
                                             reachable: result.reachable_steps, wordsScanned: result.words_scanned,
                                             indexEntries: result.index_entries)
    }

    static func cScope(_ scope: PlanScope) -> ck_scope_t {
        switch scope {
        case .immediate: CK_SCOPE_IMMEDIATE
        case .deferred: CK_SCOPE_DEFERRED
        case .all: CK_SCOPE_ALL
        }
    }

    /// Checks every internal invariant of the instance (`ck_kernel_validate`).
    func validate() throws(ConvergeError) {
        var err = ck_error_t()
        let status = ck_kernel_validate(raw, &err)
        guard status == CK_OK else { throw KernelFault(status, err).error(what: "ck_kernel_validate") }
    }

    /// The kernel-owned state slots, and the slot of each path id (`ck_kernel_state`).
    func stateView() -> (tags: UnsafeMutablePointer<UInt8>, values: UnsafeMutablePointer<Double>, slotOf: UnsafePointer<UInt32>) {
        var view = ck_state_view_t()
        _ = ck_kernel_state(raw, &view)
        return (view.tags, view.values, view.slot_of_path)
    }

    // MARK: layout (L4)

    /// `slot[pathId]` for the loaded bytecode (`ck_kernel_suggest_layout`).
    func suggestedLayout(pathCount n: Int) -> [UInt32] {
        var out = [UInt32](repeating: 0, count: n)
        out.withUnsafeMutableBufferPointer { b in
            if let base = b.baseAddress { _ = ck_kernel_suggest_layout(raw, base, UInt32(n)) }
        }
        return out
    }

    /// Sets the layout (`ck_kernel_set_layout`; nil: the identity).
    /// - Throws: `invalidArgument` naming the path whose slot is out of range or repeated.
    func setLayout(_ slotOfPath: [UInt32]?, pathCount: Int) throws(ConvergeError) {
        var err = ck_error_t()
        let status: ck_status_t
        if let slotOfPath {
            status = slotOfPath.withUnsafeBufferPointer { ck_kernel_set_layout(raw, $0.baseAddress, UInt32($0.count), &err) }
        } else {
            status = ck_kernel_set_layout(raw, nil, 0, &err)
        }
        guard status == CK_OK else {
            if status == CK_ERR_BAD_TABLES, let slots = slotOfPath {
                if Int(err.index) >= slots.count {
                    throw ConvergeError(.invalidArgument, "the layout has \(slots.count) slots; the graph has \(pathCount) paths")
                }
                throw ConvergeError(.invalidArgument, "the layout gives path \(err.index) slot \(err.value), which is out of range (\(pathCount) slots) or given twice")
            }
            throw ConvergeError(.invalidArgument, "the layout was refused: \(String(cString: ck_status_name(status)))")
        }
    }

    /// True when a layout other than the identity is set (`ck_kernel_has_layout`).
    var hasLayout: Bool { ck_kernel_has_layout(raw) != 0 }

    // MARK: bytecode (L3)

    /// Verifies and loads `code` (`ck_kernel_load_code`).
    /// - Throws: `invalidBytecode` naming the broken rule, the step and the instruction.
    func loadCode(_ code: Bytecode) throws(ConvergeError) {
        var err = ck_error_t()
        let status = code.withCCode { c in ck_kernel_load_code(raw, &c, &err) }
        guard status == CK_OK else { throw KernelFault(status, err).codeError(code) }
    }

    /// Removes the loaded bytecode.
    func unloadCode() { _ = ck_kernel_load_code(raw, nil, nil) }

    /// What is loaded (`ck_kernel_code_info`).
    var codeInfo: BytecodeInfo {
        var i = ck_code_info_t()
        _ = ck_kernel_code_info(raw, &i)
        return BytecodeInfo(compiledSteps: Int(i.compiled_steps), runs: Int(i.runs), longestRun: Int(i.longest_run),
                            maxRegisters: Int(i.max_regs), instructions: Int(i.insn_count), bytes: Int(i.bytes),
                            fusedRuns: Int(i.fused_runs), contiguousRuns: Int(i.contiguous_runs))
    }

    /// Runs step `step`'s program once on the current state (`ck_kernel_eval_step`); nil when
    /// the step has no program.
    func evaluate(step: UInt32) -> ConvergeValue? {
        var tag: UInt8 = 0
        var value = 0.0
        var err = ck_error_t()
        guard ck_kernel_eval_step(raw, step, &tag, &value, &err) == CK_OK else { return nil }
        return ConvergeValue(tag: tag, payload: value)
    }
}

extension Bytecode {
    /// The bytecode as the kernel takes it (`ck_code_t`, views into the arrays for `body`).
    func withCCode<R>(_ body: (inout ck_code_t) -> R) -> R {
        let insns = instructions.map(\.c_)
        return stepOffsets.withUnsafeBufferPointer { offs in
            stepRegisters.withUnsafeBufferPointer { regs in
                insns.withUnsafeBufferPointer { ins in
                    constants.withUnsafeBufferPointer { consts in
                        var code = ck_code_t(step_count: UInt32(stepRegisters.count), step_offsets: offs.baseAddress,
                                             step_regs: regs.baseAddress, insns: ins.baseAddress,
                                             consts: consts.baseAddress, const_count: UInt32(consts.count))
                        return body(&code)
                    }
                }
            }
        }
    }
}

extension Instruction {
    /// The instruction as the kernel stores it (`ck_insn_t`).
    var c_: ck_insn_t { ck_insn_t(op: op.rawValue, a: a, b: b, c: c, imm: imm) }
}

extension NativeKernel {
    /// The C instance (tests reach the C API through it).
    var kernel: OpaquePointer { handle.raw }
}

// MARK: - the transaction core

/// The C transaction core (`ck_txn_*`, docs/transactions.md) over a native kernel: the write log
/// the reducer appends to, and the one commit call that applies it, decides (auto mode in C),
/// plans, executes and commits or rolls back. Every native level (L1–L4) runs its transactions
/// through it, as the wasm hosts do through `ckw_txn_commit`.
final class TransactionCore {
    let txn: OpaquePointer
    /// The host-visible part: the write log, op_seq, the reducer-written bits.
    let log: UnsafeMutablePointer<WriteLog>
    /// Keeps the kernel alive as long as the core.
    let planner: NativeKernel

    /// The host callback and the trace buffers come later, from ``setHost(_:trace:)``.
    /// - Throws: `invalidArgument` for more near-full ratio rules than the kernel takes;
    ///   `kernelFailure` from `ck_txn_create`.
    init(planner: NativeKernel, scope: PlanScope, policy: AutoPolicy, budgetNs: UInt64,
         vmFlags: UInt32) throws(ConvergeError) {
        if policy.nearFullRootRatios.count > KernelABI.maxRatioRules {
            throw ConvergeError(.invalidArgument, "AutoPolicy.nearFullRootRatios has \(policy.nearFullRootRatios.count) rules; the kernel takes at most \(CK_AUTO_MAX_RATIO_RULES)")
        }
        var o = ck_txn_options_t()
        ck_txn_options_init(&o)
        o.scope = KernelHandle.cScope(scope)
        o.auto_policy = Self.cPolicy(policy)
        o.budget_ns = budgetNs
        o.vm_flags = vmFlags
        var handle: OpaquePointer?
        var err = ck_error_t()
        let status = ck_txn_create(planner.kernel, &o, &handle, &err)
        guard status == CK_OK, let handle else { throw KernelFault(status, err).error(what: "ck_txn_create") }
        txn = handle
        log = ck_txn_log(handle)
        self.planner = planner
    }

    deinit { ck_txn_free(txn) }

    /// ``AutoPolicy`` in the C core's terms (times in ns). At most 8 near-full ratio rules
    /// (``init(planner:scope:policy:budgetNs:vmFlags:)`` refuses more).
    static func cPolicy(_ p: AutoPolicy) -> ck_auto_policy_t {
        var c = ck_auto_policy_t()
        ck_auto_policy_init(&c, 0)
        let rules = p.nearFullRootRatios.prefix(KernelABI.maxRatioRules)
        c.near_full_rule_count = UInt32(rules.count)
        withUnsafeMutableBytes(of: &c.near_full_from_steps) { raw in
            let b = raw.bindMemory(to: UInt32.self)
            for (i, r) in rules.enumerated() { b[i] = UInt32(clamping: max(r.fromSteps, 0)) }
        }
        withUnsafeMutableBytes(of: &c.near_full_root_ratio) { raw in
            let b = raw.bindMemory(to: Double.self)
            for (i, r) in rules.enumerated() { b[i] = r.ratio }
        }
        c.near_full_plan_ratio = p.nearFullPlanRatio
        c.fast_full_max_ns = max(p.fastFullMaxMs, 0) * 1e6
        c.full_ewma_alpha = p.fullEwmaAlpha
        c.decision_budget_ns = p.decisionBudgetMs > 0 ? UInt64(p.decisionBudgetMs * 1e6) : 0
        c.inline_max_roots = UInt32(clamping: max(p.inlineMaxRoots, 0))
        c.inline_max_plan = UInt32(clamping: max(p.inlineMaxPlanLength, 0))
        c.inline_off_after_skips = UInt32(clamping: max(p.inlineOffAfterSkips, 0))
        c.inline_off_max_computes = UInt32(clamping: max(p.inlineOffMaxComputes, 0))
        c.lru_capacity = UInt32(clamping: max(p.lruCapacity, 0))
        c.lru_max_roots = UInt32(clamping: max(p.lruMaxRoots, 0))
        c.lru_max_root_ratio = p.lruMaxRootRatio
        c.lru_min_hit_rate = p.lruMinHitRate
        c.lru_max_plan = UInt32(clamping: max(p.lruMaxPlanLength, 0))
        c.cost_model = p.costModel ? 1 : 0
        c.cost_probe_interval = UInt32(clamping: max(p.costProbeInterval, 0))
        c.cost_probe_max_interval = UInt32(clamping: max(p.costProbeMaxInterval, 0))
        return c
    }

    /// The runtime whose derive functions run the computed steps without bytecode (through
    /// ``convergeHostSteps``, unretained: the runtime owns the core), and the trace buffers.
    func setHost(_ runtime: ConvergeRuntime, trace: UnsafeMutablePointer<TraceBuffers>) {
        ck_txn_set_host(txn, convergeHostSteps, Unmanaged.passUnretained(runtime).toOpaque(), trace)
    }

    /// Gate validation: the extra work per transaction and per step (`ck_txn_set_spin`); false
    /// when the kernel was built without `CK_GATE_SPIN`.
    func setSpin(perStep: UInt32, perTxn: UInt32) -> Bool {
        ck_txn_set_spin(txn, perStep, perTxn) == CK_OK
    }

    /// Applies the log now (a read inside the reducer must see the reducer's writes).
    func flush() throws(ConvergeError) {
        var err = ck_error_t()
        let status = ck_txn_flush(log, &err)
        guard status == CK_OK else { throw KernelFault(status, err).error(what: "ck_txn_flush") }
    }

    func abort() { ck_txn_abort(txn) }

    func bumpGeneration() { ck_txn_bump_generation(txn) }

    /// The one commit call of a transaction.
    func commit(_ request: inout TxnRequest, _ result: inout TxnResult) throws(ConvergeError) {
        var err = ck_error_t()
        let status = ck_txn_commit(txn, &request, &result, &err)
        guard status == CK_OK else { throw KernelFault(status, err).error(what: "ck_txn_commit") }
    }

    /// True when the reducer wrote path `p` in the current (or last committed) transaction.
    @inline(__always)
    func reducerWrote(_ p: Int) -> Bool {
        log.pointee.written_bits[p >> 6] & (UInt64(1) << UInt64(p & 63)) != 0
    }
}

/// The reducer's writes into the core's log: the C's inline functions, inlined into the caller.
@usableFromInline enum KernelCalls {
    /// The in-place write (`ck_txn_set`: slot, first-write undo, written bit); false when the log
    /// refused it (an id outside the registry, a full log to flush).
    @inlinable @inline(__always)
    static func txnSet(_ log: UnsafeMutablePointer<WriteLog>, _ id: UInt32, _ tag: UInt8, _ payload: Double) -> Bool {
        ck_txn_set(log, id, tag, payload) == CK_OK
    }

    /// Marks path `id` dirty without writing its slot (`ck_txn_write` with `CK_WRITE_MARK`).
    static func txnMark(_ log: UnsafeMutablePointer<WriteLog>, _ id: UInt32) -> Bool {
        ck_txn_write(log, id, UInt8(CK_WRITE_MARK), 0) == CK_OK
    }

    /// Marks everything dirty (`ck_txn_mark_all`).
    static func txnMarkAll(_ log: UnsafeMutablePointer<WriteLog>, _ reason: DirtyAllReason) {
        ck_txn_mark_all(log, KernelABI.dirtyAll(reason))
    }
}

/// The host callback of the transaction core: C calls it with each batch of computed steps;
/// `context` is the runtime (``TransactionCore/setHost(_:trace:)``).
let convergeHostSteps: ck_host_batch_fn = { context, steps, count, tags, values, completed in
    guard let context, let steps, let tags, let values, let completed else { return CK_HOST_ABORT }
    // a guaranteed reference: no retain/release of the runtime per callback
    return Unmanaged<ConvergeRuntime>.fromOpaque(context)._withUnsafeGuaranteedRef {
        $0.hostSteps(steps, Int(count), tags, values, completed)
    }
}

// MARK: - SIMD implementations

extension SIMDImplementation {
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

// MARK: - errors

/// A C status with its `ck_error_t` (from the native kernel, or read from a wasm module's error
/// words: the same numbers), turned into the ``ConvergeError`` that names the offender.
package struct KernelFault: Sendable {
    package var status: UInt32
    package var table: UInt32
    package var index: UInt64
    package var value: UInt64
    package var fault: UInt32

    package init(status: UInt32, table: UInt32 = 0, index: UInt64 = 0, value: UInt64 = 0, fault: UInt32 = 0) {
        self.status = status
        self.table = table
        self.index = index
        self.value = value
        self.fault = fault
    }

    init(_ status: ck_status_t, _ err: ck_error_t) {
        self.init(status: status.rawValue, table: err.table.rawValue, index: err.index, value: err.value, fault: err.fault.rawValue)
    }

    private var cStatus: ck_status_t { ck_status_t(rawValue: status) }

    /// `CK_ERR_BAD_TABLES`: the kernel refused a table (or a wasm module a malformed blob).
    package var isBadTables: Bool { cStatus == CK_ERR_BAD_TABLES }
    /// `CK_ERR_UNKNOWN_PATH_ID`: a dirty id outside the registry.
    package var isUnknownPathId: Bool { cStatus == CK_ERR_UNKNOWN_PATH_ID }
    /// `CK_ERR_BAD_WRITE`: a write-log entry with a bad path id or tag.
    package var isBadWrite: Bool { cStatus == CK_ERR_BAD_WRITE }

    /// `tooLarge` for `CK_ERR_TOO_LARGE`, else `kernelFailure`: `<what>: <status name> (table,
    /// index, value)`.
    package func error(what: String) -> ConvergeError {
        let name = String(cString: ck_status_name(cStatus))
        let code: ConvergeError.Code = cStatus == CK_ERR_TOO_LARGE ? .tooLarge : .kernelFailure
        return ConvergeError(code, "\(what): \(name) (table \(table), index \(index), value \(value))")
    }

    /// The `invalidArtifact` error: `section "insns" at byte 4096: checksum mismatch …`.
    package func artifactError(fileBytes: Int) -> ConvergeError {
        guard cStatus == CK_ERR_BAD_ARTIFACT else {
            if cStatus == CK_ERR_OUT_OF_MEMORY { return ConvergeError(.kernelFailure, "out of memory creating the kernel") }
            return error(what: "ck_artifact_open")
        }
        let section = table >= CK_TABLE_ARTIFACT ? table - CK_TABLE_ARTIFACT : 0
        let name = ArtifactFormat.sectionName(section)
        let at = index, v = value
        let header = section == CK_ARTIFACT_SEC_HEADER
        let rule: String
        switch fault {
        case CK_ARTIFACT_FAULT_TRUNCATED:
            if header && at == 24 { rule = "truncated: the header says \(v) bytes, the file has \(fileBytes)" }
            else if header && v == UInt64(CK_ARTIFACT_HEADER_BYTES) { rule = "truncated: the file has \(fileBytes) bytes, less than the \(v)-byte header" }
            else if header { rule = "truncated: the section table ends at byte \(v), the file has \(fileBytes)" }
            else { rule = "truncated: the section ends past the \(v) bytes the header declares" }
        case CK_ARTIFACT_FAULT_OVERSIZED:
            rule = header ? "oversized: the header says \(v) bytes, the file has \(fileBytes)"
                          : "oversized: \(v) bytes after the last section"
        case CK_ARTIFACT_FAULT_MAGIC: rule = "not an artifact: magic 0x\(String(v, radix: 16)), expected \"CKIR\" (0x\(String(CK_ARTIFACT_MAGIC, radix: 16)))"
        case CK_ARTIFACT_FAULT_VERSION: rule = "unsupported version \(v) (this library reads \(CK_ARTIFACT_VERSION))"
        case CK_ARTIFACT_FAULT_ENDIAN: rule = "byte-order marker 0x\(String(v, radix: 16)), expected 0x01020304 (a little-endian file)"
        case CK_ARTIFACT_FAULT_HEADER: rule = "invalid header field: \(v)"
        case CK_ARTIFACT_FAULT_CHECKSUM: rule = "checksum mismatch (computed 0x\(String(v, radix: 16)))"
        case CK_ARTIFACT_FAULT_SECTION_ID: rule = "section id \(v) is unknown, repeated, out of order, or not the one the flags call for"
        case CK_ARTIFACT_FAULT_ALIGNMENT: rule = "offset \(v) is not a multiple of \(CK_ARTIFACT_ALIGN)"
        case CK_ARTIFACT_FAULT_OVERLAP: rule = "offset \(v) overlaps the previous section"
        case CK_ARTIFACT_FAULT_LAYOUT: rule = "offset \(v) is not where the layout puts the section"
        case CK_ARTIFACT_FAULT_BOUNDS: rule = "length \(v) reaches past the end of the file"
        case CK_ARTIFACT_FAULT_ELEMENT: rule = "element size or count \(v) disagrees with the section's length"
        case CK_ARTIFACT_FAULT_COUNT: rule = "count \(v) disagrees with the header or another section"
        case CK_ARTIFACT_FAULT_PADDING: rule = "padding byte \(v) is not 0"
        case CK_ARTIFACT_FAULT_TABLES: rule = "table invariant broken (value \(v))"
        case CK_ARTIFACT_FAULT_VALUE: rule = "value \(v) out of range"
        case CK_ARTIFACT_FAULT_TOO_LARGE: rule = "\(v) exceeds the kernel's limit"
        case CK_ARTIFACT_FAULT_REPEATED: rule = "value \(v) given twice (each slot holds one path)"
        default: rule = "bytecode rule \(Self.codeFaultName(fault)) broken (value \(v))"
        }
        return ConvergeError(.invalidArtifact, "section \"\(name)\" at byte \(at): \(rule)")
    }

    private static func codeFaultName(_ f: UInt32) -> String {
        let names = ["none", "step count", "offsets", "too long", "link code", "register count", "opcode", "register",
                     "const", "slot", "literal", "reserved", "unset register", "no ret", "too many consts"]
        return f < names.count ? "\"\(names[Int(f)])\"" : "\(f)"
    }

    /// The `invalidBytecode` error of a refused load: the rule, the step, the instruction (absolute
    /// and within its program) and the value; other statuses as ``error(what:)``.
    package func codeError(_ code: Bytecode) -> ConvergeError {
        guard cStatus == CK_ERR_BAD_CODE else { return error(what: "ck_kernel_load_code") }
        let index = Int(index), value = value
        // where: an instruction (step and pc), a step, or the tables
        var at: String
        switch ck_table_id_t(rawValue: table) {
        case CK_TABLE_CODE_INSNS:
            let step = code.stepOffsets.lastIndex { Int($0) <= index }.map { min($0, code.stepCount - 1) } ?? 0
            let pc = index - Int(code.stepOffsets[step])
            let shown = index < code.instructions.count ? " (\(code.instructions[index]))" : ""
            at = "step \(step), instruction \(pc) (insns[\(index)])\(shown)"
        case CK_TABLE_CODE_OFFSETS, CK_TABLE_CODE_REGS: at = fault == CK_FAULT_OFFSETS.rawValue ? "stepOffsets[\(index)]" : "step \(index)"
        case CK_TABLE_CODE_CONSTS: at = "constants"
        default: at = "the bytecode"
        }
        let rule: String = switch ck_code_fault_t(rawValue: fault) {
        case CK_FAULT_STEP_COUNT: "has \(value) steps; the graph has a different count"
        case CK_FAULT_OFFSETS: "offset \(value) is out of order (offsets start at 0 and never decrease)"
        case CK_FAULT_TOO_LONG: "program of \(value) instructions exceeds \(CK_VM_MAX_PROGRAM)"
        case CK_FAULT_LINK_CODE: "is a link and cannot have a program"
        case CK_FAULT_REG_COUNT: "register count \(value) is invalid (1…\(CK_VM_MAX_REGS) with a program, 0 without)"
        case CK_FAULT_OPCODE: "unknown opcode \(value)"
        case CK_FAULT_REGISTER: "register r\(value) is beyond the step's register count"
        case CK_FAULT_CONST: "constant index \(value) is beyond the \(code.constants.count) constants"
        case CK_FAULT_SLOT: "slot \(value) is not one of the step's dep paths"
        case CK_FAULT_LITERAL: "literal tag \(value >> 8) bit \(value & 0xFF) is not undefined, null, false or true"
        case CK_FAULT_RESERVED: "an operand the opcode does not use is \(value), not 0"
        case CK_FAULT_UNSET_REGISTER: "register r\(value) is read before it is written"
        case CK_FAULT_NO_RET: "the program must end with its only RET"
        case CK_FAULT_TOO_MANY_CONSTS: "\(value) constants exceed \(CK_VM_MAX_CONSTS)"
        default: "fault \(fault)"
        }
        return ConvergeError(.invalidBytecode, "\(at): \(rule)")
    }
}
