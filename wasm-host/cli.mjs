#!/usr/bin/env node
// cli.mjs — the Node side of `converge plan | bench-wasm --backend wasm-v8 | js-v8` and of the
// differential tests (docs/wasm-host.md). The Swift CLI writes a job (JSON) and the graphs'
// tables (CKIR files: CompiledGraph.tablesArtifact()), runs `node cli.mjs JOB.json`, and reads one JSON document from stdout.
//
// Backends: wasm-v8-simd (converge.wasm), wasm-v8-scalar (converge-scalar.wasm), js-v8 (the
// pure-JS kernel, js-kernel.mjs). Commands:
//   plan       each graph's requests on each backend: plans and counters
//   bench-plan plan-only time per backend (rounds of repeated requests; median and min ns/plan)
//   txn        transactions of the converge workload at L0 (js-v8; auto decided in JS, js-auto.mjs),
//              L1 (the wasm transaction core decides and plans, JS runs the steps), L2/L3 (the
//              core decides, plans and executes, JS steps through the import), L4 (L3 with the
//              kernel from the graph's AOT artifact): final states, boundary counters,
//              (perTransaction) every commit's result, and (bench-txn) ns per transaction
//   bench-matrix  `converge bench`: per point, samples of batched transactions (mean ns), counters
// Errors go to stderr with exit status 2 (bad job) or 1 (a failure while running).

import { readFileSync } from 'node:fs';
import { readArtifactTables } from './tables.mjs';
import { JsKernel } from './js-kernel.mjs';
import { WasmKernel, compileModule, PLAN_RECORD_BYTES } from './host.mjs';
import { levelSource, benchMatrixPoints, BATCHING, JobError } from './bench-matrix.mjs';
import { runTxnLevel } from './txn-run.mjs';

function fail(status, message) {
  process.stderr.write(`converge wasm-host: ${message}\n`);
  process.exit(status);
}

const jobPath = process.argv[2];
if (!jobPath) fail(2, 'usage: node cli.mjs JOB.json');
let job;
try {
  job = JSON.parse(readFileSync(jobPath, 'utf8'));
} catch (e) {
  fail(2, `cannot read the job ${jobPath}: ${e.message}`);
}

const modules = {};
function wasmModule(flavor) {
  if (!modules[flavor]) {
    const path = job.wasm?.[flavor];
    if (!path) fail(2, `the job names no wasm file for ${flavor}`);
    modules[flavor] = compileModule(readFileSync(path));
  }
  return modules[flavor];
}

/** A planner of one backend over one graph: plan(ids, n, mode, scope, flags) -> length; .plan view. */
function makePlanner(backend, blob, tables, strategy) {
  if (backend === 'js-v8') {
    const k = new JsKernel(tables, { strategy });
    const out = new Uint32Array(Math.max(1, tables.stepCount));
    let calls = 0, bytesIn = 0, bytesOut = 0;
    return {
      backend, info: { ...k.info(), impl: 'js', memoryPages: 0 },
      planIds(ids, n, mode, scope, flags) {
        const len = k.plan(ids, n, mode, scope, flags, out);
        calls++; bytesIn += 4 * (mode === 1 && !(flags & 1) ? n : 0); bytesOut += 4 * len + PLAN_RECORD_BYTES;
        return len;
      },
      get plan() { return out; },
      result() { return k.result; },
      counters() { return { calls, bytesIn, bytesOut }; },
      destroy() {},
    };
  }
  const flavor = backend === 'wasm-v8-simd' ? 'simd' : backend === 'wasm-v8-scalar' ? 'scalar' : null;
  if (!flavor) fail(2, `unknown backend ${backend} (wasm-v8-simd, wasm-v8-scalar, js-v8)`);
  const k = new WasmKernel(wasmModule(flavor), blob, tables, { strategy });
  return {
    backend, kernel: k, info: { ...k.info, memoryPages: k.memoryPages },
    planIds(ids, n, mode, scope, flags) {
      return k.planIds(ids, mode === 1 && !(flags & 1) ? n : 0, mode, scope, flags);
    },
    get plan() { return k.plan; },
    result() { return k.result(); },
    counters() { return { calls: k.calls, bytesIn: k.bytesIn, bytesOut: k.bytesOut }; },
    destroy() { k.destroy(); },
  };
}

function loadGraph(g) {
  // the graph's tables: an AOT artifact without bytecode (CKIR, CompiledGraph.tablesArtifact())
  const blob = new Uint8Array(readFileSync(g.tables));
  // the graph's bytecode (CKB1), present when the job has an l3 level
  const code = g.code ? new Uint8Array(readFileSync(g.code)) : null;
  // the graph's AOT artifact (CKIR), present when the job has an l4 level
  const artifact = g.artifact ? new Uint8Array(readFileSync(g.artifact)) : null;
  return { blob, tables: readArtifactTables(blob), code, artifact, artifactTables: artifact ? readArtifactTables(artifact) : null };
}

function requestsOf(g) {
  return (g.requests ?? []).map(r => ({
    ids: Uint32Array.from(r.dirty ?? []), mode: r.mode ?? 1, scope: r.scope ?? 2, flags: r.flags ?? 0,
  }));
}

