import ConvergeKernel

/// An independent, obviously-correct model of Logix's converge semantics
/// (docs/converge-semantics.md), written with sets and sorting and sharing no code
/// with the library. Strings are handled as UTF-16 code units, as JavaScript handles them.
public enum BruteForceModel {
    public struct Inspect: Equatable, Sendable {
        public var fieldPaths: [String]
        /// Raw outs in topological order.
        public var topo: [String]
    }

    public enum Outcome: Equatable, Sendable {
        /// `executedMode` is "full"/"dirty", or nil when the graph has no steps.
        case plan(executedMode: String?, outs: [String])
        /// A Logix code ("CYCLE_DETECTED", "MULTIPLE_WRITERS", "MISSING_DEPS", "UNMAPPABLE_OUT") or
        /// ours ("UNKNOWN_STEP_KIND", "MISSING_FIELD").
        case error(String)
    }

    typealias Units = [UInt16]
    typealias Path = [Units]

    // MARK: paths (§1)

    /// The normalized segments of a raw path, or nil.
    public static func normalize(_ raw: String) -> [String]? {
        normalizeUnits(Array(raw.utf16)).map { $0.map { String(decoding: $0, as: UTF16.self) } }
    }

    static let dot: UInt16 = 46, star: UInt16 = 42, open: UInt16 = 91, close: UInt16 = 93

    static func isDigits(_ s: Units) -> Bool { !s.isEmpty && s.allSatisfy { $0 >= 48 && $0 <= 57 } }
    static func hasBracket(_ s: Units) -> Bool { s.contains(open) || s.contains(close) }

    static func normalizeUnits(_ raw: Units) -> Path? {
        if raw.isEmpty || raw == [star] { return nil }
        var segs: Path = []
        for part in raw.split(separator: dot, omittingEmptySubsequences: true).map(Array.init) {
            if part == [star] { return nil }
            if part.count >= 2 && part[part.count - 2] == open && part[part.count - 1] == close {
                let base = Array(part.dropLast(2))
                if !base.isEmpty { segs.append(base) }
                continue
            }
            // (.+)\[(\d+)\]$
            if part.last == close, let o = part.lastIndex(of: open), o > 0,
               isDigits(Array(part[(o + 1)..<(part.count - 1)])) {
                segs.append(Array(part[..<o]))
                continue
            }
            if isDigits(part) { continue }
            if hasBracket(part) { return nil }
            segs.append(part)
        }
        let kept = segs.filter { !$0.isEmpty && $0 != [star] && !isDigits($0) && !hasBracket($0) }
        return kept.isEmpty ? nil : kept
    }

    static func joined(_ p: Path) -> Units { Array(p.joined(separator: [dot])) }
    static func string(_ p: Path) -> String { String(decoding: joined(p), as: UTF16.self) }
    static func prefixes(_ p: Path) -> [Path] { (1...p.count).map { Array(p[..<$0]) } }

    /// Segment-wise order; a proper prefix first.
    static func less(_ a: Path, _ b: Path) -> Bool {
        for (x, y) in zip(a, b) where x != y { return x.lexicographicallyPrecedes(y) }
        return a.count < b.count
    }

    // MARK: registry (§2)

    /// The registry, dot-joined, in id order.
    public static func registry(_ ir: ConvergeIR) -> [String] { registryPaths(ir).map(string) }

    static func registryPaths(_ ir: ConvergeIR) -> [Path] {
        var all = Set<Path>()
        var raws = ir.fields
        for s in ir.steps {
            raws.append(s.out)
            raws.append(contentsOf: s.deps ?? [])
            if let f = s.from { raws.append(f) }
        }
        for r in raws {
            if let p = normalizeUnits(Array(r.utf16)) { all.formUnion(prefixes(p)) }
        }
        return all.sorted(by: less)
    }

    // MARK: steps and order (§3)

    static func depsOf(_ s: IRStep) -> [String] { s.kind == "link" ? [s.from ?? ""] : (s.deps ?? []) }

