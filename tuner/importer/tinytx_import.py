#!/usr/bin/python3
"""tinytx-import: an ONNX encoder (e.g. from torch.onnx.export) -> the project's int8 model spec.

    tinytx-import model.onnx --calib x.npy -o out/model.json [--heldout y.npy] [--min-cosine 0.99]

Writes out/model.json (schemas/json/model.schema.json), out/model.bin (weights),
out/model.input.bin (the first calibration sample as the encoder's int8 input) and
out/model.report.json (mapping, scales, accuracy), then prints the accuracy against the float
model. --calib is a numpy .npy float array [N][S][features] of model inputs (without it, a
synthetic standard-normal set is used, with a warning). Exit status: 0 imported, 2 refused (the
message names the node, input or bound at fault), 3 internal error.
"""

import argparse
import json
import os
import sys
import tempfile
import warnings

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(HERE, "..", "..", "python"))  # tinytx_numerics
sys.setrecursionlimit(20000)

import numpy as np  # noqa: E402

np.seterr(all="ignore")   # non-finite values are checked and reported, not warned about
warnings.simplefilter("ignore", RuntimeWarning)

import accuracy  # noqa: E402
from tinytx_numerics import spec as SP  # noqa: E402
import pipeline  # noqa: E402
from refusal import Refusal  # noqa: E402

NAME_OK = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")


def parse(argv):
    ap = argparse.ArgumentParser(prog="tinytx-import", description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter,
                                 epilog="\n".join(__doc__.split("\n")[2:]))
    ap.add_argument("onnx", help="the ONNX model (one float input [S][features], optionally with a batch of 1)")
    ap.add_argument("-o", "--out", required=True, help="the model spec to write (its stem is the model name)")
    ap.add_argument("--calib", help="calibration inputs, .npy float [N][S][features]")
    ap.add_argument("--heldout", help="held-out inputs for the accuracy report, same format")
    ap.add_argument("--val", help="a labelled validation set, .npz with x (inputs [N][S][features]) and y (integer "
                    "labels [N]) or ref (the float model's outputs): top-1 accuracy of the float and the int8 model")
    ap.add_argument("--min-cosine", type=float, help="refuse when the integer encoder's cosine similarity to the "
                    "float one is below this; drop fused-weight attention when only it is below")
    ap.add_argument("--min-accuracy", type=float, help="with --val: refuse when the integer model's top-1 on it "
                    "is below this fraction (e.g. 0.97); drop fused-weight attention when only it is below")
    ap.add_argument("--quantile", type=float, default=0.9999,
                    help="calibration statistic: this quantile of |value| maps to the int8 range (default 0.9999)")
    ap.add_argument("--per-tensor", action="store_true", help="per-tensor weight scales everywhere")
    ap.add_argument("--no-fused", action="store_true", help="do not emit fused-weight attention extras")
    ap.add_argument("--input-layout", choices=("auto", "bsf", "sbf", "sf"), default="auto",
                    help="where the batch dimension of the graph input is (auto: from its dims)")
    ap.add_argument("--float-out", help="write the float path's graph output per calibration sample (.npy)")
    ap.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    return ap.parse_args(argv)


