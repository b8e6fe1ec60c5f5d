import ConvergeBench
import ConvergeKernelTestSupport
import ConvergeWasm
import Foundation
import Testing
import CKernel
@testable import ConvergeKernel

/// The V8 hosts on the transaction core (`ckw_txn_*`, docs/kernel-abi.md): a sequence of
/// transactions with varying, partly repeated dirty-root sets ends in the same slots, and every
/// commit reports the same executed mode and reason bits, on the Node levels L1 (PLAN_ONLY, JS
/// executes), L2 and L3 as on a native Swift `ConvergeRuntime` at L2/L3 with the same
/// deterministic policy (cost model off, no decision budget, no execution budget) — in full,
/// dirty and auto mode. A malformed write log is `bad write` (17) with the entry's position and
/// the bad id or tag, and leaves every slot as it was.
///
/// Needs `node` ≥ 18 (skipped without it unless CONVERGE_REQUIRE_NODE=1, as V8DifferentialTests).
@Suite(.enabled(if: NodeAvailability.nodeOrRequired, "node >= 18 is not on PATH (set CONVERGE_NODE)"))
struct V8TxnCoreTests {
    static let levels: [Backend] = [.wasm(.v8, .l1), .wasm(.v8, .l2), .wasm(.v8, .l2, .scalar), .wasm(.v8, .l3)]

    /// Transactions over `pool` (the paths written): a few root sets repeated in runs (so the
    /// inline and LRU caches see hits), new sets now and then, and near-full sets.
    static func transactions(pathCount: Int, pool: [UInt32], seed: UInt64, count: Int) -> [[NodeHost.TxnWrite]] {
        var rng = SeededRNG(seed: seed)
        var sets: [[UInt32]] = []
        for _ in 0..<6 {
            var s = Set<UInt32>()
            for _ in 0..<(1 + rng.below(4)) { s.insert(pool[rng.below(pool.count)]) }
            sets.append(s.sorted())
        }
        var txns: [[NodeHost.TxnWrite]] = []
        var current = 0
        for t in 0..<count {
            var ids: [UInt32]
            if t % 23 == 11 {
                ids = pool.filter { _ in rng.chance(95) }   // near full
            } else if t % 9 == 5 {
                ids = [pool[rng.below(pool.count)], pool[rng.below(pool.count)]]   // a fresh set
            } else {
                if rng.chance(30) { current = rng.below(t < count / 2 ? 3 : sets.count) }
                ids = sets[current]
            }
            txns.append(ids.map { NodeHost.TxnWrite($0, number: Double(t % 7) - 2) })
        }
        return txns
    }

    static func graphs() throws -> [(name: String, graph: CompiledGraph, pool: [UInt32])] {
        let converge = try CompiledGraph(Workload.converge(steps: 120))
        let random = try CompiledGraph(GraphGenerator.random(seed: 7))
        let dag = try CompiledGraph(Workload.randomDAG(steps: 400, seed: 5, groups: 30))
        return [
            ("converge n=120", converge, (0..<120).map { converge.pathId("b\($0)")! }),
            ("random seed 7 (links)", random, (0..<UInt32(random.pathCount)).map { $0 }),
            ("random DAG n=400 (links, deferred)", dag, (0..<UInt32(dag.pathCount)).map { $0 }),
        ]
    }

