/* propagate.c — the frontier closure over groups (1-segment prefixes), in two phases:
   1. breadth-first over the group graph of the scope (g -> the out groups of g's in-scope steps),
      which is small: it never touches a step;
   2. every in-scope trigger entry of every reached group sets its step's bit — a branch-free
      stream over the entry lists, in ascending group order when many groups were reached.

   Why groups suffice: a dirty path dirties all its prefixes, and a step is listed under every
   prefix of its out and deps, so the steps any dirty path triggers are exactly the steps listed
   under its 1-segment prefix (docs/kernel-abi.md, "groups"). And a step is reached exactly when
   a group listing it is reached, so phase 2 needs no per-step test. */
#include "ck_internal.h"

#include <stdlib.h>

/* How many groups ahead phase 2 prefetches entry lists. */
#define CK_PREFETCH_GROUPS 8u

/* Sets the in-scope entries of group g into bits; widens [lo, hi]. */
static inline void set_group(const uint32_t *restrict offsets, const uint64_t *restrict entries,
                             uint32_t g, uint32_t mask, uint32_t want, uint64_t *restrict bits,
                             uint64_t *visited, uint32_t *lo, uint32_t *hi) {
    uint32_t i = offsets[g], end = offsets[g + 1];
    if (i == end) return;
    *visited += end - i;
    uint32_t first = (uint32_t)entries[i], last = (uint32_t)entries[end - 1];
    *lo = first < *lo ? first : *lo;
    *hi = last > *hi ? last : *hi;
    if (mask == 0) {
        /* scope all: every entry is in scope, only the step half is read */
        for (; i < end; i++) {
            uint32_t s = (uint32_t)entries[i];
            bits[s >> 6] |= (uint64_t)1 << (s & 63u);
        }
        return;
    }
    for (; i < end; i++) {
        uint64_t e = entries[i];
        uint32_t s = (uint32_t)e, info = (uint32_t)(e >> 32);
        uint64_t keep = (info & mask) == want;
        bits[s >> 6] |= keep << (s & 63u);
    }
}

uint32_t ck_frontier(ck_kernel_t *k, uint32_t queued, ck_scope_t scope, uint64_t *bits,
                     uint64_t *entries, uint32_t *min_step, uint32_t *max_step) {
    uint32_t reached = ck_frontier_reach(k, queued, scope, entries);
    ck_frontier_mark(k, reached, scope, bits, entries, min_step, max_step);
    return reached;
}

uint32_t ck_frontier_reach(ck_kernel_t *k, uint32_t queued, ck_scope_t scope, uint64_t *entries) {
    const uint32_t G = k->group_count;
    const uint32_t *restrict adj_offsets = k->adj_offsets + (size_t)scope * (G + 1u);
    const uint32_t *restrict adj = k->adj_groups;
    uint64_t *restrict group_bits = k->group_bits;
    uint32_t *restrict queue = k->queue;
    uint64_t visited = 0;

    /* phase 1: the reached groups */
    uint32_t head = 0, tail = queued;
    while (head < tail && tail < G) { /* once every group is reached, nothing is left to find */
        if (head + CK_PREFETCH_GROUPS < tail) {
            uint32_t ahead = queue[head + CK_PREFETCH_GROUPS];
            __builtin_prefetch(&adj[adj_offsets[ahead]]);
            __builtin_prefetch(&adj_offsets[queue[head + 2u * CK_PREFETCH_GROUPS < tail ? head + 2u * CK_PREFETCH_GROUPS : head]]);
        }
        uint32_t g = queue[head++];
        uint32_t i = adj_offsets[g], end = adj_offsets[g + 1];
        visited += end - i;
        for (; i < end; i++) {
            uint32_t h = adj[i];
            uint64_t bit = (uint64_t)1 << (h & 63u);
            if (group_bits[h >> 6] & bit) continue;
            group_bits[h >> 6] |= bit;
            queue[tail++] = h;
        }
    }

    *entries += visited;
    return tail;
}

