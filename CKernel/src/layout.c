/* layout.c — L4's data layout (docs/kernel-abi.md, "Layout"): which slot of the state store
   holds each path. The kernel keeps the permutation and its inverse; every boundary id stays a
   path id (transactions map it once per write, the state view carries the mapping), while steps
   read and write slots directly: step_out_slot, and LDDEP operands remapped when code loads. */
#include "ck_vm.h"

#include <stdlib.h>
#include <string.h>

int ck_kernel_has_layout(const ck_kernel_t *k) { return k != NULL && k->has_layout; }

/* Checks that slot_of_path is a permutation of 0 … P-1 (a temporary bitset, freed here). */
static ck_status_t check_permutation(const uint32_t *slot_of_path, uint32_t P, ck_error_t *error) {
    uint64_t *seen = calloc(((size_t)P + 63u) / 64u + 1u, sizeof *seen);
    if (seen == NULL) return ck_fail(error, CK_ERR_OUT_OF_MEMORY, CK_TABLE_LAYOUT, 0, P);
    for (uint32_t p = 0; p < P; p++) {
        const uint32_t slot = slot_of_path[p];
        if (slot >= P || ck_bit_test(seen, slot)) {
            free(seen);
            return ck_fail(error, CK_ERR_BAD_TABLES, CK_TABLE_LAYOUT, p, slot);
        }
        ck_bit_set(seen, slot);
    }
    free(seen);
    return CK_OK;
}

ck_status_t ck_kernel_set_layout(ck_kernel_t *k, const uint32_t *slot_of_path, uint32_t count, ck_error_t *error) {
    if (error != NULL) memset(error, 0, sizeof *error);
    if (k == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    const uint32_t P = k->path_count;
    if (slot_of_path != NULL) {
        if (count != P) return ck_fail(error, CK_ERR_BAD_TABLES, CK_TABLE_LAYOUT, count, P);
        ck_status_t st = check_permutation(slot_of_path, P, error);
        if (st != CK_OK) return st;
    }
    /* the state, by path, into a temporary copy; then back at the new slots */
    uint8_t *tags = malloc((size_t)P + 1u);
    double *values = malloc(((size_t)P + 1u) * sizeof *values);
    if (tags == NULL || values == NULL) {
        free(tags);
        free(values);
        return ck_fail(error, CK_ERR_OUT_OF_MEMORY, CK_TABLE_LAYOUT, 0, P);
    }
    for (uint32_t p = 0; p < P; p++) {
        tags[p] = k->slot_tags[k->slot_of_path[p]];
        values[p] = k->slot_values[k->slot_of_path[p]];
    }
    /* loaded bytecode: LDDEP operands back to path ids */
    if (k->code_offsets != NULL) {
        const uint32_t insns = k->code_offsets[k->step_count];
        for (uint32_t i = 0; i < insns; i++)
            if (k->code_insns[i].op == CK_OP_LDDEP) k->code_insns[i].imm = k->path_of_slot[k->code_insns[i].imm];
    }
    bool identity = true;
    for (uint32_t p = 0; p < P; p++) {
        const uint32_t slot = slot_of_path != NULL ? slot_of_path[p] : p;
        identity &= slot == p;
        k->slot_of_path[p] = slot;
        k->path_of_slot[slot] = p;
        k->slot_tags[slot] = tags[p];
        k->slot_values[slot] = values[p];
    }
    k->has_layout = !identity;
    free(tags);
    free(values);
    for (uint32_t s = 0; s < k->step_count; s++) k->step_out_slot[s] = k->slot_of_path[k->step_out_path[s]];
    if (k->code_offsets != NULL) {
        const uint32_t insns = k->code_offsets[k->step_count];
        for (uint32_t i = 0; i < insns; i++)
            if (k->code_insns[i].op == CK_OP_LDDEP) k->code_insns[i].imm = k->slot_of_path[k->code_insns[i].imm];
        ck_vm_classify(k);
    }
    return CK_OK;
}

/* Places path p at the next free slot unless it has one. */
static inline void place(uint32_t *slot_of_path, uint32_t *next, uint32_t p) {
    if (slot_of_path[p] == CK_NONE) slot_of_path[p] = (*next)++;
}

ck_status_t ck_kernel_suggest_layout(const ck_kernel_t *k, uint32_t *out, uint32_t count) {
    if (k == NULL || out == NULL) return CK_ERR_NULL_ARGUMENT;
    if (count != k->path_count) return CK_ERR_BAD_ARGUMENT;
    const uint32_t P = k->path_count, n = k->step_count;
    for (uint32_t p = 0; p < P; p++) out[p] = CK_NONE;
    uint32_t next = 0;
    if (k->code_offsets != NULL) {
        uint32_t s = 0;
        while (s < n) {
            const uint32_t end = k->code_run_end[s];
            if (ck_vm_compiled(k, s)) {
                /* each LDDEP position of the run's shape is a column: its steps' slots in order */
                const uint32_t first = k->code_offsets[s], len = k->code_offsets[s + 1] - first;
                for (uint32_t i = 0; i < len; i++) {
                    if (k->code_insns[first + i].op != CK_OP_LDDEP) continue;
                    for (uint32_t t = s; t < end; t++) {
                        const uint32_t slot = k->code_insns[k->code_offsets[t] + i].imm;
                        place(out, &next, k->path_of_slot[slot]);
                    }
                }
                for (uint32_t t = s; t < end; t++) place(out, &next, k->step_out_path[t]);
            }
            s = end;
        }
    }
    for (uint32_t p = 0; p < P; p++) place(out, &next, p);
    return CK_OK;
}
