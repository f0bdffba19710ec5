"""Accuracy of the integer encoder against the float model: cosine similarity (over the whole
set and per sample), max abs error, and top-1 agreement of the head when there is one."""

import numpy as np


def _cos(a, b):
    na, nb = np.linalg.norm(a), np.linalg.norm(b)
    if na == 0 or nb == 0:
        return 1.0 if na == nb else 0.0
    return float(np.dot(a, b) / (na * nb))


def compare(ref, got, head_ref=None, head_got=None, labels=None):
    """ref, got: encoder outputs [N][S][E] (float, dequantized); head_*: head outputs [N][...];
    labels: the true classes [N] (a validation set), for both heads' top-1 accuracy."""
    n = len(ref)
    r, g = ref.reshape(n, -1), got.reshape(n, -1)
    per = [_cos(r[i], g[i]) for i in range(n)]
    err = np.abs(r - g)
    out = {
        "samples": n,
        "cosine": _cos(r.ravel(), g.ravel()),
        "cosine_min_sample": float(min(per)),
        "cosine_mean_sample": float(np.mean(per)),
        "max_abs_error": float(err.max()),
        "mean_abs_error": float(err.mean()),
        "max_abs_float": float(np.abs(r).max()),
    }
    if head_ref is not None:
        a, b = np.argmax(head_ref, axis=-1), np.argmax(head_got, axis=-1)
        out["top1_agreement"] = float(np.mean(a == b))
        out["top1_agree"] = int(np.sum(a == b))
        out["top1_total"] = int(a.size)
        # one class per sample (a head over a pooled encoder; a batch axis of 1 is dropped)
        if labels is not None and a.size == n:
            out["float_top1"] = float(np.mean(a.reshape(n) == labels))
            out["int8_top1"] = float(np.mean(b.reshape(n) == labels))
    return out


def line(name, m):
    s = "%-24s cosine %.5f (min per sample %.5f)  max|err| %.4g (float max %.4g)" % (
        name, m["cosine"], m["cosine_min_sample"], m["max_abs_error"], m["max_abs_float"])
    if "top1_agreement" in m:
        s += "  top-1 agreement %d/%d" % (m["top1_agree"], m["top1_total"])
    if "int8_top1" in m:
        s += "  top-1 vs labels: int8 %.2f%%, float %.2f%%" % (100 * m["int8_top1"], 100 * m["float_top1"])
    return s
