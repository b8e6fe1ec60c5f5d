import ConvergeBench
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

    @Option(parsing: .unconditional, help: "Instead of a file, the converge workload with this many steps (d_i = b_i + 1; at most 8388608).")
    var convergeSteps: Int?

    @Flag(help: "Leave out the names sections (path names, step outs).")
    var noNames = false

    @Flag(help: "Leave out the source IR (the artifact then cannot rebuild its graph: no runtime, bench or plan by name).")
    var noIR = false

    @Flag(help: "Leave out the state layout (level l4 then refuses the file; l1–l3 do not use it).")
    var noLayout = false

    func run() throws {
        try checkOutputs([("-o", output)])
        let graph: CompiledGraph
        switch (ir, convergeSteps) {
        case (let path?, nil): graph = try loadGraph(path)
        case (nil, let n?):
            try OptionCheck.size("--converge-steps", n, limit: OptionCheck.maxWorkloadSteps, unit: "steps",
                                 why: "the converge workload has 2 field paths per step; \(CompiledGraph.maxPaths) paths at most")
            graph = try CompiledGraph(Workload.converge(steps: n))
        default: throw ConvergeError(.invalidArgument, "give either an IR file or --converge-steps N (N > 0)")
        }
        let bytes = try Artifact.encode(graph, policy: policy, names: !noNames, ir: !noIR, layout: !noLayout)
        try writeOutput(Data(bytes), to: output)
        let artifact = try Artifact(bytes: bytes)
        CLIOutput.print("\(CLIOutput.escaped(output)): \(graph.stepCount) steps, \(graph.pathCount) paths, \(artifact.compiledSteps) compiled steps, \(artifact.hasLayout ? "a state layout, " : "")\(bytes.count) bytes, sha256 \(Matrix.sha256Hex(Data(bytes)))")
    }
}
