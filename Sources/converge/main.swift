import ArgumentParser
import ConvergeKernel

@main
struct Converge: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "converge", abstract: "ConvergeKernel")
    func run() throws {}
}
