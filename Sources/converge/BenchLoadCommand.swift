import ArgumentParser
import ConvergeBench
import ConvergeKernel
import Foundation

/// `converge bench-load`: how long loading an artifact takes (docs/artifact.md, "Load time"): the
/// options, ``LoadBench`` (ConvergeBench) to measure, then the medians.
struct BenchLoadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-load",
        abstract: "Time loading an AOT artifact: read + ck_artifact_open (every check, checksums), and the kernel made from it.")

    @Argument(help: "The artifact file.")
    var artifact: String

    @Option(parsing: .unconditional, help: "Repetitions (the median and the best are printed; 1…100000).")
    var runs: Int = 10

    @Flag(help: "Skip the kernel creation timing.")
    var openOnly = false

    func run() throws {
        try OptionCheck.int("--runs", runs, in: 1...OptionCheck.maxRepetitions)
        let r = try LoadBench.run(artifact, repetitions: runs, kernel: !openOnly)
        let a = r.artifact, open = r.openMs, kernel = r.kernelMs
        func stats(_ xs: [Double]) -> String {
            let s = xs.sorted()
            return String(format: "median %.2f ms, best %.2f ms", s[s.count / 2], s[0])
        }
        CLIOutput.print("\(CLIOutput.escaped(artifact)): \(a.stepCount) steps, \(a.pathCount) paths, \(a.compiledSteps) compiled steps, \(a.byteCount) bytes")
        CLIOutput.print("open (read + ck_artifact_open: header, checksums of every byte, layout, counts, table invariants): \(stats(open)) over \(runs) runs")
        if !kernel.isEmpty {
            CLIOutput.print("kernel (ck_kernel_create_from_artifact: tables + bytecode verified and copied, closures built): \(stats(kernel))")
        }
    }
}
