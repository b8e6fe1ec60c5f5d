import ArgumentParser
import ConvergeKernel

enum Backend: String, ExpressibleByArgument, CaseIterable {
    case native, portable
}

extension PlanMode: ExpressibleByArgument {}
extension PlanScope: ExpressibleByArgument {}
extension SIMDImplementation: ExpressibleByArgument {}
extension ClosureStrategy: ExpressibleByArgument {}

/// `converge plan`: the plan for a dirty set.
struct PlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Plan which steps run, in order, for a set of dirty paths.")

    @Option(help: "The converge-ir JSON file.")
    var ir: String

    @Option(help: "Dirty paths, comma-separated (e.g. b0,user.name). Empty or '*' means everything.")
    var dirty: String = ""

    @Option(name: .customLong("dirty-path"), help: "One dirty path, taken verbatim (repeatable; for paths that contain commas).")
    var dirtyPaths: [String] = []

    @Option(help: "full | dirty")
    var mode: PlanMode = .dirty

    @Option(help: "immediate | deferred | all")
    var scope: PlanScope = .all

    @Option(help: "native (CKernel, L1) | portable (pure Swift, L0)")
    var backend: Backend = .native

    @Option(help: "Force a SIMD implementation for the native backend: scalar | sse2 | avx2 | neon | simd128")
    var simd: SIMDImplementation?

    @Option(help: "Closure strategy for the native backend: auto | rows | lists | frontier")
    var strategy: ClosureStrategy = .auto

    @Flag(help: "Print JSON.")
    var json = false

    func run() throws {
        let graph = try loadGraph(ir)
        let paths = (dirty.isEmpty ? [] : dirty.split(separator: ",", omittingEmptySubsequences: false).map(String.init))
            + dirtyPaths
        let planner: any ConvergePlanner = switch backend {
        case .native: try NativePlanner(graph, options: NativeOptions(implementation: simd, strategy: strategy))
        case .portable: PortablePlanner(graph)
        }
        let dirtySet = graph.dirtySet(paths: paths)
        let plan = try planner.plan(dirtySet, mode: mode, scope: scope)
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
            CLIOutput.print(JSONValue.object(members).text)
        } else {
            let executed = plan.executedMode?.rawValue ?? "none (no steps)"
            var header = "mode \(mode.rawValue) → executed \(executed), scope \(scope.rawValue), \(outs.count) step(s)"
            if let reason = plan.dirtyAllReason { header += ", dirtyAll (\(reason.rawValue))" }
            CLIOutput.print(header)
            for (id, out) in zip(plan.stepIds, outs) { CLIOutput.print("  \(id)\t\(out)") }
        }
    }
}
