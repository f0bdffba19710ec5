#!/usr/bin/python3
"""tinytx example models: deterministic synthetic int8 encoder Tiny Transformers.

    /usr/bin/python3 models/gen_models.py [--out DIR] [--models eegformer,ecgformer,tiny4,cct]

For every model it draws int8/int32 weights from a seeded numpy RNG, draws a seeded int8
calibration input X [S][E], and chooses every integer operator parameter (requantizations,
softmax / i-GELU constants, residual-add multipliers, fused-weight attention extras) stage by
stage by running the exact integer pipeline of docs/NUMERICS.md on that input; layer l+1 is
calibrated on layer l's integer output. It writes into DIR (default: this script's folder):

    <name>.json        the model spec (schemas/json/model.schema.json)
    <name>.bin         the weights, every tensor 4-byte aligned, little-endian
    <name>.input.bin   the calibration input, int8 [S][E]

The JSON also states the CRC-32 of the whole model's output on that input (standard attention,
all layers), computed by the golden model (kernels/golden/gen_golden.py), so that any C
implementation can be checked against an independent one. Output is byte-identical across runs.
"""

import argparse
import math
import os
import sys

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep the source tree clean
sys.path.insert(0, os.path.join(HERE, "..", "python"))
from tinytx_numerics import calibration as C  # noqa: E402  (stage-by-stage calibration)
from tinytx_numerics import ops as G  # noqa: E402  (the integer operators of NUMERICS.md)
from tinytx_numerics import spec as SP  # noqa: E402  (the model spec writer)

GEN_NAME = "tinytx gen_models.py"
GEN_VERSION = "v1"
GENERATOR = "%s %s (numpy %s)" % (GEN_NAME, GEN_VERSION, np.__version__)

# Per model: dims, seed, input scale, target real ranges and the calibration statistic (the
# quantile of |acc| mapped to 120 LSB: 1.0 = no clamps; < 1 lets a few outliers clamp).
MODELS = [
    dict(name="eegformer", S=81, E=32, P=32, H=8, F=128, layers=1, seed=0xEE6001, s_x=0.05,
         logit_max=10.0, gelu_in_max=5.0, calib=0.999),
    dict(name="ecgformer", S=66, E=16, P=2, H=8, F=64, layers=1, seed=0xEC6002, s_x=0.04,
         logit_max=10.0, gelu_in_max=5.0, calib=0.999),
    dict(name="tiny4", S=16, E=64, P=8, H=8, F=128, layers=4, seed=0x71A4003, s_x=0.0625,
         logit_max=10.0, gelu_in_max=4.5, calib=0.995),
    dict(name="cct", S=64, E=128, P=192, H=1, F=512, layers=1, seed=0xCC7004, s_x=0.05,
         logit_max=10.0, gelu_in_max=5.0, calib=0.999),
]
MODEL_NAMES = [m["name"] for m in MODELS]

GAMMA_SCALE = 1.0 / 64
BETA_REAL = 0.25
V_REAL_MAX, O_REAL_MAX, F_REAL_MAX = 3.0, 4.0, 3.0


def draw_layer_weights(cfg, rng):
    """Seeded int8 weights, int32 biases (a fraction of the accumulator range), LayerNorm
    gamma/beta of one layer, in gen_golden's format."""
    E, P, H, F = cfg["E"], cfg["P"], cfg["H"], cfg["F"]
    N = H * P

    def ints(lo, hi, shape):
        return rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64)

    wq, wk, wv = ints(-127, 127, (N, E)), ints(-127, 127, (N, E)), ints(-127, 127, (N, E))
    bq, bk, bv = (ints(-150 * E, 150 * E, N) for _ in range(3))
    wo, bo = ints(-127, 127, (E, N)), ints(-150 * N, 150 * N, E)
    w1, b1 = ints(-127, 127, (F, E)), ints(-150 * E, 150 * E, F)
    w2, b2 = ints(-127, 127, (E, F)), ints(-150 * F, 150 * F, E)
    beta_int = G.round_half_away(BETA_REAL * 256 / GAMMA_SCALE)
    g1, be1 = ints(16, 127, E), ints(-beta_int, beta_int, E)
    g2, be2 = ints(16, 127, E), ints(-beta_int, beta_int, E)
    return dict(wq=wq, wk=wk, wv=wv, wo=wo, bq=bq, bk=bk, bv=bv, bo=bo, w1=w1, b1=b1, w2=w2, b2=b2,
                ln1_gamma=g1, ln1_beta=be1, ln2_gamma=g2, ln2_beta=be2)


