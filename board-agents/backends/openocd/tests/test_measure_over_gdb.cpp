// The openocd backend's measurement part over a GDB server (QEMU's gdbstub standing in for
// OpenOCD's GDB port): DWT enabling, the mailbox loop, cycles from DWT. QEMU has no DWT, so
// the result must say that no cycles were measured instead of reporting instruction counts as
// measured cycles.
#include <gtest/gtest.h>

#include <cstdlib>

#include "tinytx/agent/openocd/openocd.h"
#include "tinytx/agent/qemu/qemu.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/process.h"
#include "tinytx/rsp/client.h"

using namespace tinytx;
using namespace tinytx::agent;

namespace {

std::string fw_dir()
{
    const char *env = std::getenv("TINYTX_FIRMWARE_DIR");
    return env && *env ? env : TINYTX_FIRMWARE_DIR;
}

TEST(OpenocdMeasureOverGdb, RunsTheMailboxLoopAndInsistsOnDwtCycles)
{
    const auto catalog = BoardCatalog::load_dir(BoardCatalog::default_dir());
    const BoardProfile &board = catalog.get("nucleo-l476rg");
    const std::string elf = fw_dir() + "/cortex-m4/fw_agent_tiny4.elf";
    const ElfImage img = ElfImage::load_file(elf);
    platform::TempDir dir("tinytx-openocd-test");
    platform::Process qemu = platform::Process::spawn(
        {qemu::qemu_command(board, elf, dir.file("gdb.sock"), dir.file("console.txt")), "", "", ""});
    rsp::Client c(platform::Socket::connect_retry(platform::Endpoint::unix_socket(dir.file("gdb.sock")),
                                                  platform::Clock::now() + std::chrono::seconds(5),
                                                  [&] { return qemu.running(); }));
    c.handshake();
    // QEMU accepts the writes but has no cycle counter: the read-back says so
    const platform::Status dwt = openocd::enable_dwt_cyccnt(c, std::chrono::milliseconds(1000));
    EXPECT_NE(std::string::npos, dwt.message().find("DWT_CTRL.CYCCNTENA")) << dwt.message();

    RunOptions o;
    o.repeats = 2;
    o.warmups = 1;
    Measurement m;
    openocd::measure_over_gdb(c, board, img, o, platform::Clock::now() + std::chrono::seconds(10), m);
    EXPECT_EQ(RunStatus::kUnavailable, m.status) << m.error;
    EXPECT_NE(std::string::npos, m.error.find("DWT cycle counter did not count")) << m.error;
    EXPECT_NE(std::string::npos, m.error.find("did not stick")) << m.error;
    EXPECT_EQ(Source::kMeasured, m.cycles_source);
    EXPECT_EQ(2u, m.cycles.size()) << "the loop completed: 1 warm-up + 2 runs read";
    EXPECT_GT(m.instructions, 0u);
}

}  // namespace
