/* txn.c — the transaction core (docs/transactions.md): the write log and its application
   (first-write undo, dirty set, canonical values, reducer patches), dirty roots, the decision
   (auto.c) with the rules that need the plan (coverage, decision budget), the plan, execution
   (exec.c), commit or rollback, abort. One implementation for every host. */
#include "ck_txn.h"

#include <string.h>

struct ck_txn {
    ck_txn_log_t log;           /* first: ck_txn_flush finds the core from the log */
    ck_arena_t arena;
    ck_kernel_t *kernel;
    ck_scope_t scope;
    uint32_t scope_len;
    uint32_t words;             /* words of a path bitset */
    uint64_t budget_ns;
    uint32_t vm_flags;
    ck_host_batch_fn host_steps;
    void *host_context;
    ck_trace_t *trace;

    /* the transaction being written (or the last committed one, until the next write) */
    bool open;                  /* tracking belongs to the transaction being written */
    uint64_t op_seq_base;       /* op_seq when it began */
    uint32_t marks_applied;     /* mark records applied in it */
    uint64_t *written_bits;     /* [words] reducer-written paths */
    uint64_t *mark_bits;        /* [words] paths marked dirty without a write */
    uint32_t *undo_ids;         /* [path_count] first writes, in order */
    uint8_t *undo_tags;
    double *undo_values;
    uint32_t *mark_ids;         /* [path_count] marked paths, in order (the dirty set is the
                                   written paths and these) */
    uint32_t mark_count;
    uint32_t *roots;            /* [path_count] dirty roots, ascending */
    uint32_t *plan;             /* [step_count] */

    ck_auto_t autom;
    /* PLAN_ONLY: a cost-model / fast-full sample waiting for the host's execution time */
    bool pending_converge;
    bool pending_full_sample;
    bool pending_is_full;
    uint32_t pending_roots;
    uint64_t pending_converge_ns;
    uint64_t pending_full_ns;
#ifdef CK_GATE_SPIN
    uint32_t spin_per_step;     /* gate validation: extra work per planned step, per commit */
    uint32_t spin_per_txn;
#endif
};

static inline bool bit_test(const uint64_t *bits, uint32_t i) { return (bits[i >> 6] >> (i & 63u)) & 1u; }

void ck_txn_options_init(ck_txn_options_t *o) {
    if (o == NULL) return;
    memset(o, 0, sizeof *o);
    o->scope = CK_SCOPE_ALL;
    ck_auto_policy_init(&o->auto_policy, 0);
    o->budget_ns = 200000000u;
}

static void carve_txn(ck_txn_t *t, ck_carver_t *c, uint32_t paths, uint32_t steps) {
    t->log.entries = ck_carve(c, (size_t)t->log.capacity * sizeof(ck_write_t));
    t->written_bits = ck_carve(c, (size_t)t->words * 8u);
    t->mark_bits = ck_carve(c, (size_t)t->words * 8u);
    t->undo_ids = ck_carve(c, (size_t)paths * 4u);
    t->undo_tags = ck_carve(c, paths);
    t->undo_values = ck_carve(c, (size_t)paths * 8u);
    t->mark_ids = ck_carve(c, (size_t)paths * 4u);
    t->roots = ck_carve(c, (size_t)paths * 4u);
    t->plan = ck_carve(c, (size_t)steps * 4u);
}

