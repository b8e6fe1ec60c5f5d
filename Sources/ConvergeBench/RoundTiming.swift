// RoundTiming.swift — the deep-dive benches' one timing loop: a warm-up round, then rounds of at
// least a set time; nanoseconds per call, median and minimum.

import ConvergeKernel

/// Times a body in rounds: one untimed warm-up round, then `rounds` rounds that each run the
/// body until at least `roundNs` have passed. A round's time divided by the calls it made is one
/// sample; the result is the samples' median and minimum (ns per call). The clock is the kernel's
/// (CLOCK_MONOTONIC), read once per run of the body, not per call inside it.
public enum RoundTiming {
    public struct Result: Sendable, Equatable {
        public var medianNs: Double
        public var minNs: Double
    }

    /// - Parameters:
    ///   - callsPerRun: how many calls one run of `body` makes (a body may cycle through several
    ///     inputs).
    ///   - body: one run; an error stops the timing and is rethrown.
    public static func measure<E: Error>(rounds: Int, roundNs: UInt64, callsPerRun: Int = 1,
                                         _ body: () throws(E) -> Void) throws(E) -> Result {
        var start = monotonicNowNs()
        repeat { try body() } while monotonicNowNs() &- start < roundNs
        var perCall: [Double] = []
        perCall.reserveCapacity(max(1, rounds))
        for _ in 0..<max(1, rounds) {
            var calls = 0
            start = monotonicNowNs()
            var now = start
            repeat {
                try body()
                calls += callsPerRun
                now = monotonicNowNs()
            } while now &- start < roundNs
            perCall.append(Double(now &- start) / Double(max(calls, 1)))
        }
        perCall.sort()
        return Result(medianNs: perCall[perCall.count / 2], minNs: perCall[0])
    }
}
