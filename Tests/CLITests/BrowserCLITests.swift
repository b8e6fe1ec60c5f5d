import Foundation
import Testing

/// The browser half: `converge bench` with the chromium backends end to end (headless Chromium),
/// and `converge gate --node … --browser …`.
extension CLITests {
    /// A Chromium on this machine ($CONVERGE_CHROMIUM, else chromium / chromium-browser /
    /// google-chrome on PATH), and node (the page's server).
    static var chromiumAndNode: Bool {
        let env = ProcessInfo.processInfo.environment
        if let c = env["CONVERGE_CHROMIUM"], FileManager.default.isExecutableFile(atPath: c) { return nodeOnPath }
        let dirs = (env["PATH"] ?? "").split(separator: ":")
        let chromium = dirs.contains { d in
            ["chromium", "chromium-browser", "google-chrome"].contains { FileManager.default.isExecutableFile(atPath: "\(d)/\($0)") }
        }
        return chromium && nodeOnPath
    }

    static var chromiumRequired: Bool { ProcessInfo.processInfo.environment["CONVERGE_REQUIRE_CHROMIUM"] == "1" }

    @Test(.enabled(if: CLITests.chromiumAndNode || CLITests.chromiumRequired,
                   "chromium not found (set CONVERGE_REQUIRE_CHROMIUM=1 to make this a failure): apt-get install -y chromium"))
    func benchRunsTheChromiumBackendsInHeadlessChromium() throws {
        let out = tempPath("json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try run(["bench", "--profile", "smoke", "--backend", "wasm-chromium", "--backend", "wasm-chromium-l2",
                         "--backend", "wasm-chromium-l3", "--backend", "js-chromium", "--steps", "200", "--ratios", "0.005,1", "--no-bandwidth", "--out", out],
                        environment: ["CI": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("WASM vs JS (Chromium)"))
        try validate(out, schema: "perf-report.schema.json")
        let report = try json(out)
        let env = (report["meta"] as? [String: Any])?["env"] as? [String: Any] ?? [:]
        let browser = env["browser"] as? [String: Any] ?? [:]
        #expect(browser["name"] as? String == "chromium")
        #expect(browser["headless"] as? Bool == true)
        let version = browser["version"] as? String ?? ""
        #expect(version.split(separator: ".").count == 4 && Int(version.split(separator: ".")[0]) != nil, "version \(version)")
        #expect((env["node"] as? String)?.hasPrefix("v") == true)

        let points = ((report["suites"] as? [[String: Any]])?.first?["points"] as? [[String: Any]]) ?? []
        #expect(points.count == 4 * 3 * 2)
        for p in points {
            let params = p["params"] as? [String: Any] ?? [:]
            let backend = params["kernelBackend"] as? String ?? ""
            let mode = params["convergeMode"] as? String ?? ""
            // the wasm backends run auto on the transaction core, the pure-JS kernel in the JS decider
            #expect(p["status"] as? String == "ok", "\(params): \(p["reason"] ?? "")")
            guard p["status"] as? String == "ok" else { continue }
            let txn = (p["metrics"] as? [[String: Any]])?.first { $0["name"] as? String == "runtime.txnCommitMs" }
            let stats = txn?["stats"] as? [String: Any] ?? [:]
            #expect(stats["n"] as? Int == 10)
            #expect((stats["medianMs"] as? Double ?? 0) > 0)
            let evidence = Dictionary((p["evidence"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) }) { a, _ in a }
            func value(_ name: String) -> Double? { evidence[name]?["value"] as? Double }
            #expect(value("kernel.boundaryCallsPerTxn") == (backend == "js-chromium" ? 0 : 1), "\(params)")
            // auto: the last transaction's mode (the core's report) decides the plan length
            let ranFull = mode == "full" || (mode == "auto" && evidence["runtime.executedMode"]?["value"] as? String == "full")
            let executed = ranFull || params["dirtyRootsRatio"] as? Double == 1 ? 200.0 : 1.0
            #expect(value("runtime.executedSteps") == executed, "\(params)")
            // L2 calls back for computed steps in batches of <= 32 (auto: per transaction, full or
            // dirty); L1 and JS never call back
            let callbacks = value("kernel.hostCallbacksPerTxn") ?? -1
            if backend == "wasm-chromium-l2" {
                if mode == "auto" { #expect(callbacks >= 1 && callbacks <= 7, "\(params)") }
                else { #expect(callbacks == (executed / 32).rounded(.up), "\(params)") }
            } else { #expect(callbacks == 0) }
            // L3: the page loaded the graph's bytecode, and every step of the workload ran in the VM
            let vmSteps = value("kernel.vmStepsPerTxn") ?? -1
            if backend == "wasm-chromium-l3" {
                if mode == "auto" { #expect(vmSteps >= 1, "\(params)") } else { #expect(vmSteps == executed, "\(params)") }
            } else if backend != "js-chromium" { #expect(vmSteps == 0, "\(params)") }
            // writes cross as 16-byte write-log entries on the transaction core (every mode);
            // js-chromium plans in JS (nothing crosses)
            let bytesIn = backend == "js-chromium" ? 0 : 16 * Double(params["dirtyRoots"] as? Int ?? 0)
            #expect(value("kernel.bytesInPerTxn") == bytesIn, "\(params)")
            #expect(evidence["kernel.simdImplementation"]?["value"] as? String == (backend == "js-chromium" ? "none" : "simd128"))
            let batch = value("sample.batchSize") ?? 0
            #expect(batch >= 1 && batch <= 2000)
            // the page is cross-origin isolated: performance.now() steps by 5 µs (well under 0.1 ms)
            let resolution = value("sample.timerResolutionMs") ?? 1
            #expect(resolution > 0 && resolution < 0.1, "timer resolution \(resolution) ms")
            // a sample lasts about 1 ms (>= 0.1 ms even on a loaded machine): 20+ steps of the clock
            #expect(batch == 2000 || batch * (stats["medianMs"] as? Double ?? 0) >= 0.1, "\(params): batch \(batch)")
        }
    }

    @Test(.enabled(if: CLITests.nodeOnPath || CLITests.chromiumRequired))
    func aChromiumThatFailsTurnsItsPointsIntoFailedPointsWithTheReason() throws {
        let out = tempPath("json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        // /bin/false "starts" and exits at once: the session fails, the run goes on
        let r = try run(["bench", "--profile", "smoke", "--backend", "js-chromium", "--backend", "native-l1", "--chromium", "/bin/false",
                         "--steps", "200", "--ratios", "1", "--modes", "dirty", "--no-bandwidth", "--out", out], environment: ["CI": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("the chromium backends failed at steps=200"))
        let points = ((try json(out)["suites"] as? [[String: Any]])?.first?["points"] as? [[String: Any]]) ?? []
        let js = points.first { ($0["params"] as? [String: Any])?["kernelBackend"] as? String == "js-chromium" } ?? [:]
        #expect(js["status"] as? String == "failed")
        #expect((js["reason"] as? String ?? "").contains("chromium exited"), "\(js["reason"] ?? "")")
        let native = points.first { ($0["params"] as? [String: Any])?["kernelBackend"] as? String == "native-l1" } ?? [:]
        #expect(native["status"] as? String == "ok")
    }

    @Test func aMissingChromiumSaysHowToInstallIt() throws {
        let r = try run(["bench", "--backend", "wasm-chromium", "--chromium", "/nonexistent/chromium", "--steps", "200"])
        #expect(r.status == 2)
        #expect(r.stderr.hasPrefix("converge: invalid argument: backend wasm-chromium is not available: --chromium /nonexistent/chromium is not an executable file"))
        #expect(r.stderr.contains("apt-get install -y chromium, or scripts/bootstrap.sh --chromium"))
        let noPath = try run(["bench", "--backend", "js-chromium", "--steps", "200"], environment: ["PATH": "/nonexistent"])
        #expect(noPath.status == 2)
        #expect(noPath.stderr.contains("chromium not found"))
    }
}

extension DiffCLITests {
    /// A copy of a Logix node report as if a chromium run had made it.
    func asChromium(_ path: String) throws -> String {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let out = temp()
        try text.replacingOccurrences(of: #""name": "node""#, with: #""name": "chromium", "version": "156.0.8078.108""#)
            .write(toFile: out, atomically: true, encoding: .utf8)
        return out
    }

    @Test func gateWithANodeAndABrowserPairPassesOnlyWhenBothPass() throws {
        let (browserCore, browserCoreNg) = (try asChromium(Self.core), try asChromium(Self.coreNg))
        let pass = try run(["gate", "--node", Self.core, Self.coreNg, "--browser", browserCore, browserCoreNg])
        #expect(pass.status == 0, "\(pass.stderr)")
        let lines = pass.stdout.split(separator: "\n").map(String.init)
        #expect(lines.first == "gate node: pass — comparable, 0 regressions, 1 improvement")
        #expect(lines.dropFirst().first == "gate browser: pass — comparable, 0 regressions, 1 improvement")
        #expect(lines.contains("wasm vs js (browser, after): no WASM backend with its engine's JS kernel in the after report"))
        #expect(lines.last == "gate: pass — node and browser: comparable, 0 regressions")

        // the browser pair regressed: the gate fails though the node pair passes
        let fail = try run(["gate", "--node", Self.core, Self.coreNg, "--browser", browserCoreNg, browserCore])
        #expect(fail.status == 1)
        #expect(fail.stdout.contains("gate browser: fail — comparable, 1 regression, 0 improvements\n"))
        #expect(fail.stdout.hasSuffix("gate: fail — browser fails (not comparable, incomplete or regressed)\n"))

        // the one-pair form still works
        let one = try run(["gate", Self.core, Self.coreNg])
        #expect(one.stdout == "gate: pass — comparable, 0 regressions, 1 improvement\n")
    }

    @Test func gateRefusesSwappedSidesAndHalfPairs() throws {
        let browser = try asChromium(Self.coreNg)
        let swapped = try run(["gate", "--node", Self.core, browser, "--browser", Self.core, Self.coreNg])
        #expect(swapped.status == 2)
        #expect(swapped.stderr == "converge: invalid argument: --node \(browser): meta.env.browser.name is chromium; the --node pair takes a node or native run (converge bench without the chromium backends)\n")
        let half = try run(["gate", "--node", Self.core, "--browser", browser, browser])
        #expect(half.status == 2)
        #expect(half.stderr.contains("--node takes two reports (BEFORE AFTER), got 1"))
        let both = try run(["gate", Self.core, Self.coreNg, "--node", Self.core, Self.coreNg])
        #expect(both.status == 2)
        #expect(both.stderr.contains("give either BEFORE AFTER or --node/--browser pairs, not both"))
    }
}
