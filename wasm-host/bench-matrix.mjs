// bench-matrix.mjs — the `converge bench` loop every JS host shares: node (cli.mjs, command
// bench-matrix) and headless Chromium (browser-page.mjs) import this module, so the V8 and the
// Chromium backends run the same transactions, batches and counters (docs/wasm-host.md).
// Nothing here touches node's or the browser's APIs: the host passes its clock and its compiled
// wasm modules.

import { JsKernel } from './js-kernel.mjs';
import { AutoConverge, DirtyRoots, autoPolicy, REASON } from './js-auto.mjs';
import { plainReferenceUnsupported, timePlainReference, warmPlainReference } from './plain-reference.mjs';
import { JsStore, compileConvergeSteps, executeCompiled } from './js-store.mjs';
import {
  WasmKernel, executePlan, convergeStep, statePerPath, TAG_NUMBER, TXN, TXN_AUTO, TXN_FULL, TXN_DIRTY, TXN_PLAN_ONLY,
  EXECUTED_FULL, EXECUTED_DIRTY, TRACE_PATCHES,
} from './host.mjs';

/** A bad job (unknown level, missing wasm file): cli.mjs exits 2 on it, not 1. */
export class JobError extends Error {}

const defaultNow = typeof process !== 'undefined' && process.hrtime
  ? () => Number(process.hrtime.bigint())
  : () => performance.now() * 1e6;

/** The transaction core's policy of a job (Swift's RuntimeOptions() / AutoPolicy() by default:
    200 ms execution budget, cost model on, decision budget 0.5 ms). */
export function txnPolicy(p = {}) {
  return {
    budgetNs: p.budgetNs ?? 200e6, logix: p.logix ?? false, costModel: p.costModel ?? !(p.logix ?? false),
    decisionBudgetNs: p.decisionBudgetNs ?? 0.5e6, vmFlags: p.vmFlags ?? 0,
  };
}

/**
 * One backend-level of the converge workload's transactions over one graph: write(ids, vals, n,
 * tags) stores the reducer's writes (numbers unless `tags` says otherwise), commit(ids, n)
 * converges and returns the plan length; counters() the boundary counters so far; state() the
 * final slots; last() the last commit's result (txn-core levels).
 * `wasmModule(flavor)` returns the compiled module of 'simd' or 'scalar'.
 *
 * - l0-js: the pure-JS kernel plans, JS executes over a JS state store (js-store.mjs). Full and
 *   dirty: commit's ids go to the planner as they are. Auto: write() marks its ids as they are
 *   written, commit ignores its arguments (as the txn-core levels) and reduces the marks to the
 *   dirty roots (distinct, no dirty proper prefix, ascending), and the JS auto decider
 *   (js-auto.mjs, the Swift L0 runtime's rules, caches and cost model; the job's policy)
 *   decides: full (the scope), a cached plan, or a dirty plan from the JS kernel; last() reports
 *   each commit's mode, reasons and decision time.
 * - l1-*: the transaction core (converge.wasm) applies the write log, decides (auto in C) and
 *   plans in one ckw_txn_commit call with PLAN_ONLY; JS executes the plan over the kernel's own
 *   slots and reports its execution time with the next commit when the core asked for it.
 * - l2-*: the transaction core applies, decides, plans and executes in one ckw_txn_commit call
 *   (computed steps through the ckw_host_steps import); l3-*: the same with the graph's bytecode.
 * - l4-*: as l3, the kernel made from the graph's AOT artifact (ckw_open_artifact: tables,
 *   bytecode and initial state from one file; blob = the artifact's bytes, tables =
 *   readArtifactTables of them — levelSource picks them).
 * In the txn-core levels write() appends 16-byte log entries (no call; a full log costs one
 * ckw_txn_flush) and commit ignores its arguments: the log is the transaction.
 */
