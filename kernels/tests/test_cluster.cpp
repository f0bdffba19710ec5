// The cluster kernels (tinytx/cluster.h) on the host: the sequential cluster runs every core's
// share of the real partitioning, with the Xpulp micro-kernel's C stand-ins. Each core count,
// mode and schedule must give the golden CRC (the same integers as the single-core kernels).
#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "golden_fixture.h"
#include "rv/xpulp.h"
#include "tinytx/cluster.h"

using namespace tinytx::test;

TEST(ClusterXpulp, DotProductStandIns)
{
    // bytes -128, 127, -1, 1 and 5, 4, 3, 2 / -128, -1, 1, -2 (as in the simulator's tests)
    EXPECT_EQ(tx_xp_sdotsp(1000, 0x01FF7F80u, 0x02030405u), 1000 - 133);
    EXPECT_EQ(tx_xp_sdotusp(10, 0x01FF7F80u, 0xFE01FF80u), 10 - 16258);
    const int8_t a[4 * 8] = {1, 2, 3, 4, 5, 6, 7, 8, -1, -2, -3, -4, -5, -6, -7, -8,
                             9, 9, 9, 9, 9, 9, 9, 9, 0, 0, 0, 0, 127, -128, 1, 1};
    const int8_t b[2 * 8] = {1, 1, 1, 1, 1, 1, 1, 1, 2, 0, 2, 0, 2, 0, 2, 0};
    tx_xp_acc c = {1, 2, 3, 4, 5, 6, 7, 8};  // accumulates onto what is there
    c = tx_xp_block4x2(a, 8, b, 8, 2, TX_XP_SIGNED, c);
    const int32_t got[8] = {c.c0, c.c1, c.c2, c.c3, c.c4, c.c5, c.c6, c.c7};
    const int32_t want[8] = {1 + 36, 2 + 32, 3 - 36, 4 - 32, 5 + 72, 6 + 72, 7 + 1, 8 + 256};
    for (int i = 0; i < 8; ++i) EXPECT_EQ(got[i], want[i]) << i;
    EXPECT_EQ(tx_xp_clip8(300), 127);
    EXPECT_EQ(tx_xp_clip8(-300), -128);
    EXPECT_EQ(tx_xp_mulh(-100, 0x40000000), -25);  // -100 * 2^30 >> 32, rounded down
    // which operand is uint8: a's bytes 0x80, 0xFF, 0x7F, 0x01 are 128, 255, 127, 1 unsigned
    EXPECT_EQ(tx_xp_dot4(TX_XP_A_UNSIGNED, 0, 0x017FFF80u, 0x01010101u), 128 + 255 + 127 + 1);
    EXPECT_EQ(tx_xp_dot4(TX_XP_B_UNSIGNED, 0, 0x01010101u, 0x017FFF80u), 128 + 255 + 127 + 1);
    EXPECT_EQ(tx_xp_dot4(TX_XP_SIGNED, 0, 0x017FFF80u, 0x01010101u), -128 - 1 + 127 + 1);
    // per byte lane the larger signed byte: max(-128, 5) = 5, max(127, -1) = 127, ...
    EXPECT_EQ(tx_xp_max_b(0x01FF7F80u, 0xFE01FF05u), 0x01017F05u);
}

