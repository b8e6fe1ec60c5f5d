import Foundation

// The converge.txnCommit suite read as a grid for people-facing output (the HTML page and the
// terminal table): backend × convergeMode × steps × dirtyRootsRatio → median / p95, and the ratio
// to the baseline backend. Points that were skipped, failed, timed out or whose metric is
// unavailable are left out of the grid (and counted); non-finite values never enter it.

/// One cell of the grid: where a measurement sits, without the backend.
struct GridKey: Hashable, Sendable {
    var mode: String
    var steps: Double
    var ratio: Double
}

/// The converge.txnCommit suite of a report, indexed for plotting and tabulating.
struct TxnCommitView: Sendable {
    static let suiteId = "converge.txnCommit"
    static let metric = "runtime.txnCommitMs"
    static let baseline = "native-l1"
    /// Backend name used for points without a `kernelBackend` parameter (e.g. Logix's own reports).
    static let unnamedBackend = "default"

    /// Backends present in the suite, in matrix order, then by name.
    let backends: [String]
    /// convergeMode values present, in matrix order (full, dirty, auto), then by name.
    let modes: [String]
    /// steps values present, ascending.
    let steps: [Double]
    /// dirtyRootsRatio values present, ascending.
    let ratios: [Double]
    /// Every (mode, steps, ratio) that has at least one point, in mode / steps / ratio order.
    let keys: [GridKey]
    /// Medians and p95s in milliseconds, by backend then cell.
    let stats: [String: [GridKey: PerfReport.Stats]]
    /// Ratios to the baseline (median, p95), by backend then cell: the report's comparisons when
    /// present, otherwise computed from the medians / p95s.
    let baselineRatios: [String: [GridKey: PerfReport.ComparisonStats]]
    /// Number of points in the suite (any status).
    let pointCount: Int
    /// Points not plotted: status other than ok, or the metric missing / unavailable / not finite.
    let skippedCount: Int

    var isEmpty: Bool { stats.values.allSatisfy(\.isEmpty) }
    var hasBaseline: Bool { !(stats[Self.baseline] ?? [:]).isEmpty }

    func median(_ backend: String, _ key: GridKey) -> Double? { stats[backend]?[key]?.medianMs }
    func ratio(_ backend: String, _ key: GridKey) -> Double? { baselineRatios[backend]?[key]?.median }

    /// The suite's view, or nil when the report has no converge.txnCommit suite.
    init?(_ report: PerfReport) {
        guard let suite = report.suites.first(where: { $0.id == Self.suiteId }) else { return nil }
        self.init(suite: suite)
    }

