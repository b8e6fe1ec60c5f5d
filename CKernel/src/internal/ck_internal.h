/* Private declarations shared by the CKernel sources. Not visible to Swift. */
#ifndef CK_INTERNAL_H
#define CK_INTERNAL_H

#include "ckernel.h"
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CK_NONE UINT32_MAX
#define CK_EMPTY (UINT32_MAX - 1u)
/* A trigger entry: the step id (low 32 bits) and its info (high 32 bits): the group of its out
   (or CK_ENTRY_NO_GROUP) in the low 31 bits and the deferred flag in bit 31. */
#define CK_ENTRY_NO_GROUP 0x7FFFFFFFu
#define CK_ENTRY_DEFERRED 0x80000000u
static inline uint64_t ck_entry_pack(uint32_t step, uint32_t out_group, bool deferred) {
    uint32_t info = (out_group == UINT32_MAX ? CK_ENTRY_NO_GROUP : out_group) | (deferred ? CK_ENTRY_DEFERRED : 0u);
    return (uint64_t)step | ((uint64_t)info << 32);
}
static inline uint32_t ck_entry_step(uint64_t e) { return (uint32_t)e; }

/* Bitsets are padded to a multiple of this many 64-bit words (one 512-bit block), so every SIMD
   implementation works on whole vectors without tails. */
#define CK_WORD_BLOCK 8u

static inline uint32_t ck_words_for_bits(uint64_t bits) {
    uint64_t words = (bits + 63u) / 64u;
    words = (words + CK_WORD_BLOCK - 1u) / CK_WORD_BLOCK * CK_WORD_BLOCK;
    return (uint32_t)words;
}

static inline void ck_bit_set(uint64_t *bits, uint32_t i) { bits[i >> 6] |= (uint64_t)1 << (i & 63u); }
static inline bool ck_bit_test(const uint64_t *bits, uint32_t i) { return (bits[i >> 6] >> (i & 63u)) & 1u; }
static inline void ck_bit_clear(uint64_t *bits, uint32_t i) { bits[i >> 6] &= ~((uint64_t)1 << (i & 63u)); }

/* One SIMD implementation of the bitset primitives (dispatch.c picks one per kernel). */
typedef struct ck_bitset_ops {
    ck_impl_t impl;
    /* dst[i] |= src[i] for i < words; words is a multiple of CK_WORD_BLOCK, both 64-byte aligned. */
    void (*or_into)(uint64_t *restrict dst, const uint64_t *restrict src, uint32_t words);
    /* Emits, ascending, the index of every set bit in words [begin, end) into out, clears those
       words, and returns the count. begin/end are multiples of CK_WORD_BLOCK; bits is 64-byte
       aligned; out has room for `capacity` ids, at least the number of set bits (the SIMD
       versions use the slack past the last id as scratch only while it is there). Adds the number
       of words examined to *words_scanned. */
    uint32_t (*scan_emit_clear)(uint64_t *restrict bits, uint32_t begin, uint32_t end,
                                uint32_t *restrict out, uint32_t capacity,
                                uint64_t *restrict words_scanned);
} ck_bitset_ops_t;

extern const ck_bitset_ops_t ck_ops_scalar;
extern const ck_bitset_ops_t ck_ops_sse2;
extern const ck_bitset_ops_t ck_ops_avx2;
extern const ck_bitset_ops_t ck_ops_neon;
extern const ck_bitset_ops_t ck_ops_simd128;

/* dispatch.c: the ops of an implementation, or NULL when it is not compiled in / cannot run. */
const ck_bitset_ops_t *ck_ops_for(ck_impl_t impl);

/* memory.c: one arena per kernel. */
typedef struct ck_arena {
    void *base;
    size_t bytes;
    int numa;
} ck_arena_t;

bool ck_arena_alloc(ck_arena_t *arena, size_t bytes);
void ck_arena_free(ck_arena_t *arena);

/* A bump carve-out over an arena (or a dry run that only sums sizes when base is NULL). */
typedef struct ck_carver {
    uint8_t *base;
    size_t used;
} ck_carver_t;

static inline void *ck_carve(ck_carver_t *c, size_t bytes) {
    size_t at = (c->used + 63u) & ~(size_t)63u;
    c->used = at + ((bytes + 63u) & ~(size_t)63u);
    return c->base ? (void *)(c->base + at) : NULL;
}

