// Every single operator, every variant, every golden case: bit-exact against the independent
// numpy model's tensors.
#include "golden_fixture.h"

namespace tinytx::test {
namespace {

struct KernelRun {
    const tx_golden_case *c;
    tx_variant v;
    Guarded scratch;
    tx_ctx ctx;
    KernelRun(const tx_golden_case *cs, tx_variant var, size_t need)
        : c(cs), v(var), scratch(need, 3) /* deliberately misaligned */, ctx{scratch.data(), need, var} {}
};

class GoldenOps : public ::testing::TestWithParam<tx_variant> {};

TEST_P(GoldenOps, LinearProjectionsWriteTheirConsumersLayouts)
{
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(case_variant_name(c, GetParam()));
        const auto &d = c->dims;
        const int32_t HP = d.H * d.P;
        const auto &m = c->w.mhsa;
        KernelRun r(c, GetParam(), tx_linear_s8_get_buffer_size(GetParam(), d.S, std::max(d.E, HP), HP));
        Guarded out(size_t(d.S) * std::max(HP, d.E));
        tx_linear_params lp{m.rq_q, TX_LAYOUT_HEAD, d.H};
        ASSERT_EQ(TX_OK, tx_linear_s8(&r.ctx, &lp, d.S, d.E, HP, c->x, m.wq, m.bq, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->q, size_t(d.S) * HP)) << "Q head-major";
        lp.rq = m.rq_k;
        ASSERT_EQ(TX_OK, tx_linear_s8(&r.ctx, &lp, d.S, d.E, HP, c->x, m.wk, m.bk, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->k, size_t(d.S) * HP)) << "K head-major";
        lp = {m.rq_v, TX_LAYOUT_HEAD_T, d.H};
        ASSERT_EQ(TX_OK, tx_linear_s8(&r.ctx, &lp, d.S, d.E, HP, c->x, m.wv, m.bv, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->vt, size_t(d.S) * HP)) << "V head-major transposed";
        lp = {m.rq_o, TX_LAYOUT_ROW, 1};
        ASSERT_EQ(TX_OK, tx_linear_s8(&r.ctx, &lp, d.S, HP, d.E, c->attn, m.wo, m.bo, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->mhsa.out, size_t(d.S) * d.E)) << "output projection";
        lp = {c->rq_q_per_channel, TX_LAYOUT_ROW, 1};
        ASSERT_EQ(TX_OK, tx_linear_s8(&r.ctx, &lp, d.S, d.E, HP, c->x, m.wq, m.bq, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->q_per_channel, size_t(d.S) * HP)) << "per-channel";
        EXPECT_TRUE(out.guards_intact());
        EXPECT_TRUE(r.scratch.guards_intact());
    }
}

TEST_P(GoldenOps, LinearFeedForwardAndFusedQuery)
{
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(case_variant_name(c, GetParam()));
        const auto &d = c->dims;
        KernelRun r(c, GetParam(), tx_linear_s8_get_buffer_size(GetParam(), d.S, std::max(d.E, d.F), d.F));
        Guarded out(size_t(d.S) * std::max(d.F, d.E));
        tx_linear_params lp{c->w.rq1, TX_LAYOUT_ROW, 1};
        ASSERT_EQ(TX_OK, tx_linear_s8(&r.ctx, &lp, d.S, d.E, d.F, c->n1, c->w.w1, c->w.b1, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->hidden_pre, size_t(d.S) * d.F)) << "FFN linear 1";
        lp.rq = c->w.rq2;
        ASSERT_EQ(TX_OK, tx_linear_s8(&r.ctx, &lp, d.S, d.F, d.E, c->hidden, c->w.w2, c->w.b2, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->ffn, size_t(d.S) * d.E)) << "FFN linear 2";
        const auto &m = c->w.mhsa;
        for (int32_t h = 0; h < d.H; ++h) {
            lp.rq = m.rq_xw[h];
            ASSERT_EQ(TX_OK, tx_linear_s8(&r.ctx, &lp, d.S, d.E, d.E, c->x, m.wf + size_t(h) * d.E * d.E,
                                          m.bf + h * d.E, out.s8()));
            EXPECT_TRUE(same_bytes(out.data(), c->xw + size_t(h) * d.S * d.E, size_t(d.S) * d.E))
                << "X.W_h head " << h;
        }
        EXPECT_TRUE(out.guards_intact());
    }
}

TEST_P(GoldenOps, OutputProjectionSplitByHeadInInt32EqualsWhole)
{
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(case_variant_name(c, GetParam()));
        const auto &d = c->dims;
        const int32_t HP = d.H * d.P;
        KernelRun r(c, GetParam(), tx_linear_acc_s32_get_buffer_size(GetParam(), d.S, d.P, d.E));
        std::vector<int32_t> acc(size_t(d.S) * d.E, 0);
        for (int32_t h = 0; h < d.H; ++h)
            ASSERT_EQ(TX_OK, tx_linear_acc_s32(&r.ctx, d.S, d.P, d.E, c->attn + h * d.P, HP,
                                               c->w.mhsa.wo + h * d.P, HP, acc.data()));
        Guarded out(size_t(d.S) * d.E);
        ASSERT_EQ(TX_OK, tx_requant_s32_s8(&r.ctx, &c->w.mhsa.rq_o, d.S, d.E, acc.data(),
                                           c->w.mhsa.bo, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->mhsa.out, size_t(d.S) * d.E));
    }
}