void ck_frontier_mark(ck_kernel_t *k, uint32_t tail, ck_scope_t scope, uint64_t *bits,
                      uint64_t *entries, uint32_t *min_step, uint32_t *max_step) {
    const uint32_t G = k->group_count;
    uint64_t *restrict group_bits = k->group_bits;
    uint32_t *restrict queue = k->queue;
    uint64_t visited = 0;

    /* phase 2: their in-scope steps */
    const uint32_t mask = scope == CK_SCOPE_ALL ? 0u : CK_ENTRY_DEFERRED;
    const uint32_t want = scope == CK_SCOPE_DEFERRED ? CK_ENTRY_DEFERRED : 0u;
    const uint32_t *restrict offsets = k->group_offsets;
    const uint64_t *restrict list = k->group_entries;
    uint32_t lo = *min_step, hi = *max_step;
    if ((uint64_t)tail * 64u > G) {
        /* many groups: walk them in ascending order, so the entry lists stream sequentially */
        for (uint32_t w = 0; w < k->group_words; w++) {
            uint64_t word = group_bits[w];
            while (word != 0) {
                uint32_t g = w * 64u + (uint32_t)__builtin_ctzll(word);
                word &= word - 1;
                set_group(offsets, list, g, mask, want, bits, &visited, &lo, &hi);
            }
        }
    } else {
        for (uint32_t q = 0; q < tail; q++) {
            if (q + CK_PREFETCH_GROUPS < tail) {
                uint32_t ahead = queue[q + CK_PREFETCH_GROUPS];
                uint32_t pb = offsets[ahead], pe = offsets[ahead + 1];
                for (uint32_t j = pb; j < pe && j < pb + 64u; j += 8u) __builtin_prefetch(&list[j]);
            }
            set_group(offsets, list, queue[q], mask, want, bits, &visited, &lo, &hi);
        }
    }
    *entries += visited;
    *min_step = lo;
    *max_step = hi;
}

ck_status_t ck_build_group_graph(ck_kernel_t *k, ck_error_t *error) {
    const uint32_t G = k->group_count;
    /* two passes (count, fill) per scope, deduplicating successors with the group marks */
    uint64_t total = 0;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t at = 0;
        for (int scope = 0; scope < 3; scope++) {
            const uint32_t mask = scope == CK_SCOPE_ALL ? 0u : CK_ENTRY_DEFERRED;
            const uint32_t want = scope == CK_SCOPE_DEFERRED ? CK_ENTRY_DEFERRED : 0u;
            uint32_t *offsets = pass ? k->adj_offsets + (size_t)scope * (G + 1u) : NULL;
            for (uint32_t g = 0; g < G; g++) {
                if (offsets) offsets[g] = (uint32_t)at;
                uint32_t n = 0;
                for (uint32_t i = k->group_offsets[g]; i < k->group_offsets[g + 1]; i++) {
                    uint32_t info = (uint32_t)(k->group_entries[i] >> 32);
                    if ((info & mask) != want) continue;
                    uint32_t h = info & ~CK_ENTRY_DEFERRED;
                    if (h == CK_ENTRY_NO_GROUP || h == g || ck_bit_test(k->group_bits, h)) continue;
                    ck_bit_set(k->group_bits, h);
                    k->queue[n++] = h;
                    if (pass) k->adj_groups[at] = h;
                    at++;
                }
                for (uint32_t j = 0; j < n; j++) ck_bit_clear(k->group_bits, k->queue[j]);
            }
            if (offsets) offsets[G] = (uint32_t)at;
        }
        if (pass == 0) {
            total = at;
            if (total > CK_MAX_EDGES * 3u) return ck_fail(error, CK_ERR_TOO_LARGE, CK_TABLE_NONE, 3, total);
            size_t bytes = ((size_t)3u * (G + 1u) + (size_t)total) * 4u;
            if (!ck_arena_alloc(&k->graph_arena, bytes)) return ck_fail(error, CK_ERR_OUT_OF_MEMORY, CK_TABLE_NONE, 0, bytes);
            k->adj_offsets = k->graph_arena.base;
            k->adj_groups = k->adj_offsets + (size_t)3u * (G + 1u);
        }
    }
    return CK_OK;
}
