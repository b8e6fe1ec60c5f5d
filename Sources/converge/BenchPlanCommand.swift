import ConvergeBench
import ArgumentParser
import ConvergeKernel
import Foundation

/// `converge bench-plan`: planner microbenchmarks for issue A's performance targets: the options,
/// ``PlanBench`` (ConvergeBench) to measure, then the table or JSON. Ratios are measured in one
/// run; absolute times drift on a shared machine (see README).
struct BenchPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-plan",
        abstract: "Time the planners on the converge workload and on a large random DAG.")

    /// The defaults are ``PlanBench/Config``'s.
    enum Defaults: DAGDefaults {
        static let dagSteps = PlanBench.Config().dagSteps
        static let dagGroups = OptionCheck.commaSeparated(PlanBench.Config().dagGroups)
    }

    @OptionGroup var dag: DAGOptions<Defaults>

    @Option(parsing: .unconditional, help: "Step counts for the native-vs-portable ratio at 25% dirty (comma-separated, each 4…8388608).")
    var ratioSteps = OptionCheck.commaSeparated(PlanBench.Config().ratioSteps)

    @Option(parsing: .unconditional, help: "Rounds of at least 20 ms per measurement, after a warm-up round, 1…100000 (the median round is reported).")
    var batches = PlanBench.Config().rounds

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let groupList = try dag.checkedGroups()
        let ratioStepList = try OptionCheck.intList("--ratio-steps", ratioSteps, minimum: 4, limit: OptionCheck.maxWorkloadSteps, unit: "steps",
                                                    why: "the converge workload has 2 field paths per step")
        try OptionCheck.int("--batches", batches, in: 1...OptionCheck.maxRepetitions)
        var config = PlanBench.Config()
        (config.ratioSteps, config.dagSteps, config.dagDirty, config.dagGroups) = (ratioStepList, dag.dagSteps, dag.dagDirty, groupList)
        config.rounds = batches
        let report = try PlanBench.run(config)
        let simd = SIMDImplementation.automatic.rawValue
        if json {
            let value = JSONValue.object([
                ("simd", .string(simd)),
                ("rows", .array(report.rows.map(\.json))),
                ("notes", .array(report.notes.map { .string($0) })),
            ])
            CLIOutput.print(value.text)
        } else {
            CLIOutput.print("planner benchmarks (simd \(simd); median of \(batches) rounds of >= 20 ms; ns per plan)")
            for r in report.rows {
                CLIOutput.print(String(format: "  %@ %@ %@ median %10.1f ns  min %10.1f ns  plan %7d  entries %8d", r.name.padded(36), r.backend.padded(16), r.mode.padded(6), r.medianNs, r.minNs, r.planLength, r.indexEntries))
            }
            for n in report.notes { CLIOutput.print("- " + n) }
        }
    }
}

extension PlanBench.Row {
    var json: JSONValue {
        .object([("name", .string(name)), ("backend", .string(backend)), ("mode", .string(mode)),
                 ("medianNs", .double(medianNs)), ("minNs", .double(minNs)),
                 ("planLength", .int(planLength)), ("indexEntries", .int(indexEntries))])
    }
}
