#!/usr/bin/env bash
# Installs what the build needs on a fresh Debian machine: libsimde-dev (SIMD intrinsics) and
# libnuma-dev (NUMA-local memory). Does nothing when both are present.
set -euo pipefail

missing=()
[ -f /usr/include/simde/simde-common.h ] || missing+=(libsimde-dev)
[ -f /usr/include/numa.h ] || missing+=(libnuma-dev)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "bootstrap: installing ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null 2>&1; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
else
  echo "bootstrap: need root to install ${missing[*]}; run: apt-get install -y ${missing[*]}" >&2
  exit 1
fi
if ! command -v swift >/dev/null 2>&1; then
  echo "bootstrap: 'swift' is not on PATH; install Swift 6.1 or newer (swift.org)" >&2
  exit 1
fi
