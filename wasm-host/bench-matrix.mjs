// bench-matrix.mjs — the `converge bench` loop every JS host shares: node (cli.mjs, command
// bench-matrix) and headless Chromium (browser/page.mjs) import this module, so the V8 and the
// Chromium backends run the same transactions, batches and counters (docs/wasm-host.md).
// Nothing here touches node's or the browser's APIs: the host passes its clock and its compiled
// wasm modules.

import { JsKernel } from './js-kernel.mjs';
import { WasmKernel, executePlan, convergeStep, TAG_NUMBER } from './host.mjs';

/** A bad job (unknown level, missing wasm file): cli.mjs exits 2 on it, not 1. */
export class JobError extends Error {}

/**
 * One backend-level of the converge workload's transactions over one graph: write(ids, vals, n)
 * stores the reducer's number writes, commit(ids, n) converges with them as dirty roots and
 * returns the plan length; counters() the boundary counters so far; state() the final slots.
 * `wasmModule(flavor)` returns the compiled module of 'simd' or 'scalar'.
 */
export function makeTxnLevel(level, blob, tables, mode, wasmModule, code = null) {
  const S = tables.stepCount, P = tables.pathCount;
  const scope = 2, dirtyMode = mode === 'full' ? 0 : 1;
  const l3 = level.startsWith('l3-'); // L2 plus the graph's bytecode (CKB1) loaded into the kernel
  const l2 = level.startsWith('l2-') || l3; // the state lives in the kernel's linear memory
  let tags, values, commitTxn, kernel = null, jsKernel = null, planOut = null;
  let changed = 0, vmSteps = 0;
  if (level === 'l0-js') {
    jsKernel = new JsKernel(tables, {});
    planOut = new Uint32Array(Math.max(1, S));
    tags = new Uint8Array(P);
    values = new Float64Array(P);
    commitTxn = (ids, n) => {
      const len = jsKernel.plan(ids, dirtyMode ? n : 0, dirtyMode, scope, 0, planOut);
      changed += executePlan(tables, planOut, len, tags, values, convergeStep);
      return len;
    };
  } else {
    const flavor = level.endsWith('-scalar') ? 'scalar' : 'simd';
    if (!level.startsWith('l1-') && !l2) {
      throw new JobError(`unknown level ${level} (l0-js, l1-wasm-simd, l1-wasm-scalar, l2-wasm-simd, l2-wasm-scalar, l3-wasm-simd, l3-wasm-scalar)`);
    }
    kernel = new WasmKernel(wasmModule(flavor), blob, tables, {});
    if (l3) {
      if (!code) throw new JobError(`level ${level} needs the graph's bytecode ("code": a CKB1 file)`);
      kernel.loadCode(code);
    }
    if (!l2) {
      // L1: the kernel plans; JS runs the steps over a JS-side state store
      tags = new Uint8Array(P);
      values = new Float64Array(P);
      commitTxn = (ids, n) => {
        const len = kernel.planIds(ids, dirtyMode ? n : 0, dirtyMode, scope, 0);
        changed += executePlan(tables, kernel.plan, len, tags, values, convergeStep);
        return len;
      };
    } else {
      // L2: the kernel plans and executes over its own state store; computed steps call back
      commitTxn = (ids, n) => {
        const len = kernel.commit(ids, dirtyMode ? n : 0, dirtyMode, scope, 0);
        changed += kernel.out[12];
        vmSteps += kernel.out[21];
        return len;
      };
    }
  }
  return {
    write(ids, vals, n) {
      if (kernel && kernel.buffer !== kernel.e.memory.buffer) kernel.views();
      const tg = l2 ? kernel.tags : tags, vs = l2 ? kernel.values : values;
      for (let i = 0; i < n; i++) { tg[ids[i]] = TAG_NUMBER; vs[ids[i]] = vals[i]; }
    },
    commit: commitTxn,
    counters() {
      return kernel ? { calls: kernel.calls, hostCalls: kernel.hostCalls, bytesIn: kernel.bytesIn, bytesOut: kernel.bytesOut, changed, vmSteps }
        : { calls: 0, hostCalls: 0, bytesIn: 0, bytesOut: 0, changed, vmSteps };
    },
    get memoryPages() { return kernel ? kernel.memoryPages : 0; },
    state() { return l2 ? { t: kernel.tags, v: kernel.values } : { t: tags, v: values }; },
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
 * Yields one result per point, in order (after a warm-up per level of `job.warmupMs`).
 */
export function* benchMatrixPoints(job, graphs, { now, wasmModule, batching = BATCHING.node }) {
  // warm-up: per level, the point with the most roots runs for warmupMs (the JIT tiers up the
  // JS kernel and the host code once, not during the first points)
  const widest = {};
  for (const p of job.points ?? []) if (!widest[p.level] || p.roots.length > widest[p.level].roots.length) widest[p.level] = p;
  for (const p of Object.values(widest)) {
    const { blob, tables } = graphs[p.graph];
    const lv = makeTxnLevel(p.level, blob, tables, p.mode, wasmModule, graphs[p.graph].code);
    const ids = Uint32Array.from(p.roots), vals = new Float64Array(ids.length);
    for (let t0 = now(), v = 0; now() - t0 < (job.warmupMs ?? 0) * 1e6;) {
      vals.fill(++v); lv.write(ids, vals, ids.length); lv.commit(ids, ids.length);
    }
    lv.destroy();
  }
  for (const p of job.points ?? []) {
    const { blob, tables } = graphs[p.graph];
    const lv = makeTxnLevel(p.level, blob, tables, p.mode, wasmModule, graphs[p.graph].code);
    const ids = Uint32Array.from(p.roots), n = ids.length;
    const vals = new Float64Array(n);
    const samples = [];
    let value = 0, planLen = 0, status = 'ok', calibration = 0;
    const txn = () => { vals.fill(++value); lv.write(ids, vals, n); planLen = lv.commit(ids, n); calibration++; };
    const batch = batchSize(txn, now, batching);
    const counted = calibration;
    const deadline = now() + (p.timeoutMs ?? 1e9) * 1e6;
    for (let r = 0; r < p.runs; r++) {
      const t0 = now();
      for (let b = 0; b < batch; b++) txn();
      const t1 = now();
      samples.push((t1 - t0) / batch);
      if (t1 > deadline && r + 1 < p.runs) { status = 'timeout'; break; }
    }
    const c = lv.counters(), t = Math.max(1, counted + samples.length * batch);
    yield {
      status, samplesNs: samples, batch, executedSteps: planLen, memoryPages: lv.memoryPages,
      callsPerTxn: c.calls / t, hostCallsPerTxn: c.hostCalls / t, bytesInPerTxn: c.bytesIn / t, bytesOutPerTxn: c.bytesOut / t,
      vmStepsPerTxn: c.vmSteps / t,
    };
    lv.destroy();
  }
}
