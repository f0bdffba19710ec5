#!/usr/bin/python3
"""Self-checks of the golden model (kernels/golden/gen_golden.py).

    /usr/bin/python3 -m unittest discover -s kernels/golden -v
    (or: cd kernels/golden && /usr/bin/python3 -m unittest test_golden -v)

The integer operators are checked against float math (loosely: they are approximations), the
schedule decompositions are checked to be exact, the fused-weight derivation is checked against
the exact bilinear form, and the generator is checked to be deterministic, fast, and to emit C
that compiles and holds exactly the arrays the model computed.
"""

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest
import zlib

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import gen_golden as gg  # noqa: E402

REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
PYTHON = "/usr/bin/python3"
CASES = {}


def setUpModule():
    for cfg in gg.CASES:
        CASES[cfg["name"]] = gg.build_case(cfg)


def float_softmax(v):
    v = v - v.max(axis=-1, keepdims=True)
    e = np.exp(v)
    return e / e.sum(axis=-1, keepdims=True)


def float_gelu(v):
    return 0.5 * v * (1.0 + np.vectorize(math.erf)(v / math.sqrt(2.0)))


class TestHelpers(unittest.TestCase):
    def test_round_half_away(self):
        self.assertEqual(gg.round_half_away(2.5), 3)
        self.assertEqual(gg.round_half_away(-2.5), -3)
        self.assertEqual(gg.round_half_away(0.49), 0)
        self.assertEqual(gg.round_half_away(-1.5), -2)

    def test_multiplier(self):
        self.assertEqual(gg.multiplier(0.5), (2 ** 30, 31))
        self.assertEqual(gg.multiplier(1.0), (2 ** 30, 30))
        # rounding up to 2^31 renormalizes
        self.assertEqual(gg.multiplier(1.0 - 2.0 ** -40), (2 ** 30, 30))
        for r in (1e-6, 3.7e-3, 0.3, 0.99, 7.5):
            mul, shift = gg.multiplier(r)
            self.assertTrue(2 ** 30 <= mul < 2 ** 31)
            self.assertAlmostEqual(mul / 2.0 ** shift / r, 1.0, delta=2.0 ** -30)

    def test_requant_floor_rounding(self):
        acc = np.array([5, -5, 3, -3, -2, 1000, -1000])
        got = gg.clamp8(gg.requant_raw(acc, (1, 1))).tolist()
        # (acc + 1) >> 1 with floor: half rounds up (toward +inf)
        self.assertEqual(got, [3, -2, 2, -1, -1, 127, -128])
        # per-channel along the last axis
        acc = np.array([[8, 8], [-8, -8]])
        got = gg.requant_raw(acc, ([1, 3], [2, 3])).tolist()
        self.assertEqual(got, [[2, 3], [-2, -3]])

    def test_softmax_known_answer(self):
        sm = gg.softmax_params(0.1)
        self.assertEqual(sm, (7, 14, 96))
        # [10, 3]: d = [0, -7], z = [0, 1], p = [0, 0], y = [292, 146], sum 438
        self.assertEqual(gg.softmax_u8([[10, 3]], sm).tolist(), [[170, 85]])
        self.assertEqual(gg.softmax_u8([[-128, -128]], sm).tolist(), [[127, 127]])
        # far below the max: z saturates at 31 and the term vanishes
        out = gg.softmax_u8([[127, -128, 0]], sm)
        self.assertEqual(out[0, 0], 255)
        self.assertEqual(out[0, 1], 0)

    def test_layernorm_known_answer(self):
        # row [1, -1]: sum 0, xc = [2, -2], sq = 8, st = isqrt(4) = 2, z = [256, -256]
        acc = gg.layernorm_acc(np.array([[1, -1]]), np.array([2, 3]), np.array([10, -10]))
        self.assertEqual(acc.tolist(), [[522, -778]])
        # constant row: st = 0 -> 1, z = 0
        acc = gg.layernorm_acc(np.array([[5, 5, 5]]), np.array([1, 1, 1]), np.array([7, 8, 9]))
        self.assertEqual(acc.tolist(), [[7, 8, 9]])
        # trunc toward zero: row [0, 0, 1]: sum 1, xc = [-1, -1, 2], sq = 6, st = isqrt(2) = 1
        acc = gg.layernorm_acc(np.array([[0, 0, 1]]), np.array([1, 1, 1]), np.array([0, 0, 0]))
        self.assertEqual(acc.tolist(), [[-256, -256, 512]])
        # trunc, not floor: xc = [-1, -1, -1, 3] (x = [0,0,0,1], D = 4), sq = 12, st = isqrt(3) = 1
        acc = gg.layernorm_acc(np.array([[0, 0, 0, 1]]), np.ones(4, np.int64), np.zeros(4, np.int64))
        self.assertEqual(acc.tolist(), [[-256, -256, -256, 768]])
        x = np.array([[0, 1, 3]])  # sum 4, xc = [-4, -1, 5], sq = 42, st = isqrt(14) = 3
        acc = gg.layernorm_acc(x, np.ones(3, np.int64), np.zeros(3, np.int64))
        self.assertEqual(acc.tolist(), [[-341, -85, 426]])  # floor would give -342, -86

    def test_gelu_known_answer(self):
        b_q, one = -10, 100
        # x = 0 -> 0; x <= b_q -> 0 (L = -one); x >= -b_q -> x * 2 * one
        g = gg.gelu_acc(np.array([0, -10, -50, 10, 50, 3, -3]), b_q, one)
        # x = 3: m = 3 - 10 = -7, L = 100 - 49 = 51, g = 3 * 151
        # x = -3: L = -51, g = -3 * 49
        self.assertEqual(g.tolist(), [0, 0, 0, 2000, 10000, 453, -147])

    def test_add(self):
        # (3*4 - 1*2 + 2) >> 2 = 3; (-3*4 + 0 + 2) >> 2 = floor(-10/4) = -3
        got = gg.add_raw(np.array([3, -3]), np.array([-1, 0]), (4, 2, 2)).tolist()
        self.assertEqual(got, [3, -3])


