"""The integer operators of docs/NUMERICS.md in numpy, and the host-side derivation of their
parameters: the independent model every C kernel is checked against (kernels/golden), and the
arithmetic the layer calibration and the ONNX importer choose parameters with.

Only integer arithmetic decides an operator's output; floats only choose parameters (scalar
Python doubles, as the C side would do it)."""

import math

import numpy as np

INT32_MIN, INT32_MAX = -(2 ** 31), 2 ** 31 - 1
ADD_SHIFT = 20          # the residual adds' shift: mul = round(s_in / s_out * 2^ADD_SHIFT)


# =============================================================================================
# Parameter helpers (host side, double precision)
# =============================================================================================

def round_half_away(v):
    """round() of NUMERICS.md: round half away from zero."""
    v = float(v)
    return int(math.copysign(math.floor(abs(v) + 0.5), v))


def multiplier(r):
    """(mul, shift) for a real multiplier r > 0, exactly as NUMERICS.md 'Requantization'."""
    r = float(r)
    assert r > 0.0 and math.isfinite(r), r
    m, e = math.frexp(r)
    q = math.floor(m * 2.0 ** 31 + 0.5)
    if q == 2 ** 31:
        q = 2 ** 30
        e += 1
    mul, shift = int(q), 31 - e
    check_rq((mul, shift))
    return (mul, shift)


def rq_value(rq):
    """The real multiplier a (mul, shift) pair actually applies."""
    return rq[0] / 2.0 ** rq[1]


def check_rq(rq):
    mul, shift = rq
    assert 0 <= mul <= INT32_MAX, rq
    assert 1 <= shift <= 62, rq


def check_rq_pc(muls, shifts):
    for m, s in zip(muls, shifts):
        check_rq((int(m), int(s)))


def softmax_params(eps):
    ln2 = round_half_away(math.log(2.0) / eps)
    b = round_half_away(1.353 / eps)
    c = round_half_away(0.344 / (0.3585 * eps * eps))
    return (ln2, b, c)


def check_softmax_params(sm, n):
    ln2, b, c = sm
    assert ln2 >= 1 and b >= 1 and c >= 0, sm
    tmax = max(b, abs(b - ln2 + 1))
    assert (tmax * tmax + c) * 255 < 2 ** 32, sm
    assert n * (tmax * tmax + c) < 2 ** 32, (sm, n)
    assert 0 <= ln2 <= INT32_MAX and 0 <= b <= INT32_MAX and 0 <= c <= INT32_MAX


def gelu_params(eps):
    s = eps / math.sqrt(2.0)
    b_q = round_half_away(-1.769 / s)
    one = round_half_away(1.0 / (0.2888 * s * s))
    return (b_q, one)


def check_gelu_params(b_q, one):
    assert b_q < 0 and one > 0, (b_q, one)
    assert 128 * (one + max(one, b_q * b_q)) < 2 ** 31, (b_q, one)


def check_add(ap):
    mul_a, mul_b, shift = ap
    check_rq((mul_a, shift))
    check_rq((mul_b, shift))


# =============================================================================================
# Integer operators (numpy int64 everywhere; >> and // are floor, as NUMERICS.md means)
# =============================================================================================

def i64(a):
    return np.asarray(a, dtype=np.int64)


def assert_i32(a, what):
    a = i64(a)
    if a.size:
        assert a.min() >= INT32_MIN and a.max() <= INT32_MAX, "%s leaves int32" % what
    return a


def clamp8(v):
    return np.clip(v, -128, 127)


def requant_raw(acc, rq):
    """(acc * mul + 2^(shift-1)) >> shift before clamping. rq = (mul, shift) or per-channel
    (mul[N], shift[N]) applied along the last axis."""
    acc = assert_i32(acc, "requant input")
    mul, shift = rq
    mul = i64(mul)
    shift = i64(shift)
    return (acc * mul + np.left_shift(np.int64(1), shift - 1)) >> shift


class Stats:
    """Counts outputs that the int8 clamp changed, per stage."""

    def __init__(self):
        self.counts = {}

    def q8(self, stage, raw):
        raw = i64(raw)
        y = clamp8(raw)
        c = self.counts.setdefault(stage, [0, 0])
        c[0] += int(np.count_nonzero(y != raw))
        c[1] += int(raw.size)
        return y

    def fractions(self):
        return {k: v[0] / v[1] for k, v in self.counts.items()}


def requant(acc, rq, st=None, stage=None):
    raw = requant_raw(acc, rq)
    return st.q8(stage, raw) if st is not None else clamp8(raw)


def linear_acc(x, w, bias=None):
    """acc[s][n] = bias[n] + sum_k x[s][k] * w[n][k]"""
    acc = i64(x) @ i64(w).T
    if bias is not None:
        acc = acc + i64(bias)
    return assert_i32(acc, "linear accumulator")


