#!/usr/bin/env python3
"""tinytx-tune as a user runs it: bad flags and bad models get a message and a non-zero exit (never
a crash), the budget floor is exit 2, --json/--out/--emit-c are what the README says, and a run
killed with SIGKILL at random points then started again ends with the front of an uninterrupted run.

usage: test_tune_cli.py TINYTX_TUNE MODELS_DIR BOARDS_DIR CACHE_DIR [--only NAME]
"""
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

TUNE, MODELS, BOARDS, CACHE = sys.argv[1:5]
ONLY = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
FAILURES = []


def run(args, timeout=600, **kw):
    return subprocess.run([TUNE] + args, capture_output=True, text=True, timeout=timeout, **kw)


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)


def base(tmp, model="ecgformer", board="nucleo-l476rg", budget="96KB", db="t.db"):
    return ["--model", os.path.join(MODELS, model + ".json"), "--board", board, "--budget", budget,
            "--db", os.path.join(tmp, db), "--cache-dir", CACHE, "--boards-dir", BOARDS]


def test_bad_flags(tmp):
    ok = base(tmp)
    cases = [
        [], ["--model"], ["--board", "x"], ok[:2], ok[:4],                      # missing required
        ok + ["--bogus"], ok + ["-x"], ok + ["stray"], ok + ["--model", "again.json"],
        ok + ["--trials"], ok + ["--trials", "0"], ok + ["--trials", "-3"], ok + ["--trials", "ten"],
        ok + ["--trials", "1e3"], ok + ["--trials", "99999999999999999999999"],
        ok + ["--strategy", "annealing"], ok + ["--strategy", ""], ok + ["--strategy="],
        ok + ["--seed", "x"], ok + ["--batch", "0"], ok + ["--batch", "5000"], ok + ["--repeats", "0"],
        ok + ["--jobs", "0"], ok + ["--deadline-s", "0"], ok + ["--backend", "jtag"],
        ok + ["--agents", ""], ok + ["--agents", "nohost"], ok + ["--agents", "h:0"], ok + ["--agents", "h:70000"],
        ok + ["--agents", "a:1,a:1"], ok + ["--token-file", "/nonexistent"],
        ok + ["--json=1"], ok + ["--budget", "1KB"],
    ]
    for b in ["", "KB", "-5KB", "12XB", "0", "0.3", "abc", "1e9", "2PB", "1.2.3KB", "512 KBB"]:
        cases.append(["--model", ok[1], "--board", ok[3], "--budget", b, "--db", ok[7]])
    for board in ["nope", "", "../etc/passwd", "nucleo"]:
        cases.append(["--model", ok[1], "--board", board, "--budget", "96KB", "--db", ok[7], "--boards-dir", BOARDS])
    for model in ["/nonexistent.json", tmp, "/dev/null"]:
        cases.append(["--model", model, "--board", "nucleo-l476rg", "--budget", "96KB", "--db", ok[7]])
    # malformed models through the CLI (the loader's own tests feed hundreds more)
    spec = json.load(open(os.path.join(MODELS, "ecgformer.json")))
    bads = {"missing_S": lambda j: j.pop("S"), "E_string": lambda j: j.__setitem__("E", "16"),
            "H_zero": lambda j: j.__setitem__("H", 0), "layers_empty": lambda j: j.__setitem__("layers", []),
            "weights_missing": lambda j: j.__setitem__("weights", {"file": "nope.bin"})}
    for name, mutate in bads.items():
        j = json.loads(json.dumps(spec))
        mutate(j)
        path = os.path.join(MODELS_COPY, name + ".json")
        json.dump(j, open(path, "w"))
        cases.append(["--model", path, "--board", "nucleo-l476rg", "--budget", "96KB", "--db", ok[7]])
    truncated = os.path.join(MODELS_COPY, "truncated.json")
    open(truncated, "w").write(json.dumps(spec)[:200])
    cases.append(["--model", truncated, "--board", "nucleo-l476rg", "--budget", "96KB", "--db", ok[7]])
    for args in cases:
        p = run(args, timeout=120)
        check(p.returncode not in (0,) and p.returncode > 0, f"exit {p.returncode} for {args}")
        check(p.returncode != 2 or "below the smallest" in p.stderr, f"exit 2 without the budget message {args}")
        check(p.stderr.startswith("tinytx-tune: ") and len(p.stderr.strip()) > 20,
              f"no clear message for {args}: {p.stderr!r}")
    print(f"bad flags and models: {len(cases)} inputs refused cleanly", flush=True)
    p = run(["--help"])
    check(p.returncode == 0 and "Usage:" in p.stdout and "--budget" in p.stdout, "--help")


def test_budget_floor(tmp):
    p = run(base(tmp, model="eegformer", board="nucleo-h743zi", budget="4KB") + ["--json"])
    check(p.returncode == 2, f"budget floor exit {p.returncode}: {p.stderr}")
    m = re.search(r"needs on nucleo-h743zi: (\d+) B", p.stderr)
    check(m is not None and "depthfirst" in p.stderr, f"budget floor message: {p.stderr}")
    if p.returncode == 2:
        j = json.loads(p.stdout)
        check(j["minimal_peak_bytes"] == int(m.group(1)), "minimal peak in the JSON")


