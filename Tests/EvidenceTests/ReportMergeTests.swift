import ConvergeEvidence
import Foundation
import Testing

// `converge ab` merges each build's chunk reports into one (ReportMerge.swift).

/// The synthetic report cut into chunks by steps.
private func chunks(_ r: PerfReport, steps: [[Double]]) -> [PerfReport] {
    steps.map { keep in
        var c = r
        c.suites[0].points = r.suites[0].points.filter { keep.contains($0.params["steps"]?.number ?? -1) }
        c.suites[0].comparisons = r.suites[0].comparisons?.filter { keep.contains($0.numeratorWhere["steps"]?.number ?? -1) }
        return c
    }
}

private func whole() -> PerfReport {
    var r = SyntheticReport.make(backends: ["native-l1", "native-l2", "wasm-v8"], modes: ["full", "dirty"], steps: [200, 800, 2000],
                                 ratios: [0.01, 1])
    r.suites[0].budgets = [.relative("dirty<=full", metric: "runtime.txnCommitMs", maxRatio: 1, numeratorRef: "convergeMode=dirty",
                                     denominatorRef: "convergeMode=full")]
    r.suites[0].thresholds = Thresholds.compute(r.suites[0])
    let upper = UpperBound.check(r.suites[0])
    r.suites[0].comparisons = (r.suites[0].comparisons ?? []) + upper.comparisons
    r.suites[0].upperBound = upper.summary
    return r
}

@Test func mergedChunksEqualTheWholeReport() throws {
    let r = whole()
    let merged = try PerfReport.merging(chunks(r, steps: [[200], [800], [2000]]), files: ["a.json", "b.json", "c.json"])
    let (m, w) = (merged.suites[0], r.suites[0])
    #expect(Set(m.points.map { stableKey($0.params) }) == Set(w.points.map { stableKey($0.params) }))
    #expect(m.points.count == w.points.count)
    // thresholds scan the merged steps axis: the same as the whole report's
    #expect(m.thresholds == w.thresholds)
    #expect(m.upperBound == w.upperBound)
    #expect(m.comparisons?.filter { $0.kind == "ratio" }.count == w.comparisons?.filter { $0.kind == "ratio" }.count)
    #expect(m.comparisons?.filter { $0.kind == "upperBound" }.count == w.comparisons?.filter { $0.kind == "upperBound" }.count)
    // and the diff of two merged copies is clean
    #expect(try PerfDiff.diff(before: merged, beforeFile: "b", after: r, afterFile: "a").gate.pass)
}

@Test func chunksOfDifferentRunsOrTheSamePointTwiceAreRefused() throws {
    let r = whole()
    var parts = chunks(r, steps: [[200], [800]])
    parts[1].meta.config.profile = "soak"
    #expect(throws: EvidenceError.self) { try PerfReport.merging(parts, files: ["a.json", "b.json"]) }
    do {
        _ = try PerfReport.merging(parts, files: ["a.json", "b.json"])
    } catch {
        #expect(error.message == "b.json does not belong with a.json: meta.config.profile is soak there, quick in a.json")
    }
    var other = chunks(r, steps: [[200], [800]])
    other[1].meta.git?.commit = "ffff"
    #expect(throws: EvidenceError.self) { try PerfReport.merging(other, files: ["a.json", "b.json"]) }
    let twice = chunks(r, steps: [[200, 800], [800]])
    do {
        _ = try PerfReport.merging(twice, files: ["a.json", "b.json"])
        Issue.record("a point in two chunks was merged")
    } catch {
        #expect(error.message.hasPrefix("b.json and a.json both have the point {"))
    }
    #expect(throws: EvidenceError.self) { try PerfReport.merging([], files: []) }
}

private func stableKey(_ p: Params) -> String {
    p.keys.sorted().map { "\($0)=\(p[$0]!)" }.joined(separator: "&")
}
