// The openocd backend without a board: OpenOCD with a real STM32 configuration exits at init
// (no ST-Link here) -> kUnavailable with its message; bad requests; when it programs the flash
// (OpenOCD's dummy adapter, its flash commands replaced by Tcl procedures that keep a pretend
// flash); and the measurement part over a GDB server, with QEMU's gdbstub standing in for
// OpenOCD's GDB port.
#include <gtest/gtest.h>

#include <sys/wait.h>

#include <cerrno>
#include <cstdlib>
#include <thread>

#include "tinytx/agent/backend.h"
#include "tinytx/agent/openocd/openocd.h"
#include "tinytx/agent/openocd/tcl_client.h"
#include "tinytx/platform/process.h"
#include "tinytx/platform/board_profile.h"

using namespace tinytx;
using namespace tinytx::agent;

namespace {

std::string fw_dir()
{
    const char *env = std::getenv("TINYTX_FIRMWARE_DIR");
    return env && *env ? env : TINYTX_FIRMWARE_DIR;
}

const BoardCatalog &catalog()
{
    static const BoardCatalog c = BoardCatalog::load_dir(BoardCatalog::default_dir());
    return c;
}

bool no_children()
{
    errno = 0;
    return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

TEST(OpenocdBackend, NoProbeIsUnavailableWithOpenocdsMessage)
{
    const ElfImage img = ElfImage::load_file(fw_dir() + "/cortex-m4/fw_agent_tiny4.elf");
    auto backend = make_openocd_backend("");
    EXPECT_EQ("openocd", backend->name());
    RunOptions o;
    o.deadline = std::chrono::milliseconds(5000);
    const Measurement m = backend->run(catalog().get("nucleo-l476rg"), img, o);
    EXPECT_EQ(RunStatus::kUnavailable, m.status) << m.error;
    EXPECT_NE(std::string::npos, m.error.find("OpenOCD exited")) << m.error;
    EXPECT_NE(std::string::npos, m.error.find("open failed")) << m.error;  // OpenOCD's words
    EXPECT_NE(std::string::npos, m.error.find("ST-Link")) << m.error;
    EXPECT_EQ("openocd", m.backend);
    EXPECT_EQ("nucleo-l476rg", m.board);
    EXPECT_EQ(img.sha256(), m.image_hash);
    EXPECT_EQ(Source::kMeasured, m.cycles_source);
    EXPECT_LT(m.wall_time_ms, 4000);
    EXPECT_TRUE(no_children());
}

TEST(OpenocdBackend, SerialIsPassedAndRunsOnOneBoardAreSerialised)
{
    const ElfImage img = ElfImage::load_file(fw_dir() + "/cortex-m7/fw_agent_tiny4.elf");
    const auto &board = catalog().get("nucleo-h743zi");
    openocd::Options opt;
    opt.serial = "0669FF000000000000000000";
    const auto cmd = openocd::openocd_command(board, opt, 6666, 3333);
    std::string s;
    for (const auto &a : cmd) s += a + " ";
    EXPECT_NE(std::string::npos, s.find("-f interface/stlink.cfg -f target/stm32h7x.cfg -c adapter serial 0669FF")) << s;
    EXPECT_NE(std::string::npos, s.find("tcl_port 6666")) << s;
    EXPECT_NE(std::string::npos, s.find("gdb_port 3333")) << s;
    // two threads, one probe: both end (no deadlock), both unavailable
    auto backend = make_openocd_backend(opt.serial);
    Measurement a, b;
    std::thread ta([&] { a = backend->run(board, img, RunOptions{}); });
    std::thread tb([&] { b = make_openocd_backend(opt.serial)->run(board, img, RunOptions{}); });
    ta.join();
    tb.join();
    EXPECT_EQ(RunStatus::kUnavailable, a.status) << a.error;
    EXPECT_EQ(RunStatus::kUnavailable, b.status) << b.error;
    EXPECT_NE(std::string::npos, a.error.find(opt.serial)) << a.error;
    EXPECT_EQ(opt.serial, a.board_serial);
    EXPECT_TRUE(no_children());
}

TEST(OpenocdBackend, BadRequestsAreInvalidArgument)
{
    auto backend = make_openocd_backend("");
    // gap9 has no OpenOCD configuration
    Measurement m = backend->run(catalog().get("gap9"),
                                 ElfImage::load_file(fw_dir() + "/rv32/fw_agent_tiny4.elf"), RunOptions{});
    EXPECT_EQ(RunStatus::kInvalidArgument, m.status);
    EXPECT_NE(std::string::npos, m.error.find("OpenOCD")) << m.error;
    // an RV32 image on a Cortex-M board
    m = backend->run(catalog().get("nucleo-l476rg"),
                     ElfImage::load_file(fw_dir() + "/rv32/fw_agent_tiny4.elf"), RunOptions{});
    EXPECT_EQ(RunStatus::kInvalidArgument, m.status);
    EXPECT_NE(std::string::npos, m.error.find("riscv32")) << m.error;
    // openocd missing
    openocd::Options opt;
    opt.program = "openocd-tinytx-missing";
    m = openocd::make_openocd_backend(opt)->run(
        catalog().get("nucleo-l476rg"), ElfImage::load_file(fw_dir() + "/cortex-m4/fw_agent_tiny4.elf"),
        RunOptions{});
    EXPECT_EQ(RunStatus::kUnavailable, m.status);
    EXPECT_NE(std::string::npos, m.error.find("openocd-tinytx-missing")) << m.error;
    EXPECT_TRUE(no_children());
}

// No board here: OpenOCD's dummy adapter with a `testee` target, whose `reset`, `verify_image` and
// `program` are replaced after `init` by Tcl procedures standing in for the board's (the flash
// holds the last image programmed; verify_image fails for any other), each call logged.
TEST(OpenocdBackend, TheImageIsProgrammedOnlyWhenTheFlashDoesNotHoldIt)
{
    platform::TempDir dir("tinytx-openocd-flash");
    const uint16_t port = platform::pick_free_tcp_port();
    platform::Process proc = platform::Process::spawn(
        {{"openocd", "-c", "adapter driver dummy", "-c", "adapter speed 1000", "-c", "transport select jtag", "-c",
          "jtag newtap tap cpu -irlen 4 -expected-id 0", "-c", "target create tgt testee -chain-position tap.cpu", "-c",
          "tcl_port " + std::to_string(port), "-c", "gdb_port disabled", "-c", "telnet_port disabled", "-c",
          "init", "-c", "set ::flash {}; set ::calls {}", "-c", "proc reset {args} {lappend ::calls \"reset $args\"}", "-c",
          "proc verify_image {f args} {lappend ::calls \"verify $f\"; if {$f ne $::flash} {error \"checksum mismatch\"}}",
          "-c", "proc program {f args} {lappend ::calls \"program $f $args\"; set ::flash $f}"},
         dir.file("log.txt"), dir.file("log.txt"), ""});
    openocd::TclClient tcl(platform::Socket::connect_retry(platform::Endpoint::tcp("127.0.0.1", port),
                                                           platform::Clock::now() + std::chrono::seconds(10),
                                                           [&] { return proc.running(); }));
    const auto deadline = [] { return platform::Clock::now() + std::chrono::seconds(10); };
    auto calls = [&] {
        const std::string c = tcl.eval("join $::calls {, }", openocd::Millis(3000));
        tcl.eval("set ::calls {}", openocd::Millis(3000));
        return c;
    };
    EXPECT_TRUE(openocd::program_unless_present(tcl, "/images/a.elf", deadline()));
    EXPECT_EQ(calls(), "reset halt, verify /images/a.elf, program /images/a.elf verify, reset halt");
    EXPECT_FALSE(openocd::program_unless_present(tcl, "/images/a.elf", deadline())) << "the flash holds it";
    EXPECT_EQ(calls(), "reset halt, verify /images/a.elf");
    EXPECT_TRUE(openocd::program_unless_present(tcl, "/images/b.elf", deadline()));
    EXPECT_EQ(calls(), "reset halt, verify /images/b.elf, program /images/b.elf verify, reset halt");
    EXPECT_TRUE(openocd::program_unless_present(tcl, "/images/a.elf", deadline())) << "b replaced it";
    proc.kill_and_reap();
}

}  // namespace
