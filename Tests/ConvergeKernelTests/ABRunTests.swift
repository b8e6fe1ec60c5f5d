@testable import ConvergeBench
import ConvergeEvidence
import Testing

/// `converge ab`'s chunk order: ABBA over the chunks, and a re-measure of a chunk runs its builds
/// in the other order (the merging and confirmation run end to end in ABCLITests).
struct ABRunTests {
    @Test func chunksAreStepsTimesModesInABBAOrder() {
        let ab = ABRun(steps: [200, 800], modes: ["dirty", "auto"], confirm: 2)
        #expect(ab.chunks == [.init(steps: 200, mode: "dirty"), .init(steps: 200, mode: "auto"),
                              .init(steps: 800, mode: "dirty"), .init(steps: 800, mode: "auto")])
        let firstRound = ab.chunks.indices.map { ABRun.order(chunk: $0, round: 0).map(\.label) }
        #expect(firstRound == [["before", "after"], ["after", "before"], ["before", "after"], ["after", "before"]])
        for i in ab.chunks.indices {
            #expect(ABRun.order(chunk: i, round: 1) == ABRun.order(chunk: i, round: 0).reversed())
            #expect(ABRun.order(chunk: i, round: 2) == ABRun.order(chunk: i, round: 0))
        }
    }

    @Test func aChunkRunnersErrorStopsTheRunAtOnce() {
        struct Refused: Error {}
        let ab = ABRun(steps: [200, 400], modes: ["full"], confirm: 1)
        var jobs: [ABRun.ChunkJob] = []
        #expect(throws: Refused.self) {
            _ = try ab.run(files: ("b.json", "a.json"), runChunk: { job in
                jobs.append(job)
                if jobs.count == 3 { throw Refused() }
                return "unused.json"
            }, note: { _ in })
        }
        #expect(jobs.map { "\($0.index)\($0.side.label)" } == ["0before", "0after", "1after"])
        #expect(jobs.allSatisfy { $0.round == 0 && $0.ofRound == 2 } && jobs.map(\.ordinal) == [1, 1, 2])
    }
}
