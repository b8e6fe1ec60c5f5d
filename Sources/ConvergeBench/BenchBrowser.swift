// BenchBrowser.swift — the browser backends and what the JS hosts (node, Chromium) share: a matrix
// point's evidence.

import ConvergeEvidence
import ConvergeKernel
import ConvergeWasm
import Foundation

// The browser half of `converge bench`: the chromium backends (docs/perf-report.md) and what the
// JS hosts (node, Chromium) share — one matrix point's evidence from a bench-matrix reply.

extension Backend {
    /// Runs in this process (not in node, not in a browser).
    package var inProcess: Bool { host == .process || host == .wasmKit }

    /// The backends `converge bench` runs without `--backend`: all but the browser ones (a browser
    /// run is its own report: `meta.env.browser` names the browser, docs/perf-diff.md).
    /// The WasmKit L2/L3/L4 backends are opt-in too (an interpreter executing every step: slow).
    package static var defaultSet: [Backend] {
        benchAxis.filter { $0.host != .chromium && !($0.host == .wasmKit && $0.level != .l1) }
    }

    /// The backends of one side of `converge gate --node … --browser …`.
    package static var browserSet: [Backend] { benchAxis.filter { $0.host == .chromium } }
}

/// One point of a bench-matrix reply (node's or the browser page's) as the report's point result:
/// samples, the boundary counters and the evidence the JS hosts can give.
/// - Parameters:
///   - host: how the evidence names the host ("the Node host", "the browser page").
///   - timerResolutionMs: the page's clock step (browser only; recorded as evidence).
package func matrixPointResult(_ p: BenchPoint, _ m: NodeHost.MatrixResult, graph g: CompiledGraph, runs: Int, timeoutMs: Double,
                       host: String = "the Node host", timerResolutionMs: Double? = nil) -> PointResult {
    var r = PointResult()
    r.status = m.status
    if m.status == "timeout" { r.reason = "the point's \(runs) runs exceeded timeoutMs \(ParamValue.jsNumber(timeoutMs))" }
    r.offMs = m.samplesNs.map { $0 / 1e6 }
    // the memory probe beside each sample (node's clock: ns; a page's clock steps by tens of µs,
    // too coarse for a probe of that size, so the browser's probe is not recorded)
    if p.backend.host == .v8, m.probeSamplesNs.count == m.samplesNs.count, !m.probeSamplesNs.isEmpty {
        r.memoryProbeMs = m.probeSamplesNs.map { $0 / 1e6 }
    }
    typealias E = PerfReport.Evidence
    let modeEvidence: [E]
    if m.recorded {
        // the transaction core (auto in C) or the JS auto decider (l0-js in auto mode) reports
        // what ran: counted over every transaction of the point, calibration included
        let ran = Double(max(1, m.fullRuns + m.dirtyRuns))
        modeEvidence = [
            .string("runtime.executedMode", m.lastExecutedMode?.rawValue ?? "none"),
            .number("runtime.executedFullShare", "ratio", Double(m.fullRuns) / ran),
            .number("runtime.executedSteps", "count", Double(m.executedSteps)),
            .unavailable("runtime.affectedSteps", "count", "notMeasured: \(host) reports the plan length only"),
            .number("runtime.totalSteps", "count", Double(g.stepCount)),
            .string("runtime.reasons", m.lastReasons.codes.joined(separator: ",")),
            .number("budget.cutOffCount", "count", Double(m.cutOffs)),
        ]
        if p.mode == .auto {
            r.decisionMs = m.decisionNs.map { $0 / 1e6 }
        }
    } else {
        let noDecision = "notApplicable: \(host) plans the requested mode (no auto decision, no execution budget)"
        modeEvidence = [
            .string("runtime.executedMode", p.mode.rawValue),
            .number("runtime.executedFullShare", "ratio", p.mode == .full ? 1 : 0),
            .number("runtime.executedSteps", "count", Double(m.executedSteps)),
            .unavailable("runtime.affectedSteps", "count", "notMeasured: \(host) reports the plan length only"),
            .number("runtime.totalSteps", "count", Double(g.stepCount)),
            .unavailable("runtime.reasons", "string", noDecision),
            .unavailable("budget.cutOffCount", "count", noDecision),
        ]
    }
    r.evidence = modeEvidence + [
        .number("kernel.boundaryCallsPerTxn", "count", m.callsPerTxn),
        .number("kernel.hostCallbacksPerTxn", "count", m.hostCallsPerTxn),
        .number("kernel.vmStepsPerTxn", "count", m.vmStepsPerTxn),
        .number("kernel.bytesInPerTxn", "bytes", m.bytesInPerTxn),
        .number("kernel.bytesOutPerTxn", "bytes", m.bytesOutPerTxn),
        .string("kernel.simdImplementation", p.backend.simdImplementation),
        .number("wasm.memoryPages", "count", Double(m.memoryPages)),
        .unavailable("runtime.heapAllocationsPerTxn", "count", "notMeasured: V8's heap is not interposed"),
    ]
    if p.backend == .jsV8 || p.backend == .jsChromium {
        r.plainReferenceMs = m.referenceSamplesNs?.map { $0 / 1e6 }
        r.plainReferenceUnavailable = m.referenceUnavailable.map { "the plain-JS reference does not cover this graph (\($0))" }
            ?? (m.referenceSamplesNs == nil ? "no plain-JS reference samples" : nil)
    }
    r.evidence.insert(.number("sample.batchSize", "count", Double(m.batch)), at: 0)
    if let timerResolutionMs { r.evidence.append(.number("sample.timerResolutionMs", "ms", timerResolutionMs)) }
    r.workingSetBytes = Double(workingSet(g))
    r.bytesTouched = bytesTouched(paths: g.pathCount, steps: g.stepCount, executed: m.executedSteps)
    return r
}

