// The qemu backend on the real firmware images: every board profile and golden case, the
// timeout, fault, wrong-output and bad-request paths, and parallel runs.
#include <gtest/gtest.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tinytx/agent/backend.h"
#include "tinytx/agent/qemu/qemu.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/platform/mailbox.h"

using namespace tinytx::agent;

namespace {

std::string fw_dir()
{
    const char *env = std::getenv("TINYTX_FIRMWARE_DIR");  // e.g. a patched firmware build
    return env && *env ? env : TINYTX_FIRMWARE_DIR;
}

const BoardCatalog &catalog()
{
    static const BoardCatalog c = BoardCatalog::load_dir(BoardCatalog::default_dir());
    return c;
}

std::string cpu_dir(const std::string &board)
{
    if (board == "nucleo-l476rg") return "cortex-m4";
    if (board == "nucleo-h743zi") return "cortex-m7";
    return "rv32";
}

ElfImage image(const std::string &board, const std::string &elf)
{
    return ElfImage::load_file(fw_dir() + "/" + cpu_dir(board) + "/" + elf);
}

uint32_t golden_mhsa_crc(const std::string &c)
{
    std::ifstream f(std::string(TINYTX_GOLDEN_DIR) + "/golden_" + c + ".json");
    if (!f) throw std::runtime_error("no golden file for " + c);
    return nlohmann::json::parse(f).at("crc").at("mhsa").get<uint32_t>();
}

// no child process of this test process is left (QEMU killed and reaped)
bool no_children()
{
    errno = 0;
    return ::waitpid(-1, nullptr, WNOHANG) == -1 && errno == ECHILD;
}

// fw_hang / fw_fault must carry the measurement markers for the backend to accept them
void require_markers(const ElfImage &img, const std::string &what)
{
    try {
        img.require_protocol();
    } catch (const InvalidArgument &e) {
        FAIL() << what << " lacks the measurement protocol's symbols (" << e.what()
               << "): the firmware's linker scripts must KEEP the marker sections "
                  "(.text.tx_bench_begin/end/done) so that --gc-sections keeps them in every image";
    }
}

struct Case {
    std::string board;
    std::string name;
};

class QemuBackendCase : public ::testing::TestWithParam<Case> {};

TEST_P(QemuBackendCase, MeasuresTheGoldenOutput)
{
    const auto &[board_name, c] = GetParam();
    const BoardProfile &board = catalog().get(board_name);
    const ElfImage img = image(board_name, "fw_agent_" + c + ".elf");
    RunOptions o;
    o.repeats = 3;
    o.warmups = 1;
    o.deadline = std::chrono::milliseconds(20000);
    o.expected_crc = golden_mhsa_crc(c);
    auto backend = make_qemu_backend();
    EXPECT_EQ("qemu", backend->name());
    const Measurement m = backend->run(board, img, o);
    ASSERT_EQ(RunStatus::kOk, m.status) << m.error;
    EXPECT_TRUE(m.output_ok);
    EXPECT_EQ(*o.expected_crc, m.output_crc32);
    EXPECT_EQ("qemu", m.backend);
    EXPECT_EQ(board_name, m.board);
    EXPECT_EQ(img.sha256(), m.image_hash);
    EXPECT_GT(m.wall_time_ms, 0);
    ASSERT_EQ(3u, m.cycles.size()) << "warm-ups excluded";
    EXPECT_EQ(Source::kEmulated, m.cycles_source);
    EXPECT_EQ(Source::kModeled, m.energy_source);
    EXPECT_GT(m.instructions, 10000u);
    EXPECT_EQ(m.instructions, m.cycles_median) << "QEMU: cycles are instruction counts";
    const auto [lo, hi] = std::minmax_element(m.cycles.begin(), m.cycles.end());
    if (board.arch == Arch::kArm) {
        EXPECT_EQ(0u, m.instructions % 40) << "instructions = SysTick ticks x 40";
        EXPECT_LE(*hi - *lo, 40u);
    } else {
        EXPECT_EQ(*hi, *lo) << "minstret is exact and deterministic";
    }
    EXPECT_GT(m.stack_peak_bytes, 0u);
    EXPECT_GT(m.arena_peak_bytes, 0u);
    EXPECT_GT(m.energy_uj, 0);
    EXPECT_FALSE(m.fault_pc);
    EXPECT_TRUE(no_children());
}

std::vector<Case> all_cases()
{
    std::vector<Case> v;
    for (const char *b : {"nucleo-l476rg", "nucleo-h743zi", "gap9"})
        for (const char *c : {"eegformer", "ecgformer", "tiny4", "odd"}) v.push_back({b, c});
    return v;
}

INSTANTIATE_TEST_SUITE_P(Boards, QemuBackendCase, ::testing::ValuesIn(all_cases()),
                         [](const ::testing::TestParamInfo<Case> &i) {
                             std::string n = i.param.board + "_" + i.param.name;
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(QemuBackend, RepeatsAndWarmupsMatchTheRecords)
{
    const BoardProfile &board = catalog().get("gap9");
    RunOptions o;
    o.repeats = 1;
    o.warmups = 0;
    const Measurement one = make_qemu_backend()->run(board, image("gap9", "fw_agent_tiny4.elf"), o);
    ASSERT_EQ(RunStatus::kOk, one.status) << one.error;
    EXPECT_EQ(1u, one.cycles.size());
    o.repeats = 5;
    o.warmups = 2;
    const Measurement five = make_qemu_backend()->run(board, image("gap9", "fw_agent_tiny4.elf"), o);
    ASSERT_EQ(RunStatus::kOk, five.status) << five.error;
    EXPECT_EQ(5u, five.cycles.size());
    EXPECT_EQ(one.cycles_median, five.cycles_median);
}

TEST(QemuBackend, HangTimesOutWithinTheDeadlineAndLeavesNoProcess)
{
    for (const char *b : {"nucleo-l476rg", "gap9"}) {
        RunOptions o;
        o.deadline = std::chrono::milliseconds(800);
        const ElfImage img = image(b, "fw_hang.elf");
        require_markers(img, std::string(b) + " fw_hang.elf");
        const Measurement m = make_qemu_backend()->run(catalog().get(b), img, o);
        EXPECT_EQ(RunStatus::kTimeout, m.status) << b << ": " << m.error;
        EXPECT_NE(std::string::npos, m.error.find("deadline")) << m.error;
        EXPECT_GE(m.wall_time_ms, 790);
        EXPECT_LT(m.wall_time_ms, 800 + 1000) << "deadline + slack";
        EXPECT_TRUE(m.cycles.empty());
        EXPECT_TRUE(no_children()) << "QEMU was killed and reaped";
    }
}

TEST(QemuBackend, FaultReportsTheFaultingPc)
{
    for (const char *b : {"nucleo-l476rg", "nucleo-h743zi", "gap9"}) {
        const ElfImage img = image(b, "fw_fault.elf");
        require_markers(img, std::string(b) + " fw_fault.elf");
        const Measurement m = make_qemu_backend()->run(catalog().get(b), img, RunOptions{});
        EXPECT_EQ(RunStatus::kFault, m.status) << b << ": " << m.error;
        ASSERT_TRUE(m.fault_pc) << b << ": " << m.error;
        // the undefined instruction is in main
        const Symbol main_sym = img.require("main");
        EXPECT_GE(*m.fault_pc, main_sym.addr) << b;
        EXPECT_LT(*m.fault_pc, main_sym.addr + main_sym.size) << b;
        EXPECT_TRUE(no_children());
    }
}

TEST(QemuBackend, ImageExitingBeforeItsRunsIsAFailedRun)
{
    // fw_exit_code returns 42 from main without measuring anything
    const ElfImage img = image("nucleo-l476rg", "fw_exit_code.elf");
    const Measurement m = make_qemu_backend()->run(catalog().get("nucleo-l476rg"), img, RunOptions{});
    bool protocol = true;
    try {
        img.require_protocol();
    } catch (const InvalidArgument &) {
        protocol = false;  // images linked before the markers were kept in every image
    }
    if (protocol) {
        EXPECT_EQ(RunStatus::kKernelError, m.status) << m.error;
        EXPECT_NE(std::string::npos, m.error.find("status 42")) << m.error;
        EXPECT_NE(std::string::npos, m.error.find("returning 42")) << "console: " << m.error;
    } else {
        EXPECT_EQ(RunStatus::kInvalidArgument, m.status) << m.error;
    }
    EXPECT_TRUE(no_children());
}

TEST(QemuBackend, WrongExpectedCrcIsWrongOutput)
{
    RunOptions o;
    o.repeats = 2;
    o.expected_crc = golden_mhsa_crc("tiny4") ^ 1u;
    const Measurement m = make_qemu_backend()->run(catalog().get("nucleo-l476rg"),
                                                   image("nucleo-l476rg", "fw_agent_tiny4.elf"), o);
    EXPECT_EQ(RunStatus::kWrongOutput, m.status);
    EXPECT_FALSE(m.output_ok);
    EXPECT_NE(std::string::npos, m.error.find("expected")) << m.error;
    EXPECT_EQ(2u, m.cycles.size()) << "the measurement is still reported";
}

TEST(QemuBackend, BadRequestsAreInvalidArgument)
{
    auto backend = make_qemu_backend();
    // an RV32 image on a Cortex-M4 board
    Measurement m = backend->run(catalog().get("nucleo-l476rg"), image("gap9", "fw_agent_tiny4.elf"),
                                 RunOptions{});
    EXPECT_EQ(RunStatus::kInvalidArgument, m.status);
    EXPECT_NE(std::string::npos, m.error.find("riscv32")) << m.error;
    EXPECT_NE(std::string::npos, m.error.find("nucleo-l476rg")) << m.error;
    EXPECT_EQ("qemu", m.backend);
    EXPECT_FALSE(m.image_hash.empty());
    // an image without the measurement protocol (a marker renamed in the symbol table)
    std::vector<uint8_t> bytes = image("nucleo-l476rg", "fw_agent_tiny4.elf").bytes();
    const std::string done("tx_bench_done");
    auto it = std::search(bytes.begin(), bytes.end(), done.begin(), done.end());
    ASSERT_NE(bytes.end(), it);
    it[9] = 'D';
    m = backend->run(catalog().get("nucleo-l476rg"), ElfImage::parse(bytes), RunOptions{});
    EXPECT_EQ(RunStatus::kInvalidArgument, m.status);
    EXPECT_NE(std::string::npos, m.error.find("tx_bench_done")) << m.error;
    // zero repeats
    RunOptions zero;
    zero.repeats = 0;
    m = backend->run(catalog().get("gap9"), image("gap9", "fw_agent_tiny4.elf"), zero);
    EXPECT_EQ(RunStatus::kInvalidArgument, m.status);
    EXPECT_TRUE(no_children());
}

TEST(QemuBackend, BrokenEmulatorIsUnavailableWithItsMessage)
{
    BoardProfile missing = catalog().get("nucleo-l476rg");
    missing.qemu_system = "qemu-system-tinytx-missing";
    const ElfImage img = image("nucleo-l476rg", "fw_agent_tiny4.elf");
    Measurement m = make_qemu_backend()->run(missing, img, RunOptions{});
    EXPECT_EQ(RunStatus::kUnavailable, m.status);
    EXPECT_NE(std::string::npos, m.error.find("qemu-system-tinytx-missing")) << m.error;

    BoardProfile bad = catalog().get("nucleo-l476rg");
    bad.qemu_machine = "no-such-machine";
    m = make_qemu_backend()->run(bad, img, RunOptions{});
    EXPECT_EQ(RunStatus::kUnavailable, m.status);
    EXPECT_NE(std::string::npos, m.error.find("exited with status 1")) << m.error;
    EXPECT_NE(std::string::npos, m.error.find("unsupported machine type")) << m.error;  // stderr
    EXPECT_TRUE(no_children());
}

TEST(QemuBackend, DeadlineShorterThanTheStartIsATimeout)
{
    RunOptions o;
    o.deadline = std::chrono::milliseconds(5);
    const Measurement m = make_qemu_backend()->run(catalog().get("gap9"),
                                                   image("gap9", "fw_agent_tiny4.elf"), o);
    EXPECT_EQ(RunStatus::kTimeout, m.status) << m.error;
    EXPECT_LT(m.wall_time_ms, 1000);
    EXPECT_TRUE(no_children());
}

TEST(QemuBackend, EmulatorDyingMidRunIsUnavailable)
{
    // kill this test's QEMU child while it runs fw_agent with many runs
    std::atomic<bool> stop{false};
    std::thread killer([&] {
        std::this_thread::sleep_for(std::chrono::milliseconds(300));
        for (int i = 0; i < 100 && !stop; ++i) {
            std::ifstream tasks("/proc/self/task/" + std::to_string(::getpid()) + "/children");
            pid_t child = 0;
            if (tasks >> child && child > 0) {
                ::kill(child, SIGKILL);  // the QEMU this test started
                return;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(20));
        }
    });
    RunOptions o;
    o.repeats = 5000;
    o.deadline = std::chrono::milliseconds(20000);
    const Measurement m = make_qemu_backend()->run(catalog().get("nucleo-l476rg"),
                                                   image("nucleo-l476rg", "fw_agent_tiny4.elf"), o);
    stop = true;
    killer.join();
    EXPECT_EQ(RunStatus::kUnavailable, m.status) << m.error;
    EXPECT_NE(std::string::npos, m.error.find("killed by signal 9")) << m.error;
    EXPECT_LT(m.wall_time_ms, 5000);
    EXPECT_TRUE(no_children());
}

TEST(QemuBackend, TwoRunsInParallel)
{
    auto backend = make_qemu_backend();  // one backend, two threads
    Measurement a, b;
    RunOptions o;
    o.repeats = 3;
    o.expected_crc = golden_mhsa_crc("eegformer");
    const ElfImage ia = image("nucleo-h743zi", "fw_agent_eegformer.elf");
    const ElfImage ib = image("gap9", "fw_agent_eegformer.elf");
    std::thread ta([&] { a = backend->run(catalog().get("nucleo-h743zi"), ia, o); });
    std::thread tb([&] { b = backend->run(catalog().get("gap9"), ib, o); });
    ta.join();
    tb.join();
    EXPECT_EQ(RunStatus::kOk, a.status) << a.error;
    EXPECT_EQ(RunStatus::kOk, b.status) << b.error;
    EXPECT_EQ("nucleo-h743zi", a.board);
    EXPECT_EQ("gap9", b.board);
    EXPECT_EQ(3u, a.cycles.size());
    EXPECT_EQ(3u, b.cycles.size());
    EXPECT_TRUE(no_children());
}

TEST(QemuBackend, CommandLineFollowsTheProfile)
{
    const auto cmd = tinytx::agent::qemu::qemu_command(catalog().get("gap9"), "/x.elf", "/d/gdb.sock");
    const std::string s = [&] {
        std::string j;
        for (const auto &a : cmd) j += a + " ";
        return j;
    }();
    EXPECT_EQ("qemu-system-riscv32", cmd[0]);
    EXPECT_NE(std::string::npos, s.find("-M virt -bios none")) << s;
    EXPECT_NE(std::string::npos, s.find("-icount shift=0")) << s;
    EXPECT_NE(std::string::npos, s.find(" -S ")) << s;
    EXPECT_NE(std::string::npos, s.find("path=/d/gdb.sock")) << s;
    const auto m7 = tinytx::agent::qemu::qemu_command(catalog().get("nucleo-h743zi"), "/x.elf", "");
    const std::string s7 = [&] {
        std::string j;
        for (const auto &a : m7) j += a + " ";
        return j;
    }();
    EXPECT_NE(std::string::npos, s7.find("-M mps2-an500 -cpu cortex-m7")) << s7;
    EXPECT_EQ(std::string::npos, s7.find(" -S ")) << s7;
}

}  // namespace
