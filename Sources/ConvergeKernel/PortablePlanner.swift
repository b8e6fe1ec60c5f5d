/// L0: the planner in pure Swift over typed buffers, no C — Logix's algorithm as Logix runs it:
/// a queue of dirty prefixes over the full prefix → steps index (graphs of 32 steps or more), or
/// one linear pass in topo order (smaller graphs).
///
/// All scratch is allocated once at init; planning into a ``PlanBuffer`` allocates nothing.
public final class PortablePlanner: ConvergePlanner {
    public let graph: StaticIR
    public var backendName: String { "portable" }

    private var prefixMark: [Bool]   // per path id; all false between calls
    private var stepMark: [Bool]     // per step id; all false between calls
    private var queue: [UInt32]      // dirty prefixes, in the order they became dirty
    private var reached: [UInt32]    // reached steps (closure)

    public init(_ graph: StaticIR) {
        self.graph = graph
        prefixMark = [Bool](repeating: false, count: graph.pathCount)
        stepMark = [Bool](repeating: false, count: graph.stepCount)
        queue = [UInt32](repeating: 0, count: graph.pathCount)
        reached = [UInt32](repeating: 0, count: graph.stepCount)
    }

    public func plan(_ dirty: DirtySet, mode: PlanMode, scope: PlanScope, into buffer: PlanBuffer) throws(ConvergeError) {
        try checkBuffer(buffer)
        for id in dirty.rootIds where Int(id) >= graph.pathCount {
            throw ConvergeError(.invalidArgument, "dirty id \(id) is not in the registry (\(graph.pathCount) paths)")
        }
        var counters = PlanCounters()
        buffer.dirtyAllReason = nil
        if graph.stepCount == 0 {
            buffer.executedMode = nil
            buffer.setCount(0)
            buffer.counters = counters
            return
        }
        let scopeList: [UInt32] = switch scope {
        case .immediate: graph.immediateSteps
        case .deferred: graph.deferredSteps
        case .all: []
        }
        let scopeCount = scope == .all ? graph.stepCount : scopeList.count
        if mode == .full || dirty.dirtyAll {
            buffer.storage.withUnsafeMutableBufferPointer { out in
                if scope == .all {
                    for i in 0..<graph.stepCount { out[i] = UInt32(i) }
                } else {
                    for i in 0..<scopeList.count { out[i] = scopeList[i] }
                }
            }
            buffer.setCount(scopeCount)
            buffer.executedMode = mode == .full ? .full : .dirty
            buffer.dirtyAllReason = mode == .full ? nil : dirty.dirtyAllReason
            counters.reachableSteps = scopeCount
            buffer.counters = counters
            return
        }
        buffer.executedMode = .dirty
        let n: Int
        if graph.stepCount < 32 {
            n = linearPass(dirty.rootIds, scope: scope, scopeList: scopeList, buffer: buffer, counters: &counters)
            counters.algorithm = .linear
        } else {
            n = prefixQueue(dirty.rootIds, scope: scope, buffer: buffer, counters: &counters)
            counters.algorithm = .prefixQueue
        }
        counters.reachableSteps = n
        buffer.setCount(n)
        buffer.counters = counters
    }

    @inline(__always)
    private func inScope(_ flags: UInt8, _ scope: PlanScope) -> Bool {
        switch scope {
        case .all: true
        case .immediate: flags & 1 == 0
        case .deferred: flags & 1 != 0
        }
    }

    /// Marks every prefix of `path` (the registry lists them), appending new ones to the queue.
    @inline(__always)
    private static func markPrefixes(of path: Int, _ g: StaticIRBuffers,
                                     _ mark: UnsafeMutableBufferPointer<Bool>,
                                     _ queue: UnsafeMutableBufferPointer<UInt32>, _ tail: inout Int) {
        for k in Int(g.prefixOffsets[path])..<Int(g.prefixOffsets[path + 1]) {
            let q = Int(g.prefixIds[k])
            if !mark[q] {
                mark[q] = true
                queue[tail] = UInt32(q)
                tail += 1
            }
        }
    }

