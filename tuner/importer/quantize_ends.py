"""Post-training quantization of the network's two ends (ends.py) onto NUMERICS.md's "Input
embedding", "Final LayerNorm", "Pooling" and "Head", calibrated like the layers: on the integer
pipeline.

The input features get a symmetric int8 scale (the quantile of |feature| on the calibration set);
the embedding's weights are int8 per output channel (or per tensor), its bias int32 in the
accumulator's scale, its requantization calibrated on its accumulators. The CLS row is quantized
in the embedding's output scale, the positional term in its own, and the two meet through the
residual add's formula, whose output scale is the first layer's input scale. A final LayerNorm is
quantized as the layers' are, its requantization calibrated on the last layer's integer outputs.
The head keeps its
accumulators (int32 logits in the scale pooled * weight, one weight scale for the whole head).
"""

from dataclasses import dataclass

import numpy as np
from tinytx_numerics import calibration as C
from tinytx_numerics import ops as G

import quantize as Q
from refusal import Refusal


@dataclass
class IntPrelude:
    s_u: float              # real value of one step of the int8 input features
    w: dict                 # we be rq_embed cls pos add_pos (integers; absent parts None)
    S_in: int
    F: int


@dataclass
class IntFinalNorm:
    w: dict                 # gamma beta rq (integers)
    s_out: float            # real value of one step of its int8 output


@dataclass
class IntHead:
    pool: str
    w: dict                 # wh bh (integers)
    s_logits: float         # real value of one step of the int32 logits


def quantize_features(u, s_u):
    return np.clip(Q.round_away(np.asarray(u, dtype=np.float64) / s_u), -128, 127)


def quantize_prelude(pre, u, q, per_channel):
    """(IntPrelude, s_x, x_int) for float input features u [N][S_in][F]: s_x and x_int [N][S][E]
    are the first layer's input scale and integer inputs."""
    s_u = Q.input_scale(u, q)
    u_int = quantize_features(u, s_u)
    s_w = Q.weight_scale(pre.w, per_channel)
    we = Q.quantize_weight(pre.w, s_w)
    s_acc = s_u * np.asarray(s_w, dtype=np.float64)
    be = None if pre.b is None else Q.round_away(pre.b / s_acc)
    if be is not None and be.size and int(np.abs(be).max()) > Q.INT32_MAX:
        raise Refusal("embedding: its bias does not fit int32 at this scale")
    acc = np.stack([G.linear_acc(x, we, be) for x in u_int])
    try:
        rq, s_e = C.linear_rq(acc, s_u, s_w, q)
        w = dict(we=we, be=be, rq_embed=rq, cls=None, pos=None, add_pos=None)
        if pre.cls is not None:
            w["cls"] = np.clip(Q.round_away(pre.cls / s_e), -128, 127)
        t = np.stack([G.run_embed(x, we, be, rq, cls=w["cls"]) for x in u_int])
        if pre.pos is None:
            return IntPrelude(s_u, w, pre.S_in, pre.F), s_e, t
        s_pos = float(np.abs(pre.pos).max()) / 127.0 or 1.0
        w["pos"] = np.clip(Q.round_away(pre.pos / s_pos), -127, 127)
        w["add_pos"], s_x = C.add_params(t, s_e, np.broadcast_to(w["pos"], t.shape), s_pos, q)
    except (C.CalibrationError, AssertionError) as e:
        raise Refusal("embedding: quantization failed: %s" % (str(e) or "a parameter left its range"))
    return IntPrelude(s_u, w, pre.S_in, pre.F), s_x, run_prelude(u_int, w)


def run_prelude(u_int, w):
    """The integer embedding of every sample of int8 features [N][S_in][F]."""
    return np.stack([G.run_embed(x, w["we"], w["be"], w["rq_embed"], w["cls"], w["pos"], w["add_pos"])
                     for x in u_int]).astype(np.int64)


def quantize_final_norm(ln, y_int, q):
    """IntFinalNorm for a float LayerNorm (gamma, beta) reading the last layer's integer outputs
    y_int [N][S][E] on the calibration set."""
    gamma, beta, s_g = Q.quantize_layernorm(ln, "final LayerNorm")
    try:
        rq = C.cal(C.layernorm_acc(y_int, gamma, beta), q)
    except (C.CalibrationError, AssertionError) as e:
        raise Refusal("final LayerNorm: quantization failed: %s" % (str(e) or "a parameter left its range"))
    return IntFinalNorm(dict(gamma=gamma, beta=beta, rq=rq), s_g / 256 / G.rq_value(rq))


def run_final_norm(y_int, fn):
    """The final LayerNorm of every sample of integer layer outputs [N][S][E]."""
    return np.stack([G.final_norm(y, fn.w["gamma"], fn.w["beta"], fn.w["rq"]) for y in y_int]).astype(np.int64)


def quantize_head(head, s_y):
    """IntHead for a Head reading pooled values of real scale s_y (the encoder output's, or the
    final LayerNorm's)."""
    s_w = Q.weight_scale(head.w, False)
    wh = Q.quantize_weight(head.w, s_w)
    s_l = s_y * s_w
    bh = None if head.b is None else Q.round_away(head.b / s_l)
    if bh is not None and bh.size and int(np.abs(bh).max()) > Q.INT32_MAX // 2:
        raise Refusal("head: its bias does not fit int32 at this scale")
    return IntHead(head.pool, dict(wh=wh, bh=bh), s_l)


def run_head(y_int, h):
    """int32 logits [N][C] of integer encoder outputs [N][S][E]."""
    return np.stack([G.head(G.pool(y, h.pool), h.w["wh"], h.w["bh"]) for y in y_int])
