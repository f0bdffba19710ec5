// Memory-region timing on the iss: the fw_calib micro-benchmarks (kernels/firmware/apps/fw_calib.c)
// measured with the arena placed in each board region change by exactly the wait states the
// profile gives that region, and not at all between regions the profile times alike.
#include <gtest/gtest.h>

#include "tinytx/agent/backend.h"
#include "tinytx/platform/board_profile.h"
#include "region_waits.h"

using namespace tinytx::agent;

namespace {

// fw_calib.c: benchmark order, and the short/long iteration counts of each pair of runs
enum Bench { kAlu8, kAlu16, kBranchNotTaken, kMul, kMac, kDiv, kDsp, kLoadMultiple, kLoad, kStore, kFlashLoad, kCount };
constexpr uint64_t kIterations = 272 - 16;

const BoardProfile &profile(const std::string &name)
{
    static const BoardCatalog c = BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    return c.get(name);
}

// cycles of one loop iteration of every benchmark, the arena standing for `region`
std::vector<uint64_t> per_iteration(const BoardProfile &board, const std::string &cpu, const std::string &region)
{
    const ElfImage image = ElfImage::load_file(std::string(TINYTX_FIRMWARE_DIR) + "/" + cpu + "/fw_calib.elf");
    RunOptions o;
    o.repeats = 2 * kCount;
    o.arena_region = region;
    const Measurement m = make_iss_backend()->run(board, image, o);
    EXPECT_EQ(m.status, RunStatus::kOk) << m.error;
    std::vector<uint64_t> out;
    if (m.cycles.size() != 2 * kCount) return out;
    for (size_t b = 0; b < kCount; ++b) {
        const uint64_t d = m.cycles[2 * b + 1] - m.cycles[2 * b];
        EXPECT_EQ(d % kIterations, 0u) << "benchmark " << b;
        out.push_back(d / kIterations);
    }
    return out;
}

TEST(RegionTiming, ArenaPlacementChargesTheRegionsWaitStatesExactly)
{
    const BoardProfile &h7 = profile("nucleo-h743zi");
    const auto dtcm = per_iteration(h7, "cortex-m7", "dtcm");
    const auto axi = per_iteration(h7, "cortex-m7", "axi_sram");
    ASSERT_EQ(dtcm.size(), size_t(kCount));
    ASSERT_EQ(axi.size(), size_t(kCount));
    const RegionTiming &a = h7.region("axi_sram")->timing, &d = h7.region("dtcm")->timing;
    ASSERT_GT(a.load_wait + a.store_wait, 0u) << "the test needs a region with wait states";
    // 8 loads, 8 stores, 8 registers loaded per iteration (fw_calib.c)
    EXPECT_EQ(axi[kLoad] - dtcm[kLoad], 8 * (a.load_wait - d.load_wait));
    EXPECT_EQ(axi[kStore] - dtcm[kStore], 8 * (a.store_wait - d.store_wait));
    EXPECT_EQ(axi[kLoadMultiple] - dtcm[kLoadMultiple], 8 * (a.load_wait - d.load_wait));
    // code and constants do not move with the arena
    for (Bench b : {kAlu8, kMul, kDiv, kDsp, kFlashLoad}) EXPECT_EQ(axi[b], dtcm[b]) << "benchmark " << b;
    // an iteration in the zero-wait DTCM is the cycle table alone
    const CycleModel &c = h7.cycle_model;
    EXPECT_EQ(dtcm[kLoad], 8 * c.of("load") + c.of("alu") + c.of("branch_taken"));
    EXPECT_EQ(dtcm[kFlashLoad], 8 * (c.of("load") + h7.region("flash")->timing.load_wait) + c.of("alu") + c.of("branch_taken"));
}

TEST(RegionTiming, WaitStatesFollowTheProfile)
{
    BoardProfile h7 = profile("nucleo-h743zi");
    const auto before = per_iteration(h7, "cortex-m7", "axi_sram");
    for (MemoryRegion &r : h7.memory)
        if (r.name == "axi_sram") r.timing.load_wait += 5;
    const auto after = per_iteration(h7, "cortex-m7", "axi_sram");
    ASSERT_EQ(after.size(), size_t(kCount));
    EXPECT_EQ(after[kLoad] - before[kLoad], 8u * 5u);
    EXPECT_EQ(after[kStore], before[kStore]);
}

TEST(RegionTiming, RegionsTheManualTimesAlikeMeasureAlike)
{
    // STM32L4: SRAM1 and SRAM2 are both zero wait (RM0351): placement must not move the figures
    const BoardProfile &l4 = profile("nucleo-l476rg");
    EXPECT_EQ(per_iteration(l4, "cortex-m4", "sram1"), per_iteration(l4, "cortex-m4", "sram2"));
}

// A span's timing in one lookup: only when one region times all of it (the arena inside ssram23).
TEST(RegionTiming, SpanInOneRegionOrNone)
{
    const BoardProfile &h7 = profile("nucleo-h743zi");
    const iss::RegionWaits waits(h7, 0x20001000, 0x20002000, "axi_sram");
    const iss::RegionWaits::Range *dtcm = waits.uniform(0x20000F00, 0x100);
    ASSERT_NE(dtcm, nullptr);
    EXPECT_EQ(dtcm->load, h7.region("dtcm")->timing.load_wait);
    const iss::RegionWaits::Range *arena = waits.uniform(0x20001F00, 0x100);
    ASSERT_NE(arena, nullptr);
    EXPECT_EQ(arena->load, h7.region("axi_sram")->timing.load_wait);
    EXPECT_EQ(waits.uniform(0x20000F80, 0x100), nullptr);  // runs into the arena
    EXPECT_EQ(waits.uniform(0x20001F80, 0x100), nullptr);  // runs out of it
    EXPECT_EQ(waits.uniform(0xFFFFFFF0u, 0x20), nullptr);  // wraps into ssram1 (flash)
    const iss::RegionWaits::Range *none = waits.uniform(0x30000000, 16);
    ASSERT_NE(none, nullptr);
    EXPECT_EQ(none->load + none->store, 0u);
}

TEST(RegionTiming, AnUnknownArenaRegionIsRefused)
{
    const ElfImage image = ElfImage::load_file(std::string(TINYTX_FIRMWARE_DIR) + "/cortex-m7/fw_calib.elf");
    RunOptions o;
    o.arena_region = "flash";
    const Measurement m = make_iss_backend()->run(profile("nucleo-h743zi"), image, o);
    EXPECT_EQ(m.status, RunStatus::kInvalidArgument);
    EXPECT_NE(m.error.find("not a RAM-like region"), std::string::npos) << m.error;
    EXPECT_NE(m.error.find("axi_sram"), std::string::npos) << m.error;
}

}  // namespace
