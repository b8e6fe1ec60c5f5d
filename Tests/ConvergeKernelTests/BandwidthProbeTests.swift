import CKernelBench
@testable import ConvergeBench
import Testing
@testable import ConvergeKernel

/// The bandwidth probe and the bitset workbench through the Swift API.
@Suite struct BandwidthProbeTests {
    /// The probe's fill pattern and checksum as documented in ckernel.h (ck_bandwidth_probe):
    /// src word i = SplitMix64(seed 0) output 2i+1, dst word i = output 2i+2; after the probe
    /// dst = src | dst; FNV-1a over dst's words.
    static func expectedChecksum(bytes: Int) -> UInt64 {
        var rng = SplitMix64(seed: 0)
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for _ in 0..<(bytes / 8) {
            let src = rng.next(), dst = rng.next()
            h = (h ^ (src | dst)) &* 0x100_0000_01b3
        }
        return h
    }

    @Test func everyImplementationMeasuresEveryLevelWithPositiveFiniteRates() throws {
        // the real DRAM size is exercised once (l1StreamsAtLeastAsFastAsDRAM); per implementation
        // a 16 MiB buffer keeps the test short
        let sizes = BandwidthProbe.levelSizes().map { ($0.name, $0.name == "DRAM" ? min($0.bytes, 16 << 20) : $0.bytes) }
        for impl in SIMDImplementation.available {
            for (name, bytes) in sizes {
                let level = try BandwidthProbe.measure(name: name, bytes: bytes, impl: impl, budgetMs: 1, minPasses: 1)
                #expect(level.name == name && level.bytes == bytes && level.implementation == impl)
                #expect(level.gbPerSecondBest.isFinite && level.gbPerSecondBest > 0, "\(impl) \(name)")
                #expect(level.gbPerSecondMean.isFinite && level.gbPerSecondMean > 0, "\(impl) \(name)")
                #expect(level.gbPerSecondBest >= level.gbPerSecondMean * 0.999, "\(impl) \(name)")
                #expect(level.passes >= 1)
            }
        }
    }

    @Test func l1StreamsAtLeastAsFastAsDRAM() throws {
        // 10 ms gives L1 a dozen samples, so one preempted sample cannot decide
        let levels = try BandwidthProbe.run(budgetMs: 10)
        #expect(levels.map(\.name) == ["L1", "L2", "DRAM"])
        #expect(levels.allSatisfy { $0.gbPerSecondBest.isFinite && $0.gbPerSecondBest > 0 })
        #expect(levels[2].bytes >= 64 << 20)
        #if DEBUG
        // a debug build compiles CKernel at -O0: the OR loop is compute-bound (~2 GB/s) at every
        // level, so L1 and DRAM are equal within noise; only a gross inversion is a failure
        #expect(levels[0].gbPerSecondBest >= 0.5 * levels[2].gbPerSecondBest, "\(levels)")
        #else
        #expect(levels[0].gbPerSecondBest >= levels[2].gbPerSecondBest, "\(levels)")
        #endif
    }

    @Test func theProbeComputesTheOR() throws {
        for impl in SIMDImplementation.available {
            for bytes in [64, 4096, 64 * 1000] {
                let level = try BandwidthProbe.measure(name: "t", bytes: bytes, impl: impl, budgetMs: 0, minPasses: 1)
                #expect(level.checksum == Self.expectedChecksum(bytes: bytes), "\(impl) bytes=\(bytes)")
            }
        }
    }

