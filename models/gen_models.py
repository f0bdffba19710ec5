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
import hashlib
import json
import math
import os
import re
import sys
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # keep kernels/golden clean
sys.path.insert(0, os.path.join(HERE, "..", "kernels", "golden"))
import gen_golden as G  # noqa: E402  (the independent integer operators of NUMERICS.md)

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

TARGET = 120.0
GAMMA_SCALE = 1.0 / 64
BETA_REAL = 0.25
V_REAL_MAX, O_REAL_MAX, F_REAL_MAX = 3.0, 4.0, 3.0


def i64(a):
    return np.asarray(a, dtype=np.int64)


def max_abs(a):
    return int(np.abs(i64(a)).max())


def cal(acc, q):
    m = int(G.quantile_abs(i64(acc), q))
    assert m > 0
    return G.multiplier(TARGET / m)


def calibrate_layer(cfg, rng, x, s_x):
    """Weights and every parameter of one post-norm encoder layer, calibrated on x (int8 [S][E],
    real scale s_x). Returns (w dict in gen_golden's format, scales dict, s_out)."""
    S, E, P, H, F = cfg["S"], cfg["E"], cfg["P"], cfg["H"], cfg["F"]
    N = H * P
    q = float(cfg["calib"])

    def ints(lo, hi, shape):
        return rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64)

    # weights ~ uniform int8, biases a fraction of the accumulator range
    wq, wk, wv = ints(-127, 127, (N, E)), ints(-127, 127, (N, E)), ints(-127, 127, (N, E))
    bq, bk, bv = (ints(-150 * E, 150 * E, N) for _ in range(3))
    wo, bo = ints(-127, 127, (E, N)), ints(-150 * N, 150 * N, E)
    w1, b1 = ints(-127, 127, (F, E)), ints(-150 * E, 150 * E, F)
    w2, b2 = ints(-127, 127, (E, F)), ints(-150 * F, 150 * F, E)
    beta_int = G.round_half_away(BETA_REAL * 256 / GAMMA_SCALE)
    g1, be1 = ints(16, 127, E), ints(-beta_int, beta_int, E)
    g2, be2 = ints(16, 127, E), ints(-beta_int, beta_int, E)
    w = dict(wq=wq, wk=wk, wv=wv, wo=wo, bq=bq, bk=bk, bv=bv, bo=bo, w1=w1, b1=b1, w2=w2, b2=b2,
             ln1_gamma=g1, ln1_beta=be1, ln2_gamma=g2, ln2_beta=be2)

    # Q, K, V
    acc_q, acc_k, acc_v = G.linear_acc(x, wq, bq), G.linear_acc(x, wk, bk), G.linear_acc(x, wv, bv)
    w["rq_q"], w["rq_k"], w["rq_v"] = cal(acc_q, q), cal(acc_k, q), cal(acc_v, q)
    Q = G.to_head(G.requant(acc_q, w["rq_q"]), H)
    K = G.to_head(G.requant(acc_k, w["rq_k"]), H)
    Vt = G.to_head_t(G.requant(acc_v, w["rq_v"]), H)

    # real weight scales of Wq, Wk chosen so that the largest logit q.k/sqrt(P) is logit_max
    max_qk = max(max_abs(i64(Q[h]) @ i64(K[h]).T) for h in range(H))
    r_q, r_k = G.rq_value(w["rq_q"]), G.rq_value(w["rq_k"])
    base = math.sqrt(cfg["logit_max"] * r_q * r_k * math.sqrt(P) / (max_qk * s_x * s_x))
    s_wq, s_wk = base * 1.25, base / 1.25
    s_qr, s_kr = s_x * s_wq / r_q, s_x * s_wk / r_k
    s_sc = max_qk * s_qr * s_kr / math.sqrt(P) / TARGET
    w["rq_scores"] = G.multiplier(s_qr * s_kr / (math.sqrt(P) * s_sc))
    w["softmax"] = G.softmax_params(s_sc)
    G.check_softmax_params(w["softmax"], S)

    acc_av = []
    for h in range(H):
        scr = G.requant(i64(Q[h]) @ i64(K[h]).T, w["rq_scores"])
        acc_av.append(G.softmax_u8(scr, w["softmax"]) @ i64(Vt[h]).T)
    w["rq_av"] = cal(np.stack(acc_av), q)
    s_wv = V_REAL_MAX / (s_x * max_abs(acc_v))
    s_v = s_x * s_wv / G.rq_value(w["rq_v"])
    s_attn = s_v / 255.0 / G.rq_value(w["rq_av"])
    attn = np.concatenate([G.requant(a, w["rq_av"]) for a in acc_av], axis=1)

    acc_o = G.linear_acc(attn, wo, bo)
    w["rq_o"] = cal(acc_o, q)
    s_wo = O_REAL_MAX / (s_attn * max_abs(acc_o))
    s_o = s_attn * s_wo / G.rq_value(w["rq_o"])
    x1 = G.requant(acc_o, w["rq_o"])

    # fused-weight attention extras, per head (NUMERICS.md "FWSA")
    wf, bf, rq_xw, rq_sfw = [], [], [], []
    for h in range(H):
        rows = slice(h * P, (h + 1) * P)
        W_h, b_h, M = G.fwsa_weights(wq[rows], wk[rows], bq[rows])
        assert M > 0
        m_acc = max_abs(G.linear_acc(x, W_h, b_h))
        s_wh = s_wq * s_wk * M / 127
        s_xw = m_acc * s_x * s_wh / 127
        rq_xw.append(G.multiplier(s_x * s_wh / s_xw))
        rq_sfw.append(G.multiplier(s_xw * s_x / (math.sqrt(P) * s_sc)))
        wf.append(W_h)
        bf.append(b_h)
    w["wf"], w["bf"], w["rq_xw"], w["rq_scores_fw"] = np.stack(wf), np.stack(bf), rq_xw, rq_sfw
    w["softmax_fw"] = G.softmax_params(s_sc)

    # residual 1 + LayerNorm 1
    w["add1"], _ = add_params(x, s_x, x1, s_o, q)
    r1 = G.clamp8(G.add_raw(x, x1, w["add1"]))
    acc_ln1 = G.layernorm_acc(r1, g1, be1)
    w["ln1_rq"] = cal(acc_ln1, q)
    s_n1 = GAMMA_SCALE / 256 / G.rq_value(w["ln1_rq"])
    n1 = G.requant(acc_ln1, w["ln1_rq"])

    # FFN
    acc_1 = G.linear_acc(n1, w1, b1)
    w["rq1"] = cal(acc_1, q)
    s_w1 = cfg["gelu_in_max"] / (s_n1 * max_abs(acc_1))
    s_h1 = s_n1 * s_w1 / G.rq_value(w["rq1"])
    hp = G.requant(acc_1, w["rq1"])
    w["gelu_b_q"], w["gelu_one"] = G.gelu_params(s_h1)
    G.check_gelu_params(w["gelu_b_q"], w["gelu_one"])
    g = G.gelu_acc(hp, w["gelu_b_q"], w["gelu_one"])
    w["gelu_rq"] = cal(g, q)
    s_g = s_h1 / math.sqrt(2.0)
    s_hid = (s_h1 * 0.2888 * s_g * s_g / 2) / G.rq_value(w["gelu_rq"])
    hid = G.requant(g, w["gelu_rq"])
    acc_2 = G.linear_acc(hid, w2, b2)
    w["rq2"] = cal(acc_2, q)
    s_w2 = F_REAL_MAX / (s_hid * max_abs(acc_2))
    s_f = s_hid * s_w2 / G.rq_value(w["rq2"])
    f = G.requant(acc_2, w["rq2"])

    # residual 2 + LayerNorm 2
    w["add2"], _ = add_params(n1, s_n1, f, s_f, q)
    r2 = G.clamp8(G.add_raw(n1, f, w["add2"]))
    w["ln2_rq"] = cal(G.layernorm_acc(r2, g2, be2), q)
    s_out = GAMMA_SCALE / 256 / G.rq_value(w["ln2_rq"])
    scales = dict(s_x=s_x, s_wq=s_wq, s_wk=s_wk, s_sc=s_sc, s_out=s_out)
    return w, scales, s_out


