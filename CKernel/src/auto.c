/* auto.c — auto mode's decision (semantics §6, docs/transactions.md "Auto mode"): cold start,
   the near-full root ratios, dirtyAll, fast full, the cost model, the inline cache with two-hit
   admission and the LRU cache with their self-disabling rules; and the plan caches. The rules
   after planning (plan coverage, decision budget) are in txn.c. */
#include "ck_txn.h"

#include <string.h>

void ck_auto_policy_init(ck_auto_policy_t *p, int logix) {
    if (p == NULL) return;
    memset(p, 0, sizeof *p);
    static const uint32_t from[4] = {0, 512, 1024, 1536};
    static const double ratio[4] = {0.9, 0.75, 0.7, 0.65};
    p->near_full_rule_count = 4;
    for (int i = 0; i < 4; i++) {
        p->near_full_from_steps[i] = from[i];
        p->near_full_root_ratio[i] = ratio[i];
    }
    p->near_full_plan_ratio = 0.9;
    p->fast_full_max_ns = logix ? 600000.0 : 0.0;
    p->full_ewma_alpha = 0.2;
    p->decision_budget_ns = 500000u;
    p->inline_max_roots = 64;
    p->inline_max_plan = 256;
    p->inline_off_after_skips = 32;
    p->inline_off_max_computes = 2;
    p->lru_capacity = 128;
    p->lru_max_roots = 128;
    p->lru_max_root_ratio = 0.5;
    p->lru_min_hit_rate = 0.01;
    p->lru_max_plan = 2048;
    p->cost_model = logix ? 0u : 1u;
    p->cost_probe_interval = 64;
    p->cost_probe_max_interval = 4096;
}

/* ---------------------------------------------------------------- plan caches */

void ck_plan_cache_init(ck_plan_cache_t *c, ck_carver_t *carver, uint32_t capacity, uint32_t max_roots,
                        uint32_t max_plan) {
    c->capacity = capacity;
    c->max_roots = max_roots;
    c->max_plan = max_plan;
    const size_t cap = capacity > 0 ? capacity : 1u;
    c->key_hash = ck_carve(carver, cap * 4u);
    c->root_count = ck_carve(carver, cap * 4u);
    c->last_use = ck_carve(carver, cap * 8u);
    c->plan_len = ck_carve(carver, cap * 4u);
    c->roots = ck_carve(carver, cap * (size_t)(max_roots > 0 ? max_roots : 1u) * 4u);
    c->plans = ck_carve(carver, cap * (size_t)(max_plan > 0 ? max_plan : 1u) * 4u);
    c->tick = 0;
    if (c->root_count != NULL) {
        ck_plan_cache_clear(c);
        memset(c->last_use, 0, cap * 8u);
    }
}

void ck_plan_cache_clear(ck_plan_cache_t *c) {
    for (uint32_t i = 0; i < c->capacity; i++) c->root_count[i] = -1;
}

/* The entry holding exactly these roots, or -1. A hit refreshes its recency. */
static int64_t cache_find(ck_plan_cache_t *c, uint32_t key, const uint32_t *ids, uint32_t n) {
    for (uint32_t i = 0; i < c->capacity; i++) {
        if (c->root_count[i] != (int32_t)n || c->key_hash[i] != key) continue;
        const uint32_t *base = c->roots + (size_t)i * c->max_roots;
        uint32_t j = 0;
        while (j < n && base[j] == ids[j]) j++; /* (a loop: the sets are small, a memcmp call costs more) */
        if (j < n) continue;
        c->last_use[i] = ++c->tick;
        return i;
    }
    return -1;
}

bool ck_plan_cache_store(ck_plan_cache_t *c, uint32_t key, const uint32_t *ids, uint32_t n, const uint32_t *plan,
                         uint32_t len) {
    if (c->capacity == 0 || n > c->max_roots || len > c->max_plan) return false;
    uint32_t victim = 0;
    for (uint32_t i = 0; i < c->capacity; i++) {
        if (c->root_count[i] < 0) { victim = i; break; }
        if (c->last_use[i] < c->last_use[victim]) victim = i;
    }
    c->key_hash[victim] = key;
    c->root_count[victim] = (int32_t)n;
    if (n > 0) memcpy(c->roots + (size_t)victim * c->max_roots, ids, (size_t)n * 4u);
    c->plan_len[victim] = len;
    if (len > 0) memcpy(c->plans + (size_t)victim * c->max_plan, plan, (size_t)len * 4u);
    c->last_use[victim] = ++c->tick;
    return true;
}

/* ---------------------------------------------------------------- decider */

static uint32_t min_u32(uint32_t a, uint32_t b) { return a < b ? a : b; }
static uint64_t max_u64(uint64_t a, uint64_t b) { return a > b ? a : b; }

