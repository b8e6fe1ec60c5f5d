import ArgumentParser
import Foundation
import ConvergeFiles
import ConvergeKernel
import ConvergeWasm

/// `converge plan --backend`: the planners, by their canonical names (``Backend/name``), and
/// `native` for `native-l1` (both are accepted; the help lists the short one).
extension Backend: ExpressibleByArgument {
    public init?(argument: String) {
        guard let b = Backend(name: argument == "native" ? "native-l1" : argument), Self.planners.contains(b) else { return nil }
        self = b
    }

    public static var allValueStrings: [String] { ["native", "portable", "wasm-wasmkit", "wasm-v8", "js-v8"] }

    public var defaultValueDescription: String { self == .native(.l1) ? "native" : name }
}

extension WasmFlavor: ExpressibleByArgument {}

extension PlanMode: ExpressibleByArgument {}
extension PlanScope: ExpressibleByArgument {}
extension SIMDImplementation: ExpressibleByArgument {}
extension ClosureStrategy: ExpressibleByArgument {}

/// `converge plan`: the plan for a dirty set: the graph and the dirty paths from the options,
/// ``Backend/plan(_:in:artifact:mode:scope:settings:)`` (ConvergeWasm), then the plan printed.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan which steps run, in order, for a set of dirty paths.")

    @Option(help: "The converge-ir JSON file.")
    var ir: String?

    @Option(help: "An AOT artifact (converge compile) instead of --ir: the native and wasm-wasmkit backends make their kernel from the file.")
    var artifact: String?

    @Option(help: "Dirty paths, comma-separated (e.g. b0,user.name). Empty or '*' means everything.")
    var dirty: String = ""

    @Option(name: .customLong("dirty-path"), help: "One dirty path, taken verbatim (repeatable; for paths that contain commas).")
    var dirtyPaths: [String] = []

    // Thousands of --dirty-path options parse in quadratic time inside swift-argument-parser
    // (each occurrence rescans the split arguments), so many paths come in a file: linear.
    @Option(help: "A file of dirty paths, one per line, taken verbatim (for many paths: 20000 --dirty-path options take seconds to parse).")
    var dirtyFile: String?

    @Option(help: "full | dirty")
    var mode: PlanMode = .dirty

    @Option(help: "immediate | deferred | all")
    var scope: PlanScope = .all

    @Option(help: "native (CKernel, L1) | portable (pure Swift, L0) | wasm-wasmkit (CKernel as wasm32 in WasmKit) | wasm-v8 (CKernel as wasm32 in Node's V8) | js-v8 (the pure-JS kernel in Node)")
    var backend: Backend = .native(.l1)

    @Option(help: "Which wasm build the wasm backends run: simd (wasm32+SIMD128) | scalar")
    var wasm: WasmFlavor = .simd

    @Option(help: "Force a SIMD implementation for the native backend: scalar | sse2 | avx2 | neon | simd128")
    var simd: SIMDImplementation?

    @Option(help: "Closure strategy for the native backend: auto | rows | lists | frontier")
    var strategy: ClosureStrategy = .auto

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let graph: CompiledGraph
        var loaded: Artifact?
        switch (ir, artifact) {
        case (let path?, nil): graph = try loadGraph(path)
        case (nil, let path?):
            let a = try Artifact(contentsOf: path)
            graph = try a.graph()
            loaded = a
        default: throw ConvergeError(.invalidArgument, "give exactly one of --ir FILE and --artifact FILE")
        }
        var paths = (dirty.isEmpty ? [] : dirty.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
            + dirtyPaths
        if let dirtyFile {
            let data: Data
            do { data = try Files.read(dirtyFile) } catch { throw ConvergeError(.io, error.description) }
            guard let text = String(data: data, encoding: .utf8) else {
                throw ConvergeError(.invalidArgument, "--dirty-file \(dirtyFile) is not UTF-8 text")
            }
            var lines = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" })
            if lines.last == "" { lines.removeLast() }
            paths += lines.map(String.init)
        }
        let dirtySet = graph.dirtySet(paths: paths)
        let result = try backend.plan(dirtySet, in: graph, artifact: loaded, mode: mode, scope: scope,
                                      settings: Backend.PlannerSettings(implementation: simd, strategy: strategy, flavor: wasm))
        let plan = result.plan, boundary = result.boundary
        let outs = plan.outs(in: graph)
        if json {
            var members: [(String, JSONValue)] = [
                ("mode", .string(mode.rawValue)),
                ("executedMode", plan.executedMode.map { .string($0.rawValue) } ?? .null),
                ("scope", .string(scope.rawValue)),
                ("dirtyAll", .bool(plan.dirtyAll)),
                ("stepIds", .array(plan.stepIds.map { .int(Int($0)) })),
                ("plan", .array(outs.map { .string($0) })),
            ]
            if let reason = plan.dirtyAllReason { members.append(("dirtyAllReason", .string(reason.rawValue))) }
            if let boundary {
                members.append(("backend", .string(backend.name)))
                members.append(("boundary", .object([("calls", .int(boundary.calls)), ("bytesIn", .int(boundary.bytesIn)),
                                                     ("bytesOut", .int(boundary.bytesOut))])))
            }
            CLIOutput.print(JSONValue.object(members).text)
        } else {
            let executed = plan.executedMode?.rawValue ?? "none (no steps)"
            var header = "mode \(mode.rawValue) → executed \(executed), scope \(scope.rawValue), \(outs.count) step(s)"
            if let reason = plan.dirtyAllReason { header += ", dirtyAll (\(reason.rawValue))" }
            if let boundary { header += "; \(backend.name): \(boundary.calls) call, \(boundary.bytesIn) B in, \(boundary.bytesOut) B out" }
            CLIOutput.print(header)
            for (id, out) in zip(plan.stepIds, outs) { CLIOutput.print("  \(id)\t\(CLIOutput.escaped(out))") }
        }
    }
}
