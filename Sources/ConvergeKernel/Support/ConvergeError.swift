// ConvergeError.swift — the library's one error type: a stable code and a message naming the
// offender.

/// The one error type of ConvergeKernel: a stable code and a message that names the offenders.
///
/// Codes are stable API: tools match on ``Code`` (or its `rawValue`), people read ``message``.
/// ``Code/words`` is the short phrase the CLI prints ("cycle", "multiple writers", …).
public struct ConvergeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong.
    public enum Code: String, Sendable, CaseIterable {
        /// The input is not JSON, or a value has the wrong JSON type.
        case invalidJSON
        /// `format` is not `"converge-ir"`.
        case unsupportedFormat
        /// `version` is not a version this library reads (1).
        case unsupportedVersion
        /// A step's `kind` is neither `computed` nor `link`.
        case unknownStepKind
        /// A required member is absent (a step without `out` or `kind`, a link without `from`).
        case missingField
        /// A computed step has no `deps` (an empty list is allowed). Logix: `MISSING_DEPS`.
        case missingDeps
        /// A step's `out` normalizes to no path. Logix: `UNMAPPABLE_OUT`.
        case unmappableOut
        /// The steps cannot be ordered: a dependency cycle. Logix: `CYCLE_DETECTED`.
        case cycleDetected
        /// Two steps write the same `out`. Logix: `MULTIPLE_WRITERS`.
        case multipleWriters
        /// The graph exceeds a documented limit (paths, steps, edges).
        case tooLarge
        /// An argument is out of range (an unknown path id, a bad option).
        case invalidArgument
        /// The C kernel refused its input or could not allocate (the message has its status).
        case kernelFailure
        /// An I/O failure reading or writing a file.
        case io
        /// A transaction was begun inside another one (configuration error).
        case nestedTransaction
        /// A slot was written from inside a step, or through a transaction that has ended
        /// (configuration error: the transaction is aborted, nothing is written).
        case writeOutsideReducer
        /// A computed step is to run but no derive function is registered for it (configuration
        /// error: the transaction is aborted, nothing is written).
        case missingStepFunction
        /// A WebAssembly or JS backend cannot run here: no clang with the wasm32 target, no
        /// wasm-ld, no SIMDe headers, no `node` (the message says what to install or set).
        case wasmToolchainMissing
        /// Compiling the WebAssembly kernel failed (the compiler's output is in the message).
        case wasmBuildFailed
        /// A WebAssembly or JS backend failed while running: a trap, a malformed reply from the
        /// host process, an instantiation error (the message has the cause).
        case backendFailure
        /// A computed step's `expr` is not a C0 expression (a syntax error, an unsupported
        /// construct or operator, a reference to a path outside its `deps`), or a step that must
        /// compile has no `expr`; the message names the step, the construct and its offset.
        case invalidExpression
        /// Bytecode failed the kernel's verification when loaded (docs/bytecode.md,
        /// "Verification"): the message names the rule, the step, the instruction and the value.
        case invalidBytecode
        /// An AOT artifact failed validation (docs/artifact.md): the message names the section,
        /// the byte offset and the rule (`section "insns" at byte 4096: checksum mismatch …`).
        case invalidArtifact

        /// The words a person recognizes, as the CLI prints them.
        public var words: String {
            switch self {
            case .invalidJSON: "invalid JSON"
            case .unsupportedFormat: "unsupported format"
            case .unsupportedVersion: "unsupported version"
            case .unknownStepKind: "unknown step kind"
            case .missingField: "missing field"
            case .missingDeps: "missing deps"
            case .unmappableOut: "unmappable out"
            case .cycleDetected: "cycle"
            case .multipleWriters: "multiple writers"
            case .tooLarge: "too large"
            case .invalidArgument: "invalid argument"
            case .kernelFailure: "kernel failure"
            case .io: "i/o error"
            case .nestedTransaction: "nested transaction"
            case .writeOutsideReducer: "write outside reducer"
            case .missingStepFunction: "missing step function"
            case .wasmToolchainMissing: "wasm toolchain missing"
            case .wasmBuildFailed: "wasm build failed"
            case .backendFailure: "backend failure"
            case .invalidExpression: "invalid expression"
            case .invalidBytecode: "invalid bytecode"
            case .invalidArtifact: "invalid artifact"
            }
        }

        /// Logix's code for the same condition, where Logix has one.
        public var logixCode: String? {
            switch self {
            case .missingDeps: "MISSING_DEPS"
            case .unmappableOut: "UNMAPPABLE_OUT"
            case .cycleDetected: "CYCLE_DETECTED"
            case .multipleWriters: "MULTIPLE_WRITERS"
            default: nil
            }
        }
    }

    public let code: Code
    /// A one-line message naming the offending path, step or offset.
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// `"<words>: <message>"`, one line.
    public var description: String { "\(code.words): \(message)" }
}
