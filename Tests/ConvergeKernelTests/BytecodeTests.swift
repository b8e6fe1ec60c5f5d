import CKernel
import Foundation
import Testing
@testable import ConvergeKernel

/// L3's bytecode: what the compiler emits, the kernel's verifier (one broken program per rule,
/// each a typed error naming the rule, step and instruction, the kernel left unchanged), the VM
/// against the Swift evaluator on random expressions and edge values, and ck_fmod against libm.
@Suite struct BytecodeTests {
    static func graph(_ exprs: [String], deps: [String] = ["a", "u.age", "c"]) throws -> CompiledGraph {
        var b = IRBuilder()
        for d in deps { b.field(d) }
        for (i, e) in exprs.enumerated() { b.computed("o\(i)", deps: deps, expr: e) }
        return try CompiledGraph(b.build())
    }

    static func planner(_ g: CompiledGraph) throws -> NativeKernel { try NativeKernel(g, options: NativeOptions()) }

    static func set(_ p: NativeKernel, _ g: CompiledGraph, _ path: String, _ v: ConvergeValue) {
        let id = Int(g.pathId(path)!)
        let view = p.stateView()
        view.tags[id] = v.tag
        view.values[id] = v.payload
    }

    @Test func compilesTheWorkloadExpressionToFourInstructions() throws {
        let g = try Self.graph(["a + 1"], deps: ["a"])
        let report = try ExprCompiler.compile(g, policy: .must)
        let program = try #require(report.bytecode?.program(step: 0))
        let a = g.pathId("a")!
        #expect(program.instructions == [Instruction(.lddep, a: 0, imm: a), Instruction(.ldnum, a: 1, imm: 0),
                                         Instruction(.add, a: 0, b: 0, c: 1), Instruction(.ret, a: 0)])
        #expect(program.registers == 2)
        #expect(program.constants == [1])
        #expect(program.instructions.map(\.description) == ["LDDEP r0, slot \(a)", "LDNUM r1, const 0", "ADD r0, r0, r1", "RET r0"])
    }

    @Test func leftChainsUseTwoRegistersAndConstantsAreShared() throws {
        let g = try Self.graph(["a + a + a + a + a + 1", "a * 1 + 2", "Math.max()"], deps: ["a"])
        let code = try #require(try ExprCompiler.compile(g, policy: .must).bytecode)
        #expect(code.stepRegisters == [2, 2, 1])
        #expect(code.constants.map(\.bitPattern) == [1.0, 2.0, -Double.infinity].map(\.bitPattern))
        #expect(code.compiledSteps == 3)
    }

    @Test func selectsReplaceShortCircuits() throws {
        let g = try Self.graph(["a && c", "a || c", "a ?? c", "a ? c : u.age"])
        let code = try #require(try ExprCompiler.compile(g, policy: .must).bytecode)
        #expect(code.program(step: 0)!.instructions[2] == Instruction(.sel, a: 0, b: 0, c: 1, imm: 0))
        #expect(code.program(step: 1)!.instructions[2] == Instruction(.sel, a: 0, b: 0, c: 0, imm: 1))
        #expect(code.program(step: 2)!.instructions[2] == Instruction(.seln, a: 0, b: 0, c: 1))
        #expect(code.program(step: 3)!.instructions[3] == Instruction(.sel, a: 0, b: 0, c: 1, imm: 2))
    }

    // MARK: - the VM against the Swift evaluator

    @Test(arguments: [UInt64(0xB0_0001), 0xB0_0002, 0xB0_0003])
    func vmEqualsTheEvaluator(_ seed: UInt64) throws {
        var rng = SplitMix(seed: seed)
        var texts: [String] = []
        for _ in 0..<800 { texts.append(ExprNodeDifferentialTests.expression(&rng, depth: 1 + Int(rng.next() % 4))) }
        let g = try Self.graph(texts)
        let report = try ExprCompiler.compile(g, policy: .try)
        let code = try #require(report.bytecode)
        let p = try Self.planner(g)
        try p.loadCode(code)
        #expect(p.codeInfo.compiledSteps == report.compiledCount)
        #expect(report.compiledCount > texts.count / 2)
        let values = ExprNodeDifferentialTests.values.map(\.value)
        var failures: [String] = []
        var checked = 0
        for _ in 0..<6 {
            let input = (0..<3).map { _ in values[Int(rng.next() % UInt64(values.count))] }
            for (d, v) in zip(["a", "u.age", "c"], input) { Self.set(p, g, d, v) }
            for entry in report.entries {
                guard let expr = entry.compiled else { continue }
                let s = g.topoOrder.firstIndex(of: entry.stepIndex)!
                let want = ExprEvaluator.evaluate(expr.root, deps: input)
                let got = try p.evaluate(step: s)
                checked += 1
                if ExprNodeDifferentialTests.spell(got) != ExprNodeDifferentialTests.spell(want) {
                    failures.append("\(texts[entry.stepIndex]) with \(input): vm \(got), swift \(want)")
                }
            }
        }
        #expect(failures.isEmpty, "seed \(seed): \(failures.count) of \(checked) differ; first: \(failures.prefix(8).joined(separator: "\n"))")
    }

    @Test func fmodEqualsLibm() {
        var rng = SplitMix(seed: 0xF00D)
        let specials: [Double] = [0, -0.0, 1, -1, 0.5, 3, -3, 7.5, .infinity, -.infinity, .nan, .leastNonzeroMagnitude,
                                  -.leastNonzeroMagnitude, .leastNormalMagnitude, .greatestFiniteMagnitude, Double(bitPattern: 0x000B_8157_2689_5C80), Double(bitPattern: 0x0000_0000_0000_17B8),
                                  2.5e-308, 1e308, 0.1, 1e16, 9007199254740992]
        var pairs: [(Double, Double)] = []
        for x in specials { for y in specials { pairs.append((x, y)) } }
        for _ in 0..<50_000 {
            // random bit patterns (every exponent, subnormals included) and nearby magnitudes
            let x = Double(bitPattern: rng.next()), y = Double(bitPattern: rng.next())
            pairs.append((x, y))
            let e = Int(rng.next() % 60)
            pairs.append((x, x / Double(sign: .plus, exponent: e, significand: 1) + Double(rng.next() % 7)))
        }
        var bad: [String] = []
        for (x, y) in pairs {
            let want = fmod(x, y), got = ck_fmod(x, y)
            let same = want.isNaN ? got.isNaN : want.bitPattern == got.bitPattern
            if !same { bad.append("fmod(\(x), \(y)) = \(want), ck_fmod \(got)") }
        }
        #expect(bad.isEmpty, "\(bad.count) of \(pairs.count) differ: \(bad.prefix(5))")
    }

    // MARK: - verification

    /// A graph of a computed step (deps a, c), a link and a host step (no expr), and its valid code.
    static func verifierFixture() throws -> (CompiledGraph, Bytecode) {
        var b = IRBuilder()
        b.field("a"); b.field("c")
        b.computed("x", deps: ["a", "c"], expr: "a + c * 2")
        b.link("y", from: "a")
        b.computed("z", deps: ["a"])
        let g = try CompiledGraph(b.build())
        let code = try #require(try ExprCompiler.compile(g, policy: .try).bytecode)
        return (g, code)
    }

    static func rejected(_ g: CompiledGraph, _ code: Bytecode) throws -> ConvergeError? {
        let p = try planner(g)
        do { try p.loadCode(code) } catch { return error }
        return nil
    }

    @Test func theVerifierAcceptsTheCompilersCode() throws {
        let (g, code) = try Self.verifierFixture()
        let p = try Self.planner(g)
        try p.loadCode(code)
        #expect(p.codeInfo.compiledSteps == 1)
        #expect(p.codeInfo.maxRegisters == 3)
    }

    /// Each case breaks one rule; the error names it (and the step/instruction where it applies).
    @Test func theVerifierRejectsEachBrokenRule() throws {
        let (g, good) = try Self.verifierFixture()
        let x = g.topoOrder.firstIndex(of: 0)!     // the compiled step
        let link = g.topoOrder.firstIndex(of: 1)!
        let host = g.topoOrder.firstIndex(of: 2)!
        let base = Int(good.stepOffsets[x])
        func edit(_ f: (inout Bytecode) -> Void) -> Bytecode { var c = good; f(&c); return c }
        func insn(_ pc: Int, _ f: @escaping (inout Instruction) -> Void) -> Bytecode { edit { f(&$0.instructions[base + pc]) } }
        let cases: [(String, Bytecode, String)] = [
            ("step count", Bytecode(stepCount: g.stepCount + 1), "steps; the graph has a different count"),
            ("offsets", edit { $0.stepOffsets[0] = 1 }, "stepOffsets[0]: offset 1 is out of order"),
            ("link code", edit { c in
                // move the program to the link's slot
                c = Bytecode(stepCount: g.stepCount)
                c.instructions = good.program(step: x)!.instructions
                c.constants = good.constants
                for s in 0...g.stepCount { c.stepOffsets[s] = s > link ? UInt32(c.instructions.count) : 0 }
                c.stepRegisters[link] = good.stepRegisters[x]
            }, "step \(link): is a link"),
            ("registers 0", edit { $0.stepRegisters[x] = 0 }, "step \(x): register count 0 is invalid"),
            ("registers on a host step", edit { $0.stepRegisters[host] = 2 }, "step \(host): register count 2 is invalid"),
            ("register", insn(2) { $0.a = 9 }, "register r9 is beyond the step's register count"),
            ("unset register", insn(0) { $0.a = 2 }, "register r0 is read before it is written"),
            ("const", insn(2) { $0.imm = 99 }, "constant index 99 is beyond"),
            ("slot", insn(0) { $0.imm = UInt32(g.pathId("x")!) }, "slot \(g.pathId("x")!) is not one of the step's dep paths"),
            ("literal", insn(2) { $0 = Instruction(.ldlit, a: 2, b: 3) }, "literal tag 3 bit 0 is not undefined, null, false or true"),
            ("reserved", insn(0) { $0.c = 5 }, "an operand the opcode does not use is 5"),
            ("no ret", insn(5) { $0 = Instruction(.add, a: 0, b: 0, c: 0) }, "the program must end with its only RET"),
            ("ret not last", insn(4) { $0 = Instruction(.ret, a: 0) }, "the program must end with its only RET"),
        ]
        for (name, code, message) in cases {
            let error = try Self.rejected(g, code)
            #expect(error?.code == .invalidBytecode, "\(name): \(String(describing: error))")
            #expect(error?.message.contains(message) == true, "\(name): \(error?.message ?? "accepted")")
        }
        // unknown opcodes cannot be spelled with Opcode: build the raw C struct
        var err = ck_error_t()
        let p = try Self.planner(g)
        var insns = good.instructions.map(\.c_)
        insns[base].op = 200
        let status = good.stepOffsets.withUnsafeBufferPointer { o in
            good.stepRegisters.withUnsafeBufferPointer { r in
                insns.withUnsafeBufferPointer { i in
                    good.constants.withUnsafeBufferPointer { k in
                        var c = ck_code_t(step_count: UInt32(g.stepCount), step_offsets: o.baseAddress, step_regs: r.baseAddress,
                                          insns: i.baseAddress, consts: k.baseAddress, const_count: UInt32(k.count))
                        return ck_kernel_load_code(p.kernel, &c, &err)
                    }
                }
            }
        }
        #expect(status == CK_ERR_BAD_CODE && err.fault == CK_FAULT_OPCODE && err.index == UInt64(base) && err.value == 200)
    }

    @Test func aRejectedLoadLeavesTheLoadedCodeInPlace() throws {
        let (g, good) = try Self.verifierFixture()
        let p = try Self.planner(g)
        try p.loadCode(good)
        var bad = good
        bad.stepRegisters[g.topoOrder.firstIndex(of: 0)!] = 0
        #expect(throws: ConvergeError.self) { try p.loadCode(bad) }
        #expect(p.codeInfo.compiledSteps == 1)
        Self.set(p, g, "a", .number(1)); Self.set(p, g, "c", .number(2))
        #expect(try p.evaluate(step: g.topoOrder.firstIndex(of: 0)!) == .number(5))
        p.unloadCode()
        #expect(p.codeInfo.compiledSteps == 0)
    }

    /// Random single-field corruptions of valid code: always a typed error or a clean load, and a
    /// loaded program always runs (ASan/UBSan in CI watch the VM).
    @Test func randomCorruptionsNeverCrash() throws {
        var rng = SplitMix(seed: 0xBAD_C0DE)
        var texts: [String] = []
        for _ in 0..<40 { texts.append(ExprNodeDifferentialTests.expression(&rng, depth: 3)) }
        let g = try Self.graph(texts)
        let good = try #require(try ExprCompiler.compile(g, policy: .try).bytecode)
        guard !good.instructions.isEmpty else { return }
        var rejectedCount = 0, accepted = 0
        for _ in 0..<3000 {
            var c = good
            let i = Int(rng.next() % UInt64(c.instructions.count))
            switch rng.next() % 6 {
            case 0: c.instructions[i].a = UInt8(truncatingIfNeeded: rng.next())
            case 1: c.instructions[i].b = UInt8(truncatingIfNeeded: rng.next() % 8)
            case 2: c.instructions[i].c = UInt8(truncatingIfNeeded: rng.next() % 8)
            case 3: c.instructions[i].imm = UInt32(truncatingIfNeeded: rng.next() % 16)
            case 4: c.instructions[i].op = Opcode.allCases[Int(rng.next() % UInt64(Opcode.allCases.count))]
            default:
                let s = Int(rng.next() % UInt64(c.stepRegisters.count))
                c.stepRegisters[s] = UInt8(truncatingIfNeeded: rng.next() % 6)
            }
            let p = try Self.planner(g)
            do {
                try p.loadCode(c)
                accepted += 1
                for s in 0..<g.stepCount where c.stepOffsets[s + 1] > c.stepOffsets[s] { _ = try p.evaluate(step: s) }
            } catch {
                #expect(error.code == .invalidBytecode, "\(error)")
                rejectedCount += 1
            }
        }
        #expect(rejectedCount > 0 && accepted > 0)
    }
}
