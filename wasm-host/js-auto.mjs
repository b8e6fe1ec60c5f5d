// js-auto.mjs — auto mode for the pure-JS kernel: a port of the Swift L0 runtime's auto decision
// (Sources/ConvergeKernel/Planning/AutoPolicy.swift: AutoPolicy, PlanCache, AutoDecider — the C core's
// CKernel/src/auto.c is the same rules) and of the transaction around it (ConvergeRuntime.swift
// and Runtime/ConvergeRuntime+SwiftTransaction.swift: the dirty roots and their key, the rules after planning, the timing
// samples). Semantics: docs/converge-semantics.md §6, docs/transactions.md "Auto mode".
// ES module, no dependencies, no wasm: the l0-js level of bench-matrix.mjs decides with it, so
// the JS baseline never runs the kernel it is compared against.
//
// Every rule, threshold, cache and reason bit is the Swift's, in the same order:
// - autoPolicy() is AutoPolicy() (autoPolicy({logix: true}) is AutoPolicy.logix), field by field;
// - PlanCache is the fixed-capacity LRU plan cache (FNV-1a key, size and ids; typed arrays
//   allocated once), AutoDecider the rules, the inline and LRU caches and the cost model;
// - AutoConverge is one auto transaction: decide, plan (or take the cached plan, or the scope),
//   the planned-share and decision-budget rules, store, execute, record the timing samples.
// Reason bits are DecisionReasons' / CK_REASON_*'s (REASON). Times are Numbers of nanoseconds
// from the clock the caller passes (bench-matrix.mjs: the host's). Like js-kernel.mjs, nothing
// here allocates per transaction.

/** Reason bits (Swift DecisionReasons, C CK_REASON_*). */
export const REASON = Object.freeze({
  coldStart: 1 << 0, fastFull: 1 << 1, inlineDirty: 1 << 2, cacheHit: 1 << 3, cacheMiss: 1 << 4,
  budgetCutoff: 1 << 5, nearFull: 1 << 6, unknownWrite: 1 << 7, dirtyAll: 1 << 8,
  generationBumped: 1 << 9, lowHitRateProtection: 1 << 10, moduleOverride: 1 << 11,
});
/** Why a dirty set means everything (CK_DIRTY_ALL_*): none, a `*` write, a path without an id. */
export const DIRTY_ALL_NONE = 0, DIRTY_ALL_UNKNOWN_WRITE = 1, DIRTY_ALL_FALLBACK = 2;
/** What AutoDecider.decide returns (Swift AutoDecision, C CK_DECIDE_*). */
export const DECIDE_FULL = 0, DECIDE_CACHED = 1, DECIDE_PLAN = 2;
/** Executed modes (ck_txn_result_t.executed_mode, as host.mjs). */
export const EXECUTED_NONE = 0, EXECUTED_FULL = 1, EXECUTED_DIRTY = 2;

/**
 * The thresholds of auto mode (Swift AutoPolicy; the field names are its). `logix: true` gives
 * AutoPolicy.logix (fast full at 0.6 ms, no cost model); any other key overrides that field.
 * Throws on an unknown key.
 */
export function autoPolicy(options = {}) {
  const logix = options.logix === true;
  const p = {
    // dirty roots / scope steps at or above which auto runs full: [fromSteps, ratio], ascending
    nearFullRootRatios: [[0, 0.9], [512, 0.75], [1024, 0.7], [1536, 0.65]],
    nearFullPlanRatio: 0.9,
    fastFullMaxMs: logix ? 0.6 : 0,
    fullEwmaAlpha: 0.2,
    decisionBudgetMs: 0.5,
    inlineMaxRoots: 64,
    inlineMaxPlanLength: 256,
    inlineOffAfterSkips: 32,
    inlineOffMaxComputes: 2,
    lruCapacity: 128,
    lruMaxRoots: 128,
    lruMaxRootRatio: 0.5,
    lruMinHitRate: 0.01,
    lruMaxPlanLength: 2048,
    costModel: !logix,
    costProbeInterval: 64,
    costProbeMaxInterval: 4096,
  };
  for (const k of Object.keys(options)) {
    if (k === 'logix') continue;
    if (!Object.prototype.hasOwnProperty.call(p, k)) throw new Error(`unknown auto policy field ${k}`);
    p[k] = options[k];
  }
  return p;
}

