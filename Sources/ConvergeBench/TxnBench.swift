// TxnBench.swift — `converge bench-txn`'s measurement: txnCommit on the converge workload per point,
// every point sampled once per round, round-robin.

import ConvergeKernel

/// Times transactions (the reducer's writes, converge, commit) on the converge workload, per step
/// count, dirty-root ratio, execution level, mode and diagnostics level (`converge bench-txn`). All
/// points are measured in one run: each round takes a share of every point's samples in turn, so
/// load on the machine spreads over all points and their ratios compare like with like.
public enum TxnBench {
    /// One point of the grid; `replica` > 0 is another runtime instance of the same point
    /// (instance-to-instance variance: memory layout, noise).
    public struct Point: Hashable, Sendable {
        public let steps: Int
        public let ratio: Double
        public let level: ExecutionLevel
        public let mode: ConvergeMode
        public let diagnostics: DiagnosticsLevel
        public var replica = 0

        public init(steps: Int, ratio: Double, level: ExecutionLevel, mode: ConvergeMode, diagnostics: DiagnosticsLevel, replica: Int = 0) {
            self.steps = steps
            self.ratio = ratio
            self.level = level
            self.mode = mode
            self.diagnostics = diagnostics
            self.replica = replica
        }

        /// The transaction's dirty roots at this point.
        public var dirtyRoots: Int { TxnCommitWorkload.dirtyRoots(steps: steps, ratio: ratio) }
    }

    /// The workload's shape: link steps instead of computed ones; writes of each root per transaction.
    public struct Workload: Sendable {
        public var links = false
        public var writesPerRoot = 1

        public init(links: Bool = false, writesPerRoot: Int = 1) {
            self.links = links
            self.writesPerRoot = writesPerRoot
        }
    }

    /// A point's measurement.
    public struct Result {
        /// ns per transaction, one per sample (a ``RoundTiming`` round of at least ``TxnBench/sampleNs``).
        public var samplesNs: [Double] = []
        /// The last transaction's summary (diagnostics other than off; nil otherwise).
        public var summary: TransactionSummary?
        /// The share of transactions that executed full (auto mode's choice).
        public var executedFullShare = 0.0

        public init() {}

        /// The samples' median, p95 and minimum (ns).
        public var stats: (median: Double, p95: Double, min: Double) { RoundTiming.summary(samplesNs) }
    }

    /// The time of one sample: a ``RoundTiming`` round of transactions at one point.
    public static let sampleNs: UInt64 = 2_000_000

    /// Every combination, in this order (steps outermost, replicas innermost).
    public static func grid(steps: [Int], ratios: [Double], levels: [ExecutionLevel], modes: [ConvergeMode],
                            diagnostics: [DiagnosticsLevel], replicas: Int) -> [Point] {
        var points: [Point] = []
        for s in steps { for r in ratios { for l in levels { for m in modes { for d in diagnostics {
            for rep in 0..<max(1, replicas) { points.append(Point(steps: s, ratio: r, level: l, mode: m, diagnostics: d, replica: rep)) }
        } } } } }
        return points
    }

    /// Runs exactly `count` transactions per point, untimed (instruction counts under callgrind).
    /// No decision budget: under valgrind planning runs about 50× slower and would hit it.
    public static func run(_ points: [Point], transactions count: Int, workload: Workload) throws {
        for p in points {
            var o = RuntimeOptions(level: p.level, mode: p.mode, diagnostics: p.diagnostics)
            o.auto.decisionBudgetMs = 0
            let w = try TxnCommitWorkload(steps: p.steps, dirtyRoots: p.dirtyRoots, options: o, links: workload.links)
            w.writesPerRoot = workload.writesPerRoot
            _ = try w.run(count)
        }
    }

    /// Measures every point: `samples` samples each, taken in `rounds` rounds (each round samples
    /// every point in turn; the last round takes what the others left).
    public static func measure(_ points: [Point], samples: Int, rounds: Int, workload: Workload) throws -> [Point: Result] {
        var workloads: [Point: TxnCommitWorkload] = [:]
        var results: [Point: Result] = [:]
        let rounds = max(1, rounds)
        let perRound = max(1, samples / rounds)
        for round in 0..<rounds {
            for p in points {
                if workloads[p] == nil {
                    var o = RuntimeOptions(level: p.level, mode: p.mode, diagnostics: p.diagnostics)
                    o.instrumentation = .full
                    let w = try TxnCommitWorkload(steps: p.steps, dirtyRoots: p.dirtyRoots, options: o, links: workload.links)
                    w.writesPerRoot = workload.writesPerRoot
                    workloads[p] = w
                }
                let w = workloads[p]!
                var r = results[p] ?? Result()
                let count = round == rounds - 1 ? samples - perRound * (rounds - 1) : perRound
                r.samplesNs += try RoundTiming.measure(rounds: count, roundNs: sampleNs) { _ = try w.transaction() }.samplesNs
                if p.diagnostics != .off { r.summary = w.runtime.lastSummary }
                r.executedFullShare = Double(w.executedFull) / Double(max(1, w.executedFull + w.executedDirty))
                results[p] = r
            }
        }
        return results
    }
}
