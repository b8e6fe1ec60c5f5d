// BenchReport.swift — a bench's points and results assembled into a perf report in Logix's field
// names.

import ConvergeEvidence
import ConvergeKernel
import ConvergeWasm
import Foundation

/// Turns `converge bench`'s measurements into a report (docs/perf-report.md).
package struct BenchReportBuilder {
    package let matrix: Matrix
    package let suite: Matrix.Suite
    package let profileName: String
    package let profile: Matrix.Profile
    package let backends: [Backend]
    package let nodeVersion: String?
    /// The browser of the chromium backends (nil when none ran).
    package var browser: BrowserHost.BrowserInfo?
    package let bandwidth: [BandwidthProbe.Level]
    package let graphName: String?

    package init(matrix: Matrix, suite: Matrix.Suite, profileName: String, profile: Matrix.Profile, backends: [Backend],
                 nodeVersion: String?, browser: BrowserHost.BrowserInfo?, bandwidth: [BandwidthProbe.Level], graphName: String?) {
        self.matrix = matrix
        self.suite = suite
        self.profileName = profileName
        self.profile = profile
        self.backends = backends
        self.nodeVersion = nodeVersion
        self.browser = browser
        self.bandwidth = bandwidth
        self.graphName = graphName
    }

    package func params(_ p: BenchPoint) -> Params {
        ["kernelBackend": .string(p.backend.name), "convergeMode": .string(p.mode.rawValue),
         "steps": .number(Double(p.steps)), "dirtyRootsRatio": .number(p.ratio), "dirtyRoots": .number(Double(p.dirtyRoots))]
    }

    package func point(_ p: BenchPoint, _ r: PointResult) -> PerfReport.Point {
        let w = profile.warmupDiscard
        var metrics: [PerfReport.Metric] = []
        let ok = r.status == "ok"
        // the kept samples (warm-up dropped) go in the report: noise-robust budgets take the
        // median's confidence interval from them (docs/perf-diff.md)
        if ok, let st = Percentiles.stats(samplesMs: r.offMs, warmupDiscard: w) {
            metrics.append(.ok("runtime.txnCommitMs", st, samples: Array(r.offMs.dropFirst(w))))
        } else {
            metrics.append(.unavailable("runtime.txnCommitMs", r.status == "ok" ? "noSamples" : r.status))
        }
        if p.mode != .auto {
            metrics.append(.unavailable("runtime.decisionMs", "notApplicable"))
        } else if ok, let d = r.decisionMs, let st = Percentiles.stats(samplesMs: d, warmupDiscard: w) {
            metrics.append(.ok("runtime.decisionMs", st, samples: Array(d.dropFirst(w))))
        } else {
            metrics.append(.unavailable("runtime.decisionMs", ok ? "notMeasured" : r.status))
        }
        var evidence = r.evidence
        if ok { evidence += overhead(r) + bandwidthEvidence(r) + plainReference(r) + machineProbe(r) }
        return PerfReport.Point(params: params(p), status: r.status, reason: r.reason, metrics: metrics,
                                evidence: evidence.isEmpty ? nil : evidence)
    }

    /// diagnostics.overhead.{light,full}OverOff.txnCommitMs.{median,p95}{Ratio,DeltaRatio,DeltaMs}
    /// (Logix's names), or unavailable where the backend has no diagnostics levels.
    package func overhead(_ r: PointResult) -> [PerfReport.Evidence] {
        let w = profile.warmupDiscard
        var out: [PerfReport.Evidence] = []
        for (name, samples) in [("lightOverOff", r.lightMs), ("fullOverOff", r.fullMs)] {
            let prefix = "diagnostics.overhead.\(name).txnCommitMs"
            guard let samples else {
                out += Self.overheadNames(prefix).map { .unavailable($0.0, $0.1, "notMeasured: this backend has no diagnostics levels") }
                continue
            }
            guard let on = Percentiles.stats(samplesMs: samples, warmupDiscard: w),
                  let off = Percentiles.stats(samplesMs: r.offMs, warmupDiscard: w), off.medianMs > 0, off.p95Ms > 0 else {
                out += Self.overheadNames(prefix).map { .unavailable($0.0, $0.1, "notMeasured: too few samples, or a zero time under off") }
                continue
            }
            out += [
                .number("\(prefix).medianRatio", "ratio", on.medianMs / off.medianMs),
                .number("\(prefix).medianDeltaRatio", "ratio", on.medianMs / off.medianMs - 1),
                .number("\(prefix).medianDeltaMs", "ms", on.medianMs - off.medianMs),
                .number("\(prefix).p95Ratio", "ratio", on.p95Ms / off.p95Ms),
                .number("\(prefix).p95DeltaRatio", "ratio", on.p95Ms / off.p95Ms - 1),
                .number("\(prefix).p95DeltaMs", "ms", on.p95Ms - off.p95Ms),
            ]
        }
        return out
    }

    /// In-process backends: `machine.probeMs` and `machine.memProbeMs`, the medians of the machine
    /// probes timed beside the point's samples (InProcessBench.probeSample; the same warm-up discard).
    package func machineProbe(_ r: PointResult) -> [PerfReport.Evidence] {
        var out: [PerfReport.Evidence] = []
        for (name, samples) in [("machine.probeMs", r.probeMs), ("machine.memProbeMs", r.memoryProbeMs)] {
            guard let samples, let st = Percentiles.stats(samplesMs: samples, warmupDiscard: profile.warmupDiscard) else { continue }
            out.append(.number(name, "ms", st.medianMs))
        }
        return out
    }

    /// js-v8 / js-chromium: `js.plainReferenceMs`, the plain-JS reference's median at the point
    /// (wasm-host/plain-reference.mjs; same runs, batches and warm-up discard), and
    /// `js.overPlainReference`, the JS kernel's median over it (docs/perf-report.md).
    package func plainReference(_ r: PointResult) -> [PerfReport.Evidence] {
        guard r.plainReferenceMs != nil || r.plainReferenceUnavailable != nil else { return [] }
        let w = profile.warmupDiscard
        guard let samples = r.plainReferenceMs, let ref = Percentiles.stats(samplesMs: samples, warmupDiscard: w),
              let own = Percentiles.stats(samplesMs: r.offMs, warmupDiscard: w), ref.medianMs > 0 else {
            let why = "notMeasured: " + (r.plainReferenceUnavailable ?? "too few samples, or a zero time")
            return [.unavailable("js.plainReferenceMs", "ms", why), .unavailable("js.overPlainReference", "ratio", why)]
        }
        return [.number("js.plainReferenceMs", "ms", ref.medianMs), .number("js.overPlainReference", "ratio", own.medianMs / ref.medianMs)]
    }

    /// The six overhead evidence names of one level, with their units.
    package static func overheadNames(_ prefix: String) -> [(String, String)] {
        [("\(prefix).medianRatio", "ratio"), ("\(prefix).medianDeltaRatio", "ratio"), ("\(prefix).medianDeltaMs", "ms"),
         ("\(prefix).p95Ratio", "ratio"), ("\(prefix).p95DeltaRatio", "ratio"), ("\(prefix).p95DeltaMs", "ms")]
    }

    /// The achieved bytes/s of the transaction (bytesTouched / median) over the probe's best
    /// stream-OR bandwidth at the smallest level whose buffer holds the graph's working set.
    package func bandwidthEvidence(_ r: PointResult) -> [PerfReport.Evidence] {
        guard !bandwidth.isEmpty, let bytes = r.bytesTouched, let ws = r.workingSetBytes,
              let st = Percentiles.stats(samplesMs: r.offMs, warmupDiscard: profile.warmupDiscard), st.medianMs > 0 else {
            let why = bandwidth.isEmpty ? "notMeasured: no bandwidth probe in this run (--no-bandwidth)" : "notMeasured: no samples"
            return [.unavailable("bandwidth.bytesPerTxn", "bytes", why), .unavailable("bandwidth.workingSetBytes", "bytes", why),
                    .unavailable("bandwidth.level", "string", why), .unavailable("bandwidth.achievedGBps", "ratio", why),
                    .unavailable("bandwidth.ratio", "ratio", why)]
        }
        let level = bandwidth.first { Double($0.bytes) >= ws } ?? bandwidth.last!
        let achieved = bytes / (st.medianMs / 1e3) / 1e9
        return [
            .number("bandwidth.bytesPerTxn", "bytes", bytes),
            .number("bandwidth.workingSetBytes", "bytes", ws),
            .string("bandwidth.level", level.name),
            .number("bandwidth.achievedGBps", "ratio", achieved),
            .number("bandwidth.ratio", "ratio", achieved / level.gbPerSecondBest),
        ]
    }

    /// Each backend over native-l1 at the same (mode, steps, ratio): ratio of medians and of p95s.
    package func comparisons(_ points: [PerfReport.Point]) -> [PerfReport.Comparison] {
        let metric = "runtime.txnCommitMs"
        let baseline = suite.comparisonBaseline["kernelBackend"] ?? Backend.native(.l1).name
        func key(_ p: Params) -> Params { var k = p; k["kernelBackend"] = nil; k["dirtyRoots"] = nil; return k }
        var base: [Params: PerfReport.Stats] = [:]
        for p in points where p.params["kernelBackend"] == .string(baseline) {
            if let st = p.metric(metric)?.stats { base[key(p.params)] = st }
        }
        var out: [PerfReport.Comparison] = []
        for p in points where p.params["kernelBackend"] != .string(baseline) {
            guard let st = p.metric(metric)?.stats, let b = base[key(p.params)], b.medianMs > 0, b.p95Ms > 0 else { continue }
            var num = key(p.params)
            num["kernelBackend"] = p.params["kernelBackend"]
            var den = key(p.params)
            den["kernelBackend"] = .string(baseline)
            out.append(PerfReport.Comparison(kind: "ratio", metric: metric, numeratorWhere: num, denominatorWhere: den, unit: "ratio",
                                             stats: .init(median: st.medianMs / b.medianMs, p95: st.p95Ms / b.p95Ms)))
        }
        return out
    }

    /// `meta.env.browser`: `{name: "chromium", version, headless: true}` when a chromium backend
    /// was asked for (version "unknown" when no Chromium session ran), else "node" when a node
    /// backend ran, else "native".
    package var envBrowser: PerfReport.Browser {
        if backends.contains(where: { $0.host == .chromium }) {
            return .init(name: "chromium", version: browser?.version ?? "unknown", headless: true)
        }
        return .init(name: backends.contains { $0.host == .v8 } ? "node" : "native", headless: true)
    }

    package func report(_ measured: [(BenchPoint, PointResult)]) -> PerfReport {
        let points = measured.map { point($0.0, $0.1) }
        var s = PerfReport.Suite(id: suite.id, title: graphName.map { "\(suite.title) (graph \($0))" } ?? suite.title,
                                 priority: suite.priority, primaryAxis: suite.primaryAxis, budgets: suite.budgets,
                                 metricCategories: suite.metricCategories, points: points)
        s.thresholds = Thresholds.compute(s)
        // native ≤ every other backend at each point (docs/perf-report.md, "The upper bound")
        let upper = UpperBound.check(s, nativeBackends: Backend.benchAxis.filter(\.isNative).map(\.name))
        s.comparisons = comparisons(points) + upper.comparisons
        s.upperBound = upper.summary
        let auto = AutoPolicy()
        let config = PerfReport.Config(runs: profile.runs, warmupDiscard: profile.warmupDiscard, timeoutMs: profile.timeoutMs,
                                       profile: profileName, stability: matrix.stability,
                                       controlPlane: .init(traitConvergeBudgetMs: RuntimeOptions().executionBudgetMs,
                                                           traitConvergeDecisionBudgetMs: auto.decisionBudgetMs))
        let usesNode = backends.contains { $0.host == .v8 || $0.host == .chromium }
        let env = PerfReport.Env(os: Host.os, arch: Host.arch, cpu: Host.cpu, memoryGb: Host.memoryGb,
                                 node: usesNode ? nodeVersion : nil, browser: envBrowser)
        let meta = PerfReport.Meta(createdAt: Host.now(), generator: "converge bench (ConvergeKernel)", matrixId: matrix.matrixId,
                                   matrixUpdatedAt: matrix.matrixUpdatedAt, matrixHash: matrix.hash, git: Host.git(),
                                   config: config, env: env)
        return PerfReport(meta: meta, suites: [s])
    }
}

