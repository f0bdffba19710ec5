#!/usr/bin/env python3
"""Run the fw_bench_<case> images under QEMU and tabulate the measurements.

For each CPU (m4 = mps2-an386, m7 = mps2-an500, rv32 = virt) and golden case, runs
<firmware-dir>/<cortex-m4|cortex-m7|rv32>/fw_bench_<case>.elf with -icount shift=0, parses its lines
    BENCH case=.. op=.. mode=.. sched=.. T=.. ffn_tile=.. variant=.. status=.. crc=.. crc_ok=..
          ticks=.. insns=.. cycles=.. arena_peak=.. scratch_size=.. scratch_peak=.. stack_peak=..
and prints one table per CPU and case (MACs, instructions, MAC/instruction, memory peaks) and
the summary figures: depth-first vs layer-wise arena peak per shape, the fast linear variant vs
ref, and the fastest standard MHSA schedule. Writes everything as JSON (--out).

Provenance: every figure is `emulated`. Cortex-M instructions come from SysTick under QEMU's
-icount shift=0 (1 instruction = 1 ns; SysTick = 25 MHz -> 40 instructions per tick, calibrated
by fw_selftest), resolution 40 instructions; RV32 instructions are minstret, exact. QEMU models
no pipeline: these are instruction counts, not cycles (DWT CYCCNT reads 0 under QEMU).
Stdlib only.
"""
import argparse
import json
import os
import platform
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_qemu  # noqa: E402

CPU_DIRS = {"m4": "cortex-m4", "m7": "cortex-m7", "rv32": "rv32"}
INSNS_FROM = {
    "m4": "SysTick ticks x 40 (25 MHz SysTick, 1 ns per instruction); resolution 40 instructions",
    "m7": "SysTick ticks x 40 (25 MHz SysTick, 1 ns per instruction); resolution 40 instructions",
    "rv32": "minstret (exact)",
}
CPU_LABEL = {"m4": "Cortex-M4 (QEMU mps2-an386)", "m7": "Cortex-M7 (QEMU mps2-an500)",
             "rv32": "RV32IMC (QEMU virt)"}
# the optimized GEMM variant compared with ref, first match wins
FAST_VARIANTS = ("dsp4x2", "dsp", "rv32")
SCHED_ORDER = {"layerwise": 0, "headwise": 1, "depthfirst": 2, "-": 3}
OP_ORDER = {"mhsa": 0, "encoder": 1, "linear": 2}

INT_FIELDS = ("T", "ffn_tile", "status", "crc_ok", "ticks", "insns", "cycles", "arena_peak",
              "scratch_size", "scratch_peak", "stack_peak", "overrun", "flags", "repeats")


# ------------------------------------------------------------------ MAC counts
def mhsa_macs(mode, S, E, H, P):
    """standard: Q, K, V, O projections + scores and A.V (REFERENCE.md);
    fused-weight: the score part H(S E^2 + S^2 E) replaces H(2 S E P + S^2 P)"""
    if mode == "fused":
        return H * (S * E * E + S * S * E) + 2 * S * E * P * H + S * S * P * H
    return 4 * S * E * P * H + 2 * S * S * P * H


def run_macs(run, dims):
    S, E, H, P, F = (dims[k] for k in ("S", "E", "H", "P", "F"))
    if run["op"] == "mhsa":
        return mhsa_macs(run["mode"], S, E, H, P)
    if run["op"] == "encoder":
        return mhsa_macs(run["mode"], S, E, H, P) + 2 * S * E * F
    if run["op"] == "linear":
        return S * E * H * P
    return 0


# ------------------------------------------------------------------ parsing
def parse_kv(line):
    out = {}
    for tok in line.split()[1:]:
        k, sep, v = tok.partition("=")
        if not sep:
            continue
        if k in INT_FIELDS:
            out[k] = int(v)
        elif k == "crc":
            out[k] = int(v, 16)
        else:
            out[k] = v
    return out


def parse_output(text):
    """-> (dims dict or None, list of runs, result line or None, build dict)"""
    dims, runs, result, build = None, [], None, {}
    for line in text.splitlines():
        if line.startswith("BUILD "):
            build = parse_kv(line)
        elif line.startswith("CASE "):
            kv = parse_kv(line)
            dims = {"name": kv.get("name", "?")}
            for k in ("S", "E", "H", "P", "F"):
                dims[k] = int(kv[k])
        elif line.startswith("BENCH "):
            runs.append(parse_kv(line))
        elif line.startswith("RESULT "):
            result = line.strip()
    return dims, runs, result, build


