// The RSP client against QEMU's real gdbstub (halted at reset with -S, on a private unix socket).
#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>
#include <thread>

#include "tinytx/platform/elf_image.h"
#include "tinytx/platform/process.h"
#include "tinytx/rsp/client.h"

using namespace tinytx::platform;
using namespace tinytx::rsp;
using tinytx::platform::ElfImage;

namespace {

std::string fw_dir()
{
    const char *env = std::getenv("TINYTX_FIRMWARE_DIR");
    return env && *env ? env : TINYTX_FIRMWARE_DIR;
}

// One QEMU, halted at reset, gdbstub on a unix socket in a private directory.
struct Qemu {
    TempDir dir{"tinytx-rsp-test"};
    Process proc;
    std::unique_ptr<Client> client;
    ElfImage image;
    std::optional<StopReply> first_stop;

    Qemu(const std::string &cpu, const std::string &elf)
        : image(ElfImage::load_file(fw_dir() + "/" + cpu + "/" + elf))
    {
        std::vector<std::string> argv;
        if (cpu == "rv32")
            argv = {"qemu-system-riscv32", "-M", "virt", "-bios", "none"};
        else if (cpu == "cortex-m7")
            argv = {"qemu-system-arm", "-M", "mps2-an500", "-cpu", "cortex-m7"};
        else
            argv = {"qemu-system-arm", "-M", "mps2-an386", "-cpu", "cortex-m4"};
        const std::string sock = dir.file("gdb.sock");
        for (const char *a : {"-nographic", "-monitor", "none", "-serial", "null",
                              "-semihosting-config", "enable=on,target=native", "-icount",
                              "shift=0", "-S"})
            argv.push_back(a);
        argv.insert(argv.end(), {"-chardev", "socket,id=gdb0,path=" + sock + ",server=on,wait=off",
                                 "-gdb", "chardev:gdb0", "-kernel",
                                 fw_dir() + "/" + cpu + "/" + elf});
        proc = Process::spawn({argv, dir.file("out.txt"), dir.file("out.txt"), ""});
        Socket s = Socket::connect_retry(Endpoint::unix_socket(sock),
                                         Clock::now() + std::chrono::seconds(5),
                                         [this] { return proc.running(); });
        client = std::make_unique<Client>(std::move(s), Millis(3000));
        first_stop = client->handshake();
    }

    uint32_t sym(const char *name) const { return image.require(name).addr; }
};

TEST(RspClientQemu, HandshakeReadsTargetXmlAndRegistersByName)
{
    Qemu q("cortex-m4", "fw_agent_tiny4.elf");
    Client &c = *q.client;
    ASSERT_TRUE(q.first_stop);
    EXPECT_EQ(kSigTrap, q.first_stop->signal);
    EXPECT_EQ(0x1000u, c.packet_size());
    EXPECT_TRUE(c.supports("qXfer:features:read"));
    EXPECT_EQ("arm", c.target().architecture());
    EXPECT_EQ(15u, c.regnum("pc"));
    EXPECT_EQ(13u, c.regnum("sp"));
    EXPECT_EQ(25u, c.regnum("xpsr"));
    // at reset: sp and pc come from the vector table (the image's __stack_top, Reset_Handler)
    EXPECT_EQ(q.sym("__stack_top"), c.read_register("sp"));
    EXPECT_EQ(q.sym("Reset_Handler"), c.read_register("pc"));
    // 'g' agrees with 'p'
    const auto g = c.read_registers();
    const auto split = c.target().split_g(g);
    ASSERT_GE(split.size(), 17u);
    EXPECT_EQ("pc", split[15].first->name);
    EXPECT_EQ(c.read_register(15u), split[15].second);
    // P then p
    c.write_register("r0", 0xC0FFEE11u);
    EXPECT_EQ(0xC0FFEE11u, c.read_register("r0"));
    try {
        c.regnum("mepc");
        FAIL();
    } catch (const Error &e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("mepc"));
    }
}

TEST(RspClientQemu, MemoryRoundTripLargerThanAPacket)
{
    Qemu q("cortex-m4", "fw_agent_tiny4.elf");
    Client &c = *q.client;
    const uint32_t arena = q.sym("__tx_arena_start");
    std::vector<uint8_t> data(10000);
    for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(i * 7 + (i >> 8));
    const uint64_t before = c.packets_sent();
    c.write_memory(arena, data);
    EXPECT_GE(c.packets_sent() - before, 5u) << "10000 bytes need several M packets";
    EXPECT_EQ(data, c.read_memory(arena, data.size()));
    c.write_u32(arena + 4, 0xDEADBEEFu);
    EXPECT_EQ(0xDEADBEEFu, c.read_u32(arena + 4));
    // the mailbox's load image is in memory from the start: magic "TXMB"
    EXPECT_EQ(0x424D5854u, c.read_u32(q.image.require("_simailbox").addr));
    // unmapped memory: an error naming the address
    try {
        c.read_memory(0xF0000000u, 4);
        FAIL() << "reading unmapped memory succeeded";
    } catch (const RemoteError &e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("0xf0000000")) << e.what();
    }
}

