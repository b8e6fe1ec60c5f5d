import ConvergeEvidence
import Foundation
import Testing

/// Logix's own before/after pairs: our diff reproduces the diff Logix computed, field by field.
struct LogixPair: Sendable, CustomTestStringConvertible {
    let before: String
    let after: String
    let diff: String
    var testDescription: String { diff }
}

private let pairs = [
    LogixPair(before: "049-before.node.core.converge.txnCommit.darwin-arm64.default.json",
              after: "049-after.node.core-ng.execVm.converge.txnCommit.darwin-arm64.default.json",
              diff: "049-diff.node.core__core-ng.execVm.converge.txnCommit.darwin-arm64.default.json"),
    LogixPair(before: "049-before.node.core-ng.execVm.off.converge.txnCommit.darwin-arm64.default.json",
              after: "049-after.node.core-ng.execVm.on.converge.txnCommit.darwin-arm64.default.json",
              diff: "049-diff.node.core-ng.execVm.off__on.converge.txnCommit.darwin-arm64.default.json"),
]

@Test(arguments: pairs)
func ourDiffOfLogixReportsReproducesLogixsDiff(_ pair: LogixPair) throws {
    let expected = try PerfDiff.read(logixPerfFile(pair.diff))
    let before = try PerfReport.read(logixPerfFile(pair.before))
    let after = try PerfReport.read(logixPerfFile(pair.after))
    let ours = try PerfDiff.diff(before: before, beforeFile: expected.meta.from.file ?? pair.before, after: after,
                                 afterFile: expected.meta.to.file ?? pair.after)

    #expect(ours.schemaVersion == expected.schemaVersion)
    #expect(ours.meta.from == expected.meta.from)
    #expect(ours.meta.to == expected.meta.to)
    #expect(ours.meta.comparability == expected.meta.comparability)
    #expect(ours.summary.regressions == expected.summary.regressions)
    #expect(ours.summary.improvements == expected.summary.improvements)
    #expect(ours.summary.budgetViolations == expected.summary.budgetViolations)
    #expect(ours.summary.slices == nil && expected.summary.slices == nil)
    #expect(ours.suites.map(\.id) == expected.suites.map(\.id))
    for (o, e) in zip(ours.suites, expected.suites) {
        // Every thresholdDeltas entry: budget object, where, both maxLevels and the message.
        #expect(o.thresholdDeltas == e.thresholdDeltas)
        #expect(o.budgetViolations == e.budgetViolations)
        #expect(o.evidenceDeltas?.count == e.evidenceDeltas?.count)
        for (oe, ee) in zip(o.evidenceDeltas ?? [], e.evidenceDeltas ?? []) { #expect(oe == ee) }
        #expect(o.notes == e.notes)
    }
    // Our additions beside Logix's fields: shared identity and metric deltas.
    #expect(ours.envId == "darwin.arm64.node.headless")
    #expect(ours.matrixId == "logix-browser-perf-matrix-v1")
    #expect(ours.suites[0].metricDeltas?.map(\.metric) == ["runtime.decisionMs", "runtime.txnCommitMs"])
    #expect(ours.suites[0].metricDeltas?.last?.compared == 36)
}

@Test func logixsOffOnDiffHasNoThresholdDeltas() throws {
    let pair = pairs[1]
    let d = try PerfDiff.diff(beforeFile: logixPerfFile(pair.before), afterFile: logixPerfFile(pair.after))
    #expect(d.suites[0].thresholdDeltas == nil)
    #expect(d.gate.line == "gate: pass — comparable, 0 regressions, 0 improvements")
    let text = String(decoding: try d.encoded(), as: UTF8.self)
    #expect(!text.contains("thresholdDeltas"))
}

/// A Logix report against one from another machine (another os, arch and host: what a native
/// or WASM report is to a JS one): refused, then a triage diff with --allow-env-drift.
@Test func crossKernelTriageDiffAgainstAnotherEnv() throws {
    let pair = pairs[0]
    let before = try PerfReport.read(logixPerfFile(pair.before))
    var after = try PerfReport.read(logixPerfFile(pair.after))
    after.meta.env.os = "linux"
    after.meta.env.arch = "x64"
    after.meta.env.browser?.name = "native"
    #expect(throws: EvidenceError.self) {
        try PerfDiff.diff(before: before, beforeFile: "logix-js.json", after: after, afterFile: "native.json")
    }
    let d = try PerfDiff.diff(before: before, beforeFile: "logix-js.json", after: after, afterFile: "native.json",
                              allowEnvDrift: true)
    #expect(d.meta.comparability.comparable == false)
    #expect(d.meta.comparability.envMismatches == ["env.os: before=darwin after=linux", "env.arch: before=arm64 after=x64",
                                                   "env.browser.name: before=node after=native"])
    #expect(d.envId == nil)
    // 3 absolute budgets × 12 slices (mode × ratio) + 1 relative × 4: decision.p95 is notApplicable
    // for full and dirty (8 slices, skipped); the rest are compared.
    #expect(d.summary.slices == PerfDiff.Slices(total: 40, compared: 32, skippedData: 8))
    // The same threshold deltas as the comparable diff: maxLevel headroom per slice.
    let comparable = try PerfDiff.read(logixPerfFile(pair.diff))
    #expect(d.suites[0].thresholdDeltas == comparable.suites[0].thresholdDeltas)
    #expect(d.summary.improvements == 1 && d.summary.regressions == 0)
    #expect(!d.gate.pass)
    #expect(d.gate.line.hasPrefix("gate: fail — not comparable (env.os: before=darwin after=linux; "))

    // A one-backend report of ours carries kernelBackend, Logix's does not: not an axis, same slices
    // (the backend set is part of our steps grid, so the pair is also config drift).
    for i in after.suites[0].points.indices { after.suites[0].points[i].params["kernelBackend"] = "native-l1" }
    #expect(throws: EvidenceError.self) {
        try PerfDiff.diff(before: before, beforeFile: "logix-js.json", after: after, afterFile: "native.json", allowEnvDrift: true)
    }
    let native = try PerfDiff.diff(before: before, beforeFile: "logix-js.json", after: after, afterFile: "native.json",
                                   allowConfigDrift: true, allowEnvDrift: true)
    #expect(native.meta.comparability.configMismatches.count == 1)
    #expect(native.meta.comparability.configMismatches.first?.hasPrefix("stepsGrid: ") == true)
    #expect(native.summary.slices == d.summary.slices)
    #expect(native.suites[0].thresholdDeltas == d.suites[0].thresholdDeltas)
    // Two backends: kernelBackend is an axis; Logix's points are in no slice of ours.
    var two = after
    two.suites[0].points += after.suites[0].points.map { p in
        var q = p
        q.params["kernelBackend"] = "js-v8"
        return q
    }
    let split = try PerfDiff.diff(before: before, beforeFile: "logix-js.json", after: two, afterFile: "native.json",
                                  allowConfigDrift: true, allowEnvDrift: true)
    #expect(split.summary.slices == PerfDiff.Slices(total: 80, afterOnly: 80))
}
