/* Private declarations of the transaction core (txn.c) and auto mode (auto.c). */
#ifndef CK_TXN_H
#define CK_TXN_H

#include "ck_internal.h"

/* A fixed-capacity plan cache keyed by a dirty-root set (FNV-1a key, size, ids); memory
   allocated once; least-recently-used replacement. */
typedef struct ck_plan_cache {
    uint32_t capacity;
    uint32_t max_roots;
    uint32_t max_plan;
    uint32_t *key_hash;         /* [capacity] */
    int32_t *root_count;        /* [capacity], -1 = empty */
    uint64_t *last_use;         /* [capacity] */
    uint32_t *roots;            /* [capacity * max_roots] */
    uint32_t *plan_len;         /* [capacity] */
    uint32_t *plans;            /* [capacity * max_plan] */
    uint64_t tick;
} ck_plan_cache_t;

/* What auto mode decided before planning. */
typedef enum ck_decision_kind { CK_DECIDE_FULL, CK_DECIDE_CACHED, CK_DECIDE_PLAN } ck_decision_kind_t;
typedef struct ck_decision {
    ck_decision_kind_t kind;
    ck_plan_cache_t *cache;     /* CACHED: the cache holding the plan; PLAN: where to store it (or NULL) */
    uint32_t entry;             /* CACHED */
} ck_decision_t;

/* Auto mode's state (semantics §6, and the cost model of AutoPolicy). */
typedef struct ck_auto {
    ck_auto_policy_t policy;
    ck_plan_cache_t inline_cache;
    ck_plan_cache_t lru;
    uint32_t seen_key[2];
    int64_t seen_n[2];          /* -1: no key seen */
    uint32_t seen_next;
    bool inline_enabled;
    bool lru_enabled;
    bool generation_bumped;
    bool prefer_full;
    uint64_t inline_skips;
    uint64_t inline_computes;
    uint64_t lru_lookups;
    uint64_t lru_hits;
    uint64_t decisions;
    uint64_t full_min_ns;
    double full_ewma_ns;
    uint64_t full_samples;
    double cost_full_ns;        /* the minimum of the last 8 full converges */
    uint64_t cost_full_samples;
    double cost_dirty_ns_per_root;
    uint64_t cost_dirty_samples;
    uint64_t since_full;
    uint64_t since_dirty;
    uint64_t probe_interval;
    double window[16];          /* [0, 8) full ns, [8, 16) dirty ns per root */
} ck_auto_t;

/* auto.c */
size_t ck_plan_cache_bytes(uint32_t capacity, uint32_t max_roots, uint32_t max_plan);
void ck_plan_cache_init(ck_plan_cache_t *c, ck_carver_t *carver, uint32_t capacity, uint32_t max_roots, uint32_t max_plan);
void ck_plan_cache_clear(ck_plan_cache_t *c);
/* stores a plan (false when the roots or the plan do not fit) */
bool ck_plan_cache_store(ck_plan_cache_t *c, uint32_t key, const uint32_t *ids, uint32_t n, const uint32_t *plan, uint32_t len);
static inline const uint32_t *ck_plan_cache_plan(const ck_plan_cache_t *c, uint32_t entry, uint32_t *len) {
    *len = c->plan_len[entry];
    return c->plans + (size_t)entry * c->max_plan;
}

/* sizes (carver dry run) and wires the caches; resets the state */
void ck_auto_init(ck_auto_t *a, ck_carver_t *carver, const ck_auto_policy_t *policy, uint32_t step_count);
void ck_auto_bump_generation(ck_auto_t *a);
bool ck_auto_times_next(const ck_auto_t *a, uint32_t roots);
bool ck_auto_samples_converge(const ck_auto_t *a);
bool ck_auto_measures_full(const ck_auto_t *a);
void ck_auto_record_full(ck_auto_t *a, uint64_t ns);
void ck_auto_record_converge(ck_auto_t *a, bool full, uint64_t ns, uint32_t roots);
ck_decision_t ck_auto_decide(ck_auto_t *a, const uint32_t *roots, uint32_t n, uint32_t key, uint32_t dirty_all,
                             uint32_t scope_steps, uint32_t *reasons);

/* exec.c: executes a plan known to be valid (ascending ids in range, a callback where needed) */
void ck_exec_checked(ck_kernel_t *k, const uint32_t *plan, uint32_t n, const ck_exec_options_t *options,
                     ck_exec_result_t *result);
/* exec.c: CK_ERR_NO_HOST_STEP when a computed step without bytecode is planned and no callback is set */
ck_status_t ck_exec_check_host(const ck_kernel_t *k, const uint32_t *plan, uint32_t n,
                               const ck_exec_options_t *options, ck_error_t *error);

#endif
