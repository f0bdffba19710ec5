// An MHSA with fewer than 256 scores computes every exp directly instead of building the
// 256-entry table (mhsa.c, tx_mhsa_uses_table): the same integers as the table path. Checked on
// the golden case "odd" cut to its first 4 rows (3 heads x 4 x 4 = 48 scores) against the same
// MHSA composed from the public linear and single-head attention kernels, whose softmax always
// goes through the table.
#include <algorithm>
#include <cstring>
#include <string>

#include "golden_fixture.h"

namespace tinytx::test {
namespace {

TEST(MhsaNoTable, SameIntegersAsTheTablePath)
{
    const tx_golden_case *c = golden_case("odd");
    ASSERT_NE(c, nullptr);
    const int32_t S = 4, E = c->dims.E, H = c->dims.H, P = c->dims.P, HP = H * P;
    ASSERT_LT(H * S * S, 256);
    const tx_mhsa_weights &w = c->w.mhsa;
    std::vector<uint8_t> scratch(1 << 16);
    tx_ctx ctx{scratch.data(), scratch.size(), TX_VARIANT_REF};

    // the composition: Q, K head-major, V head-major transposed, one head at a time, projection
    std::vector<int8_t> q(S * HP), k(S * HP), vt(S * HP), attn(S * HP), want(S * E);
    tx_linear_params lp{w.rq_q, TX_LAYOUT_HEAD, H};
    ASSERT_EQ(TX_OK, tx_linear_s8(&ctx, &lp, S, E, HP, c->x, w.wq, w.bq, q.data()));
    lp.rq = w.rq_k;
    ASSERT_EQ(TX_OK, tx_linear_s8(&ctx, &lp, S, E, HP, c->x, w.wk, w.bk, k.data()));
    lp = {w.rq_v, TX_LAYOUT_HEAD_T, H};
    ASSERT_EQ(TX_OK, tx_linear_s8(&ctx, &lp, S, E, HP, c->x, w.wv, w.bv, vt.data()));
    for (int32_t h = 0; h < H; ++h)
        ASSERT_EQ(TX_OK, tx_attention_head_s8(&ctx, &w.attn, S, S, P, P, q.data() + h * S * P, P,
                                              k.data() + h * S * P, P, vt.data() + h * P * S,
                                              attn.data() + h * P, HP));
    lp = {w.rq_o, TX_LAYOUT_ROW, 1};
    ASSERT_EQ(TX_OK, tx_linear_s8(&ctx, &lp, S, HP, E, attn.data(), w.wo, w.bo, want.data()));

    const tx_mhsa_dims d{S, E, H, P};
    for (tx_variant v : all_variants()) {
        for (const tx_mhsa_config cfg : {tx_mhsa_config{TX_ATTN_STANDARD, TX_MHSA_LAYERWISE, 0},
                                         tx_mhsa_config{TX_ATTN_STANDARD, TX_MHSA_HEADWISE, 0},
                                         tx_mhsa_config{TX_ATTN_STANDARD, TX_MHSA_DEPTHFIRST, 1},
                                         tx_mhsa_config{TX_ATTN_STANDARD, TX_MHSA_DEPTHFIRST, 3}}) {
            SCOPED_TRACE(std::string(tx_variant_name(v)) + " schedule " + std::to_string(cfg.schedule) +
                         " T=" + std::to_string(cfg.tile_rows));
            const size_t need = tx_mhsa_s8_get_buffer_size(&cfg, &d, v);
            Guarded buf(need, 3), out(S * E);
            tx_ctx c2{buf.data(), need, v};
            ASSERT_EQ(TX_OK, tx_mhsa_s8(&c2, &cfg, &d, &w, c->x, out.s8()));
            EXPECT_TRUE(same_bytes(out.data(), want.data(), size_t(S) * E));
            EXPECT_TRUE(buf.guards_intact());
        }
    }
}

}  // namespace
}  // namespace tinytx::test
