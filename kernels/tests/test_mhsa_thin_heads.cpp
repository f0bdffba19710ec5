// Thin heads (P <= 4) and small depth-first tiles run their scores, query projections and A.V in
// direct loops (attention.c) instead of the GEMM: every variant and schedule must give the ref
// layer-wise integers. The golden case "odd" cut to P = 1..4 per head, E = 19 (a reduction
// tail) and S = 13 or 6 (odd and even key counts).
#include <string>

#include "golden_fixture.h"

namespace tinytx::test {
namespace {

// the first rows/columns of a row-major [rows][cols] matrix with row stride ld
std::vector<int8_t> cut(const int8_t *m, int32_t ld, int32_t rows, int32_t cols)
{
    std::vector<int8_t> out;
    for (int32_t r = 0; r < rows; ++r)
        out.insert(out.end(), m + r * ld, m + r * ld + cols);
    return out;
}

TEST(MhsaThinHeads, EveryVariantAndScheduleMatchesRefLayerwise)
{
    const tx_golden_case *c = golden_case("odd");
    ASSERT_NE(c, nullptr);
    const int32_t E0 = c->dims.E, HP0 = c->dims.H * c->dims.P, E = E0 - 1, H = 2;
    const tx_mhsa_weights &w0 = c->w.mhsa;
    for (int32_t P = 1; P <= 4; ++P) {
        const int32_t HP = H * P;
        ASSERT_LE(HP, HP0);
        const std::vector<int8_t> wq = cut(w0.wq, E0, HP, E), wk = cut(w0.wk, E0, HP, E),
                                  wv = cut(w0.wv, E0, HP, E), wo = cut(w0.wo, HP0, E, HP);
        tx_mhsa_weights w = w0;
        w.wq = wq.data();
        w.wk = wk.data();
        w.wv = wv.data();
        w.wo = wo.data();
        for (const int32_t S : {13, 6}) {
            const std::vector<int8_t> x = cut(c->x, E0, S, E);
            const tx_mhsa_dims d{S, E, H, P};
            std::vector<int8_t> want(size_t(S) * E);
            {
                const tx_mhsa_config cfg{TX_ATTN_STANDARD, TX_MHSA_LAYERWISE, 0};
                std::vector<uint8_t> buf(tx_mhsa_s8_get_buffer_size(&cfg, &d, TX_VARIANT_REF));
                tx_ctx ctx{buf.data(), buf.size(), TX_VARIANT_REF};
                ASSERT_EQ(TX_OK, tx_mhsa_s8(&ctx, &cfg, &d, &w, x.data(), want.data()));
            }
            std::vector<tx_mhsa_config> cfgs{{TX_ATTN_STANDARD, TX_MHSA_LAYERWISE, 0},
                                             {TX_ATTN_STANDARD, TX_MHSA_HEADWISE, 0}};
            for (int32_t T = 1; T <= 7 && T <= S; ++T)
                cfgs.push_back({TX_ATTN_STANDARD, TX_MHSA_DEPTHFIRST, T});
            for (tx_variant v : all_variants()) {
                for (const tx_mhsa_config &cfg : cfgs) {
                    SCOPED_TRACE(std::string(tx_variant_name(v)) + " P=" + std::to_string(P) +
                                 " S=" + std::to_string(S) + " schedule " +
                                 std::to_string(cfg.schedule) + " T=" + std::to_string(cfg.tile_rows));
                    const size_t need = tx_mhsa_s8_get_buffer_size(&cfg, &d, v);
                    Guarded buf(need, 3), out(size_t(S) * E);
                    tx_ctx ctx{buf.data(), need, v};
                    ASSERT_EQ(TX_OK, tx_mhsa_s8(&ctx, &cfg, &d, &w, x.data(), out.s8()));
                    EXPECT_TRUE(same_bytes(out.data(), want.data(), size_t(S) * E));
                    EXPECT_TRUE(buf.guards_intact());
                }
            }
        }
    }
}

}  // namespace
}  // namespace tinytx::test
