// The cluster around the cores: TCDM bank conflicts, fork and barrier through the event unit,
// the DMA's cost, and determinism.
#include <gtest/gtest.h>

#include "asm.h"
#include "periph.h"
#include "rig.h"

using namespace tinytx::agent::pulp;
using namespace tinytx::agent::pulp::test;

namespace {

constexpr uint32_t bnez(uint32_t rs, int32_t off) { return b_type(off, 0, rs, 1); }
constexpr uint32_t jal(uint32_t rd, int32_t off) { return j_type(off, rd); }
constexpr uint32_t jalr(uint32_t rd, uint32_t rs1) { return i_type(0, rs1, 0, rd, 0x67); }
constexpr uint32_t slli(uint32_t rd, uint32_t rs1, int sh) { return i_type(sh, rs1, 1, rd, 0x13); }

// Boot: core 0 to `main` (+0x40), the others to the worker loop (+0x20). Worker loop: wait for a
// fork, read the argument and the core id, call, join. `fn` (+0x80): store id at arg + 4 * id.
// main (+0x40): team = x20, arg = x21, fork fn, call it as core 0, join, then wfi.
void cluster_program(Rig &r)
{
    const uint32_t periph_hi = kPeriphBase >> 12;
    r.program({csrr(5, 0xF14), bnez(5, 0x20 - 4), jal(0, 0x40 - 8), kNop, kNop, kNop, kNop, kNop,
               /* 0x20 */ lui(5, periph_hi), lw(6, 5, kRegFork), lw(10, 5, kRegForkArg), lw(11, 5, kRegCoreId),
               jalr(1, 6), lw(0, 5, kRegBarrier), jal(0, -20), kNop,
               /* 0x40 */ lui(5, periph_hi), sw(20, 5, kRegTeam), sw(21, 5, kRegForkArg), addi(9, 0, 0),
               lui(9, kCode >> 12), addi(9, 9, 0x80), sw(9, 5, kRegFork), addi(10, 21, 0), addi(11, 0, 0),
               jalr(1, 9), lw(0, 5, kRegBarrier), kWfi, kNop, kNop, kNop, kNop,
               /* 0x80 */ slli(12, 11, 2), add(12, 12, 10), sw(11, 12, 0), jalr(0, 1)});
}

}  // namespace

TEST(Cluster, BankConflictsCostACycle)
{
    Rig r(2);
    r.put(kL1, 7);
    r.program({lw(6, 5, 0), kWfi});
    r.cl.core(0).x[5] = kL1;
    r.cl.core(1).x[5] = kL1 + 64;  // 16 banks x 4 bytes: the same bank
    r.cl.run(2);
    EXPECT_EQ(r.cl.core(0).cycle, 1u);  // core 0 wins the tie: no stall
    EXPECT_EQ(r.cl.core(0).stalls.tcdm_conflict, 0u);
    EXPECT_EQ(r.cl.core(1).stalls.tcdm_conflict, 1u);

    Rig d(2);
    d.program({lw(6, 5, 0), kWfi});
    d.cl.core(0).x[5] = kL1;
    d.cl.core(1).x[5] = kL1 + 4;  // neighbouring banks
    d.cl.run(2);
    EXPECT_EQ(d.cl.core(1).stalls.tcdm_conflict, 0u);
}

TEST(Cluster, ForkBarrierJoin)
{
    Rig r(8);
    cluster_program(r);
    r.cl.core(0).x[20] = 6;    // team of 6
    r.cl.core(0).x[21] = kL1 + 0x400;
    EXPECT_EQ(r.cl.run(100000), Cluster::Stop::kHalted);
    for (uint32_t i = 0; i < 8; ++i) EXPECT_EQ(r.word(kL1 + 0x400 + 4 * i), i < 6 ? i : 0u) << i;
    // the workers slept until the fork; the join released everyone at the same cycle
    for (uint32_t i = 1; i < 6; ++i) {
        EXPECT_GT(r.cl.core(i).stalls.fork_wait, 0u) << i;
        EXPECT_GE(r.cl.core(i).cycle + 8, r.cl.core(0).cycle) << i;
    }
    EXPECT_EQ(r.cl.core(6).seen_fork, 0u);  // not in the team
}

TEST(Cluster, DmaCostAndTwoDimensionalCopy)
{
    Rig r(1);
    for (uint32_t i = 0; i < 16; ++i) r.put(kData + 4 * i, 0x01010101u * i);
    const uint32_t hi = kPeriphBase >> 12;
    r.program({lui(5, hi), sw(6, 5, kRegDmaSrc), sw(7, 5, kRegDmaDst), sw(8, 5, kRegDmaLen), sw(9, 5, kRegDmaRows),
               sw(10, 5, kRegDmaSrcStride), sw(8, 5, kRegDmaDstStride), lw(11, 5, kRegDmaStart),
               sw(11, 5, kRegDmaWait), kWfi});
    r.x(6) = kData;
    r.x(7) = kL1 + 0x800;
    r.x(8) = 8;    // 8 bytes per row
    r.x(9) = 4;    // 4 rows
    r.x(10) = 16;  // every other 8 bytes of the source
    r.run(8);
    const uint64_t start = r.c().cycle;  // the start read happened at cycle 7 (+1)
    r.run(1);
    // setup 20 + 32 bytes / 8 + 3 row overheads of 2 = 30 cycles after the start
    EXPECT_EQ(r.c().cycle, (start - 1) + 20 + 4 + 6 + 1);
    EXPECT_EQ(r.x(11), 0u);
    for (uint32_t row = 0; row < 4; ++row) {
        EXPECT_EQ(r.word(kL1 + 0x800 + 8 * row), 0x01010101u * (4 * row));
        EXPECT_EQ(r.word(kL1 + 0x800 + 8 * row + 4), 0x01010101u * (4 * row + 1));
    }
    EXPECT_EQ(r.cl.dma_bytes(), 32u);
}

TEST(Cluster, Deterministic)
{
    uint64_t cycles[2];
    for (int k = 0; k < 2; ++k) {
        Rig r(8);
        cluster_program(r);
        r.cl.core(0).x[20] = 8;
        r.cl.core(0).x[21] = kL1 + 0x400;
        r.cl.run(100000);
        cycles[k] = r.cl.core(0).cycle;
    }
    EXPECT_EQ(cycles[0], cycles[1]);
}
