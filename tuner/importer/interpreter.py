"""A small numpy interpreter of the ONNX operators encoders are exported with (float64).

It gives every tensor of the graph a value for one input sample, which the recognizer uses to
read shapes and constants and to check its patterns, and which is the reference the importer's
own float path must reproduce. The layout operators are also run on index arrays (layout.py),
so they must not assume float data. Tensors larger than MAX_ELEMENTS are refused instead of
allocated (a corrupt Reshape or Expand must not eat the machine).
"""

import math

import numpy as np

from refusal import Refusal, node_ref

MAX_ELEMENTS = 1 << 24
_erf = np.frompyfunc(math.erf, 1, 1)


def _axis(a, rank):
    a = int(a)
    if not -rank <= a < max(rank, 1):
        raise ValueError("axis %d out of range for rank %d" % (a, rank))
    return a % rank if rank else 0


def _ints(v):
    return [int(x) for x in np.asarray(v).ravel()]


def _check_size(shape):
    n = 1
    for d in shape:
        if d < 0:
            raise ValueError("negative dimension %d" % d)
        n *= d
    if n > MAX_ELEMENTS:
        raise ValueError("a tensor of %d elements (shape %s): larger than the %d allowed" % (n, list(shape), MAX_ELEMENTS))


def _attr_or_input(node, ins, idx, name, opset, since):
    """Axes/split: an attribute before opset `since`, an (optional) input from it on."""
    if opset >= since:
        return _ints(ins[idx]) if len(ins) > idx and ins[idx] is not None else None
    v = node.attrs.get(name)
    return None if v is None else _ints(v)


def _reshape(node, ins, opset):
    x, shape = ins[0], _ints(ins[1])
    allowzero = int(node.attrs.get("allowzero", 0))
    out = [x.shape[i] if d == 0 and not allowzero and i < x.ndim else d for i, d in enumerate(shape)]
    if out.count(-1) > 1:
        raise ValueError("more than one -1 in shape %s" % shape)
    if -1 in out:
        known = int(np.prod([d for d in out if d != -1]))
        if known == 0 or x.size % known:
            raise ValueError("cannot reshape %s into %s" % (list(x.shape), shape))
        out[out.index(-1)] = x.size // known
    _check_size(out)
    return [x.reshape(out)]


def _transpose(node, ins, opset):
    perm = node.attrs.get("perm")
    x = ins[0]
    if perm is None:
        return [x.transpose()]
    if sorted(_ints(perm)) != list(range(x.ndim)):
        raise ValueError("perm %s is not a permutation of rank %d" % (list(perm), x.ndim))
    return [x.transpose(_ints(perm))]


def _squeeze(node, ins, opset):
    axes = _attr_or_input(node, ins, 1, "axes", opset, 13)
    x = ins[0]
    if axes is None:
        return [x.reshape([d for d in x.shape if d != 1])]
    axes = sorted({_axis(a, x.ndim) for a in axes})
    if any(x.shape[a] != 1 for a in axes):
        raise ValueError("squeeze of a dimension that is not 1")
    return [x.reshape([d for i, d in enumerate(x.shape) if i not in axes])]


def _unsqueeze(node, ins, opset):
    axes = _attr_or_input(node, ins, 1, "axes", opset, 13)
    x = ins[0]
    if axes is None:
        raise ValueError("unsqueeze without axes")
    rank = x.ndim + len(axes)
    axes = sorted({_axis(a, rank) for a in axes})
    if len(axes) != rank - x.ndim:
        raise ValueError("repeated unsqueeze axes")
    shape, it = [], iter(x.shape)
    for i in range(rank):
        shape.append(1 if i in axes else next(it))
    return [x.reshape(shape)]


def _flatten(node, ins, opset):
    x = ins[0]
    a = int(node.attrs.get("axis", 1))
    a = a + x.ndim if a < 0 else a
    if not 0 <= a <= x.ndim:
        raise ValueError("flatten axis %d out of range" % a)
    return [x.reshape(int(np.prod(x.shape[:a])), int(np.prod(x.shape[a:])))]


