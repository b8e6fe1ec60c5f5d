/* ck_wasm.c — the WebAssembly ABI of CKernel (docs/kernel-abi.md, "WebAssembly"): the exports a
   host (V8 in Node, WasmKit in Swift) calls. Integers cross, nothing else: the host places the
   static tables once in linear memory (an AOT artifact, docs/artifact.md), creates a session,
   and then makes exactly one exported call per transaction (ckw_plan for L1, ckw_commit for L2)
   with a pointer and length of dirty path ids. The plan and every counter come back in linear
   memory (the session's plan buffer and its `out` record of uint32 words); computed steps of L2
   reach the host through one import (env.ckw_host_steps), in batches. */
#include "ckernel.h"

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <stdlib.h>

#define CKW_EXPORT(name) __attribute__((export_name(#name), visibility("default")))

/* The host's batch callback for computed steps (L2): the same contract as ck_host_batch_fn, with
   linear-memory offsets for pointers. */
__attribute__((import_module("env"), import_name("ckw_host_steps")))
int ckw_host_steps(const uint32_t *steps, uint32_t count, uint8_t *out_tags, double *out_values,
                   uint32_t *out_completed);

/* The out record: uint32 words the host reads after each call (indexes are the ABI). */
enum {
    CKW_OUT_STATUS = 0,          /* ck_status_t of the last call */
    CKW_OUT_PLAN_LEN = 1,        /* steps in the plan buffer */
    CKW_OUT_EXECUTED_MODE = 2,   /* CK_EXECUTED_* */
    CKW_OUT_ALGORITHM = 3,       /* CK_ALGO_* */
    CKW_OUT_DIRTY_ALL = 4,
    CKW_OUT_DIRTY_PREFIXES = 5,
    CKW_OUT_REACHABLE = 6,
    CKW_OUT_WORDS_SCANNED = 7,   /* saturated at 2^32-1 */
    CKW_OUT_INDEX_ENTRIES = 8,   /* saturated at 2^32-1 */
    CKW_OUT_OUTCOME = 9,         /* CK_OUTCOME_* (ckw_commit) */
    CKW_OUT_FAILED_STEP = 10,
    CKW_OUT_EXECUTED_STEPS = 11,
    CKW_OUT_CHANGED_STEPS = 12,
    CKW_OUT_HOST_CALLS = 13,
    CKW_OUT_ROLLED_BACK = 14,
    CKW_OUT_SWITCHED = 15,
    CKW_OUT_WRITES_PTR = 16,     /* ck_kernel_last_writes after ckw_commit */
    CKW_OUT_WRITES_LEN = 17,
    CKW_OUT_ERR_TABLE = 18,      /* ck_error_t of a failed call */
    CKW_OUT_ERR_INDEX = 19,
    CKW_OUT_ERR_VALUE = 20,
    CKW_OUT_VM_STEPS = 21,       /* steps the bytecode VM ran (ckw_commit after ckw_load_code) */
    CKW_OUT_ERR_FAULT = 22,      /* ck_error_t.fault of a failed ckw_load_code */
    CKW_OUT_WORDS = 24
};

/* The layout record: where a session's buffers are (read once by the host). */
enum {
    CKW_LAYOUT_OUT = 0,          /* the out record (CKW_OUT_WORDS uint32) */
    CKW_LAYOUT_PLAN = 1,         /* plan buffer (uint32[plan_capacity]) */
    CKW_LAYOUT_PLAN_CAPACITY = 2,
    CKW_LAYOUT_DIRTY = 3,        /* a dirty-id buffer the host may fill (uint32[dirty_capacity]) */
    CKW_LAYOUT_DIRTY_CAPACITY = 4,
    CKW_LAYOUT_TAGS = 5,         /* state store: uint8 tags[slot_count] */
    CKW_LAYOUT_VALUES = 6,       /* state store: double values[slot_count] */
    CKW_LAYOUT_SLOTS = 7,
    CKW_LAYOUT_PATHS = 8,
    CKW_LAYOUT_STEPS = 9,
    CKW_LAYOUT_GROUPS = 10,
    CKW_LAYOUT_IMPL = 11,        /* ck_impl_t in use */
    CKW_LAYOUT_STRATEGY = 12,    /* ck_strategy_t in use */
    CKW_LAYOUT_ARENA_BYTES = 13, /* saturated at 2^32-1 */
    CKW_LAYOUT_SCOPE_LEN = 14,   /* [3] */
    CKW_LAYOUT_TXN = 17,         /* the transaction record (CKW_TXN_WORDS uint32; always set) */
    CKW_LAYOUT_LOG = 18,         /* the write log's entries (ck_write_t[log capacity], 16 bytes
                                    each); 0 until ckw_txn_open */
    CKW_LAYOUT_LOG_CAPACITY = 19,/* entries the log holds; 0 until ckw_txn_open */
    CKW_LAYOUT_OP_SEQ = 20,      /* the address of the log's op_seq (uint64); 0 until ckw_txn_open.
                                    An L1 host (PLAN_ONLY) that executed the plan adds its derived
                                    writes to it, as the native runtime does */
    CKW_LAYOUT_SLOT_OF = 21,     /* the state layout: uint32 slot_of_path[slot_count] (the identity
                                    unless ckw_open_artifact took the file's layout): path p's
                                    value is values[slot_of_path[p]] */
    CKW_LAYOUT_HAS_LAYOUT = 22,  /* 1 when the layout is not the identity */
    CKW_LAYOUT_WORDS = 23
};

