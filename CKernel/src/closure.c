/* closure.c — precomputed closures: for each scope and each group (1-segment prefix), the set of
   in-scope steps its dirtiness reaches, stored either as a bitset row (dense closures) or as a
   sorted step list (sparse closures). Built once at creation by running the frontier per
   (scope, group); planning then only combines the closures of the dirty groups. */
#include "ck_internal.h"

#include <string.h>

/* Work cap for building closures automatically: index visits summed over all frontiers. */
#define CK_CLOSURE_WORK_CAP ((uint64_t)1 << 28)

/* Runs the frontier from group g alone into `bits`; returns the reached step count and the
   reached range; leaves the bits set (the caller consumes or clears them). */
static uint32_t closure_of(ck_kernel_t *k, uint32_t g, ck_scope_t scope, uint64_t *bits,
                           uint64_t *entries, uint32_t *lo, uint32_t *hi) {
    *lo = UINT32_MAX;
    *hi = 0;
    k->group_bits[g >> 6] |= (uint64_t)1 << (g & 63u);
    k->queue[0] = g;
    uint32_t queued = ck_frontier(k, 1, scope, bits, entries, lo, hi);
    for (uint32_t i = 0; i < queued; i++) ck_bit_clear(k->group_bits, k->queue[i]);
    if (*lo > *hi) return 0;
    uint32_t n = 0;
    for (uint32_t w = *lo >> 6; w <= *hi >> 6; w++) n += (uint32_t)__builtin_popcountll(bits[w]);
    return n;
}

static void clear_range(uint64_t *bits, uint32_t lo, uint32_t hi) {
    memset(bits + (lo >> 6), 0, ((size_t)(hi >> 6) - (lo >> 6) + 1u) * 8u);
}

ck_status_t ck_build_closures(ck_kernel_t *k, ck_strategy_t requested, uint64_t budget, ck_error_t *error) {
    k->strategy = CK_STRATEGY_FRONTIER;
    k->closure_bytes = 0;
    if (requested == CK_STRATEGY_FRONTIER || k->step_count < 32 || k->group_count == 0) return CK_OK;

    const uint64_t G = k->group_count;
    const uint64_t row_bytes = 3u * G * k->step_words * 8u;
    uint64_t list_total = 0;

    if (requested != CK_STRATEGY_ROWS) {
        /* the total size of all closures (also the work estimate), stopping early when AUTO can
           no longer afford either form */
        uint64_t work = 0;
        bool affordable = true;
        for (int scope = 0; scope < 3 && affordable; scope++) {
            for (uint32_t g = 0; g < G; g++) {
                uint32_t lo, hi;
                uint32_t n = closure_of(k, g, (ck_scope_t)scope, k->step_bits, &work, &lo, &hi);
                if (lo <= hi) clear_range(k->step_bits, lo, hi);
                list_total += n;
                work += n;
                if (requested == CK_STRATEGY_AUTO &&
                    (work > CK_CLOSURE_WORK_CAP || (list_total * 4u > budget && row_bytes > budget))) {
                    affordable = false;
                    break;
                }
            }
        }
        if (!affordable) return CK_OK; /* frontier */
    }

    const uint64_t list_bytes = list_total * 4u + 3u * (G + 1u) * 4u + 3u * (uint64_t)k->path_count * 4u;
    ck_strategy_t chosen = requested;
    if (requested == CK_STRATEGY_AUTO) {
        bool rows_fit = row_bytes <= budget, lists_fit = list_bytes <= budget;
        if (rows_fit && (!lists_fit || row_bytes <= list_bytes)) chosen = CK_STRATEGY_ROWS;
        else if (lists_fit) chosen = CK_STRATEGY_LISTS;
        else chosen = CK_STRATEGY_FRONTIER;
    }
    if (chosen == CK_STRATEGY_FRONTIER) return CK_OK;

    uint64_t bytes = chosen == CK_STRATEGY_ROWS ? row_bytes : list_bytes;
    if (bytes > ((uint64_t)1 << 40) || list_total > UINT32_MAX)
        return ck_fail(error, CK_ERR_TOO_LARGE, CK_TABLE_NONE, 2, bytes);
    if (!ck_arena_alloc(&k->closure_arena, (size_t)bytes))
        return ck_fail(error, CK_ERR_OUT_OF_MEMORY, CK_TABLE_NONE, 0, bytes);
    k->closure_bytes = k->closure_arena.bytes;

    if (chosen == CK_STRATEGY_ROWS) {
        k->rows = k->closure_arena.base;
        for (int scope = 0; scope < 3; scope++) {
            for (uint32_t g = 0; g < G; g++) {
                uint64_t *row = k->rows + ((size_t)scope * G + g) * k->step_words;
                uint64_t entries = 0;
                uint32_t lo, hi;
                (void)closure_of(k, g, (ck_scope_t)scope, row, &entries, &lo, &hi);
            }
        }
    } else {
        k->path_single = k->closure_arena.base;
        k->list_offsets = k->path_single + 3u * (size_t)k->path_count;
        k->list_steps = k->list_offsets + 3u * (G + 1u);
        uint32_t at = 0;
        for (int scope = 0; scope < 3; scope++) {
            uint32_t *offsets = k->list_offsets + (size_t)scope * (G + 1u);
            for (uint32_t g = 0; g < G; g++) {
                offsets[g] = at;
                uint64_t entries = 0, scanned = 0;
                uint32_t lo, hi;
                uint32_t n = closure_of(k, g, (ck_scope_t)scope, k->step_bits, &entries, &lo, &hi);
                if (n > 0) {
                    uint32_t begin = (lo >> 6) / CK_WORD_BLOCK * CK_WORD_BLOCK;
                    uint32_t end = ((hi >> 6) / CK_WORD_BLOCK + 1u) * CK_WORD_BLOCK;
                    at += k->ops->scan_emit_clear(k->step_bits, begin, end, k->list_steps + at, (uint32_t)(list_total - at), &scanned);
                }
            }
            offsets[G] = at;
            /* the one-step shortcut per path: a dirty path whose closure is a single step sets
               that bit directly (no group dedupe, no list walk) */
            uint32_t *single = k->path_single + (size_t)scope * k->path_count;
            for (uint32_t p = 0; p < k->path_count; p++) {
                uint32_t g = k->path_group[p];
                uint32_t len = g == CK_NONE ? 0 : offsets[g + 1] - offsets[g];
                single[p] = len == 0 ? CK_EMPTY : len == 1 ? k->list_steps[offsets[g]] : CK_NONE;
            }
        }
    }
    k->strategy = chosen;
    return CK_OK;
}
