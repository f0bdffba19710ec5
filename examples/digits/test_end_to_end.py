#!/usr/bin/python3
"""The acceptance test of the whole network in integers (issue 14): for both digits models (post-norm
with mean pooling; the ViT form: pre-norm with a CLS token and a final LayerNorm), as a user would:

    tinytx-tune --model m.onnx --board nucleo-l476rg --budget 96KB --val digits_test.npz --emit-c out/
    make -C out host
    out/network_host test_x.npy logits.npy

then top-1 of the integer network's logits against the labels must be within 1 point of the float
model's top-1, which the import computes on the same images with the ONNX graph (its accuracy
report, printed by the tune and in its --json); the ViT form's final LayerNorm runs in the emitted
network (and has its row in REPORT.txt). The integer network's logits must also be exactly those of
the independent numpy model (tinytx_numerics, as the importer runs it) on every test image. A few
trials only: the schedule does not change the outputs the test looks at.

    test_end_to_end.py TINYTX_TUNE WORK_DIR
"""

import json
import os
import shutil
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
MODELS = ("digits", "digits_cls")
FINAL_NORM = {"digits_cls"}   # the models ending their stack with a LayerNorm (the ViT form)


def golden_logits(name, x):
    """(int32 logits [N][C], their scale) of the whole integer network on x, computed by the
    importer's numpy model of the integer operators from the same import the tune made."""
    for d in (os.path.join(ROOT, "python"), os.path.join(ROOT, "tuner", "importer")):
        if d not in sys.path:
            sys.path.insert(0, d)
    import pipeline
    import quantize as Q
    import quantize_ends as QE
    r = pipeline.import_model(pipeline.Options(os.path.join(HERE, name + ".onnx"),
                                               os.path.join(HERE, name + ".calib.npy")))
    u = QE.quantize_features(x, r.prelude.s_u)
    y = Q.run_layers(QE.run_prelude(u, r.prelude.w), r.layers, r.dims, False, r.enc.norm)
    if r.final_norm is not None:
        y = QE.run_final_norm(y, r.final_norm)
    return QE.run_head(y, r.head), r.head.s_logits


def main(argv):
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    tune, work = argv
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    env = dict(os.environ, TINYTX_IMPORT_CACHE=os.path.join(work, "import-cache"))
    test = np.load(os.path.join(HERE, "digits_test.npz"))
    x_path = os.path.join(work, "test_x.npy")
    np.save(x_path, test["x"].astype(np.float32))
    failed = []

    def check(ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            failed.append(what)
        return ok

    for name in MODELS:
        out = os.path.join(work, name)
        t0 = time.monotonic()
        # --weights flash: the two trials of the space without the weights knob, whose pick computes
        # the standard attention's integers (golden_logits')
        p = subprocess.run([tune, "--model", os.path.join(HERE, name + ".onnx"), "--board", "nucleo-l476rg",
                            "--budget", "96KB", "--val", os.path.join(HERE, "digits_test.npz"), "--emit-c", out,
                            "--trials", "2", "--batch", "2", "--weights", "flash", "--json", "--db", os.path.join(work, name + ".db"),
                            "--cache-dir", os.path.join(work, "build-cache")],
                           capture_output=True, text=True, env=env, timeout=600)
        if not check(p.returncode == 0, "%s: tinytx-tune --emit-c exits 0 (%.0f s)%s" % (
                name, time.monotonic() - t0, "" if p.returncode == 0 else ": " + p.stderr.strip()[-800:])):
            continue
        acc = json.loads(p.stdout).get("import_accuracy") or {}
        float_top1 = acc.get("val", {}).get("standard", {}).get("float_top1")
        check("top-1 vs labels int8" in p.stderr and float_top1 is not None,
              "%s: the tune printed the import's accuracy on the test set" % name)
        front = json.loads(p.stdout).get("front") or []
        check(front and all((pt.get("accuracy") or {}).get("set") == "val" and "int8_top1" in pt["accuracy"]
                            for pt in front if len({k.get("attention") for k in pt["knobs"]}) == 1),
              "%s: every front point of one attention mode carries its numerics' test-set top-1" % name)
        if name in FINAL_NORM:
            with open(os.path.join(out, "network.c")) as f, open(os.path.join(out, "REPORT.txt")) as r:
                check("tx_layernorm_s8(&ctx, &tx_final_norm" in f.read() and "final LayerNorm" in r.read(),
                      "%s: the final LayerNorm is part of the emitted network and of its report" % name)
        b = subprocess.run(["make", "-s", "-C", out, "host"], capture_output=True, text=True, timeout=600)
        if not check(b.returncode == 0, "%s: make -C out host%s" % (name, "" if b.returncode == 0 else
                                                                     ": " + (b.stdout + b.stderr)[-800:])):
            continue
        logits_path = os.path.join(work, name + ".logits.npy")
        r = subprocess.run([os.path.join(out, "network_host"), x_path, logits_path], capture_output=True,
                           text=True, timeout=300)
        if not check(r.returncode == 0, "%s: network_host test_x.npy logits.npy%s" % (
                name, "" if r.returncode == 0 else ": " + r.stderr.strip()[-400:])):
            continue
        logits = np.load(logits_path)
        if not check(logits.shape == (len(test["y"]), 10) and logits.dtype == np.float32,
                     "%s: logits [N][10] float32, got %s %s" % (name, logits.shape, logits.dtype)):
            continue
        golden, scale = golden_logits(name, test["x"])
        check(np.array_equal(np.rint(logits / scale).astype(np.int64), golden),
              "%s: network_host's logits are the numpy model's integers on every test image" % name)
        top1 = float(np.mean(np.argmax(logits, axis=1) == test["y"]))
        check(float_top1 is not None and top1 >= float_top1 - 0.01,
              "%s: the integer network's top-1 %.2f%% is within 1 point of float %s on %d test images" % (
                  name, 100 * top1, "%.2f%%" % (100 * float_top1) if float_top1 is not None else "?", len(logits)))
    print("%d failed" % len(failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