    /// Validation in the documented order, then Kahn's order; returns declaration indexes in topo
    /// order, or a code.
    static func order(_ ir: ConvergeIR) -> Result<[Int], ModelError> {
        for s in ir.steps {
            if s.kind != "computed" && s.kind != "link" { return .failure(ModelError(code: "UNKNOWN_STEP_KIND")) }
            if s.kind == "computed" && s.deps == nil { return .failure(ModelError(code: "MISSING_DEPS")) }
            if s.kind == "link" && s.from == nil { return .failure(ModelError(code: "MISSING_FIELD")) }
            if normalizeUnits(Array(s.out.utf16)) == nil { return .failure(ModelError(code: "UNMAPPABLE_OUT")) }
        }
        let outs = ir.steps.map { Array($0.out.utf16) }
        // a cycle of links only: follow `from` through link writers from every link
        for (i, s) in ir.steps.enumerated() where s.kind == "link" {
            var seen: Set<Int> = [i]
            var cur = i
            while let next = ir.steps.indices.first(where: { ir.steps[$0].kind == "link" && outs[$0] == Array((ir.steps[cur].from ?? "").utf16) }) {
                if seen.contains(next) { return .failure(ModelError(code: "CYCLE_DETECTED")) }
                seen.insert(next)
                cur = next
            }
        }
        if Set(outs).count != outs.count { return .failure(ModelError(code: "MULTIPLE_WRITERS")) }
        // edges A -> B for each raw dep of B equal to A's raw out (repeats kept)
        var indegree = [Int](repeating: 0, count: ir.steps.count)
        var successors = [[Int]](repeating: [], count: ir.steps.count)
        for (b, s) in ir.steps.enumerated() {
            for d in depsOf(s) {
                if let a = outs.firstIndex(of: Array(d.utf16)) {
                    successors[a].append(b)
                    indegree[b] += 1
                }
            }
        }
        var queue = ir.steps.indices.filter { indegree[$0] == 0 }
        var result: [Int] = []
        while !queue.isEmpty {
            let a = queue.removeFirst()
            result.append(a)
            for b in successors[a] {
                indegree[b] -= 1
                if indegree[b] == 0 { queue.append(b) }
            }
        }
        if result.count != ir.steps.count { return .failure(ModelError(code: "CYCLE_DETECTED")) }
        return .success(result)
    }

    public struct ModelError: Error, Equatable, Sendable {
        public let code: String
    }

    /// Registry and topo order, or the graph's error code.
    public static func inspect(_ ir: ConvergeIR) -> Result<Inspect, ModelError> {
        order(ir).map { topo in Inspect(fieldPaths: registry(ir), topo: topo.map { ir.steps[$0].out }) }
    }

    // MARK: dirty paths (§4) and plans (§5, §6)

    /// nil = dirtyAll.
    static func dirtyPaths(_ dirty: [String], registry: [Path]) -> [Path]? {
        if dirty.isEmpty { return nil }
        var byString: [Units: Path] = [:]
        for p in registry { byString[joined(p)] = p }
        var found: [Path] = []
        var missing = false, sawStar = false
        for raw in dirty {
            if raw == "*" { sawStar = true; continue }
            let u = Array(raw.utf16)
            if let p = byString[u] { found.append(p); continue }
            var lookup: Units? = nil
            if !u.contains(dot), let o = u.firstIndex(of: open) {
                lookup = Array(u[..<o])
            } else if hasBracket(u) || hasDigitSegmentAfterDot(u) {
                lookup = normalizeUnits(u).map(joined)
            }
            if let key = lookup, let p = byString[key] { found.append(p) } else { missing = true }
        }
        if missing || sawStar || found.isEmpty { return nil }
        return found
    }

    /// `\.\d+(\.|$)`
    static func hasDigitSegmentAfterDot(_ u: Units) -> Bool {
        for (i, c) in u.enumerated() where c == dot {
            var j = i + 1
            while j < u.count && u[j] >= 48 && u[j] <= 57 { j += 1 }
            if j > i + 1 && (j == u.count || u[j] == dot) { return true }
        }
        return false
    }

    /// The plan for a dirty set, mode ("full"/"dirty") and scope ("immediate"/"deferred"/"all").
    public static func plan(_ ir: ConvergeIR, dirty: [String], mode: String, scope: String) -> Outcome {
        let topo: [Int]
        switch order(ir) {
        case .failure(let e): return .error(e.code)
        case .success(let t): topo = t
        }
        if ir.steps.isEmpty { return .plan(executedMode: nil, outs: []) }
        let inScope = topo.filter { i in
            let deferred = ir.steps[i].scheduling == "deferred"
            return scope == "all" || (scope == "deferred") == deferred
        }
        if mode == "full" { return .plan(executedMode: "full", outs: inScope.map { ir.steps[$0].out }) }
        guard let roots = dirtyPaths(dirty, registry: registryPaths(ir)) else {
            return .plan(executedMode: "dirty", outs: inScope.map { ir.steps[$0].out })
        }
        func stepPaths(_ i: Int) -> [Path] {
            ([ir.steps[i].out] + depsOf(ir.steps[i])).compactMap { normalizeUnits(Array($0.utf16)) }
        }
        func triggered(_ i: Int, _ dirtySet: Set<Path>) -> Bool {
            stepPaths(i).contains { p in prefixes(p).contains { dirtySet.contains($0) } }
        }
        func outPrefixes(_ i: Int) -> [Path] { prefixes(normalizeUnits(Array(ir.steps[i].out.utf16))!) }
        var dirtySet = Set(roots.flatMap(prefixes))
        var chosen: [Int] = []
        if ir.steps.count < 32 {
            for i in inScope where triggered(i, dirtySet) {
                chosen.append(i)
                dirtySet.formUnion(outPrefixes(i))
            }
        } else {
            var reached = Set<Int>()
            var changed = true
            while changed {
                changed = false
                for i in inScope where !reached.contains(i) && triggered(i, dirtySet) {
                    reached.insert(i)
                    dirtySet.formUnion(outPrefixes(i))
                    changed = true
                }
            }
            chosen = inScope.filter { reached.contains($0) }
        }
        return .plan(executedMode: "dirty", outs: chosen.map { ir.steps[$0].out })
    }
}
