import ConvergeBench
import ConvergeKernel

/// Seeded random converge graphs for the differential tests: valid (acyclic, one writer per out)
/// and varied — nested prefix-heavy paths, bracket and digit forms, links and link chains,
/// deferred steps, wide fan-out, deep chains, diamonds, empty and duplicated deps, deps that
/// normalize to nothing — with both fewer and more than 32 steps (the algorithms differ there).
public enum GraphGenerator {
    /// The graph for a seed; the same seed gives the same graph everywhere.
    public static func random(seed: UInt64) -> ConvergeIR {
        var rng = SeededRNG(seed: seed)
        let sizeClass = rng.below(10)
        let n = sizeClass == 0 ? rng.below(6) : sizeClass < 5 ? 6 + rng.below(26) : 32 + rng.below(90)
        let shape = rng.below(5)  // 0 mixed, 1 chain, 2 fan-out, 3 diamonds, 4 prefix storm
        let tops = ["a", "b", "items", "user", "g\(rng.below(3))", "ab", "a1", "x"]
        let topCount = 1 + rng.below(shape == 4 ? 2 : tops.count)

        // base fields, some nested, some written in bracket / digit forms
        var fields: [String] = []
        for i in 0..<(1 + rng.below(8)) {
            let top = tops[rng.below(topCount)]
            switch rng.below(5) {
            case 0: fields.append(top)
            case 1: fields.append("\(top).f\(i)")
            case 2: fields.append("\(top)[].f\(i)")
            case 3: fields.append("\(top).\(rng.below(3)).f\(i)")
            default: fields.append("\(top).s\(rng.below(3)).f\(i)")
            }
        }
        if rng.chance(10) { fields.append(rng.pick(["", "*", "0", "a.*", "q[x]"])) }

        // steps in a topological order: deps only name fields and earlier outs
        var steps: [IRStep] = []
        var outs: [String] = []
        for i in 0..<n {
            let top = tops[rng.below(topCount)]
            let out: String
            switch rng.below(6) {
            case 0: out = "\(top)o\(i)"
            case 1: out = "\(top).o\(i)"
            case 2: out = "\(top).s\(rng.below(3)).o\(i)"
            case 3: out = "\(top)[].o\(i)"
            case 4: out = "o\(i)"
            default: out = "\(top).\(rng.below(2)).o\(i)"
            }
            var deps: [String] = []
            let depCount: Int = switch shape {
            case 1: 1
            case 2: 1
            case 3: 2
            default: rng.below(5)
            }
            for _ in 0..<depCount {
                let r = rng.below(100)
                if !outs.isEmpty && (shape == 1 || (shape == 3 && r < 70) || r < 45) {
                    // an earlier out, by its raw string (an edge); chains take the latest
                    deps.append(shape == 1 ? outs[outs.count - 1] : shape == 2 ? outs[0] : rng.pick(outs))
                } else if !outs.isEmpty && r < 55 {
                    // a prefix or extension of an earlier out (triggers, but no edge)
                    let o = rng.pick(outs)
                    let parts = o.split(separator: ".")
                    deps.append(rng.chance(50) && parts.count > 1 ? parts.dropLast().joined(separator: ".") : o + ".sub")
                } else if r < 90 {
                    deps.append(fields.isEmpty ? "a" : rng.pick(fields))
                } else {
                    deps.append(rng.pick(["", "*", "0", "x[*]", "\(tops[0])[2]", "\(tops[0]).3"]))
                }
            }
            if rng.chance(10), let d = deps.first { deps.append(d) }  // duplicated dep
            let scheduling: String? = rng.chance(15) ? "deferred" : (rng.chance(10) ? "immediate" : nil)
            if rng.chance(15) {
                let from = deps.first ?? (outs.isEmpty ? "a" : rng.pick(outs))
                steps.append(IRStep(kind: "link", out: out, from: from, scheduling: scheduling))
            } else {
                steps.append(IRStep(kind: "computed", out: out, deps: deps, scheduling: scheduling))
            }
            outs.append(out)
        }
        // declaration order usually differs from topo order
        if rng.chance(70) && steps.count > 1 {
            for i in stride(from: steps.count - 1, to: 0, by: -1) {
                steps.swapAt(i, rng.below(i + 1))
            }
        }
        return ConvergeIR(fields: fields, steps: steps)
    }

    /// Written paths for one transaction: mostly registry paths and their prefixes, sometimes
    /// bracket/digit forms, unknown paths, `*`, or nothing at all.
    public static func randomDirty(for ir: ConvergeIR, rng: inout SeededRNG) -> [String] {
        if rng.chance(8) { return [] }
        var candidates = ir.fields + ir.steps.map(\.out) + ir.steps.flatMap { $0.deps ?? [] }
        candidates = candidates.filter { !$0.isEmpty }
        if candidates.isEmpty { candidates = ["a"] }
        var dirty: [String] = []
        for _ in 0..<(1 + rng.below(5)) {
            let base = rng.pick(candidates)
            let first = String(base.split(separator: ".").first ?? Substring(base))
            switch rng.below(20) {
            case 0: dirty.append("zz\(rng.below(9))")                 // unknown: dirtyAll
            case 1: dirty.append(first + "[0]")
            case 2: dirty.append(first + "[")
            case 3: dirty.append(base + ".3")
            case 4: dirty.append(first + "[]")
            case 5 where rng.chance(30): dirty.append("*")
            case 6, 7: dirty.append(first)
            default: dirty.append(base)
            }
        }
        return dirty
    }

    /// `count` seeds from `first` split into `chunks` equal ranges: one test case per range.
    public static func seedChunks(_ count: Int, in chunks: Int, from first: UInt64 = 0) -> [Range<UInt64>] {
        precondition(count % chunks == 0, "\(count) seeds do not split into \(chunks) equal chunks")
        let size = UInt64(count / chunks)
        return (0..<UInt64(chunks)).map { first + $0 * size ..< first + ($0 + 1) * size }
    }

    /// One plan request of a differential test: a trial's random dirty paths, as paths and as the
    /// graph's dirty set, in one mode and scope.
    public struct PlanQuery {
        public let trial: Int
        public let dirty: [String]
        public let set: DirtySet
        public let mode: PlanMode
        public let scope: PlanScope
    }

    /// `trials` random dirty path lists for `ir` (drawn in turn from `SeededRNG(seed: rngSeed)`),
    /// each in every plan mode and scope.
    public static func planQueries(_ ir: ConvergeIR, _ graph: CompiledGraph, rngSeed: UInt64, trials: Int = 3) -> [PlanQuery] {
        var rng = SeededRNG(seed: rngSeed)
        return (0..<trials).flatMap { trial in
            let dirty = randomDirty(for: ir, rng: &rng)
            let set = graph.dirtySet(paths: dirty)
            return PlanMode.allCases.flatMap { mode in
                PlanScope.allCases.map { PlanQuery(trial: trial, dirty: dirty, set: set, mode: mode, scope: $0) }
            }
        }
    }

    /// The perf workload (`d_i = b_i + 1`), as the library builds it.
    public static func workload(steps n: Int) throws(ConvergeError) -> ConvergeIR { try Workload.converge(steps: n) }

    /// A large random DAG, as the library's benchmarks build it.
    public static func randomDAG(steps n: Int, seed: UInt64) throws(ConvergeError) -> ConvergeIR { try Workload.randomDAG(steps: n, seed: seed) }
}
