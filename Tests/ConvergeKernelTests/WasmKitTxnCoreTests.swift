import ConvergeBench
import ConvergeKernelTestSupport
import ConvergeWasm
import Foundation
import Testing
@testable import ConvergeKernel

/// WasmKit on the transaction core (``WasmKitTxnCore``: the host writes the log in linear memory,
/// one `ckw_txn_commit` per transaction): at L1 (PLAN_ONLY, Swift executes over linear memory),
/// L2 (computed steps through the `env.ckw_host_steps` import into Swift derive closures) and L3
/// (bytecode loaded, only the other steps call back), a sequence of transactions with repeated
/// and fresh root sets ends in the same slots, bit for bit, and every commit reports the same
/// executed mode and reason bits as a native ``ConvergeRuntime`` at the same level with the same
/// deterministic policy — in auto, dirty and full mode. A derive function that throws rolls back
/// the derived writes as the native runtime does; a malformed log record is `bad write` (17) with
/// the entry's position and the bad id or tag, and leaves every slot as it was.
@Suite struct WasmKitTxnCoreTests {
    static let levels: [ExecutionLevel] = [.l1, .l2, .l3]

    static func graphs() throws -> [(name: String, graph: CompiledGraph, pool: [UInt32])] {
        let converge = try CompiledGraph(Workload.converge(steps: 60))
        let random = try CompiledGraph(GraphGenerator.random(seed: 7))
        return [
            ("converge n=60", converge, (0..<60).map { converge.pathId("b\($0)")! }),
            ("random seed 7 (links)", random, (0..<UInt32(random.pathCount)).map { $0 }),
        ]
    }

    /// The dynamic trace (L1, L2, L3 under a trace) is the native runtime's under diagnostics
    /// full: the same step records (step, link or computed, changed) and patch records (op_seq,
    /// path, step, reason, from, to) per transaction; durations aside. At L1 the module records
    /// the reducer's patches and the Swift executor the rest, numbering on from the module's
    /// op_seq and advancing it, so later transactions' op_seqs agree too.
    @Test func traceRecordsEqualNative() throws {
        var steps = 0, patches = 0
        for (name, graph, pool) in try Self.graphs() {
            let txns = V8TxnCoreTests.transactions(pathCount: graph.pathCount, pool: pool, seed: 29, count: 30)
            for level in [ExecutionLevel.l1, .l2, .l3] {
                var o = RuntimeOptions.deterministic(level, .auto)
                o.diagnostics = .full
                o.instrumentation = .full
                let rt = try ConvergeRuntime(graph, options: o)
                try Workload.registerConvergeFunctions(rt)
                let wk = try WasmKitTxnCore(graph, options: .deterministic(level, .auto))
                try wk.registerConvergeFunctions()
                try wk.openTrace()
                var differing: [String] = []
                for (i, t) in txns.enumerated() {
                    _ = try rt.transaction { txn in for w in t { try txn.set(w.id, number: w.value) } }
                    for w in t { try wk.set(w.id, number: w.value) }
                    try wk.commit()
                    let want = rt.lastStepRecords().map { StepRecord(stepId: $0.stepId, isLink: $0.isLink, changed: $0.changed, durationNs: 0) }
                    let got = wk.lastStepRecords.map { StepRecord(stepId: $0.stepId, isLink: $0.isLink, changed: $0.changed, durationNs: 0) }
                    if got != want { differing.append("txn \(i): \(got.count) step records vs \(want.count) native") }
                    if wk.lastPatches != rt.lastPatches() { differing.append("txn \(i): \(wk.lastPatches.count) patches vs \(rt.lastPatches().count) native; first \(wk.lastPatches.prefix(2)) vs \(rt.lastPatches().prefix(2))") }
                    steps += got.count
                    patches += wk.lastPatches.count
                }
                #expect(differing.isEmpty, "\(name) \(level): \(differing.prefix(3))")
            }
        }
        #expect(steps > 50 && patches > 50, "\(steps) step records, \(patches) patches")
    }

