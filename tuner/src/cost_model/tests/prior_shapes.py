#!/usr/bin/python3
"""Extra synthetic encoder shapes for fitting the cost model's priors (tuner/src/cost_model/priors.cpp).

    /usr/bin/python3 tuner/src/cost_model/tests/prior_shapes.py --out DIR

The four example models share few shapes, so per-layer work (LayerNorm rows, softmax rows, GELU,
the per-layer constant) is not separable on them alone. This writes a few more models with other
S, E, H, P, F (odd sizes included, so the GEMM edge paths and the DSP K tails run) into DIR, using
models/gen_models.py unchanged (same generator, same calibration), plus copies of the four example
models, so `tinytx_cost_model_bench --models-dir DIR` can sample them all. Not used by any test.
"""
import argparse
import os
import shutil
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "models"))
import gen_models  # noqa: E402

COMMON = dict(s_x=0.05, logit_max=10.0, gelu_in_max=5.0, calib=0.999)
SHAPES = [
    dict(name="shape_a", S=24, E=48, H=2, P=24, F=96, layers=1, seed=0x5A01),
    dict(name="shape_b", S=40, E=24, H=4, P=12, F=48, layers=2, seed=0x5A02),
    dict(name="shape_c", S=33, E=30, H=3, P=10, F=90, layers=1, seed=0x5A03),
    dict(name="shape_d", S=50, E=16, H=6, P=5, F=40, layers=1, seed=0x5A04),
    dict(name="shape_e", S=12, E=96, H=4, P=24, F=192, layers=1, seed=0x5A05),
    dict(name="shape_f", S=97, E=20, H=2, P=7, F=60, layers=1, seed=0x5A06),
]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    examples = list(gen_models.MODEL_NAMES)
    for cfg in SHAPES:
        gen_models.MODELS.append(dict(COMMON, **cfg))
    gen_models.MODEL_NAMES[:] = [m["name"] for m in gen_models.MODELS]
    gen_models.main(["--out", args.out, "--models", ",".join(c["name"] for c in SHAPES)])
    for name in examples:
        for ext in (".json", ".bin", ".input.bin"):
            shutil.copy(os.path.join(ROOT, "models", name + ext), args.out)
    print("shapes:", ", ".join(c["name"] for c in SHAPES) + ", " + ", ".join(examples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