namespace {

constexpr tx_cluster_split kSplits[] = {TX_SPLIT_ROWS, TX_SPLIT_HEADS};

const char *split_name(tx_cluster_split split) { return split == TX_SPLIT_HEADS ? "heads" : "rows"; }

uint32_t run_cluster(const tx_golden_case *gc, const tx_mhsa_config &cfg, tx_cluster_split split, int32_t cores,
                     tx_status *st)
{
    const tx_mhsa_dims d = {gc->dims.S, gc->dims.E, gc->dims.H, gc->dims.P};
    const size_t need = tx_mhsa_s8_cluster_l1_size(&cfg, split, &d, cores, &gc->w.mhsa);
    EXPECT_GT(need, 0u);
    std::vector<uint8_t> l1(need + 3);
    tx_cluster cl = tx_cluster_sequential(cores, l1.data() + 3, need);  // misaligned on purpose
    std::vector<int8_t> out(size_t(d.S) * d.E);
    *st = tx_mhsa_s8_cluster(&cl, &cfg, split, &d, &gc->w.mhsa, gc->x, out.data());
    return tx_crc32(out.data(), out.size());
}

// the weights with every optional bias removed, standard and fused
tx_mhsa_weights without_biases(tx_mhsa_weights w)
{
    w.bq = w.bk = w.bv = w.bo = w.bf = nullptr;
    return w;
}

}  // namespace

TEST(ClusterMhsa, EveryCoreCountMatchesTheGolden)
{
    for (const tx_golden_case *gc : golden_cases()) {
        for (tx_attn_mode mode : {TX_ATTN_STANDARD, TX_ATTN_FUSED}) {
            const uint32_t want = mode == TX_ATTN_STANDARD ? gc->mhsa.crc : gc->mhsa_fw.crc;
            for (tx_cluster_split split : kSplits) {
                for (int32_t cores : {1, 2, 3, 8}) {
                    for (int sched = 0; sched < 3; ++sched) {
                        tx_mhsa_config cfg = {mode, tx_mhsa_schedule(sched), 2};
                        tx_status st;
                        const uint32_t crc = run_cluster(gc, cfg, split, cores, &st);
                        ASSERT_EQ(st, TX_OK) << gc->name << " split " << split_name(split);
                        EXPECT_EQ(crc, want) << gc->name << " mode " << mode << " split " << split_name(split)
                                             << " cores " << cores << " schedule " << sched;
                    }
                }
            }
        }
    }
}

// Both splits on other tile sizes and on core counts above H (idle cores in the heads split),
// against the rows split's own result: the same integers whatever the partitioning
TEST(ClusterMhsa, HeadsSplitMatchesTheRowsSplitForEveryTile)
{
    for (const tx_golden_case *gc : golden_cases()) {
        for (tx_attn_mode mode : {TX_ATTN_STANDARD, TX_ATTN_FUSED}) {
            const uint32_t want = mode == TX_ATTN_STANDARD ? gc->mhsa.crc : gc->mhsa_fw.crc;
            for (int32_t tile : {1, 3, gc->dims.S - 1, gc->dims.S}) {
                if (tile < 1)
                    continue;
                for (int32_t cores : {gc->dims.H - 1, gc->dims.H + 1, 16}) {
                    if (cores < 1)
                        continue;
                    const tx_mhsa_config cfg = {mode, TX_MHSA_DEPTHFIRST, tile};
                    tx_status st;
                    const uint32_t crc = run_cluster(gc, cfg, TX_SPLIT_HEADS, cores, &st);
                    ASSERT_EQ(st, TX_OK) << gc->name;
                    EXPECT_EQ(crc, want) << gc->name << " mode " << mode << " tile " << tile << " cores " << cores;
                }
            }
        }
    }
}

