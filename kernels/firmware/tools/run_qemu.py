#!/usr/bin/env python3
"""Run one tinytx firmware ELF under QEMU and return its exit status and console output.

Machines:
  m4    qemu-system-arm     -M mps2-an386 -cpu cortex-m4
  m7    qemu-system-arm     -M mps2-an500 -cpu cortex-m7
  rv32  qemu-system-riscv32 -M virt -bios none
always with -nographic, semihosting (target=native) and -icount shift=0, so that one instruction
is one nanosecond of virtual time and the counters are deterministic.

As a program: run_qemu.py --machine m4 fw.elf  (prints the output, exits with the firmware's
status; 124 on timeout). As a module: run(elf, machine, timeout) -> Result.
Stdlib only.
"""
import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass

MACHINES = {
    "m4": ["qemu-system-arm", "-M", "mps2-an386", "-cpu", "cortex-m4"],
    "m7": ["qemu-system-arm", "-M", "mps2-an500", "-cpu", "cortex-m7"],
    "rv32": ["qemu-system-riscv32", "-M", "virt", "-bios", "none"],
}
ALIASES = {
    "cortex-m4": "m4", "mps2-an386": "m4",
    "cortex-m7": "m7", "mps2-an500": "m7",
    "rv32": "rv32", "rv32imc": "rv32", "riscv32": "rv32", "virt": "rv32",
}
COMMON = ["-nographic", "-monitor", "none", "-serial", "null",
          "-semihosting-config", "enable=on,target=native", "-icount", "shift=0"]

TIMEOUT_STATUS = 124


@dataclass
class Result:
    status: int          # the firmware's exit status (TIMEOUT_STATUS on timeout)
    output: str          # semihosting console (QEMU's stdout and stderr, in that order)
    seconds: float       # wall time
    timed_out: bool
    command: list


def machine_name(name):
    key = ALIASES.get(name, name)
    if key not in MACHINES:
        raise ValueError(f"unknown machine '{name}' (one of {', '.join(sorted(MACHINES))})")
    return key


def command(elf, machine, extra=()):
    return MACHINES[machine_name(machine)] + COMMON + ["-kernel", elf] + list(extra)


def run(elf, machine, timeout=120.0, extra=()):
    if not os.path.isfile(elf):
        raise FileNotFoundError(elf)
    cmd = command(elf, machine, extra)
    if shutil.which(cmd[0]) is None:
        raise FileNotFoundError(f"{cmd[0]} not found on PATH")
    t0 = time.monotonic()
    try:
        p = subprocess.run(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        out = (e.stdout or b"").decode("utf-8", "replace") + (e.stderr or b"").decode("utf-8", "replace")
        return Result(TIMEOUT_STATUS, out, time.monotonic() - t0, True, cmd)
    out = p.stdout.decode("utf-8", "replace") + p.stderr.decode("utf-8", "replace")
    return Result(p.returncode, out, time.monotonic() - t0, False, cmd)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--machine", "-m", required=True, help="m4, m7 or rv32")
    ap.add_argument("--timeout", type=float, default=120.0, help="seconds (default 120)")
    ap.add_argument("--expect-status", type=int, default=None,
                    help="exit 0 if the firmware's status equals this, 1 otherwise")
    ap.add_argument("elf")
    a = ap.parse_args(argv)
    r = run(a.elf, a.machine, a.timeout)
    sys.stdout.write(r.output)
    if r.timed_out:
        print(f"run_qemu: timeout after {a.timeout:.0f} s: {' '.join(r.command)}", file=sys.stderr)
    if a.expect_status is not None:
        ok = r.status == a.expect_status
        print(f"run_qemu: exit status {r.status}, expected {a.expect_status}: "
              f"{'ok' if ok else 'FAIL'}")
        return 0 if ok else 1
    return r.status


if __name__ == "__main__":
    sys.exit(main())