/* The transaction record: uint32 words the host reads after each ckw_txn_* call (indexes are the
   ABI). Words 1-21 are the ck_txn_result_t of the last ckw_txn_commit (zero after an error). */
enum {
    CKW_TXN_STATUS = 0,          /* ck_status_t of the last ckw_txn_* call */
    CKW_TXN_CONVERGED = 1,
    CKW_TXN_EXECUTED_MODE = 2,   /* CK_EXECUTED_* */
    CKW_TXN_REASONS = 3,         /* CK_REASON_* bits */
    CKW_TXN_COMMITTED = 4,
    CKW_TXN_OUTCOME = 5,         /* CK_OUTCOME_* */
    CKW_TXN_FAILED_STEP = 6,
    CKW_TXN_PLAN_LEN = 7,
    CKW_TXN_EXECUTED_STEPS = 8,
    CKW_TXN_CHANGED_STEPS = 9,
    CKW_TXN_HOST_CALLS = 10,
    CKW_TXN_VM_STEPS = 11,
    CKW_TXN_DIRTY_ROOTS = 12,
    CKW_TXN_TOP_ROOTS = 13,      /* [3], UINT32_MAX: none */
    CKW_TXN_DIRTY_ALL = 16,      /* CK_DIRTY_ALL_* */
    CKW_TXN_CACHE_HIT = 17,
    CKW_TXN_INLINE_ENABLED = 18,
    CKW_TXN_LRU_ENABLED = 19,
    CKW_TXN_WANTS_EXEC_NS = 20,
    CKW_TXN_PLAN = 21,           /* the plan's address (plan_len uint32 ids; valid until the next call) */
    CKW_TXN_DECISION_NS_LO = 22, /* decision_ns = hi * 2^32 + lo */
    CKW_TXN_DECISION_NS_HI = 23,
    CKW_TXN_ERR_TABLE = 24,      /* ck_error_t of a failed call */
    CKW_TXN_ERR_INDEX = 25,
    CKW_TXN_ERR_VALUE = 26,
    CKW_TXN_ERR_FAULT = 27,
    CKW_TXN_OP_SEQ_LO = 28,      /* ck_txn_log_t.op_seq after the call */
    CKW_TXN_OP_SEQ_HI = 29,
    CKW_TXN_LOG_ENTRIES = 30,    /* write-log entries the transaction applied */
    CKW_TXN_ABORTED = 31,        /* 1: a host abort or bad value aborted it (reducer writes undone) */
    CKW_TXN_TRACE_STEPS = 32,    /* ckw_txn_trace's records of the last transaction: the address of */
    CKW_TXN_TRACE_STEP_COUNT = 33,    /* the ck_step_record_t array (16 bytes each) and its count, */
    CKW_TXN_TRACE_PATCHES = 34,  /* the ck_patch_record_t array (40 bytes each) and its count, */
    CKW_TXN_TRACE_PATCH_COUNT = 35,
    CKW_TXN_TRACE_STEPS_DROPPED = 36,   /* and the records that did not fit (saturated) */
    CKW_TXN_TRACE_PATCHES_DROPPED = 37,
    CKW_TXN_WORDS = 40
};

typedef struct ckw_session {
    ck_kernel_t *kernel;
    uint32_t *plan;
    uint32_t plan_capacity;
    uint32_t *dirty;
    uint32_t dirty_capacity;
    ck_exec_options_t exec;
    ck_txn_t *txn;               /* the transaction core (ckw_txn_open), or NULL */
    ck_trace_t *trace;           /* its record buffers (ckw_txn_trace), or NULL */
    int in_txn;                  /* a flush of the current transaction has happened */
    uint32_t out[CKW_OUT_WORDS];
    uint32_t txn_rec[CKW_TXN_WORDS];
    uint32_t layout[CKW_LAYOUT_WORDS];
} ckw_session_t;

/* The error record of the last failed ckw_open_artifact (no session to hold it):
   status, table, index, value (saturated), fault, value's high 32 bits. */
static uint32_t create_error[6];

static uint32_t sat32(uint64_t v) { return v > UINT32_MAX ? UINT32_MAX : (uint32_t)v; }

static int host_batch(void *context, const uint32_t *steps, uint32_t count, uint8_t *out_tags,
                      double *out_values, uint32_t *out_completed) {
    (void)context;
    return ckw_host_steps(steps, count, out_tags, out_values, out_completed);
}

CKW_EXPORT(ckw_alloc) void *ckw_alloc(uint32_t bytes) { return malloc(bytes); }

CKW_EXPORT(ckw_free) void ckw_free(void *p) { free(p); }

/* uint32 words: status, table, index, value (and fault) of the last failed ckw_open_artifact. */
CKW_EXPORT(ckw_create_error) uint32_t *ckw_create_error(void) { return create_error; }

static uint32_t read_u32(const uint8_t *p) {
    uint32_t v;
    memcpy(&v, p, 4);
    return v;
}

