// The bench's own checks: a CRC disagreement between tinytx schedules of one mode, a failed run
// and a zero cycle count are problems; agreeing runs are not; the summary's ratios are B1/best.
#include <gtest/gtest.h>

#include <sstream>

#include "report.h"

using namespace tinytx::bench;

namespace {

VsRun run(const std::string &impl, const std::string &mode, const std::string &sched, int T,
          uint32_t crc, uint64_t cycles, uint64_t arena)
{
    VsRun r;
    r.shape = "tiny";
    r.impl = impl;
    r.mode = mode;
    r.sched = sched;
    r.tile_rows = T;
    r.status = 0;
    r.crc = crc;
    r.cycles = cycles;
    r.arena = arena;
    r.macs = 1000;
    return r;
}

BoardResult board_with(std::vector<VsRun> runs)
{
    ImageResult im;
    im.ok = true;
    im.runs = std::move(runs);
    return {"cortex-m4", "nucleo-l476rg", "test table", {im}, {}};
}

}  // namespace

TEST(VsCmsisReport, AgreeingSchedulesPassAndRatiosAreB1OverBest)
{
    std::ostringstream os;
    const Verdict v = print_board(os, board_with({run("cmsis-b1", "std", "-", 0, 1, 4000, 900),
                                                  run("cmsis-b2", "std", "-", 0, 2, 4100, 300),
                                                  run("tinytx", "std", "layerwise", 0, 7, 1000, 800),
                                                  run("tinytx", "std", "depthfirst", 1, 7, 2000, 250),
                                                  run("tinytx", "fused", "layerwise", 0, 9, 800, 700)}),
                                  true, "");
    EXPECT_EQ(v.problems, 0) << os.str();
    EXPECT_EQ(v.shapes_compared, 1);
    EXPECT_DOUBLE_EQ(v.mean_speedup_b1, 5.0);  // 4000 / 800
    EXPECT_EQ(v.arena_le_b2, 1);               // 250 <= 300
}

TEST(VsCmsisReport, CrcMismatchWithinAModeIsAProblem)
{
    std::ostringstream os;
    const Verdict v = print_board(os, board_with({run("tinytx", "std", "layerwise", 0, 7, 1000, 800),
                                                  run("tinytx", "std", "headwise", 0, 8, 1100, 400)}),
                                  false, "test");
    EXPECT_EQ(v.problems, 1);
    EXPECT_NE(os.str().find("CRC MISMATCH"), std::string::npos) << os.str();
}

TEST(VsCmsisReport, FailedRunsAndZeroCyclesAreProblems)
{
    VsRun failed = run("tinytx", "std", "layerwise", 0, 7, 1000, 800);
    failed.status = -3;
    std::ostringstream os;
    const Verdict v = print_board(os, board_with({failed, run("tinytx", "std", "headwise", 0, 7, 0, 400)}),
                                  false, "test");
    EXPECT_EQ(v.problems, 2) << os.str();
}
