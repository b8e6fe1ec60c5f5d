#!/usr/bin/env bash
# C hygiene checks run by CI: CKernel compiles clean under -Wall -Wextra -Werror, and every
# exported symbol of CKernel is prefixed `ck_` (nm over the objects).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
for f in CKernel/src/*.c; do
  clang -std=c11 -O2 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
    -ICKernel/include -ICKernel/src/internal -c "$f" -o "$out/$(basename "$f").o"
done
bad=$(nm -g --defined-only "$out"/*.o | awk 'NF==3 {print $3}' | grep -v '^ck_' || true)
if [ -n "$bad" ]; then
  echo "check-c: exported symbols without the ck_ prefix:" >&2
  echo "$bad" >&2
  exit 1
fi
echo "check-c: CKernel compiles clean with -Wall -Wextra -Werror; all exported symbols are ck_-prefixed"