/** The near-full root ratio for a scope of `steps` steps (AutoPolicy.nearFullRootRatio). */
export function nearFullRootRatio(policy, steps) {
  const rules = policy.nearFullRootRatios;
  let r = 0.9;
  for (let i = 0; i < rules.length; i++) if (steps >= rules[i][0]) r = rules[i][1];
  return r;
}

/** FNV-1a 32 over ids[0, n) (DirtySet.fnv1a: the dirty set's key). */
export function fnv1a(ids, n) {
  let h = 2166136261;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ ids[i], 16777619) >>> 0;
  return h;
}

/**
 * A fixed-capacity plan cache keyed by a dirty-root set (its FNV-1a key, size and ids), all
 * memory allocated once; least-recently-used replacement (Swift PlanCache, C ck_plan_cache_t).
 * Entry e's plan is plans[e · maxPlan, e · maxPlan + planLength[e]).
 */
export class PlanCache {
  constructor(capacity, maxRoots, maxPlan) {
    this.capacity = Math.max(capacity, 0);
    this.maxRoots = Math.max(maxRoots, 0);
    this.maxPlan = Math.max(maxPlan, 0);
    const c = Math.max(this.capacity, 1);
    this.keyHash = new Uint32Array(c);
    this.rootCount = new Int32Array(c).fill(-1); // -1 = empty
    this.lastUse = new Float64Array(c);           // ticks (integers, exact to 2^53)
    this.roots = new Uint32Array(Math.max(c * this.maxRoots, 1));
    this.planLength = new Int32Array(c);
    this.plans = new Uint32Array(Math.max(c * this.maxPlan, 1));
    this.tick = 0;
  }

  clear() {
    for (let i = 0; i < this.capacity; i++) this.rootCount[i] = -1;
  }

  /** The entry holding exactly these roots, or -1. A hit refreshes its recency. */
  find(key, ids, n) {
    const rootCount = this.rootCount, keyHash = this.keyHash, roots = this.roots;
    for (let i = 0; i < this.capacity; i++) {
      if (rootCount[i] !== n || keyHash[i] !== key) continue;
      const base = i * this.maxRoots;
      let j = 0;
      while (j < n && roots[base + j] === ids[j]) j++;
      if (j === n) {
        this.lastUse[i] = ++this.tick;
        return i;
      }
    }
    return -1;
  }

  /** Stores plan[0, length) for these roots (replacing the least recently used entry); false
      when the roots or the plan do not fit. */
  store(key, ids, n, plan, length) {
    if (this.capacity === 0 || n > this.maxRoots || length > this.maxPlan) return false;
    const rootCount = this.rootCount, lastUse = this.lastUse;
    let victim = 0;
    for (let i = 0; i < this.capacity; i++) {
      if (rootCount[i] < 0) { victim = i; break; }
      if (lastUse[i] < lastUse[victim]) victim = i;
    }
    this.keyHash[victim] = key;
    rootCount[victim] = n;
    const rb = victim * this.maxRoots;
    for (let j = 0; j < n; j++) this.roots[rb + j] = ids[j];
    this.planLength[victim] = length;
    const pb = victim * this.maxPlan;
    for (let j = 0; j < length; j++) this.plans[pb + j] = plan[j];
    lastUse[victim] = ++this.tick;
    return true;
  }

  /** Where entry e's plan starts in this.plans. */
  planOffset(e) { return e * this.maxPlan; }
}

/**
 * Auto mode's state and rules (Swift AutoDecider): cold start, near-full thresholds, dirtyAll,
 * fast full, the cost model, the inline cache with two-hit admission, the LRU cache with its
 * self-disabling rules. The planned-share and decision-budget rules run after planning
 * (AutoConverge). decide() returns DECIDE_*; `reasons` gets this decision's bits, `cache` and
 * `entry` the cached plan (DECIDE_CACHED) or the cache to store the plan into (DECIDE_PLAN;
 * null: none).
 */
