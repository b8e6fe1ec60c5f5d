// js-kernel.mjs — a pure-JavaScript port of the C kernel's planner (CKernel/src/kernel.c,
// propagate.c, closure.c, plan.c): the "L0 JS" reference a wasm build of the C kernel is
// benchmarked against. ES module, no dependency but abi.mjs (the C's status codes and names), no wasm.
//
// It produces the same plans as ck_kernel_plan (step ids ascending) and the same counters:
// executedMode, algorithm, dirtyAll, dirtyPrefixes, reachableSteps, indexEntries and wordsScanned
// all match the C exactly. Bitsets are Int32Array words (two per C 64-bit word, padded like the C
// to blocks of CK_WORD_BLOCK = 8 64-bit words); wordsScanned is reported in the C's 64-bit words
// (the scanned ranges are the C's block-aligned ranges, so the count is the same).
//
// Like the C: everything is allocated in the constructor; plan() allocates nothing (except the
// Error it throws on bad arguments), its scratch (step bitset, group bitset, queue) is all-zero
// between calls, and the result object is reused.
//
// Strategy choice: the constructor runs the same rule as closure.c's ck_build_closures (same
// default budget, max(8 MiB, 64 bytes per step) — that is the C's value; same byte formulas:
// row_bytes = 3·G·step_words·8, list_bytes = 4·list_total + 12·(G+1) + 12·P; same 2^28 work cap,
// counted as the C counts it), so the chosen strategy is the C's. Graphs under 32 steps, or with
// no group, report 'frontier' (as ck_kernel_info does) and plan with the linear pass.
//
// Where the JS differs from the C in how (never in what): rows are OR-ed only over the words a
// row may have set (recorded at create; the C ORs whole rows); the scan skips empty runs of 256
// bits at once and emits full 32-bit words directly; trigger entries keep only step | deferred.
// Errors are thrown as CkError (code = the ck_status_t, table/index/value as ck_error_t).

import { STATUS, STATUS_NAMES } from './abi.mjs';

export const MODE_FULL = 0, MODE_DIRTY = 1;
export const SCOPE_IMMEDIATE = 0, SCOPE_DEFERRED = 1, SCOPE_ALL = 2;
export const PLAN_DIRTY_ALL = 1;
export const ALGO = Object.freeze({ scope: 0, linear: 1, rows: 2, frontier: 3, lists: 4 });

// ck_status_t values and names (CkError.code / CkError.status): abi.mjs, the C's (CKernel/abi.json).
const { ERR_BAD_TABLES, ERR_TOO_LARGE, ERR_UNKNOWN_PATH_ID, ERR_BAD_MODE, ERR_BAD_SCOPE, ERR_BUFFER_TOO_SMALL,
  ERR_BAD_OPTION, ERR_NULL_ARGUMENT } = STATUS;

// ck_table_id_t names (CkError.table).
const TABLE_NAMES = ['none', 'path_prefix_offsets', 'path_prefix_ids', 'step_out_path', 'step_flags',
  'trigger_offsets', 'trigger_steps', 'dep_offsets', 'dep_paths', 'dirty_ids'];
const T_NONE = 0, T_PREFIX_OFFSETS = 1, T_PREFIX_IDS = 2, T_STEP_OUT_PATH = 3, T_STEP_FLAGS = 4,
  T_TRIGGER_OFFSETS = 5, T_TRIGGER_STEPS = 6, T_DEP_OFFSETS = 7, T_DEP_PATHS = 8, T_DIRTY_IDS = 9;

/** The error every JsKernel failure throws: code = the ck_status_t value, plus table/index/value
    like ck_error_t. */
export class CkError extends Error {
  constructor(code, table, index, value, detail) {
    const where = table !== T_NONE ? `${TABLE_NAMES[table]}[${index}] = ${value}` : '';
    super(`${STATUS_NAMES[code]}: ${where}${where && detail ? ': ' : ''}${detail ?? ''}`);
    this.name = 'CkError';
    this.code = code;
    this.status = STATUS_NAMES[code];
    this.table = TABLE_NAMES[table];
    this.index = index;
    this.value = value;
  }
}

const MAX_PATHS = 1 << 24, MAX_STEPS = 1 << 24, MAX_EDGES = 2 ** 28;
const CLOSURE_WORK_CAP = 2 ** 28;
const WORD_BLOCK = 8; // 64-bit words per block (CK_WORD_BLOCK)

// The C's strategy enum (ck_strategy_t).
const STRAT_AUTO = 0, STRAT_ROWS = 1, STRAT_FRONTIER = 2, STRAT_LISTS = 3;
const STRATEGY_IDS = { auto: STRAT_AUTO, rows: STRAT_ROWS, frontier: STRAT_FRONTIER, lists: STRAT_LISTS };
const STRATEGY_NAMES = ['auto', 'rows', 'frontier', 'lists'];

// A trigger entry is packed as step | deferred << 30 (step ids < 2^24; every value stays a small
// integer for V8); the C's entry also holds the step's out group, which only create needs here.
const ENTRY_DEFERRED_SHIFT = 30;
const ENTRY_DEFERRED = 1 << ENTRY_DEFERRED_SHIFT;
const ENTRY_STEP = ENTRY_DEFERRED - 1;
const LO_NONE = 0x3fffffff; // "no step yet" for the [lo, hi] range (C: UINT32_MAX); a small integer for V8

