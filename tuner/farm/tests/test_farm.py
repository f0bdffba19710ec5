#!/usr/bin/env python3
"""tinytx-farmd with real processes on loopback: a daemon, `tinytx-agent serve` processes (the
in-process ISS behind gRPC) and `tinytx-tune --farm` clients.

usage: test_farm.py BIN_DIR MODELS_DIR CACHE_DIR --only PART
parts: two_jobs agent_killed daemon_killed quarantine auth join
"""
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time

BIN, MODELS, CACHE = sys.argv[1:4]
ONLY = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
AGENT, FARMD, TUNE = (os.path.join(BIN, n) for n in ("tinytx-agent", "tinytx-farmd", "tinytx-tune"))
FAILURES = []
PROCS = []


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)


def first_line(proc, timeout=20):
    """The JSON line a server prints when it listens."""
    t0 = time.time()
    line = proc.stdout.readline()
    if not line or time.time() - t0 > timeout:
        raise RuntimeError(f"{proc.args[0]} did not start: {proc.stderr.read() if proc.stderr else ''}")
    return json.loads(line)


def start_agent(extra=()):
    p = subprocess.Popen([AGENT, "serve", "--listen", "127.0.0.1:0", "--workers", "1", "--board", "nucleo-l476rg:iss",
                          "--board", "nucleo-h743zi:iss", *extra],
                         stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    PROCS.append(p)
    return p, first_line(p)["address"]


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def start_farmd(tmp, agents, extra=(), port=0, log="farmd.log"):
    args = [FARMD, "--listen", f"127.0.0.1:{port}", "--db", os.path.join(tmp, "farm.db"), "--cache-dir", CACHE,
            "--log", os.path.join(tmp, log), *extra]
    if agents:
        args += ["--agents", ",".join(agents)]
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    PROCS.append(p)
    return p, first_line(p)["address"]


def events(tmp, log="farmd.log"):
    path = os.path.join(tmp, log)
    if not os.path.exists(path):
        return []
    return [json.loads(l) for l in open(path) if l.strip()]


def tune_args(model, board, budget, trials, extra=()):
    return ["--model", os.path.join(MODELS, model + ".json"), "--board", board, "--budget", budget,
            "--trials", str(trials), "--strategy", "nsga2", "--json", *extra]


def front_points(text):
    j = json.loads(text)
    return [(p["schedule_id"], p["latency_cycles"], p["peak_memory_bytes"]) for p in j["front"]]


def local_front(tmp, args, name):
    # one image per candidate, as the farm's agents measure (they cannot take layer tables over
    # gRPC): a schedule-as-data image's figures differ by its code layout (README "--images")
    p = subprocess.run([TUNE, *args, "--quiet", "--images", "specialized", "--db", os.path.join(tmp, name + ".db"),
                        "--cache-dir", CACHE],
                       capture_output=True, text=True, timeout=600)
    check(p.returncode == 0, f"local run {name}: {p.stderr}")
    return front_points(p.stdout) if p.returncode == 0 else None


def measurement_stats(db_path):
    db = sqlite3.connect(db_path)
    n = db.execute("SELECT COUNT(*) FROM measurements").fetchone()[0]
    dup = db.execute("SELECT COUNT(*) FROM (SELECT candidate_id FROM measurements GROUP BY candidate_id "
                     "HAVING COUNT(*) > 1)").fetchone()[0]
    ok = db.execute("PRAGMA integrity_check").fetchone()[0]
    return n, dup, ok


def test_two_jobs(tmp):
    agents = [start_agent()[1] for _ in range(3)]
    _, farm = start_farmd(tmp, agents)
    jobs = [tune_args("ecgformer", "nucleo-l476rg", "96KB", 24), tune_args("tiny4", "nucleo-h743zi", "512KB", 16)]
    procs = [subprocess.Popen([TUNE, "--farm", farm, *a, "--quiet"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for a in jobs]
    outs = [p.communicate(timeout=600) for p in procs]
    for (out, err), p, a, name in zip(outs, procs, jobs, ["ecg", "tiny4"]):
        check(p.returncode == 0, f"farm job {name}: {err}")
        if p.returncode == 0:
            check(front_points(out) == local_front(tmp, a, name), f"farm front of {name} equals the local run's")
    runs = [e for e in events(tmp) if e["event"] == "run"]
    used = {e["agent"] for e in runs}
    check(len(used) == 3, f"runs went to {len(used)} of 3 agents")
    print(f"two jobs: {len(runs)} runs over {len(used)} agents; fronts equal to local runs", flush=True)


def wait_for_runs(tmp, n, timeout=300):
    t0 = time.time()
    while time.time() - t0 < timeout:
        if sum(1 for e in events(tmp) if e["event"] == "run") >= n:
            return True
        time.sleep(0.1)
    return False


def test_agent_killed(tmp):
    started = [start_agent() for _ in range(3)]
    _, farm = start_farmd(tmp, [a for _, a in started])
    args = tune_args("ecgformer", "nucleo-h743zi", "64KB", 40)
    client = subprocess.Popen([TUNE, "--farm", farm, *args, "--quiet"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    check(wait_for_runs(tmp, 6), "runs started")
    victim, vaddr = started[0]
    victim.send_signal(signal.SIGKILL)
    out, err = client.communicate(timeout=600)
    check(client.returncode == 0, f"job after an agent was killed: {err}")
    n, dup, ok = measurement_stats(os.path.join(tmp, "farm.db"))
    check(ok == "ok" and dup == 0, f"integrity {ok}, {dup} candidates measured twice")
    if client.returncode == 0:
        check(front_points(out) == local_front(tmp, args, "clean"), "front equals a clean local run's")
    faults = [e for e in events(tmp) if e["event"] == "agent_fault" and e["agent"] == vaddr]
    print(f"agent killed: {n} measurements, no duplicates, {len(faults)} faulted runs of the killed agent "
          f"completed elsewhere", flush=True)


def test_daemon_killed(tmp):
    agents = [start_agent()[1] for _ in range(2)]
    port = free_port()
    farmd, farm = start_farmd(tmp, agents, port=port)
    args = tune_args("ecgformer", "nucleo-h743zi", "64KB", 40)
    client = subprocess.Popen([TUNE, "--farm", farm, *args, "--quiet"], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True)
    check(wait_for_runs(tmp, 8), "runs started")
    farmd.send_signal(signal.SIGKILL)
    farmd.wait()
    time.sleep(0.5)
    start_farmd(tmp, agents, port=port, log="farmd2.log")
    out, err = client.communicate(timeout=600)
    check(client.returncode == 0, f"job across a daemon SIGKILL: {err}")
    n, dup, ok = measurement_stats(os.path.join(tmp, "farm.db"))
    clean = local_front(tmp, args, "clean")
    n_clean, _, _ = measurement_stats(os.path.join(tmp, "clean.db"))
    check(ok == "ok", f"integrity_check: {ok}")
    check(dup == 0 and n == n_clean, f"{n} measurements ({dup} doubled) vs {n_clean} in a clean run")
    if client.returncode == 0:
        check(front_points(out) == clean, "front equals a clean run's")
    resumed = [e for e in events(tmp, "farmd2.log") if e["event"] == "job_resumed"]
    check(len(resumed) == 1, "the restarted daemon took the job up")
    print(f"daemon killed: resumed, {n} measurements = clean run's {n_clean}, integrity ok", flush=True)


def test_quarantine(tmp):
    good = [start_agent()[1] for _ in range(2)]
    bad_proc, bad = start_agent()
    _, farm = start_farmd(tmp, good + [bad], ["--quarantine-after", "2", "--health-interval-ms", "500"])
    bad_proc.send_signal(signal.SIGSTOP)  # known to the farm, now never answers: a hung board
    args = tune_args("ecgformer", "nucleo-l476rg", "96KB", 16, ["--deadline-s", "2"])
    p = subprocess.run([TUNE, "--farm", farm, *args, "--quiet"], capture_output=True, text=True, timeout=600)
    check(p.returncode == 0, f"job with a hung agent: {p.stderr}")
    ev = events(tmp)
    q = [e for e in ev if e["event"] == "agent_quarantined" and e["agent"] == bad]
    check(len(q) >= 1, "the hung agent was quarantined")
    ran_bad = [e for e in ev if e["event"] == "run" and e["agent"] == bad]
    faults = [e for e in ev if e["event"] == "agent_fault" and e["agent"] == bad]
    check(len(ran_bad) == 0 and len(faults) <= 3, f"the hung agent took {len(faults)} runs before quarantine")
    bad_proc.send_signal(signal.SIGCONT)
    print(f"quarantine: hung agent quarantined after {len(faults)} faults; job finished on the others", flush=True)


def test_auth(tmp):
    agents = [start_agent()[1]]
    token = os.path.join(tmp, "token")
    open(token, "w").write("s3cret\n")
    wrong = os.path.join(tmp, "wrong")
    open(wrong, "w").write("guess\n")
    _, farm = start_farmd(tmp, agents, ["--token-file", token])
    args = tune_args("ecgformer", "nucleo-l476rg", "96KB", 2)
    env = {k: v for k, v in os.environ.items() if k != "TINYTX_FARM_TOKEN"}
    none = subprocess.run([TUNE, "--farm", farm, *args], capture_output=True, text=True, timeout=60, env=env)
    check(none.returncode != 0 and "token" in none.stderr, f"no token: {none.returncode} {none.stderr}")
    bad = subprocess.run([TUNE, "--farm", farm, *args, "--farm-token-file", wrong], capture_output=True, text=True,
                         timeout=60, env=env)
    check(bad.returncode != 0 and "wrong token" in bad.stderr, f"wrong token: {bad.returncode} {bad.stderr}")
    good = subprocess.run([TUNE, "--farm", farm, *args, "--farm-token-file", token], capture_output=True, text=True,
                          timeout=300, env=env)
    check(good.returncode == 0, f"right token: {good.stderr}")
    refused = [e for e in events(tmp) if e["event"] == "refused"]
    check(len(refused) >= 2 and {"no token", "wrong token"} <= {e["reason"] for e in refused}, "refusals logged")
    print(f"auth: no token and a wrong token refused ({len(refused)} logged), the right one accepted", flush=True)


def test_join(tmp):
    """An agent that joins by registering (no --agents on the daemon) takes the work."""
    _, farm = start_farmd(tmp, [], ["--lease-s", "3"])
    p, addr = start_agent(["--farm", farm])
    reg = json.loads(p.stdout.readline())
    check(reg.get("event") == "registered", f"agent registered: {reg}")
    r = subprocess.run([TUNE, "--farm", farm, *tune_args("ecgformer", "nucleo-l476rg", "96KB", 4), "--quiet"],
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"job on a joined agent: {r.stderr}")
    p.send_signal(signal.SIGKILL)
    time.sleep(4.5)
    gone = [e for e in events(tmp) if e["event"] == "agent_lease_expired" and e["agent"] == addr]
    check(len(gone) == 1, "a vanished agent's lease is taken back")
    print("join: registered agent measured the job; its lease expired after it vanished", flush=True)


if __name__ == "__main__":
    tmp = tempfile.mkdtemp(prefix="tinytx-farm-")
    parts = {"two_jobs": test_two_jobs, "agent_killed": test_agent_killed, "daemon_killed": test_daemon_killed,
             "quarantine": test_quarantine, "auth": test_auth, "join": test_join}
    try:
        for name, fn in parts.items():
            if ONLY and name != ONLY:
                continue
            print("==", name, flush=True)
            fn(tmp)
    except Exception as e:  # a harness failure is a test failure, with the reason
        FAILURES.append(repr(e))
        print("FAIL:", repr(e), flush=True)
    finally:
        for p in PROCS:
            if p.poll() is None:
                try:
                    p.send_signal(signal.SIGCONT)
                    p.kill()
                except ProcessLookupError:
                    pass
        for p in PROCS:
            p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("FAILED" if FAILURES else "PASSED", len(FAILURES), "failures")
    sys.exit(1 if FAILURES else 0)
