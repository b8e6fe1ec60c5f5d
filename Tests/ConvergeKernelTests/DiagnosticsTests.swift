import ConvergeBench
import CKernel
import Testing
@testable import ConvergeKernel

/// What each diagnostics level records (semantics §8), identical on every execution level.
@Suite struct DiagnosticsTests {
    /// b0..b{n-1} → d_i (computed), and a link mirror ← d0.
    static func graph(_ n: Int) throws -> CompiledGraph {
        var ir = try Workload.converge(steps: n)
        ir.steps.append(IRStep(kind: IRStep.link, out: "mirror", from: "d0"))
        return try CompiledGraph(ir)
    }

    static func runtime(_ g: CompiledGraph, _ level: ExecutionLevel, _ d: DiagnosticsLevel,
                        _ inst: InstrumentationLevel = .light, patches: Int = 256) throws -> ConvergeRuntime {
        var o = RuntimeOptions(level: level, mode: .dirty, diagnostics: d)
        o.instrumentation = inst
        o.patchRecordCapacity = patches
        let rt = try ConvergeRuntime(g, options: o)
        try Workload.registerConvergeFunctions(rt)
        return rt
    }

    static func write(_ rt: ConvergeRuntime, _ ids: [Int], _ v: Double) throws -> TransactionResult {
        try rt.transaction { txn in for i in ids { try txn.set(rt.graph.pathId("b\(i)")!, number: v) } }
    }

    @Test(arguments: ExecutionLevel.allCases)
    func offKeepsOnlyTheAnchors(_ level: ExecutionLevel) throws {
        let g = try Self.graph(100)
        let rt = try Self.runtime(g, level, .off)
        for t in 1...40 { _ = try Self.write(rt, [0, 1, 2], Double(t)) }
        #expect(rt.txnSeq == 40 && rt.instanceId > 0)
        #expect(rt.opSeq == 40 * (3 + 4))          // 3 reducer writes, d0-d2 and mirror each time
        #expect(rt.lastSummary == TransactionSummary())
        #expect(rt.lastStepRecords().isEmpty && rt.lastPatches().isEmpty)
    }