/** 64-bit words of a bitset of `bits` bits, padded to whole blocks (ck_words_for_bits). */
function wordsForBits(bits) {
  const words = Math.ceil(bits / 64);
  return Math.ceil(words / WORD_BLOCK) * WORD_BLOCK;
}

function popcount32(w) {
  w = w - ((w >>> 1) & 0x55555555);
  w = (w & 0x33333333) + ((w >>> 2) & 0x33333333);
  return (Math.imul((w + (w >>> 4)) & 0x0f0f0f0f, 0x01010101) >>> 24);
}

function fail(code, table, index, value, detail) {
  throw new CkError(code, table, index, value, detail);
}

// ---------------------------------------------------------------- validation (kernel.c)

function needArray(arr, table, minLength, what) {
  if (arr == null || typeof arr.length !== 'number') fail(ERR_NULL_ARGUMENT, table, 0, 0, `${TABLE_NAMES[table]} is missing`);
  if (arr.length < minLength) {
    fail(ERR_BAD_TABLES, table, arr.length, arr.length, `the array is too short: ${TABLE_NAMES[table]} has ${arr.length} entries, ${what} needs ${minLength}`);
  }
}

function checkOffsets(offsets, count, table) {
  needArray(offsets, table, count + 1, `a count of ${count}`);
  if (offsets[0] !== 0) fail(ERR_BAD_TABLES, table, 0, offsets[0], 'offsets must start at 0');
  for (let i = 0; i < count; i++) {
    if (offsets[i + 1] < offsets[i]) fail(ERR_BAD_TABLES, table, i + 1, offsets[i + 1], 'offsets decrease');
  }
  if (offsets[count] > MAX_EDGES) fail(ERR_TOO_LARGE, table, count, offsets[count], 'more than 2^28 entries');
}

function checkLists(offsets, items, count, limit, table) {
  needArray(items, table, offsets[count], `offsets[${count}] = ${offsets[count]}`);
  for (let i = 0; i < count; i++) {
    const b = offsets[i], e = offsets[i + 1];
    for (let j = b; j < e; j++) {
      if (!(items[j] < limit)) fail(ERR_BAD_TABLES, table, j, items[j], `id out of range (limit ${limit})`);
      if (j > b && items[j] <= items[j - 1]) fail(ERR_BAD_TABLES, table, j, items[j], 'list not strictly ascending');
    }
  }
}

function validateTables(t) {
  if (t == null) fail(ERR_NULL_ARGUMENT, T_NONE, 0, 0, 'no tables');
  const P = t.pathCount, S = t.stepCount;
  if (!Number.isInteger(P) || P < 0) fail(ERR_BAD_TABLES, T_NONE, 0, P, 'pathCount is not a non-negative integer');
  if (!Number.isInteger(S) || S < 0) fail(ERR_BAD_TABLES, T_NONE, 1, S, 'stepCount is not a non-negative integer');
  if (P > MAX_PATHS) fail(ERR_TOO_LARGE, T_NONE, 0, P, 'pathCount > 2^24');
  if (S > MAX_STEPS) fail(ERR_TOO_LARGE, T_NONE, 1, S, 'stepCount > 2^24');
  const po = t.pathPrefixOffsets, pi = t.pathPrefixIds;
  checkOffsets(po, P, T_PREFIX_OFFSETS);
  checkLists(po, pi, P, P, T_PREFIX_IDS);
  for (let p = 0; p < P; p++) {
    const b = po[p], e = po[p + 1];
    if (e === b) fail(ERR_BAD_TABLES, T_PREFIX_OFFSETS, p + 1, e, `path ${p} has an empty prefix list`);
    if (pi[e - 1] !== p) fail(ERR_BAD_TABLES, T_PREFIX_IDS, e - 1, pi[e - 1], `the prefix list of path ${p} does not end with ${p}`);
    const g = pi[b];
    if (po[g + 1] - po[g] !== 1) fail(ERR_BAD_TABLES, T_PREFIX_IDS, b, g, `the first prefix of path ${p} is not a 1-segment path`);
  }
  needArray(t.stepOutPath, T_STEP_OUT_PATH, S, `stepCount ${S}`);
  needArray(t.stepFlags, T_STEP_FLAGS, S, `stepCount ${S}`);
  for (let s = 0; s < S; s++) {
    if (!(t.stepOutPath[s] < P)) fail(ERR_BAD_TABLES, T_STEP_OUT_PATH, s, t.stepOutPath[s], `path id out of range (path count ${P})`);
    if (t.stepFlags[s] & ~3) fail(ERR_BAD_TABLES, T_STEP_FLAGS, s, t.stepFlags[s], 'unknown flag bits');
  }
  checkOffsets(t.triggerOffsets, P, T_TRIGGER_OFFSETS);
  checkLists(t.triggerOffsets, t.triggerSteps, P, S, T_TRIGGER_STEPS);
  checkOffsets(t.depOffsets, S, T_DEP_OFFSETS);
  const deps = t.depOffsets[S];
  needArray(t.depPaths, T_DEP_PATHS, deps, `depOffsets[${S}] = ${deps}`);
  for (let j = 0; j < deps; j++) {
    if (!(t.depPaths[j] < P)) fail(ERR_BAD_TABLES, T_DEP_PATHS, j, t.depPaths[j], `path id out of range (path count ${P})`);
  }
}

