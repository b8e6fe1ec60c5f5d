/*
 * ckernel.h — the public C API of ConvergeKernel's planning core.
 *
 * A kernel instance is built once from the static tables that the Swift side compiles from a
 * converge-ir graph (see docs/kernel-abi.md). Planning takes integer dirty path ids and writes the
 * plan (step ids in topological order) into a caller-owned buffer. Strings never cross this API.
 *
 * Conventions
 * - Every function returns a ck_status_t (CK_OK == 0) and writes results through out-parameters.
 * - The library never aborts, prints or exits. Errors carry a code and, where useful, a detail
 *   record (which table, which index, which value) in ck_error_t.
 * - All memory an instance needs is allocated by ck_kernel_create (one arena, on the local NUMA
 *   node when libnuma reports NUMA support, 64-byte aligned memory otherwise). ck_kernel_plan
 *   allocates nothing.
 * - A kernel instance is not thread-safe: plan calls on one instance must not overlap (it keeps
 *   scratch bitsets). Different instances are independent.
 */
#ifndef CKERNEL_H
#define CKERNEL_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------- status codes */

typedef enum ck_status {
    CK_OK = 0,
    CK_ERR_NULL_ARGUMENT = 1,      /* a required pointer was NULL */
    CK_ERR_BAD_TABLES = 2,         /* a table failed validation; see ck_error_t.table/index */
    CK_ERR_TOO_LARGE = 3,          /* counts beyond CK_MAX_PATHS / CK_MAX_STEPS / CK_MAX_EDGES */
    CK_ERR_OUT_OF_MEMORY = 4,      /* the arena could not be allocated */
    CK_ERR_UNKNOWN_PATH_ID = 5,    /* a dirty id >= path_count; ck_error_t.index = position */
    CK_ERR_BAD_MODE = 6,           /* mode not CK_MODE_FULL / CK_MODE_DIRTY */
    CK_ERR_BAD_SCOPE = 7,          /* scope not CK_SCOPE_IMMEDIATE / DEFERRED / ALL */
    CK_ERR_BUFFER_TOO_SMALL = 8,   /* out_capacity < the plan length; ck_error_t.value = needed */
    CK_ERR_BAD_OPTION = 9,         /* an unknown implementation or strategy was requested */
    CK_ERR_IMPL_UNAVAILABLE = 10,  /* the requested SIMD implementation does not run on this CPU */
    CK_ERR_INVARIANT = 11,         /* ck_kernel_validate found a broken internal invariant */
    CK_ERR_UNKNOWN_STEP_ID = 12,   /* a plan given to ck_kernel_execute names a step >= step_count
                                      or is not ascending; ck_error_t.index = position */
    CK_ERR_NO_HOST_STEP = 13,      /* a computed step is to run but no host callback was given;
                                      ck_error_t.value = the step id */
    CK_ERR_BAD_ARGUMENT = 14,      /* a size or pointer argument breaks its documented rule
                                      (ckernel_bench.h's entries); ck_error_t.index = the
                                      argument's position (0 = first), value = the argument */
    CK_ERR_BAD_CODE = 15,          /* bytecode failed verification (ck_kernel_load_code);
                                      ck_error_t.fault says which rule, table/index/value where */
    CK_ERR_BAD_ARTIFACT = 16,      /* an AOT artifact failed validation (ck_artifact_open):
                                      table = CK_TABLE_ARTIFACT + section, index = byte offset */
    CK_ERR_BAD_WRITE = 17          /* a transaction's write log holds an entry with a path id >=
                                      path_count or an unknown tag (ck_txn_commit, ck_txn_flush):
                                      table = CK_TABLE_WRITE_LOG, index = the entry's position,
                                      value = the id (or the tag, fault = CK_WRITE_FAULT_TAG) */
} ck_status_t;

/* Short, stable, lower-case name of a status ("bad tables", …). Never NULL. */
const char *ck_status_name(ck_status_t status);

/* Which input table an error refers to (ck_error_t.table). */
typedef enum ck_table_id {
    CK_TABLE_NONE = 0,
    CK_TABLE_PATH_PREFIX_OFFSETS = 1,
    CK_TABLE_PATH_PREFIX_IDS = 2,
    CK_TABLE_STEP_OUT_PATH = 3,
    CK_TABLE_STEP_FLAGS = 4,
    CK_TABLE_TRIGGER_OFFSETS = 5,
    CK_TABLE_TRIGGER_STEPS = 6,
    CK_TABLE_DEP_OFFSETS = 7,
    CK_TABLE_DEP_PATHS = 8,
    CK_TABLE_DIRTY_IDS = 9,
    CK_TABLE_CODE_OFFSETS = 10,    /* ck_code_t.step_offsets (index = step id) */
    CK_TABLE_CODE_REGS = 11,       /* ck_code_t.step_regs (index = step id) */
    CK_TABLE_CODE_INSNS = 12,      /* ck_code_t.insns (index = instruction position) */
    CK_TABLE_CODE_CONSTS = 13,     /* ck_code_t.consts */
    CK_TABLE_WRITE_LOG = 14,       /* a transaction's write log (index = entry position) */
    CK_TABLE_LAYOUT = 15           /* a layout's slot_of_path (index = path id, value = slot) */
} ck_table_id_t;

/* Which bytecode rule a CK_ERR_BAD_CODE broke (ck_error_t.fault; docs/bytecode.md, "Verification"). */
typedef enum ck_code_fault {
    CK_FAULT_NONE = 0,
    CK_FAULT_STEP_COUNT = 1,       /* code.step_count != the kernel's (value = code.step_count) */
    CK_FAULT_OFFSETS = 2,          /* step_offsets[0] != 0 or decreasing (index = step, value = offset) */
    CK_FAULT_TOO_LONG = 3,         /* a program longer than CK_VM_MAX_PROGRAM (value = length) */
    CK_FAULT_LINK_CODE = 4,        /* a link step has a program (index = step) */
    CK_FAULT_REG_COUNT = 5,        /* step_regs 0 or > CK_VM_MAX_REGS for a program, or non-zero
                                      for a host step (index = step, value = count) */
    CK_FAULT_OPCODE = 6,           /* an unknown opcode (index = instruction, value = opcode) */
    CK_FAULT_REGISTER = 7,         /* a register operand >= the step's register count (value = it) */
    CK_FAULT_CONST = 8,            /* LDNUM's constant index >= const_count (value = it) */
    CK_FAULT_SLOT = 9,             /* LDDEP's slot is not one of the step's dep paths (value = it) */
    CK_FAULT_LITERAL = 10,         /* LDLIT's tag/bit is not undefined, null, false or true */
    CK_FAULT_RESERVED = 11,        /* an operand the opcode does not use is not zero (value = it) */
    CK_FAULT_UNSET_REGISTER = 12,  /* a register is read before any instruction wrote it */
    CK_FAULT_NO_RET = 13,          /* the program's last instruction is not RET, or RET is not last */
    CK_FAULT_TOO_MANY_CONSTS = 14  /* const_count beyond CK_VM_MAX_CONSTS (value = it) */
} ck_code_fault_t;

/* Detail of a failure: which table, which index in it, and the offending value. */
typedef struct ck_error {
    ck_status_t status;
    ck_table_id_t table;
    uint64_t index;
    uint64_t value;
    ck_code_fault_t fault;         /* CK_ERR_BAD_CODE only; CK_FAULT_NONE otherwise */
    uint32_t reserved;
} ck_error_t;

/* ---------------------------------------------------------------- limits */

#define CK_MAX_PATHS ((uint32_t)1 << 24)   /* field paths (registry size)        */
#define CK_MAX_STEPS ((uint32_t)1 << 24)   /* steps                              */
#define CK_MAX_EDGES ((uint64_t)1 << 28)   /* entries in any one CSR table       */

