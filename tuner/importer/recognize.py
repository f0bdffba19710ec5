"""From an evaluated ONNX graph to the model IR's encoder: find the blocks, then walk the
residual stream layer by layer, post-norm (x -> attention -> add -> LayerNorm -> FFN -> add ->
LayerNorm) or pre-norm (x -> LayerNorm -> attention -> add to x -> LayerNorm -> FFN -> add; every
layer of a model the same). What comes before the first layer may only be a linear embedding (plus a constant,
e.g. a positional encoding, and a concatenated CLS token); what comes after the last one is an optional final
LayerNorm of every token (the ViT form of a pre-norm stack), which joins the integer model, then the head
(pooling, linear layers, activations, softmax). Where they take the forms of the integer operators (ends.py) they join
the integer model; otherwise they stay float on the host, with a warning saying why. Every node that
influences the output must be claimed by one of these, or the import is refused naming it.
"""

from dataclasses import dataclass, field

import numpy as np

from attention import AttentionFinder
from blocks import Finder
from ends import NotMapped, find_head, find_prelude
from interpreter import LAYOUT
from layout import Tracer
from refusal import Refusal, node_list, node_ref


@dataclass
class FloatLayer:
    w: dict          # wq bq wk bk wv bv wo bo w1 b1 w2 b2 (float64, [out][in]; biases may be None)
    ln1: dict        # gamma beta eps
    ln2: dict
    act: str         # gelu | relu
    info: dict = field(default_factory=dict)


@dataclass
class Encoder:
    x_in: str        # the tensor the first layer reads
    y_out: str       # the tensor the last layer writes, or the final LayerNorm when there is one
    dims: dict       # S E H P F
    layers: list
    prelude: list    # node names before the encoder
    head: list       # node names after it (after the final LayerNorm)
    classifier: bool = False   # the head has a linear layer: its argmax is a class
    norm: str = "post"         # post | pre (NUMERICS.md "Encoder layer")
    embed: object = None       # ends.Prelude when the prelude maps onto the integer operators
    pool_head: object = None   # ends.Head when the head does
    final_norm: dict = None    # gamma beta eps of a LayerNorm of every token after the last layer
    final_norm_name: str = None
    host_notes: list = field(default_factory=list)   # why an end with a linear layer stays float


HEAD_OPS = set(LAYOUT) | {"Cast", "ReduceMean", "ReduceSum", "ReduceMax", "Softmax", "LogSoftmax", "Tanh", "Sigmoid"}
PRELUDE_OPS = set(LAYOUT) | {"Cast"}