// ---------------------------------------------------------------- the kernel

export class JsKernel {
  constructor(tables, { strategy = 'auto', closureBudgetBytes = 0 } = {}) {
    const requested = STRATEGY_IDS[strategy];
    if (requested === undefined || !Object.prototype.hasOwnProperty.call(STRATEGY_IDS, strategy)) {
      fail(ERR_BAD_OPTION, T_NONE, 0, 0, `unknown strategy ${JSON.stringify(strategy)} (auto, rows, lists, frontier)`);
    }
    let budget = typeof closureBudgetBytes === 'bigint' ? Number(closureBudgetBytes) : closureBudgetBytes;
    if (typeof budget !== 'number' || !(budget >= 0)) fail(ERR_BAD_OPTION, T_NONE, 0, 0, `bad closureBudgetBytes ${closureBudgetBytes}`);
    validateTables(tables);

    const P = tables.pathCount, S = tables.stepCount;
    const po = tables.pathPrefixOffsets, pi = tables.pathPrefixIds;
    const to = tables.triggerOffsets, ts = tables.triggerSteps;
    const flags = tables.stepFlags;

    // groups: 1-segment prefixes with a non-empty trigger list
    let G = 0, E = 0;
    for (let p = 0; p < P; p++) {
      const len = po[p + 1] - po[p], trig = to[p + 1] - to[p];
      if (len === 1 && trig > 0) { G++; E += trig; }
    }
    const scopeLen = [0, 0, 0];
    for (let s = 0; s < S; s++) {
      scopeLen[2]++;
      if (flags[s] & 1) scopeLen[1]++; else scopeLen[0]++;
    }
    if (budget === 0) budget = Math.max(64 * S, 8 * 1024 * 1024);

    // Fields, all assigned here in one order (one hidden class).
    this.pathCount = P;
    this.stepCount = S;
    this.groupCount = G;
    this.triggerEntries = E;
    this.stepWords = wordsForBits(S);         // 64-bit words, as the C counts them
    this.stepWords32 = this.stepWords * 2;
    this.groupWords = wordsForBits(G);
    this.groupWords32 = this.groupWords * 2;
    this.scopeLen = scopeLen;
    this.strategyId = STRAT_FRONTIER;
    this.closureBytes = 0;
    this.pathGroup = new Int32Array(P);        // group of the path's 1-segment prefix, or -1
    this.groupPath = new Int32Array(G);
    this.groupOffsets = new Int32Array(G + 1);
    this.entries = new Int32Array(E);          // step | deferred << 30, per group ascending
    this.stepGroupsOffsets = new Int32Array(S + 1);
    this.stepGroups = new Int32Array(E);
    this.stepOutGroup = new Int32Array(S);     // group of the out, or -1 (propagates nothing)
    this.scopeList = [new Uint32Array(scopeLen[0]), new Uint32Array(scopeLen[1]), new Uint32Array(scopeLen[2])];
    this.adjOffsets = new Int32Array(3 * (G + 1));
    this.adjGroups = new Int32Array(0);
    this.rows = new Int32Array(0);             // [3][G][stepWords32] with rows
    this.rowSpan = new Int32Array(0);          // [3][G][2] with rows: the words a row may have set
    this.listOffsets = new Int32Array(0);      // [3][G + 1] with lists
    this.listSteps = new Int32Array(0);
    this.pathSingle = new Int32Array(0);       // [3][P] with lists: the one step, -2 none, -1 many
    this.stepBits = new Int32Array(this.stepWords32);
    this.groupBits = new Int32Array(this.groupWords32);
    this.queue = new Int32Array(G + 1);
    // frontier outputs (fields, so that plan() allocates nothing)
    this.fLo = LO_NONE;
    this.fHi = 0;
    this.fVisited = 0;
    this.result = {
      stepCount: 0, executedMode: 0, algorithm: 0, dirtyAll: 0,
      dirtyPrefixes: 0, reachableSteps: 0, wordsScanned: 0, indexEntries: 0,
    };

    // path -> group, group -> steps
    const groupOfPath = new Int32Array(P).fill(-1);
    const entryStep = new Int32Array(E);
    let g = 0, at = 0;
    for (let p = 0; p < P; p++) {
      const len = po[p + 1] - po[p], tb = to[p], te = to[p + 1];
      if (len === 1 && te > tb) {
        this.groupPath[g] = p;
        groupOfPath[p] = g;
        for (let i = tb; i < te; i++) entryStep[at + i - tb] = ts[i];
        at += te - tb;
        this.groupOffsets[++g] = at;
      }
    }
    for (let p = 0; p < P; p++) this.pathGroup[p] = groupOfPath[pi[po[p]]];
    // the inverse index: step -> groups (ascending)
    const sgo = this.stepGroupsOffsets;
    for (let i = 0; i < E; i++) sgo[entryStep[i] + 1]++;
    for (let s = 0; s < S; s++) sgo[s + 1] += sgo[s];
    {
      const cursor = sgo.slice(0, S);
      for (let gi = 0; gi < G; gi++) {
        for (let i = this.groupOffsets[gi]; i < this.groupOffsets[gi + 1]; i++) {
          this.stepGroups[cursor[entryStep[i]]++] = gi;
        }
      }
    }
    for (let s = 0; s < S; s++) this.stepOutGroup[s] = this.pathGroup[tables.stepOutPath[s]];
    {
      const fill = [0, 0, 0];
      for (let s = 0; s < S; s++) {
        this.scopeList[2][fill[2]++] = s;
        const sc = (flags[s] & 1) ? 1 : 0;
        this.scopeList[sc][fill[sc]++] = s;
      }
    }
    // every step must be listed under its own out's group, or propagation would lose it
    for (let s = 0; s < S; s++) {
      const og = this.stepOutGroup[s];
      let listed = false;
      if (og >= 0) {
        for (let i = sgo[s]; i < sgo[s + 1]; i++) if (this.stepGroups[i] === og) { listed = true; break; }
      }
      if (!listed) {
        fail(ERR_BAD_TABLES, T_TRIGGER_STEPS, s, tables.stepOutPath[s],
          `step ${s} is not listed under the 1-segment prefix of its out path ${tables.stepOutPath[s]}`);
      }
    }
    // a step whose out group triggers only the step itself propagates nothing
    for (let s = 0; s < S; s++) {
      const og = this.stepOutGroup[s];
      if (this.groupOffsets[og + 1] - this.groupOffsets[og] === 1) this.stepOutGroup[s] = -1;
    }
    const entryOut = new Int32Array(E); // the out group of each entry's step, or -1
    for (let i = 0; i < E; i++) {
      const s = entryStep[i];
      entryOut[i] = this.stepOutGroup[s];
      this.entries[i] = s | ((flags[s] & 1) ? ENTRY_DEFERRED : 0);
    }
    this._buildGroupGraph(entryOut);
    this._buildClosures(requested, budget);
  }

