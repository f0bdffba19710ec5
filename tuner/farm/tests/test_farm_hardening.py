#!/usr/bin/env python3
"""Issue 13's attacks, as tests: a real tinytx-farmd (and tinytx-agent where runs are needed) on
loopback, raw gRPC calls through farm_probe and raw HTTP over sockets.

usage: test_farm_hardening.py BIN_DIR MODELS_DIR CACHE_DIR --only PART
parts: uploads crash cross_site poison agents streams
"""
import base64
import hashlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import ssl
import subprocess
import sys
import tempfile
import time

BIN, MODELS, CACHE = sys.argv[1:4]
ONLY = sys.argv[sys.argv.index("--only") + 1] if "--only" in sys.argv else None
AGENT, FARMD, TUNE, PROBE = (os.path.join(BIN, n) for n in ("tinytx-agent", "tinytx-farmd", "tinytx-tune", "farm_probe"))
FAILURES = []
PROCS = []
U64_MAX = 2**64 - 1


def check(cond, what):
    if not cond:
        FAILURES.append(what)
        print("FAIL:", what, flush=True)
    return cond


def first_line(proc):
    line = proc.stdout.readline()
    if not line:
        raise RuntimeError(f"{proc.args[0]} did not start: {proc.stderr.read() if proc.stderr else ''}")
    return json.loads(line)


def start_farmd(tmp, extra=(), log="farmd.log", agents=()):
    args = [FARMD, "--listen", "127.0.0.1:0", "--http", "127.0.0.1:0", "--db", os.path.join(tmp, "farm.db"),
            "--data-dir", os.path.join(tmp, "data"), "--cache-dir", CACHE, "--log", os.path.join(tmp, log), *extra]
    if agents:
        args += ["--agents", ",".join(agents)]
    # stderr to a file: a pipe nobody drains would block the daemon once full (protobuf logs a
    # line for every request whose strings are not UTF-8)
    err = open(os.path.join(tmp, log + ".stderr"), "w")
    p = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=err, text=True)
    PROCS.append(p)
    try:
        line = first_line(p)
    except RuntimeError:
        raise RuntimeError(f"{FARMD} did not start: {open(err.name).read()}")
    return p, line["address"], line.get("http")


def start_agent(extra=()):
    p = subprocess.Popen([AGENT, "serve", "--listen", "127.0.0.1:0", "--workers", "1", "--board", "nucleo-l476rg:iss",
                          *extra], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    PROCS.append(p)
    return p, first_line(p)["address"]


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=30)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()


def kill(p):
    """For a daemon whose jobs wait for agents that never come: its graceful stop waits them out."""
    p.kill()
    p.wait()


def events(tmp, log="farmd.log"):
    path = os.path.join(tmp, log)
    return [json.loads(l) for l in open(path) if l.strip()] if os.path.exists(path) else []


def grpc(farm, calls):
    """Farm calls through farm_probe: [{"method":..., "request": {...}}] -> [{"code", "message", "response"}]."""
    text = "".join(json.dumps(c) + "\n" for c in calls)
    p = subprocess.run([PROBE, farm], input=text, capture_output=True, text=True, timeout=300)
    if p.returncode != 0:
        raise RuntimeError(f"farm_probe: {p.stderr}")
    return [json.loads(l) for l in p.stdout.splitlines()]


def grpc1(farm, method, request, token=""):
    return grpc(farm, [{"method": method, "request": request, "token": token}])[0]


def http(address, raw, timeout=10):
    """One raw request (bytes) -> (status, body bytes); status 0 when the connection gave nothing."""
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        s.sendall(raw)
        data = b""
        try:
            while True:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
                if b"\r\n\r\n" in data:
                    head, _, body = data.partition(b"\r\n\r\n")
                    length = [int(l.split(b":")[1]) for l in head.split(b"\r\n") if l.lower().startswith(b"content-length:")]
                    if length and len(body) >= length[0]:
                        break
        except socket.timeout:
            pass
    if not data.startswith(b"HTTP/1."):
        return 0, data
    return int(data.split(b" ")[1]), data.partition(b"\r\n\r\n")[2]