export class AutoDecider {
  constructor(policy, stepCount) {
    this.policy = policy;
    this.inline = new PlanCache(2, policy.inlineMaxRoots, Math.min(policy.inlineMaxPlanLength, stepCount));
    this.lru = new PlanCache(policy.lruCapacity, policy.lruMaxRoots, Math.min(policy.lruMaxPlanLength, stepCount));
    this.seenNext = 0;
    this.armCaches();
    this.decisions = 0;
    this.generationBumped = false;
    this.key = 0;                 // the last decision's roots' fnv1a (when it consulted a cache)
    this.fullMinNs = Infinity;    // (Swift: UInt64.max)
    this.fullEwmaNs = 0;
    this.fullSamples = 0;
    this.costFullNs = 0;          // the minimum of the last 8 full converges
    this.costFullSamples = 0;
    this.costDirtyNsPerRoot = 0;  // the minimum of the last 8 dirty converges per dirty root
    this.costDirtySamples = 0;
    this.sinceFull = 0;           // decisions since the last full converge was measured
    this.sinceDirty = 0;          // decisions since the last dirty converge was measured
    // doubles after each probe (to costProbeMaxInterval), back to costProbeInterval when the
    // preferred mode changes
    this.probeInterval = Math.max(1, policy.costProbeInterval);
    this.preferFull = false;
    this.costWindow = new Float64Array(16); // [0, 8) full ns, [8, 16) dirty ns per root
    // the last decision's outputs
    this.reasons = 0;
    this.cache = null;
    this.entry = 0;
  }

  /** Empties both caches and re-arms them; the next decision carries `generation_bumped`. */
  bumpGeneration() {
    this.inline.clear();
    this.lru.clear();
    this.armCaches();
    this.generationBumped = true;
  }

  /** Forgets the "seen once" keys and re-enables both caches with fresh counters. */
  armCaches() {
    // two "seen once" keys (key, size; size -1 = none)
    this.seenKey0 = 0; this.seenN0 = -1; this.seenKey1 = 0; this.seenN1 = -1;
    this.inlineEnabled = true;
    this.inlineSkips = 0;
    this.inlineComputes = 0;
    this.lruEnabled = true;
    this.lruLookups = 0;
    this.lruHits = 0;
  }

  /** Full converges are timed (fast full) only when fastFullMaxMs is set. */
  get measuresFull() { return this.policy.fastFullMaxMs > 0; }

  recordFull(ns) {
    this.fullMinNs = Math.min(this.fullMinNs, ns);
    const a = this.policy.fullEwmaAlpha;
    this.fullEwmaNs = this.fullSamples === 0 ? ns : a * ns + (1 - a) * this.fullEwmaNs;
    this.fullSamples++;
  }

  // The cost model's preference (false until both modes have been measured).
  _costPrefersFull(n) {
    if (!(this.costFullSamples > 0 && this.costDirtySamples > 0)) return false;
    const prefer = n * this.costDirtyNsPerRoot >= this.costFullNs;
    if (prefer !== this.preferFull) {
      this.preferFull = prefer;
      this.probeInterval = this.policy.costProbeInterval;
    }
    return prefer;
  }

  /** Whether the next auto transaction is timed from the start of its decision: the cold start,
      every 8th decision, dirty sets of 32 roots or more, and the decisions that will be
      cost-model probes, predicted as decide() takes them (AutoDecider.timesNext,
      ck_auto_times_next). */
  timesNext(roots) {
    const d = this.decisions;
    if (d === 0 || (d & 7) === 0 || roots >= 32) return true;
    if (!this.policy.costModel) return false;
    const measured = this.costFullSamples > 0 && this.costDirtySamples > 0;
    const prefer = measured && roots * this.costDirtyNsPerRoot >= this.costFullNs;
    const interval = prefer !== this.preferFull ? this.policy.costProbeInterval : this.probeInterval;
    if (prefer) return this.sinceDirty + 1 >= interval;
    return this.sinceFull + 1 >= interval && (this.costFullSamples === 0 || roots * this.costDirtyNsPerRoot * 4 >= this.costFullNs);
  }

