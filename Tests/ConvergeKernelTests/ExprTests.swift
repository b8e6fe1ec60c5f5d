import ConvergeBench
import Testing
@testable import ConvergeKernel

/// C0 expressions: the parser's precedence, associativity and errors; the evaluator's JavaScript
/// edge cases; the compile report.
@Suite struct ExprTests {
    static let deps = ["a", "b", "user.age"]

    private func parse(_ text: String, deps: [String] = ExprTests.deps) -> ExprNode? {
        try? ExprParser.parse(text, deps: deps)
    }

    private func parseError(_ text: String, deps: [String] = ExprTests.deps) -> ConvergeError? {
        do {
            _ = try ExprParser.parse(text, deps: deps)
            return nil
        } catch {
            return error
        }
    }

    private func eval(_ text: String, _ values: [ConvergeValue] = []) -> ConvergeValue? {
        guard let node = parse(text) else { return nil }
        return ExprEvaluator.evaluate(node, deps: values)
    }

    private func num(_ text: String, _ values: [ConvergeValue] = []) -> Double? {
        eval(text, values)?.number
    }

    private func isNegZero(_ d: Double?) -> Bool { d == 0 && d?.sign == .minus }
    private func isPosZero(_ d: Double?) -> Bool { d == 0 && d?.sign == .plus }

    // MARK: - Parser

    @Test func precedenceFollowsJavaScript() {
        #expect(parse("1 + 2 * 3") == .binary(.add, .number(1), .binary(.multiply, .number(2), .number(3))))
        #expect(parse("(1 + 2) * 3") == .binary(.multiply, .binary(.add, .number(1), .number(2)), .number(3)))
        #expect(parse("a < b === b > a") == .binary(.strictEqual, .binary(.less, .dep(0), .dep(1)), .binary(.greater, .dep(1), .dep(0))))
        #expect(parse("a || b && a") == .logical(.or, .dep(0), .logical(.and, .dep(1), .dep(0))))
        #expect(parse("a && b ? 1 : 2") == .conditional(.logical(.and, .dep(0), .dep(1)), .number(1), .number(2)))
        #expect(parse("-a * b") == .binary(.multiply, .unary(.negate, .dep(0)), .dep(1)))
        #expect(parse("!a === b") == .binary(.strictEqual, .unary(.not, .dep(0)), .dep(1)))
        #expect(parse("a ?? b ? 1 : 2") == .conditional(.logical(.coalesce, .dep(0), .dep(1)), .number(1), .number(2)))
        #expect(parse("a ?? b === 1") == .logical(.coalesce, .dep(0), .binary(.strictEqual, .dep(1), .number(1))))
    }

    @Test func associativityFollowsJavaScript() {
        #expect(parse("1 - 2 - 3") == .binary(.subtract, .binary(.subtract, .number(1), .number(2)), .number(3)))
        #expect(parse("8 / 4 % 3") == .binary(.remainder, .binary(.divide, .number(8), .number(4)), .number(3)))
        #expect(parse("a ? 1 : b ? 2 : 3") == .conditional(.dep(0), .number(1), .conditional(.dep(1), .number(2), .number(3))))
        #expect(parse("a ?? b ?? 1") == .logical(.coalesce, .logical(.coalesce, .dep(0), .dep(1)), .number(1)))
        #expect(parse("a < b < 1") == .binary(.less, .binary(.less, .dep(0), .dep(1)), .number(1)))
        #expect(parse("- - a") == .unary(.negate, .unary(.negate, .dep(0))))
    }

    @Test func literalsPathsAndCalls() {
        #expect(parse("1.5e3") == .number(1500))
        #expect(parse(".5") == .number(0.5))
        #expect(parse("1.") == .number(1))
        #expect(parse("2E-1") == .number(0.2))
        #expect(parse("1e400") == .number(.infinity))
        #expect(parse("5e-324") == .number(.leastNonzeroMagnitude))
        #expect(parse("true") == .boolean(true))
        #expect(parse("null") == .null)
        #expect(parse("undefined") == .undefined)
        #expect(parse(" user.age ") == .dep(2))
        #expect(parse("user . age") == .dep(2))
        #expect(parse("Math.max()") == .call(.max, []))
        #expect(parse("Math.min(a, b, 1,)") == .call(.min, [.dep(0), .dep(1), .number(1)]))
        #expect(parse("a?.5:1") == .conditional(.dep(0), .number(0.5), .number(1)))
        #expect(parse("b", deps: ["a", "b", "b"]) == .dep(1))
    }

