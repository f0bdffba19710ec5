// The cluster kernels (tinytx/cluster.h) on the host: the sequential cluster runs every core's
// share of the real partitioning, with the Xpulp micro-kernel's C stand-ins. Each core count,
// mode and schedule must give the golden CRC (the same integers as the single-core kernels).
#include <gtest/gtest.h>

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
    c = tx_xp_block4x2(a, 8, b, 8, 2, 0, c);
    const int32_t got[8] = {c.c0, c.c1, c.c2, c.c3, c.c4, c.c5, c.c6, c.c7};
    const int32_t want[8] = {1 + 36, 2 + 32, 3 - 36, 4 - 32, 5 + 72, 6 + 72, 7 + 1, 8 + 256};
    for (int i = 0; i < 8; ++i) EXPECT_EQ(got[i], want[i]) << i;
    EXPECT_EQ(tx_xp_clip8(300), 127);
    EXPECT_EQ(tx_xp_clip8(-300), -128);
    EXPECT_EQ(tx_xp_mulh(-100, 0x40000000), -25);  // -100 * 2^30 >> 32, rounded down
}

namespace {

struct Run {
    tx_mhsa_config cfg;
    int32_t cores;
};

uint32_t run_cluster(const tx_golden_case *gc, const tx_mhsa_config &cfg, int32_t cores, tx_status *st)
{
    const tx_mhsa_dims d = {gc->dims.S, gc->dims.E, gc->dims.H, gc->dims.P};
    const size_t need = tx_mhsa_s8_cluster_l1_size(&cfg, &d, cores, &gc->w.mhsa);
    std::vector<uint8_t> l1(need + 3);
    tx_cluster cl = tx_cluster_sequential(cores, l1.data() + 3, need);  // misaligned on purpose
    std::vector<int8_t> out(size_t(d.S) * d.E);
    *st = tx_mhsa_s8_cluster(&cl, &cfg, &d, &gc->w.mhsa, gc->x, out.data());
    return tx_crc32(out.data(), out.size());
}

}  // namespace

TEST(ClusterMhsa, EveryCoreCountMatchesTheGolden)
{
    for (const tx_golden_case *gc : golden_cases()) {
        for (tx_attn_mode mode : {TX_ATTN_STANDARD, TX_ATTN_FUSED}) {
            const uint32_t want = mode == TX_ATTN_STANDARD ? gc->mhsa.crc : gc->mhsa_fw.crc;
            for (int32_t cores : {1, 2, 3, 8}) {
                for (int sched = 0; sched < 3; ++sched) {
                    tx_mhsa_config cfg = {mode, tx_mhsa_schedule(sched), 2};
                    tx_status st;
                    const uint32_t crc = run_cluster(gc, cfg, cores, &st);
                    ASSERT_EQ(st, TX_OK) << gc->name;
                    EXPECT_EQ(crc, want) << gc->name << " mode " << mode << " cores " << cores
                                         << " schedule " << sched;
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
    const size_t need = tx_mhsa_s8_cluster_l1_size(&cfg, &d, 8, &gc->w.mhsa);
    std::vector<uint8_t> l1(need);
    std::vector<int8_t> out(size_t(d.S) * d.E);
    tx_cluster cl = tx_cluster_sequential(8, l1.data(), need / 2);
    EXPECT_EQ(tx_mhsa_s8_cluster(&cl, &cfg, &d, &gc->w.mhsa, gc->x, out.data()), TX_ERR_BUFFER);
    cl = tx_cluster_sequential(0, l1.data(), need);
    EXPECT_EQ(tx_mhsa_s8_cluster(&cl, &cfg, &d, &gc->w.mhsa, gc->x, out.data()), TX_ERR_PARAM);
    cl = tx_cluster_sequential(8, l1.data(), need);
    tx_mhsa_config bad = {TX_ATTN_STANDARD, TX_MHSA_DEPTHFIRST, 0};
    EXPECT_EQ(tx_mhsa_s8_cluster(&cl, &bad, &d, &gc->w.mhsa, gc->x, out.data()), TX_ERR_PARAM);
    EXPECT_EQ(tx_mhsa_s8_cluster(&cl, &cfg, &d, &gc->w.mhsa, nullptr, out.data()), TX_ERR_NULL);
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
            for (int32_t cores : {1, 3, 8}) {
                tx_cluster cl = tx_cluster_sequential(cores, nullptr, 0);
                ASSERT_EQ(tx_linear_s8_cluster(&cl, &p, S, E, H * P, gc->x, gc->w.mhsa.wq, gc->w.mhsa.bq, got.data()),
                          TX_OK);
                EXPECT_TRUE(same_bytes(got.data(), want.data(), want.size())) << gc->name << " " << layout;
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
            for (int32_t tile : {0, d.F / 4, 3}) {
                for (int32_t cores : {1, 3, 8}) {
                    const tx_encoder_config cfg = {{mode, TX_MHSA_DEPTHFIRST, 2}, tile};
                    const size_t l1_need = tx_encoder_s8_cluster_l1_size(&cfg, &d, cores, &gc->w);
                    const size_t l2_need = tx_encoder_s8_cluster_get_buffer_size(&cfg, &d);
                    ASSERT_GT(l1_need, 0u);
                    std::vector<uint8_t> l1(l1_need + 5), l2(l2_need + 1);
                    tx_cluster cl = tx_cluster_sequential(cores, l1.data() + 5, l1_need);
                    const tx_ctx ctx = {l2.data() + 1, l2_need, TX_VARIANT_REF};
                    std::vector<int8_t> out(size_t(d.S) * d.E);
                    ASSERT_EQ(tx_encoder_s8_cluster(&cl, &ctx, &cfg, &d, &gc->w, gc->x, out.data()), TX_OK)
                        << gc->name;
                    EXPECT_EQ(tx_crc32(out.data(), out.size()), want)
                        << gc->name << " mode " << mode << " tile " << tile << " cores " << cores;
                }
            }
        }
    }
}

TEST(ClusterEncoder, RefusesWhatDoesNotFit)
{
    const tx_golden_case *gc = golden_cases().front();
    const tx_encoder_config cfg = {{TX_ATTN_STANDARD, TX_MHSA_HEADWISE, 0}, 0};
    const size_t l1_need = tx_encoder_s8_cluster_l1_size(&cfg, &gc->dims, 8, &gc->w);
    std::vector<uint8_t> l1(l1_need), l2(tx_encoder_s8_cluster_get_buffer_size(&cfg, &gc->dims));
    std::vector<int8_t> out(size_t(gc->dims.S) * gc->dims.E);
    tx_cluster cl = tx_cluster_sequential(8, l1.data(), l1_need - 64);
    tx_ctx ctx = {l2.data(), l2.size(), TX_VARIANT_REF};
    EXPECT_EQ(tx_encoder_s8_cluster(&cl, &ctx, &cfg, &gc->dims, &gc->w, gc->x, out.data()), TX_ERR_BUFFER);
    cl = tx_cluster_sequential(8, l1.data(), l1_need);
    ctx.scratch_size = 8;
    EXPECT_EQ(tx_encoder_s8_cluster(&cl, &ctx, &cfg, &gc->dims, &gc->w, gc->x, out.data()), TX_ERR_BUFFER);
    tx_encoder_config bad = cfg;
    bad.ffn_tile = -1;
    ctx.scratch_size = l2.size();
    EXPECT_EQ(tx_encoder_s8_cluster(&cl, &ctx, &bad, &gc->dims, &gc->w, gc->x, out.data()), TX_ERR_PARAM);
}
