"""Self-attention found from its Softmax: scores = (scalar) * Q.K^T [+ all-zero mask],
softmax over the keys, times V, into an output projection. Q, K and V are linear projections of
one tensor, laid out into heads by any chain of layout operators: the head / position mapping
is read from the index run (layout.py) and checked, then the weights are put into the kernels'
canonical order (row h*P + p of Wq, Wk, Wv is head h, position p; same columns of Wo), with the
score scaling folded into Wq so that the logits are q.k / sqrt(P) as docs/NUMERICS.md has it.
"""

import math
from dataclasses import dataclass, field

import numpy as np

from refusal import Refusal, node_ref


@dataclass
class Heads:
    """One Softmax: G heads (its batch dimensions), head size P, over S positions."""
    softmax: object
    q: object           # linear Blocks
    k: object
    v: object
    q_rows: np.ndarray  # [G][P]: row of q's weight feeding head g, position p
    k_rows: np.ndarray
    v_rows: np.ndarray
    alpha: float        # the scalar the logits are multiplied with
    v_scale: float      # a scalar on the probabilities or V, folded into Wv
    av_out: str         # the A.V product
    shape: tuple        # (G, S, P) of av_out
    nodes: list = field(default_factory=list)


@dataclass
class Attention:
    inp: str
    out: str
    H: int
    P: int
    w: dict             # wq bq wk bk wv bv wo bo, canonical, float64 (biases may be None)
    nodes: list
    info: dict


def _rows(ids, n_out, axis_tok, what, soft):
    """Per element: token and output channel of a linear with n_out channels. The token must
    equal the position along axis_tok and the channel must not depend on it."""
    tok, ch = ids // n_out, ids % n_out
    pos = np.arange(ids.shape[axis_tok]).reshape([-1 if a == axis_tok else 1 for a in range(3)])
    if np.any(tok != pos):
        raise Refusal("attention at softmax %s: %s does not keep positions in order" % (node_ref(soft), what))
    first = np.take(ch, [0], axis=axis_tok)
    if np.any(ch != first):
        raise Refusal("attention at softmax %s: %s mixes channels across positions" % (node_ref(soft), what))
    return np.squeeze(first, axis=axis_tok)


