// GateSpin.swift — gate validation only: a known extra cost per transaction and step (the GateSpin
// trait).

import Glibc

/// Gate validation only (docs/perf-diff.md, "Proof that the gate works"): a known amount of extra
/// work per converging commit of the native levels — `perTxn + perStep × plan length` iterations
/// of a dependent multiply-add — so a regression of known size can be injected and the gate shown
/// to flag it. Read from `CONVERGE_GATE_SPIN=LEVELS:PER_STEP:PER_TXN[;LEVELS:PER_STEP:PER_TXN…]`
/// (LEVELS: `l1`, `l2`, `l3`, comma-separated, or `all`; the first spec naming a level is its
/// spin), e.g. `CONVERGE_GATE_SPIN=l3:40:200` or `l1:60:300;l2,l3:40:200`. It takes effect only in a
/// build with the package trait `GateSpin` (`swift build --traits GateSpin`); other builds refuse
/// a set variable with a typed error rather than silently measuring nothing.
public struct GateSpin: Sendable, Equatable {
    public var levels: Set<ExecutionLevel>
    public var perStep: UInt32
    public var perTxn: UInt32

    public static let variable = "CONVERGE_GATE_SPIN"

    public init(levels: Set<ExecutionLevel>, perStep: UInt32, perTxn: UInt32) {
        self.levels = levels
        self.perStep = perStep
        self.perTxn = perTxn
    }

    /// Whether this build has the spin compiled in (the `GateSpin` trait).
    public static var isCompiledIn: Bool {
        #if CONVERGE_GATE_SPIN
        true
        #else
        false
        #endif
    }

    /// Parses `LEVELS:PER_STEP:PER_TXN[;…]` into its specs, in order.
    public static func parseList(_ text: String) throws(ConvergeError) -> [GateSpin] {
        try text.split(separator: ";", omittingEmptySubsequences: false).map { spec throws(ConvergeError) in
            try parse(String(spec), whole: text)
        }
    }

    /// Parses one `LEVELS:PER_STEP:PER_TXN`.
    public static func parse(_ text: String, whole: String? = nil) throws(ConvergeError) -> GateSpin {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        func bad(_ why: String) -> ConvergeError {
            ConvergeError(.invalidArgument, "\(variable)=\(ConvergeError.quoted(whole ?? text)): \(why); expected LEVELS:PER_STEP:PER_TXN[;…], e.g. l3:40:200 or all:40:200")
        }
        guard parts.count == 3 else { throw bad("it has \(parts.count) fields") }
        var levels: Set<ExecutionLevel> = []
        for name in parts[0].split(separator: ",", omittingEmptySubsequences: false) {
            switch name {
            case "all": levels.formUnion([.l1, .l2, .l3, .l4])
            case "l1": levels.insert(.l1)
            case "l2": levels.insert(.l2)
            case "l3": levels.insert(.l3)
            case "l4": levels.insert(.l4)
            default: throw bad("unknown level \(ConvergeError.quoted(String(name))) (l1, l2, l3, l4 or all: the native levels)")
            }
        }
        guard let perStep = UInt32(parts[1]), let perTxn = UInt32(parts[2]) else {
            throw bad("PER_STEP and PER_TXN must be whole numbers 0…4294967295")
        }
        return GateSpin(levels: levels, perStep: perStep, perTxn: perTxn)
    }

    /// The specs `CONVERGE_GATE_SPIN` sets (empty when it is unset or empty).
    /// - Throws: `.invalidArgument` for a malformed value, or a value set in a build without the trait.
    public static func environment() throws(ConvergeError) -> [GateSpin] {
        guard let text = getenv(variable).map({ String(cString: $0) }), !text.isEmpty else { return [] }
        let specs = try parseList(text)
        guard isCompiledIn else {
            throw ConvergeError(.invalidArgument, "\(variable) is set, but this build has no gate spin: build with `swift build --traits GateSpin`")
        }
        return specs
    }

    /// The spin the environment asks of a runtime at `level` (nil: none).
    static func fromEnvironment(level: ExecutionLevel) throws(ConvergeError) -> GateSpin? {
        try environment().first { $0.levels.contains(level) }
    }

    /// Applies the spin the environment asks of `level` to a transaction core.
    static func apply(to core: TransactionCore, level: ExecutionLevel) throws(ConvergeError) {
        guard let spin = try fromEnvironment(level: level) else { return }
        guard core.setSpin(perStep: spin.perStep, perTxn: spin.perTxn) else {
            throw ConvergeError(.invalidArgument, "\(variable): the kernel was built without CK_GATE_SPIN")
        }
    }
}