static uint32_t *fail_create_fault(ck_status_t status, uint32_t table, uint64_t index, uint64_t value, uint32_t fault) {
    create_error[0] = (uint32_t)status;
    create_error[1] = table;
    create_error[2] = sat32(index);
    create_error[3] = table >= CK_TABLE_ARTIFACT ? (uint32_t)value : sat32(value); /* artifacts: low word + [5] */
    create_error[4] = fault;
    create_error[5] = (uint32_t)(value >> 32); /* an artifact's checksums are 64-bit values */
    return NULL;
}

static uint32_t *fail_create(ck_status_t status, uint32_t table, uint64_t index, uint64_t value) {
    return fail_create_fault(status, table, index, value, 0);
}

static uint32_t *open_session(ck_kernel_t *kernel);

/* The kernel options of ckw_open_artifact's arguments. */
static ck_options_t session_options(uint32_t impl, uint32_t strategy, double closure_budget_bytes) {
    ck_options_t options;
    ck_options_init(&options);
    options.impl = (ck_impl_t)impl;
    options.strategy = (ck_strategy_t)strategy;
    options.closure_budget_bytes = closure_budget_bytes > 0.0 ? (uint64_t)closure_budget_bytes : 0u;
    return options;
}

/* Creates a session from an AOT artifact (docs/artifact.md) at [bytes, bytes+len): the one table
   format of every host — the same file the native kernel loads (L4: everything `converge compile`
   writes; L1–L3: the graph's tables alone, without bytecode). Validated by ck_artifact_open
   (8-byte aligned: ckw_alloc's is), then ck_kernel_create_from_artifact (tables, bytecode when
   the file has any, initial state) and, with bit 0 of load_flags (CK_ARTIFACT_LOAD_LAYOUT), its
   state layout (L4: the host then reads path p at slot_of_path[p], CKW_LAYOUT_SLOT_OF). The host
   may free the bytes afterwards. impl: ck_impl_t (0 = this build's best); strategy:
   ck_strategy_t; closure_budget_bytes: 0 = default (a double: no 64-bit integer crosses).
   Returns the layout record's address, or 0 with ckw_create_error() holding status, table
   (CK_TABLE_ARTIFACT + section), index (byte offset), value (low 32 bits), fault, value's high
   32 bits. */
CKW_EXPORT(ckw_open_artifact)
uint32_t *ckw_open_artifact(const uint8_t *bytes, uint32_t len, uint32_t impl, uint32_t strategy,
                            double closure_budget_bytes, uint32_t load_flags) {
    ck_artifact_t artifact;
    ck_error_t error;
    ck_status_t st = ck_artifact_open(bytes, len, &artifact, &error);
    if (st != CK_OK) return fail_create_fault(st, error.table, error.index, error.value, error.fault);
    ck_options_t options = session_options(impl, strategy, closure_budget_bytes);
    ck_kernel_t *kernel = NULL;
    st = ck_kernel_create_from_artifact_ex(&artifact, &options, load_flags & CK_ARTIFACT_LOAD_LAYOUT, &kernel, &error);
    if (st != CK_OK) return fail_create_fault(st, error.table, error.index, error.value, error.fault);
    return open_session(kernel);
}

/* A session around a new kernel (which it owns from here on). */
static uint32_t *open_session(ck_kernel_t *kernel) {
    ck_kernel_info_t tinfo;
    ck_kernel_info(kernel, &tinfo);
    ckw_session_t *s = calloc(1, sizeof *s);
    uint32_t cap = tinfo.step_count > 0 ? tinfo.step_count : 1u;
    uint32_t dcap = tinfo.path_count > 0 ? tinfo.path_count : 1u;
    if (s != NULL) {
        s->plan = malloc((size_t)cap * 4u);
        s->dirty = malloc((size_t)dcap * 4u);
    }
    if (s == NULL || s->plan == NULL || s->dirty == NULL) {
        if (s != NULL) { free(s->plan); free(s->dirty); free(s); }
        ck_kernel_free(kernel);
        return fail_create(CK_ERR_OUT_OF_MEMORY, 0, 0, 0);
    }
    s->kernel = kernel;
    s->plan_capacity = cap;
    s->dirty_capacity = dcap;
    ck_exec_options_init(&s->exec);
    s->exec.host_steps = host_batch;
    ck_kernel_info_t info;
    ck_kernel_info(kernel, &info);
    ck_state_view_t view;
    ck_kernel_state(kernel, &view);
    uint32_t *l = s->layout;
    l[CKW_LAYOUT_OUT] = (uint32_t)(uintptr_t)s->out;
    l[CKW_LAYOUT_PLAN] = (uint32_t)(uintptr_t)s->plan;
    l[CKW_LAYOUT_PLAN_CAPACITY] = cap;
    l[CKW_LAYOUT_DIRTY] = (uint32_t)(uintptr_t)s->dirty;
    l[CKW_LAYOUT_DIRTY_CAPACITY] = dcap;
    l[CKW_LAYOUT_TAGS] = (uint32_t)(uintptr_t)view.tags;
    l[CKW_LAYOUT_VALUES] = (uint32_t)(uintptr_t)view.values;
    l[CKW_LAYOUT_SLOTS] = view.slot_count;
    l[CKW_LAYOUT_PATHS] = info.path_count;
    l[CKW_LAYOUT_STEPS] = info.step_count;
    l[CKW_LAYOUT_GROUPS] = info.group_count;
    l[CKW_LAYOUT_IMPL] = (uint32_t)info.impl;
    l[CKW_LAYOUT_STRATEGY] = (uint32_t)info.strategy;
    l[CKW_LAYOUT_ARENA_BYTES] = sat32(info.arena_bytes);
    for (int i = 0; i < 3; i++) l[CKW_LAYOUT_SCOPE_LEN + i] = info.scope_len[i];
    l[CKW_LAYOUT_TXN] = (uint32_t)(uintptr_t)s->txn_rec;
    l[CKW_LAYOUT_SLOT_OF] = (uint32_t)(uintptr_t)view.slot_of_path;
    l[CKW_LAYOUT_HAS_LAYOUT] = (uint32_t)ck_kernel_has_layout(kernel);
    return l;
}