class AttentionFinder:
    def __init__(self, graph, values, static, tracer, linears):
        self.g, self.v, self.static, self.t = graph, values, static, tracer
        self.lin_by_out = {b.out: b for b in linears}
        self.matmuls = [n for n in graph.nodes if n.op_type == "MatMul" and all(i not in static for i in n.inputs)]

    def _single(self, tensor, soft, what):
        o = self.t.origin(tensor)
        if len(o.leaves) != 1 or np.any(o.ids < 0):
            raise Refusal("attention at softmax %s: %s is assembled from %d tensors; expected one projection"
                          % (node_ref(soft), what, len(o.leaves)))
        f = o.factor.ravel()
        if not np.allclose(f, f[0], rtol=1e-12, atol=0):
            raise Refusal("attention at softmax %s: %s is scaled unevenly" % (node_ref(soft), what))
        return o, float(f[0])

    def _linear(self, leaf, soft, what):
        lin = self.lin_by_out.get(leaf)
        if lin is None:
            p = self.g.producer_of.get(leaf)
            raise Refusal("attention at softmax %s: the %s comes from %s, not from a linear projection"
                          % (node_ref(soft), what, node_ref(p) if p else "the graph input"))
        return lin

    def heads(self, soft):
        if soft.inputs[0] in self.static:
            return None
        x = self.v[soft.inputs[0]]
        axis = soft.attrs.get("axis", -1 if self.g.opset >= 13 else 1)
        if int(axis) % x.ndim != x.ndim - 1:
            raise Refusal("softmax %s normalizes axis %d, not the last (keys) axis" % (node_ref(soft), int(axis)))
        nodes, alpha, t = [soft], 1.0, soft.inputs[0]
        while True:
            o, f = self._single(t, soft, "its score input")
            if o.single() is None:
                raise Refusal("attention at softmax %s: the scores are re-ordered before the softmax" % node_ref(soft))
            nodes += o.nodes
            alpha *= f
            leaf = o.leaves[0][0]
            p = self.g.producer_of.get(leaf)
            if p is not None and p.op_type == "Add" and sum(i in self.static for i in p.inputs) == 1:
                mask = self.v[next(i for i in p.inputs if i in self.static)]
                if np.any(mask != 0):
                    raise Refusal("node %s adds a mask to the attention scores of softmax %s: masked (causal or "
                                  "padding) attention cannot be mapped, the integer attention attends to every position"
                                  % (node_ref(p), node_ref(soft)))
                nodes.append(p)
                t = next(i for i in p.inputs if i not in self.static)
                continue
            if p is not None and p.op_type == "Where":
                raise Refusal("node %s masks the attention scores of softmax %s: masked (causal or padding) attention "
                              "cannot be mapped" % (node_ref(p), node_ref(soft)))
            if p is None or p.op_type != "MatMul" or any(i in self.static for i in p.inputs):
                raise Refusal("attention at softmax %s: the scores come from %s, not from a product Q.K^T"
                              % (node_ref(soft), node_ref(p) if p else "the graph input"))
            qk = p
            break
        nodes.append(qk)
        (oq, fq), (ok, fk) = self._single(qk.inputs[0], soft, "query"), self._single(qk.inputs[1], soft, "key")
        lq, lk = self._linear(oq.leaves[0][0], soft, "query"), self._linear(ok.leaves[0][0], soft, "key")
        aq, ak = self.v[qk.inputs[0]], self.v[qk.inputs[1]]
        if aq.ndim < 2 or ak.ndim < 2 or aq.shape[:-2] != ak.shape[:-2]:
            raise Refusal("attention at softmax %s: query %s and key %s do not pair head by head"
                          % (node_ref(soft), list(aq.shape), list(ak.shape)))
        G = int(np.prod(aq.shape[:-2], dtype=np.int64))
        S, P = aq.shape[-2], aq.shape[-1]
        if ak.shape[-1] != S:
            raise Refusal("attention at softmax %s: %d queries against %d keys: only self-attention maps"
                          % (node_ref(soft), S, ak.shape[-1]))
        q_rows = _rows(oq.ids.reshape(G, S, P), lq.params["w"].shape[0], 1, "the query", soft)
        k_rows = _rows(ok.ids.reshape(G, P, S), lk.params["w"].shape[0], 2, "the key", soft)
        nodes += oq.nodes + ok.nodes

        av = [m for m in self.matmuls if self.t.source(m.inputs[0]) is not None
              and self.t.source(m.inputs[0])[0] == soft.outputs[0]]
        if len(av) != 1:
            raise Refusal("attention at softmax %s: its probabilities feed %d products with V, expected one"
                          % (node_ref(soft), len(av)))
        av = av[0]
        fp = self.t.source(av.inputs[0])[1]
        nodes += self.t.origin(av.inputs[0]).nodes + [av]
        ov, fv = self._single(av.inputs[1], soft, "value")
        lv = self._linear(ov.leaves[0][0], soft, "value")
        vv = self.v[av.inputs[1]]
        if vv.shape[:-2] != aq.shape[:-2] or vv.shape[-2] != S:
            raise Refusal("attention at softmax %s: value %s does not match the scores" % (node_ref(soft), list(vv.shape)))
        Pv = vv.shape[-1]
        v_rows = _rows(ov.ids.reshape(G, S, Pv), lv.params["w"].shape[0], 1, "the value", soft)
        nodes += ov.nodes
        if Pv != P:
            raise Refusal("attention at softmax %s: value head size %d differs from query head size %d: the "
                          "integer attention has one P" % (node_ref(soft), Pv, P))
        return Heads(soft, lq, lk, lv, q_rows, k_rows, v_rows, alpha * fq * fk, fp * fv, av.outputs[0],
                     (G, S, P), nodes)

    def attention(self, out_lin, groups):
        """The attention whose output projection is out_lin over the A.V products of groups."""
        o = self.t.origin(out_lin.inp)
        names = [lf[0] for lf in o.leaves]
        by_out = {g.av_out: g for g in groups}
        ref = node_ref(out_lin.nodes[0])
        if np.any(o.ids < 0) or any(n not in by_out for n in names):
            raise Refusal("output projection %s mixes attention heads with other tensors" % ref)
        f = o.factor.ravel()
        if not np.allclose(f, f[0], rtol=1e-12, atol=0):
            raise Refusal("output projection %s: its input is scaled unevenly" % ref)
        wo = out_lin.params["w"] * f[0]
        N = wo.shape[1]
        ids = o.ids.reshape(-1, N)
        S = ids.shape[0]
        leaf = o.leaf_of(ids)
        h_of, s_of, p_of = (np.zeros((S, N), dtype=np.int64) for _ in range(3))
        for gi, (name, off, _) in enumerate(o.leaves):
            m = leaf == gi
            h_of[m], s_of[m], p_of[m] = np.unravel_index(ids[m] - off, by_out[name].shape)
        if np.any(s_of != np.arange(S)[:, None]):
            raise Refusal("output projection %s: attention rows are re-ordered" % ref)
        key = leaf * (1 << 32) + h_of   # (group, local head)
        head_of = {k: i for i, k in enumerate(dict.fromkeys(key[0].tolist()))}   # in the order Wo reads them
        if len({g.shape[2] for g in groups}) != 1:
            raise Refusal("output projection %s: its heads differ in size: the integer attention has one P" % ref)
        P = groups[0].shape[2]
        cols = np.vectorize(lambda k: head_of.get(k, -1))(key) * P + p_of
        if np.any(cols != cols[0]):
            raise Refusal("output projection %s: heads are mixed differently per position" % ref)
        H = len(head_of)
        if sorted(cols[0]) != list(range(H * P)) or N != H * P:
            raise Refusal("output projection %s: reads %d columns, not each of %d heads x %d once" % (ref, N, H, P))
        srcs = set()
        w = {k: np.zeros((H * P, groups[0].q.params["w"].shape[1])) for k in ("wq", "wk", "wv")}
        b = {k: np.zeros(H * P) for k in ("bq", "bk", "bv")}
        has_b = {"bq": False, "bk": False, "bv": False}
        for k, hg in head_of.items():
            gi, h = k >> 32, k & 0xFFFFFFFF
            grp = by_out[names[gi]]
            rows = slice(hg * P, (hg + 1) * P)
            for k, lin, sel, scale in (("q", grp.q, grp.q_rows, grp.alpha * math.sqrt(P)),
                                       ("k", grp.k, grp.k_rows, 1.0), ("v", grp.v, grp.v_rows, grp.v_scale)):
                if lin.params["w"].shape[1] != w["w" + k].shape[1]:
                    raise Refusal("attention at softmax %s: projections of different input sizes" % node_ref(grp.softmax))
                w["w" + k][rows] = lin.params["w"][sel[h]] * scale
                if lin.params["b"] is not None:
                    b["b" + k][rows] = lin.params["b"][sel[h]] * scale
                    has_b["b" + k] = True
                srcs.add(lin.inp)
        inp, in_nodes = self._stream_input(srcs, groups)
        wc = np.zeros_like(wo)
        wc[:, cols[0]] = wo
        bo = None if out_lin.params["b"] is None else out_lin.params["b"].copy()
        weights = dict(w, wo=wc, bo=bo, **{k: (b[k] if has_b[k] else None) for k in b})
        nodes = [n for g in groups for n in g.nodes] + o.nodes + \
            [n for g in groups for lin in (g.q, g.k, g.v) for n in lin.nodes] + out_lin.nodes + in_nodes
        info = {"softmax": [g.softmax.name for g in groups], "out_proj": out_lin.name,
                "q": sorted({g.q.name for g in groups}), "k": sorted({g.k.name for g in groups}),
                "v": sorted({g.v.name for g in groups}),
                "score_scale": sorted({g.alpha for g in groups}), "heads": H, "P": P}
        return Attention(inp, out_lin.out, H, P, weights, nodes, info)

    def _stream_input(self, srcs, groups):
        """The one tensor Q, K and V are projected from (self-attention)."""
        found, nodes = set(), []
        for s in srcs:
            o = self.t.origin(s)
            src = o.single()
            if src is None or src[1] != 1.0:
                raise Refusal("attention at softmax %s: a projection input is re-ordered or scaled"
                              % node_ref(groups[0].softmax))
            found.add(src[0])
            nodes += o.nodes
        if len(found) != 1:
            raise Refusal("attention at softmax %s: query, key and value are projected from different tensors (%s): "
                          "only self-attention maps" % (node_ref(groups[0].softmax), ", ".join(sorted(found))))
        return found.pop(), nodes