/* The kernel instance. Everything lives in one arena. */
struct ck_kernel {
    ck_arena_t arena;
    const ck_bitset_ops_t *ops;
    ck_strategy_t strategy;

    uint32_t path_count;
    uint32_t step_count;
    uint32_t group_count;       /* active groups: 1-segment prefixes with a non-empty trigger list */
    uint32_t step_words;        /* words of a step bitset (padded) */
    uint32_t group_words;       /* words of a group bitset (padded) */

    uint32_t *path_group;       /* [path_count] active group of the path's 1-segment prefix or CK_NONE */
    uint32_t *path_parent;      /* [path_count] the longest proper prefix, or CK_NONE (dirty roots) */
    uint32_t *group_path;       /* [group_count] the prefix path id of each group */
    uint32_t *group_offsets;    /* [group_count + 1] */
    uint64_t *group_entries;    /* trigger entries, steps under each group ascending, each packed
                                   with what propagation needs next (ck_entry_*): no random
                                   lookup per visited step */
    uint32_t *step_groups_offsets; /* [step_count + 1] inverse: groups each step is listed under */
    uint32_t *step_groups;
    uint32_t *step_out_group;   /* [step_count] group of the step's out, or CK_NONE when that
                                   group triggers only the step itself (nothing to propagate) */
    uint32_t *step_out_path;    /* [step_count] */
    uint8_t *step_flags;        /* [step_count] */
    uint32_t *dep_offsets;      /* [step_count + 1] */
    uint32_t *dep_paths;
    uint32_t *scope_list[3];    /* steps of each scope in topo order */
    uint32_t scope_len[3];
    uint64_t trigger_entries;

    /* the group graph of each scope (propagate.c), in its own arena: g -> the distinct groups of
       the outs of g's in-scope steps (g itself excluded) */
    ck_arena_t graph_arena;
    uint32_t *adj_offsets;      /* [3][group_count + 1] */
    uint32_t *adj_groups;

    /* precomputed closures (closure.c), in their own arena */
    ck_arena_t closure_arena;
    uint64_t *rows;             /* [3][group_count][step_words] closure bitsets, or NULL */
    uint32_t *list_offsets;     /* [3][group_count + 1] into list_steps, or NULL */
    uint32_t *list_steps;       /* closure lists, ascending step ids */
    uint32_t *path_single;      /* [3][path_count] with lists: the one step a dirty path reaches in
                                   the scope, CK_EMPTY when it reaches none, CK_NONE otherwise */
    uint64_t closure_bytes;

    /* state store (exec.c): one tagged slot per path; undo log of one converge */
    uint8_t *slot_tags;         /* [path_count] indexed by slot */
    double *slot_values;        /* [path_count] indexed by slot */
    uint32_t *slot_of_path;     /* [path_count] the layout (layout.c): the slot holding each path;
                                   the identity unless ck_kernel_set_layout */
    uint32_t *path_of_slot;     /* [path_count] its inverse */
    uint32_t *step_out_slot;    /* [step_count] slot_of_path[step_out_path[s]] */
    bool has_layout;            /* a layout other than the identity was set */
    uint32_t *undo_paths;       /* [step_count] path ids; each step writes its out at most once per call */
    uint8_t *undo_tags;         /* [step_count] */
    double *undo_values;        /* [step_count] */
    uint32_t undo_count;        /* writes kept by the last execute */
    uint32_t *step_barrier;     /* [step_count] the latest earlier step writing one of the step's
                                   dep paths, or CK_NONE: a host batch starting after it may hold
                                   the step */

    /* bytecode (vm.c), in its own arena; all NULL until ck_kernel_load_code */
    ck_arena_t code_arena;
    uint32_t *code_offsets;     /* [step_count + 1] instruction ranges; empty = no program */
    uint8_t *code_regs;         /* [step_count] */
    ck_insn_t *code_insns;
    double *code_consts;
    uint32_t *code_run_end;     /* [step_count] one past the last step of s's batch run */
    uint8_t *code_col;          /* [insns] per LDDEP of a run: CK_COL_* of the slots its steps read
                                   (vm.c, ck_vm_classify) */
    uint8_t *code_out_col;      /* [step_count] CK_COL_* of the outs of s's run; CK_COL_FUSED set
                                   when the run's shape runs in the fused pipeline (vm_fused.h) */
    uint8_t *lane_tags;         /* [max_regs][CK_VM_LANES] lane registers of a batch */
    double *lane_values;
    ck_code_info_t code_info;
    /* the fused pipeline for the kernel's SIMD implementation (ck_vm.h, ck_vm_block_fn) */
    uint32_t (*vm_block)(struct ck_kernel *k, const uint32_t *steps, uint32_t count, uint32_t *writes);

