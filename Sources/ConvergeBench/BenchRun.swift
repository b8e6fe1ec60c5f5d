// BenchRun.swift — `converge bench`'s run: which backends run, every point of the grid measured
// (node, chromium, in process; step count by step count), and the perf report assembled.

import ConvergeEvidence
import ConvergeKernel
import ConvergeWasm
import Foundation

/// One `converge bench` run of the converge.txnCommit suite: the grid (step counts × modes ×
/// ratios × backends) on one graph, measured with the profile's runs, then written up as a perf
/// report in Logix's field names (docs/perf-report.md).
package struct BenchRun {
    package let matrix: Matrix
    package let suite: Matrix.Suite
    package let profileName: String
    package let profile: Matrix.Profile
    package let graph: BenchGraph
    /// The grid: step counts, modes, ratios.
    package var steps: [Int] = []
    package var modes: [ConvergeMode] = []
    package var ratios: [Double] = []
    /// The backends that run, in the report's order (``backends(requested:graph:artifactName:chromium:skipped:)``).
    package var backends: [Backend] = []
    /// The chromium executable the chromium backends run (nil: found on PATH).
    package var chromium: String?
    /// The bandwidth probe's levels, measured before the run (empty: skipped).
    package var bandwidth: [BandwidthProbe.Level] = []
    /// A user's graph (`--ir`, `--artifact`): its file name and identity, and the flag that named it.
    package var userGraph: (identity: PerfReport.GraphIdentity, flag: String)?
    /// How the in-process backends count heap allocations.
    package var allocations = AllocationProbe.none

    /// A run of the matrix's suite with one of its profiles on `graph`; the grid is set next.
    package init(matrix: Matrix, suite: Matrix.Suite, profileName: String, profile: Matrix.Profile, graph: BenchGraph) {
        (self.matrix, self.suite, self.profileName, self.profile, self.graph) = (matrix, suite, profileName, profile, graph)
    }

    /// The backends a run measures: the requested ones, each of which must be available (an
    /// error names the first that is not); without a request, every available one of
    /// ``Backend/defaultSet``, each skipped one reported to `skipped` with the reason.
    /// - Parameter artifactName: how to name the user's artifact when it lacks the layout the L4
    ///   backends load.
    package static func backends(requested: [Backend], graph: BenchGraph, artifactName: String?, chromium: String?,
                                 skipped: (String) -> Void) throws(ConvergeError) -> [Backend] {
        var chosen: [Backend] = []
        for b in requested.isEmpty ? Backend.defaultSet : requested where !chosen.contains(b) {
            let noLayout = b.loadsLayout && graph.artifact?.hasLayout == false
                ? "\(artifactName ?? "the artifact") has no \"layout\" section, which the L4 backends load (compile it again without --no-layout)" : nil
            if let why = noLayout ?? b.unavailableReason(chromium: chromium) {
                if !requested.isEmpty { throw ConvergeError(.invalidArgument, "backend \(b.name) is not available: \(why)") }
                skipped("skipping backend \(b.name): \(why)")
                continue
            }
            chosen.append(b)
        }
        return chosen
    }

    /// The grid's points, in measuring order (steps outermost).
    package var points: [BenchPoint] {
        BenchPoint.grid(steps: steps, modes: modes, ratios: ratios, backends: backends, graph: graph)
    }

    /// Measures every point and assembles the report. Per step count: the node backends (js-v8 in
    /// a node process per mode, the wasm levels in another), the chromium backends, then the
    /// in-process backends a mode at a time, their points sampled in turns. A host that fails
    /// (node crashes, chromium cannot start) fails its points and the run goes on.
    /// - Parameters:
    ///   - progress: called once per point measured, with a label.
    ///   - note: called for a host's failure.
    package func measure(progress: (String) -> Void, note: (String) -> Void) throws -> PerfReport {
        let points = self.points
        var results: [BenchPoint: PointResult] = [:]
        var nodeVersion: String?
        var browser: BrowserHost.BrowserInfo?
        let inProcess = InProcessBench(runs: profile.runs, warmupDiscard: profile.warmupDiscard, timeoutMs: profile.timeoutMs,
                                       graph: graph, allocations: allocations)
        for s in steps {
            let nodePoints = points.filter { $0.steps == s && $0.backend.host == .v8 }
            // the JS kernel apart from the wasm levels, one process per mode, as an app configured
            // so runs it: V8 optimizes JS for what it has seen, and the other configurations' code
            // in the same process slowed it (seen: js-v8 auto at 200 steps, 25 % dirty, 15 µs
            // beside the wasm levels and 2.6 µs alone; its 1-root auto point 1.2–1.6 µs after
            // js-v8's dirty points and 0.26 µs without them)
            let nodeProcesses = ConvergeMode.allCases.map { m in nodePoints.filter { $0.backend == .jsV8 && $0.mode == m } }
                + [nodePoints.filter { $0.backend != .jsV8 }]
            for nodePoints in nodeProcesses where !nodePoints.isEmpty {
                do {
                    let (v, rs) = try measureNode(nodePoints, graph: graph, runs: profile.runs, warmupDiscard: profile.warmupDiscard,
                                                  timeoutMs: profile.timeoutMs)
                    nodeVersion = v
                    results.merge(rs) { a, _ in a }
                } catch {
                    note("the node backends failed at steps=\(s): \(error)")
                    for p in nodePoints { results[p] = .failed("\(error)") }
                }
                for p in nodePoints { progress("node steps=\(s) \(p.backend.name) \(p.mode.rawValue)") }
            }
            let browserPoints = points.filter { $0.steps == s && $0.backend.host == .chromium }
            if !browserPoints.isEmpty {
                do {
                    let (b, v, rs) = try measureBrowser(browserPoints, graph: graph, runs: profile.runs, timeoutMs: profile.timeoutMs,
                                                        chromium: try BrowserHost.chromium(chromium))
                    if let b { browser = b }
                    if let v { nodeVersion = nodeVersion ?? v }
                    results.merge(rs) { a, _ in a }
                    if let f = rs.values.first(where: { $0.status == "failed" })?.reason { note("the chromium backends failed at steps=\(s): \(f)") }
                } catch {
                    note("the chromium backends failed at steps=\(s): \(error)")
                    for p in browserPoints { results[p] = .failed("\(error)") }
                }
                for p in browserPoints { progress("chromium steps=\(s) \(p.backend.name) \(p.mode.rawValue)") }
            }
            // the in-process backends, one chunk per mode: the chunk's points sampled in turns
            // (BenchSampling.swift)
            for m in modes {
                let chunk = points.filter { $0.steps == s && $0.mode == m && $0.backend.inProcess }
                results.merge(inProcess.measure(chunk) { p in
                    progress("\(p.backend.name) \(p.mode.rawValue) steps=\(p.steps) ratio=\(ParamValue.jsNumber(p.ratio))")
                }) { a, _ in a }
            }
        }
        return report(points, results, nodeVersion: nodeVersion, browser: browser)
    }

    /// The perf report of measured points, ordered by backend, mode, ratio and step count.
    func report(_ points: [BenchPoint], _ results: [BenchPoint: PointResult], nodeVersion: String?,
                browser: BrowserHost.BrowserInfo?) -> PerfReport {
        let ordered = points.sorted { a, b in
            (backends.firstIndex(of: a.backend)!, modes.firstIndex(of: a.mode)!, a.ratio, a.steps)
                < (backends.firstIndex(of: b.backend)!, modes.firstIndex(of: b.mode)!, b.ratio, b.steps)
        }
        let builder = BenchReportBuilder(matrix: matrix, suite: suite, profileName: profileName, profile: profile, backends: backends,
                                         nodeVersion: nodeVersion, browser: browser, bandwidth: bandwidth,
                                         graphName: userGraph?.identity.file)
        var report = builder.report(ordered.map { ($0, results[$0] ?? .failed("not measured")) })
        if let (identity, flag) = userGraph {
            // another graph is another benchmark: fold its identity into matrixHash (comparability)
            report.meta.graph = identity
            report.meta.matrixHash = Matrix.sha256Hex(Data("\(matrix.hash)\n\(flag) \(identity.sha256) --seed \(identity.seed)\n".utf8))
        }
        if !bandwidth.isEmpty {
            report.meta.bandwidthProbe = bandwidth.map {
                PerfReport.BandwidthLevel(level: $0.name, bytes: $0.bytes, gbPerSecondBest: $0.gbPerSecondBest,
                                          gbPerSecondMean: $0.gbPerSecondMean, implementation: $0.implementation.rawValue)
            }
        }
        return report
    }
}
