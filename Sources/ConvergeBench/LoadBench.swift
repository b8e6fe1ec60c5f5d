// LoadBench.swift — `converge bench-load`'s measurement: how long opening an artifact takes, and
// making a kernel from it.

import ConvergeKernel

/// Times loading an AOT artifact (docs/artifact.md, "Load time"): each repetition reads and opens
/// the file again (header, checksums of every byte, layout, counts, table invariants) and, unless
/// skipped, makes and checks a kernel from it. A repetition is one whole load, milliseconds long,
/// so each is timed on its own (not in ``RoundTiming``'s rounds, which run a call many times).
public enum LoadBench {
    public struct Result: Sendable {
        /// The artifact of the last repetition.
        public var artifact: Artifact
        /// ms per open, and per kernel made (empty when skipped), in run order.
        public var openMs: [Double]
        public var kernelMs: [Double]
    }

    /// - Throws: the artifact's errors (a damaged file fails its first repetition).
    public static func run(_ path: String, repetitions: Int, kernel: Bool) throws -> Result {
        var open: [Double] = [], made: [Double] = []
        var last: Artifact?
        for _ in 0..<max(1, repetitions) {
            let t0 = monotonicNowNs()
            let a = try Artifact(contentsOf: path)
            open.append(Double(monotonicNowNs() &- t0) / 1e6)
            if kernel {
                let t1 = monotonicNowNs()
                try a.validateKernel()
                made.append(Double(monotonicNowNs() &- t1) / 1e6)
            }
            last = a
        }
        return Result(artifact: last!, openMs: open, kernelMs: made)
    }
}
