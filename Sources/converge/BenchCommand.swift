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

    @Option(help: "Profile: smoke, quick, default, soak.")
    var profile: String?

    @Option(help: "The matrix: v2 (kernel scale, noise-robust budgets; the default) or v1 (Logix's budgets on the v1 grid).")
    var matrix: String = Matrix.defaultName

    @Option(name: .customLong("backend"), help: ArgumentHelp(
        "Kernel backend (repeatable): \(KernelBackend.allCases.map(\.rawValue).joined(separator: ", ")). Default: every available one but the chromium ones and wasm-wasmkit-l2/-l3.", valueName: "backend"))
    var backendNames: [String] = []

    @Option(parsing: .unconditional, help: "Step counts (comma-separated, each 1…8388608) instead of the matrix's.")
    var steps: String?

    @Option(parsing: .unconditional, help: "dirtyRootsRatio values (comma-separated, in (0, 1]) instead of the matrix's.")
    var ratios: String?

    @Option(help: "convergeModes (comma-separated: full, dirty, auto) instead of the matrix's.")
    var modes: String?

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

    @Option(help: "The Chromium of the chromium backends (default: $CONVERGE_CHROMIUM, else chromium, chromium-browser or google-chrome on PATH).")
    var chromium: String?

    @Flag(help: "No progress bar (it is also hidden when stderr is not a terminal or CI is set).")
    var noProgress = false

    @Flag(help: "Skip the memory-bandwidth probe (no bandwidth.ratio evidence).")
    var noBandwidth = false

    func run() throws {
        // parsed here, not by the argument parser: its message for a list this long is several
        // lines, and the CLI prints one
        let backends = try backendNames.map { name throws(ConvergeError) in
            guard let b = KernelBackend(rawValue: name) else {
                throw ConvergeError(.invalidArgument, "unknown --backend \(ConvergeError.quoted(name)); valid: \(KernelBackend.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return b
        }
        // gate validation (GateSpin.swift): a bad or inapplicable spin is an error before anything runs
        if !(try GateSpin.environment()).isEmpty {
            note("\(GateSpin.variable) is set: the native levels do extra work (gate validation, not a measurement of the kernel)")
        }
        let matrix = try Matrix.embedded(self.matrix)
        guard let suite = matrix.suite("converge.txnCommit") else {
            throw EvidenceError(.invalidReport, "the matrix has no converge.txnCommit suite")
        }
        let profileName = profile ?? matrix.defaultProfile
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
        func list<T: Equatable>(_ s: String?, _ all: [T], _ parse: (String) -> T?, _ what: String) throws -> [T] {
            guard let s else { return all }
            let items = try s.split(separator: ",").map { part in
                guard let v = parse(part.trimmingCharacters(in: .whitespaces)) else {
                    throw ConvergeError(.invalidArgument, "bad \(what) \(ConvergeError.quoted(part))")
                }
                return v
            }
            guard !items.isEmpty else { throw ConvergeError(.invalidArgument, "no \(what) given") }
            var seen: [T] = []
            for v in items where !seen.contains(v) { seen.append(v) }
            return seen
        }
        let modeList = try list(modes, suite.axes.convergeMode.compactMap(ConvergeMode.init(rawValue:)), ConvergeMode.init(rawValue:), "convergeMode")
        let ratioList = try ratios.map { s throws(ConvergeError) in try OptionCheck.doubleList("--ratios", s, .fraction) } ?? suite.axes.dirtyRootsRatio

        var graph = BenchGraph.converge
        var graphName: String?
        var graphIdentity: PerfReport.GraphIdentity?
        var stepList = try steps.map { s throws(ConvergeError) in
            try OptionCheck.intList("--steps", s, limit: OptionCheck.maxWorkloadSteps, unit: "steps", why: "the converge workload has 2 field paths per step")
        } ?? suite.axes.steps
        if ir != nil && artifact != nil { throw ConvergeError(.invalidArgument, "give --ir or --artifact, not both") }
        if let ir = ir ?? artifact {
            let flag = self.ir != nil ? "--ir" : "--artifact"
            guard steps == nil else { throw ConvergeError(.invalidArgument, "--steps does not apply to \(flag) (the graph has its own step count)") }
            let (g, bytes) = self.ir != nil ? try loadGraphAndBytes(ir) : try loadArtifactGraphAndBytes(ir)
            guard g.stepCount > 0 else { throw ConvergeError(.invalidArgument, "\(ir) has no steps to bench") }
            graph = .ir(g, name: URL(fileURLWithPath: ir).lastPathComponent, rootOrder: BenchGraph.rootOrder(g, seed: seed))
            graphName = URL(fileURLWithPath: ir).lastPathComponent
            stepList = [g.stepCount]
            graphIdentity = PerfReport.GraphIdentity(file: graphName!, sha256: Matrix.sha256Hex(bytes), seed: seed)
        }

        // backends: the requested ones must run; by default every available one
        var chosen: [KernelBackend] = []
        let requested = !backends.isEmpty
        for b in requested ? backends : KernelBackend.defaultSet where !chosen.contains(b) {
            if let why = b.unavailableReason(chromium: chromium) {
                if requested { throw ConvergeError(.invalidArgument, "backend \(b.rawValue) is not available: \(why)") }
                note("skipping backend \(b.rawValue): \(why)")
                continue
            }
            chosen.append(b)
        }

        var points: [BenchPoint] = []
        for s in stepList { for m in modeList { for r in ratioList { for b in chosen {
            // the format's derived axis: max(1, ceil(steps · ratio)); for --ir, of the graph's inputs
            let k = TxnCommitWorkload.dirtyRoots(steps: graph.rootCount(steps: s), ratio: r)
            points.append(BenchPoint(backend: b, mode: m, steps: s, ratio: r, dirtyRoots: k))
        } } } }

        var bandwidth: [BandwidthProbe.Level] = []
        if !noBandwidth {
            note("probing memory bandwidth (stream OR over L1-, L2- and DRAM-sized buffers)…")
            bandwidth = try BandwidthProbe.run()
        }

        // per step count: the node backends in one node process (the bar advances per chunk),
        // then the in-process backends point by point
        let progress = ProgressBar(total: points.count, label: "bench", enabled: !noProgress)
        var results: [BenchPoint: PointResult] = [:]
        var nodeVersion: String?
        var browser: BrowserHost.BrowserInfo?
        let inProcess = InProcessBench(runs: prof.runs, warmupDiscard: prof.warmupDiscard, timeoutMs: prof.timeoutMs, graph: graph)
        for s in stepList {
            let nodePoints = points.filter { $0.steps == s && $0.backend.nodeLevel != nil }
            if !nodePoints.isEmpty {
                do {
                    let (v, rs) = try measureNode(nodePoints, graph: graph, runs: prof.runs, warmupDiscard: prof.warmupDiscard,
                                                  timeoutMs: prof.timeoutMs)
                    nodeVersion = v
                    results.merge(rs) { a, _ in a }
                } catch {
                    // node failed (a crash, its time limit): these points fail, the rest of the run goes on
                    note("the node backends failed at steps=\(s): \(error)")
                    for p in nodePoints { results[p] = PointResult(status: "failed", reason: "\(error)") }
                }
                for p in nodePoints { progress.advance("node steps=\(s) \(p.backend.rawValue) \(p.mode.rawValue)") }
            }
            let browserPoints = points.filter { $0.steps == s && $0.backend.browserLevel != nil }
            if !browserPoints.isEmpty {
                do {
                    let (b, v, rs) = try measureBrowser(browserPoints, graph: graph, runs: prof.runs, timeoutMs: prof.timeoutMs,
                                                        chromium: try BrowserHost.chromium(chromium))
                    if let b { browser = b }
                    if let v { nodeVersion = nodeVersion ?? v }
                    results.merge(rs) { a, _ in a }
                    if let f = rs.values.first(where: { $0.status == "failed" })?.reason { note("the chromium backends failed at steps=\(s): \(f)") }
                } catch {
                    // node or chromium could not run: these points fail, the rest of the run goes on
                    note("the chromium backends failed at steps=\(s): \(error)")
                    for p in browserPoints { results[p] = PointResult(status: "failed", reason: "\(error)") }
                }
                for p in browserPoints { progress.advance("chromium steps=\(s) \(p.backend.rawValue) \(p.mode.rawValue)") }
            }
            for p in points where p.steps == s && p.backend.inProcess {
                results[p] = inProcess.measure(p)
                progress.advance("\(p.backend.rawValue) \(p.mode.rawValue) steps=\(p.steps) ratio=\(ParamValue.jsNumber(p.ratio))")
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
        CLIOutput.print("report: \(CLIOutput.escaped(path)) (\(points.count) points, profile \(profileName), backends \(chosen.map(\.rawValue).joined(separator: ", ")))")
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