def _gather(node, ins, opset):
    x, idx = ins[0], np.asarray(ins[1]).astype(np.int64)
    a = _axis(node.attrs.get("axis", 0), x.ndim)
    if idx.size and (idx.min() < -x.shape[a] or idx.max() >= x.shape[a]):
        raise ValueError("gather index out of range")
    return [np.take(x, np.where(idx < 0, idx + x.shape[a], idx), axis=a)]


def _slice(node, ins, opset):
    x = ins[0]
    starts, ends = _ints(ins[1]), _ints(ins[2])
    axes = _ints(ins[3]) if len(ins) > 3 and ins[3] is not None else list(range(len(starts)))
    steps = _ints(ins[4]) if len(ins) > 4 and ins[4] is not None else [1] * len(starts)
    if not len(starts) == len(ends) == len(axes) == len(steps):
        raise ValueError("slice arguments of different lengths")
    sl = [slice(None)] * x.ndim
    for s, e, a, st in zip(starts, ends, axes, steps):
        if st == 0:
            raise ValueError("slice step 0")
        sl[_axis(a, x.ndim)] = slice(max(min(s, 2 ** 62), -2 ** 62), max(min(e, 2 ** 62), -2 ** 62), st)
    return [x[tuple(sl)]]


def _split(node, ins, opset):
    x = ins[0]
    a = _axis(node.attrs.get("axis", 0), x.ndim)
    split = _attr_or_input(node, ins, 1, "split", opset, 13)
    n = len(node.outputs)
    if split is None:
        if x.shape[a] % n:
            raise ValueError("split of %d into %d equal parts" % (x.shape[a], n))
        split = [x.shape[a] // n] * n
    if len(split) != n or sum(split) != x.shape[a] or min(split) < 0:
        raise ValueError("split sizes %s do not match dimension %d" % (split, x.shape[a]))
    return np.split(x, np.cumsum(split)[:-1], axis=a)


def _concat(node, ins, opset):
    parts = [i for i in ins if i is not None]
    a = _axis(node.attrs["axis"], parts[0].ndim)
    return [np.concatenate(parts, axis=a)]


def _expand(node, ins, opset):
    shape = _ints(ins[1])
    out = np.broadcast_shapes(ins[0].shape, tuple(shape))
    _check_size(out)
    return [np.broadcast_to(ins[0], out).copy()]


def _constant_of_shape(node, ins, opset):
    shape = _ints(ins[0])
    _check_size(shape)
    v = node.attrs.get("value")
    v = np.zeros(1) if v is None else np.asarray(v)
    return [np.full(shape, v.ravel()[0], dtype=v.dtype)]


def _constant(node, ins, opset):
    for k in ("value", "value_float", "value_floats", "value_int", "value_ints"):
        if k in node.attrs:
            v = np.asarray(node.attrs[k])
            return [v.astype(np.float64) if v.dtype.kind == "f" else v.astype(np.int64) if v.dtype.kind in "iu" else v]
    raise ValueError("constant without a supported value attribute")


def _cast(node, ins, opset):
    to = int(node.attrs.get("to", 1))
    x = ins[0]
    if to in (1, 10, 11):     # float, float16, double: kept as float64
        return [x.astype(np.float64) if x.dtype.kind != "f" else x]
    if to in (2, 3, 4, 5, 6, 7, 12, 13):
        return [x.astype(np.int64) if x.dtype.kind != "f" else np.trunc(x).astype(np.int64)]
    if to == 9:
        return [x.astype(bool)]
    raise ValueError("cast to type %d" % to)


def _shape(node, ins, opset):
    s = np.asarray(ins[0].shape, dtype=np.int64)
    start, end = int(node.attrs.get("start", 0)), node.attrs.get("end")
    return [s[start:None if end is None else int(end)]]


def _div(node, ins, opset):
    a, b = ins
    if a.dtype.kind in "iub" and b.dtype.kind in "iub":
        if np.any(b == 0):
            raise ValueError("integer division by zero")
        q = np.abs(a) // np.abs(b)
        return [np.where((a < 0) ^ (b < 0), -q, q)]   # ONNX integer Div truncates
    with np.errstate(divide="ignore", invalid="ignore"):
        return [np.true_divide(a, b)]


def _softmax_axis(node, x, opset):
    a = node.attrs.get("axis", -1 if opset >= 13 else 1)
    a = _axis(a, x.ndim)
    if opset < 13 and a != x.ndim - 1:
        raise ValueError("opset < 13 softmax over axis %d (not the last) is not supported" % a)
    return a


def _softmax(node, ins, opset):
    x = ins[0]
    a = _softmax_axis(node, x, opset)
    e = np.exp(x - np.max(x, axis=a, keepdims=True))
    return [e / np.sum(e, axis=a, keepdims=True)]


def _log_softmax(node, ins, opset):
    x = ins[0]
    a = _softmax_axis(node, x, opset)
    m = x - np.max(x, axis=a, keepdims=True)
    return [m - np.log(np.sum(np.exp(m), axis=a, keepdims=True))]


def _reduce(fn):
    def op(node, ins, opset):
        x = ins[0]
        axes = node.attrs.get("axes")
        if node.op_type == "ReduceSum" and opset >= 13:
            axes = ins[1] if len(ins) > 1 and ins[1] is not None else None
        keep = bool(int(node.attrs.get("keepdims", 1)))
        ax = None if axes is None or len(_ints(axes)) == 0 else tuple(sorted({_axis(a, x.ndim) for a in _ints(axes)}))
        return [fn(x, axis=ax, keepdims=keep)]
    return op


def _layer_norm(node, ins, opset):
    x, scale = ins[0], ins[1]
    bias = ins[2] if len(ins) > 2 and ins[2] is not None else 0.0
    a = _axis(node.attrs.get("axis", -1), x.ndim)
    eps = float(node.attrs.get("epsilon", 1e-5))
    axes = tuple(range(a, x.ndim))
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    inv = 1.0 / np.sqrt(var + eps)
    return [(x - mean) * inv * scale + bias, mean, inv]


def _gemm(node, ins, opset):
    a, b = ins[0], ins[1]
    if int(node.attrs.get("transA", 0)):
        a = a.T
    if int(node.attrs.get("transB", 0)):
        b = b.T
    y = float(node.attrs.get("alpha", 1.0)) * (a @ b)
    if len(ins) > 2 and ins[2] is not None:
        y = y + float(node.attrs.get("beta", 1.0)) * ins[2]
    return [y]


def _dropout(node, ins, opset):
    return [ins[0], np.ones(ins[0].shape, dtype=bool)][:len(node.outputs)]


def _unary(fn):
    return lambda node, ins, opset: [fn(ins[0])]


def _binary(fn):
    return lambda node, ins, opset: [fn(ins[0], ins[1])]


def _pow(a, b):
    with np.errstate(invalid="ignore", over="ignore"):
        return np.power(a.astype(np.float64) if a.dtype.kind != "f" else a, b)


def _sqrt(x):
    with np.errstate(invalid="ignore"):
        return np.sqrt(x)


def _reciprocal(x):
    with np.errstate(divide="ignore"):
        return 1.0 / x


# The layout operators: they move elements, never change them (layout.py runs them on indices)
LAYOUT = {
    "Identity": lambda node, ins, opset: [ins[0]],
    "Dropout": _dropout,
    "Reshape": _reshape, "Transpose": _transpose, "Squeeze": _squeeze, "Unsqueeze": _unsqueeze,
    "Flatten": _flatten, "Gather": _gather, "Slice": _slice, "Split": _split, "Concat": _concat,
    "Expand": _expand,
}

OPS = dict(LAYOUT)
OPS.update({
    "Constant": _constant, "ConstantOfShape": _constant_of_shape, "Cast": _cast, "Shape": _shape,
    "MatMul": _binary(np.matmul), "Gemm": _gemm,
    "Add": _binary(np.add), "Sub": _binary(np.subtract), "Mul": _binary(np.multiply), "Div": _div,
    "Pow": _binary(_pow), "Sqrt": _unary(_sqrt), "Reciprocal": _unary(_reciprocal),
    "Neg": _unary(np.negative), "Erf": _unary(lambda x: _erf(x).astype(np.float64)),
    "Tanh": _unary(np.tanh), "Relu": _unary(lambda x: np.maximum(x, 0)),
    "Sigmoid": _unary(lambda x: 1.0 / (1.0 + np.exp(-x))),
    "Softmax": _softmax, "LogSoftmax": _log_softmax, "LayerNormalization": _layer_norm,
    "ReduceMean": _reduce(np.mean), "ReduceSum": _reduce(np.sum), "ReduceMax": _reduce(np.max),
    "Equal": _binary(np.equal), "Where": lambda node, ins, opset: [np.where(ins[0], ins[1], ins[2])],
})

# Depend only on the input's shape, which is fixed for one import: constant like initializers.
SHAPE_ONLY = {"Shape", "Constant", "ConstantOfShape"}


def unsupported_nodes(graph):
    return [n for n in graph.nodes if n.op_type not in OPS]


def static_tensors(graph):
    """Tensors whose value does not depend on the input data."""
    static = set(graph.initializers)
    for n in graph.nodes:
        ins = [t for t in n.inputs if t]
        if n.op_type in SHAPE_ONLY or all(t in static for t in ins):
            static.update(t for t in n.outputs if t)
    return static


def eval_node(node, ins, opset):
    """The node's outputs for input arrays ins (None for an absent optional input)."""
    try:
        outs = OPS[node.op_type](node, ins, opset)
    except (ValueError, TypeError, IndexError, KeyError, OverflowError, MemoryError, AttributeError) as e:
        raise Refusal("node %s: cannot be evaluated: %s" % (node_ref(node), str(e).splitlines()[0][:200] if str(e) else type(e).__name__))
    for o in outs:
        if isinstance(o, np.ndarray) and o.size > MAX_ELEMENTS:
            raise Refusal("node %s: produces %d elements, more than the %d allowed" % (node_ref(node), o.size, MAX_ELEMENTS))
    return [np.asarray(o) for o in outs]


class Interpreter:
    """Runs the graph on one input sample; constants and shape arithmetic are computed once."""

    def __init__(self, graph):
        self.g = graph
        self.static = static_tensors(graph)
        self._const = None

    def run(self, x, overrides=None):
        """Every tensor's value for input x (already in the graph input's shape). `overrides`
        pins tensors to given values (the float path's head runs on the integer encoder output)."""
        g = self.g
        overrides = overrides or {}
        vals = dict(g.initializers) if self._const is None else dict(self._const)
        vals[g.input_name] = np.asarray(x, dtype=np.float64)
        for n in g.nodes:
            if self._const is not None and n.outputs and n.outputs[0] in self._const:
                continue
            if n.outputs and all(o in overrides for o in n.outputs if o):
                vals.update({o: overrides[o] for o in n.outputs if o})
                continue
            outs = eval_node(n, [vals[t] if t else None for t in n.inputs], g.opset)
            if len(outs) < len([o for o in n.outputs if o]):
                raise Refusal("node %s: gives %d outputs, the graph uses %d" % (node_ref(n), len(outs), len(n.outputs)))
            for name, v in zip(n.outputs, outs):
                if name:
                    vals[name] = overrides.get(name, v)
        if self._const is None:
            self._const = {t: v for t, v in vals.items() if t in self.static}
        return vals
