import ConvergeBench
import ConvergeKernelTestSupport
import ConvergeWasm
import Foundation
import Testing
@testable import ConvergeKernel

enum ChromiumAvailability {
    /// Chromium and node are here, or CONVERGE_REQUIRE_CHROMIUM=1 (set by .ci/run) makes their
    /// absence a failure.
    static var chromiumOrRequired: Bool {
        ((try? BrowserHost.chromium()) != nil && NodeHost.available)
            || ProcessInfo.processInfo.environment["CONVERGE_REQUIRE_CHROMIUM"] == "1"
    }
}

/// The browser host on the transaction core: the Node host's `txn` job (wasm-host/txn-run.mjs)
/// run by a page in headless Chromium, on L1 (PLAN_ONLY, JS executes), L2 (scalar module), L3
/// (the graph's bytecode) and L4 (the kernel from the graph's AOT artifact), in auto, dirty and
/// full mode, ends in the native runtime's slots with the same executed mode and reason bits per
/// commit and the same step and patch records (durations left out; at L1 the core's, then the
/// JS executor's) — the V8
/// transaction-core tests' sequences and deterministic policy (V8TxnCoreTests).
///
/// Needs Chromium and node (skipped without them unless CONVERGE_REQUIRE_CHROMIUM=1).
@Suite(.enabled(if: ChromiumAvailability.chromiumOrRequired,
                "chromium or node not found (set CONVERGE_REQUIRE_CHROMIUM=1 to make this a failure): apt-get install -y chromium"))
struct ChromiumTxnCoreTests {
    static let levels: [Backend] = [.wasm(.chromium, .l1), .wasm(.chromium, .l2, .scalar), .wasm(.chromium, .l3), .wasm(.chromium, .l4)]

    @Test(arguments: [ConvergeMode.auto, .dirty, .full])
    func chromiumEqualsNativeRuntime(_ mode: ConvergeMode) throws {
        let chromium = try BrowserHost.chromium()
        var compared = 0
        for (name, graph, pool) in try V8TxnCoreTests.graphs().prefix(2) {
            let txns = V8TxnCoreTests.transactions(pathCount: graph.pathCount, pool: pool, seed: 41, count: 60)
            let bump: Set<Int> = [40]
            // native L1–L3 with the full trace (L4 from the artifact runs as native L3 does)
            var want: [ExecutionLevel: (state: [ConvergeValue], commits: [(ExecutedMode?, DecisionReasons, [StepRecord], [PatchRecord])])] = [:]
            for level in [ExecutionLevel.l1, .l2, .l3] {
                var o = RuntimeOptions.deterministic(level, mode)
                o.diagnostics = .full
                o.instrumentation = .full
                let rt = try ConvergeRuntime(graph, options: o)
                try Workload.registerConvergeFunctions(rt)
                var commits: [(ExecutedMode?, DecisionReasons, [StepRecord], [PatchRecord])] = []
                for (i, t) in txns.enumerated() {
                    if bump.contains(i) { rt.bumpGeneration() }
                    _ = try rt.transaction { txn in for w in t { try txn.set(w.id, number: w.value) } }
                    commits.append((rt.lastSummary.executedMode, rt.lastSummary.reasons,
                                    rt.lastStepRecords().map { StepRecord(stepId: $0.stepId, isLink: $0.isLink, changed: $0.changed, durationNs: 0) },
                                    rt.lastPatches()))
                }
                want[level] = (rt.state.snapshot(), commits)
            }
            let got = try BrowserHost.txnCore(graph, txns, levels: Self.levels, mode: mode,
                                              policy: NodeHost.TxnPolicy(RuntimeOptions.deterministic(.l2, mode)), bumpGeneration: bump,
                                              trace: NodeHost.TxnTrace(), chromium: chromium)
            for l in Self.levels {
                let r = try #require(got[l])
                let native = want[l.loadsCode || l.loadsArtifact ? .l3 : l.level == .l1 ? .l1 : .l2]!
                let slots = (0..<graph.pathCount).filter {
                    r.tags[$0] != native.state[$0].tag || r.values[$0].bitPattern != native.state[$0].payload.bitPattern
                }
                #expect(slots.isEmpty, "\(name) \(mode) \(l.name): \(slots.count) slots differ, first \(slots.prefix(3).map { graph.fieldPaths[$0] })")
                var differing: [String] = []
                for (i, c) in r.commits.enumerated() {
                    let (m, reasons, steps, patches) = native.commits[i]
                    if c.status != 0 || c.executedMode != m || c.reasons != reasons {
                        differing.append("txn \(i): status \(c.status) \(c.executedMode?.rawValue ?? "none") [\(c.reasons)] vs native \(m?.rawValue ?? "none") [\(reasons)]")
                    }
                    if c.traceSteps != steps || c.tracePatches != patches {
                        differing.append("txn \(i): \(c.traceSteps.count) step / \(c.tracePatches.count) patch records vs \(steps.count) / \(patches.count) native")
                    }
                    compared += c.traceSteps.count + c.tracePatches.count
                }
                #expect(differing.isEmpty, "\(name) \(mode) \(l.name): \(differing.count) differences; \(differing.prefix(3))")
                #expect(r.calls == txns.count, "\(name) \(l.name): \(r.calls) exported calls for \(txns.count) transactions")
            }
        }
        #expect(compared > 200, "only \(compared) trace records compared")
    }
}
