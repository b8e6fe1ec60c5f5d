#!/usr/bin/env bash
# The test command: installs missing build dependencies, then runs the whole test suite
# (golden Logix cases, differential tests of every backend, error codes, CLI, allocations).
set -euo pipefail
cd "$(dirname "$0")/.."
# build dependencies, and python3's jsonschema for the report/diff schema tests
bash scripts/bootstrap.sh --tests
swift build --build-tests
log=$(mktemp)
trap 'rm -f "$log"' EXIT
swift test --skip-build --parallel 2>&1 | tee "$log"
passed=$(grep -Eo 'Test run with [0-9]+ tests' "$log" | tail -1 | grep -Eo '[0-9]+' || echo 0)
if [ "$passed" -eq 0 ]; then
  echo "tests: no test ran" >&2
  exit 1
fi
echo "tests: $passed passed, 0 failed"
