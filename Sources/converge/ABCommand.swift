import ConvergeBench
import ArgumentParser
import ConvergeEvidence
import ConvergeFiles
import ConvergeKernel
import ConvergeWasm
import Foundation

/// `converge ab --before BIN --after BIN [bench options]`: two builds' benches interleaved in
/// small chunks on one machine, so that drift and load hit both sides alike; then both merged
/// reports, their diff and the gate's verdict (docs/perf-diff.md, "Interleaved A/B"). The method
/// (chunk order, merging, confirmation) is ``ABRun`` (ConvergeBench); this command runs each chunk
/// as a build's `converge bench` and writes and prints the outcome.
struct ABCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ab",
        abstract: "Run two builds' benches interleaved (chunk by chunk), then write both reports, their diff and the gate verdict.",
        discussion: """
            Each chunk is one (steps, convergeMode) of the grid, run by `BIN bench` of one build and then of the other, in \
            the order ABBA ABBA… so that a linear drift cancels. Each build's chunks are merged into one report \
            (OUT/before.json, OUT/after.json); OUT/diff.json is their diff, and the last line the gate's. A regression or \
            improvement is then confirmed: the chunks of its step count are run again (each in the other order) and replace the first ones, \
            round after round (at most --confirm) until every call of the new diff was also a call of the one before; \
            a call that stands was made by the last two measurements of its level, one the last round made alone is \
            dropped and counted in summary.unconfirmed. This is how to check for a regression on a shared, noisy \
            machine. Both builds must have `converge bench` with --steps, --modes, --out, --no-progress, --no-bandwidth \
            and the grid options given (the bandwidth probe is left out of A/B runs). \
            Exit status: 0 the gate passes, 1 it fails, 2 bad input or a build that failed.
            """)

    @Option(help: "The converge executable of the before build.")
    var before: String

    @Option(help: "The converge executable of the after build.")
    var after: String

    @Option(help: "The folder for before.json, after.json, diff.json and the chunk reports (created; default out/ab).")
    var out: String = "out/ab"

    /// The grid, passed to both builds' benches (steps and modes chunk by chunk).
    @OptionGroup var grid: GridOptions

    @Option(help: "Confirmation rounds: a regression or improvement is re-measured (its step count, every mode, the builds in the other order) until a round calls it again; at most this many rounds (0: none).")
    var confirm: Int = 2

    @Option(help: "Longest a chunk may run, in seconds.")
    var chunkTimeout: Double = 1800

    func run() throws {
        guard (0...10).contains(confirm) else {
            throw ConvergeError(.invalidArgument, "--confirm \(confirm) is out of range (0 to 10 rounds)")
        }
        let binaries = try [("--before", before), ("--after", after)].map { flag, path throws(ConvergeError) -> URL in
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ConvergeError(.invalidArgument, "\(flag) \(CLIOutput.escaped(path)) is not an executable file (give a build's converge, e.g. .build/release/converge)")
            }
            return URL(fileURLWithPath: path).standardizedFileURL
        }
        let m = try Matrix.embedded(grid.matrixName)
        guard let suite = m.suite("converge.txnCommit") else { throw EvidenceError(.invalidReport, "the matrix has no converge.txnCommit suite") }
        _ = try grid.backends()
        _ = try grid.ratioList(suite.axes.dirtyRootsRatio)
        let stepList = try grid.stepList() ?? suite.axes.steps
        let modeList = try grid.modeList(suite.axes.convergeMode).map(\.rawValue)

        let chunkDir = (out as NSString).appendingPathComponent("chunks")
        do {
            try FileManager.default.createDirectory(atPath: chunkDir, withIntermediateDirectories: true)
        } catch {
            throw ConvergeError(.io, "cannot create \(CLIOutput.escaped(chunkDir)): \(error.localizedDescription)")
        }
        let shared = ["--no-progress", "--no-bandwidth"] + grid.benchArguments

        let ab = ABRun(steps: stepList, modes: modeList, confirm: confirm)
        let start = DispatchTime.now().uptimeNanoseconds
        let beforeFile = (out as NSString).appendingPathComponent("before.json")
        let afterFile = (out as NSString).appendingPathComponent("after.json")
        let diffFile = (out as NSString).appendingPathComponent("diff.json")
        let outcome = try ab.run(files: (beforeFile, afterFile), runChunk: { job in
            let label = job.side.label
            let file = (chunkDir as NSString).appendingPathComponent("\(label)-\(job.index + 1)\(job.round == 0 ? "" : "-confirm\(job.round)").json")
            let args = ["bench"] + shared + ["--steps", String(job.chunk.steps), "--modes", job.chunk.mode, "--out", file]
            note("\(job.round == 0 ? "" : "confirmation \(job.round): ")chunk \(job.ordinal)/\(job.ofRound) steps=\(job.chunk.steps) \(job.chunk.mode): \(label)")
            let r: ChildProcess.Result
            do {
                r = try ChildProcess.run(binaries[job.side.rawValue], args, timeout: chunkTimeout)
            } catch {
                throw ConvergeError(.io, "the \(label) build could not run: \(error)")
            }
            guard r.succeeded else {
                let text = String(decoding: r.stderr, as: UTF8.self)
                let why = text.split(separator: "\n").last.map(String.init) ?? "\(r.termination)"
                throw ConvergeError(.invalidArgument, "the \(label) build's bench failed on chunk steps=\(job.chunk.steps) \(job.chunk.mode): \(CLIOutput.escaped(why))")
            }
            return file
        }, note: note)
        try EvidenceJSON.write(outcome.before, to: beforeFile)
        try EvidenceJSON.write(outcome.after, to: afterFile)
        let verdict: GateVerdict
        var unconfirmed = 0
        switch outcome.diff {
        case .success(let diff):
            unconfirmed = diff.summary.unconfirmed ?? 0
            try EvidenceJSON.write(diff, to: diffFile)
            for t in diff.suites.flatMap({ $0.thresholdDeltas ?? [] }) { CLIOutput.print(t.message) }
            for n in diff.suites.compactMap(\.notes) { CLIOutput.print("notes: \(n)") }
            verdict = diff.gate
        case .failure(let error):
            verdict = .notComparable(error)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9
        CLIOutput.print("ab: \(ab.chunks.count) chunks × 2 builds, \(outcome.rounds) confirmation round(s)\(unconfirmed > 0 ? " (\(unconfirmed) call(s) not reproduced, not counted)" : ""), in \(Int(seconds.rounded())) s; reports \(CLIOutput.escaped(beforeFile)), \(CLIOutput.escaped(afterFile)); diff \(CLIOutput.escaped(diffFile))")
        CLIOutput.print(verdict.line)
        if !verdict.pass { Foundation.exit(1) }
    }

    private func note(_ line: String) {
        FileHandle.standardError.write(Data("converge ab: \(CLIOutput.escaped(line))\n".utf8))
    }
}