    @Test func errorsNameTheConstructAndOffset() {
        #expect(parseError("a + x.foo()", deps: ["a"])?.message == #"unsupported construct "x.foo()" at offset 4"#)
        #expect(parseError("a + b + c", deps: ["a", "b"])?.message == #"unknown dep "c" at offset 8"#)
        #expect(parseError("a ** 2")?.message == #"unsupported operator "**" at offset 2"#)
        #expect(parseError("a == b")?.message == #"unsupported operator "==" at offset 2"#)
        #expect(parseError("a = 1")?.message == #"unsupported operator "=" at offset 2"#)
        #expect(parseError("a++")?.message == #"unsupported operator "++" at offset 1"#)
        #expect(parseError("a?.b")?.message == #"unsupported operator "?." at offset 1"#)
        #expect(parseError("a, b")?.message == #"unsupported operator "," at offset 1"#)
        #expect(parseError("a & 1")?.message == #"unsupported operator "&" at offset 2"#)
        #expect(parseError("'x'")?.message == #"unsupported construct "'" at offset 0"#)
        #expect(parseError("a[0]")?.message == #"unsupported construct "[" at offset 1"#)
        #expect(parseError("0x1F")?.message == #"unsupported construct "0x1F" at offset 0"#)
        #expect(parseError("017")?.message == #"unsupported construct "017" at offset 0"#)
        #expect(parseError("1_000")?.message == #"unsupported construct "1_000" at offset 0"#)
        #expect(parseError("typeof a")?.message == #"unsupported construct "typeof" at offset 0"#)
        #expect(parseError("Math.pow(a, 2)")?.message == #"unsupported construct "Math.pow(a, 2)" at offset 0"#)
        #expect(parseError("Math.PI")?.message == #"unsupported construct "Math.PI" at offset 0"#)
        #expect(parseError("1e+")?.message == #"malformed number "1e+" at offset 0"#)
        #expect(parseError("a +")?.message == "unexpected end of expression at offset 3")
        #expect(parseError("(a")?.message == "unexpected end of expression at offset 2")
        #expect(parseError("a b")?.message == #"unexpected "b" at offset 2"#)
        #expect(parseError("")?.message == "unexpected end of expression at offset 0")
        #expect(parseError("é")?.message == #"unsupported construct "é" at offset 0"#)
        #expect(parseError("a ? b")?.code == .invalidExpression)
    }

    @Test func coalesceCannotMixWithAndOrWithoutParentheses() {
        #expect(parseError("a ?? b || 1")?.message == #""??" mixed with "&&" or "||" without parentheses at offset 7"#)
        #expect(parseError("a && b ?? 1")?.message == #""??" mixed with "&&" or "||" without parentheses at offset 7"#)
        #expect(parseError("a || b ?? 1") != nil)
        #expect(parseError("a ?? b && 1") != nil)
        #expect(parse("(a && b) ?? 1") != nil)
        #expect(parse("a ?? (b || 1)") != nil)
        #expect(parse("a ? b ?? 1 : a || b") != nil)
    }

    @Test func deepNestingIsAnErrorNotACrash() {
        let deep = String(repeating: "(", count: 100_000) + "a" + String(repeating: ")", count: 100_000)
        #expect(parseError(deep)?.message == "expression is 200001 bytes long; the limit is 65536")
        let deepShort = String(repeating: "(", count: 10_000) + "a" + String(repeating: ")", count: 10_000)
        #expect(parseError(deepShort)?.message == "expression nests more than 32 levels deep at offset 32; the limit is 32")
        #expect(parseError(String(repeating: "-", count: 100_000) + "a") != nil)
        #expect(parseError(String(repeating: "!", count: 50_000) + "a") != nil)
        #expect(parseError(String(repeating: "a ? ", count: 50_000) + "a") != nil)
        #expect(parse(String(repeating: "(", count: 32) + "a" + String(repeating: ")", count: 32)) == .dep(0))
    }