/* ---------------------------------------------------------------- static tables */

/* Step flags (ck_tables_t.step_flags). */
#define CK_STEP_DEFERRED 0x01u  /* scheduling == "deferred" */
#define CK_STEP_LINK     0x02u  /* kind == link (else computed) */

/*
 * The static tables of one compiled graph. The kernel copies what it needs during
 * ck_kernel_create; the caller keeps ownership of these arrays and may free them afterwards.
 *
 * - Path ids are registry indexes (segment-wise sorted, a prefix before its extensions).
 * - path_prefix_offsets[path_count + 1] / path_prefix_ids: for each path, the ids of all its
 *   prefixes, shortest first, ending with the path itself (so entry 0 is the 1-segment prefix).
 * - Step ids are positions in the topological order. step_out_path[step_count]: the out path id of
 *   each step; step_flags[step_count]: CK_STEP_* bits.
 * - trigger_offsets[path_count + 1] / trigger_steps: for each prefix id, the steps that have it as
 *   a prefix of their out or of one of their deps, ascending, each step at most once per prefix.
 * - dep_offsets[step_count + 1] / dep_paths: the normalized dep path ids of each step (a link's
 *   single dep is its `from`); deps that normalize to nothing are absent. Used by execution and
 *   validated here.
 */
typedef struct ck_tables {
    uint32_t path_count;
    uint32_t step_count;
    const uint32_t *path_prefix_offsets;
    const uint32_t *path_prefix_ids;
    const uint32_t *step_out_path;
    const uint8_t *step_flags;
    const uint32_t *trigger_offsets;
    const uint32_t *trigger_steps;
    const uint32_t *dep_offsets;
    const uint32_t *dep_paths;
} ck_tables_t;

/* ---------------------------------------------------------------- SIMD implementations */

typedef enum ck_impl {
    CK_IMPL_AUTO = 0,    /* CKERNEL_FORCE_IMPL if set, else the best the CPU supports */
    CK_IMPL_SCALAR = 1,  /* portable reference, everywhere */
    CK_IMPL_SSE2 = 2,    /* x86-64 */
    CK_IMPL_AVX2 = 3,    /* x86-64 with AVX2 */
    CK_IMPL_NEON = 4,    /* arm64 */
    CK_IMPL_SIMD128 = 5  /* wasm32 with SIMD128 */
} ck_impl_t;

/* Lower-case name of an implementation ("scalar", "sse2", "avx2", "neon", "simd128", "auto"). */
const char *ck_impl_name(ck_impl_t impl);

/* Parses a name as above into *out. CK_ERR_BAD_OPTION for an unknown name. */
ck_status_t ck_impl_parse(const char *name, ck_impl_t *out);

/* 1 when `impl` is compiled in and runs on this CPU, else 0. CK_IMPL_AUTO is always available. */
int ck_impl_available(ck_impl_t impl);

/*
 * The implementation CK_IMPL_AUTO resolves to: CKERNEL_FORCE_IMPL when it names an available
 * implementation, else the best detected one. Detection runs once and is cached.
 * *forced_status (may be NULL) receives CK_OK, CK_ERR_BAD_OPTION (the variable names no
 * implementation) or CK_ERR_IMPL_UNAVAILABLE (it names one this CPU cannot run); in both error
 * cases the detected implementation is used.
 */
ck_impl_t ck_impl_default(ck_status_t *forced_status);

/* ---------------------------------------------------------------- kernel instances */

/* How the dirty-mode closure is computed. */
typedef enum ck_strategy {
    CK_STRATEGY_AUTO = 0,      /* the smaller of rows / lists that fits closure_budget_bytes
                                  (and costs at most 2^28 index visits to build), else frontier */
    CK_STRATEGY_ROWS = 1,      /* precomputed closure bitset per (scope, group); SIMD OR + scan */
    CK_STRATEGY_FRONTIER = 2,  /* breadth-first over the group graph, then the reached groups'
                                  trigger entries set into a bitset + scan */
    CK_STRATEGY_LISTS = 3      /* precomputed sorted closure list per (scope, group); bit sets + scan */
} ck_strategy_t;

const char *ck_strategy_name(ck_strategy_t strategy);

typedef struct ck_options {
    ck_impl_t impl;                 /* CK_IMPL_AUTO by default */
    ck_strategy_t strategy;         /* CK_STRATEGY_AUTO by default */
    uint64_t closure_budget_bytes;  /* 0 = default: max(1 MiB, 64 bytes per step) */
} ck_options_t;

/* Fills *options with the defaults. */
void ck_options_init(ck_options_t *options);

typedef struct ck_kernel ck_kernel_t;

/*
 * Creates a kernel from `tables` (validated first: every offset monotone and in range, every id in
 * range, prefix lists well formed). `options` may be NULL for defaults.
 * On success *out_kernel receives the instance; free it with ck_kernel_free.
 * On failure *out_kernel is NULL and *error (may be NULL) says what and where.
 */
ck_status_t ck_kernel_create(const ck_tables_t *tables, const ck_options_t *options,
                             ck_kernel_t **out_kernel, ck_error_t *error);

/* Frees an instance and its arena. NULL is a no-op. */
void ck_kernel_free(ck_kernel_t *kernel);

/* Facts about an instance, for inspection and evidence. */
typedef struct ck_kernel_info {
    uint32_t path_count;
    uint32_t step_count;
    uint32_t group_count;         /* distinct 1-segment prefixes that trigger at least one step */
    uint32_t scope_len[3];        /* steps in scope immediate, deferred, all */
    uint64_t trigger_entries;     /* entries of the group-level trigger index */
    uint64_t arena_bytes;         /* every byte the instance owns (tables, scratch, closures) */
    uint64_t closure_bytes;       /* bytes of precomputed closures (rows or lists; 0 for frontier) */
    ck_impl_t impl;               /* the SIMD implementation in use */
    ck_strategy_t strategy;       /* the strategy in use (never AUTO) */
    int numa;                     /* 1 when the arena came from libnuma */
} ck_kernel_info_t;

ck_status_t ck_kernel_info(const ck_kernel_t *kernel, ck_kernel_info_t *out_info);

/* Checks every internal invariant of an instance (O(size)); CK_ERR_INVARIANT with details. */
ck_status_t ck_kernel_validate(const ck_kernel_t *kernel, ck_error_t *error);

/* ---------------------------------------------------------------- planning */

typedef enum ck_mode {
    CK_MODE_FULL = 0,
    CK_MODE_DIRTY = 1
} ck_mode_t;

typedef enum ck_scope {
    CK_SCOPE_IMMEDIATE = 0,
    CK_SCOPE_DEFERRED = 1,
    CK_SCOPE_ALL = 2
} ck_scope_t;

/* ck_plan_result_t.executed_mode */
#define CK_EXECUTED_NONE  0u  /* the graph has no steps */
#define CK_EXECUTED_FULL  1u
#define CK_EXECUTED_DIRTY 2u

/* ck_plan_result_t.algorithm */
#define CK_ALGO_SCOPE     0u  /* full mode or dirtyAll: the scope list copied */
#define CK_ALGO_LINEAR    1u  /* graph < 32 steps: one pass in topo order */
#define CK_ALGO_ROWS      2u  /* closure rows OR-ed, then a bitset scan */
#define CK_ALGO_FRONTIER  3u  /* group-graph frontier + trigger entries, then a bitset scan */
#define CK_ALGO_LISTS     4u  /* closure lists set into a bitset, then a bitset scan */

