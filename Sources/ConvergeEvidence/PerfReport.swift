import ConvergeFiles
import Foundation

// The perf report in Logix's field names (docs/perf-report.md; format: Logix perf-evidence
// schemaVersion 1). Reading is lenient the way Logix's own tooling is: members we do not use are
// ignored, optional members may be missing; writing always produces the documented shape.

/// A parameter or evidence value: JSON string, number or boolean.
public enum ParamValue: Codable, Hashable, Sendable, CustomStringConvertible, Comparable {
    case string(String)
    case number(Double)
    case bool(Bool)

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if let b = try? c.decode(Bool.self) { self = .bool(b); return }
        if let d = try? c.decode(Double.self) { self = .number(d); return }
        if let s = try? c.decode(String.self) { self = .string(s); return }
        throw DecodingError.dataCorruptedError(in: c, debugDescription: "expected a string, number or boolean")
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .string(let s): try c.encode(s)
        case .number(let d): try c.encode(d)
        case .bool(let b): try c.encode(b)
        }
    }

    /// JavaScript's `String(value)` spelling (`0.75`, `2000`, `true`): used in `where` messages.
    public var description: String {
        switch self {
        case .string(let s): return s
        case .bool(let b): return b ? "true" : "false"
        case .number(let d): return ParamValue.jsNumber(d)
        }
    }

    public var number: Double? { if case .number(let d) = self { return d } else { return nil } }
    public var string: String? { if case .string(let s) = self { return s } else { return nil } }

    /// Numbers sort numerically, then strings, then booleans (false < true).
    public static func < (a: ParamValue, b: ParamValue) -> Bool {
        switch (a, b) {
        case (.number(let x), .number(let y)): return x < y
        case (.string(let x), .string(let y)): return x < y
        case (.bool(let x), .bool(let y)): return !x && y
        case (.number, _): return true
        case (.string, .bool): return true
        default: return false
        }
    }

    /// JavaScript's `String(number)`: the shortest round-trip digits, in plain notation for
    /// 1e-7 ≤ |x| < 1e21 (`2000`, `0.005`, `0.00001`, `10000000000000000`), else with an
    /// exponent (`1e-7`, `1.5e+21`); `NaN`, `Infinity`, and `0` for −0.
    public static func jsNumber(_ d: Double) -> String {
        if d.isNaN { return "NaN" }
        if d.isInfinite { return d > 0 ? "Infinity" : "-Infinity" }
        if d == 0 { return "0" }
        // Swift's description has the shortest round-trip digits: split it into digits and the
        // decimal point's position n (value = 0.d1d2… × 10^n)
        let text = "\(abs(d))"
        var mantissa = Substring(text), exponent = 0
        if let e = text.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            mantissa = text[..<e]
            exponent = Int(text[text.index(after: e)...]) ?? 0
        }
        let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
        var digits = String(parts[0]) + (parts.count > 1 ? String(parts[1]) : "")
        var n = parts[0].count + exponent
        while digits.first == "0" { digits.removeFirst(); n -= 1 }
        while digits.last == "0" { digits.removeLast() }
        let k = digits.count, sign = d < 0 ? "-" : ""
        if k <= n && n <= 21 { return sign + digits + String(repeating: "0", count: n - k) }
        if 0 < n && n <= 21 { return sign + digits.prefix(n) + "." + digits.dropFirst(n) }
        if -6 < n && n <= 0 { return sign + "0." + String(repeating: "0", count: -n) + digits }
        let e = n - 1
        return sign + (k == 1 ? digits : digits.prefix(1) + "." + digits.dropFirst()) + "e" + (e < 0 ? "-\(-e)" : "+\(e)")
    }
}

/// Parameters of a point (`{convergeMode: "full", steps: 200, …}`).
public typealias Params = [String: ParamValue]

