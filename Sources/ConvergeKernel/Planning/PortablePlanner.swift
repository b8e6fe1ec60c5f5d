// PortablePlanner.swift — L0: the planner in pure Swift over typed buffers.

/// L0: the planner in pure Swift over typed buffers, no C — Logix's algorithm as Logix runs it:
/// a queue of dirty prefixes over the full prefix → steps index (graphs of 32 steps or more), or
/// one linear pass in topo order (smaller graphs).
///
/// All scratch is allocated once at init; planning into a ``PlanBuffer`` allocates nothing.
public final class PortablePlanner: RootPlanner {
    public let graph: CompiledGraph
    public var backendName: String { "portable" }

    private var prefixMark: [Bool]   // per path id; all false between calls
    private var stepMark: [Bool]     // per step id; all false between calls
    private var queue: [UInt32]      // dirty prefixes, in the order they became dirty
    private var reached: [UInt32]    // reached steps (closure)

    public init(_ graph: CompiledGraph) {
        self.graph = graph
        prefixMark = [Bool](repeating: false, count: graph.pathCount)
        stepMark = [Bool](repeating: false, count: graph.stepCount)
        queue = [UInt32](repeating: 0, count: graph.pathCount)
        reached = [UInt32](repeating: 0, count: graph.stepCount)
    }

    // The loops below are `while` loops over indexes on purpose: in unoptimized (debug) builds
    // a `for … in` over an array or range goes through the stdlib's unspecialized iterator, which
    // allocates, and the zero-allocation test runs in debug builds too.

    public func plan(_ dirty: DirtySet, mode: PlanMode, scope: PlanScope, into buffer: PlanBuffer) throws(ConvergeError) {
        try dirty.rootIds.withUnsafeBufferPointer { (ids) throws(ConvergeError) in
            try plan(roots: ids, dirtyAll: dirty.dirtyAllReason, mode: mode, scope: scope, into: buffer)
        }
    }

    /// Plans from root ids in place (the transaction path: no array).
    public var resultRecordBytes: Int { 0 }