  /** Whether to record this (timed) auto transaction's converge for the cost model (either
      mode: `full` is there for the Swift signature). */
  samplesConverge(full) {
    return this.policy.costModel && this.decisions > 1;
  }

  /** A converge timed from the decision's start to the end of execution (cost model). Each side
      keeps its last 8 samples; the estimate is their minimum. */
  recordConverge(full, ns, roots) {
    const w = this.costWindow;
    if (full) {
      w[this.costFullSamples & 7] = ns;
      this.costFullSamples++;
      this.costFullNs = windowMin(w, 0, this.costFullSamples);
      this.sinceFull = 0;
    } else if (roots > 0) {
      this.sinceDirty = 0;
      w[8 + (this.costDirtySamples & 7)] = ns / roots;
      this.costDirtySamples++;
      this.costDirtyNsPerRoot = windowMin(w, 8, this.costDirtySamples);
    }
  }

  /**
   * Decides before planning. roots[0, n): the dirty roots (ids ascending, prefix-free); dirtyAll
   * DIRTY_ALL_*; scopeSteps the scope's length. Returns DECIDE_*. The roots' key (their fnv1a)
   * is computed only when a cache is consulted (a full decision does not hash 2000 roots); it
   * is in `key` afterwards whenever `cache` is set.
   */
  decide(roots, n, dirtyAll, scopeSteps) {
    const k = this._decide(roots, n, dirtyAll, scopeSteps);
    this.decisions++;
    return k;
  }

  _full(reason) {
    this.reasons |= reason;
    this.cache = null;
    return DECIDE_FULL;
  }

  _decide(roots, n, dirtyAll, scopeSteps) {
    const p = this.policy;
    this.reasons = 0;
    this.cache = null;
    this.entry = 0;
    this.key = 0;
    if (this.generationBumped) {
      this.reasons |= REASON.generationBumped;
      this.generationBumped = false;
    }
    if (this.decisions === 0) return this._full(REASON.coldStart);
    if (scopeSteps <= 2) return this._full(REASON.nearFull);
    if (dirtyAll !== DIRTY_ALL_NONE) return this._full(dirtyAll === DIRTY_ALL_UNKNOWN_WRITE ? REASON.unknownWrite : REASON.dirtyAll);
    if (n >= nearFullRootRatio(p, scopeSteps) * scopeSteps) return this._full(REASON.nearFull);
    // (Swift: min(fullMinNs, UInt64(fullEwmaNs)): the average truncated to whole ns)
    if (this.fullSamples > 0 && Math.min(this.fullMinNs, Math.trunc(this.fullEwmaNs)) <= p.fastFullMaxMs * 1e6) {
      return this._full(REASON.fastFull);
    }
    if (p.costModel) {
      this.sinceFull++;
      this.sinceDirty++;
      if (this._costPrefersFull(n)) {
        // re-measure dirty now and then (backing off), or one bad sample would stick
        if (this.sinceDirty < this.probeInterval) return this._full(REASON.nearFull);
        this.probeInterval = Math.min(this.probeInterval * 2, p.costProbeMaxInterval);
      } else if (this.sinceFull >= this.probeInterval
                 && (this.costFullSamples === 0 || n * this.costDirtyNsPerRoot * 4 >= this.costFullNs)) {
        // re-measure full (only while it could be competitive)
        this.probeInterval = Math.min(this.probeInterval * 2, p.costProbeMaxInterval);
        return this._full(REASON.nearFull);
      }
    }
    if (this.inlineEnabled && n <= p.inlineMaxRoots) {
      const key = this.key = fnv1a(roots, n);
      const e = this.inline.find(key, roots, n);
      if (e >= 0) {
        this.reasons |= REASON.cacheHit;
        this.cache = this.inline;
        this.entry = e;
        return DECIDE_CACHED;
      }
      if ((this.seenKey0 === key && this.seenN0 === n) || (this.seenKey1 === key && this.seenN1 === n)) {
        this.inlineComputes++;
        this.reasons |= REASON.inlineDirty;
        this.cache = this.inline;
        return DECIDE_PLAN;
      }
      if (this.seenNext === 0) { this.seenKey0 = key; this.seenN0 = n; } else { this.seenKey1 = key; this.seenN1 = n; }
      this.seenNext ^= 1;
      this.inlineSkips++;
      if (this.inlineSkips >= p.inlineOffAfterSkips && this.inlineComputes <= p.inlineOffMaxComputes) {
        this.inlineEnabled = false;
      }
      return this._full(REASON.lowHitRateProtection);
    }
    if (this.lruEnabled && n <= p.lruMaxRoots && n <= p.lruMaxRootRatio * scopeSteps) {
      this.lruLookups++;
      const key = this.key = fnv1a(roots, n);
      const e = this.lru.find(key, roots, n);
      if (e >= 0) this.lruHits++;
      if (this.lruLookups >= Math.max(64, p.lruCapacity + 1) && this.lruHits <= p.lruMinHitRate * this.lruLookups) {
        this.lruEnabled = false;
      }
      if (e >= 0) {
        this.reasons |= REASON.cacheHit;
        this.cache = this.lru;
        this.entry = e;
        return DECIDE_CACHED;
      }
      this.reasons |= REASON.cacheMiss;
      this.cache = this.lruEnabled ? this.lru : null;
      return DECIDE_PLAN;
    }
    this.reasons |= REASON.cacheMiss;
    return DECIDE_PLAN;
  }
}

