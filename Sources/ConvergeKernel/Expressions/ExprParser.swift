// ExprParser.swift — parses C0 expressions into trees.

/// Parses C0 expressions (docs/expressions.md): a hand-written precedence-climbing parser over
/// the expression's UTF-8 bytes with JavaScript's precedence and associativity.
///
/// Every failure is an `invalidExpression` error whose message names the offending construct and
/// its offset (in UTF-8 bytes from the start of the text), e.g.
/// `unsupported operator "**" at offset 2` or `unknown dep "c" at offset 6`. Any input — however
/// long, malformed or deeply nested — yields a tree or an error, never a crash: the text length,
/// the nesting and the tree's height are bounded (``maxLength``, ``maxNesting``, ``maxDepth``)
/// before anything deep is built, so the parser's recursion, the evaluator's, and Swift's release
/// of the nodes stay within a 512 KB thread stack, also in a debug build.
public struct ExprParser: Sendable {
    /// The longest expression text accepted, in UTF-8 bytes (64 KiB); longer text is rejected
    /// before it is parsed.
    public static let maxLength = 65_536

    /// How deep the parser may recurse: each pair of parentheses, prefix operator (`-`, `+`,
    /// `!`), `?:` and `Math` call enclosing a point is one level. The recursive-descent parser
    /// takes up to ~9 KB of stack per level in a debug build; 32 levels stay well inside a
    /// 512 KB thread stack.
    public static let maxNesting = 32

    /// How many operators deep a tree may be: its height, each operator one level above its
    /// operands (a chain `a + b + c` is 3 levels, `-(-a)` 3; a flat chain of 500 terms is at the
    /// limit). Every walk over a tree (evaluator; `==`, printing and the bytecode compiler use
    /// explicit stacks) and Swift's release of its nodes recurse at most this deep.
    public static let maxDepth = 500

    /// The step's deps, in declaration order; a reference resolves to its first occurrence.
    public let deps: [String]

    /// A parser for expressions over these deps.
    public init(deps: [String]) { self.deps = deps }

    /// Parses `text` into a tree whose dep references index ``deps``.
    public func parse(_ text: String) throws(ConvergeError) -> ExprNode {
        let length = text.utf8.count
        if length > Self.maxLength {
            throw ConvergeError(.invalidExpression, "expression is \(length) bytes long; the limit is \(Self.maxLength)")
        }
        var state = State(bytes: Array(text.utf8), deps: deps)
        try state.advance()
        let node = try state.parseConditional().node
        if state.tokenIs(",") { throw state.error("unsupported operator", ",", at: state.token.start) }
        if state.token.kind != .end { throw state.unexpected() }
        return node
    }

    /// Parses `text` over `deps` (shorthand for `ExprParser(deps:).parse(_:)`).
    public static func parse(_ text: String, deps: [String]) throws(ConvergeError) -> ExprNode {
        try ExprParser(deps: deps).parse(text)
    }
}

private enum TokenKind: Equatable {
    case end, number, identifier, punct
}

private struct Token {
    var kind: TokenKind
    var start: Int
    var end: Int
    var number: Double = 0
}

private struct State {
    let bytes: [UInt8]
    let deps: [String]
    var pos = 0
    var token = Token(kind: .end, start: 0, end: 0)
    var depth = 0
    /// Each dep's first position (a dictionary, so a long text over many deps stays linear).
    let depIndex: [String: Int]

    init(bytes: [UInt8], deps: [String]) {
        self.bytes = bytes
        self.deps = deps
        var index: [String: Int] = [:]
        index.reserveCapacity(deps.count)
        for (i, d) in deps.enumerated() where index[d] == nil { index[d] = i }
        depIndex = index
    }

    // MARK: - Errors

    func text(_ start: Int, _ end: Int) -> String {
        let e = Swift.min(end, bytes.count), s = Swift.min(start, e)
        var slice = Array(bytes[s..<e])
        if slice.count > 40 { slice = Array(slice[0..<40]) + Array("...".utf8) }
        return String(decoding: slice, as: UTF8.self)
    }

    func error(_ what: String, _ construct: String, at offset: Int) -> ConvergeError {
        ConvergeError(.invalidExpression, "\(what) \"\(construct)\" at offset \(offset)")
    }

