import Foundation

/// One step of a converge-ir v1 graph, as written (raw strings, nothing normalized).
///
/// Validation happens when the graph is compiled (``StaticIR/init(_:)``), so a document built in
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
    /// Checks the JSON shape only (types, `format`, `version`, `kind`/`out` present); the graph
    /// itself is validated by ``StaticIR/init(_:)``.
    /// - Parameter json: UTF-8 JSON.
    /// - Throws: ``ConvergeError`` with code `invalidJSON`, `unsupportedFormat`,
    ///   `unsupportedVersion` or `missingField`, naming the offending member (`steps[3].out`).
    public init(json: Data) throws(ConvergeError) {
        let root: Any
        do {
            root = try JSONSerialization.jsonObject(with: json, options: [])
        } catch {
            throw ConvergeError(.invalidJSON, "not a JSON document (\(Self.describe(error)))")
        }
        guard let object = root as? [String: Any] else {
            throw ConvergeError(.invalidJSON, "the document must be a JSON object")
        }
        guard let format = object["format"] else {
            throw ConvergeError(.missingField, "the document has no \"format\" (expected \"converge-ir\")")
        }
        guard let formatString = format as? String, formatString == Self.format else {
            throw ConvergeError(.unsupportedFormat, "format is \(Self.render(format)), expected \"converge-ir\"")
        }
        guard let version = object["version"] else {
            throw ConvergeError(.missingField, "the document has no \"version\" (expected 1)")
        }
        guard let number = version as? NSNumber, !Self.isBool(number), number.doubleValue == Double(Self.version) else {
            throw ConvergeError(.unsupportedVersion, "version is \(Self.render(version)), this library reads version 1")
        }
        var fields: [String] = []
        if let rawFields = object["fields"], !(rawFields is NSNull) {
            guard let list = rawFields as? [Any] else {
                throw ConvergeError(.invalidJSON, "\"fields\" must be an array of strings")
            }
            for (i, item) in list.enumerated() {
                guard let s = item as? String else {
                    throw ConvergeError(.invalidJSON, "fields[\(i)] must be a string, found \(Self.render(item))")
                }
                fields.append(s)
            }
        }
        guard let rawSteps = object["steps"] else {
            throw ConvergeError(.missingField, "the document has no \"steps\" array")
        }
        guard let stepList = rawSteps as? [Any] else {
            throw ConvergeError(.invalidJSON, "\"steps\" must be an array")
        }
        var steps: [IRStep] = []
        steps.reserveCapacity(stepList.count)
        for (i, item) in stepList.enumerated() {
            guard let s = item as? [String: Any] else {
                throw ConvergeError(.invalidJSON, "steps[\(i)] must be an object")
            }
            let kind = try Self.string(s, "kind", at: i, required: true)!
            let out = try Self.string(s, "out", at: i, required: true)!
            var deps: [String]? = nil
            if let rawDeps = s["deps"], !(rawDeps is NSNull) {
                guard let list = rawDeps as? [Any] else {
                    throw ConvergeError(.invalidJSON, "steps[\(i)].deps must be an array of strings")
                }
                deps = []
                for (j, d) in list.enumerated() {
                    guard let ds = d as? String else {
                        throw ConvergeError(.invalidJSON, "steps[\(i)].deps[\(j)] must be a string, found \(Self.render(d))")
                    }
                    deps!.append(ds)
                }
            }
            let from = try Self.string(s, "from", at: i, required: false)
            let scheduling = try Self.string(s, "scheduling", at: i, required: false)
            let expr = try Self.string(s, "expr", at: i, required: false)
            let compile = try Self.string(s, "compile", at: i, required: false)
            steps.append(IRStep(kind: kind, out: out, deps: deps, from: from, scheduling: scheduling, expr: expr,
                                compile: compile))
        }
        self.init(fields: fields, steps: steps)
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

    private static func string(_ s: [String: Any], _ key: String, at i: Int, required: Bool) throws(ConvergeError) -> String? {
        guard let value = s[key], !(value is NSNull) else {
            if required { throw ConvergeError(.missingField, "steps[\(i)] has no \"\(key)\"") }
            return nil
        }
        guard let str = value as? String else {
            throw ConvergeError(.invalidJSON, "steps[\(i)].\(key) must be a string, found \(render(value))")
        }
        return str
    }

    private static func isBool(_ n: NSNumber) -> Bool {
        String(cString: n.objCType) == "c" && (n == NSNumber(value: true) || n == NSNumber(value: false))
    }

    private static func render(_ value: Any) -> String {
        switch value {
        case let s as String: return "\"\(s)\""
        case let n as NSNumber: return n.stringValue
        case is NSNull: return "null"
        case is [Any]: return "an array"
        case is [String: Any]: return "an object"
        default: return "\(value)"
        }
    }

    private static func describe(_ error: Error) -> String {
        let ns = error as NSError
        if let detail = ns.userInfo[NSDebugDescriptionErrorKey] as? String { return detail }
        return ns.localizedDescription
    }
}

/// Builds a ``ConvergeIR`` in code, step by step, in declaration order.
///
/// ```swift
/// var b = IRBuilder()
/// b.field("b0")
/// b.computed("d0", deps: ["b0"], expr: "b0 + 1")
/// b.link("mirror", from: "user.name")
/// let graph = try StaticIR(b.build())
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
