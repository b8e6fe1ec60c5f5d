// WorkloadOptions.swift — the options of the deep-dive benches that name their workloads: the
// converge workload's steps and ratios, the random DAG; declared and checked once.

import ArgumentParser
import ConvergeKernel

/// A deep-dive bench's default `--steps` of the converge workload (each command its own).
protocol ConvergeWorkloadDefaults {
    static var steps: String { get }
}

/// A deep-dive bench's default random DAG (each command its own).
protocol DAGDefaults {
    /// `--dag-steps` (0: no DAG).
    static var dagSteps: Int { get }
    /// `--dag-groups`.
    static var dagGroups: String { get }
}

/// The converge workload's grid: `--steps` and `--ratios` (bench-txn, bench-wasm).
struct ConvergeWorkloadOptions<D: ConvergeWorkloadDefaults>: ParsableArguments {
    @Option(parsing: .unconditional, help: "Step counts of the converge workload (comma-separated, each 1…8388608).")
    var steps = D.steps

    @Option(parsing: .unconditional, help: "dirtyRootsRatio values (comma-separated, in (0, 1]); dirtyRoots = max(1, ceil(steps * ratio)).")
    var ratios = "0.005,0.25,1"

    /// The step counts and ratios, checked.
    /// - Throws: a one-line `invalidArgument` / `tooLarge` naming the option and the entry.
    func checked() throws(ConvergeError) -> (steps: [Int], ratios: [Double]) {
        let stepList = try OptionCheck.intList("--steps", steps, limit: OptionCheck.maxWorkloadSteps, unit: "steps",
                                               why: "the converge workload has 2 field paths per step")
        return (stepList, try OptionCheck.doubleList("--ratios", ratios, .fraction))
    }
}

/// The random DAG: `--dag-steps`, `--dag-groups`, `--dag-dirty` (bench-plan, bench-wasm).
struct DAGOptions<D: DAGDefaults>: ParsableArguments {
    @Option(parsing: .unconditional, help: "Steps of the random DAG (0 skips it; at most 16777216).")
    var dagSteps = D.dagSteps

    @Option(parsing: .unconditional, help: "Top-level path segments (groups) of the random DAG, comma-separated, each 1…16777216: one DAG each (with 1000 the dirty set reaches every group; with 100000 or more it does not).")
    var dagGroups = D.dagGroups

    @Option(parsing: .unconditional, help: "Fraction of the DAG's registry paths marked dirty per plan, in (0, 1].")
    var dagDirty = 0.01

    /// The group counts, the other two options checked.
    /// - Throws: a one-line `invalidArgument` / `tooLarge` naming the option.
    func checkedGroups() throws(ConvergeError) -> [Int] {
        try OptionCheck.size("--dag-steps", dagSteps, minimum: 0, limit: CompiledGraph.maxSteps, unit: "steps")
        try OptionCheck.double("--dag-dirty", dagDirty, .fraction)
        return try OptionCheck.intList("--dag-groups", dagGroups, limit: CompiledGraph.maxPaths, unit: "groups")
    }
}
