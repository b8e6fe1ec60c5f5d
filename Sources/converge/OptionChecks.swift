import ConvergeBench
import ConvergeKernel

/// The one validation of numeric options, used by every subcommand before it allocates or
/// measures anything. A value out of range is `converge: invalid argument: --rounds must be ≥ 1
/// (got 0)`; a size beyond a documented limit is `converge: too large: --converge-steps
/// 1000000000 is more than the limit of 8388608 steps (…)`. Echoed text is cut short
/// (``ConvergeError/excerpt(_:)``).
///
/// Numeric options are declared with `parsing: .unconditional`, so `--steps -1` reaches these
/// checks instead of being taken for a flag.
enum OptionCheck {
    /// The converge workload has two registry paths per step (`b_i`, `d_i`).
    static let maxWorkloadSteps = Workload.maxConvergeSteps
    /// Upper bounds of repetition counts (samples, rounds, batches, runs): generous, and small
    /// enough that nothing sized by them can fail to allocate.
    static let maxRepetitions = 100_000

    /// A list option's default from a library's: `[200, 2000]` → `"200,2000"`.
    static func commaSeparated(_ values: [Int]) -> String { values.map(String.init).joined(separator: ",") }

    /// `value` must lie in `range`.
    static func int(_ name: String, _ value: Int, in range: ClosedRange<Int>) throws(ConvergeError) {
        guard !range.contains(value) else { return }
        throw ConvergeError(.invalidArgument, "\(name) must be \(describe(range)) (got \(value))")
    }

    /// A size: below `minimum` is an invalid argument, above `limit` is `tooLarge` naming the limit.
    static func size(_ name: String, _ value: Int, minimum: Int = 1, limit: Int, unit: String, why: String = "") throws(ConvergeError) {
        if value < minimum { throw ConvergeError(.invalidArgument, "\(name) must be ≥ \(minimum) (got \(value))") }
        if value > limit {
            throw ConvergeError(.tooLarge, "\(name) \(value) is more than the limit of \(limit) \(unit)\(why.isEmpty ? "" : " (\(why))")")
        }
    }

    /// The ranges a real-valued option can have.
    enum Interval {
        /// (0, 1]: a fraction of something, at least a little of it.
        case fraction
        /// (0, max]
        case positive(max: Double)

        func contains(_ x: Double) -> Bool {
            switch self {
            case .fraction: x > 0 && x <= 1
            case .positive(let max): x > 0 && x <= max
            }
        }

        var text: String {
            switch self {
            case .fraction: "a number in (0, 1]"
            case .positive(let max): "a number in (0, \(OptionCheck.number(max))]"
            }
        }
    }

    /// `value` must be finite and in `interval` (nan and inf never are).
    static func double(_ name: String, _ value: Double, _ interval: Interval) throws(ConvergeError) {
        guard value.isFinite, interval.contains(value) else {
            throw ConvergeError(.invalidArgument, "\(name) must be \(interval.text) (got \(number(value)))")
        }
    }

    /// A comma-separated list of whole numbers, each in `1…limit` (`tooLarge` beyond the limit).
    static func intList(_ name: String, _ text: String, minimum: Int = 1, limit: Int, unit: String, why: String = "") throws(ConvergeError) -> [Int] {
        var out: [Int] = []
        for part in try items(name, text) {
            guard let v = Int(part) else {
                throw ConvergeError(.invalidArgument, "\(name): \(ConvergeError.quoted(part)) is not a whole number")
            }
            try size("\(name) entry", v, minimum: minimum, limit: limit, unit: unit, why: why)
            if !out.contains(v) { out.append(v) }
        }
        return out
    }

    /// A comma-separated list of numbers, each finite and in `interval`.
    static func doubleList(_ name: String, _ text: String, _ interval: Interval) throws(ConvergeError) -> [Double] {
        var out: [Double] = []
        for part in try items(name, text) {
            guard let v = Double(part) else {
                throw ConvergeError(.invalidArgument, "\(name): \(ConvergeError.quoted(part)) is not a number")
            }
            try double("\(name) entry", v, interval)
            if !out.contains(v) { out.append(v) }
        }
        return out
    }

    /// The entries of a comma-separated list (spaces around them ignored); none is an error.
    static func items(_ name: String, _ text: String) throws(ConvergeError) -> [Substring] {
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map { s -> Substring in
            var s = s[...]
            while s.first == " " { s = s.dropFirst() }
            while s.last == " " { s = s.dropLast() }
            return s
        }
        if let empty = parts.firstIndex(where: \.isEmpty) {
            throw ConvergeError(.invalidArgument, "\(name) has an empty entry (entry \(empty + 1) of \(ConvergeError.quoted(text)))")
        }
        return parts
    }

    private static func describe(_ range: ClosedRange<Int>) -> String {
        if range.upperBound == .max { return "≥ \(range.lowerBound)" }
        if range.lowerBound == .min { return "≤ \(range.upperBound)" }
        return "in \(range.lowerBound)…\(range.upperBound)"
    }

    static func number(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x < 0 ? "-inf" : "inf" }
        if x == x.rounded(), abs(x) < 1e15 { return String(Int(x)) }
        return "\(x)"
    }
}
