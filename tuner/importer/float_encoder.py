"""The importer's float path: the recognized encoder, run from its canonical weights (the ones
that get quantized), in float64. It must reproduce the ONNX graph; the recognition is only
trusted where it does."""

import math

import numpy as np

_erf = np.frompyfunc(math.erf, 1, 1)


def _linear(x, w, b):
    y = x @ w.T
    return y if b is None else y + b


def _layernorm(x, ln):
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + ln["eps"]) * ln["gamma"] + ln["beta"]


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def activation(x, kind):
    """relu, gelu (erf) or gelu_tanh (its tanh approximation)."""
    if kind == "relu":
        return np.maximum(x, 0.0)
    if kind == "gelu_tanh":
        return 0.5 * x * (1.0 + np.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x ** 3)))
    return 0.5 * x * (1.0 + _erf(x / math.sqrt(2.0)).astype(np.float64))


def _attention(x, w, H, P):
    N, S, _ = x.shape

    def heads(y):
        return y.reshape(N, S, H, P).transpose(0, 2, 1, 3)

    q, k, v = (heads(_linear(x, w["w" + c], w["b" + c])) for c in "qkv")
    a = _softmax(q @ k.transpose(0, 1, 3, 2) / math.sqrt(P))
    attn = (a @ v).transpose(0, 2, 1, 3).reshape(N, S, H * P)
    return _linear(attn, w["wo"], w["bo"])


def _ffn(x, w, act):
    return _linear(activation(_linear(x, w["w1"], w["b1"]), act), w["w2"], w["b2"])


def layer(x, lay, H, P, norm="post"):
    """One post-norm or pre-norm layer on x [N][S][E]."""
    w = lay.w
    if norm == "pre":
        r1 = x + _attention(_layernorm(x, lay.ln1), w, H, P)
        return r1 + _ffn(_layernorm(r1, lay.ln2), w, lay.act)
    n1 = _layernorm(x + _attention(x, w, H, P), lay.ln1)
    return _layernorm(n1 + _ffn(n1, w, lay.act), lay.ln2)


def run(x, enc):
    """Every layer's output for x [N][S][E], then the final LayerNorm's when there is one."""
    outs = []
    for lay in enc.layers:
        x = layer(x, lay, enc.dims["H"], enc.dims["P"], enc.norm)
        outs.append(x)
    if enc.final_norm is not None:
        outs.append(_layernorm(x, enc.final_norm))
    return outs
