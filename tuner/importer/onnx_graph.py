"""Reading an ONNX file into a plain graph (nodes, initializers as numpy arrays, one input).

Everything a truncated or corrupt file can get wrong is checked here, before any evaluation:
protobuf decoding, the onnx checker, opsets, names defined before use (no cycles), initializer
contents (sizes, finite values), attribute decoding. Each failure is a Refusal naming what.
"""

from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import numpy_helper

from refusal import Refusal

MAX_FILE_BYTES = 1 << 30
OPSET_MIN, OPSET_MAX = 11, 17


@dataclass
class Node:
    index: int
    name: str
    op_type: str
    inputs: list        # tensor names ("" = absent optional input)
    outputs: list
    attrs: dict = field(default_factory=dict)


@dataclass
class Graph:
    nodes: list
    initializers: dict  # name -> numpy array
    input_name: str
    input_dims: list    # int, or None where symbolic
    output_names: list
    opset: int
    producer: str
    sha256: str
    producer_of: dict = field(default_factory=dict)   # tensor -> Node
    consumers_of: dict = field(default_factory=dict)  # tensor -> [Node]

    def consumers(self, tensor):
        return self.consumers_of.get(tensor, [])


def _decode(data):
    if not data:
        raise Refusal("empty file: not an ONNX model")
    m = onnx.ModelProto()
    try:
        m.ParseFromString(data)
    except Exception as e:  # protobuf raises DecodeError (or RuntimeWarning-like errors) on bad bytes
        raise Refusal("not an ONNX model: protobuf decoding failed (%s)" % (str(e) or type(e).__name__))
    if not m.HasField("graph") or len(m.graph.node) == 0:
        raise Refusal("not an ONNX model: no graph with nodes (truncated file?)")
    return m


def _opset(m):
    versions = {}
    for o in m.opset_import:
        versions[o.domain] = o.version
    v = versions.get("", versions.get("ai.onnx"))
    if v is None:
        raise Refusal("no default-domain opset_import (truncated file?)")
    if not OPSET_MIN <= v <= OPSET_MAX:
        raise Refusal("opset %d: supported are %d..%d (export with torch.onnx.export(..., opset_version=14))"
                      % (v, OPSET_MIN, OPSET_MAX))
    return v


def _check(m):
    try:
        onnx.checker.check_model(m)
    except Exception as e:
        first = (str(e).strip().splitlines() or [type(e).__name__])[0]
        raise Refusal("invalid ONNX model: %s" % first[:300])


def _array(t, what):
    if t.data_location == onnx.TensorProto.EXTERNAL:
        raise Refusal("%s: external tensor data is not supported (save the model in one file)" % what)
    try:
        a = numpy_helper.to_array(t)
    except Exception as e:
        raise Refusal("%s: unreadable tensor (%s)" % (what, str(e).splitlines()[0][:200] if str(e) else type(e).__name__))
    if a.dtype.kind == "f":
        a = a.astype(np.float64)
        if np.any(np.isnan(a)):   # infinities are legitimate (attention masks); NaN is not
            raise Refusal("%s: holds NaN values" % what)
    elif a.dtype.kind in "iu":
        a = a.astype(np.int64)
    elif a.dtype.kind != "b":
        raise Refusal("%s: tensor type %s is not supported" % (what, a.dtype))
    return a


def _attrs(n, ref):
    out = {}
    for a in n.attribute:
        if a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS):
            raise Refusal("node %s: subgraph attributes (control flow) are not supported" % ref)
        if a.type == onnx.AttributeProto.TENSOR:
            out[a.name] = _array(a.t, "node %s attribute %s" % (ref, a.name))
            continue
        try:
            v = onnx.helper.get_attribute_value(a)
        except Exception:
            raise Refusal("node %s: attribute %r cannot be decoded" % (ref, a.name))
        out[a.name] = v.decode("utf-8", "replace") if isinstance(v, bytes) else v
    return out


