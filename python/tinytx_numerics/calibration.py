"""Calibration of one int8 encoder layer (post- or pre-norm), shared by models/gen_models.py
(synthetic weights) and tuner/importer (weights quantized from ONNX).

Every integer operator parameter (requantizations, softmax / i-GELU constants, residual-add
multipliers, fused-weight attention extras) is chosen stage by stage by running the exact
integer pipeline of docs/NUMERICS.md (tinytx_numerics.ops) on calibration inputs. Where a real
weight scale or a bias is needed, a policy object supplies it:

    policy.qk_scales(max_qk, r_q, r_k, s_x, P) -> (s_wq, s_wk)      real scales of Wq, Wk
    policy.weight_scale(name, s_in, acc)        -> s_w: float, or an array (per output channel)
                                                   for name in wv, wo, w1, w2
    policy.gamma_scale(name)                    -> real scale of the int8 gamma of ln1 / ln2
    policy.bias(name, s_in)                     -> int32 bias for a linear whose input scale is
                                                   s_in (only asked when w lacks that bias)

The generator picks scales after seeing the accumulators (targets for synthetic data); the
importer returns the scales its float weights were quantized with.
"""

import math

import numpy as np

from . import ops as G
from .ops import i64, max_abs

TARGET = 120.0          # calibrated stages map the chosen quantile of |acc| to this many LSB


class CalibrationError(Exception):
    """A parameter cannot be chosen within the ranges of docs/NUMERICS.md (message says which)."""


def cal(acc, q):
    m = int(G.quantile_abs(i64(acc), q))
    if m <= 0:
        raise CalibrationError("all-zero accumulator: nothing to calibrate on")
    return G.multiplier(TARGET / m)


def cal_per_channel(acc, s_acc, q):
    """Per output channel requantization to one output scale: channel n's accumulator has real
    scale s_acc[n]; the output scale maps the chosen quantile of the real values to TARGET."""
    real = i64(acc).astype(np.float64) * s_acc
    s_out = float(G.quantile_abs(real, q)) / TARGET
    if s_out <= 0:
        raise CalibrationError("all-zero accumulator: nothing to calibrate on")
    rqs = [G.multiplier(float(s) / s_out) for s in s_acc]
    return (i64([r[0] for r in rqs]), i64([r[1] for r in rqs])), s_out


def linear_rq(acc, s_in, s_w, q):
    """(rq, s_out) of a linear whose accumulator acc has real scale s_in * s_w."""
    if np.ndim(s_w) == 0:
        rq = cal(acc, q)
        return rq, s_in * s_w / G.rq_value(rq)
    return cal_per_channel(acc, s_in * np.asarray(s_w, dtype=np.float64), q)


def add_params(a, s_a, b, s_b, q):
    real = i64(a).astype(np.float64) * s_a + i64(b).astype(np.float64) * s_b
    s_out = float(G.quantile_abs(real, q)) / TARGET
    ap = (G.round_half_away(s_a / s_out * 2.0 ** G.ADD_SHIFT),
          G.round_half_away(s_b / s_out * 2.0 ** G.ADD_SHIFT), G.ADD_SHIFT)
    G.check_add(ap)
    return ap, s_out


def layernorm_acc(x, gamma, beta):
    """The golden LayerNorm accumulator over rows of any leading shape."""
    x = i64(x)
    return G.layernorm_acc(x.reshape(-1, x.shape[-1]), gamma, beta).reshape(x.shape)


