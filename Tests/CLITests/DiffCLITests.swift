import Foundation
import Testing

/// `converge diff` and `converge gate` on Logix's report pairs and on altered copies.
@Suite struct DiffCLITests {
    static let core = logix("049-before.node.core.converge.txnCommit.darwin-arm64.default.json")
    static let coreNg = logix("049-after.node.core-ng.execVm.converge.txnCommit.darwin-arm64.default.json")

    /// One of Logix's own perf files, copied into the repository: Tests/Fixtures/logix-perf.
    static func logix(_ name: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/logix-perf/\(name)").path
    }

    func run(_ args: [String]) throws -> CLITests.Run { try CLITests().run(args) }

    func temp(_ suffix: String = ".json") -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("converge-diff-\(UUID().uuidString)\(suffix)").path
    }

    /// A copy of the core-ng report measured "on linux".
    func otherOS() throws -> String {
        let text = try String(contentsOfFile: Self.coreNg, encoding: .utf8)
        let path = temp()
        try text.replacingOccurrences(of: #""os": "darwin""#, with: #""os": "linux""#).write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func diffWritesJSONToStdout() throws {
        let r = try run(["diff", Self.core, Self.coreNg])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.isEmpty)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["regressions"] as? Int == 0 && summary["improvements"] as? Int == 1)
    }

    @Test func diffWithOutWritesTheFileAndASummary() throws {
        let out = temp()
        let r = try run(["diff", Self.core, Self.coreNg, "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.hasPrefix("converge diff: comparable; 0 regressions, 1 improvement. [category=runtime] auto<=full*1.05 {dirtyRootsRatio=0.75}: before=null after=2000 (before:budgetExceeded)."), "\(r.stderr)")
        #expect(r.stderr.contains("Warnings: git.dirty.before=true, git.dirty.after=true.") && r.stderr.hasSuffix("Wrote \(out).\n"))
        #expect(FileManager.default.fileExists(atPath: out))
    }

    @Test func diffOfIncomparableReportsExitsOneAndWritesNothing() throws {
        let other = try otherOS()
        let out = temp()
        let r = try run(["diff", Self.core, other, "--out", out])
        #expect(r.status == 1)
        #expect(r.stderr == "converge: not comparable: \(Self.core) vs \(other) are not comparable: env drift: env.os: before=darwin after=linux (collect both on the same machine, browser and headless setting, or add --allow-env-drift for a triage-only diff)\n")
        #expect(!FileManager.default.fileExists(atPath: out))
        let allowed = try run(["diff", Self.core, other, "--allow-env-drift", "--out", out])
        #expect(allowed.status == 0)
        #expect(allowed.stderr.hasPrefix("converge diff: NOT comparable (triage only: env.os: before=darwin after=linux); 0 regressions, 1 improvement."))
    }

    @Test func diffOfAFileThatIsNotAReportExitsTwo() throws {
        let bad = temp()
        try #"{"schemaVersion": 1, "suites": []}"#.write(toFile: bad, atomically: true, encoding: .utf8)
        let r = try run(["diff", Self.core, bad])
        #expect(r.status == 2)
        #expect(r.stderr == "converge: invalid report: \(bad) is not a perf report: missing field `meta`\n")
        #expect(r.stdout.isEmpty)
        let missing = try run(["gate", "/nonexistent/a.json", Self.core])
        #expect(missing.status == 2)
        #expect(missing.stderr.hasPrefix("converge: i/o error: cannot read /nonexistent/a.json"))
    }

    @Test func gatePassesAnImprovementAndFailsARegression() throws {
        let pass = try run(["gate", Self.core, Self.coreNg])
        #expect(pass.status == 0)
        #expect(pass.stdout == "gate: pass — comparable, 0 regressions, 1 improvement\n")
        let fail = try run(["gate", Self.coreNg, Self.core])
        #expect(fail.status == 1)
        #expect(fail.stdout == "gate: fail — comparable, 1 regression, 0 improvements\n")
    }

    @Test func gateFailsIncomparableReportsWithOrWithoutTheFlag() throws {
        let other = try otherOS()
        let r = try run(["gate", Self.core, other])
        #expect(r.status == 1)
        #expect(r.stdout.hasPrefix("gate: fail — not comparable (\(Self.core) vs \(other) are not comparable: env drift: env.os: before=darwin after=linux"))
        let allowed = try run(["gate", Self.core, other, "--allow-env-drift"])
        #expect(allowed.status == 1)
        #expect(allowed.stdout == "gate: fail — not comparable (env.os: before=darwin after=linux), 0 regressions, 1 improvement\n")
    }
}
