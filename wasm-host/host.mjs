// host.mjs — hosting CKernel's WebAssembly build in V8 the way Logix would host it
// (docs/kernel-abi.md, "WebAssembly"): the static tables placed once in linear memory, then
// exactly one exported call per transaction (ckw_plan for L1, ckw_commit for L2) with a pointer
// and length of dirty path ids; the plan and every counter are read back from linear memory
// through typed views. Nothing but integers and doubles crosses.
//
// Also the execution side every JS backend shares: a state store of tagged slots (Uint8Array
// tags + Float64Array values, the kernel's layout), a step executor mirroring ck_kernel_execute
// (links copy, computed steps call the step function, Object.is decides whether a write
// happens), and the step function of the converge workload (d_i = b_i + 1).

/** The kernel's clock import (ns): process.hrtime in node, performance.now() in a browser. */
const nowNs = typeof process !== 'undefined' && process.hrtime
  ? () => Number(process.hrtime.bigint())
  : () => performance.now() * 1e6;

export const TAG_UNDEFINED = 0, TAG_NULL = 1, TAG_BOOLEAN = 2, TAG_NUMBER = 3;
const NONE = 0xffffffff;
const STEP_LINK = 2;

// out record word indexes (ck_wasm.c)
const OUT_STATUS = 0, OUT_PLAN_LEN = 1, OUT_EXECUTED_MODE = 2, OUT_ALGORITHM = 3, OUT_DIRTY_ALL = 4,
  OUT_DIRTY_PREFIXES = 5, OUT_REACHABLE = 6, OUT_WORDS_SCANNED = 7, OUT_INDEX_ENTRIES = 8,
  OUT_OUTCOME = 9, OUT_FAILED_STEP = 10, OUT_EXECUTED_STEPS = 11, OUT_CHANGED_STEPS = 12,
  OUT_HOST_CALLS = 13, OUT_WRITES_LEN = 17, OUT_ERR_TABLE = 18, OUT_ERR_INDEX = 19, OUT_ERR_VALUE = 20;
const OUT_WORDS = 24;
/** Bytes of the out record a plan call hands back (status … index entries). */
export const PLAN_RECORD_BYTES = 9 * 4;
/** … and a commit call (… through the written-paths count). */
export const COMMIT_RECORD_BYTES = 18 * 4;

const STATUS_NAMES = ['ok', 'null argument', 'bad tables', 'too large', 'out of memory', 'unknown path id',
  'bad mode', 'bad scope', 'buffer too small', 'bad option', 'implementation unavailable', 'invariant broken',
  'unknown step id', 'no host step', 'bad argument'];
const STRATEGIES = { auto: 0, rows: 1, frontier: 2, lists: 3 };
const STRATEGY_NAMES = ['auto', 'rows', 'frontier', 'lists'];
const IMPL_NAMES = ['auto', 'scalar', 'sse2', 'avx2', 'neon', 'simd128'];

/** Object.is on two tagged values (ck_same_value). */
export function sameValue(ta, a, tb, b) {
  if (ta !== tb) return false;
  if (ta !== TAG_NUMBER) return ta !== TAG_BOOLEAN || a === b;
  return Object.is(a, b);
}

/** The converge workload's step function (Workload.registerConvergeFunctions): dep 0 as a number
    (NaN when it holds anything else, as `undefined + 1` is NaN in JS) plus one. */
export function convergeStep(tables, s, tags, values) {
  const p = tables.inputOffsets[s] < tables.inputOffsets[s + 1] ? tables.inputPaths[tables.inputOffsets[s]] : NONE;
  return (p !== NONE && tags[p] === TAG_NUMBER ? values[p] : NaN) + 1;
}

/** Executes a plan over a state store like ck_kernel_execute without a budget: links copy their
    `from` (undefined when it maps to no path), computed steps call `step` (numbers only), a write
    happens only when the value differs (Object.is). Returns the number of changed steps. */
export function executePlan(tables, plan, length, tags, values, step) {
  const flags = tables.stepFlags, out = tables.stepOutPath, inOff = tables.inputOffsets, inPaths = tables.inputPaths;
  let changed = 0;
  for (let i = 0; i < length; i++) {
    const s = plan[i];
    const o = out[s];
    let tag, value;
    if (flags[s] & STEP_LINK) {
      const p = inOff[s] < inOff[s + 1] ? inPaths[inOff[s]] : NONE;
      if (p === NONE) { tag = TAG_UNDEFINED; value = 0; } else { tag = tags[p]; value = values[p]; }
    } else {
      tag = TAG_NUMBER;
      value = step(tables, s, tags, values);
    }
    if (sameValue(tags[o], values[o], tag, value)) continue;
    tags[o] = tag;
    values[o] = value;
    changed++;
  }
  return changed;
}

