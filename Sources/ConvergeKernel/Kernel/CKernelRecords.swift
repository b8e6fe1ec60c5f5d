// CKernelRecords.swift — the C records the runtime shares with the kernel (trace buffers, the
// write log, a commit's request and result, an opened artifact), with Swift names for their fields.

import CKernel

// The runtime and the artifact reader hold these records in memory the C kernel reads and writes,
// so they are the C types themselves (same layout, no copy), named by typealias. Their fields are
// read and written through the Swift names below: no other file names a C field. The package
// builds ConvergeKernel with the MemberImportVisibility feature, under which a C field is not
// even visible outside this file and CKernelBridge.swift (the two files that import CKernel).

// MARK: - trace

/// The diagnostics buffers and counters the C core and the Swift executor both fill (`ck_trace_t`).
/// Records are appended at the counts; once a buffer is full, further records are only counted
/// as dropped.
typealias TraceBuffers = ck_trace_t

extension TraceBuffers {
    /// No buffers, nothing recorded.
    static var empty: TraceBuffers { TraceBuffers() }

    /// Gives the trace its record buffers (the runtime's, for its lifetime).
    mutating func attach(steps: UnsafeMutablePointer<TraceStepRecord>, capacity stepCapacity: Int,
                         patches: UnsafeMutablePointer<TracePatchRecord>, capacity patchCapacity: Int) {
        self.steps = steps
        step_capacity = UInt32(stepCapacity)
        self.patches = patches
        patch_capacity = UInt32(patchCapacity)
    }

    /// What is recorded (``KernelABI/Trace``).
    var recordLevel: UInt32 {
        @inline(__always) get { level }
        @inline(__always) set { level = newValue }
    }
    /// The next operation sequence number: each derived write takes one.
    var opSeq: UInt64 {
        @inline(__always) get { op_seq }
        @inline(__always) set { op_seq = newValue }
    }
    /// Records stored, and the ones that did not fit.
    var stepCount: Int { Int(step_count) }
    var patchCount: Int { Int(patch_count) }
    var dropped: (steps: UInt64, patches: UInt64) { (steps_dropped, patches_dropped) }

    /// Stores a step record, or counts it as dropped when the buffer is full.
    @inline(__always)
    mutating func append(_ record: TraceStepRecord) {
        Self.store(record, in: steps, count: &step_count, capacity: step_capacity, dropped: &steps_dropped)
    }

    /// Stores a patch record, or counts it as dropped when the buffer is full.
    @inline(__always)
    mutating func append(_ record: TracePatchRecord) {
        Self.store(record, in: patches, count: &patch_count, capacity: patch_capacity, dropped: &patches_dropped)
    }

    @inline(__always)
    private static func store<R>(_ record: R, in buffer: UnsafeMutablePointer<R>, count: inout UInt32, capacity: UInt32,
                                 dropped: inout UInt64) {
        if count < capacity {
            buffer[Int(count)] = record
            count += 1
        } else {
            dropped += 1
        }
    }

    /// Forgets the records (a transaction that did not happen), keeping the dropped counts.
    mutating func discardRecords() {
        patch_count = 0
        step_count = 0
    }

    /// Forgets the records and the dropped counts (a transaction's records start).
    mutating func startRecords() {
        discardRecords()
        steps_dropped = 0
        patches_dropped = 0
    }

    /// Where the records stand: a rolled-back converge returns to it.
    struct Mark {
        fileprivate let steps: UInt32, patches: UInt32, stepsDropped: UInt64, patchesDropped: UInt64, opSeq: UInt64
    }

    var mark: Mark {
        Mark(steps: step_count, patches: patch_count, stepsDropped: steps_dropped, patchesDropped: patches_dropped, opSeq: op_seq)
    }

    /// Removes what was recorded since `mark`.
    mutating func rollBack(to mark: Mark) {
        step_count = mark.steps
        patch_count = mark.patches
        steps_dropped = mark.stepsDropped
        patches_dropped = mark.patchesDropped
        op_seq = mark.opSeq
    }
}

/// One step record of the trace (`ck_step_record_t`).
typealias TraceStepRecord = ck_step_record_t