// The biases are optional: both splits without any, against the single-core library kernel
TEST(ClusterMhsa, WithoutBiasesMatchesTheSingleCoreKernel)
{
    for (const tx_golden_case *gc : golden_cases()) {
        const tx_mhsa_dims d = {gc->dims.S, gc->dims.E, gc->dims.H, gc->dims.P};
        const tx_mhsa_weights w = without_biases(gc->w.mhsa);
        for (tx_attn_mode mode : {TX_ATTN_STANDARD, TX_ATTN_FUSED}) {
            const tx_mhsa_config cfg = {mode, TX_MHSA_DEPTHFIRST, 2};
            const size_t ref_need = tx_mhsa_s8_get_buffer_size(&cfg, &d, TX_VARIANT_REF);
            std::vector<uint8_t> scratch(ref_need);
            const tx_ctx ctx = {scratch.data(), scratch.size(), TX_VARIANT_REF};
            std::vector<int8_t> want(size_t(d.S) * d.E), got(want.size());
            ASSERT_EQ(tx_mhsa_s8(&ctx, &cfg, &d, &w, gc->x, want.data()), TX_OK) << gc->name;
            for (tx_cluster_split split : kSplits) {
                for (int32_t cores : {1, 3, 8}) {
                    const size_t need = tx_mhsa_s8_cluster_l1_size(&cfg, split, &d, cores, &w);
                    std::vector<uint8_t> l1(need);
                    tx_cluster cl = tx_cluster_sequential(cores, l1.data(), need);
                    ASSERT_EQ(tx_mhsa_s8_cluster(&cl, &cfg, split, &d, &w, gc->x, got.data()), TX_OK);
                    EXPECT_TRUE(same_bytes(got.data(), want.data(), want.size()))
                        << gc->name << " mode " << mode << " split " << split_name(split) << " cores " << cores;
                }
            }
        }
    }
}

TEST(ClusterMhsa, RefusesWhatDoesNotFit)
{
    const tx_golden_case *gc = golden_cases().front();
    const tx_mhsa_dims d = {gc->dims.S, gc->dims.E, gc->dims.H, gc->dims.P};
    const tx_mhsa_config cfg = {TX_ATTN_STANDARD, TX_MHSA_HEADWISE, 0};
    std::vector<int8_t> out(size_t(d.S) * d.E);
    for (tx_cluster_split split : kSplits) {
        const size_t need = tx_mhsa_s8_cluster_l1_size(&cfg, split, &d, 8, &gc->w.mhsa);
        ASSERT_GT(need, 0u);
        std::vector<uint8_t> l1(need);
        tx_cluster cl = tx_cluster_sequential(8, l1.data(), need / 2);
        EXPECT_EQ(tx_mhsa_s8_cluster(&cl, &cfg, split, &d, &gc->w.mhsa, gc->x, out.data()), TX_ERR_BUFFER);
        // one byte short (the size holds 8 bytes of alignment slack; l1 is aligned here)
        cl = tx_cluster_sequential(8, l1.data(), need - 8 - 1);
        EXPECT_EQ(tx_mhsa_s8_cluster(&cl, &cfg, split, &d, &gc->w.mhsa, gc->x, out.data()), TX_ERR_BUFFER)
            << split_name(split);
        cl = tx_cluster_sequential(0, l1.data(), need);
        EXPECT_EQ(tx_mhsa_s8_cluster(&cl, &cfg, split, &d, &gc->w.mhsa, gc->x, out.data()), TX_ERR_PARAM);
        cl = tx_cluster_sequential(8, l1.data(), need);
        tx_mhsa_config bad = {TX_ATTN_STANDARD, TX_MHSA_DEPTHFIRST, 0};
        EXPECT_EQ(tx_mhsa_s8_cluster(&cl, &bad, split, &d, &gc->w.mhsa, gc->x, out.data()), TX_ERR_PARAM);
        EXPECT_EQ(tx_mhsa_s8_cluster(&cl, &cfg, split, &d, &gc->w.mhsa, nullptr, out.data()), TX_ERR_NULL);
    }
    // an unknown split
    const size_t need = tx_mhsa_s8_cluster_l1_size(&cfg, TX_SPLIT_ROWS, &d, 8, &gc->w.mhsa);
    std::vector<uint8_t> l1(need);
    tx_cluster cl = tx_cluster_sequential(8, l1.data(), need);
    for (int bad : {-1, 2, 7}) {
        EXPECT_EQ(tx_mhsa_s8_cluster(&cl, &cfg, tx_cluster_split(bad), &d, &gc->w.mhsa, gc->x, out.data()),
                  TX_ERR_PARAM);
        EXPECT_EQ(tx_mhsa_s8_cluster_l1_size(&cfg, tx_cluster_split(bad), &d, 8, &gc->w.mhsa), 0u);
    }
}

