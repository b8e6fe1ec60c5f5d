import ArgumentParser
import ConvergeEvidence
import Foundation

/// `converge gate BEFORE AFTER` or `converge gate --node BEFORE AFTER --browser BEFORE AFTER`:
/// pass iff every pair is comparable, its comparison complete (no suite, point or metric in one
/// report only) and no threshold slice regressed (docs/perf-diff.md, "When the gate fails").
/// One pair: one line on stdout. Two sides: a verdict line per side, the WASM-vs-JS verdicts of
/// each after report, and an overall line. Exit 0 pass, 1 fail, 2 bad input.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Pass/fail on two perf reports (or a Node pair and a Browser pair): comparable, complete and no maxLevel regression.",
        discussion: """
            converge gate BEFORE AFTER, or converge gate --node BEFORE AFTER --browser BEFORE AFTER (either side alone \
            works too): the --node pair must be node or native runs, the --browser pair chromium runs (meta.env.browser). \
            Exit status: 0 pass, 1 fail (a regression, a suite, point or metric in one report only, or not comparable), \
            2 bad input (an unreadable file, or a report with invalid values: docs/perf-report.md). The allow flags let a drifted \
            pair be diffed, but such a pair never passes.
            """)

    @Argument(help: "BEFORE AFTER: the one-pair form.")
    var reports: [String] = []

    @Option(name: .customLong("node"), parsing: .upToNextOption, help: ArgumentHelp("The Node side's before and after reports.", valueName: "before> <after"))
    var node: [String] = []

    @Option(name: .customLong("browser"), parsing: .upToNextOption, help: ArgumentHelp("The Browser side's before and after reports.", valueName: "before> <after"))
    var browser: [String] = []

    @Flag(help: "Diff even when matrix, steps grid or runs/warmupDiscard/timeoutMs differ (comparable: false; the gate then fails).")
    var allowConfigDrift = false

    @Flag(help: "Diff even when os, arch or browser differ (comparable: false; the gate then fails).")
    var allowEnvDrift = false

    func validate() throws {
        let sided = !node.isEmpty || !browser.isEmpty
        if sided {
            guard reports.isEmpty else {
                throw ValidationError("give either BEFORE AFTER or --node/--browser pairs, not both")
            }
            for (flag, pair) in [("--node", node), ("--browser", browser)] where !pair.isEmpty && pair.count != 2 {
                throw ValidationError("\(flag) takes two reports (BEFORE AFTER), got \(pair.count)")
            }
        } else if reports.count != 2 {
            throw ValidationError("give two reports (BEFORE AFTER), or --node BEFORE AFTER --browser BEFORE AFTER")
        }
    }

    func run() throws {
        guard !node.isEmpty || !browser.isEmpty else {
            let verdict: GateVerdict
            do {
                verdict = try PerfDiff.diff(beforeFile: reports[0], afterFile: reports[1], allowConfigDrift: allowConfigDrift,
                                            allowEnvDrift: allowEnvDrift).gate
            } catch {
                guard error.code == .notComparable else { throw error }
                verdict = .notComparable(error)
            }
            CLIOutput.print(verdict.line)
            if !verdict.pass { Foundation.exit(1) }
            return
        }
        var sides: [GateSide] = []
        for (kind, pair) in [(GateSide.Kind.node, node), (.browser, browser)] where !pair.isEmpty {
            sides.append(try GateSide.evaluate(kind, beforeFile: pair[0], afterFile: pair[1], allowConfigDrift: allowConfigDrift,
                                               allowEnvDrift: allowEnvDrift))
        }
        let gate = SidedGate(sides: sides)
        for line in gate.lines { CLIOutput.print(line) }
        if !gate.pass { Foundation.exit(1) }
    }
}
