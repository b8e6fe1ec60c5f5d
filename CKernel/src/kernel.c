/* kernel.c — building a kernel instance from the static tables: validation, the group-level
   trigger index, scope lists and the arena that holds them (closures: closure.c). */
#include "ck_vm.h"

#include <string.h>

void ck_options_init(ck_options_t *options) {
    if (options == NULL) return;
    options->impl = CK_IMPL_AUTO;
    options->strategy = CK_STRATEGY_AUTO;
    options->closure_budget_bytes = 0;
}

/* Checks a CSR offsets array: offsets[0] == 0, non-decreasing, total <= CK_MAX_EDGES. */
static ck_status_t check_offsets(const uint32_t *offsets, uint32_t count, ck_table_id_t table,
                                 ck_error_t *error) {
    if (offsets == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, table, 0, 0);
    if (offsets[0] != 0) return ck_fail(error, CK_ERR_BAD_TABLES, table, 0, offsets[0]);
    for (uint32_t i = 0; i < count; i++) {
        if (offsets[i + 1] < offsets[i]) return ck_fail(error, CK_ERR_BAD_TABLES, table, i + 1, offsets[i + 1]);
    }
    if ((uint64_t)offsets[count] > CK_MAX_EDGES) return ck_fail(error, CK_ERR_TOO_LARGE, table, count, offsets[count]);
    return CK_OK;
}

/* Entries of each list strictly ascending and < limit. */
static ck_status_t check_lists(const uint32_t *offsets, const uint32_t *items, uint32_t count,
                               uint32_t limit, ck_table_id_t table, ck_error_t *error) {
    if (offsets[count] > 0 && items == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, table, 0, 0);
    for (uint32_t i = 0; i < count; i++) {
        for (uint32_t j = offsets[i]; j < offsets[i + 1]; j++) {
            if (items[j] >= limit) return ck_fail(error, CK_ERR_BAD_TABLES, table, j, items[j]);
            if (j > offsets[i] && items[j] <= items[j - 1]) return ck_fail(error, CK_ERR_BAD_TABLES, table, j, items[j]);
        }
    }
    return CK_OK;
}

ck_status_t ck_validate_tables(const ck_tables_t *t, ck_error_t *error) {
    if (t->path_count > CK_MAX_PATHS) return ck_fail(error, CK_ERR_TOO_LARGE, CK_TABLE_NONE, 0, t->path_count);
    if (t->step_count > CK_MAX_STEPS) return ck_fail(error, CK_ERR_TOO_LARGE, CK_TABLE_NONE, 1, t->step_count);
    ck_status_t st;
    if ((st = check_offsets(t->path_prefix_offsets, t->path_count, CK_TABLE_PATH_PREFIX_OFFSETS, error))) return st;
    if ((st = check_lists(t->path_prefix_offsets, t->path_prefix_ids, t->path_count, t->path_count,
                          CK_TABLE_PATH_PREFIX_IDS, error))) return st;
    for (uint32_t p = 0; p < t->path_count; p++) {
        uint32_t b = t->path_prefix_offsets[p], e = t->path_prefix_offsets[p + 1];
        /* every path lists at least itself, last; its first prefix is a 1-segment path */
        if (e == b) return ck_fail(error, CK_ERR_BAD_TABLES, CK_TABLE_PATH_PREFIX_OFFSETS, p + 1, e);
        if (t->path_prefix_ids[e - 1] != p) return ck_fail(error, CK_ERR_BAD_TABLES, CK_TABLE_PATH_PREFIX_IDS, e - 1, t->path_prefix_ids[e - 1]);
        uint32_t g = t->path_prefix_ids[b];
        if (t->path_prefix_offsets[g + 1] - t->path_prefix_offsets[g] != 1)
            return ck_fail(error, CK_ERR_BAD_TABLES, CK_TABLE_PATH_PREFIX_IDS, b, g);
    }
    if (t->step_count > 0 && (t->step_out_path == NULL || t->step_flags == NULL))
        return ck_fail(error, CK_ERR_NULL_ARGUMENT, t->step_out_path == NULL ? CK_TABLE_STEP_OUT_PATH : CK_TABLE_STEP_FLAGS, 0, 0);
    for (uint32_t s = 0; s < t->step_count; s++) {
        if (t->step_out_path[s] >= t->path_count) return ck_fail(error, CK_ERR_BAD_TABLES, CK_TABLE_STEP_OUT_PATH, s, t->step_out_path[s]);
        if (t->step_flags[s] & ~(uint8_t)(CK_STEP_DEFERRED | CK_STEP_LINK)) return ck_fail(error, CK_ERR_BAD_TABLES, CK_TABLE_STEP_FLAGS, s, t->step_flags[s]);
    }
    if ((st = check_offsets(t->trigger_offsets, t->path_count, CK_TABLE_TRIGGER_OFFSETS, error))) return st;
    if ((st = check_lists(t->trigger_offsets, t->trigger_steps, t->path_count, t->step_count,
                          CK_TABLE_TRIGGER_STEPS, error))) return st;
    if ((st = check_offsets(t->dep_offsets, t->step_count, CK_TABLE_DEP_OFFSETS, error))) return st;
    if (t->dep_offsets[t->step_count] > 0 && t->dep_paths == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_DEP_PATHS, 0, 0);
    for (uint32_t j = 0; j < t->dep_offsets[t->step_count]; j++) {
        if (t->dep_paths[j] >= t->path_count) return ck_fail(error, CK_ERR_BAD_TABLES, CK_TABLE_DEP_PATHS, j, t->dep_paths[j]);
    }
    return CK_OK;
}