# ------------------------------------------------------------------ running
def find_cases(fwdir, cpus):
    cases = set()
    for cpu in cpus:
        d = os.path.join(fwdir, CPU_DIRS[cpu])
        if os.path.isdir(d):
            for f in os.listdir(d):
                m = re.fullmatch(r"fw_bench_([a-z0-9_]+?)\.elf", f)
                if m and "_nucleo_" not in f:
                    cases.add(m.group(1))
    order = ["eegformer", "ecgformer", "tiny4", "odd"]
    return sorted(cases, key=lambda c: (order.index(c) if c in order else len(order), c))


def bench_one(fwdir, cpu, case, timeout):
    elf = os.path.join(fwdir, CPU_DIRS[cpu], f"fw_bench_{case}.elf")
    r = run_qemu.run(elf, cpu, timeout)
    dims, runs, result, build = parse_output(r.output)
    return {"cpu": cpu, "case": case, "elf": elf, "status": r.status, "seconds": r.seconds,
            "timed_out": r.timed_out, "build": build, "dims": dims, "runs": runs,
            "result": result, "output": r.output}


def qemu_version():
    try:
        out = subprocess.run(["qemu-system-arm", "--version"], capture_output=True, text=True,
                             timeout=10).stdout
        return out.splitlines()[0].strip() if out else "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


# ------------------------------------------------------------------ analysis
def enrich(res):
    dims = res["dims"]
    for r in res["runs"]:
        r["cpu"] = res["cpu"]
        r["macs"] = run_macs(r, dims) if dims else 0
        r["mac_per_insn"] = (r["macs"] / r["insns"]) if r.get("insns") else None
        r["ok"] = r.get("status") == 0 and r.get("crc_ok") == 1 and r.get("overrun", 0) == 0
        r["source"] = "emulated"


def fast_variant(runs):
    names = {r["variant"] for r in runs}
    for v in FAST_VARIANTS:
        if v in names:
            return v
    return None


def pick(runs, **kw):
    return [r for r in runs if all(r.get(k) == v for k, v in kw.items())]


def summarize(res):
    """the figures the acceptance asks for, for one (cpu, case)"""
    runs = [r for r in res["runs"] if r["ok"]]
    fast = fast_variant(runs)
    s = {"cpu": res["cpu"], "case": res["case"], "fast_variant": fast}

    # depth-first vs layer-wise arena peak, per attention mode, with the fast variant
    mem = {}
    for mode in ("std", "fused"):
        lw = pick(runs, op="mhsa", mode=mode, sched="layerwise", variant=fast)
        dfs = sorted(pick(runs, op="mhsa", mode=mode, sched="depthfirst", variant=fast),
                     key=lambda r: r["T"])
        hw = pick(runs, op="mhsa", mode=mode, sched="headwise", variant=fast)
        if not lw or not dfs:
            continue
        lw = lw[0]
        entry = {"layerwise_arena_peak": lw["arena_peak"],
                 "layerwise_scratch_peak": lw["scratch_peak"],
                 "headwise_arena_peak": hw[0]["arena_peak"] if hw else None,
                 "depthfirst": []}
        for r in dfs:
            entry["depthfirst"].append({
                "T": r["T"], "arena_peak": r["arena_peak"], "scratch_peak": r["scratch_peak"],
                "arena_ratio_lw_over_df": lw["arena_peak"] / r["arena_peak"],
                "scratch_ratio_lw_over_df": (lw["scratch_peak"] / r["scratch_peak"]
                                             if r["scratch_peak"] else None),
                "insns": r["insns"], "insns_ratio_df_over_lw": r["insns"] / lw["insns"]})
        best = max(entry["depthfirst"], key=lambda e: e["arena_ratio_lw_over_df"])
        entry["best_arena_ratio"] = best["arena_ratio_lw_over_df"]
        entry["best_arena_ratio_T"] = best["T"]
        mem[mode] = entry
    s["mhsa_memory"] = mem

    # linear: fast variant vs ref
    lin_ref = pick(runs, op="linear", variant="ref")
    lin_fast = pick(runs, op="linear", variant=fast)
    if lin_ref and lin_fast:
        a, b = lin_ref[0], lin_fast[0]
        d = res["dims"]
        s["linear"] = {
            "shape": f"S={d['S']} K={d['E']} N={d['H'] * d['P']}",
            "macs": a["macs"],
            "ref_insns": a["insns"], "fast_insns": b["insns"],
            "ref_mac_per_insn": a["mac_per_insn"], "fast_mac_per_insn": b["mac_per_insn"],
            "speedup_insns_ref_over_fast": a["insns"] / b["insns"] if b["insns"] else None,
            "all": {r["variant"]: {"insns": r["insns"], "mac_per_insn": r["mac_per_insn"]}
                    for r in pick(runs, op="linear")},
        }

    # fastest configuration per op and mode
    fastest = {}
    for op in ("mhsa", "encoder"):
        for mode in ("std", "fused"):
            cand = pick(runs, op=op, mode=mode)
            if cand:
                r = min(cand, key=lambda x: x["insns"])
                fastest[f"{op}_{mode}"] = {k: r[k] for k in ("sched", "T", "ffn_tile", "variant",
                                                             "insns", "macs", "mac_per_insn",
                                                             "arena_peak", "stack_peak")}
    s["fastest"] = fastest
    return s


