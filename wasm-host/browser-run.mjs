#!/usr/bin/env node
// browser-run.mjs — runs a `bench-matrix` job in headless Chromium (docs/wasm-host.md, "The browser").
// `node browser-run.mjs JOB.json`: the job is cli.mjs's bench-matrix job (wasm files and tables artifacts by
// path) plus {"chromium": "/usr/bin/chromium", "timeLimitMs": 600000, "jsFlags": "--no-liftoff"}.
//
// 1. A loopback HTTP server (127.0.0.1, a free port) serves the page (browser-index.html at /,
//    browser-page.mjs), the host modules it imports (abi.mjs, bench-matrix.mjs, host.mjs, js-kernel.mjs,
//    js-auto.mjs, js-store.mjs, plain-reference.mjs, tables.mjs, txn-run.mjs), /job.json (the job with URLs instead of paths) and the files (/data/<n>), with
//    COOP/COEP headers: the page is cross-origin isolated, so performance.now() is coarsened to
//    5 µs rather than 100 µs.
// 2. Chromium starts headless with --remote-debugging-pipe (the DevTools protocol over fds 3/4);
//    this script opens the page and reads its console: LOGIX_PERF_REPORT:<json> lines
//    (browser-page.mjs), one per point, then "done" or "error".
// 3. stdout gets one JSON document: {node, browser: {name, version, product, jsVersion, userAgent,
//    crossOriginIsolated, timerResolutionNs}, points: [...], failure?}; for a `txn` job (cli.mjs's
//    untimed transactions, txn-run.mjs) also graphs: [{name, levels: {level: result}}]. A failure after the
//    browser started (a page error, a crash, the time limit) is reported in `failure` with the
//    points measured so far (exit 0); a bad job or a browser that cannot start exits 2 / 1 with
//    one message on stderr.

import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const hostDir = here; // every host file lies flat beside this one (also as ConvergeWasm's resources)
const PREFIX = 'LOGIX_PERF_REPORT:';

function fail(status, message) {
  process.stderr.write(`converge browser host: ${message}\n`);
  process.exit(status);
}

const jobPath = process.argv[2];
if (!jobPath) fail(2, 'usage: node browser-run.mjs JOB.json');
let job;
try {
  job = JSON.parse(readFileSync(jobPath, 'utf8'));
} catch (e) {
  fail(2, `cannot read the job ${jobPath}: ${e.message}`);
}
if (job.command !== 'bench-matrix' && job.command !== 'txn') fail(2, `unknown command ${job.command} (the browser host runs bench-matrix and txn)`);
if (!job.chromium) fail(2, 'the job names no chromium executable');
const timeLimitMs = job.timeLimitMs ?? 600000;

// --- the files the page may fetch -----------------------------------------------------------
const files = [];
const pageJob = {
  command: job.command, warmupMs: job.warmupMs, settleMs: job.settleMs, points: job.points, policy: job.policy, wasm: {}, graphs: [],
  levels: job.levels, perTransaction: job.perTransaction, trace: job.trace, // txn jobs
};
for (const flavor of ['simd', 'scalar']) {
  if (job.wasm?.[flavor]) { pageJob.wasm[flavor] = `/data/${files.length}`; files.push(job.wasm[flavor]); }
}
for (const g of job.graphs ?? []) {
  const served = { tables: `/data/${files.length}`, name: g.name, mode: g.mode, policy: g.policy, transactions: g.transactions };
  files.push(g.tables);
  if (g.code) { served.code = `/data/${files.length}`; files.push(g.code); } // L3: the CKB1 bytecode
  if (g.artifact) { served.artifact = `/data/${files.length}`; files.push(g.artifact); } // L4: the CKIR file
  pageJob.graphs.push(served);
}
// the page's module and every module it imports, each at /<file> (ABIDescriptionTests checks
// that the list covers the page's imports)
const PAGE_MODULES = ['browser-page.mjs', 'abi.mjs', 'bench-matrix.mjs', 'host.mjs', 'js-kernel.mjs', 'js-auto.mjs',
  'js-store.mjs', 'plain-reference.mjs', 'tables.mjs', 'txn-run.mjs'];
