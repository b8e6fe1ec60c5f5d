import ArgumentParser
import ConvergeEvidence
import ConvergeFiles
import ConvergeKernel
import ConvergeWasm
import Foundation

/// `converge`: plan, inspect and benchmark converge graphs with ConvergeKernel.
struct Converge: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "converge",
        abstract: "ConvergeKernel: the native converge kernel (bench, diff, gate, plan, inspect, compile, bench-plan, bench-txn, bench-wasm, bench-load).",
        subcommands: [BenchCommand.self, DiffCommand.self, GateCommand.self, PlanCommand.self, InspectCommand.self, CompileCommand.self,
                      BenchPlanCommand.self, BenchTxnCommand.self, BenchWasmCommand.self, BenchLoadCommand.self])
}

/// Runs the CLI: bad input (a ConvergeError) is one line on stderr and exit code 2; usage errors
/// are one line too, also exit 2; --help / --version behave as usual.
@main
enum Main {
    static func main() {
        // Ctrl-C / SIGTERM: kill the node or clang process groups and remove node's job directory
        ChildProcess.installSignalCleanup()
        do {
            var command = try Converge.parseAsRoot()
            if let problem = SIMDImplementation.forceProblem {
                FileHandle.standardError.write(Data("converge: warning: \(problem); using \(SIMDImplementation.automatic.rawValue)\n".utf8))
            }
            try command.run()
        } catch let error as ConvergeError {
            CLIOutput.fail("\(error)")
        } catch let error as EvidenceError {
            CLIOutput.fail("\(error)")
        } catch {
            let code = Converge.exitCode(for: error)
            if code == .success {
                Converge.exit(withError: error) // --help, --version
            }
            let message = Converge.message(for: error).split(separator: "\n").first.map(String.init) ?? "invalid usage"
            CLIOutput.fail("invalid usage: \(message) (see converge --help)")
        }
    }
}

enum CLIOutput {
    /// Prints `converge: <line>` on stderr and exits with `status` (2: bad input).
    static func fail(_ line: String, status: Int32 = 2) -> Never {
        FileHandle.standardError.write(Data("converge: \(line)\n".utf8))
        exit(status)
    }

    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}

/// Reads and compiles a converge-ir file; errors are ConvergeErrors.
func loadGraph(_ path: String) throws(ConvergeError) -> StaticIR {
    try loadGraphAndBytes(path).graph
}

/// Reads and compiles a converge-ir file, also returning the file's bytes (one read).
func loadGraphAndBytes(_ path: String) throws(ConvergeError) -> (graph: StaticIR, bytes: Data) {
    let data: Data
    do { data = try Files.read(path) } catch { throw ConvergeError(.io, error.description) }
    return (try StaticIR(json: data), data)
}

/// Checks that the outputs can be written and are distinct files, before the work whose result
/// goes there (`flag`: the option's name, for messages).
/// - Throws: `io` naming the output and the cause; `invalidArgument` when two name one file.
func checkOutputs(_ outputs: [(flag: String, path: String)], createDirectories: Bool = false) throws(ConvergeError) {
    for (i, o) in outputs.enumerated() {
        do { try Files.checkWritable(o.path, createDirectories: createDirectories) } catch { throw ConvergeError(.io, error.description) }
        for p in outputs[..<i] where Files.sameFile(p.path, o.path) {
            throw ConvergeError(.invalidArgument, "\(p.flag) \(p.path) and \(o.flag) \(o.path) name the same file: one would overwrite the other")
        }
    }
}

/// Writes an output file (`Files.write`: through symlinks, in place for devices).
func writeOutput(_ data: Data, to path: String) throws(ConvergeError) {
    do { try Files.write(data, to: path) } catch { throw ConvergeError(.io, error.description) }
}

/// Reads and validates an AOT artifact (every check, the kernel's too) and rebuilds its graph from
/// the IR section, also returning the file's bytes (for their sha256).
func loadArtifactGraphAndBytes(_ path: String) throws(ConvergeError) -> (graph: StaticIR, bytes: Data) {
    let artifact = try Artifact(contentsOf: path)
    try artifact.validateKernel()
    let graph = try artifact.graph()
    return (graph, artifact.withUnsafeBytes { Data($0) })
}
