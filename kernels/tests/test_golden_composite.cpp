// MHSA under every schedule and the whole encoder layer, both attention modes, every variant:
// bit-exact with the golden model, inside exactly the scratch their _get_buffer_size asks for.
#include <cstring>

#include "golden_fixture.h"

namespace tinytx::test {
namespace {

std::vector<tx_mhsa_config> schedules(const tx_golden_case *c, tx_attn_mode mode)
{
    const int32_t S = c->dims.S;
    std::vector<tx_mhsa_config> v{{mode, TX_MHSA_LAYERWISE, 0}, {mode, TX_MHSA_HEADWISE, 0}};
    for (int32_t T : {1, 2, 4, S / 2, S - 1, S})
        if (T >= 1 && T <= S) v.push_back({mode, TX_MHSA_DEPTHFIRST, T});
    return v;
}

std::string describe(const tx_mhsa_config &cfg)
{
    static const char *names[] = {"layerwise", "headwise", "depthfirst"};
    return std::string(cfg.mode == TX_ATTN_FUSED ? "fused " : "standard ") + names[cfg.schedule] +
           (cfg.schedule == TX_MHSA_DEPTHFIRST ? " T=" + std::to_string(cfg.tile_rows) : "");
}

class GoldenComposite : public ::testing::TestWithParam<tx_variant> {};

TEST_P(GoldenComposite, MhsaEverySchedule)
{
    const tx_variant v = GetParam();
    for (const auto *c : golden_cases()) {
        const tx_mhsa_dims d{c->dims.S, c->dims.E, c->dims.H, c->dims.P};
        const size_t SE = size_t(d.S) * d.E;
        for (tx_attn_mode mode : {TX_ATTN_STANDARD, TX_ATTN_FUSED}) {
            for (const auto &cfg : schedules(c, mode)) {
                SCOPED_TRACE(case_variant_name(c, v) + " " + describe(cfg));
                const size_t need = tx_mhsa_s8_get_buffer_size(&cfg, &d, v);
                ASSERT_GT(need, 0u);
                Guarded scratch(need, 5), out(SE);
                tx_ctx ctx{scratch.data(), need, v};
                ASSERT_EQ(TX_OK, tx_mhsa_s8(&ctx, &cfg, &d, &c->w.mhsa, c->x, out.s8()));
                const auto &want = mode == TX_ATTN_FUSED ? c->mhsa_fw : c->mhsa;
                EXPECT_TRUE(same_bytes(out.data(), want.out, SE));
                EXPECT_EQ(want.crc, tx_crc32(out.data(), SE));
                EXPECT_TRUE(scratch.guards_intact());
                EXPECT_TRUE(out.guards_intact());
                // out may alias x: every schedule writes its output after its last read of x
                std::memcpy(out.data(), c->x, SE);
                ASSERT_EQ(TX_OK, tx_mhsa_s8(&ctx, &cfg, &d, &c->w.mhsa, out.s8(), out.s8()));
                EXPECT_EQ(want.crc, tx_crc32(out.data(), SE)) << "in place";
            }
        }
    }
}

const tx_golden_output &encoder_want(const tx_golden_case *c, tx_attn_mode mode, tx_norm_position n)
{
    const bool fused = mode == TX_ATTN_FUSED;
    if (n == TX_NORM_PRE) return fused ? c->encoder_pre_fw : c->encoder_pre;
    return fused ? c->encoder_fw : c->encoder;
}

TEST_P(GoldenComposite, EncoderLayerUntiledAndFfnTiled)
{
    const tx_variant v = GetParam();
    for (const auto *c : golden_cases()) {
        const auto &d = c->dims;
        const size_t SE = size_t(d.S) * d.E;
        for (tx_norm_position norm : {TX_NORM_POST, TX_NORM_PRE}) {
            for (tx_attn_mode mode : {TX_ATTN_STANDARD, TX_ATTN_FUSED}) {
                for (int32_t tile : {0, 1, d.F / 3, d.F - 1, d.F}) {
                    for (auto sched : {TX_MHSA_LAYERWISE, TX_MHSA_DEPTHFIRST}) {
                        tx_encoder_config cfg{{mode, sched, std::max(1, d.S / 4)}, tile, norm};
                        SCOPED_TRACE(case_variant_name(c, v) + " " + describe(cfg.mhsa) +
                                     " ffn_tile=" + std::to_string(tile) +
                                     (norm == TX_NORM_PRE ? " pre-norm" : " post-norm"));
                        const size_t need = tx_encoder_s8_get_buffer_size(&cfg, &d, v);
                        Guarded scratch(need, 1), out(SE);
                        tx_ctx ctx{scratch.data(), need, v};
                        ASSERT_EQ(TX_OK, tx_encoder_s8(&ctx, &cfg, &d, &c->w, c->x, out.s8()));
                        const auto &want = encoder_want(c, mode, norm);
                        EXPECT_TRUE(same_bytes(out.data(), want.out, SE));
                        EXPECT_EQ(want.crc, tx_crc32(out.data(), SE));
                        EXPECT_TRUE(scratch.guards_intact());
                        EXPECT_TRUE(out.guards_intact());
                        // out may alias x (a network ping-pongs two buffers)
                        std::memcpy(out.data(), c->x, SE);
                        ASSERT_EQ(TX_OK, tx_encoder_s8(&ctx, &cfg, &d, &c->w, out.s8(), out.s8()));
                        EXPECT_EQ(want.crc, tx_crc32(out.data(), SE)) << "in place";
                    }
                }
            }
        }
    }
}

INSTANTIATE_TEST_SUITE_P(AllVariants, GoldenComposite, ::testing::ValuesIn(all_variants()),
                         [](const auto &info) { return std::string(tx_variant_name(info.param)); });

TEST(MemoryPlan, DepthFirstNeedsLessThanLayerwiseAndShrinksWithT)
{
    for (const auto *c : golden_cases()) {
        SCOPED_TRACE(c->name);
        const tx_mhsa_dims d{c->dims.S, c->dims.E, c->dims.H, c->dims.P};
        tx_mhsa_config lw{TX_ATTN_STANDARD, TX_MHSA_LAYERWISE, 0};
        tx_mhsa_config hw{TX_ATTN_STANDARD, TX_MHSA_HEADWISE, 0};
        tx_mhsa_config df{TX_ATTN_STANDARD, TX_MHSA_DEPTHFIRST, 1};
        tx_mhsa_config dfS{TX_ATTN_STANDARD, TX_MHSA_DEPTHFIRST, d.S};
        const size_t a = tx_mhsa_s8_get_buffer_size(&lw, &d, TX_VARIANT_REF);
        const size_t b = tx_mhsa_s8_get_buffer_size(&hw, &d, TX_VARIANT_REF);
        const size_t e = tx_mhsa_s8_get_buffer_size(&df, &d, TX_VARIANT_REF);
        EXPECT_LE(e, b);
        EXPECT_EQ(b, tx_mhsa_s8_get_buffer_size(&dfS, &d, TX_VARIANT_REF)) << "head-wise is DF with T=S";
        // the S x S maps of all heads dominate layer-wise once H*S*S outgrows the int32
        // accumulator of the by-head schedules
        if (size_t(d.H) * d.S * d.S > size_t(d.S) * d.E * 4) {
            EXPECT_LT(e, a);
        }
    }
}

// the by-head schedules finish through whichever output stage needs less memory: int8 head
// outputs [S][H*P] projected once, or the int32 [S][E] accumulator; H = 1 never takes the int32 one
TEST(MemoryPlan, ByHeadOutputStageIsTheSmaller)
{
    struct Shape { int32_t S, E, H, P; };
    for (const Shape sh : {Shape{81, 32, 8, 32}, Shape{66, 16, 8, 2}, Shape{4, 32, 8, 32},
                           Shape{64, 128, 1, 192}, Shape{64, 64, 16, 4}, Shape{16, 64, 8, 8}}) {
        const tx_mhsa_dims d{sh.S, sh.E, sh.H, sh.P};
        SCOPED_TRACE(std::to_string(sh.S) + "," + std::to_string(sh.E) + "," + std::to_string(sh.H) +
                     "," + std::to_string(sh.P));
        for (int32_t T : {1, sh.S}) {
            const tx_mhsa_config cfg{TX_ATTN_STANDARD, TX_MHSA_DEPTHFIRST, T};
            const size_t concat = size_t(sh.S) * sh.H * sh.P, acc = size_t(sh.S) * sh.E * 4;
            tx_mhsa_plan_info info;
            tx_mhsa_s8_plan_info(&cfg, &d, TX_VARIANT_DSP, &info);
            const tx_mhsa_out_stage st = info.out_stage;
            if (sh.H == 1 || concat + 64 < acc) {
                EXPECT_EQ(TX_MHSA_OUT_CONCAT_S8, st);
            } else if (acc + 64 * 12 < concat) {
                EXPECT_EQ(TX_MHSA_OUT_ACC_S32, st);
            }
        }
    }
}

}  // namespace
}  // namespace tinytx::test