  // propagate.c ck_build_group_graph: per scope, g -> the distinct groups of the outs of g's
  // in-scope steps (g itself excluded), in first-seen order.
  _buildGroupGraph(entryOut) {
    const G = this.groupCount, entries = this.entries, offsets = this.groupOffsets;
    const groupBits = this.groupBits, queue = this.queue;
    let adj = this.adjGroups;
    for (let pass = 0; pass < 2; pass++) {
      let at = 0;
      for (let scope = 0; scope < 3; scope++) {
        const mask = scope === 2 ? 0 : ENTRY_DEFERRED;
        const want = scope === 1 ? ENTRY_DEFERRED : 0;
        for (let g = 0; g < G; g++) {
          if (pass) this.adjOffsets[scope * (G + 1) + g] = at;
          let n = 0;
          for (let i = offsets[g]; i < offsets[g + 1]; i++) {
            if ((entries[i] & mask) !== want) continue;
            const h = entryOut[i];
            if (h < 0 || h === g || (groupBits[h >>> 5] & (1 << (h & 31))) !== 0) continue;
            groupBits[h >>> 5] |= 1 << (h & 31);
            queue[n++] = h;
            if (pass) adj[at] = h;
            at++;
          }
          for (let j = 0; j < n; j++) groupBits[queue[j] >>> 5] &= ~(1 << (queue[j] & 31));
        }
        if (pass) this.adjOffsets[scope * (G + 1) + G] = at;
      }
      if (pass === 0) {
        if (at > MAX_EDGES * 3) fail(ERR_TOO_LARGE, T_NONE, 3, at, 'group graph too large');
        adj = this.adjGroups = new Int32Array(at);
      }
    }
  }

  // closure.c closure_of: the frontier from group g alone into stepBits; returns the reached step
  // count, leaves fLo/fHi = the reached range and the bits set; adds the visits to fVisited.
  _closureOf(g, scope) {
    const groupBits = this.groupBits, queue = this.queue;
    this.fLo = LO_NONE;
    this.fHi = 0;
    groupBits[g >>> 5] |= 1 << (g & 31);
    queue[0] = g;
    const queued = this._frontier(1, scope);
    for (let i = 0; i < queued; i++) groupBits[queue[i] >>> 5] = 0;
    const lo = this.fLo, hi = this.fHi;
    if (lo > hi) return 0;
    const bits = this.stepBits;
    let n = 0;
    for (let w = lo >>> 5, end = hi >>> 5; w <= end; w++) n += popcount32(bits[w]);
    return n;
  }

