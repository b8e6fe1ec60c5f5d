/* floor.c — the converge workload's floor for benchmarks: the plain C loop a hand-written
   executor of d_i = b_i + 1 would run over the same state slots (docs/bytecode.md, "Floor"). */
#include "ck_internal.h"

void ck_floor_add_one(double *values, const uint32_t *from, const uint32_t *to, uint32_t count) {
    if (values == NULL || from == NULL || to == NULL) return;
    for (uint32_t i = 0; i < count; i++) values[to[i]] = values[from[i]] + 1.0;
}

void ck_floor_write_add_one(double *values, const uint32_t *from, const uint32_t *to, uint32_t writes, uint32_t count,
                            double value) {
    if (values == NULL || from == NULL || to == NULL) return;
    for (uint32_t i = 0; i < writes; i++) values[from[i]] = value;
    for (uint32_t i = 0; i < count; i++) values[to[i]] = values[from[i]] + 1.0;
}
