#!/usr/bin/env bash
# Proof that the gate works (docs/perf-diff.md, "Proof that the gate works"): same-build pairs
# (false regressions) and injected slowdowns of +20/50/100 % on native-l3 and on every native
# level (share of affected slices flagged), with separate benches and with `converge ab`.
# Builds a normal release build and one with the GateSpin trait (.build-gatespin), then runs
# scripts/gate-proof.py.
#   scripts/gate-proof.sh                      # the full table: 10 pairs, the v2 matrix, every default backend
#   scripts/gate-proof.sh --small --check-ab   # CI: 2 pairs, +100 % on every native level, a small grid; exit 1
#                                              # when +100 % is missed or converge ab calls a false regression
#                                              # (--check: separate runs' false regressions too; --check-detection:
#                                              # only the injections)
#   scripts/gate-proof.sh [--pairs N] [--sizes 20,50,100] [--targets l3,all] [--out DIR] [-- bench options]
set -euo pipefail
cd "$(dirname "$0")/.."
small=0; args=(); grid=()
while [ $# -gt 0 ]; do
  case "$1" in
    --small) small=1 ;;
    --) shift; grid=("$@"); break ;;
    *) args+=("$1") ;;
  esac
  shift
done
bash scripts/bootstrap.sh >/dev/null
swift build -c release --product converge >/dev/null
swift build -c release --product converge --traits GateSpin --scratch-path .build-gatespin >/dev/null
if [ "$small" = 1 ]; then
  [ ${#grid[@]} -gt 0 ] || grid=(--profile quick --backend portable --backend native-l1 --backend native-l2 --backend native-l3 --backend native-l4
                                 --steps 200,2000 --ratios 0.005,0.1,1)
  args=(--pairs 2 --sizes 100 --targets all "${args[@]}")
fi
exec python3 scripts/gate-proof.py --normal .build/release/converge --spin .build-gatespin/release/converge "${args[@]}" -- "${grid[@]}"
