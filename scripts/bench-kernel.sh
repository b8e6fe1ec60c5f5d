#!/usr/bin/env bash
# Kernel deep-dives (beside the main job scripts/bench.sh): installs missing build dependencies,
# builds in release mode and runs
#  1. the planner benchmarks on the embedded graphs (the converge workload and 1,000,000-step
#     random DAGs): `converge bench-plan` (extra arguments go here, e.g. --json, --dag-steps 200000);
#  2. the transaction benchmarks on the converge workload (steps 200 and 2000; dirty 0.5%, 25%,
#     100%; levels L0/L1/L2; modes full/dirty/auto; diagnostics off/light): `converge bench-txn`;
#  3. the WebAssembly evidence: plan-only time native vs wasm32 (SIMD128, scalar) in V8 vs the
#     pure-JS kernel vs WasmKit on the workload (200-2000 steps) and a 100,000-step random DAG, V8
#     transactions at L0/L1/L2, boundary calls and bytes: `converge bench-wasm` (needs node >= 18
#     for the V8 columns; without it they are skipped with a message).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build -c release --product converge
.build/release/converge bench-plan "$@"
echo
.build/release/converge bench-txn
echo
exec .build/release/converge bench-wasm
