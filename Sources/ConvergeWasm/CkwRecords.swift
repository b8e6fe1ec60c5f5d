// The word indexes of the ckw records (CKernel/wasm/ck_wasm.c: CKW_OUT_*, CKW_LAYOUT_*,
// CKW_TXN_*) for the WasmKit hosts. A copy of CKernel/abi.json, the one description; a case is
// the C name in camel case (CKW_TXN_OP_SEQ_LO: CkwTxn.opSeqLo), `words` is CKW_*_WORDS.
// ABIDescriptionTests holds these (and the C and the JS copy) equal to the JSON: change them
// together.

/// The out record (uint32 words after `ckw_plan`, `ckw_commit`, `ckw_load_code`).
enum CkwOut: Int, CaseIterable {
    case status = 0
    case planLen = 1
    case executedMode = 2
    case algorithm = 3
    case dirtyAll = 4
    case dirtyPrefixes = 5
    case reachable = 6
    case wordsScanned = 7
    case indexEntries = 8
    case outcome = 9
    case failedStep = 10
    case executedSteps = 11
    case changedSteps = 12
    case hostCalls = 13
    case rolledBack = 14
    case switched = 15
    case writesPtr = 16
    case writesLen = 17
    case errTable = 18
    case errIndex = 19
    case errValue = 20
    case vmSteps = 21
    case errFault = 22

    /// CKW_OUT_WORDS
    static let words = 24
}

/// The layout record (uint32 words at `ckw_open_artifact`'s result, read once).
enum CkwLayout: Int, CaseIterable {
    case out = 0
    case plan = 1
    case planCapacity = 2
    case dirty = 3
    case dirtyCapacity = 4
    case tags = 5
    case values = 6
    case slots = 7
    case paths = 8
    case steps = 9
    case groups = 10
    case impl = 11
    case strategy = 12
    case arenaBytes = 13
    /// Three words: the immediate, deferred and all scopes' lengths.
    case scopeLen = 14
    case txn = 17
    case log = 18
    case logCapacity = 19
    case opSeq = 20
    case slotOf = 21
    case hasLayout = 22

    /// CKW_LAYOUT_WORDS
    static let words = 23
}

/// The transaction record (uint32 words at layout word `txn`, after every `ckw_txn_*` call).
enum CkwTxn: Int, CaseIterable {
    case status = 0
    case converged = 1
    case executedMode = 2
    case reasons = 3
    case committed = 4
    case outcome = 5
    case failedStep = 6
    case planLen = 7
    case executedSteps = 8
    case changedSteps = 9
    case hostCalls = 10
    case vmSteps = 11
    case dirtyRoots = 12
    /// Three words: the first three dirty roots.
    case topRoots = 13
    case dirtyAll = 16
    case cacheHit = 17
    case inlineEnabled = 18
    case lruEnabled = 19
    case wantsExecNs = 20
    case plan = 21
    case decisionNsLo = 22
    case decisionNsHi = 23
    case errTable = 24
    case errIndex = 25
    case errValue = 26
    case errFault = 27
    case opSeqLo = 28
    case opSeqHi = 29
    case logEntries = 30
    case aborted = 31
    case traceSteps = 32
    case traceStepCount = 33
    case tracePatches = 34
    case tracePatchCount = 35
    case traceStepsDropped = 36
    case tracePatchesDropped = 37

    /// CKW_TXN_WORDS
    static let words = 40
    /// Words 0 … 23: the status and the last commit's result (what a successful commit reads).
    static let resultWords = CkwTxn.decisionNsHi.rawValue + 1
    /// Words 0 … 31: … and the error words, op_seq, log entries and aborted (what a failed call reads).
    static let errorWords = CkwTxn.aborted.rawValue + 1
}

extension Array where Element == UInt32 {
    /// A word of an out record read with `WasmKitModule.words`.
    subscript(_ word: CkwOut) -> UInt32 { self[word.rawValue] }
    /// A word of a layout record.
    subscript(_ word: CkwLayout) -> UInt32 { self[word.rawValue] }
    /// A word of a transaction record.
    subscript(_ word: CkwTxn) -> UInt32 { self[word.rawValue] }
}