// The tuner asks with w == NULL before it has weights: that must bound the size with any weights
TEST(ClusterMhsa, SizeWithoutWeightsIsAnUpperBound)
{
    for (const tx_golden_case *gc : golden_cases()) {
        const tx_mhsa_dims d = {gc->dims.S, gc->dims.E, gc->dims.H, gc->dims.P};
        const tx_mhsa_weights bare = without_biases(gc->w.mhsa);
        for (tx_attn_mode mode : {TX_ATTN_STANDARD, TX_ATTN_FUSED})
            for (tx_cluster_split split : kSplits)
                for (int32_t cores : {1, 2, 3, 8})
                    for (int sched = 0; sched < 3; ++sched) {
                        const tx_mhsa_config cfg = {mode, tx_mhsa_schedule(sched), 2};
                        const size_t none = tx_mhsa_s8_cluster_l1_size(&cfg, split, &d, cores, nullptr);
                        const size_t real = tx_mhsa_s8_cluster_l1_size(&cfg, split, &d, cores, &gc->w.mhsa);
                        const size_t no_bias = tx_mhsa_s8_cluster_l1_size(&cfg, split, &d, cores, &bare);
                        EXPECT_GT(real, 0u);
                        EXPECT_GE(none, real) << gc->name << " split " << split_name(split) << " cores " << cores;
                        EXPECT_GE(real, no_bias) << gc->name;
                    }
    }
}

TEST(ClusterLinear, EveryLayoutMatchesTheSingleCoreKernel)
{
    for (const tx_golden_case *gc : golden_cases()) {
        const int32_t S = gc->dims.S, E = gc->dims.E, H = gc->dims.H, P = gc->dims.P;
        for (tx_layout layout : {TX_LAYOUT_ROW, TX_LAYOUT_HEAD, TX_LAYOUT_HEAD_T}) {
            tx_linear_params p = {gc->w.mhsa.rq_q, layout, H};
            std::vector<int8_t> want(size_t(S) * H * P), got(want.size());
            const tx_ctx ctx = {nullptr, 0, TX_VARIANT_REF};
            ASSERT_EQ(tx_linear_s8(&ctx, &p, S, E, H * P, gc->x, gc->w.mhsa.wq, gc->w.mhsa.bq, want.data()), TX_OK);
            // x and w read where they are, or copied into an L1 buffer that holds them (+1: unaligned)
            std::vector<uint8_t> l1(size_t(S) * E + size_t(H) * P * E + size_t(H) * P * 4 + 32);
            for (int32_t cores : {1, 3, 8})
                for (bool in_l1 : {false, true}) {
                    tx_cluster cl = in_l1 ? tx_cluster_sequential(cores, l1.data() + 1, l1.size() - 1)
                                          : tx_cluster_sequential(cores, nullptr, 0);
                    std::fill(got.begin(), got.end(), int8_t(0));
                    ASSERT_EQ(tx_linear_s8_cluster(&cl, &p, S, E, H * P, gc->x, gc->w.mhsa.wq, gc->w.mhsa.bq,
                                                   got.data()),
                              TX_OK);
                    EXPECT_TRUE(same_bytes(got.data(), want.data(), want.size()))
                        << gc->name << " " << layout << " cores " << cores << (in_l1 ? " in L1" : "");
                }
        }
        // per-channel requantization
        tx_linear_params pc = {gc->rq_q_per_channel, TX_LAYOUT_ROW, 1};
        std::vector<int8_t> got(size_t(S) * H * P);
        tx_cluster cl = tx_cluster_sequential(8, nullptr, 0);
        ASSERT_EQ(tx_linear_s8_cluster(&cl, &pc, S, E, H * P, gc->x, gc->w.mhsa.wq, gc->w.mhsa.bq, got.data()), TX_OK);
        EXPECT_TRUE(same_bytes(got.data(), gc->q_per_channel, got.size())) << gc->name;
    }
}

