// ExprCompiler.swift — computed steps' exprs to bytecode, with the per-step compile report.

/// What to do with a computed step whose `expr` does not compile.
///
/// A step's own `compile` field (``IRStep/compile``) decides for that step; the `policy` given
/// to ``ExprCompiler`` (``RuntimeOptions/compilePolicy``) is the default for steps without one.
public enum CompilePolicy: String, Sendable, CaseIterable {
    /// Fall back to the host's derive function for that step, recording the reason.
    case `try`
    /// The first step that does not compile is an `invalidExpression` error naming it.
    case must
}

/// A computed step's expression, parsed against its deps and ready to evaluate.
public struct CompiledExpr: Sendable, Equatable {
    /// The step's raw `deps`; the tree's ``ExprNode/dep(_:)`` indexes this list.
    public let deps: [String]
    /// The parsed expression.
    public let root: ExprNode

    /// Parses `text` over `deps`.
    public init(_ text: String, deps: [String]) throws(ConvergeError) {
        self.deps = deps
        self.root = try ExprParser.parse(text, deps: deps)
    }

    /// The expression's value given the deps' values, in ``deps`` order.
    public func evaluate(_ values: [ConvergeValue]) -> ConvergeValue {
        ExprEvaluator.evaluate(root, deps: values)
    }
}

/// Which computed steps compiled, and why the others fall back to host steps.
public struct CompileReport: Sendable, Equatable {
    /// One computed step's outcome.
    public enum Outcome: Sendable, Equatable {
        /// The step's `expr` compiled.
        case compiled(CompiledExpr)
        /// The step runs as a host step (its registered derive function); `reason` says why
        /// (`no expr`, or the parser's message).
        case fallback(reason: String)
    }

    /// A computed step and its outcome.
    public struct Entry: Sendable, Equatable {
        /// The step's position in the IR's `steps` (declaration order).
        public let stepIndex: Int
        /// The step's raw `out`.
        public let out: String
        /// Compiled or fallback.
        public let outcome: Outcome

        /// The compiled expression, or nil for a fallback.
        public var compiled: CompiledExpr? {
            if case .compiled(let c) = outcome { return c }
            return nil
        }

        /// The fallback reason, or nil when compiled.
        public var fallbackReason: String? {
            if case .fallback(let r) = outcome { return r }
            return nil
        }
    }

    /// The computed steps in declaration order (links are not listed).
    public let entries: [Entry]
    /// The compiled steps' VM programs, by step id (``ExprCompiler/compile(_:policy:)-(CompiledGraph,_)``
    /// only; nil when compiled from an IR document alone).
    public let bytecode: Bytecode?

    public init(entries: [Entry], bytecode: Bytecode? = nil) {
        self.entries = entries
        self.bytecode = bytecode
    }

    /// How many computed steps compiled.
    public var compiledCount: Int { entries.count { $0.compiled != nil } }
    /// How many computed steps fall back to host steps.
    public var fallbackCount: Int { entries.count - compiledCount }

    /// The entry for the step writing `out`, if it is a computed step.
    public func entry(out: String) -> Entry? { entries.first { $0.out == out } }
}

/// Compiles the `expr` of every computed step of a graph.
public enum ExprCompiler {
    /// Compiles each computed step's `expr` against its raw `deps` (parsing only: no bytecode).
    ///
    /// - Parameter policy: the default for steps without a `compile` field. Under `try` a step
    ///   without `expr` or whose `expr` is not C0 falls back with the reason; under `must` the
    ///   first such step (in declaration order) is an `invalidExpression` error naming its `out`
    ///   and the reason. A `compile` field other than `"try"`/`"must"` is `invalidExpression`.
    public static func compile(_ ir: ConvergeIR, policy: CompilePolicy) throws(ConvergeError) -> CompileReport {
        var entries: [CompileReport.Entry] = []
        for (i, step) in ir.steps.enumerated() where step.kind == IRStep.computed {
            let stepPolicy = try Self.policy(of: step, at: i, default: policy)
            let outcome: CompileReport.Outcome
            if let text = step.expr {
                do {
                    outcome = .compiled(try CompiledExpr(text, deps: step.rawDeps))
                } catch {
                    outcome = .fallback(reason: error.message)
                }
            } else {
                outcome = .fallback(reason: "no expr")
            }
            if stepPolicy == .must, case .fallback(let reason) = outcome {
                throw mustError(step, at: i, reason)
            }
            entries.append(CompileReport.Entry(stepIndex: i, out: step.out, outcome: outcome))
        }
        return CompileReport(entries: entries)
    }

    /// Instructions in one graph's bytecode (`CK_MAX_EDGES`: the verifier's bound on `step_offsets`).
    public static let maxGraphInstructions = KernelABI.maxEdges
    /// Distinct constants in one graph's bytecode (`CK_VM_MAX_CONSTS`).
    public static let maxGraphConstants = KernelABI.maxConstants

