// The gvsoc backend: refusal without an install, the mailbox inputs written into the image, and
// the mailbox protocol on GVSoC (records, statuses, deadline).
#include <gtest/gtest.h>

#include <cstdlib>

#include "gvsoc_rig.h"
#include "mailbox_inputs.h"
#include "tinytx/platform/mailbox.h"

using namespace tinytx::agent;
using namespace tinytx::agent::gvsoc::test;

TEST(GvsocBackend, RefusesWithoutAnInstallAndSaysHowToGetOne)
{
    try {
        make_gvsoc_backend("/nonexistent/gvsoc-prefix");
        FAIL() << "no exception";
    } catch (const InvalidArgument &e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("/nonexistent/gvsoc-prefix/bin/gvsoc"), std::string::npos) << what;
        EXPECT_NE(what.find("TINYTX_GVSOC"), std::string::npos) << what;
        EXPECT_NE(what.find("use-prebuilt.sh"), std::string::npos) << what;
    }
}

TEST(GvsocBackend, MailboxInputsAreWrittenIntoTheImage)
{
    const std::string path = gap9_image("fw_cluster_agent_odd");
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not built (gap9 firmware)";
    const ElfImage image = ElfImage::load_file(path);
    const ElfImage patched = ElfImage::parse(gvsoc::with_mailbox_inputs(image, 7, 3));
    const uint32_t mb = patched.require("tx_mailbox").addr;
    auto word_at = [&](uint32_t addr) {
        for (const Segment &s : patched.segments())
            if (addr - s.vaddr + 4 <= s.data.size())
                return uint32_t(s.data[addr - s.vaddr]) | uint32_t(s.data[addr - s.vaddr + 1]) << 8;
        return 0xFFFFFFFFu;
    };
    EXPECT_EQ(word_at(mb + mailbox::kOffRuns), 7u);
    EXPECT_EQ(word_at(mb + mailbox::kOffRepeats), 3u);
    EXPECT_EQ(word_at(mb + mailbox::kOffMagic) & 0xFFFFu, mailbox::kMagic & 0xFFFFu);
}

TEST(GvsocBackend, MeasuresAClusterImageAsThePulpBackendDoes)
{
    const std::string path = gap9_image("fw_cluster_agent_odd");
    TX_REQUIRE_GVSOC_AND(path);
    const ElfImage image = ElfImage::load_file(path);
    RunOptions opts;
    opts.warmups = 1;
    opts.repeats = 2;
    opts.deadline = std::chrono::milliseconds(120000);
    const Measurement g = gvsoc::run_gvsoc(gvsoc_bin, gap9(), image, opts);
    ASSERT_EQ(g.status, RunStatus::kOk) << g.error;
    EXPECT_EQ(g.backend, "gvsoc");
    EXPECT_EQ(g.cycles_source, Source::kEmulated);
    ASSERT_EQ(g.cycles.size(), 2u);
    EXPECT_GT(g.instructions, 0u);
    const Measurement p = make_pulp_backend()->run(gap9(), image, opts);
    ASSERT_EQ(p.status, RunStatus::kOk) << p.error;
    EXPECT_EQ(g.output_crc32, p.output_crc32);
    EXPECT_EQ(g.instructions, p.instructions);  // same program, same instructions
    EXPECT_NEAR(double(p.cycles_median), double(g.cycles_median), 0.03 * double(g.cycles_median));
    opts.expected_crc = g.output_crc32 ^ 1u;
    EXPECT_EQ(gvsoc::run_gvsoc(gvsoc_bin, gap9(), image, opts).status, RunStatus::kWrongOutput);
}

TEST(GvsocBackend, FaultsAndDeadlinesAreStatuses)
{
    const std::string fault = gap9_image("fw_fault"), hang = gap9_image("fw_hang");
    TX_REQUIRE_GVSOC_AND(fault);
    RunOptions opts;
    opts.deadline = std::chrono::milliseconds(60000);
    const Measurement f = gvsoc::run_gvsoc(gvsoc_bin, gap9(), ElfImage::load_file(fault), opts);
    EXPECT_EQ(f.status, RunStatus::kFault) << f.error;
    EXPECT_TRUE(f.fault_pc.has_value());
    opts.deadline = std::chrono::milliseconds(3000);
    const auto t0 = std::chrono::steady_clock::now();
    const Measurement h = gvsoc::run_gvsoc(gvsoc_bin, gap9(), ElfImage::load_file(hang), opts);
    EXPECT_EQ(h.status, RunStatus::kTimeout) << h.error;
    EXPECT_LT(std::chrono::steady_clock::now() - t0, std::chrono::seconds(20));
}
