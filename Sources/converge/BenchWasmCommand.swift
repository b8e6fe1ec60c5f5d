import ConvergeBench
import ArgumentParser
import ConvergeKernel
import ConvergeWasm
import Foundation

extension NodeHost.Tiering: ExpressibleByArgument {}

/// `converge bench-wasm`: issue C's evidence. Plan-only time of the same kernel as native code,
/// as wasm32 (SIMD128 and scalar) in V8, as wasm in WasmKit, and of the pure-JS kernel in V8, on
/// the converge workload and a large random DAG; then the workload's transactions in V8 at L0
/// (JS), L1 (wasm plans) and L2 (wasm executes). Per point: boundary calls and bytes per
/// plan/transaction, linear-memory pages, SIMD on/off. Ratios come from one run. The options,
/// ``WasmBench`` (ConvergeBench) to measure, then the tables or JSON.
struct BenchWasmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-wasm",
        abstract: "Time CKernel native vs wasm (V8, WasmKit) vs the pure-JS kernel, with boundary evidence.")

    /// The defaults are ``WasmBench/Config``'s.
    enum Defaults: ConvergeWorkloadDefaults, DAGDefaults {
        static let steps = OptionCheck.commaSeparated(WasmBench.Config().steps)
        static let dagSteps = WasmBench.Config().dagSteps
        static let dagGroups = OptionCheck.commaSeparated(WasmBench.Config().dagGroups)
    }

    @OptionGroup var workload: ConvergeWorkloadOptions<Defaults>
    @OptionGroup var dag: DAGOptions<Defaults>

    @Option(parsing: .unconditional, help: "Rounds per measurement, 1…100000 (median and min reported).")
    var rounds = WasmBench.Config().rounds

    @Option(parsing: .unconditional, help: "Milliseconds per round (at least), in (0, 60000].")
    var roundMs = WasmBench.Config().roundMs

    @Option(parsing: .unconditional, help: "Rounds for WasmKit (an interpreter: slow), 0…100000; 0 skips it.")
    var wasmkitRounds = WasmBench.Config().wasmKitRounds

    @Option(parsing: .unconditional, help: "Step counts of the V8 transaction table (comma-separated, each 0…8388608; 0 skips it).")
    var txnSteps = OptionCheck.commaSeparated(WasmBench.Config().txnSteps)

    @Option(help: "V8's wasm tiering: optimized (node --no-liftoff: TurboFan code from the start, the steady state) | default (Liftoff, then tier-up)")
    var v8Tiering = WasmBench.Config().tiering

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let (stepList, ratioList) = try workload.checked()
        let groupList = try dag.checkedGroups()
        try OptionCheck.int("--rounds", rounds, in: 1...OptionCheck.maxRepetitions)
        try OptionCheck.double("--round-ms", roundMs, .positive(max: 60_000))
        try OptionCheck.int("--wasmkit-rounds", wasmkitRounds, in: 0...OptionCheck.maxRepetitions)
        let txnStepList = try OptionCheck.intList("--txn-steps", txnSteps, minimum: 0, limit: OptionCheck.maxWorkloadSteps, unit: "steps",
                                                  why: "the converge workload has 2 field paths per step")
        var config = WasmBench.Config()
        (config.steps, config.ratios, config.txnSteps) = (stepList, ratioList, txnStepList)
        (config.dagSteps, config.dagDirty, config.dagGroups) = (dag.dagSteps, dag.dagDirty, groupList)
        (config.rounds, config.roundMs, config.wasmKitRounds, config.tiering) = (rounds, roundMs, wasmkitRounds, v8Tiering)
        let report = try WasmBench.run(config)
        if json { CLIOutput.print(jsonText(report)) } else { printTables(report) }
    }

    func jsonText(_ report: WasmBench.Report) -> String {
        let plans: [JSONValue] = report.plans.map { row in
            var m: [(String, JSONValue)] = [("name", .string(row.name)), ("strategy", .string(row.strategy)),
                                            ("planLength", .int(row.native.planLength)), ("native", row.native.json)]
            if let w = row.wasmKit { m.append(("wasm-wasmkit", w.json)) }
            for b in Backend.v8PlanBackends {
                guard let t = row.v8[b] else { continue }
                m.append((b.planName ?? b.name, .object([("medianNs", .double(t.medianNs)), ("minNs", .double(t.minNs))]
                    + t.fields.sorted { $0.key < $1.key }.filter { !$0.key.contains("Ns") }.map { ($0.key, .double($0.value)) })))
            }
            return .object(m)
        }
        let txn: [JSONValue] = report.transactions.map { row in
            let t = row.timing
            return .object([("name", .string(row.name)), ("level", .string(row.level.hostLevel ?? row.level.name)), ("medianNs", .double(t.medianNs)),
                            ("minNs", .double(t.minNs))]
                + t.fields.sorted { $0.key < $1.key }.filter { $0.key.hasSuffix("PerTxn") || $0.key == "memoryPages" }.map { ($0.key, .double($0.value)) })
        }
        var top: [(String, JSONValue)] = [("node", .string(report.nodeVersion)), ("v8Tiering", .string(v8Tiering.rawValue)),
                                          ("simd", .string(SIMDImplementation.automatic.rawValue)), ("wasm", .string(report.wasmDirectory)),
                                          ("plans", .array(plans)), ("transactions", .array(txn))]
        if let skipped = report.v8Skipped { top.append(("v8Skipped", .string(skipped))) }
        return JSONValue.object(top).text
    }

    func printTables(_ report: WasmBench.Report) {
        CLIOutput.print("plan-only time, ns per plan (median of \(rounds) rounds of >= \(roundMs) ms; min in brackets); native simd \(SIMDImplementation.automatic.rawValue), node \(report.nodeVersion), V8 wasm tiering \(v8Tiering.rawValue)")
        CLIOutput.print("wasm builds: \(CLIOutput.escaped(report.wasmDirectory))")
        if let skipped = report.v8Skipped { CLIOutput.print("V8 backends skipped: \(CLIOutput.escaped(skipped))") }
        for row in report.plans {
            let n = row.native
            CLIOutput.print("\(row.name)  [plan \(n.planLength) steps, strategy \(row.strategy)]")
            CLIOutput.print(String(format: "  %@ %12.1f  (%10.1f)", "native".padded(16), n.medianNs, n.minNs))
            for b in Backend.v8PlanBackends {
                guard let t = row.v8[b] else { continue }
                let calls = t.fields["callsPerPlan"] ?? .nan, bin = t.fields["bytesInPerPlan"] ?? .nan
                let bout = t.fields["bytesOutPerPlan"] ?? .nan, pages = t.fields["memoryPages"] ?? 0
                CLIOutput.print(String(format: "  %@ %12.1f  (%10.1f)  %5.2fx native  calls/plan %.0f  bytes in %.0f out %.0f%@",
                                       (b.planName ?? b.name).padded(16), t.medianNs, t.minNs, t.medianNs / n.medianNs, calls, bin, bout,
                                       b == .jsV8 ? "" : String(format: "  pages %.0f  simd %@", pages, b == .wasm(.v8, .l1) ? "on" : "off")))
            }
            if let w = row.wasmKit {
                CLIOutput.print(String(format: "  %@ %12.1f  (%10.1f)  %5.1fx native  calls/plan %.0f  bytes in %.0f out %.0f  pages %d",
                                       "wasm-wasmkit".padded(16), w.medianNs, w.minNs, w.medianNs / n.medianNs, w.callsPerPlan, w.bytesInPerPlan, w.bytesOutPerPlan, w.memoryPages))
            }
            if let simd = row.v8[.wasm(.v8, .l1)], let scalar = row.v8[.wasm(.v8, .l1, .scalar)], let js = row.v8[.jsV8] {
                CLIOutput.print(String(format: "  → wasm-v8 simd/native %.2fx (by min %.2fx); scalar/simd %.2fx (%.2fx); js/wasm-simd %.2fx (%.2fx): %@",
                                       simd.medianNs / n.medianNs, simd.minNs / n.minNs, scalar.medianNs / simd.medianNs, scalar.minNs / simd.minNs,
                                       js.medianNs / simd.medianNs, js.minNs / simd.minNs,
                                       !(js.medianNs.isFinite && simd.medianNs.isFinite && js.medianNs > 0 && simd.medianNs > 0)
                                           ? "no verdict (a median is not a positive number)"
                                           : js.medianNs < simd.medianNs ? "JS wins" : "WASM wins"))
            }
        }
        if !report.transactions.isEmpty {
            CLIOutput.print("\ntransactions in V8 (converge workload, dirty mode; ns per transaction incl. the reducer's writes)")
            for row in report.transactions {
                let t = row.timing
                CLIOutput.print(String(format: "  %@ %@ %12.1f  (%10.1f)  calls/txn %.2f  host callbacks/txn %.2f  bytes in %.0f out %.0f",
                                       row.name.padded(30), (row.level.hostLevel ?? row.level.name).padded(15), t.medianNs, t.minNs, t.fields["callsPerTxn"] ?? .nan,
                                       t.fields["hostCallsPerTxn"] ?? .nan, t.fields["bytesInPerTxn"] ?? .nan, t.fields["bytesOutPerTxn"] ?? .nan))
            }
        }
    }
}

extension WasmBench.Timing {
    var json: JSONValue {
        .object([("medianNs", .double(medianNs)), ("minNs", .double(minNs)), ("callsPerPlan", .double(callsPerPlan)),
                 ("bytesInPerPlan", .double(bytesInPerPlan)), ("bytesOutPerPlan", .double(bytesOutPerPlan)), ("memoryPages", .int(memoryPages))])
    }
}
