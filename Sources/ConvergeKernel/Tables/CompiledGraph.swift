// CompiledGraph.swift — a validated, compiled graph: registry, steps in topological order, the
// kernel's tables.

import Foundation

/// A validated, compiled converge graph: the field-path registry, steps in topological order, and
/// the CSR tables every planner runs on (docs/kernel-abi.md).
///
/// Ids follow Logix: path ids are registry indexes (segment-wise UTF-16 order, a prefix before its
/// extensions); step ids are positions in Kahn's topological order.
public struct CompiledGraph: Sendable {
    /// Documented limits (``ConvergeError/Code/tooLarge`` beyond them).
    public static let maxPaths = 1 << 24
    public static let maxSteps = 1 << 24
    public static let maxEdges = 1 << 28
    /// Segments of one normalized path (the registry holds each of its prefixes).
    public static let maxSegments = 1024
    /// UTF-8 bytes of all registry paths together (each prefix of a path is a registry path).
    public static let maxRegistryBytes = 1 << 30

    /// The limits a compilation enforces (tests lower them to reach `tooLarge` cheaply).
    struct Limits: Sendable {
        var paths = CompiledGraph.maxPaths
        var steps = CompiledGraph.maxSteps
        var edges = CompiledGraph.maxEdges
        var segments = CompiledGraph.maxSegments
        var registryBytes = CompiledGraph.maxRegistryBytes
        var prefixEntries = CompiledGraph.maxEdges
    }

    /// The document this graph was compiled from.
    public let ir: ConvergeIR
    /// Registry: dot-joined normalized paths in id order.
    public let fieldPaths: [String]
    /// For each step id (topo position), its index in `ir.steps` (declaration order).
    public let topoOrder: [Int]
    /// Per step id: the out path id.
    public let stepOutPath: [UInt32]
    /// Per step id: `CK_STEP_*` bits (1 = deferred, 2 = link).
    public let stepFlags: [UInt8]
    /// CSR: for each path id, its prefix ids, shortest first, ending with itself.
    public let pathPrefixOffsets: [UInt32]
    public let pathPrefixIds: [UInt32]
    /// CSR: for each prefix id, the steps listing it as a prefix of their out or a dep, ascending.
    public let triggerOffsets: [UInt32]
    public let triggerSteps: [UInt32]
    /// CSR: for each step id, the distinct prefix ids of its out and deps, ascending.
    public let stepPrefixOffsets: [UInt32]
    public let stepPrefixIds: [UInt32]
    /// CSR: for each step id, its normalized dep path ids in list order (deps that normalize to
    /// nothing are absent; a link's dep is its `from`).
    public let depOffsets: [UInt32]
    public let depPaths: [UInt32]
    /// CSR: for each step id, one entry per raw dep in list order (a link: its `from`): the path
    /// id, or `UInt32.max` when the dep normalizes to no path. What ``StepInputs`` index.
    public let inputOffsets: [UInt32]
    public let inputPaths: [UInt32]
    /// Edges of the step graph (raw `out` == raw dep), counting repeats, as Kahn saw them.
    public let edgeCount: Int
    /// Step ids of each scope in topo order.
    public let immediateSteps: [UInt32]
    public let deferredSteps: [UInt32]

    let pathIndex: [ExactString: UInt32]

    /// Number of steps.
    public var stepCount: Int { topoOrder.count }
    /// Number of registry paths.
    public var pathCount: Int { fieldPaths.count }

    /// The step at a step id (topo position).
    public func step(_ id: Int) -> IRStep { ir.steps[topoOrder[id]] }

    /// The inverse of ``topoOrder``: the step id of each declared step (index = position in
    /// `ir.steps`).
    public func stepIdsByDeclaration() -> [Int] {
        var ids = [Int](repeating: -1, count: ir.steps.count)
        for (id, decl) in topoOrder.enumerated() { ids[decl] = id }
        return ids
    }

    /// The raw `out` of a step id, as written in the graph.
    public func out(ofStep id: Int) -> String { ir.steps[topoOrder[id]].out }

    /// Exact registry lookup of a dot-joined normalized path.
    public func pathId(_ path: String) -> UInt32? { pathIndex[ExactString(path)] }

    /// Loads and compiles a converge-ir JSON document.
    /// - Throws: every ``ConvergeError`` code of ``ConvergeIR/init(json:)`` and ``init(_:)``.
    public init(json: Data) throws(ConvergeError) {
        try self.init(try ConvergeIR(json: json))
    }