function windowMin(w, base, samples) {
  let m = Infinity;
  for (let i = 0, e = Math.min(samples, 8); i < e; i++) m = Math.min(m, w[base + i]);
  return m;
}

/**
 * The dirty roots of a transaction's written ids (ConvergeRuntime.computeRoots, ck_txn's
 * compute_roots): the distinct ids without a dirty proper prefix, ascending. The transaction's
 * writes are marked as they come (mark(ids, n), any number of calls; ids may repeat and come in
 * any order); take() writes the roots into this.ids, returns their count and starts the next
 * transaction; clear() drops the marks. compute(ids, n) is mark then take. mark throws a
 * RangeError on an id outside the registry and keeps none of that call's ids.
 */
export class DirtyRoots {
  constructor(tables) {
    const P = tables.pathCount;
    this.pathCount = P;
    this.prefixOffsets = tables.pathPrefixOffsets;
    this.prefixIds = tables.pathPrefixIds;
    this.bits = new Int32Array(Math.max(1, (P + 31) >>> 5)); // the marked ids; all-zero between transactions
    this.unique = new Uint32Array(Math.max(1, P));            // the marked ids in written order
    this.ids = new Uint32Array(Math.max(1, P));
    this.count = 0;        // marked ids
    this.nested = false;   // a marked id is a path with a proper prefix
    this.ascending = true; // the marked ids came strictly ascending
    // every path has one segment (its prefix list is itself): no id can be nested
    this.flat = this.prefixOffsets[P] - this.prefixOffsets[0] === P;
  }

  compute(ids, n) {
    this.mark(ids, n);
    return this.take();
  }

  mark(ids, n) {
    const bits = this.bits, unique = this.unique, P = this.pathCount, offsets = this.prefixOffsets;
    const start = this.count, flat = this.flat;
    let count = start, nested = this.nested, ascending = this.ascending;
    let last = count > 0 ? unique[count - 1] : -1;
    let i = 0;
    for (; i < n; i++) {
      const id = ids[i];
      if (!(id >= 0 && id < P)) break;
      const w = id >>> 5, bit = 1 << (id & 31), word = bits[w];
      if ((word & bit) !== 0) { ascending = false; continue; }
      bits[w] = word | bit;
      unique[count++] = id;
      ascending = ascending && id > last;
      last = id;
      // (a flat graph skips the prefix table: its reads cost as much as the rest of the loop)
      if (!flat && offsets[id + 1] - offsets[id] !== 1) nested = true;
    }
    if (i < n) {
      for (let j = start; j < count; j++) bits[unique[j] >>> 5] &= ~(1 << (unique[j] & 31));
      throw new RangeError(`unknown dirty path id ${ids[i]} at position ${i} (path count ${P})`);
    }
    this.count = count;
    this.nested = nested;
    this.ascending = ascending;
  }