static ckw_session_t *session_of(uint32_t *layout) {
    return layout == NULL ? NULL : (ckw_session_t *)((uint8_t *)layout - offsetof(ckw_session_t, layout));
}

static void free_trace(ckw_session_t *s) {
    if (s->trace == NULL) return;
    free(s->trace->steps);
    free(s->trace->patches);
    free(s->trace);
    s->trace = NULL;
}

CKW_EXPORT(ckw_destroy) void ckw_destroy(uint32_t *layout) {
    ckw_session_t *s = session_of(layout);
    if (s == NULL) return;
    ck_txn_free(s->txn);
    free_trace(s);
    ck_kernel_free(s->kernel);
    free(s->plan);
    free(s->dirty);
    free(s);
}

/* Execution settings for ckw_commit (doubles: no 64-bit integers cross): the execution budget and
   the decision budget in ns (0 = none) and the near-full plan ratio (0 = off). */
CKW_EXPORT(ckw_configure)
void ckw_configure(uint32_t *layout, double budget_ns, double near_full_ratio, double decision_budget_ns) {
    ckw_session_t *s = session_of(layout);
    if (s == NULL) return;
    s->exec.budget_ns = budget_ns > 0.0 ? (uint64_t)budget_ns : 0u;
    s->exec.near_full_plan_ratio = near_full_ratio > 0.0 ? near_full_ratio : 0.0;
    s->exec.decision_budget_ns = decision_budget_ns > 0.0 ? (uint64_t)decision_budget_ns : 0u;
}

static void put_plan(ckw_session_t *s, const ck_plan_result_t *r) {
    uint32_t *o = s->out;
    o[CKW_OUT_PLAN_LEN] = r->step_count;
    o[CKW_OUT_EXECUTED_MODE] = r->executed_mode;
    o[CKW_OUT_ALGORITHM] = r->algorithm;
    o[CKW_OUT_DIRTY_ALL] = r->dirty_all;
    o[CKW_OUT_DIRTY_PREFIXES] = r->dirty_prefixes;
    o[CKW_OUT_REACHABLE] = r->reachable_steps;
    o[CKW_OUT_WORDS_SCANNED] = sat32(r->words_scanned);
    o[CKW_OUT_INDEX_ENTRIES] = sat32(r->index_entries);
}

static uint32_t put_error(ckw_session_t *s, ck_status_t st, const ck_error_t *e) {
    uint32_t *o = s->out;
    o[CKW_OUT_STATUS] = (uint32_t)st;
    o[CKW_OUT_PLAN_LEN] = 0;
    o[CKW_OUT_ERR_TABLE] = e->table;
    o[CKW_OUT_ERR_INDEX] = sat32(e->index);
    o[CKW_OUT_ERR_VALUE] = sat32(e->value);
    o[CKW_OUT_ERR_FAULT] = (uint32_t)e->fault;
    return (uint32_t)st;
}

/* L1: one call per transaction. dirty[dirty_len] (anywhere in linear memory, e.g. the session's
   dirty buffer); mode ck_mode_t, scope ck_scope_t, flags CK_PLAN_*. The plan goes to the session's
   plan buffer, counters to its out record. Returns the ck_status_t. */
CKW_EXPORT(ckw_plan)
uint32_t ckw_plan(uint32_t *layout, const uint32_t *dirty, uint32_t dirty_len, uint32_t mode,
                  uint32_t scope, uint32_t flags) {
    ckw_session_t *s = session_of(layout);
    if (s == NULL) return CK_ERR_NULL_ARGUMENT;
    ck_plan_result_t r;
    ck_error_t e = {0};
    ck_status_t st = ck_kernel_plan(s->kernel, dirty, dirty_len, (ck_mode_t)mode, (ck_scope_t)scope, flags,
                                    s->plan, s->plan_capacity, &r, &e);
    if (st != CK_OK) return put_error(s, st, &e);
    s->out[CKW_OUT_STATUS] = CK_OK;
    put_plan(s, &r);
    return CK_OK;
}

/* L2: one call per transaction: plan, then execute over the state store (links in the kernel,
   computed steps through env.ckw_host_steps in batches). Plan and counters as for ckw_plan, the
   execution's counters and the written paths in the out record. Returns the ck_status_t. */
