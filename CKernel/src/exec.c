/* exec.c — the state store and L2 execution: ck_kernel_execute walks a plan over the tagged
   slots (links in C, computed steps through one host callback each), with an undo log for
   rollback, a budget checked every 32 steps, and optional per-step / patch records;
   ck_kernel_commit is plan + execute in one call. */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */
#include "ck_vm.h"
#include "ck_txn.h"

#include <stdlib.h>
#include <string.h>
#if defined(__wasm__)
/* wasm32 has no clock of its own: the host supplies one (import env.ckw_now_ns, nanoseconds as a
   double; docs/kernel-abi.md, "WebAssembly"). It is read only for budgets and timed records. */
__attribute__((import_module("env"), import_name("ckw_now_ns"))) double ckw_host_now_ns(void);

uint64_t ck_now_ns(void) {
    double ns = ckw_host_now_ns();
    return ns > 0.0 ? (uint64_t)ns : 0u;
}
#else
#include <time.h>

uint64_t ck_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}
#endif

/* The clock the execution budget reads every 32 steps: a budget of 10 ms or more (the default is
   200 ms) reads CLOCK_MONOTONIC_COARSE (a few ns, millisecond resolution) instead of the precise
   clock (tens of ns in a VM). */
#define CK_COARSE_BUDGET_NS 10000000u

/* A fused run's full lane blocks go in one batch of up to this many steps (one budget check). */
#define CK_FUSED_BATCH_STEPS 2048u
static inline uint64_t budget_now(uint64_t budget) {
#if defined(CLOCK_MONOTONIC_COARSE) && !defined(__wasm__)
    if (budget >= CK_COARSE_BUDGET_NS) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
        return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
    }
#endif
    (void)budget;
    return ck_now_ns();
}

ck_status_t ck_kernel_state(ck_kernel_t *k, ck_state_view_t *out) {
    if (k == NULL || out == NULL) return CK_ERR_NULL_ARGUMENT;
    out->tags = k->slot_tags;
    out->values = k->slot_values;
    out->slot_count = k->path_count;
    out->slot_of_path = k->slot_of_path;
    return CK_OK;
}

