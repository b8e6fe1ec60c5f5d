import ConvergeEvidence
import Foundation

/// Builds converge.txnCommit reports with made-up but plausible numbers for the HTML page and
/// terminal table tests. js-v8's auto points are "skipped" (as a backend that lacks a mode reports
/// them: the renderers must leave them out); js-v8 is faster than wasm-v8 at steps ≤ 400 and
/// slower above, so both verdicts occur.
enum SyntheticReport {
    static let allBackends = ["portable", "native-l1", "native-l2", "wasm-wasmkit", "wasm-v8", "wasm-v8-l2", "js-v8"]
    static let allModes = ["full", "dirty", "auto"]
    static let allSteps: [Double] = [200, 400, 600, 800, 1200, 1600, 2000]
    static let allRatios = [0.005, 0.01, 0.02, 0.05, 0.1, 0.15, 0.2, 0.25, 0.33, 0.4, 0.5, 0.6, 0.7, 0.75, 0.8, 0.9, 1]

    /// Milliseconds per 1000 steps of a full pass.
    static func factor(_ backend: String, steps: Double) -> Double {
        switch backend {
        case "portable": return 0.5
        case "native-l1": return 0.1
        case "native-l2": return 0.08
        case "wasm-wasmkit": return 3.0
        case "wasm-v8": return 0.25
        case "wasm-v8-l2": return 0.2
        case "js-v8": return steps <= 400 ? 0.2 : 0.4
        default: return 0.15
        }
    }

    static func medianMs(_ backend: String, mode: String, steps: Double, ratio: Double) -> Double {
        let full = factor(backend, steps: steps) * steps / 1000
        switch mode {
        case "full": return full
        case "dirty": return full * (0.02 + ratio)
        default: return min(full, full * (0.03 + ratio))
        }
    }

    static func make(backends: [String] = allBackends, modes: [String] = allModes, steps: [Double] = allSteps,
                     ratios: [Double] = allRatios, branch: String = "h-html", withComparisons: Bool = true,
                     thresholds: [PerfReport.Threshold]? = nil,
                     value: (String, String, Double, Double) -> Double? = { medianMs($0, mode: $1, steps: $2, ratio: $3) })
        -> PerfReport {
        var points: [PerfReport.Point] = []
        var comparisons: [PerfReport.Comparison] = []
        for b in backends {
            for m in modes {
                for s in steps {
                    for r in ratios {
                        let params: Params = ["kernelBackend": .string(b), "convergeMode": .string(m),
                                              "steps": .number(s), "dirtyRootsRatio": .number(r)]
                        if b == "js-v8" && m == "auto" {
                            points.append(PerfReport.Point(params: params, status: "skipped", reason: "synthetic: a skipped point", metrics: []))
                            continue
                        }
                        guard let ms = value(b, m, s, r) else {
                            points.append(PerfReport.Point(params: params, status: "ok",
                                                           metrics: [.unavailable("runtime.txnCommitMs", "notMeasured")]))
                            continue
                        }
                        let stats = PerfReport.Stats(n: 20, medianMs: ms, p95Ms: ms * 1.2)
                        points.append(PerfReport.Point(params: params, status: "ok", metrics: [.ok("runtime.txnCommitMs", stats)]))
                        if withComparisons, b != "native-l1", backends.contains("native-l1"),
                           let base = value("native-l1", m, s, r), base > 0 {
                            var den = params
                            den["kernelBackend"] = .string("native-l1")
                            comparisons.append(PerfReport.Comparison(kind: "ratio", metric: "runtime.txnCommitMs", numeratorWhere: params,
                                                                     denominatorWhere: den, unit: "ratio",
                                                                     stats: .init(median: ms / base, p95: ms / base)))
                        }
                    }
                }
            }
        }
        let suite = PerfReport.Suite(id: "converge.txnCommit", title: "converge: txn commit / derive", priority: "P1",
                                     primaryAxis: "steps", points: points, thresholds: thresholds,
                                     comparisons: comparisons.isEmpty ? nil : comparisons)
        return PerfReport(meta: meta(branch: branch), suites: [suite])
    }

    static func meta(branch: String) -> PerfReport.Meta {
        PerfReport.Meta(createdAt: "2026-11-30T08:00:00Z", generator: "converge bench", matrixId: "converge-kernel-matrix-v1",
                        matrixUpdatedAt: "2026-11-30", matrixHash: String(repeating: "ab", count: 32),
                        git: .init(branch: branch, commit: "0b4508d1234567890abcdef", dirty: true),
                        config: .init(runs: 25, warmupDiscard: 5, timeoutMs: 15000, headless: true, profile: "quick"),
                        env: .init(os: "linux", arch: "x64", cpu: "AMD EPYC (2 cores)", memoryGb: 8, node: "v22.11.0",
                                   browser: .init(name: "native", headless: true)))
    }

    /// A report with a suite but no points.
    static func empty() -> PerfReport {
        PerfReport(meta: meta(branch: "main"), suites: [PerfReport.Suite(id: "converge.txnCommit", points: [])])
    }
}
