// ExprEvaluator.swift — evaluates C0 trees with JavaScript's semantics (the reference the VM is
// tested against).

/// Evaluates C0 trees with JavaScript's semantics (docs/expressions.md): ToNumber for arithmetic
/// and comparisons, ToBoolean for `!`, `?:`, `&&` and `||`, IEEE doubles throughout — so NaN,
/// ±Infinity and −0 come out exactly as in JavaScript.
public enum ExprEvaluator {
    /// The value of `node` given the deps' values in the step's `deps` order. A dep index past the
    /// end of `deps` reads as `undefined`.
    public static func evaluate(_ node: ExprNode, deps: [ConvergeValue]) -> ConvergeValue {
        evaluate(node, ArrayDeps(values: deps))
    }

    /// The value of `node` reading the deps straight from the state (a derive function's
    /// inputs); allocates nothing.
    public static func evaluate(_ node: ExprNode, inputs: StepInputs) -> ConvergeValue {
        evaluate(node, inputs)
    }

    // The recursion (one frame per tree level; the parser bounds the height, docs/expressions.md
    // "Limits") goes through this function only; everything else is in helpers so that its frame
    // stays small in a debug build (where nothing is inlined).
    static func evaluate<D: ExprDeps>(_ node: ExprNode, _ deps: D) -> ConvergeValue {
        switch node {
        case .dep(let i): return deps.value(i)
        case .unary(let op, let operand): return unary(op, evaluate(operand, deps))
        case .binary(let op, let l, let r): return binary(op, evaluate(l, deps), evaluate(r, deps))
        case .logical(let op, let l, let r):
            let left = evaluate(l, deps)
            return takesRight(op, left) ? evaluate(r, deps) : left
        case .conditional(let t, let c, let a):
            return evaluate(toBoolean(evaluate(t, deps)) ? c : a, deps)
        case .call(let f, let args): return call(f, args, deps)
        default: return literal(node)
        }
    }

    static func literal(_ node: ExprNode) -> ConvergeValue {
        switch node {
        case .number(let d): return .number(d)
        case .boolean(let b): return .boolean(b)
        case .null: return .null
        default: return .undefined
        }
    }

    static func unary(_ op: UnaryOperator, _ v: ConvergeValue) -> ConvergeValue {
        switch op {
        case .plus: return .number(toNumber(v))
        case .negate: return .number(-toNumber(v))
        case .not: return .boolean(!toBoolean(v))
        }
    }

    /// Whether `left op right` is `right` (else `left`): `&&` on truthy, `||` on falsy, `??` on nullish.
    static func takesRight(_ op: LogicalOperator, _ left: ConvergeValue) -> Bool {
        switch op {
        case .and: return toBoolean(left)
        case .or: return !toBoolean(left)
        case .coalesce:
            switch left {
            case .null, .undefined: return true
            default: return false
            }
        }
    }

    @inline(never)
    static func call<D: ExprDeps>(_ f: MathFunction, _ args: [ExprNode], _ deps: D) -> ConvergeValue {
        switch f {
        case .max, .min:
            // ToNumber of every argument, then the extreme (NaN wins; ±0 ordered)
            var m: Double = f == .max ? -.infinity : .infinity
            var nan = false
            for a in args {
                let v = toNumber(evaluate(a, deps))
                if v.isNaN { nan = true; continue }
                if f == .max {
                    if v > m || (v == 0 && m == 0 && m.sign == .minus) { m = v }
                } else {
                    if v < m || (v == 0 && m == 0 && v.sign == .minus) { m = v }
                }
            }
            return .number(nan ? .nan : m)
        default:
            return .number(unary(f, args.first.map { toNumber(evaluate($0, deps)) } ?? .nan))
        }
    }

    /// JavaScript's ToNumber: undefined → NaN, null → 0, booleans → 0/1.
    public static func toNumber(_ v: ConvergeValue) -> Double {
        switch v {
        case .undefined: .nan
        case .null: 0
        case .boolean(let b): b ? 1 : 0
        case .number(let d): d
        }
    }

    /// JavaScript's ToBoolean: undefined, null, false, ±0 and NaN are falsy.
    public static func toBoolean(_ v: ConvergeValue) -> Bool {
        switch v {
        case .undefined, .null: false
        case .boolean(let b): b
        case .number(let d): !(d == 0 || d.isNaN)
        }
    }

    /// JavaScript's `===` (IsStrictlyEqual): NaN differs from itself, +0 equals −0.
    public static func strictEquals(_ a: ConvergeValue, _ b: ConvergeValue) -> Bool {
        switch (a, b) {
        case (.undefined, .undefined), (.null, .null): true
        case (.boolean(let x), .boolean(let y)): x == y
        case (.number(let x), .number(let y)): x == y
        default: false
        }
    }

    static func binary(_ op: BinaryOperator, _ a: ConvergeValue, _ b: ConvergeValue) -> ConvergeValue {
        switch op {
        case .strictEqual: return .boolean(strictEquals(a, b))
        case .strictNotEqual: return .boolean(!strictEquals(a, b))
        default: break
        }
        let x = toNumber(a), y = toNumber(b)
        switch op {
        case .add: return .number(x + y)
        case .subtract: return .number(x - y)
        case .multiply: return .number(x * y)
        case .divide: return .number(x / y)
        // fmod: the sign of the dividend, NaN for x % 0 and ±Infinity % y, x for finite x % ±Infinity.
        case .remainder: return .number(x.truncatingRemainder(dividingBy: y))
        case .less: return .boolean(x < y)
        case .lessOrEqual: return .boolean(x <= y)
        case .greater: return .boolean(x > y)
        case .greaterOrEqual: return .boolean(x >= y)
        case .strictEqual, .strictNotEqual: return .boolean(false)  // handled above
        }
    }

    static func unary(_ f: MathFunction, _ x: Double) -> Double {
        switch f {
        case .abs: return x.magnitude
        case .floor: return x.rounded(.down)
        case .ceil: return x.rounded(.up)
        case .trunc: return x.rounded(.towardZero)
        case .sqrt: return x.squareRoot()
        case .sign: return x.isNaN || x == 0 ? x : (x > 0 ? 1 : -1)
        case .round: return round(x)
        case .max, .min: return x   // not unary: handled by evaluate
        }
    }

    /// `Math.round`: the nearest integer, halves toward +Infinity; −0 for −0 and for [−0.5, 0).
    static func round(_ x: Double) -> Double {
        guard x.isFinite else { return x }
        let down = x.rounded(.down)
        // x − floor(x) is exact for every double (integers above 2^52 give 0).
        let r = x - down >= 0.5 ? down + 1 : down
        return r == 0 && x.sign == .minus ? -0.0 : r
    }
}

/// Where an evaluation reads dep values from.
protocol ExprDeps {
    func value(_ i: Int) -> ConvergeValue
}

struct ArrayDeps: ExprDeps {
    let values: [ConvergeValue]
    func value(_ i: Int) -> ConvergeValue { i >= 0 && i < values.count ? values[i] : .undefined }
}

extension StepInputs: ExprDeps {
    func value(_ i: Int) -> ConvergeValue { self[i] }
}