def to_head(y, H):
    """ROW [S][H*P] -> HEAD [H][S][P]"""
    S, N = y.shape
    return np.ascontiguousarray(y.reshape(S, H, N // H).transpose(1, 0, 2))


def to_head_t(y, H):
    """ROW [S][H*P] -> HEAD_T [H][P][S]"""
    S, N = y.shape
    return np.ascontiguousarray(y.reshape(S, H, N // H).transpose(1, 2, 0))


def softmax_u8(x, sm):
    """I-BERT integer softmax along the last axis: int8 -> uint8 (probability * 255)."""
    ln2, b, c = sm
    x = i64(x)
    m = x.max(axis=-1, keepdims=True)
    d = x - m                                  # <= 0
    z = np.minimum((-d) // ln2, 31)
    p = d + z * ln2
    t = p + b
    u = t * t + c                              # unsigned 32-bit in C: must fit
    assert u.min() >= 0 and u.max() < 2 ** 32
    y = u >> z
    ssum = y.sum(axis=-1, keepdims=True)
    assert ssum.min() > 0 and ssum.max() < 2 ** 32
    num = y * 255
    assert num.max() < 2 ** 32
    out = num // ssum
    assert out.min() >= 0 and out.max() <= 255
    return out


def gelu_acc(x, b_q, one):
    """g = x * (one + L), the int32 i-GELU accumulator."""
    x = i64(x)
    m = np.minimum(np.abs(x), -b_q) + b_q     # in [b_q, 0]
    L = np.sign(x) * (one - m * m)
    return assert_i32(x * (one + L), "gelu accumulator")


def layernorm_acc(x, gamma, beta):
    """acc[i] = trunc(D*(x-mean)*256 / (D*std)) * gamma[i] + beta[i], per row."""
    x = i64(x)
    R, D = x.shape
    assert 1 <= D <= 4096
    s = assert_i32(x.sum(axis=1, keepdims=True), "layernorm sum")
    xc = D * x - s
    sq = (xc * xc).sum(axis=1)                 # fits easily in int64 for D <= 4096
    assert sq.min() >= 0 and sq.max() < 2 ** 63
    st = np.array([max(math.isqrt(int(v) // D), 1) for v in sq], dtype=np.int64)[:, None]
    num = assert_i32(xc * 256, "layernorm xc*256")
    z = np.sign(num) * (np.abs(num) // st)     # trunc toward zero
    return assert_i32(z * i64(gamma) + i64(beta), "layernorm accumulator")


def add_raw(a, b, ap):
    mul_a, mul_b, shift = ap
    return (i64(a) * mul_a + i64(b) * mul_b + (1 << (shift - 1))) >> shift


def attention_head(q, k, vt, rq_scores, sm, rq_av, st=None, tag=""):
    """One head, T query rows: returns (scores [T][S], probs [T][S], out [T][P])."""
    acc = assert_i32(i64(q) @ i64(k).T, "score accumulator")
    sc = requant(acc, rq_scores, st, "scores" + tag)
    a = softmax_u8(sc, sm)
    acc_o = assert_i32(a @ i64(vt).T, "A.V accumulator")
    o = requant(acc_o, rq_av, st, "attn" + tag)
    return sc, a, o


def fwsa_weights(wq_h, wk_h, bq_h):
    """Fused weight W_h [E][E] (out e2, in e1), b_h [E] and M for one head (exact integers)."""
    wq_h, wk_h, bq_h = i64(wq_h), i64(wk_h), i64(bq_h)
    I = wk_h.T @ wq_h                          # I[e2][e1] = sum_p wq[p][e1] * wk[p][e2]
    J = bq_h @ wk_h                            # J[e2]     = sum_p bq[p] * wk[p][e2]
    M = int(np.abs(I).max())
    if M == 0:
        return np.zeros_like(I), np.zeros_like(J), 0
    assert int(np.abs(J).max()) * 254 + M < 2 ** 63
    W = np.sign(I) * ((2 * np.abs(I) * 127 + M) // (2 * M))
    b = np.sign(J) * ((2 * np.abs(J) * 127 + M) // (2 * M))
    assert np.abs(W).max() <= 127
    return W, assert_i32(b, "fused bias"), M


# =============================================================================================
# The pipelines, driven only by the parameter set (the C struct's contents)
# =============================================================================================

def run_mhsa(x, w, dims, fused, st=None):
    """Multi-head self-attention. Returns a dict of every intermediate."""
    S, E, H, P = dims["S"], dims["E"], dims["H"], dims["P"]
    tag = "_fw" if fused else ""
    r = {}
    Vt = to_head_t(requant(linear_acc(x, w["wv"], w["bv"]), w["rq_v"], st, "v"), H)
    r["vt"] = Vt
    attn = np.zeros((S, H * P), dtype=np.int64)
    if not fused:
        Q = to_head(requant(linear_acc(x, w["wq"], w["bq"]), w["rq_q"], st, "q"), H)
        K = to_head(requant(linear_acc(x, w["wk"], w["bk"]), w["rq_k"], st, "k"), H)
        r["q"], r["k"] = Q, K
        scores, probs = [], []
        for h in range(H):
            sc, a, o = attention_head(Q[h], K[h], Vt[h], w["rq_scores"], w["softmax"], w["rq_av"],
                                      st, tag)
            scores.append(sc)
            probs.append(a)
            attn[:, h * P:(h + 1) * P] = o
    else:
        xws, scores, probs = [], [], []
        for h in range(H):
            xw = requant(linear_acc(x, w["wf"][h], w["bf"][h]), w["rq_xw"][h], st, "xw")
            sc, a, o = attention_head(xw, x, Vt[h], w["rq_scores_fw"][h], w["softmax_fw"],
                                      w["rq_av"], st, tag)
            xws.append(xw)
            scores.append(sc)
            probs.append(a)
            attn[:, h * P:(h + 1) * P] = o
        r["xw"] = np.stack(xws)
    r["scores"] = np.stack(scores)
    r["probs"] = np.stack(probs)
    r["attn"] = attn
    r["out"] = requant(linear_acc(attn, w["wo"], w["bo"]), w["rq_o"], st, "mhsa_out" + tag)
    return r


def run_encoder(x, w, dims, fused, st=None, norm="post"):
    """One encoder layer, post-norm or pre-norm (NUMERICS.md). Returns a dict of every
    intermediate (mhsa ones under 'mhsa'). Pre-norm stages are tagged "_prenorm" in the stats."""
    tag = ("_fw" if fused else "") + ("_prenorm" if norm == "pre" else "")

    def add(stage, a, b, ap):
        raw = add_raw(a, b, ap)
        return st.q8(stage + tag, raw) if st else clamp8(raw)

    def ln(stage, v, i):
        acc = layernorm_acc(v, w["ln%d_gamma" % i], w["ln%d_beta" % i])
        return requant(acc, w["ln%d_rq" % i], st, stage + tag)

    r = {}
    if norm == "pre":
        r["n1"] = ln("n1", x, 1)
        r["mhsa"] = m = run_mhsa(r["n1"], w, dims, fused, st)
        r["r1"] = add("r1", x, m["out"], w["add1"])
        ffn_in = r["n2"] = ln("n2", r["r1"], 2)
    else:
        r["mhsa"] = m = run_mhsa(x, w, dims, fused, st)
        r["r1"] = add("r1", x, m["out"], w["add1"])
        ffn_in = r["n1"] = ln("n1", r["r1"], 1)
    r["hidden_pre"] = requant(linear_acc(ffn_in, w["w1"], w["b1"]), w["rq1"], st,
                              "hidden_pre" + tag)
    r["hidden"] = requant(gelu_acc(r["hidden_pre"], w["gelu_b_q"], w["gelu_one"]), w["gelu_rq"],
                          st, "hidden" + tag)
    r["ffn"] = requant(linear_acc(r["hidden"], w["w2"], w["b2"]), w["rq2"], st, "ffn" + tag)
    if norm == "pre":
        r["out"] = add("out", r["r1"], r["ffn"], w["add2"])
    else:
        r["r2"] = add("r2", r["n1"], r["ffn"], w["add2"])
        r["out"] = ln("out", r["r2"], 2)
    return r


def max_abs(a):
    return int(np.abs(i64(a)).max())


def quantile_abs(a, q):
    """An element of |a|: the max for q = 1, else the ceil(q*n)-th smallest (no interpolation,
    so the result is exact and independent of numpy's quantile methods)."""
    v = np.sort(np.abs(np.asarray(a)).ravel())
    if q >= 1.0:
        return v[-1]
    return v[max(int(math.ceil(q * v.size)) - 1, 0)]


# =============================================================================================
# The prelude (input embedding), the final LayerNorm and the head (NUMERICS.md)
# =============================================================================================

def run_embed(u, we, be, rq_embed, cls=None, pos=None, add_pos=None):
    """int8 features u [S_in][F] -> the first layer's input [S][E] (S = S_in + 1 with cls)."""
    t = requant(linear_acc(u, we, be), rq_embed)
    if cls is not None:
        t = np.concatenate([i64(cls)[None, :], t])
    if pos is not None:
        t = clamp8(add_raw(t, pos, add_pos))
    return t


def final_norm(y, gamma, beta, rq):
    """A stack's final LayerNorm: int8 [S][E] -> int8 [S][E], per row, in its own scale."""
    return requant(layernorm_acc(y, gamma, beta), rq)


POOL_MODES = ("mean", "first", "last")


def pool(x, mode):
    """int8 [S][E] -> int8 [E]: the mean (ties up), the first (CLS) or the last row."""
    x = i64(x)
    S = x.shape[0]
    if mode == "mean":
        return (2 * assert_i32(x.sum(axis=0), "pool sum") + S) // (2 * S)
    return x[0] if mode == "first" else x[S - 1]


def head(y, wh, bh=None):
    """int32 logits [C] = bh + Wh . y"""
    return linear_acc(i64(y)[None, :], wh, bh)[0]
