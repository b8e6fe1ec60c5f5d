import ConvergeBench
import ConvergeKernel

/// The tests' seeded generator: the library's SplitMix64 (same sequence on every platform), so a
/// failing seed printed by a test reproduces anywhere.
public typealias SeededRNG = SplitMix64

extension SplitMix64 {
    /// A value in `0..<bound` (bound > 0).
    public mutating func below(_ bound: Int) -> Int { Int(next() % UInt64(bound)) }

    /// True with probability `percent` / 100.
    public mutating func chance(_ percent: Int) -> Bool { below(100) < percent }

    /// One element of a non-empty array.
    public mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
}