class SyntheticScales:
    """Real weight scales of synthetic weights, chosen after calibration so that the real values
    hit the model's targets (largest logit, GELU input range, V/O/FFN output ranges)."""

    def __init__(self, cfg):
        self.cfg = cfg

    def qk_scales(self, max_qk, r_q, r_k, s_x, P):
        base = math.sqrt(self.cfg["logit_max"] * r_q * r_k * math.sqrt(P) / (max_qk * s_x * s_x))
        return base * 1.25, base / 1.25

    def weight_scale(self, name, s_in, acc):
        real_max = {"wv": V_REAL_MAX, "wo": O_REAL_MAX, "w1": self.cfg["gelu_in_max"],
                    "w2": F_REAL_MAX}[name]
        return real_max / (s_in * G.max_abs(acc))

    def gamma_scale(self, name):
        return GAMMA_SCALE


def calibrate_layer(cfg, rng, x, s_x):
    """Weights and every parameter of one post-norm encoder layer, calibrated on x (int8 [S][E],
    real scale s_x). Returns (w dict in gen_golden's format, scales dict, s_out)."""
    w = draw_layer_weights(cfg, rng)
    dims = {k: cfg[k] for k in ("S", "E", "H", "P", "F")}
    return C.calibrate_params(w, x[None], s_x, dims, float(cfg["calib"]), SyntheticScales(cfg))


def build_model(cfg):
    S, E = cfg["S"], cfg["E"]
    dims = {k: cfg[k] for k in ("S", "E", "H", "P", "F")}
    rng = np.random.default_rng(cfg["seed"])
    x0 = rng.integers(-128, 127, size=(S, E), endpoint=True, dtype=np.int64)
    blob = SP.Blob()
    layers = []
    x, s_x = x0, float(cfg["s_x"])
    stats = []
    for _ in range(cfg["layers"]):
        w, scales, s_out = calibrate_layer(cfg, rng, x, s_x)
        layers.append(SP.layer_json(w, scales, blob))
        r = G.run_encoder(x, w, dims, fused=False)
        y = G.i64(r["out"])
        clamps = int(np.count_nonzero((y == 127) | (y == -128)))
        assert len(np.unique(y)) > 16, "degenerate layer output"
        assert clamps < 0.05 * y.size, "layer output clamps %d of %d" % (clamps, y.size)
        stats.append({"distinct": int(len(np.unique(y))), "clamps": clamps})
        x, s_x = y, s_out
    wbytes = bytes(blob.buf)
    spec = SP.spec_json(cfg["name"], GENERATOR, dims, wbytes, x0, cfg["s_x"], SP.crc32(x), layers,
                       seed=cfg["seed"])
    return spec, wbytes, x0, stats


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", default=HERE)
    ap.add_argument("--models", default=",".join(MODEL_NAMES))
    args = ap.parse_args(argv)
    names = [n for n in args.models.split(",") if n]
    for n in names:
        if n not in MODEL_NAMES:
            ap.error("unknown model %r (known: %s)" % (n, ", ".join(MODEL_NAMES)))
    os.makedirs(args.out, exist_ok=True)
    for cfg in MODELS:
        if cfg["name"] not in names:
            continue
        spec, wbytes, x0, stats = build_model(cfg)
        for fname, data in SP.spec_files(spec, wbytes, x0).items():
            with open(os.path.join(args.out, fname), "wb") as f:
                f.write(data)
        print("%s: %d weight bytes, layers %s, output crc %s"
              % (cfg["name"], len(wbytes), stats, spec["calibration_input"]["expected_output_crc32"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
