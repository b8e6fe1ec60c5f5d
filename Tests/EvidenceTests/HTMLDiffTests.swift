@testable import ConvergeEvidence
import Foundation
import Testing

/// The diff section of the HTML page (HTMLDiff.swift, docs/perf-html.md "A diff on the page"):
/// Logix's own diff rendered beside its after report, and made-up diffs that fail the gate.
@Suite struct HTMLDiffTests {
    static let after = "049-after.node.core-ng.execVm.converge.txnCommit.darwin-arm64.default.json"
    static let diffFile = "049-diff.node.core__core-ng.execVm.converge.txnCommit.darwin-arm64.default.json"

    /// The text between `<section class="diff">` and its `</section>`.
    func section(_ html: String) throws -> String {
        let start = try #require(html.range(of: "<section class=\"diff\">"))
        let end = try #require(html.range(of: "</section>", range: start.upperBound..<html.endIndex))
        return String(html[start.lowerBound..<end.upperBound])
    }

    @Test func logixsDiffShowsItsVerdictDeltasAndEvidence() throws {
        let report = try PerfReport.read(logixPerfFile(Self.after))
        let diff = try PerfDiff.read(logixPerfFile(Self.diffFile))
        let html = HTMLReport.render(report, diff: diff)
        let s = try section(html)
        #expect(s.contains("<p class=\"verdict pass\">gate: pass — comparable, 0 regressions, 1 improvement</p>"))
        // the one threshold delta: a slice whose maxLevel went from null to 2000
        #expect(s.contains("<td>auto&lt;=full*1.05</td><td>dirtyRootsRatio=0.75</td><td class=\"num\">—</td><td class=\"num\">2000</td><td class=\"improvement\">improvement</td>"), "\(s.prefix(3000))")
        #expect(s.contains("1 slice whose maxLevel changed"))
        // every evidence delta of the file, by name
        let names = diff.suites.flatMap { ($0.evidenceDeltas ?? []).map(\.name) }
        #expect(!names.isEmpty)
        for n in names { #expect(s.contains("<td>\(n)</td>"), "\(n)") }
        #expect(s.contains("Warnings: git.dirty.before=true, git.dirty.after=true"))
        // the diff comes before the plots; the rest of the page is the report's page
        let diffAt = try #require(html.range(of: "<section class=\"diff\">")), plotsAt = try #require(html.range(of: "<svg"))
        #expect(diffAt.lowerBound < plotsAt.lowerBound)
        #expect(html.replacingOccurrences(of: s + "\n", with: "") == HTMLReport.render(report))
        #expect(!hasNonFiniteText(html))
    }

    /// A diff that fails the gate (a regression, not comparable, incomplete), whose texts carry
    /// markup: the verdict says fail, the slice is a regression, every text is escaped, and a
    /// diff whose after commit is not the report's says so.
    @Test func aFailingDiffIsMarkedAndEscaped() throws {
        let report = try PerfReport.read(logixPerfFile(Self.after))
        var diff = try PerfDiff.read(logixPerfFile(Self.diffFile))
        var d = try #require(diff.suites[0].thresholdDeltas?.first)
        d.beforeMaxLevel = .number(2000)
        d.afterMaxLevel = .number(800)
        d.message = "<script>alert(1)</script> before=2000 after=800"
        diff.suites[0].thresholdDeltas = [d]
        diff.suites[0].notes = "mostSignificantRegression: <b>x</b>"
        diff.summary.regressions = 1
        diff.summary.improvements = 0
        diff.summary.missingPoints = 3
        diff.meta.comparability.comparable = false
        diff.meta.comparability.envMismatches = ["env.os: before=darwin after=<linux>"]
        diff.meta.to.commit = "0123456789abcdef0123"
        let s = try section(HTMLReport.render(report, diff: diff))
        #expect(s.contains("<p class=\"verdict fail\">gate: fail — not comparable (env.os: before=darwin after=&lt;linux&gt;), incomplete ("))
        #expect(s.contains("<td class=\"num\">2000</td><td class=\"num\">800</td><td class=\"regression\">regression</td>"))
        #expect(s.contains("&lt;script&gt;alert(1)&lt;/script&gt;") && !s.contains("<script"))
        #expect(s.contains("mostSignificantRegression: &lt;b&gt;x&lt;/b&gt;"))
        #expect(s.contains("<th>missing points</th><td class=\"num\">3</td>"))
        #expect(s.contains("Not comparable (triage only): env.os: before=darwin after=&lt;linux&gt;"))
        #expect(s.contains("the diff's after report is commit 0123456789ab"))
    }

    @Test func maxLevelChangesAreClassified() {
        #expect(HTMLReport.change(before: .number(2000), after: .number(800)) == "regression")
        #expect(HTMLReport.change(before: .number(800), after: .number(2000)) == "improvement")
        #expect(HTMLReport.change(before: nil, after: .number(200)) == "improvement")
        #expect(HTMLReport.change(before: .number(200), after: nil) == "regression")
        #expect(HTMLReport.change(before: .number(200), after: .number(200)) == "unchanged")
    }

    /// Metric deltas: the counts per metric and the largest p95 moves, up and down.
    @Test func metricMovesAreListed() throws {
        let report = try PerfReport.read(logixPerfFile(Self.after))
        var diff = try PerfDiff.read(logixPerfFile(Self.diffFile))
        let p: Params = ["steps": .number(200), "convergeMode": .string("dirty")]
        diff.suites[0].metricDeltas = [PerfDiff.MetricDelta(
            metric: "runtime.txnCommitMs", unit: "ms", compared: 36, missing: 0, unavailable: 2,
            topRegressions: [.init(params: p, beforeP95Ms: 0.0012345, afterP95Ms: 0.0024, deltaMs: 0.0011655, ratio: 1.944)],
            topImprovements: [.init(params: p, beforeP95Ms: 2, afterP95Ms: 1, deltaMs: -1, ratio: 0.5)])]
        let s = try section(HTMLReport.render(report, diff: diff))
        #expect(s.contains("<td>runtime.txnCommitMs</td><td class=\"num\">36</td><td class=\"num\">0</td><td class=\"num\">2</td>"))
        #expect(s.contains("<td>convergeMode=dirty, steps=200</td><td class=\"num\">0.001234</td><td class=\"num\">0.0024</td><td class=\"num\">1.94</td><td>up</td>"), "\(s)")
        #expect(s.contains("<td class=\"num\">2</td><td class=\"num\">1</td><td class=\"num\">0.50</td><td>down</td>"))
    }
}
