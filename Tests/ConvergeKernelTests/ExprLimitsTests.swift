import CKernel
import ConvergeKernelTestSupport
import Foundation
import Testing
@testable import ConvergeKernel

/// Hostile expressions: the parser's bounds (text length, nesting depth) hold exactly at the
/// documented limits and refuse one past them, in bounded time, before a deep tree exists; every
/// walk over a tree at the limit (parse, evaluate, compile, `==`, print, release) fits a 512 KB
/// thread stack; and what the bytecode compiler accepts, the kernel's verifier loads.
@Suite struct ExprLimitsTests {
    static let deps = ["a", "b", "c"]
    static let limit = ExprParser.maxDepth
    static let nesting = ExprParser.maxNesting

    func parseError(_ text: String) -> ConvergeError? {
        do {
            _ = try ExprParser.parse(text, deps: Self.deps)
            return nil
        } catch {
            return error
        }
    }

    func tooDeep(at offset: Int) -> String {
        "expression is more than \(Self.limit) operators deep at offset \(offset); the limit is \(Self.limit)"
    }

    func tooNested(at offset: Int) -> String {
        "expression nests more than \(Self.nesting) levels deep at offset \(offset); the limit is \(Self.nesting)"
    }

    /// `n` terms joined by `op` (a left chain of height n).
    static func chain(_ op: String, _ n: Int, term: String = "b") -> String {
        Array(repeating: term, count: n).joined(separator: op)
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let t0 = Date()
        try body()
        return Date().timeIntervalSince(t0)
    }

    // MARK: - the documented limits, exactly

    @Test func theLimitsAreTheDocumentedOnes() {
        #expect(ExprParser.maxDepth == 500)
        #expect(ExprParser.maxNesting == 32)
        #expect(ExprParser.maxLength == 65_536)
        #expect(BytecodeCompiler.maxInstructions == Int(CK_VM_MAX_PROGRAM))
        #expect(BytecodeCompiler.maxRegisters == Int(CK_VM_MAX_REGS))
        #expect(ExprCompiler.maxGraphInstructions == Int(CK_MAX_EDGES))
        #expect(ExprCompiler.maxGraphConstants == Int(CK_VM_MAX_CONSTS))
    }

    /// The issue's finding 3: the message said 200 while 100 parentheses already failed.
    @Test func parenthesesNestExactlyToTheLimit() throws {
        let n = Self.nesting
        let at = String(repeating: "(", count: n) + "a" + String(repeating: ")", count: n)
        #expect(try ExprParser.parse(at, deps: Self.deps) == .dep(0))
        let over = String(repeating: "(", count: n + 1) + "a" + String(repeating: ")", count: n + 1)
        #expect(parseError(over)?.message == tooNested(at: n))
    }

