import Foundation
import Testing

/// `converge bench`: the report it writes validates against docs/schema/perf-report.schema.json
/// and holds what docs/perf-report.md promises.
extension CLITests {
    static let repoRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// Validates a JSON file against one of the repo's schemas (Tests/check-json-schema.py: python3 with jsonschema).
    func validate(_ file: String, schema: String) throws {
        let r = try run(["python3", Self.repoRoot.appendingPathComponent("Tests/check-json-schema.py").path,
                         Self.repoRoot.appendingPathComponent("docs/schema/\(schema)").path, file],
                        executable: URL(fileURLWithPath: "/usr/bin/env"))
        #expect(r.status == 0, "\(file) does not validate against \(schema): \(r.stdout)\(r.stderr)")
    }

    func json(_ path: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: path))) as? [String: Any] ?? [:]
    }

    func tempPath(_ ext: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("converge-bench-\(UUID().uuidString).\(ext)").path
    }

    /// The points of a bench report's first suite.
    func firstSuitePoints(_ report: [String: Any]) -> [[String: Any]] {
        ((report["suites"] as? [[String: Any]])?.first?["points"] as? [[String: Any]]) ?? []
    }

    /// Runs `converge bench` on the example graph with one backend, ratio 1, dirty mode (expecting
    /// exit 0): the points of the report it writes.
    func benchExample(backend: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> [[String: Any]] {
        let ir = try write(Self.example)
        let out = tempPath("json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try run(["bench", "--ir", ir, "--profile", "smoke", "--backend", backend, "--ratios", "1", "--modes", "dirty",
                         "--no-bandwidth", "--out", out], environment: ["CI": "1"])
        #expect(r.status == 0, "\(r.stderr)", sourceLocation: sourceLocation)
        return firstSuitePoints(try json(out))
    }

    /// A bench point's params, its kernelBackend and convergeMode ("" when missing), and its evidence by name.
    func readPoint(_ p: [String: Any]) -> (params: [String: Any], backend: String, mode: String, evidence: [String: [String: Any]]) {
        let params = p["params"] as? [String: Any] ?? [:]
        let evidence = Dictionary((p["evidence"] as? [[String: Any]] ?? []).map { ($0["name"] as? String ?? "", $0) }) { a, _ in a }
        return (params, params["kernelBackend"] as? String ?? "", params["convergeMode"] as? String ?? "", evidence)
    }

    @Test func benchWritesASchemaValidReportWithThresholdsComparisonsAndEvidence() throws {
        let out = tempPath("json"), html = tempPath("html")
        defer { try? FileManager.default.removeItem(atPath: out); try? FileManager.default.removeItem(atPath: html) }
        let r = try run(["bench", "--profile", "smoke", "--backend", "native-l1", "--backend", "portable", "--backend", "native-l2",
                         "--steps", "200,400", "--ratios", "0.005,1", "--matrix", "v1", "--out", out, "--html", html], environment: ["CI": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("report: \(out)"))
        #expect(r.stdout.contains("native-l1"))
        try validate(out, schema: "perf-report.schema.json")

        let report = try json(out)
        let meta = report["meta"] as? [String: Any] ?? [:]
        #expect(meta["matrixId"] as? String == "converge-kernel-matrix-v1")
        let matrixFile = Self.repoRoot.appendingPathComponent("Sources/ConvergeEvidence/Resources/converge-matrix.json")
        #expect(meta["matrixHash"] as? String == sha256sum(matrixFile.path))
        let config = meta["config"] as? [String: Any] ?? [:]
        #expect(config["runs"] as? Int == 12 && config["warmupDiscard"] as? Int == 2 && config["profile"] as? String == "smoke")
        let env = meta["env"] as? [String: Any] ?? [:]
        #expect((env["browser"] as? [String: Any])?["name"] as? String == "native")
        #expect((meta["bandwidthProbe"] as? [[String: Any]])?.map { $0["level"] as? String } == ["L1", "L2", "DRAM"])

        let suite = (report["suites"] as? [[String: Any]])?.first ?? [:]
        let points = suite["points"] as? [[String: Any]] ?? []
        #expect(points.count == 3 * 3 * 2 * 2)
        for p in points {
            let params = p["params"] as? [String: Any] ?? [:]
            #expect(p["status"] as? String == "ok", "\(params)")
            let metrics = p["metrics"] as? [[String: Any]] ?? []
            let txn = metrics.first { $0["name"] as? String == "runtime.txnCommitMs" }
            #expect((txn?["stats"] as? [String: Any])?["n"] as? Int == 10)
            let decision = metrics.first { $0["name"] as? String == "runtime.decisionMs" }
            #expect((decision?["status"] as? String == "ok") == (params["convergeMode"] as? String == "auto"))
            let evidence = readPoint(p).evidence
            let calls = evidence["kernel.boundaryCallsPerTxn"]?["value"] as? Double
            if params["kernelBackend"] as? String == "portable" { #expect(calls == 0) }
            if params["kernelBackend"] as? String != "portable", params["convergeMode"] as? String != "auto" { #expect(calls == 1) }
            #expect(evidence["runtime.heapAllocationsPerTxn"] != nil)
            #expect(evidence["diagnostics.overhead.lightOverOff.txnCommitMs.medianRatio"]?["status"] as? String == "ok")
            #expect(evidence["bandwidth.ratio"]?["status"] as? String == "ok")
            let steps = Double(params["steps"] as? Int ?? 0), ratio = params["dirtyRootsRatio"] as? Double ?? 0
            let expected = max(1, Int((steps * ratio).rounded(.up)))
            #expect(params["dirtyRoots"] as? Int == expected)
        }
        // every where-slice of every budget (relative: convergeMode left out) has a threshold
        let thresholds = suite["thresholds"] as? [[String: Any]] ?? []
        let slices = 3 * 3 * 2 // backends x modes x ratios
        #expect(thresholds.count == 3 * slices + 3 * 2) // 3 absolute budgets, 1 relative without convergeMode
        #expect(thresholds.allSatisfy { $0.keys.contains("maxLevel") })
        let comparisons = suite["comparisons"] as? [[String: Any]] ?? []
        let ratios = comparisons.filter { $0["kind"] as? String == "ratio" }
        #expect(ratios.count == 2 * 3 * 2 * 2)
        #expect(ratios.allSatisfy { ($0["denominatorWhere"] as? [String: Any])?["kernelBackend"] as? String == "native-l1" })
        // the upper bound: per (mode, steps, ratio) portable against the faster of native-l1 and native-l2
        let upper = comparisons.filter { $0["kind"] as? String == "upperBound" }
        #expect(upper.count == 3 * 2 * 2)
        #expect(ratios.count + upper.count == comparisons.count)
        for c in upper {
            let num = c["numeratorWhere"] as? [String: Any] ?? [:], den = c["denominatorWhere"] as? [String: Any] ?? [:]
            #expect(num["kernelBackend"] as? String == "portable")
            #expect(["native-l1", "native-l2"].contains(den["kernelBackend"] as? String ?? ""))
            let other = c["numeratorMedianMs"] as? Double ?? -1, native = c["denominatorMedianMs"] as? Double ?? -1
            let ratio = (c["stats"] as? [String: Any])?["median"] as? Double ?? -1
            #expect(native > 0 && abs(ratio - other / native) <= 1e-9 * ratio)
            #expect(c["holds"] as? Bool == (other >= native))
        }
        let summary = suite["upperBound"] as? [String: Any] ?? [:]
        #expect(summary["nativeBackends"] as? [String] == ["native-l1", "native-l2", "native-l3", "native-l4"])
        #expect(summary["pointsChecked"] as? Int == 3 * 2 * 2)
        #expect(summary["comparisonsChecked"] as? Int == upper.count)
        let failing = upper.filter { $0["holds"] as? Bool == false }.count
        #expect(summary["comparisonsFailing"] as? Int == failing)
        #expect(r.stdout.contains("native is the upper bound on \(3 * 2 * 2 - (summary["pointsFailing"] as? Int ?? 0)) of 12 points"))
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<svg"))
        #expect(page.contains("<h2>Upper bound: native ≤ every other backend</h2>"))
    }

    /// wasm-v8 runs every mode on the transaction core — auto decided in C, its executed modes,
    /// reasons and decision times reported; js-v8 (the pure-JS kernel) decides auto in JS and
    /// reports the same.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CONVERGE_REQUIRE_NODE"] == "1" || CLITests.nodeOnPath))
    func benchRunsTheBackendsInNodeWithAutoOnTheTxnCore() throws {
        let out = tempPath("json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try run(["bench", "--profile", "smoke", "--backend", "wasm-v8", "--backend", "js-v8", "--backend", "native-l1",
                         "--steps", "200", "--ratios", "0.5", "--no-bandwidth", "--out", out], environment: ["CI": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        try validate(out, schema: "perf-report.schema.json")
        let report = try json(out)
        let env = (report["meta"] as? [String: Any])?["env"] as? [String: Any] ?? [:]
        #expect((env["browser"] as? [String: Any])?["name"] as? String == "node")
        #expect((env["node"] as? String)?.hasPrefix("v") == true)
        let points = firstSuitePoints(report)
        #expect(points.count == 9)
        for p in points {
            let (params, backend, mode, evidence) = readPoint(p)
            let auto = mode == "auto"
            #expect(p["status"] as? String == "ok", "\(params): \(p["reason"] ?? "")")
            guard p["status"] as? String == "ok", backend != "native-l1" else { continue }
            #expect(evidence["kernel.boundaryCallsPerTxn"]?["value"] as? Double == (backend == "js-v8" ? 0 : 1))
            let executedMode = evidence["runtime.executedMode"]?["value"] as? String ?? ""
            if auto { #expect(executedMode == "full" || executedMode == "dirty") } else { #expect(executedMode == mode) }
            #expect(evidence["runtime.executedSteps"]?["value"] as? Int == (executedMode == "full" ? 200 : 100), "\(params)")
            #expect(evidence["kernel.simdImplementation"]?["value"] as? String == (backend == "js-v8" ? "none" : "simd128"))
            // writes cross as 16-byte log entries on the transaction core, dirty ids as 4 bytes to js-v8 (none: in process)
            #expect(evidence["kernel.bytesInPerTxn"]?["value"] as? Double == (backend == "js-v8" ? 0.0 : 1600.0), "\(params)")
            let share = evidence["runtime.executedFullShare"]?["value"] as? Double ?? -1
            #expect(auto ? share >= 0 && share <= 1 : share == (mode == "full" ? 1 : 0), "\(params)")
            // js-v8: the plain-JS reference timed beside it (same batches), and the JS kernel over it
            if backend == "js-v8" {
                let ref = evidence["js.plainReferenceMs"]?["value"] as? Double ?? -1
                let over = evidence["js.overPlainReference"]?["value"] as? Double ?? -1
                let median = ((p["metrics"] as? [[String: Any]])?.first?["stats"] as? [String: Any])?["medianMs"] as? Double ?? -1
                #expect(ref > 0 && abs(over - median / ref) <= 1e-9 * over, "\(params): \(ref) \(over)")
            } else {
                #expect(evidence["js.plainReferenceMs"] == nil)
            }
            if backend == "wasm-v8" || (backend == "js-v8" && auto) {
                // the transaction core (js-v8: the JS decider) reports its decision: reasons (auto:
                // at least cold_start once)
                #expect(evidence["runtime.reasons"]?["value"] is String, "\(params)")
                let decision = (p["metrics"] as? [[String: Any]])?.first { $0["name"] as? String == "runtime.decisionMs" }
                #expect(auto ? decision?["status"] as? String == "ok" : decision?["status"] as? String != "ok", "\(params): \(decision ?? [:])")
            }
        }
    }

    /// The WasmKit backends on the transaction core: one exported call per transaction, the
    /// writes as 16-byte log records, host callbacks at L2 only, bytecode steps at L3 only.
    @Test func benchRunsTheWasmKitBackendsOnTheTxnCore() throws {
        let out = tempPath("json")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let r = try run(["bench", "--profile", "smoke", "--backend", "wasm-wasmkit", "--backend", "wasm-wasmkit-l2",
                         "--backend", "wasm-wasmkit-l3", "--steps", "40", "--ratios", "0.5", "--no-bandwidth", "--out", out],
                        environment: ["CI": "1"])
        #expect(r.status == 0, "\(r.stderr)")
        try validate(out, schema: "perf-report.schema.json")
        let points = firstSuitePoints(try json(out))
        #expect(points.count == 9)
        for p in points {
            let (params, backend, mode, evidence) = readPoint(p)
            #expect(p["status"] as? String == "ok", "\(params): \(p["reason"] ?? "")")
            func number(_ name: String) -> Double? { evidence[name]?["value"] as? Double ?? (evidence[name]?["value"] as? Int).map(Double.init) }
            #expect(number("kernel.boundaryCallsPerTxn") == 1, "\(params)")
            #expect(number("kernel.bytesInPerTxn") == 320, "\(params)")
            let executedMode = evidence["runtime.executedMode"]?["value"] as? String ?? ""
            if mode == "auto" { #expect(executedMode == "full" || executedMode == "dirty") } else { #expect(executedMode == mode) }
            #expect(number("runtime.executedSteps") == (executedMode == "full" ? 40 : 20), "\(params)")
            let callbacks = number("kernel.hostCallbacksPerTxn") ?? -1, vm = number("kernel.vmStepsPerTxn") ?? -1
            switch backend {
            case "wasm-wasmkit": #expect(callbacks == 0 && vm == 0, "\(params)")
            case "wasm-wasmkit-l2": #expect(callbacks >= 1 && vm == 0, "\(params)")
            default: #expect(callbacks == 0 && vm == number("runtime.executedSteps"), "\(params)")
            }
        }
    }

    @Test func benchRunsAUsersGraphWithItsOwnStepCount() throws {
        let points = try benchExample(backend: "native-l1")
        #expect(points.count == 1)
        let params = points.first?["params"] as? [String: Any] ?? [:]
        #expect(params["steps"] as? Int == 2)
        // the inputs (paths no step writes) are b0, user and user.name: ratio 1 writes all three,
        // and both steps run
        #expect(params["dirtyRoots"] as? Int == 3)
        let evidence = (points.first?["evidence"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "runtime.executedSteps" }
        #expect(evidence?["value"] as? Int == 2)
    }

    /// The plain-JS reference covers graphs like the converge workload only: on a graph with a
    /// nested path js-v8 still runs, and the reference's evidence says why it is missing.
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CONVERGE_REQUIRE_NODE"] == "1" || CLITests.nodeOnPath))
    func thePlainJSReferenceSaysWhichGraphsItCannotRun() throws {
        let point = try benchExample(backend: "js-v8").first ?? [:]
        #expect(point["status"] as? String == "ok")
        let ref = (point["evidence"] as? [[String: Any]] ?? []).first { $0["name"] as? String == "js.plainReferenceMs" } ?? [:]
        #expect(ref["status"] as? String == "unavailable")
        #expect((ref["unavailableReason"] as? String ?? "").contains("does not cover this graph (path"), "\(ref)")
    }

    @Test func benchRefusesBadOptionsWithOneLine() throws {
        let cases: [([String], String)] = [
            (["bench", "--profile", "huge"], "unknown profile \"huge\""),
            (["bench", "--backend", "gpu"], "unknown --backend \"gpu\"; valid: portable, native-l1"),
            (["bench", "--ratios", "0"], "--ratios entry must be a number in (0, 1] (got 0)"),
            (["bench", "--steps", "x"], "--steps: \"x\" is not a whole number"),
            (["bench", "--ir", "/nonexistent/g.json"], "cannot read /nonexistent/g.json"),
        ]
        for (args, message) in cases {
            let r = try run(args, environment: ["CI": "1"])
            #expect(r.status == 2, "\(args)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            #expect(r.stderr.split(separator: "\n").count == 1, "\(args): \(r.stderr)")
        }
    }

    static var nodeOnPath: Bool {
        (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").contains {
            FileManager.default.isExecutableFile(atPath: "\($0)/node")
        }
    }

    func sha256sum(_ path: String) -> String? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["sha256sum", path]
        let out = Pipe()
        p.standardOutput = out
        guard (try? p.run()) != nil else { return nil }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        return text.split(separator: " ").first.map(String.init)
    }
}
