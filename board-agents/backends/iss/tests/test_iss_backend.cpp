// The iss backend on the real firmware images (build/bin/firmware/<cpu>/), no mocks: the agent
// images of every case on the three boards, the failure images, broken and fuzzed images.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "tinytx/agent/backend.h"
#include "tinytx/platform/board_profile.h"
#include "tinytx/agent/iss/iss.h"

using namespace tinytx::agent;
using namespace std::chrono_literals;

namespace tinytx::agent {
void PrintTo(RunStatus s, std::ostream *os)
{
    *os << to_string(s);
}
}  // namespace tinytx::agent

namespace {

const std::string kFirmware = TINYTX_FIRMWARE_DIR;

struct Target {
    const char *board;
    const char *cpu;  // firmware directory
};
void PrintTo(const Target &t, std::ostream *os)
{
    *os << t.board << "/" << t.cpu;
}
const Target kTargets[] = {{"nucleo-l476rg", "cortex-m4"}, {"nucleo-h743zi", "cortex-m7"}, {"gap9", "rv32"}};
const char *const kCases[] = {"eegformer", "ecgformer", "tiny4", "odd"};

// The firmware's window framing (its calibration window is inlined apart from the measuring one)
// lets its DWT/mcycle figure differ from the emulator's by a few cycles; instructions on RV32
// (minstret) and cycles on M4 and RV32 match exactly on the current images.
constexpr uint64_t kFirmwareCounterSlack = 4;

const BoardCatalog &catalog()
{
    static const BoardCatalog c = BoardCatalog::load_dir(TINYTX_BOARDS_DIR);
    return c;
}

std::vector<uint8_t> file_bytes(const std::string &path)
{
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), {}};
}

std::string image_path(const std::string &cpu, const std::string &name)
{
    return kFirmware + "/" + cpu + "/" + name + ".elf";
}

ElfImage image(const std::string &cpu, const std::string &name)
{
    return ElfImage::load_file(image_path(cpu, name));
}

uint32_t golden_crc(const std::string &c)
{
    std::ifstream f(std::string(TINYTX_GOLDEN_DIR) + "/golden_" + c + ".json");
    return nlohmann::json::parse(f).at("crc").at("mhsa").get<uint32_t>();
}

RunOptions options(uint32_t repeats, std::chrono::milliseconds deadline = 20000ms)
{
    RunOptions o;
    o.repeats = repeats;
    o.deadline = deadline;
    return o;
}

// ELF32 little-endian program header access for building broken images
uint32_t rd32(const std::vector<uint8_t> &b, size_t at)
{
    return uint32_t(b[at]) | uint32_t(b[at + 1]) << 8 | uint32_t(b[at + 2]) << 16 | uint32_t(b[at + 3]) << 24;
}
void wr32(std::vector<uint8_t> &b, size_t at, uint32_t v)
{
    for (int i = 0; i < 4; ++i) b[at + i] = uint8_t(v >> (8 * i));
}
struct Phdr {
    size_t at;  // header offset in the file
    uint32_t type, offset, vaddr, paddr, filesz, memsz;
};
std::vector<Phdr> phdrs(const std::vector<uint8_t> &b)
{
    const uint32_t phoff = rd32(b, 0x1C);
    const uint16_t phentsize = uint16_t(b[0x2A] | b[0x2B] << 8), phnum = uint16_t(b[0x2C] | b[0x2D] << 8);
    std::vector<Phdr> out;
    for (uint16_t i = 0; i < phnum; ++i) {
        const size_t at = phoff + size_t(i) * phentsize;
        out.push_back({at, rd32(b, at), rd32(b, at + 4), rd32(b, at + 8), rd32(b, at + 12), rd32(b, at + 16), rd32(b, at + 20)});
    }
    return out;
}
// the file offset of a loaded virtual address
size_t file_offset(const std::vector<uint8_t> &b, uint32_t vaddr)
{
    for (const Phdr &p : phdrs(b))
        if (p.type == 1 && vaddr >= p.vaddr && vaddr < p.vaddr + p.filesz) return p.offset + (vaddr - p.vaddr);
    return 0;
}

