import ConvergeBench
import ArgumentParser
import ConvergeKernel
import Foundation

extension ExecutionLevel: ExpressibleByArgument {}
extension ConvergeMode: ExpressibleByArgument {}
extension DiagnosticsLevel: ExpressibleByArgument {}

/// `converge bench-txn`: txnCommit (writes + converge + commit) on the converge workload, per
/// execution level, mode and diagnostics level, with the ratios issue B asks for: the options,
/// ``TxnBench`` (ConvergeBench) to measure, then the table or JSON.
struct BenchTxnCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-txn",
        abstract: "Time transactions (writes + converge + commit) on the converge workload.")

    enum Defaults: ConvergeWorkloadDefaults {
        static let steps = "200,2000"
    }

    @OptionGroup var workload: ConvergeWorkloadOptions<Defaults>

    @Option(help: "Execution levels (comma-separated): l0, l1, l2.")
    var levels = "l0,l1,l2"

    @Option(help: "Modes (comma-separated): full, dirty, auto.")
    var modes = "full,dirty,auto"

    @Option(help: "Diagnostics levels (comma-separated): off, light, sampled, full.")
    var diagnostics = "off,light"

    @Option(parsing: .unconditional, help: "Samples (timed rounds of at least 2 ms) per point, 1…100000; the median, p95 and minimum are reported.")
    var samples = 15

    @Option(parsing: .unconditional, help: "Rounds (1…samples): every point is sampled once per round, round-robin, to spread machine noise.")
    var rounds = 3

    @Flag(help: "Use link steps (d_i = link(b_i)) instead of computed ones: what the kernel runs without the host.")
    var links = false

    @Option(parsing: .unconditional, help: "Independent runtime instances per point, 1…64 (replica 2+ measure instance-to-instance variance: memory layout, noise).")
    var replicas = 1

    @Option(parsing: .unconditional, help: "Run exactly this many transactions per point and print no timings (for instruction counting under valgrind --tool=callgrind).")
    var fixedTransactions: Int?

    @Option(parsing: .unconditional, help: "Writes of each root per transaction, 1…64 (with --fixed-transactions: the cost of a repeated write; the dirty set and the plan stay the same).")
    var writesPerRoot = 1

    @Flag(help: "Print JSON.")
    var json = false

    typealias Point = TxnBench.Point

    func run() throws {
        func list<T>(_ s: String, _ parse: (String) -> T?, _ what: String) throws -> [T] {
            try s.split(separator: ",").map { part in
                guard let v = parse(String(part)) else { throw ConvergeError(.invalidArgument, "bad \(what) \(ConvergeError.quoted(part))") }
                return v
            }
        }
        let (stepList, ratioList) = try workload.checked()
        try OptionCheck.int("--samples", samples, in: 1...OptionCheck.maxRepetitions)
        try OptionCheck.int("--rounds", rounds, in: 1...samples)
        try OptionCheck.int("--replicas", replicas, in: 1...64)
        if let count = fixedTransactions { try OptionCheck.int("--fixed-transactions", count, in: 0...Int.max) }
        try OptionCheck.int("--writes-per-root", writesPerRoot, in: 1...64)
        let levelList = try list(levels, ExecutionLevel.init(rawValue:), "level")
        let modeList = try list(modes, ConvergeMode.init(rawValue:), "mode")
        let diagList = try list(diagnostics, DiagnosticsLevel.init(rawValue:), "diagnostics level")

        let points = TxnBench.grid(steps: stepList, ratios: ratioList, levels: levelList, modes: modeList,
                                   diagnostics: diagList, replicas: replicas)
        let shape = TxnBench.Workload(links: links, writesPerRoot: writesPerRoot)
        if let count = fixedTransactions {
            try TxnBench.run(points, transactions: count, workload: shape)
            CLIOutput.print("ran \(count) transactions at each of \(points.count) point(s)")
            return
        }
        let results = try TxnBench.measure(points, samples: samples, rounds: rounds, workload: shape)
        func stats(_ p: Point) -> (median: Double, p95: Double, min: Double) { (results[p] ?? TxnBench.Result()).stats }

        var rows: [JSONValue] = []
        var lines: [String] = []
        for p in points {
            let st = stats(p)
            let fullShare = results[p]?.executedFullShare ?? 0
            var members: [(String, JSONValue)] = [
                ("steps", .int(p.steps)), ("dirtyRootsRatio", .double(p.ratio)), ("dirtyRoots", .int(p.dirtyRoots)),
                ("level", .string(p.level.rawValue)), ("mode", .string(p.mode.rawValue)),
                ("diagnostics", .string(p.diagnostics.rawValue)),
                ("medianNs", .double(st.median)), ("p95Ns", .double(st.p95)), ("minNs", .double(st.min)),
                ("executedFullShare", .double(fullShare)),
            ]
            var evidence = ""
            if let s = results[p]?.summary {
                members += [("executedMode", .string(s.executedMode?.rawValue ?? "none")),
                            ("reasons", .array(s.reasons.codes.map { .string($0) })),
                            ("executedSteps", .int(s.executedSteps)), ("boundaryCalls", .int(s.boundaryCalls)),
                            ("hostCallbacks", .int(s.hostCallbacks)), ("bytesIn", .int(s.bytesIn)), ("bytesOut", .int(s.bytesOut)),
                            ("decisionNs", .int(Int(s.decisionNs)))]
                evidence = "  \(s.executedMode?.rawValue ?? "none") [\(s.reasons)] steps \(s.executedSteps) calls \(s.boundaryCalls) callbacks \(s.hostCallbacks)"
            }
            rows.append(.object(members))
            lines.append((p.replica > 0 ? "  [replica \(p.replica)]" : "") + String(format: "  n=%-5d ratio=%-6g %@ %@ %@ median %10.1f ns  p95 %10.1f ns", p.steps, p.ratio,
                                p.level.rawValue, p.mode.rawValue.padded(5), p.diagnostics.rawValue.padded(6), st.median, st.p95)
                         + (p.mode == .auto ? String(format: "  full %.0f%%", 100 * fullShare) : "") + evidence)
        }

        // ratios
        var ratioLines: [String] = []
        var ratioRows: [JSONValue] = []
        func add(_ name: String, _ num: Point, _ den: Point) {
            guard results[num] != nil, results[den] != nil else { return }
            let r = stats(num).median / stats(den).median
            let rmin = stats(num).min / stats(den).min
            ratioRows.append(.object([("name", .string(name)), ("steps", .int(num.steps)), ("ratio", .double(num.ratio)),
                                      ("value", .double(r)), ("valueOfMinimums", .double(rmin))]))
            ratioLines.append(String(format: "  %@ n=%-5d dirty=%-6g %.3f (of minimums %.3f)", name.padded(44), num.steps, num.ratio, r, rmin))
        }
        for s in stepList { for r in ratioList { for d in diagList {
            for l in levelList {
                let auto = Point(steps: s, ratio: r, level: l, mode: .auto, diagnostics: d)
                let full = Point(steps: s, ratio: r, level: l, mode: .full, diagnostics: d)
                let dirty = Point(steps: s, ratio: r, level: l, mode: .dirty, diagnostics: d)
                if let af = results[full]?.samplesNs, let ad = results[dirty]?.samplesNs, !af.isEmpty, !ad.isEmpty {
                    let best = stats(full).median <= stats(dirty).median ? full : dirty
                    add("\(l.rawValue) \(d.rawValue) auto / best(full, dirty)", auto, best)
                    let bestMin = stats(full).min <= stats(dirty).min ? full : dirty
                    add("\(l.rawValue) \(d.rawValue) auto / best(full, dirty) by minimum", auto, bestMin)
                }
            }
            for m in modeList {
                add("l2/l1 \(m.rawValue) \(d.rawValue)", Point(steps: s, ratio: r, level: .l2, mode: m, diagnostics: d),
                    Point(steps: s, ratio: r, level: .l1, mode: m, diagnostics: d))
                add("l1/l0 \(m.rawValue) \(d.rawValue)", Point(steps: s, ratio: r, level: .l1, mode: m, diagnostics: d),
                    Point(steps: s, ratio: r, level: .l0, mode: m, diagnostics: d))
            }
        } } }
        for s in stepList { for r in ratioList { for l in levelList { for m in modeList {
            for d in diagList where d != .off {
                add("\(l.rawValue) \(m.rawValue) \(d.rawValue) / off", Point(steps: s, ratio: r, level: l, mode: m, diagnostics: d),
                    Point(steps: s, ratio: r, level: l, mode: m, diagnostics: .off))
            }
        } } } }

        if json {
            CLIOutput.print(JSONValue.object([("simd", .string(SIMDImplementation.automatic.rawValue)), ("links", .bool(links)),
                                              ("points", .array(rows)), ("ratios", .array(ratioRows))]).text)
        } else {
            CLIOutput.print("txnCommit benchmarks (converge workload\(links ? " with links" : ""); simd \(SIMDImplementation.automatic.rawValue); ns per transaction, \(samples) samples per point in \(rounds) rounds)")
            lines.forEach(CLIOutput.print)
            CLIOutput.print("ratios of medians (same run):")
            ratioLines.forEach(CLIOutput.print)
        }
    }
}
