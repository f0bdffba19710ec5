#!/usr/bin/env bash
# The main job: builds everything, then tunes EEGFormer for the NUCLEO-H743ZI under a 512 KB arena
# budget on the in-process emulated board (the agent's ISS cycle model: figures are emulated, not
# board cycles) and prints the Pareto front. Results go to build/quickstart/ (tinytx.db, best.json,
# deploy/, front.svg); run it again and it resumes from the database without measuring anything twice.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/setup.sh
cmake --preset default
cmake --build --preset default -j "$(nproc 2>/dev/null || echo 2)"
mkdir -p build/quickstart
build/bin/tinytx-tune --model models/eegformer.json --board nucleo-h743zi --budget 512KB \
  --db build/quickstart/tinytx.db --out build/quickstart/best.json --emit-c build/quickstart/deploy \
  --plot build/quickstart/front.svg "$@"