static inline uint64_t bits_of(double d) {
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

int ck_same_value(uint8_t ta, double a, uint8_t tb, double b) { return ck_same(ta, a, tb, b); }

void ck_exec_options_init(ck_exec_options_t *o) {
    if (o != NULL) memset(o, 0, sizeof *o);
}

const uint32_t *ck_kernel_last_writes(const ck_kernel_t *k, uint32_t *count) {
    if (k == NULL) {
        if (count != NULL) *count = 0;
        return NULL;
    }
    if (count != NULL) *count = k->undo_count;
    return k->undo_paths;
}

static void rollback(ck_kernel_t *k, uint32_t writes) {
    for (uint32_t i = writes; i-- > 0;) {
        uint32_t p = k->slot_of_path[k->undo_paths[i]];
        k->slot_tags[p] = k->undo_tags[i];
        k->slot_values[p] = k->undo_values[i];
    }
}

ck_status_t ck_build_barriers(ck_kernel_t *k, ck_error_t *error) {
    uint32_t *last_writer = malloc(((size_t)k->path_count + 1u) * sizeof *last_writer);
    if (last_writer == NULL) return ck_fail(error, CK_ERR_OUT_OF_MEMORY, CK_TABLE_NONE, 0, k->path_count);
    for (uint32_t p = 0; p < k->path_count; p++) last_writer[p] = CK_NONE;
    for (uint32_t s = 0; s < k->step_count; s++) {
        uint32_t barrier = CK_NONE;
        for (uint32_t j = k->dep_offsets[s]; j < k->dep_offsets[s + 1]; j++) {
            uint32_t w = last_writer[k->dep_paths[j]];
            if (w != CK_NONE && (barrier == CK_NONE || w > barrier)) barrier = w;
        }
        k->step_barrier[s] = barrier;
        last_writer[k->step_out_path[s]] = s;
    }
    free(last_writer);
    return CK_OK;
}

/* Checks a plan before anything runs: ids in range and ascending (so each out is written at most
   once and the undo log cannot overflow), a host callback when a computed step without bytecode
   is planned. */
static ck_status_t check_plan(const ck_kernel_t *k, const uint32_t *plan, uint32_t n,
                              const ck_exec_options_t *o, ck_error_t *error) {
    uint32_t prev = 0;
    bool computed = false;
    for (uint32_t i = 0; i < n; i++) {
        uint32_t s = plan[i];
        if (s >= k->step_count || (i > 0 && s <= prev))
            return ck_fail(error, CK_ERR_UNKNOWN_STEP_ID, CK_TABLE_NONE, i, s);
        prev = s;
        computed |= (k->step_flags[s] & CK_STEP_LINK) == 0 && !ck_vm_compiled(k, s);
    }
    if (computed && o->host_steps == NULL) {
        for (uint32_t i = 0; i < n; i++)
            if ((k->step_flags[plan[i]] & CK_STEP_LINK) == 0 && !ck_vm_compiled(k, plan[i]))
                return ck_fail(error, CK_ERR_NO_HOST_STEP, CK_TABLE_NONE, i, plan[i]);
    }
    return CK_OK;
}

ck_status_t ck_exec_check_host(const ck_kernel_t *k, const uint32_t *plan, uint32_t n,
                               const ck_exec_options_t *o, ck_error_t *error) {
    return o->host_steps != NULL ? CK_OK : check_plan(k, plan, n, o, error);
}

/* Writes one step's result: nothing when it is the same value (Object.is), else logged for
   rollback and, with patch tracing, recorded. Returns 1 when it wrote. */
static inline __attribute__((always_inline)) int apply(ck_kernel_t *restrict k, uint32_t s, uint8_t tag, double value, bool link,
                        uint32_t *restrict writes, ck_trace_t *restrict trace, const bool TRACE) {
    uint8_t *restrict tags = k->slot_tags;
    double *restrict values = k->slot_values;
    const uint32_t p = k->step_out_slot[s];
    if (ck_same(tags[p], values[p], tag, value)) return 0;
    const uint32_t w = (*writes)++;
    k->undo_paths[w] = k->step_out_path[s];
    k->undo_tags[w] = tags[p];
    k->undo_values[w] = values[p];
    if (TRACE) {
        if (trace->level >= CK_TRACE_PATCHES) {
            if (trace->patch_count < trace->patch_capacity) {
                ck_patch_record_t *pr = &trace->patches[trace->patch_count++];
                memset(pr, 0, sizeof *pr);
                pr->op_seq = trace->op_seq;
                pr->path_id = k->step_out_path[s];
                pr->step_id = s;
                pr->reason = link ? CK_PATCH_LINK : CK_PATCH_COMPUTED;
                pr->from_tag = tags[p];
                pr->from_value = values[p];
                pr->to_tag = tag;
                pr->to_value = value;
            } else {
                trace->patches_dropped++;
            }
        }
        trace->op_seq++;
    }
    tags[p] = tag;
    values[p] = value;
    return 1;
}

static inline void record_step(ck_trace_t *trace, uint32_t s, bool link, int changed, uint64_t t0) {
    if (trace->step_count < trace->step_capacity) {
        ck_step_record_t *sr = &trace->steps[trace->step_count++];
        sr->step_id = s;
        sr->kind = link ? 1u : 0u;
        sr->changed = changed ? 1u : 0u;
        sr->reserved = 0;
        sr->duration_ns = ck_now_ns() - t0;
    } else {
        trace->steps_dropped++;
    }
}

/* Applies the results of a VM lane batch (steps[0 … count)), in order. Returns the position of
   a step whose result has a tag beyond CK_TAG_NUMBER (a corrupt slot read by LDDEP), or count.
   The untraced path reads the slot pointers once (stores to the undo log cannot alias them) and
   skips unchanged lanes with one branch-free Object.is test. */
static inline __attribute__((always_inline)) uint32_t apply_lanes(ck_kernel_t *restrict k, const uint32_t *restrict steps,
                                                                  uint32_t count, uint32_t reg, uint32_t *restrict writes,
                                                                  ck_trace_t *restrict trace, const bool TRACE, uint64_t t0) {
    const uint8_t *restrict lt = k->lane_tags + (size_t)reg * CK_VM_LANES;
    const double *restrict lv = k->lane_values + (size_t)reg * CK_VM_LANES;
    if (TRACE) {
        for (uint32_t b = 0; b < count; b++) {
            if (lt[b] > CK_TAG_NUMBER) return b;
            int changed = apply(k, steps[b], lt[b], lv[b], false, writes, trace, TRACE);
            if (trace->level != CK_TRACE_OFF) record_step(trace, steps[b], false, changed, t0);
        }
        return count;
    }
    const uint32_t *restrict out_slot = k->step_out_slot;
    uint8_t *restrict tags = k->slot_tags;
    double *restrict values = k->slot_values;
    uint32_t *restrict undo_paths = k->undo_paths;
    uint8_t *restrict undo_tags = k->undo_tags;
    double *restrict undo_values = k->undo_values;
    uint32_t w = *writes;
    for (uint32_t b = 0; b < count; b++) {
        const uint8_t t = lt[b];
        const double v = lv[b];
        const uint32_t p = out_slot[steps[b]];
        const uint8_t ot = tags[p];
        const double ov = values[p];
        const uint64_t nb = bits_of(v), ob = bits_of(ov);
        /* Object.is: same tag, and numbers with the same bits or both NaN, booleans equal */
        const bool same = ot == t && t <= CK_TAG_NUMBER && (t < CK_TAG_BOOLEAN || (t == CK_TAG_BOOLEAN ? ov == v : (nb == ob || (v != v && ov != ov))));
        if (__builtin_expect(same, 1)) continue;
        if (t > CK_TAG_NUMBER) {
            *writes = w;
            return b;
        }
        undo_paths[w] = k->step_out_path[steps[b]];
        undo_tags[w] = ot;
        undo_values[w] = ov;
        w++;
        tags[p] = t;
        values[p] = v;
    }
    *writes = w;
    return count;
}

/* The loop. TRACE selects the instrumented variant at compile time, so the off path carries no
   per-step test of the trace level. Links run here; bytecode steps run in the VM — runs of
   same-shape steps as lane batches of up to CK_VM_LANES (one step at a time when TRACE or
   CK_VM_ONE_BY_ONE); runs of host steps go to the host in batches (one step per batch when
   TRACE, so each can be timed). The budget is checked before the first step at or past each
   multiple of 32 positions, and before a lane batch that reaches one. */
static inline __attribute__((always_inline)) void run_plan(ck_kernel_t *restrict k, const uint32_t *restrict plan, uint32_t n,
                            const ck_exec_options_t *restrict o, ck_exec_result_t *restrict r,
                            ck_trace_t *restrict trace, const bool TRACE) {
    const uint8_t *restrict flags = k->step_flags;
    const uint32_t *restrict dep_off = k->dep_offsets;
    const uint32_t *restrict deps = k->dep_paths;
    const uint32_t *restrict barrier = k->step_barrier;
    const uint64_t budget = o->budget_ns;
    const uint64_t start = budget && n > 32u ? budget_now(budget) : 0; /* no check happens in shorter plans */
    const bool vm = k->code_offsets != NULL;
    const bool lanes = vm && !TRACE && (o->vm_flags & CK_VM_ONE_BY_ONE) == 0;
    uint8_t out_tags[CK_HOST_BATCH_MAX];
    double out_values[CK_HOST_BATCH_MAX];
    uint32_t writes = 0, calls = 0, vm_steps = 0;
    uint32_t i = 0, next_check = 32u, checked_at = UINT32_MAX;
    while (i < n) {
        const uint32_t s = plan[i];
        if (budget && i >= next_check) {
            next_check = (i | 31u) + 1u;
            checked_at = i;
            if (budget_now(budget) - start > budget) {
                r->outcome = CK_OUTCOME_BUDGET_EXCEEDED;
                r->failed_step = s;
                break;
            }
        }
        const uint64_t t0 = TRACE ? ck_now_ns() : 0;
        if (flags[s] & CK_STEP_LINK) {
            uint8_t tag = CK_TAG_UNDEFINED;
            double value = 0.0;
            if (dep_off[s] < dep_off[s + 1]) {
                const uint32_t from = k->slot_of_path[deps[dep_off[s]]];
                tag = k->slot_tags[from];
                value = k->slot_values[from];
            }
            int changed = apply(k, s, tag, value, true, &writes, trace, TRACE);
            if (TRACE && trace->level != CK_TRACE_OFF) record_step(trace, s, true, changed, t0);
            i++;
            continue;
        }
        if (vm && ck_vm_compiled(k, s)) {
            if (lanes) {
                /* the planned steps of s's run: a contiguous plan (full mode) is one comparison */
                const uint32_t run_end = k->code_run_end[s];
                uint32_t limit = n - i < CK_VM_LANES ? n - i : CK_VM_LANES;
                uint32_t count;
                if (plan[i + limit - 1u] < run_end) {
                    count = limit; /* ascending: everything up to there is in the run */
                } else if (run_end - s <= limit && plan[i + (run_end - s) - 1u] == run_end - 1u) {
                    count = run_end - s;
                } else {
                    count = 1u;
                    while (count < limit && plan[i + count] < run_end) count++;
                }
                const bool fused = (k->code_out_col[s] & CK_COL_FUSED) != 0;
                /* a fused run's following full blocks join the batch, up to CK_FUSED_BATCH_STEPS
                   (the pipeline takes a few ns per step: a budget clock read per block would cost
                   more than the block where the clock is a host import, in wasm) */
                uint32_t total = count;
                if (fused && count == CK_VM_LANES) {
                    while (total < CK_FUSED_BATCH_STEPS && n - i - total >= CK_VM_LANES &&
                           plan[i + total + CK_VM_LANES - 1u] < run_end)
                        total += CK_VM_LANES; /* ascending: the whole block is in the run */
                }
                if (count > 1u) {
                    /* a batch reaching a budget check point is checked before it starts (once:
                       not again when the step-wise check just ran at this position) */
                    if (budget && i + total > next_check) {
                        next_check = ((i + total - 1u) | 31u) + 1u;
                        if (checked_at != i && budget_now(budget) - start > budget) {
                            r->outcome = CK_OUTCOME_BUDGET_EXCEEDED;
                            r->failed_step = s;
                            break;
                        }
                    }
                    uint32_t done;
                    if (fused) {
                        done = 0;
                        while (done < total) {
                            const uint32_t b = total - done < CK_VM_LANES ? total - done : CK_VM_LANES;
                            const uint32_t ok = k->vm_block(k, plan + i + done, b, &writes);
                            done += ok;
                            if (ok < b) break;
                        }
                        count = total;
                    } else {
                        const uint32_t reg = ck_vm_run_batch(k, plan + i, count);
                        done = apply_lanes(k, plan + i, count, reg, &writes, trace, TRACE, t0);
                    }
                    vm_steps += done;
                    if (done < count) {
                        r->outcome = CK_OUTCOME_BAD_VALUE;
                        r->failed_step = plan[i + done];
                        i += done + 1u;
                        break;
                    }
                    i += count;
                    continue;
                }
            }
            double value;
            const uint8_t tag = ck_vm_run(k, s, &value);
            if (tag > CK_TAG_NUMBER) {
                r->outcome = CK_OUTCOME_BAD_VALUE;
                r->failed_step = s;
                i++;
                break;
            }
            int changed = apply(k, s, tag, value, false, &writes, trace, TRACE);
            if (TRACE && trace->level != CK_TRACE_OFF) record_step(trace, s, false, changed, t0);
            vm_steps++;
            i++;
            continue;
        }
        /* a batch of host steps: up to the next multiple of 32, no link, no bytecode step, no step
           reading what an earlier step of the batch writes */
        uint32_t end = TRACE ? i + 1u : (i | 31u) + 1u;
        if (end > n) end = n;
        uint32_t j = i + 1u;
        while (j < end) {
            const uint32_t t = plan[j];
            if ((flags[t] & CK_STEP_LINK) || (vm && ck_vm_compiled(k, t)) || (barrier[t] != CK_NONE && barrier[t] >= s)) break;
            j++;
        }
        const uint32_t count = j - i;
        uint32_t completed = count;
        calls++;
        int hs = o->host_steps(o->host_context, plan + i, count, out_tags, out_values, &completed);
        if (hs != CK_HOST_OK && completed >= count) completed = count - 1u;
        uint32_t done = hs == CK_HOST_OK ? count : completed;
        for (uint32_t b = 0; b < done; b++) {
            const uint32_t t = plan[i + b];
            uint8_t tag = out_tags[b];
            double value = out_values[b];
            if (tag > CK_TAG_NUMBER) {
                r->outcome = CK_OUTCOME_BAD_VALUE;
                r->failed_step = t;
                i += b + 1u;
                goto stop;
            }
            if (tag == CK_TAG_BOOLEAN) value = value != 0.0 ? 1.0 : 0.0;
            else if (tag != CK_TAG_NUMBER) value = 0.0;
            int changed = apply(k, t, tag, value, false, &writes, trace, TRACE);
            if (TRACE && trace->level != CK_TRACE_OFF) record_step(trace, t, false, changed, t0);
        }
        if (hs != CK_HOST_OK) {
            r->outcome = hs == CK_HOST_THREW ? CK_OUTCOME_RUNTIME_ERROR : CK_OUTCOME_HOST_ABORT;
            r->failed_step = plan[i + done];
            i += done + 1u;
            break;
        }
        i = j;
    }
stop:
    r->executed_steps = i;
    r->host_calls = calls;
    r->vm_steps = vm_steps;
    r->changed_steps = writes;
    k->undo_count = writes;
}

static ck_status_t check_trace(const ck_trace_t *trace, ck_error_t *error) {
    if (trace != NULL && trace->level != CK_TRACE_OFF &&
        ((trace->step_capacity > 0 && trace->steps == NULL) || (trace->patch_capacity > 0 && trace->patches == NULL)))
        return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    return CK_OK;
}


ck_status_t ck_kernel_execute(ck_kernel_t *k, const uint32_t *plan, uint32_t n,
                              const ck_exec_options_t *options, ck_exec_result_t *r, ck_error_t *error) {
    if (k == NULL || r == NULL || options == NULL || (n > 0 && plan == NULL))
        return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    ck_status_t st = check_trace(options->trace, error);
    if (st != CK_OK) return st;
    st = check_plan(k, plan, n, options, error);
    if (st != CK_OK) return st;
    r->switched = CK_SWITCH_NONE;
    r->plan_ns = 0;
    ck_exec_checked(k, plan, n, options, r);
    return CK_OK;
}

/* Executes a plan already known to be valid (ascending ids in range; a host callback if needed). */
void ck_exec_checked(ck_kernel_t *k, const uint32_t *plan, uint32_t n,
                     const ck_exec_options_t *options, ck_exec_result_t *r) {
#ifdef CK_NO_INSTRUMENTATION
    ck_trace_t *trace = NULL; /* diagnostics compiled out */
#else
    ck_trace_t *trace = options->trace;
#endif
    uint32_t switched = r->switched;
    uint64_t plan_ns = r->plan_ns;
    memset(r, 0, sizeof *r);
    r->switched = switched;
    r->plan_ns = plan_ns;
    r->failed_step = UINT32_MAX;
    k->undo_count = 0;
    if (trace != NULL && trace->level != CK_TRACE_OFF) {
        const uint32_t steps0 = trace->step_count, patches0 = trace->patch_count;
        const uint64_t sd0 = trace->steps_dropped, pd0 = trace->patches_dropped, op0 = trace->op_seq;
        run_plan(k, plan, n, options, r, trace, true);
        if (r->outcome != CK_OUTCOME_OK) {
            trace->step_count = steps0;
            trace->patch_count = patches0;
            trace->steps_dropped = sd0;
            trace->patches_dropped = pd0;
            trace->op_seq = op0;
        }
    } else {
        run_plan(k, plan, n, options, r, NULL, false);
    }
    if (r->outcome != CK_OUTCOME_OK) {
        rollback(k, r->changed_steps);
        r->rolled_back = r->changed_steps;
        r->changed_steps = 0;
        k->undo_count = 0;
    }
}

ck_status_t ck_kernel_commit(ck_kernel_t *k, const uint32_t *dirty_ids, uint32_t dirty_count,
                             ck_mode_t mode, ck_scope_t scope, uint32_t flags,
                             uint32_t *out_steps, uint32_t out_capacity,
                             const ck_exec_options_t *options, ck_plan_result_t *pr,
                             ck_exec_result_t *er, ck_error_t *error) {
    if (k == NULL || options == NULL || pr == NULL || er == NULL)
        return ck_fail(error, CK_ERR_NULL_ARGUMENT, CK_TABLE_NONE, 0, 0);
    ck_status_t st = check_trace(options->trace, error);
    if (st != CK_OK) return st;
    const bool timed = (options->decision_start_ns > 0 || (options->decision_budget_ns > 0 && k->step_count >= 32))
                       && mode == CK_MODE_DIRTY;
    const uint64_t t0 = timed ? (options->decision_start_ns > 0 ? options->decision_start_ns : ck_now_ns()) : 0;
    st = ck_kernel_plan(k, dirty_ids, dirty_count, mode, scope, flags, out_steps, out_capacity, pr, error);
    if (st != CK_OK) return st;
    er->switched = CK_SWITCH_NONE;
    er->plan_ns = timed ? ck_now_ns() - t0 : 0;
    if (pr->executed_mode == CK_EXECUTED_DIRTY && !pr->dirty_all) {
        uint32_t len = k->scope_len[scope];
        bool cutoff = options->decision_budget_ns > 0 && k->step_count >= 32 && er->plan_ns > options->decision_budget_ns;
        bool near_full = options->near_full_plan_ratio > 0.0 && len > 0 &&
                         (double)pr->step_count >= options->near_full_plan_ratio * (double)len;
        if (cutoff || near_full) {
            memcpy(out_steps, k->scope_list[scope], (size_t)len * 4u);
            pr->step_count = len;
            pr->executed_mode = CK_EXECUTED_FULL;
            pr->algorithm = CK_ALGO_SCOPE;
            er->switched = cutoff ? CK_SWITCH_BUDGET_CUTOFF : CK_SWITCH_NEAR_FULL;
        }
    }
    /* the plan is the kernel's own (ascending, in range): only the host callback needs checking */
    if (options->host_steps == NULL) {
        st = check_plan(k, out_steps, pr->step_count, options, error);
        if (st != CK_OK) return st;
    }
    ck_exec_checked(k, out_steps, pr->step_count, options, er);
    return CK_OK;
}
