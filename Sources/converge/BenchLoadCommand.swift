import ArgumentParser
import ConvergeKernel
import Foundation

/// `converge bench-load`: how long loading an artifact takes (docs/artifact.md, "Load time").
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
        CLIOutput.print("\(CLIOutput.escaped(artifact)): \(a.stepCount) steps, \(a.pathCount) paths, \(a.compiledSteps) compiled steps, \(a.byteCount) bytes")
        CLIOutput.print("open (read + ck_artifact_open: header, checksums of every byte, layout, counts, table invariants): \(stats(open)) over \(runs) runs")
        if !kernel.isEmpty {
            CLIOutput.print("kernel (ck_kernel_create_from_artifact: tables + bytecode verified and copied, closures built): \(stats(kernel))")
        }
    }
}
