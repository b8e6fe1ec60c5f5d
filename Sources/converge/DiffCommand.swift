import ArgumentParser
import ConvergeEvidence
import ConvergeFiles
import ConvergeKernel
import Foundation

/// `converge diff BEFORE AFTER`: the perf diff of two reports (docs/perf-diff.md).
/// Exit 0: diff written; 1: not comparable without the allow flags (nothing written);
/// 2: a file is unreadable or not a perf report.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Diff two perf reports (ours or Logix's): comparability, threshold deltas, evidence and metric deltas.",
        discussion: "Exit status: 0 diff written, 1 not comparable (add --allow-config-drift / --allow-env-drift for a triage-only diff), 2 bad input.")

    @OptionGroup var pair: ReportPair

    @Option(help: "Write the diff JSON to this file (and a summary on stderr) instead of stdout.")
    var out: String?

    func run() throws {
        if let out {
            try checkOutputs([("--out", out)])
            for input in [pair.before, pair.after] where Files.sameFile(out, input) {
                throw ConvergeError(.invalidArgument, "--out \(out) is the input report \(input): it would be overwritten")
            }
        }
        let diff: PerfDiff
        do {
            diff = try pair.diff()
        } catch {
            // Not comparable: exit 1; unreadable or invalid input: exit 2 (Main).
            if error.code == .notComparable { CLIOutput.fail("\(error)", status: 1) }
            throw error
        }
        if let out {
            try EvidenceJSON.write(diff, to: out)
            FileHandle.standardError.write(Data((TerminalText.escaped(diffSummary(diff) + " Wrote \(out).") + "\n").utf8))
        } else {
            FileHandle.standardOutput.write(try diff.encoded())
        }
    }
}

/// One paragraph: comparability, counts, the threshold deltas' messages, notes (print it escaped:
/// the messages carry names from the reports).
func diffSummary(_ diff: PerfDiff) -> String {
    let c = diff.meta.comparability
    func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
    var s = "converge diff: " + (c.comparable ? "comparable" : "NOT comparable (triage only: "
        + (c.configMismatches + c.envMismatches).joined(separator: "; ") + ")")
    s += "; \(count(diff.summary.regressions, "regression")), \(count(diff.summary.improvements, "improvement"))."
    if !diff.summary.isComplete { s += " Incomplete: \(diff.gate.incomplete ?? "")." }
    let deltas = diff.suites.flatMap { $0.thresholdDeltas ?? [] }
    if !deltas.isEmpty { s += " " + deltas.map(\.message).joined(separator: "; ") + "." }
    let evidence = diff.suites.reduce(0) { $0 + ($1.evidenceDeltas?.count ?? 0) }
    if evidence > 0 { s += " \(count(evidence, "evidence delta"))." }
    let notes = diff.suites.compactMap { s in s.notes.map { "\(s.id): \($0)" } }
    if !notes.isEmpty { s += " Notes: " + notes.joined(separator: "; ") + "." }
    if !c.warnings.isEmpty { s += " Warnings: " + c.warnings.joined(separator: ", ") + "." }
    return s
}

/// The two reports and the drift flags `diff` and `gate` share.
struct ReportPair: ParsableArguments {
    @Argument(help: "The before report (JSON).")
    var before: String

    @Argument(help: "The after report (JSON).")
    var after: String

    @Flag(help: "Diff even when matrix, steps grid or runs/warmupDiscard/timeoutMs differ (comparable: false; a gate then fails).")
    var allowConfigDrift = false

    @Flag(help: "Diff even when os, arch or browser differ (comparable: false; a gate then fails).")
    var allowEnvDrift = false

    func diff() throws(EvidenceError) -> PerfDiff {
        try PerfDiff.diff(beforeFile: before, afterFile: after, allowConfigDrift: allowConfigDrift, allowEnvDrift: allowEnvDrift)
    }
}
