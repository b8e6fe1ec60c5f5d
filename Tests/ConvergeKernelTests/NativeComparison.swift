@testable import ConvergeKernel

// What the tests that hold another backend (WasmKit, node, Chromium, the C decider) against the
// native runtime share: the policy both sides run and the comparison of their states.

extension RuntimeOptions {
    /// The deterministic policy both sides of a comparison run: light diagnostics, no cost
    /// model, no decision budget, no execution budget.
    static func deterministic(_ level: ExecutionLevel, _ mode: ConvergeMode) -> RuntimeOptions {
        var o = RuntimeOptions(level: level, mode: mode, diagnostics: .light)
        o.executionBudgetMs = 0
        o.auto.costModel = false
        o.auto.decisionBudgetMs = 0
        return o
    }
}

/// The graph's slots where `got` differs from `native` (the tag, or the payload bit for bit), as
/// "path: got vs native value".
func differingSlots(_ graph: CompiledGraph, _ got: [ConvergeValue], _ native: [ConvergeValue]) -> [String] {
    (0..<graph.pathCount).filter { got[$0].tag != native[$0].tag || got[$0].payload.bitPattern != native[$0].payload.bitPattern }
        .map { "\(graph.fieldPaths[$0]): \(got[$0]) vs native \(native[$0])" }
}

/// A state a host sent back as tags and payloads, as the graph's slot values.
func slotValues(_ graph: CompiledGraph, tags: [UInt8], values: [Double]) -> [ConvergeValue] {
    (0..<graph.pathCount).map { ConvergeValue(tag: tags[$0], payload: values[$0]) }
}