    public func plan(roots: UnsafeBufferPointer<UInt32>, dirtyAll: DirtyAllReason?, mode: PlanMode, scope: PlanScope,
              into buffer: PlanBuffer) throws(ConvergeError) {
        try checkBuffer(buffer)
        var i = 0
        while i < roots.count {
            if Int(roots[i]) >= graph.pathCount {
                throw ConvergeError(.invalidArgument, "dirty id \(roots[i]) is not in the registry (\(graph.pathCount) paths)")
            }
            i += 1
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
        if mode == .full || dirtyAll != nil {
            buffer.storage.withUnsafeMutableBufferPointer { out in
                var j = 0
                if scope == .all {
                    while j < scopeCount { out[j] = UInt32(j); j += 1 }
                } else {
                    scopeList.withUnsafeBufferPointer { list in
                        while j < scopeCount { out[j] = list[j]; j += 1 }
                    }
                }
            }
            buffer.setCount(scopeCount)
            buffer.executedMode = mode == .full ? .full : .dirty
            buffer.dirtyAllReason = mode == .full ? nil : dirtyAll
            counters.reachableSteps = scopeCount
            buffer.counters = counters
            return
        }
        buffer.executedMode = .dirty
        let n: Int
        if graph.stepCount < 32 {
            n = linearPass(roots, scope: scope, scopeList: scopeList, buffer: buffer, counters: &counters)
            counters.algorithm = .linear
        } else {
            n = prefixQueue(roots, scope: scope, buffer: buffer, counters: &counters)
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
    private static func markPrefixes(of path: Int, _ g: borrowing GraphTables,
                                     _ mark: UnsafeMutableBufferPointer<Bool>,
                                     _ queue: UnsafeMutableBufferPointer<UInt32>, _ tail: inout Int) {
        var k = Int(g.pathPrefixOffsets[path])
        let end = Int(g.pathPrefixOffsets[path + 1])
        while k < end {
            let q = Int(g.pathPrefixIds[k])
            k += 1
            if !mark[q] {
                mark[q] = true
                queue[tail] = UInt32(q)
                tail += 1
            }
        }
    }

    /// Graphs under 32 steps: a step is selected when a prefix of its out or a dep is dirty; a
    /// selected step dirties the prefixes of its out. Only earlier steps are seen.
    private func linearPass(_ roots: UnsafeBufferPointer<UInt32>, scope: PlanScope, scopeList: [UInt32], buffer: PlanBuffer,
                            counters: inout PlanCounters) -> Int {
        var n = 0, entries = 0, tail = 0
        graph.withTables { g in
            prefixMark.withUnsafeMutableBufferPointer { mark in
                queue.withUnsafeMutableBufferPointer { queue in
                    buffer.storage.withUnsafeMutableBufferPointer { out in
                        var r = 0
                        while r < roots.count { Self.markPrefixes(of: Int(roots[r]), g, mark, queue, &tail); r += 1 }
                        counters.dirtyPrefixes = tail
                        let count = scope == .all ? graph.stepCount : scopeList.count
                        var i = 0
                        while i < count {
                            let s = scope == .all ? i : Int(scopeList[i])
                            i += 1
                            var k = Int(g.stepPrefixOffsets[s])
                            let end = Int(g.stepPrefixOffsets[s + 1])
                            var selected = false
                            while k < end {
                                entries += 1
                                if mark[Int(g.stepPrefixIds[k])] { selected = true; break }
                                k += 1
                            }
                            if !selected { continue }
                            out[n] = UInt32(s)
                            n += 1
                            Self.markPrefixes(of: Int(g.stepOutPath[s]), g, mark, queue, &tail)
                        }
                        var c = 0
                        while c < tail { mark[Int(queue[c])] = false; c += 1 }
                    }
                }
            }
        }
        counters.indexEntries = entries
        return n
    }

    /// Graphs of 32 steps or more: the reachability closure over the prefix → steps index, then
    /// the reached steps in topo order.
    private func prefixQueue(_ roots: UnsafeBufferPointer<UInt32>, scope: PlanScope, buffer: PlanBuffer, counters: inout PlanCounters) -> Int {
        var entries = 0, r = 0
        graph.withTables { g in
            prefixMark.withUnsafeMutableBufferPointer { mark in
                queue.withUnsafeMutableBufferPointer { queue in
                    stepMark.withUnsafeMutableBufferPointer { stepMark in
                        reached.withUnsafeMutableBufferPointer { reached in
                            var tail = 0
                            var x = 0
                            while x < roots.count { Self.markPrefixes(of: Int(roots[x]), g, mark, queue, &tail); x += 1 }
                            var head = 0
                            while head < tail {
                                let q = Int(queue[head])
                                head += 1
                                var k = Int(g.triggerOffsets[q])
                                let hi = Int(g.triggerOffsets[q + 1])
                                entries += hi - k
                                while k < hi {
                                    let s = Int(g.triggerSteps[k])
                                    k += 1
                                    if stepMark[s] || !inScope(g.stepFlags[s], scope) { continue }
                                    stepMark[s] = true
                                    reached[r] = UInt32(s)
                                    r += 1
                                    Self.markPrefixes(of: Int(g.stepOutPath[s]), g, mark, queue, &tail)
                                }
                            }
                            counters.dirtyPrefixes = tail
                            var c = 0
                            while c < tail { mark[Int(queue[c])] = false; c += 1 }
                            // step id == topo position: the marked ids read in ascending order are
                            // the topo order; scan only between the lowest and highest reached id
                            var lo = Int.max, hi = -1
                            c = 0
                            while c < r {
                                let s = Int(reached[c])
                                lo = min(lo, s)
                                hi = max(hi, s)
                                c += 1
                            }
                            buffer.storage.withUnsafeMutableBufferPointer { out in
                                var n = 0
                                var s = lo
                                while s <= hi {
                                    if stepMark[s] {
                                        stepMark[s] = false
                                        out[n] = UInt32(s)
                                        n += 1
                                    }
                                    s += 1
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
