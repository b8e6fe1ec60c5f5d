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

    @OptionGroup var pair: ReportPair

    func run() throws {
        let verdict: GateVerdict
        do {
            verdict = try pair.diff().gate
        } catch {
            guard error.code == .notComparable else { throw error }
            verdict = .notComparable(error)
        }
        CLIOutput.print(verdict.line)
        if !verdict.pass { Foundation.exit(1) }
    }
}
