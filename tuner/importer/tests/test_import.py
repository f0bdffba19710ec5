#!/usr/bin/python3
"""tinytx-import as a user runs it, on the models export_models.py exported with torch:

  - every encoder variant imports; the importer's float path reproduces torch's output within
    1e-5; the integer pipeline's cosine similarity to the float encoder reaches the manifest's
    bound (0.99) on the calibration inputs, also held out; the written spec is complete (the ViT
    form's embedding, final LayerNorm and head in it);
  - the unsupported graphs are refused (exit 2) with a message naming the node;
  - --min-cosine refuses, or drops only the fused-weight extras, as the numbers say.

    test_import.py EXPORTS_DIR TINYTX_IMPORT
"""

import json
import os
import subprocess
import sys
import tempfile

import numpy as np

FLOAT_TOL = 1e-5


def run(cmd, *args):
    p = subprocess.run([cmd] + list(args), capture_output=True, text=True, timeout=120)
    return p.returncode, p.stdout, p.stderr


class Checks:
    def __init__(self):
        self.failed = []

    def check(self, ok, what):
        print(("ok    " if ok else "FAIL  ") + what)
        if not ok:
            self.failed.append(what)


def imports(c, cmd, exports, m, work):
    name = m["name"]
    onnx = os.path.join(exports, name + ".onnx")
    calib = os.path.join(exports, name + ".calib.npy")
    out = os.path.join(work, name + ".json")
    float_out = os.path.join(work, name + ".float.npy")
    # held out: the second half of the samples (calibrate on the first half)
    xs = np.load(calib)
    half = len(xs) // 2
    np.save(os.path.join(work, name + ".cal.npy"), xs[:half])
    np.save(os.path.join(work, name + ".held.npy"), xs[half:])
    rc, so, se = run(cmd, onnx, "--calib", calib, "-o", out, "--float-out", float_out)
    c.check(rc == 0, "%s: imports (exit %d) %s" % (name, rc, se.strip()[:400]))
    if rc != 0:
        return
    ref = np.load(os.path.join(exports, name + ".ref.npy"))
    got = np.load(float_out)
    err = float(np.abs(got.reshape(ref.shape) - ref).max()) if got.size == ref.size else float("inf")
    c.check(err <= FLOAT_TOL, "%s: float path vs torch max abs error %.3g <= %g" % (name, err, FLOAT_TOL))
    spec = json.load(open(out))
    rep = json.load(open(os.path.join(work, name + ".report.json")))
    for f in (spec["weights"]["file"], spec["calibration_input"]["file"]):
        c.check(os.path.exists(os.path.join(work, f)), "%s: wrote %s" % (name, f))
    c.check(spec["S"] == m["S"] and "fused" in spec["layers"][0]["mhsa"], "%s: spec dims and fused extras" % name)
    c.check(spec.get("norm", "post") == m.get("norm", "post"),
            "%s: %s-norm layers (spec says %s)" % (name, m.get("norm", "post"), spec.get("norm", "post")))
    if "P" in m:
        c.check(spec["P"] == m["P"], "%s: P = %d (got %d)" % (name, m["P"], spec["P"]))
    if "warning" in m:
        c.check(all(s in " ".join(rep["warnings"]) for s in m["warning"]),
                "%s: a warning says %s: %s" % (name, m["warning"], rep["warnings"]))
    if m.get("final_norm"):
        c.check(all(k in spec for k in ("prelude", "final_norm", "head")) and not rep["warnings"],
                "%s: the embedding, the final LayerNorm and the head join the integer model (spec keys %s, "
                "warnings %s)" % (name, sorted(spec), rep["warnings"]))
    for mode, a in rep["accuracy"]["calibration"].items():
        c.check(a["cosine"] >= m["cosine"], "%s: %s attention cosine %.5f >= %g (max abs err %.4g of %.4g)"
                % (name, mode, a["cosine"], m["cosine"], a["max_abs_error"], a["max_abs_float"]))
        if "top1_agreement" in a:
            c.check(a["top1_agreement"] >= 0.9, "%s: %s top-1 agreement %.3f" % (name, mode, a["top1_agreement"]))
    # calibrated on one half, measured on the other
    rc, so, se = run(cmd, onnx, "--calib", os.path.join(work, name + ".cal.npy"), "--heldout",
                     os.path.join(work, name + ".held.npy"), "-o", os.path.join(work, name + "_h.json"), "-q")
    c.check(rc == 0, "%s: imports with a held-out set %s" % (name, se.strip()[:300]))
    if rc == 0:
        held = json.load(open(os.path.join(work, name + "_h.report.json")))["accuracy"]["heldout"]["standard"]
        c.check(held["cosine"] >= m["cosine"], "%s: held-out cosine %.5f >= %g" % (name, held["cosine"], m["cosine"]))


def refused(c, cmd, exports, m, work):
    name = m["name"]
    rc, so, se = run(cmd, os.path.join(exports, name + ".onnx"), "--calib",
                     os.path.join(exports, name + ".calib.npy"), "-o", os.path.join(work, name + ".json"))
    c.check(rc == 2, "%s: refused with exit 2 (got %d)" % (name, rc))
    c.check(all(s in se for s in m["refused"]) and "Traceback" not in se,
            "%s: message names %s: %s" % (name, m["refused"], se.strip()[:400]))
    c.check(not os.path.exists(os.path.join(work, name + ".json")), "%s: wrote no spec" % name)


