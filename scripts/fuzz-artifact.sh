#!/usr/bin/env bash
# Fuzzes the AOT artifact loader (ck_artifact_open, ck_kernel_create_from_artifact, then plan and
# commit) with libFuzzer under AddressSanitizer and UndefinedBehaviorSanitizer, for [seconds]
# (default 60), seeded with the valid artifacts in Fuzz/corpus/. New inputs go to a scratch corpus
# (not committed); a crash writes crash-* into $FUZZ_OUT (default .build/fuzz-artifact) and exits 1.
# Needs a clang with libFuzzer (the Swift toolchain's has it: clang -fsanitize=fuzzer).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=${FUZZ_OUT:-.build/fuzz-artifact}
mkdir -p "$out/corpus"
clang=${CONVERGE_FUZZ_CLANG:-clang}
"$clang" -std=c11 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
  -fuse-ld=lld -ICKernel/include -ICKernel/src/internal \
  Fuzz/artifact_fuzz.c CKernel/src/*.c -lnuma -lm -o "$out/artifact_fuzz"
cp Fuzz/corpus/* "$out/corpus/"
log="$out/fuzz.log"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=1 \
  "$out/artifact_fuzz" -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus" 2>"$log" || {
  tail -40 "$log" >&2
  echo "fuzz-artifact: FINDING (the crashing input is in $out/crash-*)" >&2
  exit 1
}
execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
echo "fuzz-artifact: ${seconds}s, ${execs:-?} executions, no findings (corpus $(ls "$out/corpus" | wc -l) inputs, log $log)"
