import ArgumentParser
import ConvergeEvidence
import ConvergeKernel
import Foundation

extension CompilePolicy: ExpressibleByArgument {}

/// `converge compile`: a converge-ir graph → an AOT artifact (docs/artifact.md).
struct CompileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compile",
        abstract: "Compile a converge-ir graph into an AOT artifact (tables, bytecode, state layout; docs/artifact.md).")

    @Argument(help: "The converge-ir JSON file (or use --converge-steps).")
    var ir: String?

    @Option(name: .shortAndLong, help: "The artifact file to write.")
    var output: String

    @Option(help: "Default compile policy of steps without a compile field: try | must")
    var policy: CompilePolicy = .try

    @Option(help: "Instead of a file, the converge workload with this many steps (d_i = b_i + 1).")
    var convergeSteps: Int?

    @Flag(help: "Leave out the names sections (path names, step outs).")
    var noNames = false

    @Flag(help: "Leave out the source IR (the artifact then cannot rebuild its graph: no runtime, bench or plan by name).")
    var noIR = false

    func run() throws {
        let graph: StaticIR
        switch (ir, convergeSteps) {
        case (let path?, nil): graph = try loadGraph(path)
        case (nil, let n?) where n > 0: graph = try StaticIR(Workload.converge(steps: n))
        default: throw ConvergeError(.invalidArgument, "give either an IR file or --converge-steps N (N > 0)")
        }
        let bytes = try Artifact.encode(graph, policy: policy, names: !noNames, ir: !noIR)
        do {
            try Data(bytes).write(to: URL(fileURLWithPath: output), options: .atomic)
        } catch {
            throw ConvergeError(.io, "cannot write \(output): \((error as NSError).localizedDescription)")
        }
        let artifact = try Artifact(bytes: bytes)
        CLIOutput.print("\(output): \(graph.stepCount) steps, \(graph.pathCount) paths, \(artifact.compiledSteps) compiled steps, \(bytes.count) bytes, sha256 \(Matrix.sha256Hex(Data(bytes)))")
    }
}

/// `converge bench-load`: how long loading an artifact takes (docs/artifact.md, "Load time").
struct BenchLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-load",
        abstract: "Time loading an AOT artifact: mmap + ck_artifact_open (every check, checksums), and the kernel made from it.")

    @Argument(help: "The artifact file.")
    var artifact: String

    @Option(help: "Repetitions (the median and the best are printed).")
    var runs: Int = 10

    @Flag(help: "Skip the kernel creation timing.")
    var openOnly = false

    func run() throws {
        guard runs > 0 else { throw ConvergeError(.invalidArgument, "--runs must be > 0") }
        var open: [Double] = [], kernel: [Double] = []
        var last: Artifact?
        for _ in 0..<runs {
            let t0 = DispatchTime.now().uptimeNanoseconds
            let a = try Artifact(contentsOf: artifact)
            let t1 = DispatchTime.now().uptimeNanoseconds
            open.append(Double(t1 - t0) / 1e6)
            if !openOnly {
                let t2 = DispatchTime.now().uptimeNanoseconds
                try a.validateKernel()
                kernel.append(Double(DispatchTime.now().uptimeNanoseconds - t2) / 1e6)
            }
            last = a
        }
        guard let a = last else { return }
        func stats(_ xs: [Double]) -> String {
            let s = xs.sorted()
            return String(format: "median %.2f ms, best %.2f ms", s[s.count / 2], s[0])
        }
        CLIOutput.print("\(artifact): \(a.stepCount) steps, \(a.pathCount) paths, \(a.compiledSteps) compiled steps, \(a.byteCount) bytes")
        CLIOutput.print("open (mmap + ck_artifact_open: header, checksums of every byte, layout, counts, table invariants): \(stats(open)) over \(runs) runs")
        if !kernel.isEmpty {
            CLIOutput.print("kernel (ck_kernel_create_from_artifact: tables + bytecode verified and copied, closures built): \(stats(kernel))")
        }
    }
}
