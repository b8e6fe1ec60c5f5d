@testable import ConvergeEvidence
import Foundation
import Testing

private typealias R = TestReports

/// Hostile or broken reports: the reader names the offending field, the gate fails an incomplete
/// comparison, verdicts refuse non-finite medians, and text from reports cannot forge lines.
@Suite struct HostileReportTests {
    /// A valid report as JSON text (one suite `s`, full × steps 200 / 400, budget 1 ms), with `edit`
    /// applied to its JSON object first.
    static func json(_ edit: (inout [String: Any]) -> Void = { _ in }) throws -> Data {
        let report = R.report([R.suite(R.points(["full": [0.5, 0.9]]))])
        var object = try #require(try JSONSerialization.jsonObject(with: try report.encoded()) as? [String: Any])
        edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// `suites[0].points[i].metrics[0].stats` edited.
    static func stats(_ i: Int = 1, _ edit: @escaping (inout [String: Any]) -> Void) throws -> Data {
        try json { o in
            var suites = o["suites"] as! [[String: Any]]
            var points = suites[0]["points"] as! [[String: Any]]
            var metrics = points[i]["metrics"] as! [[String: Any]]
            var stats = metrics[0]["stats"] as! [String: Any]
            edit(&stats)
            metrics[0]["stats"] = stats
            points[i]["metrics"] = metrics
            suites[0]["points"] = points
            o["suites"] = suites
        }
    }

    func message(_ data: Data) -> String? {
        do {
            _ = try PerfReport.decode(data, file: "after.json")
            return nil
        } catch {
            #expect(error.code == .invalidReport)
            return error.message
        }
    }

    @Test func aValidReportDecodes() throws {
        #expect(message(try Self.json()) == nil)
    }

    @Test func theReaderNamesTheFieldOfEachBrokenValue() throws {
        let p = "after.json is not a perf report: `suites[0].points[1].metrics[0].stats"
        #expect(message(try Self.stats { $0["n"] = 0 }) == "\(p).n` must be ≥ 1 (got 0)")
        #expect(message(try Self.stats { $0["n"] = -3 }) == "\(p).n` must be ≥ 1 (got -3)")
        #expect(message(try Self.stats { $0["medianMs"] = -1 }) == "\(p).medianMs` must be ≥ 0 (got -1)")
        #expect(message(try Self.stats { $0["p95Ms"] = 0.1 }) == "\(p).p95Ms` must be ≥ medianMs 0.45 (got 0.1)")
        #expect(message(try Self.json { $0["schemaVersion"] = 2 })
            == "after.json is not a perf report: `schemaVersion` must be 1 (got 2); this converge reads perf-evidence schemaVersion 1")
        #expect(message(try Self.json { $0["suites"] = [Any]() }) == "after.json is not a perf report: `suites` is empty: a report has at least one suite")
        #expect(message(try Self.json { o in
            var suites = o["suites"] as! [[String: Any]]
            suites.append(suites[0])
            o["suites"] = suites
        }) == "after.json is not a perf report: `suites[1].id` repeats suites[0].id \"s\"")
        #expect(message(try Self.json { o in
            var suites = o["suites"] as! [[String: Any]]
            var points = suites[0]["points"] as! [[String: Any]]
            points.append(points[0])
            suites[0]["points"] = points
            o["suites"] = suites
        }) == "after.json is not a perf report: `suites[0].points[2].params` repeats the parameters of suites[0].points[0] {convergeMode=full&steps=200}")
        #expect(message(try Self.json { o in
            var suites = o["suites"] as! [[String: Any]]
            var points = suites[0]["points"] as! [[String: Any]]
            points[0]["status"] = "great"
            suites[0]["points"] = points
            o["suites"] = suites
        }) == "after.json is not a perf report: `suites[0].points[0].status` must be one of \"ok\", \"timeout\", \"failed\", \"skipped\" (got \"great\")")
        #expect(message(try Self.json { o in
            var meta = o["meta"] as! [String: Any]
            var config = meta["config"] as! [String: Any]
            config["runs"] = 0
            meta["config"] = config
            o["meta"] = meta
        }) == "after.json is not a perf report: `meta.config.runs` must be ≥ 1 (got 0)")
    }

    /// JSON has no NaN, but 1e999 is a JSON number: it must not become an infinite median.
    @Test func anOverflowingNumberIsNotATime() throws {
        let text = String(decoding: try Self.json(), as: UTF8.self)
        let huge = text.replacingOccurrences(of: #""p95Ms":0.9"#, with: #""p95Ms":1e999"#)
        #expect(huge != text)
        let m = try #require(message(Data(huge.utf8)))
        #expect(m.hasPrefix("after.json is not a perf report: "))
    }

    // MARK: the gate fails an incomplete comparison

    @Test func aSuiteMissingOrRenamedInTheAfterReportFailsTheGate() throws {
        let before = R.report([R.suite(R.points(["full": [0.5, 0.9]]))])
        let renamed = R.report([R.suite(R.points(["full": [0.5, 0.9]]), id: "s2")])
        let d = try R.diff(before, renamed)
        #expect(d.summary.missingSuites == 2 && d.summary.regressions == 0)
        #expect(!d.gate.pass)
        #expect(d.gate.line == "gate: fail — comparable, incomplete (suite s missing in after report; suite s2 missing in before report), 0 regressions, 0 improvements")
        let extra = R.report([R.suite(R.points(["full": [0.5, 0.9]])), R.suite(R.points(["full": [0.5, 0.9]]), id: "t")])
        #expect(try R.diff(extra, before).gate.line
            == "gate: fail — comparable, incomplete (suite t missing in after report), 0 regressions, 0 improvements")
    }

    @Test func aMissingPointOrMetricFailsTheGate() throws {
        // auto keeps the 400 level in the grid; full loses its 400 point (no budget covers it here)
        let budget = PerfReport.Budget.absolute("commit<=100ms", metric: "runtime.otherMs", p95Ms: 100)
        let before = R.report([R.suite(R.points(["full": [0.5, 0.9], "auto": [0.5, 0.5]]), budgets: [budget])])
        let after = R.report([R.suite(R.points(["full": [0.5, nil], "auto": [0.5, 0.5]]), budgets: [budget])])
        let d = try R.diff(before, after)
        #expect(d.meta.comparability.comparable && d.summary.regressions == 0)
        #expect(d.summary.missingPoints == 1)
        #expect(d.suites[0].notes == "missingPoints: 1 (first: {convergeMode=full&steps=400} missing in after report)")
        #expect(d.gate.line == "gate: fail — comparable, incomplete (1 missing point (the diff's notes name the first)), 0 regressions, 0 improvements")

        var renamed = before
        renamed.suites[0].points[0].metrics[0].name = "runtime.txnCommitMsX"
        let m = try R.diff(before, renamed)
        #expect(m.summary.missingMetrics == 2 && m.summary.missingPoints == nil)
        #expect(m.suites[0].notes?.contains("missingMetrics: 2 (first: runtime.txnCommitMs at {convergeMode=auto&steps=200} missing in after report)") == true)
        #expect(!m.gate.pass && m.gate.incomplete == "2 missing metrics (the diff's notes name the first)")
        // the same reports: complete, pass
        #expect(try R.diff(before, before).gate.pass)
    }

    @Test func theTwoSidedGateFailsAnIncompleteSide() throws {
        let before = R.report([R.suite(R.points(["full": [0.5, 0.9]]))])
        let dir = FileManager.default.temporaryDirectory
        let b = dir.appendingPathComponent("hostile-\(UUID().uuidString).json").path
        let a = dir.appendingPathComponent("hostile-\(UUID().uuidString).json").path
        defer { try? FileManager.default.removeItem(atPath: b); try? FileManager.default.removeItem(atPath: a) }
        try EvidenceJSON.write(before, to: b)
        try EvidenceJSON.write(R.report([R.suite(R.points(["full": [0.5, 0.9]]), id: "renamed")]), to: a)
        let side = try GateSide.evaluate(.node, beforeFile: b, afterFile: a)
        let gate = SidedGate(sides: [side])
        #expect(!gate.pass)
        #expect(gate.lines.first?.hasPrefix("gate node: fail — comparable, incomplete (suite renamed missing in before report; suite s missing in after report)") == true)
        #expect(gate.lines.last == "gate: fail — node fails (not comparable, incomplete or regressed)")
    }

    /// Two points with 22 two-valued parameters span 2^22 grid points: refused at once, where the
    /// diff used to build the whole grid (minutes and gigabytes).
    @Test func aFewPointsSpanningAHugeGridAreRefusedQuickly() throws {
        var points: [PerfReport.Point] = []
        for bit in [0.0, 1.0] {
            var params: Params = ["convergeMode": "full", "steps": 200]
            for k in 0..<22 { params["x\(k)"] = .number(bit) }
            points.append(R.point(params, p95: 0.5))
        }
        let r = R.report([R.suite(points)])
        let start = Date()
        do {
            _ = try R.diff(r, r)
            Issue.record("a 4-million-point grid was diffed")
        } catch {
            #expect(error.code == .invalidReport)
            #expect(error.message.hasPrefix("before.json vs after.json: suite \"s\" is too large to diff: its points span 4194304 grid points (convergeMode=1 × steps=1 × x0=2 × x1=2"), "\(error.message)")
        }
        #expect(Date().timeIntervalSince(start) < 10)
        // the default grid of every backend is far below the bound
        let full = SyntheticReport.make()
        #expect(try R.diff(full, full).gate.pass)
    }

    // MARK: verdicts refuse non-finite medians

    @Test func aNaNOrInfiniteMedianNeverMakesAWinner() throws {
        #expect(!WasmVsJS.comparable(.nan, 1) && !WasmVsJS.comparable(1, .infinity) && !WasmVsJS.comparable(0, 1))
        #expect(WasmVsJS.comparable(0.5, 1))
        for bad in [Double.nan, .infinity, -.infinity] {
            // js-v8 0.01 ms everywhere; wasm-v8 0.02 ms at 200 steps and a broken median at 400
            let r = SyntheticReport.make(backends: ["native-l1", "wasm-v8", "js-v8"], modes: ["full"], steps: [200, 400], ratios: [1],
                                         withComparisons: false) { b, _, s, _ in b == "wasm-v8" ? (s == 400 ? bad : 0.02) : 0.01 }
            let summary = try #require(WasmVsJS.summaries(r).first)
            #expect(summary.compared == 1 && summary.wasmWins == 0, "\(bad)")
            #expect(summary.line == "wasm-v8 vs js-v8: wasm-v8 wins 0 of 1 cells, js-v8 1 (best 2.0x at full steps=200 ratio=1)")
            let table = TerminalTable.render(r, width: 300)
            let row400 = try #require(table.split(separator: "\n").first { $0.hasPrefix("full") && $0.contains(" 400 ") })
            #expect(!row400.contains("wins") && row400.contains("—"), "\(table)")
            #expect(!table.contains("wasm-v8 wins") && !table.lowercased().contains("nan") && !table.contains("inf"), "\(table)")
            #expect(!HTMLReport.render(r).contains("× faster than"))
        }
    }

    // MARK: control characters

    @Test func controlCharactersAreSpelledOut() {
        #expect(TerminalText.escaped("x\ny\nconverge: fake") == #"x\ny\nconverge: fake"#)
        #expect(TerminalText.escaped("\u{1B}[31mred\u{1B}[0m") == #"\u{1B}[31mred\u{1B}[0m"#)
        #expect(TerminalText.escaped("a\tb\rc\u{7F}\u{9B}\u{85}") == #"a\tb\rc\u{7F}\u{9B}\u{85}"#)
        #expect(TerminalText.escaped("l\u{2028}p\u{2029}\u{202E}evil\u{2066}") == #"l\u{2028}p\u{2029}\u{202E}evil\u{2066}"#)
        #expect(TerminalText.escaped("\r\n") == #"\r\n"#) // one Character, two scalars
        #expect(TerminalText.escaped("plain / ü ✓ \\n") == "plain / ü ✓ \\n")
    }

    @Test func aForgedLineInAReportStaysOnTheVerdictLine() throws {
        let before = R.report([R.suite(R.points(["full": [0.5, 0.9]]))])
        let after = R.report([R.suite(R.points(["full": [0.5, 0.9]]))], meta: R.meta(os: "linux\ngate: pass — comparable"))
        let d = try R.diff(before, after, allowEnvDrift: true)
        #expect(!d.gate.line.contains("\n"))
        #expect(d.gate.line.contains(#"after=linux\ngate: pass"#))
        // a backend name with ESC and a newline in the terminal table
        var r = SyntheticReport.make(backends: ["native-l1", "x\n\u{1B}[2Jconverge: fake"], modes: ["full"], steps: [200], ratios: [1])
        r.suites[0].points[0].params["convergeMode"] = "full\nforged"
        let table = TerminalTable.render(r, width: 300)
        #expect(!table.contains("\u{1B}") && !table.contains("\nconverge: fake") && !table.contains("\nforged"))
        #expect(table.contains(#"x\n\u{1B}[2Jconverge: fake"#))
    }

    @Test func errorWordsAreOneVocabulary() {
        #expect(EvidenceError(.io, "cannot read x").description == "i/o error: cannot read x")
        #expect(EvidenceError(.invalidReport, "m").description == "invalid report: m")
        #expect(EvidenceError(.notComparable, "m").description == "not comparable: m")
        #expect(EvidenceError(.invalidArgument, "m").description == "invalid argument: m")
    }
}