/* Flags for ck_kernel_plan. */
#define CK_PLAN_DIRTY_ALL 0x01u  /* treat the dirty set as "everything" (dirtyAll) */

typedef struct ck_plan_result {
    uint32_t step_count;          /* plan length: ids written to out_steps */
    uint32_t executed_mode;       /* CK_EXECUTED_* */
    uint32_t algorithm;           /* CK_ALGO_* */
    uint32_t dirty_all;           /* 1 when the plan is the whole scope because of dirtyAll */
    uint32_t dirty_prefixes;      /* distinct dirty 1-segment prefixes processed */
    uint32_t reachable_steps;     /* steps reached by the closure (== step_count in dirty mode) */
    uint64_t words_scanned;       /* 64-bit bitset words examined by the scan */
    uint64_t index_entries;       /* index entries visited: trigger entries + group-graph edges
                                     (frontier), step groups (linear), rows OR-ed (rows),
                                     closure-list entries (lists) */
} ck_plan_result_t;

/*
 * Plans one transaction.
 * - dirty_ids[dirty_count]: dirty path ids (any ids of the registry, roots or not, any order,
 *   repeats allowed). In CK_MODE_DIRTY an empty set (dirty_count == 0) or CK_PLAN_DIRTY_ALL means
 *   dirtyAll: the whole scope runs (Logix semantics). Ignored in CK_MODE_FULL.
 * - out_steps[out_capacity]: receives the plan, step ids ascending (= topological order).
 *   out_capacity must be at least the scope's length (ck_kernel_info_t.scope_len[scope]; the
 *   graph's step_count is always enough), so that no plan is ever truncated.
 * - *result receives the counters.
 * Errors: CK_ERR_UNKNOWN_PATH_ID (error->index = position in dirty_ids, error->value = the id),
 * CK_ERR_BAD_MODE, CK_ERR_BAD_SCOPE, CK_ERR_BUFFER_TOO_SMALL (error->value = the capacity needed).
 * On error nothing is written to out_steps and the instance is unchanged.
 * Allocates nothing.
 */
ck_status_t ck_kernel_plan(ck_kernel_t *kernel, const uint32_t *dirty_ids, uint32_t dirty_count,
                           ck_mode_t mode, ck_scope_t scope, uint32_t flags,
                           uint32_t *out_steps, uint32_t out_capacity,
                           ck_plan_result_t *result, ck_error_t *error);

/* ---------------------------------------------------------------- clock */

/* The kernel's monotonic clock (CLOCK_MONOTONIC), in nanoseconds. Used for budgets and timings. */
uint64_t ck_now_ns(void);

/* ---------------------------------------------------------------- state store */

/*
 * One slot per registry path, owned by the kernel (in its arena), struct-of-arrays:
 * tags[slot_count] (one byte each) and values[slot_count] (IEEE-754 doubles, 8-byte aligned,
 * both arrays 64-byte aligned). A fresh kernel holds `undefined` everywhere.
 * Canonical form: a boolean's value is 0.0 or 1.0; null and undefined have value 0.0.
 * The caller may read and write the slots directly between calls (Swift's typed accessors do).
 */
#define CK_TAG_UNDEFINED 0u
#define CK_TAG_NULL      1u
#define CK_TAG_BOOLEAN   2u
#define CK_TAG_NUMBER    3u

typedef struct ck_state_view {
    uint8_t *tags;                /* [slot_count] indexed by slot */
    double *values;               /* [slot_count] indexed by slot */
    uint32_t slot_count;          /* == path_count */
    const uint32_t *slot_of_path; /* [slot_count] the slot of each path id (the layout; the
                                     identity unless ck_kernel_set_layout): path p's value is
                                     values[slot_of_path[p]] */
} ck_state_view_t;

ck_status_t ck_kernel_state(ck_kernel_t *kernel, ck_state_view_t *out_view);

/*
 * The data layout (L4, docs/kernel-abi.md "Layout"): which slot of the state store holds each
 * path. `slot_of_path[count]` must be a permutation of 0 … path_count-1 (count == path_count);
 * NULL restores the identity. Ids at the boundary never change: transactions take path ids, trace
 * records and last writes name path ids, and the state view carries the mapping. The current
 * state moves with the layout (every path keeps its value) and loaded bytecode is remapped, so
 * the layout may be set at any time between calls. Errors: CK_ERR_BAD_TABLES with table
 * CK_TABLE_LAYOUT, index = the path id, value = its slot (out of range or given twice); index =
 * count when count != path_count. On error nothing changes.
 */
ck_status_t ck_kernel_set_layout(ck_kernel_t *kernel, const uint32_t *slot_of_path, uint32_t count, ck_error_t *error);

/* 1 when a layout other than the identity is set. */
int ck_kernel_has_layout(const ck_kernel_t *kernel);

/*
 * The layout the kernel suggests for its loaded bytecode (`converge compile` stores it in the
 * artifact): the batch runs in step order, each run's LDDEP columns then its outs, each column
 * in step order, so a run reads and writes contiguous slots; a path already placed keeps its
 * slot; every other path follows in id order. Fills out_slot_of_path[path_count]. Without
 * bytecode it is the identity.
 */
ck_status_t ck_kernel_suggest_layout(const ck_kernel_t *kernel, uint32_t *out_slot_of_path, uint32_t count);

/* JavaScript's Object.is on two tagged values: same tag and, for numbers, the same bits or both
   NaN (so NaN equals NaN and +0 differs from -0); booleans compare by value. 1 when the same. */
int ck_same_value(uint8_t tag_a, double a, uint8_t tag_b, double b);

/* ---------------------------------------------------------------- execution (L2) */

/*
 * The host callback for computed steps, called with a batch: `steps[count]`, ascending, each a
 * computed step whose deps are not written by an earlier step of the same batch (so the host may
 * evaluate them in order against the state view as it stands). It writes each step's new value to
 * out_tags[i] / out_values[i]; the kernel then compares and writes them, in order. A batch never
 * crosses a multiple of 32 executed steps (where the budget is checked) and has one step when
 * per-step timing is on. Returns CK_HOST_OK (all `count` produced), CK_HOST_THREW (the step at
 * index *out_completed failed; the ones before it produced values) or CK_HOST_ABORT (a
 * configuration error on the host side at index *out_completed). Any failure rolls the converge
 * back.
 */
#define CK_HOST_OK    0
#define CK_HOST_THREW 1
#define CK_HOST_ABORT 2
#define CK_HOST_BATCH_MAX 32u
typedef int (*ck_host_batch_fn)(void *context, const uint32_t *steps, uint32_t count,
                                uint8_t *out_tags, double *out_values, uint32_t *out_completed);

/* A per-step record (diagnostics sampled / full). */
typedef struct ck_step_record {
    uint32_t step_id;
    uint8_t kind;                 /* 0 computed, 1 link */
    uint8_t changed;              /* 1 when the step wrote its out */
    uint16_t reserved;
    uint64_t duration_ns;
} ck_step_record_t;

/* A patch record (diagnostics full): one write to a slot. */
#define CK_PATCH_REDUCER  0u
#define CK_PATCH_COMPUTED 1u      /* Logix reason "trait-computed" */
#define CK_PATCH_LINK     2u      /* Logix reason "trait-link" */
typedef struct ck_patch_record {
    uint64_t op_seq;
    uint32_t path_id;
    uint32_t step_id;             /* UINT32_MAX for reducer writes */
    uint8_t reason;               /* CK_PATCH_* */
    uint8_t from_tag;
    uint8_t to_tag;
    uint8_t reserved[5];
    double from_value;
    double to_value;
} ck_patch_record_t;

