#!/usr/bin/env python3
"""Issue 13's fuzz run: N HTTP and N gRPC requests of the attacks' kinds (bytes that are not
UTF-8 in the Host header, path, query and string fields; out-of-range numbers; paths outside
the upload; cross-site writes; registrations over other agents) against a real tinytx-farmd.
Passes with zero aborts, zero HTTP 500s, no gRPC INTERNAL/UNKNOWN, RSS and disk bounded; prints
the figures.

usage: fuzz_farm.py BIN_DIR MODELS_DIR CACHE_DIR [--requests N] [--seed S]
"""
import base64
import collections
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import test_farm_hardening as h  # noqa: E402  (its helpers: processes, raw HTTP, farm_probe)

N = int(sys.argv[sys.argv.index("--requests") + 1]) if "--requests" in sys.argv else 1000
rng = random.Random(int(sys.argv[sys.argv.index("--seed") + 1]) if "--seed" in sys.argv else 13)
EDGE = [0, 1, 2, 600, 601, 1000, 1001, 2**31 - 1, 2**32 - 1, 2**40, 2**40 + 1, 2**63 - 1, 2**63, 2**64 - 1]


def junk(n=None):
    n = rng.randint(0, 40) if n is None else n
    if n > 100:  # bodies: any bytes, quickly
        return rng.randbytes(n)
    return bytes(rng.choice([rng.randint(0, 255), rng.randint(0x80, 0xff), ord(rng.choice("a/.%?&=:"))])
                 for _ in range(n))


def pct(b):
    return b"".join(b"%%%02x" % c for c in b)


def http_request(web):
    host = web.encode()
    method = rng.choice([b"GET", b"GET", b"POST", b"POST", b"HEAD", b"PUT", b"DELETE", b"OPTIONS", b"G\xffT"])
    target = rng.choice([
        b"/api/jobs", b"/api/jobs/" + str(rng.choice(EDGE)).encode(), b"/api/jobs/1/cancel",
        b"/api/jobs/" + junk(6) .replace(b" ", b"") + b"/cancel", b"/api/front?model=" + pct(junk()) + b"&board=" + junk(5),
        b"/api/front?model=" + junk(8).replace(b" ", b"").replace(b"\r", b"").replace(b"\n", b""),
        b"/api/candidates/" + pct(junk(4)), b"/api/candidates/1/deploy.tar", b"/api/measurements?model=%ff&board=%fe",
        b"/" + pct(junk()), b"/..%2f..%2f..%2fetc%2fpasswd", b"/api/info", b"/index.html", b"/a" * 3000,
        b"/api/calibration?board=" + pct(junk()), b"/api/models?x=1&x=2"])
    target = target.replace(b" ", b"").replace(b"\r", b"").replace(b"\n", b"") or b"/"
    hosts = [host, host, host, b"\xff\xfe" + host, junk(10).replace(b"\r", b"").replace(b"\n", b""), b"evil.example",
             b"localhost", b"[::1]:" + host.split(b":")[1]]
    headers = []
    r = rng.random()
    if r < 0.3:
        headers.append(b"Origin: " + rng.choice([b"http://evil.example", b"null", b"http://" + host, junk(8)]))
    elif r < 0.4:
        headers.append(b"Sec-Fetch-Site: " + rng.choice([b"cross-site", b"same-origin", b"same-site", b"\xff"]))
    if rng.random() < 0.2:
        headers.append(b"Authorization: Bearer " + junk(12).replace(b"\r", b"").replace(b"\n", b""))
    if rng.random() < 0.1:
        headers.append(b"X-" + junk(5).replace(b":", b"").replace(b"\r", b"").replace(b"\n", b"") + b": " + junk(20)
                       .replace(b"\r", b"").replace(b"\n", b""))
    body = b"" if rng.random() < 0.7 else junk(rng.choice([10, 1000, 70000]))
    lines = [method + b" " + target + b" HTTP/1.1", b"Host: " + rng.choice(hosts), b"Connection: close", *headers,
             b"Content-Length: " + str(len(body)).encode()]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def grpc_call(good):
    kind = rng.random()
    if kind < 0.55:
        req = dict(good)
        raw = {}
        for _ in range(rng.randint(1, 3)):
            f = rng.choice(["budgetBytes", "deadlineS", "repeats", "trials", "seed", "priority", "strategy", "board",
                            "files", "spec", "weights", "input", "raw"])
            if f in ("budgetBytes", "trials", "seed"):
                req[f] = str(rng.choice(EDGE))
            elif f in ("deadlineS", "repeats"):
                req[f] = rng.choice([e for e in EDGE if e < 2**32])
            elif f == "priority":
                req[f] = rng.choice([-2**31, -1, 0, 2**31 - 1])
            elif f in ("strategy", "board"):
                req[f] = rng.choice(["", "auto", "nope", "nucleo-l476rg", "../../etc", "x" * 5000])
            elif f == "files":
                name = rng.choice(["../x.bin", "/etc/passwd", "", ".hidden", "a" * 200, "model.json", "ok.bin"])
                req["modelFiles"] = good["modelFiles"] + [{"name": name, "content": base64.b64encode(junk(100)).decode()}]
            elif f == "spec":
                req["modelSpec"] = rng.choice(["", "{", "[]", "null", '{"name": 1}', "[" * 10000, junk(50).decode("latin-1")])
            elif f in ("weights", "input"):
                spec = json.loads(good["modelSpec"])
                key = "weights" if f == "weights" else "calibration_input"
                spec[key]["file"] = rng.choice(["/etc/passwd", "../../../etc/passwd", "/proc/self/environ",
                                                os.path.join(h.MODELS, spec[key]["file"]), "nope.bin", ""])
                req["modelSpec"] = json.dumps(spec)
            else:
                raw[rng.choice(["board", "strategy", "model_spec"])] = base64.b64encode(junk(20)).decode()
        call = {"method": "SubmitJob", "request": req}
        if raw:
            call["raw"] = raw
        return call
    if kind < 0.75:
        return {"method": rng.choice(["GetJob", "CancelJob", "GetFront"]), "request": {"id": str(rng.choice(
            [0, -1, 1, 2, 2**63 - 1, -2**63]))}}
    if kind < 0.85:
        call = {"method": "RegisterAgent", "request": {"address": rng.choice(["127.0.0.1:1", "", "127.0.0.1:0",
                                                                             "[::1]:1", "nohost"]),
                                                      "agentToken": rng.choice(["", "x", "y" * 1000])}}
        if rng.random() < 0.3:
            call["raw"] = {"address": base64.b64encode(junk(10)).decode()}
        return call
    if kind < 0.95:
        call = {"method": "Heartbeat", "request": {"agentId": rng.choice(["", "127.0.0.1:1", "x" * 3000])}}
        if rng.random() < 0.3:
            call["raw"] = {"agent_id": base64.b64encode(junk(10)).decode()}
        return call
    return {"method": rng.choice(["Metrics", "ListJobs"]), "request": {}}


