import ConvergeWasm
import Foundation
import Testing
@testable import ConvergeKernel

/// The Swift evaluator and the kernel's bytecode VM (L3) against Node: seeded random C0
/// expression texts over three deps (`a`,
/// `u.age`, `c`), each run on random inputs from the edge-case values, evaluated in one `node`
/// process as `(a, u, c) => expr` (u = {age}); results must agree bit for bit (same kind, and
/// `Object.is`), and a text Swift rejects must be a SyntaxError in Node and vice versa.
///
/// Needs `node` ≥ 18: skipped without it, unless CONVERGE_REQUIRE_NODE=1 (CI), when it fails.
@Suite(.enabled(if: NodeAvailability.nodeOrRequired, "node >= 18 is not on PATH (set CONVERGE_NODE)"))
struct ExprNodeDifferentialTests {
    static let deps = ["a", "u.age", "c"]
    /// Input values: JavaScript spellings.
    static let values: [(js: String, value: ConvergeValue)] = [
        ("NaN", .number(.nan)), ("0", .number(0)), ("-0", .number(-0.0)), ("Infinity", .number(.infinity)),
        ("-Infinity", .number(-.infinity)), ("0.5", .number(0.5)), ("-0.5", .number(-0.5)), ("2.5", .number(2.5)),
        ("-2.5", .number(-2.5)), ("1", .number(1)), ("-3", .number(-3)), ("1e308", .number(1e308)),
        ("5e-324", .number(.leastNonzeroMagnitude)), ("null", .null), ("undefined", .undefined), ("true", .boolean(true)),
        ("false", .boolean(false)),
    ]
    static let literals = ["0", "1", "2", "0.5", ".5", "2.5", "3.", "1e308", "5e-324", "1e3", "2E-1", "-0", "true",
                           "false", "null", "undefined", "a", "u.age", "c", "a", "u.age", "c"]
    static let binaryOps = ["+", "-", "*", "/", "%", "===", "!==", "<", "<=", ">", ">=", "&&", "||", "??"]
    static let functions = MathFunction.allCases.map(\.rawValue)

    /// A random expression text; operator chains are left unparenthesized so the two parsers'
    /// precedence is compared too (`??` next to `&&`/`||` makes some texts syntax errors).
    static func expression(_ rng: inout SplitMix, depth: Int) -> String {
        let pick = depth <= 0 ? 0 : Int(rng.next() % 7)
        switch pick {
        case 0: return literals[Int(rng.next() % UInt64(literals.count))]
        case 1: return ["-", "+", "!"][Int(rng.next() % 3)] + " " + expression(&rng, depth: depth - 1)
        case 2: return "(" + expression(&rng, depth: depth - 1) + ")"
        case 3:
            return expression(&rng, depth: depth - 1) + " ? " + expression(&rng, depth: depth - 1) + " : "
                + expression(&rng, depth: depth - 1)
        case 4:
            let f = functions[Int(rng.next() % UInt64(functions.count))]
            let n = f == "min" || f == "max" ? Int(rng.next() % 4) : 1
            return "Math.\(f)(" + (0..<n).map { _ in expression(&rng, depth: depth - 1) }.joined(separator: ", ") + ")"
        default:
            var text = expression(&rng, depth: depth - 1)
            for _ in 0..<(1 + Int(rng.next() % 3)) {
                text += " " + binaryOps[Int(rng.next() % UInt64(binaryOps.count))] + " " + expression(&rng, depth: depth - 1)
            }
            return text
        }
    }

    /// The result spelling both sides produce: kind and, for numbers, the Float64 bits in hex
    /// (every NaN as "NaN").
    static func spell(_ v: ConvergeValue) -> String {
        switch v {
        case .undefined: "undefined"
        case .null: "null"
        case .boolean(let b): b ? "true" : "false"
        case .number(let d): d.isNaN ? "NaN" : "n:" + String(d.bitPattern, radix: 16)
        }
    }