    /// Validates and compiles a graph.
    ///
    /// Checks, in order: step kinds, `out`/`from`/`deps` present, every `out` mappable (per step,
    /// in declaration order), cycles made of links only, multiple writers, then cycles found by
    /// Kahn's algorithm; and the size limits.
    /// - Throws: ``ConvergeError`` with code `unknownStepKind`, `missingField`, `missingDeps`,
    ///   `unmappableOut`, `cycleDetected`, `multipleWriters` or `tooLarge`.
    public init(_ ir: ConvergeIR) throws(ConvergeError) {
        try self.init(ir, limits: Limits())
    }

    init(_ ir: ConvergeIR, limits: Limits) throws(ConvergeError) {
        self.ir = ir
        let steps = ir.steps
        if steps.count > limits.steps {
            throw ConvergeError(.tooLarge, "\(steps.count) steps; the limit is \(limits.steps)")
        }
        // 1. per-step shape; the registry collects every valid path and its prefixes as it goes
        var registry = Registry(limits: limits)
        // per declared step: the provisional id of its out, and of each raw dep (.max: no path)
        var outProvisional: [UInt32] = []
        outProvisional.reserveCapacity(steps.count)
        for (i, step) in steps.enumerated() {
            guard step.kind == IRStep.computed || step.kind == IRStep.link else {
                throw ConvergeError(.unknownStepKind, "steps[\(i)] (out \(ConvergeError.quoted(step.out))) has kind \(ConvergeError.quoted(step.kind)); expected \"computed\" or \"link\"")
            }
            if step.kind == IRStep.computed && step.deps == nil {
                throw ConvergeError(.missingDeps, "computed step \(ConvergeError.quoted(step.out)) (steps[\(i)]) has no deps")
            }
            if step.kind == IRStep.link && step.from == nil {
                throw ConvergeError(.missingField, "link step \(ConvergeError.quoted(step.out)) (steps[\(i)]) has no \"from\"")
            }
            guard FieldPath.segments(step.out) != nil else {
                throw ConvergeError(.unmappableOut, "step \(i) writes \(ConvergeError.quoted(step.out)), which normalizes to no path")
            }
        }
        for f in ir.fields { _ = try registry.add(f) }
        var inputProvisional: [UInt32] = []
        var inputStart: [Int] = []
        inputStart.reserveCapacity(steps.count + 1)
        for step in steps {
            outProvisional.append(try registry.add(step.out))
            inputStart.append(inputProvisional.count)
            if step.kind == IRStep.link {
                if let from = step.from { inputProvisional.append(try registry.add(from)) }
            } else {
                for d in step.deps ?? [] { inputProvisional.append(try registry.add(d)) }
            }
        }
        inputStart.append(inputProvisional.count)
        // 2. writers by raw out; link-only cycles; multiple writers
        let writers = try Self.writerIndex(steps)
        try Self.checkLinkCycles(steps, writers: writers)
        // 3. topological order (Kahn, Logix discipline)
        let (topo, edges) = try Self.kahn(steps, writers: writers)
        if edges > limits.edges {
            throw ConvergeError(.tooLarge, "\(edges) edges; the limit is \(limits.edges)")
        }
        self.topoOrder = topo
        self.edgeCount = edges

        // 4. registry ids (segment-wise order), 5. prefixes per path
        let table = try registry.finish()
        let final = table.finalId
        self.fieldPaths = table.names
        self.pathIndex = table.index
        let prefixOffsets = table.prefixOffsets, prefixIds = table.prefixIds
        self.pathPrefixOffsets = prefixOffsets
        self.pathPrefixIds = prefixIds

        // 6. per step (topo order): out id, flags, deps, distinct prefixes
        var outPath: [UInt32] = [], flags: [UInt8] = []
        outPath.reserveCapacity(topo.count); flags.reserveCapacity(topo.count)
        var depOffsets: [UInt32] = [0], depPaths: [UInt32] = []
        var inputOffsets: [UInt32] = [0], inputPaths: [UInt32] = []
        depOffsets.reserveCapacity(topo.count + 1); inputOffsets.reserveCapacity(topo.count + 1)
        depPaths.reserveCapacity(inputProvisional.count); inputPaths.reserveCapacity(inputProvisional.count)
        var stepPrefixOffsets: [UInt32] = [0], stepPrefixIds: [UInt32] = []
        stepPrefixOffsets.reserveCapacity(topo.count + 1)
        var immediate: [UInt32] = [], deferred: [UInt32] = []
        var scratch: [UInt32] = []
        for (sid, decl) in topo.enumerated() {
            let step = steps[decl]
            let outId = final[Int(outProvisional[decl])]
            outPath.append(outId)
            flags.append((step.isDeferred ? 1 : 0) | (step.kind == IRStep.link ? 2 : 0))
            if step.isDeferred { deferred.append(UInt32(sid)) } else { immediate.append(UInt32(sid)) }
            scratch.removeAll(keepingCapacity: true)
            scratch.append(contentsOf: prefixIds[Int(prefixOffsets[Int(outId)])..<Int(prefixOffsets[Int(outId) + 1])])
            for k in inputStart[decl]..<inputStart[decl + 1] {
                let p = inputProvisional[k]
                guard p != .max else { inputPaths.append(.max); continue }
                let d = final[Int(p)]
                inputPaths.append(d)
                depPaths.append(d)
                scratch.append(contentsOf: prefixIds[Int(prefixOffsets[Int(d)])..<Int(prefixOffsets[Int(d) + 1])])
            }
            depOffsets.append(UInt32(depPaths.count))
            inputOffsets.append(UInt32(inputPaths.count))
            scratch.sort()
            var last = UInt32.max
            for q in scratch where q != last { stepPrefixIds.append(q); last = q }
            stepPrefixOffsets.append(UInt32(stepPrefixIds.count))
            if stepPrefixIds.count > limits.edges {
                throw ConvergeError(.tooLarge, "more than \(limits.edges) index entries; the limit is \(limits.edges)")
            }
        }
        if stepPrefixIds.count > limits.edges || depPaths.count > limits.edges {
            throw ConvergeError(.tooLarge, "\(max(stepPrefixIds.count, depPaths.count)) index entries; the limit is \(limits.edges)")
        }
        self.stepOutPath = outPath
        self.stepFlags = flags
        self.depOffsets = depOffsets
        self.depPaths = depPaths
        self.inputOffsets = inputOffsets
        self.inputPaths = inputPaths
        self.stepPrefixOffsets = stepPrefixOffsets
        self.stepPrefixIds = stepPrefixIds
        self.immediateSteps = immediate
        self.deferredSteps = deferred

        // 7. trigger index: the transpose of step -> prefixes (steps ascending per prefix)
        var trigOffsets = [UInt32](repeating: 0, count: table.names.count + 1)
        for q in stepPrefixIds { trigOffsets[Int(q) + 1] += 1 }
        for i in 0..<table.names.count { trigOffsets[i + 1] += trigOffsets[i] }
        var cursor = trigOffsets
        var trigSteps = [UInt32](repeating: 0, count: stepPrefixIds.count)
        for s in 0..<topo.count {
            for k in Int(stepPrefixOffsets[s])..<Int(stepPrefixOffsets[s + 1]) {
                let q = Int(stepPrefixIds[k])
                trigSteps[Int(cursor[q])] = UInt32(s)
                cursor[q] += 1
            }
        }
        self.triggerOffsets = trigOffsets
        self.triggerSteps = trigSteps
    }

