import ConvergeKernel
import Foundation

/// One plan request for the Node host.
public struct PlanRequest: Sendable {
    public var dirty: [UInt32]
    public var mode: PlanMode
    public var scope: PlanScope
    public var dirtyAll: Bool

    public init(dirty: [UInt32], mode: PlanMode = .dirty, scope: PlanScope = .all, dirtyAll: Bool = false) {
        self.dirty = dirty
        self.mode = mode
        self.scope = scope
        self.dirtyAll = dirtyAll
    }

    /// The request for a dirty set (its root ids, or dirtyAll).
    public init(_ set: DirtySet, mode: PlanMode, scope: PlanScope) {
        self.init(dirty: set.rootIds, mode: mode, scope: scope, dirtyAll: set.dirtyAll)
    }

    var json: [String: Any] {
        ["dirty": dirty.map { Int($0) }, "mode": mode == .full ? 0 : 1,
         "scope": scope == .immediate ? 0 : scope == .deferred ? 1 : 2, "flags": dirtyAll ? 1 : 0]
    }
}

/// A plan computed in V8, with its counters and what crossed the boundary.
public struct V8Plan: Sendable, Equatable {
    public var stepIds: [UInt32]
    public var executedMode: ExecutedMode?
    public var dirtyAll: Bool
    public var counters: PlanCounters
    /// Exported calls / bytes for this one plan (wasm: exactly 1 call).
    public var calls: Int
    public var bytesIn: Int
    public var bytesOut: Int
}

/// Timing of one backend at one benchmark point (ns per plan or per transaction).
public struct V8Timing: Sendable {
    public var medianNs: Double
    public var minNs: Double
    public var fields: [String: Double]
}

/// Runs the Node host (wasm-host/cli.mjs): writes a job and the graphs' tables artifacts to a
/// temporary directory, spawns `node`, parses its JSON reply (docs/wasm-host.md).
/// `node` comes from `CONVERGE_NODE` or PATH and must be version 18 or later.
public enum NodeHost {
    /// Time limits of node runs (docs/wasm-host.md, "Time limits"): the `--version` probe 10 s,
    /// a job the caller's limit (`converge bench`: the matrix's) else ``defaultJobSeconds``.
    /// `CONVERGE_NODE_TIMEOUT` (seconds) replaces all of them. At the limit node is killed with
    /// its process group.
    public static let probeSeconds = 10.0
    public static let defaultJobSeconds = 600.0
    static let timeoutVariable = "CONVERGE_NODE_TIMEOUT"

    static func timeLimit(_ fallback: Double) -> Double { ChildProcess.timeLimit(timeoutVariable, default: fallback) }

    private static let nodeLock = NSLock()
    nonisolated(unsafe) private static var nodeMemo: (key: String, result: Result<(url: URL, version: String), ConvergeError>)?

    /// The `node` executable, or `wasmToolchainMissing` saying how to get one. Probed once per
    /// process (`node --version`, within the probe's time limit).
    public static func node() throws(ConvergeError) -> URL { try probe().url }

    static func probe() throws(ConvergeError) -> (url: URL, version: String) {
        let env = ProcessInfo.processInfo.environment
        let key = "\(env["CONVERGE_NODE"] ?? "")\u{0}\(env["PATH"] ?? "")\u{0}\(env[timeoutVariable] ?? "")"
        nodeLock.lock()
        defer { nodeLock.unlock() }
        if let memo = nodeMemo, memo.key == key { return try memo.result.get() }
        let result: Result<(url: URL, version: String), ConvergeError>
        do { result = .success(try findNode(env)) } catch { result = .failure(error) }
        nodeMemo = (key, result)
        return try result.get()
    }

