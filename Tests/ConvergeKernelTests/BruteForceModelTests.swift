import ConvergeKernel
import ConvergeKernelTestSupport
import Testing

/// The brute-force model itself is checked against Logix's recorded cases and the worked examples,
/// so that comparing the planners with it means something.
@Suite struct BruteForceModelTests {
    @Test func modelReproducesEveryGoldenCase() throws {
        let golden = try GoldenFile.load()
        var failures: [String] = []
        for (i, c) in golden.cases.enumerated() {
            let ir = try #require(golden.graphs[c.graph])
            let ok: Bool
            switch c.expectation {
            case let .inspect(fieldPaths, topo, configError):
                let registryOK = BruteForceModel.registry(ir) == fieldPaths
                switch BruteForceModel.inspect(ir) {
                case .success(let x): ok = registryOK && configError == nil && x.topo == topo && x.fieldPaths == fieldPaths
                case .failure(let e): ok = registryOK && e.code == configError
                }
            case let .run(executedMode, plan):
                ok = BruteForceModel.plan(ir, dirty: c.dirty ?? [], mode: c.mode ?? "", scope: c.scope ?? "") == .plan(executedMode: executedMode, outs: plan)
            case let .runError(code), let .error(code, _):
                ok = BruteForceModel.plan(ir, dirty: c.dirty ?? [], mode: c.mode ?? "dirty", scope: c.scope ?? "all") == .error(code)
            }
            if !ok { failures.append("case \(i) (\(c.graph))") }
        }
        #expect(failures.isEmpty, "\(failures.count) golden cases differ: \(failures.prefix(10))")
    }

    /// Semantics §9, "Prefix triggers and the small-graph pass".
    static func prefixExample(padding: Int) -> ConvergeIR {
        var b = IRBuilder()
        b.field("a.x")
        b.computed("total", deps: ["a.y"])
        b.link("a.q", from: "b")
        b.computed("other", deps: ["c"])
        for i in 0..<padding { b.computed("pad\(i)", deps: ["p\(i)"]) }
        return b.build()
    }

    @Test func workedExamplePrefixTriggers() {
        let ir = Self.prefixExample(padding: 0)
        #expect(BruteForceModel.registry(ir) == ["a", "a.q", "a.x", "a.y", "b", "c", "other", "total"])
        func plan(_ dirty: [String]) -> BruteForceModel.Outcome { BruteForceModel.plan(ir, dirty: dirty, mode: "dirty", scope: "all") }
        #expect(plan(["a.x"]) == .plan(executedMode: "dirty", outs: ["total", "a.q"]))
        #expect(plan(["a"]) == .plan(executedMode: "dirty", outs: ["total", "a.q"]))
        #expect(plan(["c"]) == .plan(executedMode: "dirty", outs: ["other"]))
        #expect(plan(["b"]) == .plan(executedMode: "dirty", outs: ["a.q"]))
        #expect(plan(["zzz"]) == .plan(executedMode: "dirty", outs: ["total", "a.q", "other"]))
        // with >= 32 steps the closure also plans `total` (triggered by a.q's out under `a`)
        let big = Self.prefixExample(padding: 29)
        #expect(BruteForceModel.plan(big, dirty: ["b"], mode: "dirty", scope: "all") == .plan(executedMode: "dirty", outs: ["total", "a.q"]))
    }

    @Test func workedExampleScopes() {
        var b = IRBuilder()
        b.computed("sum", deps: ["s.x", "s.y"])
        b.computed("s.x", deps: ["base"])
        b.computed("late", deps: ["sum"], scheduling: .deferred)
        b.computed("now", deps: ["late"])
        let ir = b.build()
        func plan(_ dirty: [String], _ scope: String, _ mode: String = "dirty") -> BruteForceModel.Outcome {
            BruteForceModel.plan(ir, dirty: dirty, mode: mode, scope: scope)
        }
        #expect(BruteForceModel.inspect(ir).map(\.topo) == .success(["s.x", "sum", "late", "now"]))
        #expect(plan(["base"], "immediate") == .plan(executedMode: "dirty", outs: ["s.x", "sum"]))
        #expect(plan(["base"], "deferred") == .plan(executedMode: "dirty", outs: []))
        #expect(plan(["base"], "all") == .plan(executedMode: "dirty", outs: ["s.x", "sum", "late", "now"]))
        #expect(plan(["nope"], "immediate") == .plan(executedMode: "dirty", outs: ["s.x", "sum", "now"]))
        #expect(plan([], "deferred", "full") == .plan(executedMode: "full", outs: ["late"]))
    }

    @Test func workedExampleOrderOfIds() {
        var b = IRBuilder()
        for f in ["a.b", "a.é", "a.ｱ", "a.😀", "a.Z", "a.b10", "a.b2", "items[0].name", "items.3.price"] { b.field(f) }
        b.computed("r", deps: ["a"])
        #expect(BruteForceModel.registry(b.build()) ==
                ["a", "a.Z", "a.b", "a.b10", "a.b2", "a.é", "a.😀", "a.ｱ", "items", "items.name", "items.price", "r"])
    }

    @Test func generatorIsDeterministicAndValid() {
        var small = 0, large = 0, links = 0, deferred = 0
        for seed in UInt64(0)..<300 {
            let ir = GraphGenerator.random(seed: seed)
            #expect(ir == GraphGenerator.random(seed: seed))
            if case .failure(let e) = BruteForceModel.inspect(ir) { Issue.record("seed \(seed): \(e.code)") }
            if ir.steps.count < 32 { small += 1 } else { large += 1 }
            links += ir.steps.filter { $0.kind == "link" }.count
            deferred += ir.steps.filter { $0.scheduling == "deferred" }.count
        }
        #expect(small > 50 && large > 50 && links > 100 && deferred > 100)
        var a = SeededRNG(seed: 5), b = SeededRNG(seed: 5)
        let ir = GraphGenerator.random(seed: 5)
        #expect(GraphGenerator.randomDirty(for: ir, rng: &a) == GraphGenerator.randomDirty(for: ir, rng: &b))
    }
}