  // closure.c ck_build_closures: the strategy choice, then rows or lists.
  _buildClosures(requested, budget) {
    this.strategyId = STRAT_FRONTIER;
    this.closureBytes = 0;
    const G = this.groupCount, P = this.pathCount;
    if (requested === STRAT_FRONTIER || this.stepCount < 32 || G === 0) return;
    const sw32 = this.stepWords32, bits = this.stepBits;
    const rowBytes = 3 * G * this.stepWords * 8;
    let listTotal = 0;
    if (requested !== STRAT_ROWS) {
      // the total size of all closures (also the work estimate), stopping early when AUTO can no
      // longer afford either form
      let work = 0;
      let affordable = true;
      for (let scope = 0; scope < 3 && affordable; scope++) {
        for (let g = 0; g < G; g++) {
          this.fVisited = 0;
          const n = this._closureOf(g, scope);
          work += this.fVisited;
          if (this.fLo <= this.fHi) bits.fill(0, (this.fLo >>> 6) * 2, (this.fHi >>> 6) * 2 + 2);
          listTotal += n;
          work += n;
          if (requested === STRAT_AUTO &&
              (work > CLOSURE_WORK_CAP || (listTotal * 4 > budget && rowBytes > budget))) {
            affordable = false;
            break;
          }
        }
      }
      if (!affordable) return; // frontier
    }
    const listBytes = listTotal * 4 + 3 * (G + 1) * 4 + 3 * P * 4;
    let chosen = requested;
    if (requested === STRAT_AUTO) {
      const rowsFit = rowBytes <= budget, listsFit = listBytes <= budget;
      if (rowsFit && (!listsFit || rowBytes <= listBytes)) chosen = STRAT_ROWS;
      else if (listsFit) chosen = STRAT_LISTS;
      else chosen = STRAT_FRONTIER;
    }
    if (chosen === STRAT_FRONTIER) return;
    const bytes = chosen === STRAT_ROWS ? rowBytes : listBytes;
    if (bytes > 2 ** 40 || listTotal > 0xffffffff) fail(ERR_TOO_LARGE, T_NONE, 2, bytes, 'closures too large');

    if (chosen === STRAT_ROWS) {
      const rows = this.rows = new Int32Array(3 * G * sw32);
      const span = this.rowSpan = new Int32Array(2 * 3 * G);
      for (let scope = 0; scope < 3; scope++) {
        for (let g = 0; g < G; g++) {
          this._closureOf(g, scope);
          const lo = this.fLo, hi = this.fHi;
          if (lo > hi) continue;
          const r = scope * G + g, base = r * sw32;
          for (let w = lo >>> 5, end = hi >>> 5; w <= end; w++) {
            rows[base + w] = bits[w];
            bits[w] = 0;
          }
          // the 32-bit words [begin, end) that may be non-zero, in runs of 8 (sw32 is a multiple of 16)
          span[2 * r] = (lo >>> 8) << 3;
          span[2 * r + 1] = ((hi >>> 8) + 1) << 3;
        }
      }
    } else {
      const pathSingle = this.pathSingle = new Int32Array(3 * P);
      const listOffsets = this.listOffsets = new Int32Array(3 * (G + 1));
      const listSteps = this.listSteps = new Int32Array(listTotal);
      let at = 0;
      for (let scope = 0; scope < 3; scope++) {
        const ob = scope * (G + 1);
        for (let g = 0; g < G; g++) {
          listOffsets[ob + g] = at;
          const n = this._closureOf(g, scope);
          if (n > 0) {
            for (let w = this.fLo >>> 5, end = this.fHi >>> 5; w <= end; w++) {
              let x = bits[w];
              if (x === 0) continue;
              bits[w] = 0;
              const base = w << 5;
              do {
                const t = x & -x;
                listSteps[at++] = base + 31 - Math.clz32(t);
                x ^= t;
              } while (x !== 0);
            }
          }
        }
        listOffsets[ob + G] = at;
        // the one-step shortcut per path
        const sb = scope * P;
        for (let p = 0; p < P; p++) {
          const g = this.pathGroup[p];
          const len = g < 0 ? 0 : listOffsets[ob + g + 1] - listOffsets[ob + g];
          pathSingle[sb + p] = len === 0 ? -2 : len === 1 ? listSteps[listOffsets[ob + g]] : -1;
        }
      }
    }
    this.closureBytes = bytes;
    this.strategyId = chosen;
  }

  info() {
    return {
      pathCount: this.pathCount,
      stepCount: this.stepCount,
      groupCount: this.groupCount,
      scopeLen: [this.scopeLen[0], this.scopeLen[1], this.scopeLen[2]],
      triggerEntries: this.triggerEntries,
      strategy: STRATEGY_NAMES[this.strategyId],
    };
  }

  // ------------------------------------------------------------ planning (plan.c)

  // propagate.c ck_frontier: from the groups marked in groupBits and queued in queue[0, queued):
  // breadth-first over the scope's group graph, then every in-scope entry of every reached group
  // sets its step's bit. Returns the queue length; adds visits to fVisited, widens [fLo, fHi].
  // (Each hot loop is its own small method, so that V8's on-stack replacement of one loop never
  // runs code after it that has no type feedback yet.)
  _frontier(queued, scope) {
    const tail = this._bfs(queued, scope);
    this._mark(tail, scope);
    return tail;
  }

  // phase 2: the in-scope entries of the `tail` queued groups set their steps' bits
  _mark(tail, scope) {
    // an entry is kept when its deferred bit matches the scope (scope all keeps every entry)
    const maskBit = scope === 2 ? 0 : 1;
    const wantBit = scope === 1 ? 1 : 0;
    if (tail * 64 > this.groupCount) this._markAscending(maskBit, wantBit);
    else this._markQueued(tail, maskBit, wantBit);
  }