CKW_EXPORT(ckw_commit)
uint32_t ckw_commit(uint32_t *layout, const uint32_t *dirty, uint32_t dirty_len, uint32_t mode,
                    uint32_t scope, uint32_t flags) {
    ckw_session_t *s = session_of(layout);
    if (s == NULL) return CK_ERR_NULL_ARGUMENT;
    ck_plan_result_t r;
    ck_exec_result_t x;
    ck_error_t e = {0};
    ck_status_t st = ck_kernel_commit(s->kernel, dirty, dirty_len, (ck_mode_t)mode, (ck_scope_t)scope, flags,
                                      s->plan, s->plan_capacity, &s->exec, &r, &x, &e);
    if (st != CK_OK) return put_error(s, st, &e);
    uint32_t *o = s->out;
    o[CKW_OUT_STATUS] = CK_OK;
    put_plan(s, &r);
    o[CKW_OUT_OUTCOME] = x.outcome;
    o[CKW_OUT_FAILED_STEP] = x.failed_step;
    o[CKW_OUT_EXECUTED_STEPS] = x.executed_steps;
    o[CKW_OUT_CHANGED_STEPS] = x.changed_steps;
    o[CKW_OUT_HOST_CALLS] = x.host_calls;
    o[CKW_OUT_ROLLED_BACK] = x.rolled_back;
    o[CKW_OUT_SWITCHED] = x.switched;
    o[CKW_OUT_VM_STEPS] = x.vm_steps;
    uint32_t count = 0;
    const uint32_t *w = ck_kernel_last_writes(s->kernel, &count);
    o[CKW_OUT_WRITES_PTR] = (uint32_t)(uintptr_t)w;
    o[CKW_OUT_WRITES_LEN] = count;
    return CK_OK;
}

/* L3: loads the bytecode of a CKB1 blob (docs/kernel-abi.md, "Bytecode blob") into the session's
   kernel; ck_kernel_load_code verifies it against the tables and copies it, so the host may free
   the blob afterwards. The blob must be 8-byte aligned (ckw_alloc's is). Returns the ck_status_t;
   a malformed blob is CK_ERR_BAD_CODE with the offending byte offset in the error words (table
   CK_TABLE_NONE), a verification failure carries the kernel's table/index/value/fault. */
CKW_EXPORT(ckw_load_code)
uint32_t ckw_load_code(uint32_t *layout, const uint8_t *blob, uint32_t len) {
    ckw_session_t *s = session_of(layout);
    if (s == NULL || blob == NULL) return CK_ERR_NULL_ARGUMENT;
    ck_error_t e = {0};
    e.status = CK_ERR_BAD_CODE;
    if (len < 32u || read_u32(blob) != 0x31424B43u || read_u32(blob + 4) != 1u) {
        e.index = len < 32u ? len : (read_u32(blob) != 0x31424B43u ? 0u : 4u);
        return put_error(s, CK_ERR_BAD_CODE, &e);
    }
    const uint64_t S = read_u32(blob + 8), I = read_u32(blob + 12), C = read_u32(blob + 16);
    const uint64_t consts = 32u, insns = consts + 8u * C, offsets = insns + 8u * I, regs = offsets + 4u * (S + 1u);
    if (regs + S > len) {
        e.index = 8;
        e.value = regs + S;
        return put_error(s, CK_ERR_BAD_CODE, &e);
    }
    if (S > 0 && read_u32(blob + offsets + 4u * S) != I) { /* the offsets must cover the insns exactly */
        e.index = offsets + 4u * S;
        e.value = read_u32(blob + offsets + 4u * S);
        return put_error(s, CK_ERR_BAD_CODE, &e);
    }
    ck_code_t code = {(uint32_t)S, (const uint32_t *)(const void *)(blob + offsets), blob + regs,
                      (const ck_insn_t *)(const void *)(blob + insns), (const double *)(const void *)(blob + consts),
                      (uint32_t)C};
    ck_status_t st = ck_kernel_load_code(s->kernel, &code, &e);
    if (st != CK_OK) return put_error(s, st, &e);
    s->out[CKW_OUT_STATUS] = CK_OK;
    return CK_OK;
}

/* ---------------------------------------------------------------- the transaction core */

/* A transaction on the transaction core (ckernel.h, "transactions"; docs/transactions.md) is one
   exported call: the host stores 16-byte ck_write_t records into the write log (layout words 18
   and 19) without any call, then ckw_txn_commit applies them, decides (auto in C), plans,
   executes and reports. Only a full log costs one more call (ckw_txn_flush per full log). */

static uint32_t txn_error(ckw_session_t *s, ck_status_t st, const ck_error_t *e) {
    uint32_t *r = s->txn_rec;
    memset(r, 0, sizeof s->txn_rec);
    r[CKW_TXN_STATUS] = (uint32_t)st;
    r[CKW_TXN_FAILED_STEP] = UINT32_MAX;
    r[CKW_TXN_ERR_TABLE] = e->table;
    r[CKW_TXN_ERR_INDEX] = sat32(e->index);
    r[CKW_TXN_ERR_VALUE] = sat32(e->value);
    r[CKW_TXN_ERR_FAULT] = (uint32_t)e->fault;
    if (s->txn != NULL) {
        const uint64_t op = ck_txn_log(s->txn)->op_seq;
        r[CKW_TXN_OP_SEQ_LO] = (uint32_t)op;
        r[CKW_TXN_OP_SEQ_HI] = (uint32_t)(op >> 32);
    }
    return (uint32_t)st;
}

