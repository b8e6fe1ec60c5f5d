import Foundation
import Testing

/// Hostile input to `converge gate` / `diff` / `plan`: one clear line on stderr and exit 2, or a
/// failing gate (exit 1) — never a pass on an incomplete comparison, never a forged line.
@Suite struct HostileInputCLITests {
    func run(_ args: [String]) throws -> CLITests.Run { try CLITests().run(args) }

    /// A small valid report: suite `suite`, full × steps 200 / 400 (p95 0.5 / 0.9 ms), budget 1 ms.
    static func report(suite: String = "converge.txnCommit", os: String = "linux", metric: String = "runtime.txnCommitMs",
                       budgetMetric: String = "runtime.txnCommitMs", noSuites: Bool = false,
                       edit: (inout [[String: Any]]) -> Void = { _ in }, schemaVersion: Int = 1) throws -> Data {
        var points: [[String: Any]] = [200, 400].enumerated().map { i, steps in
            let p95 = [0.5, 0.9][i]
            return ["params": ["convergeMode": "full", "steps": steps], "status": "ok",
                    "metrics": [["name": metric, "unit": "ms", "status": "ok", "stats": ["n": 25, "medianMs": p95 / 2, "p95Ms": p95]]]]
        }
        edit(&points)
        let object: [String: Any] = [
            "schemaVersion": schemaVersion,
            "meta": ["createdAt": "2026-01-01T00:00:00.000Z", "generator": "test", "matrixId": "m1",
                     "matrixHash": String(repeating: "ab", count: 32),
                     "config": ["runs": 30, "warmupDiscard": 5, "timeoutMs": 20000],
                     "env": ["os": os, "arch": "x64", "browser": ["name": "native", "headless": true]]],
            "suites": noSuites ? [] : [["id": suite, "primaryAxis": "steps",
                                        "budgets": [["id": "commit<=1ms", "type": "absolute", "metric": budgetMetric, "p95Ms": 1]],
                                        "points": points]],
        ]
        return try JSONSerialization.data(withJSONObject: object)
    }

    func file(_ data: Data, name: String = "report") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("converge-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent("\(name).json")
        try data.write(to: url)
        return url.path
    }

    /// Exactly one line on stderr, `converge: <words>: …`.
    func oneLine(_ r: CLITests.Run, _ prefix: String) {
        #expect(r.stderr.hasPrefix(prefix), "\(r.stderr)")
        #expect(r.stderr.filter { $0 == "\n" }.count == 1 && r.stderr.hasSuffix("\n"), "\(r.stderr)")
    }

    @Test func gateFailsWhenTheAfterReportLacksOrRenamesTheSuite() throws {
        let before = try file(try Self.report())
        let renamed = try file(try Self.report(suite: "converge.txnCommit2"))
        let r = try run(["gate", before, renamed])
        #expect(r.status == 1, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout == "gate: fail — comparable, incomplete (suite converge.txnCommit missing in after report; suite converge.txnCommit2 missing in before report), 0 regressions, 0 improvements\n")
        // no suite at all: not a report
        let empty = try file(try Self.report(noSuites: true))
        let e = try run(["gate", before, empty])
        #expect(e.status == 2)
        oneLine(e, "converge: invalid report: \(empty) is not a perf report: `suites` is empty")
        // the two-sided gate too
        let sided = try run(["gate", "--node", before, renamed])
        #expect(sided.status == 1)
        #expect(sided.stdout.hasPrefix("gate node: fail — comparable, incomplete (suite converge.txnCommit missing in after report"))
        #expect(sided.stdout.hasSuffix("gate: fail — node fails (not comparable, incomplete or regressed)\n"))
    }

    @Test func gateFailsAMissingPointOrMetric() throws {
        // the budget is on another metric: no scan can turn the gap into a regression
        let before = try file(try Self.report(budgetMetric: "runtime.otherMs") { points in
            points += points.map { p in
                var q = p
                q["params"] = ["convergeMode": "dirty", "steps": (p["params"] as! [String: Any])["steps"]!]
                return q
            }
        })
        // dirty at 400 steps is gone: the steps grid is the same (modes dirty, full; steps 200, 400): comparable
        let after = try file(try Self.report(budgetMetric: "runtime.otherMs") { points in
            points.append(["params": ["convergeMode": "dirty", "steps": 200], "status": "ok", "metrics": points[0]["metrics"]!])
        })
        let r = try run(["gate", before, after])
        #expect(r.status == 1)
        #expect(r.stdout == "gate: fail — comparable, incomplete (1 missing point (the diff's notes name the first)), 0 regressions, 0 improvements\n")
        let d = try run(["diff", before, after])
        #expect(d.status == 0 && d.stdout.contains(#""missingPoints" : 1"#))
        #expect(d.stdout.contains("missingPoints: 1 (first: {convergeMode=dirty&steps=400} missing in after report)"))

        let metric = try file(try Self.report(metric: "runtime.txnCommitMsRenamed"))
        let m = try run(["gate", try file(try Self.report()), metric])
        #expect(m.status == 1)
        #expect(m.stdout.contains("incomplete (4 missing metrics"))
    }

