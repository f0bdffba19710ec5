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


def timed_run(args, timeout=600):
    """run(), and the seconds it took"""
    t0 = time.time()
    p = run(args, timeout=timeout)
    return p, time.time() - t0


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
    # the other side: more than the board's RAM can hold, and weights the board's flash cannot
    p = run(base(tmp, budget="512KB", db="ram.db"))
    check(p.returncode == 1 and "sram1 96.0 KiB, sram2 32.0 KiB" in p.stderr and "--budget 96.0 KiB" in p.stderr,
          f"budget above the board's RAM: exit {p.returncode}: {p.stderr}")
    p = run(base(tmp, db="flash.db") + ["--flash-budget", "1KB"])
    check(p.returncode == 1 and "flash:" in p.stderr and "nothing was built" in p.stderr,
          f"weights above --flash-budget: {p.stderr}")


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
    clean, clean_s = timed_run(clean_args)
    check(clean.returncode == 0, f"clean run: {clean.stderr}")
    # Ctrl-C: the batch in flight finishes and is recorded, exit 130
    proc = subprocess.Popen([TUNE] + args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(max(0.3, clean_s * 0.3))
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=300)
        n = sqlite3.connect(os.path.join(tmp, "t.db")).execute("SELECT COUNT(*) FROM measurements").fetchone()[0]
        check(proc.returncode == 130 and "recording the measurements in flight" in err and
              "what was measured is recorded" in err and n > 0 and n % 4 == 0,
              f"Ctrl-C records whole batches: exit {proc.returncode}, {n} measurements, {err[-300:]}")
    else:
        proc.communicate()
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
    check(again.returncode == 0 and re.search(r"measured 0, reused 40", again.stderr) is not None,
          f"third run re-measured: {again.stderr[-500:]}")
    print(f"kill/resume: {kills} SIGKILLs, {n_killed} measurements, clean run {clean_s:.1f} s", flush=True)


