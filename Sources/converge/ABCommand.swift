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
            (OUT/before.json, OUT/after.json); OUT/diff.json is their diff, and the last line the gate's. This is how to check \
            for a regression on a shared, noisy machine. Both builds must have `converge bench` with --steps, --modes, --out, \
            --no-progress and --no-bandwidth (the bandwidth probe is left out of A/B runs). \
            Exit status: 0 the gate passes, 1 it fails, 2 bad input or a build that failed.
            """)

    @Option(help: "The converge executable of the before build.")
    var before: String

    @Option(help: "The converge executable of the after build.")
    var after: String

    @Option(help: "The folder for before.json, after.json, diff.json and the chunk reports (created; default out/ab).")
    var out: String = "out/ab"

    @Option(help: "Profile: smoke, quick, default, soak (passed to both benches).")
    var profile: String?

    @Option(help: "The matrix: v2 (default) or v1 (passed to both benches).")
    var matrix: String?

    @Option(name: .customLong("backend"), help: ArgumentHelp("Kernel backend (repeatable; passed to both benches).", valueName: "backend"))
    var backendNames: [String] = []

    @Option(parsing: .unconditional, help: "Step counts (comma-separated) instead of the matrix's.")
    var steps: String?

    @Option(parsing: .unconditional, help: "dirtyRootsRatio values (comma-separated) instead of the matrix's.")
    var ratios: String?

    @Option(help: "convergeModes (comma-separated) instead of the matrix's.")
    var modes: String?

    @Option(help: "The Chromium of the chromium backends (passed to both benches).")
    var chromium: String?

    @Option(help: "Longest a chunk may run, in seconds.")
    var chunkTimeout: Double = 1800

    func run() throws {
        let binaries = try [("--before", before), ("--after", after)].map { flag, path throws(ConvergeError) -> URL in
            guard FileManager.default.isExecutableFile(atPath: path) else {
                throw ConvergeError(.invalidArgument, "\(flag) \(CLIOutput.escaped(path)) is not an executable file (give a build's converge, e.g. .build/release/converge)")
            }
            return URL(fileURLWithPath: path).standardizedFileURL
        }
        let m = try Matrix.embedded(matrix ?? Matrix.defaultName)
        guard let suite = m.suite("converge.txnCommit") else { throw EvidenceError(.invalidReport, "the matrix has no converge.txnCommit suite") }
        let stepList = try steps.map { s throws(ConvergeError) in
            try OptionCheck.intList("--steps", s, limit: OptionCheck.maxWorkloadSteps, unit: "steps", why: "the converge workload has 2 field paths per step")
        } ?? suite.axes.steps
        let modeList = try modes.map { s throws(ConvergeError) -> [String] in
            let items = s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            for i in items where !["full", "dirty", "auto"].contains(i) {
                throw ConvergeError(.invalidArgument, "bad convergeMode \(ConvergeError.quoted(i))")
            }
            return items
        } ?? suite.axes.convergeMode

        let chunkDir = (out as NSString).appendingPathComponent("chunks")
        do {
            try FileManager.default.createDirectory(atPath: chunkDir, withIntermediateDirectories: true)
        } catch {
            throw ConvergeError(.io, "cannot create \(CLIOutput.escaped(chunkDir)): \(error.localizedDescription)")
        }
        var shared: [String] = ["--no-progress", "--no-bandwidth"]
        if let profile { shared += ["--profile", profile] }
        if let matrix { shared += ["--matrix", matrix] }
        for b in backendNames { shared += ["--backend", b] }
        if let ratios { shared += ["--ratios", ratios] }
        if let chromium { shared += ["--chromium", chromium] }

        var chunks: [(steps: Int, mode: String)] = []
        for s in stepList { for mode in modeList { chunks.append((s, mode)) } }
        var files: [[String]] = [[], []]
        let start = DispatchTime.now().uptimeNanoseconds
        for (i, chunk) in chunks.enumerated() {
            // ABBA: even chunks before first, odd chunks after first
            for side in i % 2 == 0 ? [0, 1] : [1, 0] {
                let label = side == 0 ? "before" : "after"
                let file = (chunkDir as NSString).appendingPathComponent("\(label)-\(i + 1).json")
                let args = ["bench"] + shared + ["--steps", String(chunk.steps), "--modes", chunk.mode, "--out", file]
                note("chunk \(i + 1)/\(chunks.count) steps=\(chunk.steps) \(chunk.mode): \(label)")
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
                files[side].append(file)
            }
        }
        var reports: [PerfReport] = []
        for side in 0..<2 {
            let parts = try files[side].map { f throws(EvidenceError) in try PerfReport.read(f) }
            reports.append(try PerfReport.merging(parts, files: files[side]))
        }
        let beforeFile = (out as NSString).appendingPathComponent("before.json")
        let afterFile = (out as NSString).appendingPathComponent("after.json")
        let diffFile = (out as NSString).appendingPathComponent("diff.json")
        try EvidenceJSON.write(reports[0], to: beforeFile)
        try EvidenceJSON.write(reports[1], to: afterFile)
        let verdict: GateVerdict
        do {
            let diff = try PerfDiff.diff(before: reports[0], beforeFile: beforeFile, after: reports[1], afterFile: afterFile)
            try EvidenceJSON.write(diff, to: diffFile)
            for t in diff.suites.flatMap({ $0.thresholdDeltas ?? [] }) { CLIOutput.print(t.message) }
            for n in diff.suites.compactMap(\.notes) { CLIOutput.print("notes: \(n)") }
            verdict = diff.gate
        } catch {
            guard error.code == .notComparable else { throw error }
            verdict = .notComparable(error)
        }
        let seconds = Double(DispatchTime.now().uptimeNanoseconds &- start) / 1e9
        CLIOutput.print("ab: \(chunks.count) chunks × 2 builds in \(Int(seconds.rounded())) s; reports \(CLIOutput.escaped(beforeFile)), \(CLIOutput.escaped(afterFile)); diff \(CLIOutput.escaped(diffFile))")
        CLIOutput.print(verdict.line)
        if !verdict.pass { Foundation.exit(1) }
    }

    private func note(_ line: String) {
        FileHandle.standardError.write(Data("converge ab: \(CLIOutput.escaped(line))\n".utf8))
    }
}
