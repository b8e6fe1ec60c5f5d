// host.mjs — hosting CKernel's WebAssembly build in V8 the way Logix would host it
// (docs/kernel-abi.md, "WebAssembly"): the static tables placed once in linear memory, then
// exactly one exported call per transaction — on the transaction core, ckw_txn_commit after the
// host stored its writes into the write log in linear memory (no call per write); or, plan only,
// ckw_plan / ckw_commit with a pointer and length of dirty path ids. Results and plans are read
// back from linear memory through typed views. Nothing but integers and doubles crosses.
//
// Also the execution side every JS backend shares: a state store of tagged slots (Uint8Array
// tags + Float64Array values, the kernel's layout), a step executor mirroring ck_kernel_execute
// (links copy, computed steps call the step function, Object.is decides whether a write
// happens), and the step function of the converge workload (d_i = b_i + 1).

import { statusName, OUT, LAYOUT, TXN } from './abi.mjs';

/** The kernel's clock import (ns; read for execution budgets every 32 steps and for decision
    times): performance.now(), high-resolution in node and (coarsened) in a browser. Not
    process.hrtime.bigint(): it allocates a BigInt per read, which cost ~3% of a 2000-step
    transaction in GC and conversions. */
const nowNs = () => performance.now() * 1e6;

export const TAG_UNDEFINED = 0, TAG_NULL = 1, TAG_BOOLEAN = 2, TAG_NUMBER = 3;
/** "No path" in the input tables; the step flag of a link. */
export const NONE = 0xffffffff, STEP_LINK = 2;

// The ckw records' word indexes and the status names: abi.mjs (a copy of CKernel/abi.json).
// TXN and statusName are exported here too, for the modules that import them from host.mjs.
export { TXN, statusName };
/** ckw_txn_commit's flags carry the transaction's trace level (CK_TRACE_*) from this bit. */
const TXN_TRACE_SHIFT = 8;
/** Trace levels (ck_trace_t.level). */
export const TRACE_OFF = 0, TRACE_TIMING = 1, TRACE_PATCHES = 2;
/** ck_txn_request_t.mode and .flags (ckernel.h). */
export const TXN_AUTO = 0, TXN_FULL = 1, TXN_DIRTY = 2, TXN_OVERRIDE = 1, TXN_PLAN_ONLY = 2;
/** ck_txn_result_t.executed_mode */
export const EXECUTED_NONE = 0, EXECUTED_FULL = 1, EXECUTED_DIRTY = 2;
/** Bytes of the transaction record a commit hands back (words 0 … 23: the result). */
export const TXN_RECORD_BYTES = 24 * 4;
/** Bytes of one write-log entry (ck_write_t). */
export const WRITE_BYTES = 16;

/** A failed ckw_txn_* call: the status and ck_error_t's words. */
export class KernelError extends Error {
  constructor(what, status, table, index, value, fault) {
    super(`${what}: ${statusName(status)} (table ${table}, index ${index}, value ${value}, fault ${fault})`);
    this.status = status; this.statusName = statusName(status);
    this.table = table; this.index = index; this.value = value; this.fault = fault;
  }
}

