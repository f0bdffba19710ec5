// Calibration recovers a known cycle table: the iss, given a profile with a deliberately
// different table and wait states as the "board", runs fw_calib; calibrate() fitted from those
// cycles must give back that profile's figures (within 2 % each), starting from the stock one.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>

#include "calibration.h"
#include "tinytx/agent/agent_core.h"

using namespace tinytx::agent;
namespace fs = std::filesystem;

namespace {

std::vector<uint8_t> calib_image(const std::string &cpu)
{
    std::ifstream f(std::string(TINYTX_FIRMWARE_DIR) + "/" + cpu + "/fw_calib.elf", std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

// a boards folder holding only `p`
std::string boards_dir_with(const BoardProfile &p, const std::string &tag)
{
    const fs::path dir = fs::temp_directory_path() / ("tinytx_calibration_" + tag + "_" + std::to_string(::getpid()));
    fs::create_directories(dir);
    std::ofstream(dir / (p.name + ".json")) << board_profile_json(p);
    return dir.string();
}

void set_wait(BoardProfile &p, const std::string &region, uint32_t load, uint32_t store)
{
    for (MemoryRegion &r : p.memory)
        if (r.name == region) {
            r.timing.load_wait = load;
            r.timing.store_wait = store;
        }
}

TEST(Calibration, RecoversADifferentCycleTableAndWaitStatesOnTheIss)
{
    const BoardCatalog stock = BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    const BoardProfile &start = stock.get("nucleo-h743zi");
    BoardProfile truth = start;  // the "board": every fitted figure differs from the stock profile
    truth.cycle_model.cycles = {{"alu", 2}, {"mul", 3}, {"mac", 4}, {"div", 9}, {"dsp", 2}, {"fpu", 1},
                                {"load", 3}, {"store", 2}, {"load_multiple_per_reg", 2},
                                {"branch_taken", 6}, {"branch_not_taken", 2}, {"other", 1}};
    set_wait(truth, "axi_sram", 4, 3);
    set_wait(truth, "flash", 7, 0);

    AgentConfig cfg;
    cfg.boards_dir = boards_dir_with(truth, "truth");
    cfg.boards = {{"nucleo-h743zi", "iss"}};
    AgentCore core(cfg);
    CalibrationRequest req;
    req.board = "nucleo-h743zi";
    req.image = calib_image("cortex-m7");
    ASSERT_FALSE(req.image.empty()) << "fw_calib.elf for cortex-m7 is not built";
    std::vector<std::string> progress;
    req.progress = [&](const std::string &s) { progress.push_back(s); };
    const CalibrationResult r = calibrate(core, start, req);

    EXPECT_GE(progress.size(), 3u);  // one run per RAM-like region, then the fit
    EXPECT_LT(r.max_residual, 1e-6);
    size_t checked = 0;
    for (const CalibratedFigure &f : r.figures) {
        const auto dot = f.name.find('.');
        double want;
        if (dot == std::string::npos) {
            want = truth.cycle_model.of(f.name);
        } else {
            const RegionTiming &t = truth.region(f.name.substr(0, dot))->timing;
            want = f.name.substr(dot + 1) == "load_wait" ? t.load_wait : t.store_wait;
        }
        EXPECT_NEAR(f.fitted, want, 0.02 * want) << f.name;
        ++checked;
    }
    // ten classes, the AXI SRAM's load and store waits, the flash's load wait
    EXPECT_EQ(checked, 13u);
    for (const auto &[cls, v] : r.profile.cycle_model.cycles) EXPECT_EQ(v, truth.cycle_model.of(cls)) << cls;
    EXPECT_EQ(r.profile.region("axi_sram")->timing.load_wait, 4u);
    EXPECT_EQ(r.profile.region("flash")->timing.load_wait, 7u);
    EXPECT_NE(r.profile.cycle_model.source.find("emulated, not a board"), std::string::npos);

    // the written profile loads back as the same figures
    const BoardProfile back = parse_board_profile(board_profile_json(r.profile), "calibrated");
    EXPECT_EQ(back.cycle_model.cycles, r.profile.cycle_model.cycles);
    EXPECT_EQ(back.region("axi_sram")->timing.store_wait, 3u);
    EXPECT_EQ(back.emulator_arena, "axi_sram");
    fs::remove_all(cfg.boards_dir);
}

TEST(Calibration, RefusesACoreTheBenchmarksDoNotCover)
{
    const BoardCatalog stock = BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    AgentConfig cfg;
    cfg.boards_dir = TINYTX_BOARDS_DIR;
    cfg.boards = {{"gap9", "iss"}};
    AgentCore core(cfg);
    CalibrationRequest req;
    req.board = "gap9";
    try {
        calibrate(core, stock.get("gap9"), req);
        FAIL() << "calibrate accepted gap9";
    } catch (const InvalidArgument &e) {
        EXPECT_NE(std::string(e.what()).find("Cortex-M"), std::string::npos) << e.what();
    }
}

}  // namespace
