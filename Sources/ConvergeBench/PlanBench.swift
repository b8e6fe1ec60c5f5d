// PlanBench.swift — `converge bench-plan`'s measurement: the planners alone (no transaction) on
// the converge workload and on large random DAGs.

import ConvergeKernel
import Foundation

/// Times plan calls of the native kernel, each forced SIMD implementation and the portable
/// planner, into one reused buffer (``RoundTiming``), for issue A's targets: the converge workload
/// at n = 2000 (10 dirty roots and full), native vs portable at 25 % dirty, and ns per
/// trigger-index entry on large random DAGs.
public enum PlanBench {
    /// What to measure.
    public struct Config: Sendable {
        /// Step counts of the native-vs-portable comparison at 25 % dirty.
        public var ratioSteps = [20_000, 100_000]
        /// The random DAGs' step count (0: none) and dirty fraction, one DAG per group count.
        public var dagSteps = 1_000_000
        public var dagDirty = 0.01
        public var dagGroups = [1000, 125_000]
        /// Timed rounds per measurement (after a warm-up round).
        public var rounds = 15
        /// Each round's length (at least).
        public var roundNs: UInt64 = 20_000_000

        public init() {}
    }

    /// One measurement: a planner on one dirty set and mode.
    public struct Row: Sendable {
        /// The workload, the planner and the plan mode.
        public let name, backend, mode: String
        /// ns per plan.
        public let medianNs, minNs: Double
        /// The plan's steps, and the trigger-index entries the planner read.
        public let planLength, indexEntries: Int
    }

    /// The rows, in the order measured, and a line per finding (ratios, strategies, DAG sizes).
    public struct Report: Sendable {
        public var rows: [Row] = []
        public var notes: [String] = []
    }

    public static func run(_ c: Config) throws -> Report {
        var report = Report()
        let simd = SIMDImplementation.automatic.rawValue
        func measure(_ name: String, _ planner: any ConvergePlanner, _ backend: String, _ dirty: DirtySet, _ mode: PlanMode) throws -> Row {
            let buffer = PlanBuffer(for: planner.graph)
            let t = try RoundTiming.measure(rounds: c.rounds, roundNs: c.roundNs) {
                try planner.plan(dirty, mode: mode, scope: .all, into: buffer)
            }
            let row = Row(name: name, backend: backend, mode: mode.rawValue, medianNs: t.medianNs, minNs: t.minNs,
                          planLength: buffer.count, indexEntries: buffer.counters.indexEntries)
            report.rows.append(row)
            return row
        }

        // 1. the converge workload at n = 2000: k = 10 dirty and full
        let w2000 = try CompiledGraph(Workload.converge(steps: 2000))
        let native2000 = try NativeKernel(w2000)
        let k10 = w2000.dirtySet(paths: try Workload.convergeDirty(roots: 10))
        for (planner, name) in [(native2000 as any ConvergePlanner, "native"), (PortablePlanner(w2000), "portable")] {
            _ = try measure("workload n=2000 k=10 dirty", planner, name, k10, .dirty)
            _ = try measure("workload n=2000 full", planner, name, k10, .full)
        }
        report.notes.append("n=2000 native closure strategy: \(native2000.info.strategy.rawValue), simd \(simd)")

        // 2. native vs portable at 25% dirty, and each SIMD implementation forced
        for n in c.ratioSteps {
            let g = try CompiledGraph(Workload.converge(steps: n))
            let d = g.dirtySet(paths: try Workload.convergeDirty(roots: n / 4))
            let native = try NativeKernel(g)
            let nr = try measure("workload n=\(n) 25% dirty", native, "native", d, .dirty)
            let pr = try measure("workload n=\(n) 25% dirty", PortablePlanner(g), "portable", d, .dirty)
            report.notes.append(String(format: "n=%d 25%% dirty: portable/native = %.2fx (native %@)", n, pr.medianNs / nr.medianNs, native.info.strategy.rawValue))
            for impl in SIMDImplementation.available {
                let forced = try NativeKernel(g, options: NativeOptions(implementation: impl))
                _ = try measure("workload n=\(n) 25% dirty", forced, "native-\(impl.rawValue)", d, .dirty)
            }
        }

        // 3. the large random DAG: ns per trigger-index entry, bytes per step
        for groups in c.dagGroups where c.dagSteps > 0 {
            let t0 = ContinuousClock.now
            let dag = try CompiledGraph(Workload.randomDAG(steps: c.dagSteps, seed: 42, groups: groups))
            let compile = ContinuousClock.now - t0
            let native = try NativeKernel(dag)
            let d = dag.dirtySet(paths: try Workload.randomDirty(dag, fraction: c.dagDirty, seed: 7))
            let name = "DAG n=\(c.dagSteps) g=\(groups) \(c.dagDirty * 100)% dirty"
            let r = try measure(name, native, "native", d, .dirty)
            let p = try measure(name, PortablePlanner(dag), "portable", d, .dirty)
            let perEntry = r.medianNs / Double(max(1, r.indexEntries))
            let bytesPerStep = Double(native.info.arenaBytes) / Double(c.dagSteps)
            report.notes.append(String(format: "DAG g=%d: %d paths, %d groups, %d trigger entries; %d dirty roots reached %d steps via %d entries: %.2f ns/entry; portable/native = %.2fx",
                                       groups, dag.pathCount, native.info.groupCount, native.info.triggerEntries, d.rootIds.count,
                                       r.planLength, r.indexEntries, perEntry, p.medianNs / r.medianNs))
            report.notes.append(String(format: "DAG g=%d: kernel memory %.1f bytes/step (strategy %@; closure budget %d bytes)",
                                       groups, bytesPerStep, native.info.strategy.rawValue, max(8 << 20, 64 * c.dagSteps)))
            report.notes.append("DAG g=\(groups): compiled in \(compile)")
        }
        return report
    }
}
