"""The import, end to end: read and check the ONNX file, evaluate it on the samples, recognize
the encoder, check the float path against the graph, quantize, run the integer pipeline, and
measure its accuracy. Returns everything the command writes; a Refusal says why not."""

import hashlib
from dataclasses import dataclass, field

import numpy as np
import onnx

import accuracy
import float_encoder
import quantize as Q
import quantize_ends as QE
import samples as SM
from interpreter import Interpreter, unsupported_nodes
from tinytx_numerics import spec as SP
from onnx_graph import read_graph
from recognize import Recognizer
from refusal import Refusal, node_list, node_ref

VERSION = "v1"
GENERATOR = "tinytx-import %s (onnx %s, numpy %s)" % (VERSION, onnx.__version__, np.__version__)
FLOAT_TOLERANCE = 1e-6   # relative to the largest value: the float path vs the graph, both float64
CLIP_WARNING = 0.01      # held-out / validation inputs saturating at the encoder input beyond this


@dataclass
class Options:
    onnx_path: str
    calib: str = None
    heldout: str = None
    input_layout: str = "auto"
    quantile: float = 0.9999
    per_channel: bool = True
    fused: bool = True
    min_cosine: float = None
    val: str = None           # .npz: x and y (labels) or ref (float outputs), for top-1 accuracy
    min_accuracy: float = None  # the int8 top-1 on val, a fraction


@dataclass
class Result:
    graph: object
    enc: object
    dims: dict
    layers: list              # [(w, scales)] for tinytx_numerics.spec.layer_json
    s_x: float
    s_out: float              # of the last layer's output, or of the final LayerNorm's when there is one
    prelude: object           # quantize_ends.IntPrelude, or None (the encoder input is the network's)
    final_norm: object        # quantize_ends.IntFinalNorm, or None
    head: object              # quantize_ends.IntHead, or None (the encoder output is the network's)
    x0_int: np.ndarray        # the first calibration sample, int8 [S][E]
    out_crc: int
    float_outputs: np.ndarray  # the float path's graph output per calibration sample
    report: dict
    warnings: list = field(default_factory=list)


class Evaluated:
    """The graph evaluated on a set of samples: encoder input / output and graph output."""

    def __init__(self, interp, enc, xs, layout, tensors):
        self.features = xs
        S, F = xs.shape[1], xs.shape[2]
        shape = SM.feed_shape(S, F, layout)
        self.feeds = [x.reshape(shape) for x in xs]
        runs = [interp.run(f) for f in self.feeds]
        E = enc.dims["E"]
        self.x_in = np.stack([r[enc.x_in].reshape(-1, E) for r in runs])
        self.layer_outs = [np.stack([r[t].reshape(-1, E) for r in runs]) for t in tensors]
        self.out = np.stack([r[interp.g.output_names[0]] for r in runs])
        self.y_shape = runs[0][enc.y_out].shape
        for what, a in (("encoder input", self.x_in), ("graph output", self.out)) + \
                tuple(("layer %d output" % k, a) for k, a in enumerate(self.layer_outs)):
            if not np.all(np.isfinite(a)):
                raise Refusal("the float model's %s is not finite on these samples" % what)


def _head(interp, enc, ev, y):
    """The graph output with the encoder output pinned to y [N][S][E] (the head, in float)."""
    if not enc.head:
        return y.reshape(ev.out.shape)
    out = interp.g.output_names[0]
    return np.stack([interp.run(f, {enc.y_out: yi.reshape(ev.y_shape)})[out] for f, yi in zip(ev.feeds, y)])


def _float_check(enc, ev, float_outs):
    """The float path must reproduce the graph layer by layer (and the final LayerNorm), or the
    recognition is wrong."""
    worst = 0.0
    for k, (mine, ref) in enumerate(zip(float_outs, ev.layer_outs)):
        err = float(np.abs(mine - ref).max()) / max(1.0, float(np.abs(ref).max()))
        worst = max(worst, err)
        if err > FLOAT_TOLERANCE:
            what = "layer %d (output %r)" % (k, enc.layers[k].info["out_tensor"]) if k < len(enc.layers) else \
                "the final LayerNorm %r" % enc.final_norm_name
            raise Refusal("%s: the recognized encoder does not reproduce the graph (relative error %.3g): the "
                          "mapping onto the model IR is wrong for this export" % (what, err))
    return worst