def front_of(out):
    j = json.loads(out)
    return [(p["schedule_id"], p["latency_cycles"], p["peak_memory_bytes"]) for p in j["front"]], j


def test_json_out_emit(tmp):
    out, emit = os.path.join(tmp, "best.json"), os.path.join(tmp, "deploy")
    p = run(base(tmp, db="j.db") + ["--trials", "10", "--json", "--out", out, "--emit-c", emit, "--quiet"])
    check(p.returncode == 0, f"--json run: {p.returncode} {p.stderr}")
    if p.returncode != 0:
        return
    front, j = front_of(p.stdout)
    check(len(front) >= 1 and j["best"] is not None, "front and best")
    for pt in j["front"]:
        for k in ["schedule_id", "latency_cycles", "latency_us", "energy_uj", "peak_memory_bytes", "flash_bytes", "source"]:
            check(k in pt, f"front point lacks {k}")
        check(pt["source"] == "emulated", "emulated figures are labelled emulated")
        check(pt["peak_memory_bytes"] <= 96 * 1024, "front within budget")
    best = json.load(open(out))
    check(best["schedule_id"] == j["best"]["schedule_id"], "--out is the best point")
    check(re.fullmatch(r"0x[0-9a-f]{8}", best["expected_output_crc32"]) is not None, "crc format")
    for k in ["model_hash", "board", "budget_bytes", "objectives", "layers", "memory_plan", "tool_version"]:
        check(k in best, f"--out lacks {k}")
    check(best["objectives"]["measured"]["latency_cycles"] == j["best"]["latency_cycles"], "measured objectives")
    check(best["objectives"]["predicted"]["source"] == "modeled", "predicted is modeled")
    m = subprocess.run(["make", "-s", "-C", emit, "host"], capture_output=True, text=True, timeout=300)
    check(m.returncode == 0, f"make host: {m.stderr[-2000:]}")
    if m.returncode == 0:
        h = subprocess.run([os.path.join(emit, "network_host")], capture_output=True, text=True, timeout=60)
        check(f"crc32={best['expected_output_crc32']}" in h.stdout, f"network_host prints {h.stdout!r}")


def test_kill_resume(tmp):
    args = base(tmp, model="ecgformer", board="nucleo-h743zi", budget="64KB") + ["--trials", "40", "--batch", "4",
                                                                                  "--strategy", "nsga2", "--json", "--quiet"]
    clean_args = [a if not a.endswith("t.db") else os.path.join(tmp, "clean.db") for a in args]
    t0 = time.time()
    clean = run(clean_args)
    clean_s = time.time() - t0
    check(clean.returncode == 0, f"clean run: {clean.stderr}")
    rng = random.Random(int(os.environ.get("TINYTX_KILL_SEED", "7")))
    kills = 0
    for _ in range(3):
        proc = subprocess.Popen([TUNE] + args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.1, max(0.2, clean_s * 0.35)))
        if proc.poll() is None:
            proc.send_signal(signal.SIGKILL)
            kills += 1
        proc.wait()
    final = run(args)
    check(final.returncode == 0, f"resumed run: {final.stderr}")
    db = sqlite3.connect(os.path.join(tmp, "t.db"))
    check(db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity_check after SIGKILL")
    n_killed = db.execute("SELECT COUNT(*) FROM measurements").fetchone()[0]
    dup = db.execute("SELECT COUNT(*) FROM (SELECT candidate_id FROM measurements GROUP BY candidate_id HAVING COUNT(*) > 1)").fetchone()[0]
    n_clean = sqlite3.connect(os.path.join(tmp, "clean.db")).execute("SELECT COUNT(*) FROM measurements").fetchone()[0]
    check(dup == 0, f"{dup} candidates measured twice")
    check(n_killed == n_clean, f"measurements {n_killed} after kills vs {n_clean} clean")
    if clean.returncode == 0 and final.returncode == 0:
        check(front_of(final.stdout)[0] == front_of(clean.stdout)[0], "front after kills equals the clean front")
    # and again: nothing measured
    again = run(args[:-1])
    check(again.returncode == 0 and re.search(r"measured 0,", again.stderr) is not None,
          f"third run re-measured: {again.stderr[-500:]}")
    print(f"kill/resume: {kills} SIGKILLs, {n_killed} measurements, clean run {clean_s:.1f} s", flush=True)


if __name__ == "__main__":
    tmp = tempfile.mkdtemp(prefix="tinytx-cli-")
    MODELS_COPY = os.path.join(tmp, "models")
    os.makedirs(MODELS_COPY)
    for f in os.listdir(MODELS):
        if f.startswith("ecgformer."):
            shutil.copy(os.path.join(MODELS, f), MODELS_COPY)
    try:
        for name, fn in [("bad_flags", test_bad_flags), ("budget_floor", test_budget_floor),
                         ("json_out_emit", test_json_out_emit), ("kill_resume", test_kill_resume)]:
            if ONLY and name != ONLY:
                continue
            print("==", name, flush=True)
            fn(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("FAILED" if FAILURES else "PASSED", len(FAILURES), "failures")
    sys.exit(1 if FAILURES else 0)
