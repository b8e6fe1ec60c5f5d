@testable import ConvergeEvidence
import Foundation
import Testing

/// The suite with its upper-bound comparisons and summary added, as `converge bench` writes it.
func withUpperBound(_ report: PerfReport, native: [String] = UpperBound.defaultNativeBackends) -> PerfReport {
    var r = report
    let (comparisons, summary) = UpperBound.check(r.suites[0], nativeBackends: native)
    r.suites[0].comparisons = (r.suites[0].comparisons ?? []) + comparisons
    r.suites[0].upperBound = summary
    return r
}

func close(_ a: Double?, _ b: Double) -> Bool { a.map { abs($0 - b) <= 1e-12 * max(1, abs(b)) } ?? false }

/// The backend of a comparison's numerator / denominator.
func backend(_ w: Params) -> String? { w["kernelBackend"]?.string }

/// The upper-bound check: per point, the best native median against every other backend's.
@Suite struct UpperBoundTests {
    static let backends = ["portable", "native-l1", "native-l2", "wasm-v8", "js-v8"]

    /// wasm-v8 at 0.8 × the best native in full mode at 200 steps (both ratios); js-v8 at 0.5 × in
    /// dirty mode at 2000 steps, ratio 1; native-l2 twice native-l1 in auto at 2000 steps, ratio 1
    /// (so native-l1 is the best native there). Everything else: the synthetic factors (native wins).
    static func mixed() -> PerfReport {
        func best(_ m: String, _ s: Double, _ r: Double) -> Double {
            SyntheticReport.medianMs("native-l2", mode: m, steps: s, ratio: r)
        }
        return SyntheticReport.make(backends: backends, steps: [200, 2000], ratios: [0.25, 1], withComparisons: false) { b, m, s, r in
            switch (b, m, s, r) {
            case ("wasm-v8", "full", 200, _): return 0.8 * best(m, s, r)
            case ("js-v8", "dirty", 2000, 1): return 0.5 * best(m, s, r)
            case ("native-l2", "auto", 2000, 1): return 2 * SyntheticReport.medianMs("native-l1", mode: m, steps: s, ratio: r)
            default: return SyntheticReport.medianMs(b, mode: m, steps: s, ratio: r)
            }
        }
    }

    @Test func whereWasmOrJSBeatNativeThosePointsFailWithTheirRatios() throws {
        let (comparisons, s) = UpperBound.check(Self.mixed().suites[0])
        // 3 modes × 2 steps × 2 ratios; per full/dirty point portable, wasm-v8, js-v8; per auto point
        // portable and wasm-v8 (js-v8's synthetic auto points are skipped)
        #expect(s.pointsChecked == 12)
        #expect(s.comparisonsChecked == 8 * 3 + 4 * 2)
        #expect(comparisons.count == s.comparisonsChecked)
        #expect(comparisons.allSatisfy { $0.kind == "upperBound" && $0.metric == "runtime.txnCommitMs" && $0.unit == "ratio" })
        #expect(s.pointsFailing == 3)
        #expect(s.comparisonsFailing == 3)
        #expect(s.nativeBackends == ["native-l1", "native-l2", "native-l3", "native-l4"])

        let failing = comparisons.filter { $0.holds == false }
        #expect(failing.count == 3)
        let wasm = failing.filter { backend($0.numeratorWhere) == "wasm-v8" }
        #expect(wasm.count == 2)
        for c in wasm {
            #expect(c.numeratorWhere["convergeMode"] == "full" && c.numeratorWhere["steps"] == 200)
            #expect(backend(c.denominatorWhere) == "native-l2")
            #expect(close(c.stats.median, 0.8), "\(c.stats.median)")
            // full at 200 steps: native-l2 0.08 ms per 1000 steps → 16 µs; wasm-v8 12.8 µs
            #expect(close(c.denominatorMedianMs, 0.016))
            #expect(close(c.numeratorMedianMs, 0.0128))
        }
        let js = try #require(failing.first { backend($0.numeratorWhere) == "js-v8" })
        #expect(js.numeratorWhere == ["kernelBackend": "js-v8", "convergeMode": "dirty", "steps": 2000, "dirtyRootsRatio": 1])
        #expect(js.denominatorWhere == ["kernelBackend": "native-l2", "convergeMode": "dirty", "steps": 2000, "dirtyRootsRatio": 1])
        #expect(close(js.stats.median, 0.5))
        #expect(close(js.stats.p95, 0.5)) // synthetic p95 = 1.2 × median on both sides

        // the worst is the smallest ratio, with where it is
        let worst = try #require(s.worst)
        #expect(worst == js)

        // native-l1 is the best native where native-l2 is slower; portable is an "other", never native
        let auto = comparisons.filter { $0.numeratorWhere["convergeMode"] == "auto" && $0.numeratorWhere["steps"] == 2000
            && $0.numeratorWhere["dirtyRootsRatio"] == 1 }
        #expect(Set(auto.compactMap { backend($0.numeratorWhere) }) == ["portable", "wasm-v8"])
        #expect(auto.allSatisfy { backend($0.denominatorWhere) == "native-l1" })
        #expect(!comparisons.contains { ["native-l1", "native-l2", "native-l3"].contains(backend($0.numeratorWhere) ?? "") })

        // the views list them worst first
        let result = UpperBound.result(withUpperBound(Self.mixed()).suites[0])
        #expect(result.stored)
        #expect(result.failing.map { backend($0.numeratorWhere) } == ["js-v8", "wasm-v8", "wasm-v8"])
    }