def calibrate_params(w, xs, s_x, dims, q, policy, act="gelu", norm="post"):
    """Fill w (integer weights of one layer, gen_golden's format) with every operator parameter,
    calibrated on the int8 inputs xs [N][S][E] of real scale s_x. act is "gelu" (i-GELU) or
    "relu" (the i-GELU kernel with b_q = -1, one = 1 computes exactly 2 * relu(x)); norm is
    "post" or "pre" (NUMERICS.md "Encoder layer"). Returns (w, scales, s_out)."""
    xs = i64(xs)

    def bias(name, s_in):
        if name not in w:
            w[name] = policy.bias(name, s_in)
        return w[name]

    def layernorm(name, v):
        acc = layernorm_acc(v, w[name + "_gamma"], w[name + "_beta"])
        w[name + "_rq"] = cal(acc, q)
        return G.requant(acc, w[name + "_rq"]), policy.gamma_scale(name) / 256 / G.rq_value(w[name + "_rq"])

    def residual(name, a, s_a, b, s_b):
        w[name], s_out = add_params(a, s_a, b, s_b, q)
        return G.clamp8(G.add_raw(a, b, w[name])), s_out

    if norm == "pre":
        n1, s_n1 = layernorm("ln1", xs)
        x1, s_o, sc = _calibrate_mhsa(w, n1, s_n1, dims, q, policy, bias)
        r1, s_r1 = residual("add1", xs, s_x, x1, s_o)
        n2, s_n2 = layernorm("ln2", r1)
        f, s_f = _calibrate_ffn(w, n2, s_n2, q, policy, bias, act)
        _, s_out = residual("add2", r1, s_r1, f, s_f)
    elif norm == "post":
        x1, s_o, sc = _calibrate_mhsa(w, xs, s_x, dims, q, policy, bias)
        r1, _ = residual("add1", xs, s_x, x1, s_o)
        n1, s_n1 = layernorm("ln1", r1)
        f, s_f = _calibrate_ffn(w, n1, s_n1, q, policy, bias, act)
        r2, _ = residual("add2", n1, s_n1, f, s_f)
        _, s_out = layernorm("ln2", r2)
    else:
        raise CalibrationError("norm %r: only post and pre map onto the encoder layer" % norm)
    scales = dict(s_x=s_x, **sc, s_out=s_out)
    return w, scales, s_out


def _calibrate_mhsa(w, xs, s_x, dims, q, policy, bias):
    """Q, K, V, scores, softmax, A.V and the output projection (and the fused-weight extras) on
    the MHSA's int8 input xs of scale s_x. Returns (output, its scale, dict of the score scales)."""
    S, P, H = dims["S"], dims["P"], dims["H"]
    nx = len(xs)
    # Q, K, V (Q and K per tensor: the fused-weight derivation needs one scale each)
    acc_q = G.linear_acc(xs, w["wq"], bias("bq", s_x))
    acc_k = G.linear_acc(xs, w["wk"], bias("bk", s_x))
    acc_v = G.linear_acc(xs, w["wv"], bias("bv", s_x))
    w["rq_q"], w["rq_k"] = cal(acc_q, q), cal(acc_k, q)
    s_wv = policy.weight_scale("wv", s_x, acc_v)
    w["rq_v"], s_v = linear_rq(acc_v, s_x, s_wv, q)
    Q = [G.to_head(G.requant(a, w["rq_q"]), H) for a in acc_q]
    K = [G.to_head(G.requant(a, w["rq_k"]), H) for a in acc_k]
    Vt = [G.to_head_t(G.requant(a, w["rq_v"]), H) for a in acc_v]

    # the score scale maps the largest real logit q.k/sqrt(P) to TARGET
    max_qk = max(max_abs(i64(Q[n][h]) @ i64(K[n][h]).T) for n in range(nx) for h in range(H))
    if max_qk == 0:
        raise CalibrationError("all attention scores are zero")
    r_q, r_k = G.rq_value(w["rq_q"]), G.rq_value(w["rq_k"])
    s_wq, s_wk = policy.qk_scales(max_qk, r_q, r_k, s_x, P)
    s_qr, s_kr = s_x * s_wq / r_q, s_x * s_wk / r_k
    s_sc = max_qk * s_qr * s_kr / math.sqrt(P) / TARGET
    s_sc = softmax_scale(s_sc, S)
    w["rq_scores"] = G.multiplier(s_qr * s_kr / (math.sqrt(P) * s_sc))
    w["softmax"] = G.softmax_params(s_sc)

    acc_av = []
    for n in range(nx):
        for h in range(H):
            scr = G.requant(i64(Q[n][h]) @ i64(K[n][h]).T, w["rq_scores"])
            acc_av.append(G.softmax_u8(scr, w["softmax"]) @ i64(Vt[n][h]).T)
    w["rq_av"] = cal(np.stack(acc_av), q)
    s_attn = s_v / 255.0 / G.rq_value(w["rq_av"])
    attn = np.stack([np.concatenate([G.requant(acc_av[n * H + h], w["rq_av"]) for h in range(H)], axis=1)
                     for n in range(nx)])

    acc_o = G.linear_acc(attn, w["wo"], bias("bo", s_attn))
    s_wo = policy.weight_scale("wo", s_attn, acc_o)
    w["rq_o"], s_o = linear_rq(acc_o, s_attn, s_wo, q)
    fused_extras(w, xs, s_x, s_wq, s_wk, s_sc, dims)
    return G.requant(acc_o, w["rq_o"]), s_o, dict(s_wq=s_wq, s_wk=s_wk, s_sc=s_sc)


