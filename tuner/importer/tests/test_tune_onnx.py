#!/usr/bin/python3
"""tinytx-tune --model model.onnx, end to end on the in-process ISS agent: the ONNX file is
imported (its <stem>.calib.npy next to it calibrates it) into the import cache, tuned, and the
second run reads the cache; a model the importer refuses stops the tuner with the importer's
message.

    test_tune_onnx.py TINYTX_TUNE EXPORTS_DIR WORK_DIR
"""

import json
import os
import shutil
import subprocess
import sys
import time


def main(argv):
    tune, exports, work = argv
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, TINYTX_IMPORT_CACHE=os.path.join(work, "import-cache"))
    base = [tune, "--board", "nucleo-l476rg", "--budget", "96KB", "--trials", "4", "--batch", "4", "--quiet",
            "--db", os.path.join(work, "t.db"), "--cache-dir", os.path.join(work, "build-cache")]
    failed = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failed.append(what)

    for attempt in ("first", "again"):
        t0 = time.monotonic()
        p = subprocess.run(base + ["--model", os.path.join(exports, "eeg_hand.onnx")], capture_output=True,
                           text=True, env=env, timeout=240)
        check(p.returncode == 0 and "Pareto front of eeg_hand" in p.stdout,
              "%s run: tinytx-tune --model eeg_hand.onnx exits 0 with a front (%.1f s)%s"
              % (attempt, time.monotonic() - t0, "" if p.returncode == 0 else ": " + p.stderr.strip()[-600:]))
    cached = os.listdir(env["TINYTX_IMPORT_CACHE"])
    check(len([c for c in cached if not c.startswith(".")]) == 1 and not [c for c in cached if c.startswith(".")],
          "one import in the cache, no leftovers: %s" % cached)

    # the example trained on real data, with its labelled test set: the tune prints the import's
    # accuracy and its JSON carries it
    digits = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples", "digits")
    p = subprocess.run([a for a in base if a != "--quiet"] +
                       ["--model", os.path.join(digits, "digits.onnx"), "--val", os.path.join(digits, "digits_test.npz"),
                        "--json", "--report", os.path.join(work, "report.txt")],
                       capture_output=True, text=True, env=env, timeout=240)
    acc = json.loads(p.stdout).get("import_accuracy") if p.returncode == 0 else None
    check(p.returncode == 0 and "top-1 vs labels int8" in p.stderr and acc and
          acc["val"]["standard"]["int8_top1"] >= acc["val"]["standard"]["float_top1"] - 0.01,
          "tinytx-tune --model digits.onnx --val: the import's accuracy printed and in the JSON: %s"
          % (p.stderr.strip()[-500:] if p.returncode else [l for l in p.stderr.splitlines() if "accuracy" in l]))
    report = open(os.path.join(work, "report.txt")).read() if p.returncode == 0 else ""
    check(all(s in report for s in ("analyze: digits on nucleo-l476rg", "MACs", "cycles (share)", "flash: the image",
                                    "val (360), standard: cosine", "top-1 int8")),
          "--report: the analyze report of the best schedule:\n" + report)

    p = subprocess.run(base + ["--model", os.path.join(exports, "conv_middle.onnx")], capture_output=True,
                       text=True, env=env, timeout=120)
    check(p.returncode != 0 and "'/conv/Conv' (Conv)" in p.stderr,
          "a refused model stops the tuner naming the node: %s" % p.stderr.strip()[-300:])
    print("%d failed" % len(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
