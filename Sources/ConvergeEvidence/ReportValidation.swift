import Foundation

// What a report read from a file must satisfy beyond its JSON shape (docs/perf-report.md,
// "Reading a report"): the JSON Schema's constraints (schemaVersion 1, n ≥ 1, times ≥ 0, the enums)
// plus what the diff relies on to compare the right things — finite numbers, p95 ≥ median, at
// least one suite, no two suites with one id, no two points with the same parameters, no metric or
// evidence named twice in a point. Every failure names the file and the field path
// (`after.json is not a perf report: \`suites[0].points[3].metrics[0].stats.n\` must be ≥ 1 (got -3)`).

extension PerfReport {
    /// The schemaVersion this library reads.
    public static let supportedSchemaVersion = 1

    /// Checks the report; `file` names it in the error.
    /// - Throws: `.invalidReport` naming the first offending field.
    public func validate(file: String) throws(EvidenceError) {
        try ReportValidator(file: file).check(self)
    }
}

/// Walks a report and throws at the first violation.
private struct ReportValidator {
    let file: String

    init(file: String) { self.file = file }

    func fail(_ path: String, _ rule: String) -> EvidenceError {
        EvidenceError(.invalidReport, "\(file) is not a perf report: `\(path)` \(rule)")
    }

    func finite(_ x: Double, _ path: String, min: Double? = nil, exclusiveMin: Bool = false) throws(EvidenceError) {
        guard x.isFinite else { throw fail(path, "must be a finite number (got \(ParamValue.jsNumber(x)))") }
        if let min {
            if exclusiveMin ? !(x > min) : !(x >= min) {
                throw fail(path, "must be \(exclusiveMin ? ">" : "≥") \(ParamValue.jsNumber(min)) (got \(ParamValue.jsNumber(x)))")
            }
        }
    }

    func atLeast(_ x: Int, _ min: Int, _ path: String) throws(EvidenceError) {
        if x < min { throw fail(path, "must be ≥ \(min) (got \(x))") }
    }

