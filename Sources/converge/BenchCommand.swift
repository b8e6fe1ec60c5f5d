import ConvergeBench
import ArgumentParser
import ConvergeEvidence
import ConvergeFiles
import ConvergeKernel
import ConvergeWasm
import Foundation

/// `converge bench`: the converge.txnCommit matrix on every available kernel backend, written as
/// a perf report in Logix's field names (docs/perf-report.md), with a table and optionally an
/// HTML page: the options and the input graph, ``BenchRun`` (ConvergeBench) to measure, then the
/// files and the table.
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
        var userGraph: (identity: PerfReport.GraphIdentity, flag: String)?
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
            let name = URL(fileURLWithPath: ir).lastPathComponent
            graph = .ir(g, name: name, rootOrder: BenchGraph.rootOrder(g, seed: seed), artifact: userArtifact)
            stepList = [g.stepCount]
            userGraph = (PerfReport.GraphIdentity(file: name, sha256: Matrix.sha256Hex(bytes), seed: seed), flag)
        }

        // backends: the requested ones must run; by default every available one
        let chosen = try BenchRun.backends(requested: backends, graph: graph, artifactName: artifact, chromium: grid.chromium, skipped: note)

        var bandwidth: [BandwidthProbe.Level] = []
        if !noBandwidth {
            note("probing memory bandwidth (stream OR over L1-, L2- and DRAM-sized buffers)…")
            bandwidth = try BandwidthProbe.run()
        }
        var run = BenchRun(matrix: matrix, suite: suite, profileName: profileName, profile: prof, graph: graph)
        (run.steps, run.modes, run.ratios, run.backends) = (stepList, modeList, ratioList, chosen)
        (run.chromium, run.bandwidth, run.userGraph, run.allocations) = (grid.chromium, bandwidth, userGraph, .interposed)
        let pointCount = run.points.count
        let progress = ProgressBar(total: pointCount, label: "bench", enabled: !noProgress)
        let report = try run.measure(progress: { progress.advance($0) }, note: note)
        progress.finish()

        do { try Files.createParentDirectories(of: path) } catch { throw ConvergeError(.io, error.description) }
        try EvidenceJSON.write(report, to: path)
        CLIOutput.print(TerminalTable.render(report))
        CLIOutput.print("report: \(CLIOutput.escaped(path)) (\(pointCount) points, profile \(profileName), backends \(chosen.map(\.name).joined(separator: ", ")))")
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