export function makeTxnLevel(level, blob, tables, mode, wasmModule, code = null, policy = {}, now = defaultNow) {
  const S = tables.stepCount, P = tables.pathCount;
  const scope = 2;
  const l4 = level.startsWith('l4-'); // the kernel, its bytecode and initial state from the artifact
  const l3 = level.startsWith('l3-'); // L2 plus the graph's bytecode (CKB1) loaded into the kernel
  const l2 = level.startsWith('l2-') || l3 || l4; // the core executes
  const l1 = level.startsWith('l1-');
  if (mode !== 'full' && mode !== 'dirty' && mode !== 'auto') throw new JobError(`unknown mode ${mode} (auto, full, dirty)`);
  let store = null, commitTxn, kernel = null, jsKernel = null, planOut = null, l1Trace = null;
  let changed = 0, vmSteps = 0;
  // per-transaction evidence of the txn-core levels and of l0-js in auto mode
  let fullRuns = 0, dirtyRuns = 0, cutOffs = 0, decisionNsSum = 0, decisionsTimed = 0, reasonsSeen = 0, lastReasons = 0;
  let jsAuto = null, jsRoots = null;
  if (level === 'l0-js') {
    const dirtyMode = mode === 'full' ? 0 : 1;
    jsKernel = new JsKernel(tables, {});
    planOut = new Uint32Array(Math.max(1, S));
    store = new JsStore(P);
    // the steps as closures over this store (js-store.mjs): the JS host at its best, as Swift's derive closures
    const run = compileConvergeSteps(tables, store);
    if (mode === 'auto') {
      // the decision in JS (js-auto.mjs), with the policy the txn-core levels open
      const tp = txnPolicy(policy);
      const ap = autoPolicy({ logix: tp.logix, costModel: tp.costModel, decisionBudgetMs: tp.decisionBudgetNs / 1e6 });
      const execute = (plan, offset, len) => {
        changed += executeCompiled(run, plan, len, offset);
        return true; // (no failing outcome)
      };
      const planDirty = (roots, n) => jsKernel.plan(roots, n, 1, scope, 0, planOut);
      jsAuto = new AutoConverge(ap, S, jsKernel.scopeList[scope], planOut, planDirty, execute, now);
      jsRoots = new DirtyRoots(tables);
      commitTxn = () => {
        const a = jsAuto;
        const m = a.commit(jsRoots.ids, jsRoots.take());
        if (m === EXECUTED_FULL) fullRuns++; else if (m === EXECUTED_DIRTY) dirtyRuns++;
        lastReasons = a.reasons;
        reasonsSeen |= a.reasons;
        if (a.reasons & REASON.budgetCutoff) cutOffs++;
        if (a.decisionNs > 0) { decisionNsSum += a.decisionNs; decisionsTimed++; }
        return a.planLength;
      };
    } else {
      // full: the scope's list is the plan (no copy into planOut)
      const scopeList = jsKernel.scopeList[scope];
      commitTxn = dirtyMode
        ? (ids, n) => {
          const len = jsKernel.plan(ids, n, 1, scope, 0, planOut);
          changed += executeCompiled(run, planOut, len);
          dirtyRuns++;
          return len;
        }
        : () => {
          changed += executeCompiled(run, scopeList, scopeList.length);
          fullRuns++;
          return scopeList.length;
        };
    }
  } else {
    const flavor = level.endsWith('-scalar') ? 'scalar' : 'simd';
    if (!l1 && !l2) {
      throw new JobError(`unknown level ${level} (l0-js, l1-wasm-simd, l1-wasm-scalar, l2-wasm-simd, l2-wasm-scalar, l3-wasm-simd, l3-wasm-scalar, l4-wasm-simd, l4-wasm-scalar)`);
    }
    // l4: the file's state layout too (the host reads slots through it; ids stay path ids)
    kernel = new WasmKernel(wasmModule(flavor), blob, tables, { layout: l4 });
    if (l3) {
      if (!code) throw new JobError(`level ${level} needs the graph's bytecode ("code": a CKB1 file)`);
      kernel.loadCode(code);
    }
    kernel.openTxn(txnPolicy(policy));
    const txnMode = mode === 'full' ? TXN_FULL : mode === 'dirty' ? TXN_DIRTY : TXN_AUTO;
    const rec = () => kernel.txnRec;
    const account = () => {
      const r = rec();
      const m = r[TXN.EXECUTED_MODE];
      if (m === EXECUTED_FULL) fullRuns++; else if (m === EXECUTED_DIRTY) dirtyRuns++;
      const reasons = r[TXN.REASONS];
      lastReasons = reasons;
      reasonsSeen |= reasons;
      if (reasons & 0x20) cutOffs++;
      const d = r[TXN.DECISION_NS_HI] * 4294967296 + r[TXN.DECISION_NS_LO];
      if (d > 0) { decisionNsSum += d; decisionsTimed++; }
    };
    if (l1) {
      // L1: the core decides and plans (one call); JS runs the plan over the kernel's slots
      commitTxn = () => {
        const len = kernel.txnCommit(txnMode, TXN_PLAN_ONLY);
        account();
        const r = rec();
        const timed = r[TXN.WANTS_EXEC_NS] !== 0;
        const t0 = timed ? now() : 0;
        // traced: this host's step and patch records follow the core's (the native L1 executor's)
        l1Trace = kernel.traceLevel !== 0
          ? { opSeq: kernel.txnOpSeq(), patches: kernel.traceLevel >= TRACE_PATCHES, steps: [], patchRecords: [], now }
          : null;
        const writes = executePlan(tables, kernel.u32, len, kernel.tags, kernel.values, convergeStep, r[TXN.PLAN] >>> 2, l1Trace);
        kernel.txnAdvanceOpSeq(writes);
        changed += writes;
        if (timed) kernel.txnExecuted(now() - t0);
        kernel.bytesOut += 4 * len;
        return len;
      };
    } else {
      // L2/L3: the core executes over its own state store; computed steps call back
      commitTxn = () => {
        const len = kernel.txnCommit(txnMode, 0);
        account();
        changed += rec()[TXN.CHANGED_STEPS];
        vmSteps += rec()[TXN.VM_STEPS];
        return len;
      };
    }
  }
  return {
    write(ids, vals, n, wtags = null) {
      if (kernel) {
        for (let i = 0; i < n; i++) kernel.txnWrite(ids[i], wtags ? wtags[i] : TAG_NUMBER, vals[i]);
        return;
      }
      if (jsRoots) jsRoots.mark(ids, n); // (first: an unknown id throws before anything is written)
      if (wtags) {
        for (let i = 0; i < n; i++) store.write(ids[i], wtags[i], vals[i]);
        return;
      }
      store.writeNumbers(ids, vals, n);
    },
    commit: commitTxn,
    /** Aborts a transaction (txn-core levels) after a failed commit's writes. */
    abort() { if (kernel) kernel.txnAbort(); else if (jsRoots) jsRoots.clear(); },
    /** Empties the plan caches (the core's, or l0-js's in auto mode). */
    bumpGeneration() { if (kernel) kernel.txnBumpGeneration(); else if (jsAuto) jsAuto.bumpGeneration(); },
    /** The last commit's record: the core's (txn-core levels), the JS decider's (l0-js in auto
        mode: the record's decision fields), else null. */
    last() {
      if (kernel) return kernel.txnResult();
      if (!jsAuto) return null;
      const a = jsAuto, d = a.decider;
      return {
        status: 0, converged: a.converged ? 1 : 0, executedMode: a.executedMode, reasons: a.reasons,
        planLen: a.planLength, executedSteps: a.planLength, dirtyRoots: a.dirtyRoots, decisionNs: a.decisionNs,
        cacheHit: (a.reasons & REASON.cacheHit) !== 0 ? 1 : 0, inlineEnabled: d.inlineEnabled ? 1 : 0, lruEnabled: d.lruEnabled ? 1 : 0,
      };
    },
    /** Trace records for every transaction from now on (txn-core levels): `level` TRACE_*. */
    openTrace(steps, patches, level) {
      if (!kernel) throw new JobError(`level ${level} has no transaction core: no trace`);
      kernel.openTrace(steps, patches);
      kernel.traceLevel = level;
    },
    /** The last commit's trace records (txn-core levels; at L1 the core's, then this host's), or null. */
    trace() {
      if (!kernel) return null;
      const t = kernel.txnTrace();
      if (l1Trace) { t.steps.push(...l1Trace.steps); t.patches.push(...l1Trace.patchRecords); }
      return t;
    },
    counters() {
      const txn = { fullRuns, dirtyRuns, cutOffs, decisionNsSum, decisionsTimed, reasonsSeen, lastReasons };
      return kernel ? { calls: kernel.calls, hostCalls: kernel.hostCalls, bytesIn: kernel.bytesIn, bytesOut: kernel.bytesOut, changed, vmSteps, ...txn }
        : { calls: 0, hostCalls: 0, bytesIn: 0, bytesOut: 0, changed, vmSteps, ...txn };
    },
    get memoryPages() { return kernel ? kernel.memoryPages : 0; },
    /** True on the transaction core (the wasm levels). */
    get txnCore() { return kernel !== null; },
    state() { return kernel ? statePerPath(kernel.tags, kernel.values, kernel.slotOf, kernel.hasLayout) : store.state(); },
    destroy() { if (kernel) kernel.destroy(); },
  };
}