extension TraceStepRecord {
    /// A record of step `stepId`: a link or a computed step, whether it wrote its out, how long it took.
    @inline(__always)
    init(stepId: UInt32, isLink: Bool, changed: Bool, durationNs: UInt64) {
        self.init(step_id: stepId, kind: isLink ? 1 : 0, changed: changed ? 1 : 0, reserved: 0, duration_ns: durationNs)
    }
    var stepId: UInt32 { step_id }
    var isLink: Bool { kind == 1 }
    var wroteOut: Bool { changed != 0 }
    var durationNs: UInt64 { duration_ns }
}

/// One patch record of the trace (`ck_patch_record_t`): one write to a slot.
typealias TracePatchRecord = ck_patch_record_t

extension TracePatchRecord {
    /// A write of `pathId` by `stepId` (`UInt32.max`: the reducer) for `reason` (``KernelABI/Patch``).
    @inline(__always)
    init(opSeq: UInt64, pathId: UInt32, stepId: UInt32, reason: UInt8, from: (tag: UInt8, value: Double), to: (tag: UInt8, value: Double)) {
        self.init()
        op_seq = opSeq
        path_id = pathId
        step_id = stepId
        self.reason = reason
        from_tag = from.tag
        from_value = from.value
        to_tag = to.tag
        to_value = to.value
    }
    var opSeq: UInt64 { op_seq }
    var pathId: UInt32 { path_id }
    /// `UInt32.max` for a reducer write.
    var stepId: UInt32 { step_id }
    var patchReason: UInt8 { reason }
    var from: (tag: UInt8, value: Double) { (from_tag, from_value) }
    var to: (tag: UInt8, value: Double) { (to_tag, to_value) }
}

// MARK: - the transaction core

/// The transaction core's write log and undo log (`ck_txn_log_t`): the reducer appends to it.
@usableFromInline typealias WriteLog = ck_txn_log_t

extension WriteLog {
    /// The next operation sequence number: every reducer write and every derived write takes one.
    var opSeq: UInt64 {
        @inline(__always) get { op_seq }
        @inline(__always) set { op_seq = newValue }
    }
    /// The paths the reducer wrote in the current (or last committed) transaction, a bit per path.
    var writtenBits: UnsafeMutablePointer<UInt64>! { written_bits }
    /// That transaction's first writes: path, base tag and base value of each.
    var undoCount: Int { Int(undo_count) }
    var undoIds: UnsafeMutablePointer<UInt32>! { undo_ids }
    var undoTags: UnsafeMutablePointer<UInt8>! { undo_tags }
    var undoValues: UnsafeMutablePointer<Double>! { undo_values }
}

/// What one commit asks of the core (`ck_txn_request_t`).
typealias TxnRequest = ck_txn_request_t

extension TxnRequest {
    /// A commit in `mode` (``KernelABI/Txn``) with `flags`; a plan-only host passes the time it
    /// spent executing the previous plan when that result asked for it.
    init(requesting mode: UInt32, flags: UInt32, hostExecNs: UInt64) {
        self.init(mode: mode, flags: flags, host_exec_ns: hostExecNs)
    }
}

/// What one commit did (`ck_txn_result_t`).
typealias TxnResult = ck_txn_result_t

