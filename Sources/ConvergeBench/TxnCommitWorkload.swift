// TxnCommitWorkload.swift — the converge.txnCommit workload ready to time, and its floors (the
// plain C loops over the same data).

import ConvergeKernel
import CKernel
import CKernelBench

/// The converge.txnCommit workload of the perf-evidence format, ready to time: fields `b0…b{n−1}`,
/// `d0…d{n−1}`, step i `d_i = b_i + 1`; a transaction increments `b0…b{k−1}` and commits.
///
/// ``run(_:)`` performs transactions back to back and returns the elapsed nanoseconds of the
/// kernel's monotonic clock; nothing inside allocates (after the first few transactions).
///
/// ``init(graph:rootOrder:dirtyRoots:options:)`` runs the same transactions on any graph: they
/// write the first k paths of `rootOrder` (`converge bench --ir`).
public final class TxnCommitWorkload {
    public let steps: Int
    /// k: the transactions write the first k root paths (``setDirtyRoots(_:)`` changes it).
    public private(set) var dirtyRoots: Int
    public let runtime: ConvergeRuntime
    /// The root path ids in write order (`b0…b{steps−1}` for the converge workload).
    private let ids: UnsafeMutablePointer<UInt32>
    private let rootCount: Int
    private var value = 0.0
    /// Writes of each root per transaction (1 by default; more measure the cost of a repeated
    /// write — the same dirty set, the same plan — under `valgrind --tool=callgrind`).
    public var writesPerRoot = 1
    /// Transactions so far that executed full / dirty (evidence for auto mode).
    public private(set) var executedFull = 0
    public private(set) var executedDirty = 0

    /// `dirtyRoots = max(1, ceil(steps · ratio))` (the format's derived axis), at most `steps`
    /// (a ratio that is not in (0, 1] — nan, negative, above 1 — is taken as its nearest bound).
    public static func dirtyRoots(steps: Int, ratio: Double) -> Int {
        let r = ratio.isNaN ? 1 : min(max(ratio, 0), 1)
        return max(1, min(max(steps, 1), Int((Double(max(steps, 0)) * r).rounded(.up))))
    }

    /// - Parameter links: build ``Workload/convergeLinks(steps:)`` (`d_i = link(b_i)`) instead.
    public convenience init(steps: Int, dirtyRoots k: Int, options: RuntimeOptions, links: Bool = false) throws(ConvergeError) {
        guard steps >= 1, k >= 1, k <= steps else {
            throw ConvergeError(.invalidArgument, "txnCommit workload needs 1 <= dirtyRoots (\(k)) <= steps (\(steps))")
        }
        let graph = try CompiledGraph(links ? try Workload.convergeLinks(steps: steps) : try Workload.converge(steps: steps))
        try self.init(graph: graph, rootOrder: (0..<steps).map { graph.pathId("b\($0)")! }, dirtyRoots: k, options: options)
    }

    /// Transactions on any graph: each writes the numbers of the first `k` paths of `rootOrder`,
    /// then commits. Every computed step gets the converge workload's function (its first input + 1).
    /// - Parameter artifact: the graph compiled (``Artifact/encode(_:policy:names:ir:layout:)``):
    ///   the runtime's kernel is made from it (its bytecode, state and, at L4, its layout).
    /// - Throws: `invalidArgument` when k is not in 1…rootOrder.count or a root id is out of range.
    public init(graph: CompiledGraph, rootOrder: [UInt32], dirtyRoots k: Int, options: RuntimeOptions,
                artifact: Artifact? = nil) throws(ConvergeError) {
        guard k >= 1, k <= rootOrder.count else {
            throw ConvergeError(.invalidArgument, "txnCommit workload needs 1 <= dirtyRoots (\(k)) <= roots (\(rootOrder.count))")
        }
        if let bad = rootOrder.first(where: { Int($0) >= graph.pathCount }) {
            throw ConvergeError(.invalidArgument, "root path id \(bad) is out of range (\(graph.pathCount) paths)")
        }
        self.steps = graph.stepCount
        self.dirtyRoots = k
        self.rootCount = rootOrder.count
        var opts = options
        if let artifact { opts.compilePolicy = artifact.compilePolicy }
        runtime = try ConvergeRuntime(graph, options: opts, artifact: artifact)
        try Workload.registerConvergeFunctions(runtime)
        ids = .allocate(capacity: rootOrder.count)
        for (i, id) in rootOrder.enumerated() { ids[i] = id }
    }

    /// From now on transactions write the first k roots (the runtime and its caches are kept).
    public func setDirtyRoots(_ k: Int) throws(ConvergeError) {
        guard k >= 1, k <= rootCount else {
            throw ConvergeError(.invalidArgument, "txnCommit workload needs 1 <= dirtyRoots (\(k)) <= roots (\(rootCount))")
        }
        dirtyRoots = k
    }

    /// The path ids of `b0…b{k−1}` (the dirty roots of the current transactions).
    public var rootIds: [UInt32] { (0..<dirtyRoots).map { ids[$0] } }

    /// One transaction timed on its own: the elapsed ns of the kernel's monotonic clock.
    @inline(__always)
    public func timedTransaction() throws -> UInt64 {
        let t0 = monotonicNowNs()
        _ = try transaction()
        return monotonicNowNs() &- t0
    }

    deinit { ids.deallocate() }