  take() {
    const bits = this.bits, unique = this.unique, out = this.ids, count = this.count, nested = this.nested;
    let roots = 0;
    if (this.ascending && !nested) {
      // the converge workload's writes: ascending ids of 1-segment paths are their own roots
      for (let i = 0; i < count; i++) { const id = unique[i]; out[i] = id; bits[id >>> 5] = 0; }
      roots = count;
    } else if (count <= 64) {
      // few: insertion sort (as the runtime)
      for (let i = 1; i < count; i++) {
        const v = unique[i];
        let j = i;
        while (j > 0 && unique[j - 1] > v) { unique[j] = unique[j - 1]; j--; }
        unique[j] = v;
      }
      if (nested) {
        for (let i = 0; i < count; i++) if (this._isRoot(unique[i])) out[roots++] = unique[i];
      } else {
        for (let i = 0; i < count; i++) out[i] = unique[i];
        roots = count;
      }
      for (let j = 0; j < count; j++) bits[unique[j] >>> 5] = 0;
    } else if (nested) {
      // many: the marked bitset, ascending
      for (let w = 0; w < bits.length; w++) {
        let word = bits[w];
        while (word !== 0) {
          const t = word & -word;
          word ^= t;
          const id = (w << 5) + 31 - Math.clz32(t);
          if (this._isRoot(id)) out[roots++] = id;
        }
      }
      for (let j = 0; j < count; j++) bits[unique[j] >>> 5] = 0;
    } else {
      // many 1-segment paths: every marked id is a root; the words are cleared as they are read
      // (clearing them through the marked list instead made take() 2x slower at 2000 ids)
      for (let w = 0; w < bits.length; w++) {
        let word = bits[w];
        if (word === 0) continue;
        bits[w] = 0;
        const base = w << 5;
        while (word !== 0) {
          const t = word & -word;
          word ^= t;
          out[roots++] = base + 31 - Math.clz32(t);
        }
      }
    }
    this.count = 0;
    this.nested = false;
    this.ascending = true;
    return roots;
  }

  /** Drops the marks (an aborted transaction). */
  clear() {
    for (let j = 0; j < this.count; j++) this.bits[this.unique[j] >>> 5] = 0;
    this.count = 0;
    this.nested = false;
    this.ascending = true;
  }

  // no proper prefix of id is dirty (its prefix list ends with id itself)
  _isRoot(id) {
    const bits = this.bits, prefixIds = this.prefixIds;
    for (let k = this.prefixOffsets[id], end = this.prefixOffsets[id + 1] - 1; k < end; k++) {
      const q = prefixIds[k];
      if ((bits[q >>> 5] & (1 << (q & 31))) !== 0) return false;
    }
    return true;
  }
}

/**
 * One runtime's auto transactions (the requested-auto path of ConvergeRuntime.transaction and
 * RuntimeExecution.converge at L0): the decision, then the full plan (the scope), the cached plan
 * or a dirty plan; after planning, a plan covering ≥ nearFullPlanRatio of the scope runs full
 * (`near_full`) and planning past the decision budget (graphs of ≥ 32 steps) runs full
 * (`budget_cutoff`), else the plan is stored into the decision's cache; then execution; the
 * timing samples of the cost model and of fast full.
 *
 * @param policy autoPolicy(…)
 * @param stepCount the graph's steps (the bound of cached plans; the budget's 32-step rule)
 * @param fullPlan the scope's steps in topological order (a Uint32Array: the full plan)
 * @param planOut the array planDirty fills
 * @param planDirty (roots, n, dirtyAll) => length: plans dirty into planOut
 * @param execute (plan, offset, length) => true when the converge's outcome is ok: runs
 *   plan[offset, offset + length)
 * @param now () => the clock in ns (a Number)
 *
 * After commit(): executedMode (EXECUTED_*), reasons (REASON bits), planLength, decisionNs (0:
 * not measured, as the Swift summary), dirtyRoots, converged (false: nothing written).
 */
