// Bytecode.swift — the VM's instruction set and a graph's bytecode (CKB1), as the kernel loads it.

/// One VM instruction (docs/bytecode.md): `op`, three byte operands and a 32-bit immediate.
public struct Instruction: Sendable, Equatable, Hashable, CustomStringConvertible {
    public var op: Opcode
    public var a: UInt8
    public var b: UInt8
    public var c: UInt8
    public var imm: UInt32

    public init(_ op: Opcode, a: UInt8 = 0, b: UInt8 = 0, c: UInt8 = 0, imm: UInt32 = 0) {
        self.op = op
        self.a = a
        self.b = b
        self.c = c
        self.imm = imm
    }

    /// Disassembly, e.g. `ADD r0, r0, r1` or `LDDEP r1, slot 7`.
    public var description: String {
        switch op {
        case .lddep: "LDDEP r\(a), slot \(imm)"
        case .ldnum: "LDNUM r\(a), const \(imm)"
        case .ldlit:
            "LDLIT r\(a), " + (b == ConvergeValue.booleanTag ? (c == 1 ? "true" : "false") : b == ConvergeValue.nullTag ? "null" : "undefined")
        case .ret: "RET r\(a)"
        case .sel: "SEL r\(a), r\(b) ? r\(c) : r\(imm)"
        case .seln: "SELN r\(a), r\(b) ?? r\(c)"
        case .tonum, .neg, .not, .abs, .floor, .ceil, .round, .trunc, .sign, .sqrt: "\(op.name) r\(a), r\(b)"
        default: "\(op.name) r\(a), r\(b), r\(c)"
        }
    }

}

/// The VM's opcodes, numbered as `ck_opcode_t` (docs/bytecode.md).
public enum Opcode: UInt8, Sendable, CaseIterable {
    case lddep = 1, ldnum, ldlit, tonum, neg, not, add, sub, mul, div, mod, seq, sne, lt, le, gt, ge
    case abs, floor, ceil, round, trunc, sign, sqrt, max, min, sel, seln, ret

    /// The mnemonic (`ADD`, `LDDEP`, …).
    public var name: String { String(describing: self).uppercased() }
}

/// One step's program: straight-line register code ending with `RET`.
public struct StepProgram: Sendable, Equatable {
    public var instructions: [Instruction]
    /// Registers used (`r0 … r(registers−1)`).
    public var registers: Int
    /// The numbers its `LDNUM`s load (from ``BytecodeCompiler``: its own pool, `imm` indexes it;
    /// from ``Bytecode/program(step:)``: the graph's pool).
    public var constants: [Double]
}

/// The bytecode of a graph (`ck_code_t`): one program per compiled step, indexed by step id
/// (topological position); steps without one run as host steps (or are links).
public struct Bytecode: Sendable, Equatable {
    /// `[stepCount + 1]` instruction ranges.
    public var stepOffsets: [UInt32]
    /// `[stepCount]` registers per program (0 without one).
    public var stepRegisters: [UInt8]
    public var instructions: [Instruction]
    /// The numbers `LDNUM` loads (deduplicated by bit pattern).
    public var constants: [Double]

    public var stepCount: Int { stepRegisters.count }

    /// Bytecode with no programs for a graph of `stepCount` steps.
    public init(stepCount: Int) {
        stepOffsets = Array(repeating: 0, count: stepCount + 1)
        stepRegisters = Array(repeating: 0, count: stepCount)
        instructions = []
        constants = []
    }

    /// Raw tables, as given (the kernel verifies them when loaded).
    public init(stepOffsets: [UInt32], stepRegisters: [UInt8], instructions: [Instruction], constants: [Double]) {
        self.stepOffsets = stepOffsets
        self.stepRegisters = stepRegisters
        self.instructions = instructions
        self.constants = constants
    }

    /// Step `s`'s program, or nil.
    public func program(step s: Int) -> StepProgram? {
        let lo = Int(stepOffsets[s]), hi = Int(stepOffsets[s + 1])
        guard hi > lo else { return nil }
        return StepProgram(instructions: Array(instructions[lo..<hi]), registers: Int(stepRegisters[s]), constants: constants)
    }

    /// The same bytecode without the programs of the steps `drop` selects (they become host steps).
    public func removingPrograms(where drop: (Int) -> Bool) -> Bytecode {
        var c = Bytecode(stepCount: stepCount)
        c.constants = constants
        c.instructions.reserveCapacity(instructions.count)
        for s in 0..<stepCount {
            c.stepOffsets[s] = UInt32(c.instructions.count)
            let lo = Int(stepOffsets[s]), hi = Int(stepOffsets[s + 1])
            if hi > lo && !drop(s) {
                c.instructions += instructions[lo..<hi]
                c.stepRegisters[s] = stepRegisters[s]
            }
        }
        c.stepOffsets[stepCount] = UInt32(c.instructions.count)
        return c
    }

