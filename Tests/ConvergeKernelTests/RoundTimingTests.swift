import ConvergeBench
import ConvergeKernel
import Testing

/// The deep-dive benches' timing loop counts what it ran: a sample per round, each the round's
/// time over the calls it made, and errors from the body come back unchanged. Nothing here
/// judges speed (speed is for benchmarks): only the loop's accounting.
struct RoundTimingTests {
    struct Stop: Error, Equatable { let at: Int }

    @Test func aSampleIsARoundsTimeOverItsCalls() {
        var runs = 0
        let r = RoundTiming.measure(rounds: 5, roundNs: 200_000, callsPerRun: 3) { runs += 1 }
        #expect(r.samplesNs.count == 5)
        #expect(r.batch >= 1)
        // every round ran whole batches, each of at least 1 run, and lasted at least 200 µs:
        // ns per call ≤ round time / calls, and a run cannot be free
        #expect(r.samplesNs.allSatisfy { $0 > 0 && $0.isFinite })
        #expect(r.minNs <= r.medianNs && r.medianNs <= r.p95Ns)
        // the warm-up plus five rounds; each round's runs are a multiple of the batch
        #expect(runs >= r.batch * 5 + 1)
    }

    @Test func theBatchIsSetFromTheWarmUpRound() {
        // a cheap body that ran many times in the warm-up reads the clock about
        // clockReadsPerRound times per round, not once per run; a slow one once per run
        // (the rule itself: how many runs a warm-up makes depends on the machine's load)
        #expect(RoundTiming.batchSize(warmupRuns: 32_000) == 32_000 / RoundTiming.clockReadsPerRound)
        #expect(RoundTiming.batchSize(warmupRuns: RoundTiming.clockReadsPerRound - 1) == 1)
        #expect(RoundTiming.batchSize(warmupRuns: 1) == 1)
        var runs = 0
        let r = RoundTiming.measure(rounds: 1, roundNs: 1_000_000) { runs &+= 1 }
        #expect(r.batch >= 1 && r.batch <= runs / RoundTiming.clockReadsPerRound + 1)
    }

    @Test func anErrorFromTheBodyStopsTheTiming() {
        var runs = 0
        #expect(throws: Stop(at: 7)) {
            _ = try RoundTiming.measure(rounds: 3, roundNs: 10_000_000) { () throws(Stop) in
                runs += 1
                if runs == 7 { throw Stop(at: runs) }
            }
        }
        #expect(runs == 7)
    }

    @Test func zeroRoundsStillTakeOneSample() {
        let r = RoundTiming.measure(rounds: 0, roundNs: 10_000) {}
        #expect(r.samplesNs.count == 1)
    }
}
