"""The elementary blocks an encoder is made of, found in the graph: linear layers (MatMul with a
constant weight [+ bias] or Gemm), LayerNorm (the operator or its decomposed form), GELU (the
erf form, checked against its value) and ReLU. Each block claims the nodes it is made of."""

import math
from dataclasses import dataclass, field

import numpy as np

from float_encoder import activation


@dataclass
class Block:
    kind: str          # linear, layernorm, gelu, relu
    inp: str
    out: str
    nodes: list
    params: dict = field(default_factory=dict)

    @property
    def name(self):
        return self.nodes[0].name


class Finder:
    def __init__(self, graph, values, static):
        self.g, self.v, self.static = graph, values, static

    def dyn(self, t):
        return bool(t) and t not in self.static

    def const(self, t):
        return self.v[t] if t and t in self.static else None

    def scalar(self, t):
        c = self.const(t)
        return float(c.ravel()[0]) if c is not None and c.size == 1 and c.dtype.kind == "f" else None

    def only_consumer(self, t):
        cs = self.g.consumers(t)
        return cs[0] if len(cs) == 1 and t not in self.g.output_names else None

    def other(self, node, t):
        """The other input of a binary node, given one of them."""
        a, b = node.inputs[0], node.inputs[1]
        return b if a == t else a if b == t else None

    def last_axis(self, node, t, axes):
        rank = self.v[t].ndim
        return axes is not None and len(axes) == 1 and int(axes[0]) % max(rank, 1) == rank - 1

    # ---- linear ---------------------------------------------------------------------------
    def linears(self):
        out = []
        for n in self.g.nodes:
            if n.op_type == "MatMul" and self.dyn(n.inputs[0]) and self.const(n.inputs[1]) is not None \
                    and self.v[n.inputs[1]].ndim == 2:
                w = self.v[n.inputs[1]].T
                out.append(self._with_bias(Block("linear", n.inputs[0], n.outputs[0], [n], {"w": w, "b": None})))
            elif n.op_type == "Gemm" and self.dyn(n.inputs[0]) and self.const(n.inputs[1]) is not None \
                    and not int(n.attrs.get("transA", 0)):
                b_mat = self.v[n.inputs[1]]
                w = (b_mat if int(n.attrs.get("transB", 0)) else b_mat.T) * float(n.attrs.get("alpha", 1.0))
                bias = None
                if len(n.inputs) > 2 and n.inputs[2]:
                    c = self.const(n.inputs[2])
                    if c is None or c.size not in (1, w.shape[0]):
                        continue
                    bias = np.broadcast_to(c.ravel(), (w.shape[0],)) * float(n.attrs.get("beta", 1.0))
                out.append(Block("linear", n.inputs[0], n.outputs[0], [n], {"w": w, "b": bias}))
        return out

    def _with_bias(self, blk):
        nxt = self.only_consumer(blk.out)
        if nxt is None or nxt.op_type != "Add":
            return blk
        c = self.const(self.other(nxt, blk.out))
        N = blk.params["w"].shape[0]
        if c is None or c.dtype.kind != "f" or c.size != N or c.shape[-1] != N:
            return blk
        blk.params["b"] = c.ravel().copy()
        blk.out = nxt.outputs[0]
        blk.nodes.append(nxt)
        return blk

    # ---- LayerNorm ------------------------------------------------------------------------
    def layernorms(self):
        out = []
        for n in self.g.nodes:
            if n.op_type == "LayerNormalization" and self.dyn(n.inputs[0]):
                x = n.inputs[0]
                if int(n.attrs.get("axis", -1)) % self.v[x].ndim != self.v[x].ndim - 1:
                    continue
                E = self.v[x].shape[-1]
                gamma = self.const(n.inputs[1])
                beta = self.const(n.inputs[2]) if len(n.inputs) > 2 and n.inputs[2] else np.zeros(E)
                if gamma is None or beta is None or gamma.size not in (1, E) or beta.size not in (1, E):
                    continue
                out.append(Block("layernorm", x, n.outputs[0], [n],
                                 {"gamma": np.broadcast_to(gamma.ravel(), (E,)).copy(),
                                  "beta": np.broadcast_to(beta.ravel(), (E,)).copy(),
                                  "eps": float(n.attrs.get("epsilon", 1e-5))}))
            elif n.op_type == "ReduceMean" and self.dyn(n.inputs[0]):
                blk = self._decomposed_layernorm(n)
                if blk is not None:
                    out.append(blk)
        return out

    def _reduce_last(self, n):
        return n.op_type == "ReduceMean" and int(n.attrs.get("keepdims", 1)) == 1 and \
            self.last_axis(n, n.inputs[0], n.attrs.get("axes"))

    def _decomposed_layernorm(self, mean):
        """mean(x) -> d = x - mean -> var = mean(d^2) -> s = sqrt(var + eps) -> d / s
        (or d * 1/s) [* gamma] [+ beta], every intermediate used only there."""
        x = mean.inputs[0]
        if not self._reduce_last(mean):
            return None
        subs = [c for c in self.g.consumers(mean.outputs[0]) if c.op_type == "Sub" and c.inputs == [x, mean.outputs[0]]]
        if len(subs) != 1 or len(self.g.consumers(mean.outputs[0])) != 1:
            return None
        sub = subs[0]
        d = sub.outputs[0]
        cons = self.g.consumers(d)
        sq = [c for c in cons if (c.op_type == "Pow" and c.inputs[0] == d and self.scalar(c.inputs[1]) == 2.0)
              or (c.op_type == "Mul" and c.inputs == [d, d])]
        if len(sq) != 1 or len(cons) != 2:
            return None
        nodes = [mean, sub, sq[0]]
        var = self.only_consumer(sq[0].outputs[0])
        if var is None or not self._reduce_last(var):
            return None
        add = self.only_consumer(var.outputs[0])
        if add is None or add.op_type != "Add" or self.scalar(self.other(add, var.outputs[0])) is None:
            return None
        eps = self.scalar(self.other(add, var.outputs[0]))
        sqrt = self.only_consumer(add.outputs[0])
        if sqrt is None or sqrt.op_type != "Sqrt":
            return None
        nodes += [var, add, sqrt]
        norm = [c for c in cons if c is not sq[0]][0]
        s = sqrt.outputs[0]
        if norm.op_type == "Div" and norm.inputs == [d, s] and len(self.g.consumers(s)) == 1:
            nodes.append(norm)
        elif norm.op_type == "Mul" and self.other(norm, d) is not None:
            r = self.g.producer_of.get(self.other(norm, d))
            inv_ok = r is not None and len(self.g.consumers(s)) == 1 and self.only_consumer(r.outputs[0]) is norm and (
                (r.op_type == "Reciprocal" and r.inputs[0] == s) or
                (r.op_type == "Div" and r.inputs[1] == s and self.scalar(r.inputs[0]) == 1.0))
            if not inv_ok:
                return None
            nodes += [r, norm]
        else:
            return None
        E = self.v[x].shape[-1]
        affine, out = {"gamma": np.ones(E), "beta": np.zeros(E)}, norm.outputs[0]
        for op, key in (("Mul", "gamma"), ("Add", "beta")):   # optional, in this order
            nxt = self.only_consumer(out)
            c = self.const(self.other(nxt, out)) if nxt is not None and nxt.op_type == op else None
            if c is not None and c.dtype.kind == "f" and c.size in (1, E):
                affine[key], out = np.broadcast_to(c.ravel(), (E,)).copy(), nxt.outputs[0]
                nodes.append(nxt)
        return Block("layernorm", x, out, nodes, dict(affine, eps=eps))

    # ---- activations ----------------------------------------------------------------------
    def activations(self):
        out = []
        for n in self.g.nodes:
            if n.op_type == "Relu" and self.dyn(n.inputs[0]):
                out.append(Block("relu", n.inputs[0], n.outputs[0], [n]))
            elif n.op_type in ("Erf", "Tanh") and self.dyn(n.inputs[0]):
                blk = self._gelu(n)
                if blk is not None:
                    out.append(blk)
        return out

    def _gelu(self, anchor):
        """0.5 * x * (1 + erf(x / sqrt 2)), or its tanh approximation
        0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3))), in whatever order of Mul / Div / Add
        the export wrote it: the structure is followed from the Erf / Tanh, then the values must
        match the formula on the sample."""
        add = self.only_consumer(anchor.outputs[0])
        if add is None or add.op_type != "Add" or self.scalar(self.other(add, anchor.outputs[0])) != 1.0:
            return None
        x, post, t = None, [add], add.outputs[0]
        for _ in range(3):
            nxt = self.only_consumer(t)
            if nxt is None or nxt.op_type not in ("Mul", "Div") or self.other(nxt, t) is None:
                return None
            o = self.other(nxt, t)
            side = self.g.producer_of.get(o)
            if self.scalar(o) is not None:
                post.append(nxt)
            elif side is not None and side.op_type == "Mul" and self.only_consumer(o) is nxt and \
                    any(self.scalar(i) is not None for i in side.inputs) and (x is None or x in side.inputs):
                x = x or next(i for i in side.inputs if self.dyn(i))
                post += [side, nxt]
            elif self.dyn(o) and (x is None or o == x):
                x = o
                post.append(nxt)
            else:
                return None
            t = nxt.outputs[0]
            if x is None:
                continue
            pre = self._gelu_inner(anchor, x)
            if pre is None:
                return None
            kind = "gelu" if anchor.op_type == "Erf" else "gelu_tanh"
            got = self.v[t]
            if got.shape == self.v[x].shape and np.allclose(got, activation(self.v[x], kind), rtol=1e-6, atol=1e-9):
                return Block(kind, x, t, pre + [anchor] + post)
        return None

    def _gelu_inner(self, anchor, x):
        """The nodes computing the Erf / Tanh argument from x, if it is x / sqrt 2 (erf) or
        sqrt(2/pi) * (x + 0.044715 x^3) (tanh), made of Mul / Div / Add / Pow on x and scalars."""
        nodes, todo = [], [anchor.inputs[0]]
        while todo:
            t = todo.pop()
            if t == x or not self.dyn(t) or any(t in n.outputs for n in nodes):
                continue
            p = self.g.producer_of.get(t)
            if p is None or p.op_type not in ("Mul", "Div", "Add", "Pow") or len(nodes) >= 8:
                return None
            nodes.append(p)
            todo.extend(i for i in p.inputs if i)
        inside = {id(n) for n in nodes} | {id(anchor)}
        if any(id(c) not in inside for n in nodes for c in self.g.consumers(n.outputs[0])):
            return None   # an intermediate value is used elsewhere
        xv, arg = self.v[x], self.v[anchor.inputs[0]]
        want = xv / math.sqrt(2.0) if anchor.op_type == "Erf" else \
            math.sqrt(2.0 / math.pi) * (xv + 0.044715 * xv ** 3)
        if not nodes or arg.shape != want.shape or not np.allclose(arg, want, rtol=1e-6, atol=1e-9):
            return None
        return sorted(nodes, key=lambda n: n.index)
