#!/usr/bin/env bash
# The test command: installs what is missing, builds everything from scratch (host library and
# tests, golden vectors, firmware for Cortex-M4, Cortex-M7 and RV32) and runs every test,
# including the firmware under QEMU.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
jobs=$(nproc 2>/dev/null || echo 2)

cmake --preset default
cmake --build --preset default -j "$jobs"
ctest --preset default -j "$jobs" --timeout 600
