/* propagate.c — the frontier closure: breadth-first over groups (1-segment prefixes) through the
   group-level trigger index, marking reached in-scope steps in a bitset.

   Why groups suffice: a dirty path dirties all its prefixes, and a step is listed under every
   prefix of its out and deps, so the steps any dirty path triggers are exactly the steps listed
   under its 1-segment prefix (docs/kernel-abi.md, "groups"). */
#include "ck_internal.h"

/* How many queued groups ahead the frontier prefetches entry lists. */
#define CK_PREFETCH_GROUPS 8u

uint32_t ck_frontier(ck_kernel_t *k, uint32_t queued, ck_scope_t scope, uint64_t *bits,
                     uint64_t *entries, uint32_t *reached, uint32_t *min_step, uint32_t *max_step) {
    /* An entry is out of scope when (info & mask) != want. */
    const uint32_t mask = scope == CK_SCOPE_ALL ? 0u : CK_ENTRY_DEFERRED;
    const uint32_t want = scope == CK_SCOPE_DEFERRED ? CK_ENTRY_DEFERRED : 0u;
    const uint32_t *restrict offsets = k->group_offsets;
    const uint64_t *restrict entries_ = k->group_entries;
    uint64_t *restrict group_bits = k->group_bits;
    uint32_t *restrict queue = k->queue;

    uint32_t head = 0, tail = queued;
    uint64_t visited = 0;
    uint32_t count = 0, lo = *min_step, hi = *max_step;
    while (head < tail) {
        /* Large graphs are bound by fetching each group's entry list (groups come in BFS order,
           so lists are far apart): prefetch the lists of groups a few queue slots ahead. */
        if (head + CK_PREFETCH_GROUPS < tail) {
            uint32_t ahead = queue[head + CK_PREFETCH_GROUPS];
            uint32_t pb = offsets[ahead], pe = offsets[ahead + 1];
            for (uint32_t j = pb; j < pe && j < pb + 64u; j += 8u) __builtin_prefetch(&entries_[j]);
        }
        uint32_t g = queue[head++];
        uint32_t i = offsets[g], end = offsets[g + 1];
        visited += end - i;
        for (; i < end; i++) {
            uint64_t e = entries_[i];
            uint32_t s = (uint32_t)e, info = (uint32_t)(e >> 32);
            if ((info & mask) != want) continue;
            uint64_t bit = (uint64_t)1 << (s & 63u);
            uint64_t *word = &bits[s >> 6];
            if (*word & bit) continue;
            *word |= bit;
            count++;
            lo = s < lo ? s : lo;
            hi = s > hi ? s : hi;
            uint32_t h = info & ~CK_ENTRY_DEFERRED;
            if (h == CK_ENTRY_NO_GROUP) continue;
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
