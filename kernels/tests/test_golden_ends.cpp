// The network's two ends (the input embedding, a final LayerNorm, pooling, the head), every
// variant, every golden case: bit-exact against the independent numpy model's tensors.
#include "golden_fixture.h"

namespace tinytx::test {
namespace {

class GoldenEnds : public ::testing::TestWithParam<tx_variant> {};

TEST_P(GoldenEnds, EmbeddingWithAndWithoutClsToken)
{
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(case_variant_name(c, GetParam()));
        const auto &d = c->dims;
        const size_t need = tx_embed_s8_get_buffer_size(GetParam(), d.S, c->features, d.E);
        Guarded scratch(need, 3);
        const tx_ctx ctx{scratch.data(), need, GetParam()};
        Guarded out(size_t(d.S) * d.E);
        ASSERT_EQ(TX_OK, tx_embed_s8(&ctx, &c->embed, d.S, c->features, d.E, c->u, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->embed_out, size_t(d.S) * d.E)) << "embedding + pos";
        tx_embed_params with_cls = c->embed;
        with_cls.cls = c->cls;
        ASSERT_EQ(TX_OK, tx_embed_s8(&ctx, &with_cls, d.S - 1, c->features, d.E, c->u, out.s8()));
        EXPECT_TRUE(same_bytes(out.data(), c->embed_cls_out, size_t(d.S) * d.E)) << "CLS + embedding + pos";
        EXPECT_TRUE(out.guards_intact());
        EXPECT_TRUE(scratch.guards_intact());
    }
}

TEST_P(GoldenEnds, HeadLogitsInInt32)
{
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(case_variant_name(c, GetParam()));
        const auto &d = c->dims;
        const size_t need = tx_linear_s32_get_buffer_size(GetParam(), 1, d.E, c->classes);
        Guarded scratch(need, 3);
        const tx_ctx ctx{scratch.data(), need, GetParam()};
        Guarded out(size_t(c->classes) * 4);
        auto *logits = reinterpret_cast<int32_t *>(out.data());
        ASSERT_EQ(TX_OK, tx_linear_s32(&ctx, 1, d.E, c->classes, c->pool[TX_POOL_MEAN], c->head_w,
                                       c->head_b, logits));
        EXPECT_TRUE(same_bytes(logits, c->logits, size_t(c->classes) * 4));
        EXPECT_TRUE(out.guards_intact());
        EXPECT_TRUE(scratch.guards_intact());
    }
}

// The final LayerNorm of a pre-norm stack (NUMERICS.md "Final LayerNorm"), as the network runs it:
// every row then the mean, or only the pooled row for CLS pooling (the same integers, row by row).
TEST_P(GoldenEnds, FinalLayerNormThenHead)
{
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(case_variant_name(c, GetParam()));
        const auto &d = c->dims;
        const size_t act = size_t(d.S) * d.E;
        const size_t need = tx_linear_s32_get_buffer_size(GetParam(), 1, d.E, c->classes);
        Guarded scratch(need, 3);
        const tx_ctx ctx{scratch.data(), need, GetParam()};
        Guarded normed(act), row(size_t(d.E)), out(size_t(c->classes) * 4);
        ASSERT_EQ(TX_OK, tx_layernorm_s8(&ctx, &c->final_norm, d.S, d.E, c->encoder_pre.out, normed.s8()));
        EXPECT_TRUE(same_bytes(normed.data(), c->final_out, act)) << "every row";
        for (tx_pool_mode m : {TX_POOL_FIRST, TX_POOL_LAST}) {
            ASSERT_EQ(TX_OK, tx_pool_s8(&ctx, m, d.S, d.E, c->encoder_pre.out, row.s8()));
            ASSERT_EQ(TX_OK, tx_layernorm_s8(&ctx, &c->final_norm, 1, d.E, row.s8(), row.s8()));
            const int8_t *want = c->final_out + (m == TX_POOL_FIRST ? 0 : act - d.E);
            EXPECT_TRUE(same_bytes(row.data(), want, size_t(d.E))) << "the pooled row alone, mode " << int(m);
        }
        ASSERT_EQ(TX_OK, tx_pool_s8(&ctx, TX_POOL_FIRST, d.S, d.E, c->encoder_pre.out, row.s8()));
        ASSERT_EQ(TX_OK, tx_layernorm_s8(&ctx, &c->final_norm, 1, d.E, row.s8(), row.s8()));
        auto *logits = reinterpret_cast<int32_t *>(out.data());
        ASSERT_EQ(TX_OK, tx_linear_s32(&ctx, 1, d.E, c->classes, row.s8(), c->head_w, c->head_b, logits));
        EXPECT_TRUE(same_bytes(logits, c->logits_final, size_t(c->classes) * 4)) << "CLS head";
        EXPECT_TRUE(normed.guards_intact() && row.guards_intact() && out.guards_intact());
        EXPECT_TRUE(scratch.guards_intact());
    }
}

INSTANTIATE_TEST_SUITE_P(AllVariants, GoldenEnds, ::testing::ValuesIn(all_variants()),
                         [](const auto &info) { return std::string(tx_variant_name(info.param)); });

// Pooling has one implementation; it is checked once, on the encoder's golden output.
TEST(GoldenPool, MeanFirstAndLastToken)
{
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(c->name);
        const auto &d = c->dims;
        const tx_ctx ctx{nullptr, 0, TX_VARIANT_REF};
        for (tx_pool_mode m : {TX_POOL_MEAN, TX_POOL_FIRST, TX_POOL_LAST}) {
            Guarded out(size_t(d.E));
            ASSERT_EQ(TX_OK, tx_pool_s8(&ctx, m, d.S, d.E, c->encoder.out, out.s8()));
            EXPECT_TRUE(same_bytes(out.data(), c->pool[m], size_t(d.E))) << "mode " << int(m);
            EXPECT_TRUE(out.guards_intact());
        }
    }
}

TEST(GoldenPool, RefusesBadArguments)
{
    const tx_ctx ctx{nullptr, 0, TX_VARIANT_REF};
    int8_t x[4] = {1, 2, 3, 4}, y[2];
    EXPECT_EQ(TX_ERR_PARAM, tx_pool_s8(&ctx, static_cast<tx_pool_mode>(7), 2, 2, x, y));
    EXPECT_EQ(TX_ERR_DIM, tx_pool_s8(&ctx, TX_POOL_MEAN, 0, 2, x, y));
    EXPECT_EQ(TX_ERR_NULL, tx_pool_s8(&ctx, TX_POOL_MEAN, 2, 2, nullptr, y));
}

TEST(GoldenPool, MeanRoundsTiesUpAlsoBelowZero)
{
    const tx_ctx ctx{nullptr, 0, TX_VARIANT_REF};
    const int8_t x[4] = {-3, 2, -2, 3}; // S = 2, E = 2: means -2.5 and 2.5
    int8_t y[2];
    ASSERT_EQ(TX_OK, tx_pool_s8(&ctx, TX_POOL_MEAN, 2, 2, x, y));
    EXPECT_EQ(-2, y[0]);
    EXPECT_EQ(3, y[1]);
}

}  // namespace
}  // namespace tinytx::test