    func unexpected() -> ConvergeError {
        if token.kind == .end { return ConvergeError(.invalidExpression, "unexpected end of expression at offset \(token.start)") }
        return error("unexpected", text(token.start, token.end), at: token.start)
    }

    /// Whether the current token is the punctuator of these one or two bytes (no strings: this
    /// is called on the parser's recursion path, whose frames must stay small).
    func isPunct(_ c: UInt8, _ d: UInt8? = nil) -> Bool {
        guard token.kind == .punct, bytes[token.start] == c else { return false }
        guard let d else { return token.end - token.start == 1 }
        return token.end - token.start == 2 && bytes[token.start + 1] == d
    }

    /// At a token that cannot follow: `,` outside a call is an unsupported operator.
    @inline(never)
    func unexpectedOrComma() -> ConvergeError {
        if tokenIs(",") { return error("unsupported operator", ",", at: token.start) }
        return unexpected()
    }

    func tokenIs(_ p: String) -> Bool {
        guard token.kind == .punct, token.end - token.start == p.utf8.count else { return false }
        return bytes[token.start..<token.end].elementsEqual(p.utf8)
    }

    // MARK: - Lexer

    static func isIdentStart(_ c: UInt8) -> Bool {
        (c >= 0x61 && c <= 0x7A) || (c >= 0x41 && c <= 0x5A) || c == 0x5F || c == 0x24
    }
    static func isDigit(_ c: UInt8) -> Bool { c >= 0x30 && c <= 0x39 }
    static func isIdentPart(_ c: UInt8) -> Bool { isIdentStart(c) || isDigit(c) }

    func byte(_ i: Int) -> UInt8 { i < bytes.count ? bytes[i] : 0 }

    /// C0's punctuators (longest first where one is a prefix of another).
    static let supported: [String] = ["===", "!==", "<=", ">=", "&&", "||", "??", "+", "-", "*", "/", "%",
                                      "<", ">", "!", "?", ":", "(", ")", ",", "."]
    /// JavaScript operators outside C0, longest first, reported as unsupported operators.
    static let unsupported: [String] = [">>>=", "**=", "<<=", ">>=", "&&=", "||=", "??=", ">>>", "...",
                                        "**", "==", "!=", "<<", ">>", "++", "--", "+=", "-=", "*=", "/=", "%=",
                                        "&=", "|=", "^=", "?.", "=>", "//", "/*", "=", "&", "|", "^", "~"]

    func matches(_ p: String, at i: Int) -> Bool {
        var j = i
        for c in p.utf8 {
            if byte(j) != c || j >= bytes.count { return false }
            j += 1
        }
        return true
    }