void ck_auto_init(ck_auto_t *a, ck_carver_t *carver, const ck_auto_policy_t *policy, uint32_t step_count) {
    if (carver->base != NULL) {
        memset(a, 0, sizeof *a);
        a->policy = *policy;
        a->seen_n[0] = a->seen_n[1] = -1;
        a->inline_enabled = true;
        a->lru_enabled = true;
        a->full_min_ns = UINT64_MAX;
        a->probe_interval = policy->cost_probe_interval > 0 ? policy->cost_probe_interval : 1u;
    }
    ck_plan_cache_init(&a->inline_cache, carver, 2, policy->inline_max_roots, min_u32(policy->inline_max_plan, step_count));
    ck_plan_cache_init(&a->lru, carver, policy->lru_capacity, policy->lru_max_roots, min_u32(policy->lru_max_plan, step_count));
}

void ck_auto_bump_generation(ck_auto_t *a) {
    ck_plan_cache_clear(&a->inline_cache);
    ck_plan_cache_clear(&a->lru);
    a->seen_key[0] = a->seen_key[1] = 0;
    a->seen_n[0] = a->seen_n[1] = -1;
    a->inline_enabled = true;
    a->inline_skips = 0;
    a->inline_computes = 0;
    a->lru_enabled = true;
    a->lru_lookups = 0;
    a->lru_hits = 0;
    a->generation_bumped = true;
}

bool ck_auto_measures_full(const ck_auto_t *a) { return a->policy.fast_full_max_ns > 0.0; }

void ck_auto_record_full(ck_auto_t *a, uint64_t ns) {
    if (ns < a->full_min_ns) a->full_min_ns = ns;
    const double alpha = a->policy.full_ewma_alpha;
    a->full_ewma_ns = a->full_samples == 0 ? (double)ns : alpha * (double)ns + (1.0 - alpha) * a->full_ewma_ns;
    a->full_samples++;
}

/* The near-full root ratio for a scope of `steps` steps. */
static double root_ratio(const ck_auto_policy_t *p, uint32_t steps) {
    double r = 0.9;
    for (uint32_t i = 0; i < p->near_full_rule_count; i++)
        if (steps >= p->near_full_from_steps[i]) r = p->near_full_root_ratio[i];
    return r;
}

/* The cold start, every 8th decision, dirty sets of 32 roots or more (whose planning the
   decision budget watches anyway) and the decisions that will be cost-model probes are timed from
   the decision's start. A probe is predicted as decide() will take it: the mode not preferred,
   once its interval has passed — full only while it could be competitive (so a steady dirty
   workload whose full run can never win is not timed on every transaction). */
bool ck_auto_times_next(const ck_auto_t *a, uint32_t roots) {
    const uint64_t d = a->decisions;
    if (d == 0 || (d & 7u) == 0 || roots >= 32u) return true;
    if (!a->policy.cost_model) return false;
    const bool measured = a->cost_full_samples > 0 && a->cost_dirty_samples > 0;
    const bool prefer = measured && (double)roots * a->cost_dirty_ns_per_root >= a->cost_full_ns;
    const uint64_t interval = prefer != a->prefer_full ? a->policy.cost_probe_interval : a->probe_interval;
    if (prefer) return a->since_dirty + 1u >= interval;
    return a->since_full + 1u >= interval
           && (a->cost_full_samples == 0 || (double)roots * a->cost_dirty_ns_per_root * 4.0 >= a->cost_full_ns);
}

bool ck_auto_samples_converge(const ck_auto_t *a) { return a->policy.cost_model && a->decisions > 1u; }

static double window_min(const double *w, uint64_t samples) {
    double m = __builtin_inf();
    for (uint64_t i = 0; i < samples && i < 8u; i++)
        if (w[i] < m) m = w[i];
    return m;
}

/* Each side keeps its last 8 samples; the estimate is their minimum (a preempted or cold sample
   cannot inflate it: this machine's noise is one-sided). */
void ck_auto_record_converge(ck_auto_t *a, bool full, uint64_t ns, uint32_t roots) {
    if (full) {
        a->window[a->cost_full_samples & 7u] = (double)ns;
        a->cost_full_samples++;
        a->cost_full_ns = window_min(a->window, a->cost_full_samples);
        a->since_full = 0;
    } else if (roots > 0) {
        a->since_dirty = 0;
        a->window[8u + (a->cost_dirty_samples & 7u)] = (double)ns / (double)roots;
        a->cost_dirty_samples++;
        a->cost_dirty_ns_per_root = window_min(a->window + 8, a->cost_dirty_samples);
    }
}

/* The cost model's preference (false until both modes have been measured). */
static bool cost_prefers_full(ck_auto_t *a, uint32_t n) {
    if (a->cost_full_samples == 0 || a->cost_dirty_samples == 0) return false;
    const bool prefer = (double)n * a->cost_dirty_ns_per_root >= a->cost_full_ns;
    if (prefer != a->prefer_full) {
        a->prefer_full = prefer;
        a->probe_interval = a->policy.cost_probe_interval;
    }
    return prefer;
}