def request(method, target, host, headers=(), body=b""):
    lines = [f"{method} ".encode() + target + b" HTTP/1.1", b"Host: " + host, b"Connection: close",
             *headers, b"Content-Length: " + str(len(body)).encode()]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def model_upload(name, spec_edit=None, extra_files=()):
    """A SubmitJob request for models/NAME.json with its files, the spec edited by spec_edit(dict)."""
    spec = json.load(open(os.path.join(MODELS, name + ".json")))
    files = {}
    for key in ("weights", "calibration_input"):
        f = spec[key]["file"]
        files[f] = open(os.path.join(MODELS, f), "rb").read()
    if spec_edit:
        spec_edit(spec)
    files.update(dict(extra_files))
    return {"modelSpec": json.dumps(spec), "board": "nucleo-l476rg", "budgetBytes": str(96 * 1024),
            "trials": "2", "strategy": "nsga2",
            "modelFiles": [{"name": n, "content": base64.b64encode(b).decode()} for n, b in files.items()]}


def disk_bytes(path):
    total = 0
    for root, _, files in os.walk(path):
        total += sum(os.path.getsize(os.path.join(root, f)) for f in files)
    return total


def alive(p):
    return p.poll() is None


# ---- finding 1 (files outside the farm's data), 5 (a shared folder rewritten), 10 (quotas)
def test_uploads(tmp):
    secret_dir = os.path.join(tmp, "secret")
    os.makedirs(secret_dir)
    secret = os.path.join(secret_dir, "ecgformer.bin")  # a file of the farm host: the farm must not read it
    shutil.copy(os.path.join(MODELS, "ecgformer.bin"), secret)
    secret_sha = hashlib.sha256(open(secret, "rb").read()).hexdigest()
    secret_size = str(os.path.getsize(secret))
    data = os.path.join(tmp, "data")
    farmd, farm, _ = start_farmd(tmp)

    def weights_at(path, sha="0" * 64):
        def edit(spec):
            spec["weights"]["file"] = path
            spec["weights"]["sha256"] = sha
        return edit

    # the attacker guesses a path: refused, and the message tells nothing of the file
    for path in (secret, os.path.relpath(secret, os.path.join(data, "models", "x")), "../secret/ecgformer.bin"):
        r = grpc1(farm, "SubmitJob", model_upload("ecgformer", weights_at(path)))
        check(r["code"] == 3, f"weights.file {path!r}: INVALID_ARGUMENT, got {r['code']} {r['message']}")
        check(secret_sha not in r["message"] and secret_size not in r["message"],
              f"the error tells the file's sha256 or size: {r['message']}")
    # ... and with the file's true digest the job is refused all the same
    r = grpc1(farm, "SubmitJob", model_upload("ecgformer", weights_at(secret, secret_sha)))
    check(r["code"] == 3, f"weights.file absolute with its true sha256: refused, got {r['code']} {r['message']}")

    def input_at(spec):
        spec["calibration_input"]["file"] = os.path.join(MODELS, "ecgformer.input.bin")
    r = grpc1(farm, "SubmitJob", model_upload("ecgformer", input_at))
    check(r["code"] == 3, f"calibration_input.file absolute: refused, got {r['code']} {r['message']}")

    # malformed submits leave nothing on disk (validated before writing)
    bad = [model_upload("ecgformer", extra_files=[("unnamed.bin", b"\0" * 100000)]),
           model_upload("ecgformer", extra_files=[("../escape.bin", b"x")]),
           model_upload("ecgformer", extra_files=[("model.json", b"{}")]),
           {**model_upload("ecgformer"), "modelSpec": "{not json"},
           {**model_upload("ecgformer"), "modelSpec": json.dumps({"name": "x"})}]
    results = grpc(farm, [{"method": "SubmitJob", "request": b} for b in bad * 10])
    check(all(r["code"] == 3 for r in results), f"malformed uploads refused: {[r['message'] for r in results[:5]]}")
    check(disk_bytes(data) == 0, f"refused uploads left {disk_bytes(data)} bytes under the data dir")

    first = grpc1(farm, "SubmitJob", model_upload("ecgformer"))
    check(first["code"] == 0, f"a good upload is accepted: {first['message']}")
    stored = disk_bytes(data)
    check(0 < stored < 20000, f"the upload is stored once ({stored} bytes)")

    # the same model again, while the first job may be reading it: nothing is rewritten
    before = {os.path.join(r, f): (os.stat(os.path.join(r, f)).st_ino, os.stat(os.path.join(r, f)).st_mtime_ns)
              for r, _, fs in os.walk(data) for f in fs}
    time.sleep(0.05)
    second = grpc1(farm, "SubmitJob", model_upload("ecgformer"))
    check(second["code"] == 0, f"the same model again: accepted: {second['message']}")
    after = {os.path.join(r, f): (os.stat(os.path.join(r, f)).st_ino, os.stat(os.path.join(r, f)).st_mtime_ns)
             for r, _, fs in os.walk(data) for f in fs}
    check(before == after, "a second upload of the same model rewrote stored files")

    check(alive(farmd), "farmd alive")
    kill(farmd)

    # quota per job and in total (the store above holds one small model)
    farmd, farm, _ = start_farmd(tmp, ["--upload-quota", "300KiB", "--store-quota", "200KiB"], log="quota.log")
    r = grpc1(farm, "SubmitJob", model_upload("ecgformer", extra_files=[("big.bin", b"\0" * 400000)]))
    check(r["code"] == 8, f"an upload over --upload-quota: RESOURCE_EXHAUSTED, got {r['code']} {r['message']}")
    r = grpc1(farm, "SubmitJob", model_upload("tiny4"))
    check(r["code"] == 8, f"an upload over --store-quota: RESOURCE_EXHAUSTED, got {r['code']} {r['message']}")
    check(disk_bytes(data) == stored, "a refused upload left bytes behind")
    kill(farmd)
    print(f"uploads: paths outside the upload refused without echo; {len(bad) * 10} malformed uploads left "
          f"nothing; quotas enforced; a stored model is never rewritten ({stored} bytes)", flush=True)