class TestOperatorsAgainstFloat(unittest.TestCase):
    def test_softmax_rows(self):
        for name, c in CASES.items():
            S = c["dims"]["S"]
            for path in ("std", "fw"):
                m = c[path]["mhsa"]
                probs = m["probs"]
                sums = probs.sum(axis=-1)
                self.assertTrue((sums <= 255).all() and (sums > 255 - S).all(), (name, path))
                ref = float_softmax(m["scores"].astype(np.float64) * c["scales"]["sc"])
                err = np.abs(probs / 255.0 - ref).max()
                self.assertLess(err, 0.05, (name, path))

    def test_softmax_random_rows(self):
        rng = np.random.default_rng(1)
        for eps in (0.05, 0.08, 0.1):
            sm = gg.softmax_params(eps)
            gg.check_softmax_params(sm, 256)
            x = rng.integers(-128, 128, size=(200, 64))
            x[:, :8] = rng.integers(100, 128, size=(200, 8))  # peaky rows
            p = gg.softmax_u8(x, sm) / 255.0
            ref = float_softmax(x * eps)
            self.assertLess(np.abs(p - ref).max(), 0.05, eps)

    def test_gelu(self):
        for name, c in CASES.items():
            w, sc = c["w"], c["scales"]
            x = np.arange(-128, 128)
            y = gg.requant(gg.gelu_acc(x, w["gelu_b_q"], w["gelu_one"]), w["gelu_rq"])
            ok = (y > -128) & (y < 127)  # unclamped
            got = y * sc["hidden"]
            ref = float_gelu(x * sc["hidden_pre"])
            err = np.abs(got - ref)[ok].max()
            self.assertLess(err, 0.03 * np.abs(ref[ok]).max(), name)

    def test_layernorm(self):
        for name, c in CASES.items():
            w, sc, std = c["w"], c["scales"], c["std"]
            for src, dst, ln, s_out in (("r1", "n1", "ln1", "n1"), ("r2", "out", "ln2", "out")):
                x = std[src].astype(np.float64)
                z = (x - x.mean(axis=1, keepdims=True)) / x.std(axis=1, keepdims=True)
                ref = (z * w[ln + "_gamma"] * sc["gamma"]
                       + w[ln + "_beta"] * sc["gamma"] / 256)
                got = std[dst] * sc[s_out]
                self.assertGreater(gg.pearson(ref, got), 0.99, (name, ln))
                ok = (std[dst] > -128) & (std[dst] < 127)
                tol = 0.05 * np.abs(ref).max()
                self.assertLess(np.abs(ref - got)[ok].max(), tol, (name, ln))

    def test_linear_against_float(self):
        # the calibrated projections keep the real value within one output LSB (+ rounding)
        for name, c in CASES.items():
            w, sc, x = c["w"], c["scales"], c["x"]
            q_row = gg.requant(gg.linear_acc(x, w["wq"], w["bq"]), w["rq_q"])
            real = (x * sc["x"]) @ (w["wq"] * sc["wq"]).T + w["bq"] * sc["x"] * sc["wq"]
            ok = (q_row > -128) & (q_row < 127)
            self.assertLess(np.abs(q_row * sc["q"] - real)[ok].max(), 0.51 * sc["q"] * 1.0001)

    def test_per_channel(self):
        for name, c in CASES.items():
            w, pc = c["w"], c["pc"]
            acc = gg.linear_acc(c["x"], w["wq"], w["bq"])
            for n in range(acc.shape[1]):
                col = gg.requant(acc[:, n], (int(pc["mul"][n]), int(pc["shift"][n])))
                self.assertTrue(np.array_equal(col, pc["out"][:, n]))
            self.assertGreater(np.abs(pc["out"]).max(axis=0).min(), 100, name)


