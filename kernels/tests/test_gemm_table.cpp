// An image that names its own GEMM table (tinytx/gemm_table.h) runs the variants it lists,
// bit-exact, and every operator refuses the others with TX_ERR_VARIANT. Its own executable: the
// table below replaces the library's for everything linked here.
#include <gtest/gtest.h>

#include <cstring>

#include "golden_fixture.h"
#include "tinytx/gemm_table.h"

// in tx_variant order (C++ has no array designators): ref and dsp only
const tx_gemm_impl tx_gemm_table[TX_VARIANT_COUNT] = {TX_GEMM_IMPL_REF, {}, {}, TX_GEMM_IMPL_DSP, {}, {}};
static_assert(TX_VARIANT_REF == 0 && TX_VARIANT_DSP == 3 && TX_VARIANT_COUNT == 6, "the table's order");

namespace tinytx::test {
namespace {

TEST(GemmTable, ListedVariantsRunLeftOutOnesAreRefused)
{
    const tx_golden_case *c = golden_cases().front();
    const tx_encoder_dims &d = c->dims;
    const size_t SE = size_t(d.S) * d.E;
    const tx_encoder_config cfg{{TX_ATTN_STANDARD, TX_MHSA_DEPTHFIRST, 2}, 0, TX_NORM_POST};
    for (tx_variant v : all_variants()) {
        const size_t need = tx_encoder_s8_get_buffer_size(&cfg, &d, v);
        Guarded scratch(need), out(SE);
        tx_ctx ctx{scratch.data(), need, v};
        const tx_status st = tx_encoder_s8(&ctx, &cfg, &d, &c->w, c->x, out.s8());
        if (v == TX_VARIANT_REF || v == TX_VARIANT_DSP) {
            EXPECT_EQ(st, TX_OK) << tx_variant_name(v);
            EXPECT_EQ(tx_crc32(out.data(), SE), c->encoder.crc) << tx_variant_name(v);
        } else {
            EXPECT_EQ(st, TX_ERR_VARIANT) << tx_variant_name(v);
        }
        // the elementwise operators need no GEMM: they run whatever the table holds
        std::vector<int8_t> n1(SE);
        EXPECT_EQ(tx_layernorm_s8(&ctx, &c->w.ln1, d.S, d.E, c->r1, n1.data()), TX_OK) << tx_variant_name(v);
        EXPECT_EQ(0, std::memcmp(n1.data(), c->n1, SE)) << tx_variant_name(v);
        const tx_linear_params lp{c->w.mhsa.rq_q, TX_LAYOUT_ROW, 1};
        ctx.scratch_size = tx_linear_s8_get_buffer_size(v, d.S, d.E, d.H * d.P);
        std::vector<int8_t> q(size_t(d.S) * d.H * d.P);
        EXPECT_EQ(tx_linear_s8(&ctx, &lp, d.S, d.E, d.H * d.P, c->x, c->w.mhsa.wq, c->w.mhsa.bq, q.data()),
                  v == TX_VARIANT_REF || v == TX_VARIANT_DSP ? TX_OK : TX_ERR_VARIANT)
            << tx_variant_name(v);
    }
}

} // namespace
} // namespace tinytx::test
