// AllocationProbe.swift — how a bench counts heap allocations: given by the executable (which can
// interpose malloc), never by this library.

/// Counts the heap allocations of the calling thread between ``start`` and ``stop``. A library
/// must not interpose malloc for its clients, so the `converge` executable passes one built on
/// its AllocationCounter target; ``none`` measures nothing (the reports then say
/// `runtime.heapAllocationsPerTxn` was not measured).
public struct AllocationProbe: Sendable {
    public var isAvailable: Bool
    public var start: @Sendable () -> Void
    /// The allocations since ``start``.
    public var stop: @Sendable () -> UInt64

    public init(isAvailable: Bool, start: @escaping @Sendable () -> Void, stop: @escaping @Sendable () -> UInt64) {
        self.isAvailable = isAvailable
        self.start = start
        self.stop = stop
    }

    public static let none = AllocationProbe(isAvailable: false, start: {}, stop: { 0 })
}