# ---- finding 2 (non-UTF-8 bytes abort farmd / give 500) and 3 (2^64-1 crash loop)
def test_crash(tmp):
    farmd, farm, web = start_farmd(tmp)
    host = web.encode()
    status, _ = http(web, request("GET", b"/api/jobs", b"\xff\xfe127.0.0.1"))
    check(status in (400, 403), f"Host header with non-UTF-8 bytes: 400/403, got {status}")
    time.sleep(0.2)
    check(alive(farmd), "farmd alive after a non-UTF-8 Host header")
    for target in (b"/api/candidates/%ff", b"/api/front?model=%ff%fe&board=x", b"/api/front?model=\xff&board=x",
                   b"/%c0%af", b"/api/jobs/%ed%a0%80"):
        status, body = http(web, request("GET", target, host))
        check(status == 400, f"GET {target!r}: 400, got {status} {body[:200]!r}")
    status, _ = http(web, request("GET", b"/api/jobs", host))
    check(status == 200, f"the API still answers: {status}")

    good = model_upload("ecgformer")
    for field, value in (("budgetBytes", str(U64_MAX)), ("budgetBytes", str(2**63)), ("deadlineS", 601),
                         ("trials", str(U64_MAX)), ("repeats", 1001), ("seed", str(U64_MAX))):
        r = grpc1(farm, "SubmitJob", {**good, field: value})
        check(r["code"] == 3, f"SubmitJob {field}={value}: INVALID_ARGUMENT, got {r['code']} {r['message']}")
    jobs = grpc1(farm, "ListJobs", {})["response"].get("jobs", [])
    check(not jobs, f"no job stored from a refused submit: {jobs}")
    ok = grpc1(farm, "SubmitJob", good)
    check(ok["code"] == 0, f"the good job is accepted: {ok['message']}")
    check(alive(farmd), "farmd alive")
    kill(farmd)

    # a database written before the limits (a job with budget 2^64-1, left "running"): taken up,
    # it fails with a message, and stays failed across a restart
    db = sqlite3.connect(os.path.join(tmp, "farm.db"))
    req = json.loads(db.execute("SELECT request_json FROM jobs").fetchone()[0])
    req["budget_bytes"] = U64_MAX
    db.execute("UPDATE jobs SET state = 'cancelled'")
    db.execute("INSERT INTO jobs(state, model, board, priority, request_json) VALUES('running', 'ecgformer', "
               "'nucleo-l476rg', 0, ?)", (json.dumps(req),))
    bad_id = db.execute("SELECT MAX(id) FROM jobs").fetchone()[0]
    db.commit()
    db.close()
    for round_ in (1, 2):
        log = f"farmd{round_}.log"
        farmd, farm, _ = start_farmd(tmp, log=log)
        t0, job = time.time(), {}
        while time.time() - t0 < 30 and alive(farmd):
            job = grpc1(farm, "GetJob", {"id": bad_id})["response"]
            if job.get("state") in ("failed", "finished", "cancelled"):
                break
            time.sleep(0.2)
        check(alive(farmd), f"round {round_}: farmd alive with the stored 2^64-1 job")
        check(job.get("state") == "failed" and "budget_bytes" in job.get("error", ""),
              f"round {round_}: the job failed with a message: {job}")
        if round_ == 2:
            check(not [e for e in events(tmp, log) if e["event"] == "job_resumed"], "a failed job is not taken up again")
        stop(farmd)
    print("crash: non-UTF-8 Host/path/query answered 4xx, out-of-range numbers refused at SubmitJob, "
          "a stored bad job fails once and stays failed", flush=True)


