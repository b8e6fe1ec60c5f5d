import ConvergeFiles
import Foundation

// The perf diff in Logix's field names (docs/perf-diff.md, docs/schema/perf-diff.schema.json).
// Optional members are left out when absent, as Logix's JSON.stringify leaves out `undefined`;
// maxLevels are written as `null` when there is none.

/// `converge diff`'s output: comparability, a summary and per-suite deltas between two reports.
public struct PerfDiff: Codable, Sendable, Equatable {
    public var schemaVersion: Int
    /// Present when both reports have the same value.
    public var matrixId: String?
    public var matrixHash: String?
    public var profile: String?
    /// `os.arch.browserName[.browserVersion].headless|headed`, lower-cased, when both reports share it.
    public var envId: String?
    public var meta: Meta
    public var summary: Summary
    public var suites: [SuiteDiff]

    public init(schemaVersion: Int = 1, matrixId: String? = nil, matrixHash: String? = nil, profile: String? = nil,
                envId: String? = nil, meta: Meta, summary: Summary, suites: [SuiteDiff]) {
        self.schemaVersion = schemaVersion
        self.matrixId = matrixId
        self.matrixHash = matrixHash
        self.profile = profile
        self.envId = envId
        self.meta = meta
        self.summary = summary
        self.suites = suites
    }

    /// `{createdAt, from, to, comparability}`.
    public struct Meta: Codable, Sendable, Equatable {
        public var createdAt: String
        public var from: Side
        public var to: Side
        public var comparability: Comparability
        public init(createdAt: String, from: Side, to: Side, comparability: Comparability) {
            self.createdAt = createdAt
            self.from = from
            self.to = to
            self.comparability = comparability
        }
    }

    /// One compared report: the file as given and its `meta.git.commit`.
    public struct Side: Codable, Sendable, Equatable {
        public var file: String?
        public var commit: String?
        public init(file: String?, commit: String?) {
            self.file = file
            self.commit = commit
        }
    }

    /// Whether the two reports measure the same thing on the same kind of machine.
    public struct Comparability: Codable, Sendable, Equatable {
        /// No config and no env mismatch.
        public var comparable: Bool
        public var allowConfigDrift: Bool
        public var allowEnvDrift: Bool
        public var configMismatches: [String]
        public var envMismatches: [String]
        /// Non-fatal differences (profile, headless, node version, git).
        public var warnings: [String]
        public init(comparable: Bool, allowConfigDrift: Bool, allowEnvDrift: Bool, configMismatches: [String],
                    envMismatches: [String], warnings: [String]) {
            self.comparable = comparable
            self.allowConfigDrift = allowConfigDrift
            self.allowEnvDrift = allowEnvDrift
            self.configMismatches = configMismatches
            self.envMismatches = envMismatches
            self.warnings = warnings
        }
    }

    /// Counts over all suites; optional counters are left out when zero (`slices` outside
    /// triage mode).
    public struct Summary: Codable, Sendable, Equatable {
        /// Threshold slices whose maxLevel went down.
        public var regressions: Int
        /// Threshold slices whose maxLevel went up.
        public var improvements: Int
        /// Reserved (Logix): always 0.
        public var budgetViolations: Int
        /// Compared slices whose after scan stopped on a budget failure.
        public var budgetExceeded: Int?
        /// Points with status `timeout` in the after report's compared suites.
        public var timeouts: Int?
        /// Suites present in only one of the reports.
        public var missingSuites: Int?
        /// Suites with a stability warning note.
        public var stabilityWarnings: Int?
        /// Slice accounting of a triage diff (--allow-config-drift / --allow-env-drift).
        public var slices: Slices?
        /// Ours: grid points of a compared suite that only one report has.
        public var missingPoints: Int?
        /// Ours: metrics that a point has in one report and not in the other (both points ok).
        public var missingMetrics: Int?
        /// Ours: slices of noise-robust budgets whose maxLevels differ without the change being
        /// beyond the noise (not counted as regressions or improvements; docs/perf-diff.md).
        public var withinNoise: Int?
        /// Ours (`converge ab`): calls that a confirmation re-measure of their level did not
        /// reproduce (not counted as regressions or improvements; docs/perf-diff.md).
        public var unconfirmed: Int?
        public init(regressions: Int, improvements: Int, budgetViolations: Int = 0, budgetExceeded: Int? = nil,
                    timeouts: Int? = nil, missingSuites: Int? = nil, stabilityWarnings: Int? = nil, slices: Slices? = nil,
                    missingPoints: Int? = nil, missingMetrics: Int? = nil) {
            self.regressions = regressions
            self.improvements = improvements
            self.budgetViolations = budgetViolations
            self.budgetExceeded = budgetExceeded
            self.timeouts = timeouts
            self.missingSuites = missingSuites
            self.stabilityWarnings = stabilityWarnings
            self.slices = slices
            self.missingPoints = missingPoints
            self.missingMetrics = missingMetrics
        }

