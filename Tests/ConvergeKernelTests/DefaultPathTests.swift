import ConvergeKernelTestSupport
import Testing
@testable import ConvergeKernel

/// L5, the default path (docs/endgame-levels.md; ``ExecutionLevel/l5``): a runtime built without
/// a level runs the kernel path — L4 from an artifact with a layout, else L3 — and every step that
/// did not compile falls back to its derive function with a reason in the compile report and in
/// the step records, counted per transaction.
@Suite struct DefaultPathTests {
    /// `a`, `b` fields; `s = a + b` and `t = s * 2` compile; `u` has no expr (a host step); `m`
    /// links `a`.
    static func graph() throws -> CompiledGraph {
        var b = IRBuilder()
        b.field("a")
        b.field("b")
        b.computed("s", deps: ["a", "b"], expr: "a + b")
        b.computed("u", deps: ["s"])
        b.computed("t", deps: ["s"], expr: "s * 2")
        b.link("m", from: "a")
        return try CompiledGraph(b.build())
    }

    @Test func withoutALevelTheRuntimeRunsTheKernelPath() throws {
        #expect(RuntimeOptions().level == .l5)
        let g = try Self.graph()
        let fromGraph = try ConvergeRuntime(g)
        #expect(fromGraph.isDefaultPath && fromGraph.options.level == .l3)
        let withLayout = try ConvergeRuntime(artifact: try Artifact(bytes: try Artifact.encode(g)))
        #expect(withLayout.isDefaultPath && withLayout.options.level == .l4 && withLayout.native!.hasLayout)
        let noLayout = try ConvergeRuntime(artifact: try Artifact(bytes: try Artifact.encode(g, layout: false)))
        #expect(noLayout.isDefaultPath && noLayout.options.level == .l3)
        var o = RuntimeOptions()
        o.planner = { graph throws(ConvergeError) in try NativeKernel(graph) }
        let plugged = try ConvergeRuntime(g, options: o)
        #expect(plugged.isDefaultPath && plugged.options.level == .l1)
        let explicit = try ConvergeRuntime(g, options: RuntimeOptions(level: .l2))
        #expect(!explicit.isDefaultPath && explicit.options.level == .l2)
    }

    @Test(arguments: [false, true])
    func aFallbackCarriesItsReasonAndIsCountedPerTransaction(_ fromArtifact: Bool) throws {
        let g = try Self.graph()
        var o = RuntimeOptions(mode: .dirty, diagnostics: .full)
        o.instrumentation = .full
        let rt = fromArtifact ? try ConvergeRuntime(artifact: try Artifact(bytes: try Artifact.encode(g)), options: o)
            : try ConvergeRuntime(g, options: o)
        let u = (0..<g.stepCount).first { g.out(ofStep: $0) == "u" }!
        let s = (0..<g.stepCount).first { g.out(ofStep: $0) == "s" }!
        let reported = rt.compileReport.entries.first { $0.out == "u" }?.fallbackReason
        #expect(reported != nil && rt.fallbackReason(step: u) == reported)
        #expect(rt.fallbackReason(step: s) == nil)
        try rt.derive("u") { inputs in .number((inputs.number(0) ?? .nan) - 1) }

        // a and b: s, t (bytecode), u (fallback) and m (link)
        _ = try rt.transaction { txn in try txn.set("a", .number(2)); try txn.set("b", .number(0)) }
        #expect(rt.lastSummary.fallbackSteps == 1 && rt.lastSummary.vmSteps == 2)
        let records = rt.lastStepRecords()
        #expect(records.count == 4)
        for r in records {
            #expect(r.fallbackReason == (r.stepId == u ? reported : nil), "step \(g.out(ofStep: r.stepId)): \(r.fallbackReason ?? "nil")")
        }
        #expect(try rt.state.value("u") == .number(1) && rt.state.value("t") == .number(4))

        // a derive function over a compiled step makes it a fallback too, with its own reason
        try rt.derive("t") { inputs in .number((inputs.number(0) ?? .nan) * 3) }
        _ = try rt.transaction { txn in try txn.set("b", .number(1)) }
        let t = (0..<g.stepCount).first { g.out(ofStep: $0) == "t" }!
        #expect(rt.lastSummary.fallbackSteps == 2 && rt.lastSummary.vmSteps == 1)
        #expect(rt.fallbackReason(step: t) == "a derive function was registered over its compiled expr")
        #expect(rt.lastStepRecords().first { $0.stepId == t }?.fallbackReason == rt.fallbackReason(step: t))
        #expect(try rt.state.value("t") == .number(9))

        // below L3 nothing is a fallback: computed steps are the host's by design
        let l2 = try ConvergeRuntime(g, options: RuntimeOptions(level: .l2, mode: .dirty, diagnostics: .full))
        try l2.derive("u") { _ in .number(0) }
        _ = try l2.transaction { txn in try txn.set("a", .number(2)) }
        #expect(l2.lastSummary.fallbackSteps == 0 && l2.fallbackReason(step: u) == nil)
    }
}
