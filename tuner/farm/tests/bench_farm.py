#!/usr/bin/env python3
"""Farm throughput with 1, 2 and 4 ISS agents (emulated boards, this machine) and the dispatch
overhead per measurement (daemon + gRPC time beyond the agent's own), from the daemon's log.

The job's images are built once first (warm cache), so the figures are about dispatch and
measurement, not compilation; repeats make each measurement a few hundred ms of emulation.
usage: bench_farm.py BIN_DIR MODELS_DIR CACHE_DIR [--trials N] [--repeats N]
"""
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

sys.argv += [] if "--only" in sys.argv else ["--only", "none"]
import test_farm as tf  # noqa: E402  (same directory: the process helpers)

TRIALS = int(sys.argv[sys.argv.index("--trials") + 1]) if "--trials" in sys.argv else 48
REPEATS = sys.argv[sys.argv.index("--repeats") + 1] if "--repeats" in sys.argv else "3"


def main():
    args = tf.tune_args("ecgformer", "nucleo-h743zi", "64KB", TRIALS, ["--repeats", REPEATS, "--quiet"])
    warm = tempfile.mkdtemp(prefix="tinytx-farm-warm-")
    subprocess.run([tf.TUNE, *args, "--db", os.path.join(warm, "w.db"), "--cache-dir", tf.CACHE],
                   capture_output=True, text=True, timeout=1200, check=True)
    shutil.rmtree(warm)
    rates = {}
    for n in (1, 2, 4):
        tmp = tempfile.mkdtemp(prefix=f"tinytx-farm-bench{n}-")
        try:
            agents = [tf.start_agent()[1] for _ in range(n)]
            _, farm = tf.start_farmd(tmp, agents)
            t0 = time.time()
            p = subprocess.run([tf.TUNE, "--farm", farm, *args], capture_output=True, text=True, timeout=1800)
            wall = time.time() - t0
            if p.returncode != 0:
                print(f"{n} agents: job failed: {p.stderr}")
                continue
            runs = [e for e in tf.events(tmp) if e["event"] == "run"]
            stamps = sorted(e["ts"] for e in runs)
            over = [e["overhead_ms"] for e in runs]
            rates[n] = len(runs) / wall
            print(f"{n} agent(s): {len(runs)} measurements in {wall:.1f} s = {rates[n]:.2f} measurements/s; "
                  f"dispatch overhead median {statistics.median(over):.2f} ms (p90 "
                  f"{sorted(over)[int(0.9 * len(over))]:.2f} ms)", flush=True)
        finally:
            for proc in tf.PROCS:
                proc.kill()
                proc.wait()
            tf.PROCS.clear()
            shutil.rmtree(tmp, ignore_errors=True)
    if 1 in rates:
        print("speed-up over 1 agent: " + ", ".join(f"{n} agents x{rates[n] / rates[1]:.2f}" for n in sorted(rates)),
              f"(this machine: {os.cpu_count()} cores; every agent emulates on them)")


if __name__ == "__main__":
    sys.path.insert(0, os.path.dirname(__file__))
    main()
