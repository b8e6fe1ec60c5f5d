import ConvergeBench
import Testing
@testable import ConvergeKernel

/// Transaction outcomes (semantics §7) on every execution level: 0/1 commit, Object.is, rollback
/// on a throwing step and on the budget, configuration errors that abort everything.
@Suite struct TransactionTests {
    struct Failure: Error, Equatable { let step: Int }

    /// b0, b1 → d0 = b0 + 1, d1 = b1 + 1; link m = d0; e = d0 + d1 (throws when d0 == 100).
    static func graph() throws -> CompiledGraph {
        var b = IRBuilder()
        b.field("b0"); b.field("b1")
        b.computed("d0", deps: ["b0"])
        b.computed("d1", deps: ["b1"])
        b.link("m", from: "d0")
        b.computed("e", deps: ["d0", "d1"])
        return try CompiledGraph(b.build())
    }

    static func runtime(_ g: CompiledGraph, _ level: ExecutionLevel, mode: ConvergeMode = .auto,
                        diagnostics: DiagnosticsLevel = .off) throws -> ConvergeRuntime {
        var o = RuntimeOptions(level: level, mode: mode, diagnostics: diagnostics)
        o.instrumentation = .full
        let rt = try ConvergeRuntime(g, options: o)
        try rt.derive("d0") { .number(($0.number(0) ?? .nan) + 1) }
        try rt.derive("d1") { .number(($0.number(0) ?? .nan) + 1) }
        try rt.derive("e") { i in
            let a = i.number(0) ?? .nan
            if a == 100 { throw Failure(step: 3) }
            return .number(a + (i.number(1) ?? .nan))
        }
        return rt
    }

    static func id(_ g: CompiledGraph, _ p: String) -> UInt32 { g.pathId(p)! }

    @Test(arguments: ExecutionLevel.allCases, ConvergeMode.allCases)
    func convergesAndCommitsOnce(_ level: ExecutionLevel, _ mode: ConvergeMode) throws {
        let g = try Self.graph()
        let rt = try Self.runtime(g, level, mode: mode)
        var commits = 0
        rt.observe { _ in commits += 1 }
        let r = try rt.transaction { txn in
            try txn.set(Self.id(g, "b0"), number: 1)
            try txn.set(Self.id(g, "b1"), number: 2)
        }
        #expect(r.committed && r.outcome == .ok && commits == 1)
        #expect(try rt.state.value("d0") == .number(2))
        #expect(try rt.state.value("d1") == .number(3))
        #expect(try rt.state.value("m") == .number(2))
        #expect(try rt.state.value("e") == .number(5))
        // the same values again: converge runs, nothing changes, no commit
        let again = try rt.transaction { txn in try txn.set(Self.id(g, "b0"), number: 1) }
        #expect(!again.committed && commits == 1)
        // nothing written at all: no converge, no commit
        let empty = try rt.transaction { _ in }
        #expect(!empty.committed && empty.executedMode == nil && commits == 1)
        // a write and its undo within one transaction: the final state equals the base
        let undo = try rt.transaction { txn in
            try txn.set(Self.id(g, "b1"), number: 7)
            try txn.set(Self.id(g, "b1"), number: 2)
        }
        #expect(!undo.committed && commits == 1)
        #expect(try rt.state.value("e") == .number(5))
    }

    @Test(arguments: ExecutionLevel.allCases)
    func objectIsDecidesWhetherAStepWrites(_ level: ExecutionLevel) throws {
        var b = IRBuilder()
        b.field("x")
        b.link("y", from: "x")
        let g = try CompiledGraph(b.build())
        let rt = try ConvergeRuntime(g, options: RuntimeOptions(level: level, mode: .dirty))
        let x = Self.id(g, "x")
        #expect(try rt.transaction { try $0.set(x, number: .nan) }.committed)
        #expect(try rt.state.value("y") == .number(.nan))
        // NaN over NaN: the same value, nothing written, no commit
        #expect(try !rt.transaction { try $0.set(x, number: .nan) }.committed)
        #expect(try rt.transaction { try $0.set(x, number: 0) }.committed)
        // -0 differs from +0 (Object.is): the link writes
        #expect(try rt.transaction { try $0.set(x, number: -0.0) }.committed)
        let y = try rt.state.value("y").number!
        #expect(y == 0 && y.sign == .minus)
        #expect(try rt.transaction { try $0.set(x, .null) }.committed)
        #expect(try rt.state.value("y") == .null)
        #expect(try rt.state.value("y") != .undefined)
        #expect(try rt.transaction { try $0.set(x, .boolean(true)) }.committed)
        #expect(try rt.state.value("y") == .boolean(true))
    }

