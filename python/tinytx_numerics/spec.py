"""The model spec (schemas/json/model.schema.json) and its files: the weights blob, the
calibration input and the JSON, as models/gen_models.py and the ONNX importer write them."""

import hashlib
import json
import re
import zlib

import numpy as np

from .ops import i64


class Blob:
    """The weights file: tensors appended at 4-byte aligned offsets."""

    def __init__(self):
        self.buf = bytearray()

    def add(self, a, dtype):
        a = i64(a)
        if dtype == "int8":
            assert a.min() >= -128 and a.max() <= 127
            raw = a.astype("<i1").tobytes()
        else:
            assert a.min() >= -(2 ** 31) and a.max() < 2 ** 31
            raw = a.astype("<i4").tobytes()
        while len(self.buf) % 4:
            self.buf.append(0)
        off = len(self.buf)
        self.buf += raw
        return {"offset": off, "dtype": dtype, "shape": [int(s) for s in a.shape]}


def rq_json(rq):
    mul, shift = rq
    if np.ndim(mul) == 0:
        return {"mul": int(mul), "shift": int(shift)}
    # per channel: mul/shift are required by the schema; the kernels read ch_mul/ch_shift
    return {"mul": int(mul[0]), "shift": int(shift[0]),
            "ch_mul": [int(v) for v in mul], "ch_shift": [int(v) for v in shift]}


def layer_json(w, scales, blob):
    """One layer of the spec; optional biases (None) and fused extras (absent) are left out."""
    def t8(k):
        return blob.add(w[k], "int8")

    def t32(k):
        return blob.add(w[k], "int32")

    def softmax(sm):
        return dict(zip(("ln2", "b", "c"), (int(v) for v in sm)))

    mhsa = {}
    for k in ("q", "k", "v", "o"):
        mhsa["w" + k] = t8("w" + k)
        if w.get("b" + k) is not None:
            mhsa["b" + k] = t32("b" + k)
    for k in ("q", "k", "v", "o"):
        mhsa["rq_" + k] = rq_json(w["rq_" + k])
    mhsa["rq_scores"] = rq_json(w["rq_scores"])
    mhsa["softmax"] = softmax(w["softmax"])
    mhsa["rq_av"] = rq_json(w["rq_av"])
    if "wf" in w:
        mhsa["fused"] = {
            "wf": t8("wf"), "bf": t32("bf"),
            "rq_xw": [rq_json(r) for r in w["rq_xw"]],
            "rq_scores_fw": [rq_json(r) for r in w["rq_scores_fw"]],
            "softmax": softmax(w["softmax_fw"]),
        }
    add = lambda ap: {"mul_a": int(ap[0]), "mul_b": int(ap[1]), "shift": int(ap[2])}  # noqa: E731
    ln1 = {"gamma": t8("ln1_gamma"), "beta": t32("ln1_beta"), "rq": rq_json(w["ln1_rq"])}  # blob order
    ffn = {"w1": t8("w1")}
    if w.get("b1") is not None:
        ffn["b1"] = t32("b1")
    ffn["rq1"] = rq_json(w["rq1"])
    ffn["gelu"] = {"b_q": int(w["gelu_b_q"]), "one": int(w["gelu_one"]), "rq": rq_json(w["gelu_rq"])}
    ffn["w2"] = t8("w2")
    if w.get("b2") is not None:
        ffn["b2"] = t32("b2")
    ffn["rq2"] = rq_json(w["rq2"])
    return {
        "scales": {k: float(v) for k, v in scales.items()},
        "mhsa": mhsa,
        "add1": add(w["add1"]),
        "ln1": ln1,
        "ffn": ffn,
        "add2": add(w["add2"]),
        "ln2": {"gamma": t8("ln2_gamma"), "beta": t32("ln2_beta"), "rq": rq_json(w["ln2_rq"])},
    }


def prelude_json(w, s_u, blob):
    """The input embedding (NUMERICS.md "Input embedding"): integer parameters from
    tinytx_numerics.ops.run_embed's arguments, and the features' scale."""
    p = {"features": int(w["we"].shape[1]), "input_scale": float(s_u), "we": blob.add(w["we"], "int8")}
    if w.get("be") is not None:
        p["be"] = blob.add(w["be"], "int32")
    p["rq"] = rq_json(w["rq_embed"])
    if w.get("cls") is not None:
        p["cls"] = blob.add(w["cls"], "int8")
    if w.get("pos") is not None:
        p["pos"] = blob.add(w["pos"], "int8")
        ap = w["add_pos"]
        p["add_pos"] = {"mul_a": int(ap[0]), "mul_b": int(ap[1]), "shift": int(ap[2])}
    return p


def final_norm_json(w, s_out, blob):
    """A final LayerNorm after the last layer (NUMERICS.md "Final LayerNorm"): gamma, beta, rq as
    tinytx_numerics.ops.final_norm takes them, and its output's scale."""
    return {"gamma": blob.add(w["gamma"], "int8"), "beta": blob.add(w["beta"], "int32"), "rq": rq_json(w["rq"]),
            "output_scale": float(s_out)}


def head_json(pool, w, s_logits, blob):
    """Pooling and the linear head (NUMERICS.md "Pooling", "Head"): int32 logits of scale s_logits."""
    h = {"pool": pool, "wh": blob.add(w["wh"], "int8")}
    if w.get("bh") is not None:
        h["bh"] = blob.add(w["bh"], "int32")
    h["output_scale"] = float(s_logits)
    return h


def crc32(a):
    return zlib.crc32(i64(a).astype(np.int8).tobytes()) & 0xFFFFFFFF


def spec_json(name, generator, dims, wbytes, x0, s_x, out_crc, layers, seed=None, norm="post", prelude=None,
              head=None, final_norm=None):
    """The whole spec: weights in <name>.bin, calibration input x0 (int8 [S][E]) in
    <name>.input.bin, out_crc the golden CRC-32 of the last layer's output on x0; prelude, final
    norm and head (prelude_json, final_norm_json, head_json) when the network's ends are part of
    the integer model."""
    spec = {"format": "tinytx-model", "version": 1, "name": name, "generator": generator}
    if seed is not None:
        spec["seed"] = seed
    spec.update({k: int(dims[k]) for k in ("S", "E", "H", "P", "F")})
    if norm != "post":
        spec["norm"] = norm
    spec["weights"] = {"file": name + ".bin", "sha256": hashlib.sha256(wbytes).hexdigest()}
    spec["calibration_input"] = {
        "file": name + ".input.bin",
        "sha256": hashlib.sha256(input_bytes(x0)).hexdigest(),
        "scale": float(s_x),
        "expected_output_crc32": "0x%08x" % out_crc,
    }
    spec["layers"] = layers
    if prelude is not None:
        spec["prelude"] = prelude
    if final_norm is not None:
        spec["final_norm"] = final_norm
    if head is not None:
        spec["head"] = head
    return spec


def input_bytes(x0):
    return i64(x0).astype("<i1").tobytes()


def compact_lists(text):
    """Put lists of numbers (shapes) on one line."""
    return re.sub(r"\[\s*(-?\d+(?:,\s*-?\d+)*)\s*\]",
                  lambda m: "[" + ", ".join(v.strip() for v in m.group(1).split(",")) + "]", text)


def spec_files(spec, wbytes, x0):
    """{file name: bytes} of a spec: <name>.json, its weights and its calibration input."""
    name = spec["name"]
    text = compact_lists(json.dumps(spec, indent=1)) + "\n"
    return {name + ".json": text.encode("ascii"), spec["weights"]["file"]: wbytes,
            spec["calibration_input"]["file"]: input_bytes(x0)}
