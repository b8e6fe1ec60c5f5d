/* plan.c — ck_kernel_plan: argument checks, then one of four algorithms (scope copy, linear pass,
   closure rows, frontier) and the bitset scan that emits step ids in topological order. */
#include "ck_internal.h"

#include <string.h>

/* Marks the distinct groups of the dirty ids in group_bits and queues them; returns the count. */
static uint32_t queue_dirty_groups(ck_kernel_t *k, const uint32_t *dirty_ids, uint32_t dirty_count) {
    uint32_t queued = 0;
    for (uint32_t i = 0; i < dirty_count; i++) {
        uint32_t g = k->path_group[dirty_ids[i]];
        if (g == CK_NONE) continue; /* its first segment triggers no step */
        uint64_t bit = (uint64_t)1 << (g & 63u);
        if (k->group_bits[g >> 6] & bit) continue;
        k->group_bits[g >> 6] |= bit;
        k->queue[queued++] = g;
    }
    return queued;
}

static void clear_queued_groups(ck_kernel_t *k, uint32_t queued) {
    for (uint32_t i = 0; i < queued; i++) k->group_bits[k->queue[i] >> 6] = 0;
}

/* Graphs under 32 steps: one pass over the scope in topo order; a step is selected when one of
   its groups is dirty, and a selected step dirties its out's group (it only sees roots and steps
   selected earlier in the pass, as Logix does). */
static uint32_t plan_linear(ck_kernel_t *k, const uint32_t *dirty_ids, uint32_t dirty_count,
                            ck_scope_t scope, uint32_t *out, ck_plan_result_t *r) {
    uint32_t queued = queue_dirty_groups(k, dirty_ids, dirty_count);
    r->dirty_prefixes = queued;
    uint32_t n = 0;
    uint64_t entries = 0;
    const uint32_t *list = k->scope_list[scope];
    for (uint32_t i = 0; i < k->scope_len[scope]; i++) {
        uint32_t s = list[i];
        bool selected = false;
        for (uint32_t j = k->step_groups_offsets[s]; j < k->step_groups_offsets[s + 1]; j++) {
            entries++;
            if (ck_bit_test(k->group_bits, k->step_groups[j])) { selected = true; break; }
        }
        if (!selected) continue;
        out[n++] = s;
        uint32_t h = k->step_out_group[s];
        if (h != CK_NONE && !ck_bit_test(k->group_bits, h)) {
            ck_bit_set(k->group_bits, h);
            k->queue[queued++] = h;
        }
    }
    clear_queued_groups(k, queued);
    r->index_entries = entries;
    r->reachable_steps = n;
    return n;
}

static uint32_t plan_rows(ck_kernel_t *k, const uint32_t *dirty_ids, uint32_t dirty_count,
                          ck_scope_t scope, uint32_t *out, ck_plan_result_t *r) {
    uint32_t queued = queue_dirty_groups(k, dirty_ids, dirty_count);
    const uint64_t *rows = k->rows + (size_t)scope * k->group_count * k->step_words;
    for (uint32_t i = 0; i < queued; i++)
        k->ops->or_into(k->step_bits, rows + (size_t)k->queue[i] * k->step_words, k->step_words);
    clear_queued_groups(k, queued);
    r->dirty_prefixes = queued;
    r->index_entries = queued;
    uint32_t n = queued ? k->ops->scan_emit_clear(k->step_bits, 0, k->step_words, out, k->scope_len[scope], &r->words_scanned) : 0;
    r->reachable_steps = n;
    return n;
}

/* plan_lists' shortcut run: from dirty_ids[i] on, while each id is in the registry and its
   closure is one step, sets that step's bit and returns the index of the first id that is not.
   The bits of consecutive steps in one 64-bit word gather in *acc (dense dirty sets hit the same
   word many times in a row: no store-to-load chain through memory); *word is the word they belong
   to. Always inlined with a constant `track`, so each caller is a tight loop with few live values
   (WebAssembly engines' register allocators spill the general loop), the untracked one keeping
   no range. */
static inline __attribute__((always_inline)) uint32_t
single_run(const uint32_t *restrict dirty_ids, uint32_t i, uint32_t dirty_count, const uint32_t *restrict single,
           uint32_t path_count, uint64_t *restrict bits, uint32_t *word, uint64_t *acc, uint32_t *lo, uint32_t *hi,
           const bool track) {
    uint32_t w = *word, l = *lo, h = *hi;
    uint64_t a = *acc;
    for (; i < dirty_count; i++) {
        uint32_t p = dirty_ids[i];
        if (p >= path_count) break;
        uint32_t s = single[p];
        if (s >= CK_EMPTY) break;
        if (s >> 6 != w) {
            bits[w] |= a;
            w = s >> 6;
            a = 0;
        }
        a |= (uint64_t)1 << (s & 63u);
        if (track) {
            l = s < l ? s : l;
            h = s > h ? s : h;
        }
    }
    *word = w;
    *acc = a;
    *lo = l;
    *hi = h;
    return i;
}

