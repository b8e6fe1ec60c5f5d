import ConvergeKernelTestSupport
import Foundation
import Testing

/// Hostile expressions through `converge compile` (docs/expressions.md, "Limits"): one line on
/// stderr and exit 2 under `--policy must`, a host-step fallback under `try`, never a crash; and
/// whatever compiles loads (`plan --artifact`, `bench-load`).
extension CLITests {
    func graph(expr: String) throws -> String {
        try write(#"{"format": "converge-ir", "version": 1, "fields": ["b"], "steps": [{"kind": "computed", "out": "d0", "deps": ["b"], "expr": "\#(expr)"}]}"#)
    }

    func compile(_ ir: String, policy: String) throws -> (Run, String) {
        let file = tempPath("ckir")
        return (try run(["compile", ir, "-o", file, "--policy", policy]), file)
    }

    /// The issue: a 150,000-term `b+b+…+b` crashed `converge compile` with signal 11.
    @Test func hugeExpressionIsOneLineUnderMustAndAHostStepUnderTry() throws {
        let ir = try graph(expr: Array(repeating: "b", count: 150_000).joined(separator: "+"))
        let t0 = Date()
        let (must, _) = try compile(ir, policy: "must")
        #expect(must.status == 2)
        #expect(must.stdout.isEmpty)
        #expect(must.stderr == #"converge: invalid expression: step "d0" (steps[0]) must compile: expression is 299999 bytes long; the limit is 65536"# + "\n")
        let (tried, file) = try compile(ir, policy: "try")
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(tried.status == 0, "\(tried.stderr)")
        #expect(tried.stdout.contains(" 0 compiled steps, "), "\(tried.stdout)")
        #expect(Date().timeIntervalSince(t0) < 20)
    }

    @Test func deepExpressionNamesTheDepthLimit() throws {
        let deep = String(repeating: "(", count: 33) + "b" + String(repeating: ")", count: 33)
        let (must, _) = try compile(try graph(expr: deep), policy: "must")
        #expect(must.status == 2)
        #expect(must.stderr == #"converge: invalid expression: step "d0" (steps[0]) must compile: expression nests more than 32 levels deep at offset 32; the limit is 32"# + "\n")
        let chain = Array(repeating: "b", count: 501).joined(separator: " && ")
        let (and, _) = try compile(try graph(expr: chain), policy: "must")
        #expect(and.status == 2)
        #expect(and.stderr == #"converge: invalid expression: step "d0" (steps[0]) must compile: expression is more than 500 operators deep at offset 2497; the limit is 500"# + "\n")
    }

    /// The issue: a program past the verifier's 65,535 instructions compiled ("1 compiled steps")
    /// and then `plan --artifact` / `bench-load` refused the file.
    @Test func whatCompilesLoads() throws {
        let (over, _) = try compile(try graph(expr: ExprTexts.instructions(65_536)), policy: "must")
        #expect(over.status == 2)
        #expect(over.stderr == #"converge: invalid expression: step "d0" (steps[0]) must compile: the expression compiles to more than 65535 instructions; the limit is 65535 per step"# + "\n")
        let (fallback, host) = try compile(try graph(expr: ExprTexts.instructions(65_536)), policy: "try")
        defer { try? FileManager.default.removeItem(atPath: host) }
        #expect(fallback.status == 0 && fallback.stdout.contains(" 0 compiled steps, "), "\(fallback.stdout)\(fallback.stderr)")
        let (at, file) = try compile(try graph(expr: ExprTexts.instructions(65_535)), policy: "must")
        defer { try? FileManager.default.removeItem(atPath: file) }
        #expect(at.status == 0 && at.stdout.contains(" 1 compiled steps, "), "\(at.stdout)\(at.stderr)")
        for f in [file, host] {
            let plan = try run(["plan", "--artifact", f, "--dirty", "b"])
            #expect(plan.status == 0, "\(plan.stderr)")
            let load = try run(["bench-load", f, "--runs", "1"])
            #expect(load.status == 0, "\(load.stderr)")
        }
    }
}
