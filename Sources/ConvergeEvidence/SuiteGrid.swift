import Foundation

// The grid a suite's points lie on, as Logix's perf-diff sees it: the independent axes (every
// parameter except the derived ones), their levels in ascending order, where-slices (combinations
// of the non-primary axes) and point lookup by parameters. Logix reads the axes from its matrix
// file; a report does not carry them, so here they are the levels the points themselves use.

/// The axes and levels of one or more suites (the union over them: before and after in a diff).
struct SuiteGrid {
    /// The primary (load) axis, scanned for maxLevel.
    let primaryAxis: String
    /// Independent axes, sorted by name; includes the primary axis.
    let axes: [String]
    /// Each axis's levels: the primary axis's ascending (ParamValue order: numbers, then strings,
    /// then booleans), the others in order of first appearance in the points (the matrix order of
    /// a report written in matrix order, as Logix's and ours are).
    let levels: [String: [ParamValue]]

    init(_ suites: [PerfReport.Suite], derivedAxes: Set<String>) {
        primaryAxis = suites.lazy.compactMap(\.primaryAxis).first ?? Thresholds.defaultPrimaryAxis
        var seen: [String: Set<ParamValue>] = [:]
        var order: [String: [ParamValue]] = [:]
        var keysBySuite: [Set<String>] = []
        for suite in suites {
            var keys: Set<String> = []
            for point in suite.points {
                for (k, v) in point.params where !derivedAxes.contains(k) {
                    if seen[k, default: []].insert(v).inserted { order[k, default: []].append(v) }
                    keys.insert(k)
                }
            }
            keysBySuite.append(keys)
        }
        // A parameter only one report has, with a single value (a one-backend report's
        // kernelBackend beside a Logix report), is not an axis: it would match nothing on the other side.
        for (k, values) in seen where values.count == 1 && keysBySuite.contains(where: { !$0.isEmpty && !$0.contains(k) }) {
            seen[k] = nil
        }
        axes = seen.keys.sorted()
        var levels: [String: [ParamValue]] = [:]
        for k in axes { levels[k] = k == primaryAxis ? seen[k]!.sorted() : order[k]! }
        self.levels = levels
    }

    /// The primary axis's levels, ascending.
    var primaryLevels: [ParamValue] { levels[primaryAxis] ?? [] }

    /// How many points the grid expects: the product of the axes' level counts (saturating at
    /// Int.max). A few points with many axes can span a huge grid; `allCombos` would build it.
    var combinationCount: Int {
        var n = 1
        for axis in axes {
            let (m, overflow) = n.multipliedReportingOverflow(by: max(1, levels[axis]?.count ?? 1))
            if overflow { return Int.max }
            n = m
        }
        return n
    }

    /// `a=2 × b=17 × steps=7`: the axes and their level counts, for messages.
    var shape: String { axes.map { "\($0)=\(levels[$0]?.count ?? 0)" }.joined(separator: " × ") }

    /// Every combination of the non-primary axes other than `excluded` (cartesian product; the
    /// first axis by name varies slowest). One empty `where` when there are no such axes.
    func whereCombos(excluding excluded: Set<String> = []) -> [Params] {
        cartesian(axes.filter { $0 != primaryAxis && !excluded.contains($0) })
    }

    /// Every combination of all independent axes (the points the grid expects).
    func allCombos() -> [Params] { cartesian(axes) }

    private func cartesian(_ names: [String]) -> [Params] {
        var out: [Params] = [[:]]
        for name in names.reversed() {
            let values = levels[name] ?? []
            var next: [Params] = []
            next.reserveCapacity(out.count * values.count)
            for v in values {
                for rest in out {
                    var p = rest
                    p[name] = v
                    next.append(p)
                }
            }
            out = next
        }
        return out
    }
}

/// Point lookup: the first point whose parameters include every given key with an equal value
/// (Logix's findPoint), through an index when the keys are exactly the grid's axes.
struct PointIndex {
    let suite: PerfReport.Suite
    private let axes: Set<String>
    private let byKey: [String: Int]

    init(_ suite: PerfReport.Suite, axes: [String]) {
        self.suite = suite
        self.axes = Set(axes)
        var byKey: [String: Int] = [:]
        for (i, point) in suite.points.enumerated() {
            let key = stableParamsKey(point.params.filter { axes.contains($0.key) })
            if byKey[key] == nil { byKey[key] = i }
        }
        self.byKey = byKey
    }

    func find(_ params: Params) -> PerfReport.Point? {
        findIndex(params).map { suite.points[$0] }
    }

    /// The index in `suite.points` of `find`'s point.
    func findIndex(_ params: Params) -> Int? {
        if Set(params.keys) == axes { return byKey[stableParamsKey(params)] }
        return suite.points.firstIndex { p in params.allSatisfy { p.params[$0.key] == $0.value } }
    }

    /// True when some point matches every key of `where`.
    func hasAny(_ where: Params) -> Bool {
        suite.points.contains { p in `where`.allSatisfy { p.params[$0.key] == $0.value } }
    }
}

/// `{a=1&b=x}`: keys sorted, values in JavaScript's String() spelling; `{}` for none.
func stableParamsKey(_ params: Params?) -> String {
    guard let params else { return "{}" }
    return "{" + params.keys.sorted().map { "\($0)=\(params[$0]!)" }.joined(separator: "&") + "}"
}

/// A budget reference such as `convergeMode=auto` (or `a=1&b=x`): `true`/`false` become booleans,
/// decimal numerals numbers, anything else a string; parts without `=` are ignored.
func parseRef(_ ref: String) -> Params {
    var out: Params = [:]
    for part in ref.split(separator: "&") {
        let trimmed = part.trimmingCharacters(in: .whitespaces)
        guard let eq = trimmed.firstIndex(of: "=") else { continue }
        let k = trimmed[..<eq].trimmingCharacters(in: .whitespaces)
        let v = trimmed[trimmed.index(after: eq)...].trimmingCharacters(in: .whitespaces)
        guard !k.isEmpty else { continue }
        if v == "true" { out[k] = .bool(true) } else if v == "false" { out[k] = .bool(false) } else if isDecimalNumeral(v), let d = Double(v) {
            out[k] = .number(d)
        } else { out[k] = .string(v) }
    }
    return out
}

/// `-?\d+(\.\d+)?`
private func isDecimalNumeral(_ s: String) -> Bool {
    var chars = Substring(s)
    if chars.first == "-" { chars = chars.dropFirst() }
    let parts = chars.split(separator: ".", omittingEmptySubsequences: false)
    guard parts.count == 1 || parts.count == 2 else { return false }
    return parts.allSatisfy { !$0.isEmpty && $0.allSatisfy { $0.isASCII && $0.isNumber } }
}
