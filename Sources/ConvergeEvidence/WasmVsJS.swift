import Foundation

// WASM vs JS in one engine: each WASM backend beside the pure-JS kernel in the same JavaScript
// engine — wasm-v8 / wasm-v8-l2 / wasm-v8-l3 vs js-v8 (node), wasm-chromium / wasm-chromium-l2 / wasm-chromium-l3 vs
// js-chromium (headless Chromium). wasm-wasmkit runs its steps in Swift, so it has no JS twin.
// The terminal table, the HTML page and `converge gate` read the verdicts from here.

/// The WASM-vs-JS comparison of a report's converge.txnCommit medians, per engine.
public enum WasmVsJS {
    /// The backends of one engine.
    public struct Engine: Sendable, Equatable {
        /// "V8 (node)", "Chromium".
        public var name: String
        /// The WASM backends, the L1 one first.
        public var wasm: [String]
        /// The pure-JS kernel in the same engine.
        public var js: String
    }

    public static let engines = [
        Engine(name: "V8 (node)", wasm: ["wasm-v8", "wasm-v8-l2", "wasm-v8-l3"], js: "js-v8"),
        Engine(name: "Chromium", wasm: ["wasm-chromium", "wasm-chromium-l2", "wasm-chromium-l3"], js: "js-chromium"),
    ]

    /// One WASM backend against its engine's JS kernel, over the cells both measured.
    public struct Summary: Sendable, Equatable {
        public var engine: String
        public var wasm: String
        public var js: String
        /// Cells (convergeMode × steps × dirtyRootsRatio) with a median on both sides.
        public var compared: Int
        /// Cells where the WASM backend's median is below the JS kernel's.
        public var wasmWins: Int
        /// The largest js/wasm ratio of medians and where ("dirty steps=2000 ratio=1"); nil when WASM never wins.
        public var bestWasm: (ratio: Double, at: String)?
        /// The largest wasm/js ratio and where; nil when JS never wins.
        public var bestJS: (ratio: Double, at: String)?

        public static func == (a: Summary, b: Summary) -> Bool {
            a.engine == b.engine && a.wasm == b.wasm && a.js == b.js && a.compared == b.compared && a.wasmWins == b.wasmWins
                && a.bestWasm?.ratio == b.bestWasm?.ratio && a.bestWasm?.at == b.bestWasm?.at
                && a.bestJS?.ratio == b.bestJS?.ratio && a.bestJS?.at == b.bestJS?.at
        }

        /// `wasm-chromium vs js-chromium: wasm-chromium wins 3 of 4 cells (best 2.9x at dirty
        /// steps=2000 ratio=1), js-chromium 1 (best 1.3x at dirty steps=200 ratio=0.005)`.
        public var line: String {
            guard compared > 0 else { return "\(wasm) vs \(js): no cell measured by both" }
            func best(_ b: (ratio: Double, at: String)?) -> String {
                b.map { " (best \(NumberText.fixed($0.ratio, 1))x at \($0.at))" } ?? ""
            }
            return "\(wasm) vs \(js): \(wasm) wins \(wasmWins) of \(compared) cells\(best(bestWasm)), \(js) \(compared - wasmWins)\(best(bestJS))"
        }
    }

    /// The summaries of every WASM backend whose engine's JS kernel is in the report too, in
    /// `engines` order.
    public static func summaries(_ report: PerfReport) -> [Summary] {
        guard let v = TxnCommitView(report) else { return [] }
        var out: [Summary] = []
        for e in engines where v.backends.contains(e.js) {
            for w in e.wasm where v.backends.contains(w) {
                var s = Summary(engine: e.name, wasm: w, js: e.js, compared: 0, wasmWins: 0)
                for key in v.keys {
                    guard let wm = v.median(w, key), let jm = v.median(e.js, key), comparable(wm, jm) else { continue }
                    s.compared += 1
                    let at = "\(key.mode) steps=\(NumberText.plain(key.steps)) ratio=\(NumberText.plain(key.ratio))"
                    if wm < jm {
                        s.wasmWins += 1
                        if jm / wm > (s.bestWasm?.ratio ?? 0) { s.bestWasm = (jm / wm, at) }
                    } else if wm / jm > (s.bestJS?.ratio ?? 0) {
                        s.bestJS = (wm / jm, at)
                    }
                }
                out.append(s)
            }
        }
        return out
    }

