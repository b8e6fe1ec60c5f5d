#!/usr/bin/env bash
# The main job: installs missing build dependencies, builds in release mode and runs
# `converge bench` — the converge.txnCommit matrix (Logix's perf-evidence suite) on every kernel
# backend that can run here (portable, native-l1, native-l2, wasm-wasmkit, and with node >= 18
# wasm-v8, wasm-v8-l2, js-v8), profile quick by default. It writes a perf report (Logix's field
# names; docs/perf-report.md) to out/, prints a table, and with --html FILE a page with plots.
# Extra arguments go to `converge bench`, e.g. --profile default --out before.json --html before.html.
# Kernel deep-dives (plan-only, per-level transactions, wasm-vs-native) are scripts/bench-kernel.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build -c release --product converge
exec .build/release/converge bench "$@"