/* Trace levels (ck_trace_t.level). */
#define CK_TRACE_OFF     0u       /* nothing recorded, no clock read per step */
#define CK_TRACE_TIMING  1u       /* a ck_step_record_t per executed step, with its duration */
#define CK_TRACE_PATCHES 2u       /* step records and a ck_patch_record_t per derived write */

/*
 * Caller-owned, preallocated record buffers. Records are appended at *_count; once a buffer is
 * full, further records are counted in *_dropped and not stored. A rolled-back converge removes
 * the records it appended (counts are restored). op_seq is the next operation sequence number:
 * each derived write takes one.
 */
typedef struct ck_trace {
    uint32_t level;
    uint32_t step_capacity;
    ck_step_record_t *steps;
    uint32_t step_count;
    uint32_t patch_capacity;
    ck_patch_record_t *patches;
    uint32_t patch_count;
    uint64_t steps_dropped;
    uint64_t patches_dropped;
    uint64_t op_seq;
} ck_trace_t;

typedef struct ck_exec_options {
    ck_host_batch_fn host_steps;  /* required when a computed step without bytecode runs */
    void *host_context;
    uint64_t budget_ns;           /* execution budget; 0 = none. Checked before every 32nd step. */
    ck_trace_t *trace;            /* NULL = off */
    /* ck_kernel_commit only (auto mode's rules that need the plan; 0 disables each): */
    double near_full_plan_ratio;  /* a dirty plan covering >= this share of the scope runs full */
    uint64_t decision_budget_ns;  /* planning past this (graphs of >= 32 steps) runs full */
    uint64_t decision_start_ns;   /* when the host began deciding (ck_now_ns clock), so that plan_ns
                                     covers the whole decision; 0 = when planning began */
    uint32_t vm_flags;            /* CK_VM_* (bytecode steps, after ck_kernel_load_code) */
    uint32_t reserved;
} ck_exec_options_t;

/* ck_exec_options_t.vm_flags */
#define CK_VM_ONE_BY_ONE 0x01u    /* run bytecode steps one at a time, never as lane batches (the
                                     reference the batched execution is tested against) */

void ck_exec_options_init(ck_exec_options_t *options);

/* ck_exec_result_t.outcome */
#define CK_OUTCOME_OK              0u
#define CK_OUTCOME_RUNTIME_ERROR   1u  /* the host step threw (failed_step) */
#define CK_OUTCOME_BUDGET_EXCEEDED 2u  /* the budget ran out before failed_step ran */
#define CK_OUTCOME_HOST_ABORT      3u  /* the host reported a configuration error at failed_step */
#define CK_OUTCOME_BAD_VALUE       4u  /* the host returned a tag > CK_TAG_NUMBER at failed_step */

/* ck_exec_result_t.switched (ck_kernel_commit) */
#define CK_SWITCH_NONE            0u
#define CK_SWITCH_NEAR_FULL       1u   /* the dirty plan covered >= near_full_plan_ratio */
#define CK_SWITCH_BUDGET_CUTOFF   2u   /* planning took longer than decision_budget_ns */

typedef struct ck_exec_result {
    uint32_t outcome;             /* CK_OUTCOME_* ; anything but OK means every write rolled back */
    uint32_t failed_step;         /* UINT32_MAX when outcome is OK */
    uint32_t executed_steps;      /* steps started (the failed one included) */
    uint32_t changed_steps;       /* steps whose write is kept (0 after a rollback) */
    uint32_t host_calls;          /* host callbacks (batches) made */
    uint32_t rolled_back;         /* writes undone */
    uint32_t switched;            /* CK_SWITCH_* (ck_kernel_commit) */
    uint32_t vm_steps;            /* steps run by the bytecode VM (the failed one excluded) */
    uint64_t plan_ns;             /* dirty mode with decision_budget_ns or decision_start_ns set:
                                     ns from the decision's start to the plan's end; else 0 */
} ck_exec_result_t;

/*
 * Executes a plan (step ids ascending, each < step_count) over the state store: a link copies
 * the value at its `from` (undefined when its `from` maps to no path); computed steps go to the
 * host in batches (ck_host_batch_fn). A new value that is the same (ck_same_value) as the slot's writes nothing; otherwise the
 * write is logged for rollback. On a non-OK outcome every write of this call is undone, in
 * reverse, before returning CK_OK. Errors (nothing executed, nothing written):
 * CK_ERR_UNKNOWN_STEP_ID, CK_ERR_NO_HOST_STEP. Allocates nothing.
 */
ck_status_t ck_kernel_execute(ck_kernel_t *kernel, const uint32_t *plan, uint32_t plan_len,
                              const ck_exec_options_t *options, ck_exec_result_t *result,
                              ck_error_t *error);

/*
 * One call per transaction (L2): ck_kernel_plan into out_steps, then (after the rules in options:
 * near-full ratio, decision budget — which switch to the full scope) ck_kernel_execute of that
 * plan. *plan_result describes the plan that ran (executed_mode full after a switch).
 */
ck_status_t ck_kernel_commit(ck_kernel_t *kernel, const uint32_t *dirty_ids, uint32_t dirty_count,
                             ck_mode_t mode, ck_scope_t scope, uint32_t flags,
                             uint32_t *out_steps, uint32_t out_capacity,
                             const ck_exec_options_t *options, ck_plan_result_t *plan_result,
                             ck_exec_result_t *exec_result, ck_error_t *error);

/* ---------------------------------------------------------------- bytecode (L3) */

/*
 * Compiled steps (docs/bytecode.md). A step with a program runs inside ck_kernel_execute /
 * ck_kernel_commit: no host callback. A program is straight-line register code (no jumps: C0 is
 * total and side-effect free, so `?:`, `&&`, `||` and `??` evaluate both operands and select),
 * ending with its only RET. Registers hold tagged values like the slots (tag + double).
 *
 * Instruction: 8 bytes — op, a, b, c (one byte each), imm (uint32, little-endian in files).
 * `a` is the destination register except for RET (the register returned).
 */
typedef struct ck_insn {
    uint8_t op;
    uint8_t a;
    uint8_t b;
    uint8_t c;
    uint32_t imm;
} ck_insn_t;

typedef enum ck_opcode {
    CK_OP_LDDEP = 1,   /* a = slot[imm] (imm: one of the step's dep path ids)            */
    CK_OP_LDNUM = 2,   /* a = number consts[imm]                                         */
    CK_OP_LDLIT = 3,   /* a = literal: b = CK_TAG_UNDEFINED / NULL / BOOLEAN, c = 0/1 (boolean) */
    CK_OP_TONUM = 4,   /* a = ToNumber(b)              (unary +)                         */
    CK_OP_NEG = 5,     /* a = -ToNumber(b)                                               */
    CK_OP_NOT = 6,     /* a = !ToBoolean(b)                                              */
    CK_OP_ADD = 7,     /* a = ToNumber(b) + ToNumber(c)   (and SUB MUL DIV MOD alike)    */
    CK_OP_SUB = 8,
    CK_OP_MUL = 9,
    CK_OP_DIV = 10,
    CK_OP_MOD = 11,    /* fmod: JavaScript's %                                           */
    CK_OP_SEQ = 12,    /* a = b === c                                                    */
    CK_OP_SNE = 13,    /* a = b !== c                                                    */
    CK_OP_LT = 14,     /* a = ToNumber(b) < ToNumber(c)   (and LE GT GE alike)           */
    CK_OP_LE = 15,
    CK_OP_GT = 16,
    CK_OP_GE = 17,
    CK_OP_ABS = 18,    /* a = Math.abs(ToNumber(b))       (and FLOOR … SQRT alike)       */
    CK_OP_FLOOR = 19,
    CK_OP_CEIL = 20,
    CK_OP_ROUND = 21,  /* JavaScript's Math.round: halves toward +Infinity, -0 kept        */
    CK_OP_TRUNC = 22,
    CK_OP_SIGN = 23,
    CK_OP_SQRT = 24,
    CK_OP_MAX = 25,    /* a = Math.max(ToNumber(b), ToNumber(c))  (NaN wins, +0 > -0)    */
    CK_OP_MIN = 26,    /* a = Math.min(ToNumber(b), ToNumber(c))  (NaN wins, -0 < +0)    */
    CK_OP_SEL = 27,    /* a = ToBoolean(b) ? c : register imm                            */
    CK_OP_SELN = 28,   /* a = (b is null or undefined) ? c : b    (??)                   */
    CK_OP_RET = 29     /* the step's value is register a; the program's last instruction  */
} ck_opcode_t;