    /// The registry of a graph — dot-joined paths in id order — computed without validating the
    /// steps, so it exists even for a graph whose steps are in error (Logix builds it first).
    public static func registry(_ ir: ConvergeIR) -> [String] {
        var registry = Registry(limits: Limits(paths: .max, steps: .max, edges: .max, segments: .max, registryBytes: .max, prefixEntries: .max))
        do throws(ConvergeError) {
            for f in ir.fields { _ = try registry.add(f) }
            for step in ir.steps {
                _ = try registry.add(step.out)
                for d in step.rawDeps { _ = try registry.add(d) }
            }
            return try registry.finish().names
        } catch {
            return []   // unreachable: no limits
        }
    }

    // MARK: - validation helpers

    /// Raw out → declaration index; throws `multipleWriters` naming the path and both steps.
    private static func writerIndex(_ steps: [IRStep]) throws(ConvergeError) -> [ExactString: Int] {
        var writers: [ExactString: Int] = [:]
        writers.reserveCapacity(steps.count)
        for (i, step) in steps.enumerated() {
            let key = ExactString(step.out)
            if let first = writers[key] {
                let all = steps.indices.filter { ExactString(steps[$0].out) == key }
                let names = all.prefix(20).map { "steps[\($0)] (\(steps[$0].kind))" }.joined(separator: ", ") + (all.count > 20 ? ", …" : "")
                assert(all.first == first)
                throw ConvergeError(.multipleWriters, "\(ConvergeError.quoted(step.out)) is written by \(all.count) steps: \(names)")
            }
            writers[key] = i
        }
        return writers
    }

