// BandwidthProbe.swift — the memory-bandwidth probe (ck_bandwidth_probe) over L1-, L2- and
// DRAM-sized buffers: the "physical limit" of a report.

import ConvergeKernel
import CKernel
import CKernelBench
import Foundation

/// The memory-bandwidth probe ("physical limit"): `dst |= src` streamed over buffers sized for
/// L1, L2 and DRAM with one SIMD implementation's bitset OR (`ck_bandwidth_probe`). The perf
/// report sets a transaction's achieved bytes/s against the smallest level whose buffer holds the
/// graph's working set (DRAM for large graphs).
///
/// A pass moves 3 × `bytes` (src read, dst read, dst written; write-allocate traffic not counted);
/// GB = 10⁹ bytes. Buffer sizes per level (`bytes` is the size of *each* of the two buffers):
/// - L1: a quarter of L1d, so that src + dst fill half of it;
/// - L2: a quarter of L2 (src + dst = half);
/// - DRAM: max(4 × L3, 64 MiB), at most 256 MiB per buffer (64 MiB when the L3 size is unknown).
public struct BandwidthProbe: Sendable {
    /// One measured level.
    public struct Level: Sendable, Equatable {
        /// `"L1"`, `"L2"` or `"DRAM"` (or the name given to ``BandwidthProbe/measure(name:bytes:impl:budgetMs:minPasses:)``).
        public let name: String
        /// Bytes of each of the two buffers.
        public let bytes: Int
        /// 3 × bytes / the fastest pass.
        public let gbPerSecondBest: Double
        /// Bytes moved / time over all timed passes.
        public let gbPerSecondMean: Double
        /// Timed passes (OR over the whole buffers).
        public let passes: Int
        /// The implementation that ran.
        public let implementation: SIMDImplementation
        /// True when the buffers came from libnuma (local node).
        public let numa: Bool
        /// FNV-1a over dst after the probe (`ck_bandwidth_result_t.checksum`): proves the OR ran.
        public let checksum: UInt64
    }

    /// Measures L1, L2 and DRAM (in that order) with one implementation.
    /// - Parameters:
    ///   - impl: the implementation to stream with (default: the automatic choice).
    ///   - budgetMs: minimum timed milliseconds per level (each level also times at least 2 passes).
    /// - Returns: three levels, L1 first.
    /// - Throws: `invalidArgument` naming the argument (`impl` that does not run here, a negative
    ///   budget); `kernelFailure` when the buffers cannot be allocated.
    public static func run(impl: SIMDImplementation = .automatic, budgetMs: Double = 50) throws(ConvergeError) -> [Level] {
        var levels: [Level] = []
        for (name, bytes) in levelSizes() {
            levels.append(try measure(name: name, bytes: bytes, impl: impl, budgetMs: budgetMs))
        }
        return levels
    }

    /// The buffer size (of each buffer) of each level, from ``cacheSizes()``: L1 first.
    public static func levelSizes() -> [(name: String, bytes: Int)] {
        let c = cacheSizes()
        let mib = 1 << 20
        func quarter(_ n: Int) -> Int { max(64, n / 4 / 64 * 64) }
        return [("L1", quarter(c.l1)), ("L2", quarter(c.l2)), ("DRAM", min(max(c.l3.map { 4 * $0 } ?? 64 * mib, 64 * mib), 256 * mib))]
    }

