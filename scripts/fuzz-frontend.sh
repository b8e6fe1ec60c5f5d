#!/usr/bin/env bash
# Fuzzes the front end — IR JSON → tables (CompiledGraph) → C0 parser and bytecode compiler → the
# kernel's bytecode verifier → artifact encode + open, with the VM checked against the evaluator —
# with libFuzzer under AddressSanitizer (Swift and C) and UndefinedBehaviorSanitizer (C), for
# [seconds] (default 60), seeded with Fuzz/frontend-corpus/ (docs examples, test expressions) and
# the dictionary Fuzz/frontend.dict. The target is Fuzz/frontend_fuzz.swift compiled together with
# the ConvergeKernel sources into one module by swiftc -sanitize=fuzzer (no package change).
# New inputs go to a scratch corpus (not committed); a finding writes crash-*/oom-*/timeout-* into
# $FUZZ_OUT (default .build/fuzz-frontend) and exits 1.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-60}
out=${FUZZ_OUT:-.build/fuzz-frontend}
mkdir -p "$out/corpus" "$out/obj" "$out/module"
clang=${CONVERGE_FUZZ_CLANG:-clang}
swiftc=${CONVERGE_FUZZ_SWIFTC:-swiftc}
root=$(pwd)

# CKernel as a Clang module for swiftc (SwiftPM makes the same one from CKernel/include)
cat >"$out/module/module.modulemap" <<EOF
module CKernel {
    header "$root/CKernel/include/ckernel.h"
    export *
}
EOF

objs=()
for c in CKernel/src/*.c; do
  o="$out/obj/$(basename "$c" .c).o"
  "$clang" -std=c11 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
    -ICKernel/include -ICKernel/src/internal -c "$c" -o "$o"
  objs+=("$o")
done
# ConvergeFiles (the library's file reader) as a module of its own, as in the package
"$swiftc" -swift-version 6 -parse-as-library -O -wmo -g -sanitize=fuzzer,address -module-name ConvergeFiles \
  -package-name ConvergeKernel -emit-module -emit-module-path "$out/module/ConvergeFiles.swiftmodule" \
  -c $(find Sources/ConvergeFiles -name '*.swift' | sort) -o "$out/obj/ConvergeFiles.o"
objs+=("$out/obj/ConvergeFiles.o")
"$swiftc" -swift-version 6 -parse-as-library -O -g -sanitize=fuzzer,address -Xclang-linker -fsanitize=undefined -use-ld=lld \
  -module-name FrontendFuzz -package-name ConvergeKernel -I "$out/module" -Xcc -I"$root/CKernel/include" \
  $(find Sources/ConvergeKernel -name '*.swift' | sort) Fuzz/frontend_fuzz.swift \
  "${objs[@]}" -lnuma -lm -o "$out/frontend_fuzz"

cp Fuzz/frontend-corpus/* "$out/corpus/"
log="$out/fuzz.log"
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 ASAN_OPTIONS=detect_leaks=0 SWIFT_BACKTRACE=enable=no \
  "$out/frontend_fuzz" -max_total_time="$seconds" -max_len=4096 -timeout=10 -rss_limit_mb=2048 \
    -dict=Fuzz/frontend.dict -artifact_prefix="$out/" -print_final_stats=1 "$out/corpus" 2>"$log" || {
  tail -60 "$log" >&2
  echo "fuzz-frontend: FINDING (the input is in $out/crash-* / oom-* / timeout-*)" >&2
  exit 1
}
execs=$(grep -E '^stat::number_of_executed_units' "$log" | awk '{print $2}')
echo "fuzz-frontend: ${seconds}s, ${execs:-?} executions, no findings (corpus $(ls "$out/corpus" | wc -l) inputs, log $log)"