#define CK_VM_MAX_REGS 255u          /* registers per program (0 … 254) */
#define CK_VM_MAX_PROGRAM 65535u     /* instructions per program */
#define CK_VM_MAX_CONSTS ((uint32_t)1 << 24)
#define CK_VM_LANES 256u             /* steps per lane batch (docs/bytecode.md, "Batches") */

/*
 * The bytecode of one graph (step ids as in ck_tables_t):
 * - step_offsets[step_count + 1]: step s's program is insns[step_offsets[s] … step_offsets[s+1]);
 *   an empty range means a host step (computed) or a link.
 * - step_regs[step_count]: registers step s's program uses (1 … CK_VM_MAX_REGS; 0 without one).
 * - consts[const_count]: the numbers LDNUM loads.
 */
typedef struct ck_code {
    uint32_t step_count;
    const uint32_t *step_offsets;
    const uint8_t *step_regs;
    const ck_insn_t *insns;
    const double *consts;
    uint32_t const_count;
} ck_code_t;

/*
 * Verifies `code` against the kernel's tables (every rule of docs/bytecode.md, "Verification":
 * opcodes, register bounds, registers written before read, constant indexes, LDDEP slots among
 * the step's deps, literals, unused operands zero, one RET last, links without programs) and
 * copies it into the kernel (its own region; a previous program set is replaced). It also groups
 * runs of consecutive steps with the same program shape for lane batches.
 * On error (CK_ERR_BAD_CODE with error->fault, table, index, value; CK_ERR_NULL_ARGUMENT;
 * CK_ERR_OUT_OF_MEMORY) the kernel is unchanged. Allocates (a load, not a hot path).
 * `code` NULL unloads: every computed step goes back to the host.
 */
ck_status_t ck_kernel_load_code(ck_kernel_t *kernel, const ck_code_t *code, ck_error_t *error);

/* Facts about the loaded bytecode. */
typedef struct ck_code_info {
    uint32_t compiled_steps;      /* steps with a program */
    uint32_t runs;                /* batchable runs (consecutive steps, one shape, no dep between) */
    uint32_t longest_run;
    uint32_t max_regs;
    uint64_t insn_count;
    uint64_t bytes;               /* bytes of the kernel's copy */
    uint32_t fused_runs;          /* runs of 2+ steps the fused pipeline runs (loads, number
                                     operators, RET) */
    uint32_t contiguous_runs;     /* runs of 2+ steps whose reads and writes are contiguous slots
                                     (or one slot for all) under the current layout */
} ck_code_info_t;

ck_status_t ck_kernel_code_info(const ck_kernel_t *kernel, ck_code_info_t *out_info);

/*
 * Runs step `step`'s program once on the current slots (the one-by-one VM) and returns its
 * value, without writing anything. For tests and tools. CK_ERR_UNKNOWN_STEP_ID when the step has
 * no program.
 */
ck_status_t ck_kernel_eval_step(ck_kernel_t *kernel, uint32_t step, uint8_t *out_tag, double *out_value,
                                ck_error_t *error);

/* JavaScript's `x % y` (fmod), exact, without libm (the wasm build has none): the VM's MOD. */
double ck_fmod(double x, double y);

/* The paths written by the last ck_kernel_execute / ck_kernel_commit that kept its writes, in
   write order (its undo log); *count receives the number. Valid until the next call. */
const uint32_t *ck_kernel_last_writes(const ck_kernel_t *kernel, uint32_t *count);

/* ---------------------------------------------------------------- AOT artifact (docs/artifact.md) */

/*
 * A compiled graph in one file ("CKIR", little-endian): a 64-byte header, a section table, then
 * 64-byte aligned sections holding every ck_tables_t array, the input lists, the bytecode
 * (ck_code_t arrays), the initial state slots and optionally the names and the source IR, laid
 * out so that they are used in place (mmap, or one copy into wasm linear memory).
 *
 * ck_artifact_open validates the container and everything that can be checked without a kernel:
 * header fields, the header+table checksum, section ids/order/alignment/bounds/overlap/element
 * sizes, padding, every section's checksum (XXH64), counts consistent between sections, the
 * table invariants of ck_kernel_create, the input lists, the bytecode's offsets, the state's tags
 * and the names' offsets. ck_kernel_create_from_artifact then creates a kernel from the view
 * (ck_kernel_create), loads the bytecode (ck_kernel_load_code: the verifier's rules) and writes
 * the initial state. Every failure is CK_ERR_BAD_ARTIFACT (or CK_ERR_NULL_ARGUMENT /
 * CK_ERR_OUT_OF_MEMORY) with error->table = CK_TABLE_ARTIFACT + the section id (CK_ARTIFACT_SEC_*,
 * CK_ARTIFACT_SEC_HEADER for the header and the section table), error->index = the byte offset in
 * the file, error->value = the offending value, and error->fault = the rule (CK_ARTIFACT_FAULT_*,
 * or the CK_FAULT_* of the bytecode verifier).
 */
#define CK_ARTIFACT_MAGIC 0x52494B43u          /* "CKIR" as little-endian bytes */
#define CK_ARTIFACT_VERSION 1u
#define CK_ARTIFACT_ENDIAN 0x01020304u         /* reads 0x04030201 when the byte order differs */
#define CK_ARTIFACT_HEADER_BYTES 64u
#define CK_ARTIFACT_ENTRY_BYTES 40u            /* one section-table entry */
#define CK_ARTIFACT_ALIGN 64u                  /* every section starts at a multiple of this */
#define CK_ARTIFACT_MAX_SECTIONS 32u

/* header flags */
#define CK_ARTIFACT_FLAG_POLICY_MUST 0x01u     /* compiled with policy must (else try) */
#define CK_ARTIFACT_FLAG_NAMES 0x02u           /* the names sections are present */
#define CK_ARTIFACT_FLAG_IR 0x04u              /* the ir section (the converge-ir JSON) is present */
#define CK_ARTIFACT_FLAG_LAYOUT 0x08u          /* the layout section is present (L4) */