/**
 * How a host batches transactions into samples.
 * - node: the fastest of three single transactions estimates one; a batch lasts >= 0.1 ms, at
 *   most 64 transactions (process.hrtime has ns resolution: the batch is there for noise).
 * - browser: performance.now() is coarsened (5 µs cross-origin isolated, 100 µs otherwise), a
 *   single transaction often reads 0; doubling batches are timed (three times each, the
 *   smallest counts) until one lasts >= 1/4 of the target, and the batch is scaled to last >= 1 ms, at most 2000 transactions.
 */
export const BATCHING = {
  node: { calibration: 'single', targetNs: 1e5, maxBatch: 64 },
  browser: { calibration: 'doubling', targetNs: 1e6, maxBatch: 2000 },
};

/** The smallest non-zero step of the clock (ns), from up to 1000 consecutive reads. */
export function clockResolutionNs(now) {
  let best = Infinity;
  for (let i = 0, last = now(); i < 1000; i++) {
    let t = now();
    while (t === last) t = now();
    best = Math.min(best, t - last);
    last = t;
  }
  return best;
}

/** Before a point's batch is sized: at least `minTxns` transactions and `minNs` of them (at most
    `maxTxns`). The transactions count as calibration (not sampled). */
export const POINT_WARMUP = Object.freeze({ minTxns: 16, minNs: 1e6, maxTxns: 10000, settleTxns: 512, settleNs: 20e6 });