    /// One transaction: increment `b0…b{k−1}`, converge, commit.
    @inline(__always)
    public func transaction() throws -> TransactionResult {
        value += 1
        let v = value, k = dirtyRoots, ids = self.ids, repeats = writesPerRoot
        let r = try runtime.transaction { txn in
            var w = 0
            while w < repeats {
                var i = 0
                while i < k { try txn.set(ids[i], number: v); i += 1 }
                w += 1
            }
        }
        if r.executedMode == .full { executedFull += 1 } else if r.executedMode == .dirty { executedDirty += 1 }
        return r
    }

    /// Runs `count` transactions; returns the elapsed ns.
    public func run(_ count: Int) throws -> UInt64 {
        let t0 = monotonicNowNs()
        var i = 0
        while i < count { _ = try transaction(); i += 1 }
        return monotonicNowNs() &- t0
    }
}

/// The converge workload's floor (`ck_floor_add_one`): `d_i = b_i + 1` as a plain C loop over the
/// same slot ids as the runtime's state, for the first `pairs` steps (what a dirty plan of k roots
/// or a full plan executes). Its own value buffer: the runtime's state is not touched.
public final class WorkloadFloor {
    private let buffers = BufferPool()
    private let values: UnsafeMutablePointer<Double>
    private let from: UnsafeMutablePointer<UInt32>
    private let to: UnsafeMutablePointer<UInt32>
    public let pairs: Int

    /// - Throws: `invalidArgument` when a step among the first `pairs` is not a one-dep computed step.
    /// The reducer's writes per round (the first `writes` steps' inputs), before the loop.
    public let writes: Int

    /// - Parameter writes: the transaction's reducer writes (its dirty roots), at most `pairs`; 0
    ///   keeps the loop alone (one input bumped per round).
    public init(graph: CompiledGraph, pairs: Int, writes: Int = 0) throws(ConvergeError) {
        guard pairs >= 0, pairs <= graph.stepCount else {
            throw ConvergeError(.invalidArgument, "floor pairs \(pairs) not in 0…\(graph.stepCount)")
        }
        guard writes >= 0, writes <= pairs else {
            throw ConvergeError(.invalidArgument, "floor writes \(writes) not in 0…\(pairs)")
        }
        self.pairs = pairs
        self.writes = writes
        values = buffers.filled(graph.pathCount, with: 0)
        from = buffers.zeroed(pairs)
        to = buffers.zeroed(pairs)
        for s in 0..<pairs {
            let lo = Int(graph.depOffsets[s]), hi = Int(graph.depOffsets[s + 1])
            guard graph.stepFlags[s] & 2 == 0, hi - lo == 1 else {
                throw ConvergeError(.invalidArgument, "step \(s) is not a one-dep computed step: the floor is the converge workload's loop")
            }
            from[s] = graph.depPaths[lo]
            to[s] = graph.stepOutPath[s]
        }
    }

    /// Runs the loop `times` times; the elapsed ns of the kernel's monotonic clock.
    public func run(_ times: Int) -> UInt64 {
        timedRounds(times) { value in
            if writes > 0 {
                // the transaction's writes, then the loop
                ck_floor_write_add_one(values, from, to, UInt32(writes), UInt32(pairs), value)
            } else {
                if pairs > 0 { values[Int(from[0])] += 1 }   // a new input each round, as a transaction writes
                ck_floor_add_one(values, from, to, UInt32(pairs))
            }
        }
    }
}

/// The contiguous floor (`ck_floor_contiguous_add_one`): the transaction's `writes` (`b_i = v`)
/// and the loop `d_i = b_i + 1` over `pairs` elements of two plain arrays, vectorised for the
/// kernel's SIMD target — the machine's bound for L4, whose layout gives the kernel the same
/// contiguous runs (docs/bytecode.md, "Floor").
public final class ContiguousFloor {
    private let buffers = BufferPool()
    private let b: UnsafeMutablePointer<Double>
    private let d: UnsafeMutablePointer<Double>
    public let pairs: Int
    public let writes: Int

    /// - Throws: `invalidArgument` unless `0 <= writes <= pairs`.
    public init(pairs: Int, writes: Int = 0) throws(ConvergeError) {
        guard pairs >= 0, writes >= 0, writes <= pairs, pairs <= Int(UInt32.max) else {
            throw ConvergeError(.invalidArgument, "contiguous floor: writes \(writes) and pairs \(pairs) need 0 <= writes <= pairs")
        }
        self.pairs = pairs
        self.writes = writes
        b = buffers.filled(pairs, with: 0)
        d = buffers.filled(pairs, with: 0)
    }

    /// Runs the writes and the loop `times` times; the elapsed ns of the kernel's monotonic clock.
    public func run(_ times: Int) -> UInt64 {
        timedRounds(times) { value in
            if writes == 0 && pairs > 0 { b[0] = value }   // a new input each round, as a transaction writes
            _ = ck_floor_contiguous_add_one(CK_IMPL_AUTO, b, d, UInt32(writes), UInt32(pairs), value)
        }
    }
}

/// Runs `round` `times` times with the round's value (1, 2, 3, …: what the writes store);
/// the elapsed ns of the kernel's monotonic clock.
@inline(__always)
private func timedRounds(_ times: Int, _ round: (Double) -> Void) -> UInt64 {
    let t0 = monotonicNowNs()
    var value = 0.0
    for _ in 0..<times {
        value += 1
        round(value)
    }
    return monotonicNowNs() &- t0
}
