// frontend_fuzz.swift — libFuzzer target for the front end (docs/expressions.md, "Fuzzing"):
// IR JSON → tables (CompiledGraph) → expression parser and compiler → the kernel's bytecode verifier →
// artifact encode + open, with the evaluator and the VM run on every compiled step.
//
// Input: one mode byte, then the rest.
// - mode & 1 == 0: the rest is a converge-ir JSON document.
// - mode & 1 == 1: the rest is one C0 expression, the `expr` of a computed step over the deps
//   `a`, `b`, `u.age`, `c` (mode bit 1: a second step computes `d0 + (expr)`), so mutations
//   reach the parser and compiler without having to keep the JSON valid.
//
// Findings (abort → libFuzzer keeps the input): a crash, a sanitizer report, an error other than
// a typed ConvergeError, or a broken invariant: what compiles must load (the verifier accepts the
// bytecode), the artifact of a graph must open and rebuild the graph, `must` throws
// `invalidExpression` or compiles everything `try` compiles, and the VM equals the evaluator on
// every compiled step.
//
// Built with the ConvergeKernel sources into one module by scripts/fuzz-frontend.sh
// (swiftc -sanitize=fuzzer,address), which also runs it.
import CKernel
import Foundation

private func check(_ ok: Bool, _ what: @autoclosure () -> String) {
    if !ok {
        FileHandle.standardError.write(Data("frontend_fuzz: invariant broken: \(what())\n".utf8))
        abort()
    }
}

private func document(expr: String, chained: Bool) -> Data {
    var b = IRBuilder()
    for f in ["a", "b", "u.age", "c"] { b.field(f) }
    b.computed("d0", deps: ["a", "b", "u.age", "c"], expr: expr)
    if chained { b.computed("d1", deps: ["d0", "a", "b", "u.age", "c"], expr: "d0 + (\(expr))") }
    return b.build().jsonData()
}

/// `Object.is` on two results (every NaN the same).
private func same(_ x: ConvergeValue, _ y: ConvergeValue) -> Bool {
    switch (x, y) {
    case (.number(let p), .number(let q)): return p.bitPattern == q.bitPattern || (p.isNaN && q.isNaN)
    default: return x == y
    }
}

private func run(_ json: Data) {
    let graph: CompiledGraph
    do {
        graph = try CompiledGraph(ConvergeIR(json: json))
    } catch {
        return  // a typed error: the expected outcome for most inputs
    }
    let report: CompileReport
    do {
        report = try ExprCompiler.compile(graph, policy: .try)
    } catch {
        // only a step's own compile: "must" can fail under the default policy try
        check(error.code == .invalidExpression, "try threw \(error)")
        return
    }
    let code = report.bytecode ?? Bytecode(stepCount: graph.stepCount)
    check(code.compiledSteps == report.compiledCount, "\(code.compiledSteps) programs for \(report.compiledCount) compiled steps")
    // must: an invalidExpression error, or exactly what try compiled (steps with their own
    // "compile": "try" may fall back under both)
    do {
        let strict = try ExprCompiler.compile(graph, policy: .must)
        check(strict == report, "must compiled differently from try")
    } catch {
        check(error.code == .invalidExpression, "must threw \(error)")
        check(report.fallbackCount > 0 || error.message.contains("compile is"), "must failed where try compiled everything: \(error)")
    }
    // compiled ⇒ loads, and the VM equals the evaluator on each compiled step
    do {
        let planner = try NativeKernel(graph, options: NativeOptions())
        do {
            try planner.loadCode(code)
        } catch {
            check(false, "compiled bytecode does not load: \(error)")
        }
        let view = planner.stateView()
        let values: [ConvergeValue] = [.number(2.5), .number(-0.0), .null, .undefined, .boolean(true), .number(.nan), .number(-3)]
        for p in 0..<graph.pathCount {
            let v = values[p % values.count]
            view.tags[p] = v.tag
            view.values[p] = v.payload
        }
        let stepOfDecl = graph.stepIdsByDeclaration()
        for entry in report.entries {
            guard let expr = entry.compiled else { continue }
            let s = stepOfDecl[entry.stepIndex]
            let lo = Int(graph.inputOffsets[s]), hi = Int(graph.inputOffsets[s + 1])
            let inputs = graph.inputPaths[lo..<hi].map { p -> ConvergeValue in
                p == .max ? .undefined : ConvergeValue(tag: view.tags[Int(p)], payload: view.values[Int(p)])
            }
            let want = expr.evaluate(inputs)
            guard let got = try? planner.evaluate(step: s) else {
                check(false, "step \(s) compiled but has no program")
                return
            }
            check(same(got, want), "step \(s): VM \(got), evaluator \(want)")
        }
    } catch {
        // the tables themselves may be refused by the kernel (sizes); typed, so not a finding
        check(error.code != .invalidBytecode, "kernel refused: \(error)")
    }
    // the artifact: encode, open, validate, rebuild
    do {
        let bytes = try Artifact.encode(graph, policy: .try)
        let artifact = try Artifact(bytes: bytes)
        try artifact.validateKernel()
        let again = try artifact.graph()
        check(again.stepCount == graph.stepCount && again.pathCount == graph.pathCount, "artifact rebuilt another graph")
        check(artifact.bytecode == code, "artifact bytecode differs from the compiler's")
    } catch {
        check(error.code == .invalidExpression || error.code == .tooLarge, "artifact of a valid graph: \(error)")
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func frontendFuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size > 0 else { return 0 }
    let mode = data[0]
    let rest = Data(bytes: data + 1, count: size - 1)
    if mode & 1 == 1 {
        run(document(expr: String(decoding: rest, as: UTF8.self), chained: mode & 2 != 0))
    } else {
        run(rest)
    }
    return 0
}
