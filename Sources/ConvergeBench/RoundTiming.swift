// RoundTiming.swift — the deep-dive benches' one timing loop (bench-plan, bench-wasm, bench-txn):
// a warm-up round, then rounds of at least a set time; nanoseconds per call, per round.

import ConvergeKernel

/// Times a body in rounds: one untimed warm-up round, then `rounds` rounds that each run the
/// body until at least `roundNs` have passed. A round's time divided by the calls it made is one
/// sample; the result holds every sample and their median and minimum (ns per call).
///
/// The clock is the kernel's (CLOCK_MONOTONIC). It is read once per batch of runs, not per run:
/// the warm-up round counts how many runs fit in a round and sets the batch so that a round
/// reads the clock about ``clockReadsPerRound`` times. A call that takes less than a clock read
/// (tens of ns) is then not measured with the clock's own cost in it.
///
/// `converge bench` and `converge ab` do not use it: they sample every point of a grid in turn,
/// each beside a machine probe (``InProcessBench``), so that their ratios come from one run.
public enum RoundTiming {
    /// About how many times a round reads the clock (at least once per run while runs are slow).
    public static let clockReadsPerRound = 32

    public struct Result: Sendable, Equatable {
        /// ns per call of each round, in the order measured.
        public var samplesNs: [Double]
        /// Runs of the body between two clock reads.
        public var batch: Int
        /// The rounds' median, 95th percentile and minimum (ns per call; ``summary(_:)``).
        public let medianNs: Double, p95Ns: Double, minNs: Double

        init(samplesNs: [Double], batch: Int) {
            self.samplesNs = samplesNs
            self.batch = batch
            (medianNs, p95Ns, minNs) = RoundTiming.summary(samplesNs)
        }
    }

    /// Runs between two clock reads, from the runs a warm-up round made: about
    /// ``clockReadsPerRound`` reads per round, at least one run per read.
    public static func batchSize(warmupRuns: Int) -> Int { max(1, warmupRuns / clockReadsPerRound) }

    /// The median (`sorted[n/2]`), the 95th percentile (`sorted[floor(0.95·(n−1))]`) and the
    /// minimum of samples; zeros when there are none.
    public static func summary(_ samples: [Double]) -> (median: Double, p95: Double, min: Double) {
        let s = (samples.isEmpty ? [0] : samples).sorted()
        return (s[s.count / 2], s[Int(0.95 * Double(s.count - 1))], s[0])
    }

    /// - Parameters:
    ///   - rounds: timed rounds (at least 1).
    ///   - roundNs: each round runs until at least this much time has passed.
    ///   - callsPerRun: how many calls one run of `body` makes (a body may cycle through several
    ///     inputs).
    ///   - body: one run; an error stops the timing and is rethrown.
    public static func measure<E: Error>(rounds: Int, roundNs: UInt64, callsPerRun: Int = 1,
                                         _ body: () throws(E) -> Void) throws(E) -> Result {
        var warmupRuns = 0
        var start = monotonicNowNs()
        repeat { try body(); warmupRuns += 1 } while monotonicNowNs() &- start < roundNs
        let batch = batchSize(warmupRuns: warmupRuns)
        var perCall: [Double] = []
        perCall.reserveCapacity(max(1, rounds))
        for _ in 0..<max(1, rounds) {
            var calls = 0
            start = monotonicNowNs()
            var now = start
            repeat {
                var i = 0
                while i < batch { try body(); i += 1 }
                calls += batch * callsPerRun
                now = monotonicNowNs()
            } while now &- start < roundNs
            perCall.append(Double(now &- start) / Double(max(calls, 1)))
        }
        return Result(samplesNs: perCall, batch: batch)
    }
}
