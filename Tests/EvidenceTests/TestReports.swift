import ConvergeEvidence
import Foundation

/// Hand-made reports for threshold and diff tests: one suite `s` over `steps` (primary) and
/// `convergeMode`, metric `runtime.txnCommitMs` (category runtime).
enum TestReports {
    static let metric = "runtime.txnCommitMs"

    static func meta(os: String = "linux", runs: Int? = 30, profile: String? = "default", node: String = "v22",
                     dirty: Bool = false, branch: String = "main", commit: String = "c1", matrixHash: String? = "h1",
                     browserVersion: String? = nil) -> PerfReport.Meta {
        PerfReport.Meta(createdAt: "2026-01-01T00:00:00.000Z", generator: "test", matrixId: "m1", matrixHash: matrixHash,
                        git: PerfReport.Git(branch: branch, commit: commit, dirty: dirty),
                        config: PerfReport.Config(runs: runs, warmupDiscard: 5, timeoutMs: 20000, profile: profile,
                                                  stability: PerfReport.Stability()),
                        env: PerfReport.Env(os: os, arch: "x64", node: node,
                                            browser: PerfReport.Browser(name: "native", version: browserVersion, headless: true)))
    }

    static func point(_ params: Params, p95: Double?, status: String = "ok", metricName: String = metric,
                      evidence: [PerfReport.Evidence]? = nil) -> PerfReport.Point {
        let m: [PerfReport.Metric] = p95.map { [.ok(metricName, PerfReport.Stats(n: 25, medianMs: $0 / 2, p95Ms: $0))] }
            ?? [.unavailable(metricName, "notApplicable")]
        return PerfReport.Point(params: params, status: status, metrics: status == "ok" ? m : [], evidence: evidence)
    }

    /// Points for each mode's p95 list (steps 200, 400, 800 …); nil entries leave the point out.
    static func points(_ p95: [String: [Double?]], steps: [Double] = [200, 400, 800]) -> [PerfReport.Point] {
        var out: [PerfReport.Point] = []
        for mode in p95.keys.sorted() {
            for (i, v) in p95[mode]!.enumerated() {
                guard let v else { continue }
                out.append(point(["convergeMode": .string(mode), "steps": .number(steps[i])], p95: v))
            }
        }
        return out
    }

    static let absolute = PerfReport.Budget.absolute("commit<=1ms", metric: metric, p95Ms: 1)
    static let relative = PerfReport.Budget.relative("auto<=full*1.05", metric: metric, maxRatio: 1.05,
                                                     numeratorRef: "convergeMode=auto", denominatorRef: "convergeMode=full",
                                                     minDeltaMs: 0.1)

    static func suite(_ points: [PerfReport.Point], budgets: [PerfReport.Budget] = [absolute], id: String = "s") -> PerfReport.Suite {
        PerfReport.Suite(id: id, primaryAxis: "steps", budgets: budgets, metricCategories: [metric: "runtime"], points: points)
    }

    static func report(_ suites: [PerfReport.Suite], meta: PerfReport.Meta = meta()) -> PerfReport {
        PerfReport(meta: meta, suites: suites)
    }

    static let epoch = Date(timeIntervalSince1970: 0)

    static func diff(_ before: PerfReport, _ after: PerfReport, allowConfigDrift: Bool = false,
                     allowEnvDrift: Bool = false) throws(EvidenceError) -> PerfDiff {
        try PerfDiff.diff(before: before, beforeFile: "before.json", after: after, afterFile: "after.json",
                          allowConfigDrift: allowConfigDrift, allowEnvDrift: allowEnvDrift, now: epoch)
    }
}
