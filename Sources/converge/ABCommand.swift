import ArgumentParser
import ConvergeEvidence
import ConvergeFiles
import ConvergeKernel
import ConvergeWasm
import Foundation

/// `converge ab --before BIN --after BIN [bench options]`: two builds' benches interleaved in
/// small chunks on one machine, so that drift and load hit both sides alike; then both merged
/// reports, their diff and the gate's verdict (docs/perf-diff.md, "Interleaved A/B").
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

        var chunks: [(steps: Int, mode: String)] = []
        for s in stepList { for mode in modeList { chunks.append((s, mode)) } }
        // the latest report of each chunk, per build (a confirmation round replaces some)
        var files: [[String?]] = [Array(repeating: nil, count: chunks.count), Array(repeating: nil, count: chunks.count)]
        let start = DispatchTime.now().uptimeNanoseconds

        /// Runs `indices` of the chunks, ABBA, into round `round`'s files.
        func runChunks(_ indices: [Int], round: Int) throws {
            for (k, i) in indices.enumerated() {
                let chunk = chunks[i]
                // ABBA: even chunks before first, odd chunks after first; each re-measure of a
                // chunk swaps its order, so an advantage of running first or second cannot
                // make the same call twice
                for side in (i + round) % 2 == 0 ? [0, 1] : [1, 0] {
                    let label = side == 0 ? "before" : "after"
                    let file = (chunkDir as NSString).appendingPathComponent("\(label)-\(i + 1)\(round == 0 ? "" : "-confirm\(round)").json")
                    let args = ["bench"] + shared + ["--steps", String(chunk.steps), "--modes", chunk.mode, "--out", file]
                    note("\(round == 0 ? "" : "confirmation \(round): ")chunk \(k + 1)/\(indices.count) steps=\(chunk.steps) \(chunk.mode): \(label)")
                    let r: ChildProcess.Result
                    do {
                        r = try ChildProcess.run(binaries[side], args, timeout: chunkTimeout)
                    } catch {
                        throw ConvergeError(.io, "the \(label) build could not run: \(error)")
                    }
                    guard r.succeeded else {
                        let text = String(decoding: r.stderr, as: UTF8.self)
                        let why = text.split(separator: "\n").last.map(String.init) ?? "\(r.termination)"
                        throw ConvergeError(.invalidArgument, "the \(label) build's bench failed on chunk steps=\(chunk.steps) \(chunk.mode): \(CLIOutput.escaped(why))")
                    }
                    files[side][i] = file
                }
            }
        }

        let beforeFile = (out as NSString).appendingPathComponent("before.json")
        let afterFile = (out as NSString).appendingPathComponent("after.json")
        let diffFile = (out as NSString).appendingPathComponent("diff.json")
        /// Both builds' merged reports and their diff (nil when they are not comparable).
        func merged() throws -> ([PerfReport], Result<PerfDiff, EvidenceError>) {
            var reports: [PerfReport] = []
            for side in 0..<2 {
                let names = files[side].compactMap { $0 }
                let parts = try names.map { f throws(EvidenceError) in try PerfReport.read(f) }
                reports.append(try PerfReport.merging(parts, files: names))
            }
            do {
                return (reports, .success(try PerfDiff.diff(before: reports[0], beforeFile: beforeFile, after: reports[1], afterFile: afterFile)))
            } catch {
                guard error.code == .notComparable else { throw error }
                return (reports, .failure(error))
            }
        }

        try runChunks(Array(chunks.indices), round: 0)
        var (reports, result) = try merged()
        // confirmation: a call stands only when a re-measure of its level calls it again
        let levels = stepList.map { ParamValue.number(Double($0)) }
        var previous: Set<DiffCall>?
        var rounds = 0
        while rounds < confirm, case .success(let diff) = result {
            let calls = Confirmation.calls(diff, primaryLevels: levels)
            let fresh = calls.filter { previous?.contains($0.key) != true }
            let redo = Set(fresh.values.compactMap { $0 })
            let indices = chunks.indices.filter { redo.contains(.number(Double(chunks[$0].steps))) }
            if indices.isEmpty {
                // nothing new, or nothing that can be re-measured: what stands stays
                previous = previous?.union(fresh.keys)
                break
            }
            rounds += 1
            note("confirmation \(rounds): \(fresh.count) call(s) not yet reproduced (\(fresh.keys.map(\.description).sorted().joined(separator: "; "))); re-measuring steps \(redo.map(\.description).sorted().joined(separator: ","))")
            try runChunks(indices, round: rounds)
            previous = Set(calls.keys)
            (reports, result) = try merged()
        }
        // a call stands when the last two measurements of its level both made it
        if let previous, case .success(let diff) = result {
            result = .success(Confirmation.keeping(diff, reproduced: previous, primaryLevels: levels))
        }
        try EvidenceJSON.write(reports[0], to: beforeFile)
        try EvidenceJSON.write(reports[1], to: afterFile)
        let verdict: GateVerdict
        var unconfirmed = 0
        switch result {
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
        CLIOutput.print("ab: \(chunks.count) chunks × 2 builds, \(rounds) confirmation round(s)\(unconfirmed > 0 ? " (\(unconfirmed) call(s) not reproduced, not counted)" : ""), in \(Int(seconds.rounded())) s; reports \(CLIOutput.escaped(beforeFile)), \(CLIOutput.escaped(afterFile)); diff \(CLIOutput.escaped(diffFile))")
        CLIOutput.print(verdict.line)
        if !verdict.pass { Foundation.exit(1) }
    }

    private func note(_ line: String) {
        FileHandle.standardError.write(Data("converge ab: \(CLIOutput.escaped(line))\n".utf8))
    }
}