    @Test func prefixOperatorsConditionalsAndCallsNestExactlyToTheLimit() throws {
        let n = Self.nesting
        #expect(parseError(String(repeating: "!", count: n) + "a") == nil)
        #expect(parseError(String(repeating: "- ", count: n + 1) + "a")?.message == tooNested(at: 2 * n))
        // right-nested ?: — each ?: is a level
        #expect(parseError(String(repeating: "a ? b : ", count: n) + "c") == nil)
        #expect(parseError(String(repeating: "a ? b : ", count: n + 1) + "c")?.message == tooNested(at: 8 * n + 2))
        // nested calls
        #expect(parseError(String(repeating: "Math.abs(", count: n) + "a" + String(repeating: ")", count: n)) == nil)
        #expect(parseError(String(repeating: "Math.abs(", count: n + 1) + "a" + String(repeating: ")", count: n + 1))?.message
            == tooNested(at: 9 * n + 8))
    }

    @Test(arguments: ["+", " && ", " ?? ", " < ", " === ", " || ", " * ", " - "])
    func leftChainsAreBoundedByTheSameLimit(_ op: String) throws {
        let n = Self.limit
        #expect(parseError(Self.chain(op, n)) == nil)
        // the (n)th operator makes the tree n + 1 high: refused at that operator
        let over = Self.chain(op, n + 1)
        let offset = n * 1 + (n - 1) * op.utf8.count + (op.utf8.count - op.trimmingCharacters(in: .whitespaces).utf8.count) / 2
        #expect(parseError(over)?.message == tooDeep(at: offset))
    }

    /// The issue's inputs: 150,000- and 1,000,000-term chains used to crash the bytecode compiler
    /// (signal 11) — now refused before any tree is built, in well under a second.
    @Test(arguments: [("+", 150_000), (" && ", 1_000_000), (" ?? ", 1_000_000), (" < ", 1_000_000), (" === ", 1_000_000)])
    func hugeChainsAreRefusedQuickly(_ op: String, _ n: Int) throws {
        let text = Self.chain(op, n)
        var error: ConvergeError?
        let t = Self.seconds { error = parseError(text) }
        #expect(error?.code == .invalidExpression)
        #expect(error?.message == "expression is \(text.utf8.count) bytes long; the limit is 65536")
        #expect(t < 10, "took \(t) s")
        // under the length limit, a long flat chain is refused by depth
        let short = Self.chain(op, 20_000 / op.utf8.count)
        #expect(parseError(short)?.message.hasPrefix("expression is more than 500 operators deep at offset ") == true)
    }

    @Test func textLengthLimitIsExact() throws {
        let at = "a" + String(repeating: " ", count: ExprParser.maxLength - 1)
        #expect(parseError(at) == nil)
        #expect(parseError(at + " ")?.message == "expression is 65537 bytes long; the limit is 65536")
    }

    @Test func hugeGraphStepFallsBackUnderTryAndNamesTheStepUnderMust() throws {
        var b = IRBuilder()
        b.field("b")
        b.computed("ok", deps: ["b"], expr: "b + 1")
        b.computed("d0", deps: ["b"], expr: Self.chain("+", 150_000))
        b.computed("d1", deps: ["b"], expr: Self.chain("+", 2_000))
        let g = try CompiledGraph(b.build())
        let report = try ExprCompiler.compile(g, policy: .try)
        #expect(report.compiledCount == 1)
        #expect(report.entry(out: "d0")?.fallbackReason == "expression is 299999 bytes long; the limit is 65536")
        #expect(report.entry(out: "d1")?.fallbackReason == tooDeep(at: 999))
        #expect(throws: ConvergeError(.invalidExpression, #"step "d0" (steps[1]) must compile: expression is 299999 bytes long; the limit is 65536"#)) {
            try ExprCompiler.compile(g, policy: .must)
        }
    }

    // MARK: - every walk over a tree at the limit fits a small stack

    /// Trees at the limits, of every shape that nests or grows tall.
    static func deepestTexts() -> [String] {
        let n = nesting, h = limit
        return [
            String(repeating: "(", count: n) + "a" + String(repeating: ")", count: n),
            String(repeating: "- ", count: n) + "a",
            String(repeating: "!", count: n) + "a",
            chain("+", h, term: "a"),
            chain(" ?? ", h, term: "a"),
            chain(" && ", h, term: "a"),
            String(repeating: "a ? b : ", count: n) + "c",
            String(repeating: "(a ? ", count: n / 2) + "b" + String(repeating: " : c)", count: n / 2),
            String(repeating: "Math.abs(", count: n) + "a" + String(repeating: ")", count: n),
            String(repeating: "Math.max(a, ", count: n) + "a" + String(repeating: ")", count: n),
            String(repeating: "a && (", count: n) + "a" + String(repeating: ")", count: n),
            String(repeating: "a + (", count: n) + "a" + String(repeating: ")", count: n),
            String(repeating: "a * -(a || Math.abs(a ? ", count: n / 4) + "a" + String(repeating: " : a))", count: n / 4),
            // tall and nested at once: a chain whose operands nest
            chain(" + ", h - n - 1, term: "a") + " + " + String(repeating: "(a - ", count: n) + "a" + String(repeating: ")", count: n),
        ]
    }

    /// Runs `body` on a thread with a 512 KB stack (the default of secondary threads) and waits.
    static func onSmallStack(_ body: @escaping @Sendable () -> Void) {
        let done = DispatchSemaphore(value: 0)
        let t = Thread {
            body()
            done.signal()
        }
        t.stackSize = 512 * 1024
        t.start()
        done.wait()
    }

    @Test func everyWalkOfTheDeepestTreesFitsA512KBStack() throws {
        let texts = Self.deepestTexts()
        final class Box: @unchecked Sendable { var out: [String] = [] }   // the semaphore orders the accesses
        let results = Box()
        Self.onSmallStack {
            var out: [String] = []
            for text in texts {
                do throws(ConvergeError) {
                    let a = try ExprParser.parse(text, deps: Self.deps)
                    let b = try ExprParser.parse(text, deps: Self.deps)
                    let v = ExprEvaluator.evaluate(a, deps: [.number(1), .number(2), .number(3)])
                    let same = a == b
                    let printed = String(describing: a).count
                    var compiled = "compiled"
                    do throws(ConvergeError) { _ = try BytecodeCompiler.compile(a, inputPaths: [0, 1, 2]) } catch { compiled = error.message }
                    out.append("\(same) \(printed > 0) \(v) \(compiled)")
                } catch {
                    out.append("error: \(error.message)")
                }
                // a and b are released here, on the small stack
            }
            results.out = out
        }
        let out = results.out
        #expect(out.count == texts.count)
        for (text, line) in zip(texts, out) {
            #expect(line.hasPrefix("true true"), "\(text.prefix(40))…: \(line)")
        }
    }

    // MARK: - what compiles loads

    @Test func programsCompileExactlyUpToTheVerifiersLengthLimit() throws {
        let max = BytecodeCompiler.maxInstructions
        let atLimit = try ExprParser.parse(ExprTexts.instructions(max), deps: [])
        #expect(try BytecodeCompiler.compile(atLimit, inputPaths: []).instructions.count == max)
        let over = try ExprParser.parse(ExprTexts.instructions(max + 1), deps: [])
        #expect(throws: ConvergeError(.invalidExpression, "the expression compiles to more than 65535 instructions; the limit is 65535 per step")) {
            try BytecodeCompiler.compile(over, inputPaths: [])
        }
        var b = IRBuilder()
        b.field("x")
        b.computed("long", deps: ["x"], expr: ExprTexts.instructions(max))
        b.computed("tooLong", deps: ["x"], expr: ExprTexts.instructions(max + 1))
        let g = try CompiledGraph(b.build())
        let report = try ExprCompiler.compile(g, policy: .try)
        #expect(report.entry(out: "long")?.compiled != nil)
        #expect(report.entry(out: "tooLong")?.fallbackReason == "the expression compiles to more than 65535 instructions; the limit is 65535 per step")
        let code = try #require(report.bytecode)
        #expect(code.compiledSteps == 1)
        let planner = try NativeKernel(g, options: NativeOptions())
        try planner.loadCode(code)   // the issue: this used to be refused ("too long")
        #expect(try planner.evaluate(step: 0).number != nil)
        #expect(throws: ConvergeError(.invalidExpression, #"step "tooLong" (steps[1]) must compile: the expression compiles to more than 65535 instructions; the limit is 65535 per step"#)) {
            try ExprCompiler.compile(g, policy: .must)
        }
        // and the artifact of it opens
        let bytes = try Artifact.encode(g, policy: .try)
        try Artifact(bytes: bytes).validateKernel()
    }

    /// The parser's limits keep parsed expressions far below 255 registers; a tree built in
    /// code can need more, and the compiler refuses it exactly past the limit.
    @Test func registersCompileExactlyUpToTheVerifiersLimit() throws {
        func rightNested(_ levels: Int) -> ExprNode {
            var n = ExprNode.dep(0)
            for _ in 0..<levels { n = .binary(.subtract, .dep(0), n) }
            return n
        }
        let at = try BytecodeCompiler.compile(rightNested(254), inputPaths: [0])
        #expect(at.registers == 255)
        #expect(throws: ConvergeError(.invalidExpression, "the expression needs more than 255 registers (nested too deeply to the right); the limit is 255")) {
            try BytecodeCompiler.compile(rightNested(255), inputPaths: [0])
        }
        // and what it accepts loads
        var b = IRBuilder()
        b.field("a")
        b.computed("d", deps: ["a"], expr: "a")
        let g = try CompiledGraph(b.build())
        var code = Bytecode(stepCount: 1)
        code.instructions = at.instructions.map { i in
            var i = i
            if i.op == .lddep { i.imm = g.pathId("a")! }
            return i
        }
        code.stepOffsets = [0, UInt32(at.instructions.count)]
        code.stepRegisters = [UInt8(at.registers)]
        try NativeKernel(g, options: NativeOptions()).loadCode(code)
    }

    @Test func graphWideLimitsFallBackNamingTheLimit() throws {
        var b = IRBuilder()
        b.field("x")
        b.computed("s0", deps: ["x"], expr: "x + 1 + 2")      // 6 instructions, 2 constants
        b.computed("s1", deps: ["x"], expr: "x + 2 + 3")      // 6 instructions, 1 new constant
        b.computed("s2", deps: ["x"], expr: "x + 1")          // 4 instructions, no new constant
        let g = try CompiledGraph(b.build())
        let byInstructions = try ExprCompiler.compile(g, policy: .try, limits: (instructions: 11, constants: 10))
        #expect(byInstructions.entries.map { $0.fallbackReason ?? "ok" } ==
                ["ok", "the graph's bytecode would exceed 11 instructions; the limit is 11", "ok"])
        let byConstants = try ExprCompiler.compile(g, policy: .try, limits: (instructions: 100, constants: 2))
        #expect(byConstants.entries.map { $0.fallbackReason ?? "ok" } ==
                ["ok", "the graph's bytecode would exceed 2 distinct constants; the limit is 2", "ok"])
        for report in [byInstructions, byConstants] {
            let planner = try NativeKernel(g, options: NativeOptions())
            try planner.loadCode(try #require(report.bytecode))
        }
    }

    /// Random programs of every size, up to and past the per-program limits: whatever the
    /// compiler accepts, the kernel's verifier loads, and the VM equals the evaluator on it.
    @Test(arguments: [UInt64(0x11_0001), 0x11_0002, 0x11_0003])
    func compiledImpliesLoads(_ seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        func expr(_ budget: Int, _ depth: Int) -> String {
            if budget <= 1 || depth >= 14 {   // at most 28 levels of nesting
                switch rng.next() % 6 {
                case 0: return "a"
                case 1: return "b"
                case 2: return "c"
                case 3: return "\(rng.next() % 100)"
                case 4: return "null"
                default: return "undefined"
                }
            }
            switch rng.next() % 8 {
            case 0: return "-" + expr(budget - 1, depth + 1)
            case 1: return "!" + expr(budget - 1, depth + 1)
            case 2:
                let k = Int(rng.next() % UInt64(budget))
                return "(" + expr(k, depth + 1) + ["+", " === ", "<", "*", "%"][Int(rng.next() % 5)] + expr(budget - k, depth + 1) + ")"
            case 3:
                let k = Int(rng.next() % UInt64(budget))
                return "(" + expr(k, depth + 1) + [" && ", " || ", " ?? "][Int(rng.next() % 3)] + expr(budget - k, depth + 1) + ")"
            case 4:
                let k = budget / 3
                return "(" + expr(k, depth + 1) + " ? " + expr(k, depth + 1) + " : " + expr(budget - 2 * k, depth + 1) + ")"
            case 5:
                let n = 1 + Int(rng.next() % 4)
                return "Math.max(" + (0..<n).map { _ in expr(budget / n, depth + 1) }.joined(separator: ", ") + ")"
            case 6:
                return "Math.round(" + expr(budget - 1, depth + 1) + ")"
            default:
                return Array(repeating: "a", count: Swift.min(budget, 300)).joined(separator: "+")
            }
        }
        var texts: [String] = []
        for i in 0..<24 {
            let budget = [1, 10, 100, 1_000, 10_000, 40_000][i % 6]
            texts.append(expr(budget, 0))
        }
        // right nesting at and past the register limit
        texts.append(String(repeating: "a - (", count: 254) + "b" + String(repeating: ")", count: 254))
        texts.append(String(repeating: "a - (", count: 255) + "b" + String(repeating: ")", count: 255))
        var b = IRBuilder()
        for d in Self.deps { b.field(d) }
        for (i, t) in texts.enumerated() { b.computed("o\(i)", deps: Self.deps, expr: t) }
        let g = try CompiledGraph(b.build())
        let report = try ExprCompiler.compile(g, policy: .try)
        #expect(report.compiledCount > 0 && report.fallbackCount > 0, "\(report.entries.map { $0.fallbackReason ?? "ok" })")
        let code = try #require(report.bytecode)
        let planner = try NativeKernel(g, options: NativeOptions())
        try planner.loadCode(code)
        let view = planner.stateView()
        for (k, v) in [ConvergeValue.number(2.5), .null, .number(-0.0)].enumerated() {
            let p = Int(g.pathId(Self.deps[k])!)
            view.tags[p] = v.tag
            view.values[p] = v.payload
        }
        let stepOfDecl = g.stepIdsByDeclaration()
        for entry in report.entries {
            guard let expr = entry.compiled else { continue }
            let got = try planner.evaluate(step: stepOfDecl[entry.stepIndex])
            let want = expr.evaluate([.number(2.5), .null, .number(-0.0)])
            #expect(ExprNodeDifferentialTests.spell(got) == ExprNodeDifferentialTests.spell(want), "\(entry.out)")
        }
        try Artifact(bytes: Artifact.encode(g, policy: .try)).validateKernel()
    }
}