/** Bytes of the out record a plan call hands back (status … index entries). */
export const PLAN_RECORD_BYTES = 9 * 4;
/** … and a commit call (… through the written-paths count). */
export const COMMIT_RECORD_BYTES = 18 * 4;

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
    happens only when the value differs (Object.is). The plan is plan[offset … offset + length)
    (a view of the kernel's memory and an index into it: no view is made per transaction).
    Returns the number of changed steps. */
export function executePlan(tables, plan, length, tags, values, step, offset = 0, rec = null) {
  if (rec !== null) return executePlanTraced(tables, plan, length, tags, values, step, offset, rec);
  const flags = tables.stepFlags, out = tables.stepOutPath, inOff = tables.inputOffsets, inPaths = tables.inputPaths;
  let changed = 0;
  for (let i = 0; i < length; i++) {
    const s = plan[offset + i];
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

/** executePlan recording the dynamic trace as the native L1 executor does (an L1 host's records
    after the core's): rec = { opSeq (the commit's op_seq), patches (bool: TRACE_PATCHES), steps:
    [], patchRecords: [], now (ns clock) } gets one step record per step ({stepId, kind: 1 link /
    0 computed, changed, durationNs}) and one patch record per derived write ({opSeq, pathId,
    stepId, reason: 2 link / 1 computed, fromTag, from, toTag, to}); rec.opSeq ends after them. */
function executePlanTraced(tables, plan, length, tags, values, step, offset, rec) {
  const flags = tables.stepFlags, out = tables.stepOutPath, inOff = tables.inputOffsets, inPaths = tables.inputPaths;
  let changed = 0;
  for (let i = 0; i < length; i++) {
    const t0 = rec.now();
    const s = plan[offset + i];
    const o = out[s];
    const link = (flags[s] & STEP_LINK) !== 0;
    let tag, value;
    if (link) {
      const p = inOff[s] < inOff[s + 1] ? inPaths[inOff[s]] : NONE;
      if (p === NONE) { tag = TAG_UNDEFINED; value = 0; } else { tag = tags[p]; value = values[p]; }
    } else {
      tag = TAG_NUMBER;
      value = step(tables, s, tags, values);
    }
    const same = sameValue(tags[o], values[o], tag, value);
    if (!same) {
      if (rec.patches) {
        rec.patchRecords.push({ opSeq: rec.opSeq, pathId: o, stepId: s, reason: link ? 2 : 1,
          fromTag: tags[o], from: values[o], toTag: tag, to: value });
      }
      rec.opSeq++;
      tags[o] = tag;
      values[o] = value;
      changed++;
    }
    rec.steps.push({ stepId: s, kind: link ? 1 : 0, changed: same ? 0 : 1, durationNs: rec.now() - t0 });
  }
  return changed;
}

/** Tables whose inputPaths and stepOutPath name slots of a layout (slotOf[p]: path p's slot),
    for step functions that index the state store with them. */
export function slotTables(tables, slotOf) {
  const map = (ids) => Uint32Array.from(ids, (p) => (p === NONE ? NONE : slotOf[p]));
  return { ...tables, inputPaths: map(tables.inputPaths), stepOutPath: map(tables.stepOutPath) };
}

/** The state by path id ({t, v}): the store itself, or a copy through the layout. */
export function statePerPath(tags, values, slotOf, hasLayout) {
  if (!hasLayout) return { t: tags, v: values };
  const t = new Uint8Array(slotOf.length), v = new Float64Array(slotOf.length);
  for (let p = 0; p < slotOf.length; p++) { t[p] = tags[slotOf[p]]; v[p] = values[slotOf[p]]; }
  return { t, v };
}

/** Compiles a wasm file's bytes once (reuse the module for many kernels). */
export function compileModule(bytes) {
  return new WebAssembly.Module(bytes);
}

/** One kernel instance inside one wasm instance. */
export class WasmKernel {
  /**
   * @param module a WebAssembly.Module of converge.wasm / converge-scalar.wasm
   * @param blob an AOT artifact (Uint8Array; docs/artifact.md): the graph's tables artifact
   *   (CompiledGraph.tablesArtifact()) or a compiled file (L4). The kernel comes from it
   *   (ckw_open_artifact: tables, bytecode when it has any, initial state), as the native
   *   kernel's does
   * @param tables the same tables read (tables.mjs readArtifactTables), for the step functions
   * @param options { strategy: 'auto'|'rows'|'lists'|'frontier', closureBudgetBytes, step, layout }
   *   layout: also take the file's state layout (L4): the state is then read through slotOf, and
   *   the step functions get `stepTables`, whose inputPaths / stepOutPath name slots (mapped
   *   once, here)
   */
  constructor(module, blob, tables, { strategy = 'auto', closureBudgetBytes = 0, step = convergeStep, layout = false } = {}) {
    this.tables = tables;
    this.step = step;
    this.calls = 0;
    this.bytesIn = 0;
    this.bytesOut = 0;
    this.hostCalls = 0;
    this.traceLevel = 0; // TRACE_* of the transactions to come (openTrace)
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
    const layoutPtr = e.ckw_open_artifact(blobPtr, blob.length, 0, STRATEGIES[strategy], closureBudgetBytes, layout ? 1 : 0);
    e.ckw_free(blobPtr);
    if (layoutPtr === 0) {
      const err = new Uint32Array(e.memory.buffer, e.ckw_create_error(), 6);
      // table CK_TABLE_ARTIFACT + section (or a kernel table), index = byte offset, a 64-bit value
      const value = err[5] * 4294967296 + err[3];
      throw new Error(`ckw_open_artifact: ${statusName(err[0])} (table ${err[1]}, index ${err[2]}, value ${value}, fault ${err[4]})`);
    }
    this.layoutPtr = layoutPtr;
    this.views();
    const l = this.layout;
    // the state layout (L4): slotOf[p] is path p's slot; the step functions read slots
    this.hasLayout = l[LAYOUT.HAS_LAYOUT] !== 0;
    this.slotOf = Uint32Array.from(new Uint32Array(this.e.memory.buffer, l[LAYOUT.SLOT_OF], l[LAYOUT.SLOTS]));
    this.stepTables = this.hasLayout ? slotTables(tables, this.slotOf) : tables;
    this.info = {
      pathCount: l[LAYOUT.PATHS], stepCount: l[LAYOUT.STEPS], groupCount: l[LAYOUT.GROUPS],
      impl: IMPL_NAMES[l[LAYOUT.IMPL]] ?? String(l[LAYOUT.IMPL]),
      strategy: STRATEGY_NAMES[l[LAYOUT.STRATEGY]] ?? String(l[LAYOUT.STRATEGY]), arenaBytes: l[LAYOUT.ARENA_BYTES],
      scopeLen: [l[LAYOUT.SCOPE_LEN], l[LAYOUT.SCOPE_LEN + 1], l[LAYOUT.SCOPE_LEN + 2]],
    };
  }

  /** (Re)creates the typed views over linear memory (after a memory.grow detaches them: the
      kernel allocates only in creation, ckw_load_code and ckw_txn_open). */
  views() {
    const buf = this.e.memory.buffer;
    this.buffer = buf;
    this.layout = new Uint32Array(buf, this.layoutPtr, LAYOUT.WORDS);
    const l = this.layout;
    this.out = new Uint32Array(buf, l[LAYOUT.OUT], OUT.WORDS);
    this.plan = new Uint32Array(buf, l[LAYOUT.PLAN], l[LAYOUT.PLAN_CAPACITY]);
    this.dirty = new Uint32Array(buf, l[LAYOUT.DIRTY], l[LAYOUT.DIRTY_CAPACITY]);
    this.tags = new Uint8Array(buf, l[LAYOUT.TAGS], l[LAYOUT.SLOTS]);
    this.values = new Float64Array(buf, l[LAYOUT.VALUES], l[LAYOUT.SLOTS]);
    this.u8 = new Uint8Array(buf);
    this.u32 = new Uint32Array(buf);
    this.f64 = new Float64Array(buf);
    this.txnRec = new Uint32Array(buf, l[LAYOUT.TXN], TXN.WORDS);
    const cap = l[LAYOUT.LOG_CAPACITY];
    // the write log: entry i is log32[4i] (id), log32[4i + 1] (tag and three zero bytes, as one
    // little-endian word), log64[2i + 1] (value)
    this.logCapacity = cap;
    this.log32 = new Uint32Array(buf, l[LAYOUT.LOG], 4 * cap);
    this.log64 = new Float64Array(buf, l[LAYOUT.LOG], 2 * cap);
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
    throw new Error(`${what}: ${statusName(status)} (table ${o[OUT.ERR_TABLE]}, index ${o[OUT.ERR_INDEX]}, value ${o[OUT.ERR_VALUE]})`);
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
      throw new Error(`ckw_load_code: ${statusName(status)} (table ${o[OUT.ERR_TABLE]}, index ${o[OUT.ERR_INDEX]}, value ${o[OUT.ERR_VALUE]}, fault ${o[OUT.ERR_FAULT]})`);
    }
  }

  /** L1: one exported call. The plan is this.plan[0 … returned length). */
  planIds(ids, n, mode, scope, flags) {
    this.putDirty(ids, n);
    const status = this.e.ckw_plan(this.layoutPtr, this.layout[LAYOUT.DIRTY], n, mode, scope, flags);
    this.calls++;
    this.check(status, 'ckw_plan');
    const len = this.out[OUT.PLAN_LEN];
    this.bytesOut += 4 * len + PLAN_RECORD_BYTES;
    return len;
  }

  /** L2: one exported call that plans and executes (computed steps come back through
      ckw_host_steps in batches). Returns the plan length; this.out has the counters. */
  commit(ids, n, mode, scope, flags) {
    this.putDirty(ids, n);
    const status = this.e.ckw_commit(this.layoutPtr, this.layout[LAYOUT.DIRTY], n, mode, scope, flags);
    this.calls++;
    this.check(status, 'ckw_commit');
    this.hostCalls += this.out[OUT.HOST_CALLS];
    this.bytesOut += COMMIT_RECORD_BYTES;
    return this.out[OUT.PLAN_LEN];
  }

  // ---------------------------------------------------------------- the transaction core

  /** Opens the session's transaction core (ckw_txn_open; a reopen starts afresh). Defaults are
      Swift's RuntimeOptions(): scope all, a 200 ms execution budget, this kernel's auto policy
      (AutoPolicy(): cost model on, decision budget 0.5 ms). Throws a KernelError. */
  openTxn({ scope = 2, budgetNs = 200e6, vmFlags = 0, logix = false, costModel = !logix, decisionBudgetNs = 0.5e6 } = {}) {
    const status = this.e.ckw_txn_open(this.layoutPtr, scope, budgetNs, vmFlags, logix ? 1 : 0, costModel ? 1 : 0, decisionBudgetNs);
    this.views(); // ckw_txn_open allocates: linear memory may have grown
    this.logCount = 0;
    this.hostExecNs = 0;
    this.traceLevel = TRACE_OFF;
    if (status !== 0) throw this.txnError('ckw_txn_open', status);
    this.txnOpen = true;
  }

  txnError(what, status) {
    if (this.buffer !== this.e.memory.buffer) this.views();
    const r = this.txnRec;
    return new KernelError(what, status, r[TXN.ERR_TABLE], r[TXN.ERR_INDEX], r[TXN.ERR_VALUE], r[TXN.ERR_FAULT]);
  }

  /** Appends one write (tag TAG_* or 0xFF = a dirty mark) to the log: no call unless the log is
      full (then one ckw_txn_flush of the whole log). Ids and tags are checked by the kernel at
      the flush or commit (CK_ERR_BAD_WRITE), not here. */
  txnWrite(id, tag, value) {
    let n = this.logCount;
    // linear memory grows only inside calls into the module, and every call that can grow it
    // refreshes the views (reading memory.buffer per write would cost more than the write)
    if (n === this.logCapacity) { this.txnFlush(); n = 0; }
    this.log32[4 * n] = id;
    this.log32[4 * n + 1] = tag & 0xff;
    this.log64[2 * n + 1] = value;
    this.logCount = n + 1;
  }

  /** Applies the log now (ckw_txn_flush). Throws a KernelError (a bad write aborts the transaction). */
  txnFlush() {
    const n = this.logCount;
    this.logCount = 0;
    this.bytesIn += WRITE_BYTES * n; // the log records handed over (counted per call, not per write)
    const status = this.e.ckw_txn_flush(this.layoutPtr, n, this.traceLevel);
    this.calls++;
    if (status !== 0) throw this.txnError('ckw_txn_flush', status);
  }

  /** Commits (ckw_txn_commit: one exported call) with mode TXN_AUTO / FULL / DIRTY and flags
      TXN_OVERRIDE / PLAN_ONLY; the host execution time of the previous PLAN_ONLY transaction
      (txnExecuted) goes with it. Returns the status (0 = ok; this.txnRec holds the result, or
      the error words); throwing is the caller's choice (txnError). */
  txnCommitStatus(mode, flags = 0) {
    const n = this.logCount;
    this.logCount = 0;
    this.bytesIn += WRITE_BYTES * n;
    const status = this.e.ckw_txn_commit(this.layoutPtr, n, mode, flags | (this.traceLevel << TXN_TRACE_SHIFT), this.hostExecNs);
    this.hostExecNs = 0;
    this.calls++;
    if (this.buffer !== this.e.memory.buffer) this.views();
    if (status === 0) {
      this.hostCalls += this.txnRec[TXN.HOST_CALLS];
      this.bytesOut += TXN_RECORD_BYTES;
    }
    return status;
  }

  /** The log's op_seq after the last ckw_txn_* call (transaction-record words 28–29). */
  txnOpSeq() {
    const r = this.txnRec;
    return r[TXN.OP_SEQ_HI] * 4294967296 + r[TXN.OP_SEQ_LO];
  }

  /** L1 (PLAN_ONLY): the host ran the plan and made `writes` derived writes; the log's op_seq
      (layout word 20) counts them, as the native L1 executor's do. No call. */
  txnAdvanceOpSeq(writes) {
    if (writes === 0) return;
    if (this.buffer !== this.e.memory.buffer) this.views();
    const v = this.txnOpSeq() + writes, at = this.layout[LAYOUT.OP_SEQ] >>> 2;
    this.u32[at] = v % 4294967296;
    this.u32[at + 1] = Math.floor(v / 4294967296);
  }

  /** As txnCommitStatus, throwing a KernelError on failure; returns the plan length. */
  txnCommit(mode, flags = 0) {
    const status = this.txnCommitStatus(mode, flags);
    if (status !== 0) throw this.txnError('ckw_txn_commit', status);
    return this.txnRec[TXN.PLAN_LEN];
  }

  /** The plan of the last commit (PLAN_ONLY: the one the host is to run), a view into linear
      memory valid until the next call. */
  txnPlan() {
    const r = this.txnRec;
    return new Uint32Array(this.buffer, r[TXN.PLAN], r[TXN.PLAN_LEN]);
  }

  /** PLAN_ONLY hosts: the time (ns) they spent executing the last plan; sent with the next
      commit only when the result asked for it (wants_exec_ns). */
  txnExecuted(ns) {
    this.hostExecNs = this.txnRec[TXN.WANTS_EXEC_NS] ? Math.max(0, ns) : 0;
  }

  /** Aborts the transaction (ckw_txn_abort: the reducer's writes undone, the log emptied). */
  txnAbort() {
    this.logCount = 0;
    const status = this.e.ckw_txn_abort(this.layoutPtr);
    this.calls++;
    if (status !== 0) throw this.txnError('ckw_txn_abort', status);
  }

  /** Empties the plan caches (ckw_txn_bump_generation). */
  txnBumpGeneration() {
    const status = this.e.ckw_txn_bump_generation(this.layoutPtr);
    if (status !== 0) throw this.txnError('ckw_txn_bump_generation', status);
  }

  /** The last commit's ck_txn_result_t as an object. */
  txnResult() {
    if (this.buffer !== this.e.memory.buffer) this.views();
    const r = this.txnRec;
    return {
      status: r[TXN.STATUS], converged: r[TXN.CONVERGED], executedMode: r[TXN.EXECUTED_MODE], reasons: r[TXN.REASONS],
      committed: r[TXN.COMMITTED], outcome: r[TXN.OUTCOME], failedStep: r[TXN.FAILED_STEP], planLen: r[TXN.PLAN_LEN],
      executedSteps: r[TXN.EXECUTED_STEPS], changedSteps: r[TXN.CHANGED_STEPS], hostCalls: r[TXN.HOST_CALLS],
      vmSteps: r[TXN.VM_STEPS], dirtyRoots: r[TXN.DIRTY_ROOTS], topRoots: [r[TXN.TOP_ROOTS], r[TXN.TOP_ROOTS + 1], r[TXN.TOP_ROOTS + 2]],
      dirtyAll: r[TXN.DIRTY_ALL], cacheHit: r[TXN.CACHE_HIT], inlineEnabled: r[TXN.INLINE_ENABLED], lruEnabled: r[TXN.LRU_ENABLED],
      wantsExecNs: r[TXN.WANTS_EXEC_NS], decisionNs: r[TXN.DECISION_NS_HI] * 4294967296 + r[TXN.DECISION_NS_LO],
      opSeq: r[TXN.OP_SEQ_HI] * 4294967296 + r[TXN.OP_SEQ_LO],
    };
  }
  /** Record buffers for the dynamic trace (ckw_txn_trace): per transaction up to `steps` step
      records and `patches` patch records; set this.traceLevel (TRACE_*) before a transaction's
      writes to record it. Throws a KernelError. */
  openTrace(steps, patches) {
    const status = this.e.ckw_txn_trace(this.layoutPtr, steps, patches);
    this.views(); // it allocates: linear memory may have grown
    if (status !== 0) throw this.txnError('ckw_txn_trace', status);
  }

  /** The last commit's trace records: steps [{stepId, kind, changed, durationNs}] and patches
      [{opSeq, pathId, stepId (null for reducer writes), reason, fromTag, from, toTag, to}], read
      from linear memory (ck_step_record_t: 16 bytes, ck_patch_record_t: 40 bytes). */
  txnTrace() {
    if (this.buffer !== this.e.memory.buffer) this.views();
    const r = this.txnRec, dv = new DataView(this.e.memory.buffer);
    const steps = [], patches = [];
    for (let i = 0, at = r[TXN.TRACE_STEPS]; i < r[TXN.TRACE_STEP_COUNT]; i++, at += 16) {
      steps.push({ stepId: dv.getUint32(at, true), kind: dv.getUint8(at + 4), changed: dv.getUint8(at + 5),
        durationNs: Number(dv.getBigUint64(at + 8, true)) });
    }
    for (let i = 0, at = r[TXN.TRACE_PATCHES]; i < r[TXN.TRACE_PATCH_COUNT]; i++, at += 40) {
      const step = dv.getUint32(at + 12, true);
      patches.push({ opSeq: Number(dv.getBigUint64(at, true)), pathId: dv.getUint32(at + 8, true),
        stepId: step === NONE ? null : step, reason: dv.getUint8(at + 16), fromTag: dv.getUint8(at + 17),
        toTag: dv.getUint8(at + 18), from: dv.getFloat64(at + 24, true), to: dv.getFloat64(at + 32, true) });
    }
    return { steps, patches, stepsDropped: r[TXN.TRACE_STEPS_DROPPED], patchesDropped: r[TXN.TRACE_PATCHES_DROPPED] };
  }


  /** The import: computes a batch of computed steps against the kernel's state store. */
  hostSteps(stepsPtr, count, outTagsPtr, outValuesPtr, outCompletedPtr) {
    if (this.buffer !== this.e.memory.buffer) this.views();
    const u32 = this.u32, u8 = this.u8, f64 = this.f64, tags = this.tags, values = this.values;
    const s0 = stepsPtr >>> 2, v0 = outValuesPtr >>> 3;
    for (let i = 0; i < count; i++) {
      const s = u32[s0 + i];
      u8[outTagsPtr + i] = TAG_NUMBER;
      f64[v0 + i] = this.step(this.stepTables, s, tags, values);
    }
    u32[outCompletedPtr >>> 2] = count;
    return 0;
  }

  /** Counters of the last call. */
  result() {
    const o = this.out;
    return {
      executedMode: o[OUT.EXECUTED_MODE], algorithm: o[OUT.ALGORITHM], dirtyAll: o[OUT.DIRTY_ALL],
      dirtyPrefixes: o[OUT.DIRTY_PREFIXES], reachableSteps: o[OUT.REACHABLE], wordsScanned: o[OUT.WORDS_SCANNED],
      indexEntries: o[OUT.INDEX_ENTRIES], outcome: o[OUT.OUTCOME], failedStep: o[OUT.FAILED_STEP],
      executedSteps: o[OUT.EXECUTED_STEPS], changedSteps: o[OUT.CHANGED_STEPS], hostCalls: o[OUT.HOST_CALLS],
      writes: o[OUT.WRITES_LEN],
    };
  }

  destroy() { this.e.ckw_destroy(this.layoutPtr); }
}