def min_cosine(c, cmd, exports, work):
    onnx = os.path.join(exports, "mha_bf_gelu.onnx")
    calib = os.path.join(exports, "mha_bf_gelu.calib.npy")
    rc, so, se = run(cmd, onnx, "--calib", calib, "-o", os.path.join(work, "mc1.json"), "--min-cosine", "0.999999")
    c.check(rc == 2 and "below --min-cosine" in se, "--min-cosine above what the model reaches refuses: %s" % se.strip())
    rep = json.load(open(os.path.join(work, "mha_bf_gelu.report.json")))["accuracy"]["calibration"]
    std, fw = rep["standard"]["cosine"], rep["fused"]["cosine"]
    if fw < std:   # a bound between the two keeps the model and drops the fused-weight extras
        bound = "%.9f" % ((std + fw) / 2)
        rc, so, se = run(cmd, onnx, "--calib", calib, "-o", os.path.join(work, "mc2.json"), "--min-cosine", bound)
        spec = json.load(open(os.path.join(work, "mc2.json"))) if rc == 0 else {"layers": [{"mhsa": {"fused": 1}}]}
        c.check(rc == 0 and "fused" not in spec["layers"][0]["mhsa"] and "dropped" in se,
                "--min-cosine between fused (%.6f) and standard (%.6f) drops only the fused extras" % (fw, std))
    else:
        print("note  fused attention is not below standard here (%.6f >= %.6f): dropping not exercised" % (fw, std))
    rc, so, se = run(cmd, onnx, "-o", os.path.join(work, "syn.json"), "-q")
    c.check(rc == 0 and "synthetic" in se, "no --calib: synthetic samples with a warning: %s" % se.strip()[:200])


def digits_example(c, cmd, work):
    """The shipped example trained on real data (examples/digits): int8 top-1 on its test set within
    one point of the float model's, reported with --val; a --val without labels is refused."""
    ex = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "examples", "digits")
    onnx, calib, val = (os.path.join(ex, f) for f in ("digits.onnx", "digits.calib.npy", "digits_test.npz"))
    rc, so, se = run(cmd, onnx, "--calib", calib, "--val", val, "-o", os.path.join(work, "digits.json"))
    c.check(rc == 0 and "top-1 vs labels" in so, "digits: imports with --val (exit %d) %s" % (rc, (so + se)[-400:]))
    if rc != 0:
        return
    rep = json.load(open(os.path.join(work, "digits.report.json")))["accuracy"]["val"]
    for mode, a in rep.items():
        c.check(a["float_top1"] >= 0.95 and a["int8_top1"] >= a["float_top1"] - 0.01,
                "digits: %s int8 top-1 %.4f within 1 point of float %.4f on %d test images"
                % (mode, a["int8_top1"], a["float_top1"], a["samples"]))
    # --min-accuracy: a floor above what the model reaches refuses it; one at its top-1 keeps it
    top1 = min(a["int8_top1"] for a in rep.values())
    rc, so, se = run(cmd, onnx, "--calib", calib, "--val", val, "--min-accuracy", "%.6f" % min(1.0, top1 + 0.002),
                     "-o", os.path.join(work, "digits4.json"), "-q")
    c.check(rc == 2 and "below --min-accuracy" in se, "--min-accuracy above the int8 top-1 refuses: %s" % se.strip())
    rc, so, se = run(cmd, onnx, "--calib", calib, "--val", val, "--min-accuracy", "%.6f" % (top1 - 1e-6),
                     "-o", os.path.join(work, "digits5.json"), "-q")
    c.check(rc == 0, "--min-accuracy at the int8 top-1 imports: %s" % se.strip())
    rc, so, se = run(cmd, onnx, "--calib", calib, "--min-accuracy", "0.5", "-o", os.path.join(work, "digits6.json"))
    c.check(rc == 2 and "needs --val" in se, "--min-accuracy without --val: %s" % se.strip())
    far = os.path.join(work, "far.npz")
    d = np.load(val)
    np.savez(far, x=d["x"] * 6.0, y=d["y"])   # inputs unlike the calibration set
    rc, so, se = run(cmd, onnx, "--calib", calib, "--val", far, "-o", os.path.join(work, "digits3.json"))
    c.check(rc == 0 and "far outside the calibration range" in se, "--val far outside the calibration data warns: %s"
            % se.strip()[-300:])
    bad = os.path.join(work, "unlabelled.npz")
    np.savez(bad, x=np.load(val)["x"])
    rc, so, se = run(cmd, onnx, "--calib", calib, "--val", bad, "-o", os.path.join(work, "digits2.json"))
    c.check(rc == 2 and "expected x" in se and "y (integer labels" in se, "--val without labels: %s" % se.strip())


def main(argv):
    exports, cmd = argv
    manifest = json.load(open(os.path.join(exports, "manifest.json")))
    c = Checks()
    with tempfile.TemporaryDirectory(prefix="tinytx-import-test-") as work:
        for m in manifest["models"]:
            (refused if "refused" in m else imports)(c, cmd, exports, m, work)
        min_cosine(c, cmd, exports, work)
        digits_example(c, cmd, work)
    print("%d failed" % len(c.failed))
    return 1 if c.failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
