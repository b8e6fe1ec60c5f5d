import ArgumentParser
import ConvergeEvidence
import Foundation

/// `converge gate BEFORE AFTER`: pass iff the reports are comparable and no threshold slice
/// regressed. One line on stdout; exit 0 pass, 1 fail, 2 bad input.
struct GateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gate",
        abstract: "Pass/fail on two perf reports: comparable and no maxLevel regression.",
        discussion: "Exit status: 0 pass, 1 fail (a regression, or not comparable), 2 bad input. The allow flags let a drifted pair be diffed, but such a pair never passes.")

    @Argument(help: "The before report (JSON).")
    var before: String

    @Argument(help: "The after report (JSON).")
    var after: String

    @Flag(help: "Diff despite config drift (the gate still fails: not comparable).")
    var allowConfigDrift = false

    @Flag(help: "Diff despite env drift (the gate still fails: not comparable).")
    var allowEnvDrift = false

    func run() throws {
        let verdict: GateVerdict
        do {
            verdict = try PerfDiff.diff(beforeFile: before, afterFile: after, allowConfigDrift: allowConfigDrift,
                                        allowEnvDrift: allowEnvDrift).gate
        } catch {
            guard error.code == .notComparable else { throw error }
            verdict = .notComparable(error)
        }
        CLIOutput.print(verdict.line)
        if !verdict.pass { Foundation.exit(1) }
    }
}