/// Measures the chromium backends in one headless Chromium session (the points in order; auto
/// points run on the wasm levels' transaction core, js-chromium's in the JS auto decider as
/// js-v8's). The session's time limit is timeoutMs · points + 60 s; points it did not reach fail
/// with the session's failure.
/// - Returns: the browser (nil when no point ran in it), the node version, the results.
package func measureBrowser(_ points: [BenchPoint], graph: BenchGraph, runs: Int, timeoutMs: Double, chromium: URL)
    throws(ConvergeError) -> (browser: BrowserHost.BrowserInfo?, node: String?, results: [BenchPoint: PointResult]) {
    guard !points.isEmpty else { return (nil, nil, [:]) }
    var m = try MatrixJobs(points, graph: graph, runs: runs, timeoutMs: timeoutMs, hosted: { $0.host == .chromium })
    guard !m.jobs.isEmpty else { return (nil, nil, m.results) }
    let reply = try BrowserHost.benchMatrix(graphs: m.graphs, points: m.jobs, artifacts: m.artifacts, chromium: chromium, timeLimitSeconds: m.timeLimitSeconds)
    let resolutionMs = reply.browser.timerResolutionNs.map { $0 / 1e6 }
    for (p, pm) in zip(m.measured, reply.results) {
        var r = matrixPointResult(p, pm, graph: m.graph(of: p), runs: runs, timeoutMs: timeoutMs,
                                  host: "the browser page", timerResolutionMs: resolutionMs)
        if pm.status == "failed" {
            r.reason = "chromium \(reply.browser.version): \(reply.failure ?? "the page reported no result for this point")"
            r.evidence = []
        }
        m.results[p] = r
    }
    return (reply.browser, reply.node, m.results)
}

/// What the JS hosts (node, the browser page) share before measuring: the graph of each step
/// count, one bench-matrix point per point whose backend is `hosted` there (every mode, auto included:
/// the l0-js level decides in JS), and the time limit for the whole job (timeoutMs · points + 60 s).
package struct MatrixJobs {
    package let stepsList: [Int]
    package var graphs: [CompiledGraph] = []
    /// The graphs' artifacts as the user gave them (`--artifact`: one graph), nil: the hosts encode
    /// each from its graph.
    package var artifacts: [Artifact]?
    package var jobs: [NodeHost.MatrixPoint] = []
    package var measured: [BenchPoint] = []
    package var results: [BenchPoint: PointResult] = [:]
    package let timeoutMs: Double

    package init(_ points: [BenchPoint], graph: BenchGraph, runs: Int, timeoutMs: Double,
         hosted: (Backend) -> Bool) throws(ConvergeError) {
        self.timeoutMs = timeoutMs
        stepsList = Array(Set(points.map(\.steps))).sorted()
        for s in stepsList { graphs.append(try graph.compiledGraph(steps: s)) }
        artifacts = graph.artifact.map { [$0] }
        for p in points {
            guard hosted(p.backend) else { continue }
            let gi = stepsList.firstIndex(of: p.steps)!
            jobs.append(NodeHost.MatrixPoint(graph: gi, level: p.backend, mode: p.mode,
                                             roots: graph.rootIds(graphs[gi], k: p.dirtyRoots), runs: runs, timeoutMs: timeoutMs))
            measured.append(p)
        }
    }

    /// The graph a point runs on.
    package func graph(of p: BenchPoint) -> CompiledGraph { graphs[stepsList.firstIndex(of: p.steps)!] }

    /// The limit on the whole job.
    package var timeLimitSeconds: Double { timeoutMs / 1000 * Double(jobs.count) + 60 }
}
