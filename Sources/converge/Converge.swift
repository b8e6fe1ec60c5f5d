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
        subcommands: [BenchCommand.self, ABCommand.self, DiffCommand.self, GateCommand.self, HTMLCommand.self, PlanCommand.self, InspectCommand.self, CompileCommand.self,
                      BenchPlanCommand.self, BenchTxnCommand.self, BenchWasmCommand.self, BenchLoadCommand.self])
}

/// Runs the CLI: bad input (a ConvergeError or an EvidenceError) is one line on stderr,
/// `converge: <words>: <message>`, and exit code 2; usage errors are one line too (`invalid
/// usage`), also exit 2; --help / --version behave as usual. The words are one vocabulary
/// (docs/errors.md).
@main
enum Main {
    static func main() {
        // Ctrl-C / SIGTERM: kill the node or clang process groups and remove node's job directory
        ChildProcess.installSignalCleanup()
        var command: any ParsableCommand
        do {
            command = try Converge.parseAsRoot()
        } catch {
            fail(error, parsing: true)
        }
        if let problem = SIMDImplementation.forceProblem {
            CLIOutput.warn("\(problem); using \(SIMDImplementation.automatic.rawValue)")
        }
        do {
            try command.run()
        } catch {
            fail(error, parsing: false)
        }
    }

    /// One line and exit 2 (docs/errors.md): a typed error's words; `invalid usage` for what the
    /// argument parser refuses (while parsing, or `converge` without a subcommand); `internal
    /// error` for any other error a command throws (a bug: ours are all typed).
    static func fail(_ error: any Error, parsing: Bool) -> Never {
        switch error {
        case let e as ConvergeError: CLIOutput.fail("\(e)")
        case let e as EvidenceError: CLIOutput.fail("\(e)")
        default: break
        }
        let code = Converge.exitCode(for: error)
        if code == .success || error is ExitCode {
            Converge.exit(withError: error) // --help, --version, an explicit exit code
        }
        let message = Converge.message(for: error).split(separator: "\n").first.map(String.init) ?? ""
        if parsing || code == .validationFailure {
            CLIOutput.fail("invalid usage: \(message) (see converge --help)")
        }
        CLIOutput.fail("internal error: \(message.isEmpty ? String(describing: error) : message)")
    }
}

extension String {
    /// The string padded with spaces to `width` characters (left-aligned; longer ones unchanged):
    /// Foundation's `%-16@` does not pad on Linux.
    func padded(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

enum CLIOutput {
    /// Prints `converge: <line>` on stderr and exits with `status` (2: bad input). The line is
    /// escaped (`TerminalText`): a name or value with a newline, ESC or bidi control in it stays on
    /// this one line.
    static func fail(_ line: String, status: Int32 = 2) -> Never {
        FileHandle.standardError.write(Data("converge: \(TerminalText.escaped(line))\n".utf8))
        exit(status)
    }

    /// Prints `converge: warning: <line>` (escaped) on stderr and goes on.
    static func warn(_ line: String) {
        FileHandle.standardError.write(Data("converge: warning: \(TerminalText.escaped(line))\n".utf8))
    }

    /// Text from a file or an argument (a path, a step's `out`), escaped for one terminal line
    /// (`TerminalText.escaped`: newlines, ESC, C1, bidi controls spelled out).
    static func escaped(_ text: String) -> String { TerminalText.escaped(text) }

    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
    }
}

/// Reads and compiles a converge-ir file; errors are ConvergeErrors.
func loadGraph(_ path: String) throws(ConvergeError) -> CompiledGraph {
    try loadGraphAndBytes(path).graph
}

/// Reads and compiles a converge-ir file, also returning the file's bytes (one read).
func loadGraphAndBytes(_ path: String) throws(ConvergeError) -> (graph: CompiledGraph, bytes: Data) {
    let data: Data
    do { data = try Files.read(path) } catch { throw ConvergeError(.io, error.description) }
    return (try CompiledGraph(json: data), data)
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
func loadArtifactGraphAndBytes(_ path: String) throws(ConvergeError) -> (graph: CompiledGraph, bytes: Data, artifact: Artifact) {
    let artifact = try Artifact(contentsOf: path)
    try artifact.validateKernel()
    let graph = try artifact.graph()
    return (graph, artifact.withUnsafeBytes { Data($0) }, artifact)
}