    @Test(arguments: [UInt64(0xC0_0001), 0xC0_0002])
    func swiftEvaluatorEqualsNode(_ seed: UInt64) throws {
        let node = try NodeHost.node()
        var rng = SplitMix(seed: seed)
        let count = 1500, inputsPer = 3
        var texts: [String] = []
        var inputs: [[Int]] = []
        for _ in 0..<count {
            texts.append(Self.expression(&rng, depth: 1 + Int(rng.next() % 4)))
            for _ in 0..<inputsPer {
                inputs.append((0..<3).map { _ in Int(rng.next() % UInt64(Self.values.count)) })
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("converge-expr-\(seed)-\(ProcessInfo.processInfo.processIdentifier)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let job: [String: Any] = ["texts": texts, "inputs": inputs, "values": Self.values.map(\.js), "perText": inputsPer]
        try JSONSerialization.data(withJSONObject: job).write(to: dir.appendingPathComponent("job.json"))
        let js = #"""
        import { readFileSync } from "node:fs";
        const job = JSON.parse(readFileSync(process.argv[2], "utf8"));
        const named = { NaN: NaN, Infinity: Infinity, "-Infinity": -Infinity, "-0": -0, undefined: undefined, null: null, true: true, false: false };
        const values = job.values.map((s) => (s in named ? named[s] : Number(s)));
        const view = new DataView(new ArrayBuffer(8));
        const spell = (v) => {
          if (v === undefined) return "undefined";
          if (v === null) return "null";
          if (typeof v === "boolean") return String(v);
          if (typeof v !== "number") return "type:" + typeof v;
          if (Number.isNaN(v)) return "NaN";
          view.setFloat64(0, v);
          return "n:" + view.getBigUint64(0).toString(16);
        };
        const out = [];
        job.texts.forEach((text, t) => {
          let f;
          try { f = new Function("a", "u", "c", `"use strict"; return (${text}\n);`); }
          catch (e) { for (let k = 0; k < job.perText; k++) out.push(e instanceof SyntaxError ? "SyntaxError" : "error:" + e); return; }
          for (let k = 0; k < job.perText; k++) {
            const [x, y, z] = job.inputs[t * job.perText + k].map((i) => values[i]);
            try { out.push(spell(f(x, { age: y }, z))); } catch (e) { out.push("error:" + e); }
          }
        });
        process.stdout.write(JSON.stringify(out));
        """#
        let scriptURL = dir.appendingPathComponent("diff.mjs")
        try Data(js.utf8).write(to: scriptURL)
        let run = try WasmBuild.run(node, [scriptURL.path, dir.appendingPathComponent("job.json").path])
        guard run.status == 0, let replies = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String],
              replies.count == count * inputsPer else {
            Issue.record("seed \(seed): node failed (status \(run.status)): \(run.output.prefix(2000))")
            return
        }
        // the same texts as one graph's steps, compiled to bytecode: the kernel's VM answers too
        let graph = try BytecodeTests.graph(texts, deps: Self.deps)
        let code = try #require(try ExprCompiler.compile(graph, policy: .try).bytecode)
        let vm = try BytecodeTests.planner(graph)
        try vm.loadCode(code)
        var stepOfText = [Int](repeating: -1, count: texts.count)
        for (id, decl) in graph.topoOrder.enumerated() { stepOfText[decl] = id }
        var failures: [String] = []
        var rejected = 0, vmChecked = 0
        for (t, text) in texts.enumerated() {
            let parsed: ExprNode?
            var parseMessage = ""
            do { parsed = try ExprParser.parse(text, deps: Self.deps) } catch {
                parsed = nil
                parseMessage = error.message
            }
            for k in 0..<inputsPer {
                let want = replies[t * inputsPer + k]
                let got: String
                if let parsed {
                    got = Self.spell(ExprEvaluator.evaluate(parsed, deps: inputs[t * inputsPer + k].map { Self.values[$0].value }))
                } else {
                    got = "SyntaxError"
                }
                if got != want {
                    let args = inputs[t * inputsPer + k].map { Self.values[$0].js }
                    failures.append("\(text)  with a=\(args[0]) u.age=\(args[1]) c=\(args[2]): swift \(got) \(parseMessage), node \(want)")
                }
                if parsed != nil {
                    for (d, i) in zip(Self.deps, inputs[t * inputsPer + k]) { BytecodeTests.set(vm, graph, d, Self.values[i].value) }
                    let vmGot = Self.spell(try vm.evaluate(step: stepOfText[t]))
                    vmChecked += 1
                    if vmGot != want {
                        let args = inputs[t * inputsPer + k].map { Self.values[$0].js }
                        failures.append("\(text)  with a=\(args[0]) u.age=\(args[1]) c=\(args[2]): bytecode VM \(vmGot), node \(want)")
                    }
                }
            }
            if parsed == nil { rejected += 1 }
        }
        let failed = failures.count
        #expect(failed == 0, "seed \(seed): \(failures.count) of \(count * inputsPer) differ; first: \(failures.prefix(10).joined(separator: "\n"))")
        // Most texts are valid C0; some mix ?? with &&/|| and both sides reject them.
        #expect(rejected < count / 2, "seed \(seed): \(rejected) texts rejected")
        #expect(rejected > 0, "seed \(seed): no text exercised the ?? mixing rule")
        #expect(vmChecked > count, "seed \(seed): the VM answered only \(vmChecked) times")
    }
}
