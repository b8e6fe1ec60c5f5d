// NativeOptions.swift — how a native kernel is built: SIMD implementation, closure strategy, and
// the facts it reports.

/// A SIMD implementation of CKernel's bitset primitives.
public enum SIMDImplementation: String, Sendable, CaseIterable {
    case scalar, sse2, avx2, neon, simd128

    // The C's side of it (`ck_impl_t`, `isAvailable`, `automatic`, `forceProblem`) is in
    // CKernelBridge.swift.

    /// Every implementation that runs on this machine.
    public static var available: [SIMDImplementation] { allCases.filter(\.isAvailable) }
}

/// How the native planner computes the dirty-mode closure.
public enum ClosureStrategy: String, Sendable, CaseIterable {
    /// The smaller of rows and lists that fits the closure budget, else frontier.
    case auto
    /// Precomputed closure rows per (scope, 1-segment prefix), OR-ed with SIMD, then scanned.
    case rows
    /// Breadth-first over the group graph, the reached groups' steps set into a bitset, a SIMD scan.
    case frontier
    /// Precomputed sorted closure lists per (scope, 1-segment prefix), set into a bitset, scanned.
    case lists
}

/// Options for a ``NativeKernel``.
public struct NativeOptions: Sendable {
    /// `nil` = automatic (``SIMDImplementation/automatic``).
    public var implementation: SIMDImplementation?
    public var strategy: ClosureStrategy
    /// Memory precomputed closures may take; `nil` = max(8 MiB, 64 bytes per step).
    public var closureBudgetBytes: UInt64?

    public init(implementation: SIMDImplementation? = nil, strategy: ClosureStrategy = .auto, closureBudgetBytes: UInt64? = nil) {
        self.implementation = implementation
        self.strategy = strategy
        self.closureBudgetBytes = closureBudgetBytes
    }
}

/// Facts about a native kernel instance (`ck_kernel_info`).
public struct KernelInfo: Sendable, Equatable {
    public let pathCount: Int
    public let stepCount: Int
    /// Distinct 1-segment prefixes that trigger at least one step.
    public let groupCount: Int
    public let triggerEntries: Int
    /// Every byte the instance owns (one arena).
    public let arenaBytes: Int
    /// Bytes of precomputed closures (rows or lists; 0 for frontier).
    public let closureBytes: Int
    public let implementation: SIMDImplementation
    public let strategy: ClosureStrategy
    /// True when the arena came from libnuma (local node).
    public let numa: Bool
}