static ck_decision_t full(uint32_t *reasons, uint32_t reason) {
    *reasons |= reason;
    return (ck_decision_t){CK_DECIDE_FULL, NULL, 0};
}

static uint64_t doubled_interval(const ck_auto_t *a) {
    uint64_t next = a->probe_interval * 2u;
    return next < a->policy.cost_probe_max_interval ? next : a->policy.cost_probe_max_interval;
}

static ck_decision_t decide(ck_auto_t *a, const uint32_t *roots, uint32_t n, uint32_t key, uint32_t dirty_all,
                            uint32_t scope_steps, uint32_t *reasons) {
    const ck_auto_policy_t *p = &a->policy;
    if (a->generation_bumped) {
        *reasons |= CK_REASON_GENERATION_BUMPED;
        a->generation_bumped = false;
    }
    if (a->decisions == 0) return full(reasons, CK_REASON_COLD_START);
    if (scope_steps <= 2u) return full(reasons, CK_REASON_NEAR_FULL);
    if (dirty_all != CK_DIRTY_ALL_NONE)
        return full(reasons, dirty_all == CK_DIRTY_ALL_UNKNOWN_WRITE ? CK_REASON_UNKNOWN_WRITE : CK_REASON_DIRTY_ALL);
    if ((double)n >= root_ratio(p, scope_steps) * (double)scope_steps) return full(reasons, CK_REASON_NEAR_FULL);
    if (a->full_samples > 0) {
        const uint64_t ewma = (uint64_t)a->full_ewma_ns;
        if ((double)(a->full_min_ns < ewma ? a->full_min_ns : ewma) <= p->fast_full_max_ns)
            return full(reasons, CK_REASON_FAST_FULL);
    }
    if (p->cost_model) {
        a->since_full++;
        a->since_dirty++;
        if (cost_prefers_full(a, n)) {
            /* re-measure dirty now and then (backing off), or one bad sample would stick */
            if (a->since_dirty < a->probe_interval) return full(reasons, CK_REASON_NEAR_FULL);
            a->probe_interval = doubled_interval(a);
        } else if (a->since_full >= a->probe_interval
                   && (a->cost_full_samples == 0 || (double)n * a->cost_dirty_ns_per_root * 4.0 >= a->cost_full_ns)) {
            /* re-measure full (only while it could be competitive) */
            a->probe_interval = doubled_interval(a);
            return full(reasons, CK_REASON_NEAR_FULL);
        }
    }
    if (a->inline_enabled && n <= p->inline_max_roots) {
        const int64_t e = cache_find(&a->inline_cache, key, roots, n);
        if (e >= 0) {
            *reasons |= CK_REASON_CACHE_HIT;
            return (ck_decision_t){CK_DECIDE_CACHED, &a->inline_cache, (uint32_t)e};
        }
        if ((a->seen_key[0] == key && a->seen_n[0] == (int64_t)n) || (a->seen_key[1] == key && a->seen_n[1] == (int64_t)n)) {
            a->inline_computes++;
            *reasons |= CK_REASON_INLINE_DIRTY;
            return (ck_decision_t){CK_DECIDE_PLAN, &a->inline_cache, 0};
        }
        a->seen_key[a->seen_next] = key;
        a->seen_n[a->seen_next] = n;
        a->seen_next ^= 1u;
        a->inline_skips++;
        if (a->inline_skips >= p->inline_off_after_skips && a->inline_computes <= p->inline_off_max_computes)
            a->inline_enabled = false;
        return full(reasons, CK_REASON_LOW_HIT_RATE);
    }
    if (a->lru_enabled && n <= p->lru_max_roots && (double)n <= p->lru_max_root_ratio * (double)scope_steps) {
        a->lru_lookups++;
        const int64_t e = cache_find(&a->lru, key, roots, n);
        if (e >= 0) a->lru_hits++;
        if (a->lru_lookups >= max_u64(64u, (uint64_t)p->lru_capacity + 1u)
            && (double)a->lru_hits <= p->lru_min_hit_rate * (double)a->lru_lookups)
            a->lru_enabled = false;
        if (e >= 0) {
            *reasons |= CK_REASON_CACHE_HIT;
            return (ck_decision_t){CK_DECIDE_CACHED, &a->lru, (uint32_t)e};
        }
        *reasons |= CK_REASON_CACHE_MISS;
        return (ck_decision_t){CK_DECIDE_PLAN, a->lru_enabled ? &a->lru : NULL, 0};
    }
    *reasons |= CK_REASON_CACHE_MISS;
    return (ck_decision_t){CK_DECIDE_PLAN, NULL, 0};
}

ck_decision_t ck_auto_decide(ck_auto_t *a, const uint32_t *roots, uint32_t n, uint32_t key, uint32_t dirty_all,
                             uint32_t scope_steps, uint32_t *reasons) {
    ck_decision_t d = decide(a, roots, n, key, dirty_all, scope_steps, reasons);
    a->decisions++;
    return d;
}
