import ConvergeEvidence
import Foundation
import Testing

/// The two-sided gate (`converge gate --node … --browser …`) and the WASM-vs-JS verdicts per engine.
@Suite struct SidedGateTests {
    /// A report of the given backends over full/dirty × steps 200, 2000 × ratio 1: `ms` gives each median.
    static func report(_ backends: [String], browser: String, ms: (String, String, Double) -> Double) -> PerfReport {
        var r = SyntheticReport.make(backends: backends, modes: ["full", "dirty"], steps: [200, 2000], ratios: [1],
                                     withComparisons: false) { b, m, s, _ in ms(b, m, s) }
        r.meta.env.browser = PerfReport.Browser(name: browser, version: browser == "chromium" ? "156.0.8078.108" : nil, headless: true)
        r.suites[0].budgets = [TestReports.absolute]
        return r
    }

    /// js is 2x faster at 200 steps, wasm 3x faster at 2000 (dirty) and 1.5x (full).
    static func timing(_ b: String, _ m: String, _ s: Double) -> Double {
        let js = b.hasPrefix("js-")
        if s == 200 { return js ? 0.001 : 0.002 }
        if m == "dirty" { return js ? 0.03 : 0.01 }
        return js ? 0.03 : 0.02
    }

    func write(_ r: PerfReport) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("converge-gate-\(UUID().uuidString).json").path
        try EvidenceJSON.write(r, to: path)
        return path
    }

    @Test func wasmVsJSComparesEachWasmBackendWithTheJSKernelOfItsEngine() {
        let r = Self.report(["native-l1", "wasm-v8", "js-v8", "wasm-chromium", "wasm-chromium-l2", "js-chromium"], browser: "chromium",
                            ms: Self.timing)
        let s = WasmVsJS.summaries(r)
        #expect(s.map(\.wasm) == ["wasm-v8", "wasm-chromium", "wasm-chromium-l2"])
        #expect(s.map(\.js) == ["js-v8", "js-chromium", "js-chromium"])
        let chromium = s[1]
        #expect(chromium.compared == 4 && chromium.wasmWins == 2)
        #expect(chromium.bestWasm?.at == "dirty steps=2000 ratio=1")
        #expect(abs((chromium.bestWasm?.ratio ?? 0) - 3) < 1e-9)
        #expect(chromium.line == "wasm-chromium vs js-chromium: wasm-chromium wins 2 of 4 cells (best 3.0x at dirty steps=2000 ratio=1), js-chromium 2 (best 2.0x at full steps=200 ratio=1)")
        // no JS kernel of the engine: no summary (wasm-wasmkit has none at all)
        #expect(WasmVsJS.summaries(Self.report(["wasm-chromium", "wasm-wasmkit", "js-v8"], browser: "chromium", ms: Self.timing)).isEmpty)
    }

    @Test func thePlainJSReferenceSummaryComparesTheKernelAndEachWasmBackendWithIt() {
        var r = Self.report(["native-l1", "wasm-v8", "wasm-v8-l3", "js-v8"], browser: "node", ms: Self.timing)
        // the reference: 0.0008 ms at 200 steps, 0.015 at 2000 (one cell without it)
        for i in r.suites[0].points.indices where r.suites[0].points[i].params["kernelBackend"]?.description == "js-v8" {
            let p = r.suites[0].points[i].params
            if p["convergeMode"]?.description == "full", p["steps"]?.number == 2000 { continue }
            let ms = p["steps"]?.number == 200 ? 0.0008 : 0.015
            r.suites[0].points[i].evidence = (r.suites[0].points[i].evidence ?? []) + [.number("js.plainReferenceMs", "ms", ms)]
        }
        let s = WasmVsJS.plainSummaries(r)
        #expect(s.count == 1)
        guard let v8 = s.first else { return }
        #expect(v8.js == "js-v8" && v8.compared == 3)
        // js ÷ plain: 1.25 (both modes at 200), 2 (dirty at 2000)
        #expect(abs(v8.jsOverPlain.median - 1.25) < 1e-9 && abs(v8.jsOverPlain.max - 2) < 1e-9)
        // wasm: 0.002 at 200 (loses to 0.0008), 0.01 dirty at 2000 (beats 0.015)
        #expect(v8.wasm.map(\.backend) == ["wasm-v8", "wasm-v8-l3"])
        #expect(v8.wasm.allSatisfy { $0.compared == 3 && $0.wins == 1 })
        #expect(v8.line == "js-v8 ÷ plain JS: median 1.25x (1.25–2.00x) over 3 cells; beat plain JS: wasm-v8 1 of 3, wasm-v8-l3 1 of 3")
        #expect(TerminalTable.render(r, width: 300).contains("  " + v8.line))
        // no reference evidence: no summary
        #expect(WasmVsJS.plainSummaries(Self.report(["wasm-v8", "js-v8"], browser: "node", ms: Self.timing)).isEmpty)
    }

    @Test func theTerminalTableHasAVerdictColumnPerEngine() {
        let r = Self.report(["native-l1", "wasm-v8", "js-v8", "wasm-chromium", "js-chromium"], browser: "chromium", ms: Self.timing)
        let table = TerminalTable.render(r, width: 300)
        #expect(table.contains("WASM vs JS "))
        #expect(table.contains("WASM vs JS (Chromium)"))
        #expect(table.contains("wasm-chromium wins 3.0x"))
        #expect(table.contains("js-chromium wins 2.0x"))
        // the browser backends follow the matrix's (default) backends
        let header = table.split(separator: "\n").first { $0.contains("dirtyRatio") } ?? ""
        #expect(header.range(of: "js-v8")!.lowerBound < header.range(of: "wasm-chromium")!.lowerBound)
        #expect(header.range(of: "wasm-chromium")!.lowerBound < header.range(of: "js-chromium")!.lowerBound)
    }

    @Test func theHTMLPageShadesChromiumWins() {
        let r = Self.report(["native-l1", "wasm-chromium", "js-chromium"], browser: "chromium", ms: Self.timing)
        let html = HTMLReport.render(r)
        #expect(html.contains("a WASM backend in Chromium (wasm-chromium) is faster than js-chromium"))
        #expect(html.contains("steps 2000: wasm-chromium 3.0× faster than js-chromium"))
    }

    @Test func aSideTakesOnlyItsOwnRuns() {
        let node = Self.report(["wasm-v8", "js-v8"], browser: "node", ms: Self.timing)
        let native = Self.report(["native-l1"], browser: "native", ms: Self.timing)
        let chromium = Self.report(["wasm-chromium", "js-chromium"], browser: "chromium", ms: Self.timing)
        #expect(GateSide.Kind.node.accepts(node) && GateSide.Kind.node.accepts(native) && !GateSide.Kind.node.accepts(chromium))
        #expect(GateSide.Kind.browser.accepts(chromium) && !GateSide.Kind.browser.accepts(node) && !GateSide.Kind.browser.accepts(native))
        var logixChromium = chromium
        logixChromium.meta.env.browser?.name = "Chromium"
        #expect(GateSide.Kind.browser.accepts(logixChromium))
    }

    @Test func theTwoSidedGatePassesOnlyWhenBothSidesPass() throws {
        let nodeBefore = try write(Self.report(["wasm-v8", "js-v8"], browser: "node", ms: Self.timing))
        let nodeAfter = try write(Self.report(["wasm-v8", "js-v8"], browser: "node", ms: Self.timing))
        let browserBefore = try write(Self.report(["wasm-chromium", "js-chromium"], browser: "chromium", ms: Self.timing))
        let browserAfter = try write(Self.report(["wasm-chromium", "js-chromium"], browser: "chromium", ms: Self.timing))
        // after: every browser point above the 50 ms and 100 ms budgets from 2000 steps on → regressions
        let slow = try write(Self.report(["wasm-chromium", "js-chromium"], browser: "chromium") { b, m, s in s == 2000 ? 200 : Self.timing(b, m, s) })
        defer { for f in [nodeBefore, nodeAfter, browserBefore, browserAfter, slow] { try? FileManager.default.removeItem(atPath: f) } }

        let node = try GateSide.evaluate(.node, beforeFile: nodeBefore, afterFile: nodeAfter)
        let browser = try GateSide.evaluate(.browser, beforeFile: browserBefore, afterFile: browserAfter)
        let pass = SidedGate(sides: [node, browser])
        #expect(pass.pass)
        #expect(pass.lines == [
            "gate node: pass — comparable, 0 regressions, 0 improvements",
            "gate browser: pass — comparable, 0 regressions, 0 improvements",
            "wasm vs js (node, after): wasm-v8 vs js-v8: wasm-v8 wins 2 of 4 cells (best 3.0x at dirty steps=2000 ratio=1), js-v8 2 (best 2.0x at full steps=200 ratio=1)",
            "wasm vs js (browser, after): wasm-chromium vs js-chromium: wasm-chromium wins 2 of 4 cells (best 3.0x at dirty steps=2000 ratio=1), js-chromium 2 (best 2.0x at full steps=200 ratio=1)",
            "gate: pass — node and browser: comparable, 0 regressions",
        ])

        let regressed = try GateSide.evaluate(.browser, beforeFile: browserBefore, afterFile: slow)
        #expect(!regressed.verdict.pass && regressed.verdict.comparable && regressed.verdict.regressions > 0)
        let fail = SidedGate(sides: [node, regressed])
        #expect(!fail.pass)
        #expect(fail.lines.first == "gate node: pass — comparable, 0 regressions, 0 improvements")
        #expect(fail.lines[1].hasPrefix("gate browser: fail — comparable, "))
        #expect(fail.lines.last == "gate: fail — browser fails (not comparable, incomplete or regressed)")

        // a browser report in the node pair is bad input, not a failed gate
        #expect(throws: EvidenceError.self) { try GateSide.evaluate(.node, beforeFile: nodeBefore, afterFile: browserAfter) }
        #expect(!SidedGate(sides: []).pass)
    }

    @Test func aReportOnTheWrongSideIsBadInputNamingTheFileAndTheBrowser() throws {
        let node = try write(Self.report(["wasm-v8", "js-v8"], browser: "node", ms: Self.timing))
        defer { try? FileManager.default.removeItem(atPath: node) }
        do {
            _ = try GateSide.evaluate(.browser, beforeFile: node, afterFile: node)
            Issue.record("a node report was accepted on the browser side")
        } catch {
            #expect(error.code == .invalidArgument)
            #expect(error.message.hasPrefix("--browser \(node): meta.env.browser.name is node; the --browser pair takes a browser run"))
        }
    }

    @Test func aChromiumVersionChangeMakesTheBrowserPairIncomparable() throws {
        let before = Self.report(["wasm-chromium", "js-chromium"], browser: "chromium", ms: Self.timing)
        var after = before
        after.meta.env.browser?.version = "157.0.1.2"
        let (b, a) = (try write(before), try write(after))
        defer { try? FileManager.default.removeItem(atPath: b); try? FileManager.default.removeItem(atPath: a) }
        let side = try GateSide.evaluate(.browser, beforeFile: b, afterFile: a)
        #expect(!side.verdict.pass && !side.verdict.comparable)
        #expect(side.verdict.detail?.contains("env.browser.version: before=156.0.8078.108 after=157.0.1.2") == true)
    }
}