    /// One probe over two buffers of `bytes` each (`ck_bandwidth_probe`).
    /// - Parameters:
    ///   - name: the level's name in the result.
    ///   - bytes: size of each buffer: a positive multiple of 64.
    ///   - impl: the implementation to stream with.
    ///   - budgetMs: minimum timed milliseconds (0 = only `minPasses`).
    ///   - minPasses: minimum timed passes.
    /// - Throws: `invalidArgument` naming `bytes`, `impl`, `budgetMs` or `minPasses`; `tooLarge`
    ///   for a size the address space cannot hold twice; `kernelFailure` when allocation fails.
    public static func measure(name: String, bytes: Int, impl: SIMDImplementation = .automatic, budgetMs: Double = 50,
                               minPasses: Int = 2) throws(ConvergeError) -> Level {
        guard budgetMs.isFinite, budgetMs >= 0, budgetMs <= 3_600_000 else {
            throw ConvergeError(.invalidArgument, "budgetMs: must be in 0...3600000 (got \(budgetMs))")
        }
        guard minPasses >= 0, minPasses <= Int(UInt32.max) else {
            throw ConvergeError(.invalidArgument, "minPasses: must be in 0...\(UInt32.max) (got \(minPasses))")
        }
        guard bytes > 0 else { throw ConvergeError(.invalidArgument, "bytes: must be a positive multiple of 64 (got \(bytes))") }
        var r = ck_bandwidth_result_t()
        var err = ck_error_t()
        let status = ck_bandwidth_probe(impl.c, bytes, UInt32(minPasses), UInt64(budgetMs * 1e6), &r, &err)
        guard status == CK_OK else { throw error(status, err, what: "ck_bandwidth_probe", arguments: ["impl", "bytes", "minPasses", "budgetMs", "out"]) }
        return Level(name: name, bytes: Int(r.bytes), gbPerSecondBest: r.gb_per_s_best, gbPerSecondMean: r.gb_per_s_mean,
                     passes: Int(r.passes), implementation: SIMDImplementation(r.impl) ?? impl, numa: r.numa != 0,
                     checksum: r.checksum)
    }

    /// Data (or unified) cache sizes of CPU 0 from Linux sysfs
    /// (`/sys/devices/system/cpu/cpu0/cache/index*/{level,type,size}`); 32 KiB and 1 MiB when L1d
    /// or L2 is not reported (other systems), `nil` for a missing L3.
    public static func cacheSizes() -> (l1: Int, l2: Int, l3: Int?) {
        var found: [Int: Int] = [:]
        let base = "/sys/devices/system/cpu/cpu0/cache"
        for index in 0..<16 {
            let dir = "\(base)/index\(index)"
            guard let levelText = read("\(dir)/level"), let level = Int(levelText) else { continue }
            if let type = read("\(dir)/type"), type == "Instruction" { continue }
            guard let sizeText = read("\(dir)/size"), let size = parseSize(sizeText) else { continue }
            found[level] = max(found[level] ?? 0, size)
        }
        return (found[1] ?? 32 << 10, found[2] ?? 1 << 20, found[3])
    }

    /// "32K", "1024K", "32M", "12345" as bytes.
    static func parseSize(_ text: String) -> Int? {
        let multiplier: Int
        var digits = Substring(text)
        switch text.last {
        case "K", "k": multiplier = 1 << 10; digits = digits.dropLast()
        case "M", "m": multiplier = 1 << 20; digits = digits.dropLast()
        case "G", "g": multiplier = 1 << 30; digits = digits.dropLast()
        default: multiplier = 1
        }
        guard let n = Int(digits), n > 0 else { return nil }
        return n * multiplier
    }

    private static func read(_ path: String) -> String? {
        guard let s = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return s.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The error for a C status of the bitset and probe entries, naming the argument at
    /// `ck_error_t.index`.
    static func error(_ status: ck_status_t, _ err: ck_error_t, what: String, arguments: [String]) -> ConvergeError {
        let name = String(cString: ck_status_name(status))
        let argument = Int(err.index) < arguments.count ? arguments[Int(err.index)] : "argument \(err.index)"
        let code: ConvergeError.Code = switch status {
        case CK_ERR_TOO_LARGE: .tooLarge
        case CK_ERR_OUT_OF_MEMORY: .kernelFailure
        default: .invalidArgument
        }
        return ConvergeError(code, "\(argument): \(name) (value \(err.value), \(what))")
    }
}