class TestSchedules(unittest.TestCase):
    def test_depthfirst_equals_layerwise(self):
        for name, c in CASES.items():
            S = c["dims"]["S"]
            for fused, path in ((False, "std"), (True, "fw")):
                ref = c[path]["mhsa"]["out"]
                for T in sorted({1, 3, 4, 5, S - 1, S}):
                    if T < 1:
                        continue
                    got = gg.mhsa_depthfirst(c["x"], c["w"], c["dims"], T, fused)
                    self.assertTrue(np.array_equal(got, ref), (name, path, T))

    def test_ffn_tiling(self):
        for name, c in CASES.items():
            F = c["dims"]["F"]
            for path in ("std", "fw"):
                ref = c[path]["ffn"]
                for Fc in sorted({1, 4, 7, 16, F}):
                    got = gg.ffn_tiled(c[path]["n1"], c["w"], Fc)
                    self.assertTrue(np.array_equal(got, ref), (name, path, Fc))

    def test_head_layouts(self):
        for name, c in CASES.items():
            d, m = c["dims"], c["std"]["mhsa"]
            S, H, P = d["S"], d["H"], d["P"]
            q_row = gg.requant(gg.linear_acc(c["x"], c["w"]["wq"], c["w"]["bq"]), c["w"]["rq_q"])
            v_row = gg.requant(gg.linear_acc(c["x"], c["w"]["wv"], c["w"]["bv"]), c["w"]["rq_v"])
            for h, s, p in ((0, 0, 0), (H - 1, S - 1, P - 1), (H // 2, S // 3, P // 2)):
                self.assertEqual(m["q"].ravel()[(h * S + s) * P + p], q_row[s, h * P + p])
                self.assertEqual(m["vt"].ravel()[(h * P + p) * S + s], v_row[s, h * P + p])


class TestFwsa(unittest.TestCase):
    def test_fused_weight_is_the_bilinear_form(self):
        # x_t I x_j^T + J x_j^T == (x_t Wq_h^T + bq_h)(x_j Wk_h^T + bk_h)^T minus the terms that
        # are constant along a row (x_t Wq_h^T bk_h + bq_h bk_h): exact integers
        for name, c in CASES.items():
            w, x, d = c["w"], c["x"], c["dims"]
            P = d["P"]
            for h in range(d["H"]):
                r = slice(h * P, (h + 1) * P)
                wq, wk, bq, bk = w["wq"][r], w["wk"][r], w["bq"][r], w["bk"][r]
                I = wk.T @ wq
                J = bq @ wk
                lhs = x @ I.T @ x.T + (x @ J)[None, :]
                qf, kf = x @ wq.T + bq, x @ wk.T + bk
                rhs = qf @ kf.T - (qf @ bk)[:, None]
                self.assertTrue(np.array_equal(lhs, rhs), (name, h))
                Wh, bh, M = gg.fwsa_weights(wq, wk, bq)
                self.assertEqual(M, np.abs(I).max())
                self.assertEqual(np.abs(Wh).max(), 127)
                self.assertTrue(np.array_equal(Wh, w["wf"][h]))
                # round half away from zero of I*127/M
                ref = np.sign(I) * np.floor(np.abs(I) * 127.0 / M + 0.5)
                self.assertTrue(np.array_equal(Wh, ref.astype(np.int64)))

    def test_fw_scores_correlate(self):
        for name, c in CASES.items():
            s = c["std"]["mhsa"]["scores"].astype(np.float64)
            f = c["fw"]["mhsa"]["scores"].astype(np.float64)
            self.assertGreater(gg.pearson(s, f), 0.95, name)
            sc = s - s.mean(axis=-1, keepdims=True)
            fc = f - f.mean(axis=-1, keepdims=True)
            self.assertGreater(gg.pearson(sc, fc), 0.95, name)
            self.assertGreater(gg.pearson(c["std"]["mhsa"]["out"], c["fw"]["mhsa"]["out"]), 0.95)

    def test_fw_scale_formulas(self):
        for name, c in CASES.items():
            sc, d = c["scales"], c["dims"]
            for h, info in enumerate(c["fw_info"]):
                r_xw = gg.rq_value(c["w"]["rq_xw"][h])
                self.assertAlmostEqual(r_xw * info["max_acc"], 127.0, delta=1e-6)
                # xw . x / (sqrt(P) s_sc) lands on the standard score scale
                r = gg.rq_value(c["w"]["rq_scores_fw"][h])
                ref = info["s_xw"] * sc["x"] / (math.sqrt(d["P"]) * sc["sc"])
                self.assertAlmostEqual(r / ref, 1.0, delta=1e-9)


class TestGenerator(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="tinytx_golden_")
        cls.dirs = []
        cls.times = []
        for i in range(2):
            d = os.path.join(cls.tmp, "run%d" % i)
            t0 = time.monotonic()
            subprocess.run([PYTHON, os.path.join(HERE, "gen_golden.py"), "--out", d], check=True)
            cls.times.append(time.monotonic() - t0)
            cls.dirs.append(d)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_deterministic(self):
        a, b = self.dirs
        names = sorted(os.listdir(a))
        self.assertEqual(names, sorted(os.listdir(b)))
        expect = {"STAMP.txt", "golden_index.c"}
        for n in gg.CASE_NAMES:
            expect |= {"golden_%s.c" % n, "golden_%s.json" % n}
        self.assertEqual(set(names), expect)
        for n in names:
            with open(os.path.join(a, n), "rb") as fa, open(os.path.join(b, n), "rb") as fb:
                self.assertEqual(fa.read(), fb.read(), n)

    def test_fast(self):
        self.assertLess(max(self.times), 30.0)

    def test_json(self):
        for n in gg.CASE_NAMES:
            with open(os.path.join(self.dirs[0], "golden_%s.json" % n)) as f:
                j = json.load(f)
            c = CASES[n]
            self.assertEqual(j["crc"]["mhsa"], zlib.crc32(c["std"]["mhsa"]["out"].astype(np.int8).tobytes()))
            self.assertEqual(j["crc"]["encoder"], zlib.crc32(c["std"]["out"].astype(np.int8).tobytes()))
            self.assertEqual(j["crc"]["mhsa_fw"], zlib.crc32(c["fw"]["mhsa"]["out"].astype(np.int8).tobytes()))
            self.assertEqual(j["crc"]["encoder_fw"], zlib.crc32(c["fw"]["out"].astype(np.int8).tobytes()))
            self.assertEqual(j["dims"], c["dims"])

    def test_subset(self):
        d = os.path.join(self.tmp, "subset")
        subprocess.run([PYTHON, os.path.join(HERE, "gen_golden.py"), "--out", d,
                        "--cases", "odd,tiny4"], check=True)
        with open(os.path.join(d, "golden_index.c")) as f:
            idx = f.read()
        self.assertIn("tx_golden_case_count = 2;", idx)
        with open(os.path.join(d, "golden_odd.c"), "rb") as f1, \
                open(os.path.join(self.dirs[0], "golden_odd.c"), "rb") as f2:
            self.assertEqual(f1.read(), f2.read())

    @unittest.skipUnless(shutil.which("gcc"), "gcc not installed")
    def test_c_compiles_and_holds_the_arrays(self):
        """Compile every generated file with -Werror, link a checker that CRCs every array
        through the struct, and compare with the model's arrays."""
        d = self.dirs[0]
        inc = ["-I", os.path.join(REPO, "kernels", "include"),
               "-I", os.path.join(REPO, "kernels", "tests")]
        checker = os.path.join(self.tmp, "check.c")
        with open(checker, "w") as f:
            f.write(CHECKER_C)
        srcs = [os.path.join(d, "golden_%s.c" % n) for n in gg.CASE_NAMES]
        srcs += [os.path.join(d, "golden_index.c"), checker]
        exe = os.path.join(self.tmp, "check")
        subprocess.run(["gcc", "-std=c11", "-Wall", "-Wextra", "-Werror", "-pedantic", "-O0"]
                       + inc + srcs + ["-o", exe], check=True)
        out = subprocess.run([exe], check=True, capture_output=True, text=True).stdout
        got = {}
        for line in out.splitlines():
            case, field, val = line.split()
            got[(case, field)] = int(val)
        for n in gg.CASE_NAMES:
            c = CASES[n]
            w, ms, mf = c["w"], c["std"]["mhsa"], c["fw"]["mhsa"]
            d_ = c["dims"]
            exp = {
                "S": d_["S"], "E": d_["E"], "H": d_["H"], "P": d_["P"], "F": d_["F"],
                "x": c["x"], "wq": w["wq"], "wk": w["wk"], "wv": w["wv"], "wo": w["wo"],
                "bq": w["bq"], "bk": w["bk"], "bv": w["bv"], "bo": w["bo"],
                "wf": w["wf"], "bf": w["bf"], "w1": w["w1"], "b1": w["b1"],
                "w2": w["w2"], "b2": w["b2"], "g1": w["ln1_gamma"], "be1": w["ln1_beta"],
                "g2": w["ln2_gamma"], "be2": w["ln2_beta"],
                "q": ms["q"], "k": ms["k"], "vt": ms["vt"], "scores": ms["scores"],
                "probs": ms["probs"], "attn": ms["attn"], "mhsa": ms["out"],
                "r1": c["std"]["r1"], "n1": c["std"]["n1"], "hidden_pre": c["std"]["hidden_pre"],
                "hidden": c["std"]["hidden"], "ffn": c["std"]["ffn"], "r2": c["std"]["r2"],
                "encoder": c["std"]["out"], "xw": mf["xw"], "scores_fw": mf["scores"],
                "probs_fw": mf["probs"], "attn_fw": mf["attn"], "mhsa_fw": mf["out"],
                "encoder_fw": c["fw"]["out"], "q_pc": c["pc"]["out"],
                "pc_mul": c["pc"]["mul"], "pc_shift": c["pc"]["shift"],
                "rq_scores_mul": w["rq_scores"][0], "rq_av_shift": w["rq_av"][1],
                "gelu_one": w["gelu_one"], "add2_mul_b": w["add2"][1],
                "rq_xw_last_mul": w["rq_xw"][-1][0],
                "rq_scores_fw_last_shift": w["rq_scores_fw"][-1][1],
                "sm_fw_c": w["softmax_fw"][2],
            }
            for k, v in exp.items():
                if isinstance(v, np.ndarray):
                    if k in ("probs", "probs_fw"):
                        b = v.astype(np.uint8).tobytes()
                    elif v.dtype == np.int64 and k in ("bq", "bk", "bv", "bo", "bf", "b1", "b2",
                                                        "be1", "be2", "pc_mul", "pc_shift"):
                        b = v.astype("<i4").tobytes()
                    else:
                        b = v.astype(np.int8).tobytes()
                    v = zlib.crc32(b)
                self.assertEqual(got[(n, k)], int(v), (n, k))
            self.assertEqual(got[(n, "crc_ok")], 1, n)


CHECKER_C = r"""
#include <stdio.h>
#include <string.h>
#include "golden_case.h"

static uint32_t crc32_bytes(const void *p, size_t n) {
    const uint8_t *b = (const uint8_t *)p;
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= b[i];
        for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
    }
    return c ^ 0xFFFFFFFFu;
}
/* int32 arrays as little-endian bytes, whatever the host */
static uint32_t crc32_i32(const int32_t *p, size_t n) {
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        uint32_t v = (uint32_t)p[i];
        for (int j = 0; j < 4; j++) {
            c ^= (v >> (8 * j)) & 0xFFu;
            for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1u)));
        }
    }
    return c ^ 0xFFFFFFFFu;
}

#define P8(f, ptr, n) printf("%s %s %u\n", g->name, f, (unsigned)crc32_bytes((ptr), (size_t)(n)))
#define P32(f, ptr, n) printf("%s %s %u\n", g->name, f, (unsigned)crc32_i32((ptr), (size_t)(n)))
#define PI(f, v) printf("%s %s %ld\n", g->name, f, (long)(v))

int main(void) {
    for (int i = 0; i < tx_golden_case_count; i++) {
        const tx_golden_case *g = tx_golden_cases[i];
        const tx_encoder_dims *d = &g->dims;
        const tx_mhsa_weights *m = &g->w.mhsa;
        long S = d->S, E = d->E, H = d->H, P = d->P, F = d->F, N = H * P;
        PI("S", S); PI("E", E); PI("H", H); PI("P", P); PI("F", F);
        P8("x", g->x, S * E);
        P8("wq", m->wq, N * E); P8("wk", m->wk, N * E); P8("wv", m->wv, N * E);
        P8("wo", m->wo, E * N);
        P32("bq", m->bq, N); P32("bk", m->bk, N); P32("bv", m->bv, N); P32("bo", m->bo, E);
        P8("wf", m->wf, H * E * E); P32("bf", m->bf, H * E);
        P8("w1", g->w.w1, F * E); P32("b1", g->w.b1, F);
        P8("w2", g->w.w2, E * F); P32("b2", g->w.b2, E);
        P8("g1", g->w.ln1.gamma, E); P32("be1", g->w.ln1.beta, E);
        P8("g2", g->w.ln2.gamma, E); P32("be2", g->w.ln2.beta, E);
        P8("q", g->q, H * S * P); P8("k", g->k, H * S * P); P8("vt", g->vt, H * P * S);
        P8("scores", g->scores, H * S * S); P8("probs", g->probs, H * S * S);
        P8("attn", g->attn, S * N); P8("mhsa", g->mhsa.out, S * E);
        P8("r1", g->r1, S * E); P8("n1", g->n1, S * E);
        P8("hidden_pre", g->hidden_pre, S * F); P8("hidden", g->hidden, S * F);
        P8("ffn", g->ffn, S * E); P8("r2", g->r2, S * E);
        P8("encoder", g->encoder.out, S * E);
        P8("xw", g->xw, H * S * E);
        P8("scores_fw", g->scores_fw, H * S * S); P8("probs_fw", g->probs_fw, H * S * S);
        P8("attn_fw", g->attn_fw, S * N);
        P8("mhsa_fw", g->mhsa_fw.out, S * E); P8("encoder_fw", g->encoder_fw.out, S * E);
        P8("q_pc", g->q_per_channel, S * N);
        P32("pc_mul", g->rq_q_per_channel.ch_mul, N);
        P32("pc_shift", g->rq_q_per_channel.ch_shift, N);
        PI("rq_scores_mul", m->attn.rq_scores.mul);
        PI("rq_av_shift", m->attn.rq_av.shift);
        PI("gelu_one", g->w.gelu.one);
        PI("add2_mul_b", g->w.add2.mul_b);
        PI("rq_xw_last_mul", m->rq_xw[H - 1].mul);
        PI("rq_scores_fw_last_shift", m->rq_scores_fw[H - 1].shift);
        PI("sm_fw_c", m->softmax_fw.c);
        int ok = crc32_bytes(g->mhsa.out, (size_t)(S * E)) == g->mhsa.crc &&
                 crc32_bytes(g->encoder.out, (size_t)(S * E)) == g->encoder.crc &&
                 crc32_bytes(g->mhsa_fw.out, (size_t)(S * E)) == g->mhsa_fw.crc &&
                 crc32_bytes(g->encoder_fw.out, (size_t)(S * E)) == g->encoder_fw.crc &&
                 m->rq_q.ch_mul == NULL && g->rq_q_per_channel.ch_mul != NULL &&
                 strstr(g->generator, "gen_golden.py") != NULL;
        PI("crc_ok", ok);
    }
    return 0;
}
"""


if __name__ == "__main__":
    unittest.main()
