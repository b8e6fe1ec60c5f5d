// `converge gate`: pass when the reports are comparable, the comparison is complete and no
// threshold slice regressed.

/// The gate's verdict on a diff (or on reports that could not be diffed).
public struct GateVerdict: Sendable, Equatable {
    /// `comparable && incomplete == nil && regressions == 0`.
    public var pass: Bool
    /// `meta.comparability.comparable` (false when the diff was refused).
    public var comparable: Bool
    /// `summary.regressions`.
    public var regressions: Int
    /// `summary.improvements`.
    public var improvements: Int
    /// Why the reports are not comparable, when they are not (the mismatches).
    public var detail: String?
    /// What one report has and the other lacks (suites, points, metrics), when the diff is
    /// incomplete (`summary.isComplete` false): the gate then fails.
    public var incomplete: String?

    public init(pass: Bool, comparable: Bool, regressions: Int, improvements: Int, detail: String? = nil,
                incomplete: String? = nil) {
        self.pass = pass
        self.comparable = comparable
        self.regressions = regressions
        self.improvements = improvements
        self.detail = detail
        self.incomplete = incomplete
    }

    /// The verdict on reports `PerfDiff.diff` refused (`.notComparable`): fail.
    public static func notComparable(_ error: EvidenceError) -> GateVerdict {
        GateVerdict(pass: false, comparable: false, regressions: 0, improvements: 0, detail: error.message)
    }

    /// `gate: pass — comparable, 0 regressions, 1 improvement` /
    /// `gate: fail — not comparable (<mismatches>), 0 regressions, 0 improvements` /
    /// `gate: fail — comparable, incomplete (suite converge.txnCommit missing in after report), 0 regressions, 0 improvements`.
    /// One line: text from the reports is escaped (`TerminalText`).
    public var line: String {
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        let comparability = comparable ? "comparable" : "not comparable" + (detail.map { " (\($0))" } ?? "")
        let gaps = incomplete.map { ", incomplete (\($0))" } ?? ""
        return TerminalText.escaped(
            "gate: \(pass ? "pass" : "fail") — \(comparability)\(gaps), \(count(regressions, "regression")), \(count(improvements, "improvement"))")
    }
}

extension PerfDiff {
    /// Pass when `meta.comparability.comparable == true`, the diff is complete (no suite, point
    /// or metric in one report only: `summary.isComplete`) and `summary.regressions == 0`.
    public var gate: GateVerdict {
        let c = meta.comparability
        let comparable = c.comparable
        let detail = comparable ? nil : (c.configMismatches + c.envMismatches).joined(separator: "; ")
        let incomplete = summary.isComplete ? nil : incompleteness
        return GateVerdict(pass: comparable && incomplete == nil && summary.regressions == 0, comparable: comparable,
                           regressions: summary.regressions, improvements: summary.improvements, detail: detail,
                           incomplete: incomplete)
    }

    /// `suite x missing in after report; 3 missing points; 1 missing metric (the suites' notes name the first)`.
    var incompleteness: String {
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        var parts: [String] = []
        for s in suites where s.notes?.hasPrefix("missing suite in ") == true {
            parts.append("suite \(s.id) missing \(s.notes!.dropFirst("missing suite ".count))")
        }
        var counts: [String] = []
        if let n = summary.missingPoints, n > 0 { counts.append(count(n, "missing point")) }
        if let n = summary.missingMetrics, n > 0 { counts.append(count(n, "missing metric")) }
        if !counts.isEmpty { parts.append(counts.joined(separator: ", ") + " (the diff's notes name the first)") }
        if parts.isEmpty, let n = summary.missingSuites { parts.append(count(n, "missing suite")) }
        return parts.joined(separator: "; ")
    }
}
