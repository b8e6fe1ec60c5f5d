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

uint64_t ck_probe_chain(uint64_t n, uint64_t seed) {
    uint64_t x = seed;
    for (uint64_t i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull; /* each step needs the last */
    }
    return x;
}