/* Closure lists: set the precomputed closure of each distinct dirty group into the step bitset,
   then scan. A dirty path whose closure is one step (the common case of dense dirty sets over
   independent steps) takes the shortcut: one load and one bit set, no dedupe needed.
   The shortcut runs in a tight loop of its own (single_run), which leaves for the rare ids
   (unknown, empty or many-step closures); the single-step entries are counted at the end, from
   the rare ids, not per id. */
static ck_status_t plan_lists(ck_kernel_t *k, const uint32_t *dirty_ids, uint32_t dirty_count,
                              ck_scope_t scope, uint32_t *out, ck_plan_result_t *r, ck_error_t *error) {
    const uint32_t *restrict offsets = k->list_offsets + (size_t)scope * (k->group_count + 1u);
    const uint32_t *restrict single = k->path_single + (size_t)scope * k->path_count;
    const uint32_t *restrict steps = k->list_steps;
    const uint32_t *restrict path_group = k->path_group;
    uint64_t *restrict bits = k->step_bits;
    uint64_t *restrict group_bits = k->group_bits;
    uint32_t *restrict queue = k->queue;
    uint32_t queued = 0, lo = UINT32_MAX, hi = 0;
    uint32_t rare = 0;      /* ids that are not single-step shortcuts */
    uint64_t listed = 0;    /* entries of the many-step closures set */
    /* with many roots the whole bitset is scanned, so the range need not be tracked */
    const bool track = (uint64_t)dirty_count * 16u < k->step_words;
    const uint32_t path_count = k->path_count;
    uint32_t word = 0;
    uint64_t acc = 0;
    uint32_t i = 0;
    for (;;) {
        i = track ? single_run(dirty_ids, i, dirty_count, single, path_count, bits, &word, &acc, &lo, &hi, true)
                  : single_run(dirty_ids, i, dirty_count, single, path_count, bits, &word, &acc, &lo, &hi, false);
        if (i == dirty_count) break;
        uint32_t p = dirty_ids[i];
        if (p >= path_count) {
            /* the ids are checked as they are read (no separate pass on this hot path): undo */
            memset(bits, 0, (size_t)k->step_words * 8u);
            clear_queued_groups(k, queued);
            return ck_fail(error, CK_ERR_UNKNOWN_PATH_ID, CK_TABLE_DIRTY_IDS, i, p);
        }
        i++;
        rare++;
        if (single[p] == CK_EMPTY) continue;
        uint32_t g = path_group[p];
        uint64_t gbit = (uint64_t)1 << (g & 63u);
        if (group_bits[g >> 6] & gbit) continue;
        group_bits[g >> 6] |= gbit;
        queue[queued++] = g;
        uint32_t b = offsets[g], e = offsets[g + 1];
        listed += e - b;
        lo = steps[b] < lo ? steps[b] : lo;
        hi = steps[e - 1] > hi ? steps[e - 1] : hi;
        for (uint32_t j = b; j < e; j++) bits[steps[j] >> 6] |= (uint64_t)1 << (steps[j] & 63u);
    }
    bits[word] |= acc;
    clear_queued_groups(k, queued);
    uint64_t entries = (uint64_t)(dirty_count - rare) + listed;
    r->dirty_prefixes = queued;
    r->index_entries = entries;
    if (entries == 0) return CK_OK;
    uint32_t begin = 0, end = k->step_words;
    if (track) {
        begin = (lo >> 6) / CK_WORD_BLOCK * CK_WORD_BLOCK;
        end = ((hi >> 6) / CK_WORD_BLOCK + 1u) * CK_WORD_BLOCK;
    }
    uint32_t n = k->ops->scan_emit_clear(bits, begin, end, out, k->scope_len[scope], &r->words_scanned);
    r->reachable_steps = n;
    r->step_count = n;
    return CK_OK;
}

