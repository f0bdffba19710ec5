// The cluster around the cores: TCDM bank conflicts, the pulp-open peripherals (event-unit
// barrier, mchan command queue, FC boot through cluster control, CORESTATUS, faults for what is
// not modelled), and determinism.
#include <gtest/gtest.h>

#include <algorithm>

#include "asm.h"
#include "periph.h"
#include "rig.h"

using namespace tinytx::agent::pulp;
using namespace tinytx::agent::pulp::test;

namespace {

constexpr uint32_t bnez(uint32_t rs, int32_t off) { return b_type(off, 0, rs, 1); }
constexpr uint32_t jal(uint32_t rd, int32_t off) { return j_type(off, rd); }
constexpr uint32_t andi(uint32_t rd, uint32_t rs1, int32_t imm) { return i_type(imm, rs1, 7, rd, 0x13); }
constexpr uint32_t slli(uint32_t rd, uint32_t rs1, int sh) { return i_type(sh, rs1, 1, rd, 0x13); }
constexpr uint32_t kMcycle = 0xB00, kMhartid = 0xF14;

// Every core: core 0 programs hardware barrier 0 (all `cores` take part), then each core spins
// 4 * id loop trips (so they arrive apart), reads the barrier's trigger-wait-clear register, and
// records mcycle in x10 before spinning forever.
void barrier_program(Rig &r, uint32_t cores)
{
    r.program({lui(5, kEuDemux >> 12), csrr(6, kMhartid), bnez(6, 16), addi(7, 0, int32_t((1u << cores) - 1)),
               sw(7, 5, int32_t(kEuBarrierBase + kEuBarrierTriggerMask)),
               sw(7, 5, int32_t(kEuBarrierBase + kEuBarrierTargetMask)),
               /* 0x18 */ slli(8, 6, 2), addi(8, 8, 1),
               /* 0x20 */ addi(8, 8, -1), bnez(8, -4),
               lw(0, 5, int32_t(kEuBarrierBase + kEuBarrierWaitClear)), csrr(10, kMcycle), jal(0, 0)});
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

TEST(Cluster, HardwareBarrierReleasesEveryCoreAfterTheLastArrival)
{
    Rig r(8);
    barrier_program(r, 8);
    r.cl.run(2000);
    const uint64_t release = r.cl.core(0).x[10];
    uint64_t last_waited = UINT64_MAX;
    for (uint32_t i = 0; i < 8; ++i) {
        EXPECT_EQ(r.cl.core(i).x[10], release) << i;  // everyone leaves together
        last_waited = std::min(last_waited, r.cl.core(i).stalls.barrier);
    }
    EXPECT_EQ(r.cl.core(7).stalls.barrier, r.cl.timing().barrier_latency);  // the last one only waits the latency
    EXPECT_GT(r.cl.core(0).stalls.barrier, r.cl.core(7).stalls.barrier);
}

TEST(Cluster, BarrierOutsideItsTriggerMaskFaults)
{
    Rig r(2);
    r.program({lui(5, kEuDemux >> 12), lw(0, 5, int32_t(kEuBarrierBase + kEuBarrierWaitClear)), kWfi});
    EXPECT_EQ(r.cl.run(10), Cluster::Stop::kFault);
    EXPECT_NE(r.cl.fault_message().find("trigger mask"), std::string::npos) << r.cl.fault_message();
}

TEST(Cluster, MchanCommandQueueCopiesAndCosts)
{
    Rig r(1);
    for (uint32_t i = 0; i < 16; ++i) r.put(kData + 4 * i, 0x01010101u * i);
    // tid = CMD; CMD = cmd; CMD = L1; CMD = L2; CMD = row; CMD = stride; poll STATUS bit 0; free it
    r.program({lui(5, kDmaDemux >> 12), addi(5, 5, int32_t(kDmaDemux & 0xFFFu)), lw(11, 5, kDmaCmd),
               sw(12, 5, kDmaCmd), sw(13, 5, kDmaCmd), sw(14, 5, kDmaCmd), sw(15, 5, kDmaCmd), sw(16, 5, kDmaCmd),
               /* 0x20 */ csrr(20, kMcycle), lw(17, 5, kDmaStatus), andi(17, 17, 1), bnez(17, -8),
               csrr(21, kMcycle), sw(18, 5, kDmaStatus), lw(19, 5, kDmaStatus), kWfi});
    r.x(12) = 32 | kDmaExt2Loc | (1u << 18) | kDmaTwoDimExt;  // 32 bytes, L2 -> L1, 2-D on the L2 side
    r.x(13) = kL1 + 0x800;
    r.x(14) = kData;
    r.x(15) = 8;   // 8 bytes per row
    r.x(16) = 16;  // every other 8 bytes of the source
    r.x(18) = 1;
    EXPECT_EQ(r.cl.run(200), Cluster::Stop::kHalted);
    EXPECT_EQ(r.x(11), 0u);  // the first free transfer id
    for (uint32_t row = 0; row < 4; ++row) {
        EXPECT_EQ(r.word(kL1 + 0x800 + 8 * row), 0x01010101u * (4 * row));
        EXPECT_EQ(r.word(kL1 + 0x800 + 8 * row + 4), 0x01010101u * (4 * row + 1));
    }
    EXPECT_EQ(r.cl.dma_bytes(), 32u);
    // the transfer starts with the stride word (cycle 7) and ends setup + 32 bytes / 8 per cycle
    // later; the polling loop (6 cycles a trip) sees it within two trips
    const Timing &t = r.cl.timing();
    const uint32_t done = 7 + t.dma_setup + 32 / t.dma_bytes_per_cycle;
    EXPECT_GE(r.x(21), done);
    EXPECT_LE(r.x(21), done + 12);
    EXPECT_EQ(r.x(19), 0u);  // freed: neither busy nor allocated
}

TEST(Cluster, FabricControllerBootsTheCluster)
{
    Rig r(2);
    // FC at the entry: boot addresses of cores 0 and 1 = 0x40, fetch enable 0b11, sleep. Cores: mhartid, sleep.
    std::vector<uint32_t> fc = {lui(5, kClusterPeriphBase >> 12), lui(6, kCode >> 12), addi(6, 6, 0x40),
                                sw(6, 5, int32_t(kClCtrlBootAddr & 0xFFFu)), sw(6, 5, int32_t((kClCtrlBootAddr & 0xFFFu) + 4)),
                                addi(7, 0, 3), sw(7, 5, int32_t(kClCtrlFetchEn & 0xFFFu)), kWfi};
    r.cl.write(kCode, fc.data(), fc.size() * 4);
    const uint32_t cores[] = {csrr(10, kMhartid), jal(0, 0)};
    r.cl.write(kCode + 0x40, cores, sizeof cores);
    r.cl.reset(kCode, Cluster::Boot::kFabricController);
    EXPECT_EQ(r.cl.core(0).state, Core::State::kOff);
    r.cl.run(100);
    EXPECT_EQ(r.cl.fc().x[0], 0u);
    EXPECT_EQ(r.cl.fc().state, Core::State::kParked);
    EXPECT_EQ(r.cl.core(0).x[10], 0u);
    EXPECT_EQ(r.cl.core(1).x[10], 1u);
    EXPECT_GE(r.cl.core(1).cycle, 7u);  // started by the FC's seventh instruction
}

TEST(Cluster, CoreStatusEndsTheRunWithItsCode)
{
    Rig r(1);
    r.program({lui(5, kCoreStatus >> 12), lui(6, 0x80000), addi(6, 6, 5), sw(6, 5, int32_t(kCoreStatus & 0xFFFu)), kWfi});
    EXPECT_EQ(r.cl.run(100), Cluster::Stop::kExit);
    EXPECT_EQ(r.cl.exit_status(), 5);
}

TEST(Cluster, UnmodelledPeripheralRegistersFault)
{
    Rig r(1);
    r.program({lui(5, kClusterPeriphBase >> 12), lw(6, 5, 0x400), kWfi});  // the cluster timer
    EXPECT_EQ(r.cl.run(10), Cluster::Stop::kFault);
    EXPECT_NE(r.cl.fault_message().find("0x10200400"), std::string::npos) << r.cl.fault_message();
}

TEST(Cluster, Deterministic)
{
    uint64_t cycles[2];
    for (int k = 0; k < 2; ++k) {
        Rig r(8);
        barrier_program(r, 8);
        r.cl.run(5000);
        cycles[k] = r.cl.core(0).x[10];
    }
    EXPECT_EQ(cycles[0], cycles[1]);
}