def _finite_output(graph, vals):
    """A non-finite output (NaN / infinite weights in a corrupt file) named by the node that
    first turned finite inputs into non-finite values."""
    if np.all(np.isfinite(vals[graph.output_names[0]])):
        return
    for n in graph.nodes:
        bad_in = [t for t in n.inputs if t and vals[t].dtype.kind == "f" and not np.all(np.isfinite(vals[t]))]
        bad_out = [t for t in n.outputs if t and vals[t].dtype.kind == "f" and not np.all(np.isfinite(vals[t]))]
        if bad_out and any(t in graph.initializers for t in bad_in):
            raise Refusal("the float model's output is not finite on the first sample: node %s reads initializer "
                          "%r, which holds infinite values" % (node_ref(n), next(t for t in bad_in if t in graph.initializers)))
        if bad_out and not bad_in:
            raise Refusal("the float model's output is not finite on the first sample: node %s is the first to "
                          "produce non-finite values" % node_ref(n))
    raise Refusal("the float model's output is not finite on the first sample")


def import_model(opt):
    with open(opt.onnx_path, "rb") as f:
        data = f.read()
    graph = read_graph(data, hashlib.sha256(data).hexdigest())
    bad = unsupported_nodes(graph)
    if bad:
        raise Refusal("unsupported operators: %s" % node_list(bad))
    layout = SM.input_layout(graph.input_dims, opt.input_layout)
    warnings = []
    xs = _calibration_samples(opt, graph, layout, warnings)
    interp = Interpreter(graph)
    vals = interp.run(xs[0].reshape(SM.feed_shape(xs.shape[1], xs.shape[2], layout)))
    _finite_output(graph, vals)
    rec = Recognizer(graph, vals, interp.static)
    enc = rec.encoder()
    tensors = [lay.info["out_tensor"] for lay in enc.layers] + ([enc.y_out] if enc.final_norm is not None else [])
    ev = Evaluated(interp, enc, xs, layout, tensors)

    float_outs = float_encoder.run(ev.x_in, enc)
    worst = _float_check(enc, ev, float_outs)
    float_graph_out = _head(interp, enc, ev, float_outs[-1])

    q = _quantize(opt, enc, ev, xs)
    warnings.extend(enc.host_notes)
    sets, labels = _evaluation_sets(opt, graph, layout, xs, interp, enc, tensors, ev, q)
    _clip_warnings(sets, q, warnings)
    acc = _accuracy(opt, sets, labels, interp, enc, q)
    fused_note = _apply_floors(opt, acc, q.layers, warnings)
    x0 = q.x_int[0]
    y0 = Q.run_layers(x0[None], q.layers, enc.dims, False, enc.norm)[0]
    crc_fused = (SP.crc32(Q.run_layers(x0[None], q.layers, enc.dims, True, enc.norm)[0])
                 if "wf" in q.layers[0][0] else None)
    report = _report(opt, graph, enc, xs, layout, q, worst, acc, fused_note, y0, crc_fused, warnings)
    return Result(graph, enc, enc.dims, q.layers, q.s_x, q.s_out, q.prelude, q.final_norm, q.head, x0, SP.crc32(y0),
                  float_graph_out, report, warnings)


def _calibration_samples(opt, graph, layout, warnings):
    """--calib's samples, or synthetic ones (with a warning that the scales may not fit real inputs)."""
    if opt.calib:
        return SM.load(opt.calib, graph.input_dims, layout, "--calib")
    xs = SM.synthetic(graph.input_dims, layout)
    warnings.append("no --calib: calibrated on %d synthetic standard-normal samples; the scales may not fit "
                    "real inputs" % len(xs))
    return xs


@dataclass
class Quantized:
    """The integer network: its layers and scales, and its ends where the graph has them."""
    prelude: object        # QE prelude (the integer embedding) or None
    layers: list
    s_x: float             # the encoder input's scale
    s_out: float           # the output's scale (after the final LayerNorm where there is one)
    x_int: np.ndarray      # the calibration set's integer encoder input
    final_norm: object
    head: object