  // phase 1: the reached groups
  _bfs(queued, scope) {
    const G = this.groupCount;
    const adjOffsets = this.adjOffsets, adj = this.adjGroups;
    const groupBits = this.groupBits, queue = this.queue;
    const ab = scope * (G + 1);
    let visited = 0, head = 0, tail = queued;
    while (head < tail && tail < G) { // once every group is reached, nothing is left to find
      const g = queue[head++];
      let i = adjOffsets[ab + g];
      const end = adjOffsets[ab + g + 1];
      visited += end - i;
      for (; i < end; i++) {
        const h = adj[i];
        const bit = 1 << (h & 31);
        if ((groupBits[h >>> 5] & bit) !== 0) continue;
        groupBits[h >>> 5] |= bit;
        queue[tail++] = h;
      }
    }
    this.fVisited += visited;
    return tail;
  }

  // phase 2 with many groups: walk them in ascending order (groupBits), so the entry lists
  // stream sequentially. Branch-free per entry, as propagate.c set_group; every group has at
  // least one entry.
  _markAscending(maskBit, wantBit) {
    const groupBits = this.groupBits, groupWords32 = this.groupWords32;
    const offsets = this.groupOffsets, list = this.entries, bits = this.stepBits;
    let visited = 0, lo = this.fLo, hi = this.fHi;
    for (let w = 0; w < groupWords32; w++) {
      let word = groupBits[w];
      while (word !== 0) {
        const t = word & -word;
        word ^= t;
        const g = (w << 5) + 31 - Math.clz32(t);
        const b = offsets[g], end = offsets[g + 1];
        visited += end - b;
        const first = list[b] & ENTRY_STEP, last = list[end - 1] & ENTRY_STEP;
        lo = first < lo ? first : lo;
        hi = last > hi ? last : hi;
        for (let i = b; i < end; i++) {
          const e = list[i];
          const s = e & ENTRY_STEP;
          bits[s >>> 5] |= (1 ^ (((e >>> ENTRY_DEFERRED_SHIFT) ^ wantBit) & maskBit)) << (s & 31);
        }
      }
    }
    this.fVisited += visited;
    this.fLo = lo;
    this.fHi = hi;
  }

  // phase 2 with few groups: in queue order.
  _markQueued(tail, maskBit, wantBit) {
    const queue = this.queue;
    const offsets = this.groupOffsets, list = this.entries, bits = this.stepBits;
    let visited = 0, lo = this.fLo, hi = this.fHi;
    for (let q = 0; q < tail; q++) {
      const g = queue[q];
      const b = offsets[g], end = offsets[g + 1];
      visited += end - b;
      const first = list[b] & ENTRY_STEP, last = list[end - 1] & ENTRY_STEP;
      lo = first < lo ? first : lo;
      hi = last > hi ? last : hi;
      for (let i = b; i < end; i++) {
        const e = list[i];
        const s = e & ENTRY_STEP;
        bits[s >>> 5] |= (1 ^ (((e >>> ENTRY_DEFERRED_SHIFT) ^ wantBit) & maskBit)) << (s & 31);
      }
    }
    this.fVisited += visited;
    this.fLo = lo;
    this.fHi = hi;
  }

  // Emits, ascending, every set bit of stepBits in 32-bit words [begin, end) into out and clears
  // those words (bitset_scalar.c scan_emit_clear). begin and end are multiples of 16 (the C's
  // blocks of 8 64-bit words), so the scan skips empty runs of 8 words (256 bits) at once, as the
  // AVX2 scan does. Returns the count.
  _scan(begin, end, out) {
    const bits = this.stepBits;
    let n = 0;
    for (let i = begin; i < end; i += 8) {
      if ((bits[i] | bits[i + 1] | bits[i + 2] | bits[i + 3] | bits[i + 4] | bits[i + 5] | bits[i + 6] | bits[i + 7]) === 0) continue;
      for (let j = i, e = i + 8; j < e; j++) {
        let w = bits[j];
        if (w === 0) continue;
        bits[j] = 0;
        const base = j << 5;
        if (w === -1) { // a full word (common in dense plans): 32 consecutive ids
          for (let b = 0; b < 32; b++) out[n + b] = base + b;
          n += 32;
          continue;
        }
        do {
          const t = w & -w;
          out[n++] = base + 31 - Math.clz32(t);
          w ^= t;
        } while (w !== 0);
      }
    }
    return n;
  }

  // Marks the distinct groups of the dirty ids in groupBits and queues them; returns the count.
  _queueDirty(dirty, dirtyLen) {
    const pathGroup = this.pathGroup, groupBits = this.groupBits, queue = this.queue;
    let queued = 0;
    for (let i = 0; i < dirtyLen; i++) {
      const g = pathGroup[dirty[i]];
      if (g < 0) continue; // its first segment triggers no step
      const bit = 1 << (g & 31);
      if ((groupBits[g >>> 5] & bit) !== 0) continue;
      groupBits[g >>> 5] |= bit;
      queue[queued++] = g;
    }
    return queued;
  }

  _clearQueued(queued) {
    const groupBits = this.groupBits, queue = this.queue;
    for (let i = 0; i < queued; i++) groupBits[queue[i] >>> 5] = 0;
  }