/** The point's warm-up: POINT_WARMUP's minimum, then on until `settleTxns` transactions or
    `settleNs` have run. A point's level is new: the JS levels' objects (the auto decider, its
    caches, the compiled steps) start from cold feedback, and V8 re-optimizes what they deopted
    only after some hundred calls (seen: an l0-js auto point at 200 steps whose full
    transactions took 37 µs for their first ~390, then 8.6 µs). */
function batchWarmup(txn, now, { minTxns, minNs, maxTxns, settleTxns, settleNs } = POINT_WARMUP) {
  const t0 = now();
  let i = 0;
  for (; i < maxTxns && (i < minTxns || now() - t0 < minNs); i++) txn();
  for (; i < settleTxns && now() - t0 < settleNs; i++) txn();
}

function batchSize(txn, now, { calibration, targetNs, maxBatch }) {
  if (calibration === 'single') {
    let one = Infinity;
    for (let i = 0; i < 3; i++) { const t0 = now(); txn(); one = Math.min(one, now() - t0); }
    return Math.min(maxBatch, Math.max(1, Math.ceil(targetNs / Math.max(1, one))));
  }
  const time = (n) => { const t0 = now(); for (let i = 0; i < n; i++) txn(); return now() - t0; };
  for (let n = 1; ; n *= 2) {
    const t = Math.min(time(n), time(n), time(n)); // the smallest of three: a GC or scheduler pause does not decide
    if (t >= targetNs / 4 || n >= maxBatch) return Math.min(maxBatch, Math.max(1, Math.ceil(targetNs * n / Math.max(1, t))));
  }
}

/**
 * The perf matrix (converge bench), one point at a time: per point, `runs` samples of the
 * converge workload's transactions (increment b0…b{k−1}, commit); a sample times a batch of
 * transactions and records the mean (ns); boundary counters per transaction.
 * Points: {graph, level, mode, roots: [path ids], runs, timeoutMs}; graphs: [{blob, tables}].
 * @param now the host's clock: a Number of nanoseconds
 * @param wasmModule flavor -> compiled WebAssembly.Module
 * @param batching BATCHING.node or BATCHING.browser
 * Yields one result per point, in order (after a warm-up of `job.warmupMs` per level; l0-js:
 * per level and mode).
 */
/** What makeTxnLevel takes for a level from a loaded graph ({ blob, tables, code, artifact,
    artifactTables }): the compiled artifact and its tables for the l4 levels, else the graph's
    tables artifact and the bytecode. */
export function levelSource(level, graph) {
  if (!level.startsWith('l4-')) return { blob: graph.blob, tables: graph.tables, code: graph.code };
  if (!graph.artifact) throw new JobError(`level ${level} needs the graph's AOT artifact ("artifact": a .ckir file)`);
  return { blob: graph.artifact, tables: graph.artifactTables, code: null };
}