/* Everything the arena holds, carved in one place so the dry run (sizes) and the real run
   (pointers) cannot disagree. */
static void carve_all(ck_kernel_t *k, ck_carver_t *c, uint64_t entries, uint64_t deps) {
    uint32_t n = k->step_count, g = k->group_count;
    k->path_group = ck_carve(c, (size_t)k->path_count * 4u);
    k->path_parent = ck_carve(c, (size_t)k->path_count * 4u);
    k->group_path = ck_carve(c, (size_t)g * 4u);
    k->group_offsets = ck_carve(c, ((size_t)g + 1u) * 4u);
    k->group_entries = ck_carve(c, (size_t)entries * 8u);
    k->step_groups_offsets = ck_carve(c, ((size_t)n + 1u) * 4u);
    k->step_groups = ck_carve(c, (size_t)entries * 4u);
    k->step_out_group = ck_carve(c, (size_t)n * 4u);
    k->step_out_path = ck_carve(c, (size_t)n * 4u);
    k->step_flags = ck_carve(c, (size_t)n);
    k->dep_offsets = ck_carve(c, ((size_t)n + 1u) * 4u);
    k->dep_paths = ck_carve(c, (size_t)deps * 4u);
    for (int s = 0; s < 3; s++) k->scope_list[s] = ck_carve(c, (size_t)k->scope_len[s] * 4u);
    k->slot_tags = ck_carve(c, (size_t)k->path_count);
    k->slot_values = ck_carve(c, (size_t)k->path_count * 8u);
    k->slot_of_path = ck_carve(c, (size_t)k->path_count * 4u);
    k->path_of_slot = ck_carve(c, (size_t)k->path_count * 4u);
    k->step_out_slot = ck_carve(c, (size_t)n * 4u);
    k->undo_paths = ck_carve(c, (size_t)n * 4u);
    k->undo_tags = ck_carve(c, (size_t)n);
    k->undo_values = ck_carve(c, (size_t)n * 8u);
    k->step_barrier = ck_carve(c, (size_t)n * 4u);
    k->step_bits = ck_carve(c, (size_t)k->step_words * 8u);
    k->group_bits = ck_carve(c, (size_t)k->group_words * 8u);
    k->queue = ck_carve(c, ((size_t)g + 1u) * 4u);
}