    @Test func randomGarbageNeverCrashes() {
        var rng = SplitMix(seed: 0xC0FFEE)
        let alphabet = Array("ab.user age Math.max(min,)?:!<=>=&|*/%+-0123456789eE.'\"[]{}#@\\;\t\n\u{0}é😀nulltrue".utf8)
        var parsed = 0
        for _ in 0..<20_000 {
            let n = Int(rng.next() % 24)
            var bytes: [UInt8] = []
            for _ in 0..<n {
                bytes.append(rng.next() % 8 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : alphabet[Int(rng.next() % UInt64(alphabet.count))])
            }
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let node = try ExprParser.parse(text, deps: ExprTests.deps)
                _ = ExprEvaluator.evaluate(node, deps: [.number(1)])
                parsed += 1
            } catch {
                #expect(error.code == .invalidExpression)
                #expect(error.message.contains("offset"), "\(text): \(error.message)")
            }
        }
        #expect(parsed > 0)
    }

    // MARK: - Evaluator

    @Test func toNumberOfNullUndefinedAndBooleans() {
        #expect(num("null + 1") == 1)
        #expect(num("undefined + 1")?.isNaN == true)
        #expect(num("true + true") == 2)
        #expect(num("false * 5") == 0)
        #expect(num("+null") == 0)
        #expect(num("-null").map(isNegZero) == true)
        #expect(num("+undefined")?.isNaN == true)
        #expect(num("a + b", [.null, .boolean(true)]) == 1)
        #expect(num("user.age * 2", [.null, .null]) != nil)  // missing value: undefined → NaN
        #expect(num("user.age * 2", [.null, .null])?.isNaN == true)
    }

    @Test func nanInfinityAndNegativeZero() {
        #expect(num("1 / 0") == .infinity)
        #expect(num("-1 / 0") == -.infinity)
        #expect(num("0 / 0")?.isNaN == true)
        #expect(isNegZero(num("-0")))
        #expect(isNegZero(num("0 * -1")))
        #expect(isPosZero(num("-0 + 0")))
        #expect(isNegZero(num("-0 - 0")))
        #expect(num("1e308 * 10") == .infinity)
        #expect(num("5e-324 / 2") == 0)
    }

    @Test func remainderTakesTheDividendsSign() {
        #expect(num("-5 % 3") == -2)
        #expect(num("5 % -3") == 2)
        #expect(isNegZero(num("-4 % 2")))
        #expect(num("5.5 % 2") == 1.5)
        #expect(num("1 % 0")?.isNaN == true)
        #expect(num("(1/0) % 2")?.isNaN == true)
        #expect(num("3 % (1/0)") == 3)
        #expect(isNegZero(num("-0 % 5")))
    }

    @Test func mathRoundRoundsHalvesUp() {
        #expect(num("Math.round(-2.5)") == -2)
        #expect(num("Math.round(2.5)") == 3)
        #expect(isNegZero(num("Math.round(-0.4)")))
        #expect(isNegZero(num("Math.round(-0.5)")))
        #expect(isNegZero(num("Math.round(-0)")))
        #expect(num("Math.round(-0.6)") == -1)
        #expect(num("Math.round(0.49999999999999994)") == 0)
        #expect(num("Math.round(4503599627370495.5)") == 4503599627370496)
        #expect(num("Math.round(1/0)") == .infinity)
        #expect(num("Math.round(undefined)")?.isNaN == true)
    }

    @Test func mathMaxMinWithNaNAndZeros() {
        #expect(num("Math.max()") == -.infinity)
        #expect(num("Math.min()") == .infinity)
        #expect(isPosZero(num("Math.max(0, -0)")))
        #expect(isPosZero(num("Math.max(-0, 0)")))
        #expect(isNegZero(num("Math.min(0, -0)")))
        #expect(isNegZero(num("Math.min(-0, 0)")))
        #expect(num("Math.max(1, 0/0, 3)")?.isNaN == true)
        #expect(num("Math.min(0/0)")?.isNaN == true)
        #expect(num("Math.max(null, -1)") == 0)
        #expect(num("Math.min(true, 2)") == 1)
        #expect(num("Math.max(undefined)")?.isNaN == true)
    }

    @Test func otherMathFunctions() {
        #expect(isNegZero(num("Math.sign(-0)")))
        #expect(num("Math.sign(-3)") == -1)
        #expect(num("Math.sign(0/0)")?.isNaN == true)
        #expect(isPosZero(num("Math.abs(-0)")))
        #expect(isNegZero(num("Math.ceil(-0.5)")))
        #expect(isNegZero(num("Math.trunc(-0.5)")))
        #expect(num("Math.floor(-0.5)") == -1)
        #expect(isNegZero(num("Math.sqrt(-0)")))
        #expect(num("Math.sqrt(-1)")?.isNaN == true)
        #expect(num("Math.abs()")?.isNaN == true)
        #expect(num("Math.abs(-2, 0/0)") == 2)
    }

    @Test func strictEqualityAndComparisons() {
        #expect(eval("0/0 === 0/0") == .boolean(false))
        #expect(eval("0/0 !== 0/0") == .boolean(true))
        #expect(eval("0 === -0") == .boolean(true))
        #expect(eval("null === undefined") == .boolean(false))
        #expect(eval("null === null") == .boolean(true))
        #expect(eval("true === 1") == .boolean(false))
        #expect(eval("1 < 0/0") == .boolean(false))
        #expect(eval("0/0 >= 0/0") == .boolean(false))
        #expect(eval("null < 1") == .boolean(true))
        #expect(eval("null >= 0") == .boolean(true))
        #expect(eval("undefined < 1") == .boolean(false))
        #expect(eval("undefined >= undefined") == .boolean(false))
        #expect(eval("false < true") == .boolean(true))
        #expect(eval("-0 < 0") == .boolean(false))
    }

    @Test func logicalOperatorsReturnOperands() {
        #expect(eval("0 && 1") == .number(0))
        #expect(eval("-0 || null") == .null)
        #expect(eval("2 && undefined") == .undefined)
        #expect(eval("0/0 || 7") == .number(7))
        #expect(eval("null ?? 3") == .number(3))
        #expect(eval("undefined ?? null") == .null)
        #expect(eval("0 ?? 3") == .number(0))
        #expect(eval("false ?? 3") == .boolean(false))
        #expect(eval("!0") == .boolean(true))
        #expect(eval("!-0") == .boolean(true))
        #expect(eval("!(0/0)") == .boolean(true))
        #expect(eval("!null") == .boolean(true))
        #expect(eval("!undefined") == .boolean(true))
        #expect(eval("!0.5") == .boolean(false))
        #expect(eval("0/0 ? 1 : null") == .null)
        #expect(eval("a ? b : user.age", [.number(-0.0), .number(1), .boolean(false)]) == .boolean(false))
    }

    // MARK: - Compile report

    @Test func compileReportTryFallsBackWithAReason() throws {
        var b = IRBuilder()
        b.computed("d0", deps: ["b0"], expr: "b0 + 1")
        b.computed("d1", deps: ["b0"], expr: "b0 + c")
        b.link("l", from: "d0")
        b.computed("d2", deps: ["b0"])
        let report = try ExprCompiler.compile(try CompiledGraph(b.build()), policy: .try)
        #expect(report.entries.map(\.out) == ["d0", "d1", "d2"])
        #expect(report.entries.map(\.stepIndex) == [0, 1, 3])
        #expect(report.compiledCount == 1 && report.fallbackCount == 2)
        #expect(report.entry(out: "d0")?.compiled?.evaluate([.number(2)]) == .number(3))
        #expect(report.entry(out: "d1")?.fallbackReason == #"unknown dep "c" at offset 5"#)
        #expect(report.entry(out: "d2")?.fallbackReason == "no expr")
        #expect(report.entry(out: "l") == nil)
    }

    @Test func compileReportMustNamesTheStepAndConstruct() throws {
        var b = IRBuilder()
        b.computed("d0", deps: ["b0"], expr: "b0 + 1")
        b.computed("d1", deps: ["b0"], expr: "b0 ** 2")
        b.computed("d2", deps: ["b0"], expr: "x")
        do {
            _ = try ExprCompiler.compile(b.build(), policy: .must)
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .invalidExpression)
            #expect(error.message == #"step "d1" (steps[1]) must compile: unsupported operator "**" at offset 3"#)
            #expect(error.description.hasPrefix("invalid expression: "))
        }
        var ok = IRBuilder()
        ok.computed("d0", deps: ["b0", "user.age"], expr: "Math.max(b0, user.age) ?? 0")
        #expect(try ExprCompiler.compile(ok.build(), policy: .must).compiledCount == 1)
    }

    @Test func invalidExpressionCode() {
        #expect(ConvergeError.Code.invalidExpression.words == "invalid expression")
        #expect(ConvergeError.Code.invalidExpression.logixCode == nil)
        #expect(ConvergeError.Code.invalidExpression.rawValue == "invalidExpression")
    }
}

/// A small seeded generator (SplitMix64) for the expression tests.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
