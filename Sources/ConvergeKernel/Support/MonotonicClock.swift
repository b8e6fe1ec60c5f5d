// MonotonicClock.swift — CLOCK_MONOTONIC in nanoseconds, the clock the kernel uses.

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// CLOCK_MONOTONIC in nanoseconds: the same clock as CKernel's `ck_now_ns`, read from Swift so
/// that L0 needs no C.
@inline(__always)
package func monotonicNowNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
}

/// The clock the execution budget reads every 32 steps (as CKernel's `budget_now`): for budgets
/// of 10 ms or more, CLOCK_MONOTONIC_COARSE (a few ns, millisecond resolution); else the precise one.
@inline(__always)
func budgetNowNs(_ budgetNs: UInt64) -> UInt64 {
    #if os(Linux)
    if budgetNs >= 10_000_000 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
    #endif
    return monotonicNowNs()
}