const staticFiles = {
  '/': ['browser-index.html', 'text/html; charset=utf-8'],
  '/index.html': ['browser-index.html', 'text/html; charset=utf-8'],
};
for (const m of PAGE_MODULES) staticFiles[`/${m}`] = [m, 'text/javascript'];

const server = createServer((req, res) => {
  const headers = {
    'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp',
    'Cross-Origin-Resource-Policy': 'same-origin', 'Cache-Control': 'no-store',
  };
  const path = new URL(req.url, 'http://127.0.0.1').pathname;
  try {
    let body, type;
    if (path === '/job.json') {
      body = JSON.stringify(pageJob); type = 'application/json';
    } else if (path.startsWith('/data/') && files[Number(path.slice(6))] !== undefined) {
      const file = files[Number(path.slice(6))];
      body = readFileSync(file); type = file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream';
    } else if (staticFiles[path]) {
      body = readFileSync(join(hostDir, staticFiles[path][0])); type = staticFiles[path][1];
    } else if (path === '/favicon.ico') {
      res.writeHead(204, headers); res.end(); return;
    } else {
      res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }); res.end(`not found: ${path}`); return;
    }
    res.writeHead(200, { ...headers, 'Content-Type': type }); res.end(body);
  } catch (e) {
    res.writeHead(500, { ...headers, 'Content-Type': 'text/plain' }); res.end(String(e.message));
  }
});

// --- Chromium over the DevTools pipe --------------------------------------------------------
let chromium = null, profileDir = null, finished = false;
const stderrTail = [];

function stopChromium() {
  if (chromium && chromium.exitCode === null && chromium.signalCode === null) {
    try { process.kill(-chromium.pid, 'SIGKILL'); } catch { try { chromium.kill('SIGKILL'); } catch {} }
  }
  if (profileDir) { try { rmSync(profileDir, { recursive: true, force: true }); } catch {} }
}

const result = { node: process.version, browser: { name: 'chromium' }, points: [] };
let expected = (job.points ?? []).length;

function finish(failure) {
  if (finished) return;
  finished = true;
  clearTimeout(timer);
  if (failure) result.failure = failure;
  stopChromium();
  server.close();
  process.stdout.write(JSON.stringify(result), () => process.exit(0));
}

for (const sig of ['SIGTERM', 'SIGINT', 'SIGHUP']) {
  process.on(sig, () => { stopChromium(); process.exit(1); });
}
const timer = setTimeout(() => finish(`the browser was stopped after ${Math.round(timeLimitMs / 1000)} s (the job's time limit), ${result.points.length} of ${expected} points done`), timeLimitMs);