    @Test(arguments: ExecutionLevel.allCases)
    func lightRecordsTheSummary(_ level: ExecutionLevel) throws {
        let g = try Self.graph(100)
        let rt = try Self.runtime(g, level, .light)
        _ = try Self.write(rt, [7, 3, 9, 5], 1)
        let s = rt.lastSummary
        #expect(s.txnSeq == 1 && s.instanceId == rt.instanceId && s.requestedMode == .dirty && s.executedMode == .dirty)
        #expect(s.dirtyRoots == 4 && s.rootsTruncated)
        #expect(s.topRootIds == [3, 5, 7].map { g.pathId("b\($0)")! })
        #expect(s.planLength == 4 && s.executedSteps == 4 && s.affectedSteps == 4 && s.totalSteps == 101)
        #expect(s.committed && s.outcome == .ok && s.reasons.isEmpty)
        switch level {
        case .l0: #expect(s.boundaryCalls == 0 && s.bytesIn == 0 && s.hostCallbacks == 0)
        // one commit call of the C transaction core; in: the 4 write-log records (16 bytes each);
        // out: the result record, and at L1 the plan the host reads (4 ids)
        case .l1: #expect(s.boundaryCalls == 1 && s.bytesIn == 64 && s.bytesOut == MemoryLayout<ck_txn_result_t>.size + 16 && s.hostCallbacks == 0)
        case .l2: #expect(s.boundaryCalls == 1 && s.bytesIn == 64 && s.bytesOut == MemoryLayout<ck_txn_result_t>.size && s.hostCallbacks == 1 && s.vmSteps == 0)
        // the workload's `b_i + 1` runs as bytecode: no callback
        case .l3, .l4, .l5: #expect(s.boundaryCalls == 1 && s.bytesIn == 64 && s.hostCallbacks == 0 && s.vmSteps == 4)
        }
        #expect(rt.lastStepRecords().isEmpty)
        // full mode: L2 calls back once per batch of at most 32 computed steps (the link runs in C)
        _ = try rt.transaction(mode: .full) { txn in try txn.set(g.pathId("b0")!, number: 2) }
        // the first full run writes the 96 d_i never computed (95 NaN = undefined + 1, d0 = 3) and mirror
        #expect(rt.lastSummary.executedSteps == 101 && rt.lastSummary.affectedSteps == 97)
        _ = try rt.transaction(mode: .full) { txn in try txn.set(g.pathId("b0")!, number: 3) }
        #expect(rt.lastSummary.executedSteps == 101 && rt.lastSummary.affectedSteps == 2)
        if level == .l2 { #expect(rt.lastSummary.hostCallbacks == 4) }
        if level == .l3 { #expect(rt.lastSummary.hostCallbacks == 0 && rt.lastSummary.vmSteps == 100) }
    }

    @Test(arguments: ExecutionLevel.allCases)
    func sampledTimesEvery32ndTransaction(_ level: ExecutionLevel) throws {
        let g = try Self.graph(50)
        let rt = try Self.runtime(g, level, .sampled)
        for t in 1...64 {
            _ = try Self.write(rt, [0, 1], Double(t))
            let records = rt.lastStepRecords()
            if t % 32 == 0 {
                #expect(records.map(\.stepId) == [0, 1, 50], "txn \(t)")
                #expect(rt.lastHotspots().count == 3)
            } else {
                #expect(records.isEmpty, "txn \(t)")
            }
        }
    }

    @Test func fullRecordsStepsAndPatchesIdenticallyOnEveryLevel() throws {
        let g = try Self.graph(40)
        var perLevel: [([StepRecord], [PatchRecord], UInt64)] = []
        for level in ExecutionLevel.allCases {
            let rt = try Self.runtime(g, level, .full, .full)
            _ = try Self.write(rt, [0, 5], 1)
            _ = try Self.write(rt, [0, 5], 1)    // same values: steps run, nothing changes
            var steps = rt.lastStepRecords()
            #expect(steps.map(\.stepId) == [0, 5, 40] && steps.allSatisfy { !$0.changed })
            #expect(rt.lastPatches().count == 2)  // the reducer's writes only
            _ = try Self.write(rt, [0, 5], 2)
            steps = rt.lastStepRecords()
            #expect(steps.map(\.stepId) == [0, 5, 40] && steps.allSatisfy(\.changed))
            #expect(steps.map(\.isLink) == [false, false, true])
            let patches = rt.lastPatches()
            #expect(patches.map(\.reason) == [.reducer, .reducer, .traitComputed, .traitComputed, .traitLink])
            #expect(patches.map(\.stepId) == [nil, nil, 0, 5, 40])
            #expect(patches.map(\.pathId) == ["b0", "b5", "d0", "d5", "mirror"].map { Int(g.pathId($0)!) })
            #expect(patches[2].from == .number(2) && patches[2].to == .number(3))
            #expect(patches.map(\.opSeq) == Array((rt.opSeq - 5)..<rt.opSeq))
            #expect(rt.pathName(patches[4].pathId) == "mirror")
            perLevel.append((steps.map { var s = $0; s.durationNs = 0; return s }, patches, rt.opSeq))
        }
        for p in perLevel.dropFirst() {
            #expect(p.0 == perLevel[0].0 && p.1 == perLevel[0].1 && p.2 == perLevel[0].2)
        }
    }

    @Test(arguments: ExecutionLevel.allCases)
    func patchBufferIsBoundedAndRollbackDropsDerivedRecords(_ level: ExecutionLevel) throws {
        let g = try Self.graph(40)
        let rt = try Self.runtime(g, level, .full, .full, patches: 10)
        _ = try Self.write(rt, Array(0..<8), 1)   // 8 reducer + 8 derived + 1 link = 17 patches
        #expect(rt.lastPatches().count == 10 && rt.droppedRecords.patches == 7)
        // a throwing step: its converge's derived records are removed, the reducer's stay
        try rt.derive(step: 3) { _ in throw ConvergeError(.invalidArgument, "boom") }
        let r = try Self.write(rt, [1, 3], 5)
        #expect(r.outcome == .runtimeError(step: 3))
        #expect(rt.lastPatches().map(\.reason) == [.reducer, .reducer])
        #expect(rt.lastStepRecords().isEmpty)
    }
}