# ---- finding 6 (cross-site POST cancels jobs)
def test_cross_site(tmp):
    token = os.path.join(tmp, "token")
    open(token, "w").write("s3cret\n")
    for extra, auth in (((), b""), (("--token-file", token), b"Authorization: Bearer s3cret")):
        farmd, farm, web = start_farmd(tmp, extra, log=f"farmd{len(extra)}.log")
        host = web.encode()
        job = grpc1(farm, "SubmitJob", model_upload("ecgformer"), token="Bearer s3cret" if auth else "")
        check(job["code"] == 0, f"job submitted: {job['message']}")
        jid = job["response"].get("id", "1")
        target = f"/api/jobs/{jid}/cancel".encode()
        hdr = [auth] if auth else []
        for evil in ([b"Origin: http://evil.example"], [b"Origin: null"], [b"Sec-Fetch-Site: cross-site"],
                     [b"Origin: http://" + host + b".evil.example"]):
            status, body = http(web, request("POST", target, host, hdr + evil))
            check(status == 403, f"token={bool(auth)} cross-site POST {evil}: 403, got {status} {body[:120]!r}")
        state = grpc1(farm, "GetJob", {"id": jid}, token="Bearer s3cret" if auth else "")["response"].get("state")
        check(state != "cancelled", f"token={bool(auth)}: a cross-site POST cancelled the job")
        status, body = http(web, request("POST", target, host, hdr + [b"Origin: http://" + host]))
        check(status == 200, f"token={bool(auth)} same-origin POST: 200, got {status} {body[:120]!r}")
        kill(farmd)
    print("cross_site: cross-site POSTs refused with and without a token; same-origin accepted", flush=True)



# ---- finding 4 (results of refused requests stored and reused)
def local_tune(tmp, db, extra=(), timeout=600):
    return subprocess.run([TUNE, "--model", os.path.join(MODELS, "ecgformer.json"), "--board", "nucleo-l476rg",
                           "--budget", "96KB", "--trials", "4", "--strategy", "nsga2", "--json", "--quiet",
                           "--db", os.path.join(tmp, db), "--cache-dir", CACHE, *extra],
                          capture_output=True, text=True, timeout=timeout)


def front_of(p):
    return [(x["schedule_id"], x["latency_cycles"]) for x in json.loads(p.stdout)["front"]] if p.returncode == 0 else None