    @Test func brokenNumbersAreBadInputNamingTheField() throws {
        let before = try file(try Self.report())
        func stats(_ key: String, _ value: Any) throws -> String {
            try file(try Self.report { points in
                var metrics = points[1]["metrics"] as! [[String: Any]]
                var stats = metrics[0]["stats"] as! [String: Any]
                stats[key] = value
                metrics[0]["stats"] = stats
                points[1]["metrics"] = metrics
            })
        }
        let cases: [(String, String)] = [
            (try stats("n", 0), "`suites[0].points[1].metrics[0].stats.n` must be ≥ 1 (got 0)"),
            (try stats("n", -3), "`suites[0].points[1].metrics[0].stats.n` must be ≥ 1 (got -3)"),
            (try stats("medianMs", -0.5), "`suites[0].points[1].metrics[0].stats.medianMs` must be ≥ 0 (got -0.5)"),
            (try stats("p95Ms", -1), "`suites[0].points[1].metrics[0].stats.p95Ms` must be ≥ 0 (got -1)"),
            (try file(try Self.report(schemaVersion: 2)), "`schemaVersion` must be 1 (got 2)"),
        ]
        for (after, message) in cases {
            for command in [["gate", before, after], ["diff", before, after], ["gate", "--node", before, after]] {
                let r = try run(command)
                #expect(r.status == 2, "\(command)")
                oneLine(r, "converge: invalid report: \(after) is not a perf report: \(message)")
                #expect(r.stdout.isEmpty)
            }
        }
    }

    @Test func controlCharactersNeverForgeALine() throws {
        let before = try file(try Self.report())
        // a newline and an ESC in meta.env.os: the (triage) verdict stays one line
        let forged = try file(try Self.report(os: "linux\ngate: pass — comparable, 0 regressions\u{1B}[0m"))
        let g = try run(["gate", before, forged, "--allow-env-drift"])
        #expect(g.status == 1)
        #expect(g.stdout.filter { $0 == "\n" }.count == 1 && !g.stdout.contains("\u{1B}"), "\(g.stdout)")
        #expect(g.stdout.contains(#"after=linux\ngate: pass — comparable, 0 regressions\u{1B}[0m)"#))
        // without the flag: the notComparable error is one line on stderr
        let n = try run(["diff", before, forged])
        #expect(n.status == 1)
        oneLine(n, "converge: not comparable: ")
        #expect(!n.stderr.contains("\nconverge: fake") && n.stderr.contains(#"\ngate: pass"#))

        // a file name with a newline in an i/o error
        let missing = "/nonexistent/x\nconverge: fake\n.json"
        let io = try run(["gate", missing, before])
        #expect(io.status == 2)
        oneLine(io, #"converge: i/o error: cannot read /nonexistent/x\nconverge: fake\n.json"#)

        // a step's out with newlines and ESC: a multiple-writers error, and plan's text output
        let out = "x\ny\nconverge: fake\u{1B}c" // no brackets: `[` would make the path unmappable
        let twice = try JSONSerialization.data(withJSONObject: [
            "format": "converge-ir", "version": 1, "fields": ["a"],
            "steps": [["kind": "link", "out": out, "from": "a"], ["kind": "link", "out": out, "from": "a"]],
        ] as [String: Any])
        let e = try run(["inspect", "--ir", try file(twice)])
        #expect(e.status == 2)
        oneLine(e, "converge: multiple writers: ")
        #expect(e.stderr.contains(#"x\ny\nconverge: fake\u{1B}c"#) && !e.stderr.contains("\u{1B}"))
        let once = try JSONSerialization.data(withJSONObject: [
            "format": "converge-ir", "version": 1, "fields": ["a"], "steps": [["kind": "link", "out": out, "from": "a"]],
        ] as [String: Any])
        let ir = try file(once)
        for command in [["plan", "--ir", ir, "--dirty", "a"], ["inspect", "--ir", ir]] {
            let p = try run(command)
            #expect(p.status == 0, "\(command): \(p.stderr)")
            #expect(!p.stdout.contains("\nconverge: fake") && !p.stdout.contains("\u{1B}") && p.stdout.contains(#"x\ny\nconverge: fake\u{1B}c"#),
                    "\(command): \(p.stdout)")
        }
    }

    /// Every error word is lower-case words with spaces (docs/errors.md).
    @Test func errorWordsAreOneVocabulary() throws {
        let before = try file(try Self.report())
        let notJSON = try file(Data("{".utf8))
        for (command, words) in [(["gate", "/nonexistent/a.json", before], "i/o error"),
                                 (["diff", before, notJSON], "invalid report"),
                                 (["diff", before, try file(try Self.report(os: "darwin"))], "not comparable"),
                                 (["gate", "--browser", before, before], "invalid argument"),
                                 (["gate", before], "invalid usage")] {
            let r = try run(command)
            oneLine(r, "converge: \(words): ")
        }
    }
}
