@testable import ConvergeKernel

/// Every planner configuration the tests compare: the portable planner, the native planner with
/// each SIMD implementation this machine runs (automatic strategy), and each forced strategy.
enum PlannerBackends {
    struct Backend: Sendable, CustomStringConvertible {
        let name: String
        let make: @Sendable (CompiledGraph) throws -> any ConvergePlanner
        var description: String { name }
    }

    static let all: [Backend] = {
        var list = [Backend(name: "portable") { PortablePlanner($0) }]
        for impl in SIMDImplementation.available {
            list.append(Backend(name: "native-\(impl.rawValue)") { try NativeKernel($0, options: NativeOptions(implementation: impl)) })
        }
        for strategy in [ClosureStrategy.rows, .lists, .frontier] {
            for impl in [SIMDImplementation.scalar, SIMDImplementation.automatic] {
                list.append(Backend(name: "native-\(impl.rawValue)-\(strategy.rawValue)") {
                    try NativeKernel($0, options: NativeOptions(implementation: impl, strategy: strategy))
                })
            }
        }
        return list
    }()
}
