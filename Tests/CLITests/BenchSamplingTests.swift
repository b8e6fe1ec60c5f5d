@testable import ConvergeBench
@testable import converge
import Foundation
import Testing

/// The in-process bench's sampling in turns (BenchSampling.swift): the order of the samples, and
/// a failing or slow point leaving the turns without disturbing the others.
@Suite struct BenchSamplingTests {
    struct Boom: Error, CustomStringConvertible { var description: String { "boom" } }

    /// A sampler that logs its samples; it throws at `failAt` and reports `nsPerSample` per sample.
    final class FakeSampler: PointSampler {
        let name: String
        let log: Log
        let failAt: Int?
        let nsPerSample: UInt64
        var taken = 0
        init(_ name: String, _ log: Log, failAt: Int? = nil, nsPerSample: UInt64 = 1000) {
            self.name = name
            self.log = log
            self.failAt = failAt
            self.nsPerSample = nsPerSample
        }
        func sample(run: Int) throws -> UInt64 {
            #expect(run == taken, "\(name) sampled out of order")
            if run == failAt { throw Boom() }
            log.entries.append("\(name)\(run)")
            taken += 1
            return nsPerSample
        }
        func finish() -> PointResult {
            var r = PointResult()
            r.offMs = Array(repeating: 1, count: taken)
            return r
        }
    }

    final class Log { var entries: [String] = [] }

    static func point(_ ratio: Double) -> BenchPoint {
        BenchPoint(backend: .native(.l1), mode: .dirty, steps: 200, ratio: ratio, dirtyRoots: 1)
    }

    @Test func everyRoundSamplesEveryPointAndEveryOtherRoundRunsBackwards() {
        let log = Log()
        let points = [Self.point(0.1), Self.point(0.2), Self.point(0.3)]
        let names = [0.1: "a", 0.2: "b", 0.3: "c"]
        var done: [Double] = []
        let results = sampleInTurns(points, runs: 4, timeoutMs: 1000, make: { FakeSampler(names[$0.ratio]!, log) },
                                    done: { done.append($0.ratio) })
        #expect(log.entries == ["a0", "b0", "c0", "c1", "b1", "a1", "a2", "b2", "c2", "c3", "b3", "a3"])
        #expect(done == [0.1, 0.2, 0.3])
        for p in points {
            #expect(results[p]?.status == "ok")
            #expect(results[p]?.offMs.count == 4)
        }
    }

    @Test func aFailingPointLeavesTheTurnsAndTheOthersGoOn() {
        let log = Log()
        let points = [Self.point(0.1), Self.point(0.2), Self.point(0.3)]
        var done: [Double] = []
        let results = sampleInTurns(points, runs: 3, timeoutMs: 1000, make: { p in
            if p.ratio == 0.3 { throw Boom() }
            return FakeSampler(p.ratio == 0.1 ? "a" : "b", log, failAt: p.ratio == 0.2 ? 1 : nil)
        }, done: { done.append($0.ratio) })
        #expect(log.entries == ["a0", "b0", "a1", "a2"])
        #expect(done == [0.3, 0.2, 0.1])
        #expect(results[Self.point(0.3)]?.status == "failed")
        #expect(results[Self.point(0.3)]?.reason == "boom")
        #expect(results[Self.point(0.2)]?.status == "failed")
        #expect(results[Self.point(0.1)]?.status == "ok")
        #expect(results[Self.point(0.1)]?.offMs.count == 3)
    }

    @Test func aPointOverItsTimeLimitStopsWithItsSamplesSoFar() {
        let log = Log()
        let points = [Self.point(0.1), Self.point(0.2)]
        // b takes 4 ms a sample: past 10 ms after its third sample (12 ms)
        let results = sampleInTurns(points, runs: 5, timeoutMs: 10, make: { p in
            FakeSampler(p.ratio == 0.1 ? "a" : "b", log, nsPerSample: p.ratio == 0.1 ? 1_000 : 4_000_000)
        }, done: { _ in })
        #expect(log.entries == ["a0", "b0", "b1", "a1", "a2", "b2", "a3", "a4"])
        let slow = results[Self.point(0.2)]
        #expect(slow?.status == "timeout")
        #expect(slow?.offMs.count == 3)
        #expect(slow?.reason == "the point's 5 samples exceeded timeoutMs 10 after 3")
        #expect(results[Self.point(0.1)]?.offMs.count == 5)
    }
}