ck_status_t ck_kernel_create(const ck_tables_t *tables, const ck_options_t *options,
                             ck_kernel_t **out_kernel, ck_error_t *error) {
    if (error != NULL) memset(error, 0, sizeof *error);
    if (out_kernel == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    *out_kernel = NULL;
    if (tables == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    ck_options_t opts;
    ck_options_init(&opts);
    if (options != NULL) opts = *options;
    if ((unsigned)opts.strategy > CK_STRATEGY_LISTS || (unsigned)opts.impl > CK_IMPL_SIMD128)
        return ck_fail(error, CK_ERR_BAD_OPTION, CK_TABLE_NONE, 0, 0);
    const ck_bitset_ops_t *ops = ck_ops_for(opts.impl);
    if (ops == NULL) return ck_fail(error, CK_ERR_IMPL_UNAVAILABLE, CK_TABLE_NONE, 0, (uint64_t)opts.impl);

    ck_status_t st = ck_validate_tables(tables, error);
    if (st != CK_OK) return st;

    ck_kernel_t k;
    memset(&k, 0, sizeof k);
    k.ops = ops;
    k.vm_block = ck_vm_block_for(ops->impl);
    k.path_count = tables->path_count;
    k.step_count = tables->step_count;

    /* groups: 1-segment prefixes with a non-empty trigger list */
    uint64_t entries = 0;
    for (uint32_t p = 0; p < k.path_count; p++) {
        uint32_t len = tables->path_prefix_offsets[p + 1] - tables->path_prefix_offsets[p];
        uint32_t trig = tables->trigger_offsets[p + 1] - tables->trigger_offsets[p];
        if (len == 1 && trig > 0) {
            k.group_count++;
            entries += trig;
        }
    }
    for (uint32_t s = 0; s < k.step_count; s++) {
        k.scope_len[CK_SCOPE_ALL]++;
        if (tables->step_flags[s] & CK_STEP_DEFERRED) k.scope_len[CK_SCOPE_DEFERRED]++;
        else k.scope_len[CK_SCOPE_IMMEDIATE]++;
    }
    k.trigger_entries = entries;
    k.step_words = ck_words_for_bits(k.step_count);
    k.group_words = ck_words_for_bits(k.group_count);
    uint64_t deps = tables->dep_offsets[k.step_count];

    uint64_t budget = opts.closure_budget_bytes;
    if (budget == 0) {
        budget = (uint64_t)64 * k.step_count;
        if (budget < ((uint64_t)8 << 20)) budget = (uint64_t)8 << 20;
    }

    ck_carver_t dry = {NULL, 0};
    carve_all(&k, &dry, entries, deps);
    size_t total = dry.used + sizeof(ck_kernel_t) + 64u;
    if (!ck_arena_alloc(&k.arena, total)) return ck_fail(error, CK_ERR_OUT_OF_MEMORY, CK_TABLE_NONE, 0, total);
    ck_carver_t real = {(uint8_t *)k.arena.base, 0};
    ck_kernel_t *kp = ck_carve(&real, sizeof(ck_kernel_t));
    carve_all(&k, &real, entries, deps);

    /* path -> group, group -> steps */
    uint32_t g = 0, at = 0;
    k.group_offsets[0] = 0;
    for (uint32_t p = 0; p < k.path_count; p++) {
        uint32_t len = tables->path_prefix_offsets[p + 1] - tables->path_prefix_offsets[p];
        uint32_t tb = tables->trigger_offsets[p], te = tables->trigger_offsets[p + 1];
        if (len == 1 && te > tb) {
            k.group_path[g] = p;
            for (uint32_t i = tb; i < te; i++) k.group_entries[at + i - tb] = tables->trigger_steps[i];
            at += te - tb;
            k.group_offsets[++g] = at;
        }
    }
    /* a path's group is its 1-segment prefix's group; group_path is ascending, so search it */
    for (uint32_t p = 0; p < k.path_count; p++) {
        uint32_t first = tables->path_prefix_ids[tables->path_prefix_offsets[p]];
        uint32_t lo = 0, hi = k.group_count;
        while (lo < hi) {
            uint32_t mid = lo + (hi - lo) / 2;
            if (k.group_path[mid] < first) lo = mid + 1; else hi = mid;
        }
        k.path_group[p] = (lo < k.group_count && k.group_path[lo] == first) ? lo : CK_NONE;
        const uint32_t pe = tables->path_prefix_offsets[p + 1];
        k.path_parent[p] = pe - tables->path_prefix_offsets[p] >= 2u ? tables->path_prefix_ids[pe - 2u] : CK_NONE;
        k.slot_of_path[p] = p; /* the identity layout */
        k.path_of_slot[p] = p;
    }
    /* the inverse index: step -> groups (ascending) */
    for (uint32_t i = 0; i < at; i++) k.step_groups_offsets[ck_entry_step(k.group_entries[i]) + 1]++;
    for (uint32_t s = 0; s < k.step_count; s++) k.step_groups_offsets[s + 1] += k.step_groups_offsets[s];
    {
        /* reuse step_out_group as a fill cursor before it gets its real content */
        for (uint32_t s = 0; s < k.step_count; s++) k.step_out_group[s] = k.step_groups_offsets[s];
        for (uint32_t gi = 0; gi < k.group_count; gi++) {
            for (uint32_t i = k.group_offsets[gi]; i < k.group_offsets[gi + 1]; i++) {
                uint32_t s = ck_entry_step(k.group_entries[i]);
                k.step_groups[k.step_out_group[s]++] = gi;
            }
        }
    }
    for (uint32_t s = 0; s < k.step_count; s++) {
        k.step_out_path[s] = tables->step_out_path[s];
        k.step_out_slot[s] = tables->step_out_path[s]; /* the identity layout */
        k.step_flags[s] = tables->step_flags[s];
        k.step_out_group[s] = k.path_group[k.step_out_path[s]];
    }
    memcpy(k.dep_offsets, tables->dep_offsets, ((size_t)k.step_count + 1u) * 4u);
    if (deps > 0) memcpy(k.dep_paths, tables->dep_paths, (size_t)deps * 4u);
    uint32_t fill[3] = {0, 0, 0};
    for (uint32_t s = 0; s < k.step_count; s++) {
        k.scope_list[CK_SCOPE_ALL][fill[CK_SCOPE_ALL]++] = s;
        int sc = (k.step_flags[s] & CK_STEP_DEFERRED) ? CK_SCOPE_DEFERRED : CK_SCOPE_IMMEDIATE;
        k.scope_list[sc][fill[sc]++] = s;
    }

    *kp = k;
    /* every step must be listed under its own out's group, or propagation would lose it */
    for (uint32_t s = 0; s < kp->step_count; s++) {
        uint32_t og = kp->step_out_group[s];
        bool listed = false;
        if (og != CK_NONE) {
            for (uint32_t i = kp->step_groups_offsets[s]; i < kp->step_groups_offsets[s + 1]; i++) {
                if (kp->step_groups[i] == og) { listed = true; break; }
            }
        }
        if (!listed) {
            ck_kernel_free(kp);
            return ck_fail(error, CK_ERR_BAD_TABLES, CK_TABLE_TRIGGER_STEPS, s, tables->step_out_path[s]);
        }
    }
    /* a step whose out group triggers only the step itself propagates nothing */
    for (uint32_t s = 0; s < kp->step_count; s++) {
        uint32_t og = kp->step_out_group[s];
        if (kp->group_offsets[og + 1] - kp->group_offsets[og] == 1) kp->step_out_group[s] = CK_NONE;
    }
    for (uint64_t i = 0; i < kp->trigger_entries; i++) {
        uint32_t s = ck_entry_step(kp->group_entries[i]);
        kp->group_entries[i] = ck_entry_pack(s, kp->step_out_group[s], (kp->step_flags[s] & CK_STEP_DEFERRED) != 0);
    }
    st = ck_build_group_graph(kp, error);
    if (st != CK_OK) {
        ck_kernel_free(kp);
        return st;
    }
    st = ck_build_closures(kp, opts.strategy, budget, error);
    if (st != CK_OK) {
        ck_kernel_free(kp);
        return st;
    }
    st = ck_build_barriers(kp, error);
    if (st != CK_OK) {
        ck_kernel_free(kp);
        return st;
    }
    *out_kernel = kp;
    return CK_OK;
}

void ck_kernel_free(ck_kernel_t *kernel) {
    if (kernel == NULL) return;
    ck_vm_unload(kernel);
    ck_arena_free(&kernel->closure_arena);
    ck_arena_free(&kernel->graph_arena);
    ck_arena_t arena = kernel->arena;
    ck_arena_free(&arena);
}

ck_status_t ck_kernel_info(const ck_kernel_t *k, ck_kernel_info_t *out) {
    if (k == NULL || out == NULL) return CK_ERR_NULL_ARGUMENT;
    memset(out, 0, sizeof *out);
    out->path_count = k->path_count;
    out->step_count = k->step_count;
    out->group_count = k->group_count;
    for (int s = 0; s < 3; s++) out->scope_len[s] = k->scope_len[s];
    out->trigger_entries = k->trigger_entries;
    out->arena_bytes = k->arena.bytes + k->graph_arena.bytes + k->closure_arena.bytes;
    out->closure_bytes = k->closure_bytes;
    out->impl = k->ops->impl;
    out->strategy = k->strategy;
    out->numa = k->arena.numa;
    return CK_OK;
}

ck_status_t ck_kernel_validate(const ck_kernel_t *k, ck_error_t *error) {
    if (error != NULL) memset(error, 0, sizeof *error);
    if (k == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    /* scratch must be all-zero between calls */
    for (uint32_t i = 0; i < k->step_words; i++)
        if (k->step_bits[i] != 0) return ck_fail(error, CK_ERR_INVARIANT, CK_TABLE_NONE, 1, i);
    for (uint32_t i = 0; i < k->group_words; i++)
        if (k->group_bits[i] != 0) return ck_fail(error, CK_ERR_INVARIANT, CK_TABLE_NONE, 2, i);
    for (uint32_t gi = 0; gi < k->group_count; gi++) {
        if (k->group_offsets[gi + 1] <= k->group_offsets[gi]) return ck_fail(error, CK_ERR_INVARIANT, CK_TABLE_NONE, 3, gi);
        if (k->path_group[k->group_path[gi]] != gi) return ck_fail(error, CK_ERR_INVARIANT, CK_TABLE_NONE, 4, gi);
    }
    for (uint32_t s = 0; s < k->step_count; s++) {
        uint32_t og = k->step_out_group[s];
        if (og != CK_NONE && og >= k->group_count) return ck_fail(error, CK_ERR_INVARIANT, CK_TABLE_NONE, 5, s);
    }
    uint32_t total = 0;
    for (int sc = 0; sc < 2; sc++) {
        for (uint32_t i = 0; i < k->scope_len[sc]; i++) {
            uint32_t s = k->scope_list[sc][i];
            if (s >= k->step_count || !ck_in_scope(k->step_flags[s], (ck_scope_t)sc) || (i > 0 && s <= k->scope_list[sc][i - 1]))
                return ck_fail(error, CK_ERR_INVARIANT, CK_TABLE_NONE, 6, s);
        }
        total += k->scope_len[sc];
    }
    if (total != k->step_count || k->scope_len[CK_SCOPE_ALL] != k->step_count) return ck_fail(error, CK_ERR_INVARIANT, CK_TABLE_NONE, 7, total);
    return CK_OK;
}
