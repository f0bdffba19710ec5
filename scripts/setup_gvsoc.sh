#!/usr/bin/env bash
# Installs GVSoC (pulp-open, 128 KiB L1) for the gvsoc backend and its tests, when missing: into
# $TINYTX_GVSOC, else /opt/gvsoc, from ../shared/gvsoc (the prebuilt on Debian 12 amd64, which
# takes seconds; its build.sh elsewhere, a few minutes on 2 cores). Without ../shared/gvsoc it only
# says how to get GVSoC: it is optional, like a board, and the gvsoc tests report themselves
# skipped without it. Safe to run again.
set -euo pipefail

prefix="${TINYTX_GVSOC:-/opt/gvsoc}"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
shared="${TINYTX_GVSOC_SOURCES:-$repo/../shared/gvsoc}"

if [ -x "$prefix/bin/gvsoc" ]; then
  echo "setup: GVSoC present in $prefix"
  exit 0
fi
if [ ! -d "$shared" ]; then
  echo "setup: no GVSoC in $prefix and no sources in $shared: the gvsoc tests will be skipped."
  echo "       To enable them, build GVSoC's pulp-open target from https://github.com/gvsoc/gvsoc"
  echo "       (docs/GAP9.md, 'GVSoC') and configure with -DTINYTX_GVSOC=PREFIX."
  exit 0
fi

SUDO=""
parent="$(dirname "$prefix")"
[ -w "$parent" ] || [ "$(id -u)" -eq 0 ] || SUDO="sudo"
if [ "$(dpkg --print-architecture 2>/dev/null)" = amd64 ] && grep -q '^12\.' /etc/debian_version 2>/dev/null &&
   $SUDO "$shared/use-prebuilt.sh" "$prefix"; then
  echo "setup: GVSoC installed in $prefix (prebuilt)"
else
  echo "setup: building GVSoC from $shared/src into $prefix (a few minutes)"
  $SUDO "$shared/build.sh" "$prefix"
fi
[ -x "$prefix/bin/gvsoc" ] || { echo "setup: GVSoC install in $prefix failed" >&2; exit 1; }