    @Test func whenNativeWinsEverywhereNothingFails() {
        let report = SyntheticReport.make()
        let (comparisons, s) = UpperBound.check(report.suites[0])
        // 357 points: 5 others (portable, wasm-wasmkit, wasm-v8, wasm-v8-l2, js-v8; not js-v8 in auto)
        #expect(s.pointsChecked == 357)
        #expect(s.comparisonsChecked == 357 * 5 - 119)
        #expect(s.pointsFailing == 0 && s.comparisonsFailing == 0)
        #expect(comparisons.allSatisfy { $0.holds == true && $0.stats.median >= 1 })
        // the closest call: js-v8 at 0.2 ms per 1000 steps (steps ≤ 400) over native-l2's 0.08
        #expect(close(s.worst?.stats.median, 2.5))
        #expect(UpperBound.result(report.suites[0]).failing.isEmpty)
        #expect(TerminalTable.render(withUpperBound(report)).contains("native is the upper bound on 357 of 357 points\n"))
    }

    @Test func pointsWithoutANativeBackendAreNotCounted() {
        // native-l1 unavailable at 2000 steps: only the 200-steps points are checked
        let partial = SyntheticReport.make(backends: ["native-l1", "wasm-v8"], steps: [200, 2000], ratios: [1], withComparisons: false) { b, m, s, r in
            b == "native-l1" && s == 2000 ? nil : SyntheticReport.medianMs(b, mode: m, steps: s, ratio: r)
        }
        let s = UpperBound.check(partial.suites[0]).summary
        #expect(s.pointsChecked == 3)
        #expect(s.comparisonsChecked == 3)

        // no native at all: portable is not native, so nothing is checked even where it is fastest
        let none = SyntheticReport.make(backends: ["portable", "wasm-v8", "js-v8"], steps: [200], ratios: [1])
        let n = UpperBound.check(none.suites[0])
        #expect(n.summary.pointsChecked == 0 && n.summary.comparisonsChecked == 0 && n.summary.worst == nil)
        #expect(n.comparisons.isEmpty)
        let table = TerminalTable.render(withUpperBound(none))
        #expect(table.contains("upper bound: not checked"))
        #expect(!table.contains("native is the upper bound on"))

        // only native backends: nothing to compare either
        let only = UpperBound.check(SyntheticReport.make(backends: ["native-l1", "native-l2"], steps: [200], ratios: [1]).suites[0])
        #expect(only.summary.pointsChecked == 0)

        // failed, skipped and unavailable measurements count as not measured
        var skipped = SyntheticReport.make(backends: ["native-l1", "wasm-v8"], modes: ["full"], steps: [200], ratios: [1])
        for i in skipped.suites[0].points.indices where skipped.suites[0].points[i].params["kernelBackend"] == "native-l1" {
            skipped.suites[0].points[i].status = "failed"
        }
        #expect(UpperBound.check(skipped.suites[0]).summary.pointsChecked == 0)
    }

