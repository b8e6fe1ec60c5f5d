import ArgumentParser
import ConvergeKernel

/// `converge inspect`: the registry, the topological order and the kernel's facts.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "Show a graph's field-path registry, topological order and kernel facts.")

    @Option(help: "The converge-ir JSON file.")
    var ir: String

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let graph = try loadGraph(ir)
        let native = try NativeKernel(graph)
        let topo = (0..<graph.stepCount).map { graph.out(ofStep: $0) }
        let info = native.info
        if json {
            let members: [(String, JSONValue)] = [
                ("fieldPaths", .array(graph.fieldPaths.map { .string($0) })),
                ("topo", .array(topo.map { .string($0) })),
                ("steps", .int(graph.stepCount)),
                ("edges", .int(graph.edgeCount)),
                ("simd", .string(info.implementation.rawValue)),
                ("strategy", .string(info.strategy.rawValue)),
                ("groups", .int(info.groupCount)),
                ("kernelBytes", .int(info.arenaBytes)),
                ("numa", .bool(info.numa)),
            ]
            CLIOutput.print(JSONValue.object(members).text)
        } else {
            CLIOutput.print("\(graph.pathCount) field paths, \(graph.stepCount) steps, \(graph.edgeCount) edges")
            CLIOutput.print("kernel: simd \(info.implementation.rawValue), closure \(info.strategy.rawValue), \(info.groupCount) groups, \(info.arenaBytes) bytes\(info.numa ? " (libnuma, local node)" : "")")
            // one write per ~1 MB, not per line (a million-step graph has 3 million lines)
            var chunk = "field paths (id order):"
            func line(_ text: String) {
                if chunk.utf8.count > 1 << 20 { CLIOutput.print(chunk); chunk = "" } else { chunk += "\n" }
                chunk += text
            }
            for (id, p) in graph.fieldPaths.enumerated() { line("  \(id)\t\(CLIOutput.escaped(p))") }
            line("topological order (step id, out):")
            for (id, out) in topo.enumerated() { line("  \(id)\t\(CLIOutput.escaped(out))") }
            CLIOutput.print(chunk)
        }
    }
}