def add_params(a, s_a, b, s_b, q):
    real = i64(a).astype(np.float64) * s_a + i64(b).astype(np.float64) * s_b
    s_out = float(G.quantile_abs(real, q)) / TARGET
    ap = (G.round_half_away(s_a / s_out * 2.0 ** G.ADD_SHIFT),
          G.round_half_away(s_b / s_out * 2.0 ** G.ADD_SHIFT), G.ADD_SHIFT)
    G.check_add(ap)
    return ap, s_out


class Blob:
    """The weights file: tensors appended at 4-byte aligned offsets."""

    def __init__(self):
        self.buf = bytearray()

    def add(self, a, dtype):
        a = i64(a)
        if dtype == "int8":
            assert a.min() >= -128 and a.max() <= 127
            raw = a.astype("<i1").tobytes()
        else:
            assert a.min() >= -(2 ** 31) and a.max() < 2 ** 31
            raw = a.astype("<i4").tobytes()
        while len(self.buf) % 4:
            self.buf.append(0)
        off = len(self.buf)
        self.buf += raw
        return {"offset": off, "dtype": dtype, "shape": [int(s) for s in a.shape]}


def rq_json(rq):
    return {"mul": int(rq[0]), "shift": int(rq[1])}


def layer_json(w, scales, blob):
    t8 = lambda k: blob.add(w[k], "int8")  # noqa: E731
    t32 = lambda k: blob.add(w[k], "int32")  # noqa: E731
    mhsa = {
        "wq": t8("wq"), "bq": t32("bq"), "wk": t8("wk"), "bk": t32("bk"),
        "wv": t8("wv"), "bv": t32("bv"), "wo": t8("wo"), "bo": t32("bo"),
        "rq_q": rq_json(w["rq_q"]), "rq_k": rq_json(w["rq_k"]), "rq_v": rq_json(w["rq_v"]),
        "rq_o": rq_json(w["rq_o"]),
        "rq_scores": rq_json(w["rq_scores"]),
        "softmax": dict(zip(("ln2", "b", "c"), (int(v) for v in w["softmax"]))),
        "rq_av": rq_json(w["rq_av"]),
        "fused": {
            "wf": t8("wf"), "bf": t32("bf"),
            "rq_xw": [rq_json(r) for r in w["rq_xw"]],
            "rq_scores_fw": [rq_json(r) for r in w["rq_scores_fw"]],
            "softmax": dict(zip(("ln2", "b", "c"), (int(v) for v in w["softmax_fw"]))),
        },
    }
    add = lambda ap: {"mul_a": int(ap[0]), "mul_b": int(ap[1]), "shift": int(ap[2])}  # noqa: E731
    return {
        "scales": {k: float(v) for k, v in scales.items()},
        "mhsa": mhsa,
        "add1": add(w["add1"]),
        "ln1": {"gamma": t8("ln1_gamma"), "beta": t32("ln1_beta"), "rq": rq_json(w["ln1_rq"])},
        "ffn": {
            "w1": t8("w1"), "b1": t32("b1"), "rq1": rq_json(w["rq1"]),
            "gelu": {"b_q": int(w["gelu_b_q"]), "one": int(w["gelu_one"]),
                     "rq": rq_json(w["gelu_rq"])},
            "w2": t8("w2"), "b2": t32("b2"), "rq2": rq_json(w["rq2"]),
        },
        "add2": add(w["add2"]),
        "ln2": {"gamma": t8("ln2_gamma"), "beta": t32("ln2_beta"), "rq": rq_json(w["ln2_rq"])},
    }