    /// The engine's JS kernel and its WASM backends against the plain-JS reference measured
    /// beside the kernel (evidence `js.plainReferenceMs`: the best JS known for the workload),
    /// over the cells where the reference ran.
    public struct PlainSummary: Sendable, Equatable {
        public var engine: String
        public var js: String
        /// Cells with both the JS kernel's median and the reference's.
        public var compared: Int
        /// The JS kernel's median over the reference's: the median over the cells, and the range.
        public var jsOverPlain: (median: Double, min: Double, max: Double)
        /// Per WASM backend of the engine: cells it measured too, and those where its median is below the reference's.
        public var wasm: [(backend: String, compared: Int, wins: Int)]

        public static func == (a: PlainSummary, b: PlainSummary) -> Bool {
            a.engine == b.engine && a.js == b.js && a.compared == b.compared && a.jsOverPlain == b.jsOverPlain
                && a.wasm.elementsEqual(b.wasm) { $0 == $1 }
        }

        /// `js-v8 ÷ plain JS: median 1.21x (0.80–2.10x) over 27 cells; beat plain JS: wasm-v8 3 of 27, wasm-v8-l3 8 of 27`.
        public var line: String {
            let x = { (v: Double) in NumberText.fixed(v, 2) }
            let beats = wasm.map { "\($0.backend) \($0.wins) of \($0.compared)" }.joined(separator: ", ")
            return "\(js) ÷ plain JS: median \(x(jsOverPlain.median))x (\(x(jsOverPlain.min))–\(x(jsOverPlain.max))x) over \(compared) cells"
                + (beats.isEmpty ? "" : "; beat plain JS: \(beats)")
        }
    }

    /// The plain-JS summaries of the engines whose JS kernel carries `js.plainReferenceMs`.
    public static func plainSummaries(_ report: PerfReport) -> [PlainSummary] {
        guard let suite = report.suites.first(where: { $0.id == TxnCommitView.suiteId }) else { return [] }
        let v = TxnCommitView(suite: suite)
        var out: [PlainSummary] = []
        for e in engines where v.backends.contains(e.js) {
            var plain: [GridKey: Double] = [:]
            for p in suite.points where TxnCommitView.backend(p.params) == e.js {
                guard let key = TxnCommitView.key(p.params), let ev = p.evidence("js.plainReferenceMs"), ev.status == "ok",
                      let ms = ev.value?.number, ms.isFinite, ms > 0 else { continue }
                plain[key] = ms
            }
            let ratios = v.keys.compactMap { k -> Double? in
                guard let r = plain[k], let j = v.median(e.js, k), comparable(j, r) else { return nil }
                return j / r
            }.sorted()
            guard !ratios.isEmpty else { continue }
            var s = PlainSummary(engine: e.name, js: e.js, compared: ratios.count,
                                 jsOverPlain: (ratios[ratios.count / 2], ratios[0], ratios[ratios.count - 1]), wasm: [])
            for w in e.wasm where v.backends.contains(w) {
                var compared = 0, wins = 0
                for k in v.keys {
                    guard let r = plain[k], let m = v.median(w, k), comparable(m, r) else { continue }
                    compared += 1
                    if m < r { wins += 1 }
                }
                s.wasm.append((w, compared, wins))
            }
            out.append(s)
        }
        return out
    }

    /// Two medians a verdict may be read from: both finite and positive (a NaN — the median of no
    /// batch — or an infinity never makes a winner, whatever the caller filtered before).
    static func comparable(_ a: Double, _ b: Double) -> Bool {
        a.isFinite && b.isFinite && a > 0 && b > 0
    }

    /// "wasm-v8 wins 3.1x" / "js-v8 wins 1.4x" at one cell (ratio of the medians, one decimal);
    /// "—" when either is missing.
    static func verdict(_ v: TxnCommitView, wasm: String, js: String, _ key: GridKey) -> String {
        guard let w = v.median(wasm, key), let j = v.median(js, key), comparable(w, j) else { return "—" }
        return j >= w ? "\(wasm) wins \(NumberText.fixed(j / w, 1))x" : "\(js) wins \(NumberText.fixed(w / j, 1))x"
    }
}