def _calibrate_ffn(w, n, s_n, q, policy, bias, act):
    """linear1, the activation, linear2 on the FFN's int8 input n of scale s_n. Returns (output,
    its scale)."""
    acc_1 = G.linear_acc(n, w["w1"], bias("b1", s_n))
    s_w1 = policy.weight_scale("w1", s_n, acc_1)
    w["rq1"], s_h1 = linear_rq(acc_1, s_n, s_w1, q)
    hp = G.requant(acc_1, w["rq1"])
    if act == "gelu":
        w["gelu_b_q"], w["gelu_one"] = G.gelu_params(s_h1)
        if not (w["gelu_b_q"] < 0 and w["gelu_one"] > 0 and
                128 * (w["gelu_one"] + max(w["gelu_one"], w["gelu_b_q"] ** 2)) < 2 ** 31):
            raise CalibrationError("i-GELU constants out of range for input scale %g (b_q=%d, one=%d)"
                                   % (s_h1, w["gelu_b_q"], w["gelu_one"]))
    elif act == "relu":
        w["gelu_b_q"], w["gelu_one"] = -1, 1
    else:
        raise CalibrationError("activation %r: only gelu and relu map onto the i-GELU kernel" % act)
    g = G.gelu_acc(hp, w["gelu_b_q"], w["gelu_one"])
    w["gelu_rq"] = cal(g, q)
    if act == "gelu":
        s_g = s_h1 / math.sqrt(2.0)
        s_hid = (s_h1 * 0.2888 * s_g * s_g / 2) / G.rq_value(w["gelu_rq"])
    else:
        s_hid = (s_h1 / 2) / G.rq_value(w["gelu_rq"])
    hid = G.requant(g, w["gelu_rq"])
    acc_2 = G.linear_acc(hid, w["w2"], bias("b2", s_hid))
    s_w2 = policy.weight_scale("w2", s_hid, acc_2)
    w["rq2"], s_f = linear_rq(acc_2, s_hid, s_w2, q)
    return G.requant(acc_2, w["rq2"]), s_f


def softmax_scale(s_sc, S):
    """s_sc, made coarser (by powers of 2) until the softmax constants fit NUMERICS.md's bounds:
    tiny logits would otherwise ask for an exp polynomial beyond 32 bits."""
    for _ in range(64):
        ln2, b, c = G.softmax_params(s_sc)
        tmax = max(b, abs(b - ln2 + 1))
        if ln2 >= 1 and b >= 1 and (tmax * tmax + c) * max(255, S) < 2 ** 32:
            return s_sc
        s_sc *= 2.0
    raise CalibrationError("no valid softmax constants for score scale %g" % s_sc)


def fused_extras(w, xs, s_x, s_wq, s_wk, s_sc, dims):
    """Fused-weight attention extras, per head (NUMERICS.md "FWSA")."""
    P, H = dims["P"], dims["H"]
    bq = w["bq"] if w.get("bq") is not None else np.zeros(len(w["wq"]), dtype=np.int64)
    wf, bf, rq_xw, rq_sfw = [], [], [], []
    for h in range(H):
        rows = slice(h * P, (h + 1) * P)
        W_h, b_h, M = G.fwsa_weights(w["wq"][rows], w["wk"][rows], bq[rows])
        m_acc = max_abs(G.linear_acc(xs, W_h, b_h)) if M > 0 else 0
        if M == 0 or m_acc == 0:
            raise CalibrationError("fused-weight attention: head %d has an all-zero fused product" % h)
        s_wh = s_wq * s_wk * M / 127
        s_xw = m_acc * s_x * s_wh / 127
        rq_xw.append(G.multiplier(s_x * s_wh / s_xw))
        rq_sfw.append(G.multiplier(s_xw * s_x / (math.sqrt(P) * s_sc)))
        wf.append(W_h)
        bf.append(b_h)
    w["wf"], w["bf"], w["rq_xw"], w["rq_scores_fw"] = np.stack(wf), np.stack(bf), rq_xw, rq_sfw
    w["softmax_fw"] = G.softmax_params(s_sc)