def test_guided_vs_exhaustive(tmp):
    """Acceptance: on a space measured whole, guided search measuring at most 20% of it finds a
    point within 2% of the exhaustive optimum latency (separate databases: guided starts from the
    prior cost model, not one calibrated on the exhaustive run)."""
    common = ["--json", "--quiet"]
    ex = run(base(tmp, db="ex.db") + ["--strategy", "exhaustive", "--trials", "1000000"] + common)
    check(ex.returncode == 0, f"exhaustive: {ex.stderr}")
    if ex.returncode != 0:
        return
    e = json.loads(ex.stdout)
    check(e["trials"] == e["feasible"], "exhaustive evaluated every point within the budget")
    budget = max(1, e["feasible"] // 5)
    gd = run(base(tmp, db="guided.db") + ["--strategy", "guided", "--trials", str(budget)] + common)
    check(gd.returncode == 0, f"guided: {gd.stderr}")
    if gd.returncode != 0:
        return
    g = json.loads(gd.stdout)
    ratio = g["best"]["latency_cycles"] / e["best"]["latency_cycles"]
    check(g["trials"] <= budget and g["measured"] <= budget, "guided measured at most 20%")
    check(ratio <= 1.02, f"guided best {g['best']['latency_cycles']} vs exhaustive {e['best']['latency_cycles']}")
    print(f"guided vs exhaustive: space {e['space_size']} points ({e['feasible']} within the budget, "
          f"{e['measured']} distinct images measured); guided evaluated {g['trials']} ({100.0 * g['trials'] / e['feasible']:.0f}%), "
          f"best {g['best']['latency_cycles']} vs optimum {e['best']['latency_cycles']} cycles (x{ratio:.4f})", flush=True)


def test_eegformer_quickstart(tmp):
    """Acceptance: the README's main job from a cold build cache, then again (resumed, nothing
    measured); the smallest-memory front point is depth-first, and its measured arena peak against
    the layer-wise schedules' (measured whole: --whole-runs, which must give the same front as the
    default's stopping of dominated candidates). Times are reported, not asserted (shared machines
    are noisy)."""
    args = ["--model", os.path.join(MODELS, "eegformer.json"), "--board", "nucleo-h743zi", "--budget", "512KB",
            "--db", os.path.join(tmp, "qs.db"), "--cache-dir", os.path.join(tmp, "cold-cache"),
            "--boards-dir", BOARDS, "--json", "--quiet"]
    cold, cold_s = timed_run(args, timeout=1800)
    check(cold.returncode == 0, f"quickstart tune: {cold.stderr}")
    warm, warm_s = timed_run(args)
    check(warm.returncode == 0, f"rerun: {warm.stderr}")
    if cold.returncode != 0 or warm.returncode != 0:
        return
    c, w = json.loads(cold.stdout), json.loads(warm.stdout)
    check(w["measured"] == 0 and w["resumed"], "the rerun measured nothing")
    check(front_of(cold.stdout)[0] == front_of(warm.stdout)[0], "the rerun gives the same front")
    # issue 15: the default run covers the whole space (so its best is an exhaustive run's), in
    # one schedule-as-data image, and checks the pick in its specialized image
    check(c["strategy"] == "exhaustive" and c["trials"] == c["space_size"],
          f"the default run covers the space: {c['strategy']}, {c['trials']} of {c['space_size']}")
    check(c["images"] == "schedule-as-data" and c["best_specialized"] is not None
          and abs(c["best_specialized"]["deviation_pct"]) < 1.0, f"the best pick's specialized check: {c.get('best_specialized')}")
    smallest = min(c["front"], key=lambda p: p["peak_memory_bytes"])
    check(smallest["knobs"][0]["mhsa"] == "depthfirst", f"smallest-memory front point is {smallest['knobs'][0]}")
    # the default stops candidates once dominated; measured whole, the front is the same
    whole_args = [a if not a.endswith("qs.db") else os.path.join(tmp, "whole.db") for a in args] + ["--whole-runs"]
    whole, whole_s = timed_run(whole_args, timeout=1800)
    check(whole.returncode == 0, f"--whole-runs: {whole.stderr}")
    if whole.returncode != 0:
        return
    wj = json.loads(whole.stdout)
    check(front_of(whole.stdout)[0] == front_of(cold.stdout)[0], "--whole-runs gives the default's front")
    check(c["above_bound"] > 0 and wj["above_bound"] == 0,
          f"stopped once dominated: {c['above_bound']} by default, {wj['above_bound']} with --whole-runs")
    db = sqlite3.connect(os.path.join(tmp, "whole.db"))
    rows = db.execute("SELECT c.schedule_json, m.arena_peak_bytes, m.cycles_median FROM measurements m "
                      "JOIN candidates c ON c.id = m.candidate_id WHERE m.status = 'OK'").fetchall()
    lw = [(json.loads(s)["layers"][0], a, cyc) for s, a, cyc in rows if json.loads(s)["layers"][0]["mhsa"] == "layerwise"]
    check(len(lw) > 0, "some layer-wise schedules were measured")
    if not lw:
        return
    fastest_lw = min(lw, key=lambda x: x[2])
    smallest_lw = min(lw, key=lambda x: x[1])
    same_mode = [x for x in lw if x[0]["attention"] == smallest["knobs"][0]["attention"]]
    ratio = fastest_lw[1] / smallest["measured_arena_peak_bytes"]
    # the paper's comparison: depth-first tiling against the fastest standard layer-wise MHSA
    # (the fastest layer-wise of all may be fused-weight, which needs no K buffer); and against
    # the smallest layer-wise schedule of any mode
    std_lw = [x for x in lw if x[0]["attention"] == "standard"]
    check(len(std_lw) > 0, "some standard layer-wise schedules were measured")
    if std_lw:
        fastest_std = min(std_lw, key=lambda x: x[2])
        check(fastest_std[1] >= 5.0 * smallest["measured_arena_peak_bytes"],
              f"measured arena: depth-first {smallest['measured_arena_peak_bytes']} B vs fastest standard "
              f"layer-wise {fastest_std[1]} B")
    check(smallest_lw[1] >= 4.5 * smallest["measured_arena_peak_bytes"],
          f"measured arena: depth-first {smallest['measured_arena_peak_bytes']} B vs smallest layer-wise "
          f"{smallest_lw[1]} B")
    print(f"quickstart: cold {cold_s:.0f} s ({c['measured']} images measured, {c['above_bound']} of them stopped "
          f"once dominated, {c['trials']} candidates), --whole-runs {whole_s:.0f} s, "
          f"rerun {warm_s:.1f} s (measured {w['measured']}); best {c['best']['latency_cycles']} cycles, "
          f"{c['best']['peak_memory_bytes']} B", flush=True)
    print(f"arena (measured): smallest front point {smallest['measured_arena_peak_bytes']} B "
          f"({smallest['knobs'][0]['attention']} depth-first T={smallest['knobs'][0].get('tile_rows')}); "
          f"best (fastest) layer-wise {fastest_lw[1]} B -> x{ratio:.2f}; smallest layer-wise {smallest_lw[1]} B -> "
          f"x{smallest_lw[1] / smallest['measured_arena_peak_bytes']:.2f}"
          + (f"; smallest {same_mode[0][0]['attention']} layer-wise {min(x[1] for x in same_mode)} B -> "
             f"x{min(x[1] for x in same_mode) / smallest['measured_arena_peak_bytes']:.2f}" if same_mode else ""),
          flush=True)
    cal = c["calibration"]
    print(f"cost model: median held-out error {cal['median_heldout_error_pct']:.2f}% on {cal['heldout']['points']} "
          f"candidates (mean {cal['heldout']['mape_pct']:.2f}%, max {cal['heldout']['max_abs_pct']:.2f}%); "
          f"the model the run started with: mean {cal['prior']['mape_pct']:.1f}%", flush=True)
    check(0 <= cal["median_heldout_error_pct"] <= 10.0, "median held-out cost-model error <= 10%")


def test_first_hour(tmp):
    """What a new user types first: the board as printed on it, a budget without its unit, the file
    their training script saved; every message says what to do. Then a short run: the table states
    one unit per column in its header, the ETA waits for measured throughput, --plot draws."""
    ok = base(tmp, db="fh.db")
    p = run(["--model", ok[1], "--board", "nucleo-l476rg", "--budget", "512", "--db", ok[7]])
    check(p.returncode == 1 and "did you mean 512KB?" in p.stderr, f"--budget 512: {p.stderr!r}")
    # a torch.save checkpoint is a zip holding <name>/data.pkl; the legacy format a bare pickle
    import zipfile
    pt = os.path.join(tmp, "model.pt")
    with zipfile.ZipFile(pt, "w") as z:
        z.writestr("model/data.pkl", b"\x80\x02}q\x00.")
    legacy = os.path.join(tmp, "legacy.pth")
    open(legacy, "wb").write(b"\x80\x02}q\x00.")
    for path, what in [(pt, "written by torch.save"), (legacy, "Python pickle")]:
        p = run(["--model", path, "--board", "nucleo-l476rg", "--budget", "96KB", "--db", ok[7]])
        check(p.returncode == 1 and what in p.stderr and "torch.onnx.export" in p.stderr
              and "torch.no_grad()" in p.stderr, f"--model {os.path.basename(path)}: {p.stderr!r}")
    p = run(["--model", ok[1], "--board", "nucleo-l476rg", "--budget", "96KB", "--db", ok[7], "--boards-dir", BOARDS,
             "--board", "x"])
    check(p.returncode == 1 and "given twice" in p.stderr, "--board twice")

    plot = os.path.join(tmp, "front.svg")
    args = [a if a != "nucleo-l476rg" else "NUCLEO-L476RG" for a in ok] + ["--trials", "12", "--plot", plot]
    p = run(args)
    check(p.returncode == 0, f"--board NUCLEO-L476RG: {p.returncode} {p.stderr[-2000:]}")
    if p.returncode != 0:
        return
    header = next((l for l in p.stdout.splitlines() if "cycles" in l and "schedule" in l), "")
    for col in ["latency (", "energy (", "arena (", "flash ("]:
        check(col in header, f"the table header names the unit of {col!r}: {header!r}")
    check("emulated by the instruction-set simulator" in p.stdout and "not board cycles" in p.stdout,
          "the table names the simulator")
    check(re.search(r"coverage: 12 of \d+ schedules in the space evaluated", p.stdout) is not None,
          f"the table states the search's coverage: {p.stdout[:600]}")
    rows = [l for l in p.stdout.splitlines() if re.match(r"^(\*|\d+)\s+\d+\s", l)]
    # the figures (before the schedule's summary) are bare numbers: their units are in the header
    check(rows and all(re.fullmatch(r"[*\d .%]+", r[:len(header) - len("  schedule")]) for r in rows),
          f"no unit inside the rows: {rows[:3]}")
    lines = [l for l in p.stderr.splitlines() if l.startswith("[")]
    first_eta = next((i for i, l in enumerate(lines) if "ETA" in l), None)
    measured_then = int(re.search(r"measured (\d+)", lines[first_eta]).group(1)) if first_eta is not None else 99
    check(lines and "ETA" not in lines[0], f"no ETA on the first progress line: {lines[:1]}")
    check(first_eta is not None and measured_then >= 5,
          f"an ETA comes, after a few measurements (at {measured_then}): {lines[:8]}")
    svg = open(plot).read() if os.path.exists(plot) else ""
    check(svg.startswith("<svg") and "best: " in svg and "budget 96 KiB" in svg, "--plot wrote the front with the budget")
    ticks = re.findall(r'class="tick [xy]"[^>]*>([^<]*)<', svg)
    check(ticks and all(re.fullmatch(r"\d+(\.\d{1,2})? (µs|ms|s|B|KiB|MiB)", t) for t in ticks),
          f"tick labels: 3 significant figures and a unit: {ticks}")


def test_gap9_cluster(tmp):
    """GAP9 on its cluster simulator (the pulp backend, the default for gap9): the tuner explores
    cores and the split, every image's output is checked against the reference, the best point runs
    on the cluster, and the export builds and prints the expected CRC on the host (the cluster
    layers run core after core there)."""
    out, emit = os.path.join(tmp, "g9.json"), os.path.join(tmp, "g9-deploy")
    args = base(tmp, model="eegformer", board="gap9", budget="512KB", db="g9.db") + [
        "--trials", "64", "--json", "--quiet", "--out", out, "--emit-c", emit]
    p, secs = timed_run(args, timeout=1800)
    check(p.returncode == 0, f"gap9 tune: {p.returncode} {p.stderr[-2000:]}")
    if p.returncode != 0:
        return
    j = json.loads(p.stdout)
    best = j["best"]
    check(best["knobs"][0].get("cores", 0) >= 2, f"the best gap9 point runs on the cluster: {best['knobs'][0]}")
    db = sqlite3.connect(os.path.join(tmp, "g9.db"))
    rows = db.execute("SELECT c.schedule_json, m.cycles_median, m.status, m.output_ok, m.backend FROM measurements m "
                      "JOIN candidates c ON c.id = m.candidate_id").fetchall()
    check(all(r[2] == "OK" and r[3] == 1 for r in rows), "every gap9 image ran and gave the reference output")
    check(all(r[4] == "pulp" for r in rows), "measured on the pulp backend")
    layers = [(json.loads(s)["layers"][0], cyc) for s, cyc, *_ in rows]
    cores = {k.get("cores", 0) for k, _ in layers}
    splits = {k["split"] for k, _ in layers if "split" in k}
    check({1, 2, 4, 8} <= cores and 0 in cores, f"explored cores {sorted(cores)}")
    check(splits == {"rows", "heads"}, f"explored splits {sorted(splits)}")
    single = min(c for k, c in layers if k.get("cores", 0) == 0)
    cluster8 = min((c for k, c in layers if k.get("cores", 0) == 8), default=None)
    # same knobs on 1 and on 8 cores, where both were measured
    by_knobs = {}
    for k, c in layers:
        if k.get("cores", 0) in (1, 8):
            key = json.dumps({x: v for x, v in k.items() if x not in ("cores", "placement")}, sort_keys=True)
            by_knobs.setdefault(key, {})[k["cores"]] = c
    pairs = [v[1] / v[8] for v in by_knobs.values() if 1 in v and 8 in v]
    check(cluster8 is not None and cluster8 * 6 < single, f"8 cores vs the best single-core schedule: {cluster8} vs {single}")
    print(f"gap9 (emulated, pulp backend): {secs:.0f} s, {j['measured']} images; best {best['latency_cycles']} cycles "
          f"({best['knobs'][0]}); best single-core (library kernels) {single}; best 8-core {cluster8}; "
          f"same knobs 1 vs 8 cores: x{min(pairs) if pairs else 0:.2f}..x{max(pairs) if pairs else 0:.2f} "
          f"over {len(pairs)} pairs", flush=True)
    exported = json.load(open(out))
    check(exported["layers"][0].get("cores") == best["knobs"][0].get("cores"), "the export carries the cores")
    l1 = exported["memory_plan"].get("cluster_l1_bytes", 0)
    check(0 < l1 <= 128 * 1024 - 15 * 1024, f"the export's L1 tiles fit the free L1: {l1}")
    m = subprocess.run(["make", "-s", "-C", emit, "host"], capture_output=True, text=True, timeout=300)
    check(m.returncode == 0, f"make host: {m.stderr[-2000:]}")
    if m.returncode == 0:
        h = subprocess.run([os.path.join(emit, "network_host")], capture_output=True, text=True, timeout=60)
        check(f"crc32={exported['expected_output_crc32']}" in h.stdout, f"network_host prints {h.stdout!r}")
    # the exported cluster image on the GAP9 simulator: the make target fails on a wrong CRC
    pulp_run = os.path.join(os.path.dirname(TUNE), "tinytx-pulp-run")
    g = subprocess.run(["make", "-s", "-C", emit, "gap9-sim", f"PULP_RUN={pulp_run}"], capture_output=True,
                       text=True, timeout=600)
    check(g.returncode == 0, f"make gap9-sim: {g.stdout[-1000:]} {g.stderr[-2000:]}")
    check(f"crc32={exported['expected_output_crc32']}" in g.stdout, f"gap9-sim prints {g.stdout[-500:]!r}")


if __name__ == "__main__":
    tmp = tempfile.mkdtemp(prefix="tinytx-cli-")
    MODELS_COPY = os.path.join(tmp, "models")
    os.makedirs(MODELS_COPY)
    for f in os.listdir(MODELS):
        if f.startswith("ecgformer."):
            shutil.copy(os.path.join(MODELS, f), MODELS_COPY)
    try:
        for name, fn in [("bad_flags", test_bad_flags), ("budget_floor", test_budget_floor),
                         ("json_out_emit", test_json_out_emit), ("kill_resume", test_kill_resume),
                         ("guided_vs_exhaustive", test_guided_vs_exhaustive),
                         ("eegformer_quickstart", test_eegformer_quickstart), ("gap9_cluster", test_gap9_cluster),
                         ("first_hour", test_first_hour)]:
            if ONLY and name != ONLY:
                continue
            print("==", name, flush=True)
            fn(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("FAILED" if FAILURES else "PASSED", len(FAILURES), "failures")
    sys.exit(1 if FAILURES else 0)