def crc32(a):
    return zlib.crc32(i64(a).astype(np.int8).tobytes()) & 0xFFFFFFFF


def build_model(cfg):
    S, E = cfg["S"], cfg["E"]
    dims = {k: cfg[k] for k in ("S", "E", "H", "P", "F")}
    rng = np.random.default_rng(cfg["seed"])
    x0 = rng.integers(-128, 127, size=(S, E), endpoint=True, dtype=np.int64)
    blob = Blob()
    layers = []
    x, s_x = x0, float(cfg["s_x"])
    stats = []
    for _ in range(cfg["layers"]):
        w, scales, s_out = calibrate_layer(cfg, rng, x, s_x)
        layers.append(layer_json(w, scales, blob))
        r = G.run_encoder(x, w, dims, fused=False)
        y = i64(r["out"])
        clamps = int(np.count_nonzero((y == 127) | (y == -128)))
        assert len(np.unique(y)) > 16, "degenerate layer output"
        assert clamps < 0.05 * y.size, "layer output clamps %d of %d" % (clamps, y.size)
        stats.append({"distinct": int(len(np.unique(y))), "clamps": clamps})
        x, s_x = y, s_out
    wbytes = bytes(blob.buf)
    ibytes = x0.astype("<i1").tobytes()
    name = cfg["name"]
    spec = {
        "format": "tinytx-model",
        "version": 1,
        "name": name,
        "generator": GENERATOR,
        "seed": cfg["seed"],
        "S": cfg["S"], "E": cfg["E"], "H": cfg["H"], "P": cfg["P"], "F": cfg["F"],
        "weights": {"file": name + ".bin", "sha256": hashlib.sha256(wbytes).hexdigest()},
        "calibration_input": {
            "file": name + ".input.bin",
            "sha256": hashlib.sha256(ibytes).hexdigest(),
            "scale": float(cfg["s_x"]),
            "expected_output_crc32": "0x%08x" % crc32(x),
        },
        "layers": layers,
    }
    return spec, wbytes, ibytes, stats


def compact_lists(text):
    """Put lists of numbers (shapes) on one line."""
    return re.sub(r"\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]",
                  lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]", text)


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
        spec, wbytes, ibytes, stats = build_model(cfg)
        base = os.path.join(args.out, cfg["name"])
        with open(base + ".json", "w", encoding="ascii", newline="\n") as f:
            f.write(compact_lists(json.dumps(spec, indent=1)) + "\n")
        with open(base + ".bin", "wb") as f:
            f.write(wbytes)
        with open(base + ".input.bin", "wb") as f:
            f.write(ibytes)
        print("%s: %d weight bytes, layers %s, output crc %s"
              % (cfg["name"], len(wbytes), stats, spec["calibration_input"]["expected_output_crc32"]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