def _quantize(opt, enc, ev, xs):
    prelude = head = final_norm = None
    start = None
    if enc.embed is not None:
        if xs.shape[1:] != (enc.embed.S_in, enc.embed.F):
            raise Refusal("the embedding reads [%d][%d] features, the samples are [%d][%d]"
                          % (enc.embed.S_in, enc.embed.F, xs.shape[1], xs.shape[2]))
        prelude, s_x0, x_int0 = QE.quantize_prelude(enc.embed, xs, opt.quantile, opt.per_channel)
        start = (s_x0, x_int0)
    layers, s_x, s_out, x_int = Q.quantize(enc, ev.x_in, opt.quantile, opt.per_channel, opt.fused, start)
    if enc.final_norm is not None:
        final_norm = QE.quantize_final_norm(enc.final_norm, Q.run_layers(x_int, layers, enc.dims, False, enc.norm),
                                            opt.quantile)
        s_out = final_norm.s_out
    if enc.pool_head is not None:
        head = QE.quantize_head(enc.pool_head, s_out)
    return Quantized(prelude, layers, s_x, s_out, x_int, final_norm, head)


def _integer_input(e, q):
    """The first layer's integer input for a set: the integer embedding, or the quantized encoder input."""
    if q.prelude is None:
        return Q.quantize_input(e.x_in, q.s_x)
    return QE.run_prelude(QE.quantize_features(e.features, q.prelude.s_u), q.prelude.w)


def _evaluation_sets(opt, graph, layout, xs, interp, enc, tensors, ev, q):
    """{name: (Evaluated, integer input)} of the calibration, --heldout and --val sets; --val's labels."""
    sets = {"calibration": (ev, q.x_int)}
    if opt.heldout:
        hx = SM.load(opt.heldout, graph.input_dims, layout, "--heldout")
        if hx.shape[1:] != xs.shape[1:]:
            raise Refusal("--heldout samples are [%d][%d], the calibration samples [%d][%d]: the integer model has one S"
                          % (hx.shape[1], hx.shape[2], xs.shape[1], xs.shape[2]))
        hev = Evaluated(interp, enc, hx, layout, tensors)
        sets["heldout"] = (hev, _integer_input(hev, q))
    labels = {}
    if opt.val:
        vx, labels["val"] = SM.load_val(opt.val, graph.input_dims, layout)
        if vx.shape[1:] != xs.shape[1:]:
            raise Refusal("--val samples are [%d][%d], the calibration samples [%d][%d]: the integer model has one S"
                          % (vx.shape[1], vx.shape[2], xs.shape[1], xs.shape[2]))
        if not enc.classifier:
            raise Refusal("--val: the model has no classification head after the encoder (a linear layer), so "
                          "top-1 accuracy means nothing; use --heldout for the encoder's similarity")
        vev = Evaluated(interp, enc, vx, layout, tensors)
        sets["val"] = (vev, _integer_input(vev, q))
    return sets, labels


def _clip_warnings(sets, q, warnings):
    """Data unlike the calibration set saturates at the encoder input: say so, with what to do."""
    for name, (e, _) in sets.items():
        clipped = (Q.input_clip_fraction(e.x_in, q.s_x) if q.prelude is None
                   else Q.input_clip_fraction(e.features, q.prelude.s_u))
        if name != "calibration" and clipped > CLIP_WARNING:
            warnings.append("the %s set reaches the network far outside the calibration range: %.1f%% of its %s "
                            "saturate the int8 scale chosen on --calib; calibrate on samples like the data the "
                            "model will see (a few hundred from the training set)"
                            % (name, 100 * clipped, "encoder inputs" if q.prelude is None else "input features"))


def _accuracy(opt, sets, labels, interp, enc, q):
    """{set: {mode: accuracy.compare(...)}} of the integer network against the float graph."""
    acc = {}
    for name, (e, xi) in sets.items():
        acc[name] = {}
        for mode in ("standard", "fused") if opt.fused else ("standard",):
            try:
                y_int = Q.run_layers(xi, q.layers, enc.dims, mode == "fused", enc.norm)
                if q.final_norm is not None:
                    y_int = QE.run_final_norm(y_int, q.final_norm)
            except AssertionError as err:
                raise Refusal("%s attention on the %s set: the integer pipeline overflows: %s" % (mode, name, err))
            y = y_int * q.s_out
            top1 = enc.classifier   # top-1 agreement only means something for a classifier head
            if q.head is not None:  # the whole network in integers: its logits, dequantized
                got = QE.run_head(y_int, q.head) * q.head.s_logits
            else:
                got = _head(interp, enc, e, y) if top1 else None
            acc[name][mode] = accuracy.compare(e.layer_outs[-1], y, e.out if top1 else None,
                                               got.reshape(e.out.shape) if got is not None else None,
                                               labels.get(name))
    if opt.val and "int8_top1" not in acc["val"]["standard"]:
        raise Refusal("--val: the head gives more than one output vector per sample (no pooling before it), so a "
                      "label per sample does not apply; use --heldout for the encoder's similarity")
    return acc