    @Test func portableBeatingNativeIsAFailure() {
        let report = SyntheticReport.make(backends: ["portable", "native-l1"], modes: ["full"], steps: [200], ratios: [1]) { b, m, s, r in
            b == "portable" ? 0.01 : SyntheticReport.medianMs(b, mode: m, steps: s, ratio: r) // native-l1: 0.02 ms
        }
        let s = UpperBound.check(report.suites[0]).summary
        #expect(s.pointsChecked == 1 && s.pointsFailing == 1)
        #expect(backend(s.worst?.numeratorWhere ?? [:]) == "portable")
        #expect(close(s.worst?.stats.median, 0.5))
    }

    @Test func aTieHolds() {
        let report = SyntheticReport.make(backends: ["native-l1", "wasm-v8"], modes: ["full"], steps: [200], ratios: [1]) { _, _, _, _ in 0.02 }
        let (c, s) = UpperBound.check(report.suites[0])
        #expect(s.pointsFailing == 0 && c.first?.holds == true && c.first?.stats.median == 1)
    }

    @Test func theTerminalListsTheFailingPointsWorstFirst() throws {
        let table = TerminalTable.render(withUpperBound(Self.mixed()), width: 250)
        #expect(table.contains("upper bound: the best native median ≤ every other backend's\n(native: native-l1, native-l2, native-l3, native-l4)\n"))
        #expect(table.contains("native is the upper bound on 9 of 12 points (3 of 32 comparisons fail)\n"))
        #expect(table.contains("worst: js-v8 ÷ native-l2 = 0.50 at dirty steps=2000 dirtyRootsRatio=1\n"))
        let lines = table.split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex(of: "failing (worst first):"))
        let rows = lines[(start + 2)...].map { $0.split(separator: " ").map(String.init) }
        #expect(rows.count == 3)
        // backend, mode, steps, dirtyRatio, µs, best native, native µs, ratio
        // dirty at 2000 steps, ratio 1: native-l2 0.16 ms × (0.02 + 1) = 163.2 µs, js-v8 half of it
        #expect(rows.first == ["js-v8", "dirty", "2000", "1", "81.6", "native-l2", "163.2", "0.50"])
        #expect(rows.dropFirst().allSatisfy { $0[0] == "wasm-v8" && $0[1] == "full" && $0[2] == "200" && $0[4] == "12.8"
            && $0[5] == "native-l2" && $0[6] == "16.0" && $0[7] == "0.80" })
        #expect(Set(rows.dropFirst().map { $0[3] }) == ["0.25", "1"])
        #expect(!table.contains("more\n"))
    }

    @Test func aLongListStopsAtTwentyLines() {
        // wasm-v8 at 0.9 × native-l1 everywhere: 357 failing comparisons
        let report = withUpperBound(SyntheticReport.make(backends: ["native-l1", "wasm-v8"], withComparisons: false) { b, m, s, r in
            (b == "wasm-v8" ? 0.9 : 1) * SyntheticReport.medianMs("native-l1", mode: m, steps: s, ratio: r)
        })
        #expect(report.suites[0].upperBound?.pointsFailing == 357)
        let table = TerminalTable.render(report)
        #expect(table.contains("native is the upper bound on 0 of 357 points (357 of 357 comparisons fail)"))
        let lines = table.split(separator: "\n").map(String.init)
        let start = lines.firstIndex(of: "failing (worst first):") ?? lines.count
        let listed = lines.dropFirst(start + 2).filter { $0.hasPrefix("  wasm-v8") }
        #expect(listed.count == 20)
        #expect(lines.last == "  … and 337 more")
    }

    @Test func theHTMLPageHasTheSection() {
        let html = HTMLReport.render(withUpperBound(Self.mixed()))
        #expect(html.contains("<h2>Upper bound: native ≤ every other backend</h2>"))
        #expect(html.contains("native is the upper bound on 9 of 12 points (3 of 32 comparisons fail)"))
        #expect(html.contains("<summary>3 failing comparisons (worst first)</summary>"))
        #expect(html.contains("<tr><td>js-v8</td><td>dirty</td><td class=\"num\">2000</td><td class=\"num\">1</td><td class=\"num\">81.6</td><td>native-l2</td><td class=\"num\">163.2</td><td class=\"num\">0.50</td></tr>"))
        #expect(html.components(separatedBy: "<tr><td>wasm-v8</td><td>full</td><td class=\"num\">200</td>").count - 1 == 2)
        // native wins everywhere: the verdict, no table
        let clean = HTMLReport.render(withUpperBound(SyntheticReport.make(steps: [200], ratios: [1])))
        #expect(clean.contains("native is the upper bound on 3 of 3 points"))
        #expect(!clean.contains("failing comparisons"))
    }

    @Test func aReportWithoutTheFieldsStillLoadsAndTheViewsComputeTheCheck() throws {
        // an older report: no upperBound, only ratio comparisons
        let old = SyntheticReport.make(backends: Self.backends, steps: [200], ratios: [1])
        let data = try old.encoded()
        #expect(!String(decoding: data, as: UTF8.self).contains("upperBound"))
        #expect(!String(decoding: data, as: UTF8.self).contains("holds"))
        let read = try PerfReport.decode(data, file: "old.json")
        #expect(read == old)
        let r = UpperBound.result(read.suites[0])
        #expect(!r.stored && r.summary.pointsChecked == 3)
        // and a diff of two of them (one with the new fields) still works
        let new = withUpperBound(old)
        let newRead = try PerfReport.decode(try new.encoded(), file: "new.json")
        #expect(newRead == new)
        _ = try PerfDiff.diff(before: read, beforeFile: "old.json", after: newRead, afterFile: "new.json")
    }

    @Test func badUpperBoundFieldsAreTypedErrors() throws {
        var report = withUpperBound(Self.mixed())
        let i = try #require(report.suites[0].comparisons?.firstIndex { $0.kind == "upperBound" })
        report.suites[0].comparisons?[i].holds = nil
        #expect(throws: EvidenceError(.invalidReport, "x.json is not a perf report: `suites[0].comparisons[\(i)].holds` is missing (kind is upperBound)")) {
            try PerfReport.decode(try report.encoded(), file: "x.json")
        }
        report = withUpperBound(Self.mixed())
        report.suites[0].upperBound?.pointsFailing = 13
        #expect(throws: EvidenceError(.invalidReport, "x.json is not a perf report: `suites[0].upperBound.pointsFailing` must be ≤ pointsChecked 12 (got 13)")) {
            try PerfReport.decode(try report.encoded(), file: "x.json")
        }
        // 1e999 overflows to infinity when read
        let text = String(decoding: try withUpperBound(Self.mixed()).encoded(), as: UTF8.self)
        let worstMedian = try #require(text.range(of: #""denominatorMedianMs" : "#))
        let broken = text.replacingCharacters(in: worstMedian.upperBound..<worstMedian.upperBound, with: "1e999, \"x\" : ")
        #expect(throws: EvidenceError.self) { try PerfReport.decode(Data(broken.utf8), file: "x.json") }
    }

    @Test func reportsWithTheCheckValidateAgainstTheSchema() throws {
        let dir = FileManager.default.temporaryDirectory
        let good = dir.appendingPathComponent("upper-bound-\(UUID().uuidString).json").path
        let bad = dir.appendingPathComponent("upper-bound-bad-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: good); try? FileManager.default.removeItem(atPath: bad) }
        let report = withUpperBound(Self.mixed())
        try EvidenceJSON.write(report, to: good)
        let (status, text) = try schemaCheck([good], against: "perf-report.schema.json")
        #expect(status == 0, "schema validation failed (python3 with jsonschema is required: pip install jsonschema): \(text)")

        // the schema rejects an upperBound comparison without holds
        var broken = report
        let i = try #require(broken.suites[0].comparisons?.firstIndex { $0.kind == "upperBound" })
        broken.suites[0].comparisons?[i].holds = nil
        try EvidenceJSON.write(broken, to: bad)
        let (badStatus, badText) = try schemaCheck([bad], against: "perf-report.schema.json")
        #expect(badStatus == 1, "\(badText)")
        #expect(badText.contains("holds"), "\(badText)")
    }
}