public struct PerfReport: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    public var meta: Meta
    public var suites: [Suite]

    public init(schemaVersion: Int = 1, meta: Meta, suites: [Suite]) {
        self.schemaVersion = schemaVersion
        self.meta = meta
        self.suites = suites
    }

    public struct Meta: Codable, Sendable, Equatable {
        public var createdAt: String
        public var generator: String
        public var matrixId: String
        public var matrixUpdatedAt: String?
        public var matrixHash: String?
        public var git: Git?
        public var config: Config
        public var env: Env
        /// ConvergeKernel's extension: the memory-bandwidth probe of the run (stream OR over L1-,
        /// L2- and DRAM-sized buffers); `bandwidth.ratio` evidence is relative to it.
        public var bandwidthProbe: [BandwidthLevel]?
        /// ConvergeKernel's extension: the user's graph of `converge bench --ir` (its file name,
        /// sha256 and the dirty sets' seed; matrixHash then covers them too).
        public var graph: GraphIdentity?

        public init(createdAt: String, generator: String, matrixId: String, matrixUpdatedAt: String? = nil,
                    matrixHash: String? = nil, git: Git? = nil, config: Config, env: Env) {
            self.createdAt = createdAt
            self.generator = generator
            self.matrixId = matrixId
            self.matrixUpdatedAt = matrixUpdatedAt
            self.matrixHash = matrixHash
            self.git = git
            self.config = config
            self.env = env
        }
    }

    /// The graph a `converge bench --ir` run measured.
    public struct GraphIdentity: Codable, Sendable, Equatable {
        public var file: String
        public var sha256: String
        public var seed: UInt64
        public init(file: String, sha256: String, seed: UInt64) {
            self.file = file
            self.sha256 = sha256
            self.seed = seed
        }
    }

    /// One level of the bandwidth probe: buffer bytes, best and mean GB/s (bytes read + written).
    public struct BandwidthLevel: Codable, Sendable, Equatable {
        public var level: String
        public var bytes: Int
        public var gbPerSecondBest: Double
        public var gbPerSecondMean: Double
        public var implementation: String
        public init(level: String, bytes: Int, gbPerSecondBest: Double, gbPerSecondMean: Double, implementation: String) {
            self.level = level
            self.bytes = bytes
            self.gbPerSecondBest = gbPerSecondBest
            self.gbPerSecondMean = gbPerSecondMean
            self.implementation = implementation
        }
    }

    public struct Git: Codable, Sendable, Equatable {
        public var branch: String?
        public var commit: String?
        public var dirty: Bool?
        public init(branch: String? = nil, commit: String? = nil, dirty: Bool? = nil) {
            self.branch = branch
            self.commit = commit
            self.dirty = dirty
        }
    }

    public struct Stability: Codable, Sendable, Equatable {
        public var maxP95DeltaRatio: Double
        public var maxP95DeltaMs: Double
        public init(maxP95DeltaRatio: Double = 0.1, maxP95DeltaMs: Double = 5) {
            self.maxP95DeltaRatio = maxP95DeltaRatio
            self.maxP95DeltaMs = maxP95DeltaMs
        }
    }

    public struct ControlPlane: Codable, Sendable, Equatable {
        public var traitConvergeBudgetMs: Double?
        public var traitConvergeDecisionBudgetMs: Double?
        public var tuningId: String?
        public init(traitConvergeBudgetMs: Double? = nil, traitConvergeDecisionBudgetMs: Double? = nil, tuningId: String? = nil) {
            self.traitConvergeBudgetMs = traitConvergeBudgetMs
            self.traitConvergeDecisionBudgetMs = traitConvergeDecisionBudgetMs
            self.tuningId = tuningId
        }
    }

    public struct Config: Codable, Sendable, Equatable {
        public var runs: Int?
        public var warmupDiscard: Int?
        public var timeoutMs: Double?
        public var headless: Bool?
        public var profile: String?
        public var stability: Stability?
        public var controlPlane: ControlPlane?
        public init(runs: Int? = nil, warmupDiscard: Int? = nil, timeoutMs: Double? = nil, headless: Bool? = nil,
                    profile: String? = nil, stability: Stability? = nil, controlPlane: ControlPlane? = nil) {
            self.runs = runs
            self.warmupDiscard = warmupDiscard
            self.timeoutMs = timeoutMs
            self.headless = headless
            self.profile = profile
            self.stability = stability
            self.controlPlane = controlPlane
        }
    }

    public struct Browser: Codable, Sendable, Equatable {
        public var name: String?
        public var version: String?
        public var headless: Bool?
        public init(name: String? = nil, version: String? = nil, headless: Bool? = nil) {
            self.name = name
            self.version = version
            self.headless = headless
        }
    }

    public struct Env: Codable, Sendable, Equatable {
        public var os: String?
        public var arch: String?
        public var cpu: String?
        public var memoryGb: Double?
        public var node: String?
        public var browser: Browser?
        public init(os: String? = nil, arch: String? = nil, cpu: String? = nil, memoryGb: Double? = nil,
                    node: String? = nil, browser: Browser? = nil) {
            self.os = os
            self.arch = arch
            self.cpu = cpu
            self.memoryGb = memoryGb
            self.node = node
            self.browser = browser
        }
    }

    /// Logix's `{id?, type: "absolute", metric, p95Ms}` and
    /// `{id?, type: "relative", metric, maxRatio, numeratorRef, denominatorRef, minDeltaMs?}`, and
    /// our noise-robust budgets (`statistic: "median"`): absolute with `maxMs`, relative (its
    /// denominator optionally an evidence value: `denominatorEvidence`), and `type: "change"`
    /// (after ÷ before of the same point, judged by a diff; docs/perf-diff.md).
    public struct Budget: Codable, Sendable, Equatable, Hashable {
        public var id: String?
        public var type: String
        public var metric: String
        public var p95Ms: Double?
        public var maxRatio: Double?
        public var numeratorRef: String?
        public var denominatorRef: String?
        public var minDeltaMs: Double?
        /// Ours: `"median"` judges the median through its confidence interval (from the point's
        /// `samples`); absent (or `"p95"`): Logix's rule on p95.
        public var statistic: String?
        /// Ours: an absolute median budget's limit (ms).
        public var maxMs: Double?
        /// Ours: a relative budget whose denominator is this evidence (ms) of the denominator
        /// point, e.g. `floor.cLoopMs`: "≤ maxRatio floors".
        public var denominatorEvidence: String?
        /// Ours: an axis whose levels a noise-robust budget pools: its slices leave the axis out,
        /// and a level fails when more than half of the pooled points fail clearly.
        public var pool: String?
        /// Ours, change budgets: divide this side's medians by the machine's own slowdown between
        /// the runs — the median ratio of this evidence (ms; e.g. `floor.cLoopMs`) on the points
        /// `normalizeRef` names (e.g. `kernelBackend=native-l3`) at the same level.
        public var normalizeEvidence: String?
        public var normalizeRef: String?
        /// Ours, change budgets: when no point `normalizeRef` names has `normalizeEvidence` in both
        /// reports (no native-l3 in the run, a user's graph without a floor), this evidence of the
        /// slice's own points instead (e.g. `machine.probeMs`).
        public var normalizeFallback: String?
        /// Ours: the where-slices the budget applies to (axis → levels, as JSON values); a slice
        /// whose level of a listed axis is not listed is not scanned. Absent: every slice.
        public var scope: [String: [ParamValue]]?

        /// Whether the budget applies to a where-slice (`scope`).
        public func covers(_ slice: Params) -> Bool {
            guard let scope else { return true }
            for (axis, levels) in scope { if let v = slice[axis], !levels.contains(v) { return false } }
            return true
        }

        /// Judged on medians with confidence intervals (`statistic == "median"`).
        public var isRobust: Bool { statistic == "median" }

        public static func absolute(_ id: String, metric: String, p95Ms: Double) -> Budget {
            Budget(id: id, type: "absolute", metric: metric, p95Ms: p95Ms)
        }

        public static func relative(_ id: String, metric: String, maxRatio: Double, numeratorRef: String,
                                    denominatorRef: String, minDeltaMs: Double? = nil) -> Budget {
            Budget(id: id, type: "relative", metric: metric, maxRatio: maxRatio, numeratorRef: numeratorRef,
                   denominatorRef: denominatorRef, minDeltaMs: minDeltaMs)
        }

        public init(id: String? = nil, type: String, metric: String, p95Ms: Double? = nil, maxRatio: Double? = nil,
                    numeratorRef: String? = nil, denominatorRef: String? = nil, minDeltaMs: Double? = nil) {
            self.id = id
            self.type = type
            self.metric = metric
            self.p95Ms = p95Ms
            self.maxRatio = maxRatio
            self.numeratorRef = numeratorRef
            self.denominatorRef = denominatorRef
            self.minDeltaMs = minDeltaMs
        }

        /// A noise-robust budget (`statistic: "median"`).
        public static func robust(_ id: String, type: String, metric: String, maxMs: Double? = nil, maxRatio: Double? = nil,
                                  numeratorRef: String? = nil, denominatorRef: String? = nil,
                                  denominatorEvidence: String? = nil, minDeltaMs: Double? = nil, pool: String? = nil,
                                  scope: [String: [ParamValue]]? = nil) -> Budget {
            var b = Budget(id: id, type: type, metric: metric, maxRatio: maxRatio, numeratorRef: numeratorRef,
                           denominatorRef: denominatorRef, minDeltaMs: minDeltaMs)
            b.statistic = "median"
            b.maxMs = maxMs
            b.denominatorEvidence = denominatorEvidence
            b.pool = pool
            b.scope = scope
            return b
        }

        /// The id, or a synthesized one when the file has none.
        public var name: String {
            if let id { return id }
            if type == "absolute" && isRobust { return "\(metric).median<=\(ParamValue.jsNumber(maxMs ?? .nan))ms" }
            if type == "absolute" { return "\(metric).p95<=\(ParamValue.jsNumber(p95Ms ?? .nan))ms" }
            if type == "change" { return "\(metric).median<=before*\(ParamValue.jsNumber(maxRatio ?? .nan))" }
            return "\(metric):\(numeratorRef ?? "?")<=\(denominatorRef ?? "?")*\(ParamValue.jsNumber(maxRatio ?? .nan))"
        }
    }

    public struct Stats: Codable, Sendable, Equatable {
        public var n: Int
        public var medianMs: Double
        public var p95Ms: Double
        /// Ours: the smallest kept sample (the best case, beside the median and p95).
        public var minMs: Double?
        public init(n: Int, medianMs: Double, p95Ms: Double, minMs: Double? = nil) {
            self.n = n
            self.medianMs = medianMs
            self.p95Ms = p95Ms
            self.minMs = minMs
        }
    }

    public struct Metric: Codable, Sendable, Equatable {
        public var name: String
        public var unit: String
        /// "ok" | "unavailable"
        public var status: String
        public var stats: Stats?
        public var samples: [Double]?
        public var unavailableReason: String?

        public init(name: String, unit: String = "ms", status: String, stats: Stats? = nil, samples: [Double]? = nil,
                    unavailableReason: String? = nil) {
            self.name = name
            self.unit = unit
            self.status = status
            self.stats = stats
            self.samples = samples
            self.unavailableReason = unavailableReason
        }

        public static func ok(_ name: String, _ stats: Stats, samples: [Double]? = nil) -> Metric {
            Metric(name: name, status: "ok", stats: stats, samples: samples)
        }

        public static func unavailable(_ name: String, _ reason: String) -> Metric {
            Metric(name: name, status: "unavailable", unavailableReason: reason)
        }
    }

    public struct Evidence: Codable, Sendable, Equatable {
        public var name: String
        /// "count" | "ratio" | "bytes" | "ms" | "string"
        public var unit: String
        public var status: String
        public var value: ParamValue?
        public var unavailableReason: String?

        public init(name: String, unit: String, status: String, value: ParamValue? = nil, unavailableReason: String? = nil) {
            self.name = name
            self.unit = unit
            self.status = status
            self.value = value
            self.unavailableReason = unavailableReason
        }

        public static func number(_ name: String, _ unit: String, _ v: Double) -> Evidence {
            v.isFinite ? Evidence(name: name, unit: unit, status: "ok", value: .number(v))
                : Evidence(name: name, unit: unit, status: "unavailable", unavailableReason: "notFinite")
        }

        public static func string(_ name: String, _ v: String) -> Evidence {
            Evidence(name: name, unit: "string", status: "ok", value: .string(v))
        }

        public static func unavailable(_ name: String, _ unit: String, _ reason: String) -> Evidence {
            Evidence(name: name, unit: unit, status: "unavailable", unavailableReason: reason)
        }
    }

    public struct Point: Codable, Sendable, Equatable {
        public var params: Params
        /// "ok" | "timeout" | "failed" | "skipped"
        public var status: String
        public var reason: String?
        public var metrics: [Metric]
        public var evidence: [Evidence]?

        public init(params: Params, status: String, reason: String? = nil, metrics: [Metric], evidence: [Evidence]? = nil) {
            self.params = params
            self.status = status
            self.reason = reason
            self.metrics = metrics
            self.evidence = evidence
        }

        public func metric(_ name: String) -> Metric? { metrics.first { $0.name == name } }
        public func evidence(_ name: String) -> Evidence? { evidence?.first { $0.name == name } }
    }

    /// `maxLevel` / `firstFailLevel` are written as `null` when absent (no level passes / none fails).
    public struct Threshold: Codable, Sendable, Equatable {
        public var budget: String
        public var `where`: Params?
        public var maxLevel: ParamValue?
        public var firstFailLevel: ParamValue?
        public var reason: String?

        public init(budget: String, where: Params?, maxLevel: ParamValue?, firstFailLevel: ParamValue? = nil, reason: String? = nil) {
            self.budget = budget
            self.where = `where`
            self.maxLevel = maxLevel
            self.firstFailLevel = firstFailLevel
            self.reason = reason
        }

        enum CodingKeys: String, CodingKey { case budget, `where`, maxLevel, firstFailLevel, reason }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(budget, forKey: .budget)
            try c.encodeIfPresent(`where`, forKey: .where)
            try c.encode(maxLevel, forKey: .maxLevel)
            try c.encodeIfPresent(firstFailLevel, forKey: .firstFailLevel)
            try c.encodeIfPresent(reason, forKey: .reason)
        }
    }

    public struct ComparisonStats: Codable, Sendable, Equatable {
        public var median: Double
        public var p95: Double
        public init(median: Double, p95: Double) {
            self.median = median
            self.p95 = p95
        }
    }

    /// `{kind: "ratio"|"delta", metric, numeratorWhere, denominatorWhere, unit, stats: {median, p95}}`;
    /// ConvergeKernel's `kind: "upperBound"` (UpperBound.swift) adds `numeratorMedianMs`,
    /// `denominatorMedianMs` and `holds` (absent, not null, on the other kinds).
    public struct Comparison: Codable, Sendable, Equatable {
        public var kind: String
        public var metric: String
        public var numeratorWhere: Params
        public var denominatorWhere: Params
        public var unit: String
        public var stats: ComparisonStats
        /// upperBound: the other backend's median (ms).
        public var numeratorMedianMs: Double?
        /// upperBound: the best native backend's median (ms).
        public var denominatorMedianMs: Double?
        /// upperBound: whether the best native median is ≤ the other backend's (ratio ≥ 1).
        public var holds: Bool?
        public init(kind: String, metric: String, numeratorWhere: Params, denominatorWhere: Params, unit: String,
                    stats: ComparisonStats, numeratorMedianMs: Double? = nil, denominatorMedianMs: Double? = nil,
                    holds: Bool? = nil) {
            self.kind = kind
            self.metric = metric
            self.numeratorWhere = numeratorWhere
            self.denominatorWhere = denominatorWhere
            self.unit = unit
            self.stats = stats
            self.numeratorMedianMs = numeratorMedianMs
            self.denominatorMedianMs = denominatorMedianMs
            self.holds = holds
        }
    }

    /// ConvergeKernel's extension on a suite: the summary of the upper-bound check (UpperBound.swift,
    /// docs/perf-report.md, "The upper bound"). A point is one combination of the axes other than
    /// `kernelBackend` (and the derived `dirtyRoots`).
    public struct UpperBoundSummary: Codable, Sendable, Equatable {
        /// The metric compared (`runtime.txnCommitMs`, medians).
        public var metric: String
        /// The backends counted as native; per point the fastest of them is the "best native".
        public var nativeBackends: [String]
        /// Points where at least one native backend and one other backend were measured.
        public var pointsChecked: Int
        /// Of those, points where some other backend's median is below the best native median.
        public var pointsFailing: Int
        /// upperBound comparisons written (one per other backend per checked point).
        public var comparisonsChecked: Int
        /// Of those, the ones that do not hold.
        public var comparisonsFailing: Int
        /// The upperBound comparison with the smallest ratio (absent when nothing was checked).
        public var worst: Comparison?

        public init(metric: String, nativeBackends: [String], pointsChecked: Int, pointsFailing: Int,
                    comparisonsChecked: Int, comparisonsFailing: Int, worst: Comparison?) {
            self.metric = metric
            self.nativeBackends = nativeBackends
            self.pointsChecked = pointsChecked
            self.pointsFailing = pointsFailing
            self.comparisonsChecked = comparisonsChecked
            self.comparisonsFailing = comparisonsFailing
            self.worst = worst
        }
    }

    public struct Suite: Codable, Sendable, Equatable {
        public var id: String
        public var title: String?
        public var priority: String?
        public var primaryAxis: String?
        public var budgets: [Budget]?
        public var metricCategories: [String: String]?
        public var points: [Point]
        public var thresholds: [Threshold]?
        public var comparisons: [Comparison]?
        /// ConvergeKernel's extension: the upper-bound check's summary (`converge bench` writes it).
        public var upperBound: UpperBoundSummary?

        public init(id: String, title: String? = nil, priority: String? = nil, primaryAxis: String? = nil,
                    budgets: [Budget]? = nil, metricCategories: [String: String]? = nil, points: [Point] = [],
                    thresholds: [Threshold]? = nil, comparisons: [Comparison]? = nil, upperBound: UpperBoundSummary? = nil) {
            self.id = id
            self.title = title
            self.priority = priority
            self.primaryAxis = primaryAxis
            self.budgets = budgets
            self.metricCategories = metricCategories
            self.points = points
            self.thresholds = thresholds
            self.comparisons = comparisons
            self.upperBound = upperBound
        }
    }
}

