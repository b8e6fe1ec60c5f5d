// BackendPlan.swift — one plan from any backend that plans alone (L0 and L1: in this process, in
// WasmKit, in V8): what `converge plan --backend` runs.

import ConvergeKernel

/// A plan and, for a wasm or JS backend, what crossed its boundary to make it.
public struct BackendPlan: Sendable {
    public var plan: Plan
    /// Exported calls and bytes in and out for this plan; nil for the in-process backends.
    public var boundary: BoundaryCounters?
}

extension Backend {
    /// The backends that plan alone: L0 and L1 in this process, L1 in WasmKit and in V8, and the
    /// pure-JS kernel in V8.
    public static let planners: [Backend] = [.native(.l1), .portable, .wasm(.wasmKit, .l1), .wasm(.v8, .l1), .jsV8]

    /// How a planner is made, where the backend has the choice.
    public struct PlannerSettings: Sendable {
        /// A forced SIMD implementation for the native kernel (nil: detected).
        public var implementation: SIMDImplementation?
        /// The closure strategy of the native kernel and of the wasm builds.
        public var strategy: ClosureStrategy
        /// Which wasm build the wasm backends run (the JS kernel has none).
        public var flavor: WasmFlavor

        public init(implementation: SIMDImplementation? = nil, strategy: ClosureStrategy = .auto, flavor: WasmFlavor = .simd) {
            self.implementation = implementation
            self.strategy = strategy
            self.flavor = flavor
        }
    }

    /// Plans `dirty` with this backend.
    /// - Parameter artifact: the graph's AOT artifact; the native and WasmKit kernels are made from
    ///   it (the V8 host and the portable planner use `graph`).
    /// - Throws: `invalidArgument` for a backend that does not plan alone (see ``planners``); the
    ///   backend's own errors (a refused artifact, no usable `node`, …).
    public func plan(_ dirty: DirtySet, in graph: CompiledGraph, artifact: Artifact? = nil, mode: PlanMode, scope: PlanScope,
                     settings: PlannerSettings = PlannerSettings()) throws(ConvergeError) -> BackendPlan {
        guard Self.planners.contains(self) else {
            throw ConvergeError(.invalidArgument, "\(name) does not plan alone; the planning backends are "
                + Self.planners.map(\.name).joined(separator: ", "))
        }
        switch host {
        case .process where level == .l0:
            return BackendPlan(plan: try PortablePlanner(graph).plan(dirty, mode: mode, scope: scope))
        case .process:
            let options = NativeOptions(implementation: settings.implementation, strategy: settings.strategy)
            let planner = if let artifact { try NativeKernel(artifact: artifact, graph: graph, options: options) }
                else { try NativeKernel(graph, options: options) }
            return BackendPlan(plan: try planner.plan(dirty, mode: mode, scope: scope))
        case .wasmKit:
            let options = NativeOptions(strategy: settings.strategy)
            let planner = if let artifact { try WasmKitPlanner(artifact: artifact, graph: graph, flavor: settings.flavor, options: options) }
                else { try WasmKitPlanner(graph, flavor: settings.flavor, options: options) }
            let plan = try planner.plan(dirty, mode: mode, scope: scope)
            return BackendPlan(plan: plan, boundary: planner.counters)
        case .v8:
            // the wasm build settings.flavor names (the JS kernel has none)
            let b = flavor == nil ? self : settings.flavor == .simd ? Backend.wasm(.v8, .l1) : .wasm(.v8, .l1, .scalar)
            let reply = try NodeHost.plan([(graph, [PlanRequest(dirty, mode: mode, scope: scope)])], backends: [b], strategy: settings.strategy)
            guard let p = reply.first?[b]?.first else { throw ConvergeError(.backendFailure, "node returned no plan") }
            var boundary = BoundaryCounters()
            (boundary.calls, boundary.bytesIn, boundary.bytesOut) = (p.calls, p.bytesIn, p.bytesOut)
            return BackendPlan(plan: Plan(stepIds: p.stepIds, executedMode: p.executedMode,
                                          dirtyAllReason: p.dirtyAll ? (dirty.dirtyAllReason ?? .unknownWrite) : nil, counters: p.counters),
                               boundary: boundary)
        case .chromium:
            throw ConvergeError(.invalidArgument, "\(name) does not plan alone")   // (not in planners: unreachable)
        }
    }
}
