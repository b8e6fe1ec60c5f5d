// MachineProbe.swift — the machine probe: a fixed CPU-bound chain timed beside every sample
// (machine.probeMs).

import ConvergeKernel
import CKernel
import CKernelBench

/// The machine probe of `converge bench` (docs/perf-diff.md, "Noise-robust budgets"): a fixed,
/// CPU-bound loop (`ck_probe_chain`: a dependent multiply-add chain, no memory traffic) timed beside
/// every sample. Load on the machine (another process on the core or its sibling, a lower clock)
/// slows it as it slows the kernel; a slower kernel leaves it alone; the process's memory layout
/// does not move it. Change budgets divide a point's change by the probe's.
public struct MachineProbe: Sendable {
    /// Iterations per run: fixed, so that two processes (two runs) time the same work — a count
    /// calibrated per process would hide the very slowdown the probe is there to see. About 10 µs
    /// at 1.3 ns per iteration.
    public static let iterations: UInt64 = 8192

    public init() {}

    /// One run: milliseconds.
    public func sampleMs() -> Double { Double(MachineProbe.time(MachineProbe.iterations)) / 1e6 }

    private static func time(_ n: UInt64) -> UInt64 {
        let t0 = monotonicNowNs()
        let x = ck_probe_chain(n, t0)
        let t1 = monotonicNowNs()
        // the chain's value is used: it cannot be dropped
        return x == 0x5eed_5eed_5eed_5eed ? t1 &- t0 &+ 1 : t1 &- t0
    }
}
