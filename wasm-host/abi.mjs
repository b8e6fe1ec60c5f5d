// abi.mjs — the ckw ABI's constants for the JS hosts: the ck_status_t codes and names, and the
// word indexes of the out, layout and transaction records (CKernel/wasm/ck_wasm.c). A copy of
// CKernel/abi.json, the one description; ABIDescriptionTests holds this file (and the C and the
// Swift copy) equal to it, so change them together. No dependencies: node and the browser page
// (browser-run.mjs serves it) import it alike.

/** ck_status_t names as ck_status_name returns them; index = the code (0 … 17). */
export const STATUS_NAMES = Object.freeze([
  'ok', 'null argument', 'bad tables', 'too large', 'out of memory', 'unknown path id',
  'bad mode', 'bad scope', 'buffer too small', 'bad option', 'implementation unavailable', 'invariant broken',
  'unknown step id', 'no host step', 'bad argument', 'bad code', 'bad artifact', 'bad write',
]);

/** ck_status_t codes: the C enumerators without "CK_" (CK_ERR_BAD_CODE = STATUS.ERR_BAD_CODE). */
export const STATUS = Object.freeze({
  OK: 0, ERR_NULL_ARGUMENT: 1, ERR_BAD_TABLES: 2, ERR_TOO_LARGE: 3, ERR_OUT_OF_MEMORY: 4,
  ERR_UNKNOWN_PATH_ID: 5, ERR_BAD_MODE: 6, ERR_BAD_SCOPE: 7, ERR_BUFFER_TOO_SMALL: 8, ERR_BAD_OPTION: 9,
  ERR_IMPL_UNAVAILABLE: 10, ERR_INVARIANT: 11, ERR_UNKNOWN_STEP_ID: 12, ERR_NO_HOST_STEP: 13,
  ERR_BAD_ARGUMENT: 14, ERR_BAD_CODE: 15, ERR_BAD_ARTIFACT: 16, ERR_BAD_WRITE: 17,
});

/** The name of a ck_status_t ("bad write", …; the number itself when unknown). */
export function statusName(status) { return STATUS_NAMES[status] ?? String(status); }

/** Out record word indexes (CKW_OUT_*; after ckw_plan / ckw_commit / ckw_load_code). WORDS: its length. */
export const OUT = Object.freeze({
  STATUS: 0, PLAN_LEN: 1, EXECUTED_MODE: 2, ALGORITHM: 3, DIRTY_ALL: 4, DIRTY_PREFIXES: 5, REACHABLE: 6,
  WORDS_SCANNED: 7, INDEX_ENTRIES: 8, OUTCOME: 9, FAILED_STEP: 10, EXECUTED_STEPS: 11, CHANGED_STEPS: 12,
  HOST_CALLS: 13, ROLLED_BACK: 14, SWITCHED: 15, WRITES_PTR: 16, WRITES_LEN: 17, ERR_TABLE: 18,
  ERR_INDEX: 19, ERR_VALUE: 20, VM_STEPS: 21, ERR_FAULT: 22,
  WORDS: 24,
});

/** Layout record word indexes (CKW_LAYOUT_*; ckw_open_artifact's result). SCOPE_LEN spans 3 words. */
export const LAYOUT = Object.freeze({
  OUT: 0, PLAN: 1, PLAN_CAPACITY: 2, DIRTY: 3, DIRTY_CAPACITY: 4, TAGS: 5, VALUES: 6, SLOTS: 7, PATHS: 8,
  STEPS: 9, GROUPS: 10, IMPL: 11, STRATEGY: 12, ARENA_BYTES: 13, SCOPE_LEN: 14, TXN: 17, LOG: 18,
  LOG_CAPACITY: 19, OP_SEQ: 20, SLOT_OF: 21, HAS_LAYOUT: 22,
  WORDS: 23,
});

/** Transaction record word indexes (CKW_TXN_*; after every ckw_txn_* call). TOP_ROOTS spans 3 words. */
export const TXN = Object.freeze({
  STATUS: 0, CONVERGED: 1, EXECUTED_MODE: 2, REASONS: 3, COMMITTED: 4, OUTCOME: 5, FAILED_STEP: 6,
  PLAN_LEN: 7, EXECUTED_STEPS: 8, CHANGED_STEPS: 9, HOST_CALLS: 10, VM_STEPS: 11, DIRTY_ROOTS: 12,
  TOP_ROOTS: 13, DIRTY_ALL: 16, CACHE_HIT: 17, INLINE_ENABLED: 18, LRU_ENABLED: 19, WANTS_EXEC_NS: 20,
  PLAN: 21, DECISION_NS_LO: 22, DECISION_NS_HI: 23, ERR_TABLE: 24, ERR_INDEX: 25, ERR_VALUE: 26,
  ERR_FAULT: 27, OP_SEQ_LO: 28, OP_SEQ_HI: 29, LOG_ENTRIES: 30, ABORTED: 31,
  TRACE_STEPS: 32, TRACE_STEP_COUNT: 33, TRACE_PATCHES: 34, TRACE_PATCH_COUNT: 35,
  TRACE_STEPS_DROPPED: 36, TRACE_PATCHES_DROPPED: 37,
  WORDS: 40,
});