    func oneOf(_ s: String, _ allowed: [String], _ path: String) throws(EvidenceError) {
        if !allowed.contains(s) {
            throw fail(path, "must be one of \(allowed.map { "\"\($0)\"" }.joined(separator: ", ")) (got \"\(s)\")")
        }
    }

    func value(_ v: ParamValue?, _ path: String) throws(EvidenceError) {
        if case .number(let d)? = v { try finite(d, path) }
    }

    func check(_ r: PerfReport) throws(EvidenceError) {
        if r.schemaVersion != PerfReport.supportedSchemaVersion {
            throw fail("schemaVersion", "must be \(PerfReport.supportedSchemaVersion) (got \(r.schemaVersion)); this converge reads perf-evidence schemaVersion \(PerfReport.supportedSchemaVersion)")
        }
        try meta(r.meta)
        if r.suites.isEmpty { throw fail("suites", "is empty: a report has at least one suite") }
        var ids: [String: Int] = [:]
        for (i, s) in r.suites.enumerated() {
            let path = "suites[\(i)]"
            if s.id.isEmpty { throw fail("\(path).id", "is empty") }
            if let j = ids[s.id] { throw fail("\(path).id", "repeats suites[\(j)].id \"\(s.id)\"") }
            ids[s.id] = i
            try suite(s, path)
        }
    }

    func meta(_ m: PerfReport.Meta) throws(EvidenceError) {
        let c = m.config
        if let runs = c.runs { try atLeast(runs, 1, "meta.config.runs") }
        if let w = c.warmupDiscard { try atLeast(w, 0, "meta.config.warmupDiscard") }
        if let t = c.timeoutMs { try finite(t, "meta.config.timeoutMs", min: 0, exclusiveMin: true) }
        if let s = c.stability {
            try finite(s.maxP95DeltaRatio, "meta.config.stability.maxP95DeltaRatio", min: 0)
            try finite(s.maxP95DeltaMs, "meta.config.stability.maxP95DeltaMs", min: 0)
        }
        if let cp = c.controlPlane {
            if let x = cp.traitConvergeBudgetMs { try finite(x, "meta.config.controlPlane.traitConvergeBudgetMs") }
            if let x = cp.traitConvergeDecisionBudgetMs { try finite(x, "meta.config.controlPlane.traitConvergeDecisionBudgetMs") }
        }
        if let mem = m.env.memoryGb { try finite(mem, "meta.env.memoryGb") }
        for (i, b) in (m.bandwidthProbe ?? []).enumerated() {
            let path = "meta.bandwidthProbe[\(i)]"
            try oneOf(b.level, ["L1", "L2", "DRAM"], "\(path).level")
            try atLeast(b.bytes, 1, "\(path).bytes")
            try finite(b.gbPerSecondBest, "\(path).gbPerSecondBest", min: 0, exclusiveMin: true)
            try finite(b.gbPerSecondMean, "\(path).gbPerSecondMean", min: 0, exclusiveMin: true)
        }
    }

    func suite(_ s: PerfReport.Suite, _ path: String) throws(EvidenceError) {
        if s.primaryAxis?.isEmpty == true { throw fail("\(path).primaryAxis", "is empty") }
        for (i, b) in (s.budgets ?? []).enumerated() { try budget(b, "\(path).budgets[\(i)]") }
        var seen: [String: Int] = [:]
        for (i, p) in s.points.enumerated() {
            let pp = "\(path).points[\(i)]"
            try point(p, pp)
            let key = stableParamsKey(p.params.filter { !Thresholds.defaultDerivedAxes.contains($0.key) })
            if let j = seen[key] { throw fail("\(pp).params", "repeats the parameters of \(path).points[\(j)] \(key)") }
            seen[key] = i
        }
        for (i, c) in (s.comparisons ?? []).enumerated() { try comparison(c, "\(path).comparisons[\(i)]") }
        if let u = s.upperBound { try upperBound(u, "\(path).upperBound") }
    }

    func comparison(_ c: PerfReport.Comparison, _ path: String) throws(EvidenceError) {
        try finite(c.stats.median, "\(path).stats.median")
        try finite(c.stats.p95, "\(path).stats.p95")
        if let x = c.numeratorMedianMs { try finite(x, "\(path).numeratorMedianMs", min: 0) }
        if let x = c.denominatorMedianMs { try finite(x, "\(path).denominatorMedianMs", min: 0) }
        if c.kind == UpperBound.kind {
            if c.numeratorMedianMs == nil { throw fail("\(path).numeratorMedianMs", "is missing (kind is upperBound)") }
            if c.denominatorMedianMs == nil { throw fail("\(path).denominatorMedianMs", "is missing (kind is upperBound)") }
            if c.holds == nil { throw fail("\(path).holds", "is missing (kind is upperBound)") }
        }
    }

    func upperBound(_ u: PerfReport.UpperBoundSummary, _ path: String) throws(EvidenceError) {
        try atLeast(u.pointsChecked, 0, "\(path).pointsChecked")
        try atLeast(u.pointsFailing, 0, "\(path).pointsFailing")
        try atLeast(u.comparisonsChecked, 0, "\(path).comparisonsChecked")
        try atLeast(u.comparisonsFailing, 0, "\(path).comparisonsFailing")
        if u.pointsFailing > u.pointsChecked {
            throw fail("\(path).pointsFailing", "must be ≤ pointsChecked \(u.pointsChecked) (got \(u.pointsFailing))")
        }
        if u.comparisonsFailing > u.comparisonsChecked {
            throw fail("\(path).comparisonsFailing", "must be ≤ comparisonsChecked \(u.comparisonsChecked) (got \(u.comparisonsFailing))")
        }
        if let w = u.worst { try comparison(w, "\(path).worst") }
    }

    func budget(_ b: PerfReport.Budget, _ path: String) throws(EvidenceError) {
        try oneOf(b.type, ["absolute", "relative", "change"], "\(path).type")
        if b.metric.isEmpty { throw fail("\(path).metric", "is empty") }
        if let st = b.statistic { try oneOf(st, ["median", "p95"], "\(path).statistic") }
        if let d = b.minDeltaMs { try finite(d, "\(path).minDeltaMs", min: 0) }
        if let axis = b.pool {
            if axis.isEmpty { throw fail("\(path).pool", "is empty") }
            if !b.isRobust { throw fail("\(path).pool", "needs statistic \"median\" (pooling is a noise-robust rule)") }
        }
        if let e = b.normalizeEvidence {
            if e.isEmpty { throw fail("\(path).normalizeEvidence", "is empty") }
            if b.type == "absolute" { throw fail("\(path).normalizeEvidence", "applies to change and relative budgets only") }
            if b.type == "relative", b.denominatorEvidence != nil {
                throw fail("\(path).normalizeEvidence", "does not apply with denominatorEvidence (a floor measured beside the numerator needs no probe)")
            }
            if let r = b.normalizeRef {
                if b.type != "change" { throw fail("\(path).normalizeRef", "applies to change budgets only") }
                if parseRef(r).isEmpty { throw fail("\(path).normalizeRef", "must be key=value (got \"\(r)\")") }
            }
        }
        if let e = b.normalizeFallback {
            if e.isEmpty { throw fail("\(path).normalizeFallback", "is empty") }
            if b.normalizeEvidence == nil { throw fail("\(path).normalizeFallback", "needs normalizeEvidence (it stands in when that evidence is missing)") }
        }
        for (axis, levels) in b.scope ?? [:] {
            if axis.isEmpty { throw fail("\(path).scope", "has an empty axis name") }
            if levels.isEmpty { throw fail("\(path).scope.\(axis)", "is empty (a budget that applies to no slice)") }
        }
        switch b.type {
        case "absolute":
            let (name, limit) = b.isRobust ? ("maxMs", b.maxMs) : ("p95Ms", b.p95Ms)
            guard let limit else { throw fail("\(path).\(name)", "is missing (an absolute \(b.isRobust ? "median" : "p95") budget needs it)") }
            try finite(limit, "\(path).\(name)")
        case "change":
            if !b.isRobust { throw fail("\(path).statistic", "must be \"median\" (a change budget is judged on medians)") }
            guard let ratio = b.maxRatio else { throw fail("\(path).maxRatio", "is missing (a change budget needs it)") }
            try finite(ratio, "\(path).maxRatio", min: 1)
        default:
            guard let ratio = b.maxRatio else { throw fail("\(path).maxRatio", "is missing (a relative budget needs it)") }
            try finite(ratio, "\(path).maxRatio")
            for (name, ref) in [("numeratorRef", b.numeratorRef), ("denominatorRef", b.denominatorRef)] {
                guard let ref else { throw fail("\(path).\(name)", "is missing (a relative budget needs it)") }
                if parseRef(ref).isEmpty { throw fail("\(path).\(name)", "must be key=value (got \"\(ref)\")") }
            }
            if let e = b.denominatorEvidence, e.isEmpty { throw fail("\(path).denominatorEvidence", "is empty") }
        }
    }

    func point(_ p: PerfReport.Point, _ path: String) throws(EvidenceError) {
        for key in p.params.keys.sorted() {
            if key.isEmpty { throw fail("\(path).params", "has an empty key") }
            try value(p.params[key], "\(path).params.\(key)")
        }
        try oneOf(p.status, ["ok", "timeout", "failed", "skipped"], "\(path).status")
        var names: [String: Int] = [:]
        for (i, m) in p.metrics.enumerated() {
            let mp = "\(path).metrics[\(i)]"
            if let j = names[m.name] { throw fail("\(mp).name", "repeats \(path).metrics[\(j)].name \"\(m.name)\"") }
            names[m.name] = i
            try metric(m, mp)
        }
        names = [:]
        for (i, e) in (p.evidence ?? []).enumerated() {
            let ep = "\(path).evidence[\(i)]"
            if let j = names[e.name] { throw fail("\(ep).name", "repeats \(path).evidence[\(j)].name \"\(e.name)\"") }
            names[e.name] = i
            try oneOf(e.unit, ["count", "ratio", "bytes", "ms", "string"], "\(ep).unit")
            try oneOf(e.status, ["ok", "unavailable"], "\(ep).status")
            if e.status == "ok" && e.value == nil { throw fail("\(ep).value", "is missing (status is ok)") }
            try value(e.value, "\(ep).value")
        }
    }

    func metric(_ m: PerfReport.Metric, _ path: String) throws(EvidenceError) {
        if m.name.isEmpty { throw fail("\(path).name", "is empty") }
        try oneOf(m.unit, ["ms"], "\(path).unit")
        try oneOf(m.status, ["ok", "unavailable"], "\(path).status")
        if m.status == "ok" {
            guard let s = m.stats else { throw fail("\(path).stats", "is missing (status is ok)") }
            try atLeast(s.n, 1, "\(path).stats.n")
            try finite(s.medianMs, "\(path).stats.medianMs", min: 0)
            try finite(s.p95Ms, "\(path).stats.p95Ms", min: 0)
            if let m = s.minMs {
                try finite(m, "\(path).stats.minMs", min: 0)
                if m > s.medianMs {
                    throw fail("\(path).stats.minMs", "must be ≤ medianMs \(ParamValue.jsNumber(s.medianMs)) (got \(ParamValue.jsNumber(m)))")
                }
            }
            if s.p95Ms < s.medianMs {
                throw fail("\(path).stats.p95Ms", "must be ≥ medianMs \(ParamValue.jsNumber(s.medianMs)) (got \(ParamValue.jsNumber(s.p95Ms)))")
            }
        } else if m.unavailableReason == nil {
            throw fail("\(path).unavailableReason", "is missing (status is unavailable)")
        }
        for (i, x) in (m.samples ?? []).enumerated() { try finite(x, "\(path).samples[\(i)]", min: 0) }
    }
}
