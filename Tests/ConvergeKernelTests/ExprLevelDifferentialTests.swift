import ConvergeKernelTestSupport
import Testing
@testable import ConvergeKernel

/// Graphs whose computed steps carry C0 expressions run at every level — L0/L1/L2 evaluate the
/// trees in Swift, L3 runs bytecode in the kernel, as lane batches and one step at a time — and
/// must reach the same state (Object.is per slot) and outcome after every transaction. The graphs
/// are built from blocks of one expression template over different deps, so L3 forms batch runs
/// (split where a step reads an out of its own block), mixed with links and host steps.
@Suite struct ExprLevelDifferentialTests {
    /// A random C0 text over placeholders `$0`, `$1`, `$2`.
    static func template(_ rng: inout SeededRNG, depth: Int) -> String {
        let leaves = ["$0", "$1", "$2", "$0", "$1", "1", "0.5", "-0", "2", "null", "undefined", "true"]
        if depth <= 0 || rng.chance(25) { return rng.pick(leaves) }
        switch rng.below(6) {
        case 0: return rng.pick(["-", "+", "!"]) + "(" + template(&rng, depth: depth - 1) + ")"
        case 1: return "(" + template(&rng, depth: depth - 1) + " ? " + template(&rng, depth: depth - 1) + " : " + template(&rng, depth: depth - 1) + ")"
        case 2:
            let f = rng.pick(MathFunction.allCases).rawValue
            let n = f == "min" || f == "max" ? rng.below(4) : 1
            return "Math.\(f)(" + (0..<n).map { _ in template(&rng, depth: depth - 1) }.joined(separator: ", ") + ")"
        default:
            let op = rng.pick(["+", "-", "*", "/", "%", "===", "!==", "<", "<=", ">", ">=", "&&", "||", "??"])
            return "(" + template(&rng, depth: depth - 1) + " " + op + " " + template(&rng, depth: depth - 1) + ")"
        }
    }

    static func graph(seed: UInt64) -> ConvergeIR {
        var rng = SeededRNG(seed: seed)
        var b = IRBuilder()
        let fields = (0..<10).map { "f\($0)" }
        for f in fields { b.field(f) }
        var outs: [String] = []
        let blocks = 3 + rng.below(10)
        for _ in 0..<blocks {
            let deferred = rng.chance(15) ? Scheduling.deferred : .immediate
            switch rng.below(10) {
            case 0:
                let out = "o\(outs.count)"
                b.link(out, from: rng.pick(fields + outs))
                outs.append(out)
            case 1:
                let out = "o\(outs.count)"
                b.computed(out, deps: [rng.pick(fields + outs)], scheduling: deferred)   // a host step
                outs.append(out)
            default:
                let text = template(&rng, depth: 1 + rng.below(4))
                let blockStart = outs.count
                for _ in 0..<(1 + rng.below(40)) {
                    // deps mostly from the fields; now and then an out of this block (splits the run)
                    let sources = rng.chance(10) && outs.count > blockStart ? Array(outs[blockStart...]) : fields + outs.prefix(blockStart)
                    let deps = (0..<3).map { _ in rng.pick(Array(sources)) }
                    var expr = text
                    for (i, d) in deps.enumerated() { expr = expr.replacingOccurrences(of: "$\(i)", with: d) }
                    let out = "o\(outs.count)"
                    b.computed(out, deps: deps, scheduling: deferred, expr: expr)
                    outs.append(out)
                }
            }
        }
        return b.build()
    }

    static func value(_ rng: inout SeededRNG) -> ConvergeValue {
        switch rng.below(12) {
        case 0: .null
        case 1: .undefined
        case 2: .boolean(rng.chance(50))
        case 3: .number(.nan)
        case 4: .number(-0.0)
        case 5: .number(.infinity)
        case 6: .number(-2.5)
        case 7: .number(0.5)
        default: .number(Double(rng.below(9)) - 3)
        }
    }

    static func same(_ a: ConvergeValue, _ b: ConvergeValue) -> Bool {
        a.tag == b.tag && (a.payload.bitPattern == b.payload.bitPattern || (a.payload.isNaN && b.payload.isNaN))
    }

