#include <gtest/gtest.h>

#include "tinytx/platform/board_profile.h"
#include "tinytx/tuner/memory_planner.h"

using namespace tinytx::tuner;

static const tx_encoder_dims kEeg{81, 32, 8, 32, 128};

static Schedule one_layer(LayerKnobs k, size_t n = 1)
{
    Schedule s;
    s.layers.assign(n, k);
    return s;
}

// run.c: tx_fw_place(x = S*E), tx_fw_place(out = S*E), tx_fw_place(scratch), 8-byte aligned.
static size_t run_c_layout(const tx_encoder_dims &d, size_t scratch)
{
    size_t used = 0;
    auto place = [&](size_t bytes) {
        size_t off = (used + 7u) & ~size_t(7u);
        used = off + bytes;
        return off;
    };
    place(size_t(d.S) * d.E);
    place(size_t(d.S) * d.E);
    place(scratch);
    return used;
}

TEST(MemoryPlanner, EegformerDepthFirstMatchesFirmwareLayout)
{
    const LayerKnobs k{AttentionMode::kStandard, MhsaSchedule::kDepthfirst, 9, TX_VARIANT_DSP, 0, ""};
    const tx_encoder_config cfg = to_encoder_config(k);
    const size_t scratch = tx_encoder_s8_get_buffer_size(&cfg, &kEeg, TX_VARIANT_DSP);
    auto r = plan_memory(kEeg, 1, one_layer(k));
    ASSERT_TRUE(r.ok()) << r.status().message();
    const MemoryPlan &p = *r;
    EXPECT_EQ(p.peak_bytes, run_c_layout(kEeg, scratch));
    EXPECT_EQ(p.peak_bytes, 81u * 32u * 2u + scratch);  // 2592 is a multiple of 8: no padding
    EXPECT_EQ(p.layers[0].x_offset, 0u);
    EXPECT_EQ(p.layers[0].out_offset, 2592u);
    EXPECT_EQ(p.layers[0].scratch_offset, 5184u);
    // The firmware's painted arena_peak for this configuration (bench on the emulator) is the
    // highest byte written; it never exceeds the layout the planner reports.
    std::printf("eegformer depthfirst T=9 dsp: scratch=%zu layout=%zu\n", scratch, p.peak_bytes);
}

TEST(MemoryPlanner, PingPongAndPeakOverLayers)
{
    Schedule s = one_layer({AttentionMode::kStandard, MhsaSchedule::kHeadwise, 0, TX_VARIANT_OPT4X2, 0, ""}, 3);
    s.layers[1] = {AttentionMode::kStandard, MhsaSchedule::kLayerwise, 0, TX_VARIANT_OPT4X2, 0, ""};
    auto r = plan_memory(kEeg, 3, s);
    ASSERT_TRUE(r.ok()) << r.status().message();
    const MemoryPlan &p = *r;
    ASSERT_EQ(p.layers.size(), 3u);
    EXPECT_EQ(p.layers[0].x_offset, p.layers[1].out_offset);
    EXPECT_EQ(p.layers[0].out_offset, p.layers[1].x_offset);
    EXPECT_EQ(p.layers[2].x_offset, 0u);
    EXPECT_EQ(p.peak_layer, 1);  // layer-wise needs the most scratch
    size_t mx = 0;
    for (const auto &l : p.layers) {
        mx = std::max(mx, l.layout_bytes);
        EXPECT_EQ(l.layout_bytes, run_c_layout(kEeg, l.scratch_size));
    }
    EXPECT_EQ(p.peak_bytes, mx);
    ASSERT_EQ(p.buffers.size(), 3u);
    EXPECT_EQ(p.buffers[2].offset + p.buffers[2].size, p.peak_bytes);
    for (const auto &b : p.buffers)
        EXPECT_EQ(b.offset % 8, 0u);
    EXPECT_TRUE(p.fits(p.peak_bytes));
    EXPECT_FALSE(p.fits(p.peak_bytes - 1));
}

TEST(MemoryPlanner, OddActivationSizeIsAligned)
{
    const tx_encoder_dims d{5, 3, 1, 2, 4};  // S*E = 15
    auto r = plan_memory(d, 1, one_layer({AttentionMode::kStandard, MhsaSchedule::kHeadwise, 0, TX_VARIANT_REF, 0, ""}));
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->layers[0].out_offset, 16u);
    EXPECT_EQ(r->layers[0].scratch_offset, 32u);
    EXPECT_EQ(r->peak_bytes, run_c_layout(d, r->layers[0].scratch_size));
}

TEST(MemoryPlanner, BadScheduleIsAnError)
{
    auto r = plan_memory(kEeg, 2, one_layer({}, 1));
    EXPECT_FALSE(r.ok());
    EXPECT_NE(r.status().message().find("layers"), std::string::npos);
}

TEST(MemoryPlanner, Placement)
{
    tinytx::platform::BoardProfile b;
    b.name = "toy";
    b.memory = {{"flash", 0, 1 << 20, "flash"}, {"small", 0, 4096, "tcm"}, {"big", 0, 1 << 20, "ram"}};
    Schedule s = one_layer({AttentionMode::kStandard, MhsaSchedule::kDepthfirst, 9, TX_VARIANT_DSP, 0, "big"});
    auto r = plan_memory(kEeg, 1, s);
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(check_placement(*r, s, b).ok());
    s.layers[0].placement = "small";
    EXPECT_NE(check_placement(*r, s, b).message().find("does not fit"), std::string::npos);
    s.layers[0].placement = "flash";
    EXPECT_NE(check_placement(*r, s, b).message().find("not RAM"), std::string::npos);
    s.layers[0].placement = "nowhere";
    EXPECT_NE(check_placement(*r, s, b).message().find("no region"), std::string::npos);
}

// The embedding and the head borrow the layers' scratch block: it grows when they need more
// (a wide input: the DSP GEMM's scratch grows with the row length).
TEST(MemoryPlanner, EndsGrowTheScratchWhenTheyNeedMore)
{
    Model m;
    m.dims = {4, 8, 2, 4, 16};
    m.layers.resize(1);
    const Schedule s = one_layer({AttentionMode::kStandard, MhsaSchedule::kLayerwise, 0, TX_VARIANT_DSP, 0, ""});
    const auto layers_only = plan_memory(m, s);
    ASSERT_TRUE(layers_only.ok()) << layers_only.status().message();
    EXPECT_EQ(ends_scratch_bytes(m, s), 0u);
    m.prelude = Prelude{};
    m.prelude->features = 4000;
    m.prelude->tokens = 4;
    m.head = Head{};
    m.head->classes = 3;
    const size_t ends = ends_scratch_bytes(m, s);
    ASSERT_GT(ends, layers_only->buffers[2].size);
    const auto r = plan_memory(m, s);
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(r->buffers[2].size, ends);
    EXPECT_EQ(r->buffers[2].offset, layers_only->buffers[2].offset);
    EXPECT_EQ(r->peak_bytes, r->buffers[2].offset + ends);
}
