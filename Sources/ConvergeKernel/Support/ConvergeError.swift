// ConvergeError.swift — the library's one error type: a stable code and a message naming the
// offender.

/// The one error type of ConvergeKernel: a stable code and a message that names the offenders.
///
/// Codes are stable API: tools match on ``Code`` (or its `rawValue`), people read ``message``.
/// ``Code/words`` is the short phrase the CLI prints ("cycle", "multiple writers", …).
public struct ConvergeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong: a stable name (``rawValue``), the words the CLI prints, and Logix's code
    /// where Logix has one.
    ///
    /// An open set: the codes below are the kernel's; a module adds its own as static members
    /// (ConvergeWasm declares `wasmToolchainMissing`, `wasmBuildFailed` and `backendFailure`), so
    /// the core library knows nothing of the backends that extend it. Match on a code with `==`
    /// or in a `switch` (`case .cycleDetected:`), with a `default`.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The stable name (`"cycleDetected"`): what tools match on.
        public let rawValue: String
        /// The words a person recognizes, as the CLI prints them (`"cycle"`).
        public let words: String
        /// Logix's code for the same condition, where Logix has one (`"CYCLE_DETECTED"`).
        public let logixCode: String?

        /// A code; `rawValue` must be unique across every module's codes (a test checks the
        /// kernel's and ConvergeWasm's).
        public init(_ rawValue: String, words: String, logixCode: String? = nil) {
            self.rawValue = rawValue
            self.words = words
            self.logixCode = logixCode
        }

        public static func == (a: Code, b: Code) -> Bool { a.rawValue == b.rawValue }
        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
        public var description: String { rawValue }

        /// The input is not JSON, or a value has the wrong JSON type.
        public static let invalidJSON = Code("invalidJSON", words: "invalid JSON")
        /// `format` is not `"converge-ir"`.
        public static let unsupportedFormat = Code("unsupportedFormat", words: "unsupported format")
        /// `version` is not a version this library reads (1).
        public static let unsupportedVersion = Code("unsupportedVersion", words: "unsupported version")
        /// A step's `kind` is neither `computed` nor `link`.
        public static let unknownStepKind = Code("unknownStepKind", words: "unknown step kind")
        /// A required member is absent (a step without `out` or `kind`, a link without `from`).
        public static let missingField = Code("missingField", words: "missing field")
        /// A computed step has no `deps` (an empty list is allowed). Logix: `MISSING_DEPS`.
        public static let missingDeps = Code("missingDeps", words: "missing deps", logixCode: "MISSING_DEPS")
        /// A step's `out` normalizes to no path. Logix: `UNMAPPABLE_OUT`.
        public static let unmappableOut = Code("unmappableOut", words: "unmappable out", logixCode: "UNMAPPABLE_OUT")
        /// The steps cannot be ordered: a dependency cycle. Logix: `CYCLE_DETECTED`.
        public static let cycleDetected = Code("cycleDetected", words: "cycle", logixCode: "CYCLE_DETECTED")
        /// Two steps write the same `out`. Logix: `MULTIPLE_WRITERS`.
        public static let multipleWriters = Code("multipleWriters", words: "multiple writers", logixCode: "MULTIPLE_WRITERS")
        /// The graph exceeds a documented limit (paths, steps, edges).
        public static let tooLarge = Code("tooLarge", words: "too large")
        /// An argument is out of range (an unknown path id, a bad option).
        public static let invalidArgument = Code("invalidArgument", words: "invalid argument")
        /// The C kernel refused its input or could not allocate (the message has its status).
        public static let kernelFailure = Code("kernelFailure", words: "kernel failure")
        /// An I/O failure reading or writing a file.
        public static let io = Code("io", words: "i/o error")
        /// A transaction was begun inside another one (configuration error).
        public static let nestedTransaction = Code("nestedTransaction", words: "nested transaction")
        /// A slot was written from inside a step, or through a transaction that has ended
        /// (configuration error: the transaction is aborted, nothing is written).
        public static let writeOutsideReducer = Code("writeOutsideReducer", words: "write outside reducer")
        /// A computed step is to run but no derive function is registered for it (configuration
        /// error: the transaction is aborted, nothing is written).
        public static let missingStepFunction = Code("missingStepFunction", words: "missing step function")
        /// A computed step's `expr` is not a C0 expression (a syntax error, an unsupported
        /// construct or operator, a reference to a path outside its `deps`), or a step that must
        /// compile has no `expr`; the message names the step, the construct and its offset.
        public static let invalidExpression = Code("invalidExpression", words: "invalid expression")
        /// Bytecode failed the kernel's verification when loaded (docs/bytecode.md,
        /// "Verification"): the message names the rule, the step, the instruction and the value.
        public static let invalidBytecode = Code("invalidBytecode", words: "invalid bytecode")
        /// An AOT artifact failed validation (docs/artifact.md): the message names the section,
        /// the byte offset and the rule (`section "insns" at byte 4096: checksum mismatch …`).
        public static let invalidArtifact = Code("invalidArtifact", words: "invalid artifact")

        /// The kernel's codes (ConvergeKernel's); other modules' codes are not listed here.
        public static let kernelCodes: [Code] = [
            .invalidJSON, .unsupportedFormat, .unsupportedVersion, .unknownStepKind, .missingField,
            .missingDeps, .unmappableOut, .cycleDetected, .multipleWriters, .tooLarge,
            .invalidArgument, .kernelFailure, .io, .nestedTransaction, .writeOutsideReducer,
            .missingStepFunction, .invalidExpression, .invalidBytecode, .invalidArtifact,
        ]
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