# ------------------------------------------------------------------ printing
def fmt_int(v):
    return "-" if v is None else f"{v:,}"


def print_table(res, out):
    d = res["dims"] or {}
    b = res.get("build") or {}
    out.write(f"\n== {CPU_LABEL.get(res['cpu'], res['cpu'])}  case {res['case']}  "
              f"S={d.get('S')} E={d.get('E')} P={d.get('P')} H={d.get('H')} F={d.get('F')}  "
              f"[{b.get('cc', '?')} {b.get('opt', '?')}]  "
              f"({res['seconds']:.1f} s in QEMU, {res['result'] or 'no RESULT line'})\n")
    hdr = (f"{'op':<8}{'mode':<6}{'sched':<11}{'T':>4}{'ffn':>5} {'variant':<8}{'MACs':>12}"
           f"{'instructions':>14}{'MAC/insn':>9}{'arena':>9}{'scratch':>9}{'stack':>7}  ok")
    out.write(hdr + "\n" + "-" * len(hdr) + "\n")
    rows = sorted(res["runs"], key=lambda r: (OP_ORDER.get(r["op"], 9), r["mode"] != "std",
                                              SCHED_ORDER.get(r["sched"], 9), r["T"],
                                              r.get("ffn_tile", 0), r["variant"]))
    for r in rows:
        mpi = f"{r['mac_per_insn']:.3f}" if r["mac_per_insn"] else "-"
        out.write(f"{r['op']:<8}{r['mode']:<6}{r['sched']:<11}{r['T']:>4}{r.get('ffn_tile', 0):>5} "
                  f"{r['variant']:<8}{fmt_int(r['macs']):>12}{fmt_int(r['insns']):>14}{mpi:>9}"
                  f"{fmt_int(r['arena_peak']):>9}{fmt_int(r['scratch_peak']):>9}"
                  f"{fmt_int(r['stack_peak']):>7}  {'ok' if r['ok'] else 'FAIL'}\n")


def print_summary(summaries, out):
    out.write("\n== Summary (emulated: QEMU -icount shift=0; instructions: Cortex-M SysTick ticks x 40,"
              " RV32 minstret)\n")
    out.write("\nMHSA arena peak, layer-wise / depth-first (fast variant; arena = x + out + "
              "scratch; scratch alone in brackets)\n")
    for s in summaries:
        for mode, e in s["mhsa_memory"].items():
            dfs = "  ".join(
                f"T={x['T']}: {x['arena_peak']:,} B {x['arena_ratio_lw_over_df']:.2f}x "
                f"[{x['scratch_ratio_lw_over_df']:.2f}x]" for x in e["depthfirst"])
            out.write(f"  {s['cpu']:<4} {s['case']:<10} {mode:<6} layer-wise "
                      f"{e['layerwise_arena_peak']:,} B  head-wise {fmt_int(e['headwise_arena_peak'])}"
                      f" B  | {dfs}\n")
    out.write("\nLinear layer (Q projection, HEAD layout, per-tensor requant), fast variant vs ref\n")
    for s in summaries:
        li = s.get("linear")
        if not li:
            continue
        sp = li["speedup_insns_ref_over_fast"]
        out.write(f"  {s['cpu']:<4} {s['case']:<10} {li['shape']:<18} ref {li['ref_insns']:>11,} insns "
                  f"({li['ref_mac_per_insn']:.3f} MAC/insn)  {s['fast_variant']} "
                  f"{li['fast_insns']:>10,} insns ({li['fast_mac_per_insn']:.3f} MAC/insn)  "
                  f"ref/{s['fast_variant']} = {sp:.2f}x\n")
    out.write("\nFastest configuration per operator (instructions)\n")
    for s in summaries:
        for key, f in s["fastest"].items():
            tile = f" ffn_tile={f['ffn_tile']}" if key.startswith("encoder") else ""
            out.write(f"  {s['cpu']:<4} {s['case']:<10} {key:<14} {f['sched']:<10} T={f['T']:<3}"
                      f"{tile} {f['variant']:<7} {f['insns']:>11,} insns  "
                      f"{f['mac_per_insn']:.3f} MAC/insn  arena {f['arena_peak']:,} B\n")