    @Test(arguments: [ConvergeMode.auto, .dirty, .full])
    func txnCoreEqualsNativeRuntime(_ mode: ConvergeMode) throws {
        var autoReasonsSeen: DecisionReasons = []
        var modesSeen: Set<String> = []
        for (name, graph, pool) in try Self.graphs() {
            let txns = V8TxnCoreTests.transactions(pathCount: graph.pathCount, pool: pool, seed: 11, count: 70)
            let bump = 50
            #expect(graph.stepFlags.contains { $0 & 2 != 0 } || name.hasPrefix("converge"), "\(name) has no link")
            for level in Self.levels {
                let rt = try ConvergeRuntime(graph, options: .deterministic(level, mode))
                try Workload.registerConvergeFunctions(rt)
                let wk = try WasmKitTxnCore(graph, options: .deterministic(level, mode))
                try wk.registerConvergeFunctions()
                var decisions: [String] = []
                for (i, t) in txns.enumerated() {
                    if i == bump {
                        rt.bumpGeneration()
                        try wk.bumpGeneration()
                    }
                    let native = try rt.transaction { txn in for w in t { try txn.set(w.id, number: w.value) } }
                    for w in t { try wk.set(w.id, number: w.value) }
                    let c = try wk.commit()
                    let s = rt.lastSummary
                    modesSeen.insert(c.executedMode?.rawValue ?? "none")
                    if mode == .auto { autoReasonsSeen.formUnion(c.reasons) }
                    if c.executedMode != s.executedMode || c.reasons != s.reasons || c.committed != native.committed
                        || c.outcome != native.outcome || c.planLength != s.planLength {
                        decisions.append("txn \(i): \(c.executedMode?.rawValue ?? "none") [\(c.reasons)] committed \(c.committed) plan \(c.planLength) vs native \(s.executedMode?.rawValue ?? "none") [\(s.reasons)] committed \(native.committed) plan \(s.planLength)")
                    }
                }
                let differing = differingSlots(graph, wk.snapshot(), rt.state.snapshot())
                #expect(differing.isEmpty, "\(name) \(mode) \(level): \(differing.count) slots differ; first \(differing.prefix(3))")
                #expect(decisions.isEmpty, "\(name) \(mode) \(level): \(decisions.count) commits differ; first \(decisions.prefix(3))")
                // one exported call per transaction (the log never fills here), plus the bump
                #expect(wk.counters.calls == txns.count + 1, "\(name) \(level): \(wk.counters.calls) calls for \(txns.count) transactions")
                #expect(wk.counters.transactions == txns.count)
                switch level {
                case .l1: #expect(wk.counters.hostCallbacks == 0 && wk.counters.vmSteps == 0)
                case .l2: #expect(wk.counters.hostCallbacks > 0 && wk.counters.vmSteps == 0)
                default:
                    // the converge workload compiles: every step runs as bytecode, no callback
                    if name.hasPrefix("converge") { #expect(wk.counters.hostCallbacks == 0 && wk.counters.vmSteps > 0, "\(wk.counters)") }
                }
            }
        }
        switch mode {
        case .full: #expect(modesSeen == ["full"])
        case .dirty: #expect(modesSeen == ["dirty"])
        case .auto:
            #expect(modesSeen.isSuperset(of: ["full", "dirty"]))
            for reason in [DecisionReasons.coldStart, .cacheHit, .inlineDirty, .nearFull, .generationBumped] {
                #expect(autoReasonsSeen.contains(reason), "no transaction carried \(reason)")
            }
        }
    }

    /// A derive function that throws: outcome runtime error at that step, every derived write of
    /// the converge rolled back, the reducer's writes kept — as natively, at every level (at L3
    /// the step is a compiled one given a derive function: a host step from then on).
    @Test(arguments: [ExecutionLevel.l1, .l2, .l3])
    func throwingDeriveRollsBackLikeNative(_ level: ExecutionLevel) throws {
        struct Boom: Error {}
        let graph = try CompiledGraph(Workload.converge(steps: 40))
        let b = { (i: Int) in graph.pathId("b\(i)")! }
        let failing = (0..<graph.stepCount).first { graph.out(ofStep: $0) == "d7" }!
        let fn: DeriveFunction = { inputs in
            let v = inputs.number(0) ?? .nan
            if v == 13 { throw Boom() }
            return .number(v + 1)
        }
        for mode in [ConvergeMode.auto, .dirty, .full] {
            let rt = try ConvergeRuntime(graph, options: .deterministic(level, mode))
            try Workload.registerConvergeFunctions(rt)
            try rt.derive(step: failing, fn)
            let wk = try WasmKitTxnCore(graph, options: .deterministic(level, mode))
            try wk.registerConvergeFunctions()
            try wk.derive(step: failing, fn)
            let txns: [[(UInt32, Double)]] = [[(b(1), 1), (b(7), 2)], [(b(2), 5), (b(7), 13), (b(30), 4)], [(b(7), 3)], [(b(7), 13)]]
            for (i, t) in txns.enumerated() {
                let native = try rt.transaction { txn in for (id, v) in t { try txn.set(id, number: v) } }
                for (id, v) in t { try wk.set(id, number: v) }
                let c = try wk.commit()
                #expect(c.outcome == native.outcome, "\(level) \(mode) txn \(i): \(c.outcome) vs native \(native.outcome)")
                #expect(c.committed == native.committed && c.executedMode == native.executedMode, "\(level) \(mode) txn \(i)")
                #expect(wk.stepError is Boom == (native.stepError is Boom), "\(level) \(mode) txn \(i)")
                let differing = differingSlots(graph, wk.snapshot(), rt.state.snapshot())
                #expect(differing.isEmpty, "\(level) \(mode) txn \(i): \(differing.prefix(3))")
            }
            #expect(wk.lastCommit?.outcome == .runtimeError(step: failing))
            #expect(try wk.value(b(7)) == .number(13))   // the reducer's write stays
            #expect(try wk.value(graph.pathId("d7")!) == .number(4))   // the derived write rolled back
        }
    }

    /// A malformed log — an id ≥ path count, a tag 7 — fails the commit with `bad write` (status
    /// 17, table CK_TABLE_WRITE_LOG = 14, index = the entry's position in the log handed over,
    /// value = the id or the tag, fault 1 for a tag), aborts the transaction and leaves every slot
    /// as the committed transactions left it; a bad entry after a full log was flushed undoes the
    /// flushed writes too.
    @Test(arguments: [ExecutionLevel.l1, .l2, .l3])
    func malformedLogIsBadWrite(_ level: ExecutionLevel) throws {
        let graph = try CompiledGraph(Workload.converge(steps: 100))
        let P = graph.pathCount
        let b = { (i: Int) in graph.pathId("b\(i)")! }
        for mode in [ConvergeMode.auto, .dirty] {
            let wk = try WasmKitTxnCore(graph, options: .deterministic(level, mode))
            try wk.registerConvergeFunctions()
            let rt = try ConvergeRuntime(graph, options: .deterministic(level, mode))
            try Workload.registerConvergeFunctions(rt)
            for t in [[(b(1), 5.0), (b(2), 6.0)], [(b(3), 7.0)]] {
                _ = try rt.transaction { txn in for (id, v) in t { try txn.set(id, number: v) } }
                for (id, v) in t { try wk.set(id, number: v) }
                #expect(try wk.commit().status == 0)
            }
            let want = rt.state.snapshot()
            #expect(differingSlots(graph, wk.snapshot(), want).isEmpty)
            let calls0 = wk.counters.calls

            try wk.set(b(1), number: 50)
            try wk.write(UInt32(P + 3), tag: 3, 1)
            let badId = try wk.commitStatus()
            #expect(badId.status == 17 && badId.errorTable == 14 && badId.errorIndex == 1 && badId.errorValue == P + 3 && badId.errorFault == 0,
                    "\(level): \(badId)")

            try wk.set(b(4), number: 9)
            try wk.set(b(5), number: 9)
            try wk.write(b(6), tag: 7, 1)
            let badTag = try wk.commitStatus()
            #expect(badTag.status == 17 && badTag.errorTable == 14 && badTag.errorIndex == 2 && badTag.errorValue == 7 && badTag.errorFault == 1,
                    "\(level): \(badTag)")

            // 300 writes: the log (capacity max(256, P) = 256) fills once and is flushed; entry
            // 290 (position 34 of the second log) is bad
            for k in 0..<300 {
                if k == 290 { try wk.write(UInt32(P), tag: 3, 0) } else { try wk.set(b(k % 100), number: Double(1000 + k)) }
            }
            do {
                try wk.commit()
                Issue.record("\(level): a bad write committed")
            } catch {
                #expect(error.code == .kernelFailure && error.message.contains("bad write") && error.message.contains("log entry 34"), "\(error)")
            }
            let long = try #require(wk.lastCommit)
            #expect(long.status == 17 && long.errorIndex == 34 && long.errorValue == P && long.errorFault == 0, "\(level): \(long)")

            let differing = differingSlots(graph, wk.snapshot(), want)
            #expect(differing.isEmpty, "\(mode) \(level): \(differing.count) slots changed by failed transactions; first \(differing.prefix(3))")
            // 3 commits and the one flush of the full log
            #expect(wk.counters.calls - calls0 == 4, "\(level): \(wk.counters.calls - calls0) calls")
            // the core goes on after failed transactions
            _ = try rt.transaction { txn in try txn.set(b(9), number: 2) }
            try wk.set(b(9), number: 2)
            #expect(try wk.commit().status == 0)
            #expect(differingSlots(graph, wk.snapshot(), rt.state.snapshot()).isEmpty)
        }
    }

    /// Expression graphs (values of every kind): the default derive functions evaluate each
    /// step's `expr` over linear memory at L1/L2, its bytecode runs in the module at L3, steps that
    /// do not compile call a registered closure — from the graph and from its AOT artifact
    /// (`ckw_open_artifact`), the same slots and outcomes as the native runtime.
    @Test func expressionGraphsFromGraphAndArtifactEqualNative() throws {
        var vmSteps = 0
        for seed in UInt64(0)..<4 {
            let g = try CompiledGraph(ExprLevelDifferentialTests.graph(seed: seed &* 977 &+ 3))
            let a = try Artifact(bytes: try Artifact.encode(g))
            for level in Self.levels + [.l4] {
                let o = RuntimeOptions.deterministic(level, .auto)
                let rt = try ConvergeRuntime(g, options: o)
                // L4 only from the artifact (its layout: the module's slots are in another order)
                let hosts = level == .l4 ? [try WasmKitTxnCore(artifact: a, options: o)]
                    : [try WasmKitTxnCore(g, options: o), try WasmKitTxnCore(artifact: a, options: o)]
                if level == .l4 { #expect(hosts[0].slotOf != nil && hosts[0].slotOf != (0..<UInt32(g.pathCount)).map { $0 }) }
                for entry in rt.compileReport.entries where entry.compiled == nil {
                    let s = (0..<g.stepCount).first { g.out(ofStep: $0) == entry.out }!
                    let fn: DeriveFunction = { inputs in .number((inputs.number(0) ?? .nan) * 2) }
                    try rt.derive(step: s, fn)
                    for h in hosts { try h.derive(step: s, fn) }
                }
                var rng = SeededRNG(seed: seed ^ 0xA11)
                for t in 0..<20 {
                    let writes = (0..<(1 + rng.below(4))).map { _ in (g.pathId("f\(rng.below(10))")!, ExprLevelDifferentialTests.value(&rng)) }
                    let native = try rt.transaction { txn in for (id, v) in writes { try txn.set(id, v) } }
                    for (k, h) in hosts.enumerated() {
                        for (id, v) in writes { try h.set(id, v) }
                        let c = try h.commit()
                        #expect(c.outcome == native.outcome && c.committed == native.committed && c.executedMode == native.executedMode,
                                "seed \(seed) \(level) host \(k) txn \(t)")
                        let differing = differingSlots(g, h.snapshot(), rt.state.snapshot())
                        #expect(differing.isEmpty, "seed \(seed) \(level) host \(k) txn \(t): \(differing.prefix(3))")
                    }
                }
                if level == .l3 { vmSteps += hosts[0].counters.vmSteps }
            }
        }
        #expect(vmSteps > 0)
    }

    /// A computed step without a derive function (no `expr`, none registered) aborts the
    /// transaction with `missingStepFunction`, every write undone, as natively; options the wasm
    /// ABI cannot carry are refused with typed errors.
    @Test func configurationErrorsAreTyped() throws {
        var ir = try Workload.converge(steps: 10)
        ir.steps[3] = IRStep(kind: IRStep.computed, out: "d3", deps: ["b3"])   // no expr: a host step
        let graph = try CompiledGraph(ir)
        let b = { (i: Int) in graph.pathId("b\(i)")! }
        for level in Self.levels {
            let rt = try ConvergeRuntime(graph, options: .deterministic(level, .dirty))
            let wk = try WasmKitTxnCore(graph, options: .deterministic(level, .dirty))
            for t in [[(b(1), 1.0)], [(b(1), 2.0), (b(3), 5.0)], [(b(2), 3.0)]] {
                var nativeError: ConvergeError?
                do { _ = try rt.transaction { txn in for (id, v) in t { try txn.set(id, number: v) } } } catch let e as ConvergeError { nativeError = e }
                var wasmError: ConvergeError?
                do {
                    for (id, v) in t { try wk.set(id, number: v) }
                    try wk.commit()
                } catch { wasmError = error }
                #expect((nativeError?.code == .missingStepFunction) == t.contains { $0.0 == b(3) }, "\(level) \(t)")
                #expect(wasmError?.code == nativeError?.code, "\(level): \(String(describing: wasmError)) vs native \(String(describing: nativeError))")
                #expect(differingSlots(graph, wk.snapshot(), rt.state.snapshot()).isEmpty, "\(level) \(t)")
            }
            #expect(try wk.value(b(3)) == .undefined && wk.value(b(2)) == .number(3), "\(level)")
        }
        var o = RuntimeOptions.deterministic(.l2, .dirty)
        o.auto.lruCapacity += 1
        #expect(throws: ConvergeError.self) { _ = try WasmKitTxnCore(graph, options: o) }
        #expect(throws: ConvergeError.self) { _ = try WasmKitTxnCore(graph, options: .deterministic(.l0, .dirty)) }
        let wk = try WasmKitTxnCore(graph, options: .deterministic(.l2, .dirty))
        #expect(throws: ConvergeError.self) { try wk.derive(step: 99, { _ in .undefined }) }
        #expect(throws: ConvergeError.self) { _ = try wk.value(UInt32(graph.pathCount)) }
    }
}