extension TxnResult {
    /// A result record for the core to fill.
    static var empty: TxnResult { TxnResult() }
    /// Whether a converge ran (false: nothing was dirty).
    var didConverge: Bool { converged != 0 }
    /// ``KernelABI/Outcome``.
    var outcomeCode: UInt32 { outcome }
    /// The step that failed; nil when the outcome is ok.
    var failedStepId: UInt32? { failed_step == .max ? nil : failed_step }
    /// `CK_EXECUTED_*` (read with ``KernelABI/executedMode(_:)``).
    var executedModeCode: UInt32 { executed_mode }
    /// ``DecisionReasons`` bits.
    var reasonBits: UInt32 { reasons }
    /// The final state differs from the base (plan-only: before the host's execution).
    var didCommit: Bool { committed != 0 }
    var planLength: Int { Int(plan_len) }
    /// The plan that ran (plan-only: is to run): ``planLength`` step ids.
    var planIds: UnsafePointer<UInt32>! { plan }
    var executedSteps: Int { Int(executed_steps) }
    var changedSteps: Int { Int(changed_steps) }
    var hostCalls: Int { Int(host_calls) }
    var vmSteps: Int { Int(vm_steps) }
    var dirtyRoots: Int { Int(dirty_roots) }
    /// The first three roots, ascending (`UInt32.max`: none).
    var topRoots: (UInt32, UInt32, UInt32) { top_roots }
    /// `CK_DIRTY_ALL_*` (read with ``KernelABI/dirtyAllReason(_:)``).
    var dirtyAllCode: UInt32 { dirty_all }
    var cacheHit: Bool { cache_hit != 0 }
    var inlineCacheEnabled: Bool { inline_enabled != 0 }
    var lruCacheEnabled: Bool { lru_enabled != 0 }
    /// Plan-only: the core asks for the execution's time in the next request.
    var wantsExecNs: Bool { wants_exec_ns != 0 }
    /// Write records the transaction made.
    var logEntries: Int { Int(log_entries) }
    /// Auto: the decision's time when it was measured, else 0.
    var decisionNs: UInt64 { decision_ns }
}

// MARK: - artifacts

/// An opened artifact: pointers into its bytes (`ck_artifact_t`), valid while the bytes are.
typealias ArtifactView = ck_artifact_t

extension ArtifactView {
    /// No artifact (every pointer nil), for a view that is filled next.
    static var empty: ArtifactView { ArtifactView() }
    var pathCount: Int { Int(tables.path_count) }
    var stepCount: Int { Int(tables.step_count) }
    /// `ArtifactFormat.Flag` bits.
    var flagBits: UInt32 { flags }

    /// The graph's tables as the artifact holds them: each table's elements (count from the graph
    /// it is checked against) and its section id (``ArtifactFormat/Section``).
    var pathPrefixOffsets: UnsafePointer<UInt32>! { tables.path_prefix_offsets }
    var pathPrefixIds: UnsafePointer<UInt32>! { tables.path_prefix_ids }
    var stepOutPath: UnsafePointer<UInt32>! { tables.step_out_path }
    var stepFlags: UnsafePointer<UInt8>! { tables.step_flags }
    var triggerOffsets: UnsafePointer<UInt32>! { tables.trigger_offsets }
    var triggerSteps: UnsafePointer<UInt32>! { tables.trigger_steps }
    var depOffsets: UnsafePointer<UInt32>! { tables.dep_offsets }
    var depPaths: UnsafePointer<UInt32>! { tables.dep_paths }
    var inputOffsets: UnsafePointer<UInt32>! { input_offsets }
    var inputPaths: UnsafePointer<UInt32>! { input_paths }

    /// The bytecode: per step its instruction offsets (`stepCount + 1`) and register count, the
    /// instructions and the constant pool.
    var codeStepOffsets: UnsafePointer<UInt32>! { code.step_offsets }
    var codeStepRegisters: UnsafePointer<UInt8>! { code.step_regs }
    var codeConstants: UnsafeBufferPointer<Double> { UnsafeBufferPointer(start: code.consts, count: Int(code.const_count)) }
    /// Instruction `i`: opcode and operands.
    func instruction(_ i: Int) -> (op: UInt8, a: UInt8, b: UInt8, c: UInt8, imm: UInt32) {
        let insn = code.insns[i]
        return (insn.op, insn.a, insn.b, insn.c, insn.imm)
    }

    /// The initial state, a tag and a value per path.
    var stateTags: UnsafePointer<UInt8>! { state_tags }
    var stateValues: UnsafePointer<Double>! { state_values }
    /// The layout section (a slot per path), or nil.
    var layoutSlots: UnsafePointer<UInt32>! { layout }
    /// The names section: the bytes, and offsets into them per path and per step's out (nil: none).
    var nameBytes: UnsafePointer<UInt8>! { names }
    var pathNameOffsets: UnsafePointer<UInt32>! { path_name_offsets }
    var stepOutNameOffsets: UnsafePointer<UInt32>! { step_out_offsets }
    /// The converge-ir JSON section, or nil.
    var irJSON: UnsafeRawBufferPointer? { ir.map { UnsafeRawBufferPointer(start: $0, count: Int(ir_bytes)) } }
}