    init(suite: PerfReport.Suite) {
        var stats: [String: [GridKey: PerfReport.Stats]] = [:]
        var skipped = 0
        var modeSet = Set<String>(), stepSet = Set<Double>(), ratioSet = Set<Double>(), backendSet = Set<String>()
        var keySet = Set<GridKey>()
        for p in suite.points {
            guard let key = Self.key(p.params) else { skipped += 1; continue }
            let backend = Self.backend(p.params)
            guard p.status == "ok", let m = p.metric(Self.metric), m.status == "ok", let s = m.stats,
                  s.medianMs.isFinite, s.p95Ms.isFinite, s.medianMs >= 0 else {
                skipped += 1
                continue
            }
            stats[backend, default: [:]][key] = s
            modeSet.insert(key.mode); stepSet.insert(key.steps); ratioSet.insert(key.ratio); backendSet.insert(backend)
            keySet.insert(key)
        }
        let order = Self.matrixOrder()
        backends = Self.ordered(backendSet, by: order.backends)
        let modes = Self.ordered(modeSet, by: order.modes)
        self.modes = modes
        steps = stepSet.sorted()
        ratios = ratioSet.sorted()
        keys = keySet.sorted { a, b in
            if a.mode != b.mode { return (modes.firstIndex(of: a.mode) ?? 0) < (modes.firstIndex(of: b.mode) ?? 0) }
            if a.steps != b.steps { return a.steps < b.steps }
            return a.ratio < b.ratio
        }
        self.stats = stats
        pointCount = suite.points.count
        skippedCount = skipped

        // Ratios: comparisons first (kind ratio on our metric, denominator = the baseline backend).
        var ratios: [String: [GridKey: PerfReport.ComparisonStats]] = [:]
        for c in suite.comparisons ?? [] where c.kind == "ratio" && c.metric == Self.metric {
            guard c.denominatorWhere["kernelBackend"]?.string == Self.baseline,
                  let key = Self.key(c.numeratorWhere), c.stats.median.isFinite, c.stats.p95.isFinite else { continue }
            ratios[Self.backend(c.numeratorWhere), default: [:]][key] = c.stats
        }
        if let base = stats[Self.baseline] {
            for (backend, cells) in stats where backend != Self.baseline {
                for (key, s) in cells where ratios[backend]?[key] == nil {
                    guard let b = base[key], b.medianMs > 0, b.p95Ms > 0 else { continue }
                    let r = PerfReport.ComparisonStats(median: s.medianMs / b.medianMs, p95: s.p95Ms / b.p95Ms)
                    if r.median.isFinite && r.p95.isFinite { ratios[backend, default: [:]][key] = r }
                }
            }
        }
        ratios[Self.baseline] = nil
        baselineRatios = ratios
    }

    static func backend(_ params: Params) -> String {
        params["kernelBackend"].map(\.description) ?? unnamedBackend
    }

    static func key(_ params: Params) -> GridKey? {
        guard let steps = params["steps"]?.number, steps.isFinite,
              let ratio = params["dirtyRootsRatio"]?.number, ratio.isFinite else { return nil }
        return GridKey(mode: params["convergeMode"].map(\.description) ?? "—", steps: steps, ratio: ratio)
    }

    /// Known values first in the given order, the rest by name.
    static func ordered(_ values: Set<String>, by known: [String]) -> [String] {
        known.filter(values.contains) + values.subtracting(known).sorted()
    }

    /// Backends `converge bench` runs only when asked (not in the matrix's default list): after it.
    static let optInBackends = ["wasm-chromium", "wasm-chromium-l2", "wasm-chromium-l3", "wasm-chromium-l4", "js-chromium"]

    /// The axis order of the embedded matrix, then the opt-in backends (fallback: the order it had
    /// when this was written).
    static func matrixOrder() -> (backends: [String], modes: [String]) {
        if let m = try? Matrix.embedded(), let s = m.suite(suiteId) {
            return (s.axes.kernelBackend + optInBackends.filter { !s.axes.kernelBackend.contains($0) }, s.axes.convergeMode)
        }
        return (["portable", "native-l1", "native-l2", "native-l3", "native-l4", "wasm-wasmkit", "wasm-v8", "wasm-v8-l2", "wasm-v8-l3", "wasm-v8-l4", "js-v8"],
                ["full", "dirty", "auto"])
    }
}

/// Number spellings shared by the page and the table: fixed decimals, never "nan" / "inf".
enum NumberText {
    /// `value` with `decimals` fixed decimals, or "—" when it is not finite.
    static func fixed(_ value: Double?, _ decimals: Int) -> String {
        guard let v = value, v.isFinite else { return "—" }
        return String(format: "%.\(decimals)f", v)
    }

    /// Four significant digits (`0.001744`, `12.35`, `2.5e+04`), or "—" when not finite.
    static func significant(_ value: Double) -> String {
        value.isFinite ? String(format: "%.4g", value) : "—"
    }

    /// A ratio or step value the way a person writes it: `0.005`, `0.25`, `1`, `2000`.
    static func plain(_ value: Double) -> String {
        value.isFinite ? ParamValue.jsNumber(value) : "—"
    }
}
