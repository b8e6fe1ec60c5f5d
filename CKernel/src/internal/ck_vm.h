/* ck_vm.h — the bytecode VM's private interface (vm.c) for the executor (exec.c). */
#ifndef CK_VM_H
#define CK_VM_H

#include "ck_internal.h"

/* True when step s has a program (bytecode loaded and a non-empty range). */
static inline bool ck_vm_compiled(const ck_kernel_t *k, uint32_t s) {
    return k->code_offsets != NULL && k->code_offsets[s] < k->code_offsets[s + 1];
}

/* Runs step s's program once (the one-by-one VM) on the current slots; returns the tag and
   writes the value. The program is verified, so this cannot fail; a slot holding a tag beyond
   CK_TAG_NUMBER propagates unchanged (the executor rejects it as CK_OUTCOME_BAD_VALUE). */
uint8_t ck_vm_run(const ck_kernel_t *k, uint32_t s, double *out_value);

/* Runs the programs of steps[0 … count) as one lane batch: count <= CK_VM_LANES, all in one run
   (same shape, no step reading another's out). Returns the register holding the results: lane l's
   value is k->lane_tags/lane_values[reg * CK_VM_LANES + l]. */
uint32_t ck_vm_run_batch(ck_kernel_t *k, const uint32_t *steps, uint32_t count);

/* Fills code_col and code_out_col from the runs and the layout (load, and every new layout). */
void ck_vm_classify(ck_kernel_t *k);

/* The fused pipeline (vm_fused.h): runs the programs of steps[0 … count) — count <= CK_VM_LANES,
   one run whose code_out_col has CK_COL_FUSED — and applies their results in order (Object.is,
   undo log, write) with *writes the undo log's length. Returns count, or the position of the
   first step whose result has a tag beyond CK_TAG_NUMBER (the steps before it applied). The
   kernel picks the variant for its SIMD implementation (k->vm_block). */
typedef uint32_t (*ck_vm_block_fn)(ck_kernel_t *k, const uint32_t *steps, uint32_t count, uint32_t *writes);
uint32_t ck_vm_block_generic(ck_kernel_t *k, const uint32_t *steps, uint32_t count, uint32_t *writes);
uint32_t ck_vm_block_avx2(ck_kernel_t *k, const uint32_t *steps, uint32_t count, uint32_t *writes);
ck_vm_block_fn ck_vm_block_for(ck_impl_t impl);

/* Frees the loaded bytecode (kernel.c calls it from ck_kernel_free). */
void ck_vm_unload(ck_kernel_t *k);

#endif
