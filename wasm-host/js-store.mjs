// js-store.mjs — the pure-JS level's (l0-js) state store and its compiled steps.
//
// A slot holds a tagged value (TAG_UNDEFINED, TAG_NULL, TAG_BOOLEAN, TAG_NUMBER; host.mjs) like
// the kernel's store, but laid out for the steps that read numbers:
//   tags[p]    the slot's tag
//   numbers[p] the slot's value when it holds a number, else NaN — the "number lane": what a
//              computed step reads (JS's `undefined + 1` is NaN too), with no tag check
//   others[p]  the slot's value when it holds anything else (a boolean's 0 / 1; what was written
//              with undefined or null), else 0
// Every write keeps both lanes so; state() hands back the kernel's layout (tags, one value per
// slot), so states compare bit for bit with every other backend's.

import { TAG_UNDEFINED, TAG_BOOLEAN, TAG_NUMBER, STEP_LINK, NONE } from './host.mjs';

/** A store of `pathCount` slots, every one undefined (value 0), as the kernel's initial state. */
export class JsStore {
  constructor(pathCount) {
    this.tags = new Uint8Array(pathCount);
    this.numbers = new Float64Array(pathCount).fill(NaN);
    this.others = new Float64Array(pathCount);
  }

  /** Stores (tag, value) in slot p (a reducer's write: no comparison). */
  write(p, tag, value) {
    this.tags[p] = tag;
    if (tag === TAG_NUMBER) {
      this.numbers[p] = value;
      this.others[p] = 0;
    } else {
      this.numbers[p] = NaN;
      this.others[p] = value;
    }
  }

  /** Stores the number v in the slots ids[0, n) (the converge workload's writes). */
  writeNumbers(ids, vals, n) {
    const tags = this.tags, numbers = this.numbers, others = this.others;
    for (let i = 0; i < n; i++) {
      const p = ids[i];
      if (tags[p] !== TAG_NUMBER) { tags[p] = TAG_NUMBER; others[p] = 0; }
      numbers[p] = vals[i];
    }
  }

  /** The state in the kernel's layout: { t: tags, v: one Float64 value per slot } (copies). */
  state() {
    const v = new Float64Array(this.tags.length);
    for (let p = 0; p < v.length; p++) v[p] = this.tags[p] === TAG_NUMBER ? this.numbers[p] : this.others[p];
    return { t: this.tags.slice(), v };
  }
}

/**
 * The converge workload's steps compiled for one JsStore: one closure per step, each doing what
 * executePlan (host.mjs) does for that step — links copy their `from` (undefined when it maps to
 * no path), computed steps d = b + 1 with b as a number, NaN otherwise; a write happens only when
 * the value differs (Object.is on tagged values) — and returning 1 when it wrote, else 0.
 * executeCompiled runs a plan with them.
 */
export function compileConvergeSteps(tables, store) {
  const S = tables.stepCount, out = tables.stepOutPath, flags = tables.stepFlags;
  const inOff = tables.inputOffsets, inPaths = tables.inputPaths;
  const { tags, numbers, others } = store;
  // a tagged write unless the slot already holds the same value (sameValue)
  const write = (o, tag, number, other) => {
    const t = tags[o];
    if (t === tag) {
      if (tag === TAG_NUMBER ? Object.is(numbers[o], number) : tag !== TAG_BOOLEAN || others[o] === other) return 0;
    }
    tags[o] = tag;
    numbers[o] = number;
    others[o] = other;
    return 1;
  };
  const run = new Array(S);
  for (let s = 0; s < S; s++) {
    const o = out[s];
    const p = inOff[s] < inOff[s + 1] ? inPaths[inOff[s]] : NONE;
    if (flags[s] & STEP_LINK) {
      run[s] = p === NONE ? () => write(o, TAG_UNDEFINED, NaN, 0) : () => write(o, tags[p], numbers[p], others[p]);
    } else if (p === NONE) {
      run[s] = () => write(o, TAG_NUMBER, NaN, 0);
    } else {
      // v = b + 1 reads the number lane (NaN unless b holds a number) and is never -0. w === v
      // means o holds that number (any other slot reads NaN), so Object.is(w, v) is w === v but
      // for +0 against a stored -0; any w but NaN is a number, so only a NaN w reads the tag.
      // (The tag's write stays inline: a call here, even on a path rarely taken, made the whole
      // pass 1.25x slower once V8 had seen several levels' closures.)
      run[s] = () => {
        const v = numbers[p] + 1, w = numbers[o];
        if (w === v) {
          if (v !== 0 || 1 / w > 0) return 0;
        } else if (w !== w) {
          // o reads NaN: it holds the number NaN, or no number
          if (tags[o] === TAG_NUMBER) { if (v !== v) return 0; } else { tags[o] = TAG_NUMBER; others[o] = 0; }
        }
        numbers[o] = v;
        return 1;
      };
    }
  }
  return run;
}

/** Runs plan[offset … offset + length) with compiled steps; returns how many wrote. */
export function executeCompiled(run, plan, length, offset = 0) {
  let changed = 0;
  for (let i = 0; i < length; i++) changed += run[plan[offset + i]]();
  return changed;
}