// An agent image whose `main` starts with other code: the failure images' behaviour on an
// image that has the whole measurement protocol (see FailureImage below).
ElfImage with_main(const std::string &cpu, std::initializer_list<uint8_t> code)
{
    std::vector<uint8_t> b = file_bytes(image_path(cpu, "fw_agent_odd"));
    const size_t at = file_offset(b, ElfImage::parse(b).require("main").addr);
    std::copy(code.begin(), code.end(), b.begin() + long(at));
    return ElfImage::parse(b);
}
ElfImage hang_in_main(const std::string &cpu)
{
    return cpu == "rv32" ? with_main(cpu, {0x01, 0xa0}) : with_main(cpu, {0xfe, 0xe7});  // c.j . / b .
}
ElfImage fault_in_main(const std::string &cpu)
{
    return cpu == "rv32" ? with_main(cpu, {0x73, 0x10, 0x00, 0xc0})   // unimp
                         : with_main(cpu, {0x00, 0xde});              // udf #0
}
ElfImage exit_42_in_main(const std::string &cpu)
{
    return cpu == "rv32" ? with_main(cpu, {0x13, 0x05, 0xa0, 0x02, 0x82, 0x80})  // li a0, 42; ret
                         : with_main(cpu, {0x2a, 0x20, 0x70, 0x47});            // movs r0, #42; bx lr
}

// The failure images (fw_hang, fw_fault, fw_exit_code), when they carry the whole measurement
// protocol; the current build drops tx_bench_end/tx_bench_done from them (--gc-sections), so
// require_protocol() refuses them: such a test is skipped with the reason.
std::optional<ElfImage> failure_image(const std::string &cpu, const std::string &name)
{
    ElfImage img = image(cpu, name);
    try {
        img.require_protocol();
    } catch (const InvalidArgument &e) {
        return std::nullopt;
    }
    return img;
}

