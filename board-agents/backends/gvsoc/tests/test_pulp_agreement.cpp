// The pulp backend held to GVSoC on the same images: the calibration micro-benchmarks
// (fw_gap9_calib: one timing effect each), the attention bench (fw_gap9_attention: the kernels on
// 1 and 8 cores) and the golden cluster checks (fw_cluster_check_<case>: every MHSA and encoder
// configuration, 1..8 cores, both splits, and the linear layer on 1..8 cores), cycle for cycle
// within the bands docs/GAP9.md lists,
// with the same output CRCs, which are the golden ones.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <iterator>
#include <map>
#include <regex>

#include "gvsoc_rig.h"
#include "tinytx/agent/pulp/pulp.h"

using namespace tinytx::agent;
using namespace tinytx::agent::gvsoc::test;

namespace {

struct Consoles {
    std::string gvsoc, pulp;
};

Consoles run_both(const std::string &gvsoc_bin, const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    const std::vector<uint8_t> elf((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
    const gvsoc::ExitReport g = gvsoc::run_to_exit(gvsoc_bin, elf, std::chrono::minutes(4));
    EXPECT_TRUE(g.exit_status.has_value()) << g.error;
    const pulp::PulpRunReport p =
        pulp::run_to_exit(gap9(), ElfImage::parse(elf), pulp::PulpConfig{}, std::chrono::minutes(2));
    EXPECT_TRUE(p.exit_status.has_value()) << p.stop.message();
    return {g.console, p.console};
}

// name -> value of the first capture group, for every line matching `re` (key: group 1 + 2)
std::map<std::string, std::pair<uint64_t, std::string>> figures(const std::string &console, const std::regex &re)
{
    std::map<std::string, std::pair<uint64_t, std::string>> out;
    for (std::sregex_iterator it(console.begin(), console.end(), re), end; it != end; ++it)
        out[(*it)[1].str()] = {std::stoull((*it)[2].str()), it->size() > 3 ? (*it)[3].str() : ""};
    return out;
}

}  // namespace

TEST(PulpAgreesWithGvsoc, CalibrationMicroBenchmarks)
{
    const std::string path = gap9_image("fw_gap9_calib");
    TX_REQUIRE_GVSOC_AND(path);
    const Consoles c = run_both(gvsoc_bin, path);
    const std::regex re(R"(CALIB (\S+) cycles=(\d+))");
    const auto g = figures(c.gvsoc, re), p = figures(c.pulp, re);
    ASSERT_GE(g.size(), 20u) << c.gvsoc;
    // 3 %, or 24 cycles on the short ones (a small DMA transfer: GVSoC's mchan is not linear in
    // the length below ~1 KiB, the model is). One known exception: straight-line code missing L0
    // line after line and hitting the shared L1 costs GVSoC 4 cycles a line, pulp 2 (the cost
    // fitted to loops, which is what kernels are: docs/GAP9.md), 8 % apart.
    const std::map<std::string, double> known = {{"code_2k_warm", 0.10}};
    for (const auto &[name, gv] : g) {
        ASSERT_TRUE(p.count(name)) << name << " missing on pulp";
        const double band = std::max((known.count(name) ? known.at(name) : 0.03) * double(gv.first), 24.0);
        EXPECT_NEAR(double(p.at(name).first), double(gv.first), band)
            << name << ": pulp " << p.at(name).first << ", GVSoC " << gv.first;
    }
}

TEST(PulpAgreesWithGvsoc, AttentionBenchOnOneAndEightCores)
{
    const std::string path = gap9_image("fw_gap9_attention");
    TX_REQUIRE_GVSOC_AND(path);
    const Consoles c = run_both(gvsoc_bin, path);
    const std::regex re(R"(CORES (\d+ split=\w+) cycles=(\d+) mac_per_cycle=\S+ crc=(0x[0-9a-f]+))");
    const auto g = figures(c.gvsoc, re), p = figures(c.pulp, re);
    ASSERT_GE(g.size(), 3u) << c.gvsoc;
    for (const auto &[run, gv] : g) {
        ASSERT_TRUE(p.count(run)) << run << " missing on pulp";
        EXPECT_EQ(p.at(run).second, gv.second) << run << ": output CRCs differ";
        EXPECT_NEAR(double(p.at(run).first), double(gv.first), 0.03 * double(gv.first))
            << run << ": pulp " << p.at(run).first << ", GVSoC " << gv.first;
    }
}

class ClusterCheck : public ::testing::TestWithParam<const char *> {};

TEST_P(ClusterCheck, GoldenOnGvsocAndCyclesWithinThreePercent)
{
    const std::string path = gap9_image(std::string("fw_cluster_check_") + GetParam());
    TX_REQUIRE_GVSOC_AND(path);
    const Consoles c = run_both(gvsoc_bin, path);
    EXPECT_NE(c.gvsoc.find("CLUSTER CHECK PASS"), std::string::npos) << c.gvsoc.substr(0, 4000);
    EXPECT_NE(c.pulp.find("CLUSTER CHECK PASS"), std::string::npos);
    const std::regex re(R"(CRC (.+) (0x[0-9a-f]+) -?\d+ cycles=(\d+))");
    std::map<std::string, std::pair<std::string, uint64_t>> g, p;
    for (auto *side : {&g, &p}) {
        const std::string &text = side == &g ? c.gvsoc : c.pulp;
        for (std::sregex_iterator it(text.begin(), text.end(), re), end; it != end; ++it)
            (*side)[(*it)[1].str()] = {(*it)[2].str(), std::stoull((*it)[3].str())};
    }
    ASSERT_GE(g.size(), 50u);
    for (const auto &[config, gv] : g) {
        ASSERT_TRUE(p.count(config)) << config << " missing on pulp";
        EXPECT_EQ(p.at(config).first, gv.first) << config;
        EXPECT_NEAR(double(p.at(config).second), double(gv.second), 0.03 * double(gv.second))
            << config << ": pulp " << p.at(config).second << ", GVSoC " << gv.second;
    }
}

INSTANTIATE_TEST_SUITE_P(GoldenCases, ClusterCheck, ::testing::Values("eegformer", "ecgformer", "tiny4", "odd"));
