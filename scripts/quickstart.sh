#!/usr/bin/env bash
# Builds everything and runs the kernel benchmark on the emulated Cortex-M4 and Cortex-M7
# (QEMU, -icount shift=0): per kernel, schedule and variant, MACs, instructions, MAC per
# instruction, arena and stack peak. Figures are emulated instruction counts, not board cycles.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset default
cmake --build --preset default -j "$(nproc 2>/dev/null || echo 2)"
cmake --build --preset default --target bench
# and one EEGFormer MHSA image through the board agent's in-process emulator
build/bin/tinytx-agent measure --board nucleo-l476rg build/bin/firmware/cortex-m4/fw_agent_eegformer.elf --repeats 3