    /// Compiles a loaded graph's steps (its ``CompiledGraph/ir``, in declaration order) and emits the
    /// VM program of every compiled step (``CompileReport/bytecode``, docs/bytecode.md). Every
    /// limit the kernel's verifier enforces is enforced here, so the bytecode returned always
    /// loads: a step whose program would break one (more than 255 registers or 65,535
    /// instructions; the graph past 2^28 instructions or 2^24 constants) falls back with the
    /// limit as its reason, or fails under `must`.
    public static func compile(_ graph: CompiledGraph, policy: CompilePolicy) throws(ConvergeError) -> CompileReport {
        try compile(graph, policy: policy, limits: (maxGraphInstructions, maxGraphConstants))
    }

    /// ``compile(_:policy:)-(CompiledGraph,_)`` with other graph-wide limits (tests: the real ones
    /// need graphs of 2^24 constants).
    static func compile(_ graph: CompiledGraph, policy: CompilePolicy, limits: (instructions: Int, constants: Int))
        throws(ConvergeError) -> CompileReport {
        let parsed = try compile(graph.ir, policy: policy)
        let stepOfDecl = graph.stepIdsByDeclaration()
        var programs = [StepProgram?](repeating: nil, count: graph.stepCount)
        var constants: [Double] = []
        var constantIndex: [UInt64: UInt32] = [:]
        var totalInstructions = 0
        var entries = parsed.entries
        for (n, entry) in parsed.entries.enumerated() {
            guard let expr = entry.compiled else { continue }
            let s = stepOfDecl[entry.stepIndex]
            let lo = Int(graph.inputOffsets[s]), hi = Int(graph.inputOffsets[s + 1])
            do throws(ConvergeError) {
                let program = try BytecodeCompiler.compile(expr.root, inputPaths: Array(graph.inputPaths[lo..<hi]))
                // the graph-wide limits of the kernel's verifier: total instructions, constants
                if totalInstructions + program.instructions.count > limits.instructions {
                    throw ConvergeError(.invalidExpression, "the graph's bytecode would exceed \(limits.instructions) instructions; the limit is \(limits.instructions)")
                }
                let fresh = Set(program.constants.map(\.bitPattern).filter { constantIndex[$0] == nil }).count
                if constants.count + fresh > limits.constants {
                    throw ConvergeError(.invalidExpression, "the graph's bytecode would exceed \(limits.constants) distinct constants; the limit is \(limits.constants)")
                }
                // re-index the program's constants into the shared, deduplicated pool
                var p = program
                for k in p.instructions.indices where p.instructions[k].op == .ldnum {
                    let v = program.constants[Int(p.instructions[k].imm)]
                    let key = v.bitPattern
                    if let at = constantIndex[key] {
                        p.instructions[k].imm = at
                    } else {
                        constantIndex[key] = UInt32(constants.count)
                        p.instructions[k].imm = UInt32(constants.count)
                        constants.append(v)
                    }
                }
                p.constants = []
                totalInstructions += p.instructions.count
                programs[s] = p
            } catch {
                let step = graph.ir.steps[entry.stepIndex]
                if try Self.policy(of: step, at: entry.stepIndex, default: policy) == .must {
                    throw mustError(step, at: entry.stepIndex, error.message)
                }
                entries[n] = CompileReport.Entry(stepIndex: entry.stepIndex, out: entry.out, outcome: .fallback(reason: error.message))
            }
        }
        var code = Bytecode(stepCount: graph.stepCount)
        code.constants = constants
        var at: UInt32 = 0
        for s in 0..<graph.stepCount {
            code.stepOffsets[s] = at
            if let p = programs[s] {
                code.instructions += p.instructions
                code.stepRegisters[s] = UInt8(p.registers)
                at += UInt32(p.instructions.count)
            }
        }
        code.stepOffsets[graph.stepCount] = at
        return CompileReport(entries: entries, bytecode: code)
    }

    private static func policy(of step: IRStep, at i: Int, default policy: CompilePolicy) throws(ConvergeError) -> CompilePolicy {
        guard let raw = step.compile else { return policy }
        guard let p = CompilePolicy(rawValue: raw) else {
            throw ConvergeError(.invalidExpression, "step \"\(step.out)\" (steps[\(i)]): compile is \"\(raw)\", expected \"try\" or \"must\"")
        }
        return p
    }

    private static func mustError(_ step: IRStep, at i: Int, _ reason: String) -> ConvergeError {
        ConvergeError(.invalidExpression, "step \"\(step.out)\" (steps[\(i)]) must compile: \(reason)")
    }
}