  // Graphs under 32 steps: one pass over the scope in topo order; a step is selected when one of
  // its groups is dirty, and a selected step dirties its out's group.
  _planLinear(dirty, dirtyLen, scope, out) {
    const r = this.result;
    let queued = this._queueDirty(dirty, dirtyLen);
    r.dirtyPrefixes = queued;
    const list = this.scopeList[scope], len = this.scopeLen[scope];
    const sgo = this.stepGroupsOffsets, sg = this.stepGroups, outGroup = this.stepOutGroup;
    const groupBits = this.groupBits, queue = this.queue;
    let n = 0, entries = 0;
    for (let i = 0; i < len; i++) {
      const s = list[i];
      let selected = false;
      for (let j = sgo[s], e = sgo[s + 1]; j < e; j++) {
        entries++;
        const g = sg[j];
        if ((groupBits[g >>> 5] & (1 << (g & 31))) !== 0) { selected = true; break; }
      }
      if (!selected) continue;
      out[n++] = s;
      const h = outGroup[s];
      if (h >= 0 && (groupBits[h >>> 5] & (1 << (h & 31))) === 0) {
        groupBits[h >>> 5] |= 1 << (h & 31);
        queue[queued++] = h;
      }
    }
    this._clearQueued(queued);
    r.indexEntries = entries;
    r.reachableSteps = n;
    return n;
  }

  _planRows(dirty, dirtyLen, scope, out) {
    const r = this.result;
    const queued = this._queueDirty(dirty, dirtyLen);
    const sw32 = this.stepWords32, rows = this.rows, span = this.rowSpan, bits = this.stepBits, queue = this.queue;
    const rb = scope * this.groupCount;
    // OR each row (only its possibly non-zero words: the rest are zero; the C ORs whole rows,
    // which sets the same bits), 8 words per iteration
    for (let q = 0; q < queued; q++) {
      const r = rb + queue[q];
      const end = span[2 * r + 1];
      for (let w = span[2 * r], j = r * sw32 + w; w < end; w += 8, j += 8) {
        bits[w] |= rows[j];
        bits[w + 1] |= rows[j + 1];
        bits[w + 2] |= rows[j + 2];
        bits[w + 3] |= rows[j + 3];
        bits[w + 4] |= rows[j + 4];
        bits[w + 5] |= rows[j + 5];
        bits[w + 6] |= rows[j + 6];
        bits[w + 7] |= rows[j + 7];
      }
    }
    this._clearQueued(queued);
    r.dirtyPrefixes = queued;
    r.indexEntries = queued;
    let n = 0;
    if (queued !== 0) {
      n = this._scan(0, sw32, out);
      r.wordsScanned = this.stepWords;
    }
    r.reachableSteps = n;
    return n;
  }

  // Closure lists: set the precomputed closure of each distinct dirty group into the step bitset,
  // then scan; a dirty path whose closure is one step sets that bit directly. Checks the ids as
  // it reads them (as the C does); on an unknown id the scratch is cleared and an error thrown.
  _planLists(dirty, dirtyLen, scope, out) {
    const r = this.result;
    const G = this.groupCount, P = this.pathCount;
    const ob = scope * (G + 1), sb = scope * P;
    const offsets = this.listOffsets, single = this.pathSingle, steps = this.listSteps;
    const pathGroup = this.pathGroup, bits = this.stepBits, groupBits = this.groupBits, queue = this.queue;
    let queued = 0, lo = LO_NONE, hi = 0, entries = 0;
    // with many roots the whole bitset is scanned, so the range need not be tracked
    const track = dirtyLen * 16 < this.stepWords;
    for (let i = 0; i < dirtyLen; i++) {
      const p = dirty[i] | 0; // an int32 for V8 (ids >= 2^31 become negative: unknown too)
      if (p < 0 || p >= P) {
        bits.fill(0);
        this._clearQueued(queued);
        fail(ERR_UNKNOWN_PATH_ID, T_DIRTY_IDS, i, dirty[i], `unknown dirty path id ${dirty[i]} at position ${i} (path count ${P})`);
      }
      const s = single[sb + p];
      if (s >= 0) {
        bits[s >>> 5] |= 1 << (s & 31);
        entries++;
        if (track) {
          if (s < lo) lo = s;
          if (s > hi) hi = s;
        }
        continue;
      }
      if (s === -2) continue;
      const g = pathGroup[p];
      const gbit = 1 << (g & 31);
      if ((groupBits[g >>> 5] & gbit) !== 0) continue;
      groupBits[g >>> 5] |= gbit;
      queue[queued++] = g;
      const b = offsets[ob + g], e = offsets[ob + g + 1];
      entries += e - b;
      if (steps[b] < lo) lo = steps[b];
      if (steps[e - 1] > hi) hi = steps[e - 1];
      for (let j = b; j < e; j++) {
        const t = steps[j];
        bits[t >>> 5] |= 1 << (t & 31);
      }
    }
    this._clearQueued(queued);
    r.dirtyPrefixes = queued;
    r.indexEntries = entries;
    if (entries === 0) return 0;
    let begin = 0, end = this.stepWords; // 64-bit words
    if (track) {
      begin = Math.floor((lo >>> 6) / WORD_BLOCK) * WORD_BLOCK;
      end = (Math.floor((hi >>> 6) / WORD_BLOCK) + 1) * WORD_BLOCK;
    }
    const n = this._scan(begin * 2, end * 2, out);
    r.wordsScanned = end - begin;
    r.reachableSteps = n;
    return n;
  }

