#!/usr/bin/env bash
# The main job: installs missing build dependencies, builds in release mode and runs the planner
# benchmarks on the embedded graphs (the converge workload and 1,000,000-step random DAGs).
# Extra arguments go to `converge bench-plan` (e.g. --json, --dag-steps 200000).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build -c release --product converge
exec .build/release/converge bench-plan "$@"