/** Compiles a wasm file's bytes once (reuse the module for many kernels). */
export function compileModule(bytes) {
  return new WebAssembly.Module(bytes);
}

/** One kernel instance inside one wasm instance. */
export class WasmKernel {
  /**
   * @param module a WebAssembly.Module of converge.wasm / converge-scalar.wasm
   * @param blob the CKT1 tables (Uint8Array)
   * @param tables the same tables read (tables.mjs), for the step functions
   * @param options { strategy: 'auto'|'rows'|'lists'|'frontier', closureBudgetBytes, step }
   */
  constructor(module, blob, tables, { strategy = 'auto', closureBudgetBytes = 0, step = convergeStep } = {}) {
    this.tables = tables;
    this.step = step;
    this.calls = 0;
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.hostCalls = 0;
    const env = {
      ckw_now_ns: nowNs,
      ckw_host_steps: (stepsPtr, count, outTagsPtr, outValuesPtr, outCompletedPtr) =>
        this.hostSteps(stepsPtr, count, outTagsPtr, outValuesPtr, outCompletedPtr),
    };
    this.instance = new WebAssembly.Instance(module, { env });
    const e = this.instance.exports;
    this.e = e;
    if (!(strategy in STRATEGIES)) throw new Error(`unknown strategy ${strategy} (auto, rows, lists, frontier)`);
    const blobPtr = e.ckw_alloc(blob.length);
    if (blobPtr === 0) throw new Error(`ckw_alloc(${blob.length}): out of linear memory`);
    new Uint8Array(e.memory.buffer, blobPtr, blob.length).set(blob);
    const layout = e.ckw_create(blobPtr, blob.length, 0, STRATEGIES[strategy], closureBudgetBytes);
    e.ckw_free(blobPtr);
    if (layout === 0) {
      const err = new Uint32Array(e.memory.buffer, e.ckw_create_error(), 4);
      throw new Error(`ckw_create: ${STATUS_NAMES[err[0]] ?? err[0]} (table ${err[1]}, index ${err[2]}, value ${err[3]})`);
    }
    this.layoutPtr = layout;
    this.views();
    const l = this.layout;
    this.info = {
      pathCount: l[8], stepCount: l[9], groupCount: l[10], impl: IMPL_NAMES[l[11]] ?? String(l[11]),
      strategy: STRATEGY_NAMES[l[12]] ?? String(l[12]), arenaBytes: l[13], scopeLen: [l[14], l[15], l[16]],
    };
  }

  /** (Re)creates the typed views over linear memory (after a memory.grow detaches them; the kernel
      allocates nothing after creation, so in practice once). */
  views() {
    const buf = this.e.memory.buffer;
    this.buffer = buf;
    this.layout = new Uint32Array(buf, this.layoutPtr, 20);
    const l = this.layout;
    this.out = new Uint32Array(buf, l[0], OUT_WORDS);
    this.plan = new Uint32Array(buf, l[1], l[2]);
    this.dirty = new Uint32Array(buf, l[3], l[4]);
    this.tags = new Uint8Array(buf, l[5], l[7]);
    this.values = new Float64Array(buf, l[6], l[7]);
    this.u8 = new Uint8Array(buf);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
  }

  /** Linear memory in 64 KiB pages. */
  get memoryPages() { return this.e.memory.buffer.byteLength / 65536; }

  /** Execution settings for commit(): budgets in ns (0 = none), near-full ratio (0 = off). */
  configure(budgetNs, nearFullRatio, decisionBudgetNs) {
    this.e.ckw_configure(this.layoutPtr, budgetNs, nearFullRatio, decisionBudgetNs);
  }

  /** Copies dirty ids into the module's dirty buffer (the bytes in). */
  putDirty(ids, n) {
    if (this.buffer !== this.e.memory.buffer) this.views();
    if (n > this.dirty.length) throw new Error(`${n} dirty ids exceed the module's dirty buffer (${this.dirty.length})`);
    if (n === ids.length && ids instanceof Uint32Array) this.dirty.set(ids); // a memcpy
    else { const d = this.dirty; for (let i = 0; i < n; i++) d[i] = ids[i]; }
    this.bytesIn += 4 * n;
  }