/* A bad argument: CK_ERR_BAD_ARGUMENT, index = the argument's position (0 = layout), value. */
static uint32_t txn_bad_argument(ckw_session_t *s, uint32_t position, uint64_t value) {
    ck_error_t e = {0};
    e.status = CK_ERR_BAD_ARGUMENT;
    e.index = position;
    e.value = value;
    return txn_error(s, CK_ERR_BAD_ARGUMENT, &e);
}

/* A budget argument in ns: finite, >= 0, below 2^64. */
static int ns_ok(double v) { return v == v && v >= 0.0 && v < 18446744073709551616.0; }

/* Opens (or reopens: the previous core is freed, its caches and tracking with it) the session's
   transaction core: scope ck_scope_t; budget_ns the execution budget per converge (0 = none);
   vm_flags CK_VM_*; logix_policy 0 (this kernel's auto defaults) or 1 (Logix's rules); cost_model
   0/1 overrides the policy's; decision_budget_ns auto's decision budget (0 = none). Computed steps
   without bytecode go to env.ckw_host_steps; no trace. Sets layout words 18-20 (the log, its op_seq) and
   returns the ck_status_t (the transaction record holds it and the error words): a NaN, negative
   or too large budget, or a flag other than 0/1, is CK_ERR_BAD_ARGUMENT with index = the
   argument's position and value = the argument (truncated); the rest as ck_txn_create. On an
   error no core is open. Allocates (linear memory may grow: hosts re-create their views). */
CKW_EXPORT(ckw_txn_open)
uint32_t ckw_txn_open(uint32_t *layout, uint32_t scope, double budget_ns, uint32_t vm_flags, uint32_t logix_policy,
                      uint32_t cost_model, double decision_budget_ns) {
    ckw_session_t *s = session_of(layout);
    if (s == NULL) return CK_ERR_NULL_ARGUMENT;
    ck_txn_free(s->txn);
    s->txn = NULL;
    free_trace(s);
    s->in_txn = 0;
    layout[CKW_LAYOUT_LOG] = 0;
    layout[CKW_LAYOUT_LOG_CAPACITY] = 0;
    layout[CKW_LAYOUT_OP_SEQ] = 0;
    if (!ns_ok(budget_ns)) return txn_bad_argument(s, 2, budget_ns == budget_ns && budget_ns > 0.0 ? UINT64_MAX : 0u);
    if (logix_policy > 1u) return txn_bad_argument(s, 4, logix_policy);
    if (cost_model > 1u) return txn_bad_argument(s, 5, cost_model);
    if (!ns_ok(decision_budget_ns)) return txn_bad_argument(s, 6, decision_budget_ns == decision_budget_ns && decision_budget_ns > 0.0 ? UINT64_MAX : 0u);
    ck_txn_options_t o;
    ck_txn_options_init(&o);
    o.scope = (ck_scope_t)scope;
    ck_auto_policy_init(&o.auto_policy, (int)logix_policy);
    o.auto_policy.cost_model = cost_model;
    o.auto_policy.decision_budget_ns = (uint64_t)decision_budget_ns;
    o.budget_ns = (uint64_t)budget_ns;
    o.vm_flags = vm_flags;
    o.host_steps = host_batch;
    o.host_context = NULL;
    o.trace = NULL;
    ck_error_t e = {0};
    ck_status_t st = ck_txn_create(s->kernel, &o, &s->txn, &e);
    if (st != CK_OK) return txn_error(s, st, &e);
    ck_txn_log_t *log = ck_txn_log(s->txn);
    layout[CKW_LAYOUT_LOG] = (uint32_t)(uintptr_t)log->entries;
    layout[CKW_LAYOUT_LOG_CAPACITY] = log->capacity;
    layout[CKW_LAYOUT_OP_SEQ] = (uint32_t)(uintptr_t)&log->op_seq;
    memset(s->txn_rec, 0, sizeof s->txn_rec);
    s->txn_rec[CKW_TXN_FAILED_STEP] = UINT32_MAX;
    return CK_OK;
}

/* ckw_txn_commit's flags carry the transaction's trace level (CK_TRACE_*) in bits 8-15. */
#define CKW_TXN_TRACE_SHIFT 8u

/* The first call of a transaction (a flush or its commit) starts its records: counts reset, the
   level set (records are per transaction, as the native runtime keeps them). */
static void begin_trace(ckw_session_t *s, uint32_t level) {
    if (s->in_txn) return;
    s->in_txn = 1;
    if (s->trace == NULL) return;
    s->trace->level = level;
    s->trace->step_count = 0;
    s->trace->patch_count = 0;
    s->trace->steps_dropped = 0;
    s->trace->patches_dropped = 0;
}

/* Gives the open core record buffers for the dynamic trace (diagnostics sampled / full): up to
   step_capacity ck_step_record_t and patch_capacity ck_patch_record_t per transaction (both 0:
   none). A transaction's level comes with its calls (ckw_txn_commit's flags, ckw_txn_flush's
   trace_level); the records of the last commit are at transaction-record words 32-37. Returns
   the ck_status_t: CK_ERR_NULL_ARGUMENT without an open core, CK_ERR_OUT_OF_MEMORY (no trace
   then). Allocates (linear memory may grow: hosts re-create their views). */
