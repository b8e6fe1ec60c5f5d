// Transaction.swift — the reducer's handle inside a transaction: writes and reads.

/// The reducer's handle inside ``ConvergeRuntime/transaction(mode:_:)``: writes record dirty
/// roots by id. Valid only inside the closure it is passed to; a write through it afterwards, or
/// from inside a step, is a `writeOutsideReducer` error.
public struct Transaction {
    @usableFromInline let runtime: ConvergeRuntime
    @usableFromInline let seq: UInt64

    /// Writes `value` to the slot of path `id` and records `id` as dirty.
    /// - Throws: `invalidArgument` (an id outside the registry), `writeOutsideReducer`.
    @inlinable
    public func set(_ id: UInt32, _ value: ConvergeValue) throws(ConvergeError) {
        try runtime.reducerWrite(seq, id, value.tag, value.payload)
    }

    /// Writes a number (the allocation-free hot path of the benchmarks). Inlined into the caller's
    /// module, as the write of a value by id is.
    @inlinable
    public func set(_ id: UInt32, number: Double) throws(ConvergeError) {
        try runtime.reducerWrite(seq, id, ConvergeValue.numberTag, number)
    }

    /// Writes by registry path (exact lookup of the dot-joined normalized path; converts at the
    /// boundary, so prefer ids in hot code).
    public func set(_ path: String, _ value: ConvergeValue) throws(ConvergeError) {
        try set(try runtime.graph.requirePathId(path), value)
    }

    /// The current value of a slot (the reducer's own writes included).
    public func get(_ id: UInt32) throws(ConvergeError) -> ConvergeValue {
        try runtime.core?.flush()   // the C core's write log holds the reducer's latest writes
        return try runtime.state.value(id)
    }

    /// Records `id` as dirty without writing a slot (for state the host keeps itself).
    public func markDirty(_ id: UInt32) throws(ConvergeError) {
        try runtime.reducerMark(seq, id)
    }

    /// Records a written path string as a Logix transaction does (semantics §4): `*` means
    /// unknown write (dirtyAll), a path with no registry id means dirtyAll (`fallbackPolicy`).
    public func markDirty(path: String) throws(ConvergeError) {
        if path == "*" || path.isEmpty {
            try runtime.reducerMarkAll(seq, .unknownWrite)
        } else if let id = runtime.graph.dirtyPathId(path) {
            try runtime.reducerMark(seq, id)
        } else {
            try runtime.reducerMarkAll(seq, .fallbackPolicy)
        }
    }
}

/// The outcome of one transaction.
public struct TransactionResult: Sendable {
    public let txnSeq: UInt64
    /// True when the final state differs from the base: observers were notified once.
    public let committed: Bool
    public let outcome: ConvergeOutcome
    /// `nil` when no converge ran (nothing written or marked dirty) or the scope is empty.
    public let executedMode: ExecutedMode?
    /// What the failing step threw (``ConvergeOutcome/runtimeError(step:)``).
    public let stepError: (any Error)?
}
