"""Calibration / held-out samples and how one sample is fed to the graph input.

A samples file is a numpy .npy array [N][S][features] (or one sample [S][features]) of floats.
The graph input is [S][features], or that with a batch dimension of 1 in front (batch first)
or in the middle (sequence first, torch's default for nn.Transformer*); each sample is fed
alone, as exported models usually fix the batch to 1.
"""

import numpy as np

from refusal import Refusal

SYNTHETIC_SAMPLES = 16


def input_layout(dims, want):
    """'sf', 'bsf' or 'sbf' for graph input dims (None where symbolic)."""
    if len(dims) == 2:
        if want not in ("auto", "sf"):
            raise Refusal("--input-layout %s: the graph input has rank 2 ([S][features])" % want)
        return "sf"
    if want in ("bsf", "sbf"):
        return want
    if want == "sf":
        raise Refusal("--input-layout sf: the graph input has rank 3")
    b0, b1 = dims[0] in (None, 1), dims[1] in (None, 1)
    if b0 and not b1:
        return "bsf"
    if b1 and not b0:
        return "sbf"
    if b0 and b1 and dims[0] == 1 and dims[1] is None:
        return "bsf"
    if b0 and b1 and dims[1] == 1 and dims[0] is None:
        return "sbf"
    shown = ["?" if d is None else d for d in dims]
    if not b0 and not b1:
        raise Refusal("graph input dims %s: no batch dimension of 1 (export with one sample, e.g. "
                      "torch.randn(1, S, features))" % shown)
    raise Refusal("graph input dims %s: cannot tell the batch axis; give --input-layout bsf or sbf" % shown)


def seq_feature_dims(dims, layout):
    """(S, features) as declared (None where symbolic)."""
    if layout == "sf":
        return dims[0], dims[1]
    return (dims[1], dims[2]) if layout == "bsf" else (dims[0], dims[2])


def feed_shape(S, F, layout):
    return {"sf": (S, F), "bsf": (1, S, F), "sbf": (S, 1, F)}[layout]


def load(path, dims, layout, what):
    """Samples [N][S][F] from a .npy file, checked against the graph input."""
    try:
        a = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise Refusal("%s %s: not a readable .npy array (%s)" % (what, path, str(e).splitlines()[0] if str(e) else type(e).__name__))
    if not isinstance(a, np.ndarray):   # an .npz archive
        raise Refusal("%s %s: an .npz archive, expected one .npy array" % (what, path))
    if a.dtype.kind not in "fiu":
        raise Refusal("%s %s: dtype %s, expected floats" % (what, path, a.dtype))
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.shape[0] == 0:
        raise Refusal("%s %s: shape %s, expected [N][S][features]" % (what, path, list(a.shape)))
    a = a.astype(np.float64)
    if not np.all(np.isfinite(a)):
        raise Refusal("%s %s: holds non-finite values" % (what, path))
    S, F = seq_feature_dims(dims, layout)
    if (S is not None and a.shape[1] != S) or (F is not None and a.shape[2] != F):
        raise Refusal("%s %s: samples of [%d][%d], the graph input takes [%s][%s]"
                      % (what, path, a.shape[1], a.shape[2], S or "?", F or "?"))
    return a


def load_val(path, dims, layout):
    """A validation set, .npz: `x` samples [N][S][features] (as load) and `y` integer labels [N],
    or `ref` the float model's outputs [N][...] (their argmax are the labels). (x, labels)."""
    try:
        z = np.load(path, allow_pickle=False)
    except (OSError, ValueError, EOFError) as e:
        raise Refusal("--val %s: not a readable .npz archive (%s)" % (path, str(e).splitlines()[0] if str(e) else type(e).__name__))
    if isinstance(z, np.ndarray):
        raise Refusal("--val %s: one array; expected an .npz with x and y (numpy.savez(path, x=..., y=...))" % path)
    keys = sorted(z.files)
    if "x" not in keys or not ("y" in keys or "ref" in keys):
        raise Refusal("--val %s: holds %s; expected x (inputs [N][S][features]) and y (integer labels [N]) or ref "
                      "(the float model's outputs [N][...])" % (path, ", ".join(keys) or "nothing"))
    x = z["x"]
    if x.dtype.kind not in "fiu" or x.ndim != 3 or x.shape[0] == 0:
        raise Refusal("--val %s: x is %s %s, expected floats [N][S][features]" % (path, x.dtype, list(x.shape)))
    if "y" in keys:
        labels = z["y"]
        if labels.dtype.kind not in "iu" or labels.shape != (x.shape[0],):
            raise Refusal("--val %s: y is %s %s, expected integer labels [%d]" % (path, labels.dtype, list(labels.shape),
                                                                                x.shape[0]))
    else:
        ref = z["ref"]
        if ref.shape[0] != x.shape[0] or ref.ndim < 2:
            raise Refusal("--val %s: ref is %s, expected the float outputs [%d][...]" % (path, list(ref.shape), x.shape[0]))
        labels = np.argmax(ref.reshape(ref.shape[0], -1), axis=-1)
    tmp = x.astype(np.float64)
    if not np.all(np.isfinite(tmp)):
        raise Refusal("--val %s: x holds non-finite values" % path)
    S, F = seq_feature_dims(dims, layout)
    if (S is not None and x.shape[1] != S) or (F is not None and x.shape[2] != F):
        raise Refusal("--val %s: samples of [%d][%d], the graph input takes [%s][%s]"
                      % (path, x.shape[1], x.shape[2], S or "?", F or "?"))
    return tmp, labels.astype(np.int64)


def synthetic(dims, layout, seed=0):
    """Standard-normal samples when no calibration set is given (scales may not fit real data)."""
    S, F = seq_feature_dims(dims, layout)
    if S is None or F is None:
        raise Refusal("no --calib and the graph input has symbolic dims: give --calib samples.npy")
    return np.random.default_rng(seed).standard_normal((SYNTHETIC_SAMPLES, S, F))
