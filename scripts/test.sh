#!/usr/bin/env bash
# The test command: installs missing build dependencies, then runs the whole test suite
# (golden Logix cases, differential tests of every backend, error codes, CLI, allocations).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/bootstrap.sh
swift build --build-tests
swift test --skip-build --parallel
