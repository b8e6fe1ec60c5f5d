/// What to do with a computed step whose `expr` does not compile.
///
/// This is a parameter of ``ExprCompiler/compile(_:policy:)`` for now; a per-step IR field
/// (`compile: "try" | "must"`) is planned for a later slice.
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

    /// How many computed steps compiled.
    public var compiledCount: Int { entries.count { $0.compiled != nil } }
    /// How many computed steps fall back to host steps.
    public var fallbackCount: Int { entries.count - compiledCount }

    /// The entry for the step writing `out`, if it is a computed step.
    public func entry(out: String) -> Entry? { entries.first { $0.out == out } }
}

/// Compiles the `expr` of every computed step of a graph.
public enum ExprCompiler {
    /// Compiles each computed step's `expr` against its raw `deps`.
    ///
    /// - Parameter policy: `.try` records a fallback with the reason for a step without `expr` or
    ///   whose `expr` is not C0; `.must` throws `invalidExpression` for the first such step (in
    ///   declaration order), naming its `out` and the reason.
    public static func compile(_ ir: ConvergeIR, policy: CompilePolicy) throws(ConvergeError) -> CompileReport {
        var entries: [CompileReport.Entry] = []
        for (i, step) in ir.steps.enumerated() where step.kind == IRStep.computed {
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
            if policy == .must, case .fallback(let reason) = outcome {
                throw ConvergeError(.invalidExpression, "step \"\(step.out)\" (steps[\(i)]) must compile: \(reason)")
            }
            entries.append(CompileReport.Entry(stepIndex: i, out: step.out, outcome: outcome))
        }
        return CompileReport(entries: entries)
    }

    /// Compiles a loaded graph's steps (its ``StaticIR/ir``, in declaration order).
    public static func compile(_ graph: StaticIR, policy: CompilePolicy) throws(ConvergeError) -> CompileReport {
        try compile(graph.ir, policy: policy)
    }
}