def headline(summaries):
    h = {}
    for s in summaries:
        if s["case"] != "eegformer":
            continue
        f = s["fastest"].get("mhsa_std")
        if f:
            h[f"eegformer_mhsa_std_fastest_{s['cpu']}"] = f
        mem = s["mhsa_memory"].get("std")
        if mem:
            h[f"eegformer_mhsa_std_arena_lw_over_df_{s['cpu']}"] = {
                "ratio": mem["best_arena_ratio"], "T": mem["best_arena_ratio_T"]}
        if s.get("linear"):
            h[f"eegformer_linear_ref_over_fast_{s['cpu']}"] = {
                "ratio": s["linear"]["speedup_insns_ref_over_fast"],
                "fast_mac_per_insn": s["linear"]["fast_mac_per_insn"],
                "ref_mac_per_insn": s["linear"]["ref_mac_per_insn"]}
    return h


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--firmware-dir", required=True,
                    help="directory with cortex-m4/ and cortex-m7/ (build/bin/firmware)")
    ap.add_argument("--out", help="JSON output (e.g. build/bench/bench.json)")
    ap.add_argument("--cpus", default="m4,m7", help="comma-separated from m4,m7,rv32 (default m4,m7)")
    ap.add_argument("--cases", default="", help="comma-separated case names (default: all found)")
    ap.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--timeout", type=float, default=600.0, help="seconds per image")
    a = ap.parse_args(argv)

    cpus = [c for c in a.cpus.split(",") if c]
    for c in cpus:
        if c not in CPU_DIRS:
            ap.error(f"unknown cpu '{c}' (m4, m7, rv32)")
    cases = [c for c in a.cases.split(",") if c] or find_cases(a.firmware_dir, cpus)
    if not cases:
        print(f"bench: no fw_bench_<case>.elf under {a.firmware_dir}", file=sys.stderr)
        return 2
    jobs = [(cpu, case) for cpu in cpus for case in cases]
    t0 = time.monotonic()
    with ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        results = list(ex.map(lambda j: bench_one(a.firmware_dir, j[0], j[1], a.timeout), jobs))
    wall = time.monotonic() - t0

    failures = 0
    out = sys.stdout
    for res in results:
        if res["status"] != 0 or res["dims"] is None:
            failures += 1
            out.write(f"\n!! {res['cpu']} {res['case']}: exit status {res['status']}"
                      f"{' (timeout)' if res['timed_out'] else ''}\n{res['output'][-2000:]}\n")
            if res["dims"] is None:
                continue
        enrich(res)
        print_table(res, out)
        failures += sum(1 for r in res["runs"] if not r["ok"])
    summaries = [summarize(r) for r in results if r["dims"] is not None]
    print_summary(summaries, out)
    out.write(f"\nbench: {len(jobs)} images, {sum(len(r['runs']) for r in results)} runs, "
              f"{failures} failures, {wall:.1f} s\n")

    if a.out:
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        doc = {
            "schema": "tinytx.bench/1",
            "source": "emulated",
            "emulator": qemu_version(),
            "icount": "shift=0",
            "instructions_from": {c: INSNS_FROM[c] for c in cpus},
            "host": platform.node(),
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "headline": headline(summaries),
            "summaries": summaries,
            "images": [{k: v for k, v in r.items() if k != "output"} for r in results],
        }
        with open(a.out, "w", encoding="utf-8") as fh:
            json.dump(doc, fh, indent=1)
        out.write(f"bench: wrote {a.out}\n")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
