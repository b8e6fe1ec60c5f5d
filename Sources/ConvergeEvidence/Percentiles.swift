/// The format's percentile rule: drop `warmupDiscard` samples from the start, sort, take
/// `sorted[floor(q·(n−1))]`.
public enum Percentiles {
    /// `sorted[floor(q·(n−1))]` of already sorted values; nil when empty.
    public static func pick(_ sorted: [Double], _ q: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let i = Int((q * Double(sorted.count - 1)).rounded(.down))
        return sorted[min(max(i, 0), sorted.count - 1)]
    }

    /// `{n, medianMs, p95Ms, minMs}` of samples (ms) after dropping the first `warmupDiscard`; nil
    /// when nothing is left.
    public static func stats(samplesMs: [Double], warmupDiscard: Int) -> PerfReport.Stats? {
        let kept = Array(samplesMs.dropFirst(max(0, warmupDiscard))).sorted()
        guard let median = pick(kept, 0.5), let p95 = pick(kept, 0.95) else { return nil }
        return PerfReport.Stats(n: kept.count, medianMs: median, p95Ms: p95, minMs: kept.first)
    }
}
