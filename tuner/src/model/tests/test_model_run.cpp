// Run every shipped model through tx_encoder_s8, layer by layer, with every kernel variant, on
// its calibration input: the variants agree bit for bit, the output is what the independent
// golden model (models/gen_models.py via kernels/golden) computed, and it is not degenerate.
#include <algorithm>
#include <set>

#include <gtest/gtest.h>

#include "model_test_util.h"
#include "tinytx/tuner/model.h"

namespace tinytx::tuner {
namespace {

std::vector<int8_t> run_model(const Model &m, const tx_encoder_config &cfg, tx_variant v)
{
    const size_t n = size_t(m.dims.S) * m.dims.E;
    std::vector<int8_t> x = m.calibration_input, y(n);
    std::vector<unsigned char> scratch(tx_encoder_s8_get_buffer_size(&cfg, &m.dims, v));
    tx_ctx ctx{scratch.data(), scratch.size(), v};
    for (size_t i = 0; i < m.layers.size(); ++i) {
        EncoderWeightsView w;
        m.encoder_weights(i, w);
        tx_status st = tx_encoder_s8(&ctx, &cfg, &m.dims, &w.w, x.data(), y.data());
        EXPECT_EQ(st, TX_OK) << m.name << " layer " << i << " variant " << tx_variant_name(v) << ": "
                             << tx_status_name(st);
        // non-degenerate after every layer: many distinct values, few clamps
        std::set<int8_t> distinct(y.begin(), y.end());
        size_t clamps = std::count_if(y.begin(), y.end(), [](int8_t b) { return b == 127 || b == -128; });
        EXPECT_GT(distinct.size(), 32u) << m.name << " layer " << i;
        EXPECT_LT(clamps, n / 20) << m.name << " layer " << i;
        x.swap(y);
    }
    return x;
}

class ModelRun : public ::testing::TestWithParam<std::string> {};

TEST_P(ModelRun, EveryVariantAgreesAndMatchesGolden)
{
    auto r = load_model(test::models_dir() / (GetParam() + ".json"));
    ASSERT_TRUE(r.ok()) << r.status().message();
    const Model &m = *r;
    tx_encoder_config cfg{};
    cfg.mhsa.mode = TX_ATTN_STANDARD;
    cfg.mhsa.schedule = TX_MHSA_LAYERWISE;
    std::vector<int8_t> ref = run_model(m, cfg, TX_VARIANT_REF);
    ASSERT_TRUE(m.expected_output_crc32.has_value());
    EXPECT_EQ(tx_crc32(ref.data(), ref.size()), *m.expected_output_crc32)
        << "the C kernels disagree with the golden model on " << m.name;
    for (int v = TX_VARIANT_REF + 1; v < TX_VARIANT_COUNT; ++v)
        EXPECT_EQ(run_model(m, cfg, tx_variant(v)), ref) << tx_variant_name(tx_variant(v));

    // a depth-first schedule with tiled FFN computes the same integers
    tx_encoder_config df = cfg;
    df.mhsa.schedule = TX_MHSA_DEPTHFIRST;
    df.mhsa.tile_rows = std::max(1, m.dims.S / 3);
    df.ffn_tile = std::max(1, m.dims.F / 4);
    EXPECT_EQ(run_model(m, df, TX_VARIANT_OPT4X2), ref);

    // fused-weight attention: all variants agree with each other
    tx_encoder_config fw = cfg;
    fw.mhsa.mode = TX_ATTN_FUSED;
    fw.mhsa.schedule = TX_MHSA_HEADWISE;
    std::vector<int8_t> ref_fw = run_model(m, fw, TX_VARIANT_REF);
    for (int v = TX_VARIANT_REF + 1; v < TX_VARIANT_COUNT; ++v)
        EXPECT_EQ(run_model(m, fw, tx_variant(v)), ref_fw) << "fused " << tx_variant_name(tx_variant(v));
}

INSTANTIATE_TEST_SUITE_P(Models, ModelRun, ::testing::ValuesIn(test::shipped_models()),
                         [](const auto &info) { return info.param; });

} // namespace
} // namespace tinytx::tuner