function runPlan() {
  const graphs = [];
  for (const g of job.graphs ?? []) {
    const { blob, tables } = loadGraph(g);
    const reqs = requestsOf(g);
    const results = {}, infos = {};
    for (const backend of job.backends) {
      const p = makePlanner(backend, blob, tables, g.strategy ?? 'auto');
      infos[backend] = p.info;
      results[backend] = reqs.map(r => {
        const before = p.counters();
        const len = p.planIds(r.ids, r.ids.length, r.mode, r.scope, r.flags);
        const after = p.counters();
        const res = p.result();
        return {
          steps: Array.from(p.plan.subarray(0, len)), executedMode: res.executedMode, algorithm: res.algorithm,
          dirtyAll: res.dirtyAll, dirtyPrefixes: res.dirtyPrefixes, reachableSteps: res.reachableSteps,
          wordsScanned: res.wordsScanned, indexEntries: res.indexEntries,
          calls: after.calls - before.calls, bytesIn: after.bytesIn - before.bytesIn, bytesOut: after.bytesOut - before.bytesOut,
        };
      });
      p.destroy();
    }
    graphs.push({ info: infos, results });
  }
  return { node: process.version, graphs };
}

function now() { return process.hrtime.bigint(); }

/** Rounds of at least roundMs each, cycling through the requests; ns per plan: median and min. */
function timeRounds(fn, count, rounds, roundMs) {
  const per = [];
  // warm-up: one round (JIT tiers up; wasm is compiled by Liftoff first, then TurboFan)
  for (const t0 = now(); Number(now() - t0) < roundMs * 1e6;) for (let i = 0; i < count; i++) fn(i);
  for (let r = 0; r < rounds; r++) {
    let n = 0;
    const t0 = now();
    let t = t0;
    do {
      for (let i = 0; i < count; i++) fn(i);
      n += count;
      t = now();
    } while (Number(t - t0) < roundMs * 1e6);
    per.push(Number(t - t0) / n);
  }
  per.sort((a, b) => a - b);
  return { medianNs: per[per.length >> 1], minNs: per[0], rounds };
}

function runBenchPlan() {
  const points = [];
  for (const g of job.graphs ?? []) {
    const { blob, tables } = loadGraph(g);
    const reqs = requestsOf(g);
    const rows = {};
    for (const backend of job.backends) {
      const p = makePlanner(backend, blob, tables, g.strategy ?? 'auto');
      let planLength = 0;
      const fn = i => { const r = reqs[i]; planLength = p.planIds(r.ids, r.ids.length, r.mode, r.scope, r.flags); };
      const c0 = p.counters();
      fn(0);
      const c1 = p.counters();
      const res = p.result();
      const timing = timeRounds(fn, reqs.length, g.rounds ?? job.rounds ?? 15, g.roundMs ?? job.roundMs ?? 20);
      rows[backend] = {
        ...timing, planLength, algorithm: res.algorithm, indexEntries: res.indexEntries,
        callsPerPlan: c1.calls - c0.calls, bytesInPerPlan: c1.bytesIn - c0.bytesIn, bytesOutPerPlan: c1.bytesOut - c0.bytesOut,
        memoryPages: p.kernel ? p.kernel.memoryPages : 0, strategy: p.info.strategy, impl: p.info.impl,
      };
      p.destroy();
    }
    points.push({ name: g.name ?? '', rows });
  }
  return { node: process.version, points };
}

/** The converge workload's transactions on one backend-level (txn-run.mjs); bench-txn times
    them in rounds (timeRounds), txn reports final state and (perTransaction) every commit. */
function runTxnBackend(level, blob, tables, txns, mode, timing, code, policy, perTransaction, trace) {
  const rounds = timing ? (fn, count) => timeRounds(fn, count, job.rounds ?? 15, job.roundMs ?? 20) : null;
  return runTxnLevel(level, { blob, tables, code }, txns, mode, { wasmModule, policy, perTransaction, trace, rounds });
}

/** The perf matrix (converge bench): the loop of bench-matrix.mjs, which the browser page shares,
    with process.hrtime (ns) and node's batching (>= 0.1 ms, at most 64 transactions per sample). */
function runBenchMatrix() {
  const graphs = (job.graphs ?? []).map(loadGraph);
  const origin = process.hrtime.bigint();
  const nowNs = () => Number(process.hrtime.bigint() - origin);
  const points = [...benchMatrixPoints(job, graphs, { now: nowNs, wasmModule, batching: BATCHING.node })];
  return { node: process.version, points };
}

function runTxn(timing) {
  const graphs = [];
  for (const g of job.graphs ?? []) {
    const graph = loadGraph(g);
    const levels = {};
    for (const level of job.levels) {
      const { blob, tables, code } = levelSource(level, graph);
      levels[level] = runTxnBackend(level, blob, tables, g.transactions ?? [], g.mode ?? 'dirty', timing, code,
                                    g.policy ?? job.policy, job.perTransaction === true, job.trace ?? null);
    }
    graphs.push({ name: g.name ?? '', levels });
  }
  return { node: process.version, graphs };
}

let output;
try {
  switch (job.command) {
    case 'plan': output = runPlan(); break;
    case 'bench-plan': output = runBenchPlan(); break;
    case 'txn': output = runTxn(false); break;
    case 'bench-txn': output = runTxn(true); break;
    case 'bench-matrix': output = runBenchMatrix(); break;
    default: fail(2, `unknown command ${job.command} (plan, bench-plan, txn, bench-txn, bench-matrix)`);
  }
} catch (e) {
  if (e instanceof JobError) fail(2, e.message);
  fail(1, e.stack ?? String(e));
}
process.stdout.write(JSON.stringify(output));
