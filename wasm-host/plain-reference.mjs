// The plain-JS reference of the converge workload (docs/perf-report.md, "js.plainReferenceMs"):
// the fastest JS we know for this one workload, written for it alone — typed arrays, a dirty
// bitset over steps, the graph's trigger CSR, one closure per step, no kernel, no tags, no
// plan buffer. The bench times it beside js-v8 / js-chromium at each of their points, in the same
// process and with the same batches, so the report shows how far the JS kernel is from plain JS.

/**
 * Why the reference cannot run this graph (null: it can). It covers graphs like the converge
 * workload's: no nested paths, every step computed with exactly one input, step ids in
 * topological order (every input is a root or the output of a lower step).
 */
export function plainReferenceUnsupported(tables) {
  const S = tables.stepCount;
  for (let p = 0; p < tables.pathCount; p++) {
    if (tables.pathPrefixOffsets[p + 1] - tables.pathPrefixOffsets[p] > 1) return `path ${p} is nested (it has a proper prefix)`;
  }
  const producer = new Int32Array(tables.pathCount).fill(-1);
  for (let s = 0; s < S; s++) producer[tables.stepOutPath[s]] = s;
  for (let s = 0; s < S; s++) {
    if (tables.stepFlags[s] & 2) return `step ${s} is a link`; // STEP_LINK (host.mjs)
    if (tables.inputOffsets[s + 1] - tables.inputOffsets[s] !== 1) return `step ${s} does not have exactly one input`;
    const p = tables.inputPaths[tables.inputOffsets[s]];
    if (producer[p] >= s) return `step ${s} reads the output of step ${producer[p]} (ids not in topological order)`;
  }
  return null;
}

/** The reference's trigger CSR: for each path, the steps that read it, ascending. */
function readers(tables) {
  const S = tables.stepCount, P = tables.pathCount;
  const offsets = new Uint32Array(P + 1);
  for (let s = 0; s < S; s++) offsets[tables.inputPaths[tables.inputOffsets[s]] + 1]++;
  for (let p = 0; p < P; p++) offsets[p + 1] += offsets[p];
  const steps = new Uint32Array(S), fill = offsets.slice(0, P);
  for (let s = 0; s < S; s++) steps[fill[tables.inputPaths[tables.inputOffsets[s]]]++] = s;
  return { offsets, steps };
}

/**
 * One transaction of the reference: `txn(ids, n, v)` writes v to the n root paths `ids` and
 * converges — every step in full mode, else the steps the written paths trigger (and, when an
 * output changes, the steps it triggers), in id order. Returns the number of steps run.
 */
export function makePlainReference(tables, full) {
  const S = tables.stepCount, P = tables.pathCount;
  const values = new Float64Array(P);
  const out = tables.stepOutPath, csr = readers(tables), trigOff = csr.offsets, trig = csr.steps;
  const words = (S + 31) >>> 5;
  const pending = new Int32Array(words);
  const run = new Array(S);
  for (let s = 0; s < S; s++) {
    const input = tables.inputPaths[tables.inputOffsets[s]], o = out[s];
    // one closure per step: d = b + 1, written only when it changes
    run[s] = () => {
      const v = values[input] + 1;
      if (v === values[o]) return false;
      values[o] = v;
      return true;
    };
  }
  const mark = (p) => {
    for (let j = trigOff[p], e = trigOff[p + 1]; j < e; j++) {
      const s = trig[j];
      pending[s >>> 5] |= 1 << (s & 31);
    }
  };
  const txn = full
    ? (ids, n, v) => {
      for (let i = 0; i < n; i++) values[ids[i]] = v;
      for (let s = 0; s < S; s++) run[s]();
      return S;
    }
    : (ids, n, v) => {
      for (let i = 0; i < n; i++) {
        const p = ids[i];
        if (values[p] !== v) { values[p] = v; mark(p); }
      }
      let ran = 0;
      for (let w = 0; w < words; w++) {
        let bits = pending[w];
        while (bits !== 0) {
          const low = bits & -bits;
          const s = (w << 5) + 31 - Math.clz32(low);
          bits ^= low;
          pending[w] = bits;
          ran++;
          if (run[s]()) {
            mark(out[s]);
            bits = pending[w]; // a later step of this word may have been marked
          }
        }
      }
      return ran;
    };
  return { txn, values };
}

/** Runs a fresh reference's transactions over `roots` for `ns` (the bench's warm-up). */
export function warmPlainReference(tables, full, roots, ns, now) {
  const ref = makePlainReference(tables, full);
  const ids = Uint32Array.from(roots), n = ids.length;
  for (let t0 = now(), v = 0; now() - t0 < ns;) ref.txn(ids, n, ++v);
}

/**
 * Times the reference at one point: `runs` samples of `batch` transactions each (ns per
 * transaction), after a warm-up of `warmupMs`; then checks one transaction's result (every step
 * a written root triggers holds root + 1) and throws when it is wrong.
 */
export function timePlainReference(tables, full, roots, runs, batch, now, warmupMs = 20) {
  const ref = makePlainReference(tables, full);
  const ids = Uint32Array.from(roots), n = ids.length;
  let v = 0;
  for (let t0 = now(); now() - t0 < warmupMs * 1e6;) ref.txn(ids, n, ++v);
  const samples = [];
  for (let r = 0; r < runs; r++) {
    const t0 = now();
    for (let b = 0; b < batch; b++) ref.txn(ids, n, ++v);
    samples.push((now() - t0) / batch);
  }
  ref.txn(ids, n, ++v);
  const csr = readers(tables);
  for (let i = 0; i < n; i++) {
    for (let j = csr.offsets[ids[i]]; j < csr.offsets[ids[i] + 1]; j++) {
      const s = csr.steps[j];
      if (ref.values[tables.stepOutPath[s]] !== v + 1) {
        throw new Error(`the plain-JS reference is wrong: step ${s} holds ${ref.values[tables.stepOutPath[s]]}, expected ${v + 1}`);
      }
    }
  }
  return samples;
}
