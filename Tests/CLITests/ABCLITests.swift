import Foundation
import Testing

/// `converge bench` on the v2 matrix, and `converge ab` (docs/perf-diff.md, "Interleaved A/B").
extension CLITests {
    @Test func benchOnTheV2MatrixKeepsSamplesAndLeavesChangeBudgetsToTheDiff() throws {
        let out = tempPath("json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try run(["bench", "--profile", "smoke", "--backend", "native-l1", "--backend", "native-l3", "--steps", "200,800",
                         "--ratios", "0.005,1", "--no-bandwidth", "--out", out], environment: ["CI": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        try validate(out, schema: "perf-report.schema.json")
        let report = try json(out)
        #expect((report["meta"] as? [String: Any])?["matrixId"] as? String == "converge-kernel-matrix-v2")
        let suite = (report["suites"] as? [[String: Any]])?.first ?? [:]
        let budgets = suite["budgets"] as? [[String: Any]] ?? []
        #expect(budgets.contains { $0["type"] as? String == "change" })
        #expect(budgets.allSatisfy { $0["statistic"] as? String == "median" && $0["pool"] as? String == "dirtyRootsRatio" })
        // the change budgets need two reports: no threshold of theirs in one report
        let thresholds = suite["thresholds"] as? [[String: Any]] ?? []
        #expect(!thresholds.isEmpty)
        #expect(!thresholds.contains { ($0["budget"] as? String ?? "").hasPrefix("commit.median<=before") })
        for p in suite["points"] as? [[String: Any]] ?? [] {
            let txn = (p["metrics"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "runtime.txnCommitMs" } ?? [:]
            let stats = txn["stats"] as? [String: Any] ?? [:]
            let samples = txn["samples"] as? [Double] ?? []
            // smoke: 12 runs, 2 dropped; the stats are those of the samples kept
            #expect(samples.count == 10 && stats["n"] as? Int == 10)
            #expect(stats["minMs"] as? Double == samples.min())
            #expect(stats["medianMs"] as? Double == samples.sorted()[4])
            // the machine probes timed beside the samples: the change budget divides by the memory
            // probe's ratio (the chain's where it is missing)
            for name in ["machine.probeMs", "machine.memProbeMs"] {
                let probe = (p["evidence"] as? [[String: Any]] ?? []).first { $0["name"] as? String == name }
                #expect((probe?["value"] as? Double ?? 0) > 0, "\(name) \(p["params"] ?? "")")
            }
        }
        #expect(budgets.first {
            $0["type"] as? String == "change" && $0["normalizeEvidence"] as? String == "machine.memProbeMs"
                && $0["normalizeFallback"] as? String == "machine.probeMs"
        } != nil)
        #expect(budgets.filter { $0["type"] as? String == "relative" && $0["normalizeEvidence"] as? String == "machine.memProbeMs" }.count == 2)
    }

    @Test func benchRefusesAGateSpinItCannotApply() throws {
        // a default build has no spin compiled in: a set CONVERGE_GATE_SPIN is an error, not a no-op
        let r = try run(["bench", "--profile", "smoke", "--backend", "native-l3", "--steps", "200", "--ratios", "1", "--modes", "full",
                         "--no-bandwidth", "--out", tempPath("json")], environment: ["CI": "1", "CONVERGE_GATE_SPIN": "l3:10:10"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("CONVERGE_GATE_SPIN"), "\(r.stderr)")
        let bad = try run(["bench", "--profile", "smoke", "--backend", "native-l3", "--steps", "200", "--ratios", "1", "--modes", "full",
                           "--no-bandwidth", "--out", tempPath("json")], environment: ["CI": "1", "CONVERGE_GATE_SPIN": "l4:x"])
        #expect(bad.stderr.contains("expected LEVELS:PER_STEP:PER_TXN"), "\(bad.stderr)")
    }

    @Test func abInterleavesTwoBuildsAndGatesTheirMergedReports() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("converge-ab-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let exe = Self.executable.path
        let r = try run(["ab", "--before", exe, "--after", exe, "--out", dir, "--profile", "smoke", "--backend", "native-l1",
                         "--backend", "native-l3", "--steps", "200,800", "--ratios", "0.005,1", "--modes", "full,dirty"],
                        environment: ["CI": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("gate: pass — comparable, 0 regressions"), "\(r.stdout)")
        // ABBA: chunk 1 before first, chunk 2 after first
        let order = r.stderr.split(separator: "\n").filter { $0.hasPrefix("converge ab: chunk") }.map { $0.hasSuffix("before") ? "A" : "B" }
        #expect(order.joined() == "ABBAABBA")
        for name in ["before.json", "after.json"] {
            let file = (dir as NSString).appendingPathComponent(name)
            try validate(file, schema: "perf-report.schema.json")
            let points = ((try json(file)["suites"] as? [[String: Any]])?.first?["points"] as? [[String: Any]]) ?? []
            #expect(points.count == 2 * 2 * 2 * 2)
        }
        try validate((dir as NSString).appendingPathComponent("diff.json"), schema: "perf-diff.schema.json")
    }

    @Test func abRefusesWhatItCannotRun() throws {
        let missing = try run(["ab", "--before", "/nonexistent/converge", "--after", Self.executable.path, "--out", tempPath("d")])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("--before /nonexistent/converge is not an executable file"), "\(missing.stderr)")
        let confirm = try run(["ab", "--before", Self.executable.path, "--after", Self.executable.path, "--out", tempPath("d"), "--confirm", "11"])
        #expect(confirm.status == 2)
        #expect(confirm.stderr.contains("--confirm 11 is out of range (0 to 10 rounds)"), "\(confirm.stderr)")
        let mode = try run(["ab", "--before", Self.executable.path, "--after", Self.executable.path, "--out", tempPath("d"), "--modes", "full,fast"])
        #expect(mode.status == 2)
        #expect(mode.stderr.contains("bad convergeMode \"fast\""), "\(mode.stderr)")
        // a build whose bench fails: the error names the side and the chunk
        let failing = try run(["ab", "--before", "/bin/false", "--after", Self.executable.path, "--out", tempPath("d"),
                               "--backend", "native-l1", "--steps", "200", "--ratios", "1", "--modes", "full", "--profile", "smoke"])
        #expect(failing.status == 2)
        #expect(failing.stderr.contains("the before build's bench failed on chunk steps=200 full"), "\(failing.stderr)")
    }
}