def test_poison(tmp):
    clean = local_tune(tmp, "poison.db")
    check(clean.returncode == 0, f"clean run: {clean.stderr}")
    # rows a run with a refused setting left behind (before this fix): every one INVALID_ARGUMENT
    db = sqlite3.connect(os.path.join(tmp, "poison.db"))
    n = db.execute("UPDATE measurements SET status = 'INVALID_ARGUMENT', error = 'deadline_ms must be at most "
                   "600000'").rowcount
    db.commit()
    db.close()
    again = local_tune(tmp, "poison.db")
    check(again.returncode == 0, f"run over poisoned rows: {again.stderr}")
    check(front_of(again) and front_of(again) == front_of(clean),
          f"poisoned rows are not reused: front {front_of(again)} vs {front_of(clean)}")

    # agents that refuse every image (a profile that says the board is another core): the run
    # fails loudly instead of finishing with an empty front
    boards = os.path.join(tmp, "boards")
    shutil.copytree(os.path.join(os.path.dirname(MODELS), "board-agents", "boards"), boards)
    prof = json.load(open(os.path.join(boards, "nucleo-l476rg.json")))
    prof["core"] = json.load(open(os.path.join(boards, "gap9.json")))["core"]  # a RISC-V core: no Arm image runs
    json.dump(prof, open(os.path.join(boards, "nucleo-l476rg.json"), "w"))
    _, addr = start_agent(["--boards-dir", boards])
    refused = local_tune(tmp, "refused.db", ["--agents", addr])
    check(refused.returncode != 0 and "INVALID_ARGUMENT" in refused.stderr,
          f"every image refused: the run fails naming why, got {refused.returncode} {refused.stderr[-300:]}")
    db = sqlite3.connect(os.path.join(tmp, "refused.db"))
    state = db.execute("SELECT state FROM tuning_runs").fetchall()
    db.close()
    check(state == [("failed",)], f"the refused run is recorded failed: {state}")
    print(f"poison: {n} poisoned rows ignored (front re-measured and equal); a run whose every image was "
          f"refused failed loudly", flush=True)


# ---- findings 7 (registration hijacks an address) and 8 (a hung agent takes a second run)
def test_agents(tmp):
    token = os.path.join(tmp, "token")
    open(token, "w").write("s3cret\n")
    configured_p, configured = start_agent()
    farmd, farm, _ = start_farmd(tmp, ["--token-file", token, "--lease-s", "30", "--quarantine-after", "3",
                                       "--health-interval-ms", "60000"], agents=[configured])
    bearer = "Bearer s3cret"
    r = grpc1(farm, "RegisterAgent", {"address": configured, "agentToken": "attacker"}, token=bearer)
    check(r["code"] == 7, f"RegisterAgent over a configured agent: PERMISSION_DENIED, got {r['code']} {r['message']}")
    joined_p, joined = start_agent(["--token", "mine"])
    r = grpc1(farm, "RegisterAgent", {"address": joined, "agentToken": "mine"}, token=bearer)
    check(r["code"] == 0, f"an agent registers: {r['message']}")
    r = grpc1(farm, "RegisterAgent", {"address": joined, "agentToken": "other"}, token=bearer)
    check(r["code"] == 7, f"RegisterAgent over another's registration: PERMISSION_DENIED, got {r['code']} {r['message']}")
    r = grpc1(farm, "RegisterAgent", {"address": joined, "agentToken": "mine"}, token=bearer)
    check(r["code"] == 0, f"the same agent registers again: {r['message']}")
    m = grpc1(farm, "Metrics", {}, token=bearer)["response"]
    states = {a["address"]: a["state"] for a in m.get("agents", [])}
    check(states.get(configured) in ("idle", "leased", "running"), f"the configured agent is untouched: {states}")

    # a hung agent: out after its first timeout (here with quarantine-after 3 and no scheduled
    # health check for a minute), the job finishes on the others
    configured_p.send_signal(signal.SIGSTOP)
    t0 = time.time()
    job = grpc1(farm, "SubmitJob", {**model_upload("ecgformer"), "deadlineS": 2, "trials": "16"}, token=bearer)
    check(job["code"] == 0, f"job submitted: {job['message']}")
    jid = job["response"].get("id", "0")
    state = {}
    while time.time() - t0 < 240:
        state = grpc1(farm, "GetJob", {"id": jid}, token=bearer)["response"]
        if state.get("state") in ("finished", "failed", "cancelled"):
            break
        time.sleep(0.5)
    configured_p.send_signal(signal.SIGCONT)
    check(state.get("state") == "finished", f"the job finished on the healthy agent: {state}")
    ev = events(tmp)
    faults = [e for e in ev if e["event"] == "agent_fault" and e["agent"] == configured]
    check(len(faults) == 1, f"the hung agent took {len(faults)} runs (1 expected: out after the first timeout)")
    print(f"agents: registrations over configured/foreign addresses refused; hung agent out after "
          f"{len(faults)} timeout, job done in {time.time() - t0:.1f} s", flush=True)