  check(status, what) {
    if (status === 0) return;
    const o = this.out;
    throw new Error(`${what}: ${STATUS_NAMES[status] ?? status} (table ${o[OUT_ERR_TABLE]}, index ${o[OUT_ERR_INDEX]}, value ${o[OUT_ERR_VALUE]})`);
  }

  /** L3: loads a CKB1 bytecode blob (docs/kernel-abi.md, "Bytecode blob"; the kernel verifies
      and copies it): computed steps with a program then run inside ckw_commit, without a
      callback. Throws with the kernel's error (status, table, index, value, fault). */
  loadCode(blob) {
    const e = this.e;
    const ptr = e.ckw_alloc(blob.length);
    if (ptr === 0) throw new Error(`ckw_alloc(${blob.length}): out of linear memory`);
    new Uint8Array(e.memory.buffer, ptr, blob.length).set(blob);
    const status = e.ckw_load_code(this.layoutPtr, ptr, blob.length);
    e.ckw_free(ptr);
    this.views();
    if (status !== 0) {
      const o = this.out;
      throw new Error(`ckw_load_code: ${STATUS_NAMES[status] ?? status} (table ${o[OUT_ERR_TABLE]}, index ${o[OUT_ERR_INDEX]}, value ${o[OUT_ERR_VALUE]}, fault ${o[22]})`);
    }
  }

  /** L1: one exported call. The plan is this.plan[0 … returned length). */
  planIds(ids, n, mode, scope, flags) {
    this.putDirty(ids, n);
    const status = this.e.ckw_plan(this.layoutPtr, this.layout[3], n, mode, scope, flags);
    this.calls++;
    this.check(status, 'ckw_plan');
    const len = this.out[OUT_PLAN_LEN];
    this.bytesOut += 4 * len + PLAN_RECORD_BYTES;
    return len;
  }

  /** L2: one exported call that plans and executes (computed steps come back through
      ckw_host_steps in batches). Returns the plan length; this.out has the counters. */
  commit(ids, n, mode, scope, flags) {
    this.putDirty(ids, n);
    const status = this.e.ckw_commit(this.layoutPtr, this.layout[3], n, mode, scope, flags);
    this.calls++;
    this.check(status, 'ckw_commit');
    this.hostCalls += this.out[OUT_HOST_CALLS];
    this.bytesOut += COMMIT_RECORD_BYTES;
    return this.out[OUT_PLAN_LEN];
  }

  /** The import: computes a batch of computed steps against the kernel's state store. */
  hostSteps(stepsPtr, count, outTagsPtr, outValuesPtr, outCompletedPtr) {
    if (this.buffer !== this.e.memory.buffer) this.views();
    const u32 = this.u32, u8 = this.u8, f64 = this.f64, tags = this.tags, values = this.values;
    const s0 = stepsPtr >>> 2, v0 = outValuesPtr >>> 3;
    for (let i = 0; i < count; i++) {
      const s = u32[s0 + i];
      u8[outTagsPtr + i] = TAG_NUMBER;
      f64[v0 + i] = this.step(this.tables, s, tags, values);
    }
    u32[outCompletedPtr >>> 2] = count;
    return 0;
  }

  /** Counters of the last call. */
  result() {
    const o = this.out;
    return {
      executedMode: o[OUT_EXECUTED_MODE], algorithm: o[OUT_ALGORITHM], dirtyAll: o[OUT_DIRTY_ALL],
      dirtyPrefixes: o[OUT_DIRTY_PREFIXES], reachableSteps: o[OUT_REACHABLE], wordsScanned: o[OUT_WORDS_SCANNED],
      indexEntries: o[OUT_INDEX_ENTRIES], outcome: o[OUT_OUTCOME], failedStep: o[OUT_FAILED_STEP],
      executedSteps: o[OUT_EXECUTED_STEPS], changedSteps: o[OUT_CHANGED_STEPS], hostCalls: o[OUT_HOST_CALLS],
      writes: o[OUT_WRITES_LEN],
    };
  }

  destroy() { this.e.ckw_destroy(this.layoutPtr); }
}
