// BitsetWorkbench.swift — preallocated bitsets for timing the SIMD bitset primitives (ck_bitset_*)
// of one implementation.

import ConvergeKernel
import CKernel
import CKernelBench
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Preallocated bitsets for timing CKernel's bitset primitives under one SIMD implementation
/// (benchmarks and tests): ``or()`` is `ck_bitset_or`, ``scan()`` is `ck_bitset_or` of the
/// pattern into the zeroed scratch bitset and `ck_bitset_scan_clear` of it (the planner's rows
/// path: OR, then scan). Both allocate nothing; all memory is allocated by `init`.
public final class BitsetWorkbench {
    /// The implementation every call uses.
    public let implementation: SIMDImplementation
    /// 64-bit words of each bitset (a multiple of 8).
    public let words: Int
    /// Set bits of the pattern (what ``scan()`` emits).
    public let setBits: Int
    /// The largest `bits` with `scanning` (`CK_BITSET_SCAN_MAX_WORDS` × 64).
    public static let maxScanBits = 1 << 31

    private let src: UnsafeMutablePointer<UInt64>
    private let dst: UnsafeMutablePointer<UInt64>
    private let scratchBlock: UnsafeMutableRawPointer
    private let scratch: UnsafeMutablePointer<UInt64>?
    private let out: UnsafeMutablePointer<UInt32>?

    /// Allocates the bitsets: the pattern (`src`, each bit set with probability `density`), `dst`
    /// (the same pattern shifted by one word) and, when `scanning`, a scratch bitset and an id
    /// buffer of `bits` ids (4 bytes per bit: keep `scanning` off for large bandwidth-sized sets).
    /// - Parameters:
    ///   - bits: bits per bitset, rounded up to a multiple of 512.
    ///   - density: share of set bits in the pattern, 0...1 (0.5: one random word per 64 bits,
    ///     fast enough for bandwidth-sized sets; other values draw each bit).
    ///   - seed: SplitMix64 seed of the pattern.
    ///   - implementation: the implementation to call.
    ///   - scanning: allocate what ``scan()`` needs.
    /// - Throws: `invalidArgument` naming `bits`, `density` or `implementation`; `kernelFailure`
    ///   when the memory cannot be allocated.
    public init(bits: Int, density: Double = 0.05, seed: UInt64 = 1, implementation: SIMDImplementation = .automatic,
                scanning: Bool = true) throws(ConvergeError) {
        let maxBits = scanning ? Self.maxScanBits : 1 << 40
        guard bits > 0, bits <= maxBits else {
            throw ConvergeError(.invalidArgument, "bits: must be in 1...\(maxBits) (got \(bits))")
        }
        guard density.isFinite, density >= 0, density <= 1 else {
            throw ConvergeError(.invalidArgument, "density: must be in 0...1 (got \(density))")
        }
        guard implementation.isAvailable else {
            throw ConvergeError(.invalidArgument, "implementation: \(implementation.rawValue) does not run on this CPU")
        }
        self.implementation = implementation
        let words = (bits + 511) / 512 * 8
        self.words = words
        let bytes = words * 8
        let outBytes = scanning ? words * 64 * 4 : 0
        // dst starts 256 bytes past src's end (no 4K aliasing between src[i] and dst[i], as in
        // ck_bandwidth_probe)
        guard let block = Self.alloc(2 * bytes + 256) else {
            throw ConvergeError(.kernelFailure, "out of memory: bits \(bits) need \(2 * bytes + 256) bytes")
        }
        guard let scratchBlock = Self.alloc(scanning ? bytes + outBytes : 64) else {
            free(block)
            throw ConvergeError(.kernelFailure, "out of memory: bits \(bits) need \(bytes + outBytes) more bytes to scan")
        }
        src = block.bindMemory(to: UInt64.self, capacity: 2 * words + 32)
        dst = src + words + 32
        var rng = SplitMix64(seed: seed)
        var set = 0
        for w in 0..<words {
            var v: UInt64 = 0
            if density == 0.5 {
                v = rng.next()
            } else if density >= 1 {
                v = .max
            } else if density > 0 {
                for b in 0..<64 where Double(rng.next() >> 11) < density * 0x1p53 { v |= 1 << UInt64(b) }
            }
            src[w] = v
            set += v.nonzeroBitCount
        }
        for w in 0..<words { dst[w] = src[(w + 1) % words] }
        setBits = set
        scratchBlock.initializeMemory(as: UInt8.self, repeating: 0, count: scanning ? bytes + outBytes : 64)
        self.scratchBlock = scratchBlock
        if scanning {
            scratch = scratchBlock.bindMemory(to: UInt64.self, capacity: words)
            out = (scratchBlock + bytes).bindMemory(to: UInt32.self, capacity: words * 64)
        } else {
            scratch = nil
            out = nil
        }
    }

    deinit {
        free(UnsafeMutableRawPointer(src))
        free(scratchBlock)
    }

    /// 64-byte aligned memory from the C library, or nil.
    private static func alloc(_ bytes: Int) -> UnsafeMutableRawPointer? {
        var p: UnsafeMutableRawPointer? = nil
        guard posix_memalign(&p, 64, max(bytes, 64)) == 0 else { return nil }
        return p
    }

    /// `dst |= src` over the whole bitsets (`ck_bitset_or`).
    public func or() {
        let status = ck_bitset_or(implementation.c, dst, src, UInt64(words), nil)
        precondition(status == CK_OK, "ck_bitset_or: \(String(cString: ck_status_name(status)))")
    }

    /// ORs the pattern into the zeroed scratch bitset and scans it (`ck_bitset_or`, then
    /// `ck_bitset_scan_clear`, which leaves the scratch zeroed again).
    /// - Returns: the ids emitted (== ``setBits``).
    @discardableResult
    public func scan() -> Int {
        guard let scratch, let out else { preconditionFailure("BitsetWorkbench.scan() needs init(scanning: true)") }
        var count: UInt32 = 0
        var status = ck_bitset_or(implementation.c, scratch, src, UInt64(words), nil)
        if status == CK_OK {
            status = ck_bitset_scan_clear(implementation.c, scratch, UInt64(words), out, UInt64(words * 64), &count, nil)
        }
        precondition(status == CK_OK, "ck_bitset_*: \(String(cString: ck_status_name(status)))")
        return Int(count)
    }

    /// The ids the last ``scan()`` emitted (the first ``setBits`` of the id buffer).
    public func lastScan() -> [UInt32] {
        guard let out else { return [] }
        return Array(UnsafeBufferPointer(start: out, count: setBits))
    }

    /// The bits of `dst` as set-bit indexes (ascending), for checking ``or()``.
    public func dstBits() -> [Int] { Self.indexes(dst, words) }

    /// The bits of the pattern as set-bit indexes (ascending).
    public func patternBits() -> [Int] { Self.indexes(src, words) }

    private static func indexes(_ p: UnsafeMutablePointer<UInt64>, _ words: Int) -> [Int] {
        var r: [Int] = []
        for w in 0..<words {
            var v = p[w]
            while v != 0 {
                r.append(w * 64 + v.trailingZeroBitCount)
                v &= v - 1
            }
        }
        return r
    }
}