    @Test(arguments: ExecutionLevel.allCases)
    func aThrowingStepRollsBackDerivedWritesAndKeepsTheReducers(_ level: ExecutionLevel) throws {
        let g = try Self.graph()
        let rt = try Self.runtime(g, level, mode: .dirty)
        _ = try rt.transaction { txn in
            try txn.set(Self.id(g, "b0"), number: 1)
            try txn.set(Self.id(g, "b1"), number: 1)
        }
        let before = rt.state.snapshot()
        var commits = 0
        rt.observe { _ in commits += 1 }
        // d0 = 100 makes e throw: d0, m (written before e) are rolled back; b0 stays
        let r = try rt.transaction { txn in try txn.set(Self.id(g, "b0"), number: 99) }
        #expect(r.outcome == .runtimeError(step: 3))
        #expect((r.stepError as? Failure) == Failure(step: 3))
        #expect(r.committed && commits == 1)
        var expected = before
        expected[Int(Self.id(g, "b0"))] = .number(99)
        #expect(rt.state.snapshot() == expected)
        // the next transaction converges normally again
        let ok = try rt.transaction { txn in try txn.set(Self.id(g, "b0"), number: 2) }
        #expect(ok.outcome == .ok)
        #expect(try rt.state.value("e") == .number(5))
    }

    @Test(arguments: ExecutionLevel.allCases)
    func theExecutionBudgetRollsBack(_ level: ExecutionLevel) throws {
        let g = try CompiledGraph(Workload.converge(steps: 100))
        var o = RuntimeOptions(level: level, mode: .full)
        o.executionBudgetMs = 1e-6   // 1 ns: exceeded at the first check, before the 33rd step
        let rt = try ConvergeRuntime(g, options: o)
        try Workload.registerConvergeFunctions(rt)
        let base = rt.state.snapshot()
        let r = try rt.transaction { txn in try txn.set(Self.id(g, "b5"), number: 5) }
        // L3 runs the 100 compiled steps as one lane batch, checked before it starts
        #expect(r.outcome == .budgetExceeded(step: level.runsBytecode ? 0 : 32))
        #expect(r.committed)   // the reducer's write stays
        var expected = base
        expected[Int(Self.id(g, "b5"))] = .number(5)
        #expect(rt.state.snapshot() == expected)
    }

    @Test(arguments: ExecutionLevel.allCases)
    func configurationErrorsAbortEverything(_ level: ExecutionLevel) throws {
        let g = try Self.graph()
        // no derive function for e
        let rt = try ConvergeRuntime(g, options: RuntimeOptions(level: level, mode: .dirty))
        try rt.derive("d0") { .number(($0.number(0) ?? .nan) + 1) }
        try rt.derive("d1") { .number(($0.number(0) ?? .nan) + 1) }
        var commits = 0
        rt.observe { _ in commits += 1 }
        let base = rt.state.snapshot()
        #expect(throws: ConvergeError.self) {
            _ = try rt.transaction { txn in try txn.set(Self.id(g, "b0"), number: 4) }
        }
        do {
            _ = try rt.transaction { txn in try txn.set(Self.id(g, "b0"), number: 4) }
        } catch let e as ConvergeError {
            #expect(e.code == .missingStepFunction && e.message.contains("\"e\""))
        }
        #expect(rt.state.snapshot() == base && commits == 0)

        // a step that writes a slot (and swallows the error)
        var captured: Transaction?
        try rt.derive("e") { _ in
            try? captured?.set(Self.id(g, "b1"), number: 1)
            return .number(0)
        }
        do {
            _ = try rt.transaction { txn in
                captured = txn
                try txn.set(Self.id(g, "b0"), number: 4)
            }
            Issue.record("a write from inside a step must abort the transaction")
        } catch let e as ConvergeError {
            #expect(e.code == .writeOutsideReducer)
        }
        #expect(rt.state.snapshot() == base && commits == 0)
        // writing through the ended transaction
        #expect(throws: ConvergeError(.writeOutsideReducer, "write through transaction 3, which has ended")) {
            try captured?.set(Self.id(g, "b0"), number: 1)
        }

        // a nested transaction
        try rt.derive("e") { _ in .number(0) }
        _ = try rt.transaction { txn in
            try txn.set(Self.id(g, "b1"), number: 8)
            #expect(throws: ConvergeError.self) { _ = try rt.transaction { _ in } }
        }
        #expect(try rt.state.value("d1") == .number(9))

        // the reducer throws: nothing written
        let before = rt.state.snapshot()
        #expect(throws: Failure.self) {
            _ = try rt.transaction { txn in
                try txn.set(Self.id(g, "b0"), number: 50)
                throw Failure(step: -1)
            }
        }
        // an unknown id
        #expect(throws: ConvergeError.self) {
            _ = try rt.transaction { txn in
                try txn.set(Self.id(g, "b0"), number: 51)
                try txn.set(UInt32(g.pathCount), number: 1)
            }
        }
        #expect(rt.state.snapshot() == before)
    }

    @Test(arguments: ExecutionLevel.allCases)
    func dirtyAllMarksRunTheWholeScope(_ level: ExecutionLevel) throws {
        let g = try Self.graph()
        let rt = try Self.runtime(g, level, mode: .dirty)
        let r = try rt.transaction { txn in try txn.markDirty(path: "nope.unknown") }
        #expect(r.executedMode == .dirty)
        #expect(try rt.state.value("e") == .number(.nan))   // undefined + 1 … everywhere
        #expect(r.committed)
    }
}