CKW_EXPORT(ckw_txn_trace)
uint32_t ckw_txn_trace(uint32_t *layout, uint32_t step_capacity, uint32_t patch_capacity) {
    ckw_session_t *s = session_of(layout);
    if (s == NULL) return CK_ERR_NULL_ARGUMENT;
    if (s->txn == NULL) {
        ck_error_t e = {0};
        return txn_error(s, CK_ERR_NULL_ARGUMENT, &e);
    }
    ck_txn_set_host(s->txn, host_batch, NULL, NULL);
    free_trace(s);
    if (step_capacity == 0 && patch_capacity == 0) return CK_OK;
    ck_trace_t *t = calloc(1, sizeof *t);
    if (t != NULL) {
        t->steps = malloc((size_t)(step_capacity > 0 ? step_capacity : 1u) * sizeof(ck_step_record_t));
        t->patches = malloc((size_t)(patch_capacity > 0 ? patch_capacity : 1u) * sizeof(ck_patch_record_t));
    }
    if (t == NULL || t->steps == NULL || t->patches == NULL) {
        if (t != NULL) { free(t->steps); free(t->patches); free(t); }
        ck_error_t e = {0};
        e.value = (uint64_t)step_capacity * sizeof(ck_step_record_t) + (uint64_t)patch_capacity * sizeof(ck_patch_record_t);
        return txn_error(s, CK_ERR_OUT_OF_MEMORY, &e);
    }
    t->step_capacity = step_capacity;
    t->patch_capacity = patch_capacity;
    s->trace = t;
    ck_txn_set_host(s->txn, host_batch, NULL, t);
    return CK_OK;
}

/* The session's core with log_count entries handed over, or an error status (0 = ready). */
static uint32_t take_log(ckw_session_t *s, uint32_t log_count) {
    if (s->txn == NULL) {
        ck_error_t e = {0};
        return txn_error(s, CK_ERR_NULL_ARGUMENT, &e); /* no ckw_txn_open */
    }
    ck_txn_log_t *log = ck_txn_log(s->txn);
    if (log_count > log->capacity) return txn_bad_argument(s, 1, log_count);
    log->count = log_count;
    return CK_OK;
}

/* Applies a full log now (the first log_count entries; a host calls it when the log holds
   capacity entries and the transaction writes more, then starts again at entry 0). Returns the
   ck_status_t: CK_ERR_BAD_ARGUMENT (index 1) for log_count > capacity (nothing applied),
   CK_ERR_BAD_WRITE as ck_txn_flush (the transaction is aborted), CK_ERR_NULL_ARGUMENT without an
   open core. */
CKW_EXPORT(ckw_txn_flush)
uint32_t ckw_txn_flush(uint32_t *layout, uint32_t log_count, uint32_t trace_level) {
    ckw_session_t *s = session_of(layout);
    if (s == NULL) return CK_ERR_NULL_ARGUMENT;
    if (trace_level > CK_TRACE_PATCHES) return txn_bad_argument(s, 2, trace_level);
    uint32_t st = take_log(s, log_count);
    if (st != CK_OK) return st;
    begin_trace(s, trace_level);
    ck_error_t e = {0};
    ck_status_t fs = ck_txn_flush(ck_txn_log(s->txn), &e);
    if (fs != CK_OK) {
        s->in_txn = 0; /* the transaction was aborted */
        return txn_error(s, fs, &e);
    }
    memset(s->txn_rec, 0, sizeof s->txn_rec);
    s->txn_rec[CKW_TXN_FAILED_STEP] = UINT32_MAX;
    const uint64_t op = ck_txn_log(s->txn)->op_seq;
    s->txn_rec[CKW_TXN_OP_SEQ_LO] = (uint32_t)op;
    s->txn_rec[CKW_TXN_OP_SEQ_HI] = (uint32_t)(op >> 32);
    return CK_OK;
}

/* Commits the transaction: the log's first log_count entries, then ck_txn_commit with mode
   CK_TXN_AUTO/FULL/DIRTY, flags CK_TXN_OVERRIDE/PLAN_ONLY and host_exec_ns (PLAN_ONLY hosts: the
   previous plan's execution time when the result asked for it, else 0). The ck_txn_result_t goes
   to the transaction record. Returns the ck_status_t: CK_ERR_BAD_ARGUMENT for log_count >
   capacity (index 1; nothing applied, the transaction stays open) or a bad host_exec_ns (index
   4), CK_ERR_BAD_WRITE (the transaction is aborted: nothing written), the rest as ck_txn_commit. */
