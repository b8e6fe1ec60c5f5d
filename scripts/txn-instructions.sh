#!/usr/bin/env bash
# Instructions per transaction (valgrind --tool=callgrind: repeatable on a noisy machine) of the
# converge workload, per point: the difference between runs of N1 and N2 transactions, so set-up
# cancels out. Wall-clock ratios on a shared VM drift by tens of percent between runtime
# instances; instruction counts do not.
#   scripts/txn-instructions.sh [steps] [ratios] [levels] [modes] [diagnostics]
#   e.g. scripts/txn-instructions.sh 2000 0.005,0.25,1 l0,l1,l2 full,dirty,auto off
set -euo pipefail
cd "$(dirname "$0")/.."
steps=${1:-2000}; ratios=${2:-0.005,0.25,1}; levels=${3:-l0,l1,l2}; modes=${4:-full,dirty,auto}; diags=${5:-off}
command -v valgrind >/dev/null || { echo "txn-instructions: valgrind is needed (apt-get install -y valgrind)" >&2; exit 2; }
bash scripts/bootstrap.sh >/dev/null
swift build -c release --product converge >/dev/null
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
# valgrind 3.19 cannot read the toolchain's DWARF 5: count on a copy without debug info
cp .build/release/converge "$tmp/converge"; strip --strip-debug "$tmp/converge"
n1=500; n2=2500
count() { # steps ratio level mode diagnostics n
  SWIFT_DETERMINISTIC_HASHING=1 valgrind --tool=callgrind --callgrind-out-file="$tmp/cg" "$tmp/converge" bench-txn \
    --steps "$1" --ratios "$2" --levels "$3" --modes "$4" --diagnostics "$5" --fixed-transactions "$6" 2>&1 >/dev/null \
    | sed -n 's/.*Collected : *\([0-9]*\).*/\1/p'
}
printf '%-6s %-7s %-5s %-6s %-6s %12s\n' steps ratio level mode diag instr/txn
for s in ${steps//,/ }; do for r in ${ratios//,/ }; do for l in ${levels//,/ }; do for m in ${modes//,/ }; do for d in ${diags//,/ }; do
  a=$(count "$s" "$r" "$l" "$m" "$d" $n1); b=$(count "$s" "$r" "$l" "$m" "$d" $n2)
  printf '%-6s %-7s %-5s %-6s %-6s %12d\n' "$s" "$r" "$l" "$m" "$d" $(( (b - a) / (n2 - n1) ))
done; done; done; done; done
echo "(callgrind; $((n2 - n1)) transactions; no decision budget; the cost model measures under valgrind's clock)"
