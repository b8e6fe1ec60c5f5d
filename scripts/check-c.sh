#!/usr/bin/env bash
# C hygiene checks run by CI: CKernel and CKernelBench (CKernel/bench: floors, probes) compile
# clean under -Wall -Wextra -Werror, and every exported symbol is prefixed `ck_` (nm over the
# objects).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for f in CKernel/src/*.c CKernel/bench/src/*.c; do
  clang -std=c11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
    -ICKernel/include -ICKernel/src/internal -ICKernel/bench/include -c "$f" -o "$out/$(basename "$f").o"
done
# the package traits' variants compile clean too (GateSpin: gate validation; NoInstrumentation)
mkdir "$out/variants"
for define in CK_GATE_SPIN CK_NO_INSTRUMENTATION; do
  for f in CKernel/src/*.c; do
    clang -std=c11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -D$define \
      -ICKernel/include -ICKernel/src/internal -c "$f" -o "$out/variants/$define-$(basename "$f").o"
  done
done
bad=$(nm -g --defined-only "$out"/*.o | awk 'NF==3 {print $3}' | grep -v '^ck_' || true)
if [ -n "$bad" ]; then
  echo "check-c: exported symbols without the ck_ prefix:" >&2
  echo "$bad" >&2
  exit 1
fi
# the freestanding wasm32 builds (CKernel/src + CKernel/wasm), SIMD128 and scalar, with the flags
# the package build uses (Sources/CKernelWasmBuilder): -Wall -Wextra -Werror, no libc headers but CKernel/wasm/libc
if clang --print-targets | grep -q wasm32; then
  mkdir -p "$out/inc" && ln -sfn /usr/include/simde "$out/inc/simde"
  for simd in -msimd128 -mno-simd128; do
    clang --target=wasm32-unknown-unknown -std=c11 -O3 -ffreestanding -nostdlib -nostdlibinc -mbulk-memory \
      -mnontrapping-fptoint -msign-ext -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes $simd \
      -isystem CKernel/wasm/libc -ICKernel/include -ICKernel/src/internal -I"$out/inc" \
      CKernel/src/*.c CKernel/wasm/*.c -Wl,--no-entry -o "$out/converge$simd.wasm"
  done
  echo "check-c: the wasm32 builds (simd128, scalar) compile clean"
else
  echo "check-c: clang has no wasm32 target (the Swift toolchain's has)" >&2
  exit 1
fi
echo "check-c: CKernel compiles clean with -Wall -Wextra -Werror; all exported symbols are ck_-prefixed"
