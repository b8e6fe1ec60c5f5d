import Foundation

// `converge gate --node BEFORE AFTER --browser BEFORE AFTER`: Logix's end-point criterion — the
// Node and the Browser perf diffs both comparable with 0 regressions (docs/perf-diff.md,
// "Two-sided gate") — plus, per side, the WASM-vs-JS verdict of the after report.

/// One side of a two-sided gate: its diff's verdict and the after report's WASM-vs-JS summaries.
public struct GateSide: Sendable, Equatable {
    /// Which reports a side takes.
    public enum Kind: String, Sendable, CaseIterable {
        /// Runs outside a browser: `meta.env.browser.name` is "node" or "native".
        case node
        /// Browser runs: `meta.env.browser.name` is a browser ("chromium", Logix's "Chromium", …).
        case browser

        /// Whether a report belongs on this side (by `meta.env.browser.name`; absent counts as not a browser).
        public func accepts(_ report: PerfReport) -> Bool {
            let name = report.meta.env.browser?.name?.lowercased()
            let isBrowser = name != nil && name != "node" && name != "native"
            return self == .browser ? isBrowser : !isBrowser
        }
    }

    public var kind: Kind
    public var verdict: GateVerdict
    /// The after report's WASM-vs-JS summaries (empty when it has no engine pair).
    public var wasmVsJS: [WasmVsJS.Summary]

    public init(kind: Kind, verdict: GateVerdict, wasmVsJS: [WasmVsJS.Summary]) {
        self.kind = kind
        self.verdict = verdict
        self.wasmVsJS = wasmVsJS
    }

    /// Reads the pair, checks both reports belong on this side, diffs them and reads the verdicts.
    /// A pair that is not comparable (without the allow flags) fails, as in the one-pair gate.
    /// - Throws: `.io` / `.invalidReport` for unreadable files, `.invalidArgument` when a report
    ///   is on the wrong side (a node report given to `--browser`, or the reverse).
    public static func evaluate(_ kind: Kind, beforeFile: String, afterFile: String, allowConfigDrift: Bool = false,
                                allowEnvDrift: Bool = false) throws(EvidenceError) -> GateSide {
        let before = try PerfReport.read(beforeFile)
        let after = try PerfReport.read(afterFile)
        for (file, r) in [(beforeFile, before), (afterFile, after)] where !kind.accepts(r) {
            let name = r.meta.env.browser?.name ?? "undefined"
            let want = kind == .browser
                ? "a browser run (converge bench --backend wasm-chromium --backend wasm-chromium-l2 --backend wasm-chromium-l3 --backend js-chromium)"
                : "a node or native run (converge bench without the chromium backends)"
            throw EvidenceError(.invalidArgument, "--\(kind.rawValue) \(file): meta.env.browser.name is \(name); the --\(kind.rawValue) pair takes \(want)")
        }
        let verdict: GateVerdict
        do {
            verdict = try PerfDiff.diff(before: before, beforeFile: beforeFile, after: after, afterFile: afterFile,
                                        allowConfigDrift: allowConfigDrift, allowEnvDrift: allowEnvDrift).gate
        } catch {
            guard error.code == .notComparable else { throw error }
            verdict = .notComparable(error)
        }
        return GateSide(kind: kind, verdict: verdict, wasmVsJS: WasmVsJS.summaries(after))
    }

    /// `gate node: pass — comparable, 0 regressions, 1 improvement` (the one-pair line, labelled).
    public var verdictLine: String {
        let line = verdict.line
        return "gate \(kind.rawValue):" + line.dropFirst("gate:".count)
    }

    /// `wasm vs js (node, after): wasm-v8 vs js-v8: wasm-v8 wins 3 of 4 cells (…), js-v8 1 (…)`,
    /// one per WASM backend; one line saying there is none when the after report has no pair.
    public var wasmVsJSLines: [String] {
        guard !wasmVsJS.isEmpty else {
            return ["wasm vs js (\(kind.rawValue), after): no WASM backend with its engine's JS kernel in the after report"]
        }
        return wasmVsJS.map { TerminalText.escaped("wasm vs js (\(kind.rawValue), after): \($0.line)") }
    }
}

/// The two-sided gate: passes iff every side passes.
public struct SidedGate: Sendable, Equatable {
    public var sides: [GateSide]

    public init(sides: [GateSide]) { self.sides = sides }

    public var pass: Bool { !sides.isEmpty && sides.allSatisfy(\.verdict.pass) }

    /// Each side's verdict line, then each side's WASM-vs-JS lines, then the overall line
    /// `gate: pass — node and browser: comparable, 0 regressions` or
    /// `gate: fail — browser fails (not comparable, incomplete or regressed)`. Each line is one line
    /// (text from the reports is escaped).
    public var lines: [String] {
        var out = sides.map(\.verdictLine)
        out += sides.flatMap(\.wasmVsJSLines)
        let names = sides.map(\.kind.rawValue).joined(separator: " and ")
        if pass {
            out.append("gate: pass — \(names): comparable, 0 regressions")
        } else {
            let failing = sides.filter { !$0.verdict.pass }.map(\.kind.rawValue).joined(separator: " and ")
            out.append("gate: fail — \(failing) \(sides.filter { !$0.verdict.pass }.count == 1 ? "fails" : "fail") (not comparable, incomplete or regressed)")
        }
        return out
    }
}
