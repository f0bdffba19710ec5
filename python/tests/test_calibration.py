"""tinytx_numerics.calibration: a layer calibrated on synthetic data, post-norm and pre-norm, gets
every parameter within NUMERICS.md's ranges, its integer pipeline clamps little, and the
calibration is deterministic."""

import math
import unittest

import numpy as np

from tinytx_numerics import calibration as C
from tinytx_numerics import ops as G

DIMS = dict(S=12, E=16, H=2, P=8, F=32)


class Policy:
    """Real scales picked after calibration so that the real values hit fixed targets."""

    def qk_scales(self, max_qk, r_q, r_k, s_x, P):
        base = math.sqrt(8.0 * r_q * r_k * math.sqrt(P) / (max_qk * s_x * s_x))
        return base, base

    def weight_scale(self, name, s_in, acc):
        return 3.0 / (s_in * G.max_abs(acc))

    def gamma_scale(self, name):
        return 1.0 / 64

    def bias(self, name, s_in):
        return None


def layer(seed):
    rng = np.random.default_rng(seed)
    E, N, F = DIMS["E"], DIMS["H"] * DIMS["P"], DIMS["F"]

    def ints(lo, hi, shape):
        return rng.integers(lo, hi, size=shape, endpoint=True, dtype=np.int64)

    w = dict(wq=ints(-127, 127, (N, E)), wk=ints(-127, 127, (N, E)), wv=ints(-127, 127, (N, E)),
             wo=ints(-127, 127, (E, N)), w1=ints(-127, 127, (F, E)), w2=ints(-127, 127, (E, F)),
             ln1_gamma=ints(16, 127, E), ln1_beta=ints(-1000, 1000, E),
             ln2_gamma=ints(16, 127, E), ln2_beta=ints(-1000, 1000, E))
    return w, ints(-128, 127, (3, DIMS["S"], E))


def clamp_fraction(y):
    y = G.i64(y)
    return float(np.count_nonzero((y == 127) | (y == -128))) / y.size


class Calibration(unittest.TestCase):
    def calibrated(self, norm, seed=7):
        w, xs = layer(seed)
        w, scales, s_out = C.calibrate_params(w, xs, 0.05, DIMS, 0.999, Policy(), norm=norm)
        return w, xs, scales, s_out

    def test_parameters_in_range_and_little_clamping(self):
        for norm in ("post", "pre"):
            with self.subTest(norm=norm):
                w, xs, scales, s_out = self.calibrated(norm)
                for k in ("rq_q", "rq_k", "rq_scores", "rq_av", "rq_o", "rq1", "gelu_rq", "rq2",
                          "ln1_rq", "ln2_rq"):
                    G.check_rq(w[k])
                G.check_add(w["add1"])
                G.check_add(w["add2"])
                G.check_softmax_params(w["softmax"], DIMS["S"])
                G.check_gelu_params(w["gelu_b_q"], w["gelu_one"])
                self.assertGreater(s_out, 0)
                self.assertEqual(scales["s_x"], 0.05)
                for x in xs:
                    out = G.run_encoder(x, w, DIMS, fused=False, norm=norm)["out"]
                    self.assertLess(clamp_fraction(out), 0.05)
                    self.assertGreater(len(np.unique(out)), 32)

    def test_pre_and_post_norm_differ_and_are_deterministic(self):
        post, pre = self.calibrated("post"), self.calibrated("pre")
        x = pre[1][0]
        a = G.run_encoder(x, post[0], DIMS, fused=False, norm="post")["out"]
        b = G.run_encoder(x, pre[0], DIMS, fused=False, norm="pre")["out"]
        self.assertFalse(np.array_equal(a, b))
        again = self.calibrated("pre")
        self.assertEqual(again[0]["rq_q"], pre[0]["rq_q"])
        self.assertTrue(np.array_equal(G.run_encoder(x, again[0], DIMS, fused=True, norm="pre")["out"],
                                       G.run_encoder(x, pre[0], DIMS, fused=True, norm="pre")["out"]))

    def test_unknown_norm_and_degenerate_input_are_calibration_errors(self):
        w, xs = layer(3)
        with self.assertRaises(C.CalibrationError):
            C.calibrate_params(dict(w), xs, 0.05, DIMS, 0.999, Policy(), norm="sandwich")
        with self.assertRaises(C.CalibrationError):
            C.calibrate_params(dict(w), np.zeros_like(xs), 0.05, DIMS, 0.999, Policy())


if __name__ == "__main__":
    unittest.main()