/// Facts about this machine and checkout, in Node's spelling (os "linux", arch "x64").
package enum Host {
    package static var os: String {
        #if os(Linux)
        "linux"
        #elseif os(macOS)
        "darwin"
        #else
        "unknown"
        #endif
    }

    package static var arch: String {
        #if arch(x86_64)
        "x64"
        #elseif arch(arm64)
        "arm64"
        #else
        "unknown"
        #endif
    }

    package static var cpu: String? {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("model name") {
            return line.split(separator: ":", maxSplits: 1).last.map { $0.trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }

    package static var memoryGb: Double {
        (Double(ProcessInfo.processInfo.physicalMemory) / 1_073_741_824 * 10).rounded() / 10
    }

    package static func now() -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date())
    }

    /// branch, commit and dirty of the source checkout (nil outside a git checkout).
    package static func git() -> PerfReport.Git? {
        let root = WasmBuild.sourceRoot()
        func run(_ args: [String]) -> String? {
            guard let r = try? WasmBuild.run(URL(fileURLWithPath: "/usr/bin/env"), ["git", "-C", root.path] + args), r.status == 0 else {
                return nil
            }
            return r.output.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        guard let commit = run(["rev-parse", "HEAD"]) else { return nil }
        return PerfReport.Git(branch: run(["rev-parse", "--abbrev-ref", "HEAD"]), commit: commit,
                              dirty: run(["status", "--porcelain", "--untracked-files=no"]).map { !$0.isEmpty })
    }
}