TEST(RspClientQemu, HardwareBreakpointStopsAtASymbolThenContinueToExit)
{
    Qemu q("cortex-m4", "fw_exit_code.elf");
    Client &c = *q.client;
    const uint32_t main_addr = q.sym("main");
    c.insert_breakpoint(BreakpointType::kHardware, main_addr, 2);
    StopReply s = c.resume_and_wait(Clock::now() + std::chrono::seconds(5));
    ASSERT_EQ(StopReply::Kind::kSignal, s.kind) << s.raw;
    EXPECT_EQ(kSigTrap, s.signal);
    EXPECT_EQ(main_addr, c.read_register("pc"));
    c.remove_breakpoint(BreakpointType::kHardware, main_addr, 2);
    s = c.resume_and_wait(Clock::now() + std::chrono::seconds(5));
    EXPECT_EQ(StopReply::Kind::kExited, s.kind) << s.raw;
    EXPECT_EQ(42, s.exit_code);
    EXPECT_TRUE(q.proc.wait_for(std::chrono::seconds(2)).has_value());
    // after the exit, requests fail with a connection error naming the socket
    try {
        c.read_register("pc");
        FAIL();
    } catch (const ConnectionError &e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("gdb.sock")) << e.what();
    }
}

TEST(RspClientQemu, Rv32RegistersAndBreakpointAndStep)
{
    Qemu q("rv32", "fw_agent_tiny4.elf");
    Client &c = *q.client;
    EXPECT_EQ("riscv:rv32", c.target().architecture());
    EXPECT_EQ(32u, c.regnum("pc"));
    EXPECT_TRUE(c.target().find("mepc"));
    EXPECT_EQ(0x1000u, c.read_register("pc")) << "the virt machine's reset ROM";
    const uint32_t main_addr = q.sym("main");
    c.insert_breakpoint(BreakpointType::kHardware, main_addr, 4);
    StopReply s = c.resume_and_wait(Clock::now() + std::chrono::seconds(5));
    ASSERT_EQ(kSigTrap, s.signal) << s.raw;
    EXPECT_EQ(main_addr, c.read_register("pc"));
    // continuing from a breakpoint's own address: QEMU stops there again unless it is
    // stepped over; a step moves on
    c.remove_breakpoint(BreakpointType::kHardware, main_addr, 4);
    s = c.step();
    EXPECT_EQ(kSigTrap, s.signal);
    EXPECT_NE(main_addr, c.read_register("pc"));
}

TEST(RspClientQemu, InterruptStopsARunningTargetAndTimeoutsNameTheWait)
{
    Qemu q("cortex-m4", "fw_hang.elf");
    Client &c = *q.client;
    c.resume();
    try {
        c.wait_stop(Millis(100));
        FAIL() << "fw_hang stopped by itself";
    } catch (const TimeoutError &e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("to stop")) << e.what();
    }
    c.interrupt();
    const StopReply s = c.wait_stop(Millis(2000));
    EXPECT_EQ(StopReply::Kind::kSignal, s.kind);
    EXPECT_EQ(kSigInt, s.signal);
    // halted in main's loop
    const uint32_t pc = uint32_t(c.read_register("pc"));
    const auto m = q.image.require("main");
    EXPECT_GE(pc, m.addr);
    EXPECT_LT(pc, m.addr + m.size);
    c.kill();
    EXPECT_TRUE(q.proc.wait_for(std::chrono::seconds(2)).has_value()) << "'k' ends QEMU";
}

TEST(RspClientQemu, MonitorCommand)
{
    Qemu q("cortex-m4", "fw_agent_tiny4.elf");
    const std::string out = q.client->monitor("info status");
    EXPECT_NE(std::string::npos, out.find("paused")) << out;
}

TEST(RspClient, ConnectErrorsNameTheEndpoint)
{
    TempDir d("tinytx-rsp-test");
    try {
        Client::connect(Endpoint::unix_socket(d.file("nobody.sock")), Millis(50));
        FAIL();
    } catch (const Error &e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find("nobody.sock")) << e.what();
    }
    const uint16_t port = pick_free_tcp_port();
    try {
        Client::connect(Endpoint::tcp("127.0.0.1", port), Millis(50));
        FAIL();
    } catch (const Error &e) {
        EXPECT_NE(std::string::npos, std::string(e.what()).find(std::to_string(port))) << e.what();
    }
}

}  // namespace