def rss_kib(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0


def main():
    tmp = tempfile.mkdtemp(prefix="tinytx-fuzz-")
    ok = True
    try:
        farmd, farm, web = h.start_farmd(tmp, ["--max-jobs", "1"])
        rss0 = rss_kib(farmd.pid)
        good = h.model_upload("ecgformer")
        t0 = time.time()
        statuses = collections.Counter()
        for _ in range(N):
            status, _ = h.http(web, http_request(web), timeout=10)
            statuses[status] += 1
        http_s = time.time() - t0
        t0 = time.time()
        calls = [grpc_call(good) for _ in range(N)]
        results = h.grpc(farm, calls)
        grpc_s = time.time() - t0
        codes = collections.Counter(r["code"] for r in results)
        jobs = h.grpc1(farm, "ListJobs", {})["response"].get("jobs", [])
        for j in jobs:  # the few valid submits: not run to the end here
            h.grpc1(farm, "CancelJob", {"id": j["id"]})
        alive = h.alive(farmd)
        rss1 = rss_kib(farmd.pid) if alive else 0
        data = h.disk_bytes(os.path.join(tmp, "data"))
        db = sum(os.path.getsize(os.path.join(tmp, f)) for f in os.listdir(tmp) if f.startswith("farm.db"))
        print(f"HTTP: {N} requests in {http_s:.1f} s, statuses {dict(sorted(statuses.items()))}")
        print(f"gRPC: {N} calls in {grpc_s:.1f} s, codes {dict(sorted(codes.items()))}, {len(jobs)} jobs accepted")
        print(f"farmd: alive={alive}, RSS {rss0 // 1024} MiB -> {rss1 // 1024} MiB, uploads {data} B, "
              f"database {db} B")
        # a string field that is not UTF-8 does not parse as proto3: gRPC itself answers INTERNAL
        # before any handler runs (the farm cannot see it); every other call must get a real answer
        internal = [(c["method"], r["message"]) for c, r in zip(calls, results) if r["code"] in (2, 13) and "raw" not in c]
        unparsable = sum(1 for c, r in zip(calls, results) if "raw" in c and r["code"] == 13)
        print(f"gRPC: {unparsable} calls with non-UTF-8 string fields refused by protobuf parsing (INTERNAL, no handler ran)")
        ok &= h.check(alive, "farmd alive after the fuzz run")
        ok &= h.check(statuses[500] == 0, f"{statuses[500]} HTTP 500s")
        ok &= h.check(not internal, f"gRPC INTERNAL/UNKNOWN: {internal[:5]}")
        ok &= h.check(rss1 < 512 * 1024, f"RSS {rss1} KiB")
        ok &= h.check(data < 1 << 20, f"uploads hold {data} bytes")
        h.kill(farmd)
    finally:
        for p in h.PROCS:
            if p.poll() is None:
                p.kill()
                p.wait()
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASSED" if ok and not h.FAILURES else "FAILED")
    sys.exit(0 if ok and not h.FAILURES else 1)


if __name__ == "__main__":
    main()