# ---- finding 10 (one reader holds every event-stream slot)
def test_streams(tmp):
    farmd, farm, web = start_farmd(tmp)
    host = web.encode()
    h, port = web.rsplit(":", 1)
    held = []
    for _ in range(40):  # one client asks for more streams than the farm has
        s = socket.create_connection((h, int(port)), timeout=5)
        s.sendall(request("GET", b"/api/events", host))
        head = s.recv(4096)
        held.append((s, head))
    ok = sum(1 for _, head in held if head.startswith(b"HTTP/1.1 200"))
    check(0 < ok <= 8, f"one client holds {ok} event streams (at most 8)")
    # a client that never reads: its stream ends at the write timeout and its slot comes back
    status, _ = http(web, request("GET", b"/api/jobs", host))
    check(status == 200, f"the API answers while streams are held: {status}")
    for s, _ in held:
        s.close()
    check(alive(farmd), "farmd alive")
    print(f"streams: one client got {ok} of 40 event streams asked", flush=True)


# ---- finding 9 (no TLS in the farm; tokens in clear)
def make_certs(tmp):
    d = os.path.join(tmp, "pki")
    os.makedirs(d)
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    run = lambda *a: subprocess.run(["openssl", *a], cwd=d, check=True, capture_output=True)
    run("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=tinytx test CA")
    run("req", *ec, "-keyout", "srv.key", "-out", "srv.csr", "-subj", "/CN=localhost")
    open(os.path.join(d, "ext"), "w").write("subjectAltName=DNS:localhost,IP:127.0.0.1\n")
    run("x509", "-req", "-in", "srv.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "srv.pem",
        "-days", "2", "-extfile", "ext")
    run("req", *ec, "-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=tinytx client")
    run("x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out",
        "client.pem", "-days", "2")
    return (os.path.join(d, n) for n in ("ca.pem", "srv.pem", "srv.key", "client.pem", "client.key"))


