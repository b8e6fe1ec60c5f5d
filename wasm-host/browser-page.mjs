// browser-page.mjs — the Chromium side of `converge bench --backend wasm-chromium|wasm-chromium-l2|wasm-chromium-l3|js-chromium`
// (docs/wasm-host.md, "The browser"). Served by browser-run.mjs from a loopback HTTP server: fetches the
// job, the graphs' tables artifacts and the wasm files, then runs the same loop as node's
// `cli.mjs bench-matrix` (bench-matrix.mjs) on the page's main thread, timed with performance.now();
// or a `txn` job: cli.mjs's untimed transactions (txn-run.mjs), whose states, commits and trace
// records the tests compare with the native runtime's.
// Every console line it writes starts with LOGIX_PERF_REPORT: and carries one JSON object:
//   {"kind": "start", "points": N, "timerResolutionNs", "crossOriginIsolated", "userAgent"}
//   {"kind": "point", "index": i, "result": {status, samplesNs, batch, executedSteps, …}}   (one per point)
//   {"kind": "txn", "graphs": [{name, levels: {level: result}}]}                      (txn jobs)
//   {"kind": "done"}  or  {"kind": "error", "message": "…"}

import { readArtifactTables } from './tables.mjs';
import { benchMatrixPoints, levelSource, BATCHING, clockResolutionNs } from './bench-matrix.mjs';
import { runTxnLevel } from './txn-run.mjs';

const PREFIX = 'LOGIX_PERF_REPORT:';
const report = (o) => console.log(PREFIX + JSON.stringify(o));

async function bytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: HTTP ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** Yields to the event loop (the console messages go out) without a timer's clamping. */
function yieldToEventLoop() {
  return new Promise(resolve => {
    const c = new MessageChannel();
    c.port1.onmessage = () => resolve();
    c.port2.postMessage(0);
  });
}

async function main() {
  const r = await fetch('/job.json');
  if (!r.ok) throw new Error(`GET /job.json: HTTP ${r.status}`);
  const job = await r.json();
  // compile the wasm builds the points use, asynchronously (the main thread refuses large
  // synchronous compiles); instantiation stays synchronous, in WasmKernel, as in node
  const modules = {};
  const levels = job.command === 'txn' ? job.levels ?? [] : (job.points ?? []).map(p => p.level);
  for (const level of levels) {
    if (level === 'l0-js') continue;
    const flavor = level.endsWith('-scalar') ? 'scalar' : 'simd';
    if (!modules[flavor]) {
      if (!job.wasm?.[flavor]) throw new Error(`the job names no wasm file for ${flavor}`);
      modules[flavor] = await WebAssembly.compile(await bytes(job.wasm[flavor]));
    }
  }
  const graphs = [];
  for (const g of job.graphs ?? []) {
    const blob = await bytes(g.tables);
    const artifact = g.artifact ? await bytes(g.artifact) : null; // L4: the AOT artifact
    graphs.push({ blob, tables: readArtifactTables(blob), code: g.code ? await bytes(g.code) : null,
                  artifact, artifactTables: artifact ? readArtifactTables(artifact) : null });
  }
  const wasmModule = (flavor) => {
    if (!modules[flavor]) throw new Error(`no compiled wasm module for ${flavor}`);
    return modules[flavor];
  };
  if (job.command === 'txn') {
    // every level's transactions, untimed: states, commits and trace records to compare
    const out = [];
    for (const [i, g] of (job.graphs ?? []).entries()) {
      const levelResults = {};
      for (const level of job.levels ?? []) {
        levelResults[level] = runTxnLevel(level, levelSource(level, graphs[i]), g.transactions ?? [], g.mode ?? 'dirty',
                                          { wasmModule, policy: g.policy ?? job.policy, perTransaction: job.perTransaction === true, trace: job.trace ?? null });
        await yieldToEventLoop();
      }
      out.push({ name: g.name ?? '', levels: levelResults });
    }
    report({ kind: 'txn', graphs: out, userAgent: navigator.userAgent });
    report({ kind: 'done' });
    return;
  }
  const now = () => performance.now() * 1e6;
  // let the browser's other processes finish starting up (2 cores here) before anything is timed
  await new Promise(resolve => setTimeout(resolve, job.settleMs ?? 0));
  report({
    kind: 'start', points: (job.points ?? []).length, timerResolutionNs: clockResolutionNs(now),
    crossOriginIsolated: globalThis.crossOriginIsolated === true, userAgent: navigator.userAgent,
  });
  await yieldToEventLoop();
  let index = 0;
  for (const result of benchMatrixPoints(job, graphs, { now, wasmModule, batching: BATCHING.browser })) {
    report({ kind: 'point', index: index++, result });
    await yieldToEventLoop();
  }
  report({ kind: 'done' });
}

main().catch(e => report({ kind: 'error', message: String(e && e.stack ? e.stack : e) }));
