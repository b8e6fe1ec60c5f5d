// `converge gate`: pass when the reports are comparable and no threshold slice regressed.

/// The gate's verdict on a diff (or on reports that could not be diffed).
public struct GateVerdict: Sendable, Equatable {
    /// `comparable && regressions == 0`.
    public var pass: Bool
    /// `meta.comparability.comparable` (false when the diff was refused).
    public var comparable: Bool
    /// `summary.regressions`.
    public var regressions: Int
    /// `summary.improvements`.
    public var improvements: Int
    /// Why the reports are not comparable, when they are not (the mismatches).
    public var detail: String?

    public init(pass: Bool, comparable: Bool, regressions: Int, improvements: Int, detail: String? = nil) {
        self.pass = pass
        self.comparable = comparable
        self.regressions = regressions
        self.improvements = improvements
        self.detail = detail
    }

    /// The verdict on reports `PerfDiff.diff` refused (`.notComparable`): fail.
    public static func notComparable(_ error: EvidenceError) -> GateVerdict {
        GateVerdict(pass: false, comparable: false, regressions: 0, improvements: 0, detail: error.message)
    }

    /// `gate: pass — comparable, 0 regressions, 1 improvement` /
    /// `gate: fail — not comparable (<mismatches>), 0 regressions, 0 improvements`.
    public var line: String {
        func count(_ n: Int, _ noun: String) -> String { "\(n) \(noun)\(n == 1 ? "" : "s")" }
        let comparability = comparable ? "comparable" : "not comparable" + (detail.map { " (\($0))" } ?? "")
        return "gate: \(pass ? "pass" : "fail") — \(comparability), \(count(regressions, "regression")), \(count(improvements, "improvement"))"
    }
}

extension PerfDiff {
    /// Pass when `meta.comparability.comparable == true && summary.regressions == 0`.
    public var gate: GateVerdict {
        let c = meta.comparability
        let comparable = c.comparable
        let detail = comparable ? nil : (c.configMismatches + c.envMismatches).joined(separator: "; ")
        return GateVerdict(pass: comparable && summary.regressions == 0, comparable: comparable,
                           regressions: summary.regressions, improvements: summary.improvements, detail: detail)
    }
}
