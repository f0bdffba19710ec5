// Host-side FWSA derivation: reproduces the golden model's fused weights from the int8 Q/K
// projections, and reports how far fused attention is from the standard path.
#include <cmath>
#include <cstdio>

#include "golden_fixture.h"
#include "tinytx/fwsa.h"

namespace tinytx::test {
namespace {

TEST(Fwsa, QuantizeMultiplier)
{
    int32_t mul = 0, shift = 0;
    ASSERT_EQ(TX_OK, tx_quantize_multiplier(0.5, &mul, &shift));
    EXPECT_EQ(1 << 30, mul);
    EXPECT_EQ(31, shift);
    ASSERT_EQ(TX_OK, tx_quantize_multiplier(0.0123, &mul, &shift));
    EXPECT_NEAR(0.0123, mul / std::ldexp(1.0, shift), 0.0123 * 1e-9);  // 31-bit mantissa
    EXPECT_EQ(TX_ERR_PARAM, tx_quantize_multiplier(0.0, &mul, &shift));
    EXPECT_EQ(TX_ERR_PARAM, tx_quantize_multiplier(-1.0, &mul, &shift));
    ASSERT_EQ(TX_OK, tx_quantize_multiplier(4.0, &mul, &shift));
    EXPECT_EQ(28, shift);
    EXPECT_EQ(TX_ERR_PARAM, tx_quantize_multiplier(4e9, &mul, &shift)) << "shift would be -1";
    EXPECT_EQ(TX_ERR_PARAM, tx_quantize_multiplier(1e-30, &mul, &shift)) << "shift would exceed 62";
}

TEST(Fwsa, DerivationMatchesGoldenModel)
{
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(c->name);
        const auto &d = c->dims;
        const auto &m = c->w.mhsa;
        std::vector<int8_t> wf(size_t(d.H) * d.E * d.E);
        std::vector<int32_t> bf(size_t(d.H) * d.E);
        std::vector<tx_requant> rx(d.H), rs(d.H);
        tx_fwsa_input in{{d.S, d.E, d.H, d.P}, m.wq, m.wk, m.bq, c->s_x, c->s_wq, c->s_wk, c->s_sc, c->x, d.S};
        tx_fwsa_output out{wf.data(), bf.data(), rx.data(), rs.data()};
        ASSERT_EQ(TX_OK, tx_fwsa_derive(&in, &out));
        EXPECT_TRUE(same_bytes(wf.data(), m.wf, wf.size())) << "W_h";
        EXPECT_TRUE(same_bytes(bf.data(), m.bf, bf.size() * 4)) << "b_h";
        for (int32_t h = 0; h < d.H; ++h) {
            // multipliers come from doubles: allow the last bit of evaluation-order rounding
            EXPECT_EQ(m.rq_xw[h].shift, rx[h].shift) << "head " << h;
            EXPECT_NEAR(m.rq_xw[h].mul, rx[h].mul, 2) << "head " << h;
            EXPECT_EQ(m.rq_scores_fw[h].shift, rs[h].shift) << "head " << h;
            EXPECT_NEAR(m.rq_scores_fw[h].mul, rs[h].mul, 2) << "head " << h;
        }
    }
}

TEST(Fwsa, ParameterCountIsThreeQuartersWhenEEqualsP)
{
    // Q, K, V, O weights: 4*H*P*E standard; H*E*E (fused Q/K) + 2*H*P*E (V, O) fused
    for (const auto *c : golden_cases()) {
        const auto &d = c->dims;
        const long standard = 4L * d.H * d.P * d.E, fused = long(d.H) * d.E * d.E + 2L * d.H * d.P * d.E;
        if (d.E == d.P) {
            EXPECT_EQ(4 * fused, 3 * standard) << c->name;
        }
        std::printf("[fwsa] %-10s Q/K/V/O weight bytes: standard %ld, fused %ld (%.1f%%)\n", c->name,
                    standard, fused, 100.0 * fused / standard);
    }
}

TEST(Fwsa, DeviationFromStandardPathIsReported)
{
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(c->name);
        const tx_mhsa_dims d{c->dims.S, c->dims.E, c->dims.H, c->dims.P};
        tx_fwsa_deviation dev{};
        ASSERT_EQ(TX_OK, tx_fwsa_deviation_measure(&d, &c->w.mhsa, c->x, &dev));
        EXPECT_EQ(int64_t(d.H) * d.S, dev.rows);
        EXPECT_TRUE(std::isfinite(dev.mean_abs_prob));
        EXPECT_LE(dev.max_abs_prob, 1.0);
        std::printf("[fwsa] %-10s scores: max |diff| %d LSB, mean %.3f LSB; probabilities: max %.4f, mean %.5f\n",
                    c->name, dev.max_abs_score_lsb, dev.mean_abs_score_lsb, dev.max_abs_prob,
                    dev.mean_abs_prob);
    }
}

}  // namespace
}  // namespace tinytx::test