bool is_failure_status(RunStatus s)
{
    return s == RunStatus::kFault || s == RunStatus::kTimeout || s == RunStatus::kKernelError ||
           s == RunStatus::kInvalidArgument || s == RunStatus::kWrongOutput || s == RunStatus::kOk;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// agent images: every case on every board

class IssAgentImage : public ::testing::TestWithParam<std::tuple<Target, const char *>> {};

TEST_P(IssAgentImage, MeasuresCorrectlyAndAgreesWithThePainting)
{
    const auto [t, c] = GetParam();
    const BoardProfile &board = catalog().get(t.board);
    const ElfImage img = image(t.cpu, std::string("fw_agent_") + c);
    RunOptions opts = options(5);
    opts.expected_crc = golden_crc(c);
    iss::IssRunReport rep;
    const Measurement m = iss::run_iss(board, img, opts, {}, &rep);

    ASSERT_EQ(m.status, RunStatus::kOk) << m.error;
    EXPECT_TRUE(m.output_ok);
    EXPECT_EQ(m.output_crc32, *opts.expected_crc);
    EXPECT_EQ(m.backend, "iss");
    EXPECT_EQ(m.board, t.board);
    EXPECT_EQ(m.image_hash, img.sha256());
    EXPECT_EQ(m.cycles_source, Source::kEmulated);
    EXPECT_EQ(m.energy_source, Source::kModeled);
    EXPECT_GT(m.energy_uj, 0);
    ASSERT_EQ(m.cycles.size(), 5u);
    EXPECT_TRUE(std::all_of(m.cycles.begin(), m.cycles.end(), [&](uint64_t x) { return x == m.cycles[0]; }));
    EXPECT_GT(m.instructions, 0u);
    EXPECT_GT(m.cycles_median, m.instructions / 2);
    EXPECT_EQ(rep.exit_status, 0);
    EXPECT_NE(rep.console.find("agent image: done"), std::string::npos);

    ASSERT_EQ(rep.windows.size(), 5u);
    for (const iss::IssWindowReport &w : rep.windows) {
        // peaks: exactly what the firmware's painting found
        EXPECT_EQ(w.record.stack_peak, w.mailbox.stack_peak);
        EXPECT_EQ(w.record.arena_peak, w.mailbox.arena_peak);
        EXPECT_GT(w.record.stack_peak, 0u);
        EXPECT_GT(w.record.arena_peak, 0u);
        EXPECT_FALSE(w.stack_overflow);
        // counters: the firmware read the model through DWT CYCCNT / mcycle and minstret
        EXPECT_NEAR(double(w.record.cycles), double(w.mailbox.cycles), double(kFirmwareCounterSlack));
        if (board.arch == Arch::kRiscv32)
            EXPECT_NEAR(double(w.record.instructions), double(w.mailbox.instructions), double(kFirmwareCounterSlack));
        else
            EXPECT_EQ(w.mailbox.instructions, 0u);  // M-class: no instruction counter, no ticks x 40
        EXPECT_EQ(w.record.instructions + rep.calibration_instructions, w.window_instructions);
        EXPECT_EQ(w.record.crc32, *opts.expected_crc);
    }
    EXPECT_EQ(m.stack_peak_bytes, rep.windows[0].mailbox.stack_peak);
    EXPECT_EQ(m.arena_peak_bytes, rep.windows[0].mailbox.arena_peak);
    std::printf("[ iss ] %-14s %-10s cycles %10llu instructions %10llu stack %4u arena %6u (%.0f ms)\n",
                t.board, c, (unsigned long long)m.cycles_median, (unsigned long long)m.instructions,
                m.stack_peak_bytes, m.arena_peak_bytes, m.wall_time_ms);
}

INSTANTIATE_TEST_SUITE_P(AllBoardsAllCases, IssAgentImage,
                         ::testing::Combine(::testing::ValuesIn(kTargets), ::testing::ValuesIn(kCases)),
                         [](const auto &info) {
                             std::string n = std::string(std::get<0>(info.param).cpu) + "_" + std::get<1>(info.param);
                             std::replace(n.begin(), n.end(), '-', '_');
                             return n;
                         });

TEST(IssBackend, SameImageFiveTimesGivesIdenticalFigures)
{
    auto backend = make_iss_backend();
    EXPECT_EQ(backend->name(), "iss");
    const ElfImage img = image("cortex-m4", "fw_agent_eegformer");
    const BoardProfile &board = catalog().get("nucleo-l476rg");
    const Measurement first = backend->run(board, img, options(1));
    ASSERT_EQ(first.status, RunStatus::kOk) << first.error;
    for (int i = 0; i < 4; ++i) {
        const Measurement m = backend->run(board, img, options(1));
        ASSERT_EQ(m.status, RunStatus::kOk) << m.error;
        EXPECT_EQ(m.cycles, first.cycles);
        EXPECT_EQ(m.instructions, first.instructions);
        EXPECT_EQ(m.stack_peak_bytes, first.stack_peak_bytes);
        EXPECT_EQ(m.arena_peak_bytes, first.arena_peak_bytes);
        EXPECT_EQ(m.output_crc32, first.output_crc32);
    }
}

TEST(IssBackend, TwoThreadsGiveIdenticalResults)
{
    auto backend = make_iss_backend();
    const ElfImage img = image("cortex-m4", "fw_agent_eegformer");
    const BoardProfile &board = catalog().get("nucleo-l476rg");
    const Measurement ref = backend->run(board, img, options(1));
    ASSERT_EQ(ref.status, RunStatus::kOk) << ref.error;
    Measurement a, b;
    std::thread ta([&] { a = backend->run(board, img, options(2)); });
    std::thread tb([&] { b = backend->run(board, img, options(2)); });
    ta.join();
    tb.join();
    for (const Measurement *m : {&a, &b}) {
        ASSERT_EQ(m->status, RunStatus::kOk) << m->error;
        ASSERT_EQ(m->cycles.size(), 2u);
        EXPECT_EQ(m->cycles[0], ref.cycles[0]);
        EXPECT_EQ(m->cycles[1], ref.cycles[0]);
        EXPECT_EQ(m->instructions, ref.instructions);
        EXPECT_EQ(m->stack_peak_bytes, ref.stack_peak_bytes);
        EXPECT_EQ(m->arena_peak_bytes, ref.arena_peak_bytes);
        EXPECT_EQ(m->output_crc32, ref.output_crc32);
    }
}

TEST(IssBackend, WarmupsAreRunButNotReported)
{
    const ElfImage img = image("rv32", "fw_agent_tiny4");
    RunOptions opts = options(3);
    opts.warmups = 2;
    iss::IssRunReport rep;
    const Measurement m = iss::run_iss(catalog().get("gap9"), img, opts, {}, &rep);
    ASSERT_EQ(m.status, RunStatus::kOk) << m.error;
    EXPECT_EQ(m.cycles.size(), 3u);
    EXPECT_EQ(rep.windows.size(), 5u);
    EXPECT_EQ(m.cycles_median, rep.windows[0].record.cycles);  // warm-ups change nothing here
}

TEST(IssBackend, WriteHooksAgreeWithSnapshotsAndPainting)
{
    iss::IssConfig cfg;
    cfg.write_hooks = true;
    for (const auto &[board, cpu, c] : {std::tuple{"nucleo-l476rg", "cortex-m4", "eegformer"},
                                        std::tuple{"gap9", "rv32", "tiny4"}}) {
        SCOPED_TRACE(cpu);
        iss::IssRunReport rep;
        const Measurement m = iss::run_iss(catalog().get(board), image(cpu, std::string("fw_agent_") + c), options(1), cfg, &rep);
        ASSERT_EQ(m.status, RunStatus::kOk) << m.error;
        ASSERT_EQ(rep.windows.size(), 1u);
        const iss::IssWindowReport &w = rep.windows[0];
        ASSERT_TRUE(w.hook_stack_peak && w.hook_arena_peak);
        EXPECT_EQ(*w.hook_stack_peak, w.mailbox.stack_peak);
        EXPECT_EQ(*w.hook_arena_peak, w.mailbox.arena_peak);
        EXPECT_EQ(w.diff_stack_peak, w.mailbox.stack_peak);
        EXPECT_EQ(w.diff_arena_peak, w.mailbox.arena_peak);
        EXPECT_EQ(m.stack_peak_bytes, *w.hook_stack_peak);
    }
}

// Wait states charged per block from decoded accesses (the default) against one memory hook per
// access: every cycle figure of every Cortex-M image, the arena in each RAM region (fw_calib).
TEST(IssBackend, WaitStatesPerBlockAgreeWithPerAccessHooks)
{
    iss::IssConfig per_access;
    per_access.access_hooks = true;
    auto agree = [&](const BoardProfile &board, const ElfImage &img, RunOptions opts) {
        iss::IssRunReport plan_rep, hook_rep;
        const Measurement plan = iss::run_iss(board, img, opts, {}, &plan_rep);
        const Measurement hook = iss::run_iss(board, img, opts, per_access, &hook_rep);
        ASSERT_EQ(plan.status, RunStatus::kOk) << plan.error;
        ASSERT_EQ(hook.status, RunStatus::kOk) << hook.error;
        EXPECT_EQ(plan.cycles, hook.cycles);
        EXPECT_EQ(plan_rep.total_cycles, hook_rep.total_cycles);
        EXPECT_EQ(plan_rep.total_instructions, hook_rep.total_instructions);
        EXPECT_EQ(plan_rep.calibration_cycles, hook_rep.calibration_cycles);
    };
    for (const Target &t : kTargets) {
        if (catalog().get(t.board).arch != Arch::kArm) continue;
        for (const char *c : kCases) {
            SCOPED_TRACE(std::string(t.board) + " " + c);
            agree(catalog().get(t.board), image(t.cpu, std::string("fw_agent_") + c), options(1));
        }
        for (const MemoryRegion &r : catalog().get(t.board).memory) {
            if (!is_ram_kind(r.kind)) continue;
            SCOPED_TRACE(std::string(t.board) + " fw_calib, arena in " + r.name);
            RunOptions o;
            o.repeats = 22;
            o.arena_region = r.name;
            agree(catalog().get(t.board), image(t.cpu, "fw_calib"), o);
        }
    }
}

TEST(IssBackend, WrongExpectedCrcIsWrongOutput)
{
    RunOptions opts = options(1);
    opts.expected_crc = golden_crc("tiny4") ^ 1u;
    const Measurement m = make_iss_backend()->run(catalog().get("nucleo-l476rg"), image("cortex-m4", "fw_agent_tiny4"), opts);
    EXPECT_EQ(m.status, RunStatus::kWrongOutput) << m.error;
    EXPECT_FALSE(m.output_ok);
    EXPECT_EQ(m.output_crc32, golden_crc("tiny4"));
}

// ---------------------------------------------------------------------------------------------
// failure images

TEST(IssBackend, HangingImageTimesOutAtTheDeadline)
{
    for (const Target &t : kTargets) {
        SCOPED_TRACE(t.cpu);
        const Measurement m = make_iss_backend()->run(catalog().get(t.board), hang_in_main(t.cpu), options(1, 300ms));
        EXPECT_EQ(m.status, RunStatus::kTimeout) << m.error;
        EXPECT_GE(m.wall_time_ms, 300);
        EXPECT_LT(m.wall_time_ms, 300 + 500);
        EXPECT_NE(m.error.find("deadline"), std::string::npos) << m.error;
        EXPECT_TRUE(m.cycles.empty());
    }
}

TEST(IssBackend, FaultingImageReportsThePc)
{
    for (const Target &t : kTargets) {
        SCOPED_TRACE(t.cpu);
        const ElfImage img = fault_in_main(t.cpu);
        const Measurement m = make_iss_backend()->run(catalog().get(t.board), img, options(1));
        EXPECT_EQ(m.status, RunStatus::kFault) << m.error;
        ASSERT_TRUE(m.fault_pc.has_value()) << m.error;
        EXPECT_EQ(*m.fault_pc, img.require("main").addr) << m.error;
    }
    const ElfImage c_unimp = with_main("rv32", {0x00, 0x00});  // 16-bit illegal instruction
    const Measurement m = make_iss_backend()->run(catalog().get("gap9"), c_unimp, options(1));
    EXPECT_EQ(m.status, RunStatus::kFault) << m.error;
    ASSERT_TRUE(m.fault_pc.has_value()) << m.error;
    EXPECT_EQ(*m.fault_pc, c_unimp.require("main").addr) << m.error;
}

TEST(IssBackend, ExitStatusOfAnImageWithoutRunsIsReported)
{
    for (const Target &t : kTargets) {
        SCOPED_TRACE(t.cpu);
        iss::IssRunReport rep;
        const Measurement m = iss::run_iss(catalog().get(t.board), exit_42_in_main(t.cpu), options(1), {}, &rep);
        EXPECT_EQ(m.status, RunStatus::kKernelError) << m.error;
        EXPECT_NE(m.error.find("status 42"), std::string::npos) << m.error;
        EXPECT_EQ(rep.exit_status, 42);
    }
}

TEST(IssFailureImage, FwHangTimesOutAtTheDeadline)
{
    for (const Target &t : kTargets) {
        SCOPED_TRACE(t.cpu);
        auto img = failure_image(t.cpu, "fw_hang");
        if (!img) GTEST_SKIP() << t.cpu << "/fw_hang.elf lacks the measurement protocol's symbols";
        const Measurement m = make_iss_backend()->run(catalog().get(t.board), *img, options(1, 300ms));
        EXPECT_EQ(m.status, RunStatus::kTimeout) << m.error;
        EXPECT_GE(m.wall_time_ms, 300);
        EXPECT_LT(m.wall_time_ms, 300 + 500);
    }
}

TEST(IssFailureImage, FwFaultReportsAPcInMain)
{
    for (const Target &t : kTargets) {
        SCOPED_TRACE(t.cpu);
        auto img = failure_image(t.cpu, "fw_fault");
        if (!img) GTEST_SKIP() << t.cpu << "/fw_fault.elf lacks the measurement protocol's symbols";
        const Measurement m = make_iss_backend()->run(catalog().get(t.board), *img, options(1));
        EXPECT_EQ(m.status, RunStatus::kFault) << m.error;
        ASSERT_TRUE(m.fault_pc.has_value()) << m.error;
        const Symbol main_fn = img->require("main");
        EXPECT_GE(*m.fault_pc, main_fn.addr) << m.error;
        EXPECT_LT(*m.fault_pc, main_fn.addr + main_fn.size) << m.error;
        // the console text printed before the fault is kept in the error
        EXPECT_NE(m.error.find("executing an undefined instruction"), std::string::npos) << m.error;
    }
}

TEST(IssFailureImage, FwExitCodeReportsStatus42)
{
    for (const Target &t : kTargets) {
        SCOPED_TRACE(t.cpu);
        auto img = failure_image(t.cpu, "fw_exit_code");
        if (!img) GTEST_SKIP() << t.cpu << "/fw_exit_code.elf lacks the measurement protocol's symbols";
        const Measurement m = make_iss_backend()->run(catalog().get(t.board), *img, options(1));
        EXPECT_EQ(m.status, RunStatus::kKernelError) << m.error;
        EXPECT_NE(m.error.find("status 42"), std::string::npos) << m.error;
    }
}

TEST(IssFailureImage, ImagesWithoutTheProtocolAreInvalid)
{
    // what the current fw_hang/fw_fault/fw_exit_code builds get (see failure_image())
    for (const Target &t : kTargets) {
        for (const char *name : {"fw_hang", "fw_fault", "fw_exit_code"}) {
            const ElfImage img = image(t.cpu, name);
            bool complete = true;
            try {
                img.require_protocol();
            } catch (const InvalidArgument &) {
                complete = false;
            }
            if (complete) continue;
            const Measurement m = make_iss_backend()->run(catalog().get(t.board), img, options(1));
            EXPECT_EQ(m.status, RunStatus::kInvalidArgument) << t.cpu << "/" << name << ": " << m.error;
            EXPECT_NE(m.error.find("symbol"), std::string::npos) << m.error;
        }
    }
}

TEST(IssBackend, ImageOfAnotherArchitectureIsInvalid)
{
    auto backend = make_iss_backend();
    Measurement m = backend->run(catalog().get("nucleo-l476rg"), image("rv32", "fw_agent_odd"), options(1));
    EXPECT_EQ(m.status, RunStatus::kInvalidArgument) << m.error;
    EXPECT_NE(m.error.find("nucleo-l476rg"), std::string::npos) << m.error;
    m = backend->run(catalog().get("gap9"), image("cortex-m7", "fw_agent_odd"), options(1));
    EXPECT_EQ(m.status, RunStatus::kInvalidArgument) << m.error;
    m = backend->run(catalog().get("gap9"), image("rv32", "fw_agent_odd"), options(0));
    EXPECT_EQ(m.status, RunStatus::kInvalidArgument) << m.error;  // repeats must be >= 1
}

// ---------------------------------------------------------------------------------------------
// broken images: they parse, but cannot run as they should

TEST(IssBrokenImage, TruncatedBytesDoNotParse)
{
    std::vector<uint8_t> b = file_bytes(image_path("cortex-m4", "fw_agent_odd"));
    b.resize(100);
    EXPECT_THROW(ElfImage::parse(b), InvalidArgument);
    EXPECT_THROW(ElfImage::parse(std::vector<uint8_t>(4096, 0xA5)), InvalidArgument);
}

TEST(IssBrokenImage, SegmentOutsideTheMemoryIsInvalid)
{
    for (const Target &t : kTargets) {
        SCOPED_TRACE(t.cpu);
        std::vector<uint8_t> b = file_bytes(image_path(t.cpu, "fw_agent_odd"));
        for (const Phdr &p : phdrs(b)) {
            if (p.type != 1) continue;
            wr32(b, p.at + 8, 0x50000000);   // vaddr
            wr32(b, p.at + 12, 0x50000000);  // paddr
            break;
        }
        const Measurement m = make_iss_backend()->run(catalog().get(t.board), ElfImage::parse(b), options(1));
        EXPECT_EQ(m.status, RunStatus::kInvalidArgument) << m.error;
        EXPECT_NE(m.error.find("outside"), std::string::npos) << m.error;
    }
}

TEST(IssBrokenImage, BadMailboxIsAProtocolError)
{
    for (const Target &t : kTargets) {
        SCOPED_TRACE(t.cpu);
        std::vector<uint8_t> b = file_bytes(image_path(t.cpu, "fw_agent_odd"));
        const uint32_t mb = ElfImage::parse(b).require("tx_mailbox").addr;
        const size_t at = file_offset(b, mb);
        ASSERT_NE(at, 0u);
        wr32(b, at, 0x12345678);  // magic
        const Measurement m = make_iss_backend()->run(catalog().get(t.board), ElfImage::parse(b), options(1));
        EXPECT_EQ(m.status, RunStatus::kInvalidArgument) << m.error;
        EXPECT_NE(m.error.find("magic"), std::string::npos) << m.error;
    }
}

TEST(IssBrokenImage, ResetIntoUnmappedMemoryFaults)
{
    std::vector<uint8_t> b = file_bytes(image_path("cortex-m4", "fw_agent_odd"));
    const size_t vt = file_offset(b, 0);
    wr32(b, vt + 4, 0x30000001);  // reset vector: Thumb, nothing mapped there
    Measurement m = make_iss_backend()->run(catalog().get("nucleo-l476rg"), ElfImage::parse(b), options(1));
    EXPECT_EQ(m.status, RunStatus::kFault) << m.error;
    wr32(b, vt + 4, 0x00000100);  // not a Thumb address
    m = make_iss_backend()->run(catalog().get("nucleo-l476rg"), ElfImage::parse(b), options(1));
    EXPECT_EQ(m.status, RunStatus::kInvalidArgument) << m.error;
}

TEST(IssBrokenImage, GarbageCodeNeverCrashesTheProcess)
{
    std::mt19937 rng(20240601);
    std::map<std::string, int> seen;
    for (const Target &t : kTargets) {
        const std::vector<uint8_t> orig = file_bytes(image_path(t.cpu, "fw_agent_odd"));
        const ElfImage img = ElfImage::parse(orig);
        const uint32_t main_addr = img.require("main").addr;
        for (int round = 0; round < 6; ++round) {
            SCOPED_TRACE(std::string(t.cpu) + " round " + std::to_string(round));
            std::vector<uint8_t> b = orig;
            // random bytes over main and what follows it
            const size_t at = file_offset(b, main_addr);
            for (size_t i = 0; i < 4096 && at + i < b.size(); ++i) b[at + i] = uint8_t(rng());
            const Measurement m = make_iss_backend()->run(catalog().get(t.board), ElfImage::parse(b), options(1, 300ms));
            EXPECT_TRUE(is_failure_status(m.status)) << to_string(m.status) << " " << m.error;
            EXPECT_NE(m.status, RunStatus::kOk);
            EXPECT_LT(m.wall_time_ms, 300 + 500);
            ++seen[to_string(m.status)];
        }
    }
    for (const auto &[s, n] : seen) std::printf("[ iss ] garbage code: %s x%d\n", s.c_str(), n);
}

TEST(IssBrokenImage, RandomByteFlipsNeverCrashTheProcess)
{
    std::mt19937 rng(7);
    int ran = 0;
    std::map<std::string, int> seen;
    for (const Target &t : kTargets) {
        const std::vector<uint8_t> orig = file_bytes(image_path(t.cpu, "fw_agent_odd"));
        for (int round = 0; round < 12; ++round) {
            std::vector<uint8_t> b = orig;
            const int flips = 1 + int(rng() % 64);
            for (int i = 0; i < flips; ++i) b[rng() % b.size()] ^= uint8_t(1u << (rng() % 8));
            // the program headers too, now and then
            if (round % 3 == 0) {
                const uint32_t phoff = rd32(b, 0x1C);
                if (phoff + 64 < b.size()) b[phoff + 4 + rng() % 56] ^= uint8_t(rng());
            }
            std::optional<ElfImage> img;
            try {
                img = ElfImage::parse(b);
            } catch (const InvalidArgument &) {
                continue;
            }
            ++ran;
            const Measurement m = make_iss_backend()->run(catalog().get(t.board), *img, options(1, 300ms));
            EXPECT_TRUE(is_failure_status(m.status)) << to_string(m.status) << " " << m.error;
            EXPECT_LT(m.wall_time_ms, 300 + 500);
            ++seen[to_string(m.status)];
        }
    }
    EXPECT_GT(ran, 0);
    for (const auto &[s, n] : seen) std::printf("[ iss ] byte flips: %s x%d\n", s.c_str(), n);
}
