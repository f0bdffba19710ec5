// The pulp backend through the Backend interface: RV32 firmware images under the mailbox
// protocol on the gap9 profile, cross-checked against the iss backend, and the error statuses.
#include <gtest/gtest.h>

#include <filesystem>

#include "tinytx/agent/backend.h"
#include "tinytx/agent/pulp/pulp.h"
#include "tinytx/platform/board_profile.h"

using namespace tinytx::agent;

namespace {

const BoardProfile &gap9()
{
    static const BoardCatalog cat = BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    return cat.get("gap9");
}

std::string fw(const std::string &cpu, const std::string &name)
{
    return std::string(TINYTX_FIRMWARE_DIR) + "/" + cpu + "/" + name + ".elf";
}

}  // namespace

TEST(PulpBackend, AgentImageMatchesTheIss)
{
    const std::string path = fw("rv32", "fw_agent_odd");
    if (!std::filesystem::exists(path)) GTEST_SKIP() << path << " not built";
    const ElfImage image = ElfImage::load_file(path);
    RunOptions opts;
    opts.repeats = 2;
    opts.warmups = 1;
    opts.deadline = std::chrono::milliseconds(60000);
    auto pulp = make_pulp_backend();
    const Measurement m = pulp->run(gap9(), image, opts);
    ASSERT_EQ(m.status, RunStatus::kOk) << m.error;
    EXPECT_EQ(m.backend, "pulp");
    ASSERT_EQ(m.cycles.size(), 2u);
    EXPECT_GT(m.cycles_median, 0u);
    EXPECT_EQ(m.cycles[0], m.cycles[1]);  // deterministic
    const Measurement ref = make_iss_backend()->run(gap9(), image, opts);
    ASSERT_EQ(ref.status, RunStatus::kOk) << ref.error;
    EXPECT_EQ(m.output_crc32, ref.output_crc32);
    EXPECT_EQ(m.instructions, ref.instructions);  // same program, same instruction count
}

TEST(PulpBackend, ErrorsAreStatuses)
{
    const std::string fault = fw("rv32", "fw_fault"), hang = fw("rv32", "fw_hang"),
                      arm = fw("cortex-m4", "fw_agent_odd");
    if (!std::filesystem::exists(fault) || !std::filesystem::exists(hang)) GTEST_SKIP() << "firmware not built";
    auto b = make_pulp_backend();
    RunOptions opts;
    opts.deadline = std::chrono::milliseconds(300);
    const Measurement f = b->run(gap9(), ElfImage::load_file(fault), opts);
    EXPECT_EQ(f.status, RunStatus::kFault) << f.error;
    EXPECT_TRUE(f.fault_pc.has_value());
    const Measurement h = b->run(gap9(), ElfImage::load_file(hang), opts);
    EXPECT_EQ(h.status, RunStatus::kTimeout) << h.error;
    if (std::filesystem::exists(arm)) {
        const Measurement a = b->run(gap9(), ElfImage::load_file(arm), opts);
        EXPECT_EQ(a.status, RunStatus::kInvalidArgument);
    }
    opts.repeats = 0;
    EXPECT_EQ(b->run(gap9(), ElfImage::load_file(fault), opts).status, RunStatus::kInvalidArgument);
}

TEST(PulpBackend, ClusterAgentImageMatchesTheSingleCoreKernels)
{
    // the 8-core Xpulp MHSA (gap9 image) and the single-core RV32 one compute the same integers
    const std::string cluster = fw("gap9", "fw_cluster_agent_odd"), single = fw("rv32", "fw_agent_odd");
    if (!std::filesystem::exists(cluster) || !std::filesystem::exists(single)) GTEST_SKIP() << "firmware not built";
    RunOptions opts;
    opts.repeats = 2;
    opts.deadline = std::chrono::milliseconds(60000);
    const Measurement c = make_pulp_backend()->run(gap9(), ElfImage::load_file(cluster), opts);
    ASSERT_EQ(c.status, RunStatus::kOk) << c.error;
    const Measurement s = make_iss_backend()->run(gap9(), ElfImage::load_file(single), opts);
    ASSERT_EQ(s.status, RunStatus::kOk) << s.error;
    EXPECT_EQ(c.output_crc32, s.output_crc32);
    ASSERT_EQ(c.cycles.size(), 2u);
    // the first run fetches the code into a cold instruction cache; the second finds it warm
    EXPECT_LT(c.cycles[1], c.cycles[0]);
    EXPECT_GT(c.cycles[1] * 100, c.cycles[0] * 95);
    EXPECT_GT(c.stack_peak_bytes, 0u);
}