CKW_EXPORT(ckw_txn_commit)
uint32_t ckw_txn_commit(uint32_t *layout, uint32_t log_count, uint32_t mode, uint32_t flags, double host_exec_ns) {
    ckw_session_t *s = session_of(layout);
    if (s == NULL) return CK_ERR_NULL_ARGUMENT;
    if (!ns_ok(host_exec_ns)) return txn_bad_argument(s, 4, host_exec_ns == host_exec_ns && host_exec_ns > 0.0 ? UINT64_MAX : 0u);
    const uint32_t trace_level = (flags >> CKW_TXN_TRACE_SHIFT) & 0xFFu;
    if (trace_level > CK_TRACE_PATCHES) return txn_bad_argument(s, 3, flags);
    uint32_t ts = take_log(s, log_count);
    if (ts != CK_OK) return ts;
    begin_trace(s, trace_level);
    s->in_txn = 0; /* this call ends the transaction */
    ck_txn_request_t req = {mode, flags & ((1u << CKW_TXN_TRACE_SHIFT) - 1u), (uint64_t)host_exec_ns};
    ck_txn_result_t r;
    ck_error_t e = {0};
    ck_status_t st = ck_txn_commit(s->txn, &req, &r, &e);
    if (st != CK_OK) return txn_error(s, st, &e);
    uint32_t *o = s->txn_rec;
    memset(o, 0, sizeof s->txn_rec);
    o[CKW_TXN_STATUS] = CK_OK;
    o[CKW_TXN_CONVERGED] = r.converged;
    o[CKW_TXN_EXECUTED_MODE] = r.executed_mode;
    o[CKW_TXN_REASONS] = r.reasons;
    o[CKW_TXN_COMMITTED] = r.committed;
    o[CKW_TXN_LOG_ENTRIES] = r.log_entries;
    o[CKW_TXN_ABORTED] = r.aborted;
    o[CKW_TXN_OUTCOME] = r.outcome;
    o[CKW_TXN_FAILED_STEP] = r.failed_step;
    o[CKW_TXN_PLAN_LEN] = r.plan_len;
    o[CKW_TXN_EXECUTED_STEPS] = r.executed_steps;
    o[CKW_TXN_CHANGED_STEPS] = r.changed_steps;
    o[CKW_TXN_HOST_CALLS] = r.host_calls;
    o[CKW_TXN_VM_STEPS] = r.vm_steps;
    o[CKW_TXN_DIRTY_ROOTS] = r.dirty_roots;
    for (int i = 0; i < 3; i++) o[CKW_TXN_TOP_ROOTS + i] = r.top_roots[i];
    o[CKW_TXN_DIRTY_ALL] = r.dirty_all;
    o[CKW_TXN_CACHE_HIT] = r.cache_hit;
    o[CKW_TXN_INLINE_ENABLED] = r.inline_enabled;
    o[CKW_TXN_LRU_ENABLED] = r.lru_enabled;
    o[CKW_TXN_WANTS_EXEC_NS] = r.wants_exec_ns;
    o[CKW_TXN_PLAN] = (uint32_t)(uintptr_t)r.plan;
    o[CKW_TXN_DECISION_NS_LO] = (uint32_t)r.decision_ns;
    o[CKW_TXN_DECISION_NS_HI] = (uint32_t)(r.decision_ns >> 32);
    if (s->trace != NULL) {
        o[CKW_TXN_TRACE_STEPS] = (uint32_t)(uintptr_t)s->trace->steps;
        o[CKW_TXN_TRACE_STEP_COUNT] = s->trace->step_count;
        o[CKW_TXN_TRACE_PATCHES] = (uint32_t)(uintptr_t)s->trace->patches;
        o[CKW_TXN_TRACE_PATCH_COUNT] = s->trace->patch_count;
        o[CKW_TXN_TRACE_STEPS_DROPPED] = sat32(s->trace->steps_dropped);
        o[CKW_TXN_TRACE_PATCHES_DROPPED] = sat32(s->trace->patches_dropped);
    }
    const uint64_t op = ck_txn_log(s->txn)->op_seq;
    o[CKW_TXN_OP_SEQ_LO] = (uint32_t)op;
    o[CKW_TXN_OP_SEQ_HI] = (uint32_t)(op >> 32);
    return CK_OK;
}

/* Aborts the transaction (ck_txn_abort: every reducer write undone, the log emptied). Returns
   CK_OK, or CK_ERR_NULL_ARGUMENT without an open core. */
CKW_EXPORT(ckw_txn_abort)
uint32_t ckw_txn_abort(uint32_t *layout) {
    ckw_session_t *s = session_of(layout);
    if (s == NULL) return CK_ERR_NULL_ARGUMENT;
    if (s->txn == NULL) {
        ck_error_t e = {0};
        return txn_error(s, CK_ERR_NULL_ARGUMENT, &e);
    }
    ck_txn_abort(s->txn);
    s->in_txn = 0;
    s->txn_rec[CKW_TXN_STATUS] = CK_OK;
    return CK_OK;
}

/* Empties the plan caches (ck_txn_bump_generation): the next auto decision carries
   CK_REASON_GENERATION_BUMPED. Returns CK_OK, or CK_ERR_NULL_ARGUMENT without an open core. */
CKW_EXPORT(ckw_txn_bump_generation)
uint32_t ckw_txn_bump_generation(uint32_t *layout) {
    ckw_session_t *s = session_of(layout);
    if (s == NULL) return CK_ERR_NULL_ARGUMENT;
    if (s->txn == NULL) {
        ck_error_t e = {0};
        return txn_error(s, CK_ERR_NULL_ARGUMENT, &e);
    }
    ck_txn_bump_generation(s->txn);
    s->txn_rec[CKW_TXN_STATUS] = CK_OK;
    return CK_OK;
}
