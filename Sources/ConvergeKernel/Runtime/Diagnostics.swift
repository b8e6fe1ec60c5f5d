// Diagnostics.swift — what a runtime records per transaction: levels, outcomes, summaries, step and
// patch records.

/// How much a runtime records about each transaction (semantics §8, docs/transactions.md).
public enum DiagnosticsLevel: String, Sendable, CaseIterable {
    /// Only the fixed anchors (instanceId, txnSeq, opSeq): no clock per step, no records.
    case off
    /// Plus a ``TransactionSummary`` per transaction (counters, decision, top-3 dirty roots).
    case light
    /// Light, plus per-step timing on every 32nd transaction (by txnSeq) and its top-3 hotspots.
    case sampled
    /// Light, plus per-step records on every transaction and top-3 hotspots; with
    /// ``InstrumentationLevel/full`` also patch records (up to the patch capacity, 256).
    case full
}

/// Logix's `stateTransaction.instrumentation`: `full` adds patch records under diagnostics `full`.
public enum InstrumentationLevel: String, Sendable, CaseIterable {
    case light, full
}

/// Logix's decision reason codes, as a set (a decision can carry more than one).
public struct DecisionReasons: OptionSet, Sendable, Hashable, CustomStringConvertible {
    public let rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }

    public static let coldStart = DecisionReasons(rawValue: 1 << 0)
    public static let fastFull = DecisionReasons(rawValue: 1 << 1)
    public static let inlineDirty = DecisionReasons(rawValue: 1 << 2)
    public static let cacheHit = DecisionReasons(rawValue: 1 << 3)
    public static let cacheMiss = DecisionReasons(rawValue: 1 << 4)
    public static let budgetCutoff = DecisionReasons(rawValue: 1 << 5)
    public static let nearFull = DecisionReasons(rawValue: 1 << 6)
    public static let unknownWrite = DecisionReasons(rawValue: 1 << 7)
    public static let dirtyAll = DecisionReasons(rawValue: 1 << 8)
    public static let generationBumped = DecisionReasons(rawValue: 1 << 9)
    public static let lowHitRateProtection = DecisionReasons(rawValue: 1 << 10)
    public static let moduleOverride = DecisionReasons(rawValue: 1 << 11)

    /// Every reason with its Logix code, in bit order.
    public static let codes: [(DecisionReasons, String)] = [
        (.coldStart, "cold_start"), (.fastFull, "fast_full"), (.inlineDirty, "inline_dirty"),
        (.cacheHit, "cache_hit"), (.cacheMiss, "cache_miss"), (.budgetCutoff, "budget_cutoff"),
        (.nearFull, "near_full"), (.unknownWrite, "unknown_write"), (.dirtyAll, "dirty_all"),
        (.generationBumped, "generation_bumped"), (.lowHitRateProtection, "low_hit_rate_protection"),
        (.moduleOverride, "module_override"),
    ]

    /// The Logix codes of the reasons in the set, in bit order.
    public var codes: [String] { Self.codes.filter { contains($0.0) }.map(\.1) }

    public var description: String { codes.joined(separator: ",") }
}

/// What happened to a transaction's converge.
public enum ConvergeOutcome: Sendable, Equatable {
    /// Every planned step ran.
    case ok
    /// A step threw: its derived writes were rolled back (Logix `runtime_error`).
    case runtimeError(step: Int)
    /// The execution budget ran out before `step` ran (Logix `budget_exceeded`).
    case budgetExceeded(step: Int)

    /// Logix's code: `ok`, `runtime_error`, `budget_exceeded`.
    public var code: String {
        switch self {
        case .ok: "ok"
        case .runtimeError: "runtime_error"
        case .budgetExceeded: "budget_exceeded"
        }
    }
}