    /// The CKB1 blob (docs/kernel-abi.md, "Bytecode blob"): how a host hands bytecode to the
    /// wasm kernel (`ckw_load_code`). Little-endian: 8 × uint32 header (magic `0x31424B43`
    /// "CKB1", version 1, steps S, instructions I, constants C, three zeros), then the constants
    /// (C × f64), the instructions (I × 8 bytes), the step offsets ((S+1) × uint32) and the
    /// register counts (S bytes).
    public func blob() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 + 8 * constants.count + 8 * instructions.count + 4 * stepOffsets.count + stepRegisters.count)
        func u32(_ v: UInt32) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
        for v in [0x3142_4B43, 1, UInt32(stepCount), UInt32(instructions.count), UInt32(constants.count), 0, 0, 0] as [UInt32] { u32(v) }
        for c in constants { withUnsafeBytes(of: c.bitPattern.littleEndian) { out.append(contentsOf: $0) } }
        for i in instructions {
            out += [i.op.rawValue, i.a, i.b, i.c]
            u32(i.imm)
        }
        for o in stepOffsets { u32(o) }
        out += stepRegisters
        return out
    }

    /// Number of steps with a program.
    public var compiledSteps: Int { (0..<stepCount).count { stepOffsets[$0 + 1] > stepOffsets[$0] } }
}

/// Compiles C0 trees to VM programs.
///
/// Registers are allocated as a stack: a node's value goes to the register it is given; a
/// binary node computes its left operand there and its right operand in the next register, so a
/// left-nested chain (`a + b + c + …`) needs two registers and only right nesting grows the
/// count. `?:`, `&&`, `||` and `??` evaluate both operands and select (C0 is total and has no
/// side effects, so the result is the same as JavaScript's short circuit).
public enum BytecodeCompiler {
    /// The program of one expression. `inputPaths[i]` is the path id dep `i` reads (`.max`: a
    /// dep that normalizes to no path, read as `undefined`). Its `LDNUM`s index the program's own
    /// constant pool (deduplicated by bit pattern).
    ///
    /// Everything the kernel's verifier checks per program holds for the result (docs/bytecode.md,
    /// "Verification"), so what compiles loads: registers written before read, at most
    /// ``maxRegisters`` registers and ``maxInstructions`` instructions, valid literals, one `RET`
    /// last; `LDDEP` reads only `inputPaths`.
    /// - Throws: `invalidExpression` naming the limit when the program would need more than
    ///   ``maxRegisters`` registers or more than ``maxInstructions`` instructions (emission stops
    ///   there: the work is bounded by the limit, not by the tree).
    public static func compile(_ root: ExprNode, inputPaths: [UInt32]) throws(ConvergeError) -> StepProgram {
        var e = Emitter(inputPaths: inputPaths)
        try e.emit(root, into: 0)
        try e.append(Instruction(.ret, a: 0))
        return StepProgram(instructions: e.code, registers: e.maxRegister + 1, constants: e.constants)
    }

    /// Registers per program (`CK_VM_MAX_REGS`).
    public static let maxRegisters = KernelABI.maxRegisters
    /// Instructions per program, `RET` included (`CK_VM_MAX_PROGRAM`).
    public static let maxInstructions = KernelABI.maxProgram

    private struct Emitter {
        let inputPaths: [UInt32]
        var code: [Instruction] = []
        var constants: [Double] = []
        var constantIndex: [UInt64: UInt32] = [:]
        var maxRegister = 0

        mutating func constant(_ v: Double) -> UInt32 {
            if let i = constantIndex[v.bitPattern] { return i }
            constants.append(v)
            constantIndex[v.bitPattern] = UInt32(constants.count - 1)
            return UInt32(constants.count - 1)
        }

        mutating func append(_ i: Instruction) throws(ConvergeError) {
            guard code.count < BytecodeCompiler.maxInstructions else {
                throw ConvergeError(.invalidExpression, "the expression compiles to more than \(BytecodeCompiler.maxInstructions) instructions; the limit is \(BytecodeCompiler.maxInstructions) per step")
            }
            code.append(i)
        }

        mutating func reg(_ r: Int) throws(ConvergeError) -> UInt8 {
            guard r < BytecodeCompiler.maxRegisters else {
                throw ConvergeError(.invalidExpression, "the expression needs more than \(BytecodeCompiler.maxRegisters) registers (nested too deeply to the right); the limit is \(BytecodeCompiler.maxRegisters)")
            }
            maxRegister = Swift.max(maxRegister, r)
            return UInt8(r)
        }

        /// What is left to do: compile a subtree into a register, or emit an operation's
        /// instruction once its operands are in place.
        enum Work {
            case node(ExprNode, Int)
            case unary(UnaryOperator, Int)
            case binary(BinaryOperator, Int)
            case logical(LogicalOperator, Int)
            case select(Int)
            case toNumber(Int)
            case fold(MathFunction, Int)
            case math(MathFunction, Int)
        }