    private static func findNode(_ env: [String: String]) throws(ConvergeError) -> (url: URL, version: String) {
        var candidates: [URL] = []
        if let n = env["CONVERGE_NODE"] { candidates.append(URL(fileURLWithPath: n)) }
        else {
            for dir in (env["PATH"] ?? "").split(separator: ":") {
                candidates.append(URL(fileURLWithPath: String(dir)).appendingPathComponent("node"))
            }
        }
        let limit = timeLimit(probeSeconds)
        // a node that is there but does not run (e.g. NODE_OPTIONS it refuses) is named, not "not found"
        var broken: String?
        for c in candidates where FileManager.default.isExecutableFile(atPath: c.path) {
            let r: ChildProcess.Result
            do { r = try ChildProcess.run(c, ["--version"], timeout: limit, mergeStderr: true) } catch {
                broken = broken ?? "\(c.path) could not be started: \(error)"
                continue
            }
            if case .timedOut = r.termination {
                throw ConvergeError(.wasmToolchainMissing, "\(c.path) --version \(r.termination.description): set \(timeoutVariable)=SECONDS to wait longer, or CONVERGE_NODE to a working node (18 or later)")
            }
            guard r.succeeded else {
                let said = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").first.map(String.init) ?? ""
                broken = broken ?? "\(c.path) --version \(r.termination.description)\(said.isEmpty ? "" : ": \(ConvergeError.excerpt(said))")"
                continue
            }
            let v = String(decoding: r.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            let major = Int(v.dropFirst().split(separator: ".").first ?? "") ?? 0
            guard major >= 18 else {
                throw ConvergeError(.wasmToolchainMissing, "\(c.path) is Node \(v); the V8 backends need Node 18 or later (https://nodejs.org, or apt-get install nodejs)")
            }
            return (c, v)
        }
        if let broken {
            throw ConvergeError(.wasmToolchainMissing, "no working node: \(broken) (the V8 backends, wasm-v8 and js-v8, need Node 18 or later; NODE_OPTIONS applies to it)")
        }
        throw ConvergeError(.wasmToolchainMissing, "node not found (\(env["CONVERGE_NODE"] != nil ? "CONVERGE_NODE=\(env["CONVERGE_NODE"]!)" : "not on PATH")): the V8 backends (wasm-v8, js-v8) need Node 18 or later (https://nodejs.org, or apt-get install nodejs)")
    }

    /// True when `node` (≥ 18) is available.
    public static var available: Bool { (try? node()) != nil }

    /// The host script.
    public static func script() throws(ConvergeError) -> URL {
        try WasmBuild.hostScripts().appendingPathComponent("cli.mjs")
    }

    /// Runs a job; `graphs` are written as tables artifacts (``CompiledGraph/tablesArtifact()``)
    /// and referenced by index from `job["graphs"]` entries (their "tables" key is filled in).
    /// How V8 compiles the wasm module for benchmarks.
    public enum Tiering: String, Sendable, CaseIterable {
        /// `node --no-liftoff`: every function compiled by the optimizing tier (TurboFan) at
        /// instantiation — the code a long-running page runs after tier-up: steady state.
        case optimized
        /// V8's default dynamic tiering: Liftoff first, TurboFan once a function has run enough.
        case `default`

        var nodeFlags: [String] { self == .optimized ? ["--no-liftoff"] : [] }
    }

    /// - Parameter timeoutSeconds: node is killed with its process group after this long (nil:
    ///   ``defaultJobSeconds``; `CONVERGE_NODE_TIMEOUT` replaces either) and the call throws
    ///   `backendFailure` saying so.
    /// - Parameter code: also write each graph's bytecode (CKB1, `ExprCompiler` with policy `try`)
    ///   as its `code` file, for the l3 levels.
    /// - Parameter artifact: also write each graph's AOT artifact (`Artifact.encode`, policy
    ///   `try`) as its `artifact` file, for the l4 levels.
    /// - Parameter artifacts: the graphs' artifacts as given (a user's file, one per graph): written
    ///   as they are instead of encoded.
    /// - Parameter script: the host script (default `wasm-host/cli.mjs`; the browser host passes
    ///   `browser-run.mjs`, which takes the same jobs).
    static func run(_ job: [String: Any], graphs: [CompiledGraph], tiering: Tiering = .default,
                    timeoutSeconds: Double? = nil, code: Bool = false, artifact: Bool = false,
                    artifacts: [Artifact]? = nil, script: URL? = nil) throws(ConvergeError) -> [String: Any] {
        let node = try node()
        let script: URL = if let script { script } else { try self.script() }
        // the wasm modules, unless every level or backend of the job is the JS kernel (whose host
        // loads a module only when a level needs it)
        let wasm: WasmBuild.Artifacts?
        do { wasm = try WasmBuild.artifacts() } catch {
            if jobNeedsWasm(job) { throw error }
            wasm = nil
        }
        let fm = FileManager.default
        // CONVERGE_NODE_JOB_DIR keeps the job and its tables there (to rerun `node cli.mjs job.json`)
        let keep = ProcessInfo.processInfo.environment["CONVERGE_NODE_JOB_DIR"]
        let dir = keep.map { URL(fileURLWithPath: $0) }
            ?? fm.temporaryDirectory.appendingPathComponent("converge-node-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString)")
        do { try fm.createDirectory(at: dir, withIntermediateDirectories: true) } catch {
            throw ConvergeError(.io, "cannot create \(dir.path): \(error.localizedDescription)")
        }
        // removed on return, and on SIGINT / SIGTERM (ChildProcess.installSignalCleanup)
        if keep == nil { ChildProcess.registerTemporaryDirectory(dir.path) }
        defer {
            if keep == nil {
                try? fm.removeItem(at: dir)
                ChildProcess.unregisterTemporaryDirectory(dir.path)
            }
        }
        var job = job
        if let wasm { job["wasm"] = ["simd": wasm.simd.path, "scalar": wasm.scalar.path] }
        var entries = job["graphs"] as? [[String: Any]] ?? []
        for (i, g) in graphs.enumerated() {
            let file = dir.appendingPathComponent("g\(i)-tables.ckir")
            guard fm.createFile(atPath: file.path, contents: Data(g.tablesArtifact())) else {
                throw ConvergeError(.io, "cannot write \(file.path)")
            }
            entries[i]["tables"] = file.path
            if code {
                let codeFile = dir.appendingPathComponent("g\(i).ckb")
                let bytecode = try ExprCompiler.compile(g, policy: .try).bytecode ?? Bytecode(stepCount: g.stepCount)
                guard fm.createFile(atPath: codeFile.path, contents: Data(bytecode.blob())) else {
                    throw ConvergeError(.io, "cannot write \(codeFile.path)")
                }
                entries[i]["code"] = codeFile.path
            }
            if artifact {
                let artifactFile = dir.appendingPathComponent("g\(i).ckir")
                let bytes: Data
                if let given = artifacts?[i] { bytes = given.withUnsafeBytes { Data($0) } } else { bytes = Data(try Artifact.encode(g, policy: .try)) }
                guard fm.createFile(atPath: artifactFile.path, contents: bytes) else {
                    throw ConvergeError(.io, "cannot write \(artifactFile.path)")
                }
                entries[i]["artifact"] = artifactFile.path
            }
        }
        job["graphs"] = entries
        let jobFile = dir.appendingPathComponent("job.json")
        do {
            try JSONSerialization.data(withJSONObject: job).write(to: jobFile)
        } catch {
            throw ConvergeError(.io, "cannot write \(jobFile.path): \(error.localizedDescription)")
        }
        let limit = timeLimit(timeoutSeconds ?? defaultJobSeconds)
        let r: ChildProcess.Result
        do { r = try ChildProcess.run(node, tiering.nodeFlags + [script.path, jobFile.path], timeout: limit) } catch {
            throw ConvergeError(.wasmToolchainMissing, "\(error)")
        }
        switch r.termination {
        case .exited(0): break
        case .timedOut:
            throw ConvergeError(.backendFailure, "node \(script.lastPathComponent) (\(node.path)) \(r.termination.description) (the job's time limit; set \(timeoutVariable)=SECONDS to change it)")
        default:
            let message = String(decoding: r.stderr, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ConvergeError(.backendFailure, "node \(script.lastPathComponent) (\(node.path)) \(r.termination.description): \(message.isEmpty ? "(no message)" : message)")
        }
        let data = r.stdout
        guard let reply = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw ConvergeError(.backendFailure, "node \(script.lastPathComponent) replied with no JSON object (\(data.count) bytes)")
        }
        return reply
    }

    /// The Node version string (`v20.…`), from the probe ``node()`` ran.
    public static func version() throws(ConvergeError) -> String { try probe().version }

    // MARK: - plans

    /// Plans every request of every graph on every backend, in one Node process.
    /// Returns, per graph, per backend, the plans in request order.
    public static func plan(_ graphs: [(graph: CompiledGraph, requests: [PlanRequest])], backends: [Backend],
                            strategy: ClosureStrategy = .auto) throws(ConvergeError) -> [[Backend: [V8Plan]]] {
        let job: [String: Any] = [
            "command": "plan", "backends": try planNames(backends),
            "graphs": graphs.map { ["strategy": strategy.rawValue, "requests": $0.requests.map(\.json)] as [String: Any] },
        ]
        let reply = try run(job, graphs: graphs.map(\.graph))
        guard let gs = reply["graphs"] as? [[String: Any]], gs.count == graphs.count else {
            throw ConvergeError(.backendFailure, "node replied with \(String(describing: (reply["graphs"] as? [Any])?.count)) graphs for \(graphs.count)")
        }
        var all: [[Backend: [V8Plan]]] = []
        for (gi, g) in gs.enumerated() {
            var perBackend: [Backend: [V8Plan]] = [:]
            let results = g["results"] as? [String: Any] ?? [:]
            for b in backends {
                guard let list = results[b.planName ?? ""] as? [[String: Any]], list.count == graphs[gi].requests.count else {
                    throw ConvergeError(.backendFailure, "node replied without the \(b.name) (\(b.planName ?? "")) plans of graph \(gi)")
                }
                perBackend[b] = list.map(Self.v8Plan)
            }
            all.append(perBackend)
        }
        return all
    }

    /// JSON has no NaN, infinities or negative zero: those travel as strings ("NaN", "-0", …).
    static func jsonNumber(_ v: Double) -> Any {
        if v.isNaN { return "NaN" }
        if v.isInfinite { return v < 0 ? "-Infinity" : "Infinity" }
        if v == 0 && v.sign == .minus { return "-0" }
        return v
    }

    static func int(_ v: Any?) -> Int { (v as? NSNumber)?.intValue ?? 0 }
    /// A number from JSON, where NaN, infinities and -0 travel as strings.
    static func numberValue(_ v: Any?) -> Double {
        switch v as? String {
        case "NaN": return .nan
        case "-0": return -0.0
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return (v as? NSNumber)?.doubleValue ?? .nan
        }
    }
    static func double(_ v: Any?) -> Double { (v as? NSNumber)?.doubleValue ?? .nan }

    static func v8Plan(_ r: [String: Any]) -> V8Plan {
        // the same numbers as the C's CK_ALGO_* / CK_EXECUTED_* (the host copies the out record)
        let c = KernelABI.counters(algorithm: UInt32(int(r["algorithm"])), dirtyPrefixes: UInt32(int(r["dirtyPrefixes"])),
                                       reachable: UInt32(int(r["reachableSteps"])), wordsScanned: UInt64(int(r["wordsScanned"])),
                                       indexEntries: UInt64(int(r["indexEntries"])))
        let mode = KernelABI.executedMode(UInt32(int(r["executedMode"])))
        return V8Plan(stepIds: (r["steps"] as? [Any] ?? []).map { UInt32(int($0)) }, executedMode: mode,
                      dirtyAll: int(r["dirtyAll"]) != 0, counters: c,
                      calls: int(r["calls"]), bytesIn: int(r["bytesIn"]), bytesOut: int(r["bytesOut"]))
    }

    // MARK: - benchmarks

    /// Plan-only timing: per point, per backend (rounds of at least `roundMs` cycling through the
    /// requests after one warm-up round).
    public static func benchPlan(_ points: [(name: String, graph: CompiledGraph, requests: [PlanRequest])], backends: [Backend],
                                 rounds: Int, roundMs: Double, tiering: Tiering = .optimized) throws(ConvergeError) -> [[Backend: V8Timing]] {
        let job: [String: Any] = [
            "command": "bench-plan", "backends": try planNames(backends), "rounds": rounds, "roundMs": roundMs,
            "graphs": points.map { ["name": $0.name, "requests": $0.requests.map(\.json)] as [String: Any] },
        ]
        let reply = try run(job, graphs: points.map(\.graph), tiering: tiering)
        guard let ps = reply["points"] as? [[String: Any]], ps.count == points.count else {
            throw ConvergeError(.backendFailure, "node replied without the benchmark points")
        }
        return try ps.map { (p: [String: Any]) throws(ConvergeError) -> [Backend: V8Timing] in
            var out: [Backend: V8Timing] = [:]
            let rows = p["rows"] as? [String: Any] ?? [:]
            for b in backends {
                guard let r = rows[b.planName ?? ""] as? [String: Any] else {
                    throw ConvergeError(.backendFailure, "node replied without \(b.name) (\(b.planName ?? "")) timings")
                }
                out[b] = timing(r)
            }
            return out
        }
    }

    static func timing(_ r: [String: Any]) -> V8Timing {
        var fields: [String: Double] = [:]
        for (k, v) in r { if let n = v as? NSNumber { fields[k] = n.doubleValue } }
        if let s = r["strategy"] as? String { fields["strategy:\(s)"] = 1 }
        if let s = r["impl"] as? String { fields["impl:\(s)"] = 1 }
        return V8Timing(medianNs: double(r["medianNs"]), minNs: double(r["minNs"]), fields: fields)
    }

    // MARK: - transactions

    /// The outcome of the converge workload's transactions on one level.
    public struct TxnResult: Sendable {
        public var tags: [UInt8]
        public var values: [Double]
        public var calls: Int
        public var hostCalls: Int
        public var bytesIn: Int
        public var bytesOut: Int
        public var changed: Int
        public var memoryPages: Int
        /// Steps the bytecode VM ran in all (the l3 levels).
        public var vmSteps: Int = 0
    }

    /// Runs transactions (each: number writes, then one commit with the written ids as dirty
    /// roots) of the converge workload's step function on each level; returns the final states.
    public static func transactions(_ graph: CompiledGraph, _ txns: [[(UInt32, Double)]], levels: [Backend],
                                    mode: PlanMode) throws(ConvergeError) -> [Backend: TxnResult] {
        let job: [String: Any] = [
            "command": "txn", "levels": try hostLevels(levels),
            "graphs": [["mode": mode.rawValue, "transactions": txns.map { ["writes": $0.map { [Int($0.0), jsonNumber($0.1)] }] }]],
        ]
        let reply = try run(job, graphs: [graph], code: levels.contains { $0.loadsCode },
                            artifact: levels.contains { $0.loadsArtifact })
        guard let g = (reply["graphs"] as? [[String: Any]])?.first, let ls = g["levels"] as? [String: Any] else {
            throw ConvergeError(.backendFailure, "node replied without transaction results")
        }
        var out: [Backend: TxnResult] = [:]
        for l in levels {
            guard let r = ls[l.hostLevel ?? ""] as? [String: Any], let (tags, values) = state(r, pathCount: graph.pathCount) else {
                throw ConvergeError(.backendFailure, "node replied without the \(l.name) (\(l.hostLevel ?? "")) state")
            }
            out[l] = TxnResult(tags: tags, values: values, calls: int(r["calls"]), hostCalls: int(r["hostCalls"]),
                               bytesIn: int(r["bytesIn"]), bytesOut: int(r["bytesOut"]), changed: int(r["changed"]),
                               memoryPages: int(r["memoryPages"]), vmSteps: int(r["vmSteps"]))
        }
        return out
    }

    /// One write of a transaction on the transaction core: a path id, a value and a tag byte
    /// (`CK_TAG_*`; any byte crosses, so a bad one can be tested).
    public struct TxnWrite: Sendable {
        public var id: UInt32
        public var value: Double
        public var tag: UInt8

        public init(_ id: UInt32, number value: Double) { self.init(id, value, tag: 3) }
        public init(_ id: UInt32, _ value: Double, tag: UInt8) {
            self.id = id
            self.value = value
            self.tag = tag
        }
    }

    /// What one `ckw_txn_commit` reported (the transaction record, docs/kernel-abi.md).
    public struct TxnCommitResult: Sendable, Equatable {
        /// `ck_status_t` (0: ok; 17: bad write).
        public var status: Int
        public var executedMode: ExecutedMode?
        public var reasons: DecisionReasons
        public var planLength: Int
        public var converged: Bool
        public var committed: Bool
        public var dirtyRoots: Int
        public var decisionNs: Double
        /// The error words of a failed commit (table, index, value, fault).
        public var errorTable: Int
        public var errorIndex: Int
        public var errorValue: Int
        public var errorFault: Int
        /// The commit's trace records (``txnCore(_:_:levels:mode:policy:bumpGeneration:trace:)``
        /// with a trace; durations left out: they differ between hosts).
        public var traceSteps: [StepRecord] = []
        public var tracePatches: [PatchRecord] = []
    }

    /// Trace records for every transaction of ``txnCore(_:_:levels:mode:policy:bumpGeneration:trace:)``:
    /// `level` 1 (step records, timed) or 2 (and patch records), buffer capacities per transaction.
    public struct TxnTrace: Sendable {
        public var level: Int
        public var steps: Int
        public var patches: Int
        public init(level: Int = 2, steps: Int = 4096, patches: Int = 256) {
            self.level = level
            self.steps = steps
            self.patches = patches
        }
    }

    /// The outcome of transactions on the transaction core at one level.
    public struct TxnCoreResult: Sendable {
        public var tags: [UInt8]
        public var values: [Double]
        public var commits: [TxnCommitResult]
        /// Exported calls in all (commits, flushes of a full log, …).
        public var calls: Int
        public var hostCalls: Int
        public var vmSteps: Int
    }

    /// Runs transactions on the wasm levels' transaction core (`ckw_txn_*`) in one node process:
    /// per transaction the writes go to the write log (no call), then one `ckw_txn_commit` in
    /// `mode`; l1 levels plan only (PLAN_ONLY) and JS executes over the kernel's slots. A
    /// transaction flagged in `bumpGeneration` (indexes) empties the plan caches first. Returns
    /// the final state and every commit's result per level; a failed commit (a bad write) is a
    /// result with its status, not an error.
    public static func txnCore(_ graph: CompiledGraph, _ txns: [[TxnWrite]], levels: [Backend], mode: ConvergeMode,
                               policy: TxnPolicy, bumpGeneration: Set<Int> = [], trace: TxnTrace? = nil) throws(ConvergeError) -> [Backend: TxnCoreResult] {
        let job = try txnCoreJob(txns, levels: levels, mode: mode, policy: policy, bumpGeneration: bumpGeneration, trace: trace)
        let reply = try run(job, graphs: [graph], code: levels.contains { $0.loadsCode },
                            artifact: levels.contains { $0.loadsArtifact })
        return try txnCoreResults(reply, graph: graph, levels: levels, count: txns.count, host: "node")
    }

    /// The `txn` job (perTransaction) of ``txnCore(_:_:levels:mode:policy:bumpGeneration:trace:)``,
    /// which the browser host runs too (``BrowserHost/txnCore(_:_:levels:mode:policy:bumpGeneration:trace:chromium:)``).
    static func txnCoreJob(_ txns: [[TxnWrite]], levels: [Backend], host: Backend.Host = .v8, mode: ConvergeMode, policy: TxnPolicy,
                           bumpGeneration: Set<Int>, trace: TxnTrace?) throws(ConvergeError) -> [String: Any] {
        var job: [String: Any] = [
            "command": "txn", "levels": try hostLevels(levels, host: host), "perTransaction": true, "policy": policy.json,
            "graphs": [["mode": mode.rawValue, "transactions": txns.enumerated().map { i, t -> [String: Any] in
                ["writes": t.map { [Int($0.id), jsonNumber($0.value), Int($0.tag)] }, "bumpGeneration": bumpGeneration.contains(i)]
            }]],
        ]
        if let trace { job["trace"] = ["level": trace.level, "steps": trace.steps, "patches": trace.patches] }
        return job
    }

    /// The per-level results of a `txn` job's reply (node's or the browser host's).
    static func txnCoreResults(_ reply: [String: Any], graph: CompiledGraph, levels: [Backend], count: Int,
                               host: String) throws(ConvergeError) -> [Backend: TxnCoreResult] {
        guard let g = (reply["graphs"] as? [[String: Any]])?.first, let ls = g["levels"] as? [String: Any] else {
            throw ConvergeError(.backendFailure, "\(host) replied without transaction results")
        }
        var out: [Backend: TxnCoreResult] = [:]
        for l in levels {
            guard let r = ls[l.hostLevel ?? ""] as? [String: Any], let commits = r["results"] as? [[String: Any]], commits.count == count,
                  let (tags, values) = state(r, pathCount: graph.pathCount) else {
                throw ConvergeError(.backendFailure, "\(host) replied without the \(l.name) (\(l.hostLevel ?? "")) transaction-core results")
            }
            let results = commits.map { c in
                TxnCommitResult(status: int(c["status"]), executedMode: KernelABI.executedMode(UInt32(clamping: int(c["executedMode"]))),
                                reasons: reasons(c["reasons"]), planLength: int(c["planLen"]), converged: int(c["converged"]) != 0,
                                committed: int(c["committed"]) != 0, dirtyRoots: int(c["dirtyRoots"]),
                                decisionNs: c["decisionNs"] == nil ? 0 : double(c["decisionNs"]),
                                errorTable: int(c["errTable"]), errorIndex: int(c["errIndex"]), errorValue: int(c["errValue"]),
                                errorFault: int(c["errFault"]),
                                traceSteps: (c["traceSteps"] as? [[Any]] ?? []).map { x in
                                    StepRecord(stepId: int(x.first), isLink: int(x.count > 1 ? x[1] : nil) == 1,
                                               changed: int(x.count > 2 ? x[2] : nil) != 0, durationNs: 0)
                                },
                                tracePatches: (c["tracePatches"] as? [[Any]] ?? []).compactMap { x in
                                    guard x.count == 8 else { return nil }
                                    let reason: PatchReason = switch int(x[3]) {   // CK_PATCH_*
                                    case 1: .traitComputed
                                    case 2: .traitLink
                                    default: .reducer
                                    }
                                    let step = int(x[2])
                                    return PatchRecord(opSeq: UInt64(max(0, int(x[0]))), pathId: int(x[1]), reason: reason,
                                                       stepId: step < 0 ? nil : step,
                                                       from: ConvergeValue(tag: UInt8(clamping: int(x[4])), payload: numberValue(x[5])),
                                                       to: ConvergeValue(tag: UInt8(clamping: int(x[6])), payload: numberValue(x[7])))
                                })
            }
            out[l] = TxnCoreResult(tags: tags, values: values, commits: results, calls: int(r["calls"]),
                                   hostCalls: int(r["hostCalls"]), vmSteps: int(r["vmSteps"]))
        }
        return out
    }

    /// The state a level's reply carries: `tags` (base64, one byte per path) and `values` (base64,
    /// little-endian doubles); nil when either is missing or of the wrong length.
    static func state(_ r: [String: Any], pathCount: Int) -> (tags: [UInt8], values: [Double])? {
        guard let t = (r["tags"] as? String).flatMap({ Data(base64Encoded: $0) }),
              let v = (r["values"] as? String).flatMap({ Data(base64Encoded: $0) }),
              t.count == pathCount, v.count == 8 * pathCount else { return nil }
        let values: [Double] = v.withUnsafeBytes { raw in
            (0..<pathCount).map { Double(bitPattern: raw.loadUnaligned(fromByteOffset: 8 * $0, as: UInt64.self).littleEndian) }
        }
        return (Array(t), values)
    }

    /// Transaction timing per level (ns per transaction), cycling through `txns`.
    public static func benchTransactions(_ graph: CompiledGraph, _ txns: [[(UInt32, Double)]], levels: [Backend], mode: PlanMode,
                                         rounds: Int, roundMs: Double, tiering: Tiering = .optimized) throws(ConvergeError) -> [Backend: V8Timing] {
        let job: [String: Any] = [
            "command": "bench-txn", "levels": try hostLevels(levels), "rounds": rounds, "roundMs": roundMs,
            "graphs": [["mode": mode.rawValue, "transactions": txns.map { ["writes": $0.map { [Int($0.0), jsonNumber($0.1)] }] }]],
        ]
        let reply = try run(job, graphs: [graph], tiering: tiering, code: levels.contains { $0.loadsCode },
                            artifact: levels.contains { $0.loadsArtifact })
        guard let g = (reply["graphs"] as? [[String: Any]])?.first, let ls = g["levels"] as? [String: Any] else {
            throw ConvergeError(.backendFailure, "node replied without transaction timings")
        }
        var out: [Backend: V8Timing] = [:]
        for l in levels {
            guard let r = ls[l.hostLevel ?? ""] as? [String: Any] else {
                throw ConvergeError(.backendFailure, "node replied without \(l.name) (\(l.hostLevel ?? "")) timings")
            }
            out[l] = timing(r)
        }
        return out
    }
}

extension NodeHost {
    /// The JS hosts' names of transaction levels (``Backend/hostLevel``).
    /// - Parameters:
    ///   - host: the host the job runs in (V8 for node, Chromium for the browser page).
    ///   - unique: refuse a level named twice (the reply has one result per level name).
    /// - Throws: `invalidArgument` for a backend of another host, or one named twice.
    static func hostLevels(_ levels: [Backend], host: Backend.Host = .v8, unique: Bool = true) throws(ConvergeError) -> [String] {
        var seen = Set<String>()
        return try levels.map { b throws(ConvergeError) in
            guard b.host == host, let l = b.hostLevel else {
                throw ConvergeError(.invalidArgument, "\(b.name) does not run in \(host == .chromium ? "the browser host (Chromium)" : "the Node host (V8)")")
            }
            guard !unique || seen.insert(l).inserted else {
                throw ConvergeError(.invalidArgument, "\(b.name) is named twice in one job")
            }
            return l
        }
    }

    /// The Node host's names of plan-only backends (``Backend/planName``).
    /// - Throws: `invalidArgument` for a backend that does not plan alone in V8.
    static func planNames(_ backends: [Backend]) throws(ConvergeError) -> [String] {
        try backends.map { b throws(ConvergeError) in
            guard let n = b.planName else {
                throw ConvergeError(.invalidArgument, "\(b.name) does not plan alone in V8 (wasm-v8, wasm-v8-scalar and js-v8 do)")
            }
            return n
        }
    }

    /// True when a job names a level or backend other than the JS kernel's (`l0-js`, `js-v8`).
    static func jobNeedsWasm(_ job: [String: Any]) -> Bool {
        var names = (job["levels"] as? [String] ?? []) + (job["backends"] as? [String] ?? [])
        names += (job["points"] as? [[String: Any]] ?? []).compactMap { $0["level"] as? String }
        return names.isEmpty || names.contains { $0 != "l0-js" && $0 != "js-v8" }
    }
}
