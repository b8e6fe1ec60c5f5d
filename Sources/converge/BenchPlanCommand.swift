import ConvergeBench
import ArgumentParser
import ConvergeKernel
import Foundation

/// `converge bench-plan`: planner microbenchmarks for issue A's performance targets. Ratios are
/// measured in one run; absolute times drift on a shared machine (see README).
struct BenchPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-plan",
        abstract: "Time the planners on the converge workload and on a large random DAG.")

    enum Defaults: DAGDefaults {
        static let dagSteps = 1_000_000
        static let dagGroups = "1000,125000"
    }

    @OptionGroup var dag: DAGOptions<Defaults>

    @Option(parsing: .unconditional, help: "Step counts for the native-vs-portable ratio at 25% dirty (comma-separated, each 4…8388608).")
    var ratioSteps = "20000,100000"

    @Option(parsing: .unconditional, help: "Rounds of at least 20 ms per measurement, after a warm-up round, 1…100000 (the median round is reported).")
    var batches = 15

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let groupList = try dag.checkedGroups()
        let (dagSteps, dagDirty) = (dag.dagSteps, dag.dagDirty)
        let ratioStepList = try OptionCheck.intList("--ratio-steps", ratioSteps, minimum: 4, limit: OptionCheck.maxWorkloadSteps, unit: "steps",
                                                    why: "the converge workload has 2 field paths per step")
        try OptionCheck.int("--batches", batches, in: 1...OptionCheck.maxRepetitions)
        var rows: [Row] = []
        var notes: [String] = []
        let simd = SIMDImplementation.automatic.rawValue

        // 1. the converge workload at n = 2000: k = 10 dirty and full
        let w2000 = try CompiledGraph(Workload.converge(steps: 2000))
        let native2000 = try NativeKernel(w2000)
        let portable2000 = PortablePlanner(w2000)
        let k10 = w2000.dirtySet(paths: try Workload.convergeDirty(roots: 10))
        for (planner, name) in [(native2000 as any ConvergePlanner, "native"), (portable2000, "portable")] {
            rows.append(try measure("workload n=2000 k=10 dirty", planner, name, k10, .dirty))
            rows.append(try measure("workload n=2000 full", planner, name, k10, .full))
        }
        notes.append("n=2000 native closure strategy: \(native2000.info.strategy.rawValue), simd \(simd)")

        // 2. native vs portable at 25% dirty
        for n in ratioStepList {
            let g = try CompiledGraph(Workload.converge(steps: n))
            let d = g.dirtySet(paths: try Workload.convergeDirty(roots: n / 4))
            let native = try NativeKernel(g)
            let nr = try measure("workload n=\(n) 25% dirty", native, "native", d, .dirty)
            let pr = try measure("workload n=\(n) 25% dirty", PortablePlanner(g), "portable", d, .dirty)
            rows.append(nr)
            rows.append(pr)
            notes.append(String(format: "n=%d 25%% dirty: portable/native = %.2fx (native %@)", n, pr.medianNs / nr.medianNs, native.info.strategy.rawValue))
            for impl in SIMDImplementation.available {
                let forced = try NativeKernel(g, options: NativeOptions(implementation: impl))
                rows.append(try measure("workload n=\(n) 25% dirty", forced, "native-\(impl.rawValue)", d, .dirty))
            }
        }

        // 3. the large random DAG: ns per trigger-index entry, bytes per step
        for groups in groupList where dagSteps > 0 {
            let t0 = ContinuousClock.now
            let dag = try CompiledGraph(Workload.randomDAG(steps: dagSteps, seed: 42, groups: groups))
            let compile = ContinuousClock.now - t0
            let native = try NativeKernel(dag)
            let d = dag.dirtySet(paths: try Workload.randomDirty(dag, fraction: dagDirty, seed: 7))
            let name = "DAG n=\(dagSteps) g=\(groups) \(dagDirty * 100)% dirty"
            let r = try measure(name, native, "native", d, .dirty)
            let p = try measure(name, PortablePlanner(dag), "portable", d, .dirty)
            rows.append(r)
            rows.append(p)
            let perEntry = r.medianNs / Double(max(1, r.indexEntries))
            let bytesPerStep = Double(native.info.arenaBytes) / Double(dagSteps)
            notes.append(String(format: "DAG g=%d: %d paths, %d groups, %d trigger entries; %d dirty roots reached %d steps via %d entries: %.2f ns/entry; portable/native = %.2fx", groups, dag.pathCount, native.info.groupCount, native.info.triggerEntries, d.rootIds.count, r.planLength, r.indexEntries, perEntry, p.medianNs / r.medianNs))
            notes.append(String(format: "DAG g=%d: kernel memory %.1f bytes/step (strategy %@; closure budget %d bytes)", groups, bytesPerStep, native.info.strategy.rawValue, max(8 << 20, 64 * dagSteps)))
            notes.append("DAG g=\(groups): compiled in \(compile)")
        }

        if json {
            let value = JSONValue.object([
                ("simd", .string(simd)),
                ("rows", .array(rows.map(\.json))),
                ("notes", .array(notes.map { .string($0) })),
            ])
            CLIOutput.print(value.text)
        } else {
            CLIOutput.print("planner benchmarks (simd \(simd); median of \(batches) rounds of >= 20 ms; ns per plan)")
            for r in rows {
                CLIOutput.print(String(format: "  %-36@ %-16@ %-6@ median %10.1f ns  min %10.1f ns  plan %7d  entries %8d", r.name as NSString, r.backend as NSString, r.mode as NSString, r.medianNs, r.minNs, r.planLength, r.indexEntries))
            }
            for n in notes { CLIOutput.print("- " + n) }
        }
    }

    struct Row {
        let name: String
        let backend: String
        let mode: String
        let medianNs: Double
        let minNs: Double
        let planLength: Int
        let indexEntries: Int

        var json: JSONValue {
            .object([("name", .string(name)), ("backend", .string(backend)), ("mode", .string(mode)),
                     ("medianNs", .double(medianNs)), ("minNs", .double(minNs)),
                     ("planLength", .int(planLength)), ("indexEntries", .int(indexEntries))])
        }
    }

    /// Times `planner.plan` into one reused buffer with ``RoundTiming``: a warm-up round, then
    /// `batches` rounds of at least 20 ms each; the median and the minimum per-plan time.
    func measure(_ name: String, _ planner: any ConvergePlanner, _ backend: String, _ dirty: DirtySet, _ mode: PlanMode) throws -> Row {
        let buffer = PlanBuffer(for: planner.graph)
        let t = try RoundTiming.measure(rounds: batches, roundNs: 20_000_000) {
            try planner.plan(dirty, mode: mode, scope: .all, into: buffer)
        }
        return Row(name: name, backend: backend, mode: mode.rawValue, medianNs: t.medianNs, minNs: t.minNs,
                   planLength: buffer.count, indexEntries: buffer.counters.indexEntries)
    }
}
