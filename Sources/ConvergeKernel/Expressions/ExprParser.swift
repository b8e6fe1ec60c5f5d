/// Parses C0 expressions (docs/expressions.md): a hand-written precedence-climbing parser over
/// the expression's UTF-8 bytes with JavaScript's precedence and associativity.
///
/// Every failure is an `invalidExpression` error whose message names the offending construct and
/// its offset (in UTF-8 bytes from the start of the text), e.g.
/// `unsupported operator "**" at offset 2` or `unknown dep "c" at offset 6`. Any input — however
/// malformed or deeply nested — yields a tree or an error, never a crash.
public struct ExprParser: Sendable {
    /// Nesting deeper than this (parentheses, prefix operators, conditionals, call arguments) is
    /// rejected, so the recursive descent cannot exhaust the stack.
    public static let maxDepth = 200

    /// The step's deps, in declaration order; a reference resolves to its first occurrence.
    public let deps: [String]

    /// A parser for expressions over these deps.
    public init(deps: [String]) { self.deps = deps }

    /// Parses `text` into a tree whose dep references index ``deps``.
    public func parse(_ text: String) throws(ConvergeError) -> ExprNode {
        var state = State(bytes: Array(text.utf8), deps: deps)
        try state.advance()
        let node = try state.parseConditional()
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

    init(bytes: [UInt8], deps: [String]) {
        self.bytes = bytes
        self.deps = deps
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

    mutating func enter() throws(ConvergeError) {
        depth += 1
        if depth > ExprParser.maxDepth {
            throw ConvergeError(.invalidExpression, "expression nested deeper than \(ExprParser.maxDepth) at offset \(token.start)")
        }
    }

    /// ConditionalExpression: ShortCircuit (`?` Conditional `:` Conditional)?
    mutating func parseConditional() throws(ConvergeError) -> ExprNode {
        try enter()
        defer { depth -= 1 }
        let test = try parseShortCircuit()
        guard tokenIs("?") else { return test }
        try advance()
        let consequent = try parseConditional()
        guard tokenIs(":") else { throw unexpected() }
        try advance()
        let alternate = try parseConditional()
        return .conditional(test, consequent, alternate)
    }

    /// `a ?? b ?? c`, or an `||`/`&&` chain; mixing them without parentheses is a JavaScript
    /// SyntaxError.
    mutating func parseShortCircuit() throws(ConvergeError) -> ExprNode {
        let first = try parseEquality()
        if tokenIs("??") {
            var node = first
            while tokenIs("??") {
                try advance()
                node = .logical(.coalesce, node, try parseEquality())
            }
            if tokenIs("&&") || tokenIs("||") { throw mixError() }
            return node
        }
        var node = try parseAndRest(first)
        while tokenIs("||") {
            try advance()
            node = .logical(.or, node, try parseAndRest(try parseEquality()))
        }
        if tokenIs("??") { throw mixError() }
        return node
    }

    func mixError() -> ConvergeError {
        ConvergeError(.invalidExpression, "\"??\" mixed with \"&&\" or \"||\" without parentheses at offset \(token.start)")
    }

    mutating func parseAndRest(_ first: ExprNode) throws(ConvergeError) -> ExprNode {
        var node = first
        while tokenIs("&&") {
            try advance()
            node = .logical(.and, node, try parseEquality())
        }
        return node
    }

    mutating func parseBinaryLevel(_ ops: [BinaryOperator], next: (inout State) throws(ConvergeError) -> ExprNode) throws(ConvergeError) -> ExprNode {
        var node = try next(&self)
        while true {
            guard let op = ops.first(where: { tokenIs($0.rawValue) }) else { return node }
            try advance()
            node = .binary(op, node, try next(&self))
        }
    }

    mutating func parseEquality() throws(ConvergeError) -> ExprNode {
        try parseBinaryLevel([.strictEqual, .strictNotEqual]) { (s: inout State) throws(ConvergeError) in try s.parseRelational() }
    }

    mutating func parseRelational() throws(ConvergeError) -> ExprNode {
        try parseBinaryLevel([.less, .lessOrEqual, .greater, .greaterOrEqual]) { (s: inout State) throws(ConvergeError) in try s.parseAdditive() }
    }

    mutating func parseAdditive() throws(ConvergeError) -> ExprNode {
        try parseBinaryLevel([.add, .subtract]) { (s: inout State) throws(ConvergeError) in try s.parseMultiplicative() }
    }

    mutating func parseMultiplicative() throws(ConvergeError) -> ExprNode {
        try parseBinaryLevel([.multiply, .divide, .remainder]) { (s: inout State) throws(ConvergeError) in try s.parseUnary() }
    }

    mutating func parseUnary() throws(ConvergeError) -> ExprNode {
        guard let op = UnaryOperator.allCases.first(where: { tokenIs($0.rawValue) }) else { return try parsePrimary() }
        try enter()
        defer { depth -= 1 }
        try advance()
        return .unary(op, try parseUnary())
    }

    static let unsupportedWords: Set<String> = ["typeof", "void", "delete", "new", "this", "in", "instanceof",
                                                "await", "yield", "function", "class", "super", "import"]

    mutating func parsePrimary() throws(ConvergeError) -> ExprNode {
        let start = token.start
        switch token.kind {
        case .end:
            throw unexpected()
        case .number:
            let v = token.number
            try advance()
            return .number(v)
        case .punct:
            guard tokenIs("(") else { throw unexpected() }
            try enter()
            defer { depth -= 1 }
            try advance()
            let inner = try parseConditional()
            if tokenIs(",") { throw error("unsupported operator", ",", at: token.start) }
            guard tokenIs(")") else { throw unexpected() }
            try advance()
            return inner
        case .identifier:
            break
        }
        // A path: identifiers joined by dots.
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
                return .call(f, try parseArguments())
            }
            throw error("unsupported construct", text(start, closingParen(from: token.start)), at: start)
        }
        if segments.count == 1 {
            switch path {
            case "true": return .boolean(true)
            case "false": return .boolean(false)
            case "null": return .null
            case "undefined": return .undefined
            default:
                if Self.unsupportedWords.contains(path) { throw error("unsupported construct", path, at: start) }
            }
        }
        if let i = deps.firstIndex(of: path) { return .dep(i) }
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
    mutating func parseArguments() throws(ConvergeError) -> [ExprNode] {
        try enter()
        defer { depth -= 1 }
        try advance()
        var args: [ExprNode] = []
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
