import ConvergeKernel
import Foundation

extension NodeHost {
    /// The transaction core's settings a JS host opens (`ckw_txn_open`, docs/kernel-abi.md): the
    /// parts of ``RuntimeOptions`` the wasm ABI carries. The rest of the auto policy is the C
    /// defaults (`ck_auto_policy_init`), which equal ``AutoPolicy``'s (or ``AutoPolicy/logix``'s).
    public struct TxnPolicy: Sendable, Equatable {
        /// Execution budget per converge (0 = none).
        public var executionBudgetMs: Double
        /// Logix's rules (`fast_full` at 0.6 ms, no cost model) instead of this kernel's.
        public var logix: Bool
        public var costModel: Bool
        /// Auto's decision budget (0 = none).
        public var decisionBudgetMs: Double

        public init(executionBudgetMs: Double = 200, logix: Bool = false, costModel: Bool = true, decisionBudgetMs: Double = 0.5) {
            self.executionBudgetMs = executionBudgetMs
            self.logix = logix
            self.costModel = costModel
            self.decisionBudgetMs = decisionBudgetMs
        }

        /// A runtime's settings (its policy must be ``AutoPolicy()`` or ``AutoPolicy/logix`` but
        /// for the cost model and the decision budget: the other thresholds do not cross).
        public init(_ o: RuntimeOptions) {
            self.init(executionBudgetMs: o.executionBudgetMs, logix: o.auto.fastFullMaxMs > 0, costModel: o.auto.costModel,
                      decisionBudgetMs: o.auto.decisionBudgetMs)
        }

        var json: [String: Any] {
            ["budgetNs": executionBudgetMs * 1e6, "logix": logix, "costModel": costModel, "decisionBudgetNs": decisionBudgetMs * 1e6]
        }
    }

    /// One point of `converge bench` on a V8 level: `runs` samples of the converge workload's
    /// transactions (increment `b0…b{k−1}`, commit) on `graphs[graph]`; each sample times a batch
    /// of transactions (enough for 0.1 ms, at most 64) and records the mean.
    public struct MatrixPoint: Sendable {
        public var graph: Int
        public var level: Backend
        /// `auto`, `full` or `dirty`; the wasm levels decide auto in the transaction core (C), the
        /// `l0-js` level in the JS auto decider (`wasm-host/js-auto.mjs`, the Swift L0 rules).
        public var mode: ConvergeMode
        /// The path ids of `b0…b{k−1}`.
        public var roots: [UInt32]
        public var runs: Int
        public var timeoutMs: Double

        public init(graph: Int, level: Backend, mode: ConvergeMode, roots: [UInt32], runs: Int, timeoutMs: Double) {
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
        /// True when the level ran on the transaction core (the wasm levels).
        public var txnCore = false
        /// True when the fields below come from each transaction's record: the transaction core's
        /// (the wasm levels, every mode) or the JS auto decider's (`l0-js` in auto mode); false
        /// for `l0-js` in full and dirty mode (they describe the requested mode).
        public var recorded = false
        /// Transactions of the point (calibration included) and how many ran full / dirty.
        public var transactions = 0
        public var fullRuns = 0
        public var dirtyRuns = 0
        /// Transactions whose decision carried `budget_cutoff`.
        public var cutOffs = 0
        /// The last transaction's executed mode and reasons, and every reason seen.
        public var lastExecutedMode: ExecutedMode?
        public var lastReasons: DecisionReasons = []
        public var reasonsSeen: DecisionReasons = []
        /// Auto: per sample, the decision time (ns) of the batch's last transaction (0: not
        /// measured, as in the Swift runtime's summary); the mean over the measured decisions.
        public var decisionNs: [Double] = []
        public var decisionsTimed = 0
        public var decisionNsMean = 0.0
        /// `l0-js`: the plain-JS reference's samples at the same point (ns per transaction, same
        /// batches; `wasm-host/plain-reference.mjs`), or why it did not run.
        public var referenceSamplesNs: [Double]?
        public var referenceUnavailable: String?
        /// The memory probe's time beside each sample (ns; `memoryProbeNs` in
        /// `wasm-host/bench-matrix.mjs`), empty from a host that does not time it.
        public var probeSamplesNs: [Double] = []
    }

