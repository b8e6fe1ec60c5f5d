import ArgumentParser
import ConvergeKernel

struct BenchPlanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "bench-plan", abstract: "Planner microbenchmarks (placeholder).")
    func run() throws {}
}
