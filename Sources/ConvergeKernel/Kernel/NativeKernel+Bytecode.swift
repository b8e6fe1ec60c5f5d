// NativeKernel+Bytecode.swift — loading bytecode into the native kernel, and the facts about what
// it loaded.

/// Facts about the bytecode loaded into a native kernel (`ck_code_info_t`).
public struct BytecodeInfo: Sendable, Equatable {
    /// Steps with a program.
    public var compiledSteps: Int
    /// Batchable runs: consecutive steps with one program shape, none reading another's out.
    public var runs: Int
    public var longestRun: Int
    public var maxRegisters: Int
    public var instructions: Int
    /// Bytes of the kernel's copy (programs, constants, run table, lane registers).
    public var bytes: Int
    /// Runs of 2+ steps the fused pipeline runs (loads, number operators, RET).
    public var fusedRuns: Int = 0
    /// Runs of 2+ steps whose reads and writes are contiguous slots (or one slot for all) under
    /// the current layout.
    public var contiguousRuns: Int = 0
}

/// L3: loading bytecode into the native kernel (`ck_kernel_load_code`) and running one step's
/// program on its own (`ck_kernel_eval_step`).
extension NativeKernel {
    /// Verifies `code` against the graph and loads it; compiled steps then run in the kernel.
    /// - Throws: `invalidBytecode` naming the broken rule, the step, the instruction (absolute
    ///   and within its program) and the offending value; nothing is loaded then.
    public func loadCode(_ code: Bytecode) throws(ConvergeError) { try handle.loadCode(code) }

    /// Removes the loaded bytecode: every computed step is a host step again.
    public func unloadCode() { handle.unloadCode() }

    /// What is loaded.
    public var codeInfo: BytecodeInfo { handle.codeInfo }

    /// Runs step `step`'s program once on the current state (one-by-one VM), writing nothing.
    /// - Throws: `invalidArgument` when the step has no program.
    public func evaluate(step: Int) throws(ConvergeError) -> ConvergeValue {
        guard step >= 0 && step < Int(UInt32.max), let v = handle.evaluate(step: UInt32(step)) else {
            throw ConvergeError(.invalidArgument, "step \(step) has no program")
        }
        return v
    }
}
