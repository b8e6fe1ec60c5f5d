import ArgumentParser
import ConvergeEvidence
import ConvergeFiles
import ConvergeKernel
import Foundation

/// `converge html REPORT [--diff DIFF] -o PAGE`: renders an existing perf report (ours or
/// Logix's), and optionally a diff that ends in it, as the self-contained HTML page
/// (docs/perf-html.md) — the page `converge bench --html` writes, for any report after the fact.
/// Exit 0: page written; 2: an unreadable file, a file that is not a report or a diff, or an
/// output that would overwrite an input.
struct HTMLCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "html",
        abstract: "Render a perf report (ours or Logix's), and optionally a diff ending in it, as one self-contained HTML page.",
        discussion: "Exit status: 0 page written, 2 bad input (an unreadable file, not a perf report or diff, an output naming an input).")

    @Argument(help: "The perf report (JSON).")
    var report: String

    @Option(help: "A perf diff (converge diff's JSON, or Logix's) shown above the plots: its gate verdict, threshold, metric and evidence deltas.")
    var diff: String?

    @Option(name: [.customShort("o"), .long], help: "The HTML file to write.")
    var out: String

    @Option(help: "The page's title (default: converge bench — <matrixId>).")
    var title: String?

    func run() throws {
        try checkOutputs([("--out", out)])
        for input in [report] + [diff].compactMap({ $0 }) where Files.sameFile(out, input) {
            throw ConvergeError(.invalidArgument, "--out \(out) is the input \(input): it would be overwritten")
        }
        let r = try PerfReport.read(report)
        let d = try diff.map { path throws(EvidenceError) in try PerfDiff.read(path) }
        try writeOutput(Data(HTMLReport.render(r, title: title, diff: d).utf8), to: out)
        CLIOutput.print("html: \(CLIOutput.escaped(out))" + (d.map { " (\($0.gate.line))" } ?? ""))
    }
}
