#!/usr/bin/env bash
# Diagnostics overhead in instructions (valgrind --tool=callgrind counts instructions, so the
# numbers repeat on a noisy machine): per transaction of the converge workload (steps 2000),
# a normal release build with diagnostics off and light versus a build with the
# NoInstrumentation trait (diagnostics compiled out). Per-transaction counts are the difference
# between runs of N1 and N2 transactions, so set-up cancels out (with deterministic hashing, so
# that the set-up is the same in both runs).
#   scripts/instrumentation-overhead.sh [steps] [ratio] [levels] [modes]
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-2000}; ratio=${2:-0.005}; levels=${3:-l1,l2}; modes=${4:-full,dirty,auto}
command -v valgrind >/dev/null || { echo "instrumentation-overhead: valgrind is needed (apt-get install -y valgrind)" >&2; exit 2; }
bash scripts/bootstrap.sh >/dev/null
swift build -c release >/dev/null
swift build -c release --traits NoInstrumentation --scratch-path .build-noinstr >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# valgrind 3.19 cannot read the toolchain's DWARF 5: count on copies without debug info
cp .build/release/converge "$tmp/normal"; strip --strip-debug "$tmp/normal"
cp .build-noinstr/release/converge "$tmp/noinstr"; strip --strip-debug "$tmp/noinstr"
n1=500; n2=2500
count() { # binary level mode diagnostics n
  SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$tmp/$1" bench-txn --steps "$steps" --ratios "$ratio" \
    --levels "$2" --modes "$3" --diagnostics "$4" --fixed-transactions "$5" 2>&1 >/dev/null \
    | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
per_txn() { local a b; a=$(count "$@" $n1); b=$(count "$@" $n2); echo $(( (b - a) / (n2 - n1) )); }
printf '%-5s %-6s %14s %14s %14s %12s %12s\n' level mode compiled-out off light off/out light/off
for level in ${levels//,/ }; do for mode in ${modes//,/ }; do
  out=$(per_txn noinstr "$level" "$mode" off)
  off=$(per_txn normal "$level" "$mode" off)
  light=$(per_txn normal "$level" "$mode" light)
  printf '%-5s %-6s %14d %14d %14d %12s %12s\n' "$level" "$mode" "$out" "$off" "$light" \
    "$(awk -v a="$off" -v b="$out" 'BEGIN{printf "%.4f", a/b}')" "$(awk -v a="$light" -v b="$off" 'BEGIN{printf "%.4f", a/b}')"
done; done
echo "(instructions per transaction; steps=$steps dirtyRootsRatio=$ratio; callgrind, N=$n2-$n1 transactions)"
