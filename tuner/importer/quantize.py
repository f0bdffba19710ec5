"""Post-training quantization of the recognized encoder onto the kernels' integer operators.

Weights: int8, symmetric, per tensor for Wq and Wk (the fused-weight derivation of
docs/NUMERICS.md needs one scale each) and per output channel for Wv, Wo, W1, W2 (their
requantization may be per channel) unless per_channel is off. Biases: int32 in the
accumulator's scale. LayerNorm: int8 gamma (per-tensor scale), int32 beta in gamma's scale / 256.
Everything else - requantizations, softmax and i-GELU constants, residual multipliers,
fused-weight extras - is calibrated by tinytx_numerics.calibration on the integer pipeline,
layer by layer on the calibration samples (layer k+1 sees layer k's integer output).
"""

import numpy as np
from tinytx_numerics import calibration as C
from tinytx_numerics import ops as G

from refusal import Refusal

INT32_MAX = 2 ** 31 - 1


def round_away(a):
    a = np.asarray(a, dtype=np.float64)
    return (np.sign(a) * np.floor(np.abs(a) + 0.5)).astype(np.int64)


def weight_scale(w, per_channel):
    """Symmetric int8 scale(s) of a float [N][K] weight; an all-zero row borrows the tensor's."""
    whole = float(np.abs(w).max()) / 127.0 or 1.0
    if not per_channel:
        return whole
    rows = np.abs(w).max(axis=1) / 127.0
    return np.where(rows > 0, rows, whole)


def quantize_weight(w, s):
    s = np.asarray(s, dtype=np.float64)
    return np.clip(round_away(w / (s[:, None] if s.ndim else s)), -127, 127)


class ImportScales:
    """The policy the calibration asks for real scales and biases: the float weights' own."""

    def __init__(self, layer, per_channel, where):
        self.where = where
        w = layer.w
        self.float_bias = {"b" + k: w["b" + k] for k in ("q", "k", "v", "o")}
        self.float_bias.update(b1=w["b1"], b2=w["b2"])
        self.s = {"wq": weight_scale(w["wq"], False), "wk": weight_scale(w["wk"], False)}
        for k in ("wv", "wo", "w1", "w2"):
            self.s[k] = weight_scale(w[k], per_channel)
        self.ints = {k: quantize_weight(w[k], self.s[k]) for k in ("wq", "wk", "wv", "wo", "w1", "w2")}
        self.gamma = {}
        for name, ln in (("ln1", layer.ln1), ("ln2", layer.ln2)):
            self.ints[name + "_gamma"], self.ints[name + "_beta"], self.gamma[name] = \
                quantize_layernorm(ln, "%s: %s" % (where, name))

    def _int32(self, a, what):
        return int32(a, "%s: %s" % (self.where, what))

    def qk_scales(self, max_qk, r_q, r_k, s_x, P):
        return self.s["wq"], self.s["wk"]

    def weight_scale(self, name, s_in, acc):
        return self.s[name]

    def gamma_scale(self, name):
        return self.gamma[name]

    def bias(self, name, s_in):
        b = self.float_bias[name]
        if b is None:
            return None
        s_w = self.s["w" + name[1:]]
        return self._int32(round_away(b / (s_in * np.asarray(s_w))), "bias " + name)


def int32(a, what):
    if a.size and int(np.abs(a).max()) > INT32_MAX:
        raise Refusal("%s does not fit int32 at this scale (|value| %d)" % (what, int(np.abs(a).max())))
    return a


def quantize_layernorm(ln, where):
    """(gamma int8, beta int32, s_gamma) of a LayerNorm's float gamma and beta: gamma per tensor,
    beta in the scale of z * gamma (z has 8 fractional bits, NUMERICS.md)."""
    s_g = float(np.abs(ln["gamma"]).max()) / 127.0 or 1.0 / 64
    gamma = np.clip(round_away(ln["gamma"] / s_g), -127, 127)
    return gamma, int32(round_away(ln["beta"] / (s_g / 256)), where + " beta"), s_g


def input_scale(x, q):
    """Symmetric int8 scale of the encoder input: the q-quantile of |x| maps to 127."""
    m = float(G.quantile_abs(np.asarray(x, dtype=np.float64), q))
    if m <= 0:
        raise Refusal("the encoder input is all zero on the calibration set")
    return m / 127.0


def quantize_input(x, s_x):
    return np.clip(round_away(np.asarray(x) / s_x), -128, 127)


def input_clip_fraction(x, s_x):
    """The fraction of encoder-input values beyond the int8 range at scale s_x (they saturate)."""
    q = round_away(np.asarray(x) / s_x)
    return float(np.count_nonzero((q > 127) | (q < -128))) / q.size


def run_int(xs, w, dims, fused, norm):
    """The golden integer pipeline of one layer on every sample."""
    return np.stack([G.run_encoder(x, w, dims, fused=fused, norm=norm)["out"] for x in xs]).astype(np.int64)


def quantize(enc, x0, q, per_channel, fused, start=None):
    """(layers [(w, scales)], s_x, s_out, x_int) for float encoder inputs x0 [N][S][E], or for
    start = (s_x, x_int) the integer embedding's: every layer calibrated on the previous one's
    integer output (standard attention)."""
    dims = enc.dims
    s_x, x_int = start if start is not None else (None, None)
    if start is None:
        s_x = input_scale(x0, q)
        x_int = quantize_input(x0, s_x)
    xs, s = x_int, s_x
    layers = []
    for k, lay in enumerate(enc.layers):
        where = "layer %d" % k
        pol = ImportScales(lay, per_channel, where)
        w = {key: pol.ints[key] for key in ("wq", "wk", "wv", "wo", "w1", "w2", "ln1_gamma", "ln1_beta",
                                             "ln2_gamma", "ln2_beta")}
        try:
            # both GELU forms run as i-GELU (an erf approximation within 1e-3 of either)
            act = "relu" if lay.act == "relu" else "gelu"
            w, scales, s_out = C.calibrate_params(w, xs, s, dims, q, pol, act=act, norm=enc.norm)
        except (C.CalibrationError, AssertionError) as e:
            raise Refusal("%s: quantization failed: %s" % (where, str(e) or "a parameter left its range"))
        if not fused:
            for key in ("wf", "bf", "rq_xw", "rq_scores_fw", "softmax_fw"):
                w.pop(key, None)
        layers.append((w, scales))
        try:
            xs = run_int(xs, w, dims, False, enc.norm)
        except AssertionError as e:
            raise Refusal("%s: the integer pipeline overflows: %s" % (where, e))
        s = s_out
    return layers, s_x, s, x_int


def run_layers(x_int, layers, dims, fused, norm):
    """Integer output of the whole encoder, standard or fused-weight attention."""
    xs = x_int
    for w, _ in layers:
        xs = run_int(xs, w, dims, fused, norm)
    return xs