def _write_atomic(path, data):
    d = os.path.dirname(path) or "."
    fd, tmp = tempfile.mkstemp(dir=d, prefix=".tinytx-import-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise


def write_outputs(res, out_path):
    out_dir = os.path.dirname(os.path.abspath(out_path))
    name = os.path.basename(out_path)
    if not name.endswith(".json"):
        raise Refusal("-o %s: the model spec must be a .json file" % out_path)
    name = name[:-5]
    if not name or not name[0].isalnum() or not set(name) <= NAME_OK:
        raise Refusal("-o %s: the file name is the model name: letters, digits, '_', '-', '.', starting with a "
                      "letter or digit" % out_path)
    blob = SP.Blob()
    layers = [SP.layer_json(w, scales, blob) for w, scales in res.layers]
    prelude = SP.prelude_json(res.prelude.w, res.prelude.s_u, blob) if res.prelude else None
    final_norm = SP.final_norm_json(res.final_norm.w, res.final_norm.s_out, blob) if res.final_norm else None
    head = SP.head_json(res.head.pool, res.head.w, res.head.s_logits, blob) if res.head else None
    wbytes = bytes(blob.buf)
    spec = SP.spec_json(name, pipeline.GENERATOR, res.dims, wbytes, res.x0_int, res.s_x,
                       res.out_crc, layers, norm=res.enc.norm, prelude=prelude, head=head, final_norm=final_norm)
    files = SP.spec_files(spec, wbytes, res.x0_int)
    os.makedirs(out_dir, exist_ok=True)
    report = json.dumps(res.report, indent=1, default=lambda o: o.tolist() if isinstance(o, np.ndarray) else str(o))
    files[name + ".report.json"] = (report + "\n").encode()
    for fname in sorted(files, key=lambda f: f == name + ".json"):  # the spec last
        _write_atomic(os.path.join(out_dir, fname), files[fname])
    return spec, len(wbytes)


def summary(res, out_path, nbytes):
    d = res.dims
    r = res.report
    lines = ["%s -> %s: %d layer(s), S=%d E=%d H=%d P=%d F=%d, %d weight bytes" % (
        r["source"]["onnx"], out_path, len(res.layers), d["S"], d["E"], d["H"], d["P"], d["F"], nbytes)]
    if r["host"]["embedding_nodes"] or r["host"]["head_nodes"]:
        lines.append(r["host"]["note"])
    lines.append("input: %s, scale %.6g; output: %s, scale %.6g" % (
        r["input"]["dtype"], r["input"]["scale"], r["output"]["dtype"], r["output"]["scale"]))
    for set_name, modes in r["accuracy"].items():
        n = modes["standard"]["samples"]
        for mode, m in modes.items():
            lines.append(accuracy.line("%s (%d) %s" % (set_name, n, mode), m))
    lines.append("fused-weight attention: %s" % r["fused_weight_attention"])
    return "\n".join(lines)


def main(argv=None):
    args = parse(argv)
    try:
        opt = pipeline.Options(args.onnx, args.calib, args.heldout, args.input_layout, args.quantile,
                               not args.per_tensor, not args.no_fused, args.min_cosine, args.val, args.min_accuracy)
        if args.min_accuracy is not None and not 0.0 <= args.min_accuracy <= 1.0:
            raise Refusal("--min-accuracy %g: a top-1 fraction in 0..1 (0.97 for 97%%)" % args.min_accuracy)
        if not 0.5 <= args.quantile <= 1.0:
            raise Refusal("--quantile %g: must be in 0.5..1" % args.quantile)
        if not os.path.isfile(args.onnx):
            raise Refusal("%s: no such file" % args.onnx)
        res = pipeline.import_model(opt)
        for w in res.warnings:
            print("tinytx-import: warning: " + w, file=sys.stderr)
        spec, nbytes = write_outputs(res, args.out)
        if args.float_out:
            np.save(args.float_out, res.float_outputs)
        if not args.quiet:
            print(summary(res, args.out, nbytes))
        return 0
    except Refusal as e:
        print("tinytx-import: error: %s: %s" % (args.onnx, e), file=sys.stderr)
        return 2
    except OSError as e:
        print("tinytx-import: error: %s" % e, file=sys.stderr)
        return 2
    except RecursionError:
        print("tinytx-import: error: %s: the graph nests too deeply" % args.onnx, file=sys.stderr)
        return 2
    except Exception as e:  # a bug, not bad input: say so, with where
        import traceback
        tb = traceback.extract_tb(e.__traceback__)[-1]
        print("tinytx-import: internal error: %s: %s (%s:%d)" % (type(e).__name__, e, os.path.basename(tb.filename),
                                                                 tb.lineno), file=sys.stderr)
        return 3


if __name__ == "__main__":
    sys.exit(main())