export class AutoConverge {
  constructor(policy, stepCount, fullPlan, planOut, planDirty, execute, now) {
    this.policy = policy;
    this.decider = new AutoDecider(policy, stepCount);
    this.stepCount = stepCount;
    this.fullPlan = fullPlan;
    this.scopeLen = fullPlan.length;
    this.planOut = planOut;
    this.planDirty = planDirty;
    this.execute = execute;
    this.now = now;
    this.executedMode = EXECUTED_NONE;
    this.reasons = 0;
    this.planLength = 0;
    this.decisionNs = 0;
    this.dirtyRoots = 0;
    this.converged = false;
  }

  bumpGeneration() { this.decider.bumpGeneration(); }

  /**
   * One auto transaction over the dirty roots roots[0, n) (ascending, prefix-free), or the whole
   * scope under dirtyAll (DIRTY_ALL_*; n is then 0). `reasons`: bits the caller adds (e.g.
   * module_override). n = 0 without dirtyAll: nothing was written, no converge, no decision.
   * Returns executedMode.
   */
  commit(roots, n, dirtyAll = DIRTY_ALL_NONE, reasons = 0) {
    const d = this.decider, p = this.policy, now = this.now;
    this.executedMode = EXECUTED_NONE;
    this.reasons = reasons;
    this.planLength = 0;
    this.decisionNs = 0;
    if (dirtyAll !== DIRTY_ALL_NONE) n = 0;
    this.dirtyRoots = n;
    this.converged = n > 0 || dirtyAll !== DIRTY_ALL_NONE;
    if (!this.converged) return EXECUTED_NONE; // nothing written: no converge
    // sampled transactions are timed from the decision's start (the cost model, decision time)
    const timed = d.timesNext(n);
    const t0 = timed ? now() : 0;
    const kind = d.decide(roots, n, dirtyAll, this.scopeLen);
    this.reasons |= d.reasons;
    const scopeLen = this.scopeLen;
    if (scopeLen === 0) return EXECUTED_NONE;
    const fullTimed = d.measuresFull;
    const fullStart = fullTimed ? now() : 0;
    let plan = this.fullPlan, offset = 0, length = scopeLen, mode = EXECUTED_FULL;
    let planTimed = false, planStart = 0, decided = 0;
    if (kind === DECIDE_CACHED) {
      plan = d.cache.plans;
      offset = d.cache.planOffset(d.entry);
      length = d.cache.planLength[d.entry];
      mode = EXECUTED_DIRTY;
    } else if (kind === DECIDE_PLAN) {
      // planning is timed (the decision budget) when it can be long: graphs of 32 steps or more;
      // a sampled transaction is timed from the decision's start
      const budgeted = this.stepCount >= 32 && p.decisionBudgetMs > 0;
      planTimed = timed || budgeted;
      planStart = timed ? t0 : budgeted ? now() : 0;
      const store = d.cache;
      length = this.planDirty(roots, n, dirtyAll);
      plan = this.planOut;
      mode = EXECUTED_DIRTY;
      if (planTimed) decided = now();
      if (planTimed && budgeted && decided - planStart > p.decisionBudgetMs * 1e6) {
        this.reasons |= REASON.budgetCutoff;
        plan = this.fullPlan; length = scopeLen; mode = EXECUTED_FULL;
      } else if (p.nearFullPlanRatio > 0 && length >= p.nearFullPlanRatio * scopeLen) {
        this.reasons |= REASON.nearFull;
        plan = this.fullPlan; length = scopeLen; mode = EXECUTED_FULL;
      } else if (store !== null) {
        store.store(d.key, roots, n, plan, length);
      }
    }
    // decision time: on sampled transactions from the decision's start, on timed plans from the
    // plan's start; 0 when not measured
    if (timed) {
      if (!planTimed) decided = now();
      this.decisionNs = decided - t0;
    } else if (planTimed) {
      this.decisionNs = decided - planStart;
    }
    this.executedMode = mode;
    this.planLength = length;
    const ok = this.execute(plan, offset, length);
    const ranFull = mode === EXECUTED_FULL;
    if (timed && ok && d.samplesConverge(ranFull)) d.recordConverge(ranFull, now() - t0, n);
    if (ranFull && fullTimed && ok) d.recordFull(now() - fullStart);
    return mode;
  }
}