    /* scratch, all-zero between calls */
    uint64_t *step_bits;        /* [step_words] */
    uint64_t *group_bits;       /* [group_words] */
    uint32_t *queue;            /* [group_count + 1] (one spare slot for branch-free pushes) */
};


/* Slot columns of a batch run: how the slots its steps read at one LDDEP (or write) lie. */
#define CK_COL_GATHER 0u      /* anywhere: read through each step's own instruction */
#define CK_COL_CONTIG 1u      /* step s0 + i uses slot base + i */
#define CK_COL_SAME 2u        /* every step uses one slot */
#define CK_COL_MASK 3u
#define CK_COL_FUSED 4u       /* (code_out_col) the run's shape has a fused pipeline */

/* propagate.c: the frontier closure from the groups already marked in group_bits and queued in
   queue[0..queued): reaches every group of the scope's group graph, then sets the bit of every
   in-scope step listed under a reached group in `bits`. Returns the queue length (groups
   reached); adds the index entries visited to *entries; widens [*min_step, *max_step] to cover
   every bit set. Leaves group_bits set for every queued group (the caller clears them). */
uint32_t ck_frontier(ck_kernel_t *k, uint32_t queued, ck_scope_t scope, uint64_t *bits,
                     uint64_t *entries, uint32_t *min_step, uint32_t *max_step);

/* propagate.c: the two phases of ck_frontier on their own. ck_frontier_reach queues every group
   reachable from the `queued` ones (marking them in group_bits) and returns the count, adding the
   group-graph edges visited to *entries; ck_frontier_mark sets the in-scope steps of the first
   `reached` queued groups into `bits` as ck_frontier does. */
uint32_t ck_frontier_reach(ck_kernel_t *k, uint32_t queued, ck_scope_t scope, uint64_t *entries);
void ck_frontier_mark(ck_kernel_t *k, uint32_t reached, ck_scope_t scope, uint64_t *bits,
                      uint64_t *entries, uint32_t *min_step, uint32_t *max_step);

/* propagate.c: builds the group graph of each scope (its own arena). */
ck_status_t ck_build_group_graph(ck_kernel_t *k, ck_error_t *error);

/* closure.c: chooses the strategy and fills rows or lists (allocating the closure arena). */
ck_status_t ck_build_closures(ck_kernel_t *k, ck_strategy_t requested, uint64_t budget, ck_error_t *error);

/* kernel.c: the table checks of ck_kernel_create (counts, offsets, ids, prefix lists), on their
   own (artifact.c validates an artifact's tables with them before any kernel exists). */
ck_status_t ck_validate_tables(const ck_tables_t *tables, ck_error_t *error);

/* exec.c: fills step_barrier (a temporary path-sized array, freed before returning). */
ck_status_t ck_build_barriers(ck_kernel_t *k, ck_error_t *error);

/* ck_same_value (Object.is on tagged values), inline for the kernel's own loops. */
static inline bool ck_same(uint8_t ta, double a, uint8_t tb, double b) {
    if (ta != tb) return false;
    if (ta != CK_TAG_NUMBER) return ta != CK_TAG_BOOLEAN || a == b;
    uint64_t ua, ub;
    __builtin_memcpy(&ua, &a, sizeof ua);
    __builtin_memcpy(&ub, &b, sizeof ub);
    return ua == ub || (a != a && b != b);
}

/* Records a failure in *error (may be NULL) and returns status. */
static inline ck_status_t ck_fail(ck_error_t *error, ck_status_t status, ck_table_id_t table,
                                  uint64_t index, uint64_t value) {
    if (error != NULL) {
        error->status = status;
        error->table = table;
        error->index = index;
        error->value = value;
        error->fault = CK_FAULT_NONE;
        error->reserved = 0;
    }
    return status;
}

/* The CK_STEP_* scheduling bit test for a scope: a step is in scope when
   (flags & CK_STEP_DEFERRED) matches. */
static inline bool ck_in_scope(uint8_t step_flags, ck_scope_t scope) {
    if (scope == CK_SCOPE_ALL) return true;
    bool deferred = (step_flags & CK_STEP_DEFERRED) != 0;
    return (scope == CK_SCOPE_DEFERRED) == deferred;
}

#endif