    /// Runs the points in one node process (`wasm-host/cli.mjs`, command `bench-matrix`), in order;
    /// returns node's version and one result per point.
    /// - Parameters:
    ///   - warmupMs: before the points, each level runs its widest point this long.
    ///   - timeoutSeconds: node is stopped after this long (the call throws `backendFailure`).
    ///   - artifacts: the graphs' artifacts as given (one per graph; nil: each encoded from its graph).
    ///   - policy: the transaction core's settings (default: ``RuntimeOptions()``'s).
    public static func benchMatrix(graphs: [CompiledGraph], points: [MatrixPoint], artifacts: [Artifact]? = nil, warmupMs: Double = 300, tiering: Tiering = .optimized,
                                   timeoutSeconds: Double? = nil, policy: TxnPolicy = TxnPolicy()) throws(ConvergeError) -> (node: String, results: [MatrixResult]) {
        let job = try matrixJob(graphs: graphs, points: points, warmupMs: warmupMs, policy: policy)
        let reply = try run(job, graphs: graphs, tiering: tiering, timeoutSeconds: timeoutSeconds,
                            code: points.contains { $0.level.loadsCode },
                            artifact: points.contains { $0.level.loadsArtifact }, artifacts: artifacts)
        guard let rs = reply["points"] as? [[String: Any]], rs.count == points.count else {
            throw ConvergeError(.backendFailure, "node replied without the matrix points")
        }
        return (reply["node"] as? String ?? "unknown", rs.map(matrixResult))
    }

    /// `job` of a bench-matrix command (docs/wasm-host.md): the points, the graphs by index.
    static func matrixJob(graphs: [CompiledGraph], points: [MatrixPoint], warmupMs: Double, host: Backend.Host = .v8,
                          policy: TxnPolicy = TxnPolicy()) throws(ConvergeError) -> [String: Any] {
        let levels = try NodeHost.hostLevels(points.map(\.level), host: host, unique: false)
        return [
            "command": "bench-matrix", "warmupMs": warmupMs, "policy": policy.json,
            "graphs": graphs.map { _ in [String: Any]() },
            "points": zip(points, levels).map { p, level -> [String: Any] in
                ["graph": p.graph, "level": level, "mode": p.mode.rawValue,
                 "roots": p.roots.map { Int($0) }, "runs": p.runs, "timeoutMs": p.timeoutMs]
            },
        ]
    }

    /// One point of a bench-matrix reply (node's or the browser's: the same shape).
    static func matrixResult(_ r: [String: Any]) -> MatrixResult {
        var m = MatrixResult(status: r["status"] as? String ?? "failed",
                             samplesNs: (r["samplesNs"] as? [NSNumber] ?? []).map(\.doubleValue), batch: int(r["batch"]),
                             executedSteps: int(r["executedSteps"]), callsPerTxn: double(r["callsPerTxn"]),
                             hostCallsPerTxn: double(r["hostCallsPerTxn"]), bytesInPerTxn: double(r["bytesInPerTxn"]),
                             bytesOutPerTxn: double(r["bytesOutPerTxn"]), memoryPages: int(r["memoryPages"]),
                             vmStepsPerTxn: double(r["vmStepsPerTxn"]))
        m.txnCore = r["txnCore"] as? Bool ?? false
        m.recorded = r["recorded"] as? Bool ?? m.txnCore
        m.transactions = int(r["transactions"])
        m.fullRuns = int(r["fullRuns"])
        m.dirtyRuns = int(r["dirtyRuns"])
        m.cutOffs = int(r["cutOffs"])
        m.lastExecutedMode = KernelABI.executedMode(UInt32(clamping: int(r["lastExecutedMode"])))
        m.lastReasons = reasons(r["lastReasons"])
        m.reasonsSeen = reasons(r["reasonsSeen"])
        m.decisionNs = (r["decisionNs"] as? [NSNumber] ?? []).map(\.doubleValue)
        m.decisionsTimed = int(r["decisionsTimed"])
        m.decisionNsMean = r["decisionNsMean"] == nil ? 0 : double(r["decisionNsMean"])
        m.referenceSamplesNs = (r["referenceSamplesNs"] as? [NSNumber])?.map(\.doubleValue)
        m.referenceUnavailable = r["referenceUnavailable"] as? String
        m.probeSamplesNs = (r["probeSamplesNs"] as? [NSNumber] ?? []).map(\.doubleValue)
        return m
    }

    /// `CK_REASON_*` bits as reasons (the same bits as ``DecisionReasons``).
    static func reasons(_ v: Any?) -> DecisionReasons { DecisionReasons(rawValue: UInt16(truncatingIfNeeded: int(v))) }
}