  _planFrontier(dirty, dirtyLen, scope, out) {
    const r = this.result;
    let queued = this._queueDirty(dirty, dirtyLen);
    this.fLo = LO_NONE;
    this.fHi = 0;
    this.fVisited = 0;
    queued = this._bfs(queued, scope);
    if (queued === this.groupCount) {
      // every group reached: every step of the scope is (the constructor checked that each step
      // is listed under its out's group), so the plan is the scope's list; the counters are what
      // marking and scanning would report (as plan.c's plan_frontier does)
      this._clearQueued(queued);
      r.dirtyPrefixes = queued;
      r.indexEntries = this.fVisited + this.triggerEntries;
      const n = this.scopeLen[scope];
      out.set(this.scopeList[scope]);
      r.wordsScanned = (Math.floor(((this.stepCount - 1) >>> 6) / WORD_BLOCK) + 1) * WORD_BLOCK;
      r.reachableSteps = n;
      return n;
    }
    this._mark(queued, scope);
    this._clearQueued(queued);
    r.dirtyPrefixes = queued;
    r.indexEntries = this.fVisited;
    const lo = this.fLo, hi = this.fHi;
    if (lo > hi) return 0;
    // scan only the blocks between the lowest and highest step that may be set
    const begin = Math.floor((lo >>> 6) / WORD_BLOCK) * WORD_BLOCK;
    const end = (Math.floor((hi >>> 6) / WORD_BLOCK) + 1) * WORD_BLOCK;
    const n = this._scan(begin * 2, end * 2, out);
    r.wordsScanned = end - begin;
    r.reachableSteps = n;
    return n;
  }

  /**
   * Plans one transaction (ck_kernel_plan). dirty: path ids (any order, repeats allowed);
   * dirtyLen: how many of them (dirty.length when omitted). In dirty mode an empty set or
   * PLAN_DIRTY_ALL means the whole scope. Writes the plan (step ids ascending) into out (length
   * at least the scope's length) and returns its length; this.result receives the counters.
   * Throws a CkError on a bad mode/scope, a too-small out, or an unknown dirty id (nothing written).
   */
  plan(dirty, dirtyLen, mode, scope, flags, out) {
    if (dirtyLen === undefined || dirtyLen === null) dirtyLen = dirty == null ? 0 : dirty.length;
    if (mode !== 0 && mode !== 1) fail(ERR_BAD_MODE, T_NONE, 0, mode, 'mode must be MODE_FULL (0) or MODE_DIRTY (1)');
    if (scope !== 0 && scope !== 1 && scope !== 2) fail(ERR_BAD_SCOPE, T_NONE, 0, scope, 'scope must be 0, 1 or 2');
    const needed = this.scopeLen[scope];
    if (out == null || out.length < needed) {
      fail(ERR_BUFFER_TOO_SMALL, T_NONE, 0, needed, `the output needs room for ${needed} step ids`);
    }
    const dirtyAll = (flags & PLAN_DIRTY_ALL) !== 0 || dirtyLen === 0;
    const lists = this.stepCount >= 32 && this.strategyId === STRAT_LISTS;
    if (mode === 1 && !dirtyAll) {
      if (dirty == null || dirty.length < dirtyLen) {
        fail(ERR_NULL_ARGUMENT, T_DIRTY_IDS, 0, dirtyLen, `dirtyLen ${dirtyLen} exceeds the dirty array`);
      }
      if (!lists) { // (the lists algorithm checks ids as it reads them)
        const P = this.pathCount;
        let maxId = 0;
        for (let i = 0; i < dirtyLen; i++) if (dirty[i] > maxId) maxId = dirty[i];
        if (!(maxId < P)) {
          for (let i = 0; i < dirtyLen; i++) {
            if (!(dirty[i] < P)) fail(ERR_UNKNOWN_PATH_ID, T_DIRTY_IDS, i, dirty[i], `unknown dirty path id ${dirty[i]} at position ${i} (path count ${P})`);
          }
        }
      }
    }
    const r = this.result;
    r.stepCount = 0;
    r.executedMode = 0;
    r.algorithm = 0;
    r.dirtyAll = 0;
    r.dirtyPrefixes = 0;
    r.reachableSteps = 0;
    r.wordsScanned = 0;
    r.indexEntries = 0;
    if (this.stepCount === 0) return 0; // executedMode NONE
    if (mode === 0 || dirtyAll) {
      out.set(this.scopeList[scope]);
      r.stepCount = needed;
      r.reachableSteps = needed;
      r.executedMode = mode === 0 ? 1 : 2;
      r.dirtyAll = mode === 1 ? 1 : 0;
      r.algorithm = 0;
      return needed;
    }
    r.executedMode = 2;
    let n;
    if (this.stepCount < 32) {
      r.algorithm = 1;
      n = this._planLinear(dirty, dirtyLen, scope, out);
    } else if (this.strategyId === STRAT_ROWS) {
      r.algorithm = 2;
      n = this._planRows(dirty, dirtyLen, scope, out);
    } else if (lists) {
      r.algorithm = 4;
      n = this._planLists(dirty, dirtyLen, scope, out);
    } else {
      r.algorithm = 3;
      n = this._planFrontier(dirty, dirtyLen, scope, out);
    }
    r.stepCount = n;
    return n;
  }
}