/* section ids, in file order (ck_error_t.table = CK_TABLE_ARTIFACT + id) */
#define CK_ARTIFACT_SEC_HEADER 0u              /* the header and the section table */
#define CK_ARTIFACT_SEC_PATH_PREFIX_OFFSETS 1u /* u32[P+1] */
#define CK_ARTIFACT_SEC_PATH_PREFIX_IDS 2u     /* u32 */
#define CK_ARTIFACT_SEC_STEP_OUT_PATH 3u       /* u32[S] */
#define CK_ARTIFACT_SEC_STEP_FLAGS 4u          /* u8[S] */
#define CK_ARTIFACT_SEC_TRIGGER_OFFSETS 5u     /* u32[P+1] */
#define CK_ARTIFACT_SEC_TRIGGER_STEPS 6u       /* u32 */
#define CK_ARTIFACT_SEC_DEP_OFFSETS 7u         /* u32[S+1] */
#define CK_ARTIFACT_SEC_DEP_PATHS 8u           /* u32 */
#define CK_ARTIFACT_SEC_INPUT_OFFSETS 9u       /* u32[S+1] */
#define CK_ARTIFACT_SEC_INPUT_PATHS 10u        /* u32 (0xFFFFFFFF: a dep that maps to no path) */
#define CK_ARTIFACT_SEC_CODE_OFFSETS 11u       /* u32[S+1] */
#define CK_ARTIFACT_SEC_CODE_REGS 12u          /* u8[S] */
#define CK_ARTIFACT_SEC_CODE_INSNS 13u         /* ck_insn_t (8 bytes) */
#define CK_ARTIFACT_SEC_CODE_CONSTS 14u        /* f64 */
#define CK_ARTIFACT_SEC_STATE_TAGS 15u         /* u8[P] initial slot tags */
#define CK_ARTIFACT_SEC_STATE_VALUES 16u       /* f64[P] initial slot values */
#define CK_ARTIFACT_SEC_PATH_NAMES 17u         /* u32[P+1] offsets into NAMES (optional) */
#define CK_ARTIFACT_SEC_STEP_OUTS 18u          /* u32[S+1] offsets into NAMES (optional) */
#define CK_ARTIFACT_SEC_NAMES 19u              /* u8 UTF-8 (optional) */
#define CK_ARTIFACT_SEC_IR 20u                 /* u8 converge-ir JSON (optional) */
#define CK_ARTIFACT_SEC_LAYOUT 21u             /* u32[P] slot of each path, a permutation (optional) */
#define CK_ARTIFACT_SEC_COUNT 22u              /* ids are < this */
#define CK_TABLE_ARTIFACT 64u                  /* ck_error_t.table = this + section id */

/* ck_error_t.fault of a CK_ERR_BAD_ARTIFACT (beside the CK_FAULT_* of the bytecode verifier) */
#define CK_ARTIFACT_FAULT_TRUNCATED 64u        /* the file is shorter than what it declares */
#define CK_ARTIFACT_FAULT_OVERSIZED 65u        /* bytes beyond what it declares */
#define CK_ARTIFACT_FAULT_MAGIC 66u
#define CK_ARTIFACT_FAULT_VERSION 67u
#define CK_ARTIFACT_FAULT_ENDIAN 68u
#define CK_ARTIFACT_FAULT_HEADER 69u           /* header size, reserved field, section count, flags */
#define CK_ARTIFACT_FAULT_CHECKSUM 70u         /* value = the checksum computed */
#define CK_ARTIFACT_FAULT_SECTION_ID 71u       /* unknown, repeated or out-of-order id; a
                                                  required or flagged section missing */
#define CK_ARTIFACT_FAULT_ALIGNMENT 72u        /* offset not a multiple of CK_ARTIFACT_ALIGN */
#define CK_ARTIFACT_FAULT_OVERLAP 73u          /* starts before the previous section ends */
#define CK_ARTIFACT_FAULT_LAYOUT 74u           /* not where the canonical layout puts it */
#define CK_ARTIFACT_FAULT_BOUNDS 75u           /* reaches past the end of the file */
#define CK_ARTIFACT_FAULT_ELEMENT 76u          /* wrong element size, or length != count * size */
#define CK_ARTIFACT_FAULT_COUNT 77u            /* count disagrees with the header or another section */
#define CK_ARTIFACT_FAULT_PADDING 78u          /* a padding byte is not zero */
#define CK_ARTIFACT_FAULT_TABLES 79u           /* a ck_kernel_create table invariant (value = it) */
#define CK_ARTIFACT_FAULT_VALUE 80u            /* a value out of range: offsets, tags, input ids */
#define CK_ARTIFACT_FAULT_TOO_LARGE 81u        /* counts beyond CK_MAX_* */
#define CK_ARTIFACT_FAULT_REPEATED 82u         /* a value given twice where each is unique (a
                                                  layout slot held by two paths) */

/* A validated artifact: pointers INTO the caller's buffer (no copy). Valid while the buffer is. */
typedef struct ck_artifact {
    uint32_t version;
    uint32_t flags;                 /* CK_ARTIFACT_FLAG_* */
    uint64_t file_bytes;
    ck_tables_t tables;             /* every array points into the buffer */
    const uint32_t *input_offsets;  /* [step_count + 1] */
    const uint32_t *input_paths;
    uint64_t input_count;
    ck_code_t code;                 /* every array points into the buffer */
    const uint8_t *state_tags;      /* [path_count] */
    const double *state_values;     /* [path_count] */
    const uint32_t *path_name_offsets; /* [path_count + 1] into names, or NULL */
    const uint32_t *step_out_offsets;  /* [step_count + 1] into names, or NULL */
    const uint8_t *names;
    uint64_t names_bytes;
    const uint8_t *ir;              /* the converge-ir JSON, or NULL */
    uint64_t ir_bytes;
    const uint32_t *layout;         /* [path_count] slot_of_path (ck_kernel_set_layout), or NULL */
    uint64_t section_offset[CK_ARTIFACT_SEC_COUNT]; /* byte offset of each section (0: absent) */
    uint64_t section_bytes[CK_ARTIFACT_SEC_COUNT];
} ck_artifact_t;

/*
 * Validates `bytes[size]` as an artifact and fills *out with pointers into it. `bytes` must be
 * 8-byte aligned (mmap and malloc are): CK_ERR_BAD_ARGUMENT otherwise. Allocates nothing, never
 * writes to `bytes`. Errors as described above; *out is zeroed on error.
 */
ck_status_t ck_artifact_open(const void *bytes, size_t size, ck_artifact_t *out, ck_error_t *error);

/*
 * ck_kernel_create from the artifact's tables, then ck_kernel_load_code of its bytecode (when it
 * has any compiled step), then its initial state into the slots, then its layout when it has one
 * and CK_ARTIFACT_LOAD_LAYOUT is in `load_flags` (ck_kernel_set_layout: a layout that is no
 * permutation is CK_ERR_BAD_ARTIFACT naming the layout section). A table or bytecode rule broken
 * becomes CK_ERR_BAD_ARTIFACT naming the section and byte offset (error->fault: the verifier's
 * CK_FAULT_* for bytecode, CK_ARTIFACT_FAULT_TABLES for tables). Free with ck_kernel_free.
 */
ck_status_t ck_kernel_create_from_artifact(const ck_artifact_t *artifact, const ck_options_t *options,
                                           ck_kernel_t **out_kernel, ck_error_t *error);
#define CK_ARTIFACT_LOAD_LAYOUT 0x01u
ck_status_t ck_kernel_create_from_artifact_ex(const ck_artifact_t *artifact, const ck_options_t *options,
                                              uint32_t load_flags, ck_kernel_t **out_kernel, ck_error_t *error);

/* The checksum of the format: XXH64 with seed 0 (docs/artifact.md). */
uint64_t ck_artifact_hash(const void *bytes, size_t size);

/* The section's name as docs/artifact.md spells it ("insns", "header", …); "unknown" otherwise. */
const char *ck_artifact_section_name(uint32_t section);

/* ---------------------------------------------------------------- transactions (docs/transactions.md) */

