import CKernelBench
import ConvergeBench
import CKernel
import Testing
@testable import ConvergeKernel

/// The C entries ck_bitset_or, ck_bitset_scan_clear and ck_bandwidth_probe directly: results
/// against a naive reference on seeded random bitsets, argument checks with the argument's
/// position in ck_error_t.index.
@Suite struct CKernelBitsetTests {
    /// A 64-byte aligned buffer of `count` words (freed by the caller).
    static func words(_ count: Int) -> UnsafeMutablePointer<UInt64> {
        let p = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1) * 8, alignment: 64).bindMemory(to: UInt64.self, capacity: max(count, 1))
        p.initialize(repeating: 0, count: max(count, 1))
        return p
    }

    static let impls: [ck_impl_t] = [CK_IMPL_AUTO, CK_IMPL_SCALAR, CK_IMPL_SSE2, CK_IMPL_AVX2, CK_IMPL_NEON, CK_IMPL_SIMD128]
        .filter { ck_impl_available($0) != 0 }

    @Test func orIsTheWordwiseOrOnEveryImplementation() {
        for impl in Self.impls {
            for n in [0, 8, 16, 808] {
                let seed = UInt64(n) &+ UInt64(impl.rawValue) &* 1000
                var rng = SplitMix64(seed: seed)
                let a = Self.words(n), b = Self.words(n)
                defer { a.deallocate(); b.deallocate() }
                var expected: [UInt64] = []
                for i in 0..<n {
                    a[i] = rng.next() & rng.next()
                    b[i] = rng.next() & rng.next()
                    expected.append(a[i] | b[i])
                }
                var err = ck_error_t()
                #expect(ck_bitset_or(impl, a, b, UInt64(n), &err) == CK_OK)
                #expect(Array(UnsafeBufferPointer(start: a, count: n)) == expected, "impl \(impl.rawValue) n=\(n) seed=\(seed)")
            }
        }
    }

    @Test func scanEmitsEverySetBitAscendingAndClears() {
        for impl in Self.impls {
            for (n8, shift) in [(8, 0), (64, 3), (1000, 1)] {
                let seed = UInt64(n8 * 7 + shift) &+ UInt64(impl.rawValue)
                var rng = SplitMix64(seed: seed)
                let bits = Self.words(n8)
                defer { bits.deallocate() }
                var expected: [UInt32] = []
                for i in 0..<n8 {
                    var w = rng.next()
                    for _ in 0..<shift { w &= rng.next() }
                    if i % 5 == 0 { w = 0 }
                    bits[i] = w
                    for b in 0..<64 where (w >> UInt64(b)) & 1 == 1 { expected.append(UInt32(i * 64 + b)) }
                }
                var out = [UInt32](repeating: .max, count: n8 * 64)
                var count: UInt32 = 0
                var err = ck_error_t()
                #expect(ck_bitset_scan_clear(impl, bits, UInt64(n8), &out, UInt64(out.count), &count, &err) == CK_OK)
                #expect(Array(out.prefix(Int(count))) == expected, "impl \(impl.rawValue) words=\(n8) seed=\(seed)")
                #expect((0..<n8).allSatisfy { bits[$0] == 0 })
            }
        }
    }

    @Test func scanWithAShortBufferFailsAndLeavesTheBits() {
        let bits = Self.words(8)
        defer { bits.deallocate() }
        bits[0] = 0b1011; bits[7] = 1 << 63
        var out = [UInt32](repeating: 0, count: 4)
        var count: UInt32 = 0
        var err = ck_error_t()
        #expect(ck_bitset_scan_clear(CK_IMPL_AUTO, bits, 8, &out, 3, &count, &err) == CK_ERR_BUFFER_TOO_SMALL)
        #expect(err.value == 4 && err.index == 4 && bits[0] == 0b1011 && bits[7] == 1 << 63)
        for impl in Self.impls {  // exactly the set bits: the SIMD emitters must not overrun
            bits[0] = 0b1011; bits[7] = 1 << 63
            out = [0, 0, 0, 0, 0xdead]
            #expect(ck_bitset_scan_clear(impl, bits, 8, &out, 4, &count, &err) == CK_OK)
            #expect(count == 4 && out == [0, 1, 3, 511, 0xdead], "impl \(impl.rawValue)")
        }
    }

    @Test func badBitsetArgumentsNameTheirPosition() {
        let a = Self.words(16), b = Self.words(16)
        defer { a.deallocate(); b.deallocate() }
        var out = [UInt32](repeating: 0, count: 1024)
        var count: UInt32 = 0
        var err = ck_error_t()
        #expect(ck_bitset_or(ck_impl_t(rawValue: 99), a, b, 8, &err) == CK_ERR_BAD_OPTION && err.index == 0 && err.value == 99)
        #expect(ck_bitset_or(CK_IMPL_AUTO, nil, b, 8, &err) == CK_ERR_NULL_ARGUMENT && err.index == 1)
        #expect(ck_bitset_or(CK_IMPL_AUTO, a, nil, 8, &err) == CK_ERR_NULL_ARGUMENT && err.index == 2)
        #expect(ck_bitset_or(CK_IMPL_AUTO, a + 1, b, 8, &err) == CK_ERR_BAD_ARGUMENT && err.index == 1)
        #expect(ck_bitset_or(CK_IMPL_AUTO, a, b + 1, 8, &err) == CK_ERR_BAD_ARGUMENT && err.index == 2)
        #expect(ck_bitset_or(CK_IMPL_AUTO, a, b, 7, &err) == CK_ERR_BAD_ARGUMENT && err.index == 3 && err.value == 7)
        #expect(ck_bitset_or(CK_IMPL_AUTO, a, a + 8, 16, &err) == CK_ERR_BAD_ARGUMENT && err.index == 2) // overlap
        #expect(ck_bitset_or(CK_IMPL_AUTO, a, b, 0, nil) == CK_OK)
        #expect(ck_bitset_scan_clear(CK_IMPL_AUTO, a, 12, &out, 1024, &count, &err) == CK_ERR_BAD_ARGUMENT && err.index == 2)
        #expect(ck_bitset_scan_clear(CK_IMPL_AUTO, a + 1, 8, &out, 1024, &count, &err) == CK_ERR_BAD_ARGUMENT && err.index == 1)
        #expect(ck_bitset_scan_clear(CK_IMPL_AUTO, a, 8, nil, 1024, &count, &err) == CK_ERR_NULL_ARGUMENT && err.index == 3)
        #expect(ck_bitset_scan_clear(CK_IMPL_AUTO, a, 8, &out, 1024, nil, &err) == CK_ERR_NULL_ARGUMENT && err.index == 5)
        #expect(ck_bitset_scan_clear(CK_IMPL_AUTO, a, UInt64(1) << 26, &out, 1024, &count, &err) == CK_ERR_TOO_LARGE && err.index == 2)
        #expect(String(cString: ck_status_name(CK_ERR_BAD_ARGUMENT)) == "bad argument")
    }

    @Test func probeArgumentsAreCheckedBeforeAnythingRuns() {
        var r = ck_bandwidth_result_t()
        var err = ck_error_t()
        #expect(ck_bandwidth_probe(CK_IMPL_AUTO, 4096, 1, 0, nil, &err) == CK_ERR_NULL_ARGUMENT && err.index == 4)
        #expect(ck_bandwidth_probe(CK_IMPL_AUTO, 0, 1, 0, &r, &err) == CK_ERR_BAD_ARGUMENT && err.index == 1 && err.value == 0)
        #expect(ck_bandwidth_probe(CK_IMPL_AUTO, 100, 1, 0, &r, &err) == CK_ERR_BAD_ARGUMENT && err.index == 1 && err.value == 100)
        #expect(ck_bandwidth_probe(CK_IMPL_AUTO, Int.max / 64 * 64, 1, 0, &r, &err) == CK_ERR_TOO_LARGE && err.index == 1)
        #expect(ck_bandwidth_probe(ck_impl_t(rawValue: 42), 4096, 1, 0, &r, &err) == CK_ERR_BAD_OPTION && err.index == 0)
        #expect(ck_bandwidth_probe(CK_IMPL_AUTO, 4096, 0, 0, &r, nil) == CK_OK)
    }

    @Test func probeCountsPassesAndBytesByItsConvention() {
        var r = ck_bandwidth_result_t()
        var err = ck_error_t()
        #expect(ck_bandwidth_probe(CK_IMPL_SCALAR, 1 << 16, 40, 0, &r, &err) == CK_OK)
        #expect(r.impl == CK_IMPL_SCALAR && r.bytes == 1 << 16)
        #expect(r.passes_per_sample == 16 && r.passes >= 40 && r.passes == r.samples * r.passes_per_sample)
        #expect(r.bytes_moved == 3 * r.bytes * r.passes)
        #expect(r.best_sample_ns > 0 && r.best_sample_ns <= r.elapsed_ns)
        #expect(abs(r.gb_per_s_mean - Double(r.bytes_moved) / Double(r.elapsed_ns)) < 1e-9 * r.gb_per_s_mean)
        #expect(r.gb_per_s_best >= r.gb_per_s_mean * 0.999)
        #expect(r.checksum == BandwidthProbeTests.expectedChecksum(bytes: 1 << 16))
    }
}