ck_status_t ck_txn_create(ck_kernel_t *k, const ck_txn_options_t *options, ck_txn_t **out, ck_error_t *error) {
    if (error != NULL) memset(error, 0, sizeof *error);
    if (out == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    *out = NULL;
    if (k == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    ck_txn_options_t o;
    ck_txn_options_init(&o);
    if (options != NULL) o = *options;
    if ((unsigned)o.scope > CK_SCOPE_ALL) return ck_fail(error, CK_ERR_BAD_SCOPE, CK_TABLE_NONE, 0, (uint64_t)o.scope);
    if (o.auto_policy.near_full_rule_count > CK_AUTO_MAX_RATIO_RULES)
        return ck_fail(error, CK_ERR_BAD_OPTION, CK_TABLE_NONE, 0, o.auto_policy.near_full_rule_count);
    const uint32_t paths = k->path_count > 0 ? k->path_count : 1u;
    const uint32_t steps = k->step_count > 0 ? k->step_count : 1u;

    ck_txn_t t;
    memset(&t, 0, sizeof t);
    t.kernel = k;
    t.scope = o.scope;
    t.scope_len = k->scope_len[o.scope];
    t.words = (paths + 63u) / 64u;
    t.log.capacity = o.log_capacity > 0 ? o.log_capacity : (paths > 256u ? paths : 256u);
    t.log.path_count = k->path_count;
    t.budget_ns = o.budget_ns;
    t.vm_flags = o.vm_flags;
    t.host_steps = o.host_steps;
    t.host_context = o.host_context;
    t.trace = o.trace;

    ck_carver_t dry = {NULL, 0};
    (void)ck_carve(&dry, sizeof(ck_txn_t));
    carve_txn(&t, &dry, paths, steps);
    ck_auto_init(&t.autom, &dry, &o.auto_policy, k->step_count);
    if (!ck_arena_alloc(&t.arena, dry.used + 64u))
        return ck_fail(error, CK_ERR_OUT_OF_MEMORY, CK_TABLE_NONE, 0, dry.used);
    ck_carver_t real = {(uint8_t *)t.arena.base, 0};
    ck_txn_t *tp = ck_carve(&real, sizeof(ck_txn_t));
    carve_txn(&t, &real, paths, steps);
    ck_auto_init(&t.autom, &real, &o.auto_policy, k->step_count);
    memset(t.written_bits, 0, (size_t)t.words * 8u);
    memset(t.mark_bits, 0, (size_t)t.words * 8u);
    t.log.written_bits = t.written_bits;
    t.log.slot_tags = k->slot_tags;
    t.log.slot_values = k->slot_values;
    t.log.slot_of = k->slot_of_path;
    t.log.undo_ids = t.undo_ids;
    t.log.undo_tags = t.undo_tags;
    t.log.undo_values = t.undo_values;
    *tp = t;
    *out = tp;
    return CK_OK;
}

void ck_txn_free(ck_txn_t *t) {
    if (t == NULL) return;
    ck_arena_t arena = t->arena;
    ck_arena_free(&arena);
}

ck_txn_log_t *ck_txn_log(ck_txn_t *t) { return t == NULL ? NULL : &t->log; }

void ck_txn_set_host(ck_txn_t *t, ck_host_batch_fn host_steps, void *host_context, ck_trace_t *trace) {
    if (t == NULL) return;
    t->host_steps = host_steps;
    t->host_context = host_context;
    t->trace = trace;
}

void ck_txn_bump_generation(ck_txn_t *t) {
    if (t != NULL) ck_auto_bump_generation(&t->autom);
}

/* Clears a bitset through the ids set in it (or whole, when that is fewer stores). */
ck_status_t ck_txn_set_spin(ck_txn_t *t, uint32_t per_step, uint32_t per_txn) {
    if (t == NULL) return CK_ERR_NULL_ARGUMENT;
#ifdef CK_GATE_SPIN
    t->spin_per_step = per_step;
    t->spin_per_txn = per_txn;
    return CK_OK;
#else
    (void)per_step;
    (void)per_txn;
    return CK_ERR_BAD_OPTION;
#endif
}

#ifdef CK_GATE_SPIN
/* n iterations of a dependent multiply-add the compiler cannot drop or fold */
static void gate_spin(uint64_t n) {
    uint64_t x = n;
    for (uint64_t i = 0; i < n; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        __asm__ volatile("" : "+r"(x));
    }
}
#endif

static void clear_bits(uint64_t *bits, uint32_t words, const uint32_t *ids, uint32_t n) {
    if (n >= words) {
        memset(bits, 0, (size_t)words * 8u);
        return;
    }
    for (uint32_t i = 0; i < n; i++) bits[ids[i] >> 6] = 0;
}

/* Clears the tracking of the last transaction. */
static void clear_tracking(ck_txn_t *t) {
    clear_bits(t->mark_bits, t->words, t->mark_ids, t->mark_count);
    clear_bits(t->written_bits, t->words, t->undo_ids, t->log.undo_count);
    t->mark_count = 0;
    t->log.undo_count = 0;
    t->marks_applied = 0;
}

/* The first apply of a transaction forgets the last one. */
static inline void begin_if_needed(ck_txn_t *t) {
    if (t->open) return;
    clear_tracking(t);
    t->op_seq_base = t->log.op_seq;
    t->open = true;
}

/* Restores every applied reducer write of the open transaction, in reverse, and forgets it. */
static void undo_reducer(ck_txn_t *t) {
    ck_kernel_t *k = t->kernel;
    for (uint32_t i = t->log.undo_count; i-- > 0;) {
        const uint32_t p = k->slot_of_path[t->undo_ids[i]];
        k->slot_tags[p] = t->undo_tags[i];
        k->slot_values[p] = t->undo_values[i];
    }
    t->log.op_seq = t->op_seq_base;
    clear_tracking(t);
}

void ck_txn_abort(ck_txn_t *t) {
    if (t == NULL) return;
    if (t->open) undo_reducer(t); /* a committed transaction is never touched */
    t->log.count = 0;
    t->log.direct = 0;
    t->log.dirty_all = CK_DIRTY_ALL_NONE;
    t->open = false;
}

/* Applies up to n entries in order (see apply_log) and returns how many: fewer when entry
   [returned] is bad (an id >= P or an unknown tag; nothing of it applied). PATCHES selects, at
   compile time, the variant that appends a reducer patch record per write. */
static inline __attribute__((always_inline)) uint32_t apply_entries(ck_txn_t *restrict t, const ck_write_t *restrict e,
                                                                    uint32_t n, ck_trace_t *restrict trace, const bool PATCHES) {
    ck_kernel_t *k = t->kernel;
    uint8_t *restrict tags = k->slot_tags;
    double *restrict values = k->slot_values;
    const uint32_t *restrict slot_of = k->slot_of_path;
    uint64_t *restrict written_bits = t->written_bits;
    uint32_t *restrict undo_ids = t->undo_ids;
    uint8_t *restrict undo_tags = t->undo_tags;
    double *restrict undo_values = t->undo_values;
    const uint32_t P = t->log.path_count;
    uint32_t undo_count = t->log.undo_count;
    uint64_t op = t->log.op_seq;
    uint32_t i = 0;
    for (; i < n; i++) {
        const uint32_t id = e[i].id;
        const uint8_t tag = e[i].tag;
        if (__builtin_expect(id >= P || tag > CK_TAG_NUMBER, 0)) {
            if (id >= P || tag != CK_WRITE_MARK) break;
            t->marks_applied++;
            const uint32_t w = id >> 6;
            const uint64_t bit = (uint64_t)1 << (id & 63u);
            if (!(t->mark_bits[w] & bit)) {
                t->mark_bits[w] |= bit;
                t->mark_ids[t->mark_count++] = id;
            }
            continue;
        }
        const uint32_t w = id >> 6;
        const uint64_t bit = (uint64_t)1 << (id & 63u);
        const uint32_t slot = slot_of[id];
        const uint64_t ww = written_bits[w];
        if (!(ww & bit)) {
            written_bits[w] = ww | bit;
            undo_ids[undo_count] = id;
            undo_tags[undo_count] = tags[slot];
            undo_values[undo_count] = values[slot];
            undo_count++;
        }
        const double v = tag == CK_TAG_NUMBER ? e[i].value : tag == CK_TAG_BOOLEAN ? (e[i].value != 0.0 ? 1.0 : 0.0) : 0.0;
        if (PATCHES) {
            if (trace->patch_count < trace->patch_capacity) {
                ck_patch_record_t *pr = &trace->patches[trace->patch_count++];
                memset(pr, 0, sizeof *pr);
                pr->op_seq = op;
                pr->path_id = id;
                pr->step_id = UINT32_MAX;
                pr->reason = CK_PATCH_REDUCER;
                pr->from_tag = tags[slot];
                pr->from_value = values[slot];
                pr->to_tag = tag;
                pr->to_value = v;
            } else {
                trace->patches_dropped++;
            }
        }
        op++;
        tags[slot] = tag;
        values[slot] = v;
    }
    t->log.undo_count = undo_count;
    t->log.op_seq = op;
    return i;
}

/* Applies the log, each entry in order: a mark adds its path to the dirty set; a write logs the
   slot's base value on the path's first write (the written paths are dirty), takes an op_seq (and
   a patch record under CK_TRACE_PATCHES) and stores the canonical value. A bad entry aborts the
   whole transaction (everything it applied is undone): nothing is written. */
static ck_status_t apply_log(ck_txn_t *t, ck_error_t *error) {
    ck_txn_log_t *log = &t->log;
    const uint32_t n = log->count;
    const ck_write_t *e = log->entries;
    begin_if_needed(t);
    if (n == 0) return CK_OK; /* the common native case: every write went in place */
    ck_trace_t *trace = t->trace;
    const uint32_t done = trace != NULL && trace->level >= CK_TRACE_PATCHES ? apply_entries(t, e, n, trace, true)
                                                                             : apply_entries(t, e, n, NULL, false);
    if (done < n) {
        const bool bad_id = e[done].id >= log->path_count;
        const uint64_t value = bad_id ? e[done].id : e[done].tag;
        ck_txn_abort(t);
        ck_status_t st = ck_fail(error, CK_ERR_BAD_WRITE, CK_TABLE_WRITE_LOG, done, value);
        if (error != NULL && !bad_id) error->fault = (ck_code_fault_t)CK_WRITE_FAULT_TAG;
        return st;
    }
    log->count = 0;
    return CK_OK;
}

ck_status_t ck_txn_flush(ck_txn_log_t *log, ck_error_t *error) {
    if (log == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    return apply_log((ck_txn_t *)(void *)log, error);
}

ck_status_t ck_txn_set_slow(ck_txn_log_t *log, uint32_t id, uint8_t tag, double value) {
    if (log == NULL) return CK_ERR_NULL_ARGUMENT;
    if (id >= log->path_count) return CK_ERR_UNKNOWN_PATH_ID;
    if (tag > CK_TAG_NUMBER) return CK_ERR_BAD_WRITE;
    ck_txn_t *t = (ck_txn_t *)(void *)log;
    /* in place only while nothing waits in the log (order) and no patch records are kept */
    if (log->count > 0 || (t->trace != NULL && t->trace->level >= CK_TRACE_PATCHES))
        return ck_txn_write(log, id, tag, value);
    begin_if_needed(t);
    log->direct = 1;
    return ck_txn_set(log, id, tag, value);
}

/* True when some reducer-written slot differs (Object.is) from its base value. */
static bool reducer_changed(const ck_txn_t *t) {
    const ck_kernel_t *k = t->kernel;
    for (uint32_t i = 0; i < t->log.undo_count; i++) {
        const uint32_t p = k->slot_of_path[t->undo_ids[i]];
        if (!ck_same(k->slot_tags[p], k->slot_values[p], t->undo_tags[i], t->undo_values[i])) return true;
    }
    return false;
}

static inline bool is_dirty(const ck_txn_t *t, uint32_t p) {
    return bit_test(t->written_bits, p) || bit_test(t->mark_bits, p);
}

/* The dirty paths (written or marked) with no proper prefix among them, ascending. */
static uint32_t compute_roots(ck_txn_t *t) {
    const uint32_t *parent = t->kernel->path_parent;
    uint32_t n = 0;
    if (t->log.undo_count + t->mark_count <= 64u) {
        /* few: insertion-sort the written paths and the marked ones not written */
        uint32_t sorted[64];
        uint32_t count = 0;
        for (uint32_t i = 0; i < t->log.undo_count + t->mark_count; i++) {
            const uint32_t v = i < t->log.undo_count ? t->undo_ids[i] : t->mark_ids[i - t->log.undo_count];
            if (i >= t->log.undo_count && bit_test(t->written_bits, v)) continue;
            uint32_t j = count++;
            while (j > 0 && sorted[j - 1] > v) { sorted[j] = sorted[j - 1]; j--; }
            sorted[j] = v;
        }
        for (uint32_t i = 0; i < count; i++) {
            uint32_t q = parent[sorted[i]];
            while (q != CK_NONE && !is_dirty(t, q)) q = parent[q];
            if (q == CK_NONE) t->roots[n++] = sorted[i];
        }
        return n;
    }
    for (uint32_t w = 0; w < t->words; w++) {
        uint64_t bits = t->written_bits[w] | t->mark_bits[w];
        while (bits != 0) {
            const uint32_t id = w * 64u + (uint32_t)__builtin_ctzll(bits);
            bits &= bits - 1u;
            uint32_t q = parent[id];
            while (q != CK_NONE && !is_dirty(t, q)) q = parent[q];
            if (q == CK_NONE) t->roots[n++] = id;
        }
    }
    return n;
}

static uint32_t fnv1a(const uint32_t *ids, uint32_t n) {
    uint32_t h = 2166136261u;
    for (uint32_t i = 0; i < n; i++) {
        h ^= ids[i];
        h *= 16777619u;
    }
    return h;
}

/* Settles a PLAN_ONLY transaction's timing sample with the host's execution time. */
static void settle_pending(ck_txn_t *t, uint64_t host_exec_ns) {
    if (host_exec_ns > 0) {
        if (t->pending_converge)
            ck_auto_record_converge(&t->autom, t->pending_is_full, t->pending_converge_ns + host_exec_ns, t->pending_roots);
        if (t->pending_full_sample) ck_auto_record_full(&t->autom, t->pending_full_ns + host_exec_ns);
    }
    t->pending_converge = false;
    t->pending_full_sample = false;
}

static void finish(ck_txn_t *t) {
    t->log.count = 0;
    t->log.direct = 0;
    t->log.dirty_all = CK_DIRTY_ALL_NONE;
    t->open = false; /* tracking stays readable (written_bits) and abortable until the next write */
}

ck_status_t ck_txn_commit(ck_txn_t *t, const ck_txn_request_t *req, ck_txn_result_t *r, ck_error_t *error) {
    if (t == NULL || req == NULL || r == NULL) return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    if (req->mode > CK_TXN_DIRTY) return ck_fail(error, CK_ERR_BAD_MODE, CK_TABLE_NONE, 0, req->mode);
    ck_status_t st = apply_log(t, error);
    if (st != CK_OK) return st;
    ck_kernel_t *k = t->kernel;
    ck_auto_t *a = &t->autom;
    const bool plan_only = (req->flags & CK_TXN_PLAN_ONLY) != 0;
    const bool is_auto = req->mode == CK_TXN_AUTO;
    settle_pending(t, req->host_exec_ns);

    memset(r, 0, sizeof *r);
    r->failed_step = UINT32_MAX;
    r->top_roots[0] = r->top_roots[1] = r->top_roots[2] = UINT32_MAX;
    r->inline_enabled = a->inline_enabled;
    r->lru_enabled = a->lru_enabled;
    r->plan = t->plan;
    r->dirty_all = t->log.dirty_all;
    r->log_entries = (uint32_t)(t->log.op_seq - t->op_seq_base) + t->marks_applied; /* writes + marks */
    if (t->log.undo_count + t->mark_count == 0 && t->log.dirty_all == CK_DIRTY_ALL_NONE) {
        r->committed = reducer_changed(t);
        finish(t);
        return CK_OK; /* nothing written or marked: no converge */
    }
    r->converged = 1;
    if (req->flags & CK_TXN_OVERRIDE) r->reasons |= CK_REASON_MODULE_OVERRIDE;
    const uint32_t dirty_all = t->log.dirty_all;
    const uint32_t nroots = dirty_all == CK_DIRTY_ALL_NONE ? compute_roots(t) : 0u;
    const uint32_t key = dirty_all == CK_DIRTY_ALL_NONE ? fnv1a(t->roots, nroots) : 0u;
    r->dirty_roots = nroots;
    for (uint32_t i = 0; i < 3u && i < nroots; i++) r->top_roots[i] = t->roots[i];

    /* auto transactions are timed when sampled (decision time, the cost model) */
    const uint64_t decision_start = is_auto && ck_auto_times_next(a, nroots) ? ck_now_ns() : 0u;
    ck_decision_t d = {CK_DECIDE_FULL, NULL, 0};
    if (req->mode == CK_TXN_DIRTY) d.kind = CK_DECIDE_PLAN;
    else if (is_auto) d = ck_auto_decide(a, t->roots, nroots, key, dirty_all, t->scope_len, &r->reasons);
    r->cache_hit = (r->reasons & CK_REASON_CACHE_HIT) != 0;
    r->inline_enabled = a->inline_enabled;
    r->lru_enabled = a->lru_enabled;
    if (t->scope_len == 0) {
        r->committed = reducer_changed(t);
        finish(t);
        return CK_OK; /* an empty scope: nothing to run */
    }

    const uint64_t full_start = is_auto && ck_auto_measures_full(a) ? ck_now_ns() : 0u;
    const uint32_t *plan = k->scope_list[t->scope];
    uint32_t len = t->scope_len;
    uint64_t plan_start = 0, decided = 0;
    r->executed_mode = CK_EXECUTED_FULL;
    if (d.kind == CK_DECIDE_CACHED) {
        plan = ck_plan_cache_plan(d.cache, d.entry, &len);
        r->executed_mode = CK_EXECUTED_DIRTY;
    } else if (d.kind == CK_DECIDE_PLAN) {
        /* planning is timed (the decision budget) when it can be long: graphs of 32 steps or more;
           a sampled transaction is timed from the decision's start */
        plan_start = decision_start != 0 ? decision_start
                     : is_auto && k->step_count >= 32u && a->policy.decision_budget_ns > 0 ? ck_now_ns() : 0u;
        ck_plan_result_t pr;
        st = ck_kernel_plan(k, t->roots, nroots, CK_MODE_DIRTY, t->scope,
                            dirty_all != CK_DIRTY_ALL_NONE ? CK_PLAN_DIRTY_ALL : 0u, t->plan, k->step_count > 0 ? k->step_count : 1u,
                            &pr, error);
        if (st != CK_OK) return st; /* cannot happen: ids and capacity are the kernel's own */
        plan = t->plan;
        len = pr.step_count;
        r->executed_mode = CK_EXECUTED_DIRTY;
        if (is_auto) {
            if (plan_start != 0) decided = ck_now_ns();
            const uint64_t plan_ns = decided - plan_start;
            if (plan_start != 0 && k->step_count >= 32u && a->policy.decision_budget_ns > 0 && plan_ns > a->policy.decision_budget_ns) {
                r->reasons |= CK_REASON_BUDGET_CUTOFF;
                plan = k->scope_list[t->scope];
                len = t->scope_len;
                r->executed_mode = CK_EXECUTED_FULL;
            } else if (a->policy.near_full_plan_ratio > 0.0 && (double)len >= a->policy.near_full_plan_ratio * (double)t->scope_len) {
                r->reasons |= CK_REASON_NEAR_FULL;
                plan = k->scope_list[t->scope];
                len = t->scope_len;
                r->executed_mode = CK_EXECUTED_FULL;
            } else if (d.cache != NULL) {
                ck_plan_cache_store(d.cache, key, t->roots, nroots, plan, len);
            }
        }
    }
    /* decision time: measured on sampled transactions (from the decision's start) and on timed
       plans (from the plan's start); 0 when not measured */
    if (is_auto && decision_start != 0) {
        if (decided == 0) decided = ck_now_ns();
        r->decision_ns = decided - decision_start;
    } else if (is_auto && plan_start != 0) {
        r->decision_ns = decided - plan_start;
    }
    r->plan = plan;
    r->plan_len = len;
    const bool ran_full = r->executed_mode == CK_EXECUTED_FULL;
#ifdef CK_GATE_SPIN
    if (t->spin_per_txn != 0u || t->spin_per_step != 0u)
        gate_spin((uint64_t)t->spin_per_txn + (uint64_t)t->spin_per_step * len);
#endif

    if (plan_only) {
        /* L1: the host executes; its time completes this transaction's samples at the next commit */
        r->committed = reducer_changed(t);
        const uint64_t now = (is_auto && decision_start != 0 && ck_auto_samples_converge(a)) || (ran_full && full_start != 0) ? ck_now_ns() : 0u;
        if (is_auto && decision_start != 0 && ck_auto_samples_converge(a)) {
            t->pending_converge = true;
            t->pending_is_full = ran_full;
            t->pending_roots = nroots;
            t->pending_converge_ns = now - decision_start;
        }
        if (ran_full && full_start != 0) {
            t->pending_full_sample = true;
            t->pending_full_ns = now - full_start;
        }
        r->wants_exec_ns = t->pending_converge || t->pending_full_sample;
        finish(t);
        return CK_OK;
    }

    ck_exec_options_t eo;
    ck_exec_options_init(&eo);
    eo.host_steps = t->host_steps;
    eo.host_context = t->host_context;
    eo.budget_ns = t->budget_ns;
    eo.vm_flags = t->vm_flags;
    ck_trace_t *trace = t->trace;
    const bool traced = trace != NULL && trace->level != CK_TRACE_OFF;
    eo.trace = traced ? trace : NULL;
    st = ck_exec_check_host(k, plan, len, &eo, error);
    if (st != CK_OK) return st;
    if (traced) trace->op_seq = t->log.op_seq;
    ck_exec_result_t er;
    er.switched = CK_SWITCH_NONE;
    er.plan_ns = 0;
    ck_exec_checked(k, plan, len, &eo, &er);
    t->log.op_seq = traced ? trace->op_seq : t->log.op_seq + er.changed_steps;
    r->outcome = er.outcome;
    r->failed_step = er.failed_step;
    r->executed_steps = er.executed_steps;
    r->changed_steps = er.changed_steps;
    r->host_calls = er.host_calls;
    r->vm_steps = er.vm_steps;

    if (er.outcome == CK_OUTCOME_HOST_ABORT || er.outcome == CK_OUTCOME_BAD_VALUE) {
        /* a configuration error aborts the whole transaction: the reducer's writes too */
        undo_reducer(t);
        r->aborted = 1;
        finish(t);
        return CK_OK;
    }
    bool derived_changed = false;
    if (er.outcome == CK_OUTCOME_OK) {
        for (uint32_t i = 0; i < k->undo_count; i++) {
            if (!bit_test(t->written_bits, k->undo_paths[i])) { derived_changed = true; break; }
        }
        if (is_auto && decision_start != 0 && ck_auto_samples_converge(a))
            ck_auto_record_converge(a, ran_full, ck_now_ns() - decision_start, nroots);
        if (ran_full && full_start != 0) ck_auto_record_full(a, ck_now_ns() - full_start);
    }
    r->committed = derived_changed || reducer_changed(t);
    finish(t);
    return CK_OK;
}
