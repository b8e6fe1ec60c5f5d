#!/usr/bin/env bash
# Installs what the build needs on a fresh Debian machine: libsimde-dev (SIMD intrinsics) and
# libnuma-dev (NUMA-local memory). Does nothing when they are present.
#   --tests     also python3's jsonschema (the report/diff schema tests): pip, else Debian's
#               python3-jsonschema (a Debian python3 refuses pip installs: PEP 668)
#   --chromium  also chromium (the HTML page's headless render test, the chromium backends of
#               converge bench: wasm-chromium, wasm-chromium-l2, js-chromium)
set -euo pipefail

want_tests=0 want_chromium=0
for arg in "$@"; do
  case "$arg" in
    --tests) want_tests=1 ;;
    --chromium) want_chromium=1 ;;
    *) echo "bootstrap: unknown option $arg (--tests, --chromium)" >&2; exit 2 ;;
  esac
done

# apt-get install as root, or through sudo; says what to run when neither works
apt_install() {
  echo "bootstrap: installing $*" >&2
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  elif command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
  else
    echo "bootstrap: need root to install $*; run: apt-get install -y $*" >&2
    return 1
  fi
}

missing=()
[ -f /usr/include/simde/simde-common.h ] || missing+=(libsimde-dev)
[ -f /usr/include/numa.h ] || missing+=(libnuma-dev)
if [ $want_chromium -eq 1 ] && ! command -v chromium >/dev/null 2>&1; then missing+=(chromium); fi
[ ${#missing[@]} -eq 0 ] || apt_install "${missing[@]}"

if [ $want_tests -eq 1 ] && ! python3 -c 'import jsonschema' 2>/dev/null; then
  echo "bootstrap: installing python3's jsonschema" >&2
  python3 -m pip install -q jsonschema 2>/dev/null || apt_install python3-jsonschema
  python3 -c 'import jsonschema' 2>/dev/null || {
    echo "bootstrap: python3 cannot import jsonschema; install it (pip install jsonschema, or apt-get install python3-jsonschema)" >&2
    exit 1
  }
fi

if ! command -v swift >/dev/null 2>&1; then
  echo "bootstrap: 'swift' is not on PATH; install Swift 6.1 or newer (swift.org)" >&2
  exit 1
fi