TEST(ClusterEncoder, EveryCoreCountAndTileMatchesTheGolden)
{
    for (const tx_golden_case *gc : golden_cases()) {
        const tx_encoder_dims &d = gc->dims;
        for (tx_attn_mode mode : {TX_ATTN_STANDARD, TX_ATTN_FUSED}) {
            const uint32_t want = mode == TX_ATTN_STANDARD ? gc->encoder.crc : gc->encoder_fw.crc;
            for (tx_cluster_split split : kSplits) {
                for (int32_t tile : {0, d.F / 4, 3}) {
                    for (int32_t cores : {1, 3, 8}) {
                        const tx_encoder_config cfg = {{mode, TX_MHSA_DEPTHFIRST, 2}, tile, TX_NORM_POST};
                        const size_t l1_need = tx_encoder_s8_cluster_l1_size(&cfg, split, &d, cores, &gc->w);
                        const size_t l2_need = tx_encoder_s8_cluster_get_buffer_size(&cfg, &d);
                        ASSERT_GT(l1_need, 0u);
                        std::vector<uint8_t> l1(l1_need + 5), l2(l2_need + 1);
                        tx_cluster cl = tx_cluster_sequential(cores, l1.data() + 5, l1_need);
                        const tx_ctx ctx = {l2.data() + 1, l2_need, TX_VARIANT_REF};
                        std::vector<int8_t> out(size_t(d.S) * d.E);
                        ASSERT_EQ(tx_encoder_s8_cluster(&cl, &ctx, &cfg, split, &d, &gc->w, gc->x, out.data()), TX_OK)
                            << gc->name;
                        EXPECT_EQ(tx_crc32(out.data(), out.size()), want)
                            << gc->name << " mode " << mode << " split " << split_name(split) << " tile " << tile
                            << " cores " << cores;
                    }
                }
            }
            // the other schedules, on 8 cores
            for (tx_cluster_split split : kSplits) {
                for (tx_mhsa_schedule sched : {TX_MHSA_LAYERWISE, TX_MHSA_HEADWISE}) {
                    const tx_encoder_config cfg = {{mode, sched, 0}, d.F / 4, TX_NORM_POST};
                    const size_t l1_need = tx_encoder_s8_cluster_l1_size(&cfg, split, &d, 8, &gc->w);
                    const size_t l2_need = tx_encoder_s8_cluster_get_buffer_size(&cfg, &d);
                    std::vector<uint8_t> l1(l1_need), l2(l2_need);
                    tx_cluster cl = tx_cluster_sequential(8, l1.data(), l1_need);
                    const tx_ctx ctx = {l2.data(), l2_need, TX_VARIANT_REF};
                    std::vector<int8_t> out(size_t(d.S) * d.E);
                    ASSERT_EQ(tx_encoder_s8_cluster(&cl, &ctx, &cfg, split, &d, &gc->w, gc->x, out.data()), TX_OK);
                    EXPECT_EQ(tx_crc32(out.data(), out.size()), want)
                        << gc->name << " mode " << mode << " split " << split_name(split) << " schedule " << sched;
                }
            }
        }
    }
}