/*
 * The transaction core: one implementation of a Logix transaction for every host (native Swift,
 * WasmKit, V8, Chromium). A ck_txn_t is bound to a kernel and owns everything a transaction
 * tracks: the write log, the reducer's first-write undo log, the dirty set, the dirty roots, auto
 * mode's state and plan caches (semantics §6), and the plan buffer.
 *
 * A transaction
 * 1. writes: the host appends entries to the write log (ck_txn_write below: a few instructions,
 *    inline; a wasm host stores the same 16-byte records into linear memory). Nothing crosses a
 *    boundary per write. ck_txn_flush applies the log early (reads inside the reducer, a full log).
 * 2. commits: ck_txn_commit — one call — applies the log (first-write undo, dirty bits, canonical
 *    values, reducer patch records), computes the dirty roots, decides (auto: every rule, cache
 *    and reason of semantics §6 plus the cost model), plans, executes (links and bytecode in the
 *    kernel, other computed steps through the host callback in batches; CK_TXN_PLAN_ONLY leaves
 *    execution to the host: L1), rolls the derived writes back on a failed outcome, and reports
 *    the commit decision (the final state differs from the base) and the light summary.
 * 3. or aborts: ck_txn_abort restores every reducer write of the transaction being written (the
 *    host's own error). A host abort or a bad value reported during the commit's execution aborts
 *    the transaction inside the commit (ck_txn_result_t.aborted).
 *
 * Not thread-safe (as the kernel). Allocates only in ck_txn_create.
 */

/* A write-log entry (16 bytes, the layout wasm hosts write: id u32 at 0, tag u8 at 4, three zero
   bytes, value f64 at 8, little-endian). */
typedef struct ck_write {
    uint32_t id;                   /* path id (< path_count) */
    uint8_t tag;                   /* CK_TAG_*, or CK_WRITE_MARK */
    uint8_t reserved[3];
    double value;                  /* canonicalised when applied (booleans 0/1, null/undefined 0) */
} ck_write_t;

#define CK_WRITE_MARK 0xFFu         /* marks the path dirty without writing its slot */
#define CK_WRITE_FAULT_TAG 1u       /* ck_error_t.fault of a CK_ERR_BAD_WRITE: the tag is unknown */

/* ck_txn_log_t.dirty_all: why the whole scope is dirty (the larger wins) */
#define CK_DIRTY_ALL_NONE 0u
#define CK_DIRTY_ALL_UNKNOWN_WRITE 1u  /* a "*" write (Logix unknown_write) */
#define CK_DIRTY_ALL_FALLBACK 2u       /* a path without a registry id (Logix dirty_all) */

/* The host-visible part of a transaction core (the first member of ck_txn_t). Hosts append to
   the log; the fields after op_seq are the core's tracking, which ck_txn_set (below) updates
   inline and a PLAN_ONLY host reads. */
typedef struct ck_txn_log {
    ck_write_t *entries;           /* [capacity] */
    uint32_t count;                /* entries not yet applied */
    uint32_t capacity;
    uint32_t path_count;
    uint32_t dirty_all;            /* CK_DIRTY_ALL_* of the transaction being written */
    uint64_t op_seq;               /* the next operation sequence number: every reducer write and
                                      every derived write takes one. A host that executes a plan
                                      itself (CK_TXN_PLAN_ONLY) adds its derived writes. */
    uint32_t direct;               /* 1: ck_txn_set may write the slots in place (the transaction
                                      is open, the log holds no write, no patch records) */
    uint32_t undo_count;
    uint8_t *slot_tags;            /* the kernel's state slots, indexed by slot */
    double *slot_values;
    const uint32_t *slot_of;       /* [path_count] the kernel's layout: the slot of each path id */
    uint64_t *written_bits;        /* [path words] the paths the reducer wrote in the current (or
                                      last committed) transaction; valid until the next write */
    /* that transaction's first writes: path, base tag, base value (a PLAN_ONLY host decides the
       commit after executing: a derived step may write a reducer-written slot back to its base) */
    uint32_t *undo_ids;
    uint8_t *undo_tags;
    double *undo_values;
} ck_txn_log_t;

typedef struct ck_txn ck_txn_t;

/* Applies the log now (what ck_txn_commit does first). Errors: CK_ERR_BAD_WRITE (the transaction
   is aborted: every reducer write undone, the log emptied), CK_ERR_NULL_ARGUMENT. */
ck_status_t ck_txn_flush(ck_txn_log_t *log, ck_error_t *error);

/* Appends a write (or, with CK_WRITE_MARK, a dirty mark) to the log. CK_ERR_UNKNOWN_PATH_ID for
   an id out of range (nothing appended); a full log is applied first (ck_txn_flush's errors).
   The way a wasm host writes (the same records, stored into linear memory). */
static inline ck_status_t ck_txn_write(ck_txn_log_t *log, uint32_t id, uint8_t tag, double value) {
    if (id >= log->path_count) return CK_ERR_UNKNOWN_PATH_ID;
    uint32_t n = log->count;
    if (n == log->capacity) {
        ck_status_t st = ck_txn_flush(log, NULL);
        if (st != CK_OK) return st;
        n = 0;
    }
    ck_write_t *e = log->entries + n;
    e->id = id;
    e->tag = tag;
    e->value = value;
    log->count = n + 1u;
    if (tag != CK_WRITE_MARK) log->direct = 0; /* later writes keep their order behind this one */
    return CK_OK;
}

/* The out-of-line half of ck_txn_set: opens the transaction for in-place writes when it can (else
   appends to the log), and reports an id out of range (CK_ERR_UNKNOWN_PATH_ID) or a tag that is
   no CK_TAG_* (CK_ERR_BAD_WRITE); nothing is written on error. */
ck_status_t ck_txn_set_slow(ck_txn_log_t *log, uint32_t id, uint8_t tag, double value);

/* A reducer write in place — the native hosts' fast path, inline: the slot's tag and canonical
   value, the base value kept on the path's first write (undo), the path marked written (dirty),
   one op_seq. The same state a log record produces once applied. */
static inline ck_status_t ck_txn_set(ck_txn_log_t *log, uint32_t id, uint8_t tag, double value) {
    if (__builtin_expect(!log->direct || id >= log->path_count || tag > CK_TAG_NUMBER, 0))
        return ck_txn_set_slow(log, id, tag, value);
    log->op_seq++;
    uint64_t *w = log->written_bits + (id >> 6);
    const uint64_t bit = (uint64_t)1 << (id & 63u);
    const uint32_t slot = log->slot_of[id];
    if (!(*w & bit)) {
        *w |= bit;
        const uint32_t u = log->undo_count++;
        log->undo_ids[u] = id;
        log->undo_values[u] = log->slot_values[slot];
        log->undo_tags[u] = log->slot_tags[slot];
    }
    log->slot_values[slot] = tag == CK_TAG_NUMBER ? value : tag == CK_TAG_BOOLEAN ? (value != 0.0 ? 1.0 : 0.0) : 0.0;
    log->slot_tags[slot] = tag;
    return CK_OK;
}

/* Marks the whole scope dirty for this transaction (CK_DIRTY_ALL_*; the larger reason wins). */
static inline void ck_txn_mark_all(ck_txn_log_t *log, uint32_t reason) {
    if (reason > log->dirty_all) log->dirty_all = reason;
}

/* Auto mode's thresholds (semantics §6; AutoPolicy in Swift documents each). Times in ns. */
#define CK_AUTO_MAX_RATIO_RULES 8u
typedef struct ck_auto_policy {
    uint32_t near_full_rule_count;                       /* <= CK_AUTO_MAX_RATIO_RULES */
    uint32_t near_full_from_steps[CK_AUTO_MAX_RATIO_RULES]; /* ascending */
    double near_full_root_ratio[CK_AUTO_MAX_RATIO_RULES];
    double near_full_plan_ratio;                         /* 0 = off */
    double fast_full_max_ns;                             /* 0 = off (no full converge is timed) */
    double full_ewma_alpha;
    uint64_t decision_budget_ns;                         /* 0 = none */
    uint32_t inline_max_roots;
    uint32_t inline_max_plan;
    uint32_t inline_off_after_skips;
    uint32_t inline_off_max_computes;
    uint32_t lru_capacity;
    uint32_t lru_max_roots;
    double lru_max_root_ratio;
    double lru_min_hit_rate;
    uint32_t lru_max_plan;
    uint32_t cost_model;                                 /* 1 = on */
    uint32_t cost_probe_interval;
    uint32_t cost_probe_max_interval;
} ck_auto_policy_t;

