// MachineProbe.swift — the machine probes: a fixed CPU-bound chain (machine.probeMs) and a fixed
// memory stream (machine.memProbeMs), timed beside every sample.

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

/// The memory probe of `converge bench` (docs/perf-diff.md, "Noise-robust budgets"): a fixed
/// stream of `dst[i] |= src[i] ^ pass` over two 16 KiB buffers the probe owns (`ck_probe_stream`:
/// 8 passes, about 7 µs), timed beside every sample. This machine is a VM on a shared host: a
/// tenant of the same physical core or its caches slows loads and stores — the probe and the kernel
/// alike, by 1.5–2× — for seconds at a time, while the chain of ``MachineProbe`` does not move.
/// Fixed like the chain: two processes time the same work.
public final class MemoryProbe {
    /// Words per buffer: 2 × 16 KiB, within every x86-64 and arm64 L1 data cache.
    public static let words = 2048
    /// Passes per run.
    public static let passes: UInt32 = 8

    private let dst: UnsafeMutablePointer<UInt64>
    private let src: UnsafeMutablePointer<UInt64>

    public init() {
        dst = .allocate(capacity: MemoryProbe.words)
        src = .allocate(capacity: MemoryProbe.words)
        for i in 0..<MemoryProbe.words {
            dst[i] = 0
            src[i] = UInt64(truncatingIfNeeded: i) &* 0x9e37_79b9_7f4a_7c15
        }
    }

    deinit {
        dst.deallocate()
        src.deallocate()
    }

    /// One run: milliseconds.
    public func sampleMs() -> Double {
        let t0 = monotonicNowNs()
        let x = ck_probe_stream(dst, src, MemoryProbe.words, MemoryProbe.passes)
        let t1 = monotonicNowNs()
        // the stream's value is used: it cannot be dropped
        return Double(x == 0x5eed_5eed_5eed_5eed ? t1 &- t0 &+ 1 : t1 &- t0) / 1e6
    }
}
