// The shipped board profiles load; bad profiles and unknown boards get errors naming the field.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tinytx/platform/board_profile.h"

using namespace tinytx::platform;

namespace {

std::string error_of(const std::string &text)
{
    try {
        parse_board_profile(text, "test.json");
    } catch (const InvalidArgument &e) {
        return e.what();
    }
    return "";
}

TEST(BoardProfile, ShippedProfilesLoad)
{
    const auto cat = BoardCatalog::load_dir(BoardCatalog::default_dir());
    EXPECT_EQ((std::vector<std::string>{"gap9", "nucleo-h743zi", "nucleo-l476rg"}), cat.names());
    const auto &l4 = cat.get("nucleo-l476rg");
    EXPECT_EQ(Arch::kArm, l4.arch);
    EXPECT_EQ(80000000u, l4.clock_hz);
    EXPECT_EQ("mps2-an386", l4.qemu_machine);
    EXPECT_EQ(2u, l4.cycle_model.of("load"));
    EXPECT_EQ(1u, l4.cycle_model.of("something-new")) << "unknown classes cost `other`";
    EXPECT_EQ(Arch::kRiscv32, cat.get("gap9").arch);
    EXPECT_DOUBLE_EQ(35.0, cat.get("gap9").active_mw);
    EXPECT_EQ(0x24000000u, cat.get("nucleo-h743zi").memory[2].origin);
}

TEST(BoardProfile, NamesInAnyCase)
{
    // as printed on the board: the profile, under its own spelling
    const auto cat = BoardCatalog::load_dir(BoardCatalog::default_dir());
    EXPECT_EQ("nucleo-h743zi", cat.get("NUCLEO-H743ZI").name);
    EXPECT_EQ("gap9", cat.get("GAP9").name);
}

TEST(BoardProfile, UnknownBoardListsTheKnownOnes)
{
    const auto cat = BoardCatalog::load_dir(BoardCatalog::default_dir());
    try {
        cat.get("nucleo-f401re");
        FAIL();
    } catch (const InvalidArgument &e) {
        const std::string m = e.what();
        EXPECT_NE(m.find("nucleo-f401re"), std::string::npos);
        EXPECT_NE(m.find("gap9, nucleo-h743zi, nucleo-l476rg"), std::string::npos) << m;
    }
}

TEST(BoardProfile, ErrorsNameTheField)
{
    std::ifstream in(BoardCatalog::default_dir() + "/nucleo-l476rg.json");
    const auto good = nlohmann::json::parse(in);
    EXPECT_EQ("", error_of(good.dump()));
    auto without = [&](const std::string &ptr) {
        auto j = good;
        j.erase(ptr);
        return j.dump();
    };
    EXPECT_NE(error_of(without("clock_hz")).find("'clock_hz' is missing"), std::string::npos);
    EXPECT_NE(error_of(without("power")).find("'power' is missing"), std::string::npos);
    auto j = good;
    j["core"] = "cortex-a53";
    EXPECT_NE(error_of(j.dump()).find("'core' must be one of"), std::string::npos);
    j = good;
    j["emulator"]["memory"][0]["origin"] = "1234";
    EXPECT_NE(error_of(j.dump()).find("emulator.memory[0].origin"), std::string::npos);
    j = good;
    j["cycle_model"]["cycles"]["load"] = -2;
    EXPECT_NE(error_of(j.dump()).find("cycle_model.cycles.load"), std::string::npos);
    j = good;
    j["power"].erase("source");
    EXPECT_NE(error_of(j.dump()).find("power.source"), std::string::npos);
    EXPECT_NE(error_of("{not json").find("not valid JSON"), std::string::npos);
    j = good;
    j["memory"][0]["timing"].erase("source");
    EXPECT_NE(error_of(j.dump()).find("memory[0].timing.source"), std::string::npos);
    j = good;
    j["memory"][0]["timing"]["load_wait"] = 1.5;
    EXPECT_NE(error_of(j.dump()).find("memory[0].timing.load_wait"), std::string::npos);
    j = good;
    j["emulator"]["memory"][1]["stands_for"] = "sram3";
    EXPECT_NE(error_of(j.dump()).find("emulator.memory[1].stands_for"), std::string::npos);
    j = good;
    j["emulator"]["arena"] = "flash";
    EXPECT_NE(error_of(j.dump()).find("emulator.arena"), std::string::npos);
}

TEST(BoardProfile, RegionTimingCarriesItsSource)
{
    const auto cat = BoardCatalog::load_dir(BoardCatalog::default_dir());
    for (const std::string board : {"nucleo-l476rg", "nucleo-h743zi"}) {
        const BoardProfile &p = cat.get(board);
        for (const MemoryRegion &r : p.memory) {
            EXPECT_FALSE(r.timing.source.empty()) << board << " " << r.name;
            // a figure that is not the reference manual's is marked for calibration
            if (r.timing.source.find("Model") != std::string::npos) EXPECT_TRUE(r.timing.calibratable) << r.name;
        }
        // the emulator's code and data memories stand for board regions (QEMU's psram is unused)
        EXPECT_NE(p.region(p.emulator_memory[0].stands_for), nullptr) << board;
        EXPECT_NE(p.region(p.emulator_memory[1].stands_for), nullptr) << board;
        ASSERT_NE(p.region(p.emulator_arena), nullptr);
        EXPECT_TRUE(is_ram_kind(p.region(p.emulator_arena)->kind));
    }
    const BoardProfile &h7 = cat.get("nucleo-h743zi");
    EXPECT_EQ(0u, h7.region("dtcm")->timing.load_wait);
    EXPECT_FALSE(h7.region("dtcm")->timing.calibratable);
    EXPECT_GT(h7.region("axi_sram")->timing.load_wait, 0u);
}

TEST(BoardProfile, WritesWhatItReads)
{
    const auto cat = BoardCatalog::load_dir(BoardCatalog::default_dir());
    for (const std::string &name : cat.names()) {
        const BoardProfile &p = cat.get(name);
        const BoardProfile q = parse_board_profile(board_profile_json(p), "again");
        EXPECT_EQ(board_profile_json(p), board_profile_json(q)) << name;
        EXPECT_EQ(p.cycle_model.cycles, q.cycle_model.cycles);
        ASSERT_EQ(p.memory.size(), q.memory.size());
        for (size_t i = 0; i < p.memory.size(); ++i) {
            EXPECT_EQ(p.memory[i].origin, q.memory[i].origin);
            EXPECT_EQ(p.memory[i].timing.load_wait, q.memory[i].timing.load_wait);
            EXPECT_EQ(p.memory[i].timing.calibratable, q.memory[i].timing.calibratable);
        }
    }
}

}  // namespace