    @Test(arguments: [ConvergeMode.auto, .dirty, .full])
    func txnCoreEqualsNativeRuntime(_ mode: ConvergeMode) throws {
        var autoReasonsSeen: DecisionReasons = []
        var modesSeen: Set<String> = []
        for (name, graph, pool) in try Self.graphs() {
            let txns = Self.transactions(pathCount: graph.pathCount, pool: pool, seed: 11, count: 90)
            let bump: Set<Int> = [60]
            // native: L2 and L3 (their decisions must agree with each other too)
            var want: [ExecutionLevel: (state: [ConvergeValue], commits: [(ExecutedMode?, DecisionReasons)])] = [:]
            for level in [ExecutionLevel.l2, .l3] {
                let rt = try ConvergeRuntime(graph, options: .deterministic(level, mode))
                try Workload.registerConvergeFunctions(rt)
                var commits: [(ExecutedMode?, DecisionReasons)] = []
                for (i, t) in txns.enumerated() {
                    if bump.contains(i) { rt.bumpGeneration() }
                    _ = try rt.transaction { txn in for w in t { try txn.set(w.id, number: w.value) } }
                    commits.append((rt.lastSummary.executedMode, rt.lastSummary.reasons))
                }
                want[level] = (rt.state.snapshot(), commits)
            }
            let policy = NodeHost.TxnPolicy(RuntimeOptions.deterministic(.l2, mode))
            #expect(policy == NodeHost.TxnPolicy(executionBudgetMs: 0, logix: false, costModel: false, decisionBudgetMs: 0))
            let got = try NodeHost.txnCore(graph, txns, levels: Self.levels, mode: mode, policy: policy, bumpGeneration: bump)
            for l in Self.levels {
                let r = try #require(got[l])
                let native = want[l.loadsCode ? .l3 : .l2]!
                let differing = differingSlots(graph, slotValues(graph, tags: r.tags, values: r.values), native.state)
                let sameState = differing.isEmpty
                #expect(sameState, "\(name) \(mode) \(l.name): \(differing.count) slots differ; first \(differing.prefix(3))")
                var decisions: [String] = []
                for (i, c) in r.commits.enumerated() {
                    let (m, reasons) = native.commits[i]
                    modesSeen.insert(c.executedMode?.rawValue ?? "none")
                    if mode == .auto { autoReasonsSeen.formUnion(c.reasons) }
                    if c.status != 0 || c.executedMode != m || c.reasons != reasons {
                        decisions.append("txn \(i): status \(c.status) \(c.executedMode?.rawValue ?? "none") [\(c.reasons)] vs native \(m?.rawValue ?? "none") [\(reasons)]")
                    }
                }
                let sameDecisions = decisions.isEmpty
                #expect(sameDecisions, "\(name) \(mode) \(l.name): \(decisions.count) commits differ; first \(decisions.prefix(3))")
                // one exported call per transaction (the log never fills here)
                #expect(r.calls == txns.count, "\(name) \(l.name): \(r.calls) exported calls for \(txns.count) transactions")
            }
            #expect(want[.l2]!.commits.map { "\($0.0?.rawValue ?? "none") \($0.1)" } == want[.l3]!.commits.map { "\($0.0?.rawValue ?? "none") \($0.1)" },
                    "\(name) \(mode): native L2 and L3 decide differently")
        }
        // the sequences exercise what they are meant to
        switch mode {
        case .full: #expect(modesSeen == ["full"])
        case .dirty: #expect(modesSeen == ["dirty"])
        case .auto:
            #expect(modesSeen.isSuperset(of: ["full", "dirty"]))
            for reason in [DecisionReasons.coldStart, .cacheHit, .inlineDirty, .lowHitRateProtection, .nearFull, .generationBumped] {
                #expect(autoReasonsSeen.contains(reason), "no transaction carried \(reason)")
            }
        }
    }

    /// The dynamic trace (diagnostics full, instrumentation full) is the same on V8 as natively:
    /// per transaction the same step records (step, link or computed, changed) in the same order
    /// and the same patch records (op_seq, path, step, reason, from, to) — reducer writes and
    /// derived writes; durations are left out (they differ between hosts).
    @Test(arguments: [ConvergeMode.auto, .dirty])
    func traceRecordsEqualNative(_ mode: ConvergeMode) throws {
        var stepsSeen = 0, patchesSeen = 0, linkPatches = 0
        for (name, graph, pool) in try Self.graphs().prefix(2) {
            let txns = Self.transactions(pathCount: graph.pathCount, pool: pool, seed: 23, count: 40)
            for (level, nodeLevel) in [(ExecutionLevel.l1, Backend.wasm(.v8, .l1)), (.l2, .wasm(.v8, .l2)), (.l3, .wasm(.v8, .l3))] {
                var o = RuntimeOptions.deterministic(level, mode)
                o.diagnostics = .full
                o.instrumentation = .full
                let rt = try ConvergeRuntime(graph, options: o)
                try Workload.registerConvergeFunctions(rt)
                var want: [([StepRecord], [PatchRecord])] = []
                for t in txns {
                    _ = try rt.transaction { txn in for w in t { try txn.set(w.id, number: w.value) } }
                    want.append((rt.lastStepRecords().map { StepRecord(stepId: $0.stepId, isLink: $0.isLink, changed: $0.changed, durationNs: 0) },
                                 rt.lastPatches()))
                }
                let got = try NodeHost.txnCore(graph, txns, levels: [nodeLevel], mode: mode,
                                               policy: NodeHost.TxnPolicy(RuntimeOptions.deterministic(level, mode)), trace: NodeHost.TxnTrace())
                let commits = try #require(got[nodeLevel]).commits
                var differing: [String] = []
                for (i, c) in commits.enumerated() {
                    if c.traceSteps != want[i].0 {
                        differing.append("txn \(i): \(c.traceSteps.count) step records vs \(want[i].0.count) native; first \(c.traceSteps.prefix(2)) vs \(want[i].0.prefix(2))")
                    }
                    if c.tracePatches != want[i].1 {
                        differing.append("txn \(i): \(c.tracePatches.count) patch records vs \(want[i].1.count) native; first \(c.tracePatches.prefix(2)) vs \(want[i].1.prefix(2))")
                    }
                    stepsSeen += c.traceSteps.count
                    patchesSeen += c.tracePatches.count
                    linkPatches += c.tracePatches.filter { $0.reason == .traitLink }.count
                }
                #expect(differing.isEmpty, "\(name) \(mode) \(level): \(differing.count) differences; \(differing.prefix(3))")
            }
        }
        // the records were there to compare: steps, reducer and derived patches, links among them
        #expect(stepsSeen > 100 && patchesSeen > 100 && linkPatches > 0, "\(stepsSeen) step records, \(patchesSeen) patches, \(linkPatches) link patches")
    }

    /// L4 on V8: the kernel made from the graph's AOT artifact (`ckw_open_artifact`: tables,
    /// bytecode and initial state of the `.ckir` file, tables for the JS steps read from the same
    /// file) ends in the same slots, with the same decisions and the same trace records, as the
    /// native runtime built from the same file (`ConvergeRuntime(artifact:)`, L3), on the SIMD
    /// and the scalar module.
    @Test(arguments: [ConvergeMode.auto, .dirty])
    func l4FromTheArtifactEqualsNativeFromTheArtifact(_ mode: ConvergeMode) throws {
        var compared = 0
        for (name, graph, pool) in try Self.graphs() {
            let txns = Self.transactions(pathCount: graph.pathCount, pool: pool, seed: 31, count: 60)
            var o = RuntimeOptions.deterministic(.l3, mode)
            o.diagnostics = .full
            o.instrumentation = .full
            let rt = try ConvergeRuntime(artifact: try Artifact(bytes: try Artifact.encode(graph)), options: o)
            try Workload.registerConvergeFunctions(rt)
            var want: [(ExecutedMode?, DecisionReasons, [StepRecord], [PatchRecord])] = []
            for t in txns {
                _ = try rt.transaction { txn in for w in t { try txn.set(w.id, number: w.value) } }
                want.append((rt.lastSummary.executedMode, rt.lastSummary.reasons,
                             rt.lastStepRecords().map { StepRecord(stepId: $0.stepId, isLink: $0.isLink, changed: $0.changed, durationNs: 0) },
                             rt.lastPatches()))
            }
            let state = rt.state.snapshot()
            let levels: [Backend] = [.wasm(.v8, .l4), .wasm(.v8, .l4, .scalar)]
            let got = try NodeHost.txnCore(graph, txns, levels: levels, mode: mode, policy: NodeHost.TxnPolicy(o),
                                           trace: NodeHost.TxnTrace())
            for l in levels {
                let r = try #require(got[l])
                let slots = (0..<graph.pathCount).filter {
                    r.tags[$0] != state[$0].tag || r.values[$0].bitPattern != state[$0].payload.bitPattern
                }
                #expect(slots.isEmpty, "\(name) \(mode) \(l.name): \(slots.count) slots differ, first \(slots.prefix(3).map { graph.fieldPaths[$0] })")
                var differing: [String] = []
                for (i, c) in r.commits.enumerated() {
                    let (m, reasons, steps, patches) = want[i]
                    if c.status != 0 || c.executedMode != m || c.reasons != reasons {
                        differing.append("txn \(i): status \(c.status) \(c.executedMode?.rawValue ?? "none") [\(c.reasons)] vs native \(m?.rawValue ?? "none") [\(reasons)]")
                    }
                    if c.traceSteps != steps || c.tracePatches != patches {
                        differing.append("txn \(i): \(c.traceSteps.count) step / \(c.tracePatches.count) patch records vs \(steps.count) / \(patches.count) native")
                    }
                    compared += c.traceSteps.count
                }
                #expect(differing.isEmpty, "\(name) \(mode) \(l.name): \(differing.count) differences; \(differing.prefix(3))")
                #expect(r.calls == txns.count, "\(name) \(l.name): \(r.calls) exported calls for \(txns.count) transactions")
                // the file's bytecode runs: compiled steps never call the host
                if name.hasPrefix("converge") { #expect(r.vmSteps > 0 && r.hostCalls == 0, "\(l.name): vmSteps \(r.vmSteps), hostCalls \(r.hostCalls)") }
            }
        }
        #expect(compared > 100, "only \(compared) step records compared")
    }

    /// The JS host refuses a damaged artifact with the kernel's typed error: status
    /// `bad artifact`, the table (CK_TABLE_ARTIFACT + section) and the byte offset, as
    /// `Artifact(bytes:)` reports natively, and readArtifactTables refuses a foreign file.
    @Test func aDamagedArtifactIsTheKernelsTypedError() throws {
        let graph = try CompiledGraph(Workload.converge(steps: 20))
        var bytes = try Artifact.encode(graph)
        let section3 = 64 + 2 * 40   // the step_out_path entry of the section table
        let offset = Int(bytes[section3 + 8]) | Int(bytes[section3 + 9]) << 8   // its section's offset
        bytes[offset] ^= 0x40   // a bit of step_out_path: the section's checksum no longer holds
        var native: ConvergeError?
        do { _ = try Artifact(bytes: bytes) } catch { native = error }
        let nativeError = try #require(native, "the native loader accepted the damaged file")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("converge-l4-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("bad.ckir"), foreign = dir.appendingPathComponent("foreign.ckir")
        try Data(bytes).write(to: file)
        // another format's file (CKT1, the tables blob of before): not an artifact
        try Data(Array("CKT1".utf8) + [UInt8](repeating: 0, count: 124)).write(to: foreign)
        let host = try NodeHost.script().deletingLastPathComponent()
        let script = """
        import { readFileSync } from 'node:fs';
        import { WasmKernel, compileModule } from '\(host.appendingPathComponent("host.mjs").path)';
        import { readArtifactTables } from '\(host.appendingPathComponent("tables.mjs").path)';
        const module = compileModule(readFileSync(process.argv[1]));
        try { new WasmKernel(module, new Uint8Array(readFileSync(process.argv[2])), null); console.log('accepted'); }
        catch (e) { console.log(e.message); }
        try { readArtifactTables(readFileSync(process.argv[3])); console.log('accepted'); }
        catch (e) { console.log(e.message); }
        """
        let wasm = try WasmBuild.artifacts().simd
        let r = try ChildProcess.run(try NodeHost.node(), ["--input-type=module", "-e", script, wasm.path, file.path, foreign.path], timeout: 60)
        let lines = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").map(String.init)
        #expect(lines.count == 2, "node printed \(lines), stderr \(String(decoding: r.stderr, as: UTF8.self))")
        let js = lines.first ?? ""
        #expect(js.hasPrefix("ckw_open_artifact: bad artifact (table "), "\(js)")
        #expect(nativeError.message.contains("step_out_path"), "\(nativeError.message)")
        // the same table (artifact section 3) and byte offset as the C loader names natively
        var view = ck_artifact_t(), err = ck_error_t()
        let status = bytes.withUnsafeBytes { ck_artifact_open($0.baseAddress, $0.count, &view, &err) }
        #expect(status == CK_ERR_BAD_ARTIFACT && err.table.rawValue == CK_TABLE_ARTIFACT + 3)
        #expect(js.contains("(table \(err.table.rawValue), index \(err.index),"), "\(js) vs native table \(err.table.rawValue) index \(err.index)")
        #expect(lines.last?.hasPrefix("readArtifactTables: bad magic at offset 0") == true, "\(lines.last ?? "")")
    }

    /// A malformed log — an id ≥ path count, a tag 7 — fails the commit with `bad write` (status
    /// 17, table CK_TABLE_WRITE_LOG = 14, index = the entry's position in the log handed over,
    /// value = the id or the tag, fault 1 for a tag), aborts the transaction and leaves every
    /// slot as the committed transactions left it; a bad entry after a full log was flushed
    /// undoes the flushed writes too.
    @Test func malformedLogIsBadWrite() throws {
        let graph = try CompiledGraph(Workload.converge(steps: 100))
        let P = graph.pathCount
        let b = { (i: Int) in graph.pathId("b\(i)")! }
        let good1 = [NodeHost.TxnWrite(b(1), number: 5), NodeHost.TxnWrite(b(2), number: 6)]
        let good2 = [NodeHost.TxnWrite(b(3), number: 7)]
        let badId = [NodeHost.TxnWrite(b(1), number: 50), NodeHost.TxnWrite(UInt32(P + 3), number: 1)]
        let badTag = [NodeHost.TxnWrite(b(4), number: 9), NodeHost.TxnWrite(b(5), number: 9), NodeHost.TxnWrite(b(6), 1, tag: 7)]
        // 300 writes: the log (capacity max(256, P) = 256) fills once and is flushed; entry 290
        // (position 34 of the second log) is bad
        var long: [NodeHost.TxnWrite] = (0..<300).map { NodeHost.TxnWrite(b($0 % 100), number: Double(1000 + $0)) }
        long[290] = NodeHost.TxnWrite(UInt32(P), number: 0)
        let txns = [good1, good2, badId, badTag, long]
        for mode in [ConvergeMode.auto, .dirty] {
            let rt = try ConvergeRuntime(graph, options: .deterministic(.l2, mode))
            try Workload.registerConvergeFunctions(rt)
            for t in [good1, good2] {
                _ = try rt.transaction { txn in for w in t { try txn.set(w.id, number: w.value) } }
            }
            let want = rt.state.snapshot()
            let got = try NodeHost.txnCore(graph, txns, levels: Self.levels, mode: mode, policy: NodeHost.TxnPolicy(RuntimeOptions.deterministic(.l2, mode)))
            for l in Self.levels {
                let r = try #require(got[l])
                let c = r.commits
                #expect(c[0].status == 0 && c[1].status == 0)
                #expect(c[2].status == 17 && c[2].errorTable == 14 && c[2].errorIndex == 1 && c[2].errorValue == P + 3 && c[2].errorFault == 0,
                        "\(l.name): \(c[2])")
                #expect(c[3].status == 17 && c[3].errorTable == 14 && c[3].errorIndex == 2 && c[3].errorValue == 7 && c[3].errorFault == 1,
                        "\(l.name): \(c[3])")
                #expect(c[4].status == 17 && c[4].errorTable == 14 && c[4].errorIndex == 34 && c[4].errorValue == P && c[4].errorFault == 0,
                        "\(l.name): \(c[4])")
                let differing = differingSlots(graph, slotValues(graph, tags: r.tags, values: r.values), want)
                let unchanged = differing.isEmpty
                #expect(unchanged, "\(mode) \(l.name): \(differing.count) slots changed by failed transactions; first \(differing.prefix(3))")
                // 5 commits and the one flush of the full log
                #expect(r.calls == txns.count + 1, "\(l.name): \(r.calls) calls")
            }
        }
    }
}
