#!/usr/bin/env python3
"""tinytx-tune --board gap9 --backend gvsoc as a user runs it: a front measured on GVSoC, never mixed
with the pulp simulator's figures in the same database, and an exported image that prints the
schedule's CRC on GVSoC. Exits 77 (ctest's skip) without a GVSoC install.

usage: test_tune_gvsoc.py TINYTX_TUNE TINYTX_GVSOC_RUN MODELS_DIR BOARDS_DIR GVSOC_PREFIX"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

tune, gvsoc_run, models, boards, prefix = sys.argv[1:6]
if not prefix or not os.access(os.path.join(prefix, "bin", "gvsoc"), os.X_OK):
    print(f"SKIPPED: no GVSoC install ({prefix!r}); scripts/setup.sh installs one, or configure with "
          "-DTINYTX_GVSOC=PREFIX")
    sys.exit(77)

failures = []


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if not ok:
        failures.append(what)


tmp = tempfile.mkdtemp(prefix="tinytx-tune-gvsoc-")
db, emit = os.path.join(tmp, "t.db"), os.path.join(tmp, "deploy")
env = dict(os.environ, TINYTX_GVSOC=prefix)


def tune_on(backend, extra=()):
    cmd = [tune, "--model", os.path.join(models, "eegformer.json"), "--board", "gap9", "--budget", "512KB",
           "--backend", backend, "--trials", "12", "--seed", "3", "--json", "--quiet", "--db", db,
           "--boards-dir", boards, "--cache-dir", os.path.join(tmp, "cache"), *extra]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1200)
    check(p.returncode == 0, f"tinytx-tune --backend {backend}: exit {p.returncode} {p.stderr[-1500:]}")
    return json.loads(p.stdout) if p.returncode == 0 else None


pulp = tune_on("pulp")
gv = tune_on("gvsoc", ["--emit-c", emit, "--out", os.path.join(tmp, "best.json")])
if pulp and gv:
    check(gv["reused"] == 0, f"the gvsoc run reused none of the pulp run's figures (reused {gv['reused']})")
    # (front points name their backend where the report has that field)
    check(gv["front_source"] == "emulated" and {p.get("backend", "gvsoc") for p in gv["front"]} == {"gvsoc"},
          "the front is emulated, on gvsoc")
    check({p.get("backend", "pulp") for p in pulp["front"]} == {"pulp"}, "the pulp front is pulp's")
    check(len(gv["front"]) >= 1, f"a front on GVSoC: {len(gv['front'])} points")
    rows = sqlite3.connect(db).execute("SELECT m.backend, m.status, m.output_ok FROM measurements m").fetchall()
    check({r[0] for r in rows} == {"pulp", "gvsoc"}, "both backends' measurements are stored, each labelled")
    check(all(r[1] == "OK" and r[2] == 1 for r in rows if r[0] == "gvsoc"), "every GVSoC image gave the reference output")
    best = json.load(open(os.path.join(tmp, "best.json")))
    # the exported cluster image on GVSoC: the folder's gap9-sim target with GVSoC as the runner
    g = subprocess.run(["make", "-s", "-C", emit, "gap9-sim", f"PULP_RUN={gvsoc_run} --gvsoc {prefix}"],
                       capture_output=True, text=True, timeout=600)
    check(g.returncode == 0, f"make gap9-sim on GVSoC: {g.stdout[-800:]} {g.stderr[-1500:]}")
    check(f"crc32={best['expected_output_crc32']}" in g.stdout, f"the exported image prints its CRC on GVSoC: {g.stdout[-300:]!r}")
print("FAILED" if failures else "PASSED", len(failures), "failures")
sys.exit(1 if failures else 0)
