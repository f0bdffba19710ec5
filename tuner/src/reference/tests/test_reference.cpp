// The host reference run reproduces the golden CRC of every shipped model (standard attention)
// under every schedule and variant, and fused-weight attention gives its own, stable CRC.
#include <gtest/gtest.h>

#include "tinytx/tuner/reference.h"

namespace tinytx::tuner {
namespace {

Model load(const std::string &name)
{
    auto r = load_model(std::filesystem::path(TINYTX_MODELS_DIR) / (name + ".json"));
    EXPECT_TRUE(r.ok()) << r.status().message();
    return std::move(*r);
}

Schedule uniform(const Model &m, LayerKnobs k)
{
    Schedule s;
    s.model = m.name;
    s.layers.assign(m.layers.size(), k);
    return s;
}

class Reference : public ::testing::TestWithParam<std::string> {};

TEST_P(Reference, EveryScheduleGivesTheGoldenCrc)
{
    const Model m = load(GetParam());
    ASSERT_TRUE(m.expected_output_crc32);
    for (MhsaSchedule sched : {MhsaSchedule::kLayerwise, MhsaSchedule::kHeadwise, MhsaSchedule::kDepthfirst})
        for (tx_variant v : {TX_VARIANT_REF, TX_VARIANT_OPT4X2, TX_VARIANT_DSP}) {
            LayerKnobs k;
            k.mhsa = sched;
            k.tile_rows = sched == MhsaSchedule::kDepthfirst ? 1 : 0;
            k.variant = v;
            k.ffn_tile = m.dims.F / 4;
            const auto r = run_reference(m, uniform(m, k));
            ASSERT_TRUE(r.ok()) << r.status().message();
            EXPECT_EQ(r->crc32, *m.expected_output_crc32) << mhsa_name(sched) << " " << tx_variant_name(v);
        }
}

TEST_P(Reference, FusedAttentionIsDeterministicAndScheduleIndependent)
{
    const Model m = load(GetParam());
    ASSERT_TRUE(m.has_fused());
    LayerKnobs lw;
    lw.attention = AttentionMode::kFused;
    LayerKnobs df = lw;
    df.mhsa = MhsaSchedule::kDepthfirst;
    df.tile_rows = 2;
    df.variant = TX_VARIANT_OPT2X2;
    const auto a = run_reference(m, uniform(m, lw)), b = run_reference(m, uniform(m, df));
    ASSERT_TRUE(a.ok() && b.ok()) << a.status().message() << b.status().message();
    EXPECT_EQ(a->crc32, b->crc32);
    EXPECT_EQ(a->output, b->output);
}

INSTANTIATE_TEST_SUITE_P(Models, Reference, ::testing::Values("eegformer", "ecgformer", "tiny4", "cct"));

TEST(Reference, BadScheduleIsAnError)
{
    const Model m = load("eegformer");
    Schedule s = uniform(m, {});
    s.layers.clear();
    EXPECT_FALSE(run_reference(m, s).ok());
}

TEST(Reference, CrcHex) { EXPECT_EQ(crc32_hex(0x1a2b3c4du), "0x1a2b3c4d"); EXPECT_EQ(crc32_hex(0), "0x00000000"); }

// A schedule with GAP9 cluster layers: the reference runs them as the library kernel, with the
// output of the same schedule on one core.
TEST(Reference, ClusterLayersGiveTheSingleCoreOutput)
{
    const Model m = load("tiny4");
    Schedule one;
    LayerKnobs k;
    k.mhsa = MhsaSchedule::kDepthfirst;
    k.tile_rows = 4;
    k.variant = TX_VARIANT_XPULP;
    one.layers.assign(m.layers.size(), k);
    Schedule cluster = one;
    for (LayerKnobs &c : cluster.layers) {
        c.cores = 8;
        c.split = ClusterSplit::kHeads;
    }
    const auto a = run_reference(m, one), b = run_reference(m, cluster);
    ASSERT_TRUE(a.ok()) << a.status().message();
    ASSERT_TRUE(b.ok()) << b.status().message();
    EXPECT_EQ(a->crc32, b->crc32);
    ASSERT_TRUE(m.expected_output_crc32.has_value());
    EXPECT_EQ(b->crc32, *m.expected_output_crc32);
}

} // namespace
} // namespace tinytx::tuner

