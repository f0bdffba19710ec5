#!/usr/bin/python3
"""Truncated and corrupt ONNX files are refused cleanly: exit status 2, one message naming what
is wrong, no traceback, no spec written. Over a hundred files, all made from two exported models:

  - truncations at 70 lengths (every protobuf field boundary class: empty, header only, mid
    initializer, mid node, one byte short);
  - files that are not ONNX at all (random bytes, zeros, text, a JSON spec, a .npy array);
  - well-formed protobuf with broken content, made with the onnx API: missing initializers,
    dangling or duplicated names, cycles, unknown operators, bad opsets, tensors whose data
    does not match their dims, NaN weights, impossible shapes, a 2^40-element Reshape, ...
  - random byte flips: these may still be a valid model, so they must either import or be
    refused - never crash.

    test_corrupt.py EXPORTS_DIR

The importer runs in-process (its main()), and a few files through the real command too.
"""

import contextlib
import copy
import io
import json
import os
import subprocess
import sys
import tempfile

import numpy as np
import onnx
from onnx import helper, numpy_helper

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, ".."))
import tinytx_import  # noqa: E402

ROOT = os.path.join(HERE, "..", "..", "..")


def attempt(path, calib, out):
    """(exit status, stderr) of the importer's main() on one file."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        try:
            rc = tinytx_import.main([path, "--calib", calib, "-o", out, "-q"])
        except SystemExit as e:  # argparse
            rc = e.code
    return rc, err.getvalue()


def truncations(data):
    n = len(data)
    cuts = {0, 1, 2, 3, 4, 5, 8, 16, 32, 64, 128, n - 1, n - 2, n - 4, n - 16}
    cuts.update(int(n * k / 56) for k in range(1, 56))
    return sorted(c for c in cuts if 0 <= c < n)[:70]


def not_onnx(rng):
    yield "random-1", bytes([0x08])
    for size in (7, 100, 4096, 100000):
        yield "random-%d" % size, rng.integers(0, 256, size, dtype=np.uint8).tobytes()
    yield "zeros", bytes(4096)
    yield "ones", b"\xff" * 4096
    yield "text", b"hello, this is not a model\n" * 20
    with open(os.path.join(ROOT, "models", "eegformer.json"), "rb") as f:
        yield "json-spec", f.read()
    buf = io.BytesIO()
    np.save(buf, np.zeros((3, 4)))
    yield "npy", buf.getvalue()


def edits(model):
    """(name, function(ModelProto) -> None) that break the model's content."""
    g = lambda m: m.graph  # noqa: E731

    def first(m, op):
        return next(n for n in m.graph.node if n.op_type == op)

    def init(m, rank=2):
        return next(t for t in m.graph.initializer if len(t.dims) == rank)

    def set_init(m, t, arr):
        t.CopyFrom(numpy_helper.from_array(arr, t.name))

    def reshape_shape(m, shape):
        n = first(m, "Reshape")
        for c in m.graph.node:
            if c.op_type == "Constant" and c.output[0] == n.input[1]:
                c.attribute[0].t.CopyFrom(numpy_helper.from_array(np.array(shape, dtype=np.int64)))
                return
        for t in m.graph.initializer:
            if t.name == n.input[1]:
                t.CopyFrom(numpy_helper.from_array(np.array(shape, dtype=np.int64), t.name))

    def extra_input(m):
        m.graph.input.append(helper.make_tensor_value_info("extra", onnx.TensorProto.FLOAT, [1, 2]))

    def int_input(m):
        m.graph.input[0].type.tensor_type.elem_type = onnx.TensorProto.INT64

    def no_outputs(m):
        del m.graph.output[:]

    def external(m):
        t = init(m)
        t.data_location = onnx.TensorProto.EXTERNAL
        t.external_data.add(key="location", value="weights.bin")
        t.ClearField("raw_data")

    def cycle(m):
        n = m.graph.node[len(m.graph.node) // 2]
        n.input[0] = n.output[0]

    def if_node(m):
        sub = helper.make_graph([], "empty", [], [])
        m.graph.node.insert(0, helper.make_node("If", ["x"], ["cond_out"], then_branch=sub, else_branch=sub))

    def gather_oob(m):
        for n in m.graph.node:
            if n.op_type == "Slice":
                for c in m.graph.node:
                    if c.op_type == "Constant" and c.output[0] == n.input[1]:
                        c.attribute[0].t.CopyFrom(numpy_helper.from_array(np.array([10 ** 6], dtype=np.int64)))
                        return
        raise ValueError("no Slice with constant starts")

    def split_sizes(m):
        for n in m.graph.node:
            if n.op_type == "Split" and len(n.input) > 1:
                for t in m.graph.initializer:
                    if t.name == n.input[1]:
                        t.CopyFrom(numpy_helper.from_array(np.array([1, 1, 1], dtype=np.int64), t.name))
                        return
        raise ValueError("no Split with sizes")

    def weight_reshaped(m):
        t = init(m)
        a = numpy_helper.to_array(t)
        set_init(m, t, a.reshape(a.shape[1], a.shape[0]) if a.shape[0] != a.shape[1] else a[:, :-1])

    def softmax_axis(m):
        n = first(m, "Softmax")
        del n.attribute[:]
        n.attribute.append(helper.make_attribute("axis", 0))

    return [
        ("drop-initializer", lambda m: g(m).initializer.remove(init(m))),
        ("drop-node", lambda m: g(m).node.remove(g(m).node[len(g(m).node) // 2])),
        ("reverse-nodes", lambda m: g(m).node.reverse()),
        ("unknown-op", lambda m: setattr(g(m).node[len(g(m).node) // 2], "op_type", "NotAnOp")),
        ("duplicate-output", lambda m: g(m).node[3].output.__setitem__(0, g(m).node[2].output[0])),
        ("dangling-graph-output", lambda m: setattr(g(m).output[0], "name", "nowhere")),
        ("opset-7", lambda m: setattr(m.opset_import[0], "version", 7)),
        ("opset-99", lambda m: setattr(m.opset_import[0], "version", 99)),
        ("no-opset", lambda m: m.ClearField("opset_import")),
        ("raw-data-short", lambda m: setattr(init(m), "raw_data", init(m).raw_data[:-4])),
        ("dims-grown", lambda m: init(m).dims.__setitem__(0, init(m).dims[0] + 1)),
        ("nan-weight", lambda m: set_init(m, init(m), np.full(list(init(m).dims), np.nan, dtype=np.float32))),
        ("inf-weight", lambda m: set_init(m, init(m), np.full(list(init(m).dims), np.inf, dtype=np.float32))),
        ("reshape-2^40", lambda m: reshape_shape(m, [1 << 20, 1 << 20])),
        ("reshape-mismatch", lambda m: reshape_shape(m, [7, -1, 3])),
        ("perm-invalid", lambda m: first(m, "Transpose").attribute[0].ints.__setitem__(0, 5)),
        ("softmax-axis-0", softmax_axis),
        ("weight-reshaped", weight_reshaped),
        ("two-inputs", extra_input),
        ("int-input", int_input),
        ("no-outputs", no_outputs),
        ("external-data", external),
        ("cycle", cycle),
        ("if-subgraph", if_node),
        ("slice-far", gather_oob),
        ("split-sizes", split_sizes),
        ("empty-graph", lambda m: g(m).ClearField("node")),
        ("no-graph", lambda m: m.ClearField("graph")),
        ("op-domain", lambda m: setattr(g(m).node[0], "domain", "com.example")),
    ]


def main(argv):
    exports = argv[0]
    bases = {n: os.path.join(exports, n + ".onnx") for n in ("perhead_sf", "mha_bf_gelu")}
    rng = np.random.default_rng(2024)
    cases = []  # (name, bytes, base, must_refuse)
    with open(bases["mha_bf_gelu"], "rb") as f:
        data = f.read()
    cases += [("cut-%d" % c, data[:c], "mha_bf_gelu", True) for c in truncations(data)]
    cases += [(n, b, "perhead_sf", True) for n, b in not_onnx(rng)]
    for base in bases:
        model = onnx.load(bases[base])
        for name, edit in edits(model):
            m = copy.deepcopy(model)
            try:
                edit(m)
            except (StopIteration, IndexError, ValueError):
                continue   # this model has nothing the edit applies to
            cases.append(("%s-%s" % (base, name), m.SerializeToString(), base, True))
    with open(bases["perhead_sf"], "rb") as f:
        small = bytearray(f.read())
    for i in range(30):
        b = bytearray(small)
        for p in rng.integers(0, len(b), int(rng.integers(1, 9))):
            b[p] ^= int(rng.integers(1, 256))
        cases.append(("flip-%d" % i, bytes(b), "perhead_sf", False))

    failed, refused, imported = [], 0, 0
    with tempfile.TemporaryDirectory(prefix="tinytx-corrupt-") as work:
        for name, blob, base, must_refuse in cases:
            path = os.path.join(work, name + ".onnx")
            with open(path, "wb") as f:
                f.write(blob)
            out = os.path.join(work, "out", name.replace("^", "p") + ".json")
            rc, err = attempt(path, os.path.join(exports, base + ".calib.npy"), out)
            lines = [ln for ln in err.strip().splitlines() if ln]
            clean = rc == 2 and lines and all(ln.startswith("tinytx-import: ") for ln in lines) \
                and "Traceback" not in err and not os.path.exists(out)
            if rc == 2:
                refused += 1
            elif rc == 0 and not must_refuse:
                imported += 1
            ok = clean if (must_refuse or rc != 0) else os.path.exists(out)
            print("%s %-34s exit %s  %s" % ("ok  " if ok else "FAIL", name, rc, (lines[-1] if lines else "")[:150]))
            if not ok:
                failed.append(name)
        # the real command, for a few
        cmd = [sys.executable, os.path.join(HERE, "..", "tinytx_import.py")]
        for name in ("cut-%d" % truncations(data)[30], "random-100", "perhead_sf-cycle"):
            p = subprocess.run(cmd + [os.path.join(work, name + ".onnx"), "-o", os.path.join(work, "x.json")],
                               capture_output=True, text=True, timeout=60)
            ok = p.returncode == 2 and "Traceback" not in p.stderr and p.stderr.startswith("tinytx-import: error: ")
            print("%s command on %s: exit %d" % ("ok  " if ok else "FAIL", name, p.returncode))
            if not ok:
                failed.append("command " + name)
    must = sum(1 for c in cases if c[3])
    print("%d corrupt files: %d must be refused, %d refused cleanly in all, %d byte-flipped files still imported; "
          "%d failed" % (len(cases), must, refused, imported, len(failed)))
    if must < 100:
        print("FAIL: fewer than 100 files that must be refused")
        return 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