TEST(ClusterEncoder, RefusesWhatDoesNotFit)
{
    const tx_golden_case *gc = golden_cases().front();
    const tx_encoder_config cfg = {{TX_ATTN_STANDARD, TX_MHSA_HEADWISE, 0}, 0, TX_NORM_POST};
    std::vector<int8_t> out(size_t(gc->dims.S) * gc->dims.E);
    for (tx_cluster_split split : kSplits) {
        const size_t l1_need = tx_encoder_s8_cluster_l1_size(&cfg, split, &gc->dims, 8, &gc->w);
        ASSERT_GT(l1_need, 64u);
        std::vector<uint8_t> l1(l1_need), l2(tx_encoder_s8_cluster_get_buffer_size(&cfg, &gc->dims));
        tx_cluster cl = tx_cluster_sequential(8, l1.data(), l1_need - 64);
        tx_ctx ctx = {l2.data(), l2.size(), TX_VARIANT_REF};
        EXPECT_EQ(tx_encoder_s8_cluster(&cl, &ctx, &cfg, split, &gc->dims, &gc->w, gc->x, out.data()), TX_ERR_BUFFER)
            << split_name(split);
        cl = tx_cluster_sequential(8, l1.data(), l1_need);
        ctx.scratch_size = 8;
        EXPECT_EQ(tx_encoder_s8_cluster(&cl, &ctx, &cfg, split, &gc->dims, &gc->w, gc->x, out.data()), TX_ERR_BUFFER);
        tx_encoder_config bad = cfg;
        bad.ffn_tile = -1;
        ctx.scratch_size = l2.size();
        EXPECT_EQ(tx_encoder_s8_cluster(&cl, &ctx, &bad, split, &gc->dims, &gc->w, gc->x, out.data()), TX_ERR_PARAM);
        bad = cfg;
        bad.norm = TX_NORM_PRE; // post-norm only on the cluster
        EXPECT_EQ(tx_encoder_s8_cluster(&cl, &ctx, &bad, split, &gc->dims, &gc->w, gc->x, out.data()), TX_ERR_PARAM);
        EXPECT_EQ(tx_encoder_s8_cluster(&cl, &ctx, &cfg, split, &gc->dims, &gc->w, gc->x, out.data()), TX_OK);
    }
    const size_t l1_need = tx_encoder_s8_cluster_l1_size(&cfg, TX_SPLIT_ROWS, &gc->dims, 8, &gc->w);
    std::vector<uint8_t> l1(l1_need), l2(tx_encoder_s8_cluster_get_buffer_size(&cfg, &gc->dims));
    tx_cluster cl = tx_cluster_sequential(8, l1.data(), l1_need);
    const tx_ctx ctx = {l2.data(), l2.size(), TX_VARIANT_REF};
    for (int bad : {-1, 2}) {
        EXPECT_EQ(tx_encoder_s8_cluster(&cl, &ctx, &cfg, tx_cluster_split(bad), &gc->dims, &gc->w, gc->x, out.data()),
                  TX_ERR_PARAM);
        EXPECT_EQ(tx_encoder_s8_cluster_l1_size(&cfg, tx_cluster_split(bad), &gc->dims, 8, &gc->w), 0u);
    }
}

TEST(ClusterEncoder, SizeWithoutWeightsIsAnUpperBound)
{
    for (const tx_golden_case *gc : golden_cases()) {
        tx_encoder_weights bare = gc->w;
        bare.mhsa = without_biases(gc->w.mhsa);
        bare.b1 = bare.b2 = nullptr;
        for (tx_attn_mode mode : {TX_ATTN_STANDARD, TX_ATTN_FUSED})
            for (tx_cluster_split split : kSplits)
                for (int32_t cores : {1, 3, 8})
                    for (int32_t tile : {0, gc->dims.F / 4, 3}) {
                        const tx_encoder_config cfg = {{mode, TX_MHSA_DEPTHFIRST, 2}, tile, TX_NORM_POST};
                        const size_t none = tx_encoder_s8_cluster_l1_size(&cfg, split, &gc->dims, cores, nullptr);
                        const size_t real = tx_encoder_s8_cluster_l1_size(&cfg, split, &gc->dims, cores, &gc->w);
                        const size_t no_bias = tx_encoder_s8_cluster_l1_size(&cfg, split, &gc->dims, cores, &bare);
                        EXPECT_GT(real, 0u);
                        EXPECT_GE(none, real) << gc->name << " split " << split_name(split);
                        EXPECT_GE(real, no_bias) << gc->name;
                    }
    }
}