    /// One transaction of `writes` on every runtime: each must reach the first one's state (Object.is
    /// per slot) and outcome. Returns the number of runtimes compared with the first.
    static func expectSameTransaction(_ runtimes: [(String, ConvergeRuntime)], _ writes: [(String, ConvergeValue)],
                                      graph g: CompiledGraph, _ label: String) throws -> Int {
        var results: [TransactionResult] = []
        for (_, rt) in runtimes {
            results.append(try rt.transaction { txn in for (p, v) in writes { try txn.set(p, v) } })
        }
        let reference = runtimes[0].1.state.snapshot()
        for (i, (name, rt)) in runtimes.enumerated().dropFirst() {
            let snap = rt.state.snapshot()
            let diff = (0..<snap.count).first { !same(snap[$0], reference[$0]) }
            #expect(diff == nil, "\(label): \(name) differs from \(runtimes[0].0) at \(diff.map { g.fieldPaths[$0] } ?? ""): \(diff.map { "\(snap[$0]) vs \(reference[$0])" } ?? "")")
            #expect(results[i].outcome == results[0].outcome && results[i].committed == results[0].committed, "\(label): \(name)")
        }
        return runtimes.count - 1
    }

    static func runtime(_ g: CompiledGraph, _ level: ExecutionLevel, _ mode: ConvergeMode, batches: Bool = true) throws -> ConvergeRuntime {
        var o = RuntimeOptions(level: level, mode: mode, diagnostics: .light)
        o.auto.decisionBudgetMs = 0
        o.auto.costModel = false
        o.executionBudgetMs = 0
        o.vmBatches = batches
        let rt = try ConvergeRuntime(g, options: o)
        for entry in rt.compileReport.entries where entry.compiled == nil {
            // host steps: twice the first dep's number (NaN for anything else)
            try rt.derive(entry.out) { inputs in .number((inputs.number(0) ?? .nan) * 2) }
        }
        return rt
    }

    @Test(arguments: 0..<4)
    func everyLevelReachesTheSameState(_ chunk: Int) throws {
        var graphs = 0, batched = 0, vmSteps = 0, compared = 0
        for n in 0..<12 {
            let seed = UInt64(chunk * 12 + n) &* 0x51_7CC1 &+ 5
            let g = try CompiledGraph(Self.graph(seed: seed))
            graphs += 1
            for mode in ConvergeMode.allCases {
                var runtimes: [(String, ConvergeRuntime)] = []
                for level in ExecutionLevel.allCases { runtimes.append((level.rawValue, try Self.runtime(g, level, mode))) }
                runtimes.append(("l3 one-by-one", try Self.runtime(g, .l3, mode, batches: false)))
                if let native = runtimes.first(where: { $0.0 == "l3" })!.1.native, native.codeInfo.longestRun > 1 { batched += 1 }
                var rng = SeededRNG(seed: seed ^ 0xABCD)
                for t in 0..<25 {
                    let writes = (0..<(1 + rng.below(4))).map { _ in ("f\(rng.below(10))", Self.value(&rng)) }
                    compared += try Self.expectSameTransaction(runtimes, writes, graph: g, "seed \(seed) \(mode) txn \(t)")
                    vmSteps += runtimes.first(where: { $0.0 == "l3" })!.1.lastSummary.vmSteps
                }
            }
        }
        #expect(graphs == 12 && compared > 0)
        #expect(batched > 6, "only \(batched) graph/mode pairs had a batch run")
        #expect(vmSteps > 1000, "the VM ran only \(vmSteps) steps")
    }

