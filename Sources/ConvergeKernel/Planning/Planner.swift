// Planner.swift — what a planner is: modes, scopes, plans, the plan buffer and the planner
// protocols.

/// The requested converge mode (semantics §6). `auto` belongs to transactions (``ConvergeMode``).
public enum PlanMode: String, Sendable, CaseIterable {
    /// Every step of the scope.
    case full
    /// The steps the dirty set triggers (the whole scope when dirtyAll); never switches to full.
    case dirty
}

/// Which steps take part (semantics §5).
public enum PlanScope: String, Sendable, CaseIterable {
    case immediate, deferred, all
}

/// The mode a plan was executed in; `nil` in ``Plan`` when the graph has no steps.
public enum ExecutedMode: String, Sendable {
    case full, dirty
}

/// How a plan was computed.
public enum PlanAlgorithm: String, Sendable {
    /// Full mode or dirtyAll: the scope's step list.
    case scope
    /// A graph under 32 steps: one pass over the scope in topo order.
    case linear
    /// Precomputed closure rows OR-ed together, then a bitset scan (native).
    case rows
    /// A frontier over the trigger index, then a bitset scan (native).
    case frontier
    /// Precomputed closure lists set into a bitset, then a bitset scan (native).
    case lists
    /// A queue of dirty prefixes over the full prefix index, then a sort (portable).
    case prefixQueue
}

/// Counters of one plan, for evidence.
public struct PlanCounters: Sendable, Equatable {
    public var algorithm: PlanAlgorithm = .scope
    /// Distinct dirty prefixes processed (native: 1-segment prefixes).
    public var dirtyPrefixes: Int = 0
    /// Steps the closure reached.
    public var reachableSteps: Int = 0
    /// 64-bit bitset words examined by the scan (native).
    public var wordsScanned: Int = 0
    /// Trigger-index entries visited (closure rows OR-ed, for the rows algorithm).
    public var indexEntries: Int = 0

    public init() {}
}

/// A plan: step ids in topological order (== ascending), with what was decided.
public struct Plan: Sendable, Equatable {
    public var stepIds: [UInt32]
    public var executedMode: ExecutedMode?
    public var dirtyAllReason: DirtyAllReason?
    public var counters: PlanCounters

    public var dirtyAll: Bool { dirtyAllReason != nil }

    public init(stepIds: [UInt32], executedMode: ExecutedMode?, dirtyAllReason: DirtyAllReason?, counters: PlanCounters) {
        self.stepIds = stepIds
        self.executedMode = executedMode
        self.dirtyAllReason = dirtyAllReason
        self.counters = counters
    }

    /// The raw `out` of each planned step, as written in the graph.
    public func outs(in graph: CompiledGraph) -> [String] { stepIds.map { graph.out(ofStep: Int($0)) } }
}

/// Reusable output storage for planning without allocation: sized once for the graph.
public final class PlanBuffer {
    /// Capacity == the graph's step count; the plan is the first ``count`` entries.
    var storage: [UInt32]
    public private(set) var count: Int = 0
    public internal(set) var executedMode: ExecutedMode?
    public internal(set) var dirtyAllReason: DirtyAllReason?
    public internal(set) var counters = PlanCounters()

    /// A buffer large enough for any plan of `graph`.
    public init(for graph: CompiledGraph) {
        storage = [UInt32](repeating: 0, count: max(graph.stepCount, 1))
    }

    /// The planned step ids.
    public var stepIds: ArraySlice<UInt32> { storage[..<count] }

    func setCount(_ n: Int) { count = n }

    /// For planners outside this module (``RootPlanner``): the whole storage (capacity = the
    /// graph's step count), to write a plan into.
    public func withStorage<R, E: Error>(_ body: (UnsafeMutableBufferPointer<UInt32>) throws(E) -> R) throws(E) -> R {
        try storage.withUnsafeMutableBufferPointer { (b: inout UnsafeMutableBufferPointer<UInt32>) throws(E) -> R in try body(b) }
    }

    /// For planners outside this module: what the plan written by ``withStorage(_:)`` is.
    /// - Precondition: `0 <= count <= capacity`.
    public func setPlan(count n: Int, executedMode: ExecutedMode?, dirtyAllReason: DirtyAllReason?, counters: PlanCounters) {
        precondition(n >= 0 && n <= storage.count, "plan length \(n) outside the buffer (\(storage.count))")
        count = n
        self.executedMode = executedMode
        self.dirtyAllReason = dirtyAllReason
        self.counters = counters
    }

    /// A copy as a ``Plan``.
    public func snapshot() -> Plan {
        Plan(stepIds: Array(stepIds), executedMode: executedMode, dirtyAllReason: dirtyAllReason, counters: counters)
    }
}

/// A planner: computes which steps run, in order, for a dirty set (semantics §5–§6).
///
/// Implementations: ``PortablePlanner`` (L0, pure Swift) and ``NativeKernel`` (L1, CKernel, one C
/// call per plan). Both return identical plans for the same graph and request.
/// A planner keeps scratch state: use one from one thread at a time.
public protocol ConvergePlanner: AnyObject {
    /// The graph this planner plans.
    var graph: CompiledGraph { get }
    /// A short backend name (`portable`, `native`).
    var backendName: String { get }
    /// Plans into `buffer` (which must have been made for this graph). Allocates nothing.
    /// - Throws: `invalidArgument` when the buffer was made for a smaller graph; `kernelFailure`
    ///   if the C kernel refuses the call.
    func plan(_ dirty: DirtySet, mode: PlanMode, scope: PlanScope, into buffer: PlanBuffer) throws(ConvergeError)
}

/// A planner that plans from dirty root ids in place (no ``DirtySet``): what a runtime at L1
/// calls once per commit. ``NativeKernel`` and ``PortablePlanner`` are ones; ConvergeWasm's
/// WasmKit kernel is another (plugged in through ``RuntimeOptions/planner``).
public protocol RootPlanner: ConvergePlanner {
    /// Plans from dirty path ids (any order, repeats allowed; all `< graph.pathCount`).
    /// `dirtyAll` non-nil plans the whole scope in dirty mode and is reported as the reason.
    func plan(roots: UnsafeBufferPointer<UInt32>, dirtyAll: DirtyAllReason?, mode: PlanMode, scope: PlanScope,
              into buffer: PlanBuffer) throws(ConvergeError)
    /// Bytes a plan call hands back besides the step ids (its counters record), for the
    /// boundary evidence of transactions.
    var resultRecordBytes: Int { get }
}

extension ConvergePlanner {
    /// Plans and returns a fresh ``Plan``.
    public func plan(_ dirty: DirtySet, mode: PlanMode, scope: PlanScope) throws(ConvergeError) -> Plan {
        let buffer = PlanBuffer(for: graph)
        try plan(dirty, mode: mode, scope: scope, into: buffer)
        return buffer.snapshot()
    }

    /// Resolves written path strings (semantics §4) and plans.
    public func plan(dirtyPaths: [String], mode: PlanMode, scope: PlanScope) throws(ConvergeError) -> Plan {
        try plan(graph.dirtySet(paths: dirtyPaths), mode: mode, scope: scope)
    }

    func checkBuffer(_ buffer: PlanBuffer) throws(ConvergeError) {
        if buffer.storage.count < graph.stepCount {
            throw ConvergeError(.invalidArgument, "plan buffer holds \(buffer.storage.count) steps; the graph has \(graph.stepCount)")
        }
    }
}