/// Errors of reading, diffing and writing reports: a code and a message naming the file and field.
public struct EvidenceError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Code: String, Sendable {
        /// The file cannot be read or written.
        case io
        /// The file is not JSON, or not a perf report / diff (the message names the field).
        case invalidReport
        /// The two reports cannot be compared (without --allow-config-drift / --allow-env-drift).
        case notComparable
        /// A bad option value.
        case invalidArgument

        /// The words the CLI prints (`converge: <words>: <message>`), in ConvergeError's
        /// vocabulary (docs/errors.md): "i/o error", "invalid report", "not comparable",
        /// "invalid argument".
        public var words: String {
            switch self {
            case .io: "i/o error"
            case .invalidReport: "invalid report"
            case .notComparable: "not comparable"
            case .invalidArgument: "invalid argument"
            }
        }
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `"<words>: <message>"` (`invalid report: after.json is not a perf report: …`).
    public var description: String { "\(code.words): \(message)" }
}

extension PerfReport {
    /// Reads a report; a file that is not one gets an error naming the file and the field.
    public static func read(_ path: String) throws(EvidenceError) -> PerfReport {
        let data: Data
        do { data = try Files.read(path) } catch { throw EvidenceError(.io, error.description) }
        return try decode(data, file: path)
    }

    /// Decodes a report from JSON and validates it (`validate(file:)`); `file` names it in errors.
    public static func decode(_ data: Data, file: String) throws(EvidenceError) -> PerfReport {
        let report: PerfReport
        do {
            report = try JSONDecoder().decode(PerfReport.self, from: data)
        } catch let e as DecodingError {
            throw EvidenceError(.invalidReport, "\(file) is not a perf report: \(describe(e))")
        } catch {
            throw EvidenceError(.invalidReport, "\(file) is not a perf report: \(error)")
        }
        try report.validate(file: file)
        return report
    }

