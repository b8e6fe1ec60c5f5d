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

/* Frees the loaded bytecode (kernel.c calls it from ck_kernel_free). */
void ck_vm_unload(ck_kernel_t *k);

#endif