    /// A cycle made only of link edges (Logix reports it when the graph is built).
    private static func checkLinkCycles(_ steps: [IRStep], writers: [ExactString: Int]) throws(ConvergeError) {
        // Each link has one dep, so following `from` through link writers is a functional graph.
        var state = [UInt8](repeating: 0, count: steps.count) // 0 new, 1 on path, 2 done
        for start in steps.indices where steps[start].kind == IRStep.link && state[start] == 0 {
            var path: [Int] = []
            var cur = start
            while true {
                if state[cur] == 2 { break }
                if state[cur] == 1 {
                    let cycle = path[path.firstIndex(of: cur)!...].map { ConvergeError.quoted(steps[$0].out) }
                    let shown = cycle.count > 20 ? cycle.prefix(20) + ["… (\(cycle.count) links)"] : cycle[...]
                    throw ConvergeError(.cycleDetected, "links form a cycle: \(shown.joined(separator: " <- ")) <- \(ConvergeError.quoted(steps[cur].out))")
                }
                state[cur] = 1
                path.append(cur)
                guard let from = steps[cur].from, let next = writers[ExactString(from)],
                      steps[next].kind == IRStep.link else { break }
                cur = next
            }
            for p in path { state[p] = 2 }
        }
    }

    /// Kahn's algorithm with Logix's discipline: FIFO seeded with in-degree-0 writers in
    /// declaration order; successors in edge-insertion order (writers in declaration order, deps
    /// in list order); a repeated dep is a repeated edge.
    private static func kahn(_ steps: [IRStep], writers: [ExactString: Int]) throws(ConvergeError) -> ([Int], Int) {
        let n = steps.count
        var indegree = [Int](repeating: 0, count: n)
        var succOffsets = [Int](repeating: 0, count: n + 1)
        var edgesFrom: [(Int, Int)] = []
        for (b, step) in steps.enumerated() {
            for d in step.rawDeps {
                if let a = writers[ExactString(d)] {
                    edgesFrom.append((a, b))
                    succOffsets[a + 1] += 1
                    indegree[b] += 1
                }
            }
        }
        for i in 0..<n { succOffsets[i + 1] += succOffsets[i] }
        var cursor = succOffsets
        var succ = [Int](repeating: 0, count: edgesFrom.count)
        for (a, b) in edgesFrom { succ[cursor[a]] = b; cursor[a] += 1 }
        var queue: [Int] = []
        queue.reserveCapacity(n)
        for i in 0..<n where indegree[i] == 0 { queue.append(i) }
        var head = 0
        while head < queue.count {
            let a = queue[head]; head += 1
            for k in succOffsets[a]..<succOffsets[a + 1] {
                let b = succ[k]
                indegree[b] -= 1
                if indegree[b] == 0 { queue.append(b) }
            }
        }
        if queue.count != n {
            throw ConvergeError(.cycleDetected, cycleMessage(steps, indegree: indegree, writers: writers))
        }
        return (queue, edgesFrom.count)
    }

    /// Names one cycle among the unordered steps, and all unordered steps in declaration order.
    /// Every unordered step has an unordered predecessor, so walking predecessors finds a cycle.
    private static func cycleMessage(_ steps: [IRStep], indegree: [Int], writers: [ExactString: Int]) -> String {
        let left = steps.indices.filter { indegree[$0] > 0 }
        var seenAt: [Int: Int] = [:]
        var walk: [Int] = []
        var cur = left[0]
        var closed = false
        while seenAt[cur] == nil {
            seenAt[cur] = walk.count
            walk.append(cur)
            guard let pred = steps[cur].rawDeps.lazy.compactMap({ writers[ExactString($0)] }).first(where: { indegree[$0] > 0 }) else { break }
            cur = pred
            closed = seenAt[cur] != nil
        }
        var text = "steps cannot be ordered"
        if closed, let start = seenAt[cur] {
            // walk[start...] follows deps backwards; reverse it to read in data-flow order
            let cycle = walk[start...].reversed().map { ConvergeError.quoted(steps[$0].out) }
            let shown = cycle.count > 20 ? Array(cycle.prefix(20)) + ["… (\(cycle.count) steps)"] : cycle + [cycle[0]]
            text = "cycle \(shown.joined(separator: " -> "))"
        }
        let listed = left.prefix(20).map { ConvergeError.quoted(steps[$0].out) }.joined(separator: ", ")
        return "\(text); \(left.count) steps left unordered: \(listed)\(left.count > 20 ? ", …" : "")"
    }
}