class Recognizer:
    def __init__(self, graph, values, static):
        self.g, self.v, self.static = graph, values, static
        f = Finder(graph, values, static)
        self.linears = f.linears()
        self.norms = f.layernorms()
        self.acts = f.activations()
        self.tracer = Tracer(graph, values, static)
        self.tracer.boundaries = {b.out for b in self.linears + self.norms + self.acts}
        self.claimed = set()
        self.order = {n.name: n.index for n in graph.nodes}

    def claim(self, nodes):
        self.claimed.update(n.index for n in nodes)

    def src(self, t):
        """The leaf tensor t is a plain re-layout of (claiming the layout nodes), else None."""
        o = self.tracer.origin(t)
        s = o.single()
        if s is None or s[1] != 1.0:
            return None
        self.claim(o.nodes)
        return s[0]

    def reading(self, blocks, t, used=()):
        return [b for b in blocks if b not in used and self.tracer.source(b.inp) == (t, 1.0)]

    def one(self, blocks, t, what, after, used=()):
        found = self.reading(blocks, t, used)
        if len(found) != 1:
            cons = self.g.consumers(t)
            raise Refusal("%s: expected %s reading its output, found %s" % (
                after, what, "none (its consumers: %s)" % (node_list(cons) or "none") if not found
                else "%d" % len(found)))
        b = found[0]
        self.src(b.inp)
        self.claim(b.nodes)
        return b

    def find_residual(self, a, b):
        """The Add node of two dynamic tensors that are re-layouts of a and b, or None."""
        for n in self.g.nodes:
            if n.op_type == "Add" and len(n.inputs) == 2 and all(i not in self.static for i in n.inputs):
                if {self.tracer.source(i) for i in n.inputs} == {(a, 1.0), (b, 1.0)}:
                    return n
        return None

    def residual(self, a, b):
        """find_residual, claiming the Add and the layout nodes on its inputs."""
        n = self.find_residual(a, b)
        if n is not None:
            for i in n.inputs:
                self.src(i)
            self.claim([n])
        return n

    def norm_before(self, att):
        """The LayerNorm whose output the attention reads, when its input also reaches the
        attention output's residual add (a pre-norm layer), else None."""
        for b in self.norms:
            if b.out == att.inp:
                s = self.tracer.source(b.inp)
                if s is not None and s[1] == 1.0 and self.find_residual(s[0], att.out) is not None:
                    return b
        return None

    def attentions(self):
        af = AttentionFinder(self.g, self.v, self.static, self.tracer, self.linears)
        groups = [h for h in (af.heads(n) for n in self.g.nodes if n.op_type == "Softmax"
                              and n.inputs[0] not in self.static and self._is_attention(n)) if h]
        by_av = {g.av_out: g for g in groups}
        outs = []
        used = set()
        for lin in self.linears:
            o = self.tracer.origin(lin.inp)
            mine = [lf[0] for lf in o.leaves if lf[0] in by_av]
            if mine:
                outs.append(af.attention(lin, [by_av[m] for m in dict.fromkeys(mine)]))
                used.update(mine)
        for g in groups:
            if g.av_out not in used:
                raise Refusal("attention at softmax %s: its result reaches no output projection" % node_ref(g.softmax))
        return sorted(outs, key=lambda a: self.order[a.info["softmax"][0]])

    def _is_attention(self, soft):
        """A softmax over a product of two computed tensors (a head's softmax is not)."""
        p = self.g.producer_of.get(self.tracer.origin(soft.inputs[0]).leaves[0][0])
        while p is not None and p.op_type in ("Add", "Where", "Mul", "Div"):
            nxt = [i for i in p.inputs if i and i not in self.static]
            if not nxt:
                return False
            p = self.g.producer_of.get(self.tracer.origin(nxt[0]).leaves[0][0])
        return p is not None and p.op_type == "MatMul" and all(i not in self.static for i in p.inputs)

    def layer(self, att, x, k):
        """A post-norm layer reading x; returns (FloatLayer, its output tensor)."""
        where = "layer %d" % k
        r1 = self.residual(x, att.out)
        if r1 is None:
            raise Refusal("%s: the attention output (projection %r) is not added to the attention input "
                          "(post-norm residual)" % (where, att.info["out_proj"]))
        self.claim(att.nodes)
        ln1 = self.one(self.norms, r1.outputs[0], "a LayerNorm (post-norm layer)", "%s: residual add %s" % (where, node_ref(r1)))
        l1, act, l2 = self.ffn(att, ln1.out, where, "LayerNorm %s" % node_ref(ln1.nodes[0]))
        r2 = self.residual(ln1.out, l2.out)
        if r2 is None:
            raise Refusal("%s: the FFN output %s is not added to the LayerNorm output %s (post-norm residual)"
                          % (where, node_ref(l2.nodes[0]), node_ref(ln1.nodes[0])))
        ln2 = self.one(self.norms, r2.outputs[0], "a LayerNorm (post-norm layer)", "%s: residual add %s" % (where, node_ref(r2)))
        return self.float_layer(att, ln1, ln2, l1, act, l2, where, residual1=r1.name, residual2=r2.name,
                                out_tensor=ln2.out), ln2.out

    def layer_pre(self, att, x, k):
        """A pre-norm layer whose residual stream is x; returns (FloatLayer, its output tensor)."""
        where = "layer %d" % k
        ln1 = self.norm_before(att)
        if ln1 is None or self.tracer.source(ln1.inp) != (x, 1.0):
            raise Refusal("%s: attention at softmax %r does not read a LayerNorm of the previous layer's output "
                          "(every layer of a pre-norm model must be pre-norm)" % (where, att.info["softmax"][0]))
        self.src(ln1.inp)
        self.claim(ln1.nodes)
        r1 = self.residual(x, att.out)
        self.claim(att.nodes)
        ln2 = self.one(self.norms, r1.outputs[0], "a LayerNorm (pre-norm layer: the FFN's input)",
                       "%s: residual add %s" % (where, node_ref(r1)))
        l1, act, l2 = self.ffn(att, ln2.out, where, "LayerNorm %s" % node_ref(ln2.nodes[0]))
        r2 = self.residual(r1.outputs[0], l2.out)
        if r2 is None:
            raise Refusal("%s: the FFN output %s is not added to the residual stream %s (pre-norm residual)"
                          % (where, node_ref(l2.nodes[0]), node_ref(r1)))
        return self.float_layer(att, ln1, ln2, l1, act, l2, where, residual1=r1.name, residual2=r2.name,
                                out_tensor=r2.outputs[0]), r2.outputs[0]

    def ffn(self, att, t, where, after):
        """linear -> activation -> linear reading tensor t (after names t's producer)."""
        att_lin = {id(n) for n in att.nodes}
        lins = [b for b in self.linears if id(b.nodes[0]) not in att_lin]
        l1 = self.one(lins, t, "the FFN's first linear layer", "%s: %s" % (where, after))
        act = self.one(self.acts, l1.out, "a GELU (erf or tanh form) or ReLU", "%s: FFN linear %s" % (where, node_ref(l1.nodes[0])))
        l2 = self.one(lins, act.out, "the FFN's second linear layer", "%s: activation %s" % (where, node_ref(act.nodes[0])))
        return l1, act, l2

    def float_layer(self, att, ln1, ln2, l1, act, l2, where, **info):
        w = dict(att.w, w1=l1.params["w"], b1=l1.params["b"], w2=l2.params["w"], b2=l2.params["b"])
        for key, a in list(w.items()) + [("ln1 " + k, v) for k, v in ln1.params.items()] + \
                [("ln2 " + k, v) for k, v in ln2.params.items()]:
            if a is not None and not np.all(np.isfinite(a)):
                raise Refusal("%s: parameter %s holds non-finite values" % (where, key))
        info = dict(att.info, ln1=ln1.name, ffn1=l1.name, activation=act.kind, activation_node=act.name,
                    ffn2=l2.name, ln2=ln2.name, **info)
        return FloatLayer(w, ln1.params, ln2.params, act.kind, info)

    def ancestors(self, t, stop):
        """Dynamic nodes t depends on, not looking past tensor `stop`."""
        seen, todo, out = set(), [t], []
        while todo:
            x = todo.pop()
            if x in seen or x == stop or x in self.static:
                continue
            seen.add(x)
            p = self.g.producer_of.get(x)
            if p is not None:
                out.append(p)
                todo.extend(i for i in p.inputs if i)
        return list({n.index: n for n in out}.values())

    def host_side(self, nodes, allowed, blocks, where):
        """Claim the nodes of the prelude / head, refusing what the host side does not run."""
        in_block = {n.index for b in blocks for n in b.nodes}
        bad = []
        for n in sorted(nodes, key=lambda n: n.index):
            if n.index in in_block or n.index in self.claimed:
                continue
            if n.op_type in allowed or self.tracer.scale_of(n) is not None or \
                    (n.op_type == "Add" and sum(i in self.static for i in n.inputs) == 1):
                continue
            bad.append(n)
        if bad:
            raise Refusal("%s: cannot map %s" % (where, node_list(bad)))
        self.claim(nodes)
        return [n.name for n in sorted(nodes, key=lambda n: n.index)]

    def encoder(self):
        atts = self.attentions()
        if not atts:
            raise Refusal("no self-attention found (no Softmax over a product of projections): not an encoder")
        ln0 = self.norm_before(atts[0])
        norm = "pre" if ln0 is not None else "post"
        x = x_in = self.tracer.source(ln0.inp)[0] if ln0 is not None else atts[0].inp
        layers = []
        for k, att in enumerate(atts):
            if norm == "post" and att.inp != x:
                raise Refusal("layer %d: attention at softmax %r reads %r, not the output of layer %d"
                              % (k, att.info["softmax"][0], att.inp, k - 1))
            lay, x = (self.layer_pre if norm == "pre" else self.layer)(att, x, k)
            layers.append(lay)
        fin = self.final_norm(x)
        if fin is not None:
            x = fin.out
        out = self.g.output_names[0]
        g_in = self.g.input_name
        pre_nodes = self.ancestors(x_in, g_in)
        prelude = self.host_side(pre_nodes, PRELUDE_OPS, self.linears,
                                 "before the encoder (only a linear embedding and layout operators map)") \
            if pre_nodes else []
        head_nodes = self.ancestors(out, x)
        head = self.host_side(head_nodes, HEAD_OPS, self.linears + self.norms + self.acts,
                              "after the encoder (the head may pool, and use linear layers, activations, softmax)") \
            if head_nodes else []
        self._all_claimed(out)
        linear_nodes = {n.index for b in self.linears for n in b.nodes}
        classifier = any(n.index in linear_nodes for n in head_nodes)
        dims = self._dims(atts, layers)
        enc = Encoder(x_in, x, dims, layers, prelude, head, classifier, norm)
        if fin is not None:
            enc.final_norm, enc.final_norm_name = fin.params, fin.name
        S, E = dims["S"], dims["E"]
        for where, nodes, find, key, tensor in (("embedding", pre_nodes, find_prelude, "embed", x_in),
                                                 ("head", head_nodes, find_head, "pool_head", x)):
            if not any(n.index in linear_nodes for n in nodes):
                continue
            try:
                setattr(enc, key, find(self, tensor, S, E)[0])
            except NotMapped as e:
                enc.host_notes.append("the %s stays float on the host (the emitted network is the encoder only "
                                      "there): %s" % (where, e))
        return enc

    def final_norm(self, y):
        """The LayerNorm of every token of the last layer's output y (nn.TransformerEncoder's
        norm=, the ViT form), claimed, or None."""
        found = [b for b in self.norms if self.tracer.source(b.inp) == (y, 1.0) and
                 not any(n.index in self.claimed for n in b.nodes)]
        if len(found) != 1:
            return None
        self.src(found[0].inp)
        self.claim(found[0].nodes)
        return found[0]

    def _all_claimed(self, out):
        missing = [n for n in self.ancestors(out, None) if n.index not in self.claimed]
        if missing:
            raise Refusal("cannot map %s: not part of a recognized encoder layer, embedding or head"
                          % node_list(sorted(missing, key=lambda n: n.index)))

    def _dims(self, atts, layers):
        S = self.v[atts[0].inp].size // self.v[atts[0].inp].shape[-1]
        E = self.v[atts[0].inp].shape[-1]
        d = dict(S=int(S), E=int(E), H=atts[0].H, P=atts[0].P, F=int(layers[0].w["w1"].shape[0]))
        for k, (a, lay) in enumerate(zip(atts, layers)):
            got = dict(H=a.H, P=a.P, F=int(lay.w["w1"].shape[0]), E=int(lay.w["wq"].shape[1]))
            for key, v in got.items():
                if v != d[key]:
                    raise Refusal("layer %d: %s = %d differs from layer 0's %d: the model IR has one %s for all layers"
                                  % (k, key, v, d[key], key))
        return d