    /// Pretty-printed JSON with sorted keys (stable diffs between runs).
    public func encoded() throws(EvidenceError) -> Data {
        try EvidenceJSON.encode(self)
    }
}

/// JSON encoding and decoding-error wording shared by reports and diffs.
public enum EvidenceJSON {
    public static func encode<T: Encodable>(_ value: T) throws(EvidenceError) -> Data {
        let enc = JSONEncoder()
        enc.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do {
            var d = try enc.encode(value)
            d.append(0x0A)
            return d
        } catch {
            throw EvidenceError(.invalidReport, "cannot encode JSON: \(error)")
        }
    }

    public static func write<T: Encodable>(_ value: T, to path: String) throws(EvidenceError) {
        let data = try encode(value)
        // through a symlink, in place for a device (/dev/stdout), never replacing either
        do { try Files.write(data, to: path) } catch { throw EvidenceError(.io, error.description) }
    }
}

/// "missing field `meta.config`" / "`suites[0].points[3].status`: expected String" …
func describe(_ e: DecodingError) -> String {
    func path(_ keys: [any CodingKey]) -> String {
        var s = ""
        for k in keys {
            if let i = k.intValue { s += "[\(i)]" } else { s += s.isEmpty ? k.stringValue : ".\(k.stringValue)" }
        }
        return s
    }
    switch e {
    case .keyNotFound(let key, let ctx):
        let p = path(ctx.codingPath + [key])
        return "missing field `\(p)`"
    case .typeMismatch(let type, let ctx):
        return "field `\(path(ctx.codingPath))`: expected \(type)"
    case .valueNotFound(let type, let ctx):
        return "field `\(path(ctx.codingPath))`: expected \(type), found null"
    case .dataCorrupted(let ctx):
        let p = path(ctx.codingPath)
        return p.isEmpty ? "not valid JSON (\(ctx.debugDescription))" : "field `\(p)`: \(ctx.debugDescription)"
    @unknown default:
        return "\(e)"
    }
}

/// Literals for parameter values (`["convergeMode": "auto", "steps": 200]`).
extension ParamValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
    public init(floatLiteral value: Double) { self = .number(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}
