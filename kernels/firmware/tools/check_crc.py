#!/usr/bin/env python3
"""Run a fw_check_<case> image under QEMU and check it against the golden JSON.

Passes only if the firmware exits with status 0, prints its RESULT line, and every line
    CRC <op> <mode> <schedule> <T> <variant> 0x<crc32> <status> [ffn_tile=<n>]
has status 0 and the CRC the golden model gives for <op> in <mode> (golden_<case>.json,
"crc": {"mhsa", "mhsa_fw", "encoder", "encoder_fw", "encoder_pre", "encoder_pre_fw", "ends"}). Every (op, mode) pair must appear.
Prints a summary table (runs and mismatches per op/mode/variant). Stdlib only.

  check_crc.py --machine m4 --elf fw_check_eegformer.elf --json golden_eegformer.json
  check_crc.py --log saved_output.txt --json golden_eegformer.json   (no QEMU; status taken as 0)
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import run_qemu  # noqa: E402

# (op, mode) -> key of the golden JSON "crc" object
GOLDEN_KEYS = {
    ("mhsa", "std"): "mhsa",
    ("mhsa", "fused"): "mhsa_fw",
    ("encoder", "std"): "encoder",
    ("encoder", "fused"): "encoder_fw",
    ("encoder_pre", "std"): "encoder_pre",
    ("encoder_pre", "fused"): "encoder_pre_fw",
    ("ends", "std"): "ends",
}


def parse_crc_lines(text):
    """-> list of dicts for the CRC lines, and a list of malformed CRC lines"""
    runs, bad = [], []
    for line in text.splitlines():
        if not line.startswith("CRC "):
            continue
        f = line.split()
        try:
            r = {"op": f[1], "mode": f[2], "sched": f[3], "T": int(f[4]), "variant": f[5],
                 "crc": int(f[6], 16), "status": int(f[7]), "line": line}
            for extra in f[8:]:
                k, _, v = extra.partition("=")
                r[k] = v
        except (IndexError, ValueError):
            bad.append(line)
            continue
        runs.append(r)
    return runs, bad


def load_golden(path):
    with open(path, encoding="utf-8") as fh:
        g = json.load(fh)
    crc = g.get("crc")
    if not isinstance(crc, dict):
        raise ValueError(f"{path}: no \"crc\" object")
    out = {}
    for key in GOLDEN_KEYS.values():
        v = crc.get(key)
        if v is None:
            raise ValueError(f"{path}: crc.{key} missing")
        out[key] = int(v, 0) if isinstance(v, str) else int(v)
    return g, out


def check(text, status, golden_crc, case_name=""):
    """-> (ok, report lines)"""
    runs, bad = parse_crc_lines(text)
    problems = []
    if status != 0:
        problems.append(f"firmware exit status {status} (expected 0)")
    if "RESULT " not in text:
        problems.append("no RESULT line: the firmware did not finish")
    for line in bad:
        problems.append(f"malformed line: {line}")
    names = [tok[5:] for line in text.splitlines() if line.startswith("CASE ")
             for tok in line.split() if tok.startswith("name=")]
    if case_name and names and names[0] != case_name:
        problems.append(f"the image runs case '{names[0]}', the JSON is for '{case_name}'")
    for line in text.splitlines():
        if line.startswith("FAULT"):
            problems.append(line)
    table = {}
    seen = set()
    for r in runs:
        key = GOLDEN_KEYS.get((r["op"], r["mode"]))
        row = table.setdefault((r["op"], r["mode"], r["variant"]), [0, 0])
        row[0] += 1
        if key is None:
            problems.append(f"unknown op/mode in: {r['line']}")
            row[1] += 1
            continue
        seen.add((r["op"], r["mode"]))
        want = golden_crc[key]
        if r["status"] != 0 or r["crc"] != want:
            row[1] += 1
            problems.append(f"MISMATCH {r['line']}  (golden {key} = 0x{want:08x})")
    for pair in GOLDEN_KEYS:
        if pair not in seen:
            problems.append(f"no run of {pair[0]} {pair[1]}")

    rep = [f"check_crc {case_name}: {len(runs)} runs"]
    rep.append(f"  {'op':<8} {'mode':<6} {'variant':<8} {'runs':>4} {'bad':>4}")
    for (op, mode, var), (n, nbad) in sorted(table.items()):
        rep.append(f"  {op:<8} {mode:<6} {var:<8} {n:>4} {nbad:>4}")
    rep += ["  " + p for p in problems]
    ok = not problems and len(runs) > 0
    rep.append(f"check_crc {case_name}: {'PASS' if ok else 'FAIL'}")
    return ok, rep


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--json", required=True, help="golden_<case>.json")
    ap.add_argument("--machine", help="m4, m7 or rv32")
    ap.add_argument("--elf", help="the fw_check image")
    ap.add_argument("--log", help="check a saved console output instead of running QEMU")
    ap.add_argument("--timeout", type=float, default=240.0)
    ap.add_argument("--verbose", "-v", action="store_true", help="also print the firmware output")
    a = ap.parse_args(argv)
    try:
        golden, crcs = load_golden(a.json)
    except (OSError, ValueError) as e:
        print(f"check_crc: {e}", file=sys.stderr)
        return 2
    if a.log:
        with open(a.log, encoding="utf-8", errors="replace") as fh:
            text, status, secs = fh.read(), 0, 0.0
    else:
        if not (a.machine and a.elf):
            ap.error("--machine and --elf (or --log) are required")
        r = run_qemu.run(a.elf, a.machine, a.timeout)
        text, status, secs = r.output, r.status, r.seconds
        if r.timed_out:
            print(f"check_crc: QEMU timed out after {a.timeout:.0f} s")
    if a.verbose or status != 0:
        sys.stdout.write(text)
    ok, rep = check(text, status, crcs, golden.get("name", ""))
    print("\n".join(rep))
    if not a.log:
        print(f"check_crc: {secs:.2f} s in QEMU ({a.machine})")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