/** The memory probe (docs/perf-diff.md, "Noise-robust budgets"; the Swift bench's MemoryProbe):
    PROBE_PASSES passes of dst[i] |= src[i] ^ pass over two fixed 16 KiB arrays, timed beside every
    sample (`probeSamplesNs`). Another tenant of the machine's core or caches slows it as it slows
    the kernel, for seconds at a time; a slower kernel leaves it alone. */
const PROBE_WORDS = 4096, PROBE_PASSES = 8;
const probeDst = new Uint32Array(PROBE_WORDS);
const probeSrc = Uint32Array.from({ length: PROBE_WORDS }, (_, i) => Math.imul(i, 0x9e3779b9) >>> 0);
let probeSink = 0;
export function memoryProbeNs(now) {
  const t0 = now();
  let acc = 0;
  for (let pass = 0; pass < PROBE_PASSES; pass++) {
    for (let i = 0; i < PROBE_WORDS; i++) {
      const v = probeDst[i] | (probeSrc[i] ^ pass);
      probeDst[i] = v;
      acc ^= v;
    }
  }
  const t1 = now();
  probeSink ^= acc; // the stream's value is used: it cannot be dropped
  return t1 - t0;
}

/** How many times the warm-up runs each distinct point, each time on a fresh level (benchMatrixPoints). */
export const WARMUP_INSTANCES = 4;