TEST_P(GoldenOps, AttentionHeadEveryTileHeight)
{
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(case_variant_name(c, GetParam()));
        const auto &d = c->dims;
        const int32_t HP = d.H * d.P;
        const auto &m = c->w.mhsa;
        for (int fused = 0; fused < 2; ++fused) {
            const int32_t D = fused ? d.E : d.P;
            for (int32_t T : {1, 3, d.S - 1, d.S}) {
                if (T < 1) continue;
                SCOPED_TRACE((fused ? "fused T=" : "standard T=") + std::to_string(T));
                KernelRun r(c, GetParam(), tx_attention_head_s8_get_buffer_size(GetParam(), T, d.S, D));
                Guarded out(size_t(d.S) * HP);
                for (int32_t h = 0; h < d.H; ++h) {
                    tx_attention_params ap = m.attn;
                    const int8_t *q = c->q + size_t(h) * d.S * d.P;
                    const int8_t *k = c->k + size_t(h) * d.S * d.P;
                    if (fused) {
                        ap.rq_scores = m.rq_scores_fw[h];
                        ap.softmax = m.softmax_fw;
                        q = c->xw + size_t(h) * d.S * d.E;
                        k = c->x;
                    }
                    for (int32_t r0 = 0; r0 < d.S; r0 += T) {
                        int32_t t = std::min(T, d.S - r0);
                        ASSERT_EQ(TX_OK, tx_attention_head_s8(&r.ctx, &ap, t, d.S, D, d.P, q + size_t(r0) * D, D,
                                                              k, D, c->vt + size_t(h) * d.P * d.S,
                                                              out.s8() + size_t(r0) * HP + h * d.P, HP));
                    }
                }
                EXPECT_TRUE(same_bytes(out.data(), fused ? c->attn_fw : c->attn, size_t(d.S) * HP));
                EXPECT_TRUE(out.guards_intact());
                EXPECT_TRUE(r.scratch.guards_intact());
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(AllVariants, GoldenOps, ::testing::ValuesIn(all_variants()),
                         [](const auto &info) { return std::string(tx_variant_name(info.param)); });

// Operators without GEMM have one implementation; they are checked once.
TEST(GoldenNonlinear, SoftmaxBothModes)
{
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(c->name);
        const auto &d = c->dims;
        const size_t n = size_t(d.H) * d.S * d.S;
        Guarded scratch(tx_softmax_s8_get_buffer_size(d.S), 1);
        tx_ctx ctx{scratch.data(), scratch.size(), TX_VARIANT_REF};
        std::vector<uint8_t> out(n);
        ASSERT_EQ(TX_OK, tx_softmax_s8(&ctx, &c->w.mhsa.attn.softmax, d.H * d.S, d.S, c->scores, out.data()));
        EXPECT_TRUE(same_bytes(out.data(), c->probs, n));
        ASSERT_EQ(TX_OK, tx_softmax_s8(&ctx, &c->w.mhsa.softmax_fw, d.H * d.S, d.S, c->scores_fw, out.data()));
        EXPECT_TRUE(same_bytes(out.data(), c->probs_fw, n));
        // in place, as attention uses it
        std::vector<int8_t> inplace(c->scores, c->scores + n);
        ASSERT_EQ(TX_OK, tx_softmax_s8(&ctx, &c->w.mhsa.attn.softmax, d.H * d.S, d.S, inplace.data(),
                                       reinterpret_cast<uint8_t *>(inplace.data())));
        EXPECT_TRUE(same_bytes(inplace.data(), c->probs, n));
        EXPECT_TRUE(scratch.guards_intact());
    }
}

TEST(GoldenNonlinear, GeluLayerNormAdd)
{
    tx_ctx ctx{nullptr, 0, TX_VARIANT_REF};
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(c->name);
        const auto &d = c->dims;
        const size_t SE = size_t(d.S) * d.E, SF = size_t(d.S) * d.F;
        Guarded out(std::max(SE, SF));
        ASSERT_EQ(TX_OK, tx_gelu_s8(&ctx, &c->w.gelu, int32_t(SF), c->hidden_pre, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->hidden, SF)) << "gelu";
        ASSERT_EQ(TX_OK, tx_add_s8(&ctx, &c->w.add1, int32_t(SE), c->x, c->mhsa.out, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->r1, SE)) << "add1";
        ASSERT_EQ(TX_OK, tx_layernorm_s8(&ctx, &c->w.ln1, d.S, d.E, c->r1, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->n1, SE)) << "ln1";
        ASSERT_EQ(TX_OK, tx_add_s8(&ctx, &c->w.add2, int32_t(SE), c->n1, c->ffn, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->r2, SE)) << "add2";
        ASSERT_EQ(TX_OK, tx_layernorm_s8(&ctx, &c->w.ln2, d.S, d.E, c->r2, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->encoder.out, SE)) << "ln2";
        EXPECT_TRUE(out.guards_intact());
    }
}

TEST(GoldenStamp, CasesAreStampedAndChecksummed)
{
    ASSERT_GE(tx_golden_case_count, 4);
    for (const auto *c : golden_cases()) {
        EXPECT_NE(std::string(c->generator).find("gen_golden.py"), std::string::npos) << c->name;
        const size_t SE = size_t(c->dims.S) * c->dims.E;
        EXPECT_EQ(c->mhsa.crc, tx_crc32(c->mhsa.out, SE)) << c->name;
        EXPECT_EQ(c->encoder.crc, tx_crc32(c->encoder.out, SE)) << c->name;
        EXPECT_EQ(c->mhsa_fw.crc, tx_crc32(c->mhsa_fw.out, SE)) << c->name;
        EXPECT_EQ(c->encoder_fw.crc, tx_crc32(c->encoder_fw.out, SE)) << c->name;
    }
}

}  // namespace
}  // namespace tinytx::test