static uint32_t plan_frontier(ck_kernel_t *k, const uint32_t *dirty_ids, uint32_t dirty_count,
                              ck_scope_t scope, uint32_t *out, ck_plan_result_t *r) {
    uint32_t queued = queue_dirty_groups(k, dirty_ids, dirty_count);
    uint32_t lo = UINT32_MAX, hi = 0;
    queued = ck_frontier_reach(k, queued, scope, &r->index_entries);
    if (queued == k->group_count) {
        /* every group reached: every step of the scope is (creation checked that each step is
           listed under its out's group), so the plan is the scope's list. The counters are what
           marking and scanning would have reported: every group's entries visited, the scan over
           [block of step 0, block of the last step]. */
        clear_queued_groups(k, queued);
        r->dirty_prefixes = queued;
        r->index_entries += k->trigger_entries;
        uint32_t n = k->scope_len[scope];
        memcpy(out, k->scope_list[scope], (size_t)n * 4u);
        r->words_scanned += (((k->step_count - 1u) >> 6) / CK_WORD_BLOCK + 1u) * CK_WORD_BLOCK;
        r->reachable_steps = n;
        return n;
    }
    ck_frontier_mark(k, queued, scope, k->step_bits, &r->index_entries, &lo, &hi);
    clear_queued_groups(k, queued);
    r->dirty_prefixes = queued;
    if (lo > hi) return 0;
    /* scan only the blocks between the lowest and highest step that may be set */
    uint32_t begin = (lo >> 6) / CK_WORD_BLOCK * CK_WORD_BLOCK;
    uint32_t end = ((hi >> 6) / CK_WORD_BLOCK + 1u) * CK_WORD_BLOCK;
    uint32_t n = k->ops->scan_emit_clear(k->step_bits, begin, end, out, k->scope_len[scope], &r->words_scanned);
    r->reachable_steps = n;
    return n;
}

ck_status_t ck_kernel_plan(ck_kernel_t *k, const uint32_t *dirty_ids, uint32_t dirty_count,
                           ck_mode_t mode, ck_scope_t scope, uint32_t flags,
                           uint32_t *out_steps, uint32_t out_capacity,
                           ck_plan_result_t *result, ck_error_t *error) {
    if (k == NULL || result == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    if ((unsigned)mode > CK_MODE_DIRTY) return ck_fail(error, CK_ERR_BAD_MODE, CK_TABLE_NONE, 0, (uint64_t)mode);
    if ((unsigned)scope > CK_SCOPE_ALL) return ck_fail(error, CK_ERR_BAD_SCOPE, CK_TABLE_NONE, 0, (uint64_t)scope);
    uint32_t needed = k->scope_len[scope];
    if (out_capacity < needed) return ck_fail(error, CK_ERR_BUFFER_TOO_SMALL, CK_TABLE_NONE, 0, needed);
    if (needed > 0 && out_steps == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    bool dirty_all = (flags & CK_PLAN_DIRTY_ALL) != 0 || dirty_count == 0;
    bool lists = k->step_count >= 32 && k->strategy == CK_STRATEGY_LISTS;
    if (mode == CK_MODE_DIRTY && !dirty_all) {
        if (dirty_ids == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_DIRTY_IDS, 0, 0);
        if (!lists) { /* (the lists algorithm checks ids as it reads them) */
            /* a max-reduction (vectorized by the compiler); the offending position only on error */
            uint32_t max_id = 0;
            for (uint32_t i = 0; i < dirty_count; i++) max_id = dirty_ids[i] > max_id ? dirty_ids[i] : max_id;
            if (max_id >= k->path_count) {
                for (uint32_t i = 0; i < dirty_count; i++)
                    if (dirty_ids[i] >= k->path_count) return ck_fail(error, CK_ERR_UNKNOWN_PATH_ID, CK_TABLE_DIRTY_IDS, i, dirty_ids[i]);
            }
        }
    }

    memset(result, 0, sizeof *result);
    if (k->step_count == 0) {
        result->executed_mode = CK_EXECUTED_NONE;
        return CK_OK;
    }
    if (mode == CK_MODE_FULL || dirty_all) {
        memcpy(out_steps, k->scope_list[scope], (size_t)needed * 4u);
        result->step_count = needed;
        result->reachable_steps = needed;
        result->executed_mode = mode == CK_MODE_FULL ? CK_EXECUTED_FULL : CK_EXECUTED_DIRTY;
        result->dirty_all = mode == CK_MODE_DIRTY;
        result->algorithm = CK_ALGO_SCOPE;
        return CK_OK;
    }
    result->executed_mode = CK_EXECUTED_DIRTY;
    if (k->step_count < 32) {
        result->algorithm = CK_ALGO_LINEAR;
        result->step_count = plan_linear(k, dirty_ids, dirty_count, scope, out_steps, result);
    } else if (k->strategy == CK_STRATEGY_ROWS) {
        result->algorithm = CK_ALGO_ROWS;
        result->step_count = plan_rows(k, dirty_ids, dirty_count, scope, out_steps, result);
    } else if (lists) {
        ck_plan_result_t r;
        memset(&r, 0, sizeof r);
        r.executed_mode = CK_EXECUTED_DIRTY;
        r.algorithm = CK_ALGO_LISTS;
        ck_status_t st = plan_lists(k, dirty_ids, dirty_count, scope, out_steps, &r, error);
        if (st != CK_OK) return st;
        *result = r;
    } else {
        result->algorithm = CK_ALGO_FRONTIER;
        result->step_count = plan_frontier(k, dirty_ids, dirty_count, scope, out_steps, result);
    }
    return CK_OK;
}
