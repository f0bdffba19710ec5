"""tinytx_numerics.spec: the weights blob is 4-byte aligned little-endian, the spec's files are
what it names, and models/gen_models.py regenerates the shipped example models byte for byte."""

import json
import os
import subprocess
import tempfile
import unittest
import zlib

import numpy as np

from tinytx_numerics import spec as SP

REPO = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))


class Spec(unittest.TestCase):
    def test_blob_aligns_and_encodes_little_endian(self):
        b = SP.Blob()
        first = b.add([1, -2, 3], "int8")
        second = b.add([-70000], "int32")
        self.assertEqual(first["offset"], 0)
        self.assertEqual(second["offset"], 4)
        self.assertEqual(bytes(b.buf), bytes([1, 0xFE, 3, 0]) + (-70000).to_bytes(4, "little", signed=True))
        with self.assertRaises(AssertionError):
            b.add([128], "int8")

    def test_crc32_is_zlibs_over_int8_bytes(self):
        a = np.array([[-1, 2], [127, -128]])
        self.assertEqual(SP.crc32(a), zlib.crc32(bytes([0xFF, 2, 127, 0x80])))

    def test_spec_files_name_their_blobs(self):
        x0 = np.arange(-6, 6).reshape(3, 4)
        spec = SP.spec_json("m", "test", dict(S=3, E=4, H=1, P=4, F=8), b"\x01\x02", x0, 0.5, 0x1234, [],
                            norm="pre")
        files = SP.spec_files(spec, b"\x01\x02", x0)
        self.assertEqual(sorted(files), ["m.bin", "m.input.bin", "m.json"])
        j = json.loads(files["m.json"])
        self.assertEqual(j["norm"], "pre")
        self.assertEqual(j["calibration_input"]["expected_output_crc32"], "0x00001234")
        self.assertEqual(files["m.input.bin"], bytes(np.int8(v) & 0xFF for v in x0.ravel()))

    def test_gen_models_regenerates_the_shipped_models(self):
        with tempfile.TemporaryDirectory() as d:
            subprocess.run(["/usr/bin/python3", os.path.join(REPO, "models", "gen_models.py"), "--out", d,
                            "--models", "ecgformer,tiny4"], check=True, capture_output=True)
            for f in sorted(os.listdir(d)):
                with open(os.path.join(d, f), "rb") as a, open(os.path.join(REPO, "models", f), "rb") as b:
                    self.assertEqual(a.read(), b.read(), f)


if __name__ == "__main__":
    unittest.main()