# PyTorch's fused inference kernels, which it exports only as ATen fallbacks: torch takes them in
# eval mode when autograd is off (torch.no_grad() or inference_mode).
FAST_PATH_OPS = {"_transformer_encoder_layer_fwd": "nn.TransformerEncoderLayer",
                 "_native_multi_head_attention": "nn.MultiheadAttention"}


def _fast_path_hint(n):
    op = next((a.s.decode("utf-8", "replace") for a in n.attribute if a.name == "operator"), "")
    if n.op_type != "ATen" or op not in FAST_PATH_OPS:
        return ""
    return ("; aten::%s is PyTorch's fused fast path of %s, which it takes in eval mode with autograd off: "
            "call torch.onnx.export outside torch.no_grad() / torch.inference_mode() (model.eval() stays) "
            "and the layer exports as plain ONNX operators" % (op, FAST_PATH_OPS[op]))


def _dims(vi):
    t = vi.type
    if not t.HasField("tensor_type"):
        raise Refusal("graph input %r is not a tensor" % vi.name)
    if t.tensor_type.elem_type not in (onnx.TensorProto.FLOAT, onnx.TensorProto.DOUBLE, onnx.TensorProto.FLOAT16):
        raise Refusal("graph input %r: element type %s, expected float"
                      % (vi.name, onnx.TensorProto.DataType.Name(t.tensor_type.elem_type)))
    if not t.tensor_type.HasField("shape"):
        return None
    return [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None for d in t.tensor_type.shape.dim]


def read_graph(data, sha256=""):
    """Graph from the bytes of an ONNX file; Refusal when it is not one we can read."""
    if len(data) > MAX_FILE_BYTES:
        raise Refusal("file of %d bytes: larger than %d, not a tiny transformer" % (len(data), MAX_FILE_BYTES))
    m = _decode(data)
    opset = _opset(m)
    _check(m)
    g = m.graph
    inits = {}
    for t in g.initializer:
        inits[t.name] = _array(t, "initializer %r" % t.name)
    inputs = [vi for vi in g.input if vi.name not in inits]
    if len(inputs) != 1:
        raise Refusal("the graph has %d data inputs (%s): the importer takes one [S][features] input"
                      % (len(inputs), ", ".join(repr(v.name) for v in inputs) or "none"))
    dims = _dims(inputs[0])
    if dims is None or len(dims) not in (2, 3):
        raise Refusal("graph input %r: rank %s, expected [S][features] or a batch of 1 around it"
                      % (inputs[0].name, "unknown" if dims is None else len(dims)))
    if len(g.output) != 1:
        raise Refusal("the graph has %d outputs: the importer takes one" % len(g.output))

    defined = set(inits) | {inputs[0].name}
    nodes = []
    for i, n in enumerate(g.node):
        name = n.name or "%s_%d" % (n.op_type, i)
        ref = "'%s' (%s)" % (name, n.op_type)
        if n.domain not in ("", "ai.onnx"):
            raise Refusal("node %s: operator domain %r is not supported%s" % (ref, n.domain, _fast_path_hint(n)))
        for t in n.input:
            if t and t not in defined:
                raise Refusal("node %s: input %r is not defined before it (truncated or reordered graph?)" % (ref, t))
        for t in n.output:
            if t in defined:
                raise Refusal("node %s: output %r is defined twice" % (ref, t))
            if t:
                defined.add(t)
        nodes.append(Node(i, name, n.op_type, list(n.input), list(n.output), _attrs(n, ref)))
    out = g.output[0].name
    if out not in defined:
        raise Refusal("graph output %r is produced by no node" % out)
    graph = Graph(nodes, inits, inputs[0].name, dims, [out], opset, m.producer_name, sha256)
    for n in nodes:
        for t in n.outputs:
            graph.producer_of[t] = n
        for t in set(n.inputs):
            if t:
                graph.consumers_of.setdefault(t, []).append(n)
    return graph
