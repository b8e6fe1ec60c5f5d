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