    mutating func advance() throws(ConvergeError) {
        while pos < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[pos]) { pos += 1 }
        let start = pos
        guard pos < bytes.count else {
            token = Token(kind: .end, start: pos, end: pos)
            return
        }
        let c = bytes[pos]
        if Self.isDigit(c) || (c == 0x2E && Self.isDigit(byte(pos + 1))) {
            try lexNumber()
            return
        }
        if Self.isIdentStart(c) {
            while pos < bytes.count, Self.isIdentPart(bytes[pos]) { pos += 1 }
            token = Token(kind: .identifier, start: start, end: pos)
            return
        }
        // The longest operator wins: `===` over `==`, `&&=` over `&&`.
        var best = "", bestSupported = false
        for p in Self.supported where p.utf8.count > best.utf8.count && matches(p, at: pos) {
            best = p
            bestSupported = true
        }
        for p in Self.unsupported where p.utf8.count > best.utf8.count && matches(p, at: pos) {
            // `a?.5:b` is `?` then `.5` in JavaScript.
            if p == "?.", Self.isDigit(byte(pos + 2)) { continue }
            best = p
            bestSupported = false
        }
        if !best.isEmpty {
            if !bestSupported { throw error("unsupported operator", best, at: start) }
            pos += best.utf8.count
            token = Token(kind: .punct, start: start, end: pos)
            return
        }
        // Strings, brackets, braces, non-ASCII, … : one whole character in the message.
        var end = pos + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 { end += 1 }
        throw error("unsupported construct", text(start, end), at: start)
    }

    mutating func lexNumber() throws(ConvergeError) {
        let start = pos
        var spelled = ""
        func digits(_ s: inout State, into out: inout String) -> Int {
            var n = 0
            while s.pos < s.bytes.count, State.isDigit(s.bytes[s.pos]) {
                out.unicodeScalars.append(Unicode.Scalar(s.bytes[s.pos]))
                s.pos += 1
                n += 1
            }
            return n
        }
        if bytes[pos] == 0x30, Self.isIdentPart(byte(pos + 1)) {
            // 0x1F, 0o7, 0b1, legacy octal 017, 0_1: not C0.
            var end = pos + 1
            while end < bytes.count, Self.isIdentPart(bytes[end]) { end += 1 }
            if byte(pos + 1) != 0x65 && byte(pos + 1) != 0x45 {
                throw error("unsupported construct", text(start, end), at: start)
            }
        }
        let intDigits = digits(&self, into: &spelled)
        if intDigits == 0 { spelled = "0" }
        if byte(pos) == 0x2E {
            pos += 1
            spelled += "."
            if digits(&self, into: &spelled) == 0 { spelled += "0" }
        }
        if byte(pos) == 0x65 || byte(pos) == 0x45 {
            pos += 1
            spelled += "e"
            if byte(pos) == 0x2B || byte(pos) == 0x2D {
                spelled.unicodeScalars.append(Unicode.Scalar(bytes[pos]))
                pos += 1
            }
            if digits(&self, into: &spelled) == 0 {
                throw error("malformed number", text(start, pos), at: start)
            }
        }
        if pos < bytes.count, Self.isIdentPart(bytes[pos]) || bytes[pos] == 0x2E {
            // `1.2.3`, `3in`, `1_000`, `1n`: JavaScript rejects or means something else.
            var end = pos + 1
            while end < bytes.count, Self.isIdentPart(bytes[end]) || bytes[end] == 0x2E { end += 1 }
            throw error("unsupported construct", text(start, end), at: start)
        }
        guard let value = Double(spelled) else { throw error("malformed number", text(start, pos), at: start) }
        token = Token(kind: .number, start: start, end: pos, number: value)
    }

    // MARK: - Grammar

    /// A subtree and its height (a leaf is 1; an operator node is one more than its tallest operand).
    typealias Parsed = (node: ExprNode, height: Int)

    func tooDeep(at offset: Int) -> ConvergeError {
        ConvergeError(.invalidExpression, "expression is more than \(ExprParser.maxDepth) operators deep at offset \(offset); the limit is \(ExprParser.maxDepth)")
    }

    /// One more level of recursion (parentheses, a prefix operator, `?:`, a call).
    mutating func enter() throws(ConvergeError) {
        depth += 1
        if depth > ExprParser.maxNesting {
            throw ConvergeError(.invalidExpression, "expression nests more than \(ExprParser.maxNesting) levels deep at offset \(token.start); the limit is \(ExprParser.maxNesting)")
        }
    }

    /// An operator node whose tallest operand is `h` high, made at `offset` (its operator).
    func node(_ n: ExprNode, _ h: Int, at offset: Int) throws(ConvergeError) -> Parsed {
        if h + 1 > ExprParser.maxDepth { throw tooDeep(at: offset) }
        return (n, h + 1)
    }

    // The functions a level of parentheses recurses through (parseConditional, parseShortCircuit,
    // parseBinary, parseUnary, parsePrimary, parseParenthesized) do little themselves and hand
    // the rest to helpers, so that their stack frames — many per level — stay small even in a
    // debug build.

    /// ConditionalExpression: ShortCircuit (`?` Conditional `:` Conditional)?
    mutating func parseConditional() throws(ConvergeError) -> Parsed {
        let test = try parseShortCircuit()
        guard isPunct(0x3F) else { return test }   // ?
        return try parseConditionalRest(test)
    }

    @inline(never)
    mutating func parseConditionalRest(_ test: Parsed) throws(ConvergeError) -> Parsed {
        let at = token.start
        try enter()
        defer { depth -= 1 }
        try advance()
        let consequent = try parseConditional()
        guard tokenIs(":") else { throw unexpected() }
        try advance()
        let alternate = try parseConditional()
        return try node(.conditional(test.node, consequent.node, alternate.node),
                        Swift.max(test.height, consequent.height, alternate.height), at: at)
    }

    /// `a ?? b ?? c`, or an `||`/`&&` chain; mixing them without parentheses is a JavaScript
    /// SyntaxError.
    mutating func parseShortCircuit() throws(ConvergeError) -> Parsed {
        let first = try parseEquality()
        guard isPunct(0x3F, 0x3F) || isPunct(0x26, 0x26) || isPunct(0x7C, 0x7C) else { return first }   // ?? && ||
        return try parseShortCircuitRest(first)
    }

    @inline(never)
    mutating func parseShortCircuitRest(_ first: Parsed) throws(ConvergeError) -> Parsed {
        if tokenIs("??") {
            let left = try parseChain(first, .coalesce) { p throws(ConvergeError) in try p.parseEquality() }
            if tokenIs("&&") || tokenIs("||") { throw mixError() }
            return left
        }
        let left = try parseChain(try parseAndRest(first), .or) { p throws(ConvergeError) in try p.parseAndRest(try p.parseEquality()) }
        if tokenIs("??") { throw mixError() }
        return left
    }

    /// `first (op right)*`, left-associative, for one short-circuit operator; `right` parses
    /// each right operand.
    mutating func parseChain(_ first: Parsed, _ op: LogicalOperator,
                             _ right: (inout State) throws(ConvergeError) -> Parsed) throws(ConvergeError) -> Parsed {
        var left = first
        while tokenIs(op.rawValue) {
            let at = token.start
            try advance()
            let r = try right(&self)
            left = try node(.logical(op, left.node, r.node), Swift.max(left.height, r.height), at: at)
        }
        return left
    }

    func mixError() -> ConvergeError {
        ConvergeError(.invalidExpression, "\"??\" mixed with \"&&\" or \"||\" without parentheses at offset \(token.start)")
    }

    mutating func parseAndRest(_ first: Parsed) throws(ConvergeError) -> Parsed {
        try parseChain(first, .and) { p throws(ConvergeError) in try p.parseEquality() }
    }

    /// The binary operator at the current token and its precedence (higher binds tighter).
    func binaryOperator() -> (op: BinaryOperator, precedence: Int)? {
        guard token.kind == .punct else { return nil }
        for (op, p) in Self.binaryPrecedence where tokenIs(op.rawValue) { return (op, p) }
        return nil
    }

    static let binaryPrecedence: [(BinaryOperator, Int)] = [
        (.strictEqual, 1), (.strictNotEqual, 1),
        (.less, 2), (.lessOrEqual, 2), (.greater, 2), (.greaterOrEqual, 2),
        (.add, 3), (.subtract, 3),
        (.multiply, 4), (.divide, 4), (.remainder, 4),
    ]

    /// Equality, Relational, Additive and Multiplicative by precedence climbing: left-associative
    /// chains are loops, and an operand recurses only into a tighter level (at most four frames),
    /// so a level of parentheses costs few stack frames.
    mutating func parseBinary(_ minPrecedence: Int) throws(ConvergeError) -> Parsed {
        let first = try parseUnary()
        guard let next = binaryOperator(), next.precedence >= minPrecedence else { return first }
        return try parseBinaryRest(first, minPrecedence)
    }

    @inline(never)
    mutating func parseBinaryRest(_ first: Parsed, _ minPrecedence: Int) throws(ConvergeError) -> Parsed {
        var left = first
        while let (op, precedence) = binaryOperator(), precedence >= minPrecedence {
            let at = token.start
            try advance()
            let right = try parseBinary(precedence + 1)
            left = try node(.binary(op, left.node, right.node), Swift.max(left.height, right.height), at: at)
        }
        return left
    }

    mutating func parseEquality() throws(ConvergeError) -> Parsed { try parseBinary(1) }

    mutating func parseUnary() throws(ConvergeError) -> Parsed {
        guard isPunct(0x2D) || isPunct(0x2B) || isPunct(0x21) else { return try parsePrimary() }   // - + !
        return try parsePrefixed()
    }

    @inline(never)
    mutating func parsePrefixed() throws(ConvergeError) -> Parsed {
        let op: UnaryOperator = tokenIs("-") ? .negate : tokenIs("+") ? .plus : .not
        let at = token.start
        try enter()
        defer { depth -= 1 }
        try advance()
        let operand = try parseUnary()
        return try node(.unary(op, operand.node), operand.height, at: at)
    }

    mutating func parsePrimary() throws(ConvergeError) -> Parsed {
        switch token.kind {
        case .punct:
            guard isPunct(0x28) else { throw unexpected() }
            return try parseParenthesized()
        case .identifier:
            let start = token.start
            let path = try parsePath()
            guard let f = path.call else { return (path.leaf, 1) }
            return try parseCall(f, at: start)
        case .number:
            let v = token.number
            try advance()
            return (.number(v), 1)
        case .end:
            throw unexpected()
        }
    }

    @inline(never)
    mutating func parseParenthesized() throws(ConvergeError) -> Parsed {
        try enter()
        defer { depth -= 1 }
        try advance()
        let inner = try parseConditional()
        guard isPunct(0x29) else { throw unexpectedOrComma() }
        try advance()
        return inner
    }

    @inline(never)
    mutating func parseCall(_ f: MathFunction, at start: Int) throws(ConvergeError) -> Parsed {
        let args = try parseArguments()
        return try node(.call(f, args.map(\.node)), args.map(\.height).max() ?? 0, at: start)
    }

    static let unsupportedWords: Set<String> = ["typeof", "void", "delete", "new", "this", "in", "instanceof",
                                                "await", "yield", "function", "class", "super", "import"]

    /// A path: identifiers joined by dots — a literal, a dep, or (followed by `(`) a `Math`
    /// function, whose arguments the caller parses (so this frame is not on the recursion).
    @inline(never)
    mutating func parsePath() throws(ConvergeError) -> (leaf: ExprNode, call: MathFunction?) {
        let start = token.start
        var segments = [text(token.start, token.end)]
        var end = token.end
        try advance()
        while tokenIs(".") {
            try advance()
            guard token.kind == .identifier else { throw unexpected() }
            segments.append(text(token.start, token.end))
            end = token.end
            try advance()
        }
        let path = segments.joined(separator: ".")
        if tokenIs("(") {
            if segments.count == 2, segments[0] == "Math", let f = MathFunction(rawValue: segments[1]) {
                return (.undefined, f)
            }
            throw error("unsupported construct", text(start, closingParen(from: token.start)), at: start)
        }
        if segments.count == 1 {
            switch path {
            case "true": return (.boolean(true), nil)
            case "false": return (.boolean(false), nil)
            case "null": return (.null, nil)
            case "undefined": return (.undefined, nil)
            default:
                if Self.unsupportedWords.contains(path) { throw error("unsupported construct", path, at: start) }
            }
        }
        if let i = depIndex[path] { return (.dep(i), nil) }
        if ["true", "false", "null", "undefined", "Math"].contains(segments[0]) || Self.unsupportedWords.contains(segments[0]) {
            throw error("unsupported construct", text(start, end), at: start)
        }
        throw error("unknown dep", path, at: start)
    }

    /// The offset just past the `)` matching the `(` at `open` (or the end of the text).
    func closingParen(from open: Int) -> Int {
        var level = 0
        var i = open
        while i < bytes.count {
            if bytes[i] == 0x28 { level += 1 }
            if bytes[i] == 0x29 {
                level -= 1
                if level == 0 { return i + 1 }
            }
            i += 1
        }
        return bytes.count
    }

    /// `( [Conditional (, Conditional)*] )` with the current token at `(`.
    mutating func parseArguments() throws(ConvergeError) -> [Parsed] {
        try enter()
        defer { depth -= 1 }
        try advance()
        var args: [Parsed] = []
        if tokenIs(")") {
            try advance()
            return args
        }
        while true {
            args.append(try parseConditional())
            if tokenIs(")") {
                try advance()
                return args
            }
            guard tokenIs(",") else { throw unexpected() }
            try advance()
            // JavaScript allows one trailing comma in a call.
            if tokenIs(")") {
                try advance()
                return args
            }
        }
    }
}