        /// True when the diff compared everything either report has: no suite, point or metric
        /// on one side only. The gate fails an incomplete diff.
        public var isComplete: Bool { (missingSuites ?? 0) == 0 && (missingPoints ?? 0) == 0 && (missingMetrics ?? 0) == 0 }
    }

    /// Threshold slices of a triage diff: `total` = compared + skippedCoverage + skippedData +
    /// beforeOnly + afterOnly.
    public struct Slices: Codable, Sendable, Equatable {
        public var total: Int
        /// Slices whose scans were compared.
        public var compared: Int
        /// No point of the slice in either report.
        public var skippedCoverage: Int
        /// Points on both sides, but a scan stopped for lack of data (missing / unavailable / timeout …).
        public var skippedData: Int
        /// Points only in the before report.
        public var beforeOnly: Int
        /// Points only in the after report.
        public var afterOnly: Int
        public init(total: Int = 0, compared: Int = 0, skippedCoverage: Int = 0, skippedData: Int = 0,
                    beforeOnly: Int = 0, afterOnly: Int = 0) {
            self.total = total
            self.compared = compared
            self.skippedCoverage = skippedCoverage
            self.skippedData = skippedData
            self.beforeOnly = beforeOnly
            self.afterOnly = afterOnly
        }
    }

    /// One suite's deltas. A suite present on one side only has just `id` and `notes`.
    public struct SuiteDiff: Codable, Sendable, Equatable {
        public var id: String
        /// Slices whose maxLevel changed (left out when none).
        public var thresholdDeltas: [ThresholdDelta]?
        /// Reserved (Logix): always empty for compared suites.
        public var budgetViolations: [BudgetViolation]?
        public var evidenceDeltas: [EvidenceDelta]?
        public var metricDeltas: [MetricDelta]?
        /// `mostSignificantRegression: …`, `stabilityWarning: …` (joined by `; `), or why the
        /// suite was not compared.
        public var notes: String?
        public init(id: String, thresholdDeltas: [ThresholdDelta]? = nil, budgetViolations: [BudgetViolation]? = nil,
                    evidenceDeltas: [EvidenceDelta]? = nil, metricDeltas: [MetricDelta]? = nil, notes: String? = nil) {
            self.id = id
            self.thresholdDeltas = thresholdDeltas
            self.budgetViolations = budgetViolations
            self.evidenceDeltas = evidenceDeltas
            self.metricDeltas = metricDeltas
            self.notes = notes
        }
    }

    /// Reserved by the format; never produced.
    public struct BudgetViolation: Codable, Sendable, Equatable {
        public var budget: String?
        public var `where`: Params?
        public var message: String?
    }

    /// A slice whose maxLevel differs between before and after.
    public struct ThresholdDelta: Codable, Sendable, Equatable {
        /// The whole budget object.
        public var budget: PerfReport.Budget
        /// The slice (left out when it has no axes).
        public var `where`: Params?
        public var beforeMaxLevel: ParamValue?
        public var afterMaxLevel: ParamValue?
        /// `[category=runtime] auto<=full*1.05 {dirtyRootsRatio=0.75}: before=null after=2000 (before:budgetExceeded)`.
        public var message: String

        public init(budget: PerfReport.Budget, where: Params?, beforeMaxLevel: ParamValue?, afterMaxLevel: ParamValue?,
                    message: String) {
            self.budget = budget
            self.where = `where`
            self.beforeMaxLevel = beforeMaxLevel
            self.afterMaxLevel = afterMaxLevel
            self.message = message
        }