def _apply_floors(opt, acc, layers, warnings):
    """The floors: below one with standard attention the import is refused; below one with
    fused-weight attention only, its extras are dropped (the tuner never proposes it).
    Returns what became of fused-weight attention."""
    fused_note = "disabled (--no-fused)" if not opt.fused else "kept"
    floors = [("cosine", "cosine", "--min-cosine", opt.min_cosine, dict(acc))]
    if opt.min_accuracy is not None:
        if not opt.val:
            raise Refusal("--min-accuracy: needs --val (a labelled set to measure the int8 top-1 on)")
        floors.append(("int8_top1", "int8 top-1", "--min-accuracy", opt.min_accuracy, {"val": acc["val"]}))
    for metric, label, option, bound, sets_ in floors:
        if bound is None:
            continue
        for name, a in sets_.items():
            v = a["standard"][metric]
            if v < bound:
                raise Refusal("accuracy: %s %.5f on the %s set is below %s %g (standard attention)"
                              % (label, v, name, option, bound))
        low = [(n, a["fused"][metric]) for n, a in sets_.items() if "fused" in a and a["fused"][metric] < bound]
        if opt.fused and low and fused_note == "kept":
            fused_note = "dropped: %s %.5f on the %s set is below %s %g" % (label, low[0][1], low[0][0], option, bound)
            warnings.append("fused-weight attention " + fused_note + "; the tuner will not propose it")
            for w, _ in layers:
                for key in ("wf", "bf", "rq_xw", "rq_scores_fw", "softmax_fw"):
                    w.pop(key, None)
    return fused_note


def _report(opt, graph, enc, xs, layout, q, worst, acc, fused_note, y0, crc_fused, warnings):
    prelude, head, final_norm = q.prelude, q.head, q.final_norm
    return {
        "generator": GENERATOR,
        "source": {"onnx": opt.onnx_path, "sha256": graph.sha256, "producer": graph.producer, "opset": graph.opset},
        "input": {"name": graph.input_name, "layout": layout, "S": int(xs.shape[1]), "features": int(xs.shape[2]),
                  "scale": prelude.s_u if prelude else q.s_x, "zero_point": 0,
                  "dtype": "int8 [S][features]" if prelude else "int8 [S][E] (the encoder input)"},
        "output": {"scale": head.s_logits if head else q.s_out, "zero_point": 0,
                   "dtype": "int32 [classes] (%s pooling, linear head)" % head.pool if head
                   else "int8 [S][E] (the encoder output%s)" % (", after the final LayerNorm" if final_norm else "")},
        "encoder": dict(enc.dims, layers=len(enc.layers), norm=enc.norm, input_tensor=enc.x_in,
                        output_tensor=enc.y_out, final_norm=enc.final_norm_name),
        "host": {"note": _host_note(prelude, head, final_norm),
                 "embedding_nodes": enc.prelude, "head_nodes": enc.head, "not_mapped": enc.host_notes},
        "layers": [lay.info for lay in enc.layers],
        "validation": {"file": opt.val} if opt.val else None,
        "quantization": {"calibration": {"file": opt.calib, "samples": int(len(xs)), "synthetic": not opt.calib},
                         "quantile": opt.quantile, "per_channel": opt.per_channel,
                         "input_scale": q.s_x, "output_scale": q.s_out},
        "float_check": {"max_relative_error_vs_graph": worst},
        "accuracy": acc,
        "fused_weight_attention": fused_note,
        "expected_output_crc32": "0x%08x" % SP.crc32(y0),
        "expected_output_crc32_fused": None if crc_fused is None else "0x%08x" % crc_fused,
        "warnings": warnings,
    }


def _host_note(prelude, head, final_norm):
    norm = " (with its final LayerNorm)" if final_norm is not None else ""
    ends = [n for n, e in (("the embedding", prelude), ("the head", head)) if e is not None]
    if len(ends) == 2:
        return "the whole network is integer: the embedding, the encoder%s and the head are part of the integer " \
               "model" % norm
    return "%s: the rest runs in float on the host" % (
        "%s is part of the integer model%s" % (ends[0], norm) if ends else "the integer model is the encoder" + norm)
