// The TCL RPC client against a real OpenOCD: the dummy adapter with a `testee` target stays up
// and answers on its TCL port (it has no GDB port and cannot read memory).
#include <gtest/gtest.h>

#include "tinytx/agent/openocd/tcl_client.h"
#include "tinytx/platform/process.h"

using namespace tinytx;
using namespace tinytx::agent;
using openocd::TclClient;
using openocd::TclError;

namespace {

struct DummyOpenocd {
    platform::TempDir dir{"tinytx-tcl-test"};
    platform::Process proc;
    uint16_t port = platform::pick_free_tcp_port();

    DummyOpenocd()
    {
        proc = platform::Process::spawn(
            {{"openocd", "-c", "adapter driver dummy", "-c", "adapter speed 1000", "-c",
              "transport select jtag", "-c", "jtag newtap tap cpu -irlen 4 -expected-id 0", "-c",
              "target create tgt testee -chain-position tap.cpu", "-c",
              "tcl_port " + std::to_string(port), "-c", "gdb_port disabled", "-c",
              "telnet_port disabled"},
             dir.file("log.txt"), dir.file("log.txt"), ""});
    }

    TclClient connect()
    {
        return TclClient(platform::Socket::connect_retry(platform::Endpoint::tcp("127.0.0.1", port),
                                                         platform::Clock::now() + std::chrono::seconds(10),
                                                         [this] { return proc.running(); }));
    }
};

TEST(OpenocdTcl, CommandsAndAnswers)
{
    DummyOpenocd o;
    TclClient t = o.connect();
    EXPECT_NE(std::string::npos, t.eval("version", openocd::Millis(3000)).find("Open On-Chip Debugger"));
    EXPECT_EQ("42", t.eval("expr {6 * 7}", openocd::Millis(3000)));
    EXPECT_NE(std::string::npos, t.command("version", openocd::Millis(3000)).find("0.12"));
    // several commands on one connection, output of commands that print
    EXPECT_EQ("a b\n", t.command("echo \"a b\"", openocd::Millis(3000)));
    const std::string targets = t.command("targets", openocd::Millis(3000));
    EXPECT_NE(std::string::npos, targets.find("testee")) << targets;
}

TEST(OpenocdTcl, ErrorsAreReportedWithOpenocdsMessage)
{
    DummyOpenocd o;
    TclClient t = o.connect();
    try {
        t.command("no_such_command 1 2", openocd::Millis(3000));
        FAIL();
    } catch (const TclError &e) {
        EXPECT_EQ(1, e.code());
        EXPECT_NE(std::string::npos, std::string(e.what()).find("invalid command name")) << e.what();
        EXPECT_NE(std::string::npos, std::string(e.what()).find("no_such_command")) << e.what();
    }
    try {
        t.command("mdw 0x20000000", openocd::Millis(3000));  // testee cannot read memory
        FAIL();
    } catch (const TclError &e) {
        EXPECT_LT(e.code(), 0) << "an OpenOCD error code";
        EXPECT_NE(std::string::npos, e.output().find("read_memory")) << e.output();
    }
    // a failed command leaves the connection usable
    EXPECT_EQ("3", t.eval("expr 1+2", openocd::Millis(3000)));
    EXPECT_THROW(t.eval(std::string("echo x\x1a"), openocd::Millis(100)), platform::Error);
}

TEST(OpenocdTcl, ShutdownEndsOpenocdAndTheConnection)
{
    DummyOpenocd o;
    TclClient t = o.connect();
    try {
        t.eval("shutdown", openocd::Millis(3000));
    } catch (const platform::ConnectionError &) {
        // it may close before answering
    }
    EXPECT_TRUE(o.proc.wait_for(std::chrono::seconds(3)).has_value());
    try {
        t.eval("version", openocd::Millis(500));
        FAIL();
    } catch (const platform::Error &e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("version")) << e.what();
    }
}

TEST(OpenocdTcl, ConnectAndTimeoutErrorsNameTheEndpoint)
{
    const uint16_t port = platform::pick_free_tcp_port();
    try {
        TclClient::connect(platform::Endpoint::tcp("127.0.0.1", port), openocd::Millis(50));
        FAIL();
    } catch (const platform::Error &e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find(std::to_string(port))) << e.what();
    }
    DummyOpenocd o;
    TclClient t = o.connect();
    try {
        t.eval("sleep 2000", openocd::Millis(100));
        FAIL();
    } catch (const platform::TimeoutError &e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("sleep 2000")) << e.what();
    }
}

}  // namespace