    /// Graphs under 32 steps: a step is selected when a prefix of its out or a dep is dirty; a
    /// selected step dirties the prefixes of its out. Only earlier steps are seen.
    private func linearPass(_ roots: [UInt32], scope: PlanScope, scopeList: [UInt32], buffer: PlanBuffer,
                            counters: inout PlanCounters) -> Int {
        var n = 0
        var entries = 0
        var tail = 0
        graph.withBuffers { g in
        prefixMark.withUnsafeMutableBufferPointer { mark in
            queue.withUnsafeMutableBufferPointer { queue in
                buffer.storage.withUnsafeMutableBufferPointer { out in
                    for r in roots { Self.markPrefixes(of: Int(r), g, mark, queue, &tail) }
                    counters.dirtyPrefixes = tail
                    let count = scope == .all ? graph.stepCount : scopeList.count
                    for i in 0..<count {
                        let s = scope == .all ? i : Int(scopeList[i])
                        var selected = false
                        for k in Int(g.stepPrefixOffsets[s])..<Int(g.stepPrefixOffsets[s + 1]) {
                            entries += 1
                            if mark[Int(g.stepPrefixIds[k])] { selected = true; break }
                        }
                        if !selected { continue }
                        out[n] = UInt32(s)
                        n += 1
                        Self.markPrefixes(of: Int(g.stepOutPath[s]), g, mark, queue, &tail)
                    }
                    for i in 0..<tail { mark[Int(queue[i])] = false }
                }
            }
        }
        }
        counters.indexEntries = entries
        return n
    }

    /// Graphs of 32 steps or more: the reachability closure over the prefix → steps index, then
    /// the reached steps in topo order.
    private func prefixQueue(_ roots: [UInt32], scope: PlanScope, buffer: PlanBuffer, counters: inout PlanCounters) -> Int {
        var entries = 0
        var r = 0
        graph.withBuffers { g in
        prefixMark.withUnsafeMutableBufferPointer { mark in
            queue.withUnsafeMutableBufferPointer { queue in
                stepMark.withUnsafeMutableBufferPointer { stepMark in
                    reached.withUnsafeMutableBufferPointer { reached in
                        var tail = 0
                        for root in roots { Self.markPrefixes(of: Int(root), g, mark, queue, &tail) }
                        var head = 0
                        while head < tail {
                            let q = Int(queue[head])
                            head += 1
                            let lo = Int(g.triggerOffsets[q]), hi = Int(g.triggerOffsets[q + 1])
                            entries += hi - lo
                            for k in lo..<hi {
                                let s = Int(g.triggerSteps[k])
                                if stepMark[s] || !inScope(g.stepFlags[s], scope) { continue }
                                stepMark[s] = true
                                reached[r] = UInt32(s)
                                r += 1
                                Self.markPrefixes(of: Int(g.stepOutPath[s]), g, mark, queue, &tail)
                            }
                        }
                        counters.dirtyPrefixes = tail
                        for i in 0..<tail { mark[Int(queue[i])] = false }
                        // step id == topo position: the marked ids read in ascending order are the
                        // topo order; scan only between the lowest and highest reached id
                        var lo = Int.max, hi = -1
                        for i in 0..<r { let s = Int(reached[i]); if s < lo { lo = s }; if s > hi { hi = s } }
                        buffer.storage.withUnsafeMutableBufferPointer { out in
                            var n = 0
                            if hi >= 0 {
                                for s in lo...hi where stepMark[s] {
                                    stepMark[s] = false
                                    out[n] = UInt32(s)
                                    n += 1
                                }
                            }
                        }
                    }
                }
            }
        }
        }
        counters.indexEntries = entries
        return r
    }
}

/// Unsafe views of a graph's tables, valid only inside ``StaticIR/withBuffers(_:)``.
struct StaticIRBuffers {
    let prefixOffsets: UnsafeBufferPointer<UInt32>
    let prefixIds: UnsafeBufferPointer<UInt32>
    let stepPrefixOffsets: UnsafeBufferPointer<UInt32>
    let stepPrefixIds: UnsafeBufferPointer<UInt32>
    let triggerOffsets: UnsafeBufferPointer<UInt32>
    let triggerSteps: UnsafeBufferPointer<UInt32>
    let stepOutPath: UnsafeBufferPointer<UInt32>
    let stepFlags: UnsafeBufferPointer<UInt8>
}

extension StaticIR {
    /// Calls `body` with unsafe views of the tables; the views must not escape `body`.
    @inline(__always)
    func withBuffers<R>(_ body: (StaticIRBuffers) -> R) -> R {
        pathPrefixOffsets.withUnsafeBufferPointer { po in
            pathPrefixIds.withUnsafeBufferPointer { pi in
                stepPrefixOffsets.withUnsafeBufferPointer { spo in
                    stepPrefixIds.withUnsafeBufferPointer { spi in
                        triggerOffsets.withUnsafeBufferPointer { to in
                            triggerSteps.withUnsafeBufferPointer { ts in
                                stepOutPath.withUnsafeBufferPointer { so in
                                    stepFlags.withUnsafeBufferPointer { sf in
                                        body(StaticIRBuffers(prefixOffsets: po, prefixIds: pi, stepPrefixOffsets: spo,
                                                             stepPrefixIds: spi, triggerOffsets: to, triggerSteps: ts,
                                                             stepOutPath: so, stepFlags: sf))
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
