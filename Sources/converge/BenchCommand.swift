import ConvergeBench
import ArgumentParser
import ConvergeEvidence
import ConvergeFiles
import ConvergeKernel
import ConvergeWasm
import Foundation

/// `converge bench`: the converge.txnCommit matrix on every available kernel backend, written as
/// a perf report in Logix's field names (docs/perf-report.md), with a table and optionally an
/// HTML page.
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Run the converge.txnCommit matrix on every kernel backend; write a perf report.",
        discussion: """
            Profiles (runs / warmupDiscard / timeoutMs): smoke 12/2/12000, quick 25/5/15000 (default), \
            default 30/5/20000, soak 80/10/30000. Narrowing the grid (--steps, --ratios, --modes) \
            changes the report's steps grid, so `converge diff` reports it as a config mismatch \
            against a full-grid report.
            """)

    @OptionGroup var grid: GridOptions

    @Option(help: "Bench your own converge-ir graph: transactions write k of its input paths (a seeded random set; k = max(1, ceil(inputs * ratio))).")
    var ir: String?

    @Option(help: "Bench the graph of an AOT artifact (converge compile) like --ir; meta.graph records the artifact file's sha256.")
    var artifact: String?

    @Option(help: "Seed of --ir's random dirty sets.")
    var seed: UInt64 = 1

    @Option(help: "The report file (default: out/converge.txnCommit.<os>-<arch>.<profile>.json).")
    var out: String?

    @Option(help: "Also write a self-contained HTML page with plots.")
    var html: String?

    @Flag(help: "No progress bar (it is also hidden when stderr is not a terminal or CI is set).")
    var noProgress = false

    @Flag(help: "Skip the memory-bandwidth probe (no bandwidth.ratio evidence).")
    var noBandwidth = false

    func run() throws {
        let backends = try grid.backends()
        // gate validation (GateSpin.swift): a bad or inapplicable spin is an error before anything runs
        if !(try GateSpin.environment()).isEmpty {
            note("\(GateSpin.variable) is set: the native levels do extra work (gate validation, not a measurement of the kernel)")
        }
        let matrix = try Matrix.embedded(grid.matrixName)
        guard let suite = matrix.suite("converge.txnCommit") else {
            throw EvidenceError(.invalidReport, "the matrix has no converge.txnCommit suite")
        }
        let profileName = grid.profile ?? matrix.defaultProfile
        guard let prof = matrix.profiles[profileName] else {
            throw ConvergeError(.invalidArgument, "unknown profile \(ConvergeError.quoted(profileName)) (\(matrix.profiles.keys.sorted().joined(separator: ", ")))")
        }
        // the outputs, before anything runs: writable, and neither one file nor the input graph
        let path = out ?? "out/converge.txnCommit.\(Host.os)-\(Host.arch).\(profileName).json"
        try checkOutputs([("--out", path)] + (html.map { [("--html", $0)] } ?? []), createDirectories: true)
        if let input = ir ?? artifact {
            for (flag, o) in [("--out", path), ("--html", html)] where o.map({ Files.sameFile($0, input) }) == true {
                throw ConvergeError(.invalidArgument, "\(flag) \(o!) is the input graph \(input): it would be overwritten")
            }
        }
        let modeList = try grid.modeList(suite.axes.convergeMode)
        let ratioList = try grid.ratioList(suite.axes.dirtyRootsRatio)

        var graph = BenchGraph.converge
        var graphName: String?
        var graphIdentity: PerfReport.GraphIdentity?
        var stepList = try grid.stepList() ?? suite.axes.steps
        if ir != nil && artifact != nil { throw ConvergeError(.invalidArgument, "give --ir or --artifact, not both") }
        if let ir = ir ?? artifact {
            let flag = self.ir != nil ? "--ir" : "--artifact"
            guard grid.steps == nil else { throw ConvergeError(.invalidArgument, "--steps does not apply to \(flag) (the graph has its own step count)") }
            var userArtifact: Artifact?
            let g: CompiledGraph, bytes: Data
            if self.ir != nil {
                (g, bytes) = try loadGraphAndBytes(ir)
            } else {
                let loaded = try loadArtifactGraphAndBytes(ir)
                (g, bytes, userArtifact) = (loaded.graph, loaded.bytes, loaded.artifact)
            }
            guard g.stepCount > 0 else { throw ConvergeError(.invalidArgument, "\(ir) has no steps to bench") }
            graph = .ir(g, name: URL(fileURLWithPath: ir).lastPathComponent, rootOrder: BenchGraph.rootOrder(g, seed: seed),
                        artifact: userArtifact)
            graphName = URL(fileURLWithPath: ir).lastPathComponent
            stepList = [g.stepCount]
            graphIdentity = PerfReport.GraphIdentity(file: graphName!, sha256: Matrix.sha256Hex(bytes), seed: seed)
        }

        // backends: the requested ones must run; by default every available one
        var chosen: [Backend] = []
        let requested = !backends.isEmpty
        for b in requested ? backends : Backend.defaultSet where !chosen.contains(b) {
            let noLayout = b.loadsLayout && graph.artifact?.hasLayout == false
                ? "\(artifact ?? "the artifact") has no \"layout\" section, which the L4 backends load (compile it again without --no-layout)" : nil
            if let why = noLayout ?? b.unavailableReason(chromium: grid.chromium) {
                if requested { throw ConvergeError(.invalidArgument, "backend \(b.name) is not available: \(why)") }
                note("skipping backend \(b.name): \(why)")
                continue
            }
            chosen.append(b)
        }

        let points = BenchPoint.grid(steps: stepList, modes: modeList, ratios: ratioList, backends: chosen, graph: graph)

        var bandwidth: [BandwidthProbe.Level] = []
        if !noBandwidth {
            note("probing memory bandwidth (stream OR over L1-, L2- and DRAM-sized buffers)…")
            bandwidth = try BandwidthProbe.run()
        }

        // per step count: the node backends — js-v8 in a node process per mode, the wasm levels
        // in another (the bar advances per chunk) — then the in-process backends, a mode at a
        // time, their points sampled in turns
        let progress = ProgressBar(total: points.count, label: "bench", enabled: !noProgress)
        var results: [BenchPoint: PointResult] = [:]
        var nodeVersion: String?
        var browser: BrowserHost.BrowserInfo?
        let inProcess = InProcessBench(runs: prof.runs, warmupDiscard: prof.warmupDiscard, timeoutMs: prof.timeoutMs, graph: graph,
                                       allocations: .interposed)
        for s in stepList {
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
                    let (v, rs) = try measureNode(nodePoints, graph: graph, runs: prof.runs, warmupDiscard: prof.warmupDiscard,
                                                  timeoutMs: prof.timeoutMs)
                    nodeVersion = v
                    results.merge(rs) { a, _ in a }
                } catch {
                    // node failed (a crash, its time limit): these points fail, the rest of the run goes on
                    note("the node backends failed at steps=\(s): \(error)")
                    for p in nodePoints { results[p] = .failed("\(error)") }
                }
                for p in nodePoints { progress.advance("node steps=\(s) \(p.backend.name) \(p.mode.rawValue)") }
            }
            let browserPoints = points.filter { $0.steps == s && $0.backend.host == .chromium }
            if !browserPoints.isEmpty {
                do {
                    let (b, v, rs) = try measureBrowser(browserPoints, graph: graph, runs: prof.runs, timeoutMs: prof.timeoutMs,
                                                        chromium: try BrowserHost.chromium(grid.chromium))
                    if let b { browser = b }
                    if let v { nodeVersion = nodeVersion ?? v }
                    results.merge(rs) { a, _ in a }
                    if let f = rs.values.first(where: { $0.status == "failed" })?.reason { note("the chromium backends failed at steps=\(s): \(f)") }
                } catch {
                    // node or chromium could not run: these points fail, the rest of the run goes on
                    note("the chromium backends failed at steps=\(s): \(error)")
                    for p in browserPoints { results[p] = .failed("\(error)") }
                }
                for p in browserPoints { progress.advance("chromium steps=\(s) \(p.backend.name) \(p.mode.rawValue)") }
            }
            // the in-process backends, one chunk per mode: the chunk's points sampled in turns
            // (BenchSampling.swift)
            for m in modeList {
                let chunk = points.filter { $0.steps == s && $0.mode == m && $0.backend.inProcess }
                results.merge(inProcess.measure(chunk) { p in
                    progress.advance("\(p.backend.name) \(p.mode.rawValue) steps=\(p.steps) ratio=\(ParamValue.jsNumber(p.ratio))")
                }) { a, _ in a }
            }
        }
        progress.finish()

        let ordered = points.sorted { a, b in
            (chosen.firstIndex(of: a.backend)!, modeList.firstIndex(of: a.mode)!, a.ratio, a.steps)
                < (chosen.firstIndex(of: b.backend)!, modeList.firstIndex(of: b.mode)!, b.ratio, b.steps)
        }
        let builder = BenchReportBuilder(matrix: matrix, suite: suite, profileName: profileName, profile: prof, backends: chosen,
                                         nodeVersion: nodeVersion, browser: browser, bandwidth: bandwidth, graphName: graphName)
        var report = builder.report(ordered.map { ($0, results[$0]!) })
        if let graphIdentity {
            // another graph is another benchmark: fold its identity into matrixHash (comparability)
            report.meta.graph = graphIdentity
            report.meta.matrixHash = Matrix.sha256Hex(Data("\(matrix.hash)\n\(artifact != nil ? "--artifact" : "--ir") \(graphIdentity.sha256) --seed \(seed)\n".utf8))
        }
        if !bandwidth.isEmpty {
            report.meta.bandwidthProbe = bandwidth.map {
                PerfReport.BandwidthLevel(level: $0.name, bytes: $0.bytes, gbPerSecondBest: $0.gbPerSecondBest,
                                          gbPerSecondMean: $0.gbPerSecondMean, implementation: $0.implementation.rawValue)
            }
        }

        do { try Files.createParentDirectories(of: path) } catch { throw ConvergeError(.io, error.description) }
        try EvidenceJSON.write(report, to: path)
        CLIOutput.print(TerminalTable.render(report))
        CLIOutput.print("report: \(CLIOutput.escaped(path)) (\(points.count) points, profile \(profileName), backends \(chosen.map(\.name).joined(separator: ", ")))")
        if let html {
            let page = HTMLReport.render(report)
            do { try Files.createParentDirectories(of: html) } catch { throw ConvergeError(.io, error.description) }
            try writeOutput(Data(page.utf8), to: html)
            CLIOutput.print("html: \(CLIOutput.escaped(html))")
        }
    }

    private func note(_ line: String) {
        FileHandle.standardError.write(Data("converge bench: \(CLIOutput.escaped(line))\n".utf8))
    }
}
