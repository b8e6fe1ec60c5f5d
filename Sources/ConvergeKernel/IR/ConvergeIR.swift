// ConvergeIR.swift — a converge-ir v1 graph as written, and IRBuilder.

import Foundation

/// One step of a converge-ir v1 graph, as written (raw strings, nothing normalized).
///
/// Validation happens when the graph is compiled (``CompiledGraph/init(_:)``), so a document built in
/// code and one read from JSON fail with the same errors.
public struct IRStep: Sendable, Equatable {
    /// `"computed"` or `"link"`; anything else is ``ConvergeError/Code/unknownStepKind``.
    public var kind: String
    /// The path the step writes (raw; normalized by the compiler).
    public var out: String
    /// A computed step's deps (raw). `nil` is ``ConvergeError/Code/missingDeps``; `[]` is allowed.
    public var deps: [String]?
    /// A link's source path (raw). `nil` on a link is ``ConvergeError/Code/missingField``.
    public var from: String?
    /// `"deferred"` means deferred; anything else (or `nil`) is immediate.
    public var scheduling: String?
    /// The step's C0 expression (docs/expressions.md), compiled by `ExprCompiler`.
    public var expr: String?
    /// `"try"` (an `expr` that does not compile falls back to a host step) or `"must"` (it is an
    /// error); `nil`: the compiler's default policy. Other values are `invalidExpression`.
    public var compile: String?

    public init(kind: String, out: String, deps: [String]? = nil, from: String? = nil,
                scheduling: String? = nil, expr: String? = nil, compile: String? = nil) {
        self.kind = kind
        self.out = out
        self.deps = deps
        self.from = from
        self.scheduling = scheduling
        self.expr = expr
        self.compile = compile
    }

    /// True when this step runs in the deferred scope.
    public var isDeferred: Bool { scheduling == "deferred" }

    /// The raw dep strings the step reads: a computed step's `deps`, a link's `from`.
    public var rawDeps: [String] {
        if kind == IRStep.link { return from.map { [$0] } ?? [] }
        return deps ?? []
    }

    public static let computed = "computed"
    public static let link = "link"
}

/// When a step runs.
public enum Scheduling: String, Sendable, CaseIterable {
    case immediate, deferred
}

/// A converge-ir v1 document: schema fields and steps in declaration order (docs/ir-format.md).
public struct ConvergeIR: Sendable, Equatable {
    public static let format = "converge-ir"
    public static let version = 1

    /// Schema paths (raw); optional in JSON.
    public var fields: [String]
    /// Steps in declaration order.
    public var steps: [IRStep]

    public init(fields: [String] = [], steps: [IRStep] = []) {
        self.fields = fields
        self.steps = steps
    }

    /// Parses a converge-ir JSON document.
    ///
    /// Checks the JSON (syntax, UTF-8, no member name twice in an object, nesting up to 512) and
    /// its shape (types, `format`, `version`, `kind`/`out` present) and the step and field counts
    /// against the limits before building anything; the graph itself is validated by
    /// ``CompiledGraph/init(_:)``. Memory is proportional to the document (docs/ir-format.md, "Limits").
    /// - Parameter json: UTF-8 JSON.
    /// - Throws: ``ConvergeError`` with code `invalidJSON`, `unsupportedFormat`,
    ///   `unsupportedVersion`, `missingField` or `tooLarge`, naming the offending member
    ///   (`steps[3].out`).
    public init(json: Data) throws(ConvergeError) {
        try self.init(json: json, limits: CompiledGraph.Limits())
    }

    init(json: Data, limits: CompiledGraph.Limits) throws(ConvergeError) {
        let result = json.withUnsafeBytes { raw -> Result<ConvergeIR, ConvergeError> in
            do throws(ConvergeError) {
                return .success(try IRJSONReader.parse(raw.bindMemory(to: UInt8.self), limits: limits))
            } catch {
                return .failure(error)
            }
        }
        self = try result.get()
    }

    /// The document as converge-ir JSON (members in a stable order).
    public func jsonData(prettyPrinted: Bool = false) -> Data {
        var object: [String: Any] = ["format": Self.format, "version": Self.version, "fields": fields]
        object["steps"] = steps.map { step -> [String: Any] in
            var s: [String: Any] = ["kind": step.kind, "out": step.out]
            if let deps = step.deps { s["deps"] = deps }
            if let from = step.from { s["from"] = from }
            if let scheduling = step.scheduling { s["scheduling"] = scheduling }
            if let expr = step.expr { s["expr"] = expr }
            if let compile = step.compile { s["compile"] = compile }
            return s
        }
        var options: JSONSerialization.WritingOptions = [.sortedKeys, .withoutEscapingSlashes]
        if prettyPrinted { options.insert(.prettyPrinted) }
        // Only strings, numbers, arrays and dictionaries: serialization cannot fail.
        return (try? JSONSerialization.data(withJSONObject: object, options: options)) ?? Data()
    }
}

/// Builds a ``ConvergeIR`` in code, step by step, in declaration order.
///
/// ```swift
/// var b = IRBuilder()
/// b.field("b0")
/// b.computed("d0", deps: ["b0"], expr: "b0 + 1")
/// b.link("mirror", from: "user.name")
/// let graph = try CompiledGraph(b.build())
/// ```
public struct IRBuilder: Sendable {
    private var ir = ConvergeIR()

    public init() {}

    /// Adds a schema field path.
    public mutating func field(_ path: String) { ir.fields.append(path) }

    /// Adds a computed step. `deps: nil` is kept as "missing" and fails compilation with
    /// ``ConvergeError/Code/missingDeps``.
    public mutating func computed(_ out: String, deps: [String]?, scheduling: Scheduling = .immediate, expr: String? = nil,
                                  compile: CompilePolicy? = nil) {
        ir.steps.append(IRStep(kind: IRStep.computed, out: out, deps: deps,
                               scheduling: scheduling == .deferred ? "deferred" : nil, expr: expr,
                               compile: compile?.rawValue))
    }

    /// Adds a link step copying `from` to `out`. `from: nil` fails compilation with
    /// ``ConvergeError/Code/missingField``.
    public mutating func link(_ out: String, from: String?, scheduling: Scheduling = .immediate) {
        ir.steps.append(IRStep(kind: IRStep.link, out: out, from: from,
                               scheduling: scheduling == .deferred ? "deferred" : nil))
    }

    /// Adds a step as written, for kinds and shapes the typed methods do not produce.
    public mutating func step(_ step: IRStep) { ir.steps.append(step) }

    /// The document built so far.
    public func build() -> ConvergeIR { ir }
}