        enum CodingKeys: String, CodingKey { case budget, `where`, beforeMaxLevel, afterMaxLevel, message }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(budget, forKey: .budget)
            try c.encodeIfPresent(`where`, forKey: .where)
            try c.encode(beforeMaxLevel, forKey: .beforeMaxLevel)
            try c.encode(afterMaxLevel, forKey: .afterMaxLevel)
            try c.encode(message, forKey: .message)
        }
    }

    /// An evidence aggregate that changed (or is non-zero, unavailable or missing somewhere).
    public struct EvidenceDelta: Codable, Sendable, Equatable {
        public var name: String
        public var unit: String
        /// `points` (aggregate over every grid point) or `whereSlices` (budget.cutOffCount).
        public var scope: String
        public var before: EvidenceAggregate
        public var after: EvidenceAggregate
        /// `name(scope) unit=u: before[value=v ok=n unavailable=n missing=n] after[…]`.
        public var message: String
        public init(name: String, unit: String, scope: String, before: EvidenceAggregate, after: EvidenceAggregate,
                    message: String) {
            self.name = name
            self.unit = unit
            self.scope = scope
            self.before = before
            self.after = after
            self.message = message
        }
    }

    /// Counts of points with the evidence ok / unavailable / missing, and the aggregate value:
    /// the median (`sorted[floor(0.5·(n−1))]`) for unit ratio, the last value for strings, the
    /// sum (in point order) otherwise.
    public struct EvidenceAggregate: Codable, Sendable, Equatable {
        public var ok: Int
        public var unavailable: Int
        public var missing: Int
        public var value: ParamValue?
        public init(ok: Int, unavailable: Int, missing: Int, value: ParamValue?) {
            self.ok = ok
            self.unavailable = unavailable
            self.missing = missing
            self.value = value
        }
    }

    /// One metric's p95 compared point by point.
    public struct MetricDelta: Codable, Sendable, Equatable {
        public var metric: String
        public var unit: String
        /// Grid points with the metric ok on both sides.
        public var compared: Int
        /// Grid points (or the metric) absent on either side.
        public var missing: Int
        /// Grid points not ok or with the metric unavailable on either side.
        public var unavailable: Int
        /// At most 5 points with the largest p95 increase (after − before > 0), largest first.
        public var topRegressions: [MetricPointDelta]
        /// At most 5 points with the largest p95 decrease, largest first.
        public var topImprovements: [MetricPointDelta]
        public init(metric: String, unit: String, compared: Int, missing: Int, unavailable: Int,
                    topRegressions: [MetricPointDelta], topImprovements: [MetricPointDelta]) {
            self.metric = metric
            self.unit = unit
            self.compared = compared
            self.missing = missing
            self.unavailable = unavailable
            self.topRegressions = topRegressions
            self.topImprovements = topImprovements
        }
    }

    /// A grid point's p95 before and after: `deltaMs` = after − before, `ratio` = after / before
    /// (left out when before is 0).
    public struct MetricPointDelta: Codable, Sendable, Equatable {
        public var params: Params
        public var beforeP95Ms: Double
        public var afterP95Ms: Double
        public var deltaMs: Double
        public var ratio: Double?
        /// The medians and minima beside the p95s (absent when a report has no median / minMs).
        public var beforeMedianMs: Double?
        public var afterMedianMs: Double?
        public var beforeMinMs: Double?
        public var afterMinMs: Double?
        public init(params: Params, beforeP95Ms: Double, afterP95Ms: Double, deltaMs: Double, ratio: Double?,
                    beforeMedianMs: Double? = nil, afterMedianMs: Double? = nil, beforeMinMs: Double? = nil, afterMinMs: Double? = nil) {
            self.params = params
            self.beforeP95Ms = beforeP95Ms
            self.afterP95Ms = afterP95Ms
            self.deltaMs = deltaMs
            self.ratio = ratio
            self.beforeMedianMs = beforeMedianMs
            self.afterMedianMs = afterMedianMs
            self.beforeMinMs = beforeMinMs
            self.afterMinMs = afterMinMs
        }
    }
}

extension PerfDiff {
    /// Reads a diff (ours or Logix's); a file that is not one gets an error naming the field.
    public static func read(_ path: String) throws(EvidenceError) -> PerfDiff {
        let data: Data
        do { data = try Files.read(path) } catch { throw EvidenceError(.io, error.description) }
        let diff: PerfDiff
        do {
            diff = try JSONDecoder().decode(PerfDiff.self, from: data)
        } catch let e as DecodingError {
            throw EvidenceError(.invalidReport, "\(path) is not a perf diff: \(describe(e))")
        } catch {
            throw EvidenceError(.invalidReport, "\(path) is not a perf diff: \(error)")
        }
        if diff.schemaVersion != 1 {
            throw EvidenceError(.invalidReport, "\(path) is not a perf diff: `schemaVersion` must be 1 (got \(diff.schemaVersion))")
        }
        return diff
    }

    /// Pretty-printed JSON with sorted keys.
    public func encoded() throws(EvidenceError) -> Data {
        try EvidenceJSON.encode(self)
    }
}