        // An explicit stack instead of recursion: the stack use does not depend on the tree.
        mutating func emit(_ root: ExprNode, into r0: Int) throws(ConvergeError) {
            var work: [Work] = [.node(root, r0)]
            while let w = work.popLast() {
                switch w {
                case .node(let node, let r):
                    switch node {
                    case .unary(let op, let x):
                        work += [.unary(op, r), .node(x, r)]
                    case .binary(let op, let x, let y):
                        work += [.binary(op, r), .node(y, r + 1), .node(x, r)]
                    case .logical(let op, let x, let y):
                        work += [.logical(op, r), .node(y, r + 1), .node(x, r)]
                    case .conditional(let t, let x, let y):
                        work += [.select(r), .node(y, r + 2), .node(x, r + 1), .node(t, r)]
                    case .call(let f, let args) where f == .max || f == .min:
                        // Math.max() is -Infinity, Math.max(x) is ToNumber(x); more arguments fold
                        // pairwise (NaN wins and ±0 order either way: the fold equals the n-ary function)
                        guard let first = args.first else {
                            try append(Instruction(.ldnum, a: try reg(r), imm: constant(f == .max ? -.infinity : .infinity)))
                            continue
                        }
                        var steps: [Work] = [.node(first, r)]
                        if args.count == 1 { steps.append(.toNumber(r)) }
                        for arg in args.dropFirst() { steps += [.node(arg, r + 1), .fold(f, r)] }
                        work += steps.reversed()
                    case .call(let f, let args):
                        // one argument; a missing one is undefined; extra ones are evaluated by
                        // JavaScript and ignored (no side effects in C0: not emitted)
                        work += [.math(f, r), .node(args.first ?? .undefined, r)]
                    default:
                        try emitLeaf(node, r)
                    }
                case .unary(let op, let r): try emitUnary(op, r)
                case .binary(let op, let r): try emitBinary(op, r)
                case .logical(let op, let r): try emitLogical(op, r)
                case .select(let r): try emitSelect(r)
                case .toNumber(let r):
                    let d = try reg(r)
                    try append(Instruction(.tonum, a: d, b: d))
                case .fold(let f, let r):
                    let d = try reg(r)
                    try append(Instruction(f == .max ? .max : .min, a: d, b: d, c: try reg(r + 1)))
                case .math(let f, let r):
                    let d = try reg(r)
                    let o: Opcode = switch f {
                    case .abs: .abs
                    case .floor: .floor
                    case .ceil: .ceil
                    case .round: .round
                    case .trunc: .trunc
                    case .sign: .sign
                    default: .sqrt
                    }
                    try append(Instruction(o, a: d, b: d))
                }
            }
        }

        mutating func emitLeaf(_ node: ExprNode, _ r: Int) throws(ConvergeError) {
            let d = try reg(r)
            switch node {
            case .number(let v): try append(Instruction(.ldnum, a: d, imm: constant(v)))
            case .boolean(let b): try append(Instruction(.ldlit, a: d, b: ConvergeValue.booleanTag, c: b ? 1 : 0))
            case .null: try append(Instruction(.ldlit, a: d, b: ConvergeValue.nullTag))
            case .dep(let i):
                let p = i >= 0 && i < inputPaths.count ? inputPaths[i] : .max
                if p == .max { try append(Instruction(.ldlit, a: d, b: ConvergeValue.undefinedTag)) }
                else { try append(Instruction(.lddep, a: d, imm: p)) }
            default: try append(Instruction(.ldlit, a: d, b: ConvergeValue.undefinedTag))
            }
        }

        mutating func emitUnary(_ op: UnaryOperator, _ r: Int) throws(ConvergeError) {
            let d = try reg(r)
            let o: Opcode = switch op { case .plus: .tonum; case .negate: .neg; case .not: .not }
            try append(Instruction(o, a: d, b: d))
        }

        mutating func emitBinary(_ op: BinaryOperator, _ r: Int) throws(ConvergeError) {
            let d = try reg(r)
            let o: Opcode = switch op {
            case .add: .add
            case .subtract: .sub
            case .multiply: .mul
            case .divide: .div
            case .remainder: .mod
            case .strictEqual: .seq
            case .strictNotEqual: .sne
            case .less: .lt
            case .lessOrEqual: .le
            case .greater: .gt
            case .greaterOrEqual: .ge
            }
            try append(Instruction(o, a: d, b: d, c: try reg(r + 1)))
        }

        mutating func emitLogical(_ op: LogicalOperator, _ r: Int) throws(ConvergeError) {
            let d = try reg(r)
            let n = try reg(r + 1)
            switch op {
            case .and: try append(Instruction(.sel, a: d, b: d, c: n, imm: UInt32(d)))   // x ? y : x
            case .or: try append(Instruction(.sel, a: d, b: d, c: d, imm: UInt32(n)))    // x ? x : y
            case .coalesce: try append(Instruction(.seln, a: d, b: d, c: n))             // x ?? y
            }
        }

        mutating func emitSelect(_ r: Int) throws(ConvergeError) {
            let d = try reg(r)
            try append(Instruction(.sel, a: d, b: d, c: try reg(r + 1), imm: UInt32(try reg(r + 2))))
        }
    }
}
