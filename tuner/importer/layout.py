"""Where each element of a tensor comes from, through layout operators and scalar scalings.

Exports reach the same attention through very different Reshape / Transpose / Split / Slice /
Gather / Concat chains (batch first or not, packed in-projection or three linears, heads as a
batch dimension or a loop). Instead of matching those chains, the importer runs them on index
arrays: each source tensor ("leaf") gets distinct integer ids, the layout operators move the ids
exactly as they move the data, and the result says, per element, which element of which leaf it
is. Scalar Mul/Div by a constant ride along as a factor (they commute with layout).
"""

from dataclasses import dataclass

import numpy as np

from interpreter import LAYOUT, eval_node
from refusal import Refusal, node_ref


@dataclass
class Origin:
    leaves: list     # [(tensor, offset, size)] in order of discovery
    ids: np.ndarray  # same shape as the traced tensor; -1 where a constant was concatenated in
    factor: np.ndarray
    nodes: list      # the layout / scaling nodes traversed

    def leaf_of(self, ids):
        """Index into leaves of each id (ids >= 0)."""
        offsets = np.array([o for _, o, _ in self.leaves])
        return np.searchsorted(offsets, ids, side="right") - 1

    def single(self):
        """(leaf tensor, uniform factor) if this tensor is one leaf in its own element order, else None."""
        if len(self.leaves) != 1:
            return None
        name, _, size = self.leaves[0]
        if self.ids.size != size or not np.array_equal(self.ids.ravel(), np.arange(size)):
            return None
        f = self.factor.ravel()
        if not np.all(f == f[0]):
            return None
        return name, float(f[0])


class Tracer:
    """Origins in one graph, given the tensors that are boundaries (outputs of recognized blocks)."""

    def __init__(self, graph, values, static):
        self.g = graph
        self.values = values
        self.static = static
        self.boundaries = set()

    def scale_of(self, node):
        """(dynamic input, factor) if node multiplies / divides by a constant scalar, else None."""
        if node.op_type not in ("Mul", "Div") or len(node.inputs) != 2:
            return None
        a, b = node.inputs
        dyn = [t for t in (a, b) if t not in self.static]
        if len(dyn) != 1:
            return None
        c = b if dyn[0] == a else a
        if node.op_type == "Div" and c != b:
            return None
        v = self.values[c]
        if v.size != 1 or v.dtype.kind != "f" or float(v.ravel()[0]) == 0.0:
            return None
        s = float(v.ravel()[0])
        if self.values[node.outputs[0]].size != self.values[dyn[0]].size:
            return None   # the scalar broadcast must not replicate
        return dyn[0], (s if node.op_type == "Mul" else 1.0 / s)

    def passes(self, node):
        """Does tracing continue through this node?"""
        if node.op_type == "Cast":
            return int(node.attrs.get("to", 0)) in (1, 10, 11)   # float to float only
        return node.op_type in LAYOUT or self.scale_of(node) is not None

    def origin(self, tensor):
        leaves, nodes, memo = [], [], {}

        def trace(t):
            if t in memo:
                return memo[t]
            shape = self.values[t].shape
            if t in self.static:
                r = (np.full(shape, -1, dtype=np.int64), np.full(shape, np.nan))
                memo[t] = r
                return r
            p = self.g.producer_of.get(t)
            if p is None or t in self.boundaries or not self.passes(p):
                off = sum(s for _, _, s in leaves)
                size = int(np.prod(shape, dtype=np.int64))
                leaves.append((t, off, size))
                r = (off + np.arange(size, dtype=np.int64).reshape(shape), np.ones(shape))
                memo[t] = r
                return r
            nodes.append(p)
            sc = self.scale_of(p)
            if sc is not None or p.op_type == "Cast":
                ids, fac = trace(sc[0] if sc else p.inputs[0])
                shape_out = self.values[t].shape
                r = (ids.reshape(shape_out), (fac * (sc[1] if sc else 1.0)).reshape(shape_out))
            else:
                dyn_ins = [trace(i) if i and i not in self.static else None for i in p.inputs]
                k = p.outputs.index(t)
                if p.op_type == "Dropout" and k != 0:
                    raise Refusal("node %s: its mask output is used as data" % node_ref(p))
                ins_ids = [d[0] if d is not None else (self._static_in(p, i, -1) if i else None)
                           for d, i in zip(dyn_ins, p.inputs)]
                ins_fac = [d[1] if d is not None else (self._static_in(p, i, np.nan) if i else None)
                           for d, i in zip(dyn_ins, p.inputs)]
                r = (eval_node(p, ins_ids, self.g.opset)[k], eval_node(p, ins_fac, self.g.opset)[k])
            memo[t] = r
            return r

        ids, fac = trace(tensor)
        return Origin(leaves, ids, fac, nodes)

    def _static_in(self, node, t, fill):
        """A constant input of a layout node in an id / factor run: a concatenated constant is no
        element of any leaf (fill); index and shape inputs stay themselves."""
        if node.op_type == "Concat":
            return np.full(self.values[t].shape, fill)
        return self.values[t]

    def source(self, tensor):
        """(leaf, factor) when tensor is one leaf re-laid-out without reordering, else None."""
        return self.origin(tensor).single()
