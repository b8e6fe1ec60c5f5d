import ConvergeKernel
import Foundation

/// Runs `converge bench`'s points in headless Chromium: node runs `wasm-host/browser-run.mjs`,
/// which serves a page (the same host modules and converge.wasm as the V8 backends) from a
/// loopback HTTP server, opens it in Chromium over the DevTools pipe and reads the page's
/// `LOGIX_PERF_REPORT:` console lines (docs/wasm-host.md, "The browser").
public enum BrowserHost {
    /// The browser that measured: `name` is always "chromium" (Chromium or Chrome), `version`
    /// from the DevTools protocol (`156.0.8078.108`).
    public struct BrowserInfo: Sendable, Equatable {
        public var name: String
        public var version: String
        /// `performance.now()`'s step in the page (ns): 5 µs when cross-origin isolated.
        public var timerResolutionNs: Double?
        public var crossOriginIsolated: Bool?
    }

    /// What a browser session measured: one result per point (a point the page never reached is
    /// `status: "failed"`), and why the session ended early, if it did.
    public struct MatrixReply: Sendable {
        public var browser: BrowserInfo
        public var node: String
        public var results: [NodeHost.MatrixResult]
        /// The failure that ended the session (nil: every point was measured).
        public var failure: String?
    }

    /// Names tried on PATH, in order.
    public static let executableNames = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]

    /// How to get a Chromium, for messages.
    public static let installHint = "apt-get install -y chromium, or scripts/bootstrap.sh --chromium"

    /// The Chromium executable: `explicit` (`--chromium PATH`), else `CONVERGE_CHROMIUM`, else the
    /// first of `executableNames` on PATH.
    /// - Throws: `wasmToolchainMissing` naming what was tried and how to install Chromium.
    public static func chromium(_ explicit: String? = nil) throws(ConvergeError) -> URL {
        let env = ProcessInfo.processInfo.environment
        if let given = explicit ?? env["CONVERGE_CHROMIUM"] {
            guard FileManager.default.isExecutableFile(atPath: given) else {
                let source = explicit != nil ? "--chromium" : "CONVERGE_CHROMIUM"
                throw ConvergeError(.wasmToolchainMissing, "\(source) \(given) is not an executable file: the browser backends need headless Chromium (\(installHint))")
            }
            return URL(fileURLWithPath: given)
        }
        for dir in (env["PATH"] ?? "").split(separator: ":") {
            for name in executableNames {
                let c = URL(fileURLWithPath: String(dir)).appendingPathComponent(name)
                if FileManager.default.isExecutableFile(atPath: c.path) { return c }
            }
        }
        throw ConvergeError(.wasmToolchainMissing, "chromium not found (none of \(executableNames.joined(separator: ", ")) on PATH; or pass --chromium PATH): the browser backends (wasm-chromium, wasm-chromium-l2, wasm-chromium-l3, wasm-chromium-l4, js-chromium) need headless Chromium: \(installHint)")
    }

    /// The browser host script.
    public static func script() throws(ConvergeError) -> URL {
        let s = try WasmBuild.hostScripts().appendingPathComponent("browser-run.mjs")
        guard FileManager.default.fileExists(atPath: s.path) else {
            throw ConvergeError(.wasmToolchainMissing, "the browser host \(s.path) is missing: rebuild the package, or set CONVERGE_SOURCE_ROOT to a ConvergeKernel checkout")
        }
        return s
    }

    /// Runs the points in one Chromium session, in order (`bench-matrix` job of the Node host, the
    /// same loop; samples batch enough transactions for 1 ms, at most 2000, because the page's
    /// clock is coarsened).
    /// - Parameters:
    ///   - artifacts: the graphs' artifacts as given (one per graph; nil: each encoded from its graph).
    ///   - chromium: the executable (`chromium(_:)`).
    ///   - warmupMs: before the points, each level runs its widest point this long (longer than
    ///     node's 300 ms: a freshly started Chromium competes with its own processes at first).
    ///   - settleMs: the page waits this long after loading, before the warm-up.
    ///   - timeLimitSeconds: the session is stopped after this long; the points not measured by
    ///     then are failed, with the reason.
    /// - Throws: `backendFailure` when node or Chromium cannot run at all (node's message), or the
    ///   reply is not the documented JSON.
    public static func benchMatrix(graphs: [CompiledGraph], points: [NodeHost.MatrixPoint], artifacts: [Artifact]? = nil, chromium: URL, warmupMs: Double = 1000,
                                   settleMs: Double = 1000, timeLimitSeconds: Double) throws(ConvergeError) -> MatrixReply {
        var job = try NodeHost.matrixJob(graphs: graphs, points: points, warmupMs: warmupMs, host: .chromium)
        job["settleMs"] = settleMs
        job["chromium"] = chromium.path
        job["timeLimitMs"] = timeLimitSeconds * 1000
        // the code V8 runs after tier-up, as node's --no-liftoff does for the V8 backends
        job["jsFlags"] = "--no-liftoff"
        // the runner stops Chromium at its own limit and still replies; this one is the backstop
        let reply = try NodeHost.run(job, graphs: graphs, timeoutSeconds: timeLimitSeconds + 30,
                                     code: points.contains { $0.level.loadsCode },
                                     artifact: points.contains { $0.level.loadsArtifact }, artifacts: artifacts, script: try script())
        guard let rs = reply["points"] as? [Any], rs.count <= points.count, let b = reply["browser"] as? [String: Any] else {
            throw ConvergeError(.backendFailure, "the browser host replied without the matrix points")
        }
        let failure = reply["failure"] as? String
        var results: [NodeHost.MatrixResult] = []
        for i in points.indices {
            if i < rs.count, let r = rs[i] as? [String: Any] {
                results.append(NodeHost.matrixResult(r))
            } else {
                results.append(NodeHost.MatrixResult(status: "failed", samplesNs: [], batch: 0, executedSteps: 0, callsPerTxn: .nan,
                                                     hostCallsPerTxn: .nan, bytesInPerTxn: .nan, bytesOutPerTxn: .nan, memoryPages: 0))
            }
        }
        let info = BrowserInfo(name: "chromium", version: b["version"] as? String ?? "unknown",
                               timerResolutionNs: (b["timerResolutionNs"] as? NSNumber)?.doubleValue,
                               crossOriginIsolated: b["crossOriginIsolated"] as? Bool)
        return MatrixReply(browser: info, node: reply["node"] as? String ?? "unknown", results: results, failure: failure)
    }

    /// ``NodeHost/txnCore(_:_:levels:mode:policy:bumpGeneration:trace:)`` in headless Chromium: the
    /// same `txn` job and loop (wasm-host/txn-run.mjs) on the page, untimed, so its states,
    /// commits and trace records can be compared with node's and the native runtime's.
    /// - Throws: `backendFailure` with the page's or the browser's failure, or a reply without
    ///   the results.
    public static func txnCore(_ graph: CompiledGraph, _ txns: [[NodeHost.TxnWrite]], levels: [Backend], mode: ConvergeMode,
                               policy: NodeHost.TxnPolicy, bumpGeneration: Set<Int> = [], trace: NodeHost.TxnTrace? = nil,
                               chromium: URL, timeLimitSeconds: Double = 300) throws(ConvergeError) -> [Backend: NodeHost.TxnCoreResult] {
        var job = try NodeHost.txnCoreJob(txns, levels: levels, host: .chromium, mode: mode, policy: policy, bumpGeneration: bumpGeneration, trace: trace)
        job["chromium"] = chromium.path
        job["timeLimitMs"] = timeLimitSeconds * 1000
        let reply = try NodeHost.run(job, graphs: [graph], timeoutSeconds: timeLimitSeconds + 30,
                                     code: levels.contains { $0.loadsCode },
                                     artifact: levels.contains { $0.loadsArtifact }, script: try script())
        if let failure = reply["failure"] as? String {
            throw ConvergeError(.backendFailure, "the browser host failed: \(failure)")
        }
        return try NodeHost.txnCoreResults(reply, graph: graph, levels: levels, count: txns.count, host: "the browser host")
    }
}
