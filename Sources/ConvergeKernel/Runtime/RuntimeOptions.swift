// RuntimeOptions.swift — how a runtime runs: execution levels (L0–L5), options, the requested
// converge mode.

/// How a runtime executes converge.
public enum ExecutionLevel: String, Sendable, CaseIterable {
    /// Pure Swift: the portable planner and a Swift executor, no C.
    case l0
    /// CKernel plans (one call per commit); Swift runs the step functions in plan order.
    case l1
    /// CKernel plans and walks the plan in one call, runs links itself and calls back into Swift
    /// only for computed steps.
    case l2
    /// As L2, and computed steps whose `expr` compiled run as bytecode inside the kernel (the same
    /// call; docs/bytecode.md); only the others call back into Swift.
    case l3
    /// As L3, with the data layout (docs/kernel-abi.md, "Layout"): the state slots are ordered so
    /// that runs of same-shape steps read and write contiguous slots. From an artifact, the
    /// tables, bytecode, initial state and layout are the file's (it must have a layout section);
    /// from a graph, the kernel's suggested layout (what `converge compile` writes).
    case l4
    /// The default path (what a runtime built without a level runs): the kernel path — L4 from
    /// an artifact with a layout, else L3 — with every step that did not compile falling back to
    /// its derive function through a host callback, each with its reason
    /// (``ConvergeRuntime/fallbackReason(step:)``, ``StepRecord/fallbackReason``) and counted per
    /// transaction (``TransactionSummary/fallbackSteps``). A runtime resolves it when it is made:
    /// its ``ConvergeRuntime/options`` name the level it runs and ``ConvergeRuntime/isDefaultPath``
    /// says it came from L5. With a plugged-in ``RuntimeOptions/planner`` it is L1.
    case l5

    /// True for the levels that run compiled steps as bytecode in the kernel (L3, L4, L5).
    public var runsBytecode: Bool { self == .l3 || self == .l4 || self == .l5 }
}

/// Options of a ``ConvergeRuntime``.
public struct RuntimeOptions: Sendable {
    /// The level; by default L5, the kernel path (``ExecutionLevel/l5``).
    public var level: ExecutionLevel = .l5
    /// The mode transactions converge in unless one overrides it.
    public var mode: ConvergeMode = .auto
    /// Which steps converge at commit (`all` by default; see docs/transactions.md).
    public var scope: PlanScope = .all
    /// The execution budget per converge (Logix default 200 ms), checked before every 32nd step;
    /// 0 = none.
    public var executionBudgetMs = 200.0
    public var auto = AutoPolicy()
    public var diagnostics: DiagnosticsLevel = .off
    public var instrumentation: InstrumentationLevel = .light
    /// Capacity of the per-transaction record buffers (diagnostics sampled / full).
    public var stepRecordCapacity = 4096
    public var patchRecordCapacity = 256
    /// The native kernel's options (L1, L2).
    public var native = NativeOptions()
    /// The default for steps without a `compile` field: `try` falls back to the step's derive
    /// function when its `expr` is missing or not C0; `must` makes that an `invalidExpression`
    /// error at init (docs/expressions.md).
    public var compilePolicy: CompilePolicy = .try
    /// L3: run runs of same-shape bytecode steps as lane batches (`false`: one step at a time,
    /// `CK_VM_ONE_BY_ONE` — the reference the batches are tested against).
    public var vmBatches = true
    /// An L1 planner other than CKernel's native one (ConvergeWasm's WasmKit kernel, say), made
    /// once per runtime from the graph. With it the runtime keeps its state in Swift memory and
    /// runs the step functions in Swift, as at L0, and makes one planner call per commit. `nil`
    /// (the default): the native kernel. Level `l1` only (`l0`/`l2` refuse it).
    public var planner: PlannerFactory?

    /// These options with L5, the default path, resolved to the level it runs: L1 with a
    /// plugged-in ``planner``, L4 from an artifact with a layout, else L3. Other levels unchanged.
    public func resolvingDefaultPath(artifact: Artifact?) -> RuntimeOptions {
        var o = self
        if o.level == .l5 { o.level = planner != nil ? .l1 : artifact?.hasLayout == true ? .l4 : .l3 }
        return o
    }

    /// Makes a ``RootPlanner`` for a graph (``planner``).
    public typealias PlannerFactory = @Sendable (CompiledGraph) throws(ConvergeError) -> any RootPlanner

    public init(level: ExecutionLevel = .l5, mode: ConvergeMode = .auto, diagnostics: DiagnosticsLevel = .off) {
        self.level = level
        self.mode = mode
        self.diagnostics = diagnostics
    }
}

/// The converge mode a transaction asks for (semantics §6).
public enum ConvergeMode: String, Sendable, CaseIterable {
    /// Decide per transaction (the rules of ``AutoPolicy``).
    case auto
    /// Every step of the scope.
    case full
    /// The steps the dirty set triggers.
    case dirty
}