    /// A host step failing after bytecode steps ran rolls their writes back too (L3 as L2); the
    /// reducer's write is kept.
    @Test(arguments: [true, false])
    func aThrowingHostStepRollsBackBytecodeWrites(_ batches: Bool) throws {
        struct Boom: Error {}
        var b = IRBuilder()
        b.field("a")
        for i in 0..<40 { b.computed("x\(i)", deps: ["a"], expr: "a + \(i)") }
        b.computed("y", deps: ["a"])
        b.computed("z", deps: ["y", "x0"], expr: "x0 * 2")
        let g = try CompiledGraph(b.build())
        var o = RuntimeOptions(level: .l3, mode: .full, diagnostics: .light)
        o.vmBatches = batches
        let rt = try ConvergeRuntime(g, options: o)
        try rt.derive("y") { inputs in
            if inputs.number(0) == 13 { throw Boom() }
            return .number(1)
        }
        _ = try rt.transaction { txn in try txn.set("a", .number(1)) }
        #expect(try rt.state.value("x39") == .number(40) && rt.lastSummary.vmSteps == 41)
        let before = rt.state.snapshot()
        let r = try rt.transaction { txn in try txn.set("a", .number(13)) }
        #expect(r.outcome == .runtimeError(step: g.topoOrder.firstIndex(of: 40)!))
        let after = rt.state.snapshot()
        let a = Int(g.pathId("a")!)
        #expect(after[a] == .number(13))
        #expect((0..<after.count).allSatisfy { $0 == a || Self.same(after[$0], before[$0]) })
    }

    /// A registered derive function wins over the expr at every level; at L3 the step turns into
    /// a host step (the bytecode reloads without it) and its neighbours stay bytecode.
    @Test func aDeriveFunctionReplacesACompiledStep() throws {
        var b = IRBuilder()
        b.field("a")
        for i in 0..<8 { b.computed("x\(i)", deps: ["a"], expr: "a + \(i)") }
        let g = try CompiledGraph(b.build())
        for level in ExecutionLevel.allCases {
            let rt = try ConvergeRuntime(g, options: RuntimeOptions(level: level, mode: .full, diagnostics: .light))
            _ = try rt.transaction { txn in try txn.set("a", .number(1)) }
            #expect(try rt.state.value("x3") == .number(4))
            #expect(rt.lastSummary.vmSteps == (level.runsBytecode ? 8 : 0) && rt.lastSummary.hostCallbacks == (level == .l2 ? 1 : 0))
            try rt.derive("x3") { _ in .boolean(true) }
            _ = try rt.transaction { txn in try txn.set("a", .number(2)) }
            #expect(try rt.state.value("x3") == .boolean(true) && rt.state.value("x4") == .number(6), "\(level)")
            #expect(rt.lastSummary.vmSteps == (level.runsBytecode ? 7 : 0))
            #expect(rt.lastSummary.hostCallbacks == (level == .l2 || level.runsBytecode ? 1 : 0))
        }
    }

    @Test func mustCompileStepsFailAtInitAndTheFieldOverridesThePolicy() throws {
        var b = IRBuilder()
        b.field("a")
        b.computed("x", deps: ["a"], expr: "a ** 2", compile: .must)
        let g = try CompiledGraph(b.build())
        #expect(throws: ConvergeError(.invalidExpression, "step \"x\" (steps[0]) must compile: unsupported operator \"**\" at offset 2")) {
            _ = try ConvergeRuntime(g, options: RuntimeOptions(level: .l3))
        }
        var t = IRBuilder()
        t.field("a")
        t.computed("x", deps: ["a"], expr: "a ** 2", compile: .try)
        t.computed("y", deps: ["a"])
        var o = RuntimeOptions(level: .l3)
        o.compilePolicy = .must
        // the step's own `try` wins over the default `must`; "y" (no field) must compile and cannot
        #expect(throws: ConvergeError(.invalidExpression, "step \"y\" (steps[1]) must compile: no expr")) {
            _ = try ConvergeRuntime(try CompiledGraph(t.build()), options: o)
        }
        var bad = IRBuilder()
        bad.field("a")
        bad.step(IRStep(kind: IRStep.computed, out: "x", deps: ["a"], expr: "a", compile: "maybe"))
        #expect(throws: ConvergeError(.invalidExpression, "step \"x\" (steps[0]): compile is \"maybe\", expected \"try\" or \"must\"")) {
            _ = try ConvergeRuntime(try CompiledGraph(bad.build()))
        }
    }
}
