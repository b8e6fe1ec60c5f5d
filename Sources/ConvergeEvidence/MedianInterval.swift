import Foundation

// Distribution-free confidence intervals for a median from its samples (order statistics), and
// the interval of a ratio of two medians: what a noise-robust budget compares (docs/perf-diff.md,
// "Noise-robust budgets").

/// A closed interval `[low, high]` that holds a point's true median with probability ≥ the
/// confidence it was built for.
public struct MedianInterval: Sendable, Equatable {
    public var low: Double
    public var median: Double
    public var high: Double

    public init(low: Double, median: Double, high: Double) {
        self.low = low
        self.median = median
        self.high = high
    }

    /// The confidence of each median's interval (two-sided).
    public static let confidence = 0.99

    /// The interval from samples (any order): with the n samples sorted, `[x(l), x(n+1−l)]`
    /// (1-based ranks) where l is the largest rank with P(Binomial(n, ½) < l) ≤ (1 − confidence)/2.
    /// Too few samples for that (n < 9 at 99 %) give the whole range `[min, max]`. The median is
    /// the format's `sorted[floor(0.5·(n−1))]`. Nil without samples.
    public static func of(samples: [Double], confidence: Double = confidence) -> MedianInterval? {
        let s = samples.filter(\.isFinite).sorted()
        guard let median = Percentiles.pick(s, 0.5) else { return nil }
        let l = lowRank(n: s.count, confidence: confidence)
        return MedianInterval(low: s[l - 1], median: median, high: s[s.count - l])
    }

    /// A point without samples: the median alone (no spread known), `[m, m]`.
    public static func exact(_ median: Double) -> MedianInterval {
        MedianInterval(low: median, median: median, high: median)
    }

    /// The 1-based rank of the interval's low end for n samples (1 when n is too small).
    static func lowRank(n: Int, confidence: Double) -> Int {
        guard n > 0 else { return 1 }
        let tail = (1 - confidence) / 2
        // cumulative P(X ≤ k) of Binomial(n, ½), in log space (n can be in the thousands)
        var best = 1
        var cdf = 0.0
        var logChoose = 0.0  // log C(n, k)
        let logHalfN = Double(n) * log(0.5)
        for k in 0..<n {
            if k > 0 { logChoose += log(Double(n - k + 1)) - log(Double(k)) }
            cdf += exp(logChoose + logHalfN)
            // P(X < k + 1) = cdf
            if cdf <= tail { best = k + 1 } else { break }
        }
        return min(best, (n + 1) / 2)
    }

    /// The interval of `self / other` when both hold their true medians: `[low/other.high,
    /// high/other.low]` (conservative: joint confidence ≥ confidence²). Nil when `other.low` ≤ 0.
    public func over(_ other: MedianInterval) -> MedianInterval? {
        guard other.low > 0, other.median > 0 else { return nil }
        return MedianInterval(low: low / other.high, median: median / other.median, high: high / other.low)
    }

    /// The interval divided by an exact positive number.
    public func over(_ d: Double) -> MedianInterval? {
        guard d > 0, d.isFinite else { return nil }
        return MedianInterval(low: low / d, median: median / d, high: high / d)
    }
}

/// A noise-robust check's verdict at one point: the whole interval on one side of the limit, or
/// straddling it.
public enum RobustVerdict: String, Sendable, Equatable {
    /// Even the interval's high end is within the limit.
    case pass
    /// Even the interval's low end exceeds the limit.
    case fail
    /// The interval holds the limit: the data cannot tell (the scan counts it as a pass).
    case uncertain
}
