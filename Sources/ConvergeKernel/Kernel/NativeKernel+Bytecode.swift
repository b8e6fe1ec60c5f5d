// NativeKernel+Bytecode.swift — loading bytecode into the native kernel, and the facts about what
// it loaded.

import CKernel

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
    public func loadCode(_ code: Bytecode) throws(ConvergeError) {
        var err = ck_error_t()
        let status = code.withCode { c in ck_kernel_load_code(kernel, &c, &err) }
        guard status == CK_OK else { throw Self.codeError(status, err, code) }
    }

    /// Removes the loaded bytecode: every computed step is a host step again.
    public func unloadCode() {
        _ = ck_kernel_load_code(kernel, nil, nil)
    }

    /// What is loaded.
    public var codeInfo: BytecodeInfo {
        var i = ck_code_info_t()
        _ = ck_kernel_code_info(kernel, &i)
        return BytecodeInfo(compiledSteps: Int(i.compiled_steps), runs: Int(i.runs), longestRun: Int(i.longest_run),
                            maxRegisters: Int(i.max_regs), instructions: Int(i.insn_count), bytes: Int(i.bytes),
                            fusedRuns: Int(i.fused_runs), contiguousRuns: Int(i.contiguous_runs))
    }

    /// Runs step `step`'s program once on the current state (one-by-one VM), writing nothing.
    /// - Throws: `invalidArgument` when the step has no program.
    public func evaluate(step: Int) throws(ConvergeError) -> ConvergeValue {
        var tag: UInt8 = 0
        var value = 0.0
        var err = ck_error_t()
        guard step >= 0 && step < Int(UInt32.max),
              ck_kernel_eval_step(kernel, UInt32(step), &tag, &value, &err) == CK_OK else {
            throw ConvergeError(.invalidArgument, "step \(step) has no program")
        }
        return ConvergeValue(tag: tag, payload: value)
    }

    static func codeError(_ status: ck_status_t, _ err: ck_error_t, _ code: Bytecode) -> ConvergeError {
        guard status == CK_ERR_BAD_CODE else { return error(status, err, what: "ck_kernel_load_code") }
        let index = Int(err.index), value = err.value
        // where: an instruction (step and pc), a step, or the tables
        var at: String
        switch err.table {
        case CK_TABLE_CODE_INSNS:
            let step = code.stepOffsets.lastIndex { Int($0) <= index }.map { min($0, code.stepCount - 1) } ?? 0
            let pc = index - Int(code.stepOffsets[step])
            let shown = index < code.instructions.count ? " (\(code.instructions[index]))" : ""
            at = "step \(step), instruction \(pc) (insns[\(index)])\(shown)"
        case CK_TABLE_CODE_OFFSETS, CK_TABLE_CODE_REGS: at = err.fault == CK_FAULT_OFFSETS ? "stepOffsets[\(index)]" : "step \(index)"
        case CK_TABLE_CODE_CONSTS: at = "constants"
        default: at = "the bytecode"
        }
        let rule: String = switch err.fault {
        case CK_FAULT_STEP_COUNT: "has \(value) steps; the graph has a different count"
        case CK_FAULT_OFFSETS: "offset \(value) is out of order (offsets start at 0 and never decrease)"
        case CK_FAULT_TOO_LONG: "program of \(value) instructions exceeds \(CK_VM_MAX_PROGRAM)"
        case CK_FAULT_LINK_CODE: "is a link and cannot have a program"
        case CK_FAULT_REG_COUNT: "register count \(value) is invalid (1…\(CK_VM_MAX_REGS) with a program, 0 without)"
        case CK_FAULT_OPCODE: "unknown opcode \(value)"
        case CK_FAULT_REGISTER: "register r\(value) is beyond the step's register count"
        case CK_FAULT_CONST: "constant index \(value) is beyond the \(code.constants.count) constants"
        case CK_FAULT_SLOT: "slot \(value) is not one of the step's dep paths"
        case CK_FAULT_LITERAL: "literal tag \(value >> 8) bit \(value & 0xFF) is not undefined, null, false or true"
        case CK_FAULT_RESERVED: "an operand the opcode does not use is \(value), not 0"
        case CK_FAULT_UNSET_REGISTER: "register r\(value) is read before it is written"
        case CK_FAULT_NO_RET: "the program must end with its only RET"
        case CK_FAULT_TOO_MANY_CONSTS: "\(value) constants exceed \(CK_VM_MAX_CONSTS)"
        default: "fault \(err.fault.rawValue)"
        }
        return ConvergeError(.invalidBytecode, "\(at): \(rule)")
    }
}