/* Fills *policy with this kernel's defaults (logix = 0) or Logix's own rules (logix = 1:
   fast full at 0.6 ms, no cost model). */
void ck_auto_policy_init(ck_auto_policy_t *policy, int logix);

typedef struct ck_txn_options {
    ck_scope_t scope;              /* the steps that converge at commit */
    uint32_t log_capacity;         /* write-log entries; 0 = max(256, path_count) */
    ck_auto_policy_t auto_policy;
    uint64_t budget_ns;            /* execution budget per converge; 0 = none */
    uint32_t vm_flags;             /* CK_VM_* */
    uint32_t reserved;
    ck_host_batch_fn host_steps;   /* computed steps without bytecode (not needed with PLAN_ONLY) */
    void *host_context;
    ck_trace_t *trace;             /* caller-owned record buffers, or NULL; its level is read at
                                      every apply and commit */
} ck_txn_options_t;

/* Fills *options with the defaults (scope all, default policy, 200 ms budget, no callback). */
void ck_txn_options_init(ck_txn_options_t *options);

/* Creates a transaction core over `kernel` (which must outlive it). Errors: CK_ERR_NULL_ARGUMENT,
   CK_ERR_BAD_SCOPE, CK_ERR_BAD_OPTION (near_full_rule_count too large), CK_ERR_OUT_OF_MEMORY. */
ck_status_t ck_txn_create(ck_kernel_t *kernel, const ck_txn_options_t *options, ck_txn_t **out_txn,
                          ck_error_t *error);

void ck_txn_free(ck_txn_t *txn);

/* The host-visible part (write log, op_seq). Stable for the core's lifetime. */
ck_txn_log_t *ck_txn_log(ck_txn_t *txn);

/* Replaces the callback and the trace buffers (e.g. once the host object exists). */
void ck_txn_set_host(ck_txn_t *txn, ck_host_batch_fn host_steps, void *host_context, ck_trace_t *trace);

/* Empties both plan caches and re-arms them; the next auto decision carries
   CK_REASON_GENERATION_BUMPED. */
void ck_txn_bump_generation(ck_txn_t *txn);

/* Gate validation only (docs/perf-diff.md, "Proof that the gate works"): extra work of
   `per_txn + per_step * plan length` iterations of a dependent multiply-add chain in every
   converging commit, so that `converge ab` can be shown to flag a known slowdown. Compiled in
   only with the package trait GateSpin (define CK_GATE_SPIN); otherwise it stores nothing and
   returns CK_ERR_BAD_OPTION. NULL txn: CK_ERR_NULL_ARGUMENT. */
ck_status_t ck_txn_set_spin(ck_txn_t *txn, uint32_t per_step, uint32_t per_txn);

/* Aborts the transaction being written: undoes its applied reducer writes (in reverse), empties
   the log and the dirty set, restores op_seq. A committed transaction is never touched (a host
   that executes a plan itself restores the reducer's writes from ck_txn_log_t's undo arrays). */
void ck_txn_abort(ck_txn_t *txn);

/* ck_txn_request_t.mode */
#define CK_TXN_AUTO 0u
#define CK_TXN_FULL 1u
#define CK_TXN_DIRTY 2u

/* ck_txn_request_t.flags */
#define CK_TXN_OVERRIDE 0x01u      /* the mode overrides the module's auto (reason module_override) */
#define CK_TXN_PLAN_ONLY 0x02u     /* L1: decide and plan, then return; the host executes the plan
                                      (ck_txn_result_t.plan) over the kernel's slots */

/* Decision reasons (ck_txn_result_t.reasons): Logix's codes, as bits. */
#define CK_REASON_COLD_START 0x0001u
#define CK_REASON_FAST_FULL 0x0002u
#define CK_REASON_INLINE_DIRTY 0x0004u
#define CK_REASON_CACHE_HIT 0x0008u
#define CK_REASON_CACHE_MISS 0x0010u
#define CK_REASON_BUDGET_CUTOFF 0x0020u
#define CK_REASON_NEAR_FULL 0x0040u
#define CK_REASON_UNKNOWN_WRITE 0x0080u
#define CK_REASON_DIRTY_ALL 0x0100u
#define CK_REASON_GENERATION_BUMPED 0x0200u
#define CK_REASON_LOW_HIT_RATE 0x0400u
#define CK_REASON_MODULE_OVERRIDE 0x0800u

typedef struct ck_txn_request {
    uint32_t mode;                 /* CK_TXN_AUTO / FULL / DIRTY */
    uint32_t flags;                /* CK_TXN_* */
    uint64_t host_exec_ns;         /* PLAN_ONLY hosts: ns spent executing the previous transaction's
                                      plan when that result asked for it (wants_exec_ns), else 0 */
} ck_txn_request_t;

typedef struct ck_txn_result {
    uint32_t converged;            /* 0: nothing dirty, no converge ran */
    uint32_t executed_mode;        /* CK_EXECUTED_* (NONE: no converge, or an empty scope) */
    uint32_t reasons;              /* CK_REASON_* */
    uint32_t committed;            /* the final state differs from the base (PLAN_ONLY: before
                                      the host's execution; the host decides after it) */
    uint32_t outcome;              /* CK_OUTCOME_* (anything else than OK: derived writes undone) */
    uint32_t failed_step;          /* UINT32_MAX when OK */
    uint32_t plan_len;
    uint32_t executed_steps;
    uint32_t changed_steps;
    uint32_t host_calls;
    uint32_t vm_steps;
    uint32_t dirty_roots;
    uint32_t top_roots[3];         /* the first three roots, ascending (UINT32_MAX: none) */
    uint32_t dirty_all;            /* CK_DIRTY_ALL_* */
    uint32_t cache_hit;
    uint32_t inline_enabled;       /* the caches' state after the decision */
    uint32_t lru_enabled;
    uint32_t wants_exec_ns;        /* PLAN_ONLY: time the execution, pass it in the next request */
    uint32_t log_entries;          /* write records the transaction made: writes (in place or
                                      logged) and marks (16 bytes each as log records) */
    uint32_t aborted;              /* 1: outcome HOST_ABORT or BAD_VALUE aborted the transaction:
                                      the reducer's writes are undone too, nothing committed */
    uint64_t decision_ns;          /* auto: the decision's time when it was measured, else 0 */
    const uint32_t *plan;          /* the plan that ran (or, PLAN_ONLY, is to run): plan_len ids */
} ck_txn_result_t;

/*
 * Commits the transaction (see above). On CK_OK, *result says what happened; the log is empty and
 * the next write begins a new transaction. Errors: CK_ERR_BAD_WRITE (the transaction is aborted),
 * CK_ERR_NO_HOST_STEP (a computed step without bytecode is planned and no callback is set;
 * nothing executed, the reducer's writes stay applied: abort or commit again),
 * CK_ERR_NULL_ARGUMENT, CK_ERR_BAD_MODE. Allocates nothing.
 */
ck_status_t ck_txn_commit(ck_txn_t *txn, const ck_txn_request_t *request, ck_txn_result_t *result,
                          ck_error_t *error);

#ifdef __cplusplus
}
#endif

#endif /* CKERNEL_H */
