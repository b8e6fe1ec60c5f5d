// txn-run.mjs — the `txn` job's loop (docs/wasm-host.md, "Jobs"), shared by node (cli.mjs) and
// the browser page (browser-page.mjs): per transaction the reducer's writes, then one commit, on
// one level of bench-matrix.mjs (makeTxnLevel); the final state and counters, and with
// `perTransaction` every commit's result and trace records. Pure JavaScript (no node modules).

import { makeTxnLevel } from './bench-matrix.mjs';
import { KernelError } from './host.mjs';

/** JSON has no NaN, infinities or -0: the Swift side sends those as strings. */
export function numberOf(v) {
  if (typeof v === 'number') return v;
  switch (v) {
    case 'NaN': return NaN;
    case '-0': return -0;
    case 'Infinity': return Infinity;
    case '-Infinity': return -Infinity;
  }
  throw new Error(`not a number: ${JSON.stringify(v)}`);
}

/** The inverse for results: NaN, infinities and -0 as those strings, other numbers as they are. */
export function numberJSON(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (Object.is(x, -0)) return '-0';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  return x;
}

/** Base64 of a typed array's bytes (btoa: in browsers and node >= 16). */
export function base64(view) {
  const bytes = new Uint8Array(view.buffer, view.byteOffset, view.byteLength);
  let text = '';
  for (let i = 0; i < bytes.length; i += 0x8000) text += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(text);
}

/**
 * The converge workload's transactions on one level; returns final state and counters.
 * A write is [id, value] (a number) or [id, value, tag] (any tag byte: a bad one makes the commit
 * fail with "bad write"); a transaction with `bumpGeneration` empties the plan caches first.
 * @param source { blob, tables, code } of the level (levelSource)
 * @param options { wasmModule, policy, perTransaction, trace, rounds }
 *   perTransaction: every commit's result is reported, and a failed commit is recorded (status
 *     and error words), not thrown (txn-core levels)
 *   trace: {level: 1 (timing) | 2 (patches), steps, patches}: each commit's records are reported,
 *     without durations (they differ between hosts)
 *   rounds: (fn, count) => timing fields — time the transactions (bench-txn) instead of
 *     reporting the final state
 */
export function runTxnLevel(level, source, txns, mode, { wasmModule, policy = {}, perTransaction = false, trace = null, rounds = null }) {
  const lv = makeTxnLevel(level, source.blob, source.tables, mode, wasmModule, source.code, policy);
  if (trace) lv.openTrace(trace.steps ?? 4096, trace.patches ?? 256, trace.level ?? 2);
  const prepared = txns.map(t => ({
    ids: Uint32Array.from(t.writes.map(w => w[0])), vals: Float64Array.from(t.writes.map(w => numberOf(w[1]))),
    tags: t.writes.some(w => w.length > 2) ? Uint8Array.from(t.writes.map(w => w.length > 2 ? w[2] : 3)) : null,
    bump: t.bumpGeneration === true,
  }));
  let applied = 0;
  const results = [];
  const apply = (t) => {
    applied++;
    // the reducer's writes, then one commit (l0-js: their ids go to the planner, or in auto mode
    // to the JS decider as dirty roots)
    if (t.bump) lv.bumpGeneration();
    lv.write(t.ids, t.vals, t.ids.length, t.tags);
    if (!perTransaction) { lv.commit(t.ids, t.ids.length); return; }
    try {
      lv.commit(t.ids, t.ids.length);
      const r = lv.last();
      if (r && trace) {
        const t = lv.trace();
        r.traceSteps = t.steps.map(x => [x.stepId, x.kind, x.changed]);
        r.tracePatches = t.patches.map(x => [x.opSeq, x.pathId, x.stepId ?? -1, x.reason, x.fromTag, numberJSON(x.from), x.toTag, numberJSON(x.to)]);
      }
      results.push(r ?? { status: 0 });
    } catch (e) {
      if (!(e instanceof KernelError)) throw e;
      results.push({ status: e.status, statusName: e.statusName, errTable: e.table, errIndex: e.index, errValue: e.value, errFault: e.fault });
    }
  };
  let timed = null;
  if (rounds) {
    timed = rounds(i => apply(prepared[i]), prepared.length);
  } else {
    for (const t of prepared) apply(t);
  }
  const { calls, hostCalls, bytesIn, bytesOut, changed, vmSteps, fullRuns, dirtyRuns } = lv.counters();
  const result = {
    level, calls, hostCalls, bytesIn, bytesOut, changed, vmSteps, fullRuns, dirtyRuns, transactions: applied,
    callsPerTxn: calls / applied, hostCallsPerTxn: hostCalls / applied,
    bytesInPerTxn: bytesIn / applied, bytesOutPerTxn: bytesOut / applied,
    memoryPages: lv.memoryPages,
    ...(timed ?? {}),
  };
  if (perTransaction) result.results = results;
  if (!rounds) {
    const st = lv.state();
    result.tags = base64(st.t);
    result.values = base64(st.v);
  }
  lv.destroy();
  return result;
}
