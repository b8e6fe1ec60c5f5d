import ConvergeKernel
import Foundation

extension NodeHost {
    /// One point of `converge bench` on a V8 level: `runs` samples of the converge workload's
    /// transactions (increment `b0…b{k−1}`, commit) on `graphs[graph]`; each sample times a batch
    /// of transactions (enough for 0.1 ms, at most 64) and records the mean.
    public struct MatrixPoint: Sendable {
        public var graph: Int
        public var level: TxnLevel
        /// `full` or `dirty` (the Node host has no auto mode).
        public var mode: PlanMode
        /// The path ids of `b0…b{k−1}`.
        public var roots: [UInt32]
        public var runs: Int
        public var timeoutMs: Double

        public init(graph: Int, level: TxnLevel, mode: PlanMode, roots: [UInt32], runs: Int, timeoutMs: Double) {
            self.graph = graph
            self.level = level
            self.mode = mode
            self.roots = roots
            self.runs = runs
            self.timeoutMs = timeoutMs
        }
    }

    /// What node measured at one point.
    public struct MatrixResult: Sendable {
        /// "ok" or "timeout" (the point's runs stopped at timeoutMs).
        public var status: String
        /// ns per transaction (each sample the mean of a batch), in run order (warm-up included:
        /// the caller discards).
        public var samplesNs: [Double]
        /// Transactions per sample.
        public var batch: Int
        /// The last transaction's plan length.
        public var executedSteps: Int
        public var callsPerTxn: Double
        public var hostCallsPerTxn: Double
        public var bytesInPerTxn: Double
        public var bytesOutPerTxn: Double
        public var memoryPages: Int
        /// Steps the bytecode VM ran per transaction (the l3 levels).
        public var vmStepsPerTxn: Double = 0
    }

    /// Runs the points in one node process (`wasm-host/cli.mjs`, command `bench-matrix`), in order;
    /// returns node's version and one result per point.
    /// - Parameters:
    ///   - warmupMs: before the points, each level runs its widest point this long.
    ///   - timeoutSeconds: node is stopped after this long (the call throws `backendFailure`).
    public static func benchMatrix(graphs: [StaticIR], points: [MatrixPoint], warmupMs: Double = 300, tiering: Tiering = .optimized,
                                   timeoutSeconds: Double? = nil) throws(ConvergeError) -> (node: String, results: [MatrixResult]) {
        let job = matrixJob(graphs: graphs, points: points, warmupMs: warmupMs)
        let reply = try run(job, graphs: graphs, tiering: tiering, timeoutSeconds: timeoutSeconds,
                            code: points.contains { $0.level.loadsCode })
        guard let rs = reply["points"] as? [[String: Any]], rs.count == points.count else {
            throw ConvergeError(.backendFailure, "node replied without the matrix points")
        }
        return (reply["node"] as? String ?? "unknown", rs.map(matrixResult))
    }

    /// `job` of a bench-matrix command (docs/wasm-host.md): the points, the graphs by index.
    static func matrixJob(graphs: [StaticIR], points: [MatrixPoint], warmupMs: Double) -> [String: Any] {
        [
            "command": "bench-matrix", "warmupMs": warmupMs,
            "graphs": graphs.map { _ in [String: Any]() },
            "points": points.map { p -> [String: Any] in
                ["graph": p.graph, "level": p.level.rawValue, "mode": p.mode == .full ? "full" : "dirty",
                 "roots": p.roots.map { Int($0) }, "runs": p.runs, "timeoutMs": p.timeoutMs]
            },
        ]
    }

    /// One point of a bench-matrix reply (node's or the browser's: the same shape).
    static func matrixResult(_ r: [String: Any]) -> MatrixResult {
        MatrixResult(status: r["status"] as? String ?? "failed",
                     samplesNs: (r["samplesNs"] as? [NSNumber] ?? []).map(\.doubleValue), batch: int(r["batch"]),
                     executedSteps: int(r["executedSteps"]), callsPerTxn: double(r["callsPerTxn"]),
                     hostCallsPerTxn: double(r["hostCallsPerTxn"]), bytesInPerTxn: double(r["bytesInPerTxn"]),
                     bytesOutPerTxn: double(r["bytesOutPerTxn"]), memoryPages: int(r["memoryPages"]),
                     vmStepsPerTxn: double(r["vmStepsPerTxn"]))
    }
}