def test_tls(tmp):
    ca, cert, key, client_cert, client_key = make_certs(tmp)
    farm_token, agent_token = os.path.join(tmp, "farm.token"), os.path.join(tmp, "agent.token")
    open(farm_token, "w").write("farm-s3cret\n")
    open(agent_token, "w").write("agent-s3cret\n")
    tls = ["--tls-cert", cert, "--tls-key", key]
    _, farm, web = start_farmd(tmp, [*tls, "--agent-tls-ca", ca, "--token-file", farm_token,
                                     "--agent-token-file", agent_token])
    agent, _ = start_agent([*tls, "--token-file", agent_token, "--farm", farm, "--farm-tls-ca", ca,
                            "--farm-token-file", farm_token])
    reg = json.loads(agent.stdout.readline())
    check(reg.get("event") == "registered", f"the agent registered over TLS: {reg}")
    args = ["--model", os.path.join(MODELS, "ecgformer.json"), "--board", "nucleo-l476rg", "--budget", "96KB",
            "--trials", "4", "--strategy", "nsga2", "--json", "--quiet"]
    r = subprocess.run([TUNE, "--farm", farm, "--farm-tls-ca", ca, "--farm-token-file", farm_token, *args],
                       capture_output=True, text=True, timeout=300)
    check(r.returncode == 0 and json.loads(r.stdout or "{}").get("front"),
          f"a tune over TLS on every hop: {r.returncode} {r.stderr[-300:]}")
    plain = subprocess.run([TUNE, "--farm", farm, "--farm-token-file", farm_token, *args], capture_output=True,
                           text=True, timeout=120)
    check(plain.returncode != 0, "a plaintext client is not served by a TLS farm")
    # a token never goes in clear to a machine elsewhere (192.0.2.1: TEST-NET, nothing answers)
    far = subprocess.run([TUNE, "--farm", "192.0.2.1:7080", "--farm-token-file", farm_token, *args],
                         capture_output=True, text=True, timeout=20)
    check(far.returncode != 0 and "without TLS" in far.stderr, f"tinytx-tune: token in clear refused: {far.stderr}")
    far = subprocess.run([AGENT, "serve", "--listen", "127.0.0.1:0", "--board", "nucleo-l476rg:iss", "--farm",
                          "192.0.2.1:7080", "--farm-token-file", farm_token], capture_output=True, text=True, timeout=20)
    check(far.returncode != 0 and "without TLS" in far.stderr, f"tinytx-agent --farm: token in clear refused: {far.stderr}")
    # the dashboard over HTTPS: the API and an event stream; plain HTTP gets no answer
    def https(target, stop_after=None):
        ctx = ssl.create_default_context(cafile=ca)
        h_, port = web.rsplit(":", 1)
        with socket.create_connection((h_, int(port)), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname="localhost") as s_:
                s_.sendall(request("GET", target, web.encode(), [b"Authorization: Bearer farm-s3cret"]))
                data = b""
                while not stop_after or len(data) < stop_after:
                    chunk = s_.recv(65536)
                    if not chunk:
                        break
                    data += chunk
                return data
    check(https(b"/api/jobs").startswith(b"HTTP/1.1 200"), "the dashboard's API over HTTPS")
    check(https(b"/api/events", 12).startswith(b"HTTP/1.1 200"), "an event stream over HTTPS")
    status, _ = http(web, request("GET", b"/api/jobs", web.encode()))
    check(status == 0, f"plain HTTP to the HTTPS dashboard is not answered, got {status}")

    # a farm that admits only clients with a certificate of its CA
    _, farm2, _ = start_farmd(tmp, [*tls, "--tls-client-ca", ca, "--agent-tls-ca", ca, "--agent-token-file",
                                    agent_token, "--db", os.path.join(tmp, "mtls.db")], log="mtls.log")
    agent2, _ = start_agent([*tls, "--token-file", agent_token, "--farm", farm2, "--farm-tls-ca", ca,
                             "--farm-tls-cert", client_cert, "--farm-tls-key", client_key])
    reg = json.loads(agent2.stdout.readline())
    check(reg.get("event") == "registered", f"the agent registered with its client certificate: {reg}")
    r = subprocess.run([TUNE, "--farm", farm2, "--farm-tls-ca", ca, "--farm-tls-cert", client_cert,
                        "--farm-tls-key", client_key, *args], capture_output=True, text=True, timeout=300)
    check(r.returncode == 0, f"a tune with a client certificate: {r.stderr[-300:]}")
    r = subprocess.run([TUNE, "--farm", farm2, "--farm-tls-ca", ca, *args], capture_output=True, text=True, timeout=120)
    check(r.returncode != 0, "a client without a certificate is refused")
    print("tls: farm, agent and tuner tuned over TLS on every hop (and with client certificates); tokens in clear "
          "to non-loopback refused", flush=True)


PARTS = {"uploads": test_uploads, "crash": test_crash, "cross_site": test_cross_site, "poison": test_poison,
         "agents": test_agents, "streams": test_streams, "tls": test_tls}

if __name__ == "__main__":
    tmp = tempfile.mkdtemp(prefix="tinytx-hardening-")
    try:
        for name, fn in PARTS.items():
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