    @Test func badArgumentsNameTheArgument() {
        func message(_ body: () throws -> Void) -> ConvergeError? {
            #expect(throws: ConvergeError.self) { try body() }
        }
        for bytes in [0, 100, -64] {
            let e = message { _ = try BandwidthProbe.measure(name: "x", bytes: bytes, budgetMs: 0) }
            #expect(e?.code == .invalidArgument && e?.message.hasPrefix("bytes:") == true, "\(String(describing: e))")
        }
        var e = message { _ = try BandwidthProbe.measure(name: "x", bytes: 64, budgetMs: -1) }
        #expect(e?.code == .invalidArgument && e?.message.hasPrefix("budgetMs:") == true)
        e = message { _ = try BandwidthProbe.measure(name: "x", bytes: 64, budgetMs: .nan) }
        #expect(e?.code == .invalidArgument && e?.message.hasPrefix("budgetMs:") == true)
        e = message { _ = try BandwidthProbe.measure(name: "x", bytes: 64, minPasses: -1) }
        #expect(e?.code == .invalidArgument && e?.message.hasPrefix("minPasses:") == true)
        e = message { _ = try BitsetWorkbench(bits: 0) }
        #expect(e?.code == .invalidArgument && e?.message.hasPrefix("bits:") == true)
        e = message { _ = try BitsetWorkbench(bits: 512, density: 1.5) }
        #expect(e?.code == .invalidArgument && e?.message.hasPrefix("density:") == true)
        for impl in SIMDImplementation.allCases where !impl.isAvailable {
            e = message { _ = try BandwidthProbe.measure(name: "x", bytes: 64, impl: impl, budgetMs: 0) }
            #expect(e?.code == .invalidArgument && e?.message.hasPrefix("impl:") == true)
            e = message { _ = try BitsetWorkbench(bits: 512, implementation: impl) }
            #expect(e?.code == .invalidArgument && e?.message.hasPrefix("implementation:") == true)
        }
    }

    @Test func cacheSizesAreOrderedAndLevelSizesFollowThem() {
        let c = BandwidthProbe.cacheSizes()
        #expect(c.l1 > 0 && c.l2 >= c.l1)
        if let l3 = c.l3 { #expect(l3 >= c.l2) }
        let sizes = BandwidthProbe.levelSizes()
        #expect(sizes.map(\.name) == ["L1", "L2", "DRAM"])
        #expect(sizes.allSatisfy { $0.bytes > 0 && $0.bytes % 64 == 0 })
        #expect(sizes[0].bytes <= c.l1 / 2 && sizes[1].bytes <= c.l2 / 2)
        // four times the last-level cache, at least 64 MiB, at most 256 MiB (a CPU with a larger
        // L3, 260 MiB here, then measures its L3: the cap keeps the probe's memory bounded)
        #expect(sizes[2].bytes == min(max(4 * (c.l3 ?? 0), 64 << 20), 256 << 20))
        #expect(BandwidthProbe.parseSize("32K") == 32 << 10 && BandwidthProbe.parseSize("1M") == 1 << 20)
        #expect(BandwidthProbe.parseSize("512") == 512 && BandwidthProbe.parseSize("K") == nil && BandwidthProbe.parseSize("x") == nil)
    }

    @Test func workbenchOrAndScanMatchTheReferenceOnEveryImplementation() throws {
        for impl in SIMDImplementation.available {
            for (bits, density) in [(512, 0.5), (5000, 0.05), (70_000, 0.3), (1024, 1.0), (1024, 0.0)] {
                let seed = UInt64(bits) &* 31 &+ 7
                let w = try BitsetWorkbench(bits: bits, density: density, seed: seed, implementation: impl)
                let pattern = w.patternBits()
                #expect(pattern.count == w.setBits)
                // dst starts as the pattern shifted by one word; after the OR it holds both
                let words = w.words
                var expected = Set(pattern.map { ($0 + words * 64 - 64) % (words * 64) })
                expected.formUnion(pattern)
                w.or()
                #expect(w.dstBits() == expected.sorted(), "\(impl) bits=\(bits) density=\(density) seed=\(seed)")
                #expect(w.scan() == w.setBits)
                #expect(w.lastScan().map(Int.init) == pattern, "\(impl) bits=\(bits) seed=\(seed)")
                #expect(w.scan() == w.setBits) // the scratch was left zeroed
            }
        }
    }
}