/// The `light` record of one transaction (kept by the runtime; no strings, fixed size).
public struct TransactionSummary: Sendable, Equatable {
    public var instanceId: UInt64 = 0
    public var txnSeq: UInt64 = 0
    public var requestedMode: ConvergeMode = .auto
    /// `nil` when no converge ran (nothing was written).
    public var executedMode: ExecutedMode?
    public var reasons: DecisionReasons = []
    public var outcome: ConvergeOutcome = .ok
    public var committed = false
    /// Dirty roots, and the first three of them (ids ascending); `rootsTruncated` when more.
    public var dirtyRoots = 0
    public var topRoots: (UInt32, UInt32, UInt32) = (.max, .max, .max)
    public var rootsTruncated = false
    public var dirtyAllReason: DirtyAllReason?
    /// Plan length, steps started, steps whose write was kept, steps of the scope.
    public var planLength = 0
    public var executedSteps = 0
    public var affectedSteps = 0
    public var totalSteps = 0
    /// Plan cache: hit in this transaction; the caches' state.
    public var cacheHit = false
    public var inlineCacheEnabled = true
    public var lruCacheEnabled = true
    /// Calls into CKernel in this transaction (L1, L2: 1 unless a cached plan made it 0 for L1),
    /// host callbacks from C (L2), and bytes handed across the C boundary (ids in, plan/result out).
    public var boundaryCalls = 0
    public var hostCallbacks = 0
    /// Steps the kernel's bytecode VM ran (L3–L5).
    public var vmSteps = 0
    /// L3–L5: computed steps that fell back to their derive function (host callback) in this
    /// transaction — steps whose `expr` did not compile, or over which a derive function was
    /// registered (``ConvergeRuntime/fallbackReason(step:)``); 0 at the other levels. A fallback
    /// cannot hide inside default-path evidence: benchmarks report it per transaction.
    public var fallbackSteps = 0
    public var bytesIn = 0
    public var bytesOut = 0
    /// Time deciding (auto mode), in nanoseconds of the kernel's monotonic clock.
    public var decisionNs: UInt64 = 0

    public init() {}

    public static func == (a: TransactionSummary, b: TransactionSummary) -> Bool {
        a.instanceId == b.instanceId && a.txnSeq == b.txnSeq && a.requestedMode == b.requestedMode
            && a.executedMode == b.executedMode && a.reasons == b.reasons && a.outcome == b.outcome
            && a.committed == b.committed && a.dirtyRoots == b.dirtyRoots && a.topRoots == b.topRoots
            && a.rootsTruncated == b.rootsTruncated && a.dirtyAllReason == b.dirtyAllReason
            && a.planLength == b.planLength && a.executedSteps == b.executedSteps
            && a.affectedSteps == b.affectedSteps && a.totalSteps == b.totalSteps && a.cacheHit == b.cacheHit
            && a.inlineCacheEnabled == b.inlineCacheEnabled && a.lruCacheEnabled == b.lruCacheEnabled
            && a.boundaryCalls == b.boundaryCalls && a.hostCallbacks == b.hostCallbacks && a.vmSteps == b.vmSteps
            && a.fallbackSteps == b.fallbackSteps
            && a.bytesIn == b.bytesIn && a.bytesOut == b.bytesOut && a.decisionNs == b.decisionNs
    }

    /// The top dirty root ids as an array (allocates; for the host, after the transaction).
    public var topRootIds: [UInt32] { [topRoots.0, topRoots.1, topRoots.2].filter { $0 != .max } }
}

/// A per-step record (diagnostics sampled / full).
public struct StepRecord: Sendable, Equatable {
    public var stepId: Int
    public var isLink: Bool
    public var changed: Bool
    public var durationNs: UInt64
    /// L3–L5: why this computed step ran as a host callback rather than in the kernel (nil when
    /// the kernel ran it, and at the other levels).
    public var fallbackReason: String?

    public init(stepId: Int, isLink: Bool, changed: Bool, durationNs: UInt64, fallbackReason: String? = nil) {
        self.stepId = stepId
        self.isLink = isLink
        self.changed = changed
        self.durationNs = durationNs
        self.fallbackReason = fallbackReason
    }
}

/// Why a slot was written (Logix patch reasons).
public enum PatchReason: String, Sendable {
    case reducer
    case traitComputed = "trait-computed"
    case traitLink = "trait-link"
}

/// A patch record (diagnostics full with instrumentation full).
public struct PatchRecord: Sendable, Equatable {
    public var opSeq: UInt64
    public var pathId: Int
    public var reason: PatchReason
    /// `nil` for reducer writes.
    public var stepId: Int?
    public var from: ConvergeValue
    public var to: ConvergeValue

    public init(opSeq: UInt64, pathId: Int, reason: PatchReason, stepId: Int?, from: ConvergeValue, to: ConvergeValue) {
        self.opSeq = opSeq
        self.pathId = pathId
        self.reason = reason
        self.stepId = stepId
        self.from = from
        self.to = to
    }
}

#if CONVERGE_NO_INSTRUMENTATION
/// False in a build with the `NoInstrumentation` package trait: every diagnostics level then
/// behaves as `off` and its code is compiled out (the baseline `off` is measured against).
public let instrumentationCompiledIn = false
#else
/// False in a build with the `NoInstrumentation` package trait: every diagnostics level then
/// behaves as `off` and its code is compiled out (the baseline `off` is measured against).
public let instrumentationCompiledIn = true
#endif
