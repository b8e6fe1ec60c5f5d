/* propagate.c — the frontier closure: breadth-first over groups (1-segment prefixes) through the
   group-level trigger index, marking reached in-scope steps in a bitset.

   Why groups suffice: a dirty path dirties all its prefixes, and a step is listed under every
   prefix of its out and deps, so the steps any dirty path triggers are exactly the steps listed
   under its 1-segment prefix (docs/kernel-abi.md, "groups"). */
#include "ck_internal.h"

uint32_t ck_frontier(ck_kernel_t *k, uint32_t queued, ck_scope_t scope, uint64_t *bits,
                     uint64_t *entries, uint32_t *reached, uint32_t *min_step, uint32_t *max_step) {
    /* A step is out of scope when ((flags ^ flip) & mask) != 0. */
    const uint8_t mask = scope == CK_SCOPE_ALL ? 0u : (uint8_t)CK_STEP_DEFERRED;
    const uint8_t flip = scope == CK_SCOPE_DEFERRED ? (uint8_t)CK_STEP_DEFERRED : 0u;
    const uint32_t *restrict offsets = k->group_offsets;
    const uint32_t *restrict steps = k->group_steps;
    const uint8_t *restrict flags = k->step_flags;
    const uint32_t *restrict out_group = k->step_out_group;
    uint64_t *restrict group_bits = k->group_bits;
    uint32_t *restrict queue = k->queue;

    uint32_t head = 0, tail = queued;
    uint64_t visited = 0;
    uint32_t count = 0, lo = *min_step, hi = *max_step;
    while (head < tail) {
        uint32_t g = queue[head++];
        uint32_t i = offsets[g], end = offsets[g + 1];
        visited += end - i;
        for (; i < end; i++) {
            uint32_t s = steps[i];
            if (((flags[s] ^ flip) & mask) != 0) continue;
            uint64_t bit = (uint64_t)1 << (s & 63u);
            uint64_t *word = &bits[s >> 6];
            if (*word & bit) continue;
            *word |= bit;
            count++;
            if (s < lo) lo = s;
            if (s > hi) hi = s;
            uint32_t h = out_group[s];
            uint64_t gbit = (uint64_t)1 << (h & 63u);
            if ((group_bits[h >> 6] & gbit) == 0) {
                group_bits[h >> 6] |= gbit;
                queue[tail++] = h;
            }
        }
    }
    *entries += visited;
    *reached += count;
    *min_step = lo;
    *max_step = hi;
    return tail;
}
