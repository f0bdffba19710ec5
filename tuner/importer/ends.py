"""The network's two ends, mapped onto the integer operators of docs/NUMERICS.md ("Input
embedding", "Pooling", "Head"): before the first layer, a linear embedding of the input
features, an optional CLS row concatenated before it and an optional positional constant added
to the result; after the last layer (and its final LayerNorm, recognize.py), a pooling (the mean
over the tokens, the first token or the last one) read by one linear layer whose output is the
graph output.

They are found by what the tensors hold, not by matching export chains: the layout tracer says
which element of which tensor each element is (a concatenated constant has none), and the
evaluated values confirm a mean. What does not map raises NotMapped with the node and what would
map; the caller keeps that end float on the host, as the encoder-only import does.
"""

from dataclasses import dataclass

import numpy as np

from refusal import node_ref


class NotMapped(Exception):
    """An end of the network that the integer operators cannot express (message says why)."""


@dataclass
class Prelude:
    w: np.ndarray          # [E][F] float, the embedding (any scalar factor after it folded in)
    b: np.ndarray          # [E] or None
    cls: np.ndarray        # [E] float, or None
    pos: np.ndarray        # [S][E] float, or None
    S_in: int              # tokens of the input (S - 1 with a CLS row)
    F: int                 # input features per token


@dataclass
class Head:
    pool: str              # mean | first | last (tinytx_numerics.ops.POOL_MODES)
    w: np.ndarray          # [C][E] float
    b: np.ndarray          # [C] or None


def _producer_ref(rec, t):
    p = rec.g.producer_of.get(t)
    return node_ref(p) if p is not None else "graph input %r" % t


def find_prelude(rec, x_in, S, E):
    """The embedding that writes the encoder input x_in [S][E]."""
    v = rec.v
    t, pos = x_in, None
    p = rec.g.producer_of.get(t)
    if p is not None and p.op_type == "Add" and len(p.inputs) == 2 and sum(i in rec.static for i in p.inputs) == 1:
        const = next(i for i in p.inputs if i in rec.static)
        t = next(i for i in p.inputs if i not in rec.static)
        if v[t].size != S * E:
            raise NotMapped("the constant added by %s is broadcast over more than the tokens" % node_ref(p))
        pos = np.broadcast_to(v[const], v[x_in].shape).reshape(S, E).astype(np.float64)
    o = rec.tracer.origin(t)
    ids, fac = o.ids.reshape(S, E), o.factor.reshape(S, E)
    const_rows = [r for r in range(S) if np.all(ids[r] < 0)]
    cls = None
    if const_rows == [0]:
        cls = v[t].reshape(S, E)[0].astype(np.float64)
    elif const_rows:
        raise NotMapped("rows %s of the encoder input are constants: only a CLS token before the embedded rows "
                        "(row 0) maps" % const_rows)
    first = 1 if cls is not None else 0
    S_in = S - first
    if len(o.leaves) != 1 or not np.array_equal(ids[first:].ravel(), np.arange(S_in * E)):
        raise NotMapped("the encoder input is not the rows of one linear layer's output in order (it comes from "
                        "%s): an embedding maps as linear, then an optional CLS concatenation before it, then an "
                        "optional added constant" % ", ".join(_producer_ref(rec, leaf) for leaf, _, _ in o.leaves))
    leaf = o.leaves[0][0]
    lin = next((b for b in rec.linears if b.out == leaf), None)
    if lin is None:
        raise NotMapped("the encoder input comes from %s, not a linear embedding" % _producer_ref(rec, leaf))
    f = fac[first:].ravel()
    if not np.all(f == f[0]):
        raise NotMapped("the embedding %s is scaled unevenly before the encoder" % node_ref(lin.nodes[0]))
    src = rec.tracer.source(lin.inp)
    if src is None or src[0] != rec.g.input_name:
        raise NotMapped("the embedding %s reads %s, not the graph input: normalize the features before the model "
                        "(or fold the normalization into the embedding's weights)" % (
                            node_ref(lin.nodes[0]), _producer_ref(rec, lin.inp)))
    scale = float(f[0]) * src[1]
    w = np.asarray(lin.params["w"], dtype=np.float64) * scale
    b = None if lin.params["b"] is None else np.asarray(lin.params["b"], dtype=np.float64) * float(f[0])
    return Prelude(w, b, cls, pos, S_in, int(w.shape[1])), lin


def find_head(rec, y, S, E):
    """Pooling of the encoder output y [S][E] and the linear layer that writes the graph output."""
    out = rec.g.output_names[0]
    src = rec.tracer.source(out)
    lin = next((b for b in rec.linears if src is not None and b.out == src[0]), None)
    if lin is None or src[1] != 1.0:
        raise NotMapped("the graph output comes from %s, not a linear layer: a head maps as pooling then one linear "
                        "layer; export the logits (argmax, hence top-1, is the same without a final softmax)"
                        % _producer_ref(rec, src[0] if src else out))
    o = rec.tracer.origin(lin.inp)
    ids = o.ids.ravel()
    if len(o.leaves) == 1 and o.leaves[0][0] == y and ids.size == E and ids.min() >= 0 \
            and np.all(o.factor.ravel() == 1.0):
        k = int(ids[0]) // E
        if np.array_equal(ids, k * E + np.arange(E)) and k in (0, S - 1):
            return Head("first" if k == 0 else "last", lin.params["w"], lin.params["b"]), lin
        raise NotMapped("the head %s reads token %d of the encoder output: the first (CLS) or the last token, or the "
                        "mean, map" % (node_ref(lin.nodes[0]), k))
    s = o.single()
    leaf = o.leaves[0][0] if len(o.leaves) == 1 else None
    p = rec.g.producer_of.get(leaf) if leaf else None
    if s is not None and s[1] == 1.0 and p is not None and p.op_type == "ReduceMean" and \
            rec.tracer.source(p.inputs[0]) == (y, 1.0) and rec.v[leaf].size == E and \
            np.allclose(rec.v[leaf].ravel(), rec.v[y].reshape(S, E).mean(axis=0), rtol=1e-5, atol=1e-6):
        return Head("mean", lin.params["w"], lin.params["b"]), lin
    norm = next((b for b in rec.norms if leaf is not None and b.out == leaf), None)
    if norm is not None:
        raise NotMapped("the head %s reads LayerNorm %s, which normalizes %s, not every token of the encoder output: "
                        "a LayerNorm maps before the pooling, of every token (nn.TransformerEncoder(..., "
                        "norm=nn.LayerNorm(E)), as ViT), not after it" % (
                            node_ref(lin.nodes[0]), node_ref(norm.nodes[0]), _producer_ref(rec, norm.inp)))
    if p is not None and p.op_type == "ReduceMean" and rec.tracer.source(p.inputs[0]) != (y, 1.0):
        raise NotMapped("the head's mean %s is of %s, not of the encoder's output: after the layers, a LayerNorm "
                        "of every token, then pooling and one linear layer map (export the logits of that form)"
                        % (node_ref(p), _producer_ref(rec, p.inputs[0])))
    raise NotMapped("the head %s reads %s: it maps when it reads the mean over the tokens (ReduceMean), the first "
                    "token (CLS) or the last one, of the encoder output" % (
                        node_ref(lin.nodes[0]), _producer_ref(rec, leaf or lin.inp)))
