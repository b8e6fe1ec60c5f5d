// ExprAST.swift — the syntax tree of a C0 expression.

/// The syntax tree of a C0 expression (docs/expressions.md).
///
/// Dep references are resolved at parse time to positions in the step's `deps` list, so an
/// evaluation reads the deps' values by index.
public indirect enum ExprNode: Sendable, Equatable {
    /// A number literal (finite, non-negative: a leading `-` is ``UnaryOperator/negate``).
    case number(Double)
    /// `true` or `false`.
    case boolean(Bool)
    /// `null`.
    case null
    /// `undefined`.
    case undefined
    /// A reference to the dep at this position of the step's `deps` (its first occurrence).
    case dep(Int)
    /// A prefix operator applied to an operand.
    case unary(UnaryOperator, ExprNode)
    /// An arithmetic, equality or relational operator (both operands always evaluated).
    case binary(BinaryOperator, ExprNode, ExprNode)
    /// `&&`, `||` or `??`: the right operand is evaluated only when needed; the result is an operand.
    case logical(LogicalOperator, ExprNode, ExprNode)
    /// `test ? consequent : alternate`.
    case conditional(ExprNode, ExprNode, ExprNode)
    /// A `Math` function applied to its arguments (missing arguments read as `undefined`).
    case call(MathFunction, [ExprNode])
}

/// `+x` (ToNumber), `-x`, `!x` (ToBoolean, negated).
public enum UnaryOperator: String, Sendable, CaseIterable {
    case plus = "+"
    case negate = "-"
    case not = "!"
}

/// The binary operators of C0, spelled as in JavaScript.
public enum BinaryOperator: String, Sendable, CaseIterable {
    case add = "+"
    case subtract = "-"
    case multiply = "*"
    case divide = "/"
    case remainder = "%"
    case strictEqual = "==="
    case strictNotEqual = "!=="
    case less = "<"
    case lessOrEqual = "<="
    case greater = ">"
    case greaterOrEqual = ">="
}

/// The short-circuit operators.
public enum LogicalOperator: String, Sendable, CaseIterable {
    case and = "&&"
    case or = "||"
    case coalesce = "??"
}

/// The `Math` functions C0 supports, named as in JavaScript (`Math.<rawValue>`).
public enum MathFunction: String, Sendable, CaseIterable {
    case abs, min, max, floor, ceil, round, trunc, sign, sqrt
}

// `==` and printing walk the tree with an explicit stack (Swift's synthesized `==` and the
// reflection `String(describing:)` recurse with large frames), so trees at the parser's depth
// limit compare and print on a small thread stack.
extension ExprNode {
    /// Structural equality (numbers by IEEE `==`, as the synthesized conformance would).
    public static func == (lhs: ExprNode, rhs: ExprNode) -> Bool {
        var work: [(ExprNode, ExprNode)] = [(lhs, rhs)]
        while let (a, b) = work.popLast() {
            switch (a, b) {
            case (.number(let x), .number(let y)): if x != y { return false }
            case (.boolean(let x), .boolean(let y)): if x != y { return false }
            case (.null, .null), (.undefined, .undefined): break
            case (.dep(let x), .dep(let y)): if x != y { return false }
            case (.unary(let o, let x), .unary(let p, let y)):
                guard o == p else { return false }
                work.append((x, y))
            case (.binary(let o, let x1, let x2), .binary(let p, let y1, let y2)):
                guard o == p else { return false }
                work.append((x2, y2))
                work.append((x1, y1))
            case (.logical(let o, let x1, let x2), .logical(let p, let y1, let y2)):
                guard o == p else { return false }
                work.append((x2, y2))
                work.append((x1, y1))
            case (.conditional(let x1, let x2, let x3), .conditional(let y1, let y2, let y3)):
                work.append((x3, y3))
                work.append((x2, y2))
                work.append((x1, y1))
            case (.call(let f, let xs), .call(let g, let ys)):
                guard f == g, xs.count == ys.count else { return false }
                for (x, y) in zip(xs, ys).reversed() { work.append((x, y)) }
            default:
                return false
            }
        }
        return true
    }
}

extension ExprNode: CustomStringConvertible {
    /// The tree as C0 text, every operation parenthesized and deps as `$i` (their position in
    /// the step's deps): `(($0 + 1) * -$1)`.
    public var description: String {
        enum Item { case node(ExprNode), text(String) }
        var out = ""
        var work: [Item] = [.node(self)]
        while let item = work.popLast() {
            switch item {
            case .text(let t): out += t
            case .node(let n):
                switch n {
                case .number(let d): out += d == d.rounded() && d.magnitude < 1e15 ? String(Int64(d)) : "\(d)"
                case .boolean(let b): out += b ? "true" : "false"
                case .null: out += "null"
                case .undefined: out += "undefined"
                case .dep(let i): out += "$\(i)"
                case .unary(let op, let x):
                    out += op.rawValue
                    work.append(.node(x))
                case .binary(let op, let x, let y):
                    out += "("
                    work += [.text(")"), .node(y), .text(" \(op.rawValue) "), .node(x)]
                case .logical(let op, let x, let y):
                    out += "("
                    work += [.text(")"), .node(y), .text(" \(op.rawValue) "), .node(x)]
                case .conditional(let t, let x, let y):
                    out += "("
                    work += [.text(")"), .node(y), .text(" : "), .node(x), .text(" ? "), .node(t)]
                case .call(let f, let args):
                    out += "Math.\(f.rawValue)("
                    work.append(.text(")"))
                    for (k, a) in args.enumerated().reversed() {
                        work.append(.node(a))
                        if k > 0 { work.append(.text(", ")) }
                    }
                }
            }
        }
        return out
    }
}
