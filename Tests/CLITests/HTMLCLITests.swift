import Foundation
import Testing

/// `converge html REPORT [--diff DIFF] -o PAGE` on Logix's files and on bad input.
@Suite struct HTMLCLITests {
    func run(_ args: [String]) throws -> CLITests.Run { try CLITests().run(args) }

    func temp(_ suffix: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("converge-html-\(UUID().uuidString)\(suffix)").path
    }

    @Test func rendersAReportAndItsDiff() throws {
        let out = temp(".html")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let diff = DiffCLITests.logix("049-diff.node.core__core-ng.execVm.converge.txnCommit.darwin-arm64.default.json")
        let r = try run(["html", DiffCLITests.coreNg, "--diff", diff, "-o", out, "--title", "core → core-ng"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == "html: \(out) (gate: pass — comparable, 0 regressions, 1 improvement)\n")
        let page = try String(contentsOfFile: out, encoding: .utf8)
        #expect(page.hasPrefix("<!DOCTYPE html>") && page.contains("<title>core → core-ng</title>"))
        #expect(page.contains("<section class=\"diff\">") && page.contains("<svg"))

        let plain = temp(".html")
        defer { try? FileManager.default.removeItem(atPath: plain) }
        let p = try run(["html", DiffCLITests.core, "--out", plain])
        #expect(p.status == 0 && p.stdout == "html: \(plain)\n", "\(p.stderr)")
        #expect(try !String(contentsOfFile: plain, encoding: .utf8).contains("<section class=\"diff\">"))
    }

    @Test func badInputExitsTwoAndWritesNothing() throws {
        let out = temp(".html")
        let diff = DiffCLITests.logix("049-diff.node.core__core-ng.execVm.converge.txnCommit.darwin-arm64.default.json")
        // a diff where the report goes, a report where the diff goes
        let a = try run(["html", diff, "-o", out])
        #expect(a.status == 2 && a.stderr.hasPrefix("converge: invalid report: \(diff) is not a perf report:"), "\(a.stderr)")
        let b = try run(["html", DiffCLITests.core, "--diff", DiffCLITests.core, "-o", out])
        #expect(b.status == 2 && b.stderr.hasPrefix("converge: invalid report: \(DiffCLITests.core) is not a perf diff:"), "\(b.stderr)")
        #expect(!FileManager.default.fileExists(atPath: out))
        // an output naming an input: refused, the input untouched
        let copy = temp(".json")
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: DiffCLITests.core, toPath: copy)
        let before = try Data(contentsOf: URL(fileURLWithPath: copy))
        let c = try run(["html", copy, "-o", copy])
        #expect(c.status == 2 && c.stderr == "converge: invalid argument: --out \(copy) is the input \(copy): it would be overwritten\n", "\(c.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: copy)) == before)
        let missing = try run(["html", DiffCLITests.core])
        #expect(missing.status == 2 && missing.stderr.contains("--out"), "\(missing.stderr)")
    }
}