export function* benchMatrixPoints(job, graphs, { now, wasmModule, batching = BATCHING.node }) {
  // warm-up: per level (l0-js: per level and mode) warmupMs, shared by every distinct point of
  // it (mode, graph, root count), so the JIT has optimized the JS kernel's and the host's code
  // for each before any is measured: l0-js's modes and sizes run different JS code (the full
  // plan, the JS planner, the auto decider, whose small root sets take the plan caches, its
  // middle ones the cost model's probes, its large ones the near-full rule), and auto's cost
  // model decides from times measured at the point (a point measured cold sticks to full).
  // The points run as WARMUP_INSTANCES fresh levels in turn: a call site in the host's code (the
  // decider's call of its execute closure, a plan's call of a compiled step) is optimized for
  // the one closure it saw, and a new level's closure deoptimizes it ("wrong call target"); V8
  // takes thousands of transactions to optimize it again (seen: a 1-root l0-js auto point at
  // 0.9 µs where a level that lasts runs it in 0.33; fresh levels deoptimized three times, then
  // no more). After some levels the call sites know every level's closures, and a point's new
  // level runs optimized code from its first transaction.
  const sets = new Map();
  for (const p of job.points ?? []) {
    const key = p.level === 'l0-js' ? `${p.level} ${p.mode}` : p.level;
    if (!sets.has(key)) sets.set(key, new Map());
    const id = `${p.mode} ${p.graph} ${p.roots.length}`;
    if (!sets.get(key).has(id)) sets.get(key).set(id, p);
  }
  const warmupNs = (job.warmupMs ?? 0) * 1e6;
  const warm = [];
  for (const points of sets.values()) {
    const share = warmupNs / (WARMUP_INSTANCES * points.size);
    for (let i = 0; i < WARMUP_INSTANCES; i++) for (const p of points.values()) warm.push([p, share]);
  }
  // the wasm levels first: running the first wasm level makes V8 drop the optimized code of
  // every function that reads typed arrays (--trace-deopt: "code dependencies", by all
  // appearances its array-buffer detach protector as a wasm memory grows), so l0-js warmed up
  // before it was measured while it re-optimized (seen: a 1000-root auto point's 40 µs
  // transactions taking 300–400 µs for its first ~25, a 20-root dirty point 4–5 µs instead of 0.9)
  warm.sort((a, b) => (a[0].level === 'l0-js') - (b[0].level === 'l0-js'));
  for (const [p, ns] of warm) {
    const src = levelSource(p.level, graphs[p.graph]);
    const lv = makeTxnLevel(p.level, src.blob, src.tables, p.mode, wasmModule, src.code, job.policy, now);
    const ids = Uint32Array.from(p.roots), vals = new Float64Array(ids.length);
    for (let t0 = now(), v = 0; now() - t0 < ns;) {
      vals.fill(++v); lv.write(ids, vals, ids.length); lv.commit(ids, ids.length);
    }
    lv.destroy();
    // the plain-JS reference beside l0-js, on fresh instances too: V8 specializes the code of a
    // closure it has seen one instance of to that instance (its arrays as constants), which
    // made the first point's reference up to 2x faster than any later one (seen: a full pass
    // over 2000 steps 9.7 µs with one instance, 19.5 µs after two others; the JS kernel, warmed
    // on several levels, never had that advantage)
    if (p.level === 'l0-js' && plainReferenceUnsupported(src.tables) === null) {
      warmPlainReference(src.tables, p.mode === 'full', p.roots, ns, now);
    }
  }
  // the probe optimized before any point is timed
  for (let i = 0; i < 200; i++) memoryProbeNs(now);
  for (const p of job.points ?? []) {
    const src = levelSource(p.level, graphs[p.graph]);
    const lv = makeTxnLevel(p.level, src.blob, src.tables, p.mode, wasmModule, src.code, job.policy, now);
    const ids = Uint32Array.from(p.roots), n = ids.length;
    const vals = new Float64Array(n);
    const samples = [], probeSamplesNs = [];
    let value = 0, planLen = 0, status = 'ok', calibration = 0;
    const txn = () => { vals.fill(++value); lv.write(ids, vals, n); planLen = lv.commit(ids, n); calibration++; };
    // the point's first transactions are not like the rest: V8 compiles wasm functions on their
    // first call, and auto's cold start, first sighting and cache store run once each. Sizing the
    // batch from them gave auto points batches of 1 (the fastest of the first three took
    // > 0.1 ms) and samples dominated by the clock: so the batch is sized after POINT_WARMUP
    batchWarmup(txn, now);
    const batch = batchSize(txn, now, batching);
    const counted = calibration;
    const deadline = now() + (p.timeoutMs ?? 1e9) * 1e6;
    const decisionNs = []; // per sample: the batch's last transaction's decision time (0: not measured), as the Swift runtime's summary
    for (let r = 0; r < p.runs; r++) {
      const t0 = now();
      for (let b = 0; b < batch; b++) txn();
      const t1 = now();
      samples.push((t1 - t0) / batch);
      probeSamplesNs.push(memoryProbeNs(now));
      if (p.mode === 'auto') decisionNs.push(lv.last()?.decisionNs ?? 0);
      if (t1 > deadline && r + 1 < p.runs) { status = 'timeout'; break; }
    }
    const c = lv.counters(), t = Math.max(1, counted + samples.length * batch);
    const last = lv.last();
    lv.destroy();
    // l0-js: the plain-JS reference of the same transactions, same batches, same process
    // (plain-reference.mjs); auto is timed as dirty (the reference has no decision)
    let referenceSamplesNs = null, referenceUnavailable = null;
    if (p.level === 'l0-js') {
      referenceUnavailable = plainReferenceUnsupported(src.tables);
      if (referenceUnavailable === null) {
        referenceSamplesNs = timePlainReference(src.tables, p.mode === 'full', p.roots, samples.length, batch, now);
      }
    }
    yield {
      status, samplesNs: samples, probeSamplesNs: probeSink === 0x5eed ? [] : probeSamplesNs, batch, executedSteps: planLen, memoryPages: lv.memoryPages,
      callsPerTxn: c.calls / t, hostCallsPerTxn: c.hostCalls / t, bytesInPerTxn: c.bytesIn / t, bytesOutPerTxn: c.bytesOut / t,
      vmStepsPerTxn: c.vmSteps / t,
      // the executed modes and the decisions (every transaction of the point, calibration included)
      transactions: t, fullRuns: c.fullRuns, dirtyRuns: c.dirtyRuns, cutOffs: c.cutOffs,
      reasonsSeen: c.reasonsSeen, lastReasons: c.lastReasons, lastExecutedMode: last ? last.executedMode : (p.mode === 'full' ? EXECUTED_FULL : EXECUTED_DIRTY),
      decisionsTimed: c.decisionsTimed, decisionNsMean: c.decisionsTimed > 0 ? c.decisionNsSum / c.decisionsTimed : 0, decisionNs,
      // recorded: the counters above come from each transaction's record (the txn-core levels;
      // l0-js in auto mode), else they describe the requested mode
      txnCore: lv.txnCore, recorded: last !== null,
      referenceSamplesNs, referenceUnavailable,
    };
  }
}