server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}/index.html`;
  profileDir = mkdtempSync(join(tmpdir(), 'converge-chromium-'));
  const args = [
    '--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--no-default-browser-check',
    '--disable-extensions', '--disable-background-networking', '--disable-sync', '--mute-audio',
    '--disable-background-timer-throttling', '--disable-renderer-backgrounding',
    '--disable-backgrounding-occluded-windows', '--disable-dev-shm-usage',
    `--user-data-dir=${profileDir}`, '--remote-debugging-pipe',
    ...(job.jsFlags ? [`--js-flags=${job.jsFlags}`] : []),
    'about:blank',
  ];
  try {
    chromium = spawn(job.chromium, args, { stdio: ['ignore', 'ignore', 'pipe', 'pipe', 'pipe'], detached: true });
  } catch (e) {
    stopChromium();
    fail(1, `cannot start ${job.chromium}: ${e.message}`);
  }
  chromium.on('error', e => { stopChromium(); fail(1, `cannot start ${job.chromium}: ${e.message}`); });
  chromium.stderr.on('data', d => {
    stderrTail.push(String(d));
    while (stderrTail.length > 20) stderrTail.shift();
  });
  chromium.on('exit', (code, signal) => {
    if (!finished) finish(`chromium exited (${signal ?? code}) before the page was done, ${result.points.length} of ${expected} points done: ${stderrTail.join('').trim().split('\n').slice(-3).join(' | ')}`);
  });

  const toBrowser = chromium.stdio[3], fromBrowser = chromium.stdio[4];
  let nextId = 1;
  const pending = new Map();
  const send = (method, params = {}, sessionId) => new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject, method });
    toBrowser.write(JSON.stringify({ id, method, params, ...(sessionId ? { sessionId } : {}) }) + '\0');
  });
  let buffered = '';
  fromBrowser.on('data', chunk => {
    buffered += chunk.toString('utf8');
    let end;
    while ((end = buffered.indexOf('\0')) >= 0) {
      const text = buffered.slice(0, end);
      buffered = buffered.slice(end + 1);
      let m;
      try { m = JSON.parse(text); } catch { continue; }
      if (m.id && pending.has(m.id)) {
        const p = pending.get(m.id);
        pending.delete(m.id);
        if (m.error) p.reject(new Error(`${p.method}: ${m.error.message}`)); else p.resolve(m.result);
      } else if (m.method) {
        event(m.method, m.params ?? {});
      }
    }
  });
  toBrowser.on('error', () => {});
  fromBrowser.on('error', () => {});

  function event(method, params) {
    if (method === 'Runtime.consoleAPICalled') {
      const text = params.args?.[0]?.value;
      if (typeof text !== 'string' || !text.startsWith(PREFIX)) return;
      let m;
      try { m = JSON.parse(text.slice(PREFIX.length)); } catch (e) { finish(`a console line is not JSON: ${e.message}`); return; }
      if (m.kind === 'start') {
        expected = m.points;
        Object.assign(result.browser, {
          userAgent: m.userAgent, crossOriginIsolated: m.crossOriginIsolated, timerResolutionNs: m.timerResolutionNs,
        });
      } else if (m.kind === 'point') {
        result.points[m.index] = m.result;
      } else if (m.kind === 'txn') {
        result.graphs = m.graphs;
        result.browser.userAgent = m.userAgent;
      } else if (m.kind === 'done') {
        if (job.command === 'txn') finish(result.graphs ? undefined : 'the page reported no transaction results');
        else finish(result.points.length === expected ? undefined : `the page reported ${result.points.length} of ${expected} points`);
      } else if (m.kind === 'error') {
        finish(`the page failed after ${result.points.length} of ${expected} points: ${m.message}`);
      }
    } else if (method === 'Runtime.exceptionThrown') {
      const d = params.exceptionDetails ?? {};
      finish(`uncaught exception in the page: ${d.exception?.description ?? d.text ?? 'unknown'}`);
    } else if (method === 'Inspector.targetCrashed' || method === 'Target.targetCrashed') {
      finish(`the page crashed after ${result.points.length} of ${expected} points`);
    } else if (method === 'Log.entryAdded' && params.entry?.level === 'error' && params.entry?.source === 'network') {
      finish(`the page could not load a file: ${params.entry.text} ${params.entry.url ?? ''}`.trim());
    }
  }

  (async () => {
    const v = await send('Browser.getVersion');
    const product = v.product ?? '';
    Object.assign(result.browser, { product, version: product.split('/')[1] ?? product, jsVersion: v.jsVersion });
    const { targetId } = await send('Target.createTarget', { url: 'about:blank' });
    const { sessionId } = await send('Target.attachToTarget', { targetId, flatten: true });
    await send('Runtime.enable', {}, sessionId);
    await send('Log.enable', {}, sessionId);
    await send('Inspector.enable', {}, sessionId).catch(() => {});
    await send('Page.enable', {}, sessionId);
    const nav = await send('Page.navigate', { url }, sessionId);
    if (nav.errorText) finish(`cannot open ${url}: ${nav.errorText}`);
  })().catch(e => finish(`the DevTools protocol failed: ${e.message}`));
});
